"""The usage of streams whose last chunk could not carry it, for the front-door guard.

LiteLLM replaces the usage of a content-less final chunk with its own estimate (it
counted 10 prompt tokens where the model read 33). Our provider sends a stream's
first content chunk at once (holding it for the next one cost every stream a
decode step of time to first token), so an answer of one content chunk ends on a
content-less chunk; the provider records the true usage here under the response id,
and the guard's reshaper puts it back on the usage chunk the client gets. LiteLLM's
own accounting keeps its estimate for those one-chunk streams.
"""

from __future__ import annotations

from collections import OrderedDict

KEEP = 1024  # streams whose usage chunk has not passed the guard yet, at most
_usage: OrderedDict[str, tuple[int, int]] = OrderedDict()


def record(response_id: str, prompt_tokens: int, completion_tokens: int) -> None:
    _usage[response_id] = (prompt_tokens, completion_tokens)
    while len(_usage) > KEEP:
        _usage.popitem(last=False)


def take(response_id: str) -> dict[str, int] | None:
    """The true usage recorded for this stream (once), as OpenAI's usage object."""
    found = _usage.pop(response_id, None)
    if found is None:
        return None
    prompt, completion = found
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
