"""Upstream names this distribution does not serve: one clear line instead of AttributeError.

``from gestalt import integration as gestalt`` keeps upstream code importable; a name that
belongs to a wire feature this SDK does not serve, or to another surface's distribution,
fails where the provider uses it with a message that says which.
"""

from __future__ import annotations

_FEATURES: dict[str, tuple[str, ...]] = {
    "the authorization client": (
        "Authorization",
        "AuthorizationClient",
        "ENV_AUTHORIZATION_SOCKET",
        "ENV_AUTHORIZATION_SOCKET_TOKEN",
    ),
    "workflows": (
        "WorkflowHost",
        "WorkflowManager",
        "WorkflowProvider",
        "ENV_WORKFLOW_HOST_SOCKET",
        "ENV_WORKFLOW_HOST_SOCKET_TOKEN",
        "ENV_WORKFLOW_MANAGER_SOCKET",
        "ENV_WORKFLOW_MANAGER_SOCKET_TOKEN",
    ),
    "agents": (
        "AgentHost",
        "AgentManager",
        "AgentProvider",
        "ENV_AGENT_HOST_SOCKET",
        "ENV_AGENT_HOST_SOCKET_TOKEN",
        "ENV_AGENT_MANAGER_SOCKET",
        "ENV_AGENT_MANAGER_SOCKET_TOKEN",
    ),
    "the plugin invoker": (
        "PluginInvoker",
        "ENV_PLUGIN_INVOKER_SOCKET",
        "ENV_PLUGIN_INVOKER_SOCKET_TOKEN",
    ),
    "plugin runtimes": ("PluginRuntimeProvider",),
    "IndexedDB": (
        "IndexedDB",
        "ObjectStore",
        "ObjectStoreSchema",
        "Index",
        "IndexSchema",
        "Cursor",
        "KeyRange",
        "Transaction",
        "TransactionIndex",
        "TransactionObjectStore",
        "TransactionError",
        "CURSOR_NEXT",
        "CURSOR_NEXT_UNIQUE",
        "CURSOR_PREV",
        "CURSOR_PREV_UNIQUE",
        "indexeddb_socket_env",
        "indexeddb_socket_token_env",
    ),
    "upstream's telemetry module": ("telemetry",),
}

_ELSEWHERE: dict[str, tuple[str, ...]] = {
    "gestalt.auth (gestalt-auth)": (
        "AuthProvider",
        "AuthenticationProvider",
        "AuthenticatedUser",
        "BeginLoginRequest",
        "BeginLoginResponse",
        "CompleteLoginRequest",
        "ExternalTokenValidator",
        "SessionTTLProvider",
    ),
    "gestalt.cache (gestalt-cache)": (
        "Cache",
        "CacheEntry",
        "CacheProvider",
        "cache_socket_env",
        "cache_socket_token_env",
        "ENV_CACHE_SOCKET_TOKEN",
    ),
    "gestalt.secrets (gestalt-secrets)": ("SecretsProvider",),
    "gestalt.s3 (gestalt-s3)": (
        "S3",
        "S3Object",
        "S3Provider",
        "S3ReadStream",
        "S3NotFoundError",
        "S3PreconditionFailedError",
        "S3InvalidRangeError",
        "ObjectRef",
        "ObjectMeta",
        "ByteRange",
        "ReadOptions",
        "WriteOptions",
        "ListOptions",
        "ListPage",
        "CopyOptions",
        "PresignMethod",
        "PresignOptions",
        "PresignResult",
        "ObjectAccessURL",
        "ObjectAccessURLOptions",
        "ENV_S3_SOCKET",
        "ENV_S3_SOCKET_TOKEN",
        "s3_socket_env",
        "s3_socket_token_env",
    ),
    "gestalt.provider.v1 (gestalt-core)": ("gen",),
    "gestalt.core": (
        "ProviderKind",
        "ProviderMetadata",
        "MetadataProvider",
        "PluginProvider",
        "PluginProviderAdapter",
        "HealthChecker",
        "WarningsProvider",
        "Closer",
        "Starter",
    ),
}

_FEATURE_OF = {name: feature for feature, names in _FEATURES.items() for name in names}
_MODULE_OF = {name: module for module, names in _ELSEWHERE.items() for name in names}


class UnavailableFeatureError(ImportError):
    """An upstream ``gestalt-sdk`` name this distribution does not offer (the message says why).

    An ``ImportError``, so ``from gestalt.integration import IndexedDB`` fails at import
    with this message rather than a bare "cannot import name".
    """


def missing_name(name: str) -> Exception:
    """The error for ``gestalt.integration.<name>`` when the package has no such name."""
    feature = _FEATURE_OF.get(name)
    if feature is not None:
        return UnavailableFeatureError(
            f"gestalt.integration.{name} belongs to {feature}, which is not available on "
            "this wire (upstream gestalt-sdk only); see docs/migrating.md"
        )
    module = _MODULE_OF.get(name)
    if module is not None:
        return UnavailableFeatureError(
            f"gestalt.integration.{name}: in this SDK it belongs to {module}; "
            "docs/migrating.md gives its name there"
        )
    return AttributeError(f"module 'gestalt.integration' has no attribute {name!r}")
