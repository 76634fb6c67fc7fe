"""Proxy configs with boards: config/litellm.yaml plus extra model_list entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import yaml

from testbed.proxy import REPO

EVAL_SET = REPO / "bench" / "routing_set.json"


def board_entry(name: str, board: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_name": name,
        "litellm_params": {"model": name, "board": board},
        "model_info": {"mode": "chat"},
    }


def remote_entry(
    name: str, model: str, api_base: str, key: str, timeout: float = 60
) -> dict[str, Any]:
    """A specialist on another machine: any OpenAI-compatible endpoint via LiteLLM."""
    return {
        "model_name": name,
        "litellm_params": {
            "model": f"openai/{model}",
            "api_base": api_base,
            "api_key": key,
            "timeout": timeout,
        },
    }


def write_config(path: Path, entries: list[dict[str, Any]]) -> Path:
    config = yaml.safe_load((REPO / "config" / "litellm.yaml").read_text())
    config["model_list"] = entries
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def semantic_specialists(models: dict[str, str], default: str) -> list[dict[str, Any]]:
    """The routing set's specialists, each on the proxy model `models[name]` (else
    `default`)."""
    data = json.loads(EVAL_SET.read_text())
    return [{**s, "model": models.get(s["name"], default)} for s in data["specialists"]]


def eval_prompts() -> list[tuple[str, str]]:
    data = json.loads(EVAL_SET.read_text())
    return [(e["prompt"], e["label"]) for e in data["eval"]]


def report_of(completion: Any) -> dict[str, Any]:
    board = completion.model_extra.get("board")
    assert isinstance(board, dict), completion
    return board


def streamed(client: openai.OpenAI, model: str, **kw: Any) -> tuple[list[Any], dict[str, Any]]:
    chunks = list(
        client.chat.completions.create(
            model=model, stream=True, stream_options={"include_usage": True}, **kw
        )
    )
    boards = [c.model_extra.get("board") for c in chunks if c.model_extra.get("board")]
    assert boards, "no chunk carried the board report"
    return chunks, boards[-1]


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def confusion(names: list[str], truth: list[str], got: list[str]) -> str:
    width = max(len(n) for n in names) + 2
    lines = [" " * width + "".join(f"{n[:8]:>9}" for n in names) + "   <- routed to"]
    for want in names:
        row = [
            sum(1 for t, g in zip(truth, got, strict=True) if t == want and g == n) for n in names
        ]
        lines.append(f"{want:<{width}}" + "".join(f"{c:>9}" for c in row))
    return "\n".join(lines)
