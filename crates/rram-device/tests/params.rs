//! Parameter validation and serialisation.
#![allow(clippy::unwrap_used)]

use param_guard::ParamGuard;
use std::collections::BTreeSet;

use proptest::prelude::*;
use rram_device::ParamError;
use rram_device::{
    Compliance, ConductanceMap, DeviceParams, Error, Program, PulseProgram, SweepProgram,
};
use seeds::Seeds;

/// What values a float field accepts.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Finite, > 0.
    Positive,
    /// Finite, >= 0, at most `max`.
    NonNegative { max: f64 },
    /// In [0, 1].
    Fraction,
    /// Finite.
    Finite,
    /// Finite, > 0, in `[min, max]`.
    Range { min: f64, max: f64 },
}

type Setter = fn(&mut DeviceParams, f64);

/// Every float field of `DeviceParams`, with its path and rule. The test
/// `the_field_table_covers_every_field` keeps this list complete.
fn fields() -> Vec<(&'static str, Kind, Setter)> {
    use Kind::*;
    vec![
        ("pristine.g_median_us", Positive, |p, v| {
            p.pristine.g_median_us = v
        }),
        ("pristine.sigma_ln", NonNegative { max: 3.0 }, |p, v| {
            p.pristine.sigma_ln = v
        }),
        (
            "forming.beta",
            Range {
                min: 0.1,
                max: 50.0,
            },
            |p, v| p.forming.beta = v,
        ),
        ("forming.eta0_s", Positive, |p, v| p.forming.eta0_s = v),
        ("forming.v0_v", Positive, |p, v| p.forming.v0_v = v),
        (
            "forming.accel_exponent",
            NonNegative { max: 200.0 },
            |p, v| p.forming.accel_exponent = v,
        ),
        ("compliance.v_c_v", Positive, |p, v| p.compliance.v_c_v = v),
        ("compliance.sigma_ln", NonNegative { max: 3.0 }, |p, v| {
            p.compliance.sigma_ln = v
        }),
        ("compliance.v_t_v", Finite, |p, v| p.compliance.v_t_v = v),
        ("compliance.k_a_per_v2", Positive, |p, v| {
            p.compliance.k_a_per_v2 = v
        }),
        ("read_noise.s0_us", NonNegative { max: f64::MAX }, |p, v| {
            p.read_noise.s0_us = v
        }),
        ("read_noise.s1", NonNegative { max: 1.0 }, |p, v| {
            p.read_noise.s1 = v
        }),
        ("read_noise.telegraph.cell_fraction", Fraction, |p, v| {
            p.read_noise.telegraph.cell_fraction = v
        }),
        (
            "read_noise.telegraph.rel_amplitude",
            NonNegative { max: 1.0 },
            |p, v| p.read_noise.telegraph.rel_amplitude = v,
        ),
        ("read_noise.telegraph.g_ref_us", Positive, |p, v| {
            p.read_noise.telegraph.g_ref_us = v
        }),
        (
            "read_noise.telegraph.resistance_exponent",
            NonNegative { max: 2.0 },
            |p, v| p.read_noise.telegraph.resistance_exponent = v,
        ),
        ("read_noise.telegraph.capture_rate_hz", Positive, |p, v| {
            p.read_noise.telegraph.capture_rate_hz = v
        }),
        ("read_noise.telegraph.emission_rate_hz", Positive, |p, v| {
            p.read_noise.telegraph.emission_rate_hz = v
        }),
        ("read_noise.flicker.q", NonNegative { max: 1.0 }, |p, v| {
            p.read_noise.flicker.q = v
        }),
        // f_min must also stay below f_max (1e5): checked on f_max's side, so
        // only values that are invalid on their own are generated here.
        ("read_noise.flicker.f_min_hz", Positive, |p, v| {
            p.read_noise.flicker.f_min_hz = v
        }),
        ("read_noise.flicker.f_max_hz", Positive, |p, v| {
            p.read_noise.flicker.f_max_hz = v
        }),
        ("drift.t0_s", Positive, |p, v| p.drift.t0_s = v),
        ("drift.mean_shift_us", Finite, |p, v| {
            p.drift.mean_shift_us = v
        }),
        ("drift.spread_us", NonNegative { max: f64::MAX }, |p, v| {
            p.drift.spread_us = v
        }),
        ("faults.stuck_pristine_fraction", Fraction, |p, v| {
            p.faults.stuck_pristine_fraction = v
        }),
        ("faults.stuck_high_fraction", Fraction, |p, v| {
            p.faults.stuck_high_fraction = v
        }),
        ("faults.g_stuck_high_us", Positive, |p, v| {
            p.faults.g_stuck_high_us = v
        }),
        ("differential.g_scale_us", Positive, |p, v| {
            p.differential.g_scale_us = v
        }),
    ]
}

/// Values a field of this kind must reject.
fn invalid(kind: Kind) -> BoxedStrategy<f64> {
    let non_finite = prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)];
    match kind {
        Kind::Positive => prop_oneof![non_finite, -1e12..=0.0f64].boxed(),
        Kind::NonNegative { max } if max < f64::MAX => prop_oneof![
            non_finite,
            -1e12..-1e-12f64,
            (max * (1.0 + 1e-9) + 1e-12)..1e12
        ]
        .boxed(),
        Kind::NonNegative { .. } => prop_oneof![non_finite, -1e12..-1e-12f64].boxed(),
        Kind::Fraction => {
            prop_oneof![Just(f64::NAN), -1e6..-1e-12f64, 1.000_000_001..1e6f64].boxed()
        }
        Kind::Finite => non_finite.boxed(),
        Kind::Range { min, max } => prop_oneof![
            non_finite,
            -1e6..min * (1.0 - 1e-9),
            max * (1.0 + 1e-9)..1e6
        ]
        .boxed(),
    }
}

fn field_of(e: Error) -> String {
    match e {
        Error::InvalidParameter(ParamError { field, .. }) => field,
        other => panic!("expected InvalidParameter, got {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_invalid_field_is_named(
        (i, v) in (0..fields().len()).prop_flat_map(|i| (Just(i), invalid(fields()[i].1)))
    ) {
        let (path, _, set) = fields()[i];
        let mut p = DeviceParams::default();
        set(&mut p, v);
        let e = p.validate().expect_err(path);
        let msg = e.to_string();
        prop_assert_eq!(field_of(e), path);
        prop_assert!(msg.contains(path), "{}", msg);
    }

    #[test]
    fn program_fields_are_named(which in 0usize..7, bad in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1e6..=0.0f64]) {
        let d = DeviceParams::default();
        let pulse = PulseProgram::default();
        let sweep = SweepProgram::default();
        let (prog, path) = match which {
            0 => (Program::Pulse(PulseProgram { v_v: bad, ..pulse }), "program.v_v"),
            1 => (Program::Pulse(PulseProgram { width_s: bad, ..pulse }), "program.width_s"),
            2 => (Program::Pulse(PulseProgram { compliance: Compliance::Current { i_c_ua: bad }, ..pulse }), "program.compliance.i_c_ua"),
            3 => (Program::Sweep(SweepProgram { v_start_v: bad, ..sweep }), "program.v_start_v"),
            4 => (Program::Sweep(SweepProgram { v_step_v: bad, ..sweep }), "program.v_step_v"),
            5 => (Program::Sweep(SweepProgram { step_width_s: bad, ..sweep }), "program.step_width_s"),
            _ => (Program::Sweep(SweepProgram { compliance: Compliance::Gate { v_g_v: bad }, ..sweep }), "program.compliance.v_g_v"),
        };
        prop_assert_eq!(field_of(prog.validate(&d).unwrap_err()), path);
        // Forming refuses the same program with the same error.
        let e = ConductanceMap::form_seeded(2, 2, &d, &prog, Seeds::new(1)).unwrap_err();
        prop_assert_eq!(field_of(e), path);
    }

    #[test]
    fn valid_random_devices_give_physical_maps(
        beta in 0.5..5.0f64,
        eta0 in 1e-6..1.0f64,
        n in 0.0..40.0f64,
        sigma in 0.0..1.0f64,
        v in 1.0..6.0f64,
        width in 1e-7..1.0f64,
        i_c in 0.1..500.0f64,
        sp in 0.0..0.5f64,
        sh in 0.0..0.5f64,
        k in proptest::option::of(0u32..8),
        seed in any::<u64>(),
    ) {
        let mut d = DeviceParams::default();
        d.forming.beta = beta;
        d.forming.eta0_s = eta0;
        d.forming.accel_exponent = n;
        d.compliance.sigma_ln = sigma;
        d.compliance.quantum_k = k;
        d.faults.stuck_pristine_fraction = sp;
        d.faults.stuck_high_fraction = sh;
        let prog = Program::Pulse(PulseProgram { v_v: v, width_s: width, compliance: Compliance::Current { i_c_ua: i_c } });
        let m = ConductanceMap::form_seeded(6, 7, &d, &prog, Seeds::new(seed)).unwrap();
        for (g, s) in m.conductances_s().iter().zip(m.states()) {
            prop_assert!(g.is_finite() && *g > 0.0, "{}", g);
            if !s.has_filament() {
                // Pristine: within 3 / 0.3 = 10 standard deviations of 0.1 uS.
                prop_assert!(*g < 0.1e-6 * (10.0f64 * 0.3).exp() * 1.01);
            }
        }
        let sum = m.summary(1e-6);
        prop_assert_eq!(sum.counts.formed + sum.counts.pristine + sum.counts.stuck_pristine + sum.counts.stuck_high, 42);
    }
}

#[test]
fn integer_and_optional_fields_are_checked() {
    let mut p = DeviceParams::default();
    p.read_noise.flicker.components = 1;
    assert_eq!(
        field_of(p.validate().unwrap_err()),
        "read_noise.flicker.components"
    );
    p.read_noise.flicker.components = 9;
    assert_eq!(
        field_of(p.validate().unwrap_err()),
        "read_noise.flicker.components"
    );
    let mut p = DeviceParams::default();
    p.compliance.quantum_k = Some(21);
    assert_eq!(field_of(p.validate().unwrap_err()), "compliance.quantum_k");
}

fn leaves(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

#[test]
fn the_field_table_covers_every_field() {
    let json = serde_json::to_value(DeviceParams::default()).unwrap();
    let mut all = BTreeSet::new();
    leaves(&json, "", &mut all);
    let mut covered: BTreeSet<String> = fields().iter().map(|f| f.0.to_owned()).collect();
    // Fields covered elsewhere: switches (any value valid), and the integer
    // and optional fields of `integer_and_optional_fields_are_checked`.
    for f in [
        "read_noise.telegraph.enabled",
        "read_noise.flicker.enabled",
        "drift.enabled",
        "read_noise.flicker.components",
        "compliance.quantum_k",
    ] {
        covered.insert(f.to_owned());
    }
    assert_eq!(all, covered);
}

#[test]
fn toml_round_trip_partial_files_and_unknown_keys() {
    let d = DeviceParams::default();
    let text = toml::to_string(&d).unwrap();
    let back: DeviceParams = toml::from_str(&text).unwrap();
    assert_eq!(back, d);
    // A preset names only what it changes.
    let partial: DeviceParams = toml::from_str("[compliance]\nsigma_ln = 0.2\n").unwrap();
    assert_eq!(partial.compliance.sigma_ln, 0.2);
    assert_eq!(partial.forming, d.forming);
    // A misspelt key is an error that names it.
    let e = toml::from_str::<DeviceParams>("[forming]\nbeta = 2.0\neta_s = 1.0\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("eta_s"), "{e}");
    // Programs are tagged.
    let p: Program = toml::from_str(
        "kind = \"sweep\"\nv_stop_v = 4.0\n[compliance]\nmode = \"gate\"\nv_g_v = 0.8\n",
    )
    .unwrap();
    let Program::Sweep(s) = &p else {
        panic!("{p:?}")
    };
    assert_eq!(s.v_stop_v, 4.0);
    assert_eq!(s.compliance, Compliance::Gate { v_g_v: 0.8 });
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Program>(&json).unwrap(), p);
    assert!(toml::from_str::<Program>("kind = \"pulse\"\nwidth = 1.0\n").is_err());
}
