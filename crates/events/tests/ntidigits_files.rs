//! N-TIDIGITS HDF5: files written here read back identically; a file
//! written by h5py (fixture) reads as numpy/tonic convert it; missing objects,
//! mismatched lengths and bad keys are errors that name file and sample.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use events::ntidigits::{LabelMap, NtidigitsKey, NtidigitsOptions, SpokenDigit, TimestampUnit};
use events::{
    AudioEvent, AudioSensor, AudioStream, Dataset, DatasetFormat, Error, EventSource,
    NtidigitsSource, NtidigitsWriter, Split,
};
use hdf5_writer::{DatasetBuilder, Hdf5Builder, WriteOptions};

fn stream(seed: u64, n: usize) -> AudioStream {
    let events = (0..n)
        .map(|k| AudioEvent {
            // Irregular microseconds, including values whose decimal seconds
            // are not exact in binary.
            t_us: seed * 7 + (k as u64) * 1_003 + (k as u64 % 3),
            channel: ((seed as usize * 13 + k * 7) % 64) as u16,
        })
        .collect();
    AudioStream::new(AudioSensor::NTIDIGITS, events).unwrap()
}

fn key(text: &str) -> NtidigitsKey {
    NtidigitsKey::parse(text).unwrap()
}

/// (split, key, events) written by the round-trip tests.
fn samples() -> Vec<(Split, &'static str, AudioStream)> {
    vec![
        (Split::Train, "man-im-a-7", stream(1, 40)),
        (Split::Train, "woman-tw-b-z", stream(2, 3)),
        (Split::Train, "man-im-a-7557", stream(3, 9)),
        (Split::Train, "girl-ab-a-o", stream(4, 0)),
        (Split::Test, "boy-cd-b-3", stream(5, 17)),
        (Split::Test, "man-ef-a-1", stream(6, 1)),
    ]
}

fn written() -> Vec<u8> {
    let mut w = NtidigitsWriter::new();
    for (split, k, s) in samples() {
        w.add(split, &key(k), &s).unwrap();
    }
    assert_eq!(w.len(), 6);
    w.to_bytes().unwrap()
}

#[test]
fn writer_reader_round_trip_is_identical() {
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    let source = NtidigitsSource::from_bytes(written(), "rt.h5", all).unwrap();
    let expected = samples();
    assert_eq!(source.len(), expected.len());
    for (i, (split, k, s)) in expected.iter().enumerate() {
        let info = &source.samples()[i];
        assert_eq!((info.key.as_str(), info.split), (*k, Some(*split)));
        assert_eq!(&source.load(i).unwrap(), s, "{k}");
        assert_eq!(source.key(i).unwrap(), &key(k));
    }
    // The multi-digit utterance has no label.
    assert_eq!(source.samples()[2].label, None);
}

#[test]
fn single_digit_filter_and_label_maps() {
    let tonic =
        NtidigitsSource::from_bytes(written(), "f.h5", NtidigitsOptions::default()).unwrap();
    let labels: Vec<(String, Option<u16>)> = tonic
        .samples()
        .iter()
        .map(|s| (s.key.clone(), s.label))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("man-im-a-7".to_owned(), Some(7)),
            ("woman-tw-b-z".to_owned(), Some(10)),
            ("girl-ab-a-o".to_owned(), Some(0)),
            ("boy-cd-b-3".to_owned(), Some(3)),
            ("man-ef-a-1".to_owned(), Some(1)),
        ]
    );
    let other = NtidigitsOptions {
        label_map: LabelMap::ZeroIsZero,
        ..NtidigitsOptions::default()
    };
    let zero = NtidigitsSource::from_bytes(written(), "f.h5", other).unwrap();
    assert_eq!(zero.samples()[1].label, Some(0));
    assert_eq!(zero.samples()[2].label, Some(10));
    let d = Dataset::new(zero).unwrap();
    assert_eq!(d.split(Split::Test).len(), 2);
    // Without the filter, a labelled dataset refuses the sequence.
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    let err =
        Dataset::new(NtidigitsSource::from_bytes(written(), "f.h5", all).unwrap()).unwrap_err();
    assert!(err.to_string().contains("man-im-a-7557"), "{err}");
}

#[test]
fn files_on_disk_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n-tidigits.hdf5");
    let mut w = NtidigitsWriter::new();
    w.add(Split::Test, &key("man-im-a-4"), &stream(9, 5))
        .unwrap();
    w.write(&path).unwrap();
    assert_eq!(
        DatasetFormat::detect(&path).unwrap(),
        DatasetFormat::NtidigitsH5
    );
    let s = NtidigitsSource::open(&path, NtidigitsOptions::default()).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s.load(0).unwrap(), stream(9, 5));
    let err = w
        .add(Split::Test, &key("man-im-a-4"), &stream(9, 5))
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateKey { .. }), "{err}");
}

/// The fixture written by h5py (see tests/fixtures/README.md) and the events
/// numpy computed for it with tonic's conversion.
#[test]
fn h5py_fixture_reads_as_tonic_converts_it() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}ntidigits_h5py.expected.json")).unwrap(),
    )
    .unwrap();
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    let source = NtidigitsSource::open(format!("{dir}ntidigits_h5py.h5"), all).unwrap();
    let mut seen = 0;
    for (i, info) in source.samples().iter().enumerate() {
        let split = info.split.unwrap().name();
        let want = &expected[&format!("{split}/{}", info.key)];
        let as_u64 = |v: &serde_json::Value| -> Vec<u64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        };
        let s = source.load(i).unwrap();
        let t: Vec<u64> = s.events().iter().map(|e| e.t_us).collect();
        let c: Vec<u64> = s.events().iter().map(|e| u64::from(e.channel)).collect();
        assert_eq!(t, as_u64(&want["t_us"]), "{}", info.key);
        assert_eq!(c, as_u64(&want["channel"]), "{}", info.key);
        seen += 1;
    }
    assert_eq!(
        seen,
        expected.len() - 1,
        "every fixture sample read (minus `_versions`)"
    );
    let order: Vec<&str> = source.samples().iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        order,
        [
            "man-im-a-7",
            "woman-tw-b-z",
            "boy-ab-a-o5",
            "girl-xy-a-1",
            "man-im-b-9"
        ]
    );
}

/// A file with the given datasets, built directly with hdf5-writer.
fn raw_file(datasets: Vec<DatasetBuilder>) -> Vec<u8> {
    let mut b = Hdf5Builder::new();
    for d in datasets {
        b = b.dataset(d);
    }
    b.into_plan()
        .unwrap()
        .encode(WriteOptions::default())
        .unwrap()
}

fn labels(name: &str, keys: &[&str]) -> DatasetBuilder {
    DatasetBuilder::fixed_string_data(name, vec![keys.len() as u64], keys).unwrap()
}

#[test]
fn missing_objects_are_named() {
    let o = NtidigitsOptions::default();
    let err = NtidigitsSource::from_bytes(raw_file(vec![labels("test_labels", &[])]), "m.h5", o)
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingObject { object, file, .. } if object == "/train_labels" && file == "m.h5"),
        "{err}"
    );
    let err = NtidigitsSource::from_bytes(
        raw_file(vec![
            labels("train_labels", &["man-a-b-1"]),
            labels("test_labels", &[]),
            DatasetBuilder::typed_data("train_timestamps/man-a-b-1", vec![1], &[0.5f64]).unwrap(),
        ]),
        "m.h5",
        o,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::MissingObject { object, .. } if object == "/train_addresses"),
        "{err}"
    );
    // Groups present but the sample's dataset missing: an error at load.
    let bytes = raw_file(vec![
        labels("train_labels", &["man-a-b-1"]),
        labels("test_labels", &[]),
        DatasetBuilder::typed_data("train_addresses/other-a-b-1", vec![1], &[3u8]).unwrap(),
        DatasetBuilder::typed_data("train_timestamps/man-a-b-1", vec![1], &[0.5f64]).unwrap(),
        DatasetBuilder::typed_data("test_addresses/x-a-b-1", vec![1], &[3u8]).unwrap(),
        DatasetBuilder::typed_data("test_timestamps/x-a-b-1", vec![1], &[0.5f64]).unwrap(),
    ]);
    let source = NtidigitsSource::from_bytes(bytes, "m.h5", o).unwrap();
    let err = source.load(0).unwrap_err();
    assert!(
        matches!(&err, Error::MissingObject { object, .. } if object == "/train_addresses/man-a-b-1"),
        "{err}"
    );
}

fn one_sample(key: &str, addresses: DatasetBuilder, timestamps: DatasetBuilder) -> Vec<u8> {
    raw_file(vec![
        labels("train_labels", &[key]),
        labels("test_labels", &[]),
        addresses,
        timestamps,
        DatasetBuilder::typed_data("test_addresses/x-a-b-1", vec![1], &[3u8]).unwrap(),
        DatasetBuilder::typed_data("test_timestamps/x-a-b-1", vec![1], &[0.5f64]).unwrap(),
    ])
}

#[test]
fn lengths_values_and_keys_are_checked() {
    let o = NtidigitsOptions::default();
    let bytes = one_sample(
        "man-a-b-2",
        DatasetBuilder::typed_data("train_addresses/man-a-b-2", vec![2], &[1i64, 2]).unwrap(),
        DatasetBuilder::typed_data("train_timestamps/man-a-b-2", vec![3], &[0.1f32, 0.2, 0.3])
            .unwrap(),
    );
    let err = NtidigitsSource::from_bytes(bytes, "l.h5", o)
        .unwrap()
        .load(0)
        .unwrap_err();
    assert!(
        matches!(&err, Error::LengthMismatch { key, addresses: 2, timestamps: 3, .. } if key == "man-a-b-2"),
        "{err}"
    );
    assert!(err.to_string().contains("l.h5"));
    let bytes = one_sample(
        "man-a-b-2",
        DatasetBuilder::typed_data("train_addresses/man-a-b-2", vec![2], &[1.0f64, 70.0]).unwrap(),
        DatasetBuilder::typed_data("train_timestamps/man-a-b-2", vec![2], &[0.1f64, 0.2]).unwrap(),
    );
    let err = NtidigitsSource::from_bytes(bytes, "v.h5", o)
        .unwrap()
        .load(0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("man-a-b-2") && err.contains("event 1") && err.contains("channel = 70"),
        "{err}"
    );
    // Integer microsecond timestamps with the matching unit.
    let bytes = one_sample(
        "man-a-b-2",
        DatasetBuilder::typed_data("train_addresses/man-a-b-2", vec![2], &[1u16, 2]).unwrap(),
        DatasetBuilder::typed_data("train_timestamps/man-a-b-2", vec![2], &[17u32, 4_000_000])
            .unwrap(),
    );
    let micro = NtidigitsOptions {
        timestamp_unit: TimestampUnit::Microseconds,
        ..o
    };
    let s = NtidigitsSource::from_bytes(bytes, "u.h5", micro)
        .unwrap()
        .load(0)
        .unwrap();
    let t: Vec<u64> = s.events().iter().map(|e| e.t_us).collect();
    assert_eq!(t, vec![17, 4_000_000]);
    // A bad key character in the labels.
    let bytes = one_sample(
        "man-a-b-x",
        DatasetBuilder::typed_data("train_addresses/man-a-b-x", vec![1], &[1u8]).unwrap(),
        DatasetBuilder::typed_data("train_timestamps/man-a-b-x", vec![1], &[0.1f64]).unwrap(),
    );
    let err = NtidigitsSource::from_bytes(bytes, "k.h5", o).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownLabelChar { file, key, character: 'x' } if file == "k.h5" && key == "man-a-b-x"),
        "{err}"
    );
}

#[test]
fn key_construction_round_trips() {
    use SpokenDigit::*;
    let k = NtidigitsKey::new("woman", "ab", "b", vec![Oh, Nine, Zero]).unwrap();
    assert_eq!(k.to_string(), "woman-ab-b-o9z");
    assert_eq!(NtidigitsKey::parse(&k.to_string()).unwrap(), k);
}
