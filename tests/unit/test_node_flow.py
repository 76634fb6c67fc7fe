"""The node's request path over fake engines: chat, the LiteLLM provider, the pool
and the route sync, in seconds. Real-engine behaviour has its e2e tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from litellm.llms.custom_llm import CustomLLMError

from litellm_ov_provider.core import chat, embeddings
from litellm_ov_provider.core.tool_calls import assembled
from litellm_ov_provider.core.types import Usage
from litellm_ov_provider.errors import InvalidRequest, ModelUnavailable
from litellm_ov_provider.proxy import internals
from litellm_ov_provider.proxy.deployments import ID_PREFIX, is_registry_route
from litellm_ov_provider.proxy.provider import OpenVINOLLM
from litellm_ov_provider.proxy.sync import apply, desired_deployments
from tests.unit.fakes import Script, fake_runtime

HI = [{"role": "user", "content": "What is the capital of France?"}]


async def drain(stream: Any) -> list[Any]:
    return [chunk async for chunk in stream]


async def test_complete_and_stream_answer_with_usage(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script())
    whole = await chat.complete(runtime, "a", HI, {})
    assert whole.choices[0].content == "Paris is the capital of France ."
    assert whole.usage == Usage(7, 7) and whole.choices[0].finish_reason == "stop"
    chunks = await drain(await chat.open_stream(runtime, "a", HI, {"max_tokens": 3}))
    assert "".join(c.text for c in chunks) == "Paris is the"
    assert chunks[-2].finish_reason == "length" and chunks[-1].usage == Usage(7, 3)
    assert runtime.pool.loaded()["a"].in_flight == 0


async def test_a_streamed_tool_call_comes_back_as_a_tool_call(tmp_path: Path) -> None:
    script = Script(reply='<tool_call> {"name": "f", "arguments": {"x": 1}} </tool_call>')
    runtime = fake_runtime(tmp_path, script)
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    chunks = await drain(await chat.open_stream(runtime, "a", HI, {"tools": tools}))
    calls = assembled([c.tool_call for c in chunks if c.tool_call])
    assert [(c.name, c.arguments) for c in calls] == [("f", '{"x": 1}')]
    assert chunks[-2].finish_reason == "tool_calls"
    assert "<tools>" in str(script.prompts[-1])  # SmolLM-like template: tools in the prompt


async def test_a_client_that_leaves_cancels_in_the_engine_and_frees_the_lease(
    tmp_path: Path,
) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script)
    stream = await chat.open_stream(runtime, "a", HI, {})
    await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    assert script.cancelled == [1]
    loaded = runtime.pool.loaded()["a"]
    assert loaded.in_flight == 0 and loaded.admission.running == 0


async def test_request_errors_raise_before_any_chunk(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script(fail_submit="cannot render the chat template"))
    with pytest.raises(InvalidRequest, match="chat template"):
        await chat.open_stream(runtime, "a", HI, {})
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "x", "schema": {"pattern": "reject-me"}},
    }
    with pytest.raises(InvalidRequest, match=r"response_format: .*Regex"):
        await chat.complete(
            fake_runtime(tmp_path / "2", Script()), "a", HI, {"response_format": schema}
        )
    with pytest.raises(ModelUnavailable, match="'gone' cannot be served"):
        await chat.complete(runtime, "gone", HI, {})


async def test_a_worker_that_dies_under_a_request_is_replaced_and_tried_once_more(
    tmp_path: Path,
) -> None:
    script = Script(crash_next=1)
    runtime = fake_runtime(tmp_path, script)
    answer = await chat.complete(runtime, "a", HI, {})
    assert answer.choices[0].content and len(script.started) == 2
    assert runtime.pool.restarts("a") == 1
    script.crash_next = 2  # twice in a row: the client gets the error
    with pytest.raises(ModelUnavailable):
        await chat.complete(runtime, "a", HI, {})


async def test_the_model_loads_once_under_concurrent_first_requests(tmp_path: Path) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script)
    await asyncio.gather(*(chat.complete(runtime, "a", HI, {}) for _ in range(5)))
    assert [e.spec.name for e in script.started] == ["a"]


async def test_idle_models_unload_but_never_with_work_in_flight(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script(), idle_ttl_seconds=10)
    stream = await chat.open_stream(runtime, "a", HI, {})
    loaded = runtime.pool.loaded()["a"]
    assert runtime.pool.reap_idle(now=loaded.last_used + 100) == []  # in flight
    await drain(stream)
    assert runtime.pool.reap_idle(now=loaded.last_used + 100) == ["a"]
    await runtime.pool.retired()  # the retiree closes its engine once idle
    assert not loaded.engine.alive and not runtime.pool.is_loaded("a")


async def test_the_loaded_model_cap_evicts_the_least_recently_used(tmp_path: Path) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script, max_loaded_models=1)
    await chat.complete(runtime, "a", HI, {})
    await chat.complete(runtime, "b", HI, {})
    await runtime.pool.retired()
    assert list(runtime.pool.loaded()) == ["b"] and not script.started[0].alive


async def test_the_provider_translates_errors_and_answers_probes_without_loading(
    tmp_path: Path,
) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script)
    handler = OpenVINOLLM(lambda: runtime)
    probe = {"metadata": {"tags": ["litellm-internal-health-check"]}}
    answer = await handler.acompletion("a", HI, optional_params={}, litellm_params=probe)
    assert "not loaded" in answer.choices[0].message.content and script.started == []
    with pytest.raises(CustomLLMError) as refused:
        await handler.acompletion("a", HI, optional_params={"n": 9}, litellm_params={})
    assert refused.value.status_code == 400
    chunks = [c async for c in handler.astreaming("a", HI, optional_params={}, litellm_params={})]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta.content
    assert last.usage.completion_tokens == 7 and script.started


async def test_embeddings_go_through_the_pool(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script())
    vectors = await embeddings.embed_locally(runtime, "emb", ["ab", "abc"])
    assert vectors == [[2.0, 1.0], [3.0, 1.0]]
    assert await embeddings.embed_locally(runtime, "a", ["x"]) is None  # a chat model
    with pytest.raises(InvalidRequest, match="is a chat model"):
        await embeddings.embed(runtime, "a", ["x"], {})
    done = await embeddings.embed(runtime, "emb", "ab", {"encoding_format": "base64"})
    assert done.usage == Usage(2, 0) and isinstance(done.data[0], str)


class FakeRouter:
    def __init__(self, deployments: list[dict[str, Any]]) -> None:
        self.deployments = {d["model_info"]["id"]: d for d in deployments}

    def get_model_list(self) -> list[dict[str, Any]]:
        return list(self.deployments.values())

    def upsert_deployment(self, deployment: Any) -> None:
        dep = deployment.model_dump()
        self.deployments[dep["model_info"]["id"]] = dep

    def delete_deployment(self, id: str) -> None:
        del self.deployments[id]


async def test_routes_follow_the_registry_and_leave_other_deployments_alone(
    tmp_path: Path,
) -> None:
    runtime = fake_runtime(tmp_path, Script())
    foreign = {
        "model_name": "heavy",
        "litellm_params": {"model": "openai/x"},
        "model_info": {"id": "heavy-1"},
    }
    stale = {
        "model_name": "old",
        "litellm_params": {"model": "openvino/old"},
        "model_info": {"id": f"{ID_PREFIX}old"},
    }
    router = FakeRouter([foreign, stale])
    retired: list[str] = []
    desired = desired_deployments(runtime)
    assert apply(router, desired, retired.append)
    infos = {d["model_name"]: d["model_info"] for d in router.get_model_list()}
    assert set(infos) == {"heavy", "a", "b", "emb", "gone"} and retired == ["old"]
    assert infos["a"]["status"] == "ready" and infos["a"]["context_length"] == 512
    assert infos["gone"]["status"] == "broken" and "missing" in infos["gone"]["error"]
    # LiteLLM's DB model sync deletes what is in neither its DB nor its config file:
    # registry routes survive it, other deployments do not.
    internals.keep_deployments(router, is_registry_route)
    internals.keep_deployments(router, is_registry_route)  # idempotent
    for dep_id in list(router.deployments):
        router.delete_deployment(id=dep_id)
    assert {d["model_name"] for d in router.get_model_list()} == {"a", "b", "emb", "gone"}
    assert not apply(router, desired_deployments(runtime), retired.append)  # nothing to do
