"""GGUF chat model -> a plain Hugging Face model directory that optimum can export.

transformers loads GGUF weights (dequantized) via `gguf_file=`, but builds a wrong
tokenizer for byte-level BPE GGUFs such as SmolLM2 (Metaspace pre-tokenizer,
byte_fallback, CodeLlamaTokenizer), and the IR then detokenizes to garbage. So the
tokenizer is rebuilt from the GGUF metadata as byte-level BPE (what llama.cpp does),
with the GGUF's chat template and special tokens, and checked by a round trip.

Needs the `convert` extra (transformers, gguf, torch, tokenizers, accelerate).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .errors import ConvertError

# llama.cpp pre-tokenizer names (tokenizer.ggml.pre) whose regex splits every digit
# on its own before the GPT-2 byte-level regex (see llama-vocab.cpp).
_INDIVIDUAL_DIGIT_PRES = {"smollm", "starcoder", "refact", "command-r", "falcon"}


def _field(reader: Any, key: str, default: Any = None) -> Any:
    f = reader.fields.get(key)
    if f is None:
        return default
    return f.contents()


def read_gguf_tokenizer(gguf_path: Path) -> dict[str, Any]:
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(gguf_path))
    except Exception as exc:  # not a GGUF / truncated
        raise ConvertError(f"{gguf_path}: not a readable GGUF file ({exc})") from exc
    meta: dict[str, Any] = {
        "arch": _field(reader, "general.architecture"),
        "model": _field(reader, "tokenizer.ggml.model"),
        "pre": _field(reader, "tokenizer.ggml.pre", "default"),
        "tokens": _field(reader, "tokenizer.ggml.tokens"),
        "token_type": _field(reader, "tokenizer.ggml.token_type"),
        "merges": _field(reader, "tokenizer.ggml.merges"),
        "bos": _field(reader, "tokenizer.ggml.bos_token_id"),
        "eos": _field(reader, "tokenizer.ggml.eos_token_id"),
        "unk": _field(reader, "tokenizer.ggml.unknown_token_id"),
        "pad": _field(reader, "tokenizer.ggml.padding_token_id"),
        "add_bos": bool(_field(reader, "tokenizer.ggml.add_bos_token", False)),
        "add_eos": bool(_field(reader, "tokenizer.ggml.add_eos_token", False)),
        "chat_template": _field(reader, "tokenizer.chat_template"),
        "context_length": _field(
            reader, f"{_field(reader, 'general.architecture')}.context_length"
        ),
    }
    if not meta["tokens"]:
        raise ConvertError(f"{gguf_path}: GGUF has no embedded tokenizer (tokenizer.ggml.tokens)")
    return meta


def _bytelevel_bpe(meta: dict[str, Any]) -> Any:
    """The byte-level BPE model with llama.cpp's pre-tokenizer for `meta["pre"]`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    tokens: list[str] = list(meta["tokens"])
    vocab = {tok: i for i, tok in enumerate(tokens)}
    merges = [tuple(m.split(" ", 1)) for m in meta["merges"] or []]
    bpe = models.BPE(
        vocab=vocab,
        merges=merges,
        unk_token=None,
        fuse_unk=False,
        byte_fallback=False,
        ignore_merges=False,
    )
    tok = Tokenizer(bpe)
    tok.normalizer = None
    bytelevel = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    if meta["pre"] in _INDIVIDUAL_DIGIT_PRES:
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), bytelevel]
        )
    else:
        tok.pre_tokenizer = bytelevel
    tok.decoder = decoders.ByteLevel()  # defaults: add_prefix_space, trim_offsets, use_regex
    return tok


def _add_tokens(tok: Any, meta: dict[str, Any]) -> list[Any]:
    """GGUF's special (token_type 3, CONTROL) and user-defined (4) tokens; returns the
    special ones."""
    from tokenizers import AddedToken

    tokens: list[str] = list(meta["tokens"])
    types = list(meta["token_type"] or [1] * len(tokens))
    special = [
        AddedToken(tokens[i], special=True, normalized=False) for i, t in enumerate(types) if t == 3
    ]
    user_defined = [
        AddedToken(tokens[i], special=False, normalized=False)
        for i, t in enumerate(types)
        if t == 4
    ]
    if special:
        tok.add_special_tokens(special)
    if user_defined:
        tok.add_tokens(user_defined)
    return special


def _token_name(meta: dict[str, Any], key: str) -> str | None:
    idx, tokens = meta[key], meta["tokens"]
    return tokens[idx] if isinstance(idx, int) and 0 <= idx < len(tokens) else None


def _post_processor(meta: dict[str, Any]) -> Any:
    """BOS/EOS around the text only if the GGUF says so (SmolLM2: neither)."""
    from tokenizers import processors

    bos, eos = _token_name(meta, "bos"), _token_name(meta, "eos")
    single, pair = "$A", "$A $B"
    specials: list[tuple[str, int]] = []
    if meta["add_bos"] and bos:
        single, pair = f"{bos} {single}", f"{bos} $A {bos} $B"
        specials.append((bos, meta["bos"]))
    if meta["add_eos"] and eos:
        single, pair = f"{single} {eos}", f"{pair} {eos}"
        specials.append((eos, meta["eos"]))
    if not specials:
        return processors.ByteLevel(trim_offsets=False)
    return processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=single, pair=pair, special_tokens=specials),
        ]
    )


def _write_configs(meta: dict[str, Any], special: list[Any], out_dir: Path) -> None:
    """tokenizer_config.json, special_tokens_map.json and the chat template."""
    names = {key: _token_name(meta, key) for key in ("bos", "eos", "unk", "pad")}
    bos, eos, unk, pad = names["bos"], names["eos"], names["unk"], names["pad"]
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "add_bos_token": meta["add_bos"],
        "add_eos_token": meta["add_eos"],
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(meta["context_length"] or 8192),
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": unk,
        "pad_token": pad or eos,
        "additional_special_tokens": [
            t.content for t in special if t.content not in {bos, eos, unk, pad}
        ],
    }
    if meta["chat_template"]:
        cfg["chat_template"] = meta["chat_template"]
    (out_dir / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False))
    stm = {k: cfg[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token") if cfg[k]}
    (out_dir / "special_tokens_map.json").write_text(json.dumps(stm, indent=2, ensure_ascii=False))
    if meta["chat_template"]:
        # transformers also reads a standalone template file; keep both in sync.
        (out_dir / "chat_template.jinja").write_text(meta["chat_template"])


def build_bytelevel_tokenizer(meta: dict[str, Any], out_dir: Path) -> None:
    """Write tokenizer.json + tokenizer_config.json + special_tokens_map.json for a
    GGUF 'gpt2' (byte-level BPE) tokenizer."""
    tok = _bytelevel_bpe(meta)
    special = _add_tokens(tok, meta)
    tok.post_processor = _post_processor(meta)
    tok.save(str(out_dir / "tokenizer.json"))
    _write_configs(meta, special, out_dir)


def _save_model(gguf_path: Path, meta: dict[str, Any], out: Path, dtype: str) -> None:
    """The GGUF's weights (dequantized) as a Hugging Face model, with the GGUF's token
    ids in its config."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name, dtype=getattr(torch, dtype)
        )
    except ValueError as exc:  # unsupported GGUF architecture / quant type
        raise ConvertError(f"{gguf_path.name}: transformers cannot load it: {exc}") from exc
    vocab_size = model.config.vocab_size
    if len(meta["tokens"]) != vocab_size:
        raise ConvertError(
            f"vocab mismatch: GGUF has {len(meta['tokens'])} tokens, model {vocab_size}"
        )
    for attr, key in (("bos_token_id", "bos"), ("eos_token_id", "eos"), ("pad_token_id", "pad")):
        if meta[key] is not None:
            setattr(model.config, attr, int(meta[key]))
    model.generation_config = GenerationConfig(
        bos_token_id=meta["bos"],
        eos_token_id=meta["eos"],
        pad_token_id=meta["pad"] if meta["pad"] is not None else meta["eos"],
    )
    model.save_pretrained(str(out))


def _save_tokenizer(gguf_path: Path, meta: dict[str, Any], out: Path) -> None:
    if meta["model"] == "gpt2":
        build_bytelevel_tokenizer(meta, out)
        return
    # SentencePiece-style GGUFs ("llama"): transformers' own conversion is right.
    from transformers import AutoTokenizer

    tk = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    if meta["chat_template"] and not getattr(tk, "chat_template", None):
        tk.chat_template = meta["chat_template"]
    tk.save_pretrained(str(out))


def _check_tokenizer(meta: dict[str, Any], out: Path) -> None:
    """The saved tokenizer round-trips text and renders the chat template."""
    from transformers import AutoTokenizer

    tk = AutoTokenizer.from_pretrained(str(out))
    probe = "Hello world! The year 2024 costs $3.50."
    ids = tk(probe, add_special_tokens=False)["input_ids"]
    if tk.decode(ids) != probe:
        raise ConvertError(f"tokenizer round-trip failed: {tk.decode(ids)!r}")
    if meta["chat_template"]:
        tk.apply_chat_template(
            [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
        )


def _publish(tmp: Path, out_dir: Path) -> None:
    """Normal modes (mkdtemp makes a 0700 dir, some writers 0600 files), then rename."""
    tmp.chmod(0o755)
    for f in tmp.iterdir():
        f.chmod(0o644)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out_dir)


def convert(
    gguf_path: Path, out_dir: Path, dtype: str = "float32", force: bool = False
) -> dict[str, Any]:
    gguf_path = gguf_path.expanduser().resolve()
    if not gguf_path.is_file():
        raise ConvertError(f"{gguf_path}: no such file")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise ConvertError(f"{out_dir}: exists and is not empty (use --force)")
        shutil.rmtree(out_dir)
    meta = read_gguf_tokenizer(gguf_path)
    os.environ.setdefault("TQDM_DISABLE", "1")  # the CLI shows its own progress
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    parent = out_dir.parent if out_dir.parent.exists() else None
    tmp = Path(tempfile.mkdtemp(prefix="gguf2hf-", dir=parent))
    try:
        _save_model(gguf_path, meta, tmp, dtype)
        load_save_s = time.perf_counter() - t0
        _save_tokenizer(gguf_path, meta, tmp)
        _check_tokenizer(meta, tmp)
        _publish(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "source": str(gguf_path),
        "out_dir": str(out_dir),
        "architecture": meta["arch"],
        "tokenizer_model": meta["model"],
        "pre_tokenizer": meta["pre"],
        "vocab_size": len(meta["tokens"]),
        "chat_template": bool(meta["chat_template"]),
        "dtype": dtype,
        "seconds": round(time.perf_counter() - t0, 1),
        "load_save_seconds": round(load_save_s, 1),
    }
