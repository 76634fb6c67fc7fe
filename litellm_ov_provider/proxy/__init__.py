"""The LiteLLM adapter: custom provider, proxy hooks, route sync, front door, LiteLLM internals."""
