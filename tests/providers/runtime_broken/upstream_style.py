import gestalt

plugin = gestalt.Plugin("old")  # type: ignore[attr-defined]
