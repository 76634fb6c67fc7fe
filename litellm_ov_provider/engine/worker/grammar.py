"""The grammar checker: compiles structured-output schemas outside the serving batch.

OpenVINO GenAI compiles a request's grammar (XGrammar) inside `step()`; a schema it
rejects there raises out of the step and breaks every request in the batch, and one
that takes long stalls them all. This worker compiles with the same engine, for the
same vocabulary, before a request is admitted: a stand-in model (a graph that returns
zero logits over the model's vocabulary) driven by the model's real tokenizer, so one
generated token compiles the grammar exactly as the serving pipeline would. The parent
kills this process when a compile outlives its time limit.
"""

from __future__ import annotations

import logging
import time
from multiprocessing.connection import Connection
from typing import Any

from ...redact import engine_error
from .. import protocol as p

log = logging.getLogger("litellm_ov_provider.worker")


def zero_logits_model(vocab_size: int) -> Any:
    """An LLM-shaped OpenVINO model: input_ids [batch, seq] -> logits [batch, seq, vocab]
    of zeros, with the inputs a stateful LLMPipeline feeds."""
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    def param(name: str, shape: list[int], kind: Any) -> Any:
        node = ops.parameter(shape, kind, name=name)
        node.output(0).set_names({name})
        return node

    ids = param("input_ids", [-1, -1], ov.Type.i64)
    inputs = [
        ids,
        param("attention_mask", [-1, -1], ov.Type.i64),
        param("position_ids", [-1, -1], ov.Type.i64),
        param("beam_idx", [-1], ov.Type.i32),
    ]
    shape = ops.concat([ops.shape_of(ids), ops.constant(np.array([vocab_size], np.int64))], 0)
    logits = ops.broadcast(ops.constant(np.array(0.0, np.float32)), shape)
    result = ops.result(logits)
    result.output(0).set_names({"logits"})
    return ov.Model([result], inputs, "grammar-checker")


class GrammarWorker:
    def __init__(self, spec: p.WorkerSpec, conn: Connection) -> None:
        import openvino as ov
        import openvino_genai as ov_genai

        self._g = ov_genai
        self._conn = conn
        started = time.monotonic()
        tokenizer = ov_genai.Tokenizer(spec.path)
        vocab = max(tokenizer.get_vocab().values(), default=0) + 1
        model = zero_logits_model(vocab)
        xml, weights = serialized(ov, model)
        self._pipe = ov_genai.LLMPipeline(xml, weights, tokenizer, "CPU")
        # The first compile also builds the compiler's view of the vocabulary (about a
        # second here): do it now, so no request's time limit pays for it.
        warm = self._compile(p.CheckGrammar(0, p.Constraint("json_schema", '{"type": "object"}')))
        if isinstance(warm, p.Failed):
            raise RuntimeError(f"the grammar engine does not work: {warm.message}")
        self.info = p.WorkerInfo(
            chat_template="",
            context_length=None,
            device="CPU",
            load_seconds=time.monotonic() - started,
            defaults={},
        )

    @property
    def busy(self) -> bool:
        return False  # every check runs to completion inside handle()

    def stats(self) -> dict[str, float]:
        return {}

    def handle(self, msg: object) -> bool:
        if isinstance(msg, p.CheckGrammar):
            self._conn.send(self._compile(msg))
        return not isinstance(msg, p.Shutdown)

    def step(self) -> None:
        """Never called: the worker is never busy between commands."""

    def _compile(self, msg: p.CheckGrammar) -> p.GrammarOk | p.Failed:
        config = self._g.GenerationConfig()
        config.max_new_tokens = 1
        structured = self._g.StructuredOutputConfig()
        setattr(structured, msg.constraint.kind, msg.constraint.text)
        config.structured_output_config = structured
        started = time.monotonic()
        try:
            self._pipe.generate("{", config)
        except Exception as exc:
            log.info("grammar rejected: %s", str(exc).strip().splitlines()[-1:])
            return p.Failed(msg.rid, 400, engine_error(exc))
        return p.GrammarOk(msg.rid, time.monotonic() - started)


def serialized(ov: Any, model: Any) -> tuple[str, Any]:
    """The model as IR text and a weights tensor (it has no weights worth a file)."""
    import tempfile
    from pathlib import Path

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="ov-grammar-") as folder:
        xml = Path(folder) / "model.xml"
        ov.save_model(model, xml, compress_to_fp16=False)
        text = xml.read_text(encoding="utf-8")
        raw = xml.with_suffix(".bin").read_bytes()
    weights = np.frombuffer(raw, dtype=np.uint8).copy() if raw else np.zeros(1, np.uint8)
    return text, ov.Tensor(weights)
