"""pytest fixtures for provider tests: a provider launched as gestaltd would, once per module.

pytest loads this module through gestalt-core's ``pytest11`` entry point, so the fixtures
are there as soon as gestalt-core and pytest are installed (gestalt-core does not depend on
pytest; only pytest imports this module). With plugin autoloading off, add
``-p gestalt._pytest_plugin``. It sits outside ``gestalt.core`` because importing anything
in there loads grpc, which every pytest session would pay for.

- ``gestalt_provider``: the running :class:`~gestalt.core.testing.ProviderProcess`, started
  before the module's first test that asks for it and stopped (and checked) after its last.
- ``gestalt_launch``: the :func:`~gestalt.core.testing.launch` keyword arguments. By
  default, the provider directory nearest above the test file whose ``pyproject.toml`` has
  a ``[tool.gestalt]`` target, with the one KIND it names; override it to choose.
- ``gestalt_protocol``: the gestaltd protocol to play, 2 by default; override it with
  ``params=[2, 5]`` to run a module under both hosts (a ``protocol`` key in
  ``gestalt_launch`` wins).
- ``gestalt_host_cache``, ``gestalt_host_s3``: a fresh unnamed host cache and object store
  per module; put them in ``gestalt_launch``'s ``host_services`` to serve them, and
  override them for named bindings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# gestalt.core is imported inside the fixtures: pytest loads this plugin in every session of
# an environment with gestalt-core installed, and grpc (about 130 ms) would cost each one.
if TYPE_CHECKING:
    from gestalt.core.testing import HostCacheService, HostS3Service, ProviderProcess


def _provider_root(start: Path) -> Path | None:
    from gestalt.core._pyproject import kinds_in_pyproject

    for directory in (start, *start.parents):
        if kinds_in_pyproject(directory):
            return directory
    return None


@pytest.fixture(scope="module")
def gestalt_launch(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The ``launch()`` keyword arguments of this module's provider; override to choose.

    The default finds the provider directory nearest above the test file (a
    ``pyproject.toml`` with a ``[tool.gestalt]`` target) and the one KIND it names.
    """
    from gestalt.core._pyproject import kinds_in_pyproject

    start = Path(request.path).parent
    root = _provider_root(start)
    if root is None:
        pytest.fail(
            f"no provider directory above {start} (a pyproject.toml with a [tool.gestalt] "
            'target); override the gestalt_launch fixture: return {"root": ..., "kind": ...}',
            pytrace=False,
        )
    kinds = kinds_in_pyproject(root)
    if len(kinds) > 1:
        pytest.fail(
            f"{root}/pyproject.toml names targets for several kinds ({', '.join(kinds)}); "
            'override the gestalt_launch fixture: return {"root": ..., "kind": ...}',
            pytrace=False,
        )
    return {"root": root, "kind": kinds[0]}


@pytest.fixture(scope="module")
def gestalt_host_cache() -> HostCacheService:
    """A fresh host cache binding (unnamed) for this module; override for a named one."""
    from gestalt.core.testing import HostCacheService

    return HostCacheService()


@pytest.fixture(scope="module")
def gestalt_host_s3() -> HostS3Service:
    """A fresh host object store binding (unnamed) for this module; override for a named one."""
    from gestalt.core.testing import HostS3Service

    return HostS3Service()


@pytest.fixture(scope="module")
def gestalt_protocol() -> int:
    """The gestaltd protocol ``gestalt_provider`` plays: 2; override to choose, e.g.::

    @pytest.fixture(scope="module", params=[2, 5])
    def gestalt_protocol(request):
        return request.param
    """
    return 2


@pytest.fixture(scope="module")
def gestalt_provider(
    gestalt_launch: dict[str, Any], gestalt_protocol: int
) -> Iterator[ProviderProcess]:
    """The provider of ``gestalt_launch``, launched once per module as a gestaltd of
    ``gestalt_protocol`` would (a ``protocol`` key in ``gestalt_launch`` wins).

    Stopped as the host stops it after the module's last test; a provider that needs
    SIGKILL or exits with an error status fails that teardown.
    """
    from gestalt.core.testing import launch

    with launch(**{"protocol": gestalt_protocol, **gestalt_launch}) as process:
        yield process
