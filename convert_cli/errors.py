"""Conversion errors: rendered by the CLI with a non-zero exit, nothing registered."""


class ConvertError(Exception):
    """A conversion that cannot go ahead, with a message for a person."""
