"""The benchmark: this SDK side by side with upstream gestalt-sdk 0.0.1a8 and raw grpcio.

``uv run bench/run.py [--quick] [--out bench/results]``. bench/README.md says what each
figure means and how it is measured. In short: every contender serves the same providers
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
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

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
CACHE_INFLIGHT = 8
CACHE_SIZES = (100, 64 * 1024)
CACHE_KEYS = 256
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
    """

    name: str
    python: str
    args: Callable[[str], list[str]]

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


def contenders(upstream_python: str, *, models: bool = False) -> list[Contender]:
    """All contenders; the dev interpreter runs everything but upstream.

    "ours" serves ``async def`` handlers (the SDK's fast path) and is the one the targets
    judge; "ours-def" serves the same providers written with plain ``def``. ``models`` adds
    the thread-pool designs an SDK could ship instead of grpc.aio (docs/design.md): a pool
    sized for blocking handlers (64 threads) running handlers inline, and the same pool
    handing each call to one event loop, as ``async def`` handlers would need.
    """
    dev = sys.executable
    raw_sync = BENCH / "raw" / "raw_sync.py"
    extra = [
        Contender("sync64", dev, script_args(raw_sync, "64")),
        Contender("sync64-loop", dev, script_args(raw_sync, "64", "hop")),
    ]
    return [
        Contender("ours", dev, runtime_args(BENCH / "ours")),
        Contender("ours-def", dev, runtime_args(BENCH / "ours", DEF_TARGETS)),
        Contender("upstream", upstream_python, runtime_args(BENCH / "upstream")),
        Contender("raw-aio", dev, script_args(BENCH / "raw" / "raw_aio.py")),
        Contender("raw-sync", dev, script_args(raw_sync)),
        *(extra if models else []),
    ]


RAW = ("raw-aio", "raw-sync")


def ensure_upstream() -> str:
    """The upstream venv's interpreter, creating the venv on first use.

    gestalt-sdk ships a regular ``gestalt/__init__.py`` that would shadow our namespace, so
    it lives in a venv of its own and is never installed into the dev environment.
    """
    python = UPSTREAM_VENV / "bin" / "python"
    check = "import importlib.metadata as m; print(m.version('gestalt-sdk'))"
    if python.exists():
        found = subprocess.run([python, "-c", check], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == UPSTREAM_SPEC.split("==")[1]:
            return str(python)
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    print(f"creating {UPSTREAM_VENV.relative_to(REPO)} with {UPSTREAM_SPEC}", file=sys.stderr)
    subprocess.run(
        [uv, "venv", "-q", "--clear", str(UPSTREAM_VENV), "--python", sys.executable], check=True
    )
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), UPSTREAM_SPEC], check=True)
    return str(python)


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
        self.to_socket = self.to_ready = 0.0
        self.rss_kib = 0

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self) -> None:
        """Spawn with the host's environment and cwd, wait, then run the kind's start-up."""
        env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
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
        self.rss_kib = proc_status_kib(self.pid, "VmRSS")

    async def _start_integration(self, channel: grpc.aio.Channel, started: float) -> None:
        stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
        while True:  # GetMetadata is retried every 25 ms while UNAVAILABLE (HOST.md 3.3)
            try:
                await stub.GetMetadata(empty_pb2.Empty())
                break
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise self._failure(f"GetMetadata: {error.code().name}") from None
                if time.perf_counter() - started > READY_TIMEOUT:
                    raise self._failure("GetMetadata still UNAVAILABLE after 10 s") from None
                await asyncio.sleep(POLL)
        self.to_ready = time.perf_counter() - started
        answer = await stub.StartProvider(
            plugin_pb2.StartProviderRequest(name="bench", protocol_version=PROTOCOL_VERSION)
        )
        if answer.protocol_version != PROTOCOL_VERSION:
            raise self._failure(f"StartProvider answered version {answer.protocol_version}")

    async def _start_runtime_kind(self, channel: grpc.aio.Channel, started: float) -> None:
        stub = runtime_pb2_grpc.ProviderLifecycleStub(channel)
        # GetProviderIdentity once, 30 s deadline, any error fatal (HOST.md 3.3, 4.2).
        try:
            identity = await stub.GetProviderIdentity(empty_pb2.Empty(), timeout=30)
        except grpc.aio.AioRpcError as error:
            raise self._failure(
                f"GetProviderIdentity: {error.code().name} {error.details()}"
            ) from None
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
    for size in CACHE_SIZES:
        set_call, get_call = cache_calls(provider.channel, size)
        await warm(set_call, CACHE_KEYS)  # every key holds its value before Get is timed
        label = "100B" if size == 100 else "64KiB"
        for op, call in (("set", set_call), ("get", get_call)):
            await warm(call, mode.warmup // 4)
            window = await measure(provider.pid, call, CACHE_INFLIGHT, seconds=mode.window)
            add(out, f"cache_{op}_{label}_ops", window.ops)
            add(out, f"cache_{op}_{label}_cpu_us", window.cpu_per_call_us)


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
            for kind in KINDS:
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
            for kind in KINDS:
                provider = Provider(c, kind)
                try:
                    await provider.start()
                    add(samples[c.name], f"cold_{kind}_ms", provider.to_ready * 1000)
                    add(samples[c.name], f"socket_{kind}_ms", provider.to_socket * 1000)
                    add(samples[c.name], f"rss_{kind}_mib", provider.rss_kib / 1024)
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
        higher_is_better: Direction used for "best raw" and ratios.
        target: ``("raw", x)``: ours ≤ x times best raw (≥ when higher is better);
            ``("upstream", x)``: the same against upstream; ``("absolute", x)``: ours ≤ x
            (≥ when higher is better); ``None``: no target.
    """

    key: str
    label: str
    unit: str
    higher_is_better: bool = False
    target: tuple[str, float] | None = None


FIRST_CALL = {
    "integration": "GetMetadata",
    "cache": "GetProviderIdentity",
    "s3": "GetProviderIdentity",
}
ROWS = [
    *(
        Row(f"cold_{k}_ms", f"cold start, {k} (spawn → {FIRST_CALL[k]})", "ms", target=("raw", 1.0))
        for k in KINDS
    ),
    *(Row(f"socket_{k}_ms", f"spawn → socket file, {k} (25 ms poll)", "ms") for k in KINDS),
    *(Row(f"rss_{k}_mib", f"RSS after start, {k}", "MiB") for k in KINDS),
    Row("import_runtime_ms", '-X importtime "import gestalt._runtime"', "ms"),
    *(
        Row(f"import_serve_{k}_ms", f"-X importtime, all imports until serving, {k}", "ms")
        for k in KINDS
    ),
    Row("exec_p50_us", "Execute p50, 1 in flight", "µs"),
    Row("exec_p99_us", "Execute p99, 1 in flight", "µs", target=("upstream", 0.7)),
    *(
        Row(
            f"exec_ops_{n}",
            f"Execute ops/s, {n} in flight",
            "ops/s",
            True,
            ("raw", 0.85) if n == 64 else None,
        )
        for n in INFLIGHT
    ),
    *(
        Row(
            f"exec_cpu_us_{n}",
            f"Execute provider CPU/call, {n} in flight",
            "µs",
            target=("raw", 1.25),
        )
        for n in INFLIGHT
    ),
    *(
        Row(
            f"cache_{op}_{size}_ops",
            f"cache {op} {size} ops/s, {CACHE_INFLIGHT} in flight",
            "ops/s",
            True,
            ("raw", 0.9),
        )
        for size in ("100B", "64KiB")
        for op in ("set", "get")
    ),
    *(
        Row(f"cache_{op}_{size}_cpu_us", f"cache {op} {size} provider CPU/op", "µs")
        for size in ("100B", "64KiB")
        for op in ("set", "get")
    ),
    *(
        Row(f"s3_{op}_{size}_mibs", f"S3 {op} {name}", "MiB/s", True, ("raw", 0.9))
        for size, name in (("1MiB", "1 MiB objects, sequential"), ("big", "big object"))
        for op in ("write", "read")
    ),
    *(
        Row(f"s3_{op}_{size}_cpu_ms", f"S3 {op} {name} provider CPU per MiB", "ms")
        for size, name in (("1MiB", "1 MiB objects"), ("big", "big object"))
        for op in ("write", "read")
    ),
    Row(
        "s3_big_hwm_growth_mib",
        "S3 peak RSS growth (VmHWM) over big write + read",
        "MiB",
        target=("absolute", 32),
    ),
]


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
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def report(
    samples: dict[str, Samples], names: list[str], header: list[str]
) -> tuple[str, dict[str, Any]]:
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name in names:
        summary[name] = {key: summarize(vals) for key, vals in samples[name].items()}

    cols = [*names, "best raw", "ours/raw", "ours/upstream", "upstream/raw", "target", "met"]
    lines = [*header, "", "| figure | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    verdicts: dict[str, Any] = {}
    for row in ROWS:
        meds = {n: summary[n][row.key]["median"] for n in names if row.key in summary[n]}
        if not meds:
            continue
        cells = []
        for n in names:
            if n in meds:
                s = summary[n][row.key]
                cells.append(f"{fmt(s['median'])} ±{s['spread_pct']:.0f}%")
            else:
                cells.append("-")
        raws = [meds[n] for n in RAW if n in meds]
        best_raw = (max(raws) if row.higher_is_better else min(raws)) if raws else None
        ours = meds.get("ours")
        up = meds.get("upstream")
        vs_raw = ours / best_raw if ours and best_raw else None
        vs_up = ours / up if ours and up else None
        up_raw = up / best_raw if up and best_raw else None
        cells += [
            fmt(best_raw) if best_raw else "-",
            f"{vs_raw:.2f}x" if vs_raw else "-",
            f"{vs_up:.2f}x" if vs_up else "-",
            f"{up_raw:.2f}x" if up_raw else "-",
        ]
        met: bool | None = None
        if row.target is not None:
            against, factor = row.target
            ratio = {"raw": vs_raw, "upstream": vs_up, "absolute": ours}[against]
            sign = "≥" if row.higher_is_better else "≤"
            cells.append(
                f"{sign} {factor} {row.unit}"
                if against == "absolute"
                else f"{sign} {factor}x {against}"
            )
            if ratio is not None:
                met = ratio >= factor if row.higher_is_better else ratio <= factor
            cells.append({True: "yes", False: "**no**", None: "?"}[met])
        else:
            cells += ["", ""]
        verdicts[row.key] = {
            "ours_vs_best_raw": vs_raw,
            "ours_vs_upstream": vs_up,
            "target": row.target,
            "met": met,
        }
        lines.append(f"| {row.label} ({row.unit}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cells: median ±half the min-max range in % of the median. Ratios are of medians.",
        "Lower is better except ops/s.",
    ]
    return "\n".join(lines) + "\n", {"summary": summary, "verdicts": verdicts}


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions, shorter windows (<2 min)"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="where results go")
    parser.add_argument(
        "--only", default="", help="comma-separated contenders to run (default: all)"
    )
    parser.add_argument(
        "--models",
        action="store_true",
        help="add the thread-pool server designs (sync64, sync64-loop); writes models.{md,json}",
    )
    args = parser.parse_args(argv)
    check_dev_namespace()
    mode = QUICK if args.quick else FULL
    everyone = contenders(ensure_upstream(), models=args.models)
    if args.only:
        wanted = set(args.only.split(","))
        everyone = [c for c in everyone if c.name in wanted]

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    print(
        f"benchmark ({'quick' if args.quick else 'full'}): {', '.join(c.name for c in everyone)}",
        file=sys.stderr,
    )
    samples = asyncio.run(run(mode, everyone))
    elapsed = time.perf_counter() - t0
    load_after = os.getloadavg()

    header = [
        f"# Benchmark {started:%Y-%m-%d %H:%M} UTC ({'quick' if args.quick else 'full'})",
        "",
        f"- commit {git_commit()}; Python {platform.python_version()}; grpcio {grpc.__version__}; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after; {elapsed:.0f} s",
        f"- {mode.reps} workload repetitions, {mode.reps + mode.cold_reps} cold starts, "
        f"{mode.import_runs} import-time runs per contender; contenders interleaved",
        f"- Execute: grpc.aio client in the bench process, {mode.latency_calls} sequential calls, "
        f"{mode.window} s windows; cache: {CACHE_INFLIGHT} in flight, {CACHE_KEYS} keys; "
        f"S3: 1 MiB objects sequentially for {mode.window} s, "
        f"one {mode.s3_big // MIB} MiB object twice",
    ]
    names = [c.name for c in everyone]
    markdown, derived = report(samples, names, header)
    print(markdown)

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    document = {
        "started": started.isoformat(),
        "mode": "quick" if args.quick else "full",
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
    latest = "models" if args.models else "latest"
    for stem in (stamp, latest):
        (args.out / f"{stem}.md").write_text(markdown)
        (args.out / f"{stem}.json").write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.out / stamp}.{{md,json}} and {latest}.{{md,json}}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
