"""Error text fit for a client: no filesystem paths, no native or Python stack traces.

The full text always goes to the log first; clients get `public_message(...)`.
"""

from __future__ import annotations

import re

# Filesystem paths under the usual Unix and macOS roots. URL paths such as
# "/v1/embeddings" are left alone: they are not under these roots.
_ROOTS = (
    "home|root|tmp|opt|usr|var|etc|srv|mnt|media|work|proc|sys|dev|run|data|snap|nix"
    "|lib|lib64|bin|sbin|boot|private|Users|Volumes|Library|Applications"
)
_PATH = re.compile(rf"(?<![\w.~/-])/(?:{_ROOTS})(?:/[^\s'\"(),;:\]]*)?")
_HOME = re.compile(r"(?<![\w.])~[\w.-]*(?:/[^\s'\"(),;:\]]*)?")
# "[11:14:01] " timestamps and "file.cc:75: " / "at src/x.cpp:12:" source references
# that native libraries put in front of their messages.
_TIMESTAMP = re.compile(r"^\[\d{2}:\d{2}:\d{2}\]\s*")
_SOURCE_REF = re.compile(r"(?:\bat\s+)?[\w./-]+\.(?:cc|cpp|cxx|hpp|h|py):\d+:?\s*")
_CHECK_FAILED = re.compile(r"^Check failed: .*? is false:\s*")
_TRACE_START = ("Traceback (most recent call last)", "Stack trace", "Backtrace")
_MAX_CHARS = 1000


def redact_paths(text: str) -> str:
    """Replace filesystem paths (and ~user paths) with <path>."""
    return _HOME.sub("<path>", _PATH.sub("<path>", text))


def _strip_traces(text: str) -> str:
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(_TRACE_START):
            break
        if stripped.startswith(('File "', "File '")) or re.match(r"^#\d+\s", stripped):
            continue
        kept.append(line)
    return "\n".join(kept)


def public_message(text: str, fallback: str = "internal error") -> str:
    """`text` without paths, stack traces or native source references, cut to a
    readable length; `fallback` when nothing meaningful is left."""
    lines = []
    for raw in _strip_traces(text).splitlines():
        line = _SOURCE_REF.sub("", _TIMESTAMP.sub("", raw.strip()))
        line = redact_paths(_CHECK_FAILED.sub("", line)).strip()
        if line and not line.startswith(("Exception from", "Check '")):
            lines.append(line)
    out = " ".join(lines).strip()
    if len(out) > _MAX_CHARS:
        out = out[: _MAX_CHARS - 3].rstrip() + "..."
    return out or fallback


def engine_error(exc: BaseException) -> str:
    """The meaningful last line of a native (OpenVINO/GenAI) exception, made public."""
    return engine_error_text(str(exc), type(exc).__name__)


def engine_error_text(text: str, fallback: str = "engine error") -> str:
    """The meaningful last line of a native error's text, made public."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return public_message(lines[-1], fallback) if lines else fallback
