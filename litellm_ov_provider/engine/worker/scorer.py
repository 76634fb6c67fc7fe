"""The most likely alternatives at each generated token (OpenAI's `top_logprobs`).

OpenVINO GenAI 2026.4 reports only the chosen token's log-probability. For a request
that asks for alternatives, the worker runs the model's own IR a second time beside
the pipeline, one token at a time (stateful: the prompt once, then each generated
token), and reads the full distribution at each place. Compiled (once per worker, on
first use) with the pipeline's own precision, so both see nearly the same numbers:
an f32 run disagreed with the pipeline's bf16/int8 one on which token was likeliest
(greedy ' city' at -1.96 where f32 put another token at -0.16); at the same precision
the chosen token was first or second (measured: 30 of 32), and neighbouring logits
may tie. Costs about one more forward pass per generated token, for such requests
only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

IR_MODEL = "openvino_model.xml"


def ir_of(model_path: str) -> Path | None:
    """The model's IR file, if it is an IR (a GGUF has none to run)."""
    xml = Path(model_path) / IR_MODEL
    return xml if xml.is_file() else None


class Scorer:
    def __init__(self, xml: Path, threads: int = 0) -> None:
        import openvino as ov

        config: dict[str, Any] = {}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = ov.Core().compile_model(str(xml), "CPU", config)

    def start(self, prompt_ids: Any) -> Scored:
        """A request's scoring, its prompt read."""
        return Scored(self._compiled.create_infer_request(), prompt_ids)


class Scored:
    """One request's running distribution: `top(k)` at the current place, `advance`
    past the token chosen there."""

    def __init__(self, request: Any, prompt_ids: Any) -> None:
        import numpy as np

        self._np = np
        self._request = request
        self._request.reset_state()
        self._length = 0
        self._logprobs = self._feed(np.asarray(prompt_ids, dtype=np.int64).reshape(1, -1))

    def _feed(self, ids: Any) -> Any:
        np = self._np
        count = ids.shape[1]
        positions = np.arange(self._length, self._length + count, dtype=np.int64)[None]
        self._length += count
        self._request.infer(
            {
                "input_ids": ids,
                "attention_mask": np.ones((1, self._length), dtype=np.int64),
                "position_ids": positions,
                "beam_idx": np.zeros(1, dtype=np.int32),
            }
        )
        logits = self._request.get_tensor("logits").data[0, -1].astype(np.float64)
        peak = logits.max()
        return logits - (peak + np.log(np.exp(logits - peak).sum()))

    def top(self, k: int) -> list[tuple[int, float]]:
        """The `k` most likely tokens here, best first, with their log-probabilities."""
        np = self._np
        best = np.argpartition(-self._logprobs, k - 1)[:k]
        best = best[np.argsort(-self._logprobs[best])]
        return [(int(i), float(self._logprobs[i])) for i in best]

    def logprob(self, token: int) -> float:
        return float(self._logprobs[token])

    def alternatives(
        self, ids: list[int], top: int, decode: Callable[[list[int]], str]
    ) -> tuple[list[float], list[tuple[tuple[str, float], ...]]]:
        """Each token's log-probability and the `top` likeliest tokens at its place (one
        distribution for both), moving past each token."""
        logprobs, tops = [], []
        for token in ids:
            tops.append(tuple((decode([i]), lp) for i, lp in self.top(top)))
            logprobs.append(self.logprob(token))
            self.advance(token)
        return logprobs, tops

    def advance(self, token: int) -> None:
        self._logprobs = self._feed(self._np.array([[token]], dtype=self._np.int64))
