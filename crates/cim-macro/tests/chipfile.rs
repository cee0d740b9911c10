//! Chip files: a saved and loaded macro reads bit for bit like the original;
//! cut, corrupted, foreign and future files are errors that say what and
//! where.
#![allow(clippy::unwrap_used)]

mod common;

use cim_macro::rram_device::{DeviceParams, Program, SweepProgram};
use cim_macro::{
    CHIP_FORMAT_VERSION, CHIP_MAGIC, ChipHeader, Error, Layout, Macro, MacroParams, Sensing,
};
use costmodel::OpCounts;
use proptest::prelude::*;
use seeds::{Purpose, Seeds};

/// FNV-1a 64, written out again here so the tests check the format, not the
/// crate's own function.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// An 8 x 8 macro with one 6-row, 3-pair partition, noise and converter
/// errors on.
fn small_params() -> MacroParams {
    let mut p = MacroParams {
        layout: Layout::from_toml_str(
            "[[partition]]\nname = \"p\"\nrows = [{ start = 1, count = 6 }]\n\
             columns = { arrangement = \"interleaved\", start = 2, pairs = 3 }\n",
            "test layout",
        )
        .unwrap(),
        ..MacroParams::default()
    };
    p.array.rows = 8;
    p.array.cols = 8;
    p.read.parallel_rows = 4;
    p.adc.gain_error_sigma = 0.01;
    p.adc.offset_sigma_lsb = 0.5;
    p
}

fn small_chip() -> Macro {
    Macro::program(
        &small_params(),
        &DeviceParams::default(),
        &Program::default(),
        Seeds::new(4),
    )
    .unwrap()
    .with_device_preset("paper")
}

/// Offsets of the fields of a version-1 file.
struct Fields {
    header_len: usize,
    body_len: usize,
}

fn fields(bytes: &[u8]) -> Fields {
    let header_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let at = 16 + header_len;
    let body_len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    Fields {
        header_len,
        body_len,
    }
}

/// Rewrites the checksum so that only the deliberate damage is seen.
fn reseal(bytes: &mut [u8]) {
    let n = bytes.len() - 8;
    let c = fnv(&bytes[..n]);
    bytes[n..].copy_from_slice(&c.to_le_bytes());
}

/// Reads of every partition agree bit for bit, with the same noise streams.
fn assert_reads_identical(a: &Macro, b: &Macro) {
    for (pa, pb) in a.partitions().into_iter().zip(b.partitions()) {
        assert_eq!(a.layout_of(&pa).unwrap(), b.layout_of(&pb).unwrap());
        assert_eq!(
            a.g_scale_s(&pa).unwrap().to_bits(),
            b.g_scale_s(&pb).unwrap().to_bits()
        );
        assert_eq!(
            a.effective_weights(&pa).unwrap(),
            b.effective_weights(&pb).unwrap()
        );
        let rows = pa.rows() as u32;
        let k = (pa.rows() / 4).max(1);
        let (mut sa, mut sb) = (a.new_scratch(&pa).unwrap(), b.new_scratch(&pb).unwrap());
        for (i, set) in common::random_sets(rows, k, 20, 9).iter().enumerate() {
            let key = i as u64;
            let (mut ra, mut rb) = (
                Seeds::new(2).keyed(Purpose::ReadNoise, key),
                Seeds::new(2).keyed(Purpose::ReadNoise, key),
            );
            let (mut oa, mut ob) = (vec![0.0; pa.cols()], vec![0.0; pb.cols()]);
            let (mut ca, mut cb) = (OpCounts::default(), OpCounts::default());
            a.read_events(&pa, set, &mut oa, &mut sa, &mut ra, &mut ca)
                .unwrap();
            b.read_events(&pb, set, &mut ob, &mut sb, &mut rb, &mut cb)
                .unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&oa), bits(&ob), "read {i}");
            assert_eq!(ca, cb);
            let x: Vec<f64> = (0..pa.rows())
                .map(|r| ((r * 7 + i) % 5) as f64 / 4.0)
                .collect();
            a.read_dense(&pa, &x, &mut oa, &mut sa, &mut ra, &mut ca)
                .unwrap();
            b.read_dense(&pb, &x, &mut ob, &mut sb, &mut rb, &mut cb)
                .unwrap();
            assert_eq!(bits(&oa), bits(&ob), "dense read {i}");
        }
    }
}

#[test]
fn a_saved_paper_chip_loads_with_the_same_map_weights_and_reads() {
    let mut params = MacroParams::default();
    params.adc.gain_error_sigma = 0.002;
    params.adc.offset_sigma_lsb = 0.3;
    let chip = Macro::program(
        &params,
        &DeviceParams::default(),
        &Program::default(),
        Seeds::new(11),
    )
    .unwrap()
    .with_device_preset("paper");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper.rrchip");
    chip.save(&path).unwrap();
    let back = Macro::load(&path).unwrap();
    assert_eq!(back.map(), chip.map());
    assert_eq!(back.params(), chip.params());
    assert_eq!(back.read_noise(), chip.read_noise());
    assert_eq!(back.periphery(), chip.periphery());
    assert_eq!(
        (back.seeds(), back.device_preset()),
        (Seeds::new(11), "paper")
    );
    assert_reads_identical(&chip, &back);
    // 512 x 512 cells of 9 bytes, plus a header of a few kB.
    let len = std::fs::metadata(&path).unwrap().len();
    assert!((2_359_296..2_400_000).contains(&len), "{len}");
    let header = ChipHeader::read(&path).unwrap();
    assert_eq!(header, chip.chip_header());
    assert_eq!((header.seed, header.rows, header.cols), (11, 512, 512));
    assert!(!header.breakdown_voltages);
}

#[test]
fn stateful_noise_digital_sensing_and_a_sweep_survive_the_round_trip() {
    let mut params = small_params();
    params.read.sensing = Sensing::DigitalDifference;
    let mut device = DeviceParams::default();
    device.read_noise.telegraph.enabled = true;
    device.read_noise.flicker.enabled = true;
    let chip = Macro::program(
        &params,
        &device,
        &Program::Sweep(SweepProgram::default()),
        Seeds::new(5),
    )
    .unwrap();
    let bytes = chip.to_chip_bytes("memory").unwrap();
    let back = Macro::from_chip_bytes(&bytes, "memory").unwrap();
    // NaN (no breakdown) is unequal to itself: compare the maps as bits.
    let bits = |m: &Macro| -> Vec<u32> {
        m.map()
            .breakdown_voltages_v()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect()
    };
    assert_eq!(bits(&back), bits(&chip));
    assert_eq!(back.map().conductances_s(), chip.map().conductances_s());
    assert_eq!(back.map().states(), chip.map().states());
    assert_eq!(back.device_preset(), "");
    assert_eq!(back.read_noise(), &device.read_noise);
    assert_reads_identical(&chip, &back);
    // The reader and writer variants give the same bytes.
    let mut out = Vec::new();
    chip.write_chip(&mut out, "memory").unwrap();
    assert_eq!(out, bytes);
    let again = Macro::read_chip(&mut out.as_slice(), "memory").unwrap();
    assert_reads_identical(&chip, &again);
}

#[test]
fn the_file_starts_with_magic_version_and_lengths_and_ends_with_its_checksum() {
    let bytes = small_chip().to_chip_bytes("memory").unwrap();
    assert_eq!(bytes[..8], CHIP_MAGIC);
    assert_eq!(&bytes[..8], b"RRAMCHIP");
    assert_eq!(bytes[8..12], CHIP_FORMAT_VERSION.to_le_bytes());
    let f = fields(&bytes);
    assert_eq!(f.body_len, 64 * 9);
    assert_eq!(bytes.len(), 16 + f.header_len + 8 + f.body_len + 8);
    let header: serde_json::Value = serde_json::from_slice(&bytes[16..16 + f.header_len]).unwrap();
    assert_eq!(header["device_preset"], "paper");
    assert_eq!(header["seed"], 4);
    let n = bytes.len() - 8;
    assert_eq!(bytes[n..], fnv(&bytes[..n]).to_le_bytes());
}

#[test]
fn every_truncation_names_the_field_it_cuts() {
    let bytes = small_chip().to_chip_bytes("memory").unwrap();
    let f = fields(&bytes);
    let body = 24 + f.header_len;
    let expected_field = |cut: usize| match cut {
        0..8 => "magic",
        8..12 => "format version",
        12..16 => "header length",
        c if c < 16 + f.header_len => "header",
        c if c < body => "body length",
        c if c < body + f.body_len => "body",
        _ => "checksum",
    };
    for cut in 0..bytes.len() {
        match Macro::from_chip_bytes(&bytes[..cut], "cut.rrchip") {
            Err(Error::ChipTruncated {
                file, field, len, ..
            }) => {
                assert_eq!(file, "cut.rrchip");
                assert_eq!(field, expected_field(cut), "cut at {cut}");
                assert_eq!(len, cut as u64);
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let err = Macro::from_chip_bytes(&bytes[..body + 5], "cut.rrchip").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cut.rrchip") && msg.contains("truncated") && msg.contains("body"),
        "{msg}"
    );
}

#[test]
fn a_truncated_file_on_disk_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chip.rrchip");
    small_chip().save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for cut in [3, 15, 200, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let err = Macro::load(&path).unwrap_err();
        assert!(matches!(err, Error::ChipTruncated { .. }), "{err:?}");
        assert!(err.to_string().contains("chip.rrchip"), "{err}");
    }
}

#[test]
fn wrong_magic_is_refused_with_what_was_found() {
    let mut bytes = small_chip().to_chip_bytes("memory").unwrap();
    bytes[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let err = Macro::from_chip_bytes(&bytes, "picture.png").unwrap_err();
    match &err {
        Error::ChipFile {
            file,
            offset,
            field,
            found,
            ..
        } => {
            assert_eq!(
                (file.as_str(), *offset, field.as_str()),
                ("picture.png", 0, "magic")
            );
            assert!(found.contains("PNG"), "{found}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("RRAMCHIP"), "{err}");
    // A text file shorter than the magic is foreign too, not truncated.
    assert!(matches!(
        Macro::from_chip_bytes(b"abc", "t"),
        Err(Error::ChipFile { ref field, .. }) if field == "magic"
    ));
}

#[test]
fn future_and_zero_versions_are_refused() {
    let bytes = small_chip().to_chip_bytes("memory").unwrap();
    for v in [0, CHIP_FORMAT_VERSION + 1, u32::MAX] {
        let mut b = bytes.clone();
        b[8..12].copy_from_slice(&v.to_le_bytes());
        reseal(&mut b);
        let err = Macro::from_chip_bytes(&b, "new.rrchip").unwrap_err();
        match &err {
            Error::ChipVersion {
                file,
                found,
                supported,
            } => assert_eq!(
                (file.as_str(), *found, *supported),
                ("new.rrchip", v, CHIP_FORMAT_VERSION)
            ),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains(&format!("version {v}")), "{err}");
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = small_chip().to_chip_bytes("memory").unwrap();
    let end = bytes.len() as u64;
    bytes.extend_from_slice(b"xyz");
    match Macro::from_chip_bytes(&bytes, "long") {
        Err(Error::ChipFile {
            field,
            offset,
            found,
            ..
        }) => {
            assert_eq!((field.as_str(), offset), ("end of file", end));
            assert!(found.contains("3 more bytes"), "{found}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_cell_values_and_headers_under_a_valid_checksum_name_the_cell() {
    let bytes = small_chip().to_chip_bytes("memory").unwrap();
    let f = fields(&bytes);
    let body = 24 + f.header_len;
    let field_at = |b: &[u8]| match Macro::from_chip_bytes(b, "f") {
        Err(Error::ChipFile { field, offset, .. }) => (field, offset),
        other => panic!("{other:?}"),
    };
    // Cell 5's state byte.
    let mut b = bytes.clone();
    b[body + 64 * 8 + 5] = 9;
    reseal(&mut b);
    assert_eq!(
        field_at(&b),
        ("state[5]".to_owned(), (body + 64 * 8 + 5) as u64)
    );
    // Cell 3's conductance, negative.
    let mut b = bytes.clone();
    b[body + 24..body + 32].copy_from_slice(&(-1e-6f64).to_le_bytes());
    reseal(&mut b);
    assert_eq!(
        field_at(&b),
        ("conductance[3]".to_owned(), (body + 24) as u64)
    );
    // A header that is not JSON.
    let mut b = bytes.clone();
    b[16] = b'#';
    reseal(&mut b);
    assert_eq!(field_at(&b), ("header".to_owned(), 16));
    // A header claiming another array size than the body holds.
    let text = std::str::from_utf8(&bytes[16..16 + f.header_len]).unwrap();
    let mut h: serde_json::Value = serde_json::from_str(text).unwrap();
    h["rows"] = 9.into();
    let mut b = rebuild(&bytes, &serde_json::to_vec(&h).unwrap());
    reseal(&mut b);
    assert_eq!(field_at(&b).0, "body length");
    // Parameters the macro refuses: an intact file whose chip is invalid.
    h["rows"] = 8.into();
    h["params"]["adc"]["bits"] = 99.into();
    let mut b = rebuild(&bytes, &serde_json::to_vec(&h).unwrap());
    reseal(&mut b);
    let err = Macro::from_chip_bytes(&b, "bad-params").unwrap_err();
    assert!(matches!(err, Error::ChipInvalid { .. }), "{err:?}");
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("adc.bits"), "{cause}");
}

/// The same file with another header (lengths adjusted, checksum stale).
fn rebuild(bytes: &[u8], header: &[u8]) -> Vec<u8> {
    let f = fields(bytes);
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(&bytes[16 + f.header_len..]);
    out
}

#[test]
fn save_replaces_an_explicit_path_atomically_and_reports_unwritable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chip.rrchip");
    std::fs::write(&path, b"old contents").unwrap();
    let chip = small_chip();
    chip.save(&path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        chip.to_chip_bytes("x").unwrap()
    );
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["chip.rrchip"]);
    let missing = dir.path().join("no-such-dir").join("chip.rrchip");
    let err = chip.save(&missing).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    let err = Macro::load(dir.path().join("absent.rrchip")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("absent.rrchip"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any damaged byte is an error, never a panic and never a chip; past
    /// the lengths, it is the checksum that catches it.
    #[test]
    fn a_flipped_byte_is_always_detected(pos in 0usize..10_000, flip in 1u8..=255) {
        let bytes = small_chip().to_chip_bytes("memory").unwrap();
        let pos = pos % bytes.len();
        let mut b = bytes.clone();
        b[pos] ^= flip;
        let f = fields(&bytes);
        let err = Macro::from_chip_bytes(&b, "flipped").unwrap_err();
        prop_assert!(err.to_string().contains("flipped"), "{}", err);
        let body_len_at = 16 + f.header_len;
        let checksummed = (16..body_len_at).contains(&pos) || pos >= body_len_at + 8;
        if checksummed {
            let is_checksum = matches!(&err, Error::ChipFile { field, .. } if field == "checksum");
            prop_assert!(is_checksum, "byte {}: {:?}", pos, err);
        }
    }

    /// Arbitrary bytes behind a valid preamble never panic the reader.
    #[test]
    fn arbitrary_files_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut b = CHIP_MAGIC.to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&tail);
        prop_assert!(Macro::from_chip_bytes(&b, "random").is_err());
    }
}
