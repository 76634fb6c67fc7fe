"""The master key is required; anything else is OpenAI's 401 (`invalid_api_key`)."""

from __future__ import annotations

import httpx
import openai
import pytest

from testbed.models import DEFAULT
from testbed.proxy import Proxy


@pytest.mark.parametrize("key", ["wrong-key", "sk-e2e-test-ke"])
def test_wrong_key_is_401(proxy: Proxy, key: str) -> None:
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=key, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model=DEFAULT, messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError) as listing:
        client.models.list()
    assert listing.value.code == "invalid_api_key"


def test_missing_key_is_401(proxy: Proxy) -> None:
    r = httpx.get(f"{proxy.base_url}/v1/models")
    error = r.json()["error"]
    assert r.status_code == 401 and error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error" and error["param"] is None


def test_liveliness_needs_no_key(proxy: Proxy) -> None:
    assert httpx.get(f"{proxy.base_url}/health/liveliness").status_code == 200
