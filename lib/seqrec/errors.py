"""Errors a user can cause. Each message says what is wrong and what to do."""


class SeqrecError(Exception):
    """Base class: anything raised on purpose by seqrec."""


class DataError(SeqrecError):
    """Missing, corrupt, truncated or empty data."""


class ConfigError(SeqrecError, ValueError):
    """Unknown model, dataset, protocol or parameter, or a value out of range."""


class TrainingError(SeqrecError):
    """A run that cannot continue (e.g. a NaN loss); the last good checkpoint is kept."""


def unknown(kind: str, value, valid, where: str = "", also: str = "") -> ConfigError:
    """A ConfigError listing the valid choices: "[where: ]unknown kind 'x'; valid kinds: a, b[, also]".

    `value` is the unknown value, or a list of several (then "unknown kinds 'x', 'y'"); `where` names
    the entry it was found in; `also` adds choices that a list cannot give (e.g. a pattern)."""
    several = isinstance(value, list)
    shown = ", ".join(map(repr, value)) if several else repr(value)
    choices = ", ".join(map(str, valid)) + (f", {also}" if also else "")
    return ConfigError(f"{where + ': ' if where else ''}unknown {kind}{'s' if several else ''} "
                       f"{shown}; valid {kind}s: {choices}")
