package compute

import (
	"math"
	"testing"
)

func TestNaNUntilPeriodValuesThenTheMean(t *testing.T) {
	got := RollingMean([]float64{1, 2, 3, 4}, 2)
	if !math.IsNaN(got[0]) || got[1] != 1.5 || got[2] != 2.5 || got[3] != 3.5 {
		t.Fatalf("RollingMean([1 2 3 4], 2) = %v, want [NaN 1.5 2.5 3.5]", got)
	}
}

func TestTheWarmUpMakesTheFirstRowWhatALongerHistoryGives(t *testing.T) {
	closes := []float64{1, 4, 2, 8, 5, 7}
	period, windowStart := 3, 4
	first := windowStart - int(WarmUpBars(int64(period)))
	fromWarmUp := RollingMean(closes[first:], period)[windowStart-first:]
	whole := RollingMean(closes, period)[windowStart:]
	if fromWarmUp[0] != 5 || fromWarmUp[0] != whole[0] || fromWarmUp[1] != whole[1] {
		t.Fatalf("from the warm-up %v, from the whole series %v, want both [5 6.67]", fromWarmUp, whole)
	}
}
