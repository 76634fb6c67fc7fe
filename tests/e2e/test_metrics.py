"""/metrics on the real proxy and the real node: behind the key, and the ov_* figures
move as requests are served."""

from __future__ import annotations

import httpx
import openai

from testbed.models import DEFAULT
from testbed.prom import scrape, value
from testbed.proxy import KEY, Proxy


def test_proxy_metrics_need_the_key_and_move_with_requests(
    proxy: Proxy, client: openai.OpenAI
) -> None:
    assert httpx.get(f"{proxy.base_url}/metrics", timeout=30).status_code == 401
    client.chat.completions.create(model=DEFAULT, messages=[{"role": "user", "content": "hi"}])
    before = scrape(proxy.base_url, KEY)
    tokens = value(before, "ov_generated_tokens_total", model=DEFAULT) or 0.0
    ttft = value(before, "ov_time_to_first_token_seconds_count", model=DEFAULT) or 0.0
    stream = client.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "Count to five."}],
        max_tokens=8,
        stream=True,
        extra_body={"ignore_eos": True},
    )
    assert list(stream)
    after = scrape(proxy.base_url, KEY)
    assert value(after, "ov_generated_tokens_total", model=DEFAULT) == tokens + 8
    assert value(after, "ov_time_to_first_token_seconds_count", model=DEFAULT) == ttft + 1
    assert value(after, "ov_model_loaded", model=DEFAULT) == 1.0
    assert (value(after, "ov_worker_rss_bytes", model=DEFAULT) or 0) > 10_000_000
    kv = value(after, "ov_kv_cache_usage_ratio", model=DEFAULT)
    assert kv is not None and 0.0 <= kv <= 1.0
    assert value(after, "ov_requests_in_flight", model=DEFAULT) == 0.0
    assert "litellm_" in after  # LiteLLM's own request metrics beside ours


def test_the_completion_log_line_names_the_client_address(
    proxy: Proxy, client: openai.OpenAI
) -> None:
    marker = "log-line-marker-7731"
    client.chat.completions.create(
        model=DEFAULT, messages=[{"role": "user", "content": marker}], max_tokens=2
    )
    lines = [ln for ln in proxy.log_text().splitlines() if "completion id=" in ln]
    assert lines and f"model={DEFAULT} client=127.0.0.1 " in lines[-1], lines[-1:]
    assert marker not in proxy.log_text()  # prompts never reach the INFO log
