"""What a request's generated tokens become before they leave the worker (pure: it is
given the tokenizer's decode).

- Text deltas, incrementally detokenized.
- Stop strings cut at the character: the answer ends right before the first match
  and never contains any of it, and a stream holds back only what a partial match
  needs (GenAI's own stop strings cut at token boundaries and leak the rest of a
  token). Tokens wholly past the cut are not part of the answer.
- Per-token log-probabilities whose texts join to exactly the answer's text, and whose
  count is the answer's token count: with log-probabilities asked for, text is held
  back by whole tokens, so each entry leaves with its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..protocol import TokenLogprob
from .detok import Decode, IncrementalDetokenizer


def first_match(text: str, stops: Sequence[str]) -> int | None:
    """Where the earliest stop string starts in `text`, if any does."""
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


def partial_tail(text: str, stops: Sequence[str]) -> int:
    """How many characters at the end of `text` could begin a stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if stop.startswith(text[-size:]):
                longest = size
                break
    return longest


@dataclass
class _Token:
    text: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()
    started: bool = False  # part of its text has left already


@dataclass
class Released:
    """What may leave now: text and, when asked for, one entry per token it holds."""

    text: str = ""
    entries: tuple[TokenLogprob, ...] = ()


@dataclass
class RequestOutput:
    decode: Decode
    stops: tuple[str, ...] = ()
    logprobs: bool = False
    count: int = 0  # tokens in the answer so far (left or held)
    stopped: bool = False  # a stop string matched: the answer is complete
    _detok: IncrementalDetokenizer = field(init=False)
    _held: list[_Token] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._detok = IncrementalDetokenizer(self.decode)

    @property
    def ids(self) -> list[int]:
        """Every token id generated so far (to resume the request elsewhere)."""
        return self._detok.ids

    def push(
        self,
        ids: Sequence[int],
        logprobs: Sequence[float] = (),
        tops: Sequence[tuple[tuple[str, float], ...]] = (),
    ) -> Released:
        """New tokens in; what may leave now."""
        if self.stopped:
            return Released()
        for i, token in enumerate(ids):
            lp = float(logprobs[i]) if i < len(logprobs) else 0.0
            top = tops[i] if i < len(tops) else ()
            self._held.append(_Token(self._detok.push([token]), lp, top))
            self.count += 1
        return self._release(final=False)

    def finish(self) -> Released:
        """The end of generation: whatever is held (and the detokenizer's tail)."""
        if self.stopped:
            return Released()
        tail = self._detok.flush()
        if tail and self._held:
            self._held[-1].text += tail
        elif tail:
            self._held.append(_Token(tail, 0.0, started=True))
        return self._release(final=True)

    def _release(self, final: bool) -> Released:
        text = "".join(t.text for t in self._held)
        cut = first_match(text, self.stops) if self.stops else None
        if cut is not None:
            self.stopped = True
            return self._cut_at(cut)
        if final:
            return self._send(len(self._held))
        safe = len(text) - (partial_tail(text, self.stops) if self.stops else 0)
        return self._send_upto(safe)

    def _entry(self, token: _Token, text: str) -> list[TokenLogprob]:
        """The token's log-probability entry, unless its entry has left already."""
        return (
            []
            if not self.logprobs or token.started
            else [TokenLogprob(text, token.logprob, token.top)]
        )

    def _send(self, whole: int, part: str = "") -> Released:
        """The first `whole` held tokens leave; then `part`, the start of the next one."""
        leaving, self._held = self._held[:whole], self._held[whole:]
        texts = [t.text for t in leaving]
        entries = [e for t in leaving for e in self._entry(t, t.text)]
        if part:
            nxt = self._held[0]
            texts.append(part)
            entries += self._entry(nxt, part)
            self._held[0] = _Token(nxt.text[len(part) :], nxt.logprob, nxt.top, started=True)
        return Released("".join(texts), tuple(entries))

    def _send_upto(self, safe: int) -> Released:
        """Held text up to character `safe` leaves: by whole tokens with log-probabilities
        (each entry leaves with its text), else a token may leave in parts."""
        whole, offset = 0, 0
        for token in self._held:
            if offset + len(token.text) > safe:
                break
            offset += len(token.text)
            whole += 1
        part = (
            ""
            if self.logprobs or whole == len(self._held)
            else self._held[whole].text[: safe - offset]
        )
        return self._send(whole, part)

    def _cut_at(self, cut: int) -> Released:
        """A stop string begins at character `cut`: the text before it leaves (the token
        it begins in, cut short); tokens wholly past it leave the answer."""
        whole, offset = 0, 0
        for token in self._held:
            if offset + len(token.text) > cut or (offset == cut and not token.started):
                break
            offset += len(token.text)
            whole += 1
        straddling = whole < len(self._held) and offset < cut
        released = self._send(whole, self._held[whole].text[: cut - offset] if straddling else "")
        self.count -= sum(1 for t in self._held if not t.started)
        self._held = []
        return released
