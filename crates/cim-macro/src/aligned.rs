//! Row-major storage whose first element sits on a 64-byte boundary.

/// A buffer of `len` values starting on a cache line, so that padded rows
/// (a multiple of 64 bytes long) each start on one too.
#[derive(Debug)]
pub(crate) struct Aligned<T> {
    storage: Vec<T>,
    offset: usize,
    len: usize,
}

impl<T: Copy + Default> Aligned<T> {
    pub(crate) fn zeros(len: usize) -> Self {
        let slack = 64 / size_of::<T>();
        let storage = vec![T::default(); len + slack];
        let offset = storage.as_ptr().align_offset(64).min(slack);
        Self {
            storage,
            offset,
            len,
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        &self.storage[self.offset..self.offset + self.len]
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.storage[self.offset..self.offset + self.len]
    }
}

impl<T: Copy + Default> Clone for Aligned<T> {
    fn clone(&self) -> Self {
        // A plain Vec clone may land on another alignment: re-align.
        let mut out = Self::zeros(self.len);
        out.as_mut_slice().copy_from_slice(self.as_slice());
        out
    }
}

/// `n` rounded up to a multiple of `m`.
pub(crate) fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}
