"""The chat worker: one ContinuousBatchingPipeline, stepped between commands."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ..redact import engine_error
from . import protocol as p
from .detok import IncrementalDetokenizer

log = logging.getLogger("litellm_ov_provider.worker")

GENERATION_DEFAULT_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "do_sample",
        "repetition_penalty",
        "presence_penalty",
        "frequency_penalty",
        "no_repeat_ngram_size",
        "min_p",
    }
)


@dataclass
class _Active:
    handle: Any
    detok: IncrementalDetokenizer
    reason: str = "stop"
    cancelled: bool = False
    structured: bool = False
    logprobs: bool = False


class LLMWorker:
    def __init__(self, spec: p.WorkerSpec, conn: Connection) -> None:
        import openvino_genai as ov_genai

        self._g = ov_genai
        self._conn = conn
        self._spec = spec
        started = time.monotonic()
        scheduler = ov_genai.SchedulerConfig()
        scheduler.cache_size = int(spec.kv_cache_gb) if spec.kv_cache_gb >= 1 else 0
        scheduler.enable_prefix_caching = True
        props: dict[str, Any] = dict(spec.properties)
        if spec.inference_threads:
            props.setdefault("INFERENCE_NUM_THREADS", spec.inference_threads)
        self._pipe = ov_genai.ContinuousBatchingPipeline(spec.path, scheduler, spec.device, props)
        self._tok = self._pipe.get_tokenizer()
        self._defaults = {
            k: v for k, v in spec.generation_defaults.items() if k in GENERATION_DEFAULT_KEYS
        }
        self._base = self._new_config()
        self._ctx = spec.context_length
        self._active: dict[int, _Active] = {}
        self.info = p.WorkerInfo(
            chat_template=self._tok.chat_template,
            context_length=self._ctx,
            device=spec.device,
            load_seconds=time.monotonic() - started,
            defaults={"temperature": self._base.temperature if self._base.do_sample else 0.0},
        )

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
            handle, n_prompt, max_tokens = self._admit(msg)
        except _Rejected as exc:
            self._send(p.Failed(msg.rid, 400, str(exc)))
            return
        self._active[msg.rid] = _Active(
            handle=handle,
            detok=IncrementalDetokenizer(self._tok.decode),
            structured=msg.sampling.json_schema is not None,
            logprobs=msg.sampling.logprobs,
        )
        self._send(p.Accepted(msg.rid, n_prompt, max_tokens))

    def _admit(self, msg: p.Submit) -> tuple[Any, int, int]:
        with _stage("cannot render the chat template"):
            prompt = self._tok.apply_chat_template(msg.messages, True, tools=msg.tools or None)
        with _stage("cannot tokenize the prompt"):
            ids = self._tok.encode(prompt, add_special_tokens=False).input_ids
        n_prompt = int(ids.shape[1])
        with _stage("invalid generation settings"):
            config, max_tokens = self._config(msg.sampling, n_prompt)
            config.validate()
        with _stage("the engine refused the request"):
            handle = self._pipe.add_request(msg.rid, ids, config)
        return handle, n_prompt, max_tokens

    def _config(self, s: p.Sampling, n_prompt: int) -> tuple[Any, int]:
        max_tokens = self._budget(s.max_tokens, n_prompt)
        return self._generation_config(s, max_tokens), max_tokens

    def _budget(self, requested: int | None, n_prompt: int) -> int:
        """Completion tokens allowed: as requested, or the rest of the context window."""
        ctx = self._ctx
        if ctx is not None and n_prompt >= ctx:
            raise _Rejected(
                f"the prompt is {'at least ' if n_prompt == ctx else ''}{n_prompt} tokens, but "
                f"this model's context window is {ctx} tokens; shorten the messages"
            )
        room = (ctx - n_prompt) if ctx is not None else 4096
        max_tokens = requested if requested is not None else room
        if ctx is not None and n_prompt + max_tokens > ctx:
            raise _Rejected(
                f"this model's context window is {ctx} tokens, but {n_prompt + max_tokens} "
                f"were requested ({n_prompt} in the messages, {max_tokens} in the completion)"
            )
        return max_tokens

    def _generation_config(self, s: p.Sampling, max_tokens: int) -> Any:
        c = self._new_config()
        c.max_new_tokens = max_tokens
        if s.temperature is not None:
            c.do_sample = s.temperature > 0
            c.temperature = s.temperature if s.temperature > 0 else 1.0
        direct = {
            "top_p": s.top_p,
            "top_k": s.top_k,
            "rng_seed": s.seed,
            "presence_penalty": s.presence_penalty,
            "frequency_penalty": s.frequency_penalty,
            "repetition_penalty": s.repetition_penalty,
        }
        for attr, value in direct.items():
            if value is not None:
                setattr(c, attr, value)
        if s.stop:
            c.stop_strings = set(s.stop)
            c.include_stop_str_in_output = False
        if s.ignore_eos:
            c.ignore_eos = True
        if s.logprobs:
            c.logprobs = 1  # GenAI then reports the chosen token's log-probability
        if s.json_schema is not None:
            so = self._g.StructuredOutputConfig()
            so.json_schema = s.json_schema
            c.structured_output_config = so
        return c

    def _new_config(self) -> Any:
        """The model's generation config with the registry's defaults on top."""
        config = self._pipe.get_config()
        for key, value in self._defaults.items():
            setattr(config, key, value)
        return config

    # ---- stepping ---------------------------------------------------------
    @property
    def busy(self) -> bool:
        # Stopped requests still hold KV blocks until the pipeline steps past them.
        return bool(self._active) or bool(self._pipe.has_non_finished_requests())

    def step(self) -> None:
        try:
            self._pipe.step()
        except Exception as exc:
            self._fail_all(exc)
            raise
        for rid, state in list(self._active.items()):
            self._drain(rid, state)

    def _drain(self, rid: int, state: _Active) -> None:
        new_ids: list[int] = []
        new_logprobs: list[float] = []
        while state.handle.can_read():
            for out in state.handle.read().values():
                new_ids.extend(out.generated_ids)
                if state.logprobs:
                    new_logprobs.extend(out.generated_log_probs)
                reason = out.finish_reason
                if reason == self._g.GenerationFinishReason.LENGTH:
                    state.reason = "length"
        if new_ids and not state.cancelled:
            text = state.detok.push(new_ids)
            scored = self._scored(new_ids, new_logprobs) if state.logprobs else ()
            if text or scored:
                self._send(p.Delta(rid, text, len(new_ids), scored))
        status = state.handle.get_status()
        if status != self._g.GenerationStatus.RUNNING and not state.handle.can_read():
            tail = "" if state.cancelled else state.detok.flush()
            if tail:
                self._send(p.Delta(rid, tail, 0))
            reason = "cancelled" if state.cancelled else state.reason
            if state.cancelled:
                log.info(
                    "model %s: request %d cancelled after %d generated tokens",
                    self._spec.name,
                    rid,
                    state.detok.count,
                )
            if status == self._g.GenerationStatus.IGNORED:
                self._send(p.Failed(rid, 503, "the engine could not schedule this request"))
            else:
                self._send(p.Finished(rid, reason, state.detok.count))
            del self._active[rid]

    def _scored(self, ids: list[int], logprobs: list[float]) -> tuple[tuple[str, float], ...]:
        return tuple(
            (self._tok.decode([token]), float(lp)) for token, lp in zip(ids, logprobs, strict=False)
        )

    def _fail_all(self, exc: Exception) -> None:
        """The engine's step failed: its state is lost for every request in the batch
        (measured: GenAI cannot step again after a throw), so all of them fail and the
        worker exits; the next request gets a fresh one. Known per-request causes
        (grammars, settings, templates) are refused before they reach the batch."""
        log.error("model %s: engine step failed: %s", self._spec.name, exc)
        detail = engine_error(exc)
        for rid in self._active:
            self._send(p.Failed(rid, 503, f"the model worker failed and will restart: {detail}"))
        self._active.clear()

    def _send(self, msg: object) -> None:
        self._conn.send(msg)


class _Rejected(Exception):
    pass


@contextmanager
def _stage(what: str) -> Iterator[None]:
    """Any engine error inside is this request's fault: a _Rejected naming the stage."""
    try:
        yield
    except _Rejected:
        raise
    except Exception as exc:
        raise _Rejected(f"{what}: {engine_error(exc)}") from exc
