"""OpenVINO GenAI node for the LiteLLM proxy.

Every model in the registry becomes a proxy route served by an OpenVINO
ContinuousBatchingPipeline running in a worker process owned by the provider.
Nothing is loaded or registered at import time.
"""

__version__ = "0.1.0"
