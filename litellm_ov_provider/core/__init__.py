"""The node core: an OpenAI request through the engine to a neutral result (no LiteLLM)."""
