"""The mesh on loopback: two front doors (`make ui`'s, on one PostgreSQL and one
Redis) and two ov-llm-server nodes they find through /v1/models: the default model on
both nodes, a second model on node a only; a board whose specialist is that model."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from litellm_ov_provider.ops.redis_local import LocalRedis
from litellm_ov_provider.registry.entries import update_registry
from testbed import prom
from testbed.boards import board_entry, write_config
from testbed.models import DEFAULT
from testbed.node import Node, start_node
from testbed.proxy import KEY, Proxy, start_proxy
from testbed.shared import local_redis, postgres_env
from testbed.waiting import wait_until

SOLO = "smol-solo"  # on node a only
BOARD = "board/solo"
NODE_KEYS = {"a": "node-a-secret-" + "1" * 24, "b": "node-b-secret-" + "2" * 24}
ASK = [{"role": "user", "content": "Name a color."}]
LONG = [{"role": "user", "content": "Count from 1 to 200, one number per line."}]


@dataclass
class Mesh:
    nodes: dict[str, Node]
    registries: dict[str, Path]
    doors: list[Proxy]
    redis: LocalRedis
    config: Path
    env: dict[str, str]

    def client(self, i: int, key: str = KEY) -> openai.AsyncOpenAI:
        base = f"{self.doors[i % len(self.doors)].base_url}/v1"
        return openai.AsyncOpenAI(base_url=base, api_key=key, max_retries=0, timeout=120)

    def served(self, node: str, model: str = DEFAULT) -> float:
        """Requests `node` finished for `model`, from its /metrics."""
        n = self.nodes[node]
        text = prom.scrape(n.base_url, n.key)
        return sum(
            prom.value(text, "ov_requests_total", model=model, finish=f) or 0.0
            for f in ("stop", "length", "tool_calls")
        )

    def ps(self, door: int = 0) -> dict[str, Any]:
        with self.doors[door].http() as http:
            return {n["node"]: n for n in http.get("/ov/ps").json()["nodes"]}

    def restart(self, name: str) -> None:
        old = self.nodes[name]
        self.nodes[name] = start_node(
            self.registries[name], old.log, NODE_KEYS[name], old.port, self.env
        )


def mesh_config(path: Path, nodes: dict[str, Node]) -> Path:
    board = {"strategy": "fallback", "specialists": [{"model": SOLO}]}
    write_config(path, [board_entry(BOARD, board)])
    config = yaml.safe_load(path.read_text())
    ours = config["general_settings"]["openvino"]
    ours["nodes"] = [
        {"name": n, "url": node.base_url, "api_key": f"os.environ/NODE_{n.upper()}_KEY"}
        for n, node in nodes.items()
    ]
    ours["node_poll_seconds"] = 0.5
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def mesh(
    tmp_path_factory: pytest.TempPathFactory,
    models_root: Path,
    model_ir: Path,
    model_file: str,
    prisma_env: dict[str, str],
) -> Iterator[Mesh]:
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode != 0:
        pytest.skip("redis-server is missing: run scripts/install-test-services.sh")
    root = tmp_path_factory.mktemp("mesh")
    entry = default_entry(default_model_spec(), model_ir, Path(model_file))
    registries = {"a": root / "a" / "registry.json", "b": root / "b" / "registry.json"}
    for name, models in (("a", {DEFAULT: entry, SOLO: entry}), ("b", {DEFAULT: entry})):
        registries[name].parent.mkdir()
        update_registry(registries[name], lambda r, m=models: r["models"].update(m))
    node_env = {"OV_MODELS_ROOT": str(models_root)}
    nodes = {
        n: start_node(registries[n], root / f"node-{n}.log", NODE_KEYS[n], env=node_env)
        for n in registries
    }
    config = mesh_config(root / "litellm.yaml", nodes)
    launcher = [sys.executable, "-m", "ov_admin_ui"]
    with local_redis() as redis, postgres_env(prisma_env) as pg:
        env = {
            **pg,
            **redis.env,
            "NODE_A_KEY": NODE_KEYS["a"],
            "NODE_B_KEY": NODE_KEYS["b"],
        }
        doors = []
        try:
            for i in range(2):
                doors.append(
                    start_proxy(root / f"door{i}", {}, env, config, launcher, startup_seconds=600)
                )
            for door in doors:
                door.wait_for(lambda d=door: {DEFAULT, SOLO} <= d.model_ids(), 30, "node models")
            yield Mesh(nodes, registries, doors, redis, config, node_env)
        finally:
            for door in doors:
                door.stop()
            for node in nodes.values():
                node.stop()


def serving(door: Proxy, model: str, infos: list[dict[str, Any]] | None = None) -> set[str]:
    """The nodes a front door routes `model` to."""
    if infos is None:
        with door.http() as http:
            infos = http.get("/v1/model/info").json()["data"]
    return {d["model_info"].get("node") for d in infos if d["model_name"] == model}


async def _ask(client: openai.AsyncOpenAI, model: str = DEFAULT) -> str:
    r = await client.chat.completions.create(model=model, messages=ASK, max_tokens=8)
    return r.choices[0].message.content or ""


def test_doors_find_every_node_model_and_keep_node_keys_to_themselves(mesh: Mesh) -> None:
    for door in mesh.doors:
        with door.http() as http:
            infos = http.get("/v1/model/info").json()["data"]
            shown = [http.get(p).text for p in ("/v1/models", "/v1/model/info", "/ov/ps")]
            health = http.get("/health")
        assert serving(door, DEFAULT, infos) == {"a", "b"} and serving(door, SOLO, infos) == {"a"}
        facts = health.json()
        assert {n["node"]: n["status"] for n in facts["nodes"]} == {"a": "healthy", "b": "healthy"}
        assert facts["redis"]["reachable"] is True and facts["redis"]["in_use"] is True
        for text in [*shown, health.text, door.log_text()]:
            assert not any(k in text for k in NODE_KEYS.values())


async def test_a_node_s_refusal_reaches_the_client_whole(mesh: Mesh) -> None:
    too_long = [{"role": "user", "content": "word " * 9000}]
    with pytest.raises(openai.BadRequestError) as err:
        await mesh.client(0).chat.completions.create(model=SOLO, messages=too_long)
    assert err.value.code == "context_length_exceeded" and err.value.param == "messages"
    assert "[ov-error:" not in str(err.value) and "OpenAIException" not in str(err.value)
    node = mesh.nodes["a"]  # asked directly, the node's message carries no seal
    direct = openai.OpenAI(base_url=f"{node.base_url}/v1", api_key=node.key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        direct.chat.completions.create(model=SOLO, messages=too_long)
    assert err.value.code == "context_length_exceeded" and "[ov-error:" not in str(err.value)


async def test_eight_clients_over_both_doors_all_succeed_and_both_nodes_serve(
    mesh: Mesh,
) -> None:
    before = {n: mesh.served(n) for n in mesh.nodes}

    async def client(i: int) -> list[str]:
        return [await _ask(mesh.client(i)) for _ in range(2)]

    answers = await asyncio.gather(*(client(i) for i in range(8)))
    assert all(a for pair in answers for a in pair)
    grew = {n: mesh.served(n) - before[n] for n in mesh.nodes}
    assert sum(grew.values()) == 16 and all(v > 0 for v in grew.values()), grew


async def test_the_single_node_model_runs_only_on_its_node(mesh: Mesh) -> None:
    before = mesh.served("a", SOLO)
    await asyncio.gather(*(_ask(mesh.client(i), SOLO) for i in range(4)))
    assert mesh.served("a", SOLO) - before == 4
    assert SOLO not in mesh.nodes["b"].log_text()


async def test_a_key_made_on_one_door_holds_its_rpm_limit_on_both(mesh: Mesh) -> None:
    with mesh.doors[0].http() as http:
        r = http.post("/key/generate", json={"rpm_limit": 4, "models": [DEFAULT]})
    assert r.status_code == 200, r.text
    key = r.json()["key"]
    for i in range(4):  # door 1, door 0, door 1, door 0
        assert await _ask(mesh.client(i + 1, key))
    for i in range(2):
        with pytest.raises(openai.RateLimitError):
            await _ask(mesh.client(i, key))


async def test_a_board_follows_its_specialist_to_another_node(mesh: Mesh) -> None:
    entry = update_registry(mesh.registries["a"], lambda r: None)["models"][SOLO]
    update_registry(mesh.registries["b"], lambda r: r["models"].update({SOLO: entry}))
    update_registry(mesh.registries["a"], lambda r: r["models"].pop(SOLO))
    for door in mesh.doors:
        door.wait_for(lambda d=door: serving(d, SOLO) == {"b"}, 30, "SOLO on node b only")
    before = mesh.served("b", SOLO)
    r = await mesh.client(1).chat.completions.create(model=BOARD, messages=ASK, max_tokens=8)
    assert r.choices[0].message.content
    assert mesh.served("b", SOLO) == before + 1


def test_boards_are_reread_when_the_config_changes(mesh: Mesh) -> None:
    config = yaml.safe_load(mesh.config.read_text())
    good = board_entry("board/added", {"strategy": "fallback", "specialists": [{"model": DEFAULT}]})
    config["model_list"].append(good)
    mesh.config.write_text(yaml.safe_dump(config, sort_keys=False))
    for door in mesh.doors:
        door.wait_for(lambda d=door: "board/added" in d.model_ids(), 30, "the added board")
    bad = board_entry(
        "board/broken", {"strategy": "no-such-strategy", "specialists": [{"model": DEFAULT}]}
    )
    config["model_list"].append(bad)
    mesh.config.write_text(yaml.safe_dump(config, sort_keys=False))
    for door in mesh.doors:
        door.wait_for(lambda d=door: "boards not reloaded" in d.log_text(), 30, "the refusal")
        assert "no-such-strategy" in door.log_text()
        assert {"board/added", BOARD} <= door.model_ids() and "board/broken" not in door.model_ids()
    config["model_list"].pop()
    mesh.config.write_text(yaml.safe_dump(config, sort_keys=False))


async def _stream(client: openai.AsyncOpenAI) -> str:
    """'done' when the stream finished, 'error' when it ended with an error event."""
    stream = await client.chat.completions.create(
        model=DEFAULT, messages=LONG, max_tokens=400, stream=True
    )
    try:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].finish_reason:
                return "done"
    except openai.APIError:
        return "error"
    return "cut"  # ended without finish_reason or error: never acceptable


def ov_llm_ps(door: Proxy) -> str:
    cli = [sys.executable, "-m", "litellm_ov_provider.ops.cli", "--url", door.base_url]
    done = subprocess.run([*cli, "--key", KEY, "ps"], capture_output=True, text=True, check=True)
    return done.stdout


def _in_flight(node: Node) -> int:
    try:
        return sum(m["in_flight"] for m in node.health()["loaded"])
    except httpx.HTTPError:
        return 0


async def test_a_node_killed_mid_stream_ends_only_its_streams_and_rejoins(mesh: Mesh) -> None:
    def busy() -> bool:
        return all(_in_flight(n) > 0 for n in mesh.nodes.values())

    streams = []
    for i in range(12):  # until both nodes run some (the router picks at random)
        streams.append(asyncio.create_task(_stream(mesh.client(i))))
        await asyncio.sleep(0.3)
        if len(streams) >= 4 and await asyncio.to_thread(busy):
            break
    await asyncio.to_thread(wait_until, busy, 60, "streams on both nodes")
    os.kill(mesh.nodes["b"].proc.pid, signal.SIGKILL)
    ends = await asyncio.gather(*streams)
    assert "cut" not in ends and "done" in ends and "error" in ends, ends
    # New requests go to node a, with no error a client sees.
    assert all(await asyncio.gather(*(_ask(mesh.client(i)) for i in range(8))))
    wait_until(lambda: mesh.ps(1)["b"]["status"] == "unhealthy", 30, "node b marked down")
    shown = ov_llm_ps(mesh.doors[0])
    assert "unhealthy" in shown and "healthy" in shown.replace("unhealthy", "")
    mesh.restart("b")
    wait_until(lambda: mesh.ps(1)["b"]["status"] == "healthy", 30, "node b back")
    before = mesh.served("b")
    for _ in range(20):  # its cooldown may still run: then node a answers meanwhile
        await asyncio.gather(*(_ask(mesh.client(i)) for i in range(4)))
        if mesh.served("b") > before:
            break
        await asyncio.sleep(1)
    assert mesh.served("b") > before, "the restarted node got no traffic"


async def test_doors_serve_through_a_redis_outage_and_share_limits_again(mesh: Mesh) -> None:
    mesh.redis.stop()
    for door in (0, 1):
        wait_until(lambda d=door: _redis(mesh, d)["reachable"] is False, 30, "redis down")
    assert all(await asyncio.gather(*(_ask(mesh.client(i)) for i in range(4))))
    for door in mesh.doors:
        assert door.log_text().count("is unreachable") == 1
    mesh.redis.start()
    for door in (0, 1):  # LiteLLM's own breaker would wait 60 s, or for ever
        back = lambda d=door: _redis(mesh, d)  # noqa: E731
        wait_until(
            lambda b=back: b()["reachable"] and set(b()["breakers"]) == {"closed"}, 30, "redis back"
        )
    await test_a_key_made_on_one_door_holds_its_rpm_limit_on_both(mesh)


def _redis(mesh: Mesh, door: int) -> dict[str, Any]:
    with mesh.doors[door].http() as http:
        return dict(http.get("/ov/ps").json()["redis"])


async def test_one_door_stopped_leaves_the_other_serving(mesh: Mesh) -> None:
    mesh.doors[1].stop()
    assert all(await asyncio.gather(*(_ask(mesh.client(0)) for _ in range(4))))
