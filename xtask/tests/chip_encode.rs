//! `cargo xtask chip form` then `cargo xtask encode` on synthetic N-MNIST
//! (Fig. 2's preset at a smaller quick scale): the files have the documented shapes and dtypes, and two
//! encodes from the same saved chip (on one and on two threads) are
//! byte-identical. `device fit` reads a CSV and writes a `[device]` section.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use clap::Parser;
use xtask::{Cli, run};

fn xtask(args: &[&str]) {
    let cli = Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied())).unwrap();
    assert_eq!(
        run(cli).unwrap(),
        std::process::ExitCode::SUCCESS,
        "{args:?}"
    );
}

/// The header dictionary of a `.npy` file (numpy's format 1.0).
fn npy_header(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    String::from_utf8_lossy(&bytes[10..10 + len]).into_owned()
}

#[test]
fn encodes_from_one_saved_chip_are_byte_identical_and_shaped_as_documented() {
    let tmp = tempfile::tempdir().unwrap();
    let chip = tmp.path().join("chip.bin");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    xtask(&["chip", "form", "--preset", "fig2", "--out", &s(&chip)]);
    let preset = tmp.path().join("fig2-smaller.toml");
    let per_class = |n: i64| toml::Value::Integer(n);
    experiments::preset::smaller_quick(
        "fig2",
        &[
            ("data.source.train_per_class", per_class(12)),
            ("data.source.test_per_class", per_class(6)),
            ("limits.train_per_class", per_class(12)),
            ("limits.test_per_class", per_class(6)),
        ],
        &preset,
    )
    .unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (out, threads) in [(&a, "1"), (&b, "2")] {
        xtask(&[
            "encode",
            "--chip",
            &s(&chip),
            "--preset",
            &s(&preset),
            "--quick",
            "--threads",
            threads,
            "--out",
            &s(out),
        ]);
    }
    // 12 training and 6 test digits per class.
    let n = 180;
    for (file, dtype, shape) in [
        ("features_software.npy", "<u4", format!("({n}, 200,")),
        ("features_hardware.npy", "<u4", format!("({n}, 200,")),
        ("labels.npy", "<u2", format!("({n},")),
        ("split.npy", "|u1", format!("({n},")),
    ] {
        let h = npy_header(&a.join(file));
        assert!(h.contains(&format!("'descr': '{dtype}'")), "{file}: {h}");
        assert!(h.contains(&format!("'shape': {shape}")), "{file}: {h}");
        assert!(h.contains("'fortran_order': False"), "{file}: {h}");
        assert_eq!(
            fs::read(a.join(file)).unwrap(),
            fs::read(b.join(file)).unwrap(),
            "{file}"
        );
    }
    // The macro's read noise makes the two backends differ, yet both fire.
    let sw = fs::read(a.join("features_software.npy")).unwrap();
    let hw = fs::read(a.join("features_hardware.npy")).unwrap();
    assert_ne!(sw, hw);
    assert!(sw[128..].iter().any(|&x| x != 0));

    // The files read back, and the converged readout fits on them: the
    // refit at the cross-validated C is the grid's fit at that C.
    let files = experiments::encode::EncodedFiles::read(&a).unwrap();
    let ((xtr, ytr), (xte, yte)) = files.splits(true);
    assert_eq!((xtr.nrows(), xte.nrows(), xtr.ncols()), (120, 60, 200));
    assert_eq!((ytr.len(), yte.len()), (120, 60));
    let settings = experiments::controls::ControlSettings::default();
    let results =
        experiments::encode::readout_encoded(&settings, &files, seeds::Seeds::new(10)).unwrap();
    assert_eq!(results.len(), 2);
    for r in &results {
        assert_eq!(r.per_c.len(), settings.c_grid.len());
        let at_c = r.per_c.iter().find(|p| p.c == r.c).unwrap();
        assert_eq!(at_c.test_accuracy, r.test_accuracy, "{}", r.backend);
        assert_eq!(at_c.cv_accuracy, r.cv_accuracy, "{}", r.backend);
        assert!(r.test_accuracy_ci.0 <= r.test_accuracy && r.test_accuracy <= r.test_accuracy_ci.1);
    }
    xtask(&["readout", "--features", &s(&a), "--json"]);
    // A split value other than 0 or 1 is an error naming the file and sample.
    let bad: Vec<u8> = (0..n).map(|i| if i == 7 { 2 } else { 0 }).collect();
    events::npy::write_npy(a.join("split.npy"), &[n], &bad).unwrap();
    let err = experiments::encode::EncodedFiles::read(&a)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("split.npy") && err.contains("sample 7"),
        "{err}"
    );
    fs::remove_file(a.join("labels.npy")).unwrap();
    let err = experiments::encode::EncodedFiles::read(&a)
        .unwrap_err()
        .to_string();
    assert!(err.contains("labels.npy"), "{err}");
}

#[test]
fn a_corrupt_chip_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let chip = tmp.path().join("chip.bin");
    fs::write(&chip, b"RRAMCHIP but not really").unwrap();
    let cli = Cli::try_parse_from([
        "xtask",
        "encode",
        "--chip",
        chip.to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ])
    .unwrap();
    let err = format!("{:#}", run(cli).unwrap_err());
    assert!(err.contains("chip.bin"), "{err}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn device_fit_reports_and_writes_the_fitted_section() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("g.csv");
    fs::write(
        &csv,
        "g_us\n0.21\n0.3\n13.1\n14.2\n15.0\n12.9\n16.3\n14.8\n",
    )
    .unwrap();
    let out = tmp.path().join("device.toml");
    xtask(&[
        "device",
        "fit",
        "--conductances",
        csv.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let table: toml::Table = fs::read_to_string(&out).unwrap().parse().unwrap();
    let sigma = table["device"]["compliance"]["sigma_ln"]
        .as_float()
        .unwrap();
    // ln of the six formed values has a sample standard deviation of 0.0882.
    assert!((sigma - 0.0882).abs() < 1e-3, "{sigma}");
}
