"""docs/plugins.md's strategy package, exactly as written there: built with pip,
installed beside the proxy, its own tests run, listed and checked by `ov-board`, and
served through a real proxy with the openai SDK, with a broken board refused at
startup in one log line while the rest keeps serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from testbed.boards import board_entry, write_config
from testbed.docs import write_doc_files
from testbed.models import DEFAULT, default_registry
from testbed.proxy import KEY, Proxy, start_proxy

DOC = "docs/plugins.md"
PACKAGE = "ov-board-keywords"
BAD = "board/keywords-typo"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The doc's files written out, the package built as the doc says and installed
    into a folder of its own (put on PYTHONPATH, never into the test venv)."""
    root = tmp_path_factory.mktemp("plugin-docs")
    files = write_doc_files(DOC, root)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", "dist", f"./{PACKAGE}"],
        cwd=root,
        check=True,
        timeout=300,
    )
    wheel = next((root / "dist").glob("ov_board_keywords-*.whl"))
    site = root / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300
    )
    env = {**os.environ, "PYTHONPATH": str(site), "OV_BOARD_PLUGINS": "builtin,keywords"}
    return {"root": root, "files": files, "env": env}


def ov_board(installed: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "router_plugins", *args],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_packages_own_tests_pass(installed: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=installed["root"] / PACKAGE,
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


@pytest.fixture(scope="module")
def config(installed: dict[str, Any]) -> Path:
    """config/litellm.yaml with the doc's board and a misspelt copy of it."""
    board = yaml.safe_load(installed["files"][f"{PACKAGE}/board.yaml"].read_text())
    good = board["model_list"][0]
    typo = json.loads(json.dumps(good["litellm_params"]["board"]))
    typo["params"]["fallback"] = "chatt"
    return write_config(installed["root"] / "litellm.yaml", [good, board_entry(BAD, typo)])


def test_ov_board_lists_the_plugin_and_checks_every_board(
    installed: dict[str, Any], config: Path
) -> None:
    listed = json.loads(ov_board(installed, "plugins", "--json").stdout)
    row = next(r for r in listed if r["plugin"] == "keywords")
    assert row["source"] == "ov-board-keywords 0.1.0"
    assert row["strategies"][0]["hooks"] == ["board_route", "board_validate"]

    checked = ov_board(installed, "check", str(config), "--json")
    assert checked.returncode == 1
    rows = {r["board"]: r for r in json.loads(checked.stdout)}
    assert rows["board/keywords"]["ok"]
    assert rows[BAD]["problems"] == [
        "params.fallback: 'chatt' is not a specialist of this board (its specialists: sql, chat)"
    ]
    # Piped (not a terminal): nothing squeezed or cut.
    table = ov_board(installed, "check", str(config)).stdout
    assert "params.fallback: 'chatt' is not a specialist of this board (its specialists:" in table
    assert "…" not in table and "…" not in ov_board(installed, "plugins").stdout


@pytest.fixture(scope="module")
def proxy(installed: dict[str, Any], config: Path) -> Iterator[Proxy]:
    root = installed["root"] / "proxy"
    root.mkdir()
    env = {k: installed["env"][k] for k in ("PYTHONPATH", "OV_BOARD_PLUGINS")}
    started = start_proxy(root, default_registry(root), env=env, config=config)
    yield started
    started.stop()


def test_a_broken_board_is_refused_at_startup_in_one_line(proxy: Proxy) -> None:
    proxy.wait_for(lambda: f"board {BAD} is unusable" in proxy.log_text(), 30, "startup check")
    lines = [line for line in proxy.log_text().splitlines() if "is unusable" in line]
    assert len(lines) == 1 and "ERROR" in lines[0] and BAD in lines[0]
    assert "params.fallback: 'chatt' is not a specialist" in lines[0]
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(openai.APIStatusError) as refused:
        client.chat.completions.create(model=BAD, messages=[{"role": "user", "content": "hi"}])
    assert refused.value.status_code == 503
    assert "params.fallback: 'chatt' is not a specialist" in str(refused.value)
    assert "Traceback" not in proxy.log_text()
    health = httpx.get(
        f"{proxy.base_url}/health", headers={"Authorization": f"Bearer {KEY}"}, timeout=120
    ).json()
    assert BAD in {e["model"] for e in health["unhealthy_endpoints"]}
    assert "board/keywords" in {e["model"] for e in health["healthy_endpoints"]}
    ok = client.chat.completions.create(
        model=DEFAULT, messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert ok.choices[0].message.content is not None


def test_the_board_routes_by_keyword_through_the_proxy(proxy: Proxy) -> None:
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="board/keywords",
        max_tokens=8,
        messages=[{"role": "user", "content": "Which JOIN should I use?"}],
    )
    assert raw.headers["x-board-strategy"] == "keywords"
    assert raw.headers["x-board-specialists"] == "sql"
    assert "x-board-dropped" not in raw.headers  # sent only when something was dropped
    other = client.chat.completions.with_raw_response.create(
        model="board/keywords",
        max_tokens=8,
        messages=[{"role": "user", "content": "Tell me a joke."}],
    )
    assert other.headers["x-board-specialists"] == "chat"


def test_the_docs_snippet_reads_the_streamed_report(
    installed: dict[str, Any], proxy: Proxy
) -> None:
    env = {**os.environ, "OPENAI_BASE_URL": f"{proxy.base_url}/v1", "OPENAI_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, str(installed["files"]["examples/board_report.py"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "answered by ['sql'] because keywords: sql" in done.stdout
    # Where the doc says the report is: one chunk, before the finish chunk, not the last.
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="board/keywords",
            stream=True,
            max_tokens=8,
            messages=[{"role": "user", "content": "select all rows"}],
        )
    )
    at = [i for i, c in enumerate(chunks) if (c.model_extra or {}).get("board")]
    finish = [i for i, c in enumerate(chunks) if c.choices and c.choices[0].finish_reason]
    assert len(at) == 1 and finish and at[0] < finish[-1] < len(chunks)
