"""`ov-board`: the plugins loaded, a config's boards checked, a cascade calibrated."""

from .main import check_config, main

__all__ = ["check_config", "main"]
