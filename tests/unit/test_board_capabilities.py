"""A board supports what all its members support (pure)."""

from router_plugins.board.capabilities import board_capabilities, members

LOCAL = {
    "supports_function_calling": True,
    "supports_response_schema": True,
    "supports_vision": False,
    "max_input_tokens": 8192,
    "max_output_tokens": 8192,
    "input_cost_per_token": 0.0,
    "output_cost_per_token": 0.0,
}


def test_a_board_of_local_models_supports_what_they_all_support() -> None:
    small = {**LOCAL, "max_input_tokens": 2048}
    caps = board_capabilities([LOCAL, small])
    assert caps["supports_function_calling"] and caps["supports_response_schema"]
    assert caps["supports_vision"] is False
    assert caps["max_input_tokens"] == 2048 and caps["input_cost_per_token"] == 0


def test_one_member_without_a_feature_or_unknown_takes_it_away() -> None:
    no_tools = {**LOCAL, "supports_function_calling": False}
    assert board_capabilities([LOCAL, no_tools])["supports_function_calling"] is False
    caps = board_capabilities([LOCAL, None])
    assert caps["supports_response_schema"] is False and caps["max_input_tokens"] is None
    assert "input_cost_per_token" not in caps  # a member of unknown cost
    assert board_capabilities([])["supports_function_calling"] is False


def test_members_are_the_specialists_then_the_coordinator() -> None:
    declared = {"specialists": [{"model": "a"}, {"model": "b"}, "junk"], "coordinator": "c"}
    assert members(declared) == ["a", "b", "c"]
    assert members(None) == []
