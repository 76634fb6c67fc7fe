"""ov-convert-model with real models; the running proxy serves the results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from testbed.proxy import Proxy
from tests.e2e.conftest import cli

PARIS = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def smol(proxy: Proxy, models_root: Path, default_gguf: Path) -> dict[str, Any]:
    source = models_root / "SmolLM2-135M-Instruct.Q4_1.gguf"
    shutil.copyfile(default_gguf, source)
    done = cli(
        proxy,
        str(source),
        "--name",
        "smollm2-conv",
        "--weight-format",
        "int8",
        "int4",
        "--group-size",
        "64",
        "--json",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {"source": source, **json.loads(done.stdout)}


def test_minilm_is_served_at_v1_embeddings(
    proxy: Proxy, client: openai.OpenAI, minilm: dict[str, Any]
) -> None:
    (row,) = minilm["registered"]
    assert row["name"] == "minilm-l6" and row["weight_format"] == "int8"
    proxy.wait_for(lambda: "minilm-l6" in proxy.model_ids(), 30, "the new route")
    texts = ["A man is playing guitar.", "Someone plays a guitar.", "The stock market fell today."]
    r = client.embeddings.create(model="minilm-l6", input=texts)  # SDK default: base64
    v = np.array([d.embedding for d in r.data])
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > 0.7 and v[0] @ v[1] - v[0] @ v[2] > 0.5
    assert r.usage.prompt_tokens > 10
    floats = client.embeddings.create(model="minilm-l6", input=texts[0], encoding_format="float")
    assert np.allclose(floats.data[0].embedding, v[0], atol=1e-6)
    listed = {m.id: m.model_extra for m in client.models.list().data}
    assert listed["minilm-l6"] and listed["minilm-l6"]["mode"] == "embedding"


def test_smollm2_int8_and_int4_answer_paris_without_restart(
    proxy: Proxy, client: openai.OpenAI, smol: dict[str, Any]
) -> None:
    names = {r["weight_format"]: r["name"] for r in smol["registered"]}
    assert names == {"int8": "smollm2-conv-int8", "int4": "smollm2-conv-int4"}
    for name in names.values():
        proxy.wait_for(lambda n=name: n in proxy.model_ids(), 30, f"route {name}")
        r = client.chat.completions.create(model=name, messages=PARIS, temperature=0, max_tokens=20)
        assert "Paris" in (r.choices[0].message.content or ""), (name, r.choices[0].message)


def test_layout_and_metadata(proxy: Proxy, models_root: Path, smol: dict[str, Any]) -> None:
    registry = json.loads(proxy.registry.read_text())["models"]
    for row in smol["registered"]:
        path = Path(row["path"])
        assert path == models_root / "converted_models" / row["name"] / (
            f"task-text-generation-with-past__wf-{row['weight_format']}"
        )
        assert registry[row["name"]]["path"] == str(path)
        meta = json.loads((path / "conversion.json").read_text())
        assert meta["source"]["kind"] == "gguf" and len(meta["source"]["sha256"]) == 64
        assert meta["task"] == "text-generation-with-past" and meta["chat_template"] is True
        assert meta["versions"]["optimum-intel"] == "2.1.0" and meta["duration_seconds"] > 0
    int4 = json.loads((Path(smol["registered"][1]["path"]) / "conversion.json").read_text())
    assert int4["quantization"] == {"group_size": 64}
    assert not smol["source"].exists()
    assert (models_root / "og_models" / smol["source"].name).exists()


def _registry_bytes(proxy: Proxy) -> bytes:
    return proxy.registry.read_bytes()


def test_a_directory_that_is_not_a_model_registers_nothing(proxy: Proxy, tmp_path: Path) -> None:
    before = _registry_bytes(proxy)
    (tmp_path / "readme.txt").write_text("not a model")
    done = cli(proxy, str(tmp_path), "--name", "nope")
    assert done.returncode == 1 and "not a model directory" in done.stderr
    assert _registry_bytes(proxy) == before


def test_unsupported_architecture_registers_nothing(proxy: Proxy, tmp_path: Path) -> None:
    before = _registry_bytes(proxy)
    (tmp_path / "config.json").write_text(
        json.dumps({"architectures": ["WarpDriveForCausalLM"], "model_type": "warpdrive"})
    )
    done = cli(proxy, str(tmp_path), "--name", "warp", "--json")
    assert done.returncode == 1
    assert "warpdrive" in json.loads(done.stdout)["error"].lower()
    assert _registry_bytes(proxy) == before


def test_full_disk_registers_nothing(proxy: Proxy, minilm: dict[str, Any], tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs as a full disk")
    disk = tmp_path / "tiny"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)]).returncode:
        pytest.skip("mounting a tmpfs is not allowed here")
    try:
        registry = disk / "converted_models" / "registry.json"
        registry.parent.mkdir()
        registry.write_text('{"version": 1, "models": {}}')
        source = Path(minilm["moved_original"])
        done = cli(
            proxy,
            str(source),
            "--name",
            "full",
            "--keep-original",
            "--json",
            env={"OV_REGISTRY_PATH": str(registry), "OV_MODELS_ROOT": str(disk)},
        )
        assert done.returncode == 1 and "disk is full" in json.loads(done.stdout)["error"]
        assert json.loads(registry.read_text()) == {"version": 1, "models": {}}
        assert not (disk / "converted_models" / "full").exists()
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_two_conversions_at_once_both_land(proxy: Proxy, minilm: dict[str, Any]) -> None:
    source = Path(minilm["moved_original"])
    env = {**os.environ, "OV_REGISTRY_PATH": str(proxy.registry)}
    cmd = [
        sys.executable,
        "-m",
        "convert_cli",
        str(source),
        "--name",
        "twin",
        "--json",
        "--keep-original",
    ]
    procs = [
        subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    names = sorted(json.loads(out)["registered"][0]["name"] for out, _ in outs)
    assert names == ["twin", "twin-2"]
    registry = json.loads(proxy.registry.read_text())["models"]
    assert {"twin", "twin-2"} <= set(registry)


def test_killed_conversion_leaves_a_valid_registry_and_is_cleaned_next_run(
    proxy: Proxy, minilm: dict[str, Any], tmp_path: Path
) -> None:
    source = Path(minilm["moved_original"])
    staging = proxy.registry.parent / ".staging"
    before = {p.name for p in staging.iterdir()} if staging.exists() else set()
    env = {**os.environ, "OV_REGISTRY_PATH": str(proxy.registry)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "convert_cli",
            str(source),
            "--name",
            "killed",
            "--keep-original",
            "--json",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    proxy.wait_for(
        lambda: any((d / "ir-int8").exists() for d in staging.glob("*")),
        60,
        "the export to start writing",
    )
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    registry = json.loads(proxy.registry.read_text())  # still valid JSON
    assert "killed" not in registry["models"]
    leftovers = [d for d in staging.iterdir() if d.name not in before]
    assert leftovers
    old = time.time() - 3600
    for d in leftovers:
        os.utime(d, (old, old))
    (tmp_path / "x.txt").write_text("x")
    cli(proxy, str(tmp_path))  # the next run (a failing one) cleans up first
    assert not any(d.exists() for d in leftovers)


def test_list_and_remove(
    proxy: Proxy, client: openai.OpenAI, smol: dict[str, Any], minilm: dict[str, Any]
) -> None:
    client.embeddings.create(model="minilm-l6", input="load me")

    def rows() -> dict[str, dict[str, Any]]:
        done = cli(proxy, "list", "--json", "--node", proxy.base_url)
        assert done.returncode == 0, done.stderr
        return {r["name"]: r for r in json.loads(done.stdout)}

    proxy.wait_for(lambda: rows()["minilm-l6"]["loaded"] is True, 30, "list to show it loaded")
    listed = rows()
    assert listed["smollm2-conv-int4"]["size_bytes"] > 10_000_000
    assert listed["smollm2-conv-int4"]["task"] == "text-generation-with-past"
    path = Path(listed["smollm2-conv-int4"]["path"])
    done = cli(proxy, "remove", "smollm2-conv-int4", "--delete-files", "--json")
    assert done.returncode == 0, done.stderr
    assert not path.exists()
    proxy.wait_for(lambda: "smollm2-conv-int4" not in proxy.model_ids(), 30, "the route to go")
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="smollm2-conv-int4", messages=PARIS, max_tokens=3)
