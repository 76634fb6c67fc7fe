"""Family names on the real proxy: fp16, int8 and int4 variants of one model; the
family route serves int8, each variant keeps its own name."""

from __future__ import annotations

from typing import Any

import openai

from litellm_ov_provider.tuning.choice import cpu_formats
from testbed.models import DEFAULT
from testbed.proxy import Proxy

FORMATS = ("fp16", "int8", "int4")
HI = [{"role": "user", "content": "hi"}]


def test_a_family_name_serves_the_variant_fastest_on_this_cpu(
    proxy: Proxy, client: openai.OpenAI, model_file: str
) -> None:
    fastest = cpu_formats()[0]  # tuning.choice: measured per CPU class
    best = f"fam-{'int4' if fastest == 'q4' else fastest}"

    def add(d: dict[str, Any]) -> None:
        for wf in FORMATS:  # the same weights, labelled: routing is what is tested here
            d["models"][f"fam-{wf}"] = {
                "path": model_file,
                "weight_format": wf,
                "family": "fam",
                "task": "text-generation-with-past",
            }

    proxy.edit_registry(add)
    try:
        proxy.wait_for(lambda: "fam" in proxy.model_ids(), 15, "the family route")
        with proxy.http() as http:
            listed = {m["id"]: m for m in http.get("/v1/models").json()["data"]}
        assert listed["fam"]["alias_of"] == best
        assert {f"fam-{wf}" for wf in FORMATS} <= set(listed)
        assert "alias_of" not in listed["fam-fp16"] and "alias_of" not in listed[DEFAULT]
        info = proxy.model_info("fam")
        assert info["alias_of"] == best and info["family"] == "fam"
        r = client.chat.completions.create(model="fam", messages=HI, max_tokens=2)
        assert r.choices[0].message.content is not None
        line = [ln for ln in proxy.log_text().splitlines() if "completion id=" in ln][-1]
        assert f"model={best} " in line  # the family ran on that variant
        r = client.chat.completions.create(model="fam-fp16", messages=HI, max_tokens=2)
        line = [ln for ln in proxy.log_text().splitlines() if "completion id=" in ln][-1]
        assert "model=fam-fp16 " in line  # a variant by its own name
        with proxy.http() as http:  # a family name unloads the variant it serves
            assert http.post("/ov/unload", json={"model": "fam"}).json()["unloaded"] is True
        proxy.wait_for(lambda: not proxy.model_info(best)["loaded"], 10, "the unload")
    finally:

        def drop(d: dict[str, Any]) -> None:
            for wf in FORMATS:
                d["models"].pop(f"fam-{wf}", None)

        proxy.edit_registry(drop)
    proxy.wait_for(lambda: "fam" not in proxy.model_ids(), 15, "the family route to go")


def test_ov_convert_model_writes_and_shows_the_family(minilm: dict[str, Any]) -> None:
    assert minilm["registered"][0]["family"] == "minilm-l6"
    assert minilm["entry"]["family"] == "minilm-l6"
