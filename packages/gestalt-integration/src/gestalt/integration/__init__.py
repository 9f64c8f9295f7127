"""Write Gestalt integration providers: typed operations, catalogs and request context.

Declare operations on a :class:`Plugin`; the SDK validates each call's params into the
handler's pydantic model, derives the catalog (ids, JSON Schemas, flat parameters) from
the signatures, serves ``IntegrationProvider`` and writes the static catalog when the
host asks. Migrating from ``gestalt-sdk``: ``from gestalt import integration as gestalt``
keeps ``gestalt.Plugin``, ``gestalt.Model``, ``gestalt.Error`` and friends working.
"""

from gestalt.core import (
    GestaltError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
)
from gestalt.integration._catalog import (
    NO_DEFAULT,
    Catalog,
    CatalogOperation,
    CatalogParameter,
    OperationAnnotations,
)
from gestalt.integration._context import Access, Credential, IntegrationToken, Request, Subject
from gestalt.integration._model import Model, field
from gestalt.integration._plugin import Plugin
from gestalt.integration._results import OK, Error, Response, ok
from gestalt.integration._version import __version__

__all__ = [
    "NO_DEFAULT",
    "OK",
    "Access",
    "Catalog",
    "CatalogOperation",
    "CatalogParameter",
    "Credential",
    "Error",
    "GestaltError",
    "IntegrationToken",
    "InvalidArgumentError",
    "Model",
    "NotFoundError",
    "OperationAnnotations",
    "PermissionDeniedError",
    "Plugin",
    "Request",
    "Response",
    "Subject",
    "UnauthenticatedError",
    "UnavailableError",
    "__version__",
    "field",
    "ok",
]
