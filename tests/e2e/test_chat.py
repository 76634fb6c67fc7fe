"""Chat completions through the real proxy with the openai SDK."""

from __future__ import annotations

import openai

from testbed.models import DEFAULT

PARIS = [{"role": "user", "content": "What is the capital of France?"}]


def test_answers_paris_with_real_usage(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    assert "Paris" in (r.choices[0].message.content or "")
    assert r.choices[0].finish_reason == "stop"
    assert r.usage is not None and r.usage.prompt_tokens == 37 and r.usage.completion_tokens >= 7


def test_streams_token_by_token_with_real_usage(client: openai.OpenAI) -> None:
    unary = client.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    stream = client.chat.completions.create(
        model=DEFAULT,
        messages=PARIS,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, reasons, usage = [], [], None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            reasons.append(chunk.choices[0].finish_reason)
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces) == unary.choices[0].message.content
    assert sum(1 for p in pieces if p) >= 5  # token by token, not one blob
    # LiteLLM's usage chunk carries an empty choice, so look at the set finish reasons.
    assert [r for r in reasons if r] == ["stop"]
    assert usage is not None and unary.usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (
        unary.usage.prompt_tokens,
        unary.usage.completion_tokens,
    )


def test_max_tokens_gives_length(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "Tell me a long story about a dragon."}],
        max_tokens=12,
    )
    assert r.choices[0].finish_reason == "length" and r.usage and r.usage.completion_tokens == 12


def test_stop_sequence_ends_the_answer_early(client: openai.OpenAI) -> None:
    full = client.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    text = full.choices[0].message.content or ""
    assert " is " in text
    cut = client.chat.completions.create(
        model=DEFAULT, messages=PARIS, temperature=0, stop=[" is "]
    )
    assert cut.choices[0].message.content == text.split(" is ")[0]
    assert cut.choices[0].finish_reason == "stop"


def test_seed_makes_sampling_repeatable(client: openai.OpenAI) -> None:
    story = [{"role": "user", "content": "Write one sentence about the sea."}]

    def sample(seed: int) -> str:
        r = client.chat.completions.create(
            model=DEFAULT, messages=story, temperature=1.0, top_p=0.95, seed=seed, max_tokens=30
        )
        return r.choices[0].message.content or ""

    first = sample(11)
    assert sample(11) == first
    assert any(sample(s) != first for s in (12, 13, 14))


def test_penalties_change_repetitive_output(client: openai.OpenAI) -> None:
    msgs = [{"role": "user", "content": "Repeat the word cat many times."}]
    # ignore_eos: the whole 40 tokens, so the answer runs long enough to repeat itself
    # (a short greedy answer may have no repeated token for the penalties to act on).
    long = {"ignore_eos": True}
    base = client.chat.completions.create(
        model=DEFAULT, messages=msgs, temperature=0, max_tokens=40, extra_body=long
    )
    penalised = client.chat.completions.create(
        model=DEFAULT,
        messages=msgs,
        temperature=0,
        max_tokens=40,
        presence_penalty=2.0,
        frequency_penalty=2.0,
        extra_body=long,
    )
    assert base.choices[0].message.content != penalised.choices[0].message.content


def test_system_prompt_and_history_go_through_the_template(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(
        model=DEFAULT, messages=PARIS, temperature=0, max_tokens=5
    )
    with_system = client.chat.completions.create(
        model=DEFAULT,
        temperature=0,
        max_tokens=5,
        messages=[{"role": "system", "content": "You are terse."}, *PARIS],
    )
    multi = client.chat.completions.create(
        model=DEFAULT,
        temperature=0,
        max_tokens=5,
        messages=[
            *PARIS,
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "And of Italy?"},
        ],
    )
    assert plain.usage and with_system.usage and multi.usage
    # The template's default system prompt is replaced, not added to.
    assert with_system.usage.prompt_tokens < plain.usage.prompt_tokens
    assert multi.usage.prompt_tokens > plain.usage.prompt_tokens + 8


def test_logprobs_score_each_generated_token(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT, messages=PARIS, temperature=0, max_tokens=12, logprobs=True
    )
    choice = r.choices[0]
    assert choice.logprobs is not None and choice.logprobs.content
    tokens = choice.logprobs.content
    assert r.usage is not None and len(tokens) == r.usage.completion_tokens
    assert "".join(t.token for t in tokens) == choice.message.content
    assert all(t.logprob <= 0 for t in tokens) and any(t.logprob < 0 for t in tokens)
    plain = client.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    assert plain.choices[0].logprobs is None
