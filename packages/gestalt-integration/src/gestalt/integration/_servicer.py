"""The integration service over a :class:`Plugin`, one servicer for both protocols.

Execute answers every failure in-band: the gRPC status is OK and the ``OperationResult``
carries the HTTP status. The other rpcs fail with gRPC statuses. What differs between
protocol 2 (``IntegrationProvider``) and 5 (``AppProvider``) is data, read from the
:class:`Generation`: the message classes, the body type, headers, the context layout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pydantic
import pydantic_core
from google.protobuf import empty_pb2

from gestalt.core import GestaltError, InternalError, UnimplementedError
from gestalt.core.serving import (
    Context,
    Runtime,
    bounded,
    guard,
    host_max_message_bytes,
    struct_to_dict,
)
from gestalt.integration._catalog import catalog_to_proto
from gestalt.integration._context import (
    DECODERS,
    context_request,
    request_from_proto,
    token_from_proto,
)
from gestalt.integration._generation import Generation
from gestalt.integration._operations import Operation
from gestalt.integration._plugin import Plugin
from gestalt.integration._results import (
    HeaderLists,
    RawResponse,
    Response,
    has_content_type,
)

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"
_NO_HEADERS: HeaderLists = {}
_RAW_ON_TEXT_WIRE = (
    "the operation returned a RawResponse, which this host cannot receive: its protocol "
    "(2) carries UTF-8 JSON without headers"
)


class Results:
    """Builds the ``OperationResult`` messages of one protocol (the Execute table)."""

    __slots__ = ("_messages", "_text", "internal", "unknown_operation")

    def __init__(self, generation: Generation) -> None:
        self._messages = generation.messages
        self._text = generation.text_body
        self.unknown_operation = self.failure(404, "unknown operation")
        self.internal = self.failure(500, "internal error")

    def json(self, status: int, body: bytes, headers: HeaderLists = _NO_HEADERS) -> Any:
        """A result whose body is JSON text: a string on protocol 2, bytes with headers
        (and ``Content-Type: application/json`` unless given) on 5."""
        if self._text:
            return self._messages.OperationResult(status=status, body=body.decode())
        return self._with_headers(status, body, headers, JSON_CONTENT_TYPE)

    def failure(self, status: int, message: str, **details: Any) -> Any:
        """The error result ``{"error": message, ...}`` with ``status``."""
        return self.json(status, json.dumps({"error": message, **details}).encode())

    def encode(self, result: object) -> Any:
        """The result for what a handler returned (raises if it cannot be encoded)."""
        if isinstance(result, RawResponse):
            return self._raw(result)
        status, headers = 200, _NO_HEADERS
        if isinstance(result, Response):
            status = 200 if result.status is None else int(result.status)
            headers = result.headers
            result = result.body
        return self.json(status, pydantic_core.to_json(result, inf_nan_mode="null"), headers)

    def _raw(self, response: RawResponse) -> Any:
        if self._text:
            log.error("%s; answered 500", _RAW_ON_TEXT_WIRE)
            return self.failure(500, _RAW_ON_TEXT_WIRE)
        return self._with_headers(
            response.status, response.body, response.headers, response.content_type
        )

    def _with_headers(
        self, status: int, body: bytes, headers: HeaderLists, content_type: str
    ) -> Any:
        result = self._messages.OperationResult(status=status, body=body)
        for name, values in headers.items():
            result.headers[name].values.extend(values)
        if not has_content_type(headers):
            result.headers["Content-Type"].values.append(content_type)
        return result

    def validation_failure(self, error: pydantic.ValidationError) -> Any:
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
        return self.failure(400, f"invalid params: {summary}", details=details)

    def fit_for_host(self, result: Any, op_id: str, invocation_id: str, limit: int) -> Any:
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
        return self.failure(
            502,
            f"the operation's result is {size} bytes, over the host's message limit of "
            f"{limit} bytes ({limit / (1024 * 1024):g} MiB)",
        )


class BoundOperation:
    """An operation ready to run under one runtime (sync or async decided here, once)."""

    __slots__ = (
        "_call",
        "_decode",
        "_id",
        "_input_name",
        "_limit",
        "_request_name",
        "_results",
        "_validate",
    )

    def __init__(self, op: Operation, runtime: Runtime, results: Results) -> None:
        self._id = op.id
        self._limit = host_max_message_bytes()
        self._call = runtime.to_async(op.handler)
        self._input_name = op.input_name
        self._request_name = op.request_name
        self._decode = DECODERS[runtime.protocol]
        self._results = results
        # Strict JSON mode: struct_to_dict has already turned integral doubles into ints,
        # so strictness refuses 3.5, "3" and true for an int, numbers for a str, and a
        # string for a list, while dates, enums and UUIDs still parse from text. (Strict
        # Python mode on the dict would refuse those texts, and is no faster.)
        model = op.input_model
        self._validate = None if model is None else model.__pydantic_validator__.validate_json

    async def run(self, request: Any) -> Any:
        """Validate, call the handler and encode what it returned or raised.

        One coroutine from the request to the result: this is the per-call path.
        """
        results = self._results
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
                    return self._fit(results.validation_failure(error), request)
        if self._request_name is not None:
            kwargs[self._request_name] = self._decode(request)
        try:
            result = results.encode(await self._call(**kwargs))
        except GestaltError as error:
            result = results.failure(error.http_status, error.message)
        except Exception:
            log.exception("operation %r failed (invocation %r)", self._id, request.invocation_id)
            return results.internal
        return self._fit(result, request)

    def _fit(self, result: Any, request: Any) -> Any:
        return self._results.fit_for_host(result, self._id, request.invocation_id, self._limit)


def _hook(
    runtime: Runtime, hook: tuple[Callable[..., Any], bool] | None
) -> tuple[Callable[..., Awaitable[Any]] | None, bool]:
    """A declared hook made async, and whether it takes its argument(s)."""
    return (None, False) if hook is None else (runtime.to_async(hook[0]), hook[1])


class IntegrationServicer:
    """Serves one :class:`Plugin` as ``IntegrationProvider`` (2) or ``AppProvider`` (5).

    It has the rpcs of both services; each protocol's stubs register only their own.
    """

    def __init__(self, plugin: Plugin, runtime: Runtime, generation: Generation) -> None:
        self._runtime = runtime
        self._generation = generation
        self._pb = generation.messages
        self._results = Results(generation)
        self._operations: Mapping[str, BoundOperation] = {
            op_id: BoundOperation(op, runtime, self._results)
            for op_id, op in plugin.operations.items()
        }
        self._session, self._session_wants_request = _hook(runtime, plugin.session_catalog_hook)
        self._post_connect, self._post_connect_wants_token = _hook(
            runtime, plugin.post_connect_hook if generation.post_connect else None
        )
        self._http_subject, self._http_subject_wants_context = _hook(
            runtime, plugin.http_subject_hook if generation.http_subject else None
        )

    @guard("get metadata")
    async def GetMetadata(self, request: empty_pb2.Empty, context: Context) -> Any:
        version = self._runtime.protocol
        fields: dict[str, Any] = {}
        if self._generation.post_connect:
            fields["supports_post_connect"] = self._post_connect is not None
        return self._pb.ProviderMetadata(
            supports_session_catalog=self._session is not None,
            min_protocol_version=version,
            max_protocol_version=version,
            **fields,
        )

    @guard("start provider")
    async def StartProvider(self, request: Any, context: Context) -> Any:
        config = request.config if request.HasField("config") else None
        await self._runtime.configure(request.name, config, request.protocol_version)
        return self._pb.StartProviderResponse(protocol_version=self._runtime.protocol)

    async def Execute(self, request: Any, context: Context) -> Any:
        op = self._operations.get(request.operation)
        if op is None:
            return self._results.unknown_operation
        return await op.run(request)

    @guard("session catalog")
    async def GetSessionCatalog(self, request: Any, context: Context) -> Any:
        if self._session is None:
            raise UnimplementedError("provider does not support session catalogs")
        args: tuple[Any, ...] = ()
        if self._session_wants_request:
            args = (request_from_proto(request, self._runtime.protocol),)
        result = await self._session(*args)
        if result is None:
            return self._pb.GetSessionCatalogResponse()
        try:
            catalog = catalog_to_proto(result, self._pb)
        except (TypeError, ValueError) as error:
            raise InternalError(
                f"session catalog: cannot encode the returned catalog: {error}"
            ) from None
        return self._pb.GetSessionCatalogResponse(catalog=catalog)

    @guard("post connect")
    async def PostConnect(self, request: Any, context: Context) -> Any:
        """Protocol 2 only (protocol 5's stubs do not register it)."""
        if self._post_connect is None:
            raise UnimplementedError("provider does not support post-connect")
        args = (token_from_proto(request.token),) if self._post_connect_wants_token else ()
        metadata = await self._post_connect(*args)
        if not isinstance(metadata, Mapping):
            raise InternalError(
                f"post connect: hook returned {type(metadata).__name__}, not a mapping"
            )
        return self._pb.PostConnectResponse(
            metadata={str(key): str(value) for key, value in metadata.items()}
        )

    @guard("resolve http subject")
    async def ResolveHTTPSubject(self, request: Any, context: Context) -> Any:
        """Protocol 5 only: no hook (or a hook that returns ``None``) means no subject."""
        if self._http_subject is None:
            return self._pb.ResolveHTTPSubjectResponse()
        # Here, not at the top: protocol 5's alone, and a protocol-2 start need not load it.
        from gestalt.integration._http_subject import (
            HTTPSubjectResolutionError,
            http_request_from_proto,
            rejection_fields,
            resolution_fields,
        )

        args: list[Any] = [http_request_from_proto(request.request)]
        if self._http_subject_wants_context:
            given = request.context if request.HasField("context") else None
            args.append(context_request(given))
        try:
            outcome = await self._http_subject(*args)
        except HTTPSubjectResolutionError as error:
            return self._pb.ResolveHTTPSubjectResponse(**rejection_fields(error))
        subject = resolution_fields(outcome)
        if not subject:
            return self._pb.ResolveHTTPSubjectResponse()
        return self._pb.ResolveHTTPSubjectResponse(subject=self._pb.SubjectContext(**subject))
