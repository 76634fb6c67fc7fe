"""Kept so proxy configs written for 0.1 keep loading (`auth.master_key_auth`)."""

from .proxy.auth import master_key_auth

__all__ = ["master_key_auth"]
