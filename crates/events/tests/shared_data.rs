//! Checks against the real data in `../shared/data` beside the repository
//! (present in development and CI, not in a user's clone): run with
//! `cargo test -p events --features shared-data -- shared_data`.
#![cfg(feature = "shared-data")]
#![allow(clippy::unwrap_used)]

use events::idx::{read_mnist_images, read_mnist_labels};
use events::nmnist::{NmnistOptions, read_nmnist_file};
use events::stats::{bursts, rate_histogram};
use events::summary::summarize;
use events::transform::{RefractoryMode, refractory_filter};
use events::{DatasetFormat, VisionBinning, VisionSensor};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/nmnist-sample/sample_nmnist.bin"
);
const MNIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mnist/");

#[test]
fn shared_data_nmnist_sample_reads_as_documented() {
    let s = read_nmnist_file(SAMPLE, &NmnistOptions::default()).unwrap();
    // data/README.md and tonic's test data: 4,325 events, 654-311,175 us,
    // 49.6 % ON (2,145 ON events; 2145 / 4325 = 0.49595).
    assert_eq!(s.len(), 4325);
    assert_eq!(s.t_min_us(), Some(654));
    assert_eq!(s.t_max_us(), Some(311_175));
    assert_eq!(s.on_count(), 2145);
    assert!(
        (s.on_fraction() - 0.496).abs() < 0.0005,
        "{}",
        s.on_fraction()
    );
    assert!(s.is_time_sorted());
    assert_eq!(*s.sensor(), VisionSensor::NMNIST);
    assert_eq!(s.events().iter().map(|e| e.x).max(), Some(33));
    assert_eq!(s.events().iter().map(|e| e.y).max(), Some(33));
    // No overflow markers in the file: both settings decode it alike.
    let plain = NmnistOptions {
        overflow_markers: false,
        ..NmnistOptions::default()
    };
    assert_eq!(read_nmnist_file(SAMPLE, &plain).unwrap(), s);
}

#[test]
fn shared_data_nmnist_sample_has_three_saccade_bursts() {
    let s = read_nmnist_file(SAMPLE, &NmnistOptions::default()).unwrap();
    // 10 ms bins: the three ~105 ms saccades are runs of bins at >= 25 % of
    // the peak bin, separated by lulls where the motion reverses. 25 % sits
    // well between the lulls (< 6 % of the peak) and the burst flanks.
    let h = rate_histogram(&s, 10_000);
    assert_eq!(h.len(), 32);
    let b = bursts(&h, 0.25);
    assert_eq!(b.len(), 3, "histogram {h:?}, bursts {b:?}");
    let peak = *h.iter().max().unwrap();
    for pair in b.windows(2) {
        let lull = *h[pair[0].end..pair[1].start].iter().min().unwrap();
        assert!(
            f64::from(lull) < 0.1 * f64::from(peak),
            "lull {lull} vs peak {peak}"
        );
    }
    // Each burst lies in its own third of the recording.
    for (k, burst) in b.iter().enumerate() {
        let centre = (burst.start + burst.end) as f64 / 2.0 * 10.0; // ms
        assert!(
            (105.0 * k as f64..105.0 * (k + 1) as f64).contains(&centre),
            "burst {k} at {centre} ms"
        );
    }
}

#[test]
fn shared_data_nmnist_sample_summary_and_binning() {
    let s = summarize(SAMPLE, None).unwrap();
    assert_eq!(s.format, DatasetFormat::NmnistBin.name());
    assert_eq!((s.samples, s.events_min, s.events_max), (1, 4325, 4325));
    assert_eq!(s.duration_us_max, 311_175 - 654);
    assert!((s.on_fraction.unwrap() - 0.496).abs() < 0.0005);
    let stream = read_nmnist_file(SAMPLE, &NmnistOptions::default()).unwrap();
    let counted = VisionBinning {
        counts: true,
        ..VisionBinning::default()
    }
    .bin(&stream)
    .unwrap();
    let inside = stream
        .events()
        .iter()
        .filter(|e| (9..25).contains(&e.x) && (9..25).contains(&e.y))
        .count();
    assert_eq!((counted.steps(), counted.channels()), (50, 256));
    assert_eq!(counted.total_events(), inside as u64);
}

#[test]
fn shared_data_nmnist_sample_refractory_counts_at_5_ms() {
    let s = read_nmnist_file(SAMPLE, &NmnistOptions::default()).unwrap();
    let kept = |mode| refractory_filter(&s, 5_000, mode).unwrap().len();
    // Tonic mode: 2,454 events, the count tonic gives with
    // `RefractoryPeriod(5000)`, reproduced by an independent NumPy 2.4.6
    // re-implementation of `tonic.functional.refractory_period_numpy`
    // (per-pixel memory from -5000, `t - memory > 5000`, memory set on
    // every event). Since-kept mode, the same NumPy script: 3,156.
    assert_eq!(kept(RefractoryMode::Tonic), 2454);
    assert_eq!(kept(RefractoryMode::SinceKept), 3156);
    assert_eq!(kept(RefractoryMode::default()), 2454);
}

#[test]
fn shared_data_mnist_idx_files() {
    let images = read_mnist_images(format!(
        "{MNIST}mnist-test-00000-07999-images-idx3-ubyte.gz"
    ))
    .unwrap();
    let labels = read_mnist_labels(format!(
        "{MNIST}mnist-test-00000-07999-labels-idx1-ubyte.gz"
    ))
    .unwrap();
    assert_eq!((images.len(), images.rows, images.cols), (8000, 28, 28));
    assert_eq!(labels.len(), 8000);
    // The first MNIST test digits are 7 2 1 0 4 1 4 9 5 9 (LeCun's t10k file).
    assert_eq!(&labels[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert!(labels.iter().all(|&l| l <= 9));
    // Every class occurs; ink is 0-255 with a mostly black background.
    for d in 0..10 {
        assert!(
            labels.iter().filter(|&&l| l == d).count() > 600,
            "digit {d}"
        );
    }
    let first = images.image(0).unwrap();
    let ink = first.iter().filter(|&&p| p > 0).count();
    assert!(
        (50..300).contains(&ink),
        "{ink} inked pixels in the first digit"
    );
}
