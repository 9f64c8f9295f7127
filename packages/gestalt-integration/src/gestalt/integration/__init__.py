"""Write Gestalt integration providers: typed operations, catalogs and request context.

Declare operations on a :class:`Plugin` (or with the module-level :func:`operation`); the
SDK validates each call's params into the handler's pydantic model, derives the catalog
(ids, JSON Schemas, flat parameters) from the signatures, serves ``IntegrationProvider``
(protocol 2) or ``AppProvider`` (protocol 5) and writes the static catalog when the host
asks. Migrating from ``gestalt-sdk``:
``from gestalt import integration as gestalt`` keeps upstream's integration names
(``gestalt.operation``, ``gestalt.Plugin``, ``gestalt.Model``, ``gestalt.Error``, ...)
working; a name for a feature this wire does not serve fails with one line that says so.
"""

import typing as _typing

from gestalt.core import (
    AlreadyExistsError,
    FailedPreconditionError,
    GestaltError,
    InternalError,
    InvalidArgumentError,
    NotBoundError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    RuntimeMetadata,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from gestalt.integration._catalog import (
    NO_DEFAULT,
    Catalog,
    CatalogOperation,
    CatalogParameter,
    OperationAnnotations,
)
from gestalt.integration._compat import UnavailableFeatureError
from gestalt.integration._compat import missing_name as _missing_name
from gestalt.integration._context import (
    Access,
    AgentInvocation,
    Caller,
    Credential,
    Host,
    IntegrationToken,
    Invocation,
    Permission,
    Request,
    RequestMeta,
    Subject,
)
from gestalt.integration._model import Model, field
from gestalt.integration._module import (
    configure,
    http_subject,
    operation,
    post_connect,
    session_catalog,
)
from gestalt.integration._operations import OperationOptions
from gestalt.integration._plugin import Plugin
from gestalt.integration._results import OK, Error, RawResponse, Response, ok
from gestalt.integration._version import __version__

#: Upstream's name for the token a ``PostConnect`` hook receives.
ConnectedToken = IntegrationToken

__all__ = [
    "NO_DEFAULT",
    "OK",
    "Access",
    "AgentInvocation",
    "AlreadyExistsError",
    "Caller",
    "Catalog",
    "CatalogOperation",
    "CatalogParameter",
    "ConnectedToken",
    "Credential",
    "Error",
    "FailedPreconditionError",
    "GestaltError",
    "HTTPSubjectRequest",
    "HTTPSubjectResolutionError",
    "Host",
    "IntegrationToken",
    "InternalError",
    "InvalidArgumentError",
    "Invocation",
    "Model",
    "NotBoundError",
    "NotFoundError",
    "OperationAnnotations",
    "OperationOptions",
    "OutOfRangeError",
    "Permission",
    "PermissionDeniedError",
    "Plugin",
    "RawResponse",
    "Request",
    "RequestMeta",
    "Response",
    "RuntimeMetadata",
    "Subject",
    "UnauthenticatedError",
    "UnavailableError",
    "UnavailableFeatureError",
    "UnimplementedError",
    "__version__",
    "configure",
    "field",
    "http_subject",
    "http_subject_error",
    "ok",
    "operation",
    "post_connect",
    "session_catalog",
]


#: Names loaded on first use: hosted HTTP subject resolution is protocol 5's alone, and a
#: provider served to a protocol-2 host should not pay for importing it.
_HTTP_SUBJECT_NAMES = frozenset(
    {"HTTPSubjectRequest", "HTTPSubjectResolutionError", "http_subject_error"}
)

if _typing.TYPE_CHECKING:
    from gestalt.integration._http_subject import (
        HTTPSubjectRequest,
        HTTPSubjectResolutionError,
        http_subject_error,
    )
else:  # type checkers keep reporting unknown names as missing

    def __getattr__(name: str) -> object:
        if name in _HTTP_SUBJECT_NAMES:
            from gestalt.integration import _http_subject

            return getattr(_http_subject, name)
        raise _missing_name(name)
