"""``IntegrationProvider`` served over a :class:`Plugin`: the Execute status/body table.

Execute answers every failure in-band (PROTOCOL.md 4.3): the gRPC status is OK and the
``OperationResult`` carries the HTTP status. The other rpcs fail with gRPC statuses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pydantic
import pydantic_core
from google.protobuf import empty_pb2

from gestalt.core import PROTOCOL_VERSION, GestaltError, InternalError, UnimplementedError
from gestalt.core.serving import (
    Context,
    Runtime,
    bounded,
    guard,
    host_max_message_bytes,
    struct_to_dict,
)
from gestalt.integration._catalog import catalog_to_proto
from gestalt.integration._context import request_from_proto, token_from_proto
from gestalt.integration._operations import Operation
from gestalt.integration._plugin import Plugin
from gestalt.integration._results import Response
from gestalt.provider.v1 import plugin_pb2, plugin_pb2_grpc

log = logging.getLogger(__name__)


def _failure(status: int, message: str) -> plugin_pb2.OperationResult:
    return plugin_pb2.OperationResult(status=status, body=json.dumps({"error": message}))


_UNKNOWN_OPERATION = _failure(404, "unknown operation")
_INTERNAL = _failure(500, "internal error")


def fit_for_host(
    result: plugin_pb2.OperationResult, op_id: str, invocation_id: str, limit: int
) -> plugin_pb2.OperationResult:
    """``result``, or a 502 that says why when the host could not receive it.

    gestaltd's client keeps gRPC's receive limit (``limit``, 4 MiB unless the host was
    built with more) and would fail a larger reply with an opaque error.
    """
    size = result.ByteSize()
    if size <= limit:
        return result
    log.error(
        "operation %r (invocation %r): result of %d bytes is over the host's %d-byte "
        "message limit; answered 502",
        op_id,
        bounded(invocation_id),
        size,
        limit,
    )
    return _failure(
        502,
        f"the operation's result is {size} bytes, over the host's message limit of "
        f"{limit} bytes ({limit / (1024 * 1024):g} MiB)",
    )


def validation_failure(error: pydantic.ValidationError) -> plugin_pb2.OperationResult:
    """The 400 result for params that do not validate: every failing field by its path."""
    details = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        loc = list(item["loc"])
        details.append(
            {
                "path": ".".join(str(part) for part in loc) or "(params)",
                "loc": loc,
                "type": item["type"],
                "msg": item["msg"],
            }
        )
    summary = "; ".join(f"{d['path']}: {d['msg']}" for d in details)
    body = {"error": f"invalid params: {summary}", "details": details}
    return plugin_pb2.OperationResult(status=400, body=json.dumps(body))


def encode_result(result: object) -> plugin_pb2.OperationResult:
    """The result for what a handler returned (raises if it cannot be encoded)."""
    status = 200
    if isinstance(result, Response):
        status = 200 if result.status is None else int(result.status)
        result = result.body
    body = pydantic_core.to_json(result, inf_nan_mode="null").decode()
    return plugin_pb2.OperationResult(status=status, body=body)


class BoundOperation:
    """An operation ready to run under one runtime (sync or async decided here, once)."""

    __slots__ = ("_call", "_id", "_input_name", "_limit", "_request_name", "_validate")

    def __init__(self, op: Operation, runtime: Runtime) -> None:
        self._id = op.id
        self._limit = host_max_message_bytes()
        self._call = runtime.to_async(op.handler)
        self._input_name = op.input_name
        self._request_name = op.request_name
        # Strict JSON mode: struct_to_dict has already turned integral doubles into ints,
        # so strictness refuses 3.5, "3" and true for an int, numbers for a str, and a
        # string for a list, while dates, enums and UUIDs still parse from text. (Strict
        # Python mode on the dict would refuse those texts, and is no faster.)
        model = op.input_model
        self._validate = None if model is None else model.__pydantic_validator__.validate_json

    async def run(self, request: plugin_pb2.ExecuteRequest) -> plugin_pb2.OperationResult:
        """Validate, call the handler and encode what it returned or raised.

        One coroutine from the request to the result: this is the per-call path.
        """
        kwargs: dict[str, Any] = {}
        if self._input_name is not None:
            params = struct_to_dict(request.params) if request.HasField("params") else {}
            if self._validate is None:  # the handler takes the params as a dict
                kwargs[self._input_name] = params
            else:
                try:
                    # to_json writes this dict in a tenth of json.dumps's time, and the
                    # same JSON: Struct strings are valid UTF-8 and numbers are doubles.
                    text = pydantic_core.to_json(params)
                    kwargs[self._input_name] = self._validate(text, strict=True)
                except pydantic.ValidationError as error:
                    return self._fit(validation_failure(error), request)
        if self._request_name is not None:
            kwargs[self._request_name] = request_from_proto(request)
        try:
            result = encode_result(await self._call(**kwargs))
        except GestaltError as error:
            result = _failure(error.http_status, error.message)
        except Exception:
            log.exception("operation %r failed (invocation %r)", self._id, request.invocation_id)
            return _INTERNAL
        return self._fit(result, request)

    def _fit(
        self, result: plugin_pb2.OperationResult, request: plugin_pb2.ExecuteRequest
    ) -> plugin_pb2.OperationResult:
        return fit_for_host(result, self._id, request.invocation_id, self._limit)


class IntegrationServicer(plugin_pb2_grpc.IntegrationProviderServicer):
    """Serves one :class:`Plugin`."""

    def __init__(self, plugin: Plugin, runtime: Runtime) -> None:
        self._runtime = runtime
        self._operations: Mapping[str, BoundOperation] = {
            op_id: BoundOperation(op, runtime) for op_id, op in plugin.operations.items()
        }
        session = plugin.session_catalog_hook
        self._session: Callable[..., Awaitable[Any]] | None = None
        self._session_wants_request = False
        if session is not None:
            self._session = runtime.to_async(session[0])
            self._session_wants_request = session[1]
        post_connect = plugin.post_connect_hook
        self._post_connect: Callable[..., Awaitable[Any]] | None = None
        self._post_connect_wants_token = False
        if post_connect is not None:
            self._post_connect = runtime.to_async(post_connect[0])
            self._post_connect_wants_token = post_connect[1]

    @guard("get metadata")
    async def GetMetadata(
        self, request: empty_pb2.Empty, context: Context
    ) -> plugin_pb2.ProviderMetadata:
        return plugin_pb2.ProviderMetadata(
            supports_session_catalog=self._session is not None,
            supports_post_connect=self._post_connect is not None,
            min_protocol_version=PROTOCOL_VERSION,
            max_protocol_version=PROTOCOL_VERSION,
        )

    @guard("start provider")
    async def StartProvider(
        self, request: plugin_pb2.StartProviderRequest, context: Context
    ) -> plugin_pb2.StartProviderResponse:
        config = request.config if request.HasField("config") else None
        await self._runtime.configure(request.name, config, request.protocol_version)
        return plugin_pb2.StartProviderResponse(protocol_version=PROTOCOL_VERSION)

    async def Execute(
        self, request: plugin_pb2.ExecuteRequest, context: Context
    ) -> plugin_pb2.OperationResult:
        op = self._operations.get(request.operation)
        if op is None:
            return _UNKNOWN_OPERATION
        return await op.run(request)

    @guard("session catalog")
    async def GetSessionCatalog(
        self, request: plugin_pb2.GetSessionCatalogRequest, context: Context
    ) -> plugin_pb2.GetSessionCatalogResponse:
        if self._session is None:
            raise UnimplementedError("provider does not support session catalogs")
        args = (request_from_proto(request),) if self._session_wants_request else ()
        result = await self._session(*args)
        if result is None:
            return plugin_pb2.GetSessionCatalogResponse()
        try:
            catalog = catalog_to_proto(result)
        except (TypeError, ValueError) as error:
            raise InternalError(
                f"session catalog: cannot encode the returned catalog: {error}"
            ) from None
        return plugin_pb2.GetSessionCatalogResponse(catalog=catalog)

    @guard("post connect")
    async def PostConnect(
        self, request: plugin_pb2.PostConnectRequest, context: Context
    ) -> plugin_pb2.PostConnectResponse:
        if self._post_connect is None:
            raise UnimplementedError("provider does not support post-connect")
        args = (token_from_proto(request.token),) if self._post_connect_wants_token else ()
        metadata = await self._post_connect(*args)
        if not isinstance(metadata, Mapping):
            raise InternalError(
                f"post connect: hook returned {type(metadata).__name__}, not a mapping"
            )
        return plugin_pb2.PostConnectResponse(
            metadata={str(key): str(value) for key, value in metadata.items()}
        )
