"""ov-llm-server: the node standalone (FastAPI + Uvicorn), over the same core as the proxy."""

import os

# The node imports LiteLLM's types; never let that fetch a cost map from the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
