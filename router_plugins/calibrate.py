"""`ov-board calibrate`: the cascade's `min_mean_logprob` from a labelled run.

Every question of a set with checkable answers goes to the fast and the strong model
(greedy, with log-probabilities); the threshold chosen keeps the most requests on the
fast model while the cascade stays as accurate as the strong model alone (less
`tolerance`). A request stays on the fast model when its answer's mean token
log-probability is at least the threshold, as the cascade decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import openai


@dataclass(frozen=True)
class Item:
    prompt: str
    answer: str  # must appear in a correct response as words (case and spacing ignored)


@dataclass(frozen=True)
class Trial:
    mean_logprob: float
    fast_ok: bool
    strong_ok: bool


@dataclass(frozen=True)
class Choice:
    threshold: float
    kept_local: float  # share of requests the fast model answers
    accuracy: float  # the cascade's, with this threshold
    fast_accuracy: float  # the fast model alone
    strong_accuracy: float  # the strong model alone
    questions: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def correct(text: str, answer: str) -> bool:
    """`answer` appears in `text` as whole words ("5" is not in "15")."""

    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s.lower()).strip()

    return re.search(rf"(?<!\w){re.escape(norm(answer))}(?!\w)", norm(text)) is not None


def outcome(trials: Sequence[Trial], threshold: float) -> tuple[float, float]:
    """(share kept local, accuracy) of the cascade at `threshold`."""
    local = [t.mean_logprob >= threshold for t in trials]
    right = [t.fast_ok if keep else t.strong_ok for t, keep in zip(trials, local, strict=True)]
    return sum(local) / len(trials), sum(right) / len(trials)


def choose(trials: Sequence[Trial], tolerance: float = 0.0) -> Choice:
    """The lowest threshold (most requests local) whose accuracy is within `tolerance`
    of the strong model alone; every observed mean log-probability is a candidate."""
    if not trials:
        raise ValueError("no questions to calibrate on")
    strong = sum(t.strong_ok for t in trials) / len(trials)
    fast = sum(t.fast_ok for t in trials) / len(trials)
    # Ascending: the first that holds keeps the most local; at +inf every request goes
    # to the strong model, which always holds.
    for threshold in [*sorted({t.mean_logprob for t in trials}), float("inf")]:
        kept, accuracy = outcome(trials, threshold)
        if accuracy >= strong - tolerance - 1e-9:
            break
    return Choice(round(threshold, 4), kept, accuracy, fast, strong, len(trials))


def ask(client: openai.OpenAI, model: str, prompt: str, max_tokens: int) -> tuple[str, float]:
    """(text, mean token log-probability) of a greedy answer."""
    done = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0,
        logprobs=True,
    )
    choice = done.choices[0]
    tokens = choice.logprobs.content if choice.logprobs and choice.logprobs.content else []
    values = [t.logprob for t in tokens]
    mean = sum(values) / len(values) if values else float("-inf")
    return choice.message.content or "", mean


def run(
    client: openai.OpenAI, fast: str, strong: str, items: Sequence[Item], max_tokens: int = 24
) -> list[Trial]:
    trials = []
    for item in items:
        fast_text, mean = ask(client, fast, item.prompt, max_tokens)
        strong_text, _ = ask(client, strong, item.prompt, max_tokens)
        trials.append(
            Trial(mean, correct(fast_text, item.answer), correct(strong_text, item.answer))
        )
    return trials
