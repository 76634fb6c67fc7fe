"""Operating a node: `ov-llm`, the lifecycle API, launch checks, `make run`'s bootstrap."""
