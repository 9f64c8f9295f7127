"""What the host runs for a provider: TARGET, the command line and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gestalt.core._kinds import ProviderKind
from gestalt.core._pyproject import explain_missing_target, target_from_pyproject
from gestalt.core._wire import HOST_VARIABLES
from gestalt.core.testing._host_contract import SAFE_ENV, EmulatorError, wire_of

#: The KIND word a protocol-5 manifest names a kind with (``app`` is spelled
#: ``integration`` on the command line, as upstream's ``gestalt run`` expects).
_V5_KIND_WORDS = {ProviderKind.AUTH: "identity"}


def resolve_target(root: Path, kind: str, target: str | None) -> str:
    """TARGET as the host would pass it: given, or from ``[tool.gestalt]``."""
    if target is not None:
        return target
    if (root / "go.mod").exists() or (root / "Cargo.toml").exists():
        raise EmulatorError(
            f"{root} holds a Go or Rust package; the host would not treat it as Python"
        )
    found = target_from_pyproject(root, kind)
    if found is None:
        raise EmulatorError(f"no TARGET for KIND {kind!r}: {explain_missing_target(root, kind)}")
    return found


def runtime_argv(python: str, root: Path, target: str, kind: str) -> list[str]:
    """The source-mode command line: ``PYTHON -m gestalt._runtime ROOT TARGET KIND``."""
    return [python, "-m", "gestalt._runtime", str(root), target, kind]


def manifest_run_argv(python: str, target: str, kind: ProviderKind) -> list[str]:
    """A protocol-5 manifest's run command, ``gestalt run . TARGET KIND``, without uv.

    The host runs it with ROOT as the working directory, so ROOT is ``.``.
    """
    word = _V5_KIND_WORDS.get(kind, kind.value)
    return [python, "-m", "gestalt._cli", "run", ".", target, word]


def serve_environment(
    extra: Mapping[str, str],
    endpoint: str,
    host_env: Mapping[str, str],
    *,
    protocol: int = 2,
    name: str = "",
) -> dict[str, str]:
    """The scrubbed serving environment, built in the host's order.

    The safe variables of the emulator's own environment, then the config's ``env:`` map,
    then the endpoint, the parent pid (``GESTALT_PLUGIN_*`` below protocol 5,
    ``GESTALT_PROVIDER_SOCKET``/``GESTALT_APP_*`` from 5 on, with the instance name) and
    the host-service variables, which win.
    """
    variables = HOST_VARIABLES[wire_of(protocol)]
    env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
    env.update(extra)
    env[variables.socket] = endpoint
    env[variables.parent_pid] = str(os.getpid())
    if wire_of(protocol) == 5:
        env["GESTALT_APP_NAME"] = name
    env.update(host_env)
    return env


def catalog_environment(destination: Path, protocol: int = 2) -> dict[str, str]:
    """Catalog-export mode: the full environment, the catalog path in ``protocol``'s
    variable, and no socket or parent-pid variable of either generation."""
    env = dict(os.environ)
    for variables in HOST_VARIABLES.values():
        env.pop(variables.socket, None)
        env.pop(variables.parent_pid, None)
        env.pop(variables.write_catalog, None)
    env[HOST_VARIABLES[wire_of(protocol)].write_catalog] = str(destination)
    return env
