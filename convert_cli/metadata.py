"""conversion.json: how a served model came to be."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .source import Source

PACKAGES = (
    "optimum-intel",
    "optimum",
    "openvino",
    "openvino-tokenizers",
    "nncf",
    "transformers",
    "torch",
)


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@dataclass(frozen=True)
class Conversion:
    source: Source
    source_sha256: str
    weight_format: str
    quantization: dict[str, object]
    seconds: float

    def document(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "source": {
                "path": str(self.source.path),
                "kind": self.source.kind,
                "sha256": self.source_sha256,
                "architecture": self.source.architecture,
            },
            "task": self.source.task,
            "weight_format": self.weight_format,
            "quantization": self.quantization,
            "versions": versions(),
            "duration_seconds": round(self.seconds, 1),
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "chat_template": self.source.chat_template is not None,
            "tool_call_style": self.source.tool_style,
        }


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
