"""What a conversion source is: a Hugging Face model directory or a GGUF file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litellm_ov_provider.engine.template_caps import TemplateCaps
from litellm_ov_provider.registry.modelinfo import ModelFileError, gguf_metadata

from .errors import ConvertError

CHAT = "text-generation-with-past"
EMBED = "feature-extraction"
TASKS = (CHAT, EMBED)


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "hf" or "gguf"
    task: str
    architecture: str
    chat_template: str | None

    @property
    def tool_style(self) -> str | None:
        """The tool-call style the chat template implies, if it renders tools at all."""
        if not self.chat_template:
            return None
        caps = TemplateCaps.from_template(self.chat_template)
        return caps.style if caps.tools else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _hf_task(path: Path, config: dict[str, Any]) -> str | None:
    if (path / "modules.json").exists() or (path / "sentence_bert_config.json").exists():
        return EMBED
    archs = config.get("architectures") or []
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return CHAT
    if any(a.endswith("Model") for a in archs):
        return EMBED
    return None


def _hf_template(path: Path) -> str | None:
    jinja = path / "chat_template.jinja"
    if jinja.exists():
        return jinja.read_text(encoding="utf-8")
    template = _read_json(path / "tokenizer_config.json").get("chat_template")
    return template if isinstance(template, str) else None


def inspect_source(path: Path, task: str | None = None) -> Source:
    """Classify a source, or raise ConvertError saying why it is not a model."""
    path = path.expanduser().resolve()
    if not path.exists():
        raise ConvertError(f"{path} does not exist")
    if task is not None and task not in TASKS:
        raise ConvertError(f"unsupported task {task!r}; use one of {', '.join(TASKS)}")
    if path.is_file():
        try:
            meta = gguf_metadata(path) if path.suffix.lower() == ".gguf" else {}
        except ModelFileError as exc:
            raise ConvertError(f"{path}: {exc.reason}") from None
        if not meta:
            raise ConvertError(f"{path} is not a model: expected a .gguf file or a model directory")
        if task == EMBED:
            raise ConvertError("GGUF sources convert as text generation only")
        template = meta.get("tokenizer.chat_template")
        arch = str(meta.get("general.architecture", "unknown"))
        return Source(path, "gguf", CHAT, arch, template if isinstance(template, str) else None)
    config = _read_json(path / "config.json")
    if not config:
        raise ConvertError(
            f"{path} is not a model directory: no readable config.json "
            "(expected a Hugging Face model folder or a .gguf file)"
        )
    archs = config.get("architectures") or [config.get("model_type", "unknown")]
    detected = task or _hf_task(path, config)
    if detected is None:
        raise ConvertError(
            f"cannot tell the task of {path} (architecture {archs[0]}); pass --task {CHAT} "
            f"or --task {EMBED}"
        )
    return Source(path, "hf", detected, str(archs[0]), _hf_template(path))


def channel_sizes(hf_dir: Path) -> tuple[int, ...]:
    """Widths that int4 group sizes must divide (hidden and MLP sizes)."""
    config = _read_json(hf_dir / "config.json")
    keys = ("hidden_size", "intermediate_size", "head_dim")
    return tuple(v for k in keys if isinstance(v := config.get(k), int) and v > 0)


def embedding_options(path: Path) -> dict[str, str | int | bool]:
    """Pooling, normalization and max length from a sentence-transformers folder
    (1_Pooling/config.json, modules.json, sentence_bert_config.json)."""
    if path.is_file():
        return {}
    pooling_cfg = next((_read_json(p) for p in sorted(path.glob("*Pooling*/config.json"))), {})
    modes = {
        "pooling_mode_cls_token": "cls",
        "pooling_mode_lasttoken": "last_token",
        "pooling_mode_mean_tokens": "mean",
    }
    pooling = next((v for k, v in modes.items() if pooling_cfg.get(k)), "mean")
    modules = (path / "modules.json").read_text() if (path / "modules.json").exists() else ""
    options: dict[str, str | int | bool] = {
        "pooling": pooling,
        "normalize": "Normalize" in modules or not modules,
    }
    max_len = _read_json(path / "sentence_bert_config.json").get("max_seq_length")
    if isinstance(max_len, int) and max_len > 0:
        options["max_length"] = max_len
    return options


def content_hash(path: Path) -> str:
    """sha256 of a file; for a folder, over its files' relative names and bytes in order."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
