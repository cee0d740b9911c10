//! Emulators: plain data in, event data out, the way the real datasets were
//! made.
//!
//! * [`dvs`]: a dynamic vision sensor watching a grey image move along
//!   N-MNIST's three saccades (MNIST image -> N-MNIST-like events).
//! * [`cochlea`]: a 64-channel silicon cochlea listening to a sound
//!   (spoken digit WAV -> N-TIDIGITS-like events).
//!
//! Both are deterministic given their parameters, the experiment seed and a
//! per-sample key: fixed-pattern mismatch (a "camera" or "ear") is drawn
//! once from `seeds.stream(Purpose::EmulatorNoise)`, per-sample noise from
//! `seeds.keyed(Purpose::EmulatorNoise, key)`. The model equations,
//! parameter tables and the calibration against real recordings are in the
//! module docs and in `docs/emulators.md`.

pub mod cochlea;
pub mod dvs;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IN_MEMORY, Result};
use crate::idx::MnistImages;
use param_guard::ParamError;

/// A grey-scale image, row-major, one byte per pixel: 0 = background
/// (black), 255 = ink (white), as in MNIST.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GreyImage {
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
    /// `width * height` pixels, row after row.
    pub pixels: Vec<u8>,
}

impl GreyImage {
    /// An image from its pixels; the length must be `width * height`.
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        if width == 0 || height == 0 || width.checked_mul(height) != Some(pixels.len()) {
            return Err(Error::BadValue {
                file: IN_MEMORY.into(),
                item: "image".into(),
                field: "pixels".into(),
                value: format!("{} bytes for {width} x {height}", pixels.len()),
                allowed: "exactly width * height bytes, width and height at least 1".into(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Image `i` of an MNIST file.
    pub fn from_mnist(images: &MnistImages, i: usize) -> Result<Self> {
        let pixels = images.image(i).ok_or(Error::IndexOutOfRange {
            source_name: "MNIST images".into(),
            index: i,
            len: images.len(),
        })?;
        Self::new(images.cols, images.rows, pixels.to_vec())
    }

    /// The pixel at column `x`, row `y` (0 outside the image).
    pub fn get(&self, x: usize, y: usize) -> u8 {
        if x < self.width && y < self.height {
            self.pixels[y * self.width + x]
        } else {
            0
        }
    }
}

/// Mono audio: samples in [-1, 1] at `rate_hz`.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Sampling rate in hertz.
    pub rate_hz: u32,
    /// The samples, full scale = 1.
    pub samples: Vec<f32>,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.rate_hz == 0 {
            0.0
        } else {
            self.samples.len() as f64 / f64::from(self.rate_hz)
        }
    }
}

/// Reads a WAV file (any rate; 8 to 32-bit integer or 32-bit float; several
/// channels are averaged to mono), samples scaled to full scale 1.
pub fn read_wav(path: impl AsRef<std::path::Path>) -> Result<Audio> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(crate::error::io_error(path))?;
    decode_wav(std::io::BufReader::new(file), &crate::error::display(path))
}

/// Decodes WAV bytes from `reader` (see [`read_wav`]); `origin` names the
/// data in errors.
pub fn decode_wav<R: std::io::Read>(reader: R, origin: &str) -> Result<Audio> {
    let format = |message: String| Error::Format {
        file: origin.to_owned(),
        message,
    };
    let reader = hound::WavReader::new(reader).map_err(|e| format(format!("WAV: {e}")))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(format(format!(
            "WAV header: {} channels at {} Hz (need at least 1 channel and a positive rate)",
            spec.channels, spec.sample_rate
        )));
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format(format!("WAV samples: {e}")))?,
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(format(format!(
                    "WAV header: {} bits per sample (allowed 1-32)",
                    spec.bits_per_sample
                )));
            }
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f64;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| format(format!("WAV samples: {e}")))?
        }
    };
    let channels = usize::from(spec.channels);
    let samples = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(Audio {
        rate_hz: spec.sample_rate,
        samples,
    })
}

/// Writes `audio` as a 16-bit mono WAV file (samples clipped to [-1, 1]).
pub fn write_wav(path: impl AsRef<std::path::Path>, audio: &Audio) -> Result<()> {
    let path = path.as_ref();
    let err = |e: hound::Error| match e {
        hound::Error::IoError(source) => Error::Io {
            file: crate::error::display(path),
            source,
        },
        other => Error::Format {
            file: crate::error::display(path),
            message: format!("WAV: {other}"),
        },
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.rate_hz,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(err)?;
    for &s in &audio.samples {
        let v = (f64::from(s.clamp(-1.0, 1.0)) * 32767.0).round() as i16;
        writer.write_sample(v).map_err(err)?;
    }
    writer.finalize().map_err(err)
}

/// The error for a parameter outside its range.
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> Error {
    ParamError::new(field, value, allowed).into()
}

/// Checks that `value` is finite and inside `[lo, hi]`.
pub(crate) fn check_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<()> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(invalid(field, value, &format!("finite, in [{lo}, {hi}]")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_image_checks_its_size() {
        assert!(GreyImage::new(2, 2, vec![0; 4]).is_ok());
        let err = GreyImage::new(2, 3, vec![0; 4]).unwrap_err().to_string();
        assert!(err.contains("4 bytes for 2 x 3"), "{err}");
        assert!(GreyImage::new(0, 0, vec![]).is_err());
        let img = GreyImage::new(2, 1, vec![7, 9]).unwrap();
        assert_eq!((img.get(1, 0), img.get(2, 0), img.get(0, 1)), (9, 0, 0));
    }

    #[test]
    fn wav_round_trip_and_bad_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let audio = Audio {
            rate_hz: 8000,
            samples: vec![0.0, 0.5, -0.5, 1.0, -1.0],
        };
        write_wav(&path, &audio).unwrap();
        let back = read_wav(&path).unwrap();
        assert_eq!(back.rate_hz, 8000);
        // 16-bit quantisation: |error| <= 1 / 32768 per sample (plus the
        // 32767 vs 32768 scale difference at full scale).
        for (a, b) in audio.samples.iter().zip(&back.samples) {
            assert!((a - b).abs() < 1.0 / 16384.0, "{a} vs {b}");
        }
        let err = decode_wav(&b"RIFFnope"[..], "x.wav")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.wav: WAV"), "{err}");
        let missing = read_wav(dir.path().join("missing.wav")).unwrap_err();
        assert!(missing.to_string().contains("missing.wav"), "{missing}");
    }
}
