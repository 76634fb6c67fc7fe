"""A request's sampling settings -> an OpenVINO GenAI GenerationConfig (worker side)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ...redact import engine_error
from .. import protocol as p

# Keys of a registry entry's generation_defaults that the engine's config takes.
GENERATION_DEFAULT_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "do_sample",
        "repetition_penalty",
        "presence_penalty",
        "frequency_penalty",
        "no_repeat_ngram_size",
        "min_p",
    }
)


# Penalties a model's defaults may set that fight a grammar: JSON repeats its quotes,
# commas and keys by design, and a repetition penalty of 1.1 drove SmolLM2's forced
# tool call into an argument of escaped newlines until max_tokens. Constrained output
# runs without them unless the request asks for them.
NEUTRAL_PENALTIES = {"repetition_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}


class Rejected(Exception):
    """The request cannot run as asked; the message is for the client (400)."""

    code: str | None = None


class ContextOverflow(Rejected):
    """The prompt plus the completion does not fit the context window. Worded as OpenAI
    words it, so LiteLLM recognises it even through an OpenAI-compatible hop."""

    code = "context_length_exceeded"


def overflow_message(ctx: int, requested: int, detail: str) -> str:
    return (
        f"This model's maximum context length is {ctx} tokens. However, you requested "
        f"{requested} tokens ({detail}). Please reduce the length of the messages or "
        "completion."
    )


def budget(requested: int | None, n_prompt: int, ctx: int | None) -> int:
    """Completion tokens allowed: as requested, or the rest of the context window."""
    if ctx is not None and n_prompt >= ctx:
        raise ContextOverflow(
            overflow_message(ctx, n_prompt, f"{n_prompt} in the messages, no room to answer")
        )
    room = (ctx - n_prompt) if ctx is not None else 4096
    max_tokens = requested if requested is not None else room
    if ctx is not None and n_prompt + max_tokens > ctx:
        raise ContextOverflow(
            overflow_message(
                ctx,
                n_prompt + max_tokens,
                f"{n_prompt} in the messages, {max_tokens} in the completion",
            )
        )
    return max_tokens


def generation_config(genai: Any, base: Callable[[], Any], s: p.Sampling, max_tokens: int) -> Any:
    """`base()` (the model's config with the registry defaults) with the request's
    settings on top."""
    c = base()
    c.max_new_tokens = max_tokens
    if s.temperature is not None:
        c.do_sample = s.temperature > 0
        c.temperature = s.temperature if s.temperature > 0 else 1.0
    direct = {
        "top_p": s.top_p,
        "top_k": s.top_k,
        "min_p": s.min_p,
        "rng_seed": s.seed,
        "presence_penalty": s.presence_penalty,
        "frequency_penalty": s.frequency_penalty,
        "repetition_penalty": s.repetition_penalty,
    }
    for attr, value in direct.items():
        if value is not None:
            setattr(c, attr, value)
    # Stop strings are matched by the worker (output.py), at the character.
    if s.ignore_eos:
        c.ignore_eos = True
    if s.logprobs:
        c.logprobs = 1  # GenAI then reports the chosen token's log-probability
    if s.constraint is not None:
        so = genai.StructuredOutputConfig()
        setattr(so, s.constraint.kind, s.constraint.text)
        c.structured_output_config = so
        for attr, neutral in NEUTRAL_PENALTIES.items():
            if direct[attr] is None:  # the model's default, not the client's choice
                setattr(c, attr, neutral)
    return c


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Any engine error inside is this request's fault: a Rejected naming the stage."""
    try:
        yield
    except Rejected:
        raise
    except Exception as exc:
        raise Rejected(f"{what}: {engine_error(exc)}") from exc
