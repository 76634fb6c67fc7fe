"""A prompt longer than a registry model's context window is LiteLLM's
ContextWindowExceededError, so the router's `context_window_fallbacks` answer it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import yaml

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.models import DEFAULT, TINY_CTX, place_model
from testbed.proxy import KEY, REPO, Proxy, start_proxy

LONG = [
    {"role": "user", "content": "word " * 200 + "\nSay hello."}
]  # ~200 tokens; the small window is 96


@pytest.fixture(scope="module")
def fallback_proxy(tmp_path_factory: pytest.TempPathFactory, default_gguf: Path) -> Iterator[Proxy]:
    root = tmp_path_factory.mktemp("fallbacks")
    entry = default_entry(default_model_spec(), Path(place_model(default_gguf, root, DEFAULT)))
    # The config as 0.1 shipped it: its module paths must keep working.
    config = yaml.safe_load((REPO / "tests" / "e2e" / "data" / "litellm-0.1.yaml").read_text())
    config["router_settings"]["context_window_fallbacks"] = [{TINY_CTX: [DEFAULT]}]
    path = root / "litellm.yaml"
    path.write_text(yaml.safe_dump(config))
    models = {DEFAULT: entry, TINY_CTX: {**entry, "context_length": 96}}
    proxy = start_proxy(root, models, config=path)
    yield proxy
    proxy.stop()


def test_overlong_prompt_is_answered_by_the_fallback(fallback_proxy: Proxy) -> None:
    client = openai.OpenAI(base_url=f"{fallback_proxy.base_url}/v1", api_key=KEY, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model=TINY_CTX, messages=LONG, max_tokens=4
    )
    done = raw.parse()
    assert done.usage is not None and done.usage.prompt_tokens > 96  # it did not fit
    assert done.choices[0].finish_reason in ("stop", "length")
    assert raw.headers.get("x-litellm-attempted-fallbacks") == "1", dict(raw.headers)
    assert raw.headers.get("x-litellm-model-group") == DEFAULT


def test_overlong_streamed_prompt_is_a_context_window_error(fallback_proxy: Proxy) -> None:
    """LiteLLM 1.106.2 sends a 4xx raised inside a stream straight to the client,
    without fallbacks (README: enable_pre_call_checks covers streams); it must still be
    OpenAI's context-window error, with the counts."""
    client = openai.OpenAI(base_url=f"{fallback_proxy.base_url}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError) as info:
        list(client.chat.completions.create(model=TINY_CTX, messages=LONG, stream=True))
    assert info.value.code == "context_length_exceeded"
    assert "maximum context length is 96 tokens" in info.value.message


def test_a_prompt_that_fits_stays_on_its_model(fallback_proxy: Proxy) -> None:
    client = openai.OpenAI(base_url=f"{fallback_proxy.base_url}/v1", api_key=KEY, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model=TINY_CTX, messages=[{"role": "user", "content": "hi"}], max_tokens=2
    )
    assert raw.parse().choices[0].message.content is not None
    assert raw.headers.get("x-litellm-model-group") == TINY_CTX
