"""OpenAI sampling parameters -> the engine's Sampling (pure, validated)."""

from __future__ import annotations

import secrets
from typing import Any

from ..engine.protocol import Constraint, Sampling
from ..errors import ContextWindowExceeded, InvalidRequest

MAX_CHOICES = 8  # `n`: each choice is its own engine request
MAX_TOP_LOGPROBS = 20


def _number(params: dict[str, Any], key: str, lo: float, hi: float) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise InvalidRequest(f"{key} must be a number between {lo} and {hi}", param=key)
    return float(value)


def _max_tokens(params: dict[str, Any], context: int | None) -> int | None:
    key = (
        "max_completion_tokens" if params.get("max_completion_tokens") is not None else "max_tokens"
    )
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"{key} must be an integer >= 1", param=key)
    if context is not None and value >= context:
        raise ContextWindowExceeded(
            f"This model's maximum context length is {context} tokens. However, you "
            f"requested {value} tokens in the completion ({key}). Please reduce the length "
            "of the messages or completion.",
            param=key,
        )
    return value


def _stop_sequences(params: dict[str, Any]) -> tuple[str, ...]:
    stop = params.get("stop")
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    if (
        not isinstance(items, list)
        or len(items) > 4
        or not all(isinstance(s, str) and s for s in items)
    ):
        raise InvalidRequest("stop must be a string or a list of up to 4 strings", param="stop")
    return tuple(items)


def choices(params: dict[str, Any]) -> int:
    n = params.get("n")
    if n is None:
        return 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CHOICES:
        raise InvalidRequest(f"n must be an integer from 1 to {MAX_CHOICES}", param="n")
    return n


def _seed(params: dict[str, Any]) -> int:
    """The request's seed (the engine's is unsigned), or a fresh one: GenAI seeds every
    request with 0 otherwise, so unseeded samples would all be the same."""
    seed = params.get("seed")
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int) or not -(2**63) <= seed < 2**63:
        raise InvalidRequest("seed must be a 64-bit integer", param="seed")
    return int(seed) % 2**64


def sampling(
    params: dict[str, Any], context: int | None, constraint: Constraint | None
) -> Sampling:
    logprobs, top_logprobs = _logprobs(params)
    top_k = params.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0):
        raise InvalidRequest("top_k must be a non-negative integer", param="top_k")
    top_p = _number(params, "top_p", 0.0, 1.0)
    if top_p is not None and top_p <= 0:
        raise InvalidRequest("top_p must be greater than 0", param="top_p")
    return Sampling(
        max_tokens=_max_tokens(params, context),
        temperature=_number(params, "temperature", 0.0, 2.0),
        top_p=top_p,
        top_k=top_k or None,
        min_p=_number(params, "min_p", 0.0, 1.0),
        seed=_seed(params),
        stop=_stop_sequences(params),
        presence_penalty=_number(params, "presence_penalty", -2.0, 2.0),
        frequency_penalty=_number(params, "frequency_penalty", -2.0, 2.0),
        repetition_penalty=_number(params, "repetition_penalty", 0.01, 10.0),
        ignore_eos=params.get("ignore_eos") is True,
        constraint=constraint,
        logprobs=logprobs,
        top_logprobs=top_logprobs,
    )


def _logprobs(params: dict[str, Any]) -> tuple[bool, int]:
    """Whether to report the chosen tokens' log-probabilities, and how many
    alternatives at each place (OpenAI's logprobs and top_logprobs)."""
    wanted = params.get("logprobs")
    if wanted is not None and not isinstance(wanted, bool):
        raise InvalidRequest("logprobs must be true or false", param="logprobs")
    top = params.get("top_logprobs")
    if top is None:
        return bool(wanted), 0
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP_LOGPROBS:
        raise InvalidRequest(
            f"top_logprobs must be an integer from 0 to {MAX_TOP_LOGPROBS}", param="top_logprobs"
        )
    if top and not wanted:
        raise InvalidRequest("top_logprobs needs logprobs: true", param="top_logprobs")
    return bool(wanted), top
