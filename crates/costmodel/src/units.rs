//! The small set of units the technology tables may use, parsed into SI.

use serde::{Deserialize, Serialize};

/// The physical dimension of a table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Energy, in joules.
    Energy,
    /// Voltage, in volts.
    Voltage,
    /// Time, in seconds.
    Time,
    /// Conductance, in siemens.
    Conductance,
    /// A pure number (a scale factor).
    Dimensionless,
    /// A converter resolution, in bits.
    Bits,
}

impl Dimension {
    /// The SI unit of this dimension, as written in messages.
    pub fn si_unit(self) -> &'static str {
        match self {
            Dimension::Energy => "J",
            Dimension::Voltage => "V",
            Dimension::Time => "s",
            Dimension::Conductance => "S",
            Dimension::Dimensionless => "1",
            Dimension::Bits => "bit",
        }
    }
}

/// Every accepted unit: symbol, dimension, factor to SI.
pub const UNITS: &[(&str, Dimension, f64)] = &[
    ("fJ", Dimension::Energy, 1e-15),
    ("pJ", Dimension::Energy, 1e-12),
    ("nJ", Dimension::Energy, 1e-9),
    ("uJ", Dimension::Energy, 1e-6),
    ("mJ", Dimension::Energy, 1e-3),
    ("J", Dimension::Energy, 1.0),
    ("mV", Dimension::Voltage, 1e-3),
    ("V", Dimension::Voltage, 1.0),
    ("ps", Dimension::Time, 1e-12),
    ("ns", Dimension::Time, 1e-9),
    ("us", Dimension::Time, 1e-6),
    ("ms", Dimension::Time, 1e-3),
    ("s", Dimension::Time, 1.0),
    ("nS", Dimension::Conductance, 1e-9),
    ("uS", Dimension::Conductance, 1e-6),
    ("mS", Dimension::Conductance, 1e-3),
    ("S", Dimension::Conductance, 1.0),
    ("1", Dimension::Dimensionless, 1.0),
    ("bit", Dimension::Bits, 1.0),
];

/// Parses a unit symbol (case-sensitive: `mS` is millisiemens, `ms`
/// milliseconds) into its dimension and its factor to SI; `None` if unknown.
pub fn parse_unit(symbol: &str) -> Option<(Dimension, f64)> {
    UNITS
        .iter()
        .find(|(s, _, _)| *s == symbol)
        .map(|&(_, d, f)| (d, f))
}

/// The accepted symbols, comma separated (for error messages).
pub fn accepted_units() -> String {
    UNITS
        .iter()
        .map(|(s, _, _)| *s)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_scale_to_si() {
        let cases = [
            ("fJ", Dimension::Energy, 1e-15),
            ("pJ", Dimension::Energy, 1e-12),
            ("uJ", Dimension::Energy, 1e-6),
            ("J", Dimension::Energy, 1.0),
            ("V", Dimension::Voltage, 1.0),
            ("ns", Dimension::Time, 1e-9),
            ("us", Dimension::Time, 1e-6),
            ("uS", Dimension::Conductance, 1e-6),
            ("S", Dimension::Conductance, 1.0),
        ];
        for (sym, dim, factor) in cases {
            assert_eq!(parse_unit(sym), Some((dim, factor)), "{sym}");
        }
    }

    #[test]
    fn unknown_and_miscased_units_are_rejected() {
        for sym in ["pj", "PJ", "kJ", "", "volt", "µS"] {
            assert_eq!(parse_unit(sym), None, "{sym}");
        }
        // Case matters: milliseconds and millisiemens are different units.
        assert_ne!(parse_unit("ms"), parse_unit("mS"));
        assert!(accepted_units().contains("pJ"));
    }
}
