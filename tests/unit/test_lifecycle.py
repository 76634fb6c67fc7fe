"""keep_alive as Ollama takes it, and the pool's unload timing (fake engine)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from litellm_ov_provider.core import chat
from litellm_ov_provider.errors import InvalidRequest
from litellm_ov_provider.ops.lifecycle_api import ps_row
from litellm_ov_provider.proxy.internals import UNLISTED_OPENAI_PARAMS
from litellm_ov_provider.request.keep_alive import keep_alive_seconds
from router_plugins.proxy import caller as litellm_caller
from tests.unit.fakes import Script, fake_runtime

HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        (None, None),
        (0, 0.0),
        (-1, -1.0),
        ("-1", -1.0),
        (300, 300.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        (" 10 ", 10.0),
        (1e12, 366 * 86400.0),
        (10**400, 366 * 86400.0),
        (-(10**400), -1.0),
    ],
)
def test_keep_alive_values(given: Any, seconds: float | None) -> None:
    assert keep_alive_seconds(given) == seconds


@pytest.mark.parametrize("given", [True, "soon", "5x", "", [], {"s": 1}, float("nan"), "m5"])
def test_bad_keep_alive_is_a_400_naming_the_field(given: Any) -> None:
    with pytest.raises(InvalidRequest) as info:
        keep_alive_seconds(given)
    assert info.value.param == "keep_alive"


async def test_keep_alive_zero_unloads_after_the_request(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script())
    await chat.complete(runtime, "a", HI, {"keep_alive": 0})
    assert not runtime.pool.is_loaded("a")


async def test_keep_alive_sets_how_long_an_idle_model_stays(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script(), idle_ttl_seconds=300)
    await chat.complete(runtime, "a", HI, {})
    await chat.complete(runtime, "b", HI, {"keep_alive": "-1"})
    a, b = runtime.pool.loaded()["a"], runtime.pool.loaded()["b"]
    assert runtime.pool.unloads_at(a) == pytest.approx(a.last_used + 300)
    assert runtime.pool.unloads_at(b) is None
    assert ps_row("b", b, runtime.pool, None)["unloads"] == "never"
    far = time.time() + 10_000
    assert runtime.pool.reap_idle(now=far) == ["a"]  # b is kept: keep_alive -1
    await chat.complete(runtime, "b", HI, {"keep_alive": 5})
    assert runtime.pool.reap_idle(now=time.time() + 6) == ["b"]


async def test_load_warms_a_model_with_its_keep_alive(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script())
    model = await runtime.resolve("emb", None)
    loaded = await runtime.pool.load(model, 60)
    assert runtime.pool.is_loaded("emb") and loaded.in_flight == 0
    row = ps_row("emb", loaded, runtime.pool, 1e8)
    assert row["keep_alive"] == 60 and row["unloads"].startswith("in ")


def test_a_board_sends_the_node_s_fields_only_to_our_own_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(litellm_caller, "_is_local", lambda m: m == "local")
    params = {"temperature": 0.1, "keep_alive": 0, "grammar": "root ::= x"}
    local = litellm_caller._for("local", params)
    assert local == {**params, "allowed_openai_params": list(UNLISTED_OPENAI_PARAMS)}
    assert litellm_caller._for("remote", params) == {"temperature": 0.1}
    assert litellm_caller._for("remote", {"top_p": 1}) == {"top_p": 1}


async def test_keep_alive_holds_for_one_request_as_ollama_s_does(tmp_path: Path) -> None:
    """Each request sets it anew (none: the default again); a failed request changes
    nothing."""
    runtime = fake_runtime(tmp_path, Script(), idle_ttl_seconds=300)
    await chat.complete(runtime, "a", HI, {"keep_alive": -1})
    a = runtime.pool.loaded()["a"]
    assert runtime.pool.unloads_at(a) is None
    with pytest.raises(InvalidRequest):
        await chat.complete(runtime, "a", [{"role": "wizard", "content": "x"}], {"keep_alive": 0})
    assert runtime.pool.is_loaded("a") and runtime.pool.unloads_at(a) is None
    await chat.complete(runtime, "a", HI, {})
    assert runtime.pool.unloads_at(a) == pytest.approx(a.last_used + 300)


async def test_pinned_models_are_warm_before_ready_and_never_unloaded(tmp_path: Path) -> None:
    from litellm_ov_provider.core import warmup

    runtime = fake_runtime(
        tmp_path, Script(), idle_ttl_seconds=1, max_loaded_models=1, pinned_models="a, gone"
    )
    warmup._states.clear()
    await warmup.warm_pinned(runtime)
    assert warmup.pinned_states()["a"] == "ready"
    assert warmup.pinned_states()["gone"].startswith("failed: ")
    assert warmup.readiness() == (True, {"ready": 1, "failed": 1})
    a = runtime.pool.loaded()["a"]
    assert ps_row("a", a, runtime.pool, None)["unloads"] == "never (pinned)"
    await chat.complete(runtime, "a", HI, {"keep_alive": 0})  # pin wins over a request's 0
    assert runtime.pool.reap_idle(now=time.time() + 10_000) == []
    await chat.complete(runtime, "b", HI, {})  # the cap of 1 takes no pinned model
    assert runtime.pool.is_loaded("a") and runtime.pool.is_loaded("b")


def test_readiness_holds_503_while_a_pinned_model_loads() -> None:
    from litellm_ov_provider.proxy.rewrites import with_readiness

    body = b'{"status": "healthy", "db": "Not connected"}'
    assert with_readiness(200, body, "", True, {}) == (200, body)
    status, loading = with_readiness(200, body, "", False, {"loading": 1})
    assert status == 503 and b'"status": "loading"' in loading and b'"loading": 1' in loading
    status, ready = with_readiness(200, body, "", True, {"ready": 1})
    assert status == 200 and b'"status": "healthy"' in ready
