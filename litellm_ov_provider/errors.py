"""The node's exception tree. Translated to HTTP/OpenAI errors only at the edges."""

from __future__ import annotations


class NodeError(Exception):
    """Base class; `status_code` is the HTTP status the edge should use."""

    status_code = 500
    error_type = "server_error"
    code: str | None = None  # OpenAI's error.code, when one applies

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class InvalidRequest(NodeError):
    """The request cannot be served as written (400)."""

    status_code = 400
    error_type = "invalid_request_error"


class ContextWindowExceeded(InvalidRequest):
    """The prompt (plus the completion asked for) does not fit the model's context
    window (400, OpenAI's `context_length_exceeded`): LiteLLM's router may send it on to
    a `context_window_fallbacks` model."""

    code = "context_length_exceeded"


class UnsupportedParameter(InvalidRequest):
    """A documented OpenAI parameter this engine cannot honour (400, OpenAI's
    `unsupported_parameter`): refused rather than silently ignored."""

    code = "unsupported_parameter"


class BodyTooLarge(InvalidRequest):
    """The request body is over the size cap (413)."""

    status_code = 413


class ModelNotFound(NodeError):
    """No registry model has this name (404, OpenAI's `model_not_found`)."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "model_not_found"


class ModelUnavailable(NodeError):
    """The model exists but cannot serve now: load failed, worker died (503)."""

    status_code = 503
    error_type = "server_error"


class WorkerCrashed(ModelUnavailable):
    """The model's worker process exited under a request; a new one starts on the next
    request, so a request that had produced nothing yet may be tried once more."""


class Overloaded(ModelUnavailable):
    """Too many requests are waiting for this model; try again after `retry_after` s."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RegistryError(NodeError):
    """The registry file is unreadable or invalid; the last good one stays in use."""
