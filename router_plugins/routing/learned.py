"""A router learned from labelled prompts: logistic regression on embedding vectors.

`ov-board train` fits it (scikit-learn's LogisticRegression, in the proxy's install
already) and writes a JSON file, never a pickle: the labels, the weights, the
embedding model's name and a fingerprint of that model (its vectors for a few fixed
probe sentences, and their hash). A board loads the file by name; predicting is one
matrix product in numpy. A file whose embedding model is not the board's, or whose
fingerprint no longer matches what that model returns, is refused with the reason.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .picks import cut

KIND = "litellm-ov learned router"
PROBES = (
    "What is the capital of France?",
    "Write a Python function that reverses a list.",
    "Translate 'good morning' into Spanish.",
)
MATCH = 0.995  # cosine of a probe's vector now against at training time
BUDGET = 2000  # characters of a prompt embedded (as the router model's budget)


class LearnedRouterError(ValueError):
    """A learned-router file that cannot be used here; the message says why."""


@dataclass(frozen=True)
class LearnedRouter:
    embedding_model: str
    labels: tuple[str, ...]
    coef: NDArray[np.float64]  # labels x dims
    intercept: NDArray[np.float64]  # labels
    probes: NDArray[np.float64]  # the probe vectors at training time
    prompts: frozenset[str]  # hashes of the training prompts (eval flags overlaps)
    trained_on: int

    def probabilities(self, vectors: NDArray[np.float64]) -> NDArray[np.float64]:
        """One row per vector: each label's probability."""
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    def check_fingerprint(self, probes_now: Sequence[Sequence[float]]) -> None:
        now = _unit(np.asarray(probes_now, dtype=np.float64))
        then = _unit(self.probes)
        if now.shape != then.shape or float(np.min(np.sum(now * then, axis=1))) < MATCH:
            raise LearnedRouterError(
                f"embedding model {self.embedding_model!r} no longer gives the vectors this "
                "router was trained on (another model under that name?): train it again "
                "with ov-board train"
            )


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(" ".join(prompt.split()).lower().encode()).hexdigest()[:16]


def _unit(m: NDArray[np.float64]) -> NDArray[np.float64]:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)  # type: ignore[no-any-return]


def fit(
    vectors: Sequence[Sequence[float]],
    labels: Sequence[str],
    embedding_model: str,
    probes: Sequence[Sequence[float]],
    prompts: Sequence[str],
    c: float = 10.0,
) -> LearnedRouter:
    """A router fitted on unit `vectors` labelled `labels` (2 labels at least)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise LearnedRouterError("training needs prompts of two labels at least")
    x = _unit(np.asarray(vectors, dtype=np.float64))
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(x, list(labels))
    classes = tuple(str(k) for k in model.classes_)
    coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
    if len(classes) == 2:  # sklearn keeps one row for two classes: make it two
        coef, intercept = np.vstack([-coef, coef]) / 2, np.concatenate([-intercept, intercept]) / 2
    return LearnedRouter(
        embedding_model,
        classes,
        coef,
        intercept,
        np.asarray(probes, dtype=np.float64),
        frozenset(prompt_hash(p) for p in prompts),
        len(labels),
    )


def save(router: LearnedRouter, path: Path) -> None:
    probes = np.round(router.probes, 6)
    data: dict[str, Any] = {
        "kind": KIND,
        "version": 1,
        "embedding_model": router.embedding_model,
        "embedding_fingerprint": hashlib.sha256(np.round(probes, 3).tobytes()).hexdigest(),
        "probes": probes.tolist(),
        "labels": list(router.labels),
        "coef": np.round(router.coef, 7).tolist(),
        "intercept": np.round(router.intercept, 7).tolist(),
        "trained_on": router.trained_on,
        "prompts": sorted(router.prompts),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    staged = path.with_name(path.name + ".part")
    staged.write_text(json.dumps(data) + "\n")
    staged.replace(path)


def load(path: Path) -> LearnedRouter:
    """The router in the file at `path`; LearnedRouterError naming what is wrong."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise LearnedRouterError(f"cannot read the learned router {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != KIND or data.get("version") != 1:
        raise LearnedRouterError(f"{path} is not a learned router written by ov-board train")
    try:
        labels = tuple(str(x) for x in data["labels"])
        coef = np.asarray(data["coef"], dtype=np.float64)
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        probes = np.asarray(data["probes"], dtype=np.float64)
        shaped = coef.shape == (len(labels), probes.shape[1]) and intercept.shape == (len(labels),)
        if not shaped:
            raise ValueError("its weights do not match its labels and probes")
        return LearnedRouter(
            str(data["embedding_model"]),
            labels,
            coef,
            intercept,
            probes,
            frozenset(str(h) for h in data.get("prompts", [])),
            int(data.get("trained_on", 0)),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise LearnedRouterError(f"the learned router {path} is damaged: {exc}") from None


def embeddable(prompt: str) -> str:
    return cut(prompt, BUDGET)


# Where a relative `model_file` is looked for: the config's folder (the proxy and
# `ov-board` say which), then the working directory.
CONFIG_DIRS: list[Path] = []


def use_config_dir(folder: Path) -> None:
    if folder not in CONFIG_DIRS:
        CONFIG_DIRS.insert(0, folder)


def resolve_file(name: str) -> Path:
    path = Path(name).expanduser()
    if path.is_absolute():
        return path
    for folder in CONFIG_DIRS:
        if (folder / path).exists():
            return folder / path
    return path.resolve()


_loaded: dict[Path, tuple[tuple[int, int], LearnedRouter]] = {}
_lock = threading.Lock()  # boards are validated off the event loop too


def load_cached(name: str) -> LearnedRouter:
    """`load` of the file `name` names, read again only when the file changed (the
    same object until then: a board checks its fingerprint once per object)."""
    path = resolve_file(name)
    try:
        st = path.stat()
    except OSError:
        where = ", ".join(str(d) for d in CONFIG_DIRS) or "the working directory"
        raise LearnedRouterError(f"no learned router file {name} (looked in {where})") from None
    stamp = (st.st_mtime_ns, st.st_size)
    with _lock:
        cached = _loaded.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, load(path))
            _loaded[path] = cached
        return cached[1]
