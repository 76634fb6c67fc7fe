"""Two ov-llm-server nodes behind one LiteLLM proxy: load balancing, a node killed
mid-load without a failed client request, and the node rejoining."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.models import DEFAULT
from testbed.node import Node, start_node
from testbed.proxy import KEY, start_proxy
from testbed.waiting import wait_until

PROMPT = [{"role": "user", "content": "Name a color."}]


def completions_in(node: Node) -> int:
    return node.log_text().count("completion id=")


def _in_flight(node: Node) -> int:
    return sum(m["in_flight"] for m in node.health()["loaded"])


@pytest.fixture(scope="module")
def cluster(models_root: Path, model_file: str) -> Iterator[tuple[list[Node], str, Path]]:
    registry = models_root / "cluster" / "registry.json"
    registry.parent.mkdir(exist_ok=True)
    registry.write_text(
        json.dumps(
            {
                "version": 1,
                "models": {DEFAULT: default_entry(default_model_spec(), Path(model_file))},
            }
        )
    )
    env = {"OV_MODELS_ROOT": str(models_root)}
    nodes = [
        start_node(registry, models_root / "cluster" / f"node{i}.log", env=env) for i in range(2)
    ]
    deployments = "\n".join(
        f"""  - model_name: remote-smol
    litellm_params:
      model: openai/{DEFAULT}
      api_base: {n.base_url}/v1
      api_key: {n.key}
      timeout: 60"""
        for n in nodes
    )
    config = models_root / "cluster" / "litellm.yaml"
    config.write_text(f"""model_list:
{deployments}
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 3
  retry_after: 0
  allowed_fails: 1
  cooldown_time: 3
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  custom_auth: litellm_ov_provider.proxy.master_key_auth
""")
    proxy = start_proxy(models_root / "cluster" / "front", {}, config=config)
    base = proxy.base_url
    yield nodes, base, registry
    proxy.stop()
    for n in nodes:
        n.stop()


async def _ask(client: openai.AsyncOpenAI) -> str:
    r = await client.chat.completions.create(model="remote-smol", messages=PROMPT, max_tokens=24)
    return r.choices[0].message.content or ""


async def test_balances_survives_a_killed_node_and_takes_it_back(
    cluster: tuple[list[Node], str, Path],
) -> None:
    nodes, base, registry = cluster
    client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0, timeout=120)
    # Balanced: both nodes answer.
    await asyncio.gather(*[_ask(client) for _ in range(10)])
    assert all(completions_in(n) > 0 for n in nodes), [completions_in(n) for n in nodes]

    # Kill node 0 while requests are in flight; none of the clients may see a failure.
    async def kill_when_busy() -> None:
        await asyncio.to_thread(wait_until, lambda: _in_flight(nodes[0]) > 0, 60)
        os.kill(nodes[0].proc.pid, signal.SIGKILL)

    results = await asyncio.gather(kill_when_busy(), *[_ask(client) for _ in range(16)])
    assert all(isinstance(r, str) for r in results[1:])
    served_by_survivor = completions_in(nodes[1])

    # Restart node 0 on its port: it rejoins and gets traffic again.
    nodes[0] = start_node(
        registry, nodes[0].log, port=nodes[0].port, env={"OV_MODELS_ROOT": str(registry.parents[1])}
    )
    before = completions_in(nodes[0])
    for _ in range(15):  # cooldown over, the router sends it traffic again
        await asyncio.gather(*[_ask(client) for _ in range(4)])
        if completions_in(nodes[0]) > before:
            break
    assert completions_in(nodes[0]) > before, "the restarted node got no traffic"
    assert completions_in(nodes[1]) >= served_by_survivor
