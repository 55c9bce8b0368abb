//! A fast, exact `fma` for plugins compiled to Wasm.
//!
//! Core Wasm has no fused multiply-add, so `f64::mul_add` (which TA-Lib's EMA and MACD call on
//! every bar) links the C library's `fma`: a software emulation that made up about 60% of the
//! `indicators` plugin's time. [`export_fma!`] replaces that symbol with the relaxed-SIMD
//! `f64x2.relaxed_madd`, which Candlewick's runtime compiles as a real fused multiply-add (it sets
//! wasmtime's `relaxed_simd_deterministic`): the hardware instruction where the CPU has one, an
//! exact fallback elsewhere. Results are those of `mul_add` natively, bit for bit.

/// `x * y + z` with a single rounding: relaxed SIMD's multiply-add, which Candlewick's runtime
/// always fuses. Safe to call, unlike target features elsewhere: Wasm checks them when a module is
/// validated, so an engine without relaxed SIMD refuses to load the plugin rather than run this.
#[cfg(target_arch = "wasm32")]
#[inline]
#[target_feature(enable = "simd128,relaxed-simd")]
pub fn fused_multiply_add(x: f64, y: f64, z: f64) -> f64 {
    use core::arch::wasm32::{f64x2_extract_lane, f64x2_relaxed_madd, f64x2_splat};
    f64x2_extract_lane::<0>(f64x2_relaxed_madd(f64x2_splat(x), f64x2_splat(y), f64x2_splat(z)))
}

/// `x * y + z` with a single rounding.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub fn fused_multiply_add(x: f64, y: f64, z: f64) -> f64 {
    x.mul_add(y, z)
}

/// Defines the C symbol `fma` in a plugin built for Wasm as [`fused_multiply_add`], so that
/// `f64::mul_add` there, in the plugin and in its dependencies, costs one instruction instead of a
/// software emulation. Expands to nothing on other targets. Use it once, at the crate root.
#[macro_export]
macro_rules! export_fma {
    () => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code, reason = "defining the C symbol `fma` takes `#[unsafe(no_mangle)]`")]
        mod fused_multiply_add_symbol {
            /// The C library's `fma`, which `f64::mul_add` calls on Wasm.
            // SAFETY: `fma` has the C signature and meaning this definition gives it.
            // With the feature on the symbol itself, the instruction inlines into it: one call.
            #[unsafe(no_mangle)]
            #[target_feature(enable = "simd128,relaxed-simd")]
            pub extern "C" fn fma(x: f64, y: f64, z: f64) -> f64 {
                $crate::fma::fused_multiply_add(x, y, z)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_once() {
        // (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60: a separate multiply rounds the 2^-60 away.
        let x = 1.0 + f64::EPSILON * 2f64.powi(22);
        assert_eq!(fused_multiply_add(x, x, -1.0), 2f64.powi(-29) + 2f64.powi(-60));
        assert_ne!(x * x - 1.0, fused_multiply_add(x, x, -1.0));
    }
}
