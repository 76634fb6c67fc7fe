"""#26 through the proxy: a router model picking through a grammar of names (the
default 135M model: its picks are valid, not good), its fallbacks, hybrid's report,
`ov-board train` and `ov-board eval` on the real MiniLM, and a learned board added to
a running proxy's config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from testbed.boards import eval_prompts, report_of
from testbed.proxy import KEY

from .bed import BoardBed

SET = Path(__file__).parents[2] / "bench" / "routing_set.json"
NAMES = {"math", "code", "translation", "writing", "cooking", "general"}


def ask(bc: openai.OpenAI, board: str, prompt: str) -> dict[str, Any]:
    r = bc.chat.completions.create(
        model=board, messages=[{"role": "user", "content": prompt}], max_tokens=2
    )
    return report_of(r)


def ov_board(bed: BoardBed, *args: str) -> subprocess.CompletedProcess[str]:
    url = f"{bed.proxy.base_url}/v1"
    cmd = [sys.executable, "-m", "router_plugins", *args, "--url", url, "--key", KEY]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"prompt": p, "label": lb}) + "\n" for p, lb in rows))
    return path


def test_a_router_model_picks_a_specialist_through_the_grammar(bc: openai.OpenAI) -> None:
    report = ask(bc, "board/router", "What is 17 times 23?")
    notes = report["notes"]
    assert notes["decided_by"] == "router model"
    pick = json.loads(notes["router_pick"])["pick"]  # the raw answer: only a name is possible
    assert pick in NAMES and report["answered"] == ["router", pick]
    router = next(c for c in report["calls"] if c["label"] == "router")
    assert router["phase"] == "ask" and notes["router_ms"] > 0
    answer = next(c for c in report["calls"] if c["label"] == pick)
    assert report["usage"]["prompt_tokens"] > answer["prompt_tokens"] > 0  # router counted


def test_a_dead_router_model_hands_over_without_failing(bc: openai.OpenAI) -> None:
    report = ask(bc, "board/router-dead", "What is 17 times 23?")
    assert report["notes"]["decided_by"] == "semantic" and "router_failed" in report["notes"]
    assert report["answered"][-1] == "math"


def test_hybrid_says_which_rule_decided(bc: openai.OpenAI) -> None:
    for prompt in ("Translate 'good night' into French", "How far is the moon?"):
        notes = ask(bc, "board/hybrid", prompt)["notes"]
        sure = notes["semantic_margin"] >= 0.03 or "router_failed" in notes  # (a slow box)
        assert notes["decided_by"] == ("semantic" if sure else "router model"), notes


def test_the_shipped_learned_router_routes_through_the_proxy(bc: openai.OpenAI) -> None:
    report = ask(bc, "board/learned", "Translate 'see you tomorrow' into German")
    assert report["route"]["reason"].startswith("learned: translation"), report["route"]
    assert report["notes"]["learned_confidence"] > 0.3


def test_train_then_eval_a_learned_board(board_bed: BoardBed, tmp_path: Path) -> None:
    prompts = eval_prompts()
    train, held_out = prompts[0::2], prompts[1::2][:36]
    trained = tmp_path / "learned.json"
    done = ov_board(
        board_bed,
        "train",
        "--data",
        str(jsonl(tmp_path / "train.jsonl", train)),
        "--embedding-model",
        "minilm-l6",
        "--out",
        str(trained),
        "--config",
        str(board_bed.proxy.config),
        "--board",
        "board/learned",  # its specialists' examples and descriptions are learned too
        "--json",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(json.loads(done.stdout)["labels"]) == NAMES
    data = yaml.safe_load(board_bed.proxy.config.read_text())
    board = next(e for e in data["model_list"] if e["model_name"] == "board/learned")
    board["litellm_params"]["board"]["params"]["model_file"] = trained.name  # beside it
    config = tmp_path / "boards.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    test_file = jsonl(tmp_path / "held-out.jsonl", held_out)
    args = ("eval", str(config), "--board", "board/learned", "--data")
    done = ov_board(board_bed, *args, str(test_file), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    scores = json.loads(done.stdout)["scores"]
    assert scores["prompts"] == 36 and scores["accuracy"] >= 0.6 and scores["seen_in_training"] == 0
    assert set(scores["confusion"]) == NAMES and scores["router_calls"] == 0
    table = ov_board(board_bed, *args, str(jsonl(tmp_path / "seen.jsonl", train[:4])))
    assert table.returncode == 0 and "confusion" in table.stdout
    assert "4 prompts are also the board's examples or training prompts (lines 1, 2, 3, 4)" in (
        table.stdout
    )


def test_hybrid_eval_sweeps_margins_and_writes_the_chosen_one(
    board_bed: BoardBed, tmp_path: Path
) -> None:
    config = tmp_path / "boards.yaml"
    config.write_text(board_bed.proxy.config.read_text())
    rows = eval_prompts()[1::20]  # 12 prompts, two per label or so
    done = ov_board(
        board_bed,
        "eval",
        str(config),
        "--board",
        "board/hybrid",
        "--data",
        str(jsonl(tmp_path / "h.jsonl", rows)),
        "--write",
        "--json",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    sweep = out["sweep"]
    assert len(sweep) > 10 and out["chosen_margin"] in [r["margin"] for r in sweep]
    assert sweep[0]["router_share"] == 0 and sweep[-1]["router_share"] > 0  # it was asked
    written = yaml.safe_load(config.read_text())
    hybrid = next(e for e in written["model_list"] if e["model_name"] == "board/hybrid")
    assert hybrid["litellm_params"]["board"]["params"]["margin"] == out["chosen_margin"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"prompt": "hi there", "label": "chef"}\n', "line 1: unknown label 'chef'"),
        (
            '{"prompt": "a b", "label": "math"}\n{"prompt": "", "label": "math"}\n',
            "line 2: the prompt is missing",
        ),
        (
            '{"prompt": "a b", "label": "math"}\n{"prompt": "A  B", "label": "code"}\n',
            "line 2: the same prompt as line 1",
        ),
        ('["a b", "math"]\n', 'line 1: want {"prompt": "...", "label": "..."}'),
    ],
)
def test_eval_refuses_a_bad_file_naming_the_line(
    board_bed: BoardBed, tmp_path: Path, content: str, named: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    done = ov_board(
        board_bed,
        "eval",
        str(board_bed.proxy.config),
        "--board",
        "board/semantic",
        "--data",
        str(bad),
    )
    assert done.returncode == 2 and named in done.stdout, done.stdout + done.stderr
