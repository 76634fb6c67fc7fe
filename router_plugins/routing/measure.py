"""How a router did on labelled prompts (pure): accuracy, recall per label, the
confusion matrix, decision latency, router-model calls and tokens; and, for
`hybrid`, accuracy and router calls along a sweep of margins."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Decision:
    label: str  # what the file says
    picked: str  # what the board chose (its first call)
    ms: float  # the route hook's time
    router_calls: int = 0
    router_tokens: int = 0
    decided_by: str = ""
    seen_in_training: bool = False  # the prompt is one of the board's examples
    line: int = 0  # of the labelled file


@dataclass(frozen=True)
class Scores:
    prompts: int
    accuracy: float
    recall: dict[str, float]
    confusion: dict[str, dict[str, int]]  # label -> picked -> count
    ms_median: float
    ms_p90: float
    router_calls: int
    router_tokens: int
    decided_by: dict[str, int]
    seen_in_training: int
    seen_lines: list[int]  # the lines of those prompts

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] if ordered else 0.0


def score(decisions: Sequence[Decision], labels: Sequence[str]) -> Scores:
    confusion = {a: {b: 0 for b in labels} for a in labels}
    for d in decisions:
        confusion.setdefault(d.label, {}).setdefault(d.picked, 0)
        confusion[d.label][d.picked] += 1
    recall = {
        a: confusion[a].get(a, 0) / total for a in labels if (total := sum(confusion[a].values()))
    }
    deciders: dict[str, int] = {}
    for d in decisions:
        if d.decided_by:
            deciders[d.decided_by] = deciders.get(d.decided_by, 0) + 1
    ms = [d.ms for d in decisions]
    return Scores(
        prompts=len(decisions),
        accuracy=sum(d.label == d.picked for d in decisions) / max(1, len(decisions)),
        recall=recall,
        confusion=confusion,
        ms_median=statistics.median(ms) if ms else 0.0,
        ms_p90=p90(ms),
        router_calls=sum(d.router_calls for d in decisions),
        router_tokens=sum(d.router_tokens for d in decisions),
        decided_by=deciders,
        seen_in_training=sum(d.seen_in_training for d in decisions),
        seen_lines=[d.line for d in decisions if d.seen_in_training],
    )


@dataclass(frozen=True)
class Both:
    """One prompt as `hybrid` sees it: the semantic pick and its margin, the router's."""

    label: str
    semantic: str
    margin: float
    router: str
    router_tokens: int


@dataclass(frozen=True)
class SweepRow:
    margin: float
    accuracy: float
    router_share: float  # the share of prompts the router model decides
    router_tokens: int


def sweep(rows: Sequence[Both], margins: Sequence[float]) -> list[SweepRow]:
    out = []
    for m in margins:
        asked = [r for r in rows if r.margin < m]
        right = sum((r.router if r.margin < m else r.semantic) == r.label for r in rows)
        out.append(
            SweepRow(
                round(m, 4),
                right / max(1, len(rows)),
                len(asked) / max(1, len(rows)),
                sum(r.router_tokens for r in asked),
            )
        )
    return out


def best_margin(rows: Sequence[SweepRow]) -> SweepRow:
    """The most accurate margin; of equals, the one asking the router least."""
    return max(rows, key=lambda r: (round(r.accuracy, 6), -r.router_share))
