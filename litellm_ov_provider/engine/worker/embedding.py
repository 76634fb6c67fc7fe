"""The embedding worker: one TextEmbeddingPipeline; queued requests run as one batch."""

from __future__ import annotations

import logging
import time
from multiprocessing.connection import Connection

from ...redact import engine_error
from .. import protocol as p

log = logging.getLogger("litellm_ov_provider.worker")

POOLING = {"mean": "MEAN", "cls": "CLS", "last_token": "LAST_TOKEN"}


class EmbeddingWorker:
    def __init__(self, spec: p.WorkerSpec, conn: Connection) -> None:
        import openvino_genai as ov_genai

        self._conn = conn
        started = time.monotonic()
        opts = spec.embedding
        config = ov_genai.TextEmbeddingPipeline.Config()
        pooling = POOLING.get(str(opts.get("pooling", "mean")).lower(), "MEAN")
        config.pooling_type = getattr(ov_genai.TextEmbeddingPipeline.PoolingType, pooling)
        config.normalize = bool(opts.get("normalize", True))
        self._max_length = opts.get("max_length")
        if self._max_length:
            config.max_length = int(self._max_length)
        self._pipe = ov_genai.TextEmbeddingPipeline(spec.path, spec.device, config)
        self._tok = ov_genai.Tokenizer(spec.path)
        self._queue: list[p.Embed] = []
        self.info = p.WorkerInfo(
            chat_template="",
            context_length=spec.context_length,
            device=spec.device,
            load_seconds=time.monotonic() - started,
            defaults={},
        )

    @property
    def busy(self) -> bool:
        return bool(self._queue)

    def stats(self) -> dict[str, float]:
        return {}  # nothing to report beyond being alive

    def handle(self, msg: object) -> bool:
        if isinstance(msg, p.Embed):
            self._queue.append(msg)
        return not isinstance(msg, p.Shutdown)

    def step(self) -> None:
        """Embed every queued request in one batch, then answer each. If the batch
        fails, each request is tried alone, so one bad input fails only its request."""
        batch, self._queue = self._queue, []
        try:
            answers = self._embed(batch)
        except Exception:
            for req in batch:
                self._conn.send(self._alone(req))
            return
        for answer in answers:
            self._conn.send(answer)

    def _embed(self, batch: list[p.Embed]) -> list[p.Embedded]:
        texts = [t for req in batch for t in req.texts]
        vectors = [list(map(float, v)) for v in self._pipe.embed_documents(texts)]
        counts = self._token_counts(texts)
        out, start = [], 0
        for req in batch:
            end = start + len(req.texts)
            out.append(p.Embedded(req.rid, vectors[start:end], sum(counts[start:end])))
            start = end
        return out

    def _alone(self, req: p.Embed) -> p.Embedded | p.Failed:
        try:
            return self._embed([req])[0]
        except Exception as exc:
            return p.Failed(req.rid, 400, f"cannot embed the input: {engine_error(exc)}")

    def _token_counts(self, texts: list[str]) -> list[int]:
        counts = []
        for text in texts:
            n = int(self._tok.encode(text).input_ids.shape[1])
            counts.append(min(n, int(self._max_length)) if self._max_length else n)
        return counts
