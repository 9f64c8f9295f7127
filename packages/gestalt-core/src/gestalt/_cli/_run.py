"""``gestalt run ROOT [TARGET [KIND]]``: the runtime, with what a provider manifest leaves out.

A protocol-5 manifest's run command is ``gestalt run . TARGET``, with a kind word after
TARGET for the kinds other than ``app`` (the host starts it with the working directory set
to ROOT). Without KIND, the kind is what ROOT declares (see :func:`infer_kind`), else
``integration``, as gestaltd's own Python SDK assumes. Without TARGET, it is read from
``[tool.gestalt]`` (``provider = "module:attr"`` for every kind, or the kind's own key).
"""

from __future__ import annotations

import os
import sys

from gestalt._cli._kind import KindError, declared_kind, infer_kind, kind_word
from gestalt.core._pyproject import explain_missing_target, target_from_pyproject


class RunError(ValueError):
    """A ``gestalt run`` that cannot start; the message is one line."""


def run_command(root: str, target: str | None, kind: str | None) -> int:
    """Serve ROOT's provider under the host that started us; returns the exit status."""
    try:
        args = runtime_args(root, target, kind)
    except (RunError, KindError) as error:
        print(f"gestalt run: {error}", file=sys.stderr)
        return 2
    from gestalt._runtime.__main__ import main as runtime_main

    return runtime_main(args)


def runtime_args(root: str, target: str | None, kind: str | None) -> list[str]:
    """The runtime's ``ROOT TARGET [KIND]`` for what ``gestalt run`` was given.

    KIND is left out only when nothing says which kind TARGET is: the runtime then serves
    it as an integration, and says to add the kind word if TARGET is not one.

    Raises:
        RunError: ROOT is not a directory, or no TARGET is given or found.
        KindError: KIND, or the kind ROOT declares, is not one this SDK serves.
    """
    if not os.path.isdir(root):
        raise RunError(f"ROOT {root[:200]!r} is not a directory")
    word = kind_word(kind) if kind and kind.strip() else None
    target = (target or "").strip()
    if target:
        word = word or infer_kind(root, target)
        return [root, target] if word is None else [root, target, word]
    word = word or declared_kind(root, "pass TARGET and KIND") or "integration"
    found = target_from_pyproject(root, word, protocol=5)
    if found is None:
        raise RunError(f"no TARGET given: {explain_missing_target(root, word, protocol=5)}")
    return [root, found, word]
