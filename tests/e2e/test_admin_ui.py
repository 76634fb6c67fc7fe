"""`make ui` for real: a PostgreSQL cluster on loopback, LiteLLM's tables from its
shipped migrations, the Prisma client, the proxy with the admin UI and
store_model_in_db on; logged in through the UI's own endpoint and in headless Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from ov_admin_ui.postgres import server_bin
from testbed.boards import board_entry, write_config
from testbed.models import DEFAULT, place_model
from testbed.proxy import KEY, REPO, Proxy, start_proxy
from testbed.shared import postgres_env
from testbed.waiting import stays

ARTIFACTS = REPO / "test-artifacts"
BOARD = "board/ui"
# As the machine's own probe starts it: no background traffic on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SYNC_SECONDS = 2  # LiteLLM's DB model sync, shortened (default 30 s)


@pytest.fixture(scope="module")
def ui_env(prisma_env: dict[str, str]) -> Iterator[dict[str, str]]:
    with postgres_env(prisma_env) as env:
        yield {**env, "PROXY_CONFIG_RELOAD_INTERVAL_SECONDS": str(SYNC_SECONDS)}


def start_ui(root: Path, gguf: Path, env: dict[str, str], store_model_in_db: bool = True) -> Proxy:
    entry = {
        "path": place_model(gguf, root, DEFAULT),
        "task": "text-generation-with-past",
        "weight_format": "q4_1",
        "model_info": {"description": "the default model"},
    }
    board = {"strategy": "fallback", "specialists": [{"model": DEFAULT}]}
    config = write_config(root / "litellm.yaml", [board_entry(BOARD, board)])
    launcher = [sys.executable, "-m", "ov_admin_ui"]
    full = {**env, "STORE_MODEL_IN_DB": str(store_model_in_db)}
    return start_proxy(root, {DEFAULT: entry}, full, config, launcher, startup_seconds=600)


@pytest.fixture(scope="module")
def ui(
    tmp_path_factory: pytest.TempPathFactory, default_gguf: Path, ui_env: dict[str, str]
) -> Iterator[Proxy]:
    proxy = start_ui(tmp_path_factory.mktemp("ui"), default_gguf, ui_env)
    yield proxy
    proxy.stop()


def login(proxy: Proxy) -> httpx.Response:
    with httpx.Client(base_url=proxy.base_url, timeout=60) as http:
        return http.post("/v2/login", json={"username": "admin", "password": KEY})


def model_infos(proxy: Proxy, path: str = "/v2/model/info") -> dict[str, dict[str, Any]]:
    with proxy.http() as http:
        r = http.get(path)
    assert r.status_code == 200, r.text
    return {d["model_name"]: d["model_info"] for d in r.json()["data"]}


def test_make_ui_prints_the_ui_url_and_how_to_log_in(ui: Proxy) -> None:
    log = ui.log_text()
    assert f"http://127.0.0.1:{ui.port}/ui" in log and "user: admin" in log
    assert "applied" in log and "LiteLLM migrations" in log
    assert KEY not in log  # the key is named, never printed


def test_master_key_logs_in_and_a_wrong_one_does_not(ui: Proxy) -> None:
    r = login(ui)
    assert r.status_code == 200, r.text
    assert r.json()["token"] and "/ui" in r.json()["redirect_url"]
    with httpx.Client(base_url=ui.base_url, timeout=60) as http:
        bad = http.post("/v2/login", json={"username": "admin", "password": "x" * 40})
    assert bad.status_code in (400, 401, 403), bad.text


def test_models_page_lists_registry_models_and_boards_with_model_info(ui: Proxy) -> None:
    infos = model_infos(ui)
    assert {DEFAULT, BOARD} <= set(infos)
    mine = infos[DEFAULT]
    for key, value in {
        "mode": "chat",
        "task": "text-generation-with-past",
        "weight_format": "q4_1",
        "device": "CPU",
        "supports_function_calling": True,
        "supports_vision": False,
        "input_cost_per_token": 0,
        "description": "the default model",
    }.items():
        assert mine.get(key) == value, (key, mine)
    assert mine["context_length"] == mine["max_input_tokens"] == 8192
    assert mine["loaded"] in (True, False)
    board = infos[BOARD]
    assert board["supports_function_calling"] is True and board["max_input_tokens"] == 8192


def test_model_group_info_tells_the_truth(ui: Proxy) -> None:
    with ui.http() as http:
        groups = {g["model_group"]: g for g in http.get("/model_group/info").json()["data"]}
    assert groups[DEFAULT]["supports_function_calling"] is True
    assert groups[DEFAULT]["max_input_tokens"] == 8192
    assert groups[BOARD]["supports_function_calling"] is True


def test_a_virtual_key_calls_a_model_and_a_board_and_spend_is_logged(ui: Proxy) -> None:
    with ui.http() as http:
        r = http.post("/key/generate", json={"models": [DEFAULT, BOARD], "key_alias": "ui-test"})
    assert r.status_code == 200, r.text
    key = r.json()["key"]
    client = openai.OpenAI(base_url=f"{ui.base_url}/v1", api_key=key, max_retries=0, timeout=300)
    for model in (DEFAULT, BOARD):
        done = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4
        )
        assert done.choices[0].message.content is not None
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{ui.base_url}/v1", api_key="sk-" + "0" * 40, max_retries=0
        ).models.list()

    def logged() -> list[dict[str, Any]]:
        with ui.http() as http:
            rows = http.get("/spend/logs", params={"api_key": key}).json()
        return [row for row in rows if row.get("model_group") in (DEFAULT, BOARD)]

    ui.wait_for(lambda: len(logged()) >= 2, 120, "the requests in the spend logs")
    assert all(float(row.get("spend") or 0) == 0 for row in logged())


def test_models_page_in_chromium_shows_a_registry_model(ui: Proxy) -> None:
    """Debian's chromium, driven by Playwright from PyPI (never its own browser
    download); logged in through the UI's own endpoint, then the Models page."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is missing: run scripts/install-test-services.sh")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "admin-ui-models.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{ui.base_url}/ui/login")
            page.wait_for_load_state("networkidle")
            fields = page.locator("input")  # the login form: user name, then password
            fields.nth(0).fill("admin")
            fields.nth(1).fill(KEY)
            page.locator("button[type=submit]").click()
            page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)
            page.goto(f"{ui.base_url}/ui/?page=models")
            page.get_by_text(DEFAULT).first.wait_for(timeout=60_000)
            page.screenshot(path=str(shot), full_page=True)
            text = page.inner_text("body")
        finally:
            browser.close()
    assert DEFAULT in text and shot.stat().st_size > 10_000


def _routes(proxy: Proxy) -> set[str]:
    return proxy.model_ids()


def _insert_db_model(env: dict[str, str], name: str) -> None:
    """A model written straight into LiteLLM's table: only its DB sync can bring it
    into the router, so its arrival proves a sync ran."""
    password = Path(env["OV_DB_PASSWORD_FILE"]).read_text().strip()
    psql = str(server_bin() / "psql")  # type: ignore[operator]
    sql = (
        'INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, '
        "model_info, created_by, updated_by) VALUES (:'name', :'name', "
        """'{"model": "openai/x", "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-x"}', """
        "'{}', 'test', 'test');"
    )
    url = f"postgresql://litellm@127.0.0.1:{env['OV_DB_PORT']}/litellm"
    subprocess.run(
        [psql, url, "-X", "-v", "ON_ERROR_STOP=1", "-v", f"name={name}"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
        env={**os.environ, "PGPASSWORD": password},
    )


def test_registry_routes_survive_the_database_model_sync(ui: Proxy, ui_env: dict[str, str]) -> None:
    """store_model_in_db on: LiteLLM's sync deletes what is in neither its DB nor the
    config file, which is every registry route; they must stay through many syncs."""
    for n in range(3):  # three syncs, each proven by the DB model it brings in
        name = f"db-added-{n}"
        _insert_db_model(ui_env, name)
        ui.wait_for(lambda name=name: name in _routes(ui), 60, f"a sync to bring {name} in")
        assert {DEFAULT, BOARD} <= _routes(ui)
        assert {DEFAULT, BOARD} <= set(model_infos(ui))
    done = openai.OpenAI(
        base_url=f"{ui.base_url}/v1", api_key=KEY, max_retries=0
    ).chat.completions.create(
        model=DEFAULT, messages=[{"role": "user", "content": "hi"}], max_tokens=2
    )
    assert done.choices[0].message.content is not None


def test_routes_stay_with_store_model_in_db_off(
    ui: Proxy,
    tmp_path_factory: pytest.TempPathFactory,
    default_gguf: Path,
    ui_env: dict[str, str],
) -> None:
    ui.stop()  # the same database, the proxy started again with the sync off
    proxy = start_ui(tmp_path_factory.mktemp("ui-off"), default_gguf, ui_env, False)
    try:
        # No event announces a sync that does not run: the routes must hold for as long
        # as several sync intervals would take.
        stays(lambda: {DEFAULT, BOARD} <= _routes(proxy), 4 * SYNC_SECONDS, "the routes")
        assert {DEFAULT, BOARD} <= set(model_infos(proxy))
    finally:
        proxy.stop()
