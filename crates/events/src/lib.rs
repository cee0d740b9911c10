//! Event data: types, dataset readers and writers, transforms, binning into
//! spike rasters, labelled datasets, the DVS and cochlea emulators, built-in
//! synthetic data, and the data sources of the reproductions.
//!
//! Event sensors report changes, not frames: a dynamic vision sensor emits
//! `(t, x, y, polarity)` when a pixel's log intensity moves by a threshold,
//! a silicon cochlea emits `(t, channel)` when a frequency band fires. This
//! crate reads and writes the two datasets of the paper exactly as the
//! reference Python tools read them, turns samples into the binned spike
//! rasters the reservoir consumes, and organises samples into seeded,
//! reproducible training sets. Without the real datasets, emulators turn
//! plain data (MNIST images, spoken-digit WAVs) into event data the way the
//! real datasets were recorded, and a built-in synthetic source makes a
//! fresh clone run end to end. It never downloads anything.
//!
//! # Entry types
//!
//! | type | what |
//! |---|---|
//! | [`VisionEvent`], [`AudioEvent`] | one event; timestamps are integer microseconds (`u64`) |
//! | [`VisionSensor`], [`AudioSensor`] | geometry: 34 x 34 x 2 (N-MNIST), 64 channels (N-TIDIGITS) |
//! | [`EventStream`] | the events of one recording on its sensor ([`VisionStream`], [`AudioStream`]) |
//! | [`SpikeRaster`] | T steps x C channels, sparse: the active channels of each step, optional counts (from the `spikes` crate, re-exported) |
//! | [`NmnistSource`], [`NtidigitsSource`], [`InMemorySource`] | an index of samples, decoded one at a time ([`EventSource`]) |
//! | [`Dataset`] | a labelled view of a source: filters, stratified splits, balanced subsampling, pairing |
//! | [`NmnistDirWriter`], [`NmnistZipWriter`], [`NtidigitsWriter`] | write the real formats (e.g. emulated data) |
//! | [`VisionBinning`], [`AudioBinning`] | stream -> raster with the paper's settings |
//! | [`summarize`] | the dataset summary behind `cargo xtask events summary` |
//! | [`DataConfig`], [`DataSource`] | real, emulated or synthetic data for a reproduction: [`DataConfig::vision`] and [`DataConfig::audio`] give a [`VisionData`] / [`AudioData`] |
//! | [`VisionSource`], [`AudioSource`] | the samples of one modality with [`SampleMeta`] (digit, word, speaker) |
//! | [`emulate::dvs::DvsEmulator`], [`emulate::cochlea::CochleaEmulator`] | image -> N-MNIST-like events, sound -> N-TIDIGITS-like events |
//! | [`synthetic::render_digit`], [`synthetic::synthesize`] | built-in digit images and spoken digits |
//! | [`write_vision_nmnist`], [`write_audio_ntidigits`] | a dataset written in the real formats |
//!
//! Modules: [`nmnist`] (5-byte records, folders, zips), [`ntidigits`] (HDF5,
//! keys, label maps), [`idx`] (MNIST images and labels), [`transform`]
//! (crop, downsample, polarity, time crop, refractory and background-activity
//! filters, channel remap), [`binning`], [`npy`] (export for Python),
//! [`stats`] (event-rate histograms, spreads), [`summary`], [`emulate`]
//! ([`emulate::dvs`], [`emulate::cochlea`], WAV input), [`synthetic`]
//! ([`synthetic::digits`], [`synthetic::speech`]), [`source`].
//!
//! # Emulators and built-in data
//!
//! * **DVS saccade emulator** ([`emulate::dvs`]): the image on a 34 x 34
//!   sensor moves along N-MNIST's three saccades (105 ms each, (+3.5, +7),
//!   (+3.5, -7), (-7, 0) px, raised-cosine speed), sampled bilinearly so
//!   that no pixel's log intensity moves by more than 0.3 theta between
//!   samples; v2e/ESIM pixels: lin-log photoreceptor, 300 Hz low-pass,
//!   per-pixel memorised level, thresholds 0.2 with mismatch sigma 0.03,
//!   one event per crossing at interpolated times, 0.5 ms refractory,
//!   leak and shot noise. Calibrated to N-MNIST (about 4,400 events per
//!   MNIST digit against the real sample's 4,325; polarities as in the
//!   real sample). About 3.6 ms per digit on one core.
//! * **Cochlea emulator** ([`emulate::cochlea`]): 64 ERB-spaced channels
//!   from 100 Hz to 0.47 x the sampling rate, 4th-order band-pass,
//!   half-wave rectification and power-law compression, one leaky
//!   integrate-and-fire neuron per channel; 1.3e4 events/s during FSDD
//!   speech. About 5 ms per second of 8 kHz audio on one core.
//! * **Synthetic data** ([`synthetic`]): stroke-template digits (a linear
//!   classifier on pixels: 94 %) and a formant synthesiser for the eleven
//!   TIDIGITS words with varied speakers.
//! * **Data sources** ([`source`]): `real | emulated | synthetic` behind
//!   [`DataConfig`]; samples are emulated when loaded, rasters are made in
//!   parallel with [`Dataset::rasters`] / [`Dataset::par_map`], identical
//!   for any thread count (every random draw is keyed by the sample).
//!
//! Parameter tables with sources are in the modules' docs; the calibration
//! against the real recordings, speeds and pictures in `docs/emulators.md`.
//!
//! # Formats
//!
//! * **N-MNIST** (Orchard et al. 2015): 5 bytes per event, x, y, then
//!   polarity (bit 7) and a 23-bit big-endian timestamp in microseconds,
//!   `t = (b2 & 0x7f) << 16 | b3 << 8 | b4`. Records with y = 240 are the
//!   legacy overflow marker of the original reader: dropped, and 8,192 us
//!   added to every later event, as tonic does
//!   ([`NmnistOptions::overflow_markers`], on by default). Datasets are
//!   `Train/<digit>/<id>.bin` and `Test/<digit>/<id>.bin`, extracted or read
//!   straight from the original `Train.zip` / `Test.zip`; samples are sorted
//!   by split (train, test) and member path.
//! * **N-TIDIGITS** (Anumula et al. 2018): one HDF5 file, `train_labels` /
//!   `test_labels` (sample keys `gender-speaker-take-digits`, e.g.
//!   `man-im-a-7557`; digits 1-9, `o` "oh", `z` "zero") and groups
//!   `{train,test}_{addresses,timestamps}` with one dataset per key. Any
//!   integer or float dtype is read; seconds become microseconds as in tonic,
//!   `t_us = trunc(f64(t) * 1e6)`. Labels follow an explicit
//!   [`LabelMap`]: [`LabelMap::Tonic`] (default, `o` -> 0, `z` -> 10) or
//!   [`LabelMap::ZeroIsZero`] (`z` -> 0, `o` -> 10). By default only
//!   isolated digits are kept (the paper's 11 classes). Samples keep the
//!   order of the label datasets, train then test.
//! * **MNIST IDX** (raw or gzip), for the emulators: [`idx`].
//!
//! # Binning and channel layout
//!
//! [`VisionBinning`]'s defaults are the reservoir's input: a 16 x 16 centre
//! crop of the 34 x 34 sensor (columns and rows 9-24), polarities merged,
//! `channel = y * 16 + x` (x, y inside the crop), 256 channels, 50 equal time
//! steps spanning the sample, binary values. Separate polarities are
//! selectable (`channel = p * 256 + y * 16 + x`, OFF block first). Audio:
//! `channel = address` (64), 129 steps. Steps are
//! `floor((t - t_first) * T / (t_last - t_first + 1))`, so no event is lost
//! (tonic's `n_time_bins` drops the tail after the last whole window); fixed
//! windows of `dt_us` are the alternative. See [`binning`].
//!
//! # Parameters
//!
//! | struct | field | unit | default | source |
//! |---|---|---|---|---|
//! | [`NmnistOptions`] | `overflow_markers` | - | `true` | tonic parity |
//! | | `sensor` | px | 34 x 34 | Orchard et al. 2015 |
//! | | `require_monotonic` | - | `false` | tonic does not check |
//! | [`NtidigitsOptions`] | `label_map` | - | `tonic` | tonic `NTIDIGITS18.class_map` |
//! | | `single_digits_only` | - | `true` | paper: 11 classes |
//! | | `sensor` | channels | 64 | CochleaAMS |
//! | | `timestamp_unit` | - | `seconds` | the N-TIDIGITS file |
//! | | `require_monotonic` | - | `false` | tonic does not check |
//! | [`VisionBinning`] | `crop` | px | 16 x 16 | authors' scripts (256 inputs) |
//! | | `polarity` | - | `merge` | our choice |
//! | | `bins` | steps | 50 over the sample | authors' scripts |
//! | | `origin` | - | first event | our choice |
//! | | `counts` | - | `false` (binary) | our choice |
//! | [`AudioBinning`] | `bins` | steps | 129 over the sample | authors' scripts |
//! | | `origin`, `counts` | - | first event, binary | our choice |
//! | [`transform::RefractoryMode`] | mode of [`transform::refractory_filter`] | - | `tonic` | tonic `RefractoryPeriod` |
//! | [`transform::DenoiseParams`] | `filter_time_us` | us | 10,000 | tonic `Denoise` |
//! | | `neighbourhood` | - | 4 | tonic `Denoise` |
//! | [`emulate::dvs::DvsParams`] | see [`emulate::dvs`] | | | v2e, N-MNIST, calibration |
//! | [`emulate::cochlea::CochleaParams`] | see [`emulate::cochlea`] | | | CochleaAMS, tonic, CARFAC |
//! | [`synthetic::DigitStyle`] | see [`synthetic::digits`] | | | our choices |
//! | [`SplitOptions`] | `test_fraction` | 1 | 0.2 | our choice |
//! | | `speaker_disjoint` | - | `false` | our choice |
//! | [`SyntheticSpec`] | `train_per_class`, `test_per_class` | samples | 100, 30 | our choice (small, fast) |
//! | | `speakers`, `test_speakers` | - | 10, 2 | our choice |
//! | [`DataConfig`] | `audio_labels` | - | `tonic` (11 classes) | tonic's N-TIDIGITS map |
//!
//! # Datasets and randomness
//!
//! Sources list samples (key, split, label, location) without reading them
//! and decode one sample per [`EventSource::load`]; zips stay open, HDF5
//! datasets are read on demand, so 70,000 N-MNIST files stream in constant
//! memory. [`Dataset`] views keep source order; stratified splits
//! (`round(n_c * fraction)` per class), class-balanced subsampling (e.g.
//! N-MNIST matched to the N-TIDIGITS count per class) and cross-modal
//! pairing by label ([`pair_by_label`]) draw from an `rng` the caller takes
//! from `seeds::Purpose::DataSplit`, so results depend on the seed only.
//!
//! # Checked against other tools
//!
//! * tonic 1.7.0 (`tonic.io.read_mnist_file`) decodes the real N-MNIST sample
//!   (`../shared/data/nmnist-sample/sample_nmnist.bin`) to exactly our
//!   events: 4,325 events, 654-311,175 us, 2,145 ON (49.6 %).
//! * h5py 3.16.0 on HDF5 2.0.0 reads files written by [`NtidigitsWriter`]
//!   with the same content (labels as `S` byte strings, `uint16` addresses,
//!   `float64` seconds; 2,401 samples in one group), and tonic 1.7.0's
//!   `NTIDIGITS18(single_digits=True)` loads such a file to the same
//!   timestamps, channels and labels. These checks were run by hand; the
//!   test suite checks the other direction on every run: our reader reads a
//!   fixture written by h5py (`tests/fixtures/`, see its README) to the
//!   events numpy computes with tonic's formula.
//! * [`transform::refractory_filter`] at 5 ms keeps 2,454 of the real
//!   sample's 4,325 events in [`transform::RefractoryMode::Tonic`], the
//!   count tonic's `RefractoryPeriod` gives, reproduced by an
//!   independent NumPy re-implementation of tonic's algorithm; 3,156 in
//!   [`transform::RefractoryMode::SinceKept`] (a shared-data test pins
//!   both).
//! * [`ntidigits::seconds_for_us`] stores each microsecond as the `f64`
//!   second whose tonic conversion truncates back to it, so written files
//!   round-trip exactly through tonic as well as through this crate.
//!
//! # Errors
//!
//! Readers never panic on input (property tests and cargo-fuzz targets in
//! `fuzz/`); every [`Error`] names the file (zip members as
//! `archive.zip!Train/3/00012.bin`), the record, event or sample key, and
//! the bad value with its allowed range.
//!
//! # What it ignores
//!
//! Nothing of reservoirs, devices or training. No other event formats
//! (AEDAT, EVT, DAT), no spatial transforms beyond crop and integer
//! downsampling, no event-count slicing. The HDF5 writer builds the whole
//! file in memory (about 10 bytes per event) before writing it. What the
//! emulators leave out is listed in [`emulate::dvs`] and
//! [`emulate::cochlea`].
//!
//! # Example
//!
//! ```
//! use events::{VisionBinning, VisionEvent, VisionSensor, VisionStream};
//!
//! let stream = VisionStream::new(
//!     VisionSensor::NMNIST,
//!     vec![
//!         VisionEvent { t_us: 0, x: 9, y: 9, on: true },
//!         VisionEvent { t_us: 1_000, x: 24, y: 24, on: false },
//!         VisionEvent { t_us: 2_000, x: 0, y: 0, on: true }, // outside the crop
//!     ],
//! )?;
//! let raster = VisionBinning::default().bin(&stream)?;
//! assert_eq!((raster.steps(), raster.channels()), (50, 256));
//! assert_eq!(raster.step(0), &[0]); // pixel (9, 9) is channel 0 of the crop
//! assert_eq!(raster.total_events(), 2);
//! # Ok::<(), events::Error>(())
//! ```

pub mod binning;
mod dataset;
pub mod emulate;
mod error;
mod event;
mod format;
pub mod idx;
pub mod nmnist;
pub mod noise;
pub mod npy;
pub mod ntidigits;
pub mod source;
pub mod stats;
pub mod summary;
pub mod synthetic;
pub mod transform;

pub use binning::{AudioBinning, BinSpec, PolarityMode, TimeBins, TimeOrigin, VisionBinning};
pub use dataset::{Dataset, EventSource, InMemorySource, SampleInfo, Split, pair_by_label};
pub use error::{Error, IN_MEMORY, Result};
pub use event::{
    AudioEvent, AudioSensor, AudioStream, Event, EventStream, VisionEvent, VisionSensor,
    VisionStream,
};
pub use format::DatasetFormat;
pub use nmnist::{NmnistDirWriter, NmnistOptions, NmnistSource, NmnistZipWriter};
pub use noise::{InputNoise, NoiseEvent, noisy_rasters};
pub use ntidigits::{
    LabelMap, NtidigitsKey, NtidigitsOptions, NtidigitsSource, NtidigitsWriter, SpokenDigit,
};
pub use param_guard::{ParamError, ParamGuard};
pub use source::{
    AudioData, AudioLabels, AudioSource, Binner, DataConfig, DataSource, ExportSummary, SampleMeta,
    SplitOptions, SyntheticSpec, SyntheticWords, VisionData, VisionSource, write_audio_ntidigits,
    write_vision_nmnist,
};
pub use spikes::SpikeRaster;
pub use summary::{Summary, summarize};
