"""Incremental detokenization: token ids in, text deltas out.

Decodes a small window (the previous chunk plus new ids) so SentencePiece-style
leading spaces come out right, and holds back text that ends in an incomplete
UTF-8 sequence (U+FFFD) until the next token completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Decode = Callable[[Sequence[int]], str]


class IncrementalDetokenizer:
    def __init__(self, decode: Decode) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._prefix = 0
        self._read = 0

    @property
    def count(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[int]:
        """Every id pushed so far."""
        return list(self._ids)

    def push(self, new_ids: Sequence[int]) -> str:
        """Add ids; return the text they complete (possibly empty)."""
        self._ids.extend(new_ids)
        return self._decode_new(final=False)

    def flush(self) -> str:
        """Return whatever text is still held back."""
        return self._decode_new(final=True)

    def _decode_new(self, *, final: bool) -> str:
        if self._read >= len(self._ids):
            return ""
        before = self._decode(self._ids[self._prefix : self._read])
        after = self._decode(self._ids[self._prefix :])
        if len(after) <= len(before) or (after.endswith("\ufffd") and not final):
            return ""
        self._prefix, self._read = self._read, len(self._ids)
        return after[len(before) :]
