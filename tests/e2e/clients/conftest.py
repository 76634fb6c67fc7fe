"""The async openai client the agent libraries are given."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from testbed.proxy import KEY, Proxy


@pytest.fixture
async def sdk(proxy: Proxy) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120
    ) as client:
        yield client
