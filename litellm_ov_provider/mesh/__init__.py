"""The mesh past one box: other nodes (ov-llm-server or any OpenAI-compatible server)
found by reading their /v1/models, and served as deployments in LiteLLM's model
groups beside the local registry models."""
