//! Parameters: every field validated and named, serde round trips,
//! determinism per seed, and bad read inputs named.
#![allow(clippy::unwrap_used)]

mod common;

use param_guard::ParamGuard;
use std::sync::LazyLock;

use cim_macro::ParamError;
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Error, Feedback, Macro, MacroParams, WeightScale};
use common::{chip, read_rng};
use costmodel::OpCounts;
use proptest::prelude::*;
use seeds::Seeds;

fn field_of(r: cim_macro::Result<()>) -> String {
    match r {
        Err(Error::InvalidParameter(ParamError {
            field,
            value,
            allowed,
        })) => {
            assert!(!value.is_empty() && !allowed.is_empty());
            field
        }
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn every_field_is_checked_and_named() {
    type Edit = Box<dyn Fn(&mut MacroParams)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("array.rows", Box::new(|p| p.array.rows = 0)),
        ("array.rows", Box::new(|p| p.array.rows = 20_000)),
        ("array.cols", Box::new(|p| p.array.cols = 0)),
        ("array.age_s", Box::new(|p| p.array.age_s = -1.0)),
        ("array.age_s", Box::new(|p| p.array.age_s = f64::NAN)),
        ("dac.bits", Box::new(|p| p.dac.bits = 0)),
        ("dac.bits", Box::new(|p| p.dac.bits = 25)),
        ("dac.v_max_v", Box::new(|p| p.dac.v_max_v = 0.0)),
        ("read.v_read_v", Box::new(|p| p.read.v_read_v = 0.0)),
        ("read.v_read_v", Box::new(|p| p.read.v_read_v = 5.5)),
        ("read.v_read_v", Box::new(|p| p.read.v_read_v = f64::NAN)),
        ("read.parallel_rows", Box::new(|p| p.read.parallel_rows = 0)),
        (
            "read.parallel_rows",
            Box::new(|p| p.read.parallel_rows = 513),
        ),
        (
            "read.read_interval_s",
            Box::new(|p| p.read.read_interval_s = 0.0),
        ),
        (
            "weights.g_scale_us",
            Box::new(|p| p.weights = WeightScale::Given { g_scale_us: 0.0 }),
        ),
        (
            "weights.g_scale_us",
            Box::new(|p| {
                p.weights = WeightScale::Given {
                    g_scale_us: f64::INFINITY,
                }
            }),
        ),
        (
            "tia.r_f.headroom_sigma",
            Box::new(|p| {
                p.tia.r_f = Feedback::Auto {
                    headroom_sigma: 0.0,
                }
            }),
        ),
        (
            "tia.r_f.headroom_sigma",
            Box::new(|p| {
                p.tia.r_f = Feedback::Auto {
                    headroom_sigma: 1e3,
                }
            }),
        ),
        (
            "tia.r_f.r_f_ohm",
            Box::new(|p| p.tia.r_f = Feedback::Given { r_f_ohm: -1.0 }),
        ),
        ("tia.v_sat_v", Box::new(|p| p.tia.v_sat_v = 0.0)),
        ("adc.bits", Box::new(|p| p.adc.bits = 0)),
        ("adc.bits", Box::new(|p| p.adc.bits = 30)),
        ("adc.v_fs_v", Box::new(|p| p.adc.v_fs_v = -2.5)),
        (
            "adc.gain_error_sigma",
            Box::new(|p| p.adc.gain_error_sigma = -0.01),
        ),
        (
            "adc.gain_error_sigma",
            Box::new(|p| p.adc.gain_error_sigma = 0.5),
        ),
        (
            "adc.offset_sigma_lsb",
            Box::new(|p| p.adc.offset_sigma_lsb = -1.0),
        ),
        (
            "adc.offset_sigma_lsb",
            Box::new(|p| p.adc.offset_sigma_lsb = 1e6),
        ),
        (
            "ir_drop.r_row_ohm",
            Box::new(|p| p.ir_drop.r_row_ohm = -1.0),
        ),
        (
            "ir_drop.r_col_ohm",
            Box::new(|p| p.ir_drop.r_col_ohm = f64::NAN),
        ),
        (
            "ir_drop.r_source_ohm",
            Box::new(|p| p.ir_drop.r_source_ohm = -0.1),
        ),
        (
            "ir_drop.r_access_ohm",
            Box::new(|p| p.ir_drop.r_access_ohm = f64::INFINITY),
        ),
        (
            "ir_drop.tolerance_v",
            Box::new(|p| p.ir_drop.tolerance_v = 0.0),
        ),
        (
            "ir_drop.max_iterations",
            Box::new(|p| p.ir_drop.max_iterations = 0),
        ),
        // The paper layout does not fit a 300-row array.
        (
            "layout.partition[0].rows[1].start",
            Box::new(|p| {
                p.array.rows = 300;
                p.read.parallel_rows = 64;
            }),
        ),
        (
            "layout.partition[0].columns pair 150",
            Box::new(|p| p.array.cols = 300),
        ),
    ];
    assert!(MacroParams::default().validate().is_ok());
    assert!(MacroParams::ideal().validate().is_ok());
    for (field, edit) in cases {
        let mut p = MacroParams::default();
        edit(&mut p);
        assert_eq!(field_of(p.validate()), field);
        // Programming checks the same.
        let r = Macro::program(
            &p,
            &DeviceParams::default(),
            &Program::default(),
            Seeds::new(1),
        )
        .map(|_| ());
        assert_eq!(field_of(r), field);
    }
}

#[test]
fn device_errors_and_map_sizes_are_reported() {
    let mut d = DeviceParams::default();
    d.forming.beta = -1.0;
    let r = Macro::program(
        &MacroParams::default(),
        &d,
        &Program::default(),
        Seeds::new(1),
    );
    assert!(matches!(r, Err(Error::Device(_))), "{r:?}");
    let c = chip(&MacroParams::default(), 1);
    let mut p = MacroParams::default();
    p.array.rows = 500;
    p.layout = cim_macro::Layout::from_toml_str(
        "[[partition]]\nname = \"a\"\nrows = [{ start = 0, count = 4 }]\ncolumns = { arrangement = \"interleaved\", start = 0, pairs = 2 }\n",
        "t",
    )
    .unwrap();
    let r = Macro::from_map(
        &p,
        c.map().clone(),
        &DeviceParams::default().read_noise,
        Seeds::new(1),
    )
    .map(|_| ());
    assert_eq!(field_of(r), "array.rows");
}

#[test]
fn parameters_round_trip_through_toml_and_reject_unknown_keys() {
    for p in [MacroParams::default(), MacroParams::ideal()] {
        let text = toml::to_string(&p).unwrap();
        let back = MacroParams::from_toml_str(&text, "round trip").unwrap();
        assert_eq!(back, p);
    }
    let p = MacroParams::from_toml_str(
        "[adc]\nbits = 12\n[tia.r_f]\nmode = \"given\"\nr_f_ohm = 5e4\n",
        "partial",
    )
    .unwrap();
    assert_eq!(p.adc.bits, 12);
    assert_eq!(p.tia.r_f, Feedback::Given { r_f_ohm: 5e4 });
    assert_eq!(p.read, MacroParams::default().read);
    match MacroParams::from_toml_str("[adc]\nbitz = 12\n", "typo.toml") {
        Err(Error::Layout { file, message }) => {
            assert_eq!(file, "typo.toml");
            assert!(message.contains("bitz"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match MacroParams::from_toml_str("[adc]\nbits = 40\n", "range.toml") {
        Err(Error::InvalidParameter(ParamError { field, .. })) => assert_eq!(field, "adc.bits"),
        other => panic!("{other:?}"),
    }
    let e = Error::InvalidParameter(ParamError {
        field: "adc.bits".into(),
        value: "40".into(),
        allowed: "in 1..=24".into(),
    });
    assert_eq!(
        e.to_string(),
        "invalid parameter `adc.bits` = 40: must be in 1..=24"
    );
}

#[test]
fn results_are_deterministic_per_seed() {
    let read = |chip_seed: u64, read_key: u64| {
        let c = chip(&MacroParams::default(), chip_seed);
        let part = c.partition("nmnist").unwrap();
        let mut s = c.new_scratch(&part).unwrap();
        let mut out = vec![0.0; 200];
        let mut rng = read_rng(read_key);
        let mut all = Vec::new();
        for rows in [vec![1u32, 5, 9], vec![0, 100, 300, 455]] {
            c.read_events(
                &part,
                &rows,
                &mut out,
                &mut s,
                &mut rng,
                &mut OpCounts::default(),
            )
            .unwrap();
            all.extend_from_slice(&out);
        }
        all
    };
    assert_eq!(read(5, 0), read(5, 0));
    assert_ne!(read(5, 0), read(5, 1));
    assert_ne!(read(5, 0), read(6, 0));
}

#[test]
fn bad_read_inputs_and_foreign_handles_are_named() {
    let c = chip(&MacroParams::default(), 71);
    let part = c.partition("nmnist").unwrap();
    let other = c.partition("ntidigits").unwrap();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; 200];
    let mut ops = OpCounts::default();
    let mut rng = read_rng(0);
    let mut ev = |rows: &[u32], out: &mut [f64], s: &mut cim_macro::ReadScratch| {
        c.read_events(&part, rows, out, s, &mut rng, &mut ops)
    };
    for (rows, index) in [
        (vec![3u32, 2], 1usize),
        (vec![1, 1], 1),
        (vec![0, 456], 1),
        (vec![9999], 0),
    ] {
        match ev(&rows, &mut out, &mut s) {
            Err(Error::BadInput {
                partition,
                what,
                index: i,
                ..
            }) => {
                assert_eq!(
                    (partition.as_str(), what, i),
                    ("nmnist", "active row", index)
                );
            }
            other => panic!("{rows:?}: {other:?}"),
        }
    }
    assert!(matches!(
        ev(&[1], &mut out[..10], &mut s),
        Err(Error::Length {
            what: "out",
            expected: 200,
            found: 10
        })
    ));
    let mut s_other = c.new_scratch(&other).unwrap();
    assert!(matches!(
        ev(&[1], &mut out, &mut s_other),
        Err(Error::ForeignHandle {
            what: "read scratch",
            ..
        })
    ));
    let mut rng = read_rng(0);
    let r = c.read_dense(&part, &[0.5; 10], &mut out, &mut s, &mut rng, &mut ops);
    assert!(matches!(
        r,
        Err(Error::Length {
            what: "inputs",
            expected: 456,
            found: 10
        })
    ));
    let mut x = vec![0.0; 456];
    x[7] = 1.5;
    match c.read_dense(&part, &x, &mut out, &mut s, &mut rng, &mut ops) {
        Err(Error::BadInput {
            what: "input",
            index: 7,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    x[7] = f64::NAN;
    assert!(
        c.read_dense(&part, &x, &mut out, &mut s, &mut rng, &mut ops)
            .is_err()
    );
    // A handle of another macro.
    let c2 = chip(&MacroParams::default(), 72);
    let p2 = c2.partition("nmnist").unwrap();
    assert!(matches!(
        c.effective_weights(&p2),
        Err(Error::ForeignHandle {
            what: "partition handle",
            ..
        })
    ));
    assert!(matches!(
        c.new_scratch(&p2),
        Err(Error::ForeignHandle { .. })
    ));
    match c.partition("mnist") {
        Err(e @ Error::UnknownPartition { .. }) => {
            assert!(e.to_string().contains("nmnist, ntidigits, zeroshot"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

static IDEAL: LazyLock<Macro> = LazyLock::new(|| chip(&MacroParams::ideal(), 81));
static NOISY: LazyLock<Macro> = LazyLock::new(|| chip(&MacroParams::default(), 81));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reads_never_panic_and_accept_exactly_the_sorted_rows(rows in prop::collection::vec(0u32..500, 0..90)) {
        let valid = rows.windows(2).all(|w| w[0] < w[1]) && rows.iter().all(|&r| r < 456);
        for c in [&*IDEAL, &*NOISY] {
            let part = c.partition("nmnist").unwrap();
            let mut s = c.new_scratch(&part).unwrap();
            let mut out = vec![0.0; 200];
            let r = c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut OpCounts::default());
            prop_assert_eq!(r.is_ok(), valid);
            if valid {
                prop_assert!(out.iter().all(|v| v.is_finite()));
            }
        }
        if valid {
            let part = IDEAL.partition("nmnist").unwrap();
            let w = IDEAL.effective_weights(&part).unwrap();
            let mut out = vec![0.0; 200];
            IDEAL.read_events(&part, &rows, &mut out, &mut IDEAL.new_scratch(&part).unwrap(), &mut read_rng(0), &mut OpCounts::default()).unwrap();
            for j in 0..200 {
                let sum: f64 = rows.iter().map(|&r| w[r as usize * 200 + j]).fold(0.0, |a, b| a + b);
                prop_assert_eq!(out[j], sum);
            }
        }
    }

    #[test]
    fn dense_reads_never_panic(x in prop::collection::vec(prop_oneof![Just(0.0), -0.5f64..1.5, Just(f64::NAN)], 456)) {
        let valid = x.iter().all(|v| (0.0..=1.0).contains(v));
        let part = NOISY.partition("nmnist").unwrap();
        let mut s = NOISY.new_scratch(&part).unwrap();
        let mut out = vec![0.0; 200];
        let r = NOISY.read_dense(&part, &x, &mut out, &mut s, &mut read_rng(0), &mut OpCounts::default());
        prop_assert_eq!(r.is_ok(), valid);
    }
}

#[test]
fn the_macro_is_shared_by_threads_and_scratches_move_between_them() {
    fn shared<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    shared::<Macro>();
    shared::<cim_macro::Partition>();
    movable::<cim_macro::ReadScratch>();
    // Reads from two threads with per-sample streams give what one thread
    // gives.
    let c = &*NOISY;
    let part = c.partition("nmnist").unwrap();
    let run = |key: u64| {
        let mut s = c.new_scratch(&part).unwrap();
        let mut out = vec![0.0; 200];
        c.read_events(
            &part,
            &[4, 8, 15, 16, 23, 42],
            &mut out,
            &mut s,
            &mut read_rng(key),
            &mut OpCounts::default(),
        )
        .unwrap();
        out
    };
    let (a, b) = std::thread::scope(|sc| {
        let ha = sc.spawn(|| run(1));
        let hb = sc.spawn(|| run(2));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert_eq!(a, run(1));
    assert_eq!(b, run(2));
}
