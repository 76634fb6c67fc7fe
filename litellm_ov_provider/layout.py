"""Where converted models live (the service's layout; ov-convert-model writes it):

<models root>/converted_models/registry.json
<models root>/converted_models/<name>/task-<task>__wf-<weight format>/
"""

from __future__ import annotations

from pathlib import Path


def model_dir(converted: Path, name: str, task: str, weight_format: str) -> Path:
    """The folder of one converted model (one name, task and weight format)."""
    return converted / name / f"task-{task}__wf-{weight_format}"
