"""What a board did for one request: the response metadata, headers and log line.

Never holds prompt or answer text: strategy reasons and notes are operator-facing and
go to the INFO log as they are.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from ..types import Usage


@dataclass
class CallRecord:
    label: str
    specialist: str
    model: str
    phase: str  # "panel", "ask" or "final"
    ok: bool
    seconds: float
    error: str = ""
    usage: Usage = field(default_factory=Usage)
    at: float = 0.0  # seconds from the board's start to this call's start

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "specialist": self.specialist,
            "model": self.model,
            "phase": self.phase,
            "ok": self.ok,
            "ms": round(self.seconds * 1000),
            "at_ms": round(self.at * 1000),
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Report:
    board: str
    strategy: str
    request_id: str = "-"
    route_reason: str = ""
    route_ms: float = 0.0
    coordinator_reason: str = ""
    calls: list[CallRecord] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for call in self.calls:
            total = total + call.usage
        return total

    @property
    def answered(self) -> list[str]:
        return _unique(c.label for c in self.calls if c.ok)

    @property
    def dropped(self) -> list[str]:
        return _unique(c.label for c in self.calls if not c.ok)

    def body(self) -> dict[str, Any]:
        """The `board` field of the response (every chunk's metadata when streaming)."""
        use = self.usage
        return {
            "board": self.board,
            "strategy": self.strategy,
            "route": {"reason": self.route_reason, "ms": round(self.route_ms, 2)},
            "coordinator": self.coordinator_reason,
            "answered": self.answered,
            "dropped": self.dropped,
            "calls": [c.body() for c in self.calls],
            "notes": self.notes,
            "usage": {
                "prompt_tokens": use.prompt_tokens,
                "completion_tokens": use.completion_tokens,
                "total_tokens": use.total_tokens,
            },
        }

    def headers(self) -> dict[str, str]:
        out = {
            "x-board-strategy": self.strategy,
            "x-board-specialists": ",".join(self.answered),
            "x-board-timings-ms": ",".join(
                f"{c.label}={round(c.seconds * 1000)}" for c in self.calls
            ),
            "x-board-route-ms": f"{self.route_ms:.2f}",
            "x-board-reason": self.route_reason,
        }
        if self.dropped:
            out["x-board-dropped"] = ",".join(self.dropped)
        if self.coordinator_reason:
            out["x-board-coordinator"] = self.coordinator_reason
        return {k: _header_safe(v) for k, v in out.items()}

    def log_line(self) -> str:
        calls = " ".join(
            f"{c.label}:{c.phase}:{'ok' if c.ok else 'dropped'}:{round(c.seconds * 1000)}ms"
            for c in self.calls
        )
        notes = " ".join(f"{k}={v}" for k, v in self.notes.items())
        use = self.usage
        return (
            f"board id={self.request_id} board={self.board} strategy={self.strategy} "
            f"route_ms={self.route_ms:.1f} calls=[{calls}] dropped={','.join(self.dropped) or '-'} "
            f"prompt_tokens={use.prompt_tokens} completion_tokens={use.completion_tokens} "
            f"reason={self.route_reason!r} coordinator={self.coordinator_reason!r}"
            + (f" {notes}" if notes else "")
        )


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _header_safe(value: str, limit: int = 512) -> str:
    """Printable ASCII only, one line, bounded: header values come from strategies."""
    cleaned = re.sub(r"[^\x20-\x7e]", "?", value)
    return cleaned[:limit]
