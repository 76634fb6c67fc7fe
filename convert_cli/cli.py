"""`ov-convert-model`: convert a model to OpenVINO IR and put it in the registry.

ov-convert-model SOURCE [--name NAME] [--weight-format int8 int4 ...] [options]
ov-convert-model list [--json]
ov-convert-model remove NAME [--delete-files]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table

from litellm_ov_provider.errors import RegistryError
from litellm_ov_provider.registry.entries import validate_name
from litellm_ov_provider.settings import Settings

from . import pipeline
from .errors import ConvertError
from .export import WEIGHT_FORMATS, Quantization
from .inventory import inventory
from .layout import Layout
from .naming import suggest_name
from .registrar import remove
from .source import TASKS

err = Console(stderr=True, soft_wrap=True)  # messages stay one greppable line


def _convert_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="ov-convert-model", description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="a Hugging Face model folder or a .gguf file")
    ap.add_argument("--name", help="registry name (asked interactively when omitted)")
    ap.add_argument(
        "--family",
        help="family name for these variants (default: the name without a weight-format "
        "suffix); the family name is a route to the preferred variant",
    )
    ap.add_argument("--task", choices=TASKS, help="override the detected task")
    ap.add_argument(
        "--weight-format",
        nargs="+",
        choices=WEIGHT_FORMATS,
        default=["int8"],
        help="one or more formats; each becomes its own registry entry",
    )
    ap.add_argument("--group-size", type=int, help="quantization group size (int4: try 64)")
    ap.add_argument("--ratio", type=float, help="share of layers in int4 (rest int8)")
    ap.add_argument("--sym", action="store_true", help="symmetric quantization")
    ap.add_argument("--awq", action="store_true", help="AWQ (needs --dataset)")
    ap.add_argument("--dataset", help="calibration dataset for data-aware compression")
    ap.add_argument(
        "--keep-original",
        action="store_true",
        help="leave the source in place instead of moving it to og_models",
    )
    ap.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="run the model repository's own Python code (off by default)",
    )
    ap.add_argument("--json", action="store_true", help="machine-readable output, no prompts")
    return ap


def _layout() -> Layout:
    settings = Settings()
    return Layout(settings.registry_path, settings.root)


def _ask_name(args: argparse.Namespace) -> str:
    suggestion = suggest_name(args.source.expanduser())
    if args.name:
        return validate_name(args.name)
    if args.json or not sys.stdin.isatty():
        return suggestion
    while True:
        answer = Prompt.ask("Name for this model", default=suggestion, console=err)
        try:
            return validate_name(answer.strip())
        except RegistryError as exc:
            err.print(f"[red]{exc.message}[/]")


class Phases:
    """Prints each phase with its duration as the conversion moves on."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.current, self.started = quiet, "", time.monotonic()
        self.status = err.status("", spinner="dots")

    def __call__(self, phase: str) -> None:
        self.finish()
        self.current, self.started = phase, time.monotonic()
        if not self.quiet:
            self.status.update(f"{phase} …")
            self.status.start()

    def finish(self) -> None:
        if self.current and not self.quiet:
            self.status.stop()
            err.print(f"[green]✓[/] {self.current} ({time.monotonic() - self.started:.1f} s)")
        self.current = ""


def convert_main(argv: Sequence[str]) -> int:
    args = _convert_parser().parse_args(argv)
    if args.awq and not args.dataset:
        return _fail("--awq needs --dataset", args.json)
    try:
        name = _ask_name(args)
        req = pipeline.Request(
            source=args.source,
            name=name,
            weight_formats=tuple(dict.fromkeys(args.weight_format)),
            task=args.task,
            keep_original=args.keep_original,
            trust_remote_code=args.trust_remote_code,
            family=validate_name(args.family) if args.family else None,
            quantization=Quantization(
                args.group_size, args.ratio, args.sym, args.awq, args.dataset
            ),
        )
        phases = Phases(quiet=args.json)
        outcome = pipeline.convert(req, _layout(), phases)
        phases.finish()
    except (ConvertError, RegistryError) as exc:
        return _fail(str(exc), args.json)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was registered", args.json)
    rows = [
        {
            "name": r.name,
            "task": r.task,
            "weight_format": r.weight_format,
            "family": r.family,
            "path": str(r.path),
            "seconds": round(r.seconds, 1),
        }
        for r in outcome.registered
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "registered": rows,
                    "warnings": outcome.warnings,
                    "moved_original": str(outcome.moved_original or "") or None,
                }
            )
        )
        return 0
    table = Table("name", "family", "task", "format", "seconds", "path", title="registered")
    for r in outcome.registered:
        table.add_row(
            r.name, r.family or "-", r.task, r.weight_format, f"{r.seconds:.1f}", str(r.path)
        )
    err.print(table)
    for warning in outcome.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    if outcome.moved_original:
        err.print(f"original moved to {outcome.moved_original}")
    return 0


def list_main(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="ov-convert-model list")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--node", help="node or proxy URL to ask what is loaded")
    args = ap.parse_args(argv)
    rows = inventory(_layout(), args.node)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows]))
        return 0
    table = Table("name", "family", "task", "format", "size", "loaded", "status", "path")
    for r in rows:
        size = f"{r.size_bytes / 1e6:.0f} MB" if r.size_bytes is not None else "-"
        loaded = {True: "yes", False: "no", None: "?"}[r.loaded]
        table.add_row(
            r.name, r.family or "-", r.task, r.weight_format, size, loaded, r.status, r.path
        )
    Console().print(table)
    return 0


def remove_main(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="ov-convert-model remove")
    ap.add_argument("name")
    ap.add_argument("--delete-files", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        deleted = remove(_layout(), args.name, args.delete_files)
    except (ConvertError, RegistryError) as exc:
        return _fail(str(exc), args.json)
    result: dict[str, Any] = {
        "removed": args.name,
        "deleted_files": str(deleted) if deleted else None,
    }
    print(json.dumps(result)) if args.json else err.print(
        f"removed {args.name}" + (f" and deleted {deleted}" if deleted else " (files kept)")
    )
    return 0


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"[bold red]error:[/] {message}")
    return 1


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {"list": list_main, "remove": remove_main, "convert": convert_main}
    if args and args[0] in commands:
        sys.exit(commands[args[0]](args[1:]))
    sys.exit(convert_main(args))
