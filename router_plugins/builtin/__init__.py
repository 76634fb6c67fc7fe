"""The built-in strategies, registered through the same hook a third party uses (the
entry point `builtin` in the `litellm_ov.board` group points here)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .best_of_n import BestOfN
from .cascade import Cascade
from .fallback import Fallback
from .hybrid import Hybrid
from .learned import Learned
from .moa import MixtureOfAgents
from .refine import SelfRefine, TeacherStudent
from .router_model import RouterModel
from .semantic import SemanticRouter


@hookimpl
def board_strategies() -> list[Any]:
    return [
        SemanticRouter(),
        RouterModel(),
        Hybrid(),
        Learned(),
        Cascade(),
        MixtureOfAgents(),
        BestOfN(),
        Fallback(),
        SelfRefine(),
        TeacherStudent(),
    ]
