"""A reasoning model's thoughts apart from its answer (pure): text between the model's
markers (`<think>` and `</think>` unless its registry entry names others) at the start
of a reply goes to `reasoning_content`, the rest to `content`, streamed alike. Markers
split across tokens are held until they are decided. When the chat template opens the
thoughts itself (DeepSeek-R1's ends the prompt with `<think>`), the reply starts in
them and only the closing marker comes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..request.reasoning import Thoughts


def _partial_end(text: str, marker: str) -> int:
    """Length of the longest end of `text` that begins `marker`."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


@dataclass
class ReasoningSplitter:
    thoughts: Thoughts = field(default_factory=Thoughts)
    # "lead" (only whitespace so far), "thinking", "gap" (the whitespace after the
    # thoughts, dropped as llama.cpp drops it), "answer"
    _state: str = "lead"
    _held: str = ""

    def __post_init__(self) -> None:
        self.start, self.end = self.thoughts.start, self.thoughts.end
        if self.thoughts.opened:
            self._state = "thinking"

    def feed(self, text: str) -> tuple[str, str]:
        """Text in; (reasoning, content) that may leave now."""
        text, self._held = self._held + text, ""
        if self._state == "lead":
            lead = text.lstrip()
            if not lead or (self.start.startswith(lead) and lead != self.start):
                self._held = text
                return "", ""
            if lead.startswith(self.start):
                self._state, text = "thinking", lead[len(self.start) :]
            else:
                self._state = "answer"
        if self._state == "gap":
            text = text.lstrip()
            if not text:
                return "", ""
            self._state = "answer"
        if self._state == "answer":
            return "", text
        at = text.find(self.end)
        if at >= 0:
            after = text[at + len(self.end) :].lstrip()
            self._state = "answer" if after else "gap"
            return text[:at], after
        keep = _partial_end(text, self.end)
        self._held = text[len(text) - keep :]
        return text[: len(text) - keep], ""

    def finish(self) -> tuple[str, str]:
        """The end of the reply: whatever is held (unfinished thoughts stay thoughts)."""
        held, self._held = self._held, ""
        return (held, "") if self._state == "thinking" else ("", held)
