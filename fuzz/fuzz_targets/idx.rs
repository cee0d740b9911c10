//! IDX files (raw or gzip): decoding never panics, and decoded arrays have
//! as many elements as their dimensions say.
#![no_main]

use events::idx::{decode_idx, decode_mnist_images, decode_mnist_labels};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(array) = decode_idx(data, "fuzz") {
        let n: usize = array.dims.iter().product();
        assert_eq!(array.data.len(), n);
    }
    let _ = decode_mnist_images(data, "fuzz");
    let _ = decode_mnist_labels(data, "fuzz");
});
