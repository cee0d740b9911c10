//! `.npy` export reads back with an independent reader (npyz's), and dataset
//! summaries of small folders, zips and HDF5 files written here count what
//! was written.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use events::npy::{RasterNpyWriter, write_features, write_labels, write_rasters};
use events::ntidigits::NtidigitsKey;
use events::summary::summarize;
use events::{
    AudioEvent, AudioSensor, AudioStream, DatasetFormat, NmnistDirWriter, NmnistZipWriter,
    NtidigitsWriter, SpikeRaster, Split, VisionEvent, VisionSensor, VisionStream,
};

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let file = npyz::NpyFile::new(std::fs::File::open(path).unwrap()).unwrap();
    let shape = file.shape().to_vec();
    (shape, file.into_vec::<T>().unwrap())
}

#[test]
fn rasters_features_and_labels_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = SpikeRaster::with_counts(3);
    a.push_step(&[0, 0, 2]).unwrap();
    a.push_step(&[]).unwrap();
    let mut b = SpikeRaster::with_counts(3);
    b.push_step(&[1]).unwrap();
    b.push_step(&[2, 1, 2, 2]).unwrap();
    let counts = dir.path().join("counts.npy");
    write_rasters(&counts, &[a.clone(), b.clone()], true).unwrap();
    let (shape, values) = read_npy::<u16>(&counts);
    assert_eq!(shape, vec![2, 2, 3]);
    assert_eq!(values, vec![2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 3]);
    let binary = dir.path().join("binary.npy");
    write_rasters(&binary, &[a.clone(), b], false).unwrap();
    let (_, values) = read_npy::<u8>(&binary);
    assert_eq!(values, vec![1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1]);
    // Shape mismatches and missing samples are errors naming the sample.
    let mut w = RasterNpyWriter::create(dir.path().join("bad.npy"), 2, 2, 4, false).unwrap();
    let err = w.push(&a).unwrap_err().to_string();
    assert!(err.contains("sample 0") && err.contains("2 x 3"), "{err}");
    let mut w = RasterNpyWriter::create(dir.path().join("short.npy"), 2, 2, 3, false).unwrap();
    w.push(&a).unwrap();
    assert!(
        w.finish()
            .unwrap_err()
            .to_string()
            .contains("exactly the 2")
    );
    let features = dir.path().join("features.npy");
    write_features(&features, &[1.0, 2.5, -3.0, 0.0, 7.0, 8.0], 2, 3).unwrap();
    let (shape, values) = read_npy::<f32>(&features);
    assert_eq!(
        (shape, values),
        (vec![2, 3], vec![1.0, 2.5, -3.0, 0.0, 7.0, 8.0])
    );
    let labels = dir.path().join("labels.npy");
    write_labels(&labels, &[7, 0, 10]).unwrap();
    assert_eq!(read_npy::<u16>(&labels), (vec![3], vec![7, 0, 10]));
    assert!(write_features(dir.path().join("x.npy"), &[1.0; 5], 2, 3).is_err());
}

/// `n` events of which `on` are ON, from t = 100 to 100 + 10 (n - 1).
fn vision(n: u64, on: u64) -> VisionStream {
    let events = (0..n)
        .map(|k| VisionEvent {
            t_us: 100 + 10 * k,
            x: (k % 34) as u16,
            y: 0,
            on: k < on,
        })
        .collect();
    VisionStream::new(VisionSensor::NMNIST, events).unwrap()
}

fn check_vision_summary(path: &Path, format: DatasetFormat) {
    let s = summarize(path, None).unwrap();
    assert_eq!(s.format, format.name());
    assert_eq!(s.samples, 4);
    assert_eq!(s.per_split["train"], 3);
    assert_eq!(s.per_split["test"], 1);
    assert_eq!(s.per_class["1"], 2);
    assert_eq!(s.per_class["7"], 2);
    assert_eq!(s.per_split_class["test"]["7"], 1);
    // Samples of 10, 20, 30, 40 events: median 25.
    assert_eq!(
        (s.events_min, s.events_median, s.events_max),
        (10, 25.0, 40)
    );
    assert_eq!(s.events_total, 100);
    assert_eq!(s.duration_us_max, 390);
    assert_eq!(s.duration_us_min, 90);
    assert_eq!(s.t_max_us, 490);
    // 5 + 10 + 15 + 20 ON events of 100.
    assert!((s.on_fraction.unwrap() - 0.5).abs() < 1e-12);
    let json = serde_json::to_value(&s).unwrap();
    for key in [
        "format",
        "samples",
        "per_class",
        "events_min",
        "events_median",
        "events_max",
        "duration_us_max",
        "on_fraction",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}");
    }
    // The same with the format given.
    assert_eq!(summarize(path, Some(format)).unwrap(), s);
    assert!(s.to_string().contains("median 25"), "{s}");
}

const VISION: [(Split, u16, u32, u64); 4] = [
    (Split::Train, 1, 1, 10),
    (Split::Train, 1, 2, 20),
    (Split::Train, 7, 3, 30),
    (Split::Test, 7, 4, 40),
];

#[test]
fn summary_of_folder_and_zips() {
    let dir = tempfile::tempdir().unwrap();
    let w = NmnistDirWriter::create(dir.path()).unwrap();
    for (split, label, id, n) in VISION {
        w.write(split, label, id, &vision(n, n / 2)).unwrap();
    }
    check_vision_summary(dir.path(), DatasetFormat::NmnistDir);

    let zips = tempfile::tempdir().unwrap();
    for split in Split::ALL {
        let mut z =
            NmnistZipWriter::create(zips.path().join(format!("{}.zip", split.nmnist_dir())))
                .unwrap();
        for (s, label, id, n) in VISION.iter().filter(|v| v.0 == split) {
            z.add(*s, *label, *id, &vision(*n, n / 2)).unwrap();
        }
        z.finish().unwrap();
    }
    check_vision_summary(zips.path(), DatasetFormat::NmnistZip);
    let one = summarize(dir.path().join("Train/7/00003.bin"), None).unwrap();
    assert_eq!(
        (one.format.as_str(), one.samples, one.events_max),
        ("nmnist-bin", 1, 30)
    );
    assert_eq!(one.per_class["7"], 1);
}

#[test]
fn summary_of_hdf5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulated.h5");
    let mut w = NtidigitsWriter::new();
    for (split, key, n) in [
        (Split::Train, "man-a-a-z", 3u64),
        (Split::Train, "man-b-a-o", 5),
        (Split::Train, "man-a-a-123", 8),
        (Split::Test, "woman-c-b-z", 4),
    ] {
        let events = (0..n)
            .map(|k| AudioEvent {
                t_us: 1000 * k,
                channel: k as u16,
            })
            .collect();
        w.add(
            split,
            &NtidigitsKey::parse(key).unwrap(),
            &AudioStream::new(AudioSensor::NTIDIGITS, events).unwrap(),
        )
        .unwrap();
    }
    w.write(&path).unwrap();
    let s = summarize(&path, None).unwrap();
    assert_eq!(s.format, "ntidigits-h5");
    assert_eq!((s.samples, s.unlabelled), (4, 1));
    // tonic's map: z -> 10, o -> 0.
    assert_eq!(s.per_class["10"], 2);
    assert_eq!(s.per_class["0"], 1);
    assert_eq!((s.events_min, s.events_median, s.events_max), (3, 4.5, 8));
    assert_eq!(s.duration_us_max, 7000);
    assert_eq!(s.on_fraction, None);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["on_fraction"].is_null());
    assert!(
        summarize(&path, Some(DatasetFormat::NmnistBin)).is_err(),
        "HDF5 bytes are not N-MNIST records"
    );
}

#[test]
fn npy_reader_reads_our_files_and_names_the_file_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.npy");
    write_labels(&path, &[3, 1, 4]).unwrap();
    let (shape, values) = events::npy::read_npy::<u16>(&path).unwrap();
    assert_eq!((shape, values), (vec![3], vec![3, 1, 4]));
    // The wrong element type names the file and the dtype found.
    let err = events::npy::read_npy::<f32>(&path).unwrap_err().to_string();
    assert!(err.contains("labels.npy") && err.contains("<u2"), "{err}");
    // Not an .npy file at all.
    let junk = dir.path().join("junk.npy");
    std::fs::write(&junk, b"not numpy").unwrap();
    let err = events::npy::read_npy::<u16>(&junk).unwrap_err().to_string();
    assert!(err.contains("junk.npy") && err.contains("header"), "{err}");
    // A missing file.
    let err = events::npy::read_npy::<u16>(dir.path().join("none.npy"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("none.npy"), "{err}");
}
