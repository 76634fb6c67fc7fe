"""`make run`'s registry entry for the default model, and the IR marker's checks."""

import json
from pathlib import Path

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec, register_default
from litellm_ov_provider.registry import gguf_ir
from litellm_ov_provider.registry.entries import read_registry

SPEC = default_model_spec()


def _registry(tmp_path: Path, models: dict[str, object]) -> Path:
    path = tmp_path / "converted_models" / "registry.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "models": models}))
    return path


def test_fresh_registry_gets_the_ir_with_the_gguf_beside_it(tmp_path: Path) -> None:
    reg = _registry(tmp_path, {})
    ir, gguf = tmp_path / "ir", tmp_path / "m.gguf"
    assert register_default(reg, ir, gguf, SPEC)
    entry = json.loads(reg.read_text())["models"][SPEC.name]
    assert entry["path"] == str(ir) and entry["gguf"] == str(gguf)
    assert entry["generation_defaults"] == SPEC.generation_defaults


def test_an_untouched_gguf_entry_moves_to_the_ir_but_an_edited_one_stays(tmp_path: Path) -> None:
    ir, gguf = tmp_path / "ir", tmp_path / "m.gguf"
    old = default_entry(SPEC, gguf)
    reg = _registry(tmp_path, {SPEC.name: old})
    assert register_default(reg, ir, gguf, SPEC)
    assert json.loads(reg.read_text())["models"][SPEC.name]["path"] == str(ir)
    assert not register_default(reg, ir, gguf, SPEC)  # second run: nothing to do

    edited = {**old, "context_length": 2048}
    reg2 = _registry(tmp_path / "b", {SPEC.name: edited, "other": {"path": "x"}})
    assert not register_default(reg2, ir, gguf, SPEC)
    assert json.loads(reg2.read_text())["models"] == {SPEC.name: edited, "other": {"path": "x"}}


def test_the_gguf_key_is_a_valid_registry_extra(tmp_path: Path) -> None:
    root = tmp_path / "models"
    ir = root / "converted_models" / SPEC.name / "openvino-ir"
    ir.mkdir(parents=True)
    reg = root / "converted_models" / "registry.json"
    reg.write_text(json.dumps({"version": 1, "models": {SPEC.name: default_entry(SPEC, ir, ir)}}))
    assert read_registry(reg, root).models[SPEC.name].path == ir


def test_an_ir_is_current_only_when_complete_and_from_this_gguf(tmp_path: Path) -> None:
    for name in gguf_ir.IR_FILES:
        (tmp_path / name).write_text("x")
    assert not gguf_ir.is_current(tmp_path, "abc")  # no marker: half-built or foreign
    (tmp_path / gguf_ir.MARKER).write_text(json.dumps(gguf_ir._source("abc")))
    assert gguf_ir.is_current(tmp_path, "abc")
    assert not gguf_ir.is_current(tmp_path, "def")  # another GGUF
    older = {**gguf_ir._source("abc"), "openvino_genai": "0"}
    (tmp_path / gguf_ir.MARKER).write_text(json.dumps(older))
    assert not gguf_ir.is_current(tmp_path, "abc")  # another GenAI version
    (tmp_path / gguf_ir.MARKER).write_text(json.dumps(gguf_ir._source("abc")))
    (tmp_path / "openvino_model.bin").unlink()
    assert not gguf_ir.is_current(tmp_path, "abc")
    (tmp_path / gguf_ir.MARKER).write_text("{not json")
    assert not gguf_ir.is_current(tmp_path, "abc")
