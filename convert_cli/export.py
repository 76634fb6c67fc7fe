"""One OpenVINO export: `optimum-cli export openvino`, run as a child process.

The CLI is optimum-intel's public entry point and the one that applies explicit
weight compression (in 2.1.0 `main_export` alone does not). A child process also
gives real phase boundaries from its output, clean error text, and a conversion
that can be interrupted without leaving this process in an odd state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConvertError

WEIGHT_FORMATS = ("fp16", "int8", "int4")
Phase = Callable[[str], None]


@dataclass(frozen=True)
class Quantization:
    """optimum-intel weight-compression options, passed through as given."""

    group_size: int | None = None
    ratio: float | None = None
    sym: bool = False
    awq: bool = False
    dataset: str | None = None

    def args(self, weight_format: str) -> list[str]:
        if weight_format == "fp16":
            return []
        out = []
        if self.group_size is not None:
            out += ["--group-size", str(self.group_size)]
        if self.ratio is not None:
            out += ["--ratio", str(self.ratio)]
        if self.sym:
            out.append("--sym")
        if self.awq:
            out.append("--awq")
        if self.dataset:
            out += ["--dataset", self.dataset]
        return out

    def for_model(self, weight_format: str, channels: tuple[int, ...]) -> Quantization:
        """int4 without a group size: the largest of 128/64/32/16 that divides every
        channel size (optimum's default 128 fails on e.g. SmolLM2's 576, and its
        --group-size-fallback is ignored in optimum-intel 2.1.0)."""
        if weight_format != "int4" or self.group_size is not None or not channels:
            return self
        fitting = next((g for g in (128, 64, 32, 16) if all(c % g == 0 for c in channels)), None)
        return replace(self, group_size=fitting) if fitting else self

    def as_dict(self, weight_format: str) -> dict[str, object]:
        if weight_format == "fp16":
            return {}
        return {k: v for k, v in self.__dict__.items() if v not in (None, False)}


def command(
    source: Path, out: Path, task: str, weight_format: str, q: Quantization, trust_remote_code: bool
) -> list[str]:
    # Plain transformers graphs: TextEmbeddingPipeline does the pooling itself.
    library = "transformers"
    cmd = [
        sys.executable,
        "-m",
        "optimum.commands.optimum_cli",
        "export",
        "openvino",
        "--model",
        str(source),
        "--task",
        task,
        "--library",
        library,
        "--weight-format",
        weight_format,
        *q.args(weight_format),
    ]
    if trust_remote_code:
        cmd.append("--trust-remote-code")
    return [*cmd, str(out)]


def run_export(cmd: list[str], on_phase: Phase, log: Path) -> None:
    """Run the export, reporting "export" then "compress" when compression starts.
    Raises ConvertError with the tail of the output when it fails."""
    tail: deque[str] = deque(maxlen=12)
    on_phase("export")
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with log.open("w") as sink:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **env},
        )
        assert proc.stdout is not None
        compressing = False
        for line in proc.stdout:
            sink.write(line)
            if line.strip():
                tail.append(line.rstrip())
            if not compressing and (
                "bitwidth distribution" in line or "Weight Compression" in line
            ):
                compressing = True
                on_phase("compress")
        code = proc.wait()
    if code != 0:
        raise ConvertError(_explain("\n".join(tail)) + f"\n(full log: {log})")


def _explain(output: str) -> str:
    lowered = output.lower()
    if "no space left" in lowered or "errno 28" in lowered:
        return "the disk is full: no space left on the device while exporting"
    if "not supported" in lowered or "unrecognized configuration" in lowered:
        last = [ln for ln in output.splitlines() if "support" in ln.lower() or "Error" in ln]
        return "this model cannot be exported: " + (last[-1].strip() if last else output[-300:])
    errors = [ln for ln in output.splitlines() if "Error" in ln or "error" in ln]
    return "export failed: " + (errors[-1].strip() if errors else output[-400:])
