"""Test providers the way gestaltd runs them: a host emulator and fake host services.

:func:`launch` starts a provider as a real subprocess the way a protocol-2 gestaltd does
(``python -m gestalt._runtime ROOT TARGET KIND``) or a protocol-5 one does (the manifest's
``gestalt run . TARGET KIND`` in ROOT), with that host's environment, socket, start-up calls
and shutdown; :func:`export_catalog`
runs catalog-export mode; :class:`HostLogin` walks an auth provider through a browser login
with the host's ``state`` rewrite. ``python -m gestalt.core.testing ROOT`` launches and calls
from a shell.
"""

from gestalt.core.testing._catalog_check import catalog_problems, parse_catalog_text
from gestalt.core.testing._catalog_export import CatalogExport, export_catalog
from gestalt.core.testing._host_cache import HostCacheService
from gestalt.core.testing._host_contract import EmulatorError
from gestalt.core.testing._host_s3 import HostS3Service
from gestalt.core.testing._host_services import HostService, binding_env_suffix, socket_env
from gestalt.core.testing._interpreter import find_interpreter
from gestalt.core.testing._login import HostLogin, unwrap_callback, wrap_state
from gestalt.core.testing._process import ProviderProcess, StopResult, launch, result_text

__all__ = [
    "CatalogExport",
    "EmulatorError",
    "HostCacheService",
    "HostLogin",
    "HostS3Service",
    "HostService",
    "ProviderProcess",
    "StopResult",
    "binding_env_suffix",
    "catalog_problems",
    "export_catalog",
    "find_interpreter",
    "launch",
    "parse_catalog_text",
    "result_text",
    "socket_env",
    "unwrap_callback",
    "wrap_state",
]
