"""Messages between the proxy process and a model worker (pickled over a Pipe).

Kept free of OpenVINO and LiteLLM imports: both sides import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to load one model."""

    name: str
    path: str
    device: str
    kv_cache_gb: float = 0.0
    inference_threads: int = 0
    context_length: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    generation_defaults: dict[str, Any] = field(default_factory=dict)
    kind: str = "chat"  # "chat", "embedding" or "grammar" (a grammar checker)
    embedding: dict[str, Any] = field(default_factory=dict)  # pooling, normalize, max_length
    tuning: str = ""  # why these properties (tuning.choice), for the log and `ov-llm ps`
    coalesce_seconds: float = 0.0  # proxy side: a busy stream's chunks gathered this long
    # Prompt lookup decoding: (candidate tokens per step, longest n-gram looked up)
    prompt_lookup: tuple[int, int] | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker reports once its model is loaded."""

    chat_template: str
    context_length: int | None
    device: str
    load_seconds: float
    defaults: dict[str, Any]
    prompt_end: str = ""  # how the template ends a one-message prompt (template.prompt_end)


@dataclass(frozen=True)
class TokenLogprob:
    """A generated token: its text (the increment it added to the answer, so the texts
    join to exactly the content), its log-probability and, when asked for, the most
    likely alternatives at its place (token text, log-probability), best first."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Constraint:
    """What the output must match: a JSON schema or an EBNF grammar (GenAI's
    structured output, `StructuredOutputConfig.<kind>`)."""

    kind: str  # "json_schema" or "grammar"
    text: str
    schema: str = ""  # the JSON schema a grammar was written from (errors name its parts)


@dataclass(frozen=True)
class Sampling:
    """Decoding parameters; None means the model's own default."""

    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    repetition_penalty: float | None = None
    ignore_eos: bool = False
    constraint: Constraint | None = None
    logprobs: bool = False  # report each generated token's log-probability
    top_logprobs: int = 0  # and this many alternatives at each place


# parent -> worker
@dataclass(frozen=True)
class Submit:
    rid: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    sampling: Sampling
    template_context: dict[str, Any] = field(default_factory=dict)  # extra template variables
    raw: str | None = None  # a text completion's prompt: continued as written, no template


@dataclass(frozen=True)
class Embed:
    rid: int
    texts: list[str]


@dataclass(frozen=True)
class CheckGrammar:
    """Compile a structured-output constraint (a grammar checker's only command)."""

    rid: int
    constraint: Constraint


@dataclass(frozen=True)
class Cancel:
    rid: int


@dataclass(frozen=True)
class Shutdown:
    pass


# worker -> parent
@dataclass(frozen=True)
class Ready:
    info: WorkerInfo


@dataclass(frozen=True)
class LoadFailed:
    message: str


@dataclass(frozen=True)
class Accepted:
    rid: int
    prompt_tokens: int
    max_tokens: int


@dataclass(frozen=True)
class Delta:
    rid: int
    text: str
    tokens: int
    logprobs: tuple[TokenLogprob, ...] = ()  # one per token, when the request asked


@dataclass(frozen=True)
class Finished:
    rid: int
    reason: str  # "stop" | "length" | "cancelled"
    completion_tokens: int  # generated tokens, without an end-of-sequence token


@dataclass(frozen=True)
class Embedded:
    rid: int
    vectors: list[list[float]]
    prompt_tokens: int


@dataclass(frozen=True)
class GrammarOk:
    rid: int
    seconds: float


@dataclass(frozen=True)
class Failed:
    rid: int
    status: int
    message: str
    retryable: bool = False  # the worker died under it; a fresh one may serve it
    code: str | None = None  # OpenAI's error.code (context_length_exceeded)


@dataclass(frozen=True)
class Alive:
    """Sent by a busy worker at least every HEARTBEAT_SECONDS: it is making progress
    even while no request has output (a long prompt being read). Also sent when the
    worker goes idle. `stats` are the engine's figures (kv_cache_usage as a 0-1 ratio,
    kv_cache_bytes), for /metrics."""

    stats: dict[str, float] = field(default_factory=dict)


HEARTBEAT_SECONDS = 1.0

Event = Accepted | Delta | Finished | Embedded | GrammarOk | Failed
