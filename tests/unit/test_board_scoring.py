"""The semantic router's scoring rule (measured in bench/routing_lab.py)."""

import numpy as np

from router_plugins.builtin.scoring import Index, description_phrases, scores, unit


def test_a_description_lists_its_topics_as_phrases() -> None:
    assert description_phrases("Handles programming, debugging, the shell, git and APIs.") == [
        "programming",
        "debugging",
        "the shell",
        "git",
        "APIs",
    ]
    assert description_phrases("Recipes; baking (bread/cakes) or food storage") == [
        "Recipes",
        "baking",
        "bread",
        "cakes",
        "food storage",
    ]
    assert description_phrases("arithmetic") == []  # one topic: the description itself
    assert description_phrases("") == []


def test_a_specialist_scores_the_mean_of_its_three_closest_rows() -> None:
    rows = unit([[1, 0], [1, 0], [0.6, 0.8], [0, 1], [0, 1]])
    index = Index(("a", "a", "a", "b", "b"), rows)
    got = scores(index, unit([[1, 0]])[0])
    assert np.isclose(got["a"], (1 + 1 + 0.6) / 3) and np.isclose(got["b"], 0.0)
    # A specialist with fewer rows is scored on the rows it has.
    lone = Index(("a", "b"), unit([[0.8, 0.6], [0.0, 1.0]]))
    assert np.isclose(scores(lone, unit([[1, 0]])[0])["a"], 0.8)
