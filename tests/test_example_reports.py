"""examples/reports end to end: the real runtime in a subprocess under the host emulator,
with the host's object store (S3 binding "reports") and cache (binding "counters").

The provider and the host services come from gestalt-core's pytest fixtures
(``gestalt_provider``, ``gestalt_host_s3``, ``gestalt_host_cache``); this module only says
what to launch, and runs once under a protocol-2 host and once under a protocol-5 one: the
same provider code names its objects by key under both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gestalt.core.testing import HostCacheService, HostS3Service, ProviderProcess, export_catalog

EXAMPLE = Path(__file__).parent.parent / "examples" / "reports"
PLUGIN = "acme_reports"  # the instance name the host scopes keys with, not the catalog name
NAMESPACE = f"plugin_{len(PLUGIN)}_{PLUGIN}/"


@pytest.fixture(scope="module", params=[2, 5], ids=["v2", "v5"])
def gestalt_protocol(request: pytest.FixtureRequest) -> int:
    protocol: int = request.param
    return protocol


@pytest.fixture(scope="module")
def gestalt_host_s3(gestalt_protocol: int) -> HostS3Service:
    return HostS3Service("reports")  # a fresh store for each host


@pytest.fixture(scope="module")
def gestalt_host_cache(gestalt_protocol: int) -> HostCacheService:
    return HostCacheService("counters")


@pytest.fixture(scope="module")
def gestalt_launch(
    gestalt_host_s3: HostS3Service, gestalt_host_cache: HostCacheService
) -> dict[str, Any]:
    return {"root": EXAMPLE, "name": PLUGIN, "host_services": [gestalt_host_s3, gestalt_host_cache]}


@pytest.fixture
def proc(gestalt_provider: ProviderProcess) -> ProviderProcess:
    return gestalt_provider


def call(p: ProviderProcess, op: str, params: dict[str, Any]) -> tuple[int, Any]:
    result = p.execute(op, params, timeout=30)
    return result.status, json.loads(result.body)


def report(name: str, *rows: tuple[str, Any]) -> dict[str, Any]:
    items = [{"label": label, "value": value} for label, value in rows]
    return {"name": name, "title": f"Report {name}", "rows": items}


def test_catalog_export_passes_the_host_checks(tmp_path: Path) -> None:
    exported = export_catalog(EXAMPLE, path=tmp_path / "catalog.yaml")
    ops = {op["id"]: op for op in exported.catalog["operations"]}
    assert list(ops) == ["save_report", "get_report", "list_reports", "record_view"]
    assert ops["get_report"]["readOnly"] is True


def test_provider_gets_the_host_variables(proc: ProviderProcess) -> None:
    if proc.protocol == 5:  # one endpoint for every binding, chosen per call by metadata
        assert set(proc.host_env) == {"GESTALT_HOST_SERVICE_SOCKET"}
        return
    assert set(proc.host_env) == {
        "GESTALT_CACHE_SOCKET_COUNTERS",
        "GESTALT_CACHE_SOCKET",
        "GESTALT_S3_SOCKET_REPORTS",
        "GESTALT_S3_SOCKET",
    }


def test_save_then_get(proc: ProviderProcess) -> None:
    status, saved = call(proc, "save_report", report("q1", ("north", 3), ("south", 4.5)))
    assert status == 200
    assert saved["name"] == "q1"
    assert saved["key"] == "reports/q1.json"  # the caller never sees the host's namespace
    assert saved["size"] > 0
    assert saved["etag"]
    status, body = call(proc, "get_report", {"name": "q1"})
    assert status == 200
    assert body == {
        "name": "q1",
        "title": "Report q1",
        "rows": [{"label": "north", "value": 3.0}, {"label": "south", "value": 4.5}],
    }


def test_object_lands_under_the_plugin_namespace(
    proc: ProviderProcess, gestalt_host_s3: HostS3Service
) -> None:
    store = gestalt_host_s3
    status, saved = call(proc, "save_report", report("stored", ("x", 1)))
    assert status == 200
    bucket = "reports" if proc.protocol == 2 else ""  # a protocol-5 binding is one store
    data, meta = store.objects[(bucket, f"{NAMESPACE}reports/stored.json")]
    assert json.loads(data) == {
        "name": "stored",
        "title": "Report stored",
        "rows": [{"label": "x", "value": 1.0}],
    }
    assert meta.content_type == "application/json"
    assert (meta.size, meta.etag) == (saved["size"], saved["etag"])
    assert all(key.startswith(NAMESPACE) for _bucket, key in store.objects)


def test_missing_report_is_404_with_a_json_body(proc: ProviderProcess) -> None:
    result = proc.execute("get_report", {"name": "never-saved"}, timeout=30)
    assert result.status == 404
    assert json.loads(result.body) == {"error": "no report named 'never-saved'"}


def test_listing_follows_wrapped_tokens_across_pages(
    proc: ProviderProcess, gestalt_host_s3: HostS3Service
) -> None:
    names = [f"page-{i}" for i in range(7)]
    for name in names:
        assert call(proc, "save_report", report(name))[0] == 200
    gestalt_host_s3.list_requests.clear()
    assert call(proc, "list_reports", {"prefix": "page-", "page_size": 3}) == (
        200,
        {"names": names, "pages": 3},
    )
    tokens = [request.continuation_token for request in gestalt_host_s3.list_requests]
    assert tokens[0] == ""
    assert len(tokens) == 3
    assert all(t.startswith("gestalt_s3_ct_") and NAMESPACE not in t for t in tokens[1:])
    status, everything = call(proc, "list_reports", {})
    assert status == 200
    assert everything["pages"] == 1
    assert set(names) <= set(everything["names"])


@pytest.mark.parametrize(
    ("op", "params", "path"),
    [
        ("save_report", report("bad", ("a", 1), ("b", "ten")), "rows.1.value"),
        ("save_report", {"name": "no-title", "rows": []}, "title"),
        ("get_report", {"name": "../etc/passwd"}, "name"),
        ("list_reports", {"page_size": 0}, "page_size"),
    ],
)
def test_bad_params_are_400_naming_the_field(
    proc: ProviderProcess, op: str, params: dict[str, Any], path: str
) -> None:
    status, body = call(proc, op, params)
    assert status == 400
    assert body["error"].startswith(f"invalid params: {path}: ")
    assert [detail["path"] for detail in body["details"]] == [path]


def test_views_count_in_the_host_cache(
    proc: ProviderProcess, gestalt_host_cache: HostCacheService
) -> None:
    cache = gestalt_host_cache
    assert call(proc, "record_view", {"name": "q1"}) == (200, {"name": "q1", "views": 1})
    assert call(proc, "record_view", {"name": "q1"}) == (200, {"name": "q1", "views": 2})
    assert cache.values()[f"{PLUGIN}:views:q1"] == b"2"  # the host's <plugin>:<key>
    assert "views:q1" not in cache.values()
