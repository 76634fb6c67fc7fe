"""Labelled prompts: a JSONL file of {"prompt": ..., "label": ...} lines (pure checks).

Every problem names its line: a line that is not a JSON object, a missing or empty
prompt, a label that is not one of the board's specialists, a prompt seen on an
earlier line. `ov-board train` and `ov-board eval` read their files here.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Labelled:
    prompt: str
    label: str
    line: int


class LabelledFileError(ValueError):
    """What is wrong with a labelled file, each problem on its own line."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        shown = problems[:20] + (
            [f"... and {len(problems) - 20} more"] if len(problems) > 20 else []
        )
        super().__init__(f"{path}:\n" + "\n".join(f"  {p}" for p in shown))
        self.problems = problems


def parse_lines(
    text: str, labels: Collection[str] | None = None
) -> tuple[list[Labelled], list[str]]:
    """The rows of a labelled file's text and the problems found (line numbers from 1).
    `labels`: the allowed labels (None: any)."""
    rows: list[Labelled] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict) or set(item) - {"prompt", "label"}:
            problems.append(f'line {n}: want {{"prompt": "...", "label": "..."}} and nothing else')
            continue
        prompt, label = item.get("prompt"), item.get("label")
        if not isinstance(prompt, str) or not prompt.strip():
            problems.append(f"line {n}: the prompt is missing or empty")
            continue
        if not isinstance(label, str) or not label:
            problems.append(f"line {n}: the label is missing or not a string")
            continue
        if labels is not None and label not in labels:
            problems.append(
                f"line {n}: unknown label {label!r} (known: {', '.join(sorted(labels))})"
            )
            continue
        key = " ".join(prompt.split()).lower()
        if key in seen:
            problems.append(f"line {n}: the same prompt as line {seen[key]}")
            continue
        seen[key] = n
        rows.append(Labelled(prompt, label, n))
    if not rows and not problems:
        problems.append("no labelled prompts in the file")
    return rows, problems


def read_labelled(path: Path, labels: Collection[str] | None = None) -> list[Labelled]:
    """The rows of the file at `path`; LabelledFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledFileError(path, [f"cannot read it: {exc}"]) from None
    rows, problems = parse_lines(text, labels)
    if problems:
        raise LabelledFileError(path, problems)
    return rows
