"""Errors the command line turns into exit status 2."""


class UsageError(Exception):
    """Bad arguments or a refused command: exit status 2."""
