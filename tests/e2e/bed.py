"""The board test bed: one proxy with boards over the default model (under several
registry names and system prompts), MiniLM for the semantic router, a second real node
process standing in for the remote heavy box, and a dead remote specialist."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.boards import board_entry, remote_entry, semantic_specialists, write_config
from testbed.models import DEFAULT, place_model
from testbed.node import Node, start_node
from testbed.proxy import KEY, REPO, Proxy, free_port, start_proxy

LOCAL_NAMES = ("smol-math", "smol-code")
# The learned router shipped for the routing set's specialists (config/routers/).
SHIPPED_ROUTER = REPO / "config" / "routers" / "routing-set.minilm-l6.json"


@dataclass
class BoardBed:
    proxy: Proxy
    heavy: Node


def boards(heavy: str) -> list[dict[str, Any]]:
    math, code = (
        {
            "model": "smol-math",
            "name": "math",
            "description": "arithmetic and algebra",
            "system_prompt": "You are a math tutor. Answer with the number first.",
        },
        {
            "model": "smol-code",
            "name": "code",
            "description": "programming",
            "system_prompt": "You are a programmer. Answer with code.",
        },
    )
    semantic = semantic_specialists({"math": "smol-math", "code": "smol-code"}, DEFAULT)
    return [
        board_entry(
            "board/semantic",
            {
                "strategy": "semantic",
                "specialists": semantic,
                "params": {"embedding_model": "minilm-l6", "fallback": "general"},
            },
        ),
        board_entry(
            "board/moa", {"strategy": "moa", "specialists": [math, code], "coordinator": heavy}
        ),
        board_entry(
            "board/cascade",
            {
                "strategy": "cascade",
                "specialists": [{"model": DEFAULT, "name": "fast"}, {"model": heavy}],
                "params": {"min_mean_logprob": -1000, "check_unsure": False},
            },
        ),
        board_entry(
            "board/cascade-strict",
            {
                "strategy": "cascade",
                "specialists": [{"model": DEFAULT, "name": "fast"}, {"model": heavy}],
                "params": {"min_mean_logprob": 0.0},
            },
        ),
        board_entry(
            "board/best",
            {
                "strategy": "best_of_n",
                "specialists": [{"model": DEFAULT}],
                "params": {"n": 3, "temperature": 0.7},
            },
        ),
        board_entry(
            "board/fallback",
            {"strategy": "fallback", "specialists": [{"model": "dead"}, {"model": DEFAULT}]},
        ),
        board_entry(
            "board/partial",
            {
                "strategy": "moa",
                "coordinator": DEFAULT,
                "specialists": [
                    {"model": "dead"},
                    {"model": DEFAULT, "name": "slow", "timeout": 0.001},
                    math,
                ],
            },
        ),
        board_entry(
            "board/coordinator-dead",
            {"strategy": "moa", "coordinator": "dead", "specialists": [math, code]},
        ),
        board_entry("board/all-dead", {"strategy": "fallback", "specialists": [{"model": "dead"}]}),
        board_entry(
            "board/loop-a", {"strategy": "fallback", "specialists": [{"model": "board/loop-b"}]}
        ),
        board_entry(
            "board/loop-b",
            {
                "strategy": "moa",
                "coordinator": DEFAULT,
                "specialists": [{"model": DEFAULT}, {"model": "board/loop-a"}],
            },
        ),
        board_entry("board/bad-params", {"strategy": "semantic", "specialists": [math]}),
        board_entry(
            "board/router",
            {
                "strategy": "router",
                "specialists": semantic,
                "params": {"router_model": DEFAULT, "fallback": "general"},
            },
        ),
        board_entry(
            "board/router-dead",
            {
                "strategy": "router",
                "specialists": semantic,
                "params": {"router_model": "dead", "embedding_model": "minilm-l6"},
            },
        ),
        board_entry(
            "board/learned",
            {
                "strategy": "learned",
                "specialists": semantic,
                "params": {"model_file": str(SHIPPED_ROUTER), "embedding_model": "minilm-l6"},
            },
        ),
        board_entry(
            "board/hybrid",
            {
                "strategy": "hybrid",
                "specialists": semantic,
                "params": {"embedding_model": "minilm-l6", "router_model": DEFAULT, "margin": 0.03},
            },
        ),
        board_entry(
            "board/refine",
            {"strategy": "self_refine", "specialists": [math], "params": {"rounds": 2}},
        ),
        board_entry(
            "board/teacher",
            {
                "strategy": "teacher_student",
                "specialists": [{"model": DEFAULT, "name": "student"}, {"model": heavy}],
            },
        ),
        board_entry(
            "board/example",
            {
                "strategy": "shortest_answer",
                "specialists": [math, code],
                "params": {"penalize_tool_calls": False},
            },
        ),
    ]


@pytest.fixture(scope="session")
def board_bed(
    proxy: Proxy, minilm: dict[str, Any], models_root: Path, model_file: str
) -> Iterator[BoardBed]:
    root = models_root / "boards"
    root.mkdir(exist_ok=True)
    entry = default_entry(default_model_spec(), Path(model_file))
    models: dict[str, Any] = {DEFAULT: entry, "minilm-l6": minilm["entry"]}
    for name in LOCAL_NAMES:
        models[name] = {**entry, "path": place_model(Path(model_file), root, name)}
    heavy_registry = root / "heavy-registry.json"
    heavy_registry.write_text(json.dumps({"version": 1, "models": {DEFAULT: entry}}))
    heavy = start_node(heavy_registry, root / "heavy.log", env={"OV_MODELS_ROOT": str(models_root)})
    dead = f"http://127.0.0.1:{free_port()}/v1"
    entries = [
        remote_entry("heavy", DEFAULT, f"{heavy.base_url}/v1", heavy.key),
        remote_entry("dead", DEFAULT, dead, "none", timeout=5),
        *boards("heavy"),
    ]
    config = write_config(root / "litellm.yaml", entries)
    env = {"OV_MODELS_ROOT": str(models_root)}
    bed = BoardBed(start_proxy(root, models, env=env, config=config), heavy)
    yield bed
    bed.proxy.stop()
    heavy.stop()


@pytest.fixture(scope="session")
def bc(board_bed: BoardBed) -> openai.OpenAI:
    """An openai client on the board proxy."""
    return openai.OpenAI(
        base_url=f"{board_bed.proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=180
    )
