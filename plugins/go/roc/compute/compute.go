// Package compute is the roc plugin's math, in plain Go without bindings: `go test ./compute`
// runs it natively.
package compute

import "math"

// RateOfChange is TA-Lib's ROC of each value against the one `period` values before it:
// ((value / earlier) - 1) * 100, in percent; NaN for the first `period` values, which have no
// earlier one (TA-Lib's look-back is `period`); 0 where the earlier value is 0, as TA-Lib's
// TA_ROC returns there.
func RateOfChange(values []float64, period int) []float64 {
	out := make([]float64, len(values))
	for i, v := range values {
		switch {
		case i < period:
			out[i] = math.NaN()
		case values[i-period] == 0:
			out[i] = 0
		default:
			out[i] = (v/values[i-period] - 1) * 100
		}
	}
	return out
}

// WarmUpBars is the bars before the window that the value on the window's first bar needs: the
// `period` values before it.
func WarmUpBars(period int64) uint32 {
	return uint32(period)
}
