//! Conformance with the independent NumPy reference in
//! `../shared/fixtures/lsm-reference` (present in development and CI, not in
//! a user's clone; run with `--features shared-data`).
#![cfg(feature = "shared-data")]
#![allow(clippy::unwrap_used)]

use lsm::conformance::{check_fixture, shared_fixture_dir};

#[test]
fn shared_data_reference_fixture_matches() {
    let report = check_fixture(shared_fixture_dir()).unwrap();
    assert_eq!(report.samples, 20);
    // The fixture's README: float64 must reproduce every count exactly;
    // float32 flips a few threshold crossings (about 0.02 %), we require
    // at least 99.9 %.
    assert_eq!(report.f64_match, 1.0, "{report:?}");
    assert!(report.f32_match >= 0.999, "{report:?}");
    assert_eq!(report.f64_first_spike_match, Some(1.0), "{report:?}");
    // params.json records the reference's mean rate 0.046525.
    assert!((report.mean_rate - 0.046525).abs() < 1e-9, "{report:?}");
}
