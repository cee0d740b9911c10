//! Chip files: a formed macro saved and loaded bit for bit (the format is
//! described in the crate docs, "Chip files").

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rram_device::{CellState, ConductanceMap, ReadNoiseParams};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::array::Macro;
use crate::error::{Error, Result};
use crate::params::MacroParams;

/// The first eight bytes of every chip file.
pub const CHIP_MAGIC: [u8; 8] = *b"RRAMCHIP";

/// The chip-file format version this build writes (and the newest it reads).
pub const CHIP_FORMAT_VERSION: u32 = 1;

/// Bytes before the header: magic, version, header length.
const PREAMBLE: u64 = 16;

/// The header of a chip file: what the macro was built from, apart from
/// the cell values in the body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipHeader {
    /// The label of the device preset the array was formed with (free
    /// text, may be empty).
    pub device_preset: String,
    /// The experiment seed; converter errors are redrawn from its
    /// `Converters` stream when the macro is rebuilt.
    pub seed: u64,
    /// The macro's parameters.
    pub params: MacroParams,
    /// The cells' read-noise model.
    pub read_noise: ReadNoiseParams,
    /// Rows of the conductance map.
    pub rows: usize,
    /// Columns of the conductance map.
    pub cols: usize,
    /// Whether the body carries every cell's breakdown voltage (maps formed
    /// by a sweep).
    pub breakdown_voltages: bool,
}

impl ChipHeader {
    /// Reads and checks a whole chip file (magic, version, lengths,
    /// checksum) and returns its header without rebuilding the macro.
    pub fn read(path: impl AsRef<Path>) -> Result<ChipHeader> {
        let (file, bytes) = read_all(path.as_ref())?;
        Ok(Frame::parse(&bytes, &file)?.header)
    }
}

/// FNV-1a, 64 bits (offset basis `0xcbf29ce484222325`, prime
/// `0x100000001b3`): every single-byte change changes it.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn state_code(s: CellState) -> u8 {
    match s {
        CellState::Pristine => 0,
        CellState::Formed => 1,
        CellState::StuckPristine => 2,
        CellState::StuckHigh => 3,
    }
}

fn state_of(code: u8) -> Option<CellState> {
    Some(match code {
        0 => CellState::Pristine,
        1 => CellState::Formed,
        2 => CellState::StuckPristine,
        3 => CellState::StuckHigh,
        _ => return None,
    })
}

/// Bytes of the body per cell.
fn cell_bytes(breakdown: bool) -> u64 {
    if breakdown { 8 + 1 + 4 } else { 8 + 1 }
}

fn read_all(path: &Path) -> Result<(String, Vec<u8>)> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        file: file.clone(),
        source,
    })?;
    Ok((file, bytes))
}

/// A checked file: the parsed header and where the body is.
struct Frame<'a> {
    header: ChipHeader,
    body: &'a [u8],
    body_offset: u64,
}

/// Bounds-checked little-endian reads of one file.
struct Cursor<'a> {
    bytes: &'a [u8],
    file: &'a str,
}

impl<'a> Cursor<'a> {
    /// Bytes `offset..offset + n` of field `field`, or the truncation error.
    fn take(&self, field: &'static str, offset: u64, n: u64) -> Result<&'a [u8]> {
        let len = self.bytes.len() as u64;
        let truncated = |end| Error::ChipTruncated {
            file: self.file.to_owned(),
            field,
            offset,
            end,
            len,
        };
        let end = offset.checked_add(n).ok_or_else(|| truncated(u64::MAX))?;
        if end > len {
            return Err(truncated(end));
        }
        // Both bounds are at most `len`, which is a `usize`.
        Ok(&self.bytes[offset as usize..end as usize])
    }

    fn u32(&self, field: &'static str, offset: u64) -> Result<u32> {
        let b = self.take(field, offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, field: &'static str, offset: u64) -> Result<u64> {
        let b = self.take(field, offset, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn bad(&self, offset: u64, field: impl Into<String>, expected: String, found: String) -> Error {
        Error::ChipFile {
            file: self.file.to_owned(),
            offset,
            field: field.into(),
            expected,
            found,
        }
    }
}

fn escaped(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

impl<'a> Frame<'a> {
    /// Checks magic, version, lengths and checksum, then parses the header.
    fn parse(bytes: &'a [u8], file: &'a str) -> Result<Frame<'a>> {
        let c = Cursor { bytes, file };
        let n = bytes.len().min(CHIP_MAGIC.len());
        if bytes[..n] != CHIP_MAGIC[..n] {
            return Err(c.bad(0, "magic", escaped(&CHIP_MAGIC), escaped(&bytes[..n])));
        }
        c.take("magic", 0, 8)?;
        let version = c.u32("format version", 8)?;
        if version == 0 || version > CHIP_FORMAT_VERSION {
            return Err(Error::ChipVersion {
                file: file.to_owned(),
                found: version,
                supported: CHIP_FORMAT_VERSION,
            });
        }
        let header_len = u64::from(c.u32("header length", 12)?);
        let header = c.take("header", PREAMBLE, header_len)?;
        let body_len_at = PREAMBLE + header_len;
        let body_len = c.u64("body length", body_len_at)?;
        let body_offset = body_len_at + 8;
        let body = c.take("body", body_offset, body_len)?;
        // `body_offset + body_len` was checked against the file's length.
        let checksum_at = body_offset + body_len;
        let stored = c.u64("checksum", checksum_at)?;
        let end = checksum_at + 8;
        let len = bytes.len() as u64;
        if len > end {
            return Err(c.bad(
                end,
                "end of file",
                format!("the file to end after the checksum, at byte {end}"),
                format!("{} more bytes", len - end),
            ));
        }
        let computed = fnv1a_64(&bytes[..checksum_at as usize]);
        if stored != computed {
            return Err(c.bad(
                checksum_at,
                "checksum",
                format!("{stored:#018x} (stored)"),
                format!(
                    "{computed:#018x} (FNV-1a 64 of bytes 0..{checksum_at}): the file is corrupt"
                ),
            ));
        }
        let header: ChipHeader = serde_json::from_slice(header).map_err(|e| {
            c.bad(
                PREAMBLE,
                "header",
                "a JSON chip header".to_owned(),
                e.to_string(),
            )
        })?;
        let cells = (header.rows as u64).checked_mul(header.cols as u64);
        let expected = cells.and_then(|n| n.checked_mul(cell_bytes(header.breakdown_voltages)));
        if expected != Some(body_len) {
            return Err(c.bad(
                body_len_at,
                "body length",
                format!(
                    "{} bytes for {} x {} cells",
                    expected.map_or("more than 2^64".to_owned(), |e| e.to_string()),
                    header.rows,
                    header.cols
                ),
                body_len.to_string(),
            ));
        }
        Ok(Frame {
            header,
            body,
            body_offset,
        })
    }

    /// Decodes the cells and rebuilds the macro.
    fn into_macro(self, file: &str) -> Result<Macro> {
        let c = Cursor {
            bytes: self.body,
            file,
        };
        let h = &self.header;
        // The body length equals `cells x cell_bytes`, so `cells` fits.
        let n = h.rows * h.cols;
        let (g_bytes, rest) = self.body.split_at(8 * n);
        let (s_bytes, b_bytes) = rest.split_at(n);
        let at =
            |i: usize, width: usize, before: usize| self.body_offset + (before + width * i) as u64;
        let mut g = Vec::with_capacity(n);
        for (i, b) in g_bytes.chunks_exact(8).enumerate() {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            let v = f64::from_le_bytes(a);
            if !(v.is_finite() && v >= 0.0) {
                return Err(c.bad(
                    at(i, 8, 0),
                    format!("conductance[{i}]"),
                    "a finite conductance >= 0 S".to_owned(),
                    v.to_string(),
                ));
            }
            g.push(v);
        }
        let mut states = Vec::with_capacity(n);
        for (i, &b) in s_bytes.iter().enumerate() {
            states.push(state_of(b).ok_or_else(|| {
                c.bad(
                    at(i, 1, 8 * n),
                    format!("state[{i}]"),
                    "a cell state code 0..=3".to_owned(),
                    b.to_string(),
                )
            })?);
        }
        let invalid = |source: Error| Error::ChipInvalid {
            file: file.to_owned(),
            source: Box::new(source),
        };
        let mut map =
            ConductanceMap::from_parts(h.rows, h.cols, g, states).map_err(|e| invalid(e.into()))?;
        if h.breakdown_voltages {
            let bv = b_bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            map = map
                .with_breakdown_voltages_v(bv)
                .map_err(|e| invalid(e.into()))?;
        }
        let chip =
            Macro::from_map(&h.params, map, &h.read_noise, Seeds::new(h.seed)).map_err(invalid)?;
        Ok(chip.with_device_preset(h.device_preset.clone()))
    }
}

/// Writes `bytes` to the new file `tmp`, flushes it to disk and renames it
/// to `path`.
fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(tmp, path)
}

/// Distinguishes the temporary files of concurrent saves in one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

impl Macro {
    /// The header this macro is saved with.
    pub fn chip_header(&self) -> ChipHeader {
        ChipHeader {
            device_preset: self.device_preset().to_owned(),
            seed: self.seeds().seed(),
            params: self.params().clone(),
            read_noise: self.read_noise().clone(),
            rows: self.map().rows(),
            cols: self.map().cols(),
            breakdown_voltages: self.map().breakdown_voltages_v().is_some(),
        }
    }

    /// The chip file of this macro, as bytes (`file` names the destination
    /// in errors). Fails only if the parameters do not survive JSON exactly
    /// (they always do when they validate).
    pub fn to_chip_bytes(&self, file: &str) -> Result<Vec<u8>> {
        let header = self.chip_header();
        let write_err = |msg: String| Error::Write {
            file: file.to_owned(),
            source: std::io::Error::other(msg),
        };
        let json = serde_json::to_vec(&header)
            .map_err(|e| write_err(format!("cannot encode the header: {e}")))?;
        // A value JSON cannot hold (a non-finite float) would make an
        // unreadable file: refuse it here rather than at load time.
        match serde_json::from_slice::<ChipHeader>(&json) {
            Ok(back) if back == header => {}
            _ => {
                return Err(write_err(
                    "the parameters do not round-trip through JSON exactly".to_owned(),
                ));
            }
        }
        let header_len = u32::try_from(json.len())
            .map_err(|_| write_err(format!("header of {} bytes > 4 GiB", json.len())))?;
        let map = self.map();
        let n = map.len();
        let bv = map.breakdown_voltages_v();
        let body_len = n as u64 * cell_bytes(bv.is_some());
        let mut out = Vec::with_capacity(json.len() + body_len as usize + 32);
        out.extend_from_slice(&CHIP_MAGIC);
        out.extend_from_slice(&CHIP_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&header_len.to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&body_len.to_le_bytes());
        for g in map.conductances_s() {
            out.extend_from_slice(&g.to_le_bytes());
        }
        out.extend(map.states().iter().map(|&s| state_code(s)));
        if let Some(bv) = bv {
            for v in bv {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let checksum = fnv1a_64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        Ok(out)
    }

    /// Rebuilds a macro from the bytes of a chip file (`file` names them in
    /// errors); see [`Macro::load`].
    pub fn from_chip_bytes(bytes: &[u8], file: &str) -> Result<Macro> {
        Frame::parse(bytes, file)?.into_macro(file)
    }

    /// Writes the chip file to `w` (`file` names the destination in errors).
    pub fn write_chip<W: Write + ?Sized>(&self, w: &mut W, file: &str) -> Result<()> {
        let bytes = self.to_chip_bytes(file)?;
        w.write_all(&bytes)
            .and_then(|()| w.flush())
            .map_err(|source| Error::Write {
                file: file.to_owned(),
                source,
            })
    }

    /// Reads a chip file from `r` to its end (`file` names the source in
    /// errors); see [`Macro::load`].
    pub fn read_chip<R: Read + ?Sized>(r: &mut R, file: &str) -> Result<Macro> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes).map_err(|source| Error::Io {
            file: file.to_owned(),
            source,
        })?;
        Self::from_chip_bytes(&bytes, file)
    }

    /// Saves the formed chip to `path`: its parameters, read-noise model,
    /// seed, device-preset label and every cell's conductance and state
    /// (the format is in the crate docs, "Chip files").
    ///
    /// The file is written atomically: to a temporary file beside `path`,
    /// flushed to disk, then renamed over `path`, so a reader never sees a
    /// partial file. An existing file at `path` is replaced (the caller
    /// names it explicitly); the temporary file is removed on failure.
    ///
    /// ```
    /// use cim_macro::rram_device::{DeviceParams, Program};
    /// use cim_macro::{Macro, MacroParams};
    /// use seeds::Seeds;
    ///
    /// let chip = Macro::program(&MacroParams::default(), &DeviceParams::default(), &Program::default(), Seeds::new(3))?
    ///     .with_device_preset("paper");
    /// let dir = std::env::temp_dir().join(format!("cim-macro-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).expect("a temporary directory");
    /// let path = dir.join("chip.rrchip");
    /// chip.save(&path)?;
    /// let back = Macro::load(&path)?;
    /// assert_eq!(back.map(), chip.map());
    /// assert_eq!((back.device_preset(), back.seeds()), ("paper", Seeds::new(3)));
    /// let part = chip.partition("nmnist")?;
    /// assert_eq!(back.effective_weights(&back.partition("nmnist")?)?, chip.effective_weights(&part)?);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), cim_macro::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = self.to_chip_bytes(&file)?;
        let write_err = |source| Error::Write {
            file: file.clone(),
            source,
        };
        let name = path.file_name().ok_or_else(|| {
            write_err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path names no file",
            ))
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp: PathBuf = path.with_file_name(tmp_name);
        let result = write_then_rename(&tmp, path, &bytes);
        if let Err(e) = result {
            // The temporary file may not exist (the open failed); either way
            // the error to report is the first one.
            let _ = std::fs::remove_file(&tmp);
            return Err(write_err(e));
        }
        Ok(())
    }

    /// Loads a chip saved by [`Macro::save`]: checks the magic, the format
    /// version, the lengths and the checksum, decodes every cell, and
    /// rebuilds the macro with [`Macro::from_map`] on the stored map,
    /// parameters and seed, so that it reads bit for bit like the saved one
    /// (converter errors are redrawn from the seed's `Converters` stream).
    /// It is a new macro: partition handles and scratches of the saved one
    /// are refused by it, as by any other macro.
    ///
    /// Errors name the file: [`Error::ChipFile`] (wrong magic, checksum,
    /// header, body length, a bad cell value; with the byte offset),
    /// [`Error::ChipTruncated`], [`Error::ChipVersion`] (a newer format),
    /// [`Error::ChipInvalid`] (an intact file whose chip is rejected),
    /// [`Error::Io`]. See [`Macro::save`] for an example.
    pub fn load(path: impl AsRef<Path>) -> Result<Macro> {
        let (file, bytes) = read_all(path.as_ref())?;
        Self::from_chip_bytes(&bytes, &file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_64_matches_the_reference_vectors() {
        // From the FNV reference (Fowler, Noll, Vo; test vectors of
        // draft-eastlake-fnv).
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn state_codes_round_trip() {
        for s in [
            CellState::Pristine,
            CellState::Formed,
            CellState::StuckPristine,
            CellState::StuckHigh,
        ] {
            assert_eq!(state_of(state_code(s)), Some(s));
        }
        assert_eq!(state_of(4), None);
    }
}
