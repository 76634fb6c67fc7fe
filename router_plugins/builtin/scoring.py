"""How the semantic router scores specialists: pure functions over unit vectors.

Measured on bench/routing_set.json (240 held-out prompts, 6 specialists, 5 examples
and a description each, all-MiniLM-L6-v2; bench/routing_lab.py): a specialist's
closest example alone routes 70 % right; adding its description and the phrases the
description lists ("programming, debugging, the shell, git...") as extra rows, and
scoring each specialist by the mean of its 3 closest rows, routes 78 %. Centroids,
k-nearest voting, a ridge classifier fitted at load, and "unsure" fallbacks on a low
score or a small margin all measured lower (bench/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

TOP = 3  # rows averaged per specialist
_LEAD = re.compile(r"^\s*(?:handles|covers|for|everything else)\s*:?\s*", re.IGNORECASE)
_SPLIT = re.compile(r"[,;:/()]|\band\b|\bor\b|\betc\b", re.IGNORECASE)


def unit(rows: Sequence[Sequence[float]] | NDArray[np.float32]) -> NDArray[np.float32]:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)  # type: ignore[no-any-return]


def description_phrases(description: str) -> list[str]:
    """The topics a description lists, each one a row of its own: "Programming,
    debugging and git." -> ["Programming", "debugging", "git"]."""
    body = _LEAD.sub("", description.strip().rstrip("."))
    parts = (p.strip() for p in _SPLIT.split(body))
    return [p for p in parts if len(p) > 2 and p.lower() != body.lower()]


@dataclass(frozen=True)
class Index:
    owners: tuple[str, ...]  # the specialist of each row
    vectors: NDArray[np.float32]  # unit rows


def scores(index: Index, query: NDArray[np.float32], top: int = TOP) -> dict[str, float]:
    """Each specialist's score: the mean cosine similarity of its `top` closest rows
    (all its rows when it has fewer)."""
    sims = index.vectors @ query
    per: dict[str, list[float]] = {}
    for owner, sim in zip(index.owners, sims.tolist(), strict=True):
        per.setdefault(owner, []).append(float(sim))
    return {o: float(np.mean(sorted(v, reverse=True)[:top])) for o, v in per.items()}
