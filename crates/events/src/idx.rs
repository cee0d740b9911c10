//! MNIST IDX files (LeCun, Cortes, Burges), raw or gzip-compressed.
//!
//! An IDX file is a 4-byte magic number `0x00 0x00 <type> <ndims>`, `ndims`
//! big-endian `u32` dimensions, then the elements in big-endian C order.
//! Types: `0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32, `0x0D` f32,
//! `0x0E` f64. MNIST images are `u8 [n, 28, 28]`, labels `u8 [n]`. A file
//! starting with the gzip signature `1f 8b` is decompressed first (the
//! shipped MNIST files are `.gz`). The data must fill the dimensions exactly:
//! missing or trailing bytes are an error naming both counts.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result, display, io_error};

/// Largest decompressed IDX this reader accepts (the 60,000 MNIST training
/// images are 47 MB; this only stops decompression bombs).
const MAX_DECOMPRESSED_BYTES: u64 = 4 << 30;

/// The elements of an IDX file.
#[derive(Clone, Debug, PartialEq)]
pub enum IdxData {
    /// Type `0x08`.
    U8(Vec<u8>),
    /// Type `0x09`.
    I8(Vec<i8>),
    /// Type `0x0B`.
    I16(Vec<i16>),
    /// Type `0x0C`.
    I32(Vec<i32>),
    /// Type `0x0D`.
    F32(Vec<f32>),
    /// Type `0x0E`.
    F64(Vec<f64>),
}

impl IdxData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            IdxData::U8(v) => v.len(),
            IdxData::I8(v) => v.len(),
            IdxData::I16(v) => v.len(),
            IdxData::I32(v) => v.len(),
            IdxData::F32(v) => v.len(),
            IdxData::F64(v) => v.len(),
        }
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A decoded IDX array.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    /// The dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The elements in C order.
    pub data: IdxData,
}

/// Decodes IDX bytes (gzip-compressed or not); `origin` names them in errors.
pub fn decode_idx(bytes: &[u8], origin: &str) -> Result<IdxArray> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut raw = Vec::new();
        MultiGzDecoder::new(bytes)
            .take(MAX_DECOMPRESSED_BYTES + 1)
            .read_to_end(&mut raw)
            .map_err(|e| format_error(origin, format!("gzip: {e}")))?;
        if raw.len() as u64 > MAX_DECOMPRESSED_BYTES {
            return Err(format_error(
                origin,
                format!("decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes"),
            ));
        }
        return decode_raw(&raw, origin);
    }
    decode_raw(bytes, origin)
}

/// Reads an IDX file (gzip-compressed or not).
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    decode_idx(&bytes, &display(path))
}

fn format_error(origin: &str, message: String) -> Error {
    Error::Format {
        file: origin.to_owned(),
        message,
    }
}

fn decode_raw(bytes: &[u8], origin: &str) -> Result<IdxArray> {
    if bytes.len() < 4 {
        return Err(format_error(
            origin,
            format!("IDX header truncated: {} of 4 magic bytes", bytes.len()),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format_error(
            origin,
            format!(
                "bad IDX magic {:02x} {:02x} {:02x} {:02x}: must start with 00 00",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    let code = bytes[2];
    let size = match code {
        0x08 | 0x09 => 1,
        0x0b => 2,
        0x0c | 0x0d => 4,
        0x0e => 8,
        _ => {
            return Err(format_error(
                origin,
                format!(
                    "unknown IDX element type 0x{code:02x}: must be 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e"
                ),
            ));
        }
    };
    let ndims = usize::from(bytes[3]);
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(format_error(
            origin,
            format!(
                "IDX header truncated: {ndims} dimensions need {header} bytes, file has {}",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let available = bytes.len() - header;
    let expected = dims
        .iter()
        .try_fold(size, |acc: usize, &d| acc.checked_mul(d))
        .filter(|&n| n == available)
        .ok_or_else(|| {
            format_error(
                origin,
                format!(
                    "IDX dimensions {dims:?} of {size}-byte elements do not match the {available} data bytes present"
                ),
            )
        })?;
    let body = &bytes[header..header + expected];
    let data = match code {
        0x08 => IdxData::U8(body.to_vec()),
        0x09 => IdxData::I8(body.iter().map(|&b| b as i8).collect()),
        0x0b => IdxData::I16(
            body.chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        0x0c => IdxData::I32(
            body.chunks_exact(4)
                .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        0x0d => IdxData::F32(
            body.chunks_exact(4)
                .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        _ => IdxData::F64(
            body.chunks_exact(8)
                .map(|c| f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
    };
    Ok(IdxArray { dims, data })
}

/// MNIST images: `count` grey-scale images of `rows x cols` bytes (0 =
/// background, 255 = ink), row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MnistImages {
    /// Rows per image (28 for MNIST).
    pub rows: usize,
    /// Columns per image (28 for MNIST).
    pub cols: usize,
    /// All pixels, image after image.
    pub pixels: Vec<u8>,
}

impl MnistImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels
            .len()
            .checked_div(self.rows * self.cols)
            .unwrap_or(0)
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `i`, row-major, if it exists.
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        let n = self.rows * self.cols;
        self.pixels
            .get(i.checked_mul(n)?..i.checked_add(1)?.checked_mul(n)?)
    }
}

/// Decodes an images file: `u8` with three dimensions `[n, rows, cols]`.
pub fn decode_mnist_images(bytes: &[u8], origin: &str) -> Result<MnistImages> {
    match decode_idx(bytes, origin)? {
        IdxArray {
            dims,
            data: IdxData::U8(pixels),
        } if dims.len() == 3 => Ok(MnistImages {
            rows: dims[1],
            cols: dims[2],
            pixels,
        }),
        other => Err(format_error(
            origin,
            format!(
                "expected u8 images [n, rows, cols], found {} dimensions {:?}",
                type_name(&other.data),
                other.dims
            ),
        )),
    }
}

/// Decodes a labels file: `u8` with one dimension `[n]`.
pub fn decode_mnist_labels(bytes: &[u8], origin: &str) -> Result<Vec<u8>> {
    match decode_idx(bytes, origin)? {
        IdxArray {
            dims,
            data: IdxData::U8(labels),
        } if dims.len() == 1 => Ok(labels),
        other => Err(format_error(
            origin,
            format!(
                "expected u8 labels [n], found {} dimensions {:?}",
                type_name(&other.data),
                other.dims
            ),
        )),
    }
}

/// Reads an MNIST images file (e.g. `t10k-images-idx3-ubyte.gz`).
pub fn read_mnist_images(path: impl AsRef<Path>) -> Result<MnistImages> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    decode_mnist_images(&bytes, &display(path))
}

/// Reads an MNIST labels file (e.g. `t10k-labels-idx1-ubyte.gz`).
pub fn read_mnist_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    decode_mnist_labels(&bytes, &display(path))
}

fn type_name(data: &IdxData) -> &'static str {
    match data {
        IdxData::U8(_) => "u8",
        IdxData::I8(_) => "i8",
        IdxData::I16(_) => "i16",
        IdxData::I32(_) => "i32",
        IdxData::F32(_) => "f32",
        IdxData::F64(_) => "f64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn idx(code: u8, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b.extend_from_slice(body);
        b
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn images_and_labels_decode_raw_and_gzipped() {
        let pixels: Vec<u8> = (0..2 * 2 * 3).map(|i| i as u8 * 10).collect();
        let file = idx(0x08, &[2, 2, 3], &pixels);
        for bytes in [file.clone(), gzip(&file)] {
            let images = decode_mnist_images(&bytes, "img").unwrap();
            assert_eq!((images.len(), images.rows, images.cols), (2, 2, 3));
            assert_eq!(images.image(1).unwrap(), &pixels[6..12]);
            assert!(images.image(2).is_none());
        }
        let labels = idx(0x08, &[3], &[7, 2, 1]);
        assert_eq!(
            decode_mnist_labels(&gzip(&labels), "lab").unwrap(),
            vec![7, 2, 1]
        );
        assert!(
            decode_mnist_labels(&file, "x")
                .unwrap_err()
                .to_string()
                .contains("[2, 2, 3]")
        );
    }

    #[test]
    fn every_element_type_is_big_endian() {
        let a = decode_idx(&idx(0x0b, &[2], &[0x01, 0x02, 0xff, 0xfe]), "t").unwrap();
        assert_eq!(a.data, IdxData::I16(vec![0x0102, -2]));
        let a = decode_idx(&idx(0x0c, &[1], &(-7i32).to_be_bytes()), "t").unwrap();
        assert_eq!(a.data, IdxData::I32(vec![-7]));
        let a = decode_idx(&idx(0x0d, &[1], &1.5f32.to_be_bytes()), "t").unwrap();
        assert_eq!(a.data, IdxData::F32(vec![1.5]));
        let a = decode_idx(&idx(0x0e, &[1, 1], &(-0.25f64).to_be_bytes()), "t").unwrap();
        assert_eq!((a.dims, a.data), (vec![1, 1], IdxData::F64(vec![-0.25])));
        let a = decode_idx(&idx(0x09, &[2], &[0x80, 0x7f]), "t").unwrap();
        assert_eq!(a.data, IdxData::I8(vec![-128, 127]));
    }

    #[test]
    fn errors_name_file_and_counts() {
        let e = decode_idx(&idx(0x08, &[2, 3], &[0; 5]), "short.idx")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("short.idx") && e.contains("[2, 3]") && e.contains("5 data bytes"),
            "{e}"
        );
        let e = decode_idx(&idx(0x08, &[2], &[0; 3]), "long")
            .unwrap_err()
            .to_string();
        assert!(e.contains("3 data bytes"), "{e}");
        let e = decode_idx(&[1, 0, 8, 1], "magic").unwrap_err().to_string();
        assert!(e.contains("bad IDX magic 01 00 08 01"), "{e}");
        let e = decode_idx(&[0, 0, 7, 1], "type").unwrap_err().to_string();
        assert!(e.contains("0x07"), "{e}");
        let e = decode_idx(&[0, 0, 8, 2, 0, 0], "hdr")
            .unwrap_err()
            .to_string();
        assert!(e.contains("need 12 bytes"), "{e}");
        let e = decode_idx(&[0, 0], "tiny").unwrap_err().to_string();
        assert!(e.contains("2 of 4"), "{e}");
        // Dimensions whose product overflows are a mismatch, not a panic.
        let e = decode_idx(&idx(0x0e, &[u32::MAX, u32::MAX, u32::MAX], &[]), "huge");
        assert!(e.is_err());
        let e = decode_idx(&[0x1f, 0x8b, 0, 1], "gz")
            .unwrap_err()
            .to_string();
        assert!(e.contains("gzip"), "{e}");
    }
}
