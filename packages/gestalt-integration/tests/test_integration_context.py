"""The request context a handler receives: every part, absent parts, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from gestalt.integration import Access, Credential, Request, Subject
from gestalt.integration._context import request_from_proto
from gestalt.provider.v1 import plugin_pb2


def _full() -> plugin_pb2.ExecuteRequest:
    return plugin_pb2.ExecuteRequest(
        operation="op",
        token="tok-secret",
        connection_params={"tenant": "acme"},
        invocation_id="inv-9",
        context=plugin_pb2.RequestContext(
            subject=plugin_pb2.SubjectContext(
                id="user:7", kind="user", display_name="Ann", auth_source="session"
            ),
            credential=plugin_pb2.CredentialContext(
                mode="identity",
                subject_id="identity:__identity__",
                connection="default",
                instance="main",
            ),
            access=plugin_pb2.AccessContext(policy="staff", role="editor"),
        ),
    )


def test_every_part_of_the_context() -> None:
    request = request_from_proto(_full())
    assert request == Request(
        token="tok-secret",
        connection_params={"tenant": "acme"},
        invocation_id="inv-9",
        subject=Subject("user:7", "user", "Ann", "session"),
        credential=Credential("identity", "identity:__identity__", "default", "main"),
        access=Access("staff", "editor"),
    )
    assert request.connection_param("tenant") == "acme"
    assert request.connection_param("other") is None


def test_each_absent_sub_message_is_empty_and_false() -> None:
    message = _full()
    message.context.ClearField("credential")
    request = request_from_proto(message)
    assert request.credential == Credential()
    assert not request.credential
    assert request.subject
    assert request.access
    bare = request_from_proto(plugin_pb2.ExecuteRequest(operation="op"))
    assert (bare.subject, bare.credential, bare.access) == (Subject(), Credential(), Access())
    assert bare.subject.id == ""  # upstream handlers read it without a check
    assert (bare.token, bare.invocation_id, dict(bare.connection_params)) == ("", "", {})
    assert Request() == bare


def test_the_context_is_immutable_and_hides_the_token() -> None:
    request = request_from_proto(_full())
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.token = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.credential.mode = "none"  # type: ignore[misc]
    with pytest.raises(TypeError):
        request.connection_params["tenant"] = "evil"  # type: ignore[index]
    assert "tok-secret" not in repr(request)
