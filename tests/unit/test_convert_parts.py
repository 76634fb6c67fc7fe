import json
import os
import time
from pathlib import Path

import pytest

from convert_cli.errors import ConvertError
from convert_cli.export import Quantization, _explain, command
from convert_cli.layout import Layout
from convert_cli.metadata import Conversion
from convert_cli.naming import suggest_name, unique_name
from convert_cli.registrar import move_original, register, remove
from convert_cli.source import EMBED, Source, embedding_options, inspect_source
from litellm_ov_provider.errors import RegistryError


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    (tmp_path / "converted_models").mkdir()
    return Layout(tmp_path / "converted_models" / "registry.json", tmp_path)


def test_names_are_suggested_and_suffixed() -> None:
    assert suggest_name(Path("/m/SmolLM2-135M-Instruct.Q4_1.gguf")) == "smollm2-135m-instruct"
    assert unique_name("m", {"m", "m-2"}) == "m-3" and unique_name("m", set()) == "m"
    with pytest.raises(RegistryError):
        unique_name("../etc", set())


def test_quantization_args_pass_through() -> None:
    q = Quantization(group_size=64, ratio=0.8, sym=True, awq=True, dataset="wikitext2")
    assert q.args("int4") == [
        "--group-size",
        "64",
        "--ratio",
        "0.8",
        "--sym",
        "--awq",
        "--dataset",
        "wikitext2",
    ]
    assert q.args("fp16") == [] and q.as_dict("fp16") == {}
    assert Quantization().for_model("int4", (576, 1536)).group_size == 64
    assert Quantization().for_model("int4", (4096, 11008)).group_size == 128
    assert Quantization(group_size=32).for_model("int4", (576,)).group_size == 32
    assert Quantization().for_model("int8", (576,)).group_size is None
    cmd = command(Path("/src"), Path("/out"), "feature-extraction", "int8", Quantization(), False)
    assert "--trust-remote-code" not in cmd and cmd[-1] == "/out"


def test_export_failures_are_explained() -> None:
    assert "disk is full" in _explain("OSError: [Errno 28] No space left on device")
    assert "cannot be exported" in _explain("ValueError: foo is not supported yet")


def test_not_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ConvertError, match=r"no readable config\.json"):
        inspect_source(tmp_path)
    with pytest.raises(ConvertError, match="not a model"):
        inspect_source(tmp_path / "notes.txt")
    (tmp_path / "config.json").write_text('{"architectures": ["FooForSequenceClassification"]}')
    with pytest.raises(ConvertError, match="cannot tell the task"):
        inspect_source(tmp_path)


def test_sentence_transformers_options(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Pooling"}]')
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    assert embedding_options(tmp_path) == {"pooling": "cls", "normalize": False, "max_length": 128}


def _conversion(path: Path) -> Conversion:
    src = Source(path, "hf", EMBED, "BertModel", None)
    return Conversion(src, "abc", "int8", {}, 1.0)


def _staged(layout: Layout) -> Path:
    staged = layout.converted / "stage-out"
    staged.mkdir()
    (staged / "openvino_model.xml").write_text("<xml/>")
    return staged


ENTRY = {"task": EMBED, "weight_format": "int8"}


def test_register_suffixes_and_writes_metadata(layout: Layout) -> None:
    first = register(layout, _staged(layout), "m", ENTRY, _conversion(layout.root))
    second = register(layout, _staged(layout), "m", ENTRY, _conversion(layout.root))
    assert (first.name, second.name) == ("m", "m-2")
    data = json.loads(layout.registry_path.read_text())
    assert data["models"]["m-2"]["path"] == str(second.path)
    assert json.loads((second.path / "conversion.json").read_text())["name"] == "m-2"


def test_failed_registry_write_leaves_nothing_placed(layout: Layout) -> None:
    layout.registry_path.write_text("{broken")  # update_registry refuses to rewrite it
    staged = _staged(layout)
    with pytest.raises(RegistryError):
        register(layout, staged, "m", ENTRY, _conversion(layout.root))
    assert not (layout.converted / "m").exists()


def test_remove_keeps_or_deletes_files(layout: Layout) -> None:
    a = register(layout, _staged(layout), "a", ENTRY, _conversion(layout.root))
    b = register(layout, _staged(layout), "b", ENTRY, _conversion(layout.root))
    assert remove(layout, "a", delete_files=False) is None and a.path.exists()
    assert remove(layout, "b", delete_files=True) == layout.converted / "b"
    assert not b.path.exists()
    assert json.loads(layout.registry_path.read_text())["models"] == {}
    with pytest.raises(ConvertError, match="no model named"):
        remove(layout, "a", delete_files=False)


def test_originals_move_only_from_under_the_root(layout: Layout, tmp_path_factory) -> None:
    src = layout.root / "raw-model"
    src.mkdir()
    assert move_original(layout, src, set()) == layout.originals / "raw-model"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert move_original(layout, elsewhere, set()) is None and elsewhere.exists()
    served = layout.root / "served.gguf"
    served.write_text("x")
    assert move_original(layout, served, {served.resolve()}) is None and served.exists()


def test_stale_staging_is_cleaned_but_live_staging_is_kept(layout: Layout) -> None:
    with layout.staging() as live:
        stale = layout.staging_root / "dead"
        stale.mkdir()
        (stale / ".lock").write_text("")
        old = time.time() - 3600
        for path in (stale, live):
            os.utime(path, (old, old))
        assert layout.clean_leftovers() == [stale]
        assert live.exists()
    assert not live.exists()
