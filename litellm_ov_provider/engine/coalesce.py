"""Fewer, larger stream chunks when the proxy is busy (as vLLM's stream interval).

Every chunk costs the front door about a millisecond of event-loop CPU in LiteLLM
(bench/chunk_cost.py), whatever it carries. When several streams are open, or the
event loop is late (an event waited in its queue longer than LAG_SECONDS), a
stream's tokens are gathered into one chunk for at most `bound` seconds after the
first of them arrived; the first two texts of an answer are never held (a board
sends a chunk when the next one comes: proxy/wire.py), and a stream on its own
keeps one chunk per engine step. Nothing is reordered or dropped: a finish
or an error ends the gathering and follows the gathered text.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace

from . import protocol as p

LAG_SECONDS = 0.02  # an event older than this when picked up: the loop is behind
BUSY_STREAMS = 2  # this many open streams make the proxy busy


@dataclass
class StreamLoad:
    """Open streams in this process, shared by every model's client."""

    streams: int = 0


LOAD = StreamLoad()
Stamped = tuple[float, p.Event]  # (monotonic arrival time, event)


def merge(a: p.Delta, b: p.Delta) -> p.Delta:
    """Two consecutive deltas of a stream as one."""
    return replace(
        a, text=a.text + b.text, tokens=a.tokens + b.tokens, logprobs=a.logprobs + b.logprobs
    )


def busy(arrived: float, now: float, streams: int) -> bool:
    return streams >= BUSY_STREAMS or now - arrived > LAG_SECONDS


async def gather(
    queue: asyncio.Queue[Stamped], held: p.Delta, arrived: float, bound: float
) -> tuple[p.Delta, p.Event | None]:
    """`held` plus the deltas that follow it within `bound` seconds of its arrival;
    and the event that ended the gathering early (a finish or an error), if any."""
    deadline = arrived + bound
    while True:
        while not queue.empty():
            _, event = queue.get_nowait()
            if not isinstance(event, p.Delta):
                return held, event
            held = merge(held, event)
        left = deadline - time.monotonic()
        if left <= 0:
            return held, None
        # Not wait_for: on 3.11 its timeout can drop an item taken at the same moment.
        # A cancelled Queue.get never takes one.
        getter = asyncio.ensure_future(queue.get())
        done, _ = await asyncio.wait({getter}, timeout=left)
        if not done:
            getter.cancel()
            return held, None
        _, event = getter.result()
        if not isinstance(event, p.Delta):
            return held, event
        held = merge(held, event)
