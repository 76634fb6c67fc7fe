import json
import multiprocessing
from pathlib import Path

import pytest

from litellm_ov_provider.errors import RegistryError
from litellm_ov_provider.registry.catalog import Catalog
from litellm_ov_provider.registry.entries import parse_registry, update_registry, validate_name
from litellm_ov_provider.settings import Settings


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    conv = tmp_path / "converted_models"
    (conv / "m1").mkdir(parents=True)
    (conv / "m1" / "openvino_model.xml").write_text("<net/>")
    return conv


def write(path: Path, data: object) -> None:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)


@pytest.mark.parametrize("name", ["a/b", "..", "a..b", "", "-lead", "x" * 200, "sp ace"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(RegistryError):
        validate_name(name)


def test_entries_outside_root_or_badly_named_are_rejected_not_fatal(tree: Path) -> None:
    text = json.dumps(
        {
            "version": 1,
            "models": {
                "good": {"path": "m1", "task": "feature-extraction"},
                "escape": {"path": "../../etc"},
                "bad/name": {"path": "m1"},
            },
        }
    )
    reg = parse_registry(text, tree, tree.parent)
    assert set(reg.models) == {"good"} and set(reg.broken) == {"escape", "bad/name"}
    assert reg.models["good"].path == tree / "m1" and reg.models["good"].entry.mode == "embedding"


@pytest.mark.parametrize("text", ["{", "[]", '{"models": []}', '{"version": 2, "models": {}}'])
def test_a_bad_file_is_an_error(tree: Path, text: str) -> None:
    with pytest.raises(RegistryError):
        parse_registry(text, tree, tree.parent)


def test_update_keeps_unknown_keys(tree: Path) -> None:
    path = tree / "registry.json"
    write(path, {"version": 1, "owner": "ops", "models": {"m": {"path": "m1", "note": "keep me"}}})
    update_registry(path, lambda d: d["models"].__setitem__("n", {"path": "m1"}))
    data = json.loads(path.read_text())
    assert (
        data["owner"] == "ops"
        and data["models"]["m"]["note"] == "keep me"
        and "n" in data["models"]
    )


def test_update_refuses_to_rewrite_a_corrupt_file(tree: Path) -> None:
    path = tree / "registry.json"
    write(path, '{"version": 1, "models": {')
    with pytest.raises(RegistryError):
        update_registry(path, lambda d: None)
    assert path.read_text() == '{"version": 1, "models": {'


def _add(path: str, name: str) -> None:
    update_registry(Path(path), lambda d: d["models"].__setitem__(name, {"path": "m1"}))


def test_concurrent_updates_all_land(tree: Path) -> None:
    path = tree / "registry.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_add, args=(str(path), f"m{i}")) for i in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert set(json.loads(path.read_text())["models"]) == {f"m{i}" for i in range(6)}


def test_catalog_keeps_last_good_registry(tree: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tree / "registry.json"
    catalog = Catalog(Settings(registry_path=path))
    write(path, {"version": 1, "models": {"a": {"path": "m1"}}})
    assert catalog.refresh() and set(catalog.registry.models) == {"a"}
    write(path, '{"version": 1, "models": {"a": {"path": "m1"}, "b": ')  # half-written
    assert not catalog.refresh()
    assert set(catalog.registry.models) == {"a"}
    assert "keeping the last good one" in caplog.text
    write(path, {"version": 1, "models": {"b": {"path": "m1"}}})
    assert catalog.refresh() and set(catalog.registry.models) == {"b"}


def test_catalog_serves_ov_model_path_when_registry_is_empty(tree: Path) -> None:
    model = tree / "m1"
    catalog = Catalog(Settings(registry_path=tree / "registry.json", model_path=model))
    catalog.refresh()
    assert list(catalog.registry.models) == ["m1"]
