"""Files written out in the docs: a fenced code block right after a
`<!-- file: <path> -->` line is that file, whole."""

from __future__ import annotations

import re
from pathlib import Path

from testbed.proxy import REPO

FILE_BLOCK = re.compile(r"^<!-- file: (\S+) -->\n```[a-z]*\n(.*?)^```$", re.M | re.S)


def doc_files(doc: str) -> dict[str, str]:
    """path -> text of every file block in the doc `doc` (relative to the repo)."""
    text = (REPO / doc).read_text()
    return {m.group(1): m.group(2) for m in FILE_BLOCK.finditer(text)}


def write_doc_files(doc: str, target: Path) -> dict[str, Path]:
    """The doc's files written under `target`; path -> where it was written."""
    written = {}
    for rel, body in doc_files(doc).items():
        path = target / rel
        if not path.resolve().is_relative_to(target.resolve()):
            raise ValueError(f"{doc}: file block {rel!r} points outside its folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        written[rel] = path
    return written
