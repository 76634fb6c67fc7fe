"""ov-llm-server: the node standalone (FastAPI + Uvicorn), over the same core as the proxy."""
