// Package compute is the {{name}} plugin's math, in plain Go: no bindings, so `go test ./compute`
// runs it natively.
package compute

import "math"

// RollingMean is the mean of each value and the period-1 before it; NaN until period values exist.
func RollingMean(values []float64, period int) []float64 {
	out := make([]float64, len(values))
	sum := 0.0
	for i, v := range values {
		sum += v
		if i >= period {
			sum -= values[i-period]
		}
		if i+1 >= period {
			out[i] = sum / float64(period)
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// WarmUpBars is the bars before the window that the mean on the window's first bar needs: the
// period-1 closes before it. With them, every row is what it would be had the window started
// earlier.
func WarmUpBars(period int64) uint32 {
	return uint32(period - 1)
}
