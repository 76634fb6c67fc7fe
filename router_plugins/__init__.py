"""Board of specialists: a router picks which specialist models answer, a coordinator
merges their answers into one response, behind an ordinary proxy model name.

Strategies are pluggy plugins (see `hookspecs` and docs/plugins.md); the proxy runs
boards through the custom provider in `provider`.
"""
