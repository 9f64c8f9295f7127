"""The upstream-compatible API: module-level decorators, dict inputs, names, output schemas."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import textwrap
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gestalt import integration as gestalt
from gestalt.core.serving import TargetError
from gestalt.integration import Model, Plugin, Response
from gestalt.integration._schema import output_schema
from gestalt.integration._surface import surface


@pytest.fixture
def load_module(tmp_path: Path) -> Iterator[Any]:
    """Import ``source`` as a real module file in ``tmp_path`` (optionally with a manifest)."""
    loaded: list[str] = []

    def load(source: str, name: str = "upstream_style", manifest: str = "") -> types.ModuleType:
        folder = tmp_path / name
        folder.mkdir()
        if manifest:
            (folder / "manifest.yaml").write_text(textwrap.dedent(manifest))
        path = folder / "provider.py"
        path.write_text(textwrap.dedent(source))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


UPSTREAM_STYLE = """
    from typing import Any
    from gestalt import integration as gestalt

    started = []

    def configure(name: str, config: dict[str, Any]) -> None:
        started.append(name)

    @gestalt.operation(method="GET", read_only=True)
    def search(params: dict[str, Any]) -> dict[str, Any]:
        return params

    @gestalt.session_catalog
    def catalog(request: gestalt.Request) -> None:
        return None

    def post_connect() -> dict[str, str]:
        return {"ok": "yes"}
"""


def test_module_decorators_make_an_implicit_plugin(load_module: Any) -> None:
    manifest = """
        # comment
        source: "github.com/acme/providers/hex"   # the last segment names the plugin
        display_name: Hex
        nested:
          source: not/this
    """
    module = load_module(UPSTREAM_STYLE, manifest=manifest)
    plugin = module.plugin
    assert isinstance(plugin, Plugin)
    assert plugin.name == "hex"
    assert set(plugin.operations) == {"search"}
    # Upstream's undecorated hooks belong to the implicit plugin (and only to it).
    assert plugin.configure_hook is module.configure
    assert plugin.session_catalog_hook == (module.catalog, True)
    assert plugin.post_connect_hook == (module.post_connect, False)
    loaded = surface.load(module, 2)  # TARGET 'provider' given as the module object
    assert loaded.provider is plugin


@pytest.mark.parametrize(
    ("manifest", "name"),
    [
        ("display_name: My Provider\n", "My-Provider"),
        ("description: none\n", "fallback_dir"),
        ("", "fallback_dir"),  # no manifest: the folder's name
    ],
)
def test_implicit_name_fallbacks(load_module: Any, manifest: str, name: str) -> None:
    module = load_module(UPSTREAM_STYLE, name="fallback_dir", manifest=manifest)
    assert module.plugin.name == name


def test_from_manifest_reads_json_too(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"source": "a/b/gmail"}))
    assert Plugin.from_manifest("manifest.json", base_dir=tmp_path).name == "gmail"
    (tmp_path / "manifest.yaml").write_text("source: x/y/slack\n")
    assert Plugin.from_manifest(tmp_path).name == "slack"


@pytest.mark.parametrize("attribute", ["plugin", "provider"])
def test_a_plugin_in_the_module_wins(load_module: Any, attribute: str) -> None:
    source = f"""
        from gestalt import integration as gestalt

        {attribute} = gestalt.Plugin("explicit")

        @gestalt.operation
        def ping() -> str:
            return "pong"
    """
    module = load_module(source)
    own = getattr(module, attribute)
    assert set(own.operations) == {"ping"}
    assert own.configure_hook is None  # no magic names for a Plugin you made
    assert surface.load(module, 2).provider is own


def test_module_configure_decorator_and_a_module_that_is_not_imported(load_module: Any) -> None:
    source = """
        from gestalt import integration as gestalt

        @gestalt.configure
        def setup(name, config):
            pass

        @gestalt.operation
        def ping() -> str:
            return "pong"
    """
    module = load_module(source)
    assert module.plugin.configure_hook is module.setup

    def orphan() -> None: ...

    orphan.__module__ = "not_imported_anywhere"
    with pytest.raises(TypeError, match="its module is not imported"):
        gestalt.operation(orphan)


def test_a_plugin_created_after_module_decorators_is_refused(load_module: Any) -> None:
    source = """
        from gestalt import integration as gestalt

        @gestalt.operation
        def lost() -> None: ...

        plugin = gestalt.Plugin("late")

        @plugin.operation
        def kept() -> None: ...
    """
    module = load_module(source)
    with pytest.raises(TargetError, match=r"'upstream_style' declares operations .* first"):
        surface.load(module.plugin, 2)


def test_a_module_without_plugin_is_a_clear_target_error(load_module: Any) -> None:
    module = load_module("x = 1\n")
    with pytest.raises(TargetError, match=r"has no integration plugin.*@gestalt\.operation"):
        surface.load(module, 2)


def test_mapping_inputs_take_the_raw_params() -> None:
    plugin = Plugin("p")

    @plugin.operation
    def a(params: dict[str, Any]) -> None: ...

    @plugin.operation
    def b(params: Mapping[str, Any], request: gestalt.Request) -> None: ...

    @plugin.operation
    def c(params: dict) -> None:  # type: ignore[type-arg]
        ...

    for op in plugin.operations.values():
        assert op.input_model is None
        assert op.input_name == "params"
        assert op.catalog.parameters == ()
        schema = json.loads(str(op.catalog.input_schema))
        assert schema == {"type": "object", "additionalProperties": True}


def test_other_mappings_are_refused_with_the_rule() -> None:
    def typed(params: dict[str, int]) -> None: ...

    with pytest.raises(TypeError, match=r"pydantic model or dict\[str, Any\]"):
        Plugin("p").operation(typed)


class Out(Model):
    x: int


def _schema(annotation: object) -> Any:
    return output_schema(annotation)


def test_output_schema_of_each_return_form() -> None:
    out = Out.model_json_schema(mode="serialization")
    assert _schema(Out) == out
    assert _schema(Response[Out]) == out
    assert _schema(Out | Response[Out]) == out
    assert _schema(Out | None) == out
    assert _schema(Response[Out | None]) == out
    listed = _schema(list[Out] | Response[list[Out]])
    assert listed["type"] == "array"
    assert listed["items"] == {"$ref": "#/$defs/Out"}
    both = _schema(Out | Response[dict[str, str]])
    assert [branch.get("type") for branch in both["anyOf"]] == [None, "object"]
    assert _schema(Response) is None  # body unknown
    assert _schema(Out | Response[Any]) is None
    assert _schema(None) is None
    for schema in (listed, both):
        assert "Response" not in json.dumps(schema)
        assert "A result with a status" not in json.dumps(schema)  # no SDK docstrings


def test_a_field_named_like_a_basemodel_method_warns_and_works() -> None:
    with pytest.warns(UserWarning, match='Field name "schema" .* shadows'):

        class QueryOutput(Model):
            schema: list[str]  # type: ignore[assignment]

    assert QueryOutput(schema=["a"]).schema == ["a"]
    assert _schema(QueryOutput)["required"] == ["schema"]


def test_upstream_names_that_map() -> None:
    upstream = ("Plugin", "Model", "field", "Request", "Response", "OK", "Error", "Subject")
    hosted = ["http_subject", "http_subject_error", "HTTPSubjectRequest"]
    hosted.append("HTTPSubjectResolutionError")
    for name in [*upstream, *hosted]:
        assert name in gestalt.__all__
    token = gestalt.ConnectedToken(user_id="user:1", metadata_json='{"team": "a"}')
    assert (token.subject_id, token.metadata) == ("user:1", {"team": "a"})
    assert gestalt.ConnectedToken(metadata_json="[1]").metadata == {}
    assert gestalt.ConnectedToken(metadata_json="{").metadata == {}
    assert gestalt.OK(1) == Response(200, 1)
    assert gestalt.Error(404).status == 404


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("IndexedDB", "belongs to IndexedDB, which is not available on this wire"),
        ("WorkflowManager", "belongs to workflows, which is not available"),
        ("AuthorizationClient", "the authorization client, which is not available"),
        ("Cache", "belongs to gestalt.cache (gestalt-cache)"),
        ("S3", "belongs to gestalt.s3"),
    ],
)
def test_unserved_names_fail_with_one_line(name: str, words: str) -> None:
    with pytest.raises(gestalt.UnavailableFeatureError, match=re.escape(words)) as info:
        exec(f"from gestalt.integration import {name}", {})
    assert "\n" not in str(info.value)
    with pytest.raises(ImportError, match=re.escape(words)):
        getattr(gestalt, name)


def test_unknown_names_stay_attribute_errors() -> None:
    with pytest.raises(AttributeError, match=r"module .gestalt\.integration. has no attribute"):
        gestalt.nope  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(gestalt, "nope")


def test_module_http_subject_decorator(load_module: Any) -> None:
    source = """
        from gestalt import integration as gestalt

        @gestalt.http_subject
        def who(request: gestalt.HTTPSubjectRequest) -> gestalt.Subject | None:
            raise gestalt.http_subject_error(403)

        @gestalt.operation
        def ping() -> str:
            return "pong"
    """
    module = load_module(source)
    assert module.plugin.http_subject_hook == (module.who, False)
    with pytest.raises(gestalt.HTTPSubjectResolutionError, match="Forbidden"):
        module.who(gestalt.HTTPSubjectRequest())
