"""Routing lab: scoring rules for the semantic router, compared on the held-out set.

Embeds the examples, descriptions and held-out prompts of bench/routing_set.json once
with all-MiniLM-L6-v2 (converted by ov-convert-model with default settings, embedded
by OpenVINO GenAI as the node does), then scores each rule below on the same vectors:
the router's own (router_plugins.builtin.scoring) and the alternatives it was chosen
over. Accuracy per rule, the confusion matrix and the misses of the best. Not in CI.

    python bench/routing_lab.py [--embedding <converted IR folder>]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board import convert_minilm
from router_plugins.builtin import scoring
from testbed.boards import confusion

SET = Path(__file__).with_name("routing_set.json")


def embedder(root: Path, path: str | None) -> object:
    """GenAI's embedding pipeline on `path` (a converted feature-extraction IR), else on
    all-MiniLM-L6-v2 converted here with ov-convert-model's defaults."""
    import openvino_genai as ov_genai

    if path is None:
        registry = root / "converted_models" / "registry.json"
        registry.parent.mkdir(parents=True, exist_ok=True)
        registry.write_text(json.dumps({"version": 1, "models": {}}))
        convert_minilm(root, registry)
        path = json.loads(registry.read_text())["models"]["minilm-l6"]["path"]
    config = ov_genai.TextEmbeddingPipeline.Config()
    config.pooling_type = ov_genai.TextEmbeddingPipeline.PoolingType.MEAN
    config.normalize = True
    return ov_genai.TextEmbeddingPipeline(path, "CPU", config)


Rows = tuple[NDArray[np.float32], list[int]]


def rows(specialists: list[dict[str, Any]], embed: Any, phrases: bool, desc: bool) -> Rows:
    """Every row a rule may use (examples, description, its phrases) and its owner."""
    texts, owners = [], []
    for i, s in enumerate(specialists):
        extra = ([s["description"]] if desc else []) + (
            scoring.description_phrases(s["description"]) if phrases else []
        )
        for t in [*s["examples"], *extra]:
            texts.append(t)
            owners.append(i)
    return embed(texts), owners


def per_owner(sims: NDArray[np.float32], owners: list[int], n: int, top: int) -> list[float]:
    out = []
    for i in range(n):
        mine = sorted((float(v) for v, o in zip(sims, owners, strict=True) if o == i), reverse=True)
        out.append(float(np.mean(mine[:top])) if mine else -1.0)
    return out


def centroid(vectors: NDArray[np.float32], owners: list[int], n: int, q: Any) -> list[float]:
    cents = scoring.unit(
        np.stack([vectors[[j for j, o in enumerate(owners) if o == i]].mean(0) for i in range(n)])
    )
    return list(cents @ q)


def ridge(vectors: NDArray[np.float32], owners: list[int], n: int, strength: float) -> Any:
    onehot = np.eye(n, dtype=np.float32)[owners]
    gram = vectors.T @ vectors + strength * np.eye(vectors.shape[1], dtype=np.float32)
    return np.linalg.solve(gram, vectors.T @ onehot)


def rules(specialists: list[dict[str, Any]], embed: Any) -> dict[str, Any]:
    """name -> a function of a query vector giving one score per specialist."""
    n = len(specialists)
    ex, ex_o = rows(specialists, embed, phrases=False, desc=False)
    both, both_o = rows(specialists, embed, phrases=False, desc=True)
    full, full_o = rows(specialists, embed, phrases=True, desc=True)
    weights = ridge(full, full_o, n, 0.3)
    index = scoring.Index(tuple(str(o) for o in full_o), full)
    return {
        "nearest example": lambda q: per_owner(ex @ q, ex_o, n, 1),
        "nearest example or description (before #15)": lambda q: per_owner(both @ q, both_o, n, 1),
        "centroid of examples and description": lambda q: centroid(both, both_o, n, q),
        "mean of 3 closest, examples+description": lambda q: per_owner(both @ q, both_o, n, 3),
        "nearest row incl. description phrases": lambda q: per_owner(full @ q, full_o, n, 1),
        "ridge classifier fitted at load (all rows)": lambda q: list(q @ weights),
        "router: mean of 3 closest incl. phrases": lambda q: [
            scoring.scores(index, q)[str(i)] for i in range(n)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedding", help="another converted embedding model (default: MiniLM)")
    args = ap.parse_args()
    data = json.loads(SET.read_text())
    specialists = data["specialists"]
    names = [s["name"] for s in specialists]
    pipe = embedder(Path(tempfile.mkdtemp(prefix="ov-routing-lab-")), args.embedding)
    embed = lambda texts: scoring.unit(pipe.embed_documents(texts))  # noqa: E731
    scorers = rules(specialists, embed)
    prompts = [e["prompt"] for e in data["eval"]]
    truth = [e["label"] for e in data["eval"]]
    started = time.perf_counter()
    queries = embed(prompts)
    per_query_ms = (time.perf_counter() - started) * 1000 / len(prompts)
    print(
        f"{len(prompts)} held-out prompts, {len(names)} specialists; "
        f"embedding {per_query_ms:.1f} ms/prompt (batched)\n"
    )
    results = {}
    for name, rule in scorers.items():
        got = [names[int(np.argmax(rule(q)))] for q in queries]
        hits = sum(g == t for g, t in zip(got, truth, strict=True))
        results[name] = (hits / len(truth), got)
        print(f"{name:46} {hits / len(truth):6.1%}")
    best = max(results, key=lambda k: results[k][0])
    print(f"\nbest: {best}\n{confusion(names, truth, results[best][1])}")
    misses = [(p, t, g) for p, t, g in zip(prompts, truth, results[best][1], strict=True) if t != g]
    for p, t, g in misses:
        print(f"  {t:>11} -> {g:<11} {p[:80]}")


if __name__ == "__main__":
    main()
