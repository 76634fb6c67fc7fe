"""Node settings, read from the environment (the OV_* variables)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_REGISTRY = Path("~/models/converted_models/registry.json")


class Settings(BaseSettings):
    """Everything the node reads from its environment, validated once."""

    model_config = SettingsConfigDict(env_prefix="OV_", extra="ignore")

    registry_path: Path = DEFAULT_REGISTRY
    models_root: Path | None = Field(
        default=None,
        description="Registry model paths must resolve under this directory "
        "(default: the registry folder's parent, i.e. ~/models).",
    )
    model_path: Path | None = Field(
        default=None, description="A model to serve when the registry has none (OV_MODEL_PATH)."
    )
    device: str = "GPU"
    log_level: str = "INFO"
    registry_poll_seconds: float = Field(default=1.0, gt=0)
    kv_cache_gb: float = Field(default=0.0, ge=0, description="0 grows the KV cache on demand")
    inference_threads: int = Field(default=0, ge=0, description="0 lets OpenVINO decide")
    load_timeout_seconds: float = Field(default=600.0, gt=0)
    idle_ttl_seconds: float = Field(
        default=0.0, description="unload a model idle this long (0 or negative: never)"
    )
    max_loaded_models: int = Field(
        default=0,
        ge=0,
        description="at most this many loaded; least recently used goes (0: no cap)",
    )
    max_batch: int = Field(
        default=32, ge=1, description="requests one model runs at once; more wait in its queue"
    )
    max_queue: int = Field(
        default=128, ge=0, description="requests that may wait per model; past it, 503"
    )
    worker_stall_seconds: float = Field(
        default=30.0,
        ge=0,
        description="a worker with work that says nothing this long is killed (0: never)",
    )
    stream_coalesce_ms: float = Field(
        default=50.0,
        ge=0,
        le=1000,
        description="when several streams are open or the event loop is late, a stream's "
        "tokens are sent together, held at most this long (0: one chunk per token always)",
    )
    grammar_timeout_seconds: float = Field(
        default=1.0, gt=0, description="longest a structured-output grammar may take to compile"
    )
    pinned_models: str = Field(
        default="",
        description="comma-separated registry names loaded (and run once) at start and "
        "never unloaded by the idle TTL or the loaded-model cap",
    )
    # ov-llm-server (standalone); the front door takes these caps from its config
    max_request_mb: float = Field(default=16.0, gt=0, description="largest request body")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    api_key: SecretStr | None = None

    @field_validator("registry_path", "models_root", "model_path", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser().absolute() if value is not None else None

    @property
    def pinned(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.strip() for n in self.pinned_models.split(",") if n.strip()))

    @property
    def root(self) -> Path:
        """The directory every registry model path must resolve under."""
        root = self.models_root or self.registry_path.parent.parent
        return root.resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (not at import)."""
    return Settings()
