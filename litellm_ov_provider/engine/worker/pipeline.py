"""The chat model's ContinuousBatchingPipeline, as the worker opens it."""

from __future__ import annotations

from typing import Any

from .. import protocol as p


def open_pipeline(g: Any, spec: p.WorkerSpec) -> Any:
    """The model's ContinuousBatchingPipeline, with the spec's engine properties."""
    scheduler = g.SchedulerConfig()
    scheduler.cache_size = int(spec.kv_cache_gb) if spec.kv_cache_gb >= 1 else 0
    scheduler.enable_prefix_caching = True
    props: dict[str, Any] = dict(spec.properties)
    if spec.inference_threads:
        props.setdefault("INFERENCE_NUM_THREADS", spec.inference_threads)
    if spec.prompt_lookup:
        props["prompt_lookup"] = True
    return g.ContinuousBatchingPipeline(spec.path, scheduler, spec.device, props)


def end_of_sequence(tokenizer: Any, config: Any) -> frozenset[int]:
    """The token ids that end an answer (not part of it)."""
    ids = {int(tokenizer.get_eos_token_id()), int(config.eos_token_id)}
    ids |= {int(i) for i in config.stop_token_ids}
    return frozenset(i for i in ids if i >= 0)
