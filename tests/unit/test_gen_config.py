"""A request's sampling onto the engine's GenerationConfig (the real GenAI class)."""

from __future__ import annotations

import openvino_genai as ov_genai
import pytest

from litellm_ov_provider.engine.protocol import Constraint, Sampling
from litellm_ov_provider.engine.worker.gen_config import generation_config

SCHEMA = Constraint("json_schema", '{"type": "object"}')


def model_defaults() -> ov_genai.GenerationConfig:
    """A model whose registry entry sets penalties (the default model sets 1.1)."""
    c = ov_genai.GenerationConfig()
    c.repetition_penalty, c.presence_penalty, c.frequency_penalty = 1.1, 0.3, 0.2
    return c


def config(s: Sampling) -> ov_genai.GenerationConfig:
    return generation_config(ov_genai, model_defaults, s, 16)


def penalties(c: ov_genai.GenerationConfig) -> tuple[float, float, float]:
    return (
        round(c.repetition_penalty, 3),
        round(c.presence_penalty, 3),
        round(c.frequency_penalty, 3),
    )


def test_free_text_keeps_the_model_s_penalties() -> None:
    assert penalties(config(Sampling())) == (1.1, 0.3, 0.2)


@pytest.mark.parametrize("constraint", [SCHEMA, Constraint("grammar", 'root ::= "a"')])
def test_constrained_output_runs_without_the_model_s_penalties(constraint: Constraint) -> None:
    c = config(Sampling(constraint=constraint))
    assert penalties(c) == (1.0, 0.0, 0.0)
    assert c.structured_output_config is not None


def test_penalties_the_client_asked_for_act_on_constrained_output_too() -> None:
    asked = Sampling(constraint=SCHEMA, repetition_penalty=1.3, frequency_penalty=0.5)
    assert penalties(config(asked)) == (1.3, 0.0, 0.5)
