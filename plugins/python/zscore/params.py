"""The zscore plugin's parameters: their specs and their validation, in plain Python."""

from dataclasses import dataclass

# Name, default, one line with the unit.
PERIOD = ("period", 20, "rolling window of the volume z-score, in bars (2 to 100000)")

# The longest window the host's `zscore` kernel takes.
MAX_PERIOD = 100_000


class InvalidParams(Exception):
    """A parameter is unknown, of the wrong type or out of range; the message says which."""


@dataclass(frozen=True)
class Params:
    """Validated parameters."""

    period: int = PERIOD[1]

    @property
    def warm_up_bars(self) -> int:
        """Bars before the window the features need so that a value at a bar does not depend on
        where the window starts: the `period - 1` volumes before a bar that its z-score's window
        holds besides its own. They include the one previous close a log return needs (period >= 2).
        """
        return self.period - 1


def parse(given):
    """Params from (name, kind, value) triples, kind one of "int", "float", "text", "boolean"."""
    period = PERIOD[1]
    for name, kind, value in given:
        if name != PERIOD[0]:
            raise InvalidParams(f'unknown parameter "{name}" (expected {PERIOD[0]})')
        if kind != "int":
            raise InvalidParams(f'parameter "period" must be an int, got {kind} {value!r}')
        period = value
    if period < 2:
        raise InvalidParams(f'parameter "period" must be >= 2 (rolling window in bars), got {period}')
    if period > MAX_PERIOD:
        raise InvalidParams(f'parameter "period" must be at most {MAX_PERIOD} (rolling window in bars), got {period}')
    return Params(period=period)
