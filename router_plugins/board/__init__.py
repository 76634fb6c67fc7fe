"""The board framework: declarations, plugins, one request's run and its report (no LiteLLM)."""
