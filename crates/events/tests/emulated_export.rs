//! Emulated and synthetic data written in the real formats read back
//! through the readers to the same events, labels and splits.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use events::emulate::{Audio, write_wav};
use events::nmnist::NmnistOptions;
use events::ntidigits::{LabelMap, NtidigitsOptions};
use events::synthetic::{self, Speaker};
use events::{
    DataConfig, DataSource, EventSource, NmnistSource, NtidigitsSource, Split, SpokenDigit,
    SyntheticSpec, SyntheticWords, write_audio_ntidigits, write_vision_nmnist,
};
use seeds::Seeds;

fn small_synthetic() -> DataConfig {
    DataConfig::with_source(DataSource::Synthetic(SyntheticSpec {
        train_per_class: 2,
        test_per_class: 1,
        speakers: 3,
        test_speakers: 1,
        audio_words: SyntheticWords::Tidigits,
    }))
}

#[test]
fn synthetic_vision_round_trips_through_the_nmnist_reader() {
    let data = small_synthetic().vision(Seeds::new(5)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = write_vision_nmnist(&data, dir.path(), |_| {}).unwrap();
    assert_eq!(summary.per_split[&Split::Train], 20);
    assert_eq!(summary.per_split[&Split::Test], 10);
    let back = NmnistSource::open(dir.path(), NmnistOptions::default()).unwrap();
    assert_eq!(back.len(), 30);
    // The reader sorts by split and member path; match samples by key.
    let by_key: BTreeMap<String, usize> = back
        .samples()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.clone(), i))
        .collect();
    let mut events = 0u64;
    for i in 0..data.len() {
        let meta = data.source().meta(data.source_index(i));
        let split = data.info(i).split.unwrap();
        let key = events::nmnist::member_path(split, data.label(i), meta.id);
        let j = by_key[&key];
        assert_eq!(back.samples()[j].label, Some(data.label(i)));
        assert_eq!(back.samples()[j].split, Some(split));
        let original = data.load(i).unwrap();
        events += original.len() as u64;
        assert_eq!(back.load(j).unwrap(), original, "{key}");
    }
    assert_eq!(events, summary.events);
}

#[test]
fn synthetic_audio_round_trips_through_the_ntidigits_reader() {
    let data = small_synthetic().audio(Seeds::new(6)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.h5");
    let summary = write_audio_ntidigits(&data, &path, |_| {}).unwrap();
    assert_eq!(summary.per_split.values().sum::<usize>(), 33);
    let back = NtidigitsSource::open(&path, NtidigitsOptions::default()).unwrap();
    assert_eq!(back.len(), 33);
    // Same order within each split (train then test, as written).
    for i in 0..data.len() {
        let key = back.key(i).unwrap();
        let meta = data.source().meta(data.source_index(i));
        assert_eq!(key.single_digit(), meta.word);
        assert_eq!(Some(&key.speaker), meta.speaker.as_ref());
        assert_eq!(
            back.samples()[i].label,
            Some(LabelMap::Tonic.label(meta.word.unwrap()))
        );
        assert_eq!(back.load(i).unwrap(), data.load(i).unwrap());
    }
}

/// Writes an IDX file: magic (u8 data, `dims.len()` dimensions), sizes, bytes.
fn write_idx(path: &Path, dims: &[u32], data: &[u8]) {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn emulated_mnist_folder_splits_by_file_or_at_random() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = Seeds::new(8);
    let style = synthetic::DigitStyle::default();
    let make = |name: &str, n: usize, offset: u64| {
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let digit = (i % 10) as u8;
            pixels.extend(synthetic::digit_image(seeds, offset + i as u64, digit, &style).pixels);
            labels.push(digit);
        }
        write_idx(
            &dir.path().join(format!("{name}-images-idx3-ubyte")),
            &[n as u32, 28, 28],
            &pixels,
        );
        write_idx(
            &dir.path().join(format!("{name}-labels-idx1-ubyte")),
            &[n as u32],
            &labels,
        );
    };
    // Only test digits (like the shared data): a seeded stratified split.
    make("t10k", 40, 0);
    let config = DataConfig::with_source(DataSource::Emulated {
        mnist: Some(dir.path().to_path_buf()),
        wav: None,
    });
    let data = config.vision(Seeds::new(1)).unwrap();
    assert_eq!(data.len(), 40);
    // round(4 * 0.2) = 1 test sample per class.
    assert_eq!(data.split(Split::Test).len(), 10);
    let again = config.vision(Seeds::new(1)).unwrap();
    let tests = |d: &events::VisionData| -> Vec<usize> {
        (0..d.len())
            .filter(|&i| d.info(i).split == Some(Split::Test))
            .collect()
    };
    assert_eq!(tests(&data), tests(&again));
    assert_eq!(data.load(7).unwrap(), again.load(7).unwrap());
    // With a train file too, the files' split is used.
    make("train", 20, 100);
    let data = config.vision(Seeds::new(1)).unwrap();
    assert_eq!(data.split(Split::Train).len(), 20);
    assert_eq!(data.split(Split::Test).len(), 40);
    // A labels file that does not match is an error naming it.
    write_idx(
        &dir.path().join("train-labels-idx1-ubyte"),
        &[3],
        &[1, 2, 3],
    );
    let err = config.vision(Seeds::new(1)).unwrap_err().to_string();
    assert!(
        err.contains("train-labels-idx1-ubyte") && err.contains("3 labels for 20 images"),
        "{err}"
    );
}

#[test]
fn emulated_wav_folder_reads_speakers_and_splits_by_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = Seeds::new(2);
    let speakers = ["anna", "bob", "carl"];
    for (s, name) in speakers.iter().enumerate() {
        let speaker: Speaker = synthetic::speaker(seeds, s as u64);
        for d in 0..10u8 {
            let word = if d == 0 {
                SpokenDigit::Zero
            } else {
                SpokenDigit::ALL[usize::from(d) - 1]
            };
            let audio: Audio =
                synthetic::spoken_digit(seeds, u64::from(d) + 10 * s as u64, word, &speaker);
            write_wav(dir.path().join(format!("{d}_{name}_0.wav")), &audio).unwrap();
        }
    }
    std::fs::write(dir.path().join("README.md"), "not a recording").unwrap();
    let mut config = DataConfig::with_source(DataSource::Emulated {
        mnist: None,
        wav: Some(dir.path().to_path_buf()),
    });
    config.split.speaker_disjoint = true;
    config.split.test_speakers = vec!["bob".into()];
    let data = config.audio(Seeds::new(3)).unwrap();
    assert_eq!(data.len(), 30);
    let test = data.split(Split::Test);
    assert_eq!(test.len(), 10);
    assert!(test.speakers().iter().all(|s| *s == "bob"));
    assert!(
        data.split(Split::Train)
            .speakers()
            .iter()
            .all(|s| *s != "bob")
    );
    // FSDD's "0" is the word "zero": tonic label 10.
    let zero = (0..data.len())
        .find(|&i| data.source().meta(i).digit == 0)
        .unwrap();
    assert_eq!(data.label(zero), 10);
    let s = data.load(zero).unwrap();
    assert!(!s.is_empty());
    // Export and read back.
    let path = dir.path().join("out.h5");
    write_audio_ntidigits(&data, &path, |_| {}).unwrap();
    let back = NtidigitsSource::open(&path, NtidigitsOptions::default()).unwrap();
    assert_eq!(back.len(), 30);
    assert!(
        back.samples().iter().any(|s| s.key == "unk-bob-0-z"),
        "{:?}",
        back.samples()[0]
    );
    // An unknown test speaker and a badly named WAV are errors naming them.
    config.split.test_speakers = vec!["zed".into()];
    let err = config.audio(Seeds::new(3)).unwrap_err().to_string();
    assert!(err.contains("zed") && err.contains("anna"), "{err}");
    std::fs::write(dir.path().join("hello.wav"), b"RIFF").unwrap();
    let err = config.audio(Seeds::new(3)).unwrap_err().to_string();
    assert!(
        err.contains("hello.wav") && err.contains("{digit}_{speaker}_{index}.wav"),
        "{err}"
    );
}
