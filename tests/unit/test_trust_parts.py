"""Pure pieces of the trust work: admission, redaction, broken registry entries,
specialist params, grammar suspects, worker environment, key strength."""

from __future__ import annotations

import asyncio
import json
import os
import struct
from pathlib import Path

import pytest

from litellm_ov_provider.engine.admission import Admission
from litellm_ov_provider.engine.environ import worker_env
from litellm_ov_provider.engine.grammar_gate import suspects
from litellm_ov_provider.errors import InvalidRequest, Overloaded
from litellm_ov_provider.keys import weak_key_problem
from litellm_ov_provider.redact import engine_error_text, public_message
from litellm_ov_provider.registry.catalog import Catalog
from litellm_ov_provider.request.schemas import check_schema
from litellm_ov_provider.settings import Settings
from router_plugins.board.config import SpecialistConfig, refused_params


async def test_admission_runs_batch_queues_in_order_and_refuses_past_the_queue() -> None:
    gate = Admission("m", batch=2, queue=2)
    order: list[int] = []
    release = asyncio.Event()

    async def request(i: int) -> None:
        async with gate.slot():
            order.append(i)
            await release.wait()

    running = [asyncio.create_task(request(i)) for i in range(4)]
    await asyncio.sleep(0)
    assert (gate.running, gate.waiting) == (2, 2) and order == [0, 1]
    with pytest.raises(Overloaded) as refused:
        async with gate.slot():
            pass
    assert refused.value.retry_after > 0 and refused.value.status_code == 503
    release.set()
    await asyncio.gather(*running)
    assert order == [0, 1, 2, 3] and (gate.running, gate.waiting) == (0, 0)


async def test_a_waiter_that_leaves_gives_its_turn_away() -> None:
    gate = Admission("m", batch=1, queue=4)
    release = asyncio.Event()
    served: list[str] = []

    async def request(name: str) -> None:
        async with gate.slot():
            served.append(name)
            await release.wait()

    first = asyncio.create_task(request("first"))
    await asyncio.sleep(0)
    gone, later = asyncio.create_task(request("gone")), asyncio.create_task(request("later"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, later)
    assert served == ["first", "later"] and gate.running == 0


def test_public_messages_carry_no_paths_or_traces() -> None:
    native = (
        "[11:14:01] /home/jenkins/b/xgrammar-src/cpp/regex_converter.cc:75: Regex parsing "
        "error at position 3: Lookbehind is not supported yet."
    )
    assert engine_error_text(native) == (
        "Regex parsing error at position 3: Lookbehind is not supported yet."
    )
    assert public_message("use /v1/embeddings") == "use /v1/embeddings"
    traced = 'bad\nTraceback (most recent call last):\n  File "/root/x.py", line 2\nKeyError'
    assert public_message(traced) == "bad"
    assert "<path>" in public_message("cannot open ~nosuchuser/m or /tmp/m.gguf")


def _gguf(path: Path, tensor_offset: int, size: int) -> None:
    name = b"w"
    tensor = struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 4, 0, tensor_offset)
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + tensor
    path.write_bytes(head + b"\0" * (size - len(head)))


def test_one_unreadable_entry_is_broken_and_the_others_serve(tmp_path: Path) -> None:
    conv = tmp_path / "converted_models"
    conv.mkdir()
    _gguf(conv / "good.gguf", 0, 4096)
    _gguf(conv / "cut.gguf", 1_000_000, 4096)  # its tensor lies past the end
    (conv / "loop").symlink_to(conv / "loop")
    models = {
        "good": {"path": "good.gguf"},
        "truncated": {"path": "cut.gguf"},
        "loop": {"path": "loop"},
        "nouser": {"path": "~nosuchuser-ov/m"},
        "gone": {"path": "missing.gguf"},
    }
    registry = conv / "registry.json"
    registry.write_text(json.dumps({"version": 1, "models": models}))
    catalog = Catalog(Settings(registry_path=registry))
    assert catalog.refresh()
    assert set(catalog.registry.models) == {"good"}
    broken = catalog.registry.broken
    assert set(broken) == {"truncated", "loop", "nouser", "gone"}
    assert all(str(tmp_path) not in why and "/" not in why for why in broken.values()), broken
    assert "symlink loop" in broken["loop"] and "unknown user" in broken["nouser"]


def test_specialist_params_never_carry_connection_settings() -> None:
    assert refused_params({"temperature": 0.1, "max_tokens": 5, "top_k": 3}) == []
    refused = refused_params(
        {"api_base": "x", "model": "y", "extra_body": {"base_url": "z"}, "aws_region_name": "r"}
    )
    assert refused == ["api_base", "model", "aws_region_name", "extra_body.base_url"]
    with pytest.raises(ValueError, match="api_key"):
        SpecialistConfig.model_validate({"model": "m", "params": {"api_key": "k"}})


def test_slow_grammar_constructs_are_named() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 100000}}}
    assert list(suspects(schema, "schema")) == ["schema.properties.a.maxLength = 100000"]
    assert list(suspects({"pattern": "a{1,5000}"}, "s")) == ["s.pattern 'a{1,5000}'"]


def test_a_schema_naming_a_remote_meta_schema_is_refused_not_fetched() -> None:
    with pytest.raises(InvalidRequest, match=r"unknown \$schema"):
        check_schema({"$schema": "http://127.0.0.1:9/x", "type": "object"}, "p")
    draft7 = "http://json-schema.org/draft-07/schema#"
    assert check_schema({"$schema": draft7, "type": "object"}, "p")["type"] == "object"


def test_workers_get_no_secrets() -> None:
    env = worker_env(
        {
            **os.environ,
            "LITELLM_MASTER_KEY": "k",
            "OV_API_KEY": "k",
            "DATABASE_URL": "postgres://x",
            "HEAVY_NODE_KEY": "k",
            "OV_DEVICE": "CPU",
            "OMP_NUM_THREADS": "2",
        }
    )
    assert env["OV_DEVICE"] == "CPU" and env["OMP_NUM_THREADS"] == "2"
    assert not {"LITELLM_MASTER_KEY", "OV_API_KEY", "DATABASE_URL", "HEAVY_NODE_KEY"} & set(env)


@pytest.mark.parametrize(
    ("key", "weak"),
    [
        (None, True),
        ("short", True),
        ("change-me-to-a-long-random-string-please-ok", True),
        ("0123456789abcdef0123456789abcdef", False),
    ],
)
def test_key_strength_rule(key: str | None, weak: bool) -> None:
    assert (weak_key_problem(key) is not None) is weak
