//! N-MNIST on disk: folders and zips written here read back identically, in
//! a stable sorted order, and errors name the file or zip member.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use events::nmnist::{NmnistOptions, read_nmnist_file, write_nmnist_file};
use events::{
    Dataset, DatasetFormat, Error, EventSource, NmnistDirWriter, NmnistSource, NmnistZipWriter,
    Split, VisionEvent, VisionSensor, VisionStream,
};

/// A small deterministic sample for (split, label, id).
fn sample(label: u16, id: u32) -> VisionStream {
    let n = 5 + (id as usize % 7);
    let events = (0..n)
        .map(|k| VisionEvent {
            t_us: u64::from(id) * 10 + k as u64 * 1000,
            x: ((label as usize * 3 + k) % 34) as u16,
            y: ((id as usize + k * 5) % 34) as u16,
            on: k % 2 == 0,
        })
        .collect();
    VisionStream::new(VisionSensor::NMNIST, events).unwrap()
}

/// (split, label, id) of the samples the tests write, deliberately not in
/// sorted order.
const SAMPLES: [(Split, u16, u32); 7] = [
    (Split::Test, 3, 2),
    (Split::Train, 9, 1),
    (Split::Train, 0, 12),
    (Split::Train, 0, 3),
    (Split::Test, 0, 7),
    (Split::Train, 4, 5),
    (Split::Test, 3, 1),
];

/// The member paths in the order the reader must list them: train before
/// test, then by path.
fn expected_order() -> Vec<String> {
    let mut v: Vec<(u8, String)> = SAMPLES
        .iter()
        .map(|&(s, l, i)| {
            (
                u8::from(s == Split::Test),
                events::nmnist::member_path(s, l, i),
            )
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

fn check_source(source: &NmnistSource) {
    let keys: Vec<&str> = source.samples().iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, expected_order());
    for (i, info) in source.samples().iter().enumerate() {
        let &(split, label, id) = SAMPLES
            .iter()
            .find(|&&(s, l, id)| events::nmnist::member_path(s, l, id) == info.key)
            .unwrap();
        assert_eq!((info.split, info.label), (Some(split), Some(label)));
        assert_eq!(source.load(i).unwrap(), sample(label, id), "{}", info.key);
    }
}

fn write_dir(root: &Path) {
    let w = NmnistDirWriter::create(root).unwrap();
    for &(split, label, id) in &SAMPLES {
        let path = w.write(split, label, id, &sample(label, id)).unwrap();
        assert!(path.ends_with(events::nmnist::member_path(split, label, id)));
    }
}

fn write_zip(path: &Path, split: Split) {
    let mut z = NmnistZipWriter::create(path).unwrap();
    for &(s, label, id) in SAMPLES.iter().filter(|s| s.0 == split) {
        z.add(s, label, id, &sample(label, id)).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn single_file_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.bin");
    let s = sample(2, 9);
    write_nmnist_file(&path, &s).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 5 * s.len() as u64);
    assert_eq!(
        read_nmnist_file(&path, &NmnistOptions::default()).unwrap(),
        s
    );
    let source = NmnistSource::open(&path, NmnistOptions::default()).unwrap();
    assert_eq!(source.len(), 1);
    assert_eq!(
        (source.samples()[0].split, source.samples()[0].label),
        (None, None)
    );
    assert_eq!(
        DatasetFormat::detect(&path).unwrap(),
        DatasetFormat::NmnistBin
    );
}

#[test]
fn folder_round_trip_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path());
    // Stray files and folders are ignored.
    std::fs::write(dir.path().join("Train/0/notes.txt"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("Train/extra")).unwrap();
    assert_eq!(
        DatasetFormat::detect(dir.path()).unwrap(),
        DatasetFormat::NmnistDir
    );
    let source = NmnistSource::open(dir.path(), NmnistOptions::default()).unwrap();
    check_source(&source);
    // A file inside a split folder knows its label and split.
    let one = NmnistSource::open(
        dir.path().join("Test/3/00002.bin"),
        NmnistOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (one.samples()[0].split, one.samples()[0].label),
        (Some(Split::Test), Some(3))
    );
    // A split folder alone is a dataset of that split.
    let train = NmnistSource::open(dir.path().join("Train"), NmnistOptions::default()).unwrap();
    assert_eq!(train.len(), 4);
    assert!(
        train
            .samples()
            .iter()
            .all(|s| s.split == Some(Split::Train))
    );
    // Datasets on top: class filters and splits by the folder structure.
    let d = Dataset::new(source).unwrap();
    assert_eq!(d.split(Split::Test).len(), 3);
    assert_eq!(d.filter_classes(&[0]).len(), 3);
}

#[test]
fn zips_round_trip_without_extracting() {
    let dir = tempfile::tempdir().unwrap();
    write_zip(&dir.path().join("Train.zip"), Split::Train);
    write_zip(&dir.path().join("Test.zip"), Split::Test);
    assert_eq!(
        DatasetFormat::detect(dir.path()).unwrap(),
        DatasetFormat::NmnistZip
    );
    assert_eq!(
        DatasetFormat::detect(&dir.path().join("Test.zip")).unwrap(),
        DatasetFormat::NmnistZip
    );
    let both = NmnistSource::open(dir.path(), NmnistOptions::default()).unwrap();
    assert!(both.is_zipped());
    check_source(&both);
    let test = NmnistSource::open(dir.path().join("Test.zip"), NmnistOptions::default()).unwrap();
    assert_eq!(test.len(), 3);
    // Zip and folder give the same samples in the same order.
    let folder = tempfile::tempdir().unwrap();
    write_dir(folder.path());
    let from_dir = NmnistSource::open(folder.path(), NmnistOptions::default()).unwrap();
    assert_eq!(both.samples(), from_dir.samples());
}

#[test]
fn zip_member_errors_name_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Train.zip");
    {
        use std::io::Write;
        let file = std::fs::File::create(&path).unwrap();
        let mut z = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("Train/5/00001.bin", opts).unwrap();
        z.write_all(&[1, 2, 0x80, 0, 7, 1, 2]).unwrap(); // one record and 2 stray bytes
        z.finish().unwrap();
    }
    let source = NmnistSource::open(&path, NmnistOptions::default()).unwrap();
    let err = source.load(0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TruncatedRecord {
                record: 1,
                bytes: 2,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("Train.zip!Train/5/00001.bin"), "{msg}");
    let err = source.load(1).unwrap_err();
    assert!(
        matches!(
            err,
            Error::IndexOutOfRange {
                index: 1,
                len: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn duplicate_zip_member_and_bad_events_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = NmnistZipWriter::create(dir.path().join("Train.zip")).unwrap();
    z.add(Split::Train, 1, 1, &sample(1, 1)).unwrap();
    let err = z.add(Split::Train, 1, 1, &sample(1, 1)).unwrap_err();
    assert!(matches!(err, Error::DuplicateKey { .. }), "{err}");
    let late = VisionStream::new(
        VisionSensor::NMNIST,
        vec![VisionEvent {
            t_us: 1 << 23,
            x: 0,
            y: 0,
            on: true,
        }],
    )
    .unwrap();
    let err = write_nmnist_file(dir.path().join("late.bin"), &late)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("late.bin") && err.contains("t_us = 8388608"),
        "{err}"
    );
}

#[test]
fn missing_dataset_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let err = NmnistSource::open(dir.path(), NmnistOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NoDataset { .. }), "{err}");
    assert!(err.to_string().contains("Train"), "{err}");
    std::fs::create_dir_all(dir.path().join("Train/3")).unwrap();
    let err = NmnistSource::open_dir(dir.path(), NmnistOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no N-MNIST samples"), "{err}");
    let err =
        NmnistSource::open(dir.path().join("nope.bin"), NmnistOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}
