import struct
from pathlib import Path

import pytest

from litellm_ov_provider.engine.worker.detok import IncrementalDetokenizer
from litellm_ov_provider.proxy.deployments import ID_PREFIX, deployment_id
from litellm_ov_provider.proxy.routes import deployment, plan
from litellm_ov_provider.registry.device import pick_device
from litellm_ov_provider.registry.entries import ModelEntry, ResolvedModel
from litellm_ov_provider.registry.modelinfo import ModelFileError, context_length, inspect_model


def test_device_choice() -> None:
    assert pick_device("GPU", ("CPU",)) == "CPU"
    assert pick_device("GPU", ("CPU", "GPU.0")) == "GPU"
    assert pick_device("gpu.1", ("CPU", "GPU.0", "GPU.1")) == "GPU.1"
    assert pick_device("NPU", ("CPU",)) == "CPU"
    assert pick_device("AUTO:GPU,CPU", ("CPU",)) == "AUTO:GPU,CPU"


def test_detokenizer_holds_incomplete_utf8_and_keeps_spaces() -> None:
    # A byte-level fake: each id is one byte.
    def decode(ids: list[int]) -> str:
        return bytes(ids).decode("utf-8", errors="replace")

    d = IncrementalDetokenizer(decode)
    euro = "€".encode()
    out = [
        d.push(list(b"a ")),
        d.push([euro[0]]),
        d.push([euro[1]]),
        d.push([euro[2]]),
        d.push(list(b" b")),
    ]
    assert out == ["a ", "", "", "€", " b"] and d.flush() == "" and d.count == 7


def _gguf(path: Path, ctx: int) -> None:
    def s(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    kvs = (
        s("general.architecture")
        + struct.pack("<I", 8)
        + s("llama")
        + s("tokenizer.ggml.tokens")
        + struct.pack("<IIQ", 9, 8, 2)
        + s("a")
        + s("b")
        + s("llama.context_length")
        + struct.pack("<II", 4, ctx)
    )
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 3) + kvs)


def test_context_length_from_gguf_header_and_config(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    _gguf(gguf, 4096)
    assert context_length(gguf) == 4096
    (tmp_path / "ir").mkdir()
    (tmp_path / "ir" / "openvino_model.xml").write_text("<net/>")
    (tmp_path / "ir" / "config.json").write_text('{"max_position_embeddings": 2048}')
    assert context_length(tmp_path / "ir") == 2048
    assert context_length(tmp_path / "missing") is None


@pytest.mark.parametrize("cut", [3, 30, 60])
def test_an_unreadable_model_is_reported_without_a_path(tmp_path: Path, cut: int) -> None:
    good = tmp_path / "m.gguf"
    _gguf(good, 4096)
    bad = tmp_path / "cut.gguf"
    bad.write_bytes(good.read_bytes()[:cut])
    with pytest.raises(ModelFileError) as info:
        inspect_model(bad)
    assert "truncated" in info.value.reason and str(tmp_path) not in info.value.reason
    (tmp_path / "ir").mkdir()
    with pytest.raises(ModelFileError, match=r"openvino_model\.xml"):
        inspect_model(tmp_path / "ir")


def test_a_gguf_whose_tensors_lie_past_its_end_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    name = b"w"
    tensor = struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 4, 0, 4096)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + tensor + b"\0" * 64)
    with pytest.raises(ModelFileError, match="truncated"):
        inspect_model(path)


def _model(name: str) -> ResolvedModel:
    return ResolvedModel(name, ModelEntry(path="/m"), Path("/m"))


def test_route_plan_touches_only_our_deployments() -> None:
    card = {"mode": "chat", "device": "CPU", "status": "ready"}
    a = deployment(_model("a"), {**card, "context_length": 512})
    b = deployment(_model("b"), {**card, "context_length": None})
    foreign = {"model_name": "board", "model_info": {"id": "board-1"}}
    current = {
        a["model_info"]["id"]: a,
        f"{ID_PREFIX}gone": {"model_name": "gone", "model_info": {}},
        "board-1": foreign,
    }
    todo = plan(current, [a, b])
    assert [d["model_name"] for d in todo.upserts] == ["b"]
    assert todo.deletes == [f"{ID_PREFIX}gone"] and todo.removed_names == ["gone"]
    assert a["model_info"]["max_input_tokens"] == 512 and a["model_info"]["device"] == "CPU"


def test_the_env_template_loads_as_the_node_s_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """config/ov-server.env, as systemd would pass it: valid settings, listening on
    loopback, no usable key shipped; the variables it leaves commented are documented."""
    from litellm_ov_provider.keys import is_loopback
    from litellm_ov_provider.settings import Settings
    from testbed.proxy import REPO

    text = (REPO / "config" / "ov-server.env").read_text()
    values = dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    for name in list(__import__("os").environ):
        if name.startswith("OV_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert is_loopback(settings.host) and settings.api_key is None
    assert settings.device == "GPU" and settings.idle_ttl_seconds > 0
    assert "#OV_API_KEY=" in text and "#OV_MODEL_PATH=" in text


def test_routes_publish_capabilities_and_the_entry_s_own_model_info() -> None:
    """What /model_group/info and the admin UI read: tools, schemas, system messages,
    no vision, cost 0, token limits; a registry entry adds keys (a description) but
    cannot replace the node's facts."""
    entry = ModelEntry(
        path="a", model_info={"description": "small and quick", "loaded": True, "id": "x"}
    )
    model = ResolvedModel("a", entry, Path("/m/a"))
    chat = deployment(model, {"mode": "chat", "loaded": False, "context_length": 512})
    info = chat["model_info"]
    assert info["description"] == "small and quick"
    assert info["loaded"] is False and info["id"] == deployment_id("a")
    assert info["supports_function_calling"] and info["supports_response_schema"]
    assert info["supports_tool_choice"] and info["supports_system_messages"]
    assert info["supports_vision"] is False
    assert info["input_cost_per_token"] == 0 and info["output_cost_per_token"] == 0
    assert info["max_input_tokens"] == 512 == info["max_output_tokens"]
    embed = deployment(model, {"mode": "embedding", "context_length": None})["model_info"]
    assert embed["supports_function_calling"] is False and embed["max_input_tokens"] is None
