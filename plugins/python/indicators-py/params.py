"""The indicators-py plugin's parameters: their specs, their checks and the warm-up they need, in
plain Python. The same parameters, ranges and messages as the Rust `indicators` plugin
(plugins/indicators/src/params.rs, warm_up.rs), so a job can swap one for the other."""

import math
from dataclasses import dataclass

# Periods are bars, 1..=MAX_PERIOD_BARS, TA-Lib's own bound.
MAX_PERIOD_BARS = 100_000

# (name, default, minimum or None for a float, description), in the order `describe` lists them.
SPECS = (
    ("sma_period", 20, 1, "SMA period, in bars"),
    ("ema_period", 20, 1, "EMA period, in bars"),
    ("rsi_period", 14, 2, "RSI (Wilder) period, in bars"),
    ("macd_fast", 12, 2, "MACD fast EMA period, in bars; below macd_slow"),
    ("macd_slow", 26, 2, "MACD slow EMA period, in bars"),
    ("macd_signal", 9, 1, "MACD signal EMA period, in bars"),
    ("atr_period", 14, 1, "ATR (Wilder) period, in bars"),
    ("bb_period", 20, 2, "Bollinger Bands period, in bars"),
    ("bb_stddev", 2.0, None, "Bollinger Bands half-width, in population standard deviations"),
    ("volatility_window", 20, 2, "window of the rolling sample standard deviation of log returns, in bars"),
)

# The weight a recursive indicator's seed may keep at the window's first bar (warm_up.rs).
SEED_WEIGHT = 1e-12


class InvalidParams(Exception):
    """A parameter is out of range; the message names it."""


@dataclass(frozen=True)
class Params:
    sma_period: int = 20
    ema_period: int = 20
    rsi_period: int = 14
    macd_fast: int = 12
    macd_slow: int = 26
    macd_signal: int = 9
    atr_period: int = 14
    bb_period: int = 20
    bb_stddev: float = 2.0
    volatility_window: int = 20

    @property
    def warm_up_bars(self):
        """The largest of `warm_up_by_column`."""
        return max(bars for _, bars in self.warm_up_by_column())

    def warm_up_by_column(self):
        """Bars before the window each column needs so that its values do not depend on where
        the window starts (the Rust plugin's rule, README "Start-invariance"): TA-Lib's look-back,
        plus for a recursive indicator the bars its seed needs to decay below 1e-12."""
        ema = 2 / (self.ema_period + 1)
        macd = (self.macd_slow - 1 + self.macd_signal - 1) + decay_bars(2 / (self.macd_slow + 1)) + decay_bars(
            2 / (self.macd_signal + 1)
        )
        return [
            ("sma", self.sma_period - 1),
            ("ema", self.ema_period - 1 + decay_bars(ema)),
            ("rsi", self.rsi_period + decay_bars(1 / self.rsi_period)),
            ("macd", macd),
            ("macd_signal", macd),
            ("macd_hist", macd),
            ("atr", self.atr_period + decay_bars(1 / self.atr_period)),
            ("bb_upper", self.bb_period - 1),
            ("bb_middle", self.bb_period - 1),
            ("bb_lower", self.bb_period - 1),
            ("log_return", 1),
            ("volatility", self.volatility_window),
        ]


def decay_bars(alpha):
    """D(α) = ⌈ln(ε) / ln(1 − α)⌉, ε = 1e-12: bars after which a seed of a recursion
    s = s + α(x − s) weighs at most ε; 0 for α = 1."""
    if alpha >= 1:
        return 0
    return math.ceil(math.log(SEED_WEIGHT) / math.log1p(-alpha))


def parse(given):
    """Params from (name, value) pairs with the defaults filled in and the types checked by the
    host against `describe` (an int is accepted for the float `bb_stddev`, as job files have it)."""
    values = {name: default for name, default, _, _ in SPECS}
    for name, value in given:
        if name not in values:
            raise InvalidParams(f'unknown parameter "{name}" (expected one of {", ".join(values)})')
        values[name] = value
    for name, _, minimum, _ in SPECS:
        value = values[name]
        if minimum is None:
            value = float(value)
            if not (math.isfinite(value) and value > 0):
                raise InvalidParams(f'parameter "{name}" is {value} (expected a finite number above 0)')
            values[name] = value
        elif not minimum <= value <= MAX_PERIOD_BARS:
            raise InvalidParams(f'parameter "{name}" is {value} (expected {minimum}..={MAX_PERIOD_BARS} bars)')
    if values["macd_fast"] >= values["macd_slow"]:
        raise InvalidParams(f"macd_fast {values['macd_fast']} must be below macd_slow {values['macd_slow']}")
    return Params(**{name: values[name] for name, _, _, _ in SPECS})
