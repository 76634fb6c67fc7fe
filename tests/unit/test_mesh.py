"""The mesh's pure parts: node declarations, listings -> deployments, and the rule for
a node that stopped answering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from litellm_ov_provider.mesh.listing import (
    NO_KEY,
    NodeModel,
    NodeState,
    desired_node_deployments,
    node_deployment,
    parse_listing,
)
from litellm_ov_provider.mesh.nodes import NodeConfigError, NodeSpec, declared_nodes, parse_node
from litellm_ov_provider.proxy.deployments import deployment_id, is_node_route, is_owned
from litellm_ov_provider.proxy.routes import plan


def test_nodes_come_from_config_or_env_with_keys_from_the_environment() -> None:
    cfg = {
        "nodes": [
            {"name": "big-box", "url": "http://10.0.0.5:8000/v1/", "api_key": "os.environ/BIG"}
        ]
    }
    (spec,) = declared_nodes(cfg, {})
    assert spec == NodeSpec("big-box", "http://10.0.0.5:8000", "BIG")
    assert spec.api_base == "http://10.0.0.5:8000/v1"
    assert spec.key({"BIG": "s3cret"}) == "s3cret" and spec.key({}) is None
    a, b = declared_nodes({}, {"OV_NODES": "a=http://h1:8000, b=https://h2"})
    assert (a.url, a.key_env, b.url, b.key_env) == (
        "http://h1:8000",
        "OV_NODE_A_KEY",
        "https://h2",
        "OV_NODE_B_KEY",
    )
    assert declared_nodes({}, {}) == []


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"name": "x", "url": "http://h", "api_key": "sk-literal"}, "never the key itself"),
        ({"name": "x", "url": "http://user:pw@h"}, "credentials"),
        ({"name": "x", "url": "ftp://h"}, "http(s)"),
        ({"name": "../x", "url": "http://h"}, "node name"),
        ({"name": "x", "url": "http://h", "port": 1}, "unknown keys"),
        ({"name": "x", "url": "http://h", "timeout": -1}, "timeout"),
        ("http://h", "mapping"),
    ],
)
def test_bad_node_declarations_say_why(raw: object, says: str) -> None:
    with pytest.raises(NodeConfigError, match=None) as err:
        parse_node(raw)
    assert says in str(err.value)


def test_duplicate_node_names_and_bad_env_are_refused() -> None:
    with pytest.raises(NodeConfigError, match="unique"):
        declared_nodes({"nodes": [{"name": "a", "url": "http://h"}] * 2}, {})
    with pytest.raises(NodeConfigError, match="name=url"):
        declared_nodes({}, {"OV_NODES": "http://h"})


def test_listing_keeps_valid_ids_and_stable_facts() -> None:
    body = {
        "data": [
            {
                "id": "smol",
                "owned_by": "openvino",
                "mode": "chat",
                "context_length": 8192,
                "loaded": True,
            },
            {"id": "llama3:8b", "owned_by": "library"},
            {"id": "bad name"},
            {"id": "x/*"},
            {"nope": 1},
        ]
    }
    models, skipped = parse_listing(body)
    assert [m.id for m in models] == ["smol", "llama3:8b"]
    assert "loaded" not in models[0].info and models[0].info["context_length"] == 8192
    assert len(skipped) == 3
    with pytest.raises(ValueError, match="data"):
        parse_listing({"object": "list"})


def test_a_node_deployment_is_our_openai_route_to_the_node() -> None:
    spec = NodeSpec("big", "http://h:8000", "BIG")
    model = NodeModel("smol", {"owned_by": "openvino", "mode": "chat", "context_length": 4096})
    dep = node_deployment(spec, model, "k")
    assert dep["litellm_params"] == {
        "model": "openai/smol",
        "api_base": "http://h:8000/v1",
        "api_key": "k",
        "extra_headers": {"x-ov-error-seal": "1"},  # our node seals its errors for the guard
    }
    assert dep["model_info"]["allowed_fails"] == 0  # a failed node steps aside at once
    info = dep["model_info"]
    assert is_node_route(info["id"]) and is_owned(info["id"])
    assert info["max_input_tokens"] == 4096 and info["supports_function_calling"] is True
    assert info["node"] == "big"
    # No key: a placeholder, so LiteLLM never sends the box's OPENAI_API_KEY to a node.
    assert node_deployment(spec, model, None)["litellm_params"]["api_key"] == NO_KEY


def _state(name: str, up: bool, *ids: str) -> NodeState:
    return NodeState(
        NodeSpec(name, f"http://{name}", f"{name.upper()}_KEY"),
        up,
        tuple(NodeModel(i) for i in ids),
    )


def test_a_down_node_keeps_only_what_nobody_else_serves() -> None:
    states = [_state("a", True, "smol", "shared"), _state("b", False, "shared", "only-b", "local")]
    desired, refused = desired_node_deployments(states, {"local"}, set(), {"A_KEY": "k"})
    ids = sorted(d["model_info"]["id"] for d in desired)
    assert ids == ["openvino-node:a:shared", "openvino-node:a:smol", "openvino-node:b:only-b"]
    assert desired[0]["litellm_params"]["api_key"] == "k"  # read from the environment
    assert refused == []


def test_a_board_name_is_never_taken_by_a_node() -> None:
    desired, refused = desired_node_deployments(
        [_state("a", True, "panel", "smol")], set(), {"panel"}, {}
    )
    assert [d["model_name"] for d in desired] == ["smol"] and refused == ["panel"]


def test_node_plan_leaves_registry_routes_alone_and_follows_param_changes() -> None:
    old = node_deployment(NodeSpec("a", "http://old", "K"), NodeModel("smol"), None)
    new = node_deployment(NodeSpec("a", "http://new", "K"), NodeModel("smol"), None)
    registry = {"model_name": "smol", "model_info": {"id": deployment_id("smol")}}
    current = {old["model_info"]["id"]: old, deployment_id("smol"): registry}
    todo = plan(current, [new], owned=is_node_route)
    assert todo.upserts == [new] and todo.deletes == []
    todo = plan(current, [], owned=is_node_route)
    assert todo.deletes == [old["model_info"]["id"]] and todo.removed_names == ["smol"]


def test_redis_is_found_as_litellm_finds_it_and_shown_without_its_password() -> None:
    from litellm_ov_provider.proxy.shared_state import redis_target, where

    assert redis_target({}) is None
    host = redis_target({"REDIS_HOST": "10.0.0.2", "REDIS_PASSWORD": "pw"})
    assert host == {
        "host": "10.0.0.2",
        "port": 6379,
        "password": "pw",
        "username": None,
        "ssl": False,
    }
    assert where(host) == "10.0.0.2:6379"
    url = redis_target({"REDIS_URL": "redis://:pw@cache:6390/0", "REDIS_HOST": "x"})
    assert url is not None and where(url) == "cache:6390"


def test_reloaded_boards_are_checked_together_and_owned_by_the_reload() -> None:
    from router_plugins.proxy.reload import board_deployments, problems_of

    good = {
        "model_name": "board/a",
        "litellm_params": {
            "model": "board/a",
            "board": {"strategy": "fallback", "specialists": [{"model": "m"}]},
        },
    }
    loop = {
        "model_name": "board/b",
        "litellm_params": {
            "model": "board/b",
            "board": {"strategy": "fallback", "specialists": [{"model": "board/b"}]},
        },
    }
    bad = {
        "model_name": "board/c",
        "litellm_params": {"model": "board/c", "board": {"strategy": "nope"}},
    }
    assert problems_of([good]) == []
    assert any("board/b" in p for p in problems_of([good, loop]))
    assert any("board/c" in p for p in problems_of([good, bad]))
    nameless = {"litellm_params": good["litellm_params"]}
    assert any("no model_name" in p for p in problems_of([nameless]))
    greedy = {**good, "litellm_params": {**good["litellm_params"], "rpm": "lots"}}
    assert any("ValidationError" in p for p in problems_of([greedy]))
    (dep,) = board_deployments([good])
    assert is_owned(dep["model_info"]["id"]) and dep["model_info"]["allowed_fails"] == 3


def test_the_scale_out_doc_s_example_is_a_config_the_node_sync_takes() -> None:
    import re
    from pathlib import Path

    import yaml

    from litellm_ov_provider.mesh.nodes import allowed_fails, openvino_section, poll_seconds

    doc = (Path(__file__).parents[2] / "docs" / "scale-out.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert block is not None
    section = openvino_section(yaml.safe_load(block.group(1)))
    (spec,) = declared_nodes(section, {})
    assert (spec.name, spec.url, spec.key_env) == (
        "bigbox",
        "http://10.0.0.5:8000",
        "OV_NODE_BIGBOX_KEY",
    )
    assert poll_seconds(section) == 2 and allowed_fails(section) == 0


def test_the_board_reload_parses_only_when_a_config_file_changed(tmp_path: Path) -> None:
    import yaml

    from router_plugins.proxy.reload import entries_if_changed

    board = {"model_name": "board/a", "litellm_params": {"model": "board/a", "board": {}}}
    (tmp_path / "more.yaml").write_text(yaml.safe_dump({"model_list": [board]}))
    main = tmp_path / "litellm.yaml"
    main.write_text(yaml.safe_dump({"model_list": [], "include": ["more.yaml"]}))
    stamps: dict[Path, Any] = {}
    assert [e["model_name"] for e in entries_if_changed(main, stamps) or []] == ["board/a"]
    assert set(stamps) == {main.resolve(), (tmp_path / "more.yaml").resolve()}
    assert entries_if_changed(main, stamps) is None  # nothing changed: nothing parsed
    (tmp_path / "more.yaml").write_text(yaml.safe_dump({"model_list": []}))  # an include
    assert entries_if_changed(main, stamps) == []
