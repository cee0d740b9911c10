//! Physics of 1T1R TaOx resistive-memory cells (docs to come).

mod error;
mod forming;
mod map;
mod noise;
mod params;
mod stats;

pub use error::{Error, Result};
pub use forming::{formed_probability, predict, Prediction, StateFractions, SweepDistribution};
pub use map::{
    differential_weights, CellState, ConductanceMap, DifferentialSummary, MapSummary, ReadStats,
    StateCounts, CELLS_MAX,
};
pub use noise::{CellNoise, NoiseModel, NoiseStep};
pub use params::*;
pub use stats::{normal_cdf, DistMoments, Histogram, Moments, RawMoments};
mod design;
mod fit;
pub use design::{
    design_formed, design_weights, verify_formed, verify_weights, FormedDesign, FormedTarget,
    FormedVerification, Knob, WeightDesign, WeightTarget, WeightVerification, DESIGN_V_MAX_V,
};
pub use fit::{
    fit_conductances, parse_conductances_us, read_conductances_us, Column, Fit, FitOptions,
    LogNormalFit,
};
