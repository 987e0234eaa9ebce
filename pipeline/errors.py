"""Errors the CLI turns into exit codes (see CONTRACT.md: 2 = usage/configuration, 1 = run time).

Raise these with one human line; the CLI prints it without a traceback.
"""


class NewscorpusError(Exception):
    """A failure at run time: exit code 1, what was already stored is kept."""

    exit_code = 1


class ConfigError(NewscorpusError):
    """Bad configuration (sources file, settings): exit code 2, refused before any work."""

    exit_code = 2


class DatabaseUnavailable(NewscorpusError):
    """PostgreSQL cannot be reached or started."""


class LoadError(NewscorpusError):
    """A bulk load was refused by the database; the whole batch was rolled back."""


class DatabaseMissing(ConfigError):
    """The selected database does not exist on a reachable server: exit code 2, with the fix."""
