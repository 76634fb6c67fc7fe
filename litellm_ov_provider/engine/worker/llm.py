"""The chat worker: one ContinuousBatchingPipeline, stepped between commands.

When a step raises, GenAI's pipeline cannot step again (measured: its scheduler is
left mid-step), so the worker opens a fresh pipeline in the same process: the
requests that joined the batch since the last good step are the suspects and fail
(one suspect: a 400 with the engine's message), and every other request resumes
from its prompt plus what it has generated so far, its client none the wiser. A
second failure within RECOVERY_GAP_SECONDS fails everything and ends the worker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ...redact import engine_error
from .. import protocol as p
from .gen_config import (
    GENERATION_DEFAULT_KEYS,
    Rejected,
    budget,
    generation_config,
    stage,
)
from .output import Released, RequestOutput
from .pipeline import end_of_sequence, open_pipeline
from .scorer import Scored, Scorer, ir_of
from .template import counted, prompt_end, render

log = logging.getLogger("litellm_ov_provider.worker")
RECOVERY_GAP_SECONDS = 10.0


@dataclass
class _Active:
    handle: Any
    output: RequestOutput
    reason: str = "stop"
    cancelled: bool = False
    structured: bool = False
    prompt: Any = None  # the prompt's token ids (an ov.Tensor), to resume from
    config: Any = None  # its GenerationConfig
    max_tokens: int = 0
    fresh: bool = True  # has not been through a good step yet
    scored: Scored | None = None  # the alternatives at each token, when asked for
    top: int = 0  # how many


class LLMWorker:
    def __init__(self, spec: p.WorkerSpec, conn: Connection) -> None:
        import openvino_genai as ov_genai

        self._g = ov_genai
        self._conn = conn
        self._spec = spec
        started = time.monotonic()
        self._pipe = self._open()
        self._tok = self._pipe.get_tokenizer()
        self._last_recovery = float("-inf")
        self._defaults = {
            k: v for k, v in spec.generation_defaults.items() if k in GENERATION_DEFAULT_KEYS
        }
        self._base = self._new_config()
        self._eos = end_of_sequence(self._tok, self._base)
        self._scoring: Scorer | None = None
        self._ctx = spec.context_length
        self._active: dict[int, _Active] = {}
        self.info = p.WorkerInfo(
            chat_template=self._tok.chat_template,
            prompt_end=prompt_end(self._tok),
            context_length=self._ctx,
            device=spec.device,
            load_seconds=time.monotonic() - started,
            defaults={"temperature": self._base.temperature if self._base.do_sample else 0.0},
        )

    def _open(self) -> Any:
        return open_pipeline(self._g, self._spec)

    # ---- command handling -------------------------------------------------
    def handle(self, msg: object) -> bool:
        """Apply one command; False means shut down."""
        if isinstance(msg, p.Submit):
            self._submit(msg)
        elif isinstance(msg, p.Cancel):
            state = self._active.get(msg.rid)
            if state is not None and not state.cancelled:
                state.cancelled = True
                state.handle.stop()
        elif isinstance(msg, p.Shutdown):
            return False
        return True

    def _submit(self, msg: p.Submit) -> None:
        """Render, tokenize, configure and add one request. Whatever fails here fails
        this request alone (400), before it joins the batch."""
        try:
            state = self._admit(msg)
        except Rejected as exc:
            self._send(p.Failed(msg.rid, 400, str(exc), code=exc.code))
            return
        self._active[msg.rid] = state
        self._send(p.Accepted(msg.rid, int(state.prompt.shape[1]), state.max_tokens))

    def _admit(self, msg: p.Submit) -> _Active:
        with stage("cannot render the chat template"):
            prompt = msg.raw
            if prompt is None:
                prompt = render(self._tok, msg.messages, msg.tools, msg.template_context)
        with stage("cannot tokenize the prompt"):  # a raw prompt gets the model's BOS
            ids = self._tok.encode(prompt, add_special_tokens=msg.raw is not None).input_ids
        n_prompt = int(ids.shape[1])
        if self._ctx is not None and n_prompt >= self._ctx:  # the error says how long
            n_prompt = max(n_prompt, counted(self._tok, prompt))
        with stage("invalid generation settings"):
            config, max_tokens = self._config(msg.sampling, n_prompt)
            config.validate()
        top = msg.sampling.top_logprobs
        scored = self._scorer().start(ids.data) if top else None
        with stage("the engine refused the request"):
            handle = self._pipe.add_request(msg.rid, ids, config)
        output = RequestOutput(self._tok.decode, msg.sampling.stop, msg.sampling.logprobs)
        return _Active(
            handle=handle,
            output=output,
            structured=msg.sampling.constraint is not None,
            prompt=ids,
            config=config,
            max_tokens=max_tokens,
            scored=scored,
            top=top,
        )

    def _scorer(self) -> Scorer:
        """The model's IR run for alternatives (compiled on first use)."""
        if self._scoring is None:
            xml = ir_of(self._spec.path)
            if xml is None:
                raise Rejected(
                    "top_logprobs needs the model as OpenVINO IR (this one is a GGUF; "
                    "convert it with ov-convert-model)"
                )
            with stage("cannot load the model for top_logprobs"):
                self._scoring = Scorer(xml, self._spec.inference_threads)
        return self._scoring

    def _config(self, s: p.Sampling, n_prompt: int) -> tuple[Any, int]:
        max_tokens = budget(s.max_tokens, n_prompt, self._ctx)
        return generation_config(self._g, self._new_config, s, max_tokens), max_tokens

    def _new_config(self) -> Any:
        """The model's generation config with the registry's defaults on top."""
        config = self._pipe.get_config()
        for key, value in self._defaults.items():
            setattr(config, key, value)
        if self._spec.prompt_lookup:  # such a pipeline refuses a request without them
            config.num_assistant_tokens, config.max_ngram_size = self._spec.prompt_lookup
        return config

    # ---- stepping ---------------------------------------------------------
    @property
    def busy(self) -> bool:
        # Stopped requests still hold KV blocks until the pipeline steps past them.
        return bool(self._active) or bool(self._pipe.has_non_finished_requests())

    def step(self) -> None:
        suspects = [rid for rid, state in self._active.items() if state.fresh]
        try:
            self._pipe.step()
        except Exception as exc:
            self._recover(exc, suspects)
            return
        for rid, state in list(self._active.items()):
            state.fresh = False
            self._drain(rid, state)

    def _drain(self, rid: int, state: _Active) -> None:
        ids, logprobs = self._read(state)
        done = self._done(state)
        if done and state.reason == "stop" and ids and ids[-1] in self._eos:
            ids, logprobs = ids[:-1], logprobs[:-1]  # the end of sequence is not the answer's
        if ids and not state.cancelled:
            tops: list[tuple[tuple[str, float], ...]] = []
            if state.scored is not None:
                logprobs, tops = state.scored.alternatives(ids, state.top, self._tok.decode)
            self._send_delta(rid, state.output.push(ids, logprobs, tops), len(ids))
            if state.output.stopped:  # a stop string: the answer is complete
                state.handle.stop()
                self._finish(rid, state, "stop")
                return
        if done:
            self._finish(rid, state, "cancelled" if state.cancelled else state.reason)

    def _read(self, state: _Active) -> tuple[list[int], list[float]]:
        """The tokens generated since the last read, with their log-probabilities."""
        ids: list[int] = []
        logprobs: list[float] = []
        while state.handle.can_read():
            for out in state.handle.read().values():
                ids.extend(out.generated_ids)
                logprobs.extend(out.generated_log_probs)
                if out.finish_reason == self._g.GenerationFinishReason.LENGTH:
                    state.reason = "length"
        return ids, logprobs

    def _done(self, state: _Active) -> bool:
        status = state.handle.get_status()
        return bool(status != self._g.GenerationStatus.RUNNING and not state.handle.can_read())

    def _send_delta(self, rid: int, released: Released, tokens: int) -> None:
        if released.text or released.entries or tokens:
            self._send(p.Delta(rid, released.text, tokens, released.entries))

    def _finish(self, rid: int, state: _Active, reason: str) -> None:
        del self._active[rid]
        if state.cancelled:
            log.info(
                "model %s: request %d cancelled after %d generated tokens",
                self._spec.name,
                rid,
                len(state.output.ids),
            )
        elif reason != "stop" or not state.output.stopped:
            self._send_delta(rid, state.output.finish(), 0)
        if state.handle.get_status() == self._g.GenerationStatus.IGNORED and not (
            state.cancelled or state.output.stopped
        ):
            self._send(p.Failed(rid, 503, "the engine could not schedule this request"))
            return
        self._send(p.Finished(rid, reason, state.output.count))

    def stats(self) -> dict[str, float]:
        """The pipeline's KV-cache figures (GenAI's PipelineMetrics)."""
        m = self._pipe.get_metrics()
        return {
            "kv_cache_usage": m.cache_usage / 100.0,
            "kv_cache_bytes": float(m.cache_size_in_bytes),
        }

    def _recover(self, exc: Exception, suspects: list[int]) -> None:
        """A step raised: fail the suspects, reopen the pipeline, resume the rest."""
        log.error("model %s: engine step failed: %s", self._spec.name, exc)
        detail = engine_error(exc)
        if time.monotonic() - self._last_recovery < RECOVERY_GAP_SECONDS:
            for rid in self._active:
                self._send(p.Failed(rid, 503, f"the model worker failed: {detail}"))
            self._active.clear()
            raise exc  # twice in a row: let the parent start a new worker
        self._last_recovery = time.monotonic()
        culprits = suspects or list(self._active)
        status = 400 if len(culprits) == 1 else 503
        for rid in culprits:
            message = f"the engine failed on this request: {detail}"
            self._send(p.Failed(rid, status, message))
        survivors = {rid: s for rid, s in self._active.items() if rid not in culprits}
        self._active = {}
        self._pipe = None  # release the broken pipeline's memory before opening another
        self._pipe = self._open()
        for rid, state in survivors.items():
            self._resume(rid, state)
        log.warning(
            "model %s: pipeline reopened; %d request(s) failed, %d resumed",
            self._spec.name,
            len(culprits),
            len(self._active),
        )

    def _resume(self, rid: int, state: _Active) -> None:
        """Continue a request on the new pipeline from its prompt and its output so far."""
        done = len(state.output.ids)
        if state.cancelled or done >= state.max_tokens:
            self._send(p.Finished(rid, "cancelled" if state.cancelled else "length", done))
            return
        if state.structured:  # its grammar's state cannot be carried over
            self._send(p.Failed(rid, 503, "interrupted by another request's engine failure"))
            return
        import numpy as np
        import openvino as ov

        ids = np.concatenate([np.asarray(state.prompt.data), [state.output.ids]], axis=1)
        state.config.max_new_tokens = state.max_tokens - done
        state.handle = self._pipe.add_request(rid, ov.Tensor(ids.astype(np.int64)), state.config)
        self._active[rid] = state

    def _send(self, msg: object) -> None:
        self._conn.send(msg)
