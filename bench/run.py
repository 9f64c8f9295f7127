"""The benchmark: this SDK side by side with upstream gestalt-sdk 0.0.1a8 and raw grpcio.

``uv run bench/run.py [--quick | --smoke] [--models] [--only NAMES] [--out DIR]``.
bench/README.md says what each figure means, how it is measured and which targets the
report judges. In short: every contender serves the same providers
over the host's protocol (spawned as gestaltd spawns them, scrubbed environment, private
socket directory, the host's readiness poll and first lifecycle call), contenders take
turns within every repetition, and every reply is checked before it is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import itertools
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf import empty_pb2, struct_pb2

from gestalt.core.testing._host_contract import POLL, READY_TIMEOUT, SAFE_ENV
from gestalt.provider.v1 import (
    cache_pb2,
    cache_pb2_grpc,
    plugin_pb2,
    plugin_pb2_grpc,
    runtime_pb2,
    runtime_pb2_grpc,
    s3_pb2,
    s3_pb2_grpc,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
UPSTREAM_SPEC = "gestalt-sdk==0.0.1a8"
UPSTREAM_VENV = BENCH / ".venvs" / "upstream"
UPSTREAM_PYTHON = UPSTREAM_VENV / "bin" / "python"
KINDS = ("integration", "cache", "s3")
TARGETS = {
    "integration": "bench_integration:plugin",
    "cache": "bench_cache:cache",
    "s3": "bench_s3:s3",
}
DEF_TARGETS = {
    "integration": "bench_integration:plugin_def",
    "cache": "bench_cache:cache_def",
    "s3": "bench_s3:s3_def",
}
KIND_WIRE = {"cache": 6, "s3": 7}  # runtime.proto ProviderKind
PROTOCOL_VERSION = 2
CLK_TCK = os.sysconf("SC_CLK_TCK")
INFLIGHT = (1, 8, 64)
CACHE_INFLIGHT = (8, 64)
CACHE_SIZES = {"100B": 100, "64KiB": 64 * 1024}  # label -> value size
CACHE_KEYS = 256
# Slow handlers: a cache Get of a "slow/" key waits 50 ms (blocking its thread in def
# providers, awaiting in async def ones). SLOW_CALLS of them at once, like the SDK's
# process tests, while HealthCheck is probed: shows whether health checks queue behind
# slow handlers and how many blocking handlers run at once.
SLOW_CALLS = 70
SLOW_SECONDS = 0.05
HEALTH_PROBES = 3
MIB = 1024 * 1024
FRAME = 64 * 1024  # S3 data frames (PROTOCOL.md 8)
BLOCK = bytes(range(256)) * (FRAME // 256)  # every S3 body is this pattern, repeated
TWICE = BLOCK * 2  # any chunk of <= 64 KiB at any offset is a slice of this

# The Execute call every contender answers, and the body it must give back.
PARAMS: dict[str, Any] = {
    "name": "Ada",
    "greeting": "hi",
    "excited": True,
    "tags": ["a", "b"],
    "weight": 2.5,
}
EXPECTED_BODY = {"message": "hi, Ada!", "tags": ["a", "b"], "weight": 2.5}


@dataclasses.dataclass(frozen=True)
class Mode:
    """How much work one run does."""

    reps: int  # repetitions of the full workload (each also gives one cold start per kind)
    cold_reps: int  # extra start-only repetitions
    import_runs: int
    latency_calls: int
    window: float  # seconds per throughput window
    warmup: int
    s3_big: int  # bytes of the big S3 object (256 MiB in a full run)


QUICK = Mode(2, 3, 3, latency_calls=300, window=0.6, warmup=30, s3_big=64 * MIB)
FULL = Mode(5, 10, 7, latency_calls=2000, window=1.2, warmup=200, s3_big=256 * MIB)
# A few checked calls of every kind: proves the providers and the benchmark still work.
SMOKE = Mode(1, 0, 0, latency_calls=20, window=0.05, warmup=8, s3_big=4 * MIB)
MODES = {"full": FULL, "quick": QUICK, "smoke": SMOKE}


T = TypeVar("T")


class BenchError(RuntimeError):
    """A contender broke the protocol or answered wrongly."""


# -- contenders ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Contender:
    """One way of serving the benchmark's providers.

    Attributes:
        name: Column name.
        python: The interpreter to run.
        args: Arguments after the interpreter for each kind.
        kinds: The kinds it serves (the others are left out of its runs).
        env: Variables added to the host's scrubbed environment (e.g. a server model).
        strict: It validates Execute params strictly, as the SDK does, so a bad call must
            answer 400 (upstream a8 turns a number into a string and is not checked).
    """

    name: str
    python: str
    args: Callable[[str], list[str]]
    kinds: tuple[str, ...] = KINDS
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    strict: bool = True

    def argv(self, kind: str, *, importtime: bool = False) -> list[str]:
        """The command line the host would run for ``kind``."""
        flags = ["-X", "importtime"] if importtime else []
        return [self.python, *flags, *self.args(kind)]


def runtime_args(root: Path, targets: dict[str, str] = TARGETS) -> Callable[[str], list[str]]:
    """``-m gestalt._runtime ROOT TARGET KIND``, as gestaltd launches a source provider."""
    return lambda kind: ["-m", "gestalt._runtime", str(root), targets[kind], kind]


def script_args(script: Path, *extra: str) -> Callable[[str], list[str]]:
    """A raw server script with the kind (and ``extra``) as its arguments."""
    return lambda kind: [str(script), kind, *extra]


DEV = sys.executable
RAW_AIO = BENCH / "raw" / "raw_aio.py"
RAW_SYNC = BENCH / "raw" / "raw_sync.py"

#: Every run's contenders. "ours" serves ``async def`` handlers (the SDK's fast path),
#: "ours-def" the same providers with plain ``def`` handlers; raw-aio and raw-sync are the
#: floors (hand-written servicers on grpc.aio and on grpcio's 4-thread pool); raw-pydantic
#: is raw-aio serving the integration on pydantic with the same model as ours, the floor
#: for an integration's start-up and memory.
CONTENDERS = [
    Contender("ours", DEV, runtime_args(BENCH / "ours")),
    Contender("ours-def", DEV, runtime_args(BENCH / "ours", DEF_TARGETS)),
    Contender("upstream", str(UPSTREAM_PYTHON), runtime_args(BENCH / "upstream"), strict=False),
    Contender("raw-aio", DEV, script_args(RAW_AIO)),
    Contender("raw-sync", DEV, script_args(RAW_SYNC)),
    Contender("raw-pydantic", DEV, script_args(RAW_AIO, "pydantic"), kinds=("integration",)),
]

#: Server designs ``--models`` adds (docs/design.md's server-model table): a 64-thread
#: pool sized for blocking handlers running them inline; the same pool handing each call
#: to one event loop, as ``async def`` handlers would need; and the pool with health
#: checks on a thread of their own, so they never queue behind slow handlers. A candidate
#: is one line; a server model of our runtime chosen by an environment variable would be
#: ``Contender("ours-def-pool", DEV, runtime_args(BENCH / "ours", DEF_TARGETS),
#: env={"GESTALT_SDK_SERVER_MODEL": "pool"})``.
MODEL_CANDIDATES = [
    # ours-def runs on the thread-pool model (chosen for all-def providers); this is the
    # same provider on grpc.aio with a hop into the handler pool, the model before it.
    Contender(
        "ours-def-aio",
        DEV,
        runtime_args(BENCH / "ours", DEF_TARGETS),
        kinds=("integration", "cache"),
        env={"GESTALT_SDK_SERVER_MODEL": "aio"},
    ),
    Contender("sync64", DEV, script_args(RAW_SYNC, "64")),
    Contender("sync64-loop", DEV, script_args(RAW_SYNC, "64", "hop")),
    Contender("sync64-health", DEV, script_args(RAW_SYNC, "64", "health")),
]

#: ``--smoke``: ours only, nothing downloaded.
SMOKE_CONTENDERS = ("ours", "ours-def")
RAW = ("raw-aio", "raw-sync")
BEST_RAW = "best raw"


def ensure_upstream() -> None:
    """Create the upstream venv (``UPSTREAM_PYTHON``) on first use.

    gestalt-sdk ships a regular ``gestalt/__init__.py`` that would shadow our namespace, so
    it lives in a venv of its own and is never installed into the dev environment.
    """
    python = UPSTREAM_PYTHON
    check = "import importlib.metadata as m; print(m.version('gestalt-sdk'))"
    if python.exists():
        found = subprocess.run([python, "-c", check], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == UPSTREAM_SPEC.split("==")[1]:
            return
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    print(f"creating {UPSTREAM_VENV.relative_to(REPO)} with {UPSTREAM_SPEC}", file=sys.stderr)
    subprocess.run(
        [uv, "venv", "-q", "--clear", str(UPSTREAM_VENV), "--python", sys.executable], check=True
    )
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), UPSTREAM_SPEC], check=True)


def check_dev_namespace() -> None:
    """Refuse to run if an upstream ``gestalt`` package shadows our namespace here."""
    import gestalt

    if getattr(gestalt, "__file__", None):
        raise SystemExit(
            f"the dev environment has a regular gestalt package at {gestalt.__file__}: "
            "gestalt-sdk must not be installed there (`uv sync` repairs it)"
        )


# -- a provider process, started the way the host starts it ------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all threads), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def proc_status_kib(pid: int, key: str) -> int:
    """A ``kB`` line of /proc/<pid>/status (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise BenchError(f"no {key} in /proc/{pid}/status")


def _base_dir() -> str:
    return "/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir()


class Provider:
    """One provider process: spawn, host start-up, clients, stop.

    Attributes:
        to_socket: Seconds from spawn to the socket file (25 ms poll, as the host).
        to_ready: Seconds from spawn to the first successful lifecycle answer.
        to_started: Seconds from spawn to the answer of ``StartProvider`` (integration) or
            ``ConfigureProvider`` (runtime kinds): when the host can use the provider.
        retries: Times the first lifecycle call failed with ``UNAVAILABLE`` and was tried
            again (gestaltd retries it for integrations only; see ``first_answer``).
        rss_kib: VmRSS right after the start-up sequence.
    """

    def __init__(self, contender: Contender, kind: str, *, importtime: bool = False) -> None:
        self.contender = contender
        self.kind = kind
        self._argv = contender.argv(kind, importtime=importtime)
        self._dir = tempfile.mkdtemp(prefix="gstp-", dir=_base_dir())
        self._cwd = tempfile.mkdtemp(prefix="gstp-cwd-", dir=_base_dir())
        self.socket = os.path.join(self._dir, "plugin.sock")
        self._out = tempfile.TemporaryFile(prefix="gstp-out-")  # noqa: SIM115 - closed in stop()
        self._proc: subprocess.Popen[bytes] | None = None
        self.channel: grpc.aio.Channel | None = None
        self.to_socket = self.to_ready = self.to_started = 0.0
        self.retries = 0
        self.rss_kib = 0

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self) -> None:
        """Spawn with the host's environment and cwd, wait, then run the kind's start-up."""
        env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
        env.update(self.contender.env)
        env["GESTALT_PLUGIN_SOCKET"] = self.socket
        env["GESTALT_PLUGIN_PARENT_PID"] = str(os.getpid())
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            self._argv,
            cwd=self._cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._out,
        )
        while not os.path.exists(self.socket):
            if self._proc.poll() is not None:
                raise self._failure("exited before serving gRPC")
            if time.perf_counter() - started > READY_TIMEOUT:
                raise self._failure("no socket within 10 s")
            await asyncio.sleep(POLL)
        self.to_socket = time.perf_counter() - started
        self.channel = grpc.aio.insecure_channel(
            f"unix:{self.socket}",
            options=[
                ("grpc.default_authority", "localhost"),
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ],
        )
        if self.kind == "integration":
            await self._start_integration(self.channel, started)
        else:
            await self._start_runtime_kind(self.channel, started)
        self.to_started = time.perf_counter() - started
        self.rss_kib = proc_status_kib(self.pid, "VmRSS")

    async def first_answer(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """The first call after the socket appeared, tried again every 25 ms while UNAVAILABLE.

        A socket file can exist a moment before its server answers (bound, not yet
        serving). gestaltd retries the first call for integrations only; the benchmark
        retries it for every kind, within the 10 s readiness deadline, so that moment never
        fails a run, and counts the retries (``retries``) so the report shows any.
        """
        deadline = time.perf_counter() + READY_TIMEOUT
        while True:
            try:
                return await call()
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise self._failure(f"{what}: {error.code().name} {error.details()}") from None
                if (
                    time.perf_counter() > deadline
                    or self._proc is None
                    or self._proc.poll() is not None
                ):
                    raise self._failure(f"{what} still UNAVAILABLE after 10 s") from None
            self.retries += 1
            await asyncio.sleep(POLL)

    async def _start_integration(self, channel: grpc.aio.Channel, started: float) -> None:
        stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
        await self.first_answer(
            lambda: stub.GetMetadata(empty_pb2.Empty(), timeout=READY_TIMEOUT), "GetMetadata"
        )
        self.to_ready = time.perf_counter() - started
        answer = await stub.StartProvider(
            plugin_pb2.StartProviderRequest(name="bench", protocol_version=PROTOCOL_VERSION)
        )
        if answer.protocol_version != PROTOCOL_VERSION:
            raise self._failure(f"StartProvider answered version {answer.protocol_version}")

    async def _start_runtime_kind(self, channel: grpc.aio.Channel, started: float) -> None:
        stub = runtime_pb2_grpc.ProviderLifecycleStub(channel)
        identity = await self.first_answer(
            lambda: stub.GetProviderIdentity(empty_pb2.Empty(), timeout=30),
            "GetProviderIdentity",
        )
        self.to_ready = time.perf_counter() - started
        if identity.kind != KIND_WIRE[self.kind]:
            raise self._failure(f"provider kind mismatch: got {identity.kind}")
        answer = await stub.ConfigureProvider(
            runtime_pb2.ConfigureProviderRequest(name="bench", protocol_version=PROTOCOL_VERSION),
            timeout=30,
        )
        if answer.protocol_version != PROTOCOL_VERSION:
            raise self._failure(f"ConfigureProvider answered version {answer.protocol_version}")
        await stub.GetProviderIdentity(empty_pb2.Empty(), timeout=30)

    def output(self) -> str:
        """What the provider wrote to stdout/stderr so far."""
        self._out.seek(0)
        return self._out.read().decode(errors="replace")

    def _failure(self, what: str) -> BenchError:
        tail = self.output()[-2000:]
        return BenchError(f"{self.contender.name} {self.kind}: {what}\n{tail}")

    async def stop(self) -> str:
        """SIGTERM, SIGKILL after 2 s, clean up; returns the provider's output."""
        if self.channel is not None:
            await self.channel.close()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            deadline = time.perf_counter() + 2.0
            while proc.poll() is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        output = self.output()
        self._out.close()
        shutil.rmtree(self._dir, ignore_errors=True)
        shutil.rmtree(self._cwd, ignore_errors=True)
        return output


# -- workloads ----------------------------------------------------------------------------


@dataclasses.dataclass
class Window:
    """One measured window: calls, wall seconds, provider CPU seconds, latencies."""

    calls: int
    wall: float
    cpu: float
    latencies: list[float] = dataclasses.field(default_factory=list)

    @property
    def ops(self) -> float:
        return self.calls / self.wall

    @property
    def cpu_per_call_us(self) -> float:
        return self.cpu / self.calls * 1e6


Call = Callable[[int], Awaitable[None]]


async def measure(pid: int, call: Call, inflight: int, *, seconds: float) -> Window:
    """Keep ``inflight`` calls going for ``seconds``; count calls, wall and provider CPU."""
    count = 0
    deadline = 0.0

    async def worker(offset: int) -> None:
        nonlocal count
        i = offset
        while time.perf_counter() < deadline:
            await call(i)
            count += 1
            i += inflight

    cpu0 = proc_cpu_seconds(pid)
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(worker(n) for n in range(inflight)))
    wall = time.perf_counter() - start
    return Window(count, wall, proc_cpu_seconds(pid) - cpu0)


async def sequential(pid: int, call: Call, calls: int) -> Window:
    """``calls`` calls one at a time, each timed."""
    latencies = []
    cpu0 = proc_cpu_seconds(pid)
    start = time.perf_counter()
    for i in range(calls):
        t0 = time.perf_counter()
        await call(i)
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    return Window(calls, wall, proc_cpu_seconds(pid) - cpu0, latencies)


def execute_call(channel: grpc.aio.Channel) -> Call:
    """An Execute of ``greet`` whose reply is checked (status 200, exact JSON body)."""
    stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
    params = struct_pb2.Struct()
    params.update(PARAMS)
    request = plugin_pb2.ExecuteRequest(operation="greet", params=params, invocation_id="bench")
    good: set[str] = set()  # bodies already parsed and found equal to EXPECTED_BODY

    async def call(i: int) -> None:
        reply = await stub.Execute(request)
        if reply.status != 200:
            raise BenchError(f"Execute answered status {reply.status}: {reply.body[:300]}")
        if reply.body not in good:
            if json.loads(reply.body) != EXPECTED_BODY:
                raise BenchError(f"Execute answered a wrong body: {reply.body[:300]}")
            good.add(reply.body)

    return call


async def check_rejects_bad_params(channel: grpc.aio.Channel) -> None:
    """``greet`` with a number for ``name`` must answer 400 with a body naming ``name``.

    Every contender validates the input as the SDK does (strict: a number is not a
    string), so none can skip the validation the figures include.
    """
    stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
    params = struct_pb2.Struct()
    params.update({**PARAMS, "name": 5})
    reply = await stub.Execute(plugin_pb2.ExecuteRequest(operation="greet", params=params))
    if reply.status != 400 or "name" not in reply.body:
        raise BenchError(
            f"Execute with a number for name answered {reply.status}: {reply.body[:300]}"
        )


def cache_values(size: int) -> list[bytes]:
    """One distinct value of ``size`` bytes per key."""
    blob = os.urandom(size + CACHE_KEYS)
    return [blob[i : i + size] for i in range(CACHE_KEYS)]


def cache_calls(channel: grpc.aio.Channel, size: int) -> tuple[Call, Call]:
    """A checked Set and a checked Get (byte-exact) over ``CACHE_KEYS`` keys."""
    stub = cache_pb2_grpc.CacheStub(channel)
    values = cache_values(size)
    keys = [f"bench/{size}/{i}" for i in range(CACHE_KEYS)]
    sets = [cache_pb2.CacheSetRequest(key=k, value=v) for k, v in zip(keys, values, strict=True)]
    gets = [cache_pb2.CacheGetRequest(key=k) for k in keys]

    async def set_call(i: int) -> None:
        reply = await stub.Set(sets[i % CACHE_KEYS])
        if not isinstance(reply, empty_pb2.Empty):
            raise BenchError(f"Set answered {type(reply).__name__}")

    async def get_call(i: int) -> None:
        reply = await stub.Get(gets[i % CACHE_KEYS])
        if not reply.found or reply.value != values[i % CACHE_KEYS]:
            raise BenchError(f"Get {keys[i % CACHE_KEYS]!r} answered a wrong value")

    return set_call, get_call


async def warm(call: Call, calls: int) -> None:
    for i in range(calls):
        await call(i)


Samples = dict[str, list[float]]


def add(samples: Samples, key: str, value: float) -> None:
    samples.setdefault(key, []).append(value)


async def first_execute(provider: Provider, out: Samples) -> None:
    """Time the first Execute after start-up (checked), then check that bad params fail.

    The check runs on every start of a strict contender, so no floor skips the validation
    its figures include.
    """
    assert provider.channel is not None
    call = execute_call(provider.channel)
    started = time.perf_counter()
    await call(0)
    add(out, "first_exec_ms", (time.perf_counter() - started) * 1000)
    if provider.contender.strict:
        await check_rejects_bad_params(provider.channel)


async def integration_workload(provider: Provider, mode: Mode, out: Samples) -> None:
    assert provider.channel is not None
    call = execute_call(provider.channel)
    await warm(call, mode.warmup)
    seq = await sequential(provider.pid, call, mode.latency_calls)
    lat = sorted(seq.latencies)
    add(out, "exec_p50_us", lat[len(lat) // 2] * 1e6)
    add(out, "exec_p99_us", lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e6)
    for n in INFLIGHT:
        await warm(call, mode.warmup // 4)
        window = await measure(provider.pid, call, n, seconds=mode.window)
        add(out, f"exec_ops_{n}", window.ops)
        add(out, f"exec_cpu_us_{n}", window.cpu_per_call_us)


async def cache_workload(provider: Provider, mode: Mode, out: Samples) -> None:
    assert provider.channel is not None
    for label, size in CACHE_SIZES.items():
        set_call, get_call = cache_calls(provider.channel, size)
        await warm(set_call, CACHE_KEYS)  # every key holds its value before Get is timed
        for op, call in (("set", set_call), ("get", get_call)):
            for n in CACHE_INFLIGHT:
                await warm(call, mode.warmup // 4)
                window = await measure(provider.pid, call, n, seconds=mode.window)
                add(out, f"cache_{op}_{label}_ops_{n}", window.ops)
                add(out, f"cache_{op}_{label}_cpu_us_{n}", window.cpu_per_call_us)
    await slow_handlers(provider, out)


async def slow_handlers(provider: Provider, out: Samples) -> None:
    """``SLOW_CALLS`` slow Gets at once; HealthCheck probed while they are in flight."""
    assert provider.channel is not None
    cache = cache_pb2_grpc.CacheStub(provider.channel)
    lifecycle = runtime_pb2_grpc.ProviderLifecycleStub(provider.channel)

    async def slow(i: int) -> None:
        reply = await cache.Get(cache_pb2.CacheGetRequest(key=f"slow/{i}"), timeout=30)
        if reply.found:
            raise BenchError(f"Get 'slow/{i}' answered found")

    started = time.perf_counter()
    calls = [asyncio.ensure_future(slow(i)) for i in range(SLOW_CALLS)]
    await asyncio.sleep(SLOW_SECONDS / 5)  # the slow calls reach the provider first
    worst = 0.0
    for _ in range(HEALTH_PROBES):
        probe = time.perf_counter()
        health = await lifecycle.HealthCheck(empty_pb2.Empty(), timeout=30)
        if not health.ready:
            raise BenchError("HealthCheck answered not ready")
        worst = max(worst, time.perf_counter() - probe)
    await asyncio.gather(*calls)
    add(out, "health_busy_ms", worst * 1000)
    add(out, "slow_wall_ms", (time.perf_counter() - started) * 1000)


def s3_calls(channel: grpc.aio.Channel, size: int) -> tuple[Call, Call]:
    """A checked WriteObject and ReadObject of ``obj-<size>`` (the pattern body).

    The write sends 64 KiB frames after the ``open`` frame and must be answered with the
    size sent and etag ``match`` (the provider compared every chunk with the pattern);
    the read must start with a metadata frame of that size and carry the pattern exactly.
    """
    stub = s3_pb2_grpc.S3Stub(channel)
    ref = s3_pb2.S3ObjectRef(bucket="bench", key=f"obj-{size}")
    opening = s3_pb2.WriteObjectRequest(open=s3_pb2.WriteObjectOpen(ref=ref))
    full, rest = divmod(size, FRAME)
    frame = s3_pb2.WriteObjectRequest(data=BLOCK)
    tail = [s3_pb2.WriteObjectRequest(data=BLOCK[:rest])] if rest else []
    read_request = s3_pb2.ReadObjectRequest(ref=ref)

    async def write(i: int) -> None:
        frames = itertools.chain([opening], itertools.repeat(frame, full), tail)
        reply = await stub.WriteObject(frames)
        if reply.meta.size != size or reply.meta.etag != "match":
            raise BenchError(
                f"WriteObject answered size {reply.meta.size} etag {reply.meta.etag!r}"
            )

    async def read(i: int) -> None:
        seen, first = 0, True
        async for chunk in stub.ReadObject(read_request):
            if first:
                if chunk.WhichOneof("result") != "meta" or chunk.meta.size != size:
                    raise BenchError("ReadObject did not start with the object's metadata")
                first = False
                continue
            data, start = chunk.data, seen % FRAME
            if len(data) > FRAME or TWICE[start : start + len(data)] != data:
                raise BenchError(f"ReadObject sent wrong bytes at offset {seen}")
            seen += len(data)
        if first or seen != size:
            raise BenchError(f"ReadObject sent {seen} bytes of {size}")

    return write, read


async def s3_workload(provider: Provider, mode: Mode, out: Samples) -> None:
    assert provider.channel is not None
    for size, label in ((MIB, "1MiB"), (mode.s3_big, "big")):
        write, read = s3_calls(provider.channel, size)
        if size == MIB:
            await warm(write, 5)
            await warm(read, 5)
        hwm = proc_status_kib(provider.pid, "VmHWM")
        for op, call in (("write", write), ("read", read)):
            if size == MIB:
                window = await measure(provider.pid, call, 1, seconds=mode.window)
            else:
                # Two transfers per repetition: one 256 MiB read alone varied by +-30%.
                window = await sequential(provider.pid, call, 2)
            mib = window.calls * size / MIB
            add(out, f"s3_{op}_{label}_mibs", mib / window.wall)
            add(out, f"s3_{op}_{label}_cpu_ms", window.cpu / mib * 1000)
        if size != MIB:
            grown = proc_status_kib(provider.pid, "VmHWM") - hwm
            add(out, "s3_big_hwm_growth_mib", grown / 1024)


# -- import time --------------------------------------------------------------------------


def importtime_entries(stderr: str) -> list[tuple[str, int]]:
    """Top-level ``-X importtime`` entries as (module, cumulative µs)."""
    entries = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|", 2)
        if name.startswith(" ") and not name.startswith("  "):  # level 0: one space
            entries.append((name.strip(), int(cumulative)))
    return entries


def baseline_modules(python: str) -> set[str]:
    """What the interpreter imports at start-up by itself (site, encodings, .pth files)."""
    done = subprocess.run(
        [python, "-X", "importtime", "-c", "pass"], capture_output=True, text=True, cwd=_base_dir()
    )
    return {name for name, _ in importtime_entries(done.stderr)}


def import_ms(stderr: str, baseline: set[str]) -> float:
    """Sum of top-level cumulative import times, start-up modules left out, in ms."""
    return sum(us for name, us in importtime_entries(stderr) if name not in baseline) / 1000


def import_runtime_ms(python: str, baseline: set[str]) -> float:
    """``python -X importtime -c "import gestalt._runtime"`` (clean env, neutral cwd)."""
    env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
    done = subprocess.run(
        [python, "-X", "importtime", "-c", "import gestalt._runtime"],
        capture_output=True,
        text=True,
        cwd=_base_dir(),
        env=env,
        check=True,
    )
    return import_ms(done.stderr, baseline)


# -- the run ------------------------------------------------------------------------------


def rotate(items: Sequence[Contender], by: int) -> list[Contender]:
    by %= len(items)
    return [*items[by:], *items[:by]]


async def run(mode: Mode, everyone: list[Contender]) -> dict[str, Samples]:
    samples: dict[str, Samples] = {c.name: {} for c in everyone}
    pythons = {c.python for c in everyone}
    baselines = {python: baseline_modules(python) for python in pythons}
    t0 = time.perf_counter()

    # Import time of the runtime module and of everything a provider imports until serving.
    for r in range(mode.import_runs):
        for c in rotate(everyone, r):
            if c.name in ("ours", "upstream"):  # ours-def runs the same interpreter
                add(
                    samples[c.name],
                    "import_runtime_ms",
                    import_runtime_ms(c.python, baselines[c.python]),
                )
            for kind in c.kinds:
                provider = Provider(c, kind, importtime=True)
                try:
                    await provider.start()
                finally:
                    output = await provider.stop()
                add(
                    samples[c.name],
                    f"import_serve_{kind}_ms",
                    import_ms(output, baselines[c.python]),
                )
    print(f"  import time done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    # Cold starts alone, then the workloads (each of those starts gives one more sample).
    for r in range(mode.cold_reps + mode.reps):
        with_load = r >= mode.cold_reps
        for c in rotate(everyone, r):
            for kind in c.kinds:
                provider = Provider(c, kind)
                try:
                    await provider.start()
                    add(samples[c.name], f"cold_{kind}_ms", provider.to_ready * 1000)
                    add(samples[c.name], f"started_{kind}_ms", provider.to_started * 1000)
                    add(samples[c.name], f"socket_{kind}_ms", provider.to_socket * 1000)
                    add(samples[c.name], f"rss_{kind}_mib", provider.rss_kib / 1024)
                    add(samples[c.name], f"retries_{kind}", provider.retries)
                    if kind == "integration":
                        await first_execute(provider, samples[c.name])
                    if with_load:
                        workload = WORKLOADS[kind]
                        await workload(provider, mode, samples[c.name])
                finally:
                    await provider.stop()
        stage = "workload" if with_load else "cold start"
        print(f"  {stage} round {r + 1} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return samples


WORKLOADS = {"integration": integration_workload, "cache": cache_workload, "s3": s3_workload}


# -- report -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the table.

    Attributes:
        key: Sample name.
        label: What the line shows.
        unit: Unit of the figures.
        higher_is_better: Direction used for "best raw" and the targets.
    """

    key: str
    label: str
    unit: str
    higher_is_better: bool = False


FIRST_CALL = {
    "integration": "GetMetadata",
    "cache": "GetProviderIdentity",
    "s3": "GetProviderIdentity",
}
STARTED_CALL = {
    "integration": "StartProvider",
    "cache": "ConfigureProvider",
    "s3": "ConfigureProvider",
}
S3_SIZES = (("1MiB", "1 MiB objects"), ("big", "big object"))
ROWS = [
    *(Row(f"cold_{k}_ms", f"cold start, {k} (spawn → {FIRST_CALL[k]})", "ms") for k in KINDS),
    *(Row(f"started_{k}_ms", f"spawn → {STARTED_CALL[k]} answered, {k}", "ms") for k in KINDS),
    *(Row(f"socket_{k}_ms", f"spawn → socket file, {k} (25 ms poll)", "ms") for k in KINDS),
    *(Row(f"rss_{k}_mib", f"RSS after {STARTED_CALL[k]}, {k}", "MiB") for k in KINDS),
    Row("first_exec_ms", "first Execute after StartProvider", "ms"),
    Row("import_runtime_ms", '-X importtime "import gestalt._runtime"', "ms"),
    *(
        Row(f"import_serve_{k}_ms", f"-X importtime, all imports until serving, {k}", "ms")
        for k in KINDS
    ),
    Row("exec_p50_us", "Execute p50, 1 in flight", "µs"),
    Row("exec_p99_us", "Execute p99, 1 in flight", "µs"),
    *(Row(f"exec_ops_{n}", f"Execute ops/s, {n} in flight", "ops/s", True) for n in INFLIGHT),
    *(Row(f"exec_cpu_us_{n}", f"Execute provider CPU/call, {n} in flight", "µs") for n in INFLIGHT),
    *(
        Row(f"cache_{op}_{size}_ops_{n}", f"cache {op} {size} ops/s, {n} in flight", "ops/s", True)
        for size in CACHE_SIZES
        for op in ("set", "get")
        for n in CACHE_INFLIGHT
    ),
    *(
        Row(
            f"cache_{op}_{size}_cpu_us_{n}",
            f"cache {op} {size} provider CPU/op, {n} in flight",
            "µs",
        )
        for size in CACHE_SIZES
        for op in ("set", "get")
        for n in CACHE_INFLIGHT
    ),
    Row(
        "health_busy_ms",
        f"HealthCheck, worst of {HEALTH_PROBES} with {SLOW_CALLS} slow cache Gets in flight",
        "ms",
    ),
    Row("slow_wall_ms", f"{SLOW_CALLS} slow (50 ms) cache Gets at once, all answered", "ms"),
    *(
        Row(f"s3_{op}_{size}_mibs", f"S3 {op} {name}", "MiB/s", True)
        for size, name in S3_SIZES
        for op in ("write", "read")
    ),
    *(
        Row(f"s3_{op}_{size}_cpu_ms", f"S3 {op} {name} provider CPU per MiB", "ms")
        for size, name in S3_SIZES
        for op in ("write", "read")
    ),
    Row("s3_big_hwm_growth_mib", "S3 peak RSS growth (VmHWM) over big write + read", "MiB"),
]
ROW = {row.key: row for row in ROWS}


@dataclasses.dataclass(frozen=True)
class Target:
    """A goal an issue set, judged on the medians of one run.

    Attributes:
        issue: The issue that set it.
        key: The figure (a ``Row`` key); its row says whether higher is better.
        judged: The contender judged.
        against: The reference: a contender, ``BEST_RAW``, or ``None`` for a bound on the
            figure itself.
        bound: The largest allowed ratio, difference or value (the smallest when higher is
            better).
        difference: Bound ``judged - against`` instead of ``judged / against``.
    """

    issue: int
    key: str
    judged: str
    against: str | None
    bound: float
    difference: bool = False

    def describe(self) -> str:
        """The target in words, e.g. ``ours Execute CPU/call, 8 in flight ≤ 1.1x raw-aio``."""
        row = ROW[self.key]
        sign = "≥" if row.higher_is_better else "≤"
        if self.against is None:
            goal = f"{sign} {fmt(self.bound)} {row.unit}"
        elif self.difference:
            goal = f"within {fmt(self.bound)} {row.unit} of {self.against}"
        else:
            goal = f"{sign} {self.bound}x {self.against}"
        return f"{self.judged}: {row.label} {goal}"

    def measure(self, summary: Summary) -> tuple[str, bool | None]:
        """The measured ratio (difference, value) as text, and whether the target is met."""
        row = ROW[self.key]
        value = median(summary, self.judged, self.key)
        ref = reference(summary, self.against, row) if self.against is not None else 1.0
        if value is None or ref is None:
            return "not measured", None
        if self.against is None:
            measured, text = value, f"{fmt(value)} {row.unit}"
        elif self.difference:
            measured, text = value - ref, f"{value - ref:+.1f} {row.unit}"
        else:
            measured, text = value / ref, f"{value / ref:.2f}x"
        met = measured >= self.bound if row.higher_is_better else measured <= self.bound
        return text, met


def _goals_13() -> list[Target]:
    pool = "raw-sync"  # the thread-pool floor
    cache = [(op, size, n) for size in CACHE_SIZES for op in ("set", "get") for n in (8, 64)]
    ours = ("ours", "ours-def")
    return [
        *(Target(13, f"exec_cpu_us_{n}", "ours", "raw-aio", 1.1) for n in INFLIGHT),
        *(Target(13, f"exec_cpu_us_{n}", "ours-def", pool, 1.15) for n in (8, 64)),
        *(Target(13, f"exec_ops_{n}", "ours-def", pool, 0.9) for n in (8, 64)),
        *(Target(13, f"cache_{o}_{s}_cpu_us_{n}", "ours-def", pool, 1.15) for o, s, n in cache),
        *(Target(13, f"cache_{o}_{s}_ops_{n}", "ours-def", pool, 0.9) for o, s, n in cache),
        *(Target(13, f"s3_read_{s}_cpu_ms", c, BEST_RAW, 1.15) for s, _ in S3_SIZES for c in ours),
        *(Target(13, f"s3_read_{s}_mibs", c, BEST_RAW, 0.9) for s, _ in S3_SIZES for c in ours),
        *(Target(13, "s3_big_hwm_growth_mib", c, None, 32) for c in ours),
        Target(13, "started_integration_ms", "ours", "raw-pydantic", 1.1),
        Target(13, "rss_integration_mib", "ours", "raw-pydantic", 3, difference=True),
        *(Target(13, "first_exec_ms", c, None, 2) for c in ours),
    ]


def _goals_7_8() -> list[Target]:
    return [
        Target(7, "cold_integration_ms", "ours", "raw-pydantic", 1.0),
        *(Target(7, f"cold_{k}_ms", "ours", BEST_RAW, 1.0) for k in ("cache", "s3")),
        Target(7, "exec_ops_64", "ours", BEST_RAW, 0.85),
        Target(7, "exec_p99_us", "ours", "upstream", 0.7),
        *(
            Target(7, f"cache_{op}_{size}_ops_8", "ours", BEST_RAW, 0.9)
            for size in CACHE_SIZES
            for op in ("set", "get")
        ),
        *(Target(8, f"s3_write_{s}_mibs", "ours", BEST_RAW, 0.9) for s, _ in S3_SIZES),
    ]


#: The targets of issue 13, then those of issues 7 and 8 that still apply.
GOALS = [*_goals_13(), *_goals_7_8()]

Summary = dict[str, dict[str, dict[str, float]]]


def median(summary: Summary, name: str, key: str) -> float | None:
    """The median of ``key`` for contender ``name``, if it was measured."""
    figures = summary.get(name, {}).get(key)
    return figures["median"] if figures else None


def reference(summary: Summary, name: str, row: Row) -> float | None:
    """A contender's median, or for ``BEST_RAW`` the better of the raw floors'."""
    if name != BEST_RAW:
        return median(summary, name, row.key)
    raws = [m for m in (median(summary, n, row.key) for n in RAW) if m is not None]
    if not raws:
        return None
    return max(raws) if row.higher_is_better else min(raws)


def ratio_columns(names: Sequence[str]) -> list[tuple[str, str]]:
    """The ``a/b`` columns this run can fill: every non-floor contender over best raw,
    then the pairs the targets name."""
    floors = (*RAW, "raw-pydantic")
    pairs = [(n, BEST_RAW) for n in names if n not in floors]
    pairs += [("ours", "raw-aio"), ("ours-def", "raw-sync"), ("ours", "raw-pydantic")]
    pairs += [("ours", "upstream")]
    has_raw = any(n in names for n in RAW)
    return [(a, b) for a, b in pairs if a in names and (b in names or (b == BEST_RAW and has_raw))]


def summarize(values: list[float]) -> dict[str, float]:
    median = statistics.median(values)
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "spread_pct": (max(values) - min(values)) / 2 / median * 100 if median else 0.0,
        "n": len(values),
    }


def fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def report(
    samples: dict[str, Samples], names: list[str], header: list[str], *, judge: bool = True
) -> tuple[str, dict[str, Any]]:
    """The markdown report (table, targets, notes) and its figures for the JSON file.

    ``judge`` adds the targets with their measured ratios; a smoke run's single samples
    judge nothing.
    """
    summary: Summary = {
        name: {key: summarize(vals) for key, vals in samples[name].items()} for name in names
    }
    ratios = ratio_columns(names)
    has_raw = any(n in names for n in RAW)
    cols = [*names, *([BEST_RAW] if has_raw else []), *(f"{a}/{b}" for a, b in ratios)]
    lines = [*header, "", "| figure | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for row in ROWS:
        if all(median(summary, n, row.key) is None for n in names):
            continue
        cells = []
        for n in names:
            s = summary[n].get(row.key)
            cells.append(f"{fmt(s['median'])} ±{s['spread_pct']:.0f}%" if s else "-")
        if has_raw:
            best = reference(summary, BEST_RAW, row)
            cells.append(fmt(best) if best is not None else "-")
        for a, b in ratios:
            num, den = median(summary, a, row.key), reference(summary, b, row)
            cells.append(f"{num / den:.2f}x" if num is not None and den else "-")
        lines.append(f"| {row.label} ({row.unit}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cells: median ±half the min-max range in % of the median. Ratios are of medians;",
        f'"{BEST_RAW}" is the better of {" and ".join(RAW)}. Lower is better except ops/s '
        "and MiB/s.",
    ]
    verdicts: list[dict[str, Any]] = []
    target_lines = ["", "## Targets", "", "| issue | target | measured | |", "|---|---|---|---|"]
    for goal in GOALS if judge else []:
        measured, met = goal.measure(summary)
        if met is None:
            continue  # a contender this run left out
        verdict = "met" if met else "**missed**"
        target_lines.append(f"| {goal.issue} | {goal.describe()} | {measured} | {verdict} |")
        verdicts.append({**dataclasses.asdict(goal), "measured": measured, "met": met})
    if verdicts:
        missed = len([v for v in verdicts if not v["met"]])
        target_lines.append("")
        target_lines.append(f"{len(verdicts) - missed} of {len(verdicts)} targets met.")
        lines += target_lines
    retried = []
    for n in names:
        for key, vals in samples[n].items():
            if key.startswith("retries_") and max(vals) > 0:
                kind = key.removeprefix("retries_")
                retried.append(f"{n} {kind} {sum(vals):.0f} times in {len(vals)} starts")
    if retried:
        lines += [
            "",
            "First lifecycle call retried while UNAVAILABLE (socket file there, server not yet "
            "answering; gestaltd retries only an integration's): " + "; ".join(retried) + ".",
        ]
    return "\n".join(lines) + "\n", {"summary": summary, "targets": verdicts}


def git_commit() -> str:
    """The short commit of the checkout, marked when the tree has uncommitted changes."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    commit = done.stdout.strip() or "unknown"
    return f"{commit} + uncommitted changes" if dirty.stdout.strip() else commit


def select(args: argparse.Namespace) -> list[Contender]:
    """The contenders a command line asks for (unknown names are an error)."""
    available = [*CONTENDERS, *(MODEL_CANDIDATES if args.models else [])]
    if args.only:
        wanted = args.only.split(",")
        unknown = [name for name in wanted if name not in {c.name for c in available}]
        if unknown:
            known = ", ".join(c.name for c in available)
            raise SystemExit(f"--only: unknown contender {unknown[0][:40]!r} (known: {known})")
        return [c for c in available if c.name in wanted]
    if args.smoke:
        return [c for c in available if c.name in SMOKE_CONTENDERS]
    return available


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument(
        "--quick", action="store_true", help="fewer repetitions, shorter windows (<2 min)"
    )
    speed.add_argument(
        "--smoke",
        action="store_true",
        help="ours only, a few checked calls per kind, nothing downloaded (<20 s; what CI runs)",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="where results go")
    parser.add_argument(
        "--only", default="", help="comma-separated contenders to run (default: all)"
    )
    parser.add_argument(
        "--models",
        action="store_true",
        help="add the server-model candidates (MODEL_CANDIDATES); writes models.{md,json}",
    )
    args = parser.parse_args(argv)
    check_dev_namespace()
    kind = "smoke" if args.smoke else "quick" if args.quick else "full"
    mode = MODES[kind]
    everyone = select(args)
    if any(c.python == str(UPSTREAM_PYTHON) for c in everyone):
        ensure_upstream()

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    print(f"benchmark ({kind}): {', '.join(c.name for c in everyone)}", file=sys.stderr)
    samples = asyncio.run(run(mode, everyone))
    elapsed = time.perf_counter() - t0
    load_after = os.getloadavg()

    header = [
        f"# Benchmark {started:%Y-%m-%d %H:%M} UTC ({kind})",
        "",
        f"- commit {git_commit()}; Python {platform.python_version()}; grpcio {grpc.__version__}; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after; {elapsed:.0f} s",
        f"- {mode.reps} workload repetitions, {mode.reps + mode.cold_reps} cold starts, "
        f"{mode.import_runs} import-time runs per contender; contenders interleaved",
        f"- Execute: grpc.aio client in the bench process, {mode.latency_calls} sequential calls, "
        f"{mode.window} s windows; cache: {' and '.join(map(str, CACHE_INFLIGHT))} in flight, "
        f"{CACHE_KEYS} keys; S3: 1 MiB objects sequentially for {mode.window} s, "
        f"one {mode.s3_big // MIB} MiB object twice",
    ]
    names = [c.name for c in everyone]
    markdown, derived = report(samples, names, header, judge=kind != "smoke")
    print(markdown)

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    document = {
        "started": started.isoformat(),
        "mode": kind,
        "mode_settings": dataclasses.asdict(mode),
        "commit": git_commit(),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "seconds": elapsed,
        "contenders": names,
        "samples": samples,
        **derived,
    }
    # Only a full run of every contender replaces the committed latest/models files.
    stems = [stamp]
    if kind == "full" and not args.only:
        stems.append("models" if args.models else "latest")
    for stem in stems:
        (args.out / f"{stem}.md").write_text(markdown)
        (args.out / f"{stem}.json").write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {' and '.join(str(args.out / s) + '.{md,json}' for s in stems)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
