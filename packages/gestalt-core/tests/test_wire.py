"""The two wire generations: kind numbers, stub selection, refusal of other versions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gestalt.core import PROTOCOL_VERSIONS, ProviderKind
from gestalt.core._wire import refusal, stubs

V2_NAMES = {
    ProviderKind.INTEGRATION: "PROVIDER_KIND_INTEGRATION",
    ProviderKind.AUTH: "PROVIDER_KIND_AUTH",
}
V5_NAMES = {
    ProviderKind.INTEGRATION: "PROVIDER_KIND_APP",
    ProviderKind.AUTH: "PROVIDER_KIND_IDENTITY",
}


@pytest.mark.parametrize(("protocol", "renamed"), [(2, V2_NAMES), (5, V5_NAMES)])
def test_kind_numbers_are_each_generations_enum(
    protocol: int, renamed: dict[ProviderKind, str]
) -> None:
    messages, _ = stubs(protocol, "runtime")
    for kind in ProviderKind:
        name = renamed.get(kind, f"PROVIDER_KIND_{kind.name}")
        assert kind.wire_value == messages.ProviderKind.Value(name), (protocol, kind)


def test_kind_words_of_both_generations() -> None:
    assert ProviderKind.from_word("identity") is ProviderKind.AUTH
    assert ProviderKind.from_word("app") is ProviderKind.INTEGRATION
    assert ProviderKind.from_word("auth") is ProviderKind.AUTH
    with pytest.raises(ValueError, match="indexeddb"):
        ProviderKind.from_word("indexeddb")


def test_refusals_name_what_was_asked_and_what_is_served() -> None:
    assert PROTOCOL_VERSIONS == (2, 5)
    assert refusal(3, 2) == "host requested protocol version 3; this SDK serves 2 and 5"
    assert refusal(0, 5) == "host requested protocol version 0; this SDK serves 2 and 5"
    assert refusal(5, 2) == (
        "host requested protocol version 5, but it started the provider the way a "
        "protocol-2 host does (GESTALT_PLUGIN_SOCKET); this SDK serves 2 and 5"
    )


@pytest.mark.parametrize(("protocol", "own", "other"), [(2, ".v1.", ".v5."), (5, ".v5.", ".v1.")])
def test_stubs_import_only_their_generation(protocol: int, own: str, other: str) -> None:
    code = (
        "import sys; from gestalt.core._wire import stubs; "
        f"stubs({protocol}, 'cache'); stubs({protocol}, 'runtime'); "
        "print(*sorted(m for m in sys.modules if m.startswith('gestalt.provider.v')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stdout.split()
    assert f"gestalt.provider{own}cache_pb2_grpc" in loaded
    assert not [name for name in loaded if other in name + "."]
