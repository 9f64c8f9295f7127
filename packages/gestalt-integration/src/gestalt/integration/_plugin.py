"""``Plugin``: the registry of an integration's operations and hooks."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, Unpack, overload

from gestalt.integration._catalog import Catalog
from gestalt.integration._manifest import manifest_name
from gestalt.integration._operations import Operation, OperationOptions, build_operation

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=Callable[..., Any])

#: What a session-catalog hook may return.
SessionCatalog = Catalog | Mapping[str, Any] | None
ConfigureHook = Callable[[str, dict[str, Any]], object]


class Plugin:
    """An integration provider: declare operations on it and point ``[tool.gestalt]`` at it.

    Example::

        plugin = Plugin("weather")

        @plugin.operation(method="GET", read_only=True)
        def forecast(params: ForecastIn) -> ForecastOut:
            "Forecast for a city."
            ...

    Args:
        name: The catalog name (the host keeps a non-empty one as written).
        display_name: Catalog display name (the host usually overrides it).
        description: Catalog description.
        icon_svg: Catalog icon.
        module_name: A module whose undecorated ``configure``, ``session_catalog`` and
            ``post_connect`` functions are this plugin's hooks when none is declared
            (upstream's convention; the module-level decorators set it).
    """

    def __init__(
        self,
        name: str,
        *,
        display_name: str = "",
        description: str = "",
        icon_svg: str = "",
        module_name: str | None = None,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.description = description
        self.icon_svg = icon_svg
        self.module_name = module_name
        self._operations: dict[str, Operation] = {}
        self._configure: ConfigureHook | None = None
        self._session_catalog: Callable[..., Any] | None = None
        self._post_connect: Callable[..., Any] | None = None
        self._http_subject: tuple[Callable[..., Any], bool] | None = None
        self._close: Callable[[], Any] | None = None

    # -- declaring ------------------------------------------------------------------------

    @overload
    def operation(self, func: Callable[P, R], /) -> Callable[P, R]: ...
    @overload
    def operation(
        self, /, **options: Unpack[OperationOptions]
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
    def operation(
        self, func: Callable[..., Any] | None = None, /, **options: Unpack[OperationOptions]
    ) -> Any:
        """Declare an operation; use bare (``@plugin.operation``) or with keywords.

        The handler may be ``def`` or ``async def`` (the faster path: it runs on the
        event loop; plain functions run in a bounded thread pool). Its parameters are at
        most one pydantic model (the validated params) and one :class:`Request`, found by
        their annotations. It returns a pydantic model, JSON-shaped data, or a
        :class:`Response` with a status. The function is returned unchanged.

        Args:
            func: The handler (bare use).
            **options: The catalog settings, see :class:`OperationOptions` (``id``,
                ``method``, ``title``, ``description``, ``allowed_roles``, ``tags``,
                ``required_scopes``, ``read_only``, ``visible``, ``annotations``).

        Raises:
            ValueError: The id is invalid or already declared (the message names it).
            TypeError: An unknown option, or a handler signature that cannot be served.
        """

        def declare(handler: Callable[..., Any]) -> Callable[..., Any]:
            op = build_operation(handler, options)
            if op.id in self._operations:
                raise ValueError(f"duplicate operation id {op.id!r} in plugin {self.name!r}")
            self._operations[op.id] = op
            return handler

        if func is not None:
            return declare(func)
        return declare

    def configure(self, func: C) -> C:
        """Declare the hook run on ``StartProvider``: ``func(name, config)``, sync or async.

        ``config`` is the provider's config from the host as a dict (``{}`` when absent).
        Raising fails start-up; a ``GestaltError`` keeps its status.
        """
        self._configure = func
        return func

    def session_catalog(self, func: C) -> C:
        """Declare the per-caller catalog hook: ``func()`` or ``func(request: Request)``.

        It returns a :class:`Catalog`, a mapping in the catalog's shape, or ``None`` for
        "nothing for this caller". Declaring it turns on ``supports_session_catalog``.
        """
        self._session_catalog = func
        return func

    def on_close(self, func: C) -> C:
        """Declare the hook run once when the runtime stops: ``func()``, sync or async.

        It runs after in-flight calls have drained (or 1 s has passed), with up to 0.5 s of
        its own, so the process still exits well inside the host's 2 s. Use it to close
        clients and flush what the provider holds. The host stops its services before it
        signals the provider (HOST.md 6), so calls to the host's cache or object store from
        here fail.
        """
        self._close = func
        return func

    def post_connect(self, func: C) -> C:
        """Declare the ``PostConnect`` hook: ``func(token: IntegrationToken) -> dict[str, str]``.

        ``func()`` without the token works too. The returned strings are merged into the
        connection's metadata by a host that calls it (protocol-2 gestaltd at the pinned
        commit never does). Protocol 5 has no ``PostConnect``: there the hook is not
        offered, and the provider serves as usual.
        """
        self._post_connect = func
        return func

    def http_subject(self, func: C) -> C:
        """Declare who an inbound hosted HTTP request acts as (protocol 5).

        ``func(request: HTTPSubjectRequest)`` or ``func(request, context: Request)``, sync
        or async. It returns a :class:`Subject` (its ``id``, ``email`` and
        ``display_name`` are used), ``None`` for "no subject", or raises
        :class:`HTTPSubjectResolutionError` to reject the request with a status. Without
        this hook every such request has no subject. Protocol 2 has no hosted HTTP routes.

        Raises:
            TypeError: ``func`` does not take one or two parameters.
        """
        count = len(inspect.signature(func).parameters)
        if count not in (1, 2):
            raise TypeError(
                f"http_subject hook {getattr(func, '__qualname__', func)!r} must take the "
                f"request and optionally the context, not {count} parameter(s)"
            )
        self._http_subject = (func, count == 2)
        return func

    @classmethod
    def from_manifest(cls, path: str | Path, *, base_dir: Path | None = None) -> Plugin:
        """A plugin named as upstream names it from ``manifest.yaml`` (or ``.json``).

        The name is the last segment of the manifest's ``source``, else its
        ``display_name``, else the manifest's folder name.

        Args:
            path: The manifest file, or the folder holding ``manifest.yaml``.
            base_dir: What a relative ``path`` is relative to (default: the working dir).
        """
        manifest = Path(path)
        if not manifest.is_absolute():
            manifest = (base_dir if base_dir is not None else Path.cwd()) / manifest
        return cls(manifest_name(manifest))

    # -- reading --------------------------------------------------------------------------

    @property
    def operations(self) -> Mapping[str, Operation]:
        """The declared operations by id (a snapshot)."""
        return dict(self._operations)

    def catalog(self) -> Catalog:
        """The static catalog: every declared operation."""
        ops = tuple(op.catalog for op in self._operations.values())
        return Catalog(
            name=self.name,
            operations=ops,
            display_name=self.display_name,
            description=self.description,
            icon_svg=self.icon_svg,
        )

    @property
    def configure_hook(self) -> ConfigureHook | None:
        """The ``configure`` hook, if declared (or found in ``module_name``)."""
        return self._configure or self._module_hook("configure")

    @property
    def session_catalog_hook(self) -> tuple[Callable[..., Any], bool] | None:
        """The session-catalog hook and whether it takes the :class:`Request`, if declared."""
        hook = self._session_catalog or self._module_hook("session_catalog")
        return None if hook is None else (hook, _takes_arguments(hook))

    @property
    def close_hook(self) -> Callable[[], Any] | None:
        """The ``on_close`` hook, if declared."""
        return self._close

    @property
    def post_connect_hook(self) -> tuple[Callable[..., Any], bool] | None:
        """The ``PostConnect`` hook and whether it takes the token, if declared."""
        hook = self._post_connect or self._module_hook("post_connect")
        return None if hook is None else (hook, _takes_arguments(hook))

    @property
    def http_subject_hook(self) -> tuple[Callable[..., Any], bool] | None:
        """The HTTP-subject hook and whether it takes the :class:`Request`, if declared."""
        return self._http_subject

    def _module_hook(self, name: str) -> Callable[..., Any] | None:
        """``module_name``'s own function ``name`` (not one it imported), if any."""
        module = sys.modules.get(self.module_name) if self.module_name else None
        hook: object = getattr(module, name, None)
        if callable(hook) and getattr(hook, "__module__", None) == self.module_name:
            return hook
        return None


def _takes_arguments(func: Callable[..., Any]) -> bool:
    """Whether a hook declares a parameter (the request or token is then passed)."""
    return bool(inspect.signature(func).parameters)
