"""Errors a user can cause. Each message says what is wrong and what to do."""


class SeqrecError(Exception):
    """Base class: anything raised on purpose by seqrec."""


class DataError(SeqrecError):
    """Missing, corrupt, truncated or empty data."""


class ConfigError(SeqrecError, ValueError):
    """Unknown model, dataset, protocol or parameter, or a value out of range."""


class TrainingError(SeqrecError):
    """A run that cannot continue (e.g. a NaN loss); the last good checkpoint is kept."""


def unknown(kind: str, value, valid) -> ConfigError:
    """A ConfigError listing the valid choices."""
    return ConfigError(f"unknown {kind} {value!r}; valid {kind}s: {', '.join(map(str, valid))}")
