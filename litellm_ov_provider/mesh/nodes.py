"""Which nodes a front door uses (pure): `general_settings.openvino.nodes` in the
proxy config, else `OV_NODES`. A node's key always comes from the environment.

    general_settings:
      openvino:
        nodes:
          - name: bigbox
            url: http://10.0.0.5:8000        # the node's base URL (with or without /v1)
            api_key: os.environ/BIGBOX_KEY   # optional; default OV_NODE_BIGBOX_KEY
        node_poll_seconds: 2

    OV_NODES="bigbox=http://10.0.0.5:8000,spare=http://10.0.0.6:8000"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ENV_REF = "os.environ/"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
DEFAULT_POLL_SECONDS = 2.0


class NodeConfigError(ValueError):
    """A node declaration that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    url: str  # the base URL, without a trailing /v1
    key_env: str  # the environment variable holding its key (unset: no key)
    timeout: float | None = None  # per request to this node; None: LiteLLM's default

    @property
    def api_base(self) -> str:
        return f"{self.url}/v1"

    def key(self, env: Mapping[str, str]) -> str | None:
        return env.get(self.key_env) or None


def default_key_env(name: str) -> str:
    """OV_NODE_<NAME>_KEY: the key variable of a node that names none."""
    return f"OV_NODE_{name.upper().replace('-', '_')}_KEY"


def node_url(raw: Any, name: str) -> str:
    """An http(s) URL with a host and nothing a key could hide in (no user:password,
    query or fragment), without its trailing `/` or `/v1`."""
    if not isinstance(raw, str):
        raise NodeConfigError(f"node {name!r}: url must be a string")
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NodeConfigError(f"node {name!r}: url must be http(s)://host[:port]")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise NodeConfigError(
            f"node {name!r}: url must not carry credentials, a query or a fragment "
            "(give the key as api_key: os.environ/VAR)"
        )
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise NodeConfigError(f"node {name!r}: url has an invalid port") from None
    path = parts.path.rstrip("/").removesuffix("/v1").rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def node_name(raw: Any) -> str:
    if not isinstance(raw, str) or not _NAME.fullmatch(raw):
        raise NodeConfigError(
            f"node name {raw!r}: use letters, digits, '_' or '-' (at most 63, starting "
            "with a letter or digit)"
        )
    return raw


def key_env(raw: Any, name: str) -> str:
    """The variable a node's key is read from: `os.environ/VAR`, never a literal."""
    if raw is None:
        return default_key_env(name)
    if not isinstance(raw, str) or not raw.startswith(ENV_REF) or len(raw) == len(ENV_REF):
        raise NodeConfigError(
            f"node {name!r}: api_key must name an environment variable "
            "(api_key: os.environ/VAR), never the key itself"
        )
    return raw.removeprefix(ENV_REF)


def parse_node(raw: Any) -> NodeSpec:
    if not isinstance(raw, Mapping):
        raise NodeConfigError(f"a node must be a mapping with name and url, not {raw!r}")
    unknown = set(raw) - {"name", "url", "api_key", "timeout"}
    name = node_name(raw.get("name"))
    if unknown:
        raise NodeConfigError(f"node {name!r}: unknown keys {sorted(unknown)}")
    timeout = raw.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0
    ):
        raise NodeConfigError(f"node {name!r}: timeout must be a positive number of seconds")
    return NodeSpec(
        name, node_url(raw.get("url"), name), key_env(raw.get("api_key"), name), timeout
    )


def env_nodes(value: str) -> list[Any]:
    """OV_NODES (`name=url,name=url`) as the config's list of mappings."""
    out: list[Any] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, url = item.partition("=")
        if not sep:
            raise NodeConfigError(f"OV_NODES: {item!r} is not name=url")
        out.append({"name": name.strip(), "url": url.strip()})
    return out


def declared_nodes(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[NodeSpec]:
    """The nodes the config (general_settings.openvino.nodes) or OV_NODES declares;
    NodeConfigError names the first problem."""
    raw = settings.get("nodes")
    if raw is None:
        raw = env_nodes(env.get("OV_NODES", ""))
    if not isinstance(raw, list):
        raise NodeConfigError("general_settings.openvino.nodes must be a list of nodes")
    specs = [parse_node(item) for item in raw]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise NodeConfigError(f"node names must be unique: {names}")
    keys = [s.key_env for s in specs]
    if len(set(keys)) != len(keys):  # `a-b` and `a_b` would share OV_NODE_A_B_KEY
        raise NodeConfigError(f"each node needs a key variable of its own: {keys}")
    return specs


def config_problem(exc: Exception) -> str:
    """Why a config file cannot be used, without quoting it (a YAML error's snippet
    could carry a secret written on the broken line)."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    return str(exc)


def allowed_fails(settings: Mapping[str, Any]) -> int:
    """Failed requests (within cooldown_time) before another node's deployment is cooled down."""
    value = settings.get("node_allowed_fails", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NodeConfigError("general_settings.openvino.node_allowed_fails must be 0 or more")
    return value


def openvino_section(config: Any) -> Mapping[str, Any]:
    """`general_settings.openvino` of a parsed proxy config, as written in the file:
    LiteLLM resolves `os.environ/` references when it loads the config, so only the
    file says whether a key was written as a literal."""
    general = config.get("general_settings") if isinstance(config, Mapping) else None
    ours = general.get("openvino") if isinstance(general, Mapping) else None
    return ours if isinstance(ours, Mapping) else {}


def poll_seconds(settings: Mapping[str, Any]) -> float:
    value = settings.get("node_poll_seconds", DEFAULT_POLL_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise NodeConfigError("general_settings.openvino.node_poll_seconds must be positive")
    return float(value)
