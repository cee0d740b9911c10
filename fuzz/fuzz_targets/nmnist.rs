//! N-MNIST records: decoding never panics, and whatever decodes re-encodes
//! to bytes that decode to the same events.
#![no_main]

use events::nmnist::{NmnistOptions, decode_nmnist, encode_nmnist};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options, the rest is the file.
    let (flags, bytes) = match data.split_first() {
        Some((f, rest)) => (*f, rest),
        None => (0, data),
    };
    let options = NmnistOptions {
        overflow_markers: flags & 1 == 1,
        require_monotonic: flags & 2 == 2,
        ..NmnistOptions::default()
    };
    if let Ok(stream) = decode_nmnist(bytes, &options, "fuzz") {
        // Timestamps past 2^23 us (after overflow markers) cannot be
        // re-encoded; everything else must survive a round trip.
        if let Ok(encoded) = encode_nmnist(&stream) {
            let again = decode_nmnist(&encoded, &NmnistOptions::default(), "fuzz");
            assert_eq!(again.ok().as_ref(), Some(&stream));
        }
    }
});
