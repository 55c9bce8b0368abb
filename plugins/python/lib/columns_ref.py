"""The host's held columns (`wit/columns.wit`, the `columns` import of contract 0.2) in plain
Python, for a plugin's native tests, as `kernels_ref.py` is for the kernels: `series.py` uses these
when no generated bindings can be imported, and `plugins/python/wit-stub` puts `Column` and
`Timestamps` in place of the generated classes (which do not work outside a component) when a test
loads the real bindings. Inside a component the host holds the columns; this module is never used
there.

A `Column` here holds its values in a list; each kernel method is `kernels_ref`'s function of the
same name over them, so a plugin's tests check the contract against an implementation written
from the WIT's documentation, not the host's code.
"""

import bisect
import math
from dataclasses import dataclass
from enum import Enum

import kernels_ref


class Operator(Enum):
    ADD = 0
    SUBTRACT = 1
    MULTIPLY = 2
    DIVIDE = 3


@dataclass
class MacdColumns:
    macd: object
    signal: object
    hist: object


@dataclass
class BandColumns:
    upper: object
    middle: object
    lower: object


def _divide(x, y):
    """x / y as IEEE 754 divides: ±inf for x / 0, NaN for 0 / 0 and NaN operands."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


_APPLY = {
    "ADD": lambda x, y: x + y,
    "SUBTRACT": lambda x, y: x - y,
    "MULTIPLY": lambda x, y: x * y,
    "DIVIDE": _divide,
}


def _clamped(start, end, length):
    """`start..end` clamped as the WIT's `slice` says (u32 bounds, as Python slices them)."""
    start = min(max(start, 0), length)
    return start, min(max(end, start), length)


def _kernel(name):
    def method(self, *args):
        return Column._of(getattr(kernels_ref, name)(self._values, *args))

    method.__name__ = name
    method.__doc__ = f"`kernels.{name}` over this column."
    return method


class _Held:
    """What a column and a timestamps share: values in a list, read and sliced alike."""

    __slots__ = ("_values",)

    @classmethod
    def _of(cls, values):
        held = cls.__new__(cls)
        held._values = values
        return held

    def len(self):
        return len(self._values)

    def values(self):
        return list(self._values)

    def slice(self, start, end):
        start, end = _clamped(start, end, len(self._values))
        return self._of(self._values[start:end])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


class Column(_Held):
    """A column of floats: `columns.column`."""

    __slots__ = ()

    def __init__(self, values):
        self._values = [float(v) for v in values]

    @classmethod
    def filled(cls, value, length):
        return cls._of([float(value)] * length)

    def combine(self, op, other):
        if len(other._values) != len(self._values):
            raise kernels_ref._invalid(
                f"combine: columns of {len(self._values)} and {len(other._values)} values (expected one length)"
            )
        f = _APPLY[op.name]
        return Column._of([f(x, y) for x, y in zip(self._values, other._values)])

    def combine_scalar(self, op, value):
        f = _APPLY[op.name]
        return Column._of([f(x, value) for x in self._values])

    def combine_reversed(self, op, value):
        f = _APPLY[op.name]
        return Column._of([f(value, x) for x in self._values])

    rolling_sum = _kernel("rolling_sum")
    rolling_mean = _kernel("rolling_mean")
    rolling_var = _kernel("rolling_var")
    rolling_std = _kernel("rolling_std")
    rolling_min = _kernel("rolling_min")
    rolling_max = _kernel("rolling_max")
    rolling_argmin = _kernel("rolling_argmin")
    rolling_argmax = _kernel("rolling_argmax")
    rolling_rank = _kernel("rolling_rank")
    zscore = _kernel("zscore")
    ema = _kernel("ema")
    wilder = _kernel("wilder")
    rsi = _kernel("rsi")
    log_return = _kernel("log_return")
    pct_change = _kernel("pct_change")
    diff = _kernel("diff")
    shift = _kernel("shift")
    cumulative_sum = _kernel("cumulative_sum")

    def macd(self, fast, slow, signal):
        lines = kernels_ref.macd(self._values, fast, slow, signal)
        return MacdColumns(Column._of(lines.macd), Column._of(lines.signal), Column._of(lines.hist))

    def bollinger(self, period, deviations_up, deviations_down):
        bands = kernels_ref.bollinger(self._values, period, deviations_up, deviations_down)
        return BandColumns(Column._of(bands.upper), Column._of(bands.middle), Column._of(bands.lower))

    @classmethod
    def true_range(cls, high, low, close):
        return cls._of(kernels_ref.true_range(high._values, low._values, close._values))

    @classmethod
    def atr(cls, high, low, close, period):
        return cls._of(kernels_ref.atr(high._values, low._values, close._values, period))


class Timestamps(_Held):
    """Bar open times (µs since the Unix epoch), ascending: `columns.timestamps`."""

    __slots__ = ()

    def __init__(self, values):
        self._values = list(values)

    def first_at_or_after(self, t):
        return bisect.bisect_left(self._values, t)

    def end_at_or_before(self, t):
        return bisect.bisect_right(self._values, t)


def install(columns):
    """Puts these classes in place of the generated ones of `columns`
    (`wit_world.imports.columns`); the generated `Operator` stays (looked up by name)."""
    columns.Column = Column
    columns.Timestamps = Timestamps
    columns.MacdColumns = MacdColumns
    columns.BandColumns = BandColumns
