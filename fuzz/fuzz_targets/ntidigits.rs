//! N-TIDIGITS HDF5 files: opening and loading every sample never panics.
#![no_main]

use events::ntidigits::NtidigitsOptions;
use events::{EventSource, NtidigitsSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = NtidigitsOptions {
        single_digits_only: false,
        ..NtidigitsOptions::default()
    };
    if let Ok(source) = NtidigitsSource::from_bytes(data.to_vec(), "fuzz.h5", options) {
        for i in 0..source.len() {
            let _ = source.load(i);
        }
    }
});
