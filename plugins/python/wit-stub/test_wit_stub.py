"""Tests of the stub itself, run by each Python plugin's `python3 -m unittest` (its test module
imports these): it must answer as the host does (wit/reader.wit), or a plugin's native tests prove
nothing. Expected values are worked out by hand from the bars below."""

import math
import unittest

import wit_stub

# The reader is the same in every world: these tests run under whichever world the plugin loaded.
wit_stub.load(wit_stub.loaded_world() or "feature-builder")

from componentize_py_types import Err  # noqa: E402 (the bindings exist once loaded)
from wit_world.imports import columns, plugin, reader, types  # noqa: E402

H = 3_600_000_000
D = 24 * H
HOUR1, DAY1 = types.Timeframe.HOUR1, types.Timeframe.DAY1
CLOSE, VOLUME = types.Fields.CLOSE, types.Fields.VOLUME

HOURS = [i * H for i in range(72)]
SERIES = {
    ("AAA", HOUR1): {"ts": HOURS, "close": [float(i) for i in range(72)], "volume": [1] * 72},
    ("AAA", DAY1): {"ts": [0, D, 2 * D], "close": [10.0, 11.0, 12.0], "volume": [5, 6, 7]},
    ("SPX", DAY1): {"ts": [0, D, 2 * D], "close": [100.0, 101.0, 102.0], "volume": [1, 2, 3]},
    ("BBB", HOUR1): {"ts": HOURS, "close": [1.0] * 72},
}


def unit():
    """A unit at 1h over hours 48..71 (day 2), as-of its last hour, reading 1h and 1d of AAA and 1d of SPX."""
    return plugin.UnitOfWork(
        symbol="AAA",
        timeframe=HOUR1,
        window=types.TimeRange(start=48 * H, end=71 * H),
        as_of=71 * H,
        inputs=[
            plugin.ScopedInput(symbols=["AAA"], timeframe=HOUR1, fields=CLOSE, warm_up_from=46 * H),
            plugin.ScopedInput(symbols=["AAA", "SPX"], timeframe=DAY1, fields=CLOSE | VOLUME, warm_up_from=0),
        ],
        params=[],
    )


def span(a, b):
    return types.TimeRange(start=a, end=b)


class ReaderStubTest(unittest.TestCase):
    def setUp(self):
        wit_stub.serve(unit(), SERIES)

    def assert_out_of_scope(self, call, message=None):
        with self.assertRaises(Err) as caught:
            call()
        self.assertIsInstance(caught.exception.value, types.Error_OutOfScope)
        if message is not None:
            self.assertEqual(caught.exception.value.value, message)

    def test_a_series_read_is_the_range_as_columns(self):
        bars = reader.series("AAA", HOUR1, span(46 * H, 48 * H), CLOSE)
        self.assertEqual(bars.ts.values(), [46 * H, 47 * H, 48 * H])
        self.assertEqual(bars.close.values(), [46.0, 47.0, 48.0])
        self.assertEqual(bars.high.values(), [])
        self.assertEqual(bars.close.rolling_mean(2).values()[1:], [46.5, 47.5])
        self.assertEqual((bars.ts.first_at_or_after(47 * H), bars.ts.end_at_or_before(47 * H)), (1, 2))
        self.assertEqual(wit_stub.reads[-1][0], "series")
        self.assertIsInstance(bars.close, columns.Column)
        self.assert_out_of_scope(lambda: reader.series("AAA", HOUR1, span(45 * H, 48 * H), CLOSE))

    def test_a_range_is_inclusive_from_the_warm_up_start_with_only_the_asked_for_fields(self):
        bars = reader.range("AAA", HOUR1, span(46 * H, 48 * H), CLOSE)
        self.assertEqual(bars.ts, [46 * H, 47 * H, 48 * H])
        self.assertEqual(bars.close, [46.0, 47.0, 48.0])
        self.assertEqual(bars.volume, [])

    def test_what_no_input_declares_is_out_of_scope(self):
        self.assert_out_of_scope(
            lambda: reader.range("BBB", HOUR1, span(48 * H, 49 * H), CLOSE),
            f"BBB HOUR1 (this unit's inputs: AAA HOUR1 [close] from {46 * H}; AAA,SPX DAY1 [close volume] from 0)",
        )
        self.assert_out_of_scope(lambda: reader.range("AAA", types.Timeframe.HOUR4, span(48 * H, 49 * H), CLOSE))
        self.assert_out_of_scope(
            lambda: reader.range("AAA", HOUR1, span(48 * H, 49 * H), CLOSE | VOLUME),
            "fields [volume] of AAA HOUR1 (declared: [close])",
        )
        self.assert_out_of_scope(lambda: reader.range("AAA", HOUR1, span(45 * H, 49 * H), CLOSE))
        self.assert_out_of_scope(lambda: reader.range("AAA", HOUR1, span(48 * H, 72 * H), CLOSE))

    def test_a_cursor_streams_batches_of_at_most_batch_rows(self):
        sizes = []
        with reader.open_range("AAA", HOUR1, span(66 * H, 70 * H), CLOSE, 2) as cursor:
            while (batch := cursor.next_batch()) is not None:
                sizes.append(len(batch.ts))
        self.assertEqual(sizes, [2, 2, 1])

    def test_aligned_shows_a_daily_bar_from_the_row_that_closes_at_its_close(self):
        # The row opening at 47h closes at 48h, the close of day 1 (opened at 24h): day 1 is
        # aligned from there on; at 46h only day 0 has closed.
        got = reader.aligned("AAA", "SPX", DAY1, span(46 * H, 49 * H), CLOSE)
        self.assertEqual(got.ts, [46 * H, 47 * H, 48 * H, 49 * H])
        self.assertEqual(got.source_ts, [0, D, D, D])
        self.assertEqual(got.close, [100.0, 101.0, 101.0, 101.0])
        self.assertEqual((got.open, got.volume), ([], []))
        # Day 2 (opened at 48h) closes at 72h: not at the row of 70h, at the row of 71h.
        last = reader.aligned("AAA", "AAA", DAY1, span(70 * H, 71 * H), VOLUME)
        self.assertEqual((last.source_ts, last.volume), ([D, 2 * D], [6, 7]))

    def test_aligned_is_none_before_the_other_series_first_closes_and_checks_both_series(self):
        wit_stub.serve(unit(), {**SERIES, ("SPX", DAY1): {"ts": [D], "close": [101.0], "volume": [2]}})
        got = reader.aligned("AAA", "SPX", DAY1, span(46 * H, 47 * H), CLOSE | VOLUME)
        self.assertEqual(got.source_ts, [None, D])
        self.assertTrue(math.isnan(got.close[0]))
        self.assertEqual(got.volume, [None, 2])
        self.assert_out_of_scope(
            lambda: reader.aligned("AAA", "SPX", DAY1, span(48 * H, 49 * H), types.Fields.OPEN),
            "fields [open] of SPX DAY1 (declared: [close volume])",
        )
        self.assert_out_of_scope(lambda: reader.aligned("BBB", "SPX", DAY1, span(48 * H, 49 * H), CLOSE))

    def test_close_times(self):
        self.assertEqual(wit_stub.close_of(HOUR1, 0), H)
        self.assertEqual(wit_stub.close_of(types.Timeframe.TICK, 5), 5)
        # February 2024 opens at 2024-02-01T00:00Z and closes at 2024-03-01T00:00Z (a leap year).
        self.assertEqual(wit_stub.close_of(types.Timeframe.MONTH1, 1_706_745_600_000_000), 1_709_251_200_000_000)

    def test_latest_availability_timeframes_summary_see_only_the_inputs_up_to_as_of(self):
        self.assertEqual(
            reader.availability("AAA", HOUR1), types.AvailabilityInfo(count=26, earliest=46 * H, latest=71 * H)
        )
        self.assertEqual([(b.symbol, b.ts, b.close) for b in reader.latest(["AAA"], DAY1)], [("AAA", 2 * D, 12.0)])
        self.assertEqual(reader.timeframes("AAA"), [HOUR1, DAY1])
        self.assertEqual(
            [(e.symbol, e.timeframe, e.availability.count) for e in reader.summary()],
            [("AAA", HOUR1, 26), ("AAA", DAY1, 3), ("SPX", DAY1, 3)],
        )

    def test_a_served_error_fails_every_call(self):
        wit_stub.serve(unit(), {"error": types.Error_Unavailable()})
        with self.assertRaises(Err) as caught:
            reader.range("AAA", HOUR1, span(48 * H, 49 * H), CLOSE)
        self.assertIsInstance(caught.exception.value, types.Error_Unavailable)


if __name__ == "__main__":
    unittest.main()
