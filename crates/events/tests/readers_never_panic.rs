//! Every reader fed random bytes, truncations and corruptions of valid
//! files returns errors, never panics.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::OnceLock;

use events::idx::decode_idx;
use events::nmnist::{NmnistOptions, decode_nmnist};
use events::ntidigits::{NtidigitsKey, NtidigitsOptions};
use events::{
    AudioEvent, AudioSensor, AudioStream, EventSource, NmnistSource, NmnistZipWriter,
    NtidigitsSource, NtidigitsWriter, Split, VisionEvent, VisionSensor, VisionStream,
};
use proptest::prelude::*;

/// A valid N-TIDIGITS file with a few samples of both splits.
fn valid_h5() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut w = NtidigitsWriter::new();
        for (i, k) in ["man-ab-a-1", "woman-cd-b-z", "boy-ef-a-12"]
            .iter()
            .enumerate()
        {
            let events = (0..(3 + i as u64))
                .map(|t| AudioEvent {
                    t_us: t * 10 + i as u64,
                    channel: (t * 7 % 64) as u16,
                })
                .collect();
            let s = AudioStream::new(AudioSensor::NTIDIGITS, events).unwrap();
            let split = if i == 1 { Split::Test } else { Split::Train };
            w.add(split, &NtidigitsKey::parse(k).unwrap(), &s).unwrap();
        }
        w.to_bytes().unwrap()
    })
}

/// A valid N-MNIST zip with two members.
fn valid_zip() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Train.zip");
        let mut z = NmnistZipWriter::create(&path).unwrap();
        for id in 0..2u32 {
            let events = (0..20u64)
                .map(|k| VisionEvent {
                    t_us: k * 100,
                    x: (k % 34) as u16,
                    y: (k * 3 % 34) as u16,
                    on: k % 2 == 0,
                })
                .collect();
            z.add(
                Split::Train,
                4,
                id,
                &VisionStream::new(VisionSensor::NMNIST, events).unwrap(),
            )
            .unwrap();
        }
        z.finish().unwrap();
        std::fs::read(&path).unwrap()
    })
}

/// A valid gzip-compressed IDX file of 3 images of 2 x 2.
fn valid_idx_gz() -> Vec<u8> {
    let mut raw = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2];
    raw.extend(0..12u8);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&raw).unwrap();
    e.finish().unwrap()
}

/// `bytes` cut at `cut` (a fraction) with `flips` bytes xor-ed.
fn damage(bytes: &[u8], cut: f64, flips: &[(usize, u8)]) -> Vec<u8> {
    let len = ((bytes.len() as f64) * cut) as usize;
    let mut v = bytes[..len.min(bytes.len())].to_vec();
    for &(pos, x) in flips {
        if !v.is_empty() {
            let i = pos % v.len();
            v[i] ^= x;
        }
    }
    v
}

fn h5_try(bytes: Vec<u8>) {
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    if let Ok(source) = NtidigitsSource::from_bytes(bytes, "fuzz.h5", all) {
        for i in 0..source.len() {
            let _ = source.load(i);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn nmnist_decoder_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        markers: bool,
        monotonic: bool,
        width in 0u16..300,
        height in 0u16..300,
    ) {
        let options = NmnistOptions {
            overflow_markers: markers,
            require_monotonic: monotonic,
            sensor: VisionSensor { width, height },
        };
        if let Ok(s) = decode_nmnist(&bytes, &options, "fuzz") {
            prop_assert!(bytes.len() % 5 == 0);
            prop_assert!(s.len() <= bytes.len() / 5);
            prop_assert!(s.events().iter().all(|e| e.x < width && e.y < height));
        }
    }

    #[test]
    fn idx_decoder_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        code in prop::sample::select(vec![8u8, 9, 0x0b, 0x0c, 0x0d, 0x0e, 7]),
        dims in proptest::collection::vec(0u32..6, 0..4),
    ) {
        let _ = decode_idx(&bytes, "fuzz");
        // The same bytes behind a plausible header, raw and gzipped.
        let mut file = vec![0, 0, code, dims.len() as u8];
        for d in &dims {
            file.extend_from_slice(&d.to_be_bytes());
        }
        file.extend_from_slice(&bytes);
        let _ = decode_idx(&file, "fuzz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&file).unwrap();
        let _ = decode_idx(&e.finish().unwrap(), "fuzz");
    }

    #[test]
    fn idx_gzip_damage_never_panics(cut in 0.0f64..1.0, flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..4)) {
        let _ = decode_idx(&damage(&valid_idx_gz(), cut, &flips), "fuzz");
    }

    #[test]
    fn hdf5_reader_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        h5_try(bytes.clone());
        // Random bytes behind a real signature go further into the parser.
        let mut signed = events::ntidigits::HDF5_SIGNATURE.to_vec();
        signed.extend_from_slice(&bytes);
        h5_try(signed);
    }

    #[test]
    fn hdf5_reader_damaged_files_never_panic(
        cut in 0.0f64..1.0001,
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
    ) {
        h5_try(damage(valid_h5(), cut, &flips));
    }

    #[test]
    fn zip_reader_damaged_files_never_panic(
        cut in 0.0f64..1.0001,
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Train.zip");
        std::fs::write(&path, damage(valid_zip(), cut, &flips)).unwrap();
        if let Ok(source) = NmnistSource::open_zip(&path, NmnistOptions::default()) {
            for i in 0..source.len() {
                let _ = source.load(i);
            }
        }
    }

    #[test]
    fn key_parser_never_panics(key in "[a-z0-9oz\\-/ ]{0,20}", any_text in any::<String>()) {
        let _ = NtidigitsKey::parse(&key);
        let _ = NtidigitsKey::parse(&any_text);
    }
}

#[test]
fn undamaged_fixtures_are_valid() {
    // The corruptions above start from files that do read: otherwise the
    // properties would only ever test the first error.
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    let s = NtidigitsSource::from_bytes(valid_h5().to_vec(), "ok.h5", all).unwrap();
    assert_eq!(s.len(), 3);
    assert!((0..3).all(|i| s.load(i).is_ok()));
    assert_eq!(
        decode_idx(&valid_idx_gz(), "ok").unwrap().dims,
        vec![3, 2, 2]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Train.zip");
    std::fs::write(&path, valid_zip()).unwrap();
    let z = NmnistSource::open_zip(&path, NmnistOptions::default()).unwrap();
    assert_eq!(z.len(), 2);
    assert_eq!(z.load(1).unwrap().len(), 20);
}

/// A damaged copy of the h5py fixture found by `cargo fuzz run ntidigits`:
/// one dataspace claims about 2^58 bytes. The read must be refused by the
/// read limit before anything is allocated (under AddressSanitizer the
/// allocation itself aborted the process).
#[test]
fn fuzz_regression_huge_dataspace_is_refused_before_allocating() {
    const PATCH: &[(usize, u8)] = &[
        (22, 255),
        (23, 255),
        (24, 255),
        (25, 255),
        (6756, 0),
        (8126, 50),
        (8768, 248),
        (11491, 1),
        (11492, 0),
        (13684, 0),
        (13685, 0),
        (13686, 0),
        (13687, 0),
        (13692, 0),
        (13700, 0),
        (13708, 0),
        (13709, 0),
        (13724, 0),
        (13725, 0),
        (13726, 0),
        (13727, 0),
        (13728, 0),
        (13729, 0),
        (13730, 0),
        (13731, 0),
        (13732, 0),
        (13733, 0),
        (13734, 0),
        (13740, 0),
        (13741, 0),
        (13742, 0),
        (13743, 0),
        (13744, 0),
        (13745, 0),
        (13746, 0),
        (13747, 0),
        (13748, 0),
        (13749, 0),
        (13756, 0),
        (13764, 0),
        (13804, 0),
        (13806, 0),
        (13808, 0),
        (13813, 0),
        (13820, 0),
        (13822, 0),
        (13828, 0),
        (13829, 0),
        (13830, 0),
        (13836, 0),
        (13844, 0),
        (13852, 0),
        (13854, 0),
        (13856, 0),
        (13860, 0),
        (13861, 0),
        (13862, 0),
        (13864, 0),
        (13870, 0),
        (13872, 0),
        (13873, 0),
        (13875, 0),
        (13876, 0),
        (13884, 0),
        (13886, 0),
        (13888, 0),
        (13892, 0),
        (13893, 0),
        (13894, 0),
        (13895, 0),
        (13900, 0),
        (13902, 0),
        (13908, 0),
        (13909, 0),
        (13910, 0),
        (13911, 0),
        (13918, 0),
        (13934, 0),
        (14076, 0),
        (14077, 0),
        (14078, 0),
    ];
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ntidigits_h5py.h5"
    );
    let mut bytes = std::fs::read(fixture).unwrap();
    for &(i, b) in PATCH {
        bytes[i] = b;
    }
    let all = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    let source = NtidigitsSource::from_bytes(bytes, "fuzz.h5", all).unwrap();
    let errors: Vec<String> = (0..source.len())
        .filter_map(|i| source.load(i).err())
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("read limit")),
        "{errors:?}"
    );
}
