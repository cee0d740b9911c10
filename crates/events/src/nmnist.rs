//! N-MNIST: the 5-byte event format, single files, dataset folders and the
//! original zips.
//!
//! # Record format (Orchard et al. 2015)
//!
//! Each event is 5 bytes:
//!
//! | byte | content |
//! |---|---|
//! | 0 | x (column), 8 bits |
//! | 1 | y (row), 8 bits |
//! | 2 | bit 7: polarity (1 = ON); bits 6-0: timestamp bits 22-16 |
//! | 3 | timestamp bits 15-8 |
//! | 4 | timestamp bits 7-0 |
//!
//! so `t_us = (b2 & 0x7f) << 16 | b3 << 8 | b4` (23 bits, at most
//! 8,388,607 us). A record with y = 240 is the legacy timestamp-overflow
//! marker of the original reader (`Read_Ndataset.m`, copied by tonic): it is
//! dropped and 2^13 = 8,192 us is added to every later event. It never
//! occurs in the 34 x 34 data; [`NmnistOptions::overflow_markers`] (on by
//! default, for tonic parity) says whether to honour it. With it off, a
//! y = 240 record is an ordinary record and, on a 34 x 34 sensor, an error.
//!
//! # Dataset layout
//!
//! `Train/<digit>/<id>.bin` and `Test/<digit>/<id>.bin` (60,000 and 10,000
//! files), as extracted from the original `Train.zip` / `Test.zip`, which
//! [`NmnistSource`] also reads directly without extracting. The label is the
//! folder name (any decimal number is accepted). Samples are sorted by split
//! (train, then test) and then by member path, so the order is the same on
//! every machine and for folders and zips alike.

use param_guard::ParamGuard;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use crate::dataset::{EventSource, SampleInfo, Split, index_error, split_rank};
use crate::error::{Error, Result, display, io_error};
use crate::event::{VisionEvent, VisionSensor, VisionStream};
use crate::format::{DatasetFormat, zips_in};
use param_guard::ParamError;

/// Bytes per event record.
pub const RECORD_BYTES: usize = 5;
/// Largest timestamp a record can hold: 2^23 - 1 us.
pub const MAX_RECORD_T_US: u64 = (1 << 23) - 1;
/// The y value that marks a legacy timestamp overflow.
pub const OVERFLOW_MARKER_Y: u8 = 240;
/// Microseconds added to every event after an overflow marker: 2^13.
pub const OVERFLOW_INCREMENT_US: u64 = 1 << 13;
/// Largest member of a zip this reader decompresses (a real sample is about
/// 20 KB; this only guards against absurd sizes in damaged archives).
const MAX_MEMBER_BYTES: u64 = 64 << 20;

/// How N-MNIST bytes are decoded.
///
/// | field | default | source |
/// |---|---|---|
/// | `overflow_markers` | `true` | tonic / `Read_Ndataset.m` parity |
/// | `sensor` | 34 x 34 | Orchard et al. 2015 |
/// | `require_monotonic` | `false` | tonic does not check |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NmnistOptions {
    /// Drop y = 240 records and add 8,192 us to every later event, as tonic
    /// and the original Matlab reader do.
    pub overflow_markers: bool,
    /// Sensor geometry; a record outside it is an error. Width and height at
    /// most 256 (8-bit coordinates).
    pub sensor: VisionSensor,
    /// Whether a timestamp below its predecessor's is an error.
    pub require_monotonic: bool,
}

impl Default for NmnistOptions {
    fn default() -> Self {
        Self {
            overflow_markers: true,
            sensor: VisionSensor::NMNIST,
            require_monotonic: false,
        }
    }
}

impl ParamGuard for NmnistOptions {
    type Error = Error;

    /// Checks the sensor fits 8-bit coordinates.
    fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("sensor.width", self.sensor.width),
            ("sensor.height", self.sensor.height),
        ] {
            if !(1..=256).contains(&v) {
                return Err(Error::InvalidParameter(ParamError {
                    field: field.into(),
                    value: v.to_string(),
                    allowed: "in 1..=256 (8-bit N-MNIST coordinates)".into(),
                }));
            }
        }
        Ok(())
    }
}

/// Decodes N-MNIST bytes; `origin` names the data in errors.
///
/// Errors: a length that is not a multiple of 5 ([`Error::TruncatedRecord`]
/// naming the last record), a coordinate outside `options.sensor`
/// ([`Error::OutsideSensor`]), and, if required, a decreasing timestamp
/// ([`Error::NonMonotonic`]); each names the record by index and byte
/// offset (`record 3 (byte offset 15)`).
pub fn decode_nmnist(bytes: &[u8], options: &NmnistOptions, origin: &str) -> Result<VisionStream> {
    options.validate()?;
    let records = bytes.len() / RECORD_BYTES;
    let rest = bytes.len() % RECORD_BYTES;
    if rest != 0 {
        return Err(Error::TruncatedRecord {
            file: origin.to_owned(),
            record: records,
            offset: records * RECORD_BYTES,
            bytes: rest,
            record_len: RECORD_BYTES,
        });
    }
    let (width, height) = (options.sensor.width, options.sensor.height);
    let mut events = Vec::with_capacity(records);
    let mut offset_us = 0u64;
    let mut previous = 0u64;
    for (i, r) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
        // Named like a truncated record: index (overflow markers count) and
        // the byte offset where the record starts.
        let item = || format!("record {i} (byte offset {})", i * RECORD_BYTES);
        let (x, y) = (u16::from(r[0]), u16::from(r[1]));
        if options.overflow_markers && r[1] == OVERFLOW_MARKER_Y {
            offset_us += OVERFLOW_INCREMENT_US;
            continue;
        }
        let t_us =
            ((u64::from(r[2] & 0x7f) << 16) | (u64::from(r[3]) << 8) | u64::from(r[4])) + offset_us;
        if x >= width || y >= height {
            let (coordinate, value, limit) = if x >= width {
                ("x", x, width)
            } else {
                ("y", y, height)
            };
            return Err(Error::OutsideSensor {
                file: origin.to_owned(),
                item: item(),
                coordinate,
                value: u64::from(value),
                limit: u64::from(limit),
            });
        }
        if options.require_monotonic && t_us < previous {
            return Err(Error::NonMonotonic {
                file: origin.to_owned(),
                item: item(),
                t_us,
                previous_us: previous,
            });
        }
        previous = t_us;
        events.push(VisionEvent {
            t_us,
            x,
            y,
            on: r[2] & 0x80 != 0,
        });
    }
    Ok(VisionStream::from_checked(options.sensor, events))
}

/// Reads one N-MNIST `.bin` file.
pub fn read_nmnist_file(path: impl AsRef<Path>, options: &NmnistOptions) -> Result<VisionStream> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(io_error(path))?;
    decode_nmnist(&bytes, options, &display(path))
}

/// Encodes a stream as N-MNIST records, in the stream's order.
///
/// Every event must fit a record: x and y at most 255, y not 240 (the
/// overflow marker), `t_us` at most 2^23 - 1 = 8,388,607 us. The writer
/// never emits overflow markers, so any reader decodes the file alike.
pub fn encode_nmnist(stream: &VisionStream) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(stream.len() * RECORD_BYTES);
    for (i, e) in stream.events().iter().enumerate() {
        let bad = |field: &str, value: u64, allowed: &str| Error::BadValue {
            file: crate::error::IN_MEMORY.to_owned(),
            item: format!("event {i}"),
            field: field.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        };
        let x = u8::try_from(e.x).map_err(|_| bad("x", u64::from(e.x), "at most 255"))?;
        let y = u8::try_from(e.y).map_err(|_| bad("y", u64::from(e.y), "at most 255"))?;
        if y == OVERFLOW_MARKER_Y {
            return Err(bad("y", 240, "not 240 (the legacy overflow marker)"));
        }
        if e.t_us > MAX_RECORD_T_US {
            return Err(bad(
                "t_us",
                e.t_us,
                "at most 8388607 (23-bit N-MNIST timestamps)",
            ));
        }
        let t = e.t_us as u32; // <= 2^23 - 1, checked above
        let polarity = if e.on { 0x80 } else { 0 };
        bytes.extend_from_slice(&[
            x,
            y,
            polarity | ((t >> 16) as u8 & 0x7f),
            (t >> 8) as u8,
            t as u8,
        ]);
    }
    Ok(bytes)
}

/// Writes one N-MNIST `.bin` file (parent folders must exist).
pub fn write_nmnist_file(path: impl AsRef<Path>, stream: &VisionStream) -> Result<()> {
    let path = path.as_ref();
    let bytes = encode_nmnist(stream).map_err(|e| rename_in_memory(e, path))?;
    fs::write(path, bytes).map_err(io_error(path))
}

/// Puts the file name into an encoding error.
fn rename_in_memory(err: Error, path: &Path) -> Error {
    match err {
        Error::BadValue {
            item,
            field,
            value,
            allowed,
            ..
        } => Error::BadValue {
            file: display(path),
            item,
            field,
            value,
            allowed,
        },
        other => other,
    }
}

/// The member path of a sample: `Train/3/00012.bin` (ids zero-padded to five
/// digits, as in the original dataset). The id is whatever the caller
/// passes; [`crate::write_vision_nmnist`] passes [`crate::SampleMeta::id`],
/// which for emulated MNIST is the image's position in its IDX file.
pub fn member_path(split: Split, label: u16, id: u32) -> String {
    format!("{}/{label}/{id:05}.bin", split.nmnist_dir())
}

/// Writes samples into an N-MNIST root folder (`root/Train/<label>/<id>.bin`),
/// e.g. for emulated data that other tools should read as N-MNIST.
#[derive(Clone, Debug)]
pub struct NmnistDirWriter {
    root: PathBuf,
}

impl NmnistDirWriter {
    /// Creates `root` (and its parents) if needed.
    pub fn create(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(&root).map_err(io_error(&root))?;
        Ok(Self { root })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes one sample to `root/<Split>/<label>/<id:05>.bin` and returns
    /// that path. An existing file is overwritten.
    pub fn write(
        &self,
        split: Split,
        label: u16,
        id: u32,
        stream: &VisionStream,
    ) -> Result<PathBuf> {
        let path = self.root.join(member_path(split, label, id));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        write_nmnist_file(&path, stream)?;
        Ok(path)
    }
}

/// Writes samples into a zip laid out like the original `Train.zip` /
/// `Test.zip` (members `Train/<label>/<id:05>.bin`, deflated).
pub struct NmnistZipWriter {
    path: PathBuf,
    zip: zip::ZipWriter<BufWriter<File>>,
    members: HashSet<String>,
}

impl std::fmt::Debug for NmnistZipWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NmnistZipWriter")
            .field("path", &self.path)
            .field("members", &self.members.len())
            .finish()
    }
}

impl NmnistZipWriter {
    /// Creates (or truncates) the zip at `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(io_error(&path))?;
        Ok(Self {
            zip: zip::ZipWriter::new(BufWriter::new(file)),
            path,
            members: HashSet::new(),
        })
    }

    /// Adds one sample as member `<Split>/<label>/<id:05>.bin`; a member
    /// written twice is an error.
    pub fn add(&mut self, split: Split, label: u16, id: u32, stream: &VisionStream) -> Result<()> {
        let name = member_path(split, label, id);
        if !self.members.insert(name.clone()) {
            return Err(Error::DuplicateKey {
                file: display(&self.path),
                key: name,
                split: split.name().into(),
            });
        }
        let bytes = encode_nmnist(stream).map_err(|e| rename_in_memory(e, &self.path))?;
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        self.zip
            .start_file(name.as_str(), options)
            .map_err(|e| zip_error(&self.path, Some(&name), &e))?;
        self.zip.write_all(&bytes).map_err(io_error(&self.path))
    }

    /// Writes the central directory and closes the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let mut inner = self.zip.finish().map_err(|e| zip_error(&path, None, &e))?;
        inner.flush().map_err(io_error(&path))
    }
}

fn zip_error(path: &Path, member: Option<&str>, err: &dyn std::fmt::Display) -> Error {
    Error::Zip {
        file: match member {
            Some(m) => format!("{}!{m}", display(path)),
            None => display(path),
        },
        message: err.to_string(),
    }
}

/// Where the bytes of one sample are.
#[derive(Debug)]
enum Location {
    File(PathBuf),
    Member { archive: usize, index: usize },
}

/// One open zip.
struct Archive {
    path: PathBuf,
    zip: Mutex<ZipArchive<BufReader<File>>>,
}

/// An N-MNIST dataset on disk: a root folder, one or two original zips, or a
/// single `.bin` file. Lists the samples at opening (paths and labels only)
/// and decodes one sample per [`EventSource::load`]; zips stay open and are
/// read without extracting.
pub struct NmnistSource {
    name: String,
    options: NmnistOptions,
    samples: Vec<SampleInfo>,
    locations: Vec<Location>,
    archives: Vec<Archive>,
}

impl std::fmt::Debug for NmnistSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NmnistSource")
            .field("name", &self.name)
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl NmnistSource {
    /// Opens `path` as whatever it is: an N-MNIST root folder, a folder
    /// holding `Train.zip` / `Test.zip`, one zip, or one `.bin` file (see
    /// [`DatasetFormat::detect`]).
    pub fn open(path: impl AsRef<Path>, options: NmnistOptions) -> Result<Self> {
        let path = path.as_ref();
        match DatasetFormat::detect(path)? {
            DatasetFormat::NmnistDir => Self::open_dir(path, options),
            DatasetFormat::NmnistZip if path.is_dir() => Self::open_zips(&zips_in(path)?, options),
            DatasetFormat::NmnistZip => Self::open_zips(&[path.to_path_buf()], options),
            DatasetFormat::NmnistBin => Self::open_file(path, options),
            DatasetFormat::NtidigitsH5 => Err(Error::NoDataset {
                path: display(path),
                message: "this is an HDF5 file (N-TIDIGITS?), not N-MNIST".into(),
            }),
        }
    }

    /// Opens an N-MNIST root: `root/Train/<label>/*.bin` and
    /// `root/Test/<label>/*.bin` (either split may be absent). A folder whose
    /// subfolders are the class folders themselves (e.g. `root/Train`) is
    /// read as one split, named by the folder if it is `Train` or `Test`.
    /// Files not ending in `.bin` and non-numeric folders are ignored.
    pub fn open_dir(root: impl AsRef<Path>, options: NmnistOptions) -> Result<Self> {
        options.validate()?;
        let root = root.as_ref();
        let mut found: Vec<(SampleInfo, PathBuf)> = Vec::new();
        let mut any_split = false;
        for entry in sorted_entries(root)? {
            let name = file_name(&entry);
            if let (true, Some(split)) = (entry.is_dir(), Split::from_name(&name)) {
                any_split = true;
                scan_split_dir(&entry, &format!("{name}/"), Some(split), &mut found)?;
            }
        }
        if !any_split {
            let split = root
                .file_name()
                .and_then(|n| Split::from_name(&n.to_string_lossy()));
            scan_split_dir(root, "", split, &mut found)?;
        }
        if found.is_empty() {
            return Err(Error::NoDataset {
                path: display(root),
                message: "no N-MNIST samples found: expected Train/<digit>/*.bin and Test/<digit>/*.bin (extract the original Train.zip / Test.zip here, or point at the zips)".into(),
            });
        }
        found.sort_by(|a, b| sample_order(&a.0, &b.0));
        let (samples, locations) = found
            .into_iter()
            .map(|(info, path)| (info, Location::File(path)))
            .unzip();
        Ok(Self {
            name: display(root),
            options,
            samples,
            locations,
            archives: Vec::new(),
        })
    }

    /// Opens one original zip (`Train.zip` or `Test.zip`).
    pub fn open_zip(path: impl AsRef<Path>, options: NmnistOptions) -> Result<Self> {
        Self::open_zips(&[path.as_ref().to_path_buf()], options)
    }

    /// Opens several zips as one dataset (typically `Train.zip` and
    /// `Test.zip`). Members are `.bin` files whose parent folder is a number
    /// (the label); the split is the `Train` / `Test` folder in the member
    /// path, else the zip's name. Folder entries, other files and macOS
    /// metadata (`__MACOSX/`, `._*`) are skipped.
    pub fn open_zips(paths: &[PathBuf], options: NmnistOptions) -> Result<Self> {
        options.validate()?;
        let mut found: Vec<(SampleInfo, Location)> = Vec::new();
        let mut archives = Vec::new();
        for (a, path) in paths.iter().enumerate() {
            let file = File::open(path).map_err(io_error(path))?;
            let zip =
                ZipArchive::new(BufReader::new(file)).map_err(|e| zip_error(path, None, &e))?;
            let zip_split = path
                .file_stem()
                .and_then(|s| Split::from_name(&s.to_string_lossy()));
            for index in 0..zip.len() {
                let Some(name) = zip.name_for_index(index) else {
                    continue;
                };
                let name = name.map_err(|e| zip_error(path, None, &e))?;
                if let Some(info) = member_info(&name, zip_split) {
                    found.push((info, Location::Member { archive: a, index }));
                }
            }
            archives.push(Archive {
                path: path.clone(),
                zip: Mutex::new(zip),
            });
        }
        if found.is_empty() {
            let names: Vec<String> = paths.iter().map(|p| display(p)).collect();
            return Err(Error::NoDataset {
                path: names.join(", "),
                message: "no N-MNIST members (<Split>/<digit>/<id>.bin) in the zip".into(),
            });
        }
        found.sort_by(|a, b| sample_order(&a.0, &b.0));
        let (samples, locations) = found.into_iter().unzip();
        let name = paths
            .iter()
            .map(|p| display(p))
            .collect::<Vec<_>>()
            .join(" + ");
        Ok(Self {
            name,
            options,
            samples,
            locations,
            archives,
        })
    }

    /// Opens a single `.bin` file as a one-sample source. Its label is the
    /// parent folder's name if that is a number, its split the grandparent's
    /// if that is `Train` / `Test`; otherwise it has none.
    pub fn open_file(path: impl AsRef<Path>, options: NmnistOptions) -> Result<Self> {
        options.validate()?;
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::NoDataset {
                path: display(path),
                message: "not a file".into(),
            });
        }
        let parent = path.parent();
        let label = parent
            .and_then(Path::file_name)
            .and_then(|n| n.to_string_lossy().parse::<u16>().ok());
        let split = label.and_then(|_| {
            parent
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .and_then(|n| Split::from_name(&n.to_string_lossy()))
        });
        Ok(Self {
            name: display(path),
            options,
            samples: vec![SampleInfo {
                key: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                split,
                label,
            }],
            locations: vec![Location::File(path.to_path_buf())],
            archives: Vec::new(),
        })
    }

    /// The decoding options.
    pub fn options(&self) -> &NmnistOptions {
        &self.options
    }

    /// Whether the samples come from zips.
    pub fn is_zipped(&self) -> bool {
        !self.archives.is_empty()
    }

    /// Reads the raw bytes of sample `index` and the name to use in errors.
    fn raw(&self, index: usize) -> Result<(Vec<u8>, String)> {
        let location = self
            .locations
            .get(index)
            .ok_or_else(|| index_error(&self.name, index, self.locations.len()))?;
        match location {
            Location::File(path) => Ok((fs::read(path).map_err(io_error(path))?, display(path))),
            Location::Member {
                archive,
                index: member,
            } => {
                let archive = &self.archives[*archive];
                let origin = format!("{}!{}", display(&archive.path), self.samples[index].key);
                // A poisoned lock only means another thread panicked while
                // reading; the archive index itself is never mutated, so go on.
                let mut zip = archive.zip.lock().unwrap_or_else(|p| p.into_inner());
                let zip_err = |e: &dyn std::fmt::Display| Error::Zip {
                    file: origin.clone(),
                    message: e.to_string(),
                };
                let member = zip.by_index(*member).map_err(|e| zip_err(&e))?;
                let mut bytes = Vec::with_capacity(member.size().min(MAX_MEMBER_BYTES) as usize);
                member
                    .take(MAX_MEMBER_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| zip_err(&e))?;
                if bytes.len() as u64 > MAX_MEMBER_BYTES {
                    return Err(zip_err(&format!(
                        "member larger than {MAX_MEMBER_BYTES} bytes"
                    )));
                }
                Ok((bytes, origin))
            }
        }
    }
}

impl EventSource for NmnistSource {
    type Event = VisionEvent;

    fn name(&self) -> &str {
        &self.name
    }

    fn samples(&self) -> &[SampleInfo] {
        &self.samples
    }

    fn load(&self, index: usize) -> Result<VisionStream> {
        let (bytes, origin) = self.raw(index)?;
        decode_nmnist(&bytes, &self.options, &origin)
    }
}

/// Train, then test, then unsplit; then by key.
fn sample_order(a: &SampleInfo, b: &SampleInfo) -> std::cmp::Ordering {
    (split_rank(a.split), &a.key).cmp(&(split_rank(b.split), &b.key))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        entries.push(entry.map_err(io_error(dir))?.path());
    }
    entries.sort();
    Ok(entries)
}

/// Adds the samples of one split folder (`<dir>/<label>/*.bin`).
fn scan_split_dir(
    dir: &Path,
    prefix: &str,
    split: Option<Split>,
    found: &mut Vec<(SampleInfo, PathBuf)>,
) -> Result<()> {
    for class_dir in sorted_entries(dir)? {
        let class = file_name(&class_dir);
        let Ok(label) = class.parse::<u16>() else {
            continue;
        };
        if !class_dir.is_dir() {
            continue;
        }
        for file in sorted_entries(&class_dir)? {
            let name = file_name(&file);
            if file.is_file() && is_bin(&name) {
                found.push((
                    SampleInfo {
                        key: format!("{prefix}{class}/{name}"),
                        split,
                        label: Some(label),
                    },
                    file,
                ));
            }
        }
    }
    Ok(())
}

fn is_bin(name: &str) -> bool {
    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".bin") && !name.starts_with("._")
}

/// The index entry of a zip member, if it is an N-MNIST sample.
fn member_info(name: &str, zip_split: Option<Split>) -> Option<SampleInfo> {
    if name.ends_with('/') || name.contains("__MACOSX") {
        return None;
    }
    let parts: Vec<&str> = name.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let (&file, rest) = parts.split_last()?;
    let (&class, above) = rest.split_last()?;
    if !is_bin(file) {
        return None;
    }
    let label = class.parse::<u16>().ok()?;
    let split = above
        .iter()
        .rev()
        .find_map(|p| Split::from_name(p))
        .or(zip_split);
    Some(SampleInfo {
        key: name.to_owned(),
        split,
        label: Some(label),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(x: u8, y: u8, on: bool, t: u32) -> [u8; 5] {
        [
            x,
            y,
            (if on { 0x80 } else { 0 }) | ((t >> 16) as u8 & 0x7f),
            (t >> 8) as u8,
            t as u8,
        ]
    }

    #[test]
    fn hand_built_records_decode_all_bits() {
        // Maximum coordinates, all 23 timestamp bits set, each byte's bits
        // distinguishable, both polarities.
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[33, 33, 0xff, 0xff, 0xff]); // ON, t = 2^23 - 1
        bytes.extend_from_slice(&[0, 0, 0x7f, 0xff, 0xff]); // OFF, t = 2^23 - 1
        bytes.extend_from_slice(&[5, 7, 0x81, 0x02, 0x03]); // ON, t = 0x010203 = 66051
        bytes.extend_from_slice(&[1, 2, 0x00, 0x00, 0x00]); // OFF, t = 0
        let s = decode_nmnist(&bytes, &NmnistOptions::default(), "hand").unwrap();
        let expect = [
            VisionEvent {
                t_us: 8_388_607,
                x: 33,
                y: 33,
                on: true,
            },
            VisionEvent {
                t_us: 8_388_607,
                x: 0,
                y: 0,
                on: false,
            },
            VisionEvent {
                t_us: 66_051,
                x: 5,
                y: 7,
                on: true,
            },
            VisionEvent {
                t_us: 0,
                x: 1,
                y: 2,
                on: false,
            },
        ];
        assert_eq!(s.events(), &expect);
        assert_eq!(MAX_RECORD_T_US, 8_388_607);
        // Each timestamp bit alone.
        for bit in 0..23 {
            let t = 1u32 << bit;
            let s =
                decode_nmnist(&record(3, 4, false, t), &NmnistOptions::default(), "bit").unwrap();
            assert_eq!(s.events()[0].t_us, u64::from(t), "bit {bit}");
            assert!(
                !s.events()[0].on,
                "bit {bit} must not leak into the polarity"
            );
        }
    }

    #[test]
    fn overflow_markers_on_drop_and_shift() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&record(1, 1, true, 100));
        bytes.extend_from_slice(&record(9, 240, false, 5)); // marker
        bytes.extend_from_slice(&record(2, 2, false, 50));
        bytes.extend_from_slice(&record(0, 240, true, 0)); // marker
        bytes.extend_from_slice(&record(3, 3, true, 60));
        let s = decode_nmnist(&bytes, &NmnistOptions::default(), "m").unwrap();
        let got: Vec<(u64, u16)> = s.events().iter().map(|e| (e.t_us, e.x)).collect();
        assert_eq!(got, vec![(100, 1), (50 + 8192, 2), (60 + 2 * 8192, 3)]);
    }

    #[test]
    fn overflow_markers_off_keep_the_record() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&record(1, 1, true, 100));
        bytes.extend_from_slice(&record(9, 240, false, 5));
        bytes.extend_from_slice(&record(2, 2, false, 50));
        let wide = NmnistOptions {
            overflow_markers: false,
            sensor: VisionSensor {
                width: 256,
                height: 256,
            },
            ..NmnistOptions::default()
        };
        let s = decode_nmnist(&bytes, &wide, "m").unwrap();
        let got: Vec<(u64, u16, u16)> = s.events().iter().map(|e| (e.t_us, e.x, e.y)).collect();
        assert_eq!(got, vec![(100, 1, 1), (5, 9, 240), (50, 2, 2)]);
        // On the 34 x 34 sensor the unhonoured marker is outside the sensor.
        let strict = NmnistOptions {
            overflow_markers: false,
            ..NmnistOptions::default()
        };
        let err = decode_nmnist(&bytes, &strict, "m.bin")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("m.bin") && err.contains("record 1") && err.contains("y = 240"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_file_record_and_value() {
        let mut bytes = record(1, 1, true, 10).to_vec();
        bytes.extend_from_slice(&[1, 2, 3]);
        let err = decode_nmnist(&bytes, &NmnistOptions::default(), "a.bin").unwrap_err();
        assert!(
            matches!(
                err,
                Error::TruncatedRecord {
                    record: 1,
                    offset: 5,
                    bytes: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("a.bin"));
        let err = decode_nmnist(&record(34, 0, true, 0), &NmnistOptions::default(), "b.bin")
            .unwrap_err()
            .to_string();
        assert!(err.contains("record 0") && err.contains("x = 34"), "{err}");
        let mut bytes = record(1, 1, true, 10).to_vec();
        bytes.extend_from_slice(&record(1, 1, true, 9));
        let strict = NmnistOptions {
            require_monotonic: true,
            ..NmnistOptions::default()
        };
        assert!(decode_nmnist(&bytes, &NmnistOptions::default(), "c").is_ok());
        let err = decode_nmnist(&bytes, &strict, "c.bin")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("record 1 (byte offset 5)")
                && err.contains("9 us")
                && err.contains("10 us"),
            "{err}"
        );
    }

    #[test]
    fn record_errors_carry_the_byte_offset() {
        // An overflow marker (record 0), a good record (1), then y = 34
        // outside the sensor (record 2, bytes 10-14): the marker counts.
        let mut bytes = record(0, OVERFLOW_MARKER_Y, false, 0).to_vec();
        bytes.extend_from_slice(&record(1, 1, true, 10));
        bytes.extend_from_slice(&record(3, 34, true, 20));
        let err = decode_nmnist(&bytes, &NmnistOptions::default(), "d.bin").unwrap_err();
        assert!(matches!(err, Error::OutsideSensor { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "d.bin: record 2 (byte offset 10): y = 34 is outside the sensor's 0..34"
        );
        // A decreasing timestamp in record 2 (bytes 10-14).
        let mut bytes = record(1, 1, true, 10).to_vec();
        bytes.extend_from_slice(&record(2, 2, true, 30));
        bytes.extend_from_slice(&record(3, 3, true, 20));
        let strict = NmnistOptions {
            require_monotonic: true,
            ..NmnistOptions::default()
        };
        let err = decode_nmnist(&bytes, &strict, "e.bin")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("e.bin: record 2 (byte offset 10): "),
            "{err}"
        );
    }

    #[test]
    fn encode_decode_round_trip_and_limits() {
        let events = vec![
            VisionEvent {
                t_us: 0,
                x: 0,
                y: 0,
                on: false,
            },
            VisionEvent {
                t_us: MAX_RECORD_T_US,
                x: 33,
                y: 33,
                on: true,
            },
            VisionEvent {
                t_us: 12_345,
                x: 17,
                y: 3,
                on: true,
            },
        ];
        let s = VisionStream::new(VisionSensor::NMNIST, events).unwrap();
        let bytes = encode_nmnist(&s).unwrap();
        assert_eq!(bytes.len(), 15);
        assert_eq!(&bytes[5..10], &[33, 33, 0xff, 0xff, 0xff]);
        assert_eq!(
            decode_nmnist(&bytes, &NmnistOptions::default(), "rt").unwrap(),
            s
        );
        let late = VisionStream::new(
            VisionSensor::NMNIST,
            vec![VisionEvent {
                t_us: MAX_RECORD_T_US + 1,
                x: 0,
                y: 0,
                on: true,
            }],
        )
        .unwrap();
        let err = encode_nmnist(&late).unwrap_err().to_string();
        assert!(
            err.contains("t_us = 8388608") && err.contains("event 0"),
            "{err}"
        );
        let big = VisionStream::new(
            VisionSensor {
                width: 300,
                height: 300,
            },
            vec![VisionEvent {
                t_us: 0,
                x: 0,
                y: 240,
                on: true,
            }],
        )
        .unwrap();
        assert!(
            encode_nmnist(&big)
                .unwrap_err()
                .to_string()
                .contains("y = 240")
        );
    }

    #[test]
    fn member_names_are_parsed() {
        let i = member_info("Train/3/00012.bin", None).unwrap();
        assert_eq!((i.split, i.label), (Some(Split::Train), Some(3)));
        let i = member_info("nmnist/Test/7/00001.bin", Some(Split::Train)).unwrap();
        assert_eq!((i.split, i.label), (Some(Split::Test), Some(7)));
        let i = member_info("7/00001.bin", Some(Split::Test)).unwrap();
        assert_eq!((i.split, i.label), (Some(Split::Test), Some(7)));
        assert!(member_info("Train/3/", None).is_none());
        assert!(member_info("__MACOSX/Train/3/._00012.bin", None).is_none());
        assert!(member_info("Train/x/00012.bin", None).is_none());
        assert!(member_info("Train/3/readme.txt", None).is_none());
        assert!(member_info("00012.bin", None).is_none());
        assert_eq!(member_path(Split::Test, 4, 12), "Test/4/00012.bin");
    }

    #[test]
    fn options_validate_sensor() {
        let bad = NmnistOptions {
            sensor: VisionSensor {
                width: 0,
                height: 34,
            },
            ..NmnistOptions::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("sensor.width")
        );
    }
}
