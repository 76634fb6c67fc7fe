"""When a key is good enough to listen beyond loopback (node and front door alike)."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path

# Where `make run` keeps the master key it generates (mode 600), and where tools that
# talk to the running proxy look for it.
MASTER_KEY_FILE = Path("~/.config/litellm-ov/master_key")
MIN_KEY_CHARS = 32
PLACEHOLDERS = ("change-me", "changeme", "replace-me", "your-key", "placeholder", "sk-1234")


def key_matches(given: str | None, expected: str | None) -> bool:
    """Whether a client's key is `expected` (constant time; no key never matches)."""
    return bool(given and expected) and hmac.compare_digest(
        str(given).encode(), str(expected).encode()
    )


def stored_master_key() -> str | None:
    """$LITELLM_MASTER_KEY, else the key `make run` stored (None when neither is there)."""
    if os.environ.get("LITELLM_MASTER_KEY"):
        return os.environ["LITELLM_MASTER_KEY"]
    try:
        return MASTER_KEY_FILE.expanduser().read_text().strip() or None
    except OSError:
        return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def weak_key_problem(key: str | None) -> str | None:
    """Why `key` must not guard a port others can reach, or None when it may."""
    if not key:
        return "no key is set"
    if any(marker in key.lower() for marker in PLACEHOLDERS):
        return "the key is still the template's placeholder"
    if len(key) < MIN_KEY_CHARS:
        return f"the key has {len(key)} characters; at least {MIN_KEY_CHARS} are needed"
    return None


def ensure_secret(path: Path) -> str:
    """A generated secret kept in `path`: read, or generated once and written mode 600
    (the local database's and Redis's passwords)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_hex(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret
