"""The Prisma client LiteLLM's database layer imports, generated from its schema.

`prisma generate` fetches the Prisma CLI from npm and, unless Prisma's own variables
point at local engines (PRISMA_QUERY_ENGINE_BINARY, PRISMA_SCHEMA_ENGINE_BINARY,
PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING), the native engines from Prisma's host. The
schema is generated for this machine only (`binaryTargets` dropped): nothing to fetch
for other platforms. Done once per schema and prisma version (a stamp beside it).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from .postgres import SetupError

HELP = (
    "prisma generate failed: {why}\n"
    "It needs the npm registry and, for the query engine, binaries.prisma.sh. On a "
    "machine without those, bring Prisma 5.17.0's engines and set "
    "PRISMA_QUERY_ENGINE_BINARY (and PRISMA_SCHEMA_ENGINE_BINARY, "
    "PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING=1), then run make ui again."
)


def native_schema(source: str) -> str:
    """LiteLLM's schema with its binaryTargets line removed (pure)."""
    return re.sub(r"^\s*binaryTargets\s*=.*\n", "", source, flags=re.MULTILINE)


def ensure_generated(workdir: Path) -> bool:
    """Generate the client unless this schema was generated already; True when it ran."""
    import importlib.util

    import prisma

    spec = importlib.util.find_spec("litellm")  # not imported: that costs seconds
    if spec is None or not spec.submodule_search_locations:
        raise SetupError("litellm is not installed")
    litellm_dir = Path(next(iter(spec.submodule_search_locations)))
    source = (litellm_dir / "proxy" / "schema.prisma").read_text()
    schema = native_schema(source)
    stamp_text = hashlib.sha256(f"{prisma.__version__}\n{schema}".encode()).hexdigest()
    stamp = Path(prisma.__file__).parent / ".litellm-ov-generated"
    if stamp.exists() and stamp.read_text() == stamp_text:
        return False
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "schema.prisma"
    path.write_text(schema)
    bin_dir = str(Path(sys.executable).parent)  # prisma-client-py must be on PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-m", "prisma", "generate", "--schema", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise SetupError(HELP.format(why=(done.stderr or done.stdout).strip()[-1500:]))
    stamp.write_text(stamp_text)
    return True
