"""What differs between protocol 2 and 5, in-process: results, headers, context layouts."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from gestalt.integration import (
    HTTPSubjectResolutionError,
    Plugin,
    RawResponse,
    Request,
    Response,
    Subject,
    http_subject_error,
)
from gestalt.integration._context import context_request, request_from_proto
from gestalt.integration._generation import generation
from gestalt.integration._servicer import Results


@pytest.mark.parametrize(("protocol", "other"), [(2, "gestalt.provider.v5"), (5, "plugin_pb2")])
def test_each_protocol_imports_only_its_own_stubs(protocol: int, other: str) -> None:
    code = (
        "import sys\n"
        "from gestalt.integration._surface import surface\n"
        "from gestalt.integration import Plugin\n"
        "p = Plugin('p')\n"
        "p.operation(lambda: None, id='x')\n"
        f"surface.load(p, {protocol})\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('gestalt.provider'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other not in done.stdout
    assert ("app_pb2" if protocol == 5 else "plugin_pb2") in done.stdout


def test_v2_results_are_utf8_text_without_headers() -> None:
    results = Results(generation(2))
    result = results.encode(Response(201, {"é": 1}, headers={"X-A": "b"}))
    assert (result.status, result.body) == (201, '{"é":1}')
    assert "headers" not in result.DESCRIPTOR.fields_by_name
    raw = results.encode(RawResponse(b"\xff", "image/png"))
    assert raw.status == 500
    assert "RawResponse" in json.loads(raw.body)["error"]


def test_v5_results_are_bytes_with_headers() -> None:
    results = Results(generation(5))
    result = results.encode(Response(None, [1], headers={"X-A": ["b", "c"]}))
    assert (result.status, result.body) == (200, b"[1]")
    headers = {name: list(item.values) for name, item in result.headers.items()}
    assert headers == {"X-A": ["b", "c"], "Content-Type": ["application/json"]}
    own = results.encode(Response(200, 1, headers={"CONTENT-type": "text/plain"}))
    assert list(own.headers) == ["CONTENT-type"]
    raw = results.encode(RawResponse(b"\xff", "image/png", status=202))
    assert (raw.status, raw.body, list(raw.headers["Content-Type"].values)) == (
        202,
        b"\xff",
        ["image/png"],
    )
    failure = results.failure(404, "x")
    assert list(failure.headers["Content-Type"].values) == ["application/json"]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: RawResponse("text", "text/plain"), TypeError),  # type: ignore[arg-type]
        (lambda: RawResponse(b"", ""), ValueError),
        (lambda: RawResponse(b"", "a/b", headers={"content-type": "c/d"}), ValueError),
        (lambda: RawResponse(b"", "a/b", status=700), ValueError),
        (lambda: Response(200, 1, headers={"": "x"}), TypeError),
        (lambda: Response(200, 1, headers={"X": [1]}), TypeError),  # type: ignore[list-item]
        (lambda: Response(99, 1), ValueError),
    ],
)
def test_bad_results_are_refused_when_built(make: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()


def test_response_headers_are_read_only_lists() -> None:
    response = Response(200, 1, headers={"A": "1", "B": ["2", "3"]})
    assert dict(response.headers) == {"A": ("1",), "B": ("2", "3")}
    with pytest.raises(TypeError):
        response.headers["A"] = ("x",)  # type: ignore[index]


def _subject_bytes(protocol: int) -> Any:
    """A context whose subject field 3 holds 'third' and field 4 'fourth'."""
    pb = generation(protocol).messages
    if protocol == 2:
        subject = pb.SubjectContext(id="user:1", display_name="third", auth_source="fourth")
    else:
        subject = pb.SubjectContext(id="user:1", email="third", display_name="fourth")
    return pb.ExecuteRequest(operation="op", context=pb.RequestContext(subject=subject))


def test_each_protocol_decodes_its_own_layout() -> None:
    v2 = request_from_proto(_subject_bytes(2), 2).subject
    assert (v2.display_name, v2.auth_source, v2.email) == ("third", "fourth", "")
    v5 = request_from_proto(_subject_bytes(5), 5).subject
    assert (v5.display_name, v5.email, v5.auth_source) == ("fourth", "third", "")


def test_absent_v5_context_is_empty_and_false() -> None:
    pb = generation(5).messages
    request = request_from_proto(pb.ExecuteRequest(operation="op", idempotency_key="k"), 5)
    assert request.idempotency_key == "k"
    parts = (request.host, request.caller, request.invocation, request.agent)
    assert not any(parts)
    assert dict(request.workflow) == {}
    assert context_request(None) == Request()


def test_http_subject_hook_shape_and_errors() -> None:
    plugin = Plugin("p")

    @plugin.http_subject
    def one(request: Any) -> Subject | None:
        return None

    assert plugin.http_subject_hook == (one, False)
    with pytest.raises(TypeError, match="request and optionally the context"):
        plugin.http_subject(lambda: None)
    assert http_subject_error(403).message == "Forbidden"
    assert HTTPSubjectResolutionError(401, "no").message == "no"
    with pytest.raises(ValueError, match=r"100\.\.599"):
        HTTPSubjectResolutionError(0)
