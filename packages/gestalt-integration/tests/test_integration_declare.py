"""Declaration-time behaviour: ids, signatures, schemas and flat parameters."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

import gestalt.integration
from gestalt.integration import (
    NO_DEFAULT,
    CatalogOperation,
    CatalogParameter,
    Model,
    OperationAnnotations,
    OperationOptions,
    Plugin,
    Request,
    Response,
    field,
)
from gestalt.integration import _operations as operations_module
from gestalt.integration._catalog import catalog_file_data, catalog_to_proto
from gestalt.integration._operations import check_id
from gestalt.integration._schema import output_schema
from gestalt.provider.v1 import plugin_pb2


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Addr(BaseModel):
    street: str


class In(BaseModel):
    query: str = Field(description="What to find")
    limit: int = 10
    ratio: float | None = None
    strict_mode: bool = False
    kind: Literal["a", "b"] = "a"
    color: Color = Color.RED
    tags: list[str] = []
    addr: Addr | None = None
    mixed: int | str = 0


class Out(BaseModel):
    hits: list[str]


def test_public_names() -> None:
    # __all__ lists exactly the public names (its order is ruff's RUF022 sort).
    names = vars(gestalt.integration)
    # The hosted-HTTP-subject names load on first use (protocol 5's alone).
    lazy = {"HTTPSubjectRequest", "HTTPSubjectResolutionError", "http_subject_error"}
    public = {n for n in names if not n.startswith("_")} | {"__version__"} | lazy
    assert set(gestalt.integration.__all__) == public
    assert len(gestalt.integration.__all__) == len(public)
    for name in lazy:
        assert getattr(gestalt.integration, name).__module__ == "gestalt.integration._http_subject"


@pytest.mark.parametrize("good", ["a", "a.b", "list_items", "x-y", "A1.b-2.c_3", "_", "9"])
def test_valid_ids(good: str) -> None:
    assert check_id(good) == good


@pytest.mark.parametrize("bad", ["", "-a", "a-", "a..b", ".a", "a.", "a b", "a/b", "é"])
def test_invalid_ids(bad: str) -> None:
    plugin = Plugin("p")
    with pytest.raises(ValueError, match="invalid operation id") as info:
        plugin.operation(id=bad)(lambda: None)
    assert repr(bad) in str(info.value)


def test_duplicate_id_names_it() -> None:
    plugin = Plugin("p")

    @plugin.operation
    def same() -> None: ...

    with pytest.raises(ValueError, match="duplicate operation id 'same'"):
        plugin.operation(id="same")(lambda: None)


def test_defaults_and_docstring() -> None:
    plugin = Plugin("p")

    @plugin.operation
    def search(params: In) -> Out:
        """Search things.

        Longer text.
        """
        return Out(hits=[])

    entry = plugin.operations["search"].catalog
    assert entry.method == "POST"
    assert entry.description == "Search things.\n\nLonger text."
    assert entry.annotations is None
    assert entry.visible is None
    assert entry.read_only is False
    assert json.loads(str(entry.output_schema))["properties"]["hits"]["type"] == "array"


def test_parameters_agree_with_schema() -> None:
    plugin = Plugin("p")

    @plugin.operation(read_only=True, method="get", allowed_roles=["a", " a ", "b"])
    def search(params: In) -> Out:
        return Out(hits=[])

    entry = plugin.operations["search"].catalog
    schema = json.loads(str(entry.input_schema))
    assert schema["type"] == "object"
    by_name = {p.name: p for p in entry.parameters}
    assert list(by_name) == list(schema["properties"])
    assert by_name["query"] == CatalogParameter("query", "string", "What to find", True)
    assert by_name["limit"] == CatalogParameter("limit", "integer", "", False, 10)
    assert by_name["ratio"].type == "number"
    assert by_name["ratio"].default is None
    assert by_name["strict_mode"].type == "boolean"
    assert by_name["kind"].type == "string"
    assert by_name["color"].type == "string"
    assert by_name["color"].default == "red"
    assert by_name["tags"].type == "array"
    assert by_name["addr"].type == "object"
    assert by_name["mixed"].type == "string"  # a union of unlike types
    assert entry.method == "GET"
    assert entry.annotations == OperationAnnotations(read_only_hint=True)
    assert entry.allowed_roles == ("a", "b")


def test_no_input_and_response_output() -> None:
    plugin = Plugin("p")

    @plugin.operation
    async def ping() -> Response[Out]:
        return Response(202, Out(hits=[]))

    op = plugin.operations["ping"]
    assert op.input_model is None
    assert op.catalog.parameters == ()
    assert json.loads(str(op.catalog.input_schema)) == {"type": "object", "properties": {}}
    assert json.loads(str(op.catalog.output_schema))["title"] == "Out"


def test_request_detected_by_annotation() -> None:
    plugin = Plugin("p")

    @plugin.operation
    def both(req: Request, body: In) -> None: ...

    op = plugin.operations["both"]
    assert (op.input_name, op.request_name) == ("body", "req")


@pytest.mark.parametrize(
    "handler",
    [
        lambda x: None,  # unannotated
        lambda *args: None,
    ],
)
def test_bad_signatures(handler: Any) -> None:
    with pytest.raises(TypeError):
        Plugin("p").operation(id="x")(handler)


def test_every_option_is_a_catalog_field() -> None:
    # _catalog_fields passes options through by name: each must be a CatalogOperation field.
    catalog_fields = {f.name for f in dataclasses.fields(CatalogOperation)}
    assert set(OperationOptions.__annotations__) <= catalog_fields


def test_unknown_option_is_named() -> None:
    options: Any = {"readonly": True}
    with pytest.raises(TypeError, match="unknown operation option\\(s\\): readonly"):
        Plugin("p").operation(**options)(lambda: None)


def test_two_models_refused() -> None:
    def two(a: In, b: Out) -> None: ...

    with pytest.raises(TypeError, match="more than one input "):
        Plugin("p").operation(two)


class Legacy(Model):
    city: str = field(description="City")
    days: int = field(default=3, description="Days")
    tags: list[str] = field(default_factory=list)


def test_upstream_model_and_field() -> None:
    plugin = Plugin("p")

    @plugin.operation
    def forecast(params: Legacy) -> None: ...

    by_name = {p.name: p for p in plugin.operations["forecast"].catalog.parameters}
    assert by_name["city"].required
    assert by_name["days"].default == 3
    assert by_name["tags"].default is NO_DEFAULT


def test_catalog_file_uses_json_names() -> None:
    plugin = Plugin("p")

    @plugin.operation(read_only=True, visible=False, tags=["x"], required_scopes=["s"])
    def search(params: In) -> Out:
        return Out(hits=[])

    data = catalog_file_data(catalog_to_proto(plugin.catalog(), plugin_pb2))
    op = data["operations"][0]
    assert {"readOnly", "requiredScopes", "inputSchema", "outputSchema"} <= set(op)
    assert op["visible"] is False
    assert isinstance(op["inputSchema"], dict)
    assert not any("_" in key for key in op)


def test_session_mapping_accepts_both_spellings() -> None:
    message = catalog_to_proto(
        {"name": "n", "display_name": "N", "operations": [{"id": "a", "read_only": True}]},
        plugin_pb2,
    )
    assert message.display_name == "N"
    assert message.operations[0].read_only
    with pytest.raises(ValueError, match="bogus"):
        catalog_to_proto({"name": "n", "bogus": 1}, plugin_pb2)


class _Opaque:
    """A type JSON has no form for."""


class NoJsonForm(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    thing: _Opaque


class Dangling(BaseModel):
    child: NotDefinedAnywhere  # type: ignore[name-defined]  # noqa: F821


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (NoJsonForm, "input model NoJsonForm: Cannot generate a JsonSchema"),
        (Dangling, "input model Dangling: name 'NotDefinedAnywhere' is not defined"),
    ],
)
def test_an_input_model_json_cannot_describe_fails_at_declaration(
    model: type[BaseModel], says: str
) -> None:
    # The catalog entry is built on first use, but the input schema is not deferred with
    # it: a bad model still fails where it is declared, with the same message.
    plugin = Plugin("p")

    def handler(params: Any) -> None: ...

    handler.__annotations__ = {"params": model, "return": None}
    with pytest.raises(TypeError, match="operation 'handler'") as raised:
        plugin.operation(handler)
    assert says in str(raised.value)


def test_catalog_entry_is_built_on_first_use_only(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []

    def counted(hint: object) -> dict[str, Any] | None:
        built.append(hint)
        return output_schema(hint)

    monkeypatch.setattr(operations_module, "output_schema", counted)
    plugin = Plugin("p")

    @plugin.operation
    def search(params: In) -> Out:
        return Out(hits=[])

    assert built == []  # declaring (and serving) never needs it
    op = plugin.operations["search"]
    assert op.catalog is op.catalog  # built once
    assert built == [Out]
    assert json.loads(str(op.catalog.output_schema))["title"] == "Out"
