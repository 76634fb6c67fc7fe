"""Model worker process: loads one model and serves it over the parent's socket.

Single-threaded: while a model has work it drains commands between steps; when
idle it blocks on the socket. Imports only OpenVINO GenAI and the protocol, never
LiteLLM, so it starts fast.
"""

from __future__ import annotations

import logging
import time
from multiprocessing.connection import Connection
from typing import Any

from .. import protocol as p
from .embedding import EmbeddingWorker


def make_worker(spec: p.WorkerSpec, conn: Connection) -> Any:
    if spec.kind == "embedding":
        return EmbeddingWorker(spec, conn)
    if spec.kind == "grammar":
        from .grammar import GrammarWorker

        return GrammarWorker(spec, conn)
    from .llm import LLMWorker

    return LLMWorker(spec, conn)


def serve(conn: Connection) -> None:
    """Process entry point: read the spec, load, report Ready or LoadFailed, then serve
    until told to stop or the parent goes away."""
    spec, log_level = conn.recv()
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        worker = make_worker(spec, conn)
    except Exception as exc:
        conn.send(p.LoadFailed(f"{type(exc).__name__}: {exc}".strip()[:2000]))
        return
    conn.send(p.Ready(worker.info))
    beat = time.monotonic()
    try:
        while True:
            if worker.busy:
                while conn.poll(0):
                    if not worker.handle(conn.recv()):
                        return
                if worker.busy:
                    worker.step()
                    due = time.monotonic() - beat >= p.HEARTBEAT_SECONDS
                    if due or not worker.busy:  # progress, even with no output
                        stats = worker.stats()
                        if due or stats:  # idle: only when there are figures to report
                            conn.send(p.Alive(stats))
                            beat = time.monotonic()
            elif not worker.handle(conn.recv()):
                return
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return


def main() -> None:
    """`python -m litellm_ov_provider.engine.worker FD [--model=...] [--kind=...]`: FD is
    the parent's socket; the rest only names the process (the spec comes over FD)."""
    import sys

    serve(Connection(int(sys.argv[1])))
