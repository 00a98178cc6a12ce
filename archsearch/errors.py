"""The few named errors of archsearch. Each says what was given and what was expected; the
CLI turns any of them into one line instead of a traceback. Imports nothing, so every layer
may use it."""


class ArchsearchError(Exception):
    """Base of every error the CLI reports as a one-line message."""


class ConfigError(ArchsearchError):
    """A config file or override that does not validate (names file, key, value, allowed)."""


class InvalidMacroError(ArchsearchError, ValueError):
    """A macro combination (cells, reductions, nodes) that no network can have."""


class DataNotFoundError(ArchsearchError, FileNotFoundError):
    """A data set folder or file that is not where the config says (names where it looked)."""


class ModelDescError(ArchsearchError, ValueError):
    """A model description that no network can be built from: a missing key, a wrong type, an
    input id that is not an earlier node, an unknown op, or a size past the limits of
    ``archsearch.space.validate``. Says where in the description (``cells[2].channels``)."""


class WeightsError(ArchsearchError):
    """A weights file that is missing, truncated, corrupt, or not a state_dict (names it)."""


class DataFormatError(ArchsearchError, ValueError):
    """A data file or folder that is there but is not what its format says: an image that does
    not decode, labels out of range, x and y of different lengths (names the file or folder)."""


class NonFiniteLossError(ArchsearchError, ArithmeticError):
    """Training produced a NaN or infinite loss; the job fails, the search goes on."""


class StoreError(ArchsearchError):
    """A run directory whose store is missing, newer than this code, or inconsistent."""


class NothingTrainedError(ArchsearchError):
    """A command that needs trained models (``compare``) on runs that have none yet."""


class UnknownNameError(ArchsearchError, KeyError):
    """A registry lookup (op, data set, strategy) with a name that is not registered."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(sorted(known))}")
        self.kind, self.name, self.known = kind, name, known

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return self.args[0]


class RunLockedError(ArchsearchError):
    """A run that another live driver holds: one driver per run at a time."""
