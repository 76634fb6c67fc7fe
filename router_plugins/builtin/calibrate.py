"""`ov-board calibrate`: the cascade's `min_mean_logprob` from a labelled run.

Every question of a set with checkable answers goes to the fast and the strong model
(greedy, with log-probabilities); the threshold chosen keeps the most requests on the
fast model while the cascade stays as accurate as the strong model alone (less
`tolerance`). A request stays on the fast model as the cascade decides it
(`router_plugins.builtin.cascade`): its answer is not empty, unsure or a refusal, and
its mean token log-probability (when the model gave any) is at least the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import openai

from ..types import Answer, Usage
from .cascade import escalates_anyway, mean_logprob


@dataclass(frozen=True)
class Item:
    prompt: str
    answer: str  # must appear in a correct response as words (case and spacing ignored)


@dataclass(frozen=True)
class Trial:
    mean_logprob: float | None  # None: no log-probabilities, the threshold does not apply
    fast_ok: bool
    strong_ok: bool
    escalated_anyway: bool = False  # empty, unsure or a refusal: the cascade escalates


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
    local = [
        not t.escalated_anyway and (t.mean_logprob is None or t.mean_logprob >= threshold)
        for t in trials
    ]
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
    seen = {t.mean_logprob for t in trials if t.mean_logprob is not None}
    for threshold in [*sorted(seen), float("inf")]:
        kept, accuracy = outcome(trials, threshold)
        if accuracy >= strong - tolerance - 1e-9:
            break
    return Choice(round(threshold, 4), kept, accuracy, fast, strong, len(trials))


def ask(
    client: openai.OpenAI, model: str, prompt: str, max_tokens: int, logprobs: bool = True
) -> Answer:
    """A greedy answer, with its token log-probabilities (when asked: the strong model
    may be a board, which has none), as the cascade sees one."""
    done = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0,
        logprobs=logprobs,
    )
    choice = done.choices[0]
    tokens = choice.logprobs.content if choice.logprobs and choice.logprobs.content else []
    message = {"role": "assistant", "content": choice.message.content or ""}
    return Answer(
        model,
        model,
        message,
        choice.finish_reason or "stop",
        Usage(),
        0.0,
        tuple(t.logprob for t in tokens) or None,
    )


def run(
    client: openai.OpenAI, fast: str, strong: str, items: Sequence[Item], max_tokens: int = 24
) -> list[Trial]:
    trials = []
    for item in items:
        quick = ask(client, fast, item.prompt, max_tokens)
        strong_text = ask(client, strong, item.prompt, max_tokens, logprobs=False).text
        trials.append(
            Trial(
                mean_logprob(quick),
                correct(quick.text, item.answer),
                correct(strong_text, item.answer),
                escalates_anyway(quick),
            )
        )
    return trials
