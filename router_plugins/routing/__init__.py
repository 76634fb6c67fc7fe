"""Routing decisions shared by the built-in routers, `ov-board train/eval` and
third-party strategies: a router model's prompt, grammar and answer (picks.py,
ask.py), a classifier learned from labelled prompts (learned.py), labelled files
(labelled.py) and the measures of a router on one (measure.py)."""
