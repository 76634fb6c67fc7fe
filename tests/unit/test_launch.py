"""Where the front door listens, read as LiteLLM's CLI reads it; whom ov-llm sends
the master key to; make ui-stop never installs or starts anything."""

from __future__ import annotations

import pytest

from litellm_ov_provider.ops import cli as ov_cli
from litellm_ov_provider.ops.launch import cli_host, exposure_problem
from ov_admin_ui import __main__ as ui


def test_the_last_host_wins_then_the_host_variable_then_all_interfaces() -> None:
    argv = ["/x/bin/litellm", "--host", "127.0.0.1", "--port", "1", "--host", "0.0.0.0"]
    assert cli_host(argv, {}) == "0.0.0.0"
    assert cli_host(["/x/bin/litellm", "--host=::1"], {}) == "::1"
    assert cli_host(["/x/bin/litellm"], {"HOST": "127.0.0.1"}) == "127.0.0.1"
    assert cli_host(["/x/bin/litellm"], {}) == "0.0.0.0"
    assert cli_host(["gunicorn", "app"], {}) is None


def test_a_weak_key_may_guard_loopback_only() -> None:
    assert exposure_problem("0.0.0.0", "sk-1234") is not None
    assert exposure_problem("0.0.0.0", None) is not None
    assert exposure_problem("::1", "short") is None
    assert exposure_problem("192.168.1.2", "a" * 40) is None


def test_ov_llm_never_sends_the_master_key_to_another_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", "master")
    monkeypatch.delenv("OV_API_KEY", raising=False)
    assert ov_cli._key(None, ov_cli.DEFAULT_URL) == "master"
    assert ov_cli._key(None, "http://127.0.0.1:4777") == "master"
    assert ov_cli._key(None, "http://node.lan:8000") == ""
    monkeypatch.setenv("OV_API_KEY", "node-key")
    assert ov_cli._key(None, "http://node.lan:8000") == "node-key"
    assert ov_cli._key("given", "http://node.lan:8000") == "given"


def test_ui_stop_with_a_database_url_stops_nothing_and_installs_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.lan/x")
    monkeypatch.setattr(ui.postgres, "cluster", lambda: pytest.fail("would install/start"))
    assert ui.prepare(stop=True) is None
    assert "no local cluster to stop" in capsys.readouterr().out
