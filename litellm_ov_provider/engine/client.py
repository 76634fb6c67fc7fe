"""Proxy-side handle on a model worker process.

All pipe I/O happens on two small threads (a sender fed by a queue, a reader that
blocks in recv()), so the event loop only ever does non-blocking queue puts. A third
thread watches for a wedged worker: one with requests in flight that has said nothing
(no output, no heartbeat) for `stall_seconds` is killed, and its requests fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from ..errors import (
    ContextWindowExceeded,
    InvalidRequest,
    ModelUnavailable,
    NodeError,
    WorkerCrashed,
)
from ..redact import engine_error_text
from . import protocol as p
from .coalesce import LOAD, Stamped, busy, gather
from .environ import worker_env

log = logging.getLogger(__name__)
A = TypeVar("A")


@dataclass
class _Pending:
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue[Stamped]  # (arrival, event): coalesce.py reads the lag


class EngineClient:
    """One loaded model: a worker process plus the plumbing to stream from it."""

    def __init__(
        self, spec: p.WorkerSpec, log_level: str = "INFO", stall_seconds: float = 0.0
    ) -> None:
        self.spec = spec
        self._coalesce = spec.coalesce_seconds  # 0: one chunk per engine step, always
        parent, child = socket.socketpair()
        self.name = f"ov-worker-{spec.name}" + ("-grammar" if spec.kind == "grammar" else "")
        # The model and kind in argv only name the process for ps and tests.
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "litellm_ov_provider.engine.worker",
                str(child.fileno()),
                f"--model={spec.name}",
                f"--kind={spec.kind}",
            ],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            env=worker_env(os.environ),
        )
        child.close()
        self._conn = Connection(parent.detach())
        self._conn.send((spec, log_level))
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._alive = True
        self._closing = False
        self._stall_seconds = stall_seconds
        self._heard = time.monotonic()  # last message from the worker, or last idle moment
        self.stalled = False  # killed by the watchdog
        self.stats: dict[str, float] = {}  # the worker's last reported figures
        self.info: p.WorkerInfo | None = None

    # ---- lifecycle (blocking; call from a thread) ---------------------------
    def wait_ready(self, timeout: float) -> p.WorkerInfo:
        """Block until the worker reports its model loaded; raise ModelUnavailable if not."""
        if not self._conn.poll(timeout):
            self.kill()
            raise ModelUnavailable(f"model {self.spec.name!r} did not load within {timeout:.0f} s")
        try:
            msg = self._conn.recv()
        except EOFError:
            self.kill()
            raise ModelUnavailable(
                f"model {self.spec.name!r}: worker exited while loading"
            ) from None
        if isinstance(msg, p.LoadFailed):
            self.kill()
            log.error("model %r failed to load: %s", self.spec.name, msg.message)
            raise ModelUnavailable(
                f"model {self.spec.name!r} failed to load: {engine_error_text(msg.message)}"
            )
        assert isinstance(msg, p.Ready)
        self.info = msg.info
        threading.Thread(target=self._read_loop, name=f"{self.name}-rx", daemon=True).start()
        threading.Thread(target=self._send_loop, name=f"{self.name}-tx", daemon=True).start()
        if self._stall_seconds > 0:
            threading.Thread(target=self._watchdog, name=f"{self.name}-wd", daemon=True).start()
        return msg.info

    def close(self, timeout: float = 10.0) -> None:
        """Ask the worker to exit, then make sure it did."""
        self._closing = True
        self._outbox.put(p.Shutdown())
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout)
        self.kill()

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)
        self._alive = False

    @property
    def alive(self) -> bool:
        return self._alive and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    # ---- requests (event loop) ---------------------------------------------
    async def submit(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        s: p.Sampling,
        context: dict[str, Any] | None = None,
        raw: str | None = None,
    ) -> tuple[p.Accepted, AsyncIterator[p.Delta | p.Finished]]:
        """Queue a request. Returns once the worker accepted it (prompt rendered and
        within limits), so request errors surface before any output; then stream."""
        rid, pending = self._dispatch(
            lambda rid: p.Submit(rid, messages, tools, s, context or {}, raw)
        )
        try:
            _, first = await pending.events.get()
            if not isinstance(first, p.Accepted):
                raise _as_error(first)
        except BaseException:
            self._forget(rid, cancel=True)
            raise
        return first, self._stream(rid, pending)

    async def check_grammar(self, constraint: p.Constraint) -> p.GrammarOk:
        """A grammar checker compiles `constraint`; raises InvalidRequest if it cannot."""
        return await self._request(lambda rid: p.CheckGrammar(rid, constraint), p.GrammarOk)

    async def embed(self, texts: list[str]) -> p.Embedded:
        """Embed texts; the worker batches whatever requests are queued together."""
        return await self._request(lambda rid: p.Embed(rid, texts), p.Embedded)

    async def _request(self, make: Callable[[int], object], answer: type[A]) -> A:
        """One command, one answer of type `answer` (else its error is raised)."""
        rid, pending = self._dispatch(make)
        try:
            _, event = await pending.events.get()
        finally:
            self._forget(rid, cancel=False)
        if not isinstance(event, answer):
            raise _as_error(event)
        return event

    def _dispatch(self, make: Callable[[int], object]) -> tuple[int, _Pending]:
        """Register a new request id for events, then queue the message for the worker."""
        if not self.alive:
            raise WorkerCrashed(f"the worker for model {self.spec.name!r} is not running")
        rid = next(self._ids)
        pending = _Pending(asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            if not self._pending:
                self._heard = time.monotonic()  # the stall clock starts with the work
            self._pending[rid] = pending
        self._outbox.put(make(rid))
        return rid, pending

    async def _stream(self, rid: int, pending: _Pending) -> AsyncIterator[p.Delta | p.Finished]:
        finished, texts = False, 0
        LOAD.streams += 1
        try:
            while True:
                arrived, event = await pending.events.get()
                after: p.Event | None = None
                if isinstance(event, p.Delta) and self._coalescing(texts, arrived):
                    event, after = await gather(pending.events, event, arrived, self._coalesce)
                for item in (event, after):
                    if item is None:
                        continue
                    if not isinstance(item, p.Delta | p.Finished):
                        raise _as_error(item)
                    texts += isinstance(item, p.Delta) and bool(item.text)
                    yield item
                    if isinstance(item, p.Finished):
                        finished = True
                        return
        finally:
            LOAD.streams -= 1
            self._forget(rid, cancel=not finished)

    def _coalescing(self, texts: int, arrived: float) -> bool:
        """Gather this delta with the next ones (coalesce.py): never the first two
        texts (a board's stream holds each chunk until the next one comes, so there
        the second one's time is the client's first token, proxy/wire.py)."""
        if texts < 2 or self._coalesce <= 0:
            return False
        return busy(arrived, time.monotonic(), LOAD.streams)

    def _forget(self, rid: int, *, cancel: bool) -> None:
        with self._lock:
            self._pending.pop(rid, None)
        if cancel and self.alive:
            self._outbox.put(p.Cancel(rid))

    # ---- threads -------------------------------------------------------------
    def _send_loop(self) -> None:
        while True:
            msg = self._outbox.get()
            try:
                self._conn.send(msg)
            except (OSError, ValueError):
                return
            if isinstance(msg, p.Shutdown):
                return

    def _read_loop(self) -> None:
        while True:
            try:
                msg = self._conn.recv()
            except (EOFError, OSError):
                break
            self._heard = time.monotonic()
            if isinstance(msg, p.Alive) and msg.stats:
                self.stats = msg.stats
            rid = getattr(msg, "rid", None)
            with self._lock:
                pending = self._pending.get(rid) if rid is not None else None
            if pending is not None:
                stamped = (self._heard, msg)
                pending.loop.call_soon_threadsafe(pending.events.put_nowait, stamped)
        self._alive = False
        if not self._closing and not self.stalled:
            log.warning("worker for model %r exited unexpectedly", self.spec.name)
        why = (
            f"the worker for model {self.spec.name!r} stopped making progress and was "
            "stopped; it restarts on the next request"
            if self.stalled
            else f"the worker for model {self.spec.name!r} exited"
        )
        with self._lock:
            orphans = list(self._pending.items())
        for rid, pending in orphans:
            failed = p.Failed(rid, 503, why, retryable=not self.stalled)
            stamped = (time.monotonic(), failed)
            pending.loop.call_soon_threadsafe(pending.events.put_nowait, stamped)

    def _watchdog(self) -> None:
        """Kill a worker that has had work for stall_seconds without a word."""
        tick = min(1.0, self._stall_seconds / 4)
        while self.alive:
            time.sleep(tick)
            with self._lock:
                busy = bool(self._pending)
            silent = time.monotonic() - self._heard
            if busy and silent > self._stall_seconds and self.alive:
                log.error(
                    "worker for model %r (pid %s) made no progress for %.0f s with requests "
                    "in flight; killing it",
                    self.spec.name,
                    self._proc.pid,
                    silent,
                )
                self.stalled = True
                self.kill()  # SIGKILL works on a stopped process too
                return


def _as_error(event: object) -> NodeError:
    if isinstance(event, p.Failed):
        if event.status == 400:
            if event.code == ContextWindowExceeded.code:
                return ContextWindowExceeded(event.message, param="messages")
            return InvalidRequest(event.message)
        return WorkerCrashed(event.message) if event.retryable else ModelUnavailable(event.message)
    return ModelUnavailable(f"unexpected engine event {type(event).__name__}")
