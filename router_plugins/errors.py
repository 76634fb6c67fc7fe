"""The board's exceptions; the provider translates them to HTTP errors (and only it)."""

from __future__ import annotations


class BoardError(Exception):
    """Base class; `status_code` is the HTTP status the client gets."""

    status_code = 500
    param: str | None = None  # OpenAI's error.param and error.code, when one applies
    code: str | None = None

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        *,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.param, self.code = param, code


class BoardConfigError(BoardError):
    """The board's declaration (or its strategy's answer) is unusable: an operator's
    problem, not the client's. The board is unusable until the config is fixed (503,
    like a model that cannot be served); the proxy keeps serving everything else.
    `problems` lists each one, naming its field."""

    status_code = 503

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class BoardLoop(BoardConfigError):
    """A board would call itself, directly or through another board."""


class NoLiveSpecialist(BoardError):
    """Every call the board made failed (503)."""

    status_code = 503


class PluginError(Exception):
    """A plugin cannot be loaded or clashes with another (raised at startup)."""
