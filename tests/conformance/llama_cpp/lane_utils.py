#!/usr/bin/env python3
"""Drop-in replacement for llama.cpp's tools/server/tests/utils.py (conformance lane).

Installed as `utils.py` next to the vendored `unit/` directory, so the vendored tests'
`from utils import *` picks it up unchanged. Instead of spawning llama-server it points
every ServerProcess at an already-running OpenAI-compatible front door:

  OV_FRONT_DOOR_URL   base URL of the front door, e.g. http://127.0.0.1:4000 (required)
  OV_FRONT_DOOR_KEY   API key sent as `Authorization: Bearer <key>` (required)
  OV_MODEL            model name the front door serves (default smollm2-135m-instruct)
  OV_STRICT_TEXT=1    keep llama.cpp's model-specific text regexes strict (default: relaxed)

What it changes relative to upstream, and only this:
  * start()/stop() spawn/kill nothing; start() only checks the door is up. Server
    settings that tests assign (n_slots, jinja, chat_template, n_ctx, ...) are accepted
    and ignored: they configure llama-server, not a request.
  * every request gets the front door's key unless the test sent its own credential
    header; a test's own `server.api_key` (the key it believes is correct) is
    translated to the front door's key, any other key (e.g. "invalid-key") is sent as is.
  * the `model` of every JSON request body is rewritten to OV_MODEL (tests send None,
    "gpt-3.5-turbo-instruct", "codellama70b", "davinci-002"...), also for the openai
    library (the exported `OpenAI` wraps openai.OpenAI with a body-rewriting transport).
  * presets that need a different kind of model (embedding, reranker, infill, vision,
    router, MoE/LoRA) skip their test at start().
  * make_any_request() no longer requires llama.cpp's `timings` in the usage chunk.
  * match_regex() treats the known tinyllama/stories260K text regexes as "non-empty
    text" (they describe what that toy model writes, not protocol behaviour); every
    other regex (JSON, grammar...) is still matched.
"""

# Imports as upstream's utils.py has them: its tests use them through `from utils import *`.
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from json import JSONDecodeError
from re import RegexFlag
from typing import (
    Any,
    Callable,
    ContextManager,
    Iterable,
    List,
    Literal,
    Optional,
    Set,
    Tuple,
)
from urllib.parse import urlsplit

import httpx
import openai as _openai
import pytest
import requests

TMP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tmp")
DEFAULT_HTTP_TIMEOUT = 60
DEFAULT_REQUEST_TIMEOUT = 600

FRONT_DOOR_URL = os.environ.get("OV_FRONT_DOOR_URL", "").rstrip("/")
FRONT_DOOR_KEY = os.environ.get("OV_FRONT_DOOR_KEY", "")
SERVED_MODEL = os.environ.get("OV_MODEL", "smollm2-135m-instruct")
STRICT_TEXT = os.environ.get("OV_STRICT_TEXT") == "1"

_CRED_HEADERS = ("authorization", "x-api-key")


def _front_door() -> tuple[str, str, int, str]:
    """(scheme, host, port, base path) of OV_FRONT_DOOR_URL."""
    if not FRONT_DOOR_URL:  # collection still works; start() refuses
        return "http", "127.0.0.1", 8080, ""
    parts = urlsplit(FRONT_DOOR_URL)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme or "http", parts.hostname or "127.0.0.1", port, parts.path.rstrip("/")


def _rewrite_model(data: Any) -> Any:
    """A copy of a JSON request body whose `model` names the served model."""
    if isinstance(data, dict):
        data = dict(data)
        data["model"] = SERVED_MODEL
    return data


class ServerResponse:
    headers: dict
    status_code: int
    body: dict | Any


class ServerError(Exception):
    def __init__(self, code, body):
        self.code = code
        self.body = body


class ServerProcess:
    # default options (same names as upstream: tests assign and read them)
    debug: bool = False
    server_port: int = 8080
    server_host: str = "127.0.0.1"
    model_hf_repo: str | None = None
    model_hf_file: str | None = None
    temperature: float = 0.8
    seed: int = 42
    offline: bool = False

    model_alias: str | None = None
    model_tags: str | None = None
    model_url: str | None = None
    model_file: str | None = None
    model_draft: str | None = None
    n_threads: int | None = None
    n_gpu_layer: int | None = None
    n_batch: int | None = None
    n_ubatch: int | None = None
    n_ctx: int | None = None
    n_ga: int | None = None
    n_ga_w: int | None = None
    n_predict: int | None = None
    n_prompts: int | None = 0
    slot_save_path: str | None = None
    id_slot: int | None = None
    cache_prompt: bool | None = None
    n_slots: int | None = None
    ctk: str | None = None
    ctv: str | None = None
    fa: str | None = None
    server_continuous_batching: bool | None = False
    server_embeddings: bool | None = False
    server_reranking: bool | None = False
    server_metrics: bool | None = False
    kv_unified: bool | None = False
    swa_full: bool | None = False
    server_slots: bool | None = False
    pooling: str | None = None
    api_key: str | None = None
    models_dir: str | None = None
    models_max: int | None = None
    models_preset: str | None = None
    no_models_autoload: bool | None = None
    lora_files: list[str] | None = None
    enable_ctx_shift: int | None = False
    spec_type: str | None = None
    spec_draft_n_min: int | None = None
    spec_draft_n_max: int | None = None
    spec_synth_len: float | None = None
    spec_synth_rates: list[float] | None = None
    no_ui: bool | None = None
    jinja: bool | None = None
    reasoning_format: Literal["deepseek", "none", "nothink"] | None = None
    reasoning: Literal["on", "off", "auto"] | None = None
    chat_template: str | None = None
    chat_template_file: str | None = None
    server_path: str | None = None
    mmproj_url: str | None = None
    no_mmproj: bool | None = None
    media_path: str | None = None
    sleep_idle_seconds: int | None = None
    cache_ram: int | None = None
    no_cache_idle_slots: bool = False
    log_path: str | None = None
    ui_mcp_proxy: bool = False
    backend_sampling: bool = False
    gcp_compat: bool = False
    server_tools: str | None = None
    server_tools_runtime: str | None = None
    mcp_servers_config: str | None = None
    mcp_servers_json: str | None = None
    cors_origins: str | None = None

    # shim-only
    unsupported: str | None = None  # why this preset cannot be served by the front door
    process: subprocess.Popen | None = None
    external_server: bool = True
    ready: bool = False

    def __init__(self):
        self.scheme, self.server_host, self.server_port, self.base_path = _front_door()
        self.model_alias = SERVED_MODEL

    # -- lifecycle: nothing to spawn -------------------------------------------------
    def start(self, timeout_seconds: int = DEFAULT_HTTP_TIMEOUT) -> None:
        if self.unsupported:
            pytest.skip(f"front door lane: {self.unsupported}")
        if not FRONT_DOOR_URL or not FRONT_DOOR_KEY:
            raise RuntimeError("set OV_FRONT_DOOR_URL and OV_FRONT_DOOR_KEY")
        deadline = time.time() + timeout_seconds
        last: Exception | None = None
        while time.time() < deadline:
            try:
                r = requests.get(self.make_url("/v1/models"), headers=self._auth(None), timeout=10)
                if r.status_code == 200:
                    self.ready = True
                    server_instances.add(self)
                    return
                last = RuntimeError(f"/v1/models answered {r.status_code}: {r.text[:200]}")
            except requests.RequestException as e:
                last = e
            time.sleep(0.5)
        raise TimeoutError(f"front door {FRONT_DOOR_URL} not ready: {last}")

    def stop(self) -> None:
        server_instances.discard(self)

    # -- requests ----------------------------------------------------------------
    def make_url(self, path: str, host: str | None = None) -> str:
        host = host or self.server_host
        return f"{self.scheme}://{host}:{self.server_port}{self.base_path}{path}"

    def _auth(self, headers: dict | None) -> dict:
        """Headers with the front door's credential, unless the test chose its own."""
        headers = dict(headers or {})
        given = {k.lower(): k for k in headers}
        if not any(h in given for h in _CRED_HEADERS):
            headers["Authorization"] = f"Bearer {FRONT_DOOR_KEY}"
            return headers
        # the test's notion of "the correct key" becomes the front door's key
        if self.api_key:
            for low in _CRED_HEADERS:
                k = given.get(low)
                if k is None or headers[k] is None:
                    continue
                if headers[k] in (self.api_key, f"Bearer {self.api_key}"):
                    headers[k] = headers[k].replace(self.api_key, FRONT_DOOR_KEY)
        return headers

    def make_request(
        self,
        method: str,
        path: str,
        data: dict | Any | None = None,
        headers: dict | None = None,
        timeout: float | None = DEFAULT_REQUEST_TIMEOUT,
        host: str | None = None,
    ) -> ServerResponse:
        url = self.make_url(path, host)
        headers = self._auth(headers)
        parse_body = False
        if method == "GET":
            response = requests.get(url, headers=headers, timeout=timeout)
            parse_body = True
        elif method == "POST":
            response = requests.post(
                url, headers=headers, json=_rewrite_model(data), timeout=timeout
            )
            parse_body = True
        elif method == "DELETE":
            response = requests.delete(url, headers=headers, timeout=timeout)
            parse_body = True
        elif method == "OPTIONS":
            response = requests.options(url, headers=headers, timeout=timeout)
        else:
            raise ValueError(f"Unimplemented method: {method}")
        result = ServerResponse()
        result.headers = dict(response.headers)
        result.status_code = response.status_code
        if parse_body:
            try:
                result.body = response.json()
            except (JSONDecodeError, requests.exceptions.JSONDecodeError):
                result.body = response.text
        else:
            result.body = None
        print("Response from server", json.dumps(result.body, indent=2))
        return result

    def make_stream_request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
        host: str | None = None,
    ) -> Iterator[dict]:
        url = self.make_url(path, host)
        headers = self._auth(headers)
        if method == "POST":
            response = requests.post(
                url,
                headers=headers,
                json=_rewrite_model(data),
                stream=True,
                timeout=DEFAULT_REQUEST_TIMEOUT,
            )
        else:
            raise ValueError(f"Unimplemented method: {method}")
        if response.status_code != 200:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            raise ServerError(response.status_code, body)
        for line_bytes in response.iter_lines():
            line = line_bytes.decode("utf-8")
            if "[DONE]" in line:
                break
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                print("Partial response from server", json.dumps(data, indent=2))
                yield data

    def make_any_request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
        timeout: float | None = DEFAULT_REQUEST_TIMEOUT,
    ) -> dict:
        stream = data.get("stream", False)
        if stream:
            content: list[str] = []
            reasoning_content: list[str] = []
            tool_calls: list[dict] = []
            finish_reason: str | None = None

            content_parts = 0
            reasoning_content_parts = 0
            tool_call_parts = 0
            arguments_parts = 0

            for chunk in self.make_stream_request(method, path, data, headers):
                if chunk["choices"]:
                    assert len(chunk["choices"]) == 1, (
                        f"Expected 1 choice, got {len(chunk['choices'])}"
                    )
                    choice = chunk["choices"][0]
                    if choice["delta"].get("content") is not None:
                        assert len(choice["delta"]["content"]) > 0, (
                            "Expected non empty content delta!"
                        )
                        content.append(choice["delta"]["content"])
                        content_parts += 1
                    if choice["delta"].get("reasoning_content") is not None:
                        assert len(choice["delta"]["reasoning_content"]) > 0, (
                            "Expected non empty reasoning_content delta!"
                        )
                        reasoning_content.append(choice["delta"]["reasoning_content"])
                        reasoning_content_parts += 1
                    # OpenAI puts finish_reason on the choice (upstream read it from the delta)
                    if choice.get("finish_reason") is not None:
                        finish_reason = choice["finish_reason"]
                    if choice["delta"].get("finish_reason") is not None:
                        finish_reason = choice["delta"]["finish_reason"]
                    for tc in choice["delta"].get("tool_calls") or []:
                        if "function" not in tc:
                            raise ValueError(f"Expected function type, got {tc['type']}")
                        if tc["index"] >= len(tool_calls):
                            assert "id" in tc
                            assert tc.get("type") == "function"
                            assert (
                                "function" in tc
                                and "name" in tc["function"]
                                and len(tc["function"]["name"]) > 0
                            ), f"Expected function call with name, got {tc.get('function')}"
                            tool_calls.append(
                                dict(
                                    id="",
                                    type="function",
                                    function=dict(
                                        name="",
                                        arguments="",
                                    ),
                                )
                            )
                        tool_call = tool_calls[tc["index"]]
                        if tc.get("id") is not None:
                            tool_call["id"] = tc["id"]
                        fct = tc["function"]
                        assert "id" not in fct, f"Function call should not have id: {fct}"
                        if fct.get("name") is not None:
                            tool_call["function"]["name"] = (
                                tool_call["function"].get("name", "") + fct["name"]
                            )
                        if fct.get("arguments") is not None:
                            tool_call["function"]["arguments"] += fct["arguments"]
                            arguments_parts += 1
                        tool_call_parts += 1
                else:
                    # the usage chunk (OpenAI: only with stream_options.include_usage);
                    # llama.cpp's extra `timings` is not required here
                    assert "usage" in chunk, f"Expected usage in chunk: {chunk}"
            print(
                f"Streamed response had {content_parts} content parts, {reasoning_content_parts} reasoning_content parts, {tool_call_parts} tool call parts incl. {arguments_parts} arguments parts"
            )
            result = dict(
                choices=[
                    dict(
                        index=0,
                        finish_reason=finish_reason,
                        message=dict(
                            role="assistant",
                            content="".join(content) if content else None,
                            reasoning_content="".join(reasoning_content)
                            if reasoning_content
                            else None,
                            tool_calls=tool_calls if tool_calls else None,
                        ),
                    )
                ],
            )
            print("Final response from server", json.dumps(result, indent=2))
            return result
        else:
            response = self.make_request(method, path, data, headers, timeout=timeout)
            assert response.status_code == 200, (
                f"Server returned error: {response.status_code} {response.body}"
            )
            return response.body


server_instances: set[ServerProcess] = set()


# -- openai library: same class name, so `from utils import *` shadows openai.OpenAI --
class _ModelRewrite(httpx.BaseTransport):
    """Rewrites the `model` of JSON request bodies to the served model."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            try:
                body = json.loads(request.read())
            except ValueError:
                body = None
            if isinstance(body, dict) and "model" in body:
                content = json.dumps(_rewrite_model(body)).encode()
                headers = dict(request.headers)
                headers["content-length"] = str(len(content))
                request = httpx.Request(
                    request.method,
                    request.url,
                    headers=headers,
                    content=content,
                    extensions=request.extensions,
                )
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class OpenAI(_openai.OpenAI):
    """openai.OpenAI against the front door: its key, its model, the test's base path."""

    def __init__(self, *args, api_key: str | None = None, base_url: str | None = None, **kwargs):
        kwargs.setdefault(
            "http_client", httpx.Client(transport=_ModelRewrite(), timeout=DEFAULT_REQUEST_TIMEOUT)
        )
        scheme, host, port, base = _front_door()
        if base_url is not None:
            # tests build http://{server_host}:{server_port}[/v1]; keep their path suffix
            suffix = urlsplit(base_url).path
            base_url = f"{scheme}://{host}:{port}{base}{suffix}"
        super().__init__(*args, api_key=FRONT_DOOR_KEY, base_url=base_url, **kwargs)


class ServerPreset:
    @staticmethod
    def load_all() -> None:
        """Nothing to download: the front door serves its own model."""

    @staticmethod
    def _chat() -> ServerProcess:
        server = ServerProcess()
        server.n_ctx = 512
        server.n_batch = 32
        server.n_slots = 2
        server.n_predict = 64
        server.seed = 42
        return server

    @staticmethod
    def _unsupported(reason: str) -> ServerProcess:
        server = ServerProcess()
        server.unsupported = reason
        return server

    @staticmethod
    def tinyllama2() -> ServerProcess:
        return ServerPreset._chat()

    @staticmethod
    def bert_bge_small() -> ServerProcess:
        return ServerPreset._unsupported("needs an embedding model (bert-bge-small)")

    @staticmethod
    def bert_bge_small_with_fa() -> ServerProcess:
        return ServerPreset._unsupported(
            "needs an embedding model (bert-bge-small, flash attention)"
        )

    @staticmethod
    def tinyllama_infill() -> ServerProcess:
        return ServerPreset._unsupported("needs an infill model and /infill")

    @staticmethod
    def stories15m_moe() -> ServerProcess:
        return ServerPreset._unsupported("needs stories15M MoE + LoRA/speculative server features")

    @staticmethod
    def jina_reranker_tiny() -> ServerProcess:
        return ServerPreset._unsupported("needs a reranker model and /rerank")

    @staticmethod
    def tinygemma3() -> ServerProcess:
        return ServerPreset._unsupported("needs a vision model (tinygemma3)")

    @staticmethod
    def router() -> ServerProcess:
        return ServerPreset._unsupported("llama-server router mode (model load/unload API)")


def parallel_function_calls(
    function_list: list[tuple[Callable[..., Any], tuple[Any, ...]]],
) -> list[Any]:
    results = [None] * len(function_list)
    exceptions = []

    def worker(index, func, args):
        try:
            result = func(*args)
            results[index] = result
        except Exception as e:
            exceptions.append((index, str(e)))

    with ThreadPoolExecutor() as executor:
        futures = []
        for i, (func, args) in enumerate(function_list):
            future = executor.submit(worker, i, func, args)
            futures.append(future)
        for _future in as_completed(futures):
            pass

    if exceptions:
        print("Exceptions occurred:")
        for index, error in exceptions:
            print(f"Function at index {index}: {error}")

    return results


# Regexes in the vendored tests that describe what tinyllama/stories260K (or Phi-3.5)
# writes. Against another model they only mean "some text came back".
MODEL_SPECIFIC_REGEXES = frozenset(
    {
        "But she couldn't",
        '(Suddenly)+|\\{ " Sarax.',
        "^ blue",
        "(Aside|she|felter|alonger)+",
        "Whillicter",
        "(Suddenly)+",
        "(going|bed)+",
        "(princesses|everyone|kids|Anna|forest)+",
        "(little|girl)+",
        "Sure, here's one for[\\s\\S]*|Sure! Here's one for you[\\s\\S]*",
    }
)


def match_regex(regex: str, text: str) -> bool:
    if not STRICT_TEXT and regex in MODEL_SPECIFIC_REGEXES:
        print(f"match_regex: model-specific regex {regex!r} relaxed to non-empty text")
        return isinstance(text, str) and len(text.strip()) > 0
    return (
        re.compile(
            regex, flags=RegexFlag.IGNORECASE | RegexFlag.MULTILINE | RegexFlag.DOTALL
        ).search(text)
        is not None
    )


def download_file(url: str, output_file_path: str | None = None) -> str:
    pytest.skip(f"front door lane: no downloads ({url})")


def is_slow_test_allowed():
    return os.environ.get("SLOW_TESTS") == "1" or os.environ.get("SLOW_TESTS") == "ON"
