package compute

import (
	"math"
	"testing"
)

func TestRateOfChangeInPercentAfterPeriodValues(t *testing.T) {
	got := RateOfChange([]float64{100, 110, 99, 121}, 2)
	if !math.IsNaN(got[0]) || !math.IsNaN(got[1]) {
		t.Fatalf("the first 2 values have no earlier one: got %v", got[:2])
	}
	// 99 against 100: -1 %; 121 against 110: +10 %.
	if math.Abs(got[2]-(-1)) > 1e-12 || math.Abs(got[3]-10) > 1e-12 {
		t.Fatalf("RateOfChange = %v, want [NaN NaN -1 10]", got)
	}
}

func TestAZeroEarlierValueGivesZeroAsTALibDoes(t *testing.T) {
	if got := RateOfChange([]float64{0, 5}, 1); got[1] != 0 {
		t.Fatalf("RateOfChange([0 5], 1)[1] = %v, want 0", got[1])
	}
}

func TestTheWarmUpMakesTheFirstRowWhatALongerHistoryGives(t *testing.T) {
	closes := []float64{1, 4, 2, 8, 5, 7, 3}
	period, windowStart := 3, 5
	first := windowStart - int(WarmUpBars(int64(period)))
	fromWarmUp := RateOfChange(closes[first:], period)[windowStart-first:]
	whole := RateOfChange(closes, period)[windowStart:]
	for i := range whole {
		if fromWarmUp[i] != whole[i] {
			t.Fatalf("from the warm-up %v, from the whole series %v", fromWarmUp, whole)
		}
	}
}
