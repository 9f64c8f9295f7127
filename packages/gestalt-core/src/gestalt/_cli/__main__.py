"""``python -m gestalt._cli run|build ...``: the ``gestalt`` command without its script."""

from __future__ import annotations

from gestalt._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
