"""Real processes and inputs for the tests and the benchmarks (not shipped): a LiteLLM
proxy on loopback with a registry of our own, an ov-llm-server node, the offline
models placed in the converted-models layout, board configs, large payloads."""
