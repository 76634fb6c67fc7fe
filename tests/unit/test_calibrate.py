"""The cascade threshold's choice (the run itself: tests/e2e/test_board.py)."""

import json
from pathlib import Path

import pytest
import yaml

from router_plugins.builtin.calibrate import Trial, choose, outcome
from router_plugins.cli.calibrate import write_threshold

TRIALS = [
    Trial(-0.1, True, True),  # confident and right: keep local
    Trial(-0.3, True, True),
    Trial(-0.9, False, True),  # unsure and wrong: the strong model fixes it
    Trial(-1.2, True, False),  # unsure but right (the strong one is wrong)
    Trial(-2.0, False, True),
]


def test_the_lowest_threshold_as_accurate_as_the_strong_model_wins() -> None:
    chosen = choose(TRIALS)
    assert chosen.strong_accuracy == 0.8 and chosen.fast_accuracy == 0.6
    # Everything local (-2.0) answers 3/5; from -1.2 up the cascade answers 4/5, and
    # -1.2 keeps the most on the fast model.
    assert outcome(TRIALS, -2.0) == (1.0, 0.6) and outcome(TRIALS, -0.3) == (0.4, 0.8)
    assert (chosen.threshold, chosen.kept_local, chosen.accuracy) == (-1.2, 0.8, 0.8)
    loose = choose(TRIALS, tolerance=0.2)
    assert loose.threshold == -2.0 and loose.kept_local == 1.0


def test_a_fast_model_as_good_as_the_strong_one_keeps_everything_local() -> None:
    same = [Trial(-0.5, True, True), Trial(-3.0, False, False)]
    assert choose(same).threshold == -3.0 and choose(same).kept_local == 1.0
    with pytest.raises(ValueError):
        choose([])


def test_the_threshold_is_written_into_the_cascade_boards_params(tmp_path: Path) -> None:
    config = tmp_path / "litellm.yaml"
    board = {"strategy": "cascade", "specialists": [{"model": "a"}, {"model": "b"}]}
    config.write_text(
        json.dumps({"model_list": [{"model_name": "board/c", "litellm_params": {"board": board}}]})
    )
    write_threshold(config, "board/c", -0.75)
    written = yaml.safe_load(config.read_text())["model_list"][0]["litellm_params"]["board"]
    assert written["params"] == {"min_mean_logprob": -0.75}
    assert (tmp_path / "litellm.yaml.bak").exists()
    with pytest.raises(SystemExit, match="no board"):
        write_threshold(config, "board/x", -1.0)
