"""Running one board request: route, run the panel, coordinate, then the final pass.

Pure orchestration over a Caller and the strategy's hooks; no LiteLLM here.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..context import Board, BoardContext
from ..errors import BoardConfigError, BoardError, NoLiveSpecialist
from ..types import Answer, BoardRequest, Call, Failure, Message, Pick, Route, Synthesize, Usage
from .calls import Caller, CallFailed, Piece, Reply, call_params, with_system
from .plugins import Strategy
from .report import CallRecord, Report


@dataclass(frozen=True)
class Target:
    """A resolved call: which model, with which messages and params."""

    label: str
    specialist: str
    model: str
    messages: tuple[Message, ...]
    params: Mapping[str, Any]
    timeout: float


@dataclass(frozen=True)
class Final:
    """The pass that answers the client: tried in order until one starts. When every
    target fails, `fallback` (the panel's first answer, after a Synthesize) answers."""

    targets: tuple[Target, ...]
    fallback: Answer | None = None


class BoardRun:
    def __init__(
        self,
        board: Board,
        strategy: Strategy,
        request: BoardRequest,
        caller: Caller,
        request_id: str = "-",
    ) -> None:
        self.board = board
        self.strategy = strategy
        self.request = request
        self.caller = caller
        self.report = Report(board.name, board.strategy, request_id)
        self.context = BoardContext.of(board, self._ask, caller.embed, self.report.notes)

    # -- resolving calls ---------------------------------------------------------
    def target(
        self,
        name: str,
        messages: Sequence[Message] | None = None,
        params: Mapping[str, Any] | None = None,
        label: str = "",
    ) -> Target:
        """`name` is a specialist, else any proxy model name (a coordinator)."""
        spec = self.board.specialist(name)
        base = tuple(messages) if messages is not None else self.request.messages
        return Target(
            label=label or name,
            specialist=spec.name if spec else name,
            model=spec.model if spec else name,
            messages=with_system(base, spec.system_prompt if spec else None),
            params=call_params(self.request.params, spec, params or {}),
            timeout=(spec.timeout if spec and spec.timeout else self.board.timeout),
        )

    def _call_target(self, call: Call) -> Target:
        if self.board.specialist(call.specialist) is None:
            raise BoardConfigError(
                f"board {self.board.name!r}: strategy {self.board.strategy!r} chose "
                f"{call.specialist!r}, which is not one of its specialists"
            )
        return self.target(call.specialist, call.messages, call.params, call.label)

    # -- calls ---------------------------------------------------------------------
    async def _answer(self, t: Target, phase: str) -> Answer | Failure:
        started = time.monotonic()
        try:
            reply: Reply = await asyncio.wait_for(
                self.caller.complete(t.model, t.messages, t.params), t.timeout
            )
        except TimeoutError:
            return self._failed(t, phase, started, f"timed out after {t.timeout:g} s", 504)
        except CallFailed as exc:
            return self._failed(t, phase, started, str(exc), exc.status, exc)
        seconds = self._record(t, phase, started, usage=reply.usage).seconds
        return Answer(
            specialist=t.specialist,
            model=t.model,
            message=reply.message,
            finish_reason=reply.finish_reason,
            usage=reply.usage,
            seconds=seconds,
            logprobs=reply.logprobs,
            label=t.label,
        )

    def _record(
        self, t: Target, phase: str, started: float, error: str = "", usage: Usage | None = None
    ) -> CallRecord:
        """Add one call to the report: failed when it has an error."""
        record = CallRecord(
            t.label,
            t.specialist,
            t.model,
            phase,
            ok=not error,
            seconds=time.monotonic() - started,
            error=error,
            usage=usage or Usage(),
            at=started - self.report.started,
        )
        self.report.calls.append(record)
        return record

    def _failed(
        self,
        t: Target,
        phase: str,
        started: float,
        error: str,
        status: int | None,
        exc: CallFailed | None = None,
    ) -> Failure:
        error = error.strip().splitlines()[0][:300] if error.strip() else "failed"
        seconds = self._record(t, phase, started, error).seconds
        param, code = (exc.param, exc.code) if exc is not None else (None, None)
        return Failure(t.specialist, error, seconds, t.label, status, param, code)

    async def _ask(
        self, name: str, messages: Sequence[Message] | None, params: Mapping[str, Any], label: str
    ) -> Answer:
        got = await self._answer(self.target(name, messages, params, label), "ask")
        if isinstance(got, Failure):
            raise BoardError(f"{got.label}: {got.error}", got.status or 502)
        return got

    # -- the flow ------------------------------------------------------------------
    async def decide(self) -> Answer | Final:
        """Route, run the panel and coordinate: either the chosen answer, or the
        final pass still to make."""
        started = time.monotonic()
        route = await _resolve(
            self.strategy.route(
                board=self.context, request=self.request, candidates=self.board.specialists
            )
        )
        self.report.route_ms = (time.monotonic() - started) * 1000
        if not isinstance(route, Route) or not route.calls:
            raise BoardConfigError(
                f"board {self.board.name!r}: strategy {self.board.strategy!r} returned no calls"
            )
        self.report.route_reason = route.reason
        targets = [self._call_target(c) for c in route.calls]
        if route.final:
            return Final(tuple(targets))
        answers, failures = await self._panel(targets, route.sequential)
        if not answers:
            raise no_live(self.board.name, failures)
        outcome = await _resolve(
            self.strategy.coordinate(
                board=self.context, request=self.request, answers=answers, failures=failures
            )
        )
        if isinstance(outcome, Pick):
            self.report.coordinator_reason = outcome.reason
            self.report.notes.update(outcome.notes)
            return outcome.answer
        if isinstance(outcome, Synthesize):
            self.report.coordinator_reason = outcome.reason
            self.report.notes.update(outcome.notes)
            synthesis = self.target(outcome.model, outcome.messages, outcome.params, outcome.label)
            return Final((synthesis,), fallback=self.board.first_answer(answers))
        raise BoardConfigError(
            f"board {self.board.name!r}: coordinator returned {type(outcome).__name__}, "
            "not Pick or Synthesize"
        )

    def _fall_back(self, final: Final, failures: Sequence[Failure]) -> Answer:
        """The last resort when the final pass failed: the panel's answer, if any."""
        if final.fallback is None:
            raise no_live(self.board.name, failures)
        self.report.coordinator_reason += (
            f"; {failures[-1].label} failed, answered with {final.fallback.label}"
        )
        self.report.notes["final_pass_failed"] = True
        return final.fallback

    async def _panel(
        self, targets: list[Target], sequential: bool
    ) -> tuple[list[Answer], list[Failure]]:
        if sequential:
            failures: list[Failure] = []
            for t in targets:
                got = await self._answer(t, "panel")
                if isinstance(got, Answer):
                    return [got], failures
                failures.append(got)
            return [], failures
        first = len(self.report.calls)
        results = await asyncio.gather(*(self._answer(t, "panel") for t in targets))
        # The report lists a parallel panel in the order it was called, not finished.
        self.report.calls[first:] = sorted(self.report.calls[first:], key=lambda c: c.at)
        return (
            [r for r in results if isinstance(r, Answer)],
            [r for r in results if isinstance(r, Failure)],
        )

    async def complete(self) -> Answer:
        decided = await self.decide()
        if isinstance(decided, Answer):
            return decided
        failures = []
        for t in decided.targets:
            got = await self._answer(t, "final")
            if isinstance(got, Answer):
                return got
            failures.append(got)
        return self._fall_back(decided, failures)

    async def stream(self) -> AsyncIterator[Piece]:
        """Everything up to the final pass's first piece happens in this await (so
        errors still get an HTTP status); the iterator streams the rest."""
        decided = await self.decide()
        if isinstance(decided, Answer):
            return _pieces(decided)
        failures = []
        for t in decided.targets:
            started = time.monotonic()
            try:
                pieces = await asyncio.wait_for(
                    self.caller.stream(t.model, t.messages, t.params), t.timeout
                )
            except TimeoutError:
                error = f"timed out after {t.timeout:g} s"
                failures.append(self._failed(t, "final", started, error, 504))
                continue
            except CallFailed as exc:
                failures.append(self._failed(t, "final", started, str(exc), exc.status, exc))
                continue
            return self._relay(t, pieces, started)
        return _pieces(self._fall_back(decided, failures))

    async def _relay(
        self, t: Target, pieces: AsyncIterator[Piece], started: float
    ) -> AsyncIterator[Piece]:
        record = self._record(t, "final", started, "cut off")
        try:
            async for piece in pieces:
                if piece.usage is not None:
                    record.usage = piece.usage
                yield piece
        finally:
            await pieces.aclose()  # type: ignore[attr-defined]
        record.ok, record.error = True, ""
        record.seconds = time.monotonic() - started


async def _pieces(answer: Answer) -> AsyncIterator[Piece]:
    if answer.text:
        yield Piece(text=answer.text)
    calls = tuple({**c, "index": i} for i, c in enumerate(answer.tool_calls))
    yield Piece(tool_calls=calls, finish_reason=answer.finish_reason)


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def no_live(board: str, failures: Sequence[Failure]) -> BoardError:
    """503 when specialists failed; the callers' own 4xx when every one reached refused
    the request itself (the client's input is at fault, not the panel)."""
    said = "; ".join(f"{f.label}: {f.error}" for f in failures) or "no call was made"
    refusals = [f for f in failures if _refused(f.status)]
    statuses = {f.status for f in refusals}
    named = {(f.param, f.code) for f in refusals}  # what the error names, when all agree
    down = all(_refused(f.status) or f.status is None or f.status >= 500 for f in failures)
    if refusals and len(statuses) == 1 and down:
        param, code = named.pop() if len(named) == 1 else (None, None)
        return BoardError(
            f"board {board!r}: the specialists rejected the request: {said}",
            statuses.pop(),
            param=param,
            code=code,
        )
    return NoLiveSpecialist(f"board {board!r} has no live specialist: {said}")


def _refused(status: int | None) -> bool:
    return status is not None and 400 <= status < 500 and status not in (408, 429)
