"""Each surface's one provider module under a protocol-2 and a protocol-5 host.

The emulator makes each generation's start-up calls; then one call that works, one that
fails with its mapped status, SIGTERM (exit 0 within the host's grace), and host death
(the provider leaves on its own once the host that launched it is SIGKILLed). The suites
of each surface go further; this module checks that nothing of the process's life is
left to one generation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from google.protobuf import duration_pb2

from gestalt._runtime._process import pid_alive
from gestalt.core._wire import HOST_VARIABLES
from gestalt.core.testing import ProviderProcess, launch, result_text
from gestalt.core.testing._command import resolve_target

PROVIDERS = Path(__file__).parent / "providers"
ROOTS = {
    "integration": PROVIDERS / "integration_main",
    "auth": PROVIDERS / "identity_dual",
    "cache": PROVIDERS / "cache_memory",
    "secrets": PROVIDERS / "secrets_basic",
    "s3": PROVIDERS / "s3_memory",
}
Code = grpc.StatusCode


def _code(call: Callable[[], object]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    code: grpc.StatusCode = caught.value.code()
    return code


def _integration(proc: ProviderProcess) -> None:
    done = proc.execute("echo", {"n": 3, "s": "x"}, timeout=10)
    assert (done.status, '"n":3' in result_text(done)) == (200, True)
    assert proc.execute("no.such.operation", {}, timeout=10).status == 404


def _auth(proc: ProviderProcess) -> None:
    pb = proc.stubs("auth" if proc.protocol == 2 else "identity")[0]
    if proc.protocol == 2:
        begun = proc.auth.BeginLogin(pb.BeginLoginRequest(host_state="s1"), timeout=10)
        assert "state=s1" in begun.authorization_url
        request = pb.ValidateExternalTokenRequest(token="t")
        assert _code(lambda: proc.auth.ValidateExternalToken(request, timeout=10)) == (
            Code.UNIMPLEMENTED
        )
        return
    identity = proc.identity_provider
    assert identity.Introspect(pb.IntrospectRequest(token="tok-dual"), timeout=10).active
    assert _code(lambda: identity.ListGrants(pb.ListGrantsRequest(), timeout=10)) == (
        Code.UNIMPLEMENTED
    )


def _cache(proc: ProviderProcess) -> None:
    pb = proc.stubs("cache")[0]
    proc.cache.Set(pb.CacheSetRequest(key="k", value=b"v"), timeout=10)
    assert proc.cache.Get(pb.CacheGetRequest(key="k"), timeout=10).value == b"v"
    negative = pb.CacheSetRequest(key="k", value=b"v", ttl=duration_pb2.Duration(seconds=-1))
    assert _code(lambda: proc.cache.Set(negative, timeout=10)) == Code.INVALID_ARGUMENT


def _secrets(proc: ProviderProcess) -> None:
    pb = proc.stubs("secrets")[0]
    assert proc.secrets.GetSecret(pb.GetSecretRequest(name="slow/v"), timeout=10).value == "v"
    assert _code(lambda: proc.secrets.GetSecret(pb.GetSecretRequest(name=""), timeout=10)) == (
        Code.INVALID_ARGUMENT
    )


def _s3(proc: ProviderProcess) -> None:
    pb = proc.stubs("s3")[0]
    where = {"bucket": "bkt"} if proc.protocol == 2 else {}  # protocol 5: one store
    listing = proc.s3.ListObjects(pb.ListObjectsRequest(prefix="none/", **where), timeout=10)
    assert list(listing.objects) == []
    missing = pb.HeadObjectRequest(ref=pb.S3ObjectRef(key="missing", **where))
    assert _code(lambda: proc.s3.HeadObject(missing, timeout=10)) == Code.NOT_FOUND


CALLS = {
    "integration": _integration,
    "auth": _auth,
    "cache": _cache,
    "secrets": _secrets,
    "s3": _s3,
}


@pytest.mark.parametrize("kind", list(ROOTS))
def test_calls_errors_and_sigterm(kind: str, protocol: int) -> None:
    with launch(ROOTS[kind], kind, python=sys.executable, protocol=protocol) as proc:
        assert proc.protocol == protocol
        CALLS[kind](proc)
        result = proc.stop()
    assert result.exit_code == 0, proc.output()
    assert not result.killed
    assert result.seconds < 2.0


@pytest.mark.parametrize("kind", list(ROOTS))
def test_host_death_stops_the_provider(kind: str, protocol: int) -> None:
    """A host launches the provider its generation's way, then is SIGKILLed."""
    root = ROOTS[kind]
    target = resolve_target(root, kind, None)
    directory = tempfile.mkdtemp(prefix="g", dir="/tmp")
    socket = os.path.join(directory, "provider.sock")
    variables = HOST_VARIABLES[protocol]
    if protocol == 2:
        command = [sys.executable, "-m", "gestalt._runtime", str(root), target, kind]
    else:  # the manifest's `gestalt run . TARGET KIND`, from ROOT
        command = [sys.executable, "-m", "gestalt._cli", "run", ".", target, kind]
    host_code = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        env = {{"PATH": os.environ["PATH"], {variables.socket!r}: {socket!r},
                {variables.parent_pid!r}: str(os.getpid())}}
        child = subprocess.Popen({command!r}, cwd={str(root)!r}, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    host = subprocess.Popen([sys.executable, "-c", host_code], stdout=subprocess.PIPE, text=True)
    try:
        assert host.stdout is not None
        provider_pid = int(host.stdout.readline())
        deadline = time.monotonic() + 15
        while not os.path.exists(socket):  # serving: the socket appears once it answers
            assert time.monotonic() < deadline, "the provider never served"
            time.sleep(0.025)
        assert pid_alive(provider_pid)
    finally:
        host.kill()
        host.wait()
        if host.stdout is not None:
            host.stdout.close()
    deadline = time.monotonic() + 3
    while pid_alive(provider_pid):
        assert time.monotonic() < deadline, f"{kind} provider outlived its host"
        time.sleep(0.02)
