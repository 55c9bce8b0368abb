//! Volumes: `market_data.volume` is `BIGINT`, so a fractional volume (crypto, Dukascopy) is
//! refused unless the user chose how to make it whole, and a missing one is told apart from 0.

use super::options::VolumePolicy;

/// A volume as the file holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum RawVolume {
    /// No volume column, an empty field or a null.
    Missing,
    Int(i64),
    Float(f64),
}

/// A volume as stored, and what happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Volume {
    /// 0 when missing: what a new row gets.
    pub value: i64,
    /// The file gave none: a stored volume stays.
    pub missing: bool,
    /// `--volume-round` changed it.
    pub rounded: bool,
}

pub(super) fn resolve(raw: RawVolume, policy: VolumePolicy) -> Result<Volume, String> {
    let whole = |value| Ok(Volume { value, missing: false, rounded: false });
    let scale = policy.scale.unwrap_or(1);
    match raw {
        RawVolume::Missing => Ok(Volume { value: 0, missing: true, rounded: false }),
        RawVolume::Int(v) if v < 0 => Err(format!("expected a whole number >= 0, got {v}")),
        RawVolume::Int(v) => match i64::try_from(scale).ok().and_then(|s| v.checked_mul(s)) {
            Some(value) => whole(value),
            None => Err(format!("{v} × {scale} (--volume-scale) is past the largest volume, {}", i64::MAX)),
        },
        RawVolume::Float(x) if !(x.is_finite() && x >= 0.0) => {
            Err(format!("expected a number >= 0, got {x}"))
        }
        RawVolume::Float(x) => {
            let scaled = x * scale as f64;
            if scaled >= i64::MAX as f64 {
                return Err(format!("{x} × {scale} is past the largest volume, {}", i64::MAX));
            }
            let nearest = scaled.round();
            // A scaled decimal such as 715.05777964 × 1e8 misses its whole number by a rounding
            // error of the binary double: a few units in the last place are whole.
            let exact = if scale == 1 {
                scaled == nearest
            } else {
                (scaled - nearest).abs() <= 4.0 * f64::EPSILON * scaled
            };
            if exact {
                whole(nearest as i64)
            } else if policy.round {
                Ok(Volume { value: nearest as i64, missing: false, rounded: true })
            } else if scale == 1 {
                Err(format!(
                    "{x} is not a whole number (volume is stored as one: give --volume-scale N to store volume × N, \
                     or --volume-round to round it)"
                ))
            } else {
                Err(format!(
                    "{x} × {scale} is not a whole number (give a --volume-scale that makes it one, or --volume-round)"
                ))
            }
        }
    }
}

/// A volume field of a CSV file.
pub(super) fn from_text(text: &str) -> Result<RawVolume, String> {
    if text.is_empty() {
        return Ok(RawVolume::Missing);
    }
    if let Ok(v) = text.parse::<i64>() {
        return Ok(RawVolume::Int(v));
    }
    text.parse::<f64>()
        .map(RawVolume::Float)
        .map_err(|_| format!("expected a number >= 0, got {}", crate::domain::quoted(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(scale: Option<u64>, round: bool) -> VolumePolicy {
        VolumePolicy { scale, round }
    }

    #[test]
    fn fractional_volumes_are_refused_unless_scaled_or_rounded() {
        let crypto = RawVolume::Float(715.05777964);
        let err = resolve(crypto, policy(None, false)).unwrap_err();
        assert_eq!(
            err,
            "715.05777964 is not a whole number (volume is stored as one: give --volume-scale N to store volume × N, \
             or --volume-round to round it)"
        );
        assert_eq!(resolve(crypto, policy(Some(100_000_000), false)).unwrap().value, 71_505_777_964);
        assert!(
            resolve(crypto, policy(Some(1000), false)).unwrap_err().starts_with("715.05777964 × 1000 is not")
        );
        assert_eq!(
            resolve(crypto, policy(Some(1000), true)).unwrap(),
            Volume { value: 715_058, missing: false, rounded: true }
        );
        assert_eq!(
            resolve(crypto, policy(None, true)).unwrap(),
            Volume { value: 715, missing: false, rounded: true }
        );
        assert_eq!(
            resolve(RawVolume::Float(2.5), policy(None, true)).unwrap().value,
            3,
            "ties away from zero"
        );
        assert_eq!(resolve(RawVolume::Float(1000.0), policy(None, false)).unwrap().value, 1000);
    }

    #[test]
    fn whole_volumes_scale_and_missing_ones_are_marked() {
        assert_eq!(resolve(RawVolume::Int(7), policy(Some(10), false)).unwrap().value, 70);
        assert!(
            resolve(RawVolume::Int(i64::MAX), policy(Some(10), false))
                .unwrap_err()
                .contains("past the largest")
        );
        assert_eq!(
            resolve(RawVolume::Int(-5), policy(None, false)).unwrap_err(),
            "expected a whole number >= 0, got -5"
        );
        assert_eq!(
            resolve(RawVolume::Missing, policy(Some(10), false)).unwrap(),
            Volume { value: 0, missing: true, rounded: false }
        );
        assert_eq!(from_text(""), Ok(RawVolume::Missing));
        assert_eq!(from_text("1.5"), Ok(RawVolume::Float(1.5)));
        assert!(from_text("lots").unwrap_err().starts_with("expected a number >= 0, got \"lots\""));
    }
}
