"""Writing one param into a board declared in a proxy config (`ov-board calibrate
--write`, `ov-board eval --write`). The old file is kept as <config>.bak; YAML
comments are not carried over."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml


def write_board_param(config: Path, board: str, strategy: str, key: str, value: Any) -> None:
    data = yaml.safe_load(config.read_text()) or {}
    for entry in data.get("model_list") or []:
        if entry.get("model_name") == board:
            declared = entry["litellm_params"]["board"]
            if declared.get("strategy") != strategy:
                raise SystemExit(f"{board} is not a {strategy} board")
            declared.setdefault("params", {})[key] = value
            shutil.copyfile(config, config.with_suffix(config.suffix + ".bak"))
            staged = config.with_name(config.name + ".part")
            staged.write_text(yaml.safe_dump(data, sort_keys=False))
            staged.replace(config)
            return
    raise SystemExit(f"no board {board!r} in {config}")
