"""`make run`'s preparation: the default model registered as the IR GenAI saves from
its GGUF, served under the same route name, the GGUF kept beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openai

from litellm_ov_provider.registry.gguf_ir import IR_FILES, MARKER
from litellm_ov_provider.tuning.choice import choose
from litellm_ov_provider.tuning.cpu import detect
from testbed.models import DEFAULT
from testbed.node import start_node
from testbed.proxy import KEY, start_proxy


def bootstrap(registry: Path, weights: str = "auto") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "litellm_ov_provider.ops.bootstrap", "--skip-key"],
        env={**os.environ, "OV_REGISTRY_PATH": str(registry), "OV_DEFAULT_FORMAT": weights},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


def test_make_run_registers_the_ir_and_serves_it(tmp_path: Path) -> None:
    registry = tmp_path / "converted_models" / "registry.json"
    first = bootstrap(registry)
    assert "registered" in first.stdout
    chosen = choose(detect(), ["q4", "int8", "fp16"])
    assert f"default model weights: {chosen.why}" in first.stdout  # what and why, said
    entry = json.loads(registry.read_text())["models"][DEFAULT]
    if chosen.weight_format != "q4":
        assert entry["weight_format"] == chosen.weight_format
        assert entry["path"].endswith(f"openvino-ir-{chosen.weight_format}")
        entry["path"] = entry["path"].removesuffix(f"-{chosen.weight_format}")
    ir, gguf = Path(entry["path"]), Path(entry["gguf"])
    assert ir.is_dir() and gguf.suffix == ".gguf" and gguf.is_file()
    assert all((ir / name).is_file() for name in (*IR_FILES, MARKER))
    assert not list(ir.parent.glob(".staging/*"))  # no staging left behind
    stamp = (ir / "openvino_model.bin").stat().st_mtime_ns

    again = bootstrap(registry)
    assert "already registered" in again.stdout
    assert (ir / "openvino_model.bin").stat().st_mtime_ns == stamp  # not rebuilt

    models = json.loads(registry.read_text())["models"]
    proxy = start_proxy(tmp_path, models)
    try:
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
        out = client.chat.completions.create(
            model=DEFAULT, messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
        )
        assert out.choices[0].message.content
        assert out.usage is not None and out.usage.completion_tokens > 0
        info = proxy.model_info(DEFAULT)
        assert info["max_input_tokens"] == 8192
    finally:
        proxy.stop()


def test_a_half_built_ir_is_rebuilt(tmp_path: Path) -> None:
    registry = tmp_path / "converted_models" / "registry.json"
    bootstrap(registry)
    ir = Path(json.loads(registry.read_text())["models"][DEFAULT]["path"])
    (ir / "openvino_model.bin").write_bytes(b"torn")  # a crash or a full disk, by hand
    (ir / MARKER).unlink()
    bootstrap(registry)
    assert (ir / MARKER).is_file()
    assert (ir / "openvino_model.bin").stat().st_size > 1_000_000


def test_the_default_model_in_int8_is_made_registered_and_served(tmp_path: Path) -> None:
    """The recast `make run` makes where int8 is the faster format (an AVX2 CPU):
    forced here, whatever this CPU's class."""
    registry = tmp_path / "converted_models" / "registry.json"
    bootstrap(registry, "q4")
    done = bootstrap(registry, "int8")
    assert "int8 weights, as asked" in done.stdout and "registered" in done.stdout
    entry = json.loads(registry.read_text())["models"][DEFAULT]  # the untouched entry moved
    assert entry["weight_format"] == "int8" and entry["path"].endswith("openvino-ir-int8")
    xml = (Path(entry["path"]) / "openvino_model.xml").read_text()
    assert 'element_type="u8"' in xml and 'element_type="u4"' not in xml
    node = start_node(registry, tmp_path / "node.log")
    try:
        client = openai.OpenAI(base_url=f"{node.base_url}/v1", api_key=node.key, max_retries=0)
        out = client.chat.completions.create(
            model=DEFAULT, messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
        )
        assert out.choices[0].message.content
    finally:
        node.stop()
