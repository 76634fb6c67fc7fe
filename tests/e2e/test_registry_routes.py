"""Registry models become proxy routes, live, without a restart."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from testbed.models import DEFAULT
from testbed.proxy import Proxy

HI = [{"role": "user", "content": "Say hi."}]


def test_registry_models_are_listed_with_model_info(proxy: Proxy, client: openai.OpenAI) -> None:
    listed = {m.id: m for m in client.models.list().data}
    assert DEFAULT in listed
    assert listed[DEFAULT].model_extra and listed[DEFAULT].model_extra["max_input_tokens"] == 8192
    with proxy.http() as http:
        info = http.get("/v1/model/info").json()["data"]
    mine = next(d["model_info"] for d in info if d["model_name"] == DEFAULT)
    assert mine["mode"] == "chat" and mine["task"] == "text-generation-with-past"
    assert mine["weight_format"] == "q4_1" and mine["device"] == "CPU"
    assert mine["context_length"] == 8192


def test_model_added_while_running_is_callable_within_5s(
    proxy: Proxy, client: openai.OpenAI, model_file: str
) -> None:
    name = "hot-added-model"

    def add(d: dict[str, Any]) -> None:
        d["models"][name] = {
            "path": model_file,
            "task": "text-generation-with-past",
            "weight_format": "q4_1",
        }

    proxy.edit_registry(add)
    r = client.chat.completions.create(model=name, messages=HI, max_tokens=5)  # reload on miss
    assert r.model == name and name in proxy.model_ids()

    proxy.edit_registry(lambda d: d["models"].pop(name))
    proxy.wait_for(lambda: name not in proxy.model_ids(), 30, "the removed model to leave")
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model=name, messages=HI, max_tokens=5)
    assert 400 <= info.value.status_code < 500 and name in str(info.value.body)


def test_model_added_while_running_is_listed_without_any_request(
    proxy: Proxy, model_file: str
) -> None:
    name = "listed-by-watcher"
    proxy.edit_registry(lambda d: d["models"].__setitem__(name, {"path": model_file}))
    try:
        proxy.wait_for(lambda: name in proxy.model_ids(), 30, "the watcher to add the route")
    finally:
        proxy.edit_registry(lambda d: d["models"].pop(name))
        proxy.wait_for(lambda: name not in proxy.model_ids(), 30, "cleanup")


def test_corrupt_registry_keeps_the_last_good_one(proxy: Proxy, client: openai.OpenAI) -> None:
    good = proxy.registry.read_text()
    try:
        proxy.registry.write_text(good[: len(good) // 2])  # half-written
        proxy.wait_for(
            lambda: "keeping the last good one" in proxy.log_text(), 30, "the log to say why"
        )
        assert DEFAULT in proxy.model_ids()
        r = client.chat.completions.create(model=DEFAULT, messages=HI, max_tokens=4)
        assert r.choices[0].message.content is not None
    finally:
        proxy.registry.write_text(good)
