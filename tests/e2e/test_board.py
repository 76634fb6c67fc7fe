"""Boards of specialists through the running proxy, with the openai SDK.

Specialists are the default model under several registry names and system prompts;
"heavy" is a second real node process behind an `openai/` route; "dead" is a remote
route with nothing listening.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import openai
import pytest
import yaml

from testbed.boards import report_of, streamed, text_of
from testbed.models import DEFAULT
from testbed.prom import scrape, value
from testbed.proxy import KEY, REPO
from tests.e2e.bed import BoardBed

pytestmark = pytest.mark.e2e
ASK = [{"role": "user", "content": "What is 2 plus 3?"}]


def assert_usage_is_sum(usage: Any, report: dict[str, Any]) -> None:
    ok = [c for c in report["calls"] if c["ok"]]
    assert usage.prompt_tokens == sum(c["prompt_tokens"] for c in ok) > 0
    assert usage.completion_tokens == sum(c["completion_tokens"] for c in ok) > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_boards_are_listed_like_models(board_bed: BoardBed) -> None:
    ids = board_bed.proxy.model_ids()
    assert {"board/semantic", "board/moa", "board/cascade", "board/example"} <= ids


def test_moa_runs_panel_in_parallel_and_streams_the_coordinator(
    bc: openai.OpenAI, board_bed: BoardBed
) -> None:
    before = board_bed.heavy.log_text().count("completion id=")
    chunks, report = streamed(bc, "board/moa", messages=ASK, max_tokens=24)
    content = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content) > 3, "the coordinator pass should stream token by token"
    assert text_of(chunks).strip()
    panel = [c for c in report["calls"] if c["phase"] == "panel"]
    assert {c["label"] for c in panel} == {"math", "code"} and all(c["ok"] for c in panel)
    # Parallel: the second panel call starts before the first one ends.
    first, second = sorted(panel, key=lambda c: c["at_ms"])
    assert second["at_ms"] < first["at_ms"] + first["ms"]
    final = [c for c in report["calls"] if c["phase"] == "final"]
    assert [c["model"] for c in final] == ["heavy"] and final[0]["ok"]
    assert board_bed.heavy.log_text().count("completion id=") == before + 1
    usage = chunks[-1].usage
    assert_usage_is_sum(usage, report)


def test_non_streamed_answer_reports_in_headers_body_and_log(
    bc: openai.OpenAI, board_bed: BoardBed
) -> None:
    raw = bc.chat.completions.with_raw_response.create(
        model="board/moa", messages=ASK, max_tokens=16
    )
    done = raw.parse()
    headers = raw.headers
    assert headers["x-board-strategy"] == "moa"
    answered = headers["x-board-specialists"].split(",")
    assert set(answered[:2]) == {"math", "code"} and answered[2] == "coordinator"
    timings = dict(kv.split("=") for kv in headers["x-board-timings-ms"].split(","))
    assert set(timings) == {"math", "code", "coordinator"} and all(
        int(v) >= 0 for v in timings.values()
    )
    assert "moa: 2 specialists in parallel" in headers["x-board-reason"]
    report = report_of(done)
    assert report["answered"] == headers["x-board-specialists"].split(",")
    assert_usage_is_sum(done.usage, report)
    log = board_bed.proxy.log_text()
    lines = [ln for ln in log.splitlines() if "board=board/moa" in ln and "board id=" in ln]
    assert lines and "math:panel:ok" in lines[-1] and "What is 2 plus 3" not in log


def test_cascade_keeps_a_confident_answer_local(bc: openai.OpenAI, board_bed: BoardBed) -> None:
    before = board_bed.heavy.log_text().count("completion id=")
    done = bc.chat.completions.create(model="board/cascade", messages=ASK, max_tokens=16)
    report = report_of(done)
    assert report["notes"]["escalated"] is False
    assert isinstance(report["notes"]["mean_logprob"], float)
    assert report["answered"] == ["fast"]
    assert board_bed.heavy.log_text().count("completion id=") == before


def test_cascade_escalates_below_threshold_and_reports_the_share(
    bc: openai.OpenAI, board_bed: BoardBed
) -> None:
    before = board_bed.heavy.log_text().count("completion id=")
    chunks, report = streamed(bc, "board/cascade-strict", messages=ASK, max_tokens=16)
    assert report["notes"]["escalated"] is True
    assert report["coordinator"].startswith("escalated: mean logprob")
    assert report["notes"]["escalation_share"] == 1.0
    assert [c["phase"] for c in report["calls"]] == ["panel", "final"]
    assert text_of(chunks).strip()
    assert board_bed.heavy.log_text().count("completion id=") == before + 1
    assert_usage_is_sum(chunks[-1].usage, report)


def test_best_of_n_votes(bc: openai.OpenAI) -> None:
    done = bc.chat.completions.create(model="board/best", messages=ASK, max_tokens=12)
    report = report_of(done)
    assert [c["label"] for c in report["calls"]] == [f"{DEFAULT}#{i}" for i in (1, 2, 3)]
    assert report["coordinator"].startswith("majority: ")
    assert done.choices[0].message.content
    assert_usage_is_sum(done.usage, report)


def test_fallback_drops_a_dead_specialist_and_says_so(bc: openai.OpenAI) -> None:
    chunks, report = streamed(bc, "board/fallback", messages=ASK, max_tokens=16)
    assert report["dropped"] == ["dead"] and report["answered"] == [DEFAULT]
    dead = next(c for c in report["calls"] if c["label"] == "dead")
    assert dead["ok"] is False and dead["error"]
    assert text_of(chunks).strip()


def test_a_failed_or_slow_panel_member_is_dropped(bc: openai.OpenAI) -> None:
    raw = bc.chat.completions.with_raw_response.create(
        model="board/partial", messages=ASK, max_tokens=12
    )
    report = report_of(raw.parse())
    assert set(raw.headers["x-board-dropped"].split(",")) == {"dead", "slow"}
    slow = next(c for c in report["calls"] if c["label"] == "slow")
    assert "timed out" in slow["error"]
    assert "math" in report["answered"] and "coordinator" in report["answered"]


def test_a_dead_coordinator_leaves_the_panels_answer(bc: openai.OpenAI) -> None:
    chunks, report = streamed(bc, "board/coordinator-dead", messages=ASK, max_tokens=12)
    assert report["dropped"] == ["coordinator"] and set(report["answered"]) == {"math", "code"}
    assert report["notes"]["final_pass_failed"] is True
    assert report["coordinator"].endswith("coordinator failed, answered with math")
    assert text_of(chunks).strip()


def test_board_without_a_live_specialist_is_503(bc: openai.OpenAI, board_bed: BoardBed) -> None:
    runs = board_bed.proxy.log_text().count("board=board/all-dead")
    with pytest.raises(openai.APIStatusError) as err:
        bc.chat.completions.create(model="board/all-dead", messages=ASK, max_tokens=8)
    assert err.value.status_code == 503
    assert "no live specialist" in str(err.value)
    # Run once: the router retries the dead specialist, never the whole board.
    assert board_bed.proxy.log_text().count("board=board/all-dead") == runs + 1
    assert bc.chat.completions.create(model=DEFAULT, messages=ASK, max_tokens=4).choices


def test_a_board_never_calls_itself(bc: openai.OpenAI) -> None:
    for name in ("board/loop-a", "board/loop-b"):
        with pytest.raises(openai.APIStatusError) as err:
            bc.chat.completions.create(model=name, messages=ASK, max_tokens=8)
        assert err.value.status_code == 503  # unusable until the config is fixed
        assert "would call itself" in str(err.value)


def test_a_chosen_tool_call_passes_through_unchanged(bc: openai.OpenAI) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    ask = {
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "tools": tools,
        "tool_choice": "required",
        "temperature": 0,
        "max_tokens": 40,
    }
    direct = bc.chat.completions.create(model=DEFAULT, **ask)
    via = bc.chat.completions.create(model="board/fallback", **ask)
    assert via.choices[0].finish_reason == "tool_calls"
    got = [
        (c.function.name, json.loads(c.function.arguments))
        for c in via.choices[0].message.tool_calls
    ]
    want = [
        (c.function.name, json.loads(c.function.arguments))
        for c in direct.choices[0].message.tool_calls
    ]
    assert got == want


def test_response_format_reaches_the_specialist(bc: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    done = bc.chat.completions.create(
        model="board/fallback",
        messages=ASK,
        max_tokens=30,
        response_format={"type": "json_schema", "json_schema": {"name": "sum", "schema": schema}},
    )
    assert json.loads(done.choices[0].message.content or "")["answer"] in ("yes", "no")


def test_third_party_strategy_from_its_own_package(bc: openai.OpenAI) -> None:
    raw = bc.chat.completions.with_raw_response.create(
        model="board/example", messages=ASK, max_tokens=12
    )
    assert raw.headers["x-board-strategy"] == "shortest_answer"
    report = report_of(raw.parse())
    assert report["coordinator"].startswith("shortest of 2 answers")
    assert "lengths" in report["notes"]


def test_a_bad_declaration_is_a_clear_error_and_the_proxy_keeps_serving(
    bc: openai.OpenAI,
) -> None:
    with pytest.raises(openai.APIStatusError) as err:
        bc.chat.completions.create(model="board/bad-params", messages=ASK, max_tokens=8)
    assert err.value.status_code == 503
    assert "params.embedding_model: Field required" in str(err.value)
    assert bc.chat.completions.create(model="board/fallback", messages=ASK, max_tokens=4).choices


def test_cli_lists_plugins_and_their_hooks() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "router_plugins", "plugins", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=True,
    )
    rows = {r["plugin"]: r for r in json.loads(done.stdout)}
    assert rows["builtin"]["source"].startswith("litellm-ov ")
    assert {s["name"] for s in rows["builtin"]["strategies"]} == {
        "semantic",
        "cascade",
        "moa",
        "best_of_n",
        "fallback",
        "self_refine",
        "teacher_student",
        "router",
        "hybrid",
        "learned",
    }
    assert rows["shortest"]["source"].startswith("ov-board-shortest ")
    assert rows["shortest"]["strategies"][0]["hooks"] == ["board_coordinate"]


def test_health_checks_board_declarations_without_running_them(board_bed: BoardBed) -> None:
    before = board_bed.proxy.log_text().count("board id=")
    with board_bed.proxy.http() as http:
        health = http.get("/health", timeout=120).json()
    healthy = {e["model"] for e in health["healthy_endpoints"]}
    unhealthy = {e["model"] for e in health["unhealthy_endpoints"]}
    assert {"board/moa", "board/semantic", "board/all-dead"} <= healthy
    assert {"board/loop-a", "board/loop-b", "board/bad-params"} <= unhealthy
    assert board_bed.proxy.log_text().count("board id=") == before  # no board ran


def test_a_client_leaving_mid_stream_ends_the_board_run(
    bc: openai.OpenAI, board_bed: BoardBed
) -> None:
    stream = bc.chat.completions.create(
        model="board/fallback",
        messages=[{"role": "user", "content": "Tell me a long story about a dragon."}],
        max_tokens=400,
        stream=True,
        extra_body={"ignore_eos": True},
    )
    for i, _ in enumerate(stream):
        if i == 2:
            break
    stream.close()

    def cancelled() -> bool:
        return any(
            "board=board/fallback" in line and "cancelled (the client went away)" in line
            for line in board_bed.proxy.log_text().splitlines()
        )

    board_bed.proxy.wait_for(cancelled, 30, "the board's cancelled log line")


def test_board_metrics_move_with_a_board_request(bc: openai.OpenAI, board_bed: BoardBed) -> None:
    def read() -> tuple[float, float, float]:
        text = scrape(board_bed.proxy.base_url, KEY)
        labels = {"board": "board/cascade-strict"}
        return (
            value(text, "ov_board_requests_total", outcome="ok", **labels) or 0.0,
            value(text, "ov_board_route_decision_seconds_count", **labels) or 0.0,
            value(text, "ov_board_escalations_total", **labels) or 0.0,
        )

    requests, routes, escalations = read()
    streamed(bc, "board/cascade-strict", messages=ASK, max_tokens=8)  # always escalates
    assert read() == (requests + 1, routes + 1, escalations + 1)


@pytest.mark.parametrize("stream", [False, True])
def test_self_refine_runs_its_rounds_with_real_models(bc: openai.OpenAI, stream: bool) -> None:
    ask = {"messages": ASK, "max_tokens": 24, "temperature": 0}
    if stream:
        chunks, report = streamed(bc, "board/refine", **ask)
        usage, text = chunks[-1].usage, text_of(chunks)
    else:
        done = bc.chat.completions.create(model="board/refine", **ask)
        report, usage, text = report_of(done), done.usage, done.choices[0].message.content
    assert text
    rounds = report["notes"]["rounds"]
    assert 1 <= rounds <= 2 and len(report["notes"]["verdicts"]) == rounds
    labels = [c["label"] for c in report["calls"]]
    assert labels[:2] == ["math", "critique#1"]
    assert labels.count("critique#1") == 1 and len(labels) in (2, 3, 4, 5)
    assert_usage_is_sum(usage, report)


def test_teacher_student_keeps_response_format_and_sums_usage(bc: openai.OpenAI) -> None:
    chunks, report = streamed(
        bc,
        "board/teacher",
        messages=ASK,
        max_tokens=40,
        temperature=0,
        response_format={"type": "json_object"},
    )
    assert report["notes"]["verdict"] in ("approved", "corrected")
    assert [c["label"] for c in report["calls"]][:2] == ["student", "verdict"]
    assert text_of(chunks).lstrip().startswith("{")  # the answer kept the format
    assert_usage_is_sum(chunks[-1].usage, report)


def test_calibrate_picks_a_cascade_threshold_on_a_real_run(
    board_bed: BoardBed, tmp_path: Any
) -> None:
    """The fast side is the default model; the strong side is board/best (three samples
    of it, majority vote): the only stronger thing offline."""
    items = json.loads((REPO / "bench" / "cascade_set.json").read_text())["items"][:8]
    questions = tmp_path / "set.json"
    questions.write_text(json.dumps(items))
    config = tmp_path / "litellm.yaml"
    cascade = {"strategy": "cascade", "specialists": [{"model": DEFAULT}, {"model": "board/best"}]}
    entry = {"model_name": "board/c", "litellm_params": {"model": "board/c", "board": cascade}}
    config.write_text(json.dumps({"model_list": [entry]}))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "router_plugins",
            "calibrate",
            "--fast",
            DEFAULT,
            "--strong",
            "board/best",
            "--set",
            str(questions),
            "--url",
            f"{board_bed.proxy.base_url}/v1",
            "--key",
            KEY,
            "--json",
            "--max-tokens",
            "12",
            "--write",
            str(config),
            "--board",
            "board/c",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout)
    assert chosen["questions"] == 8 and 0 <= chosen["kept_local"] <= 1
    assert chosen["accuracy"] >= chosen["strong_accuracy"]
    written = yaml.safe_load(config.read_text())
    params = written["model_list"][0]["litellm_params"]["board"]["params"]
    assert params["min_mean_logprob"] == chosen["threshold"]
