"""The plugin contract as written in docs/plugins.md matches the code (as datasette's
tests/test_docs.py does): every hookspec has its section, with its parameters, and
no section describes a hook that does not exist; every hook is exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from router_plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "plugins.md").read_text()
HEADING = re.compile(r"^### `(board_\w+)\(([^)]*)\)", re.MULTILINE)


def _hookspecs() -> dict[str, list[str]]:
    """Hook name -> its parameters, for every function marked as a hookspec."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: list(inspect.signature(fn).parameters)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, marker)
    }


def test_there_are_hookspecs_to_check() -> None:
    assert {"board_strategies", "board_route", "board_coordinate", "board_validate"} <= set(
        _hookspecs()
    )


@pytest.mark.parametrize("hook", sorted(_hookspecs()))
def test_every_hookspec_is_documented_with_its_parameters(hook: str) -> None:
    documented = {name: args for name, args in HEADING.findall(DOC)}
    assert hook in documented, f"docs/plugins.md has no '### `{hook}(...)`' section"
    params = [p.strip() for p in documented[hook].split(",") if p.strip()]
    assert params == _hookspecs()[hook], f"{hook}: the docs say ({documented[hook]})"


def test_the_docs_describe_no_hook_that_does_not_exist() -> None:
    stale = {name for name, _ in HEADING.findall(DOC)} - set(_hookspecs())
    assert not stale, f"docs/plugins.md documents hooks that are gone: {sorted(stale)}"


@pytest.mark.parametrize("hook", sorted(_hookspecs()))
def test_every_hook_has_a_test(hook: str) -> None:
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    implemented = re.search(rf"def {hook}\(", tests)
    assert implemented, f"no test implements {hook}"
