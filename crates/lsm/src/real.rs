//! The two floating-point types the reservoir runs in, and their kernels.
//!
//! The hot path of an event-driven step is a sum of weight rows (one row per
//! active input or last-step spike, each row the fan-out of one presynaptic
//! neuron, contiguous in memory) followed by a vectorised LIF update. Both are
//! written once per type by a macro and compiled several times by
//! [`multiversion`] for AVX-512, AVX2 and baseline x86-64, the best chosen at
//! run time. Only additions and multiplications are used, never fused
//! multiply-adds, and every neuron's inputs are summed in the same order
//! (input rows in ascending channel order, then recurrent rows in ascending
//! neuron order), so results are identical bit for bit on every instruction
//! set and any number of threads.

use multiversion::multiversion;

/// Weight rows are padded to a multiple of this many elements.
pub const ROW_ALIGN: usize = 16;

/// Rounds a row length up to the padded stride.
pub const fn padded(n: usize) -> usize {
    n.div_ceil(ROW_ALIGN) * ROW_ALIGN
}

/// How a neuron resets after a spike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ResetKind<F> {
    /// Set the membrane to this value.
    To(F),
    /// Subtract the threshold.
    Subtract,
}

/// Constants of one LIF update, in the simulation type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LifConsts<F> {
    pub(crate) decay: F,
    pub(crate) gain: F,
    /// `(1 - decay) * v_rest`, zero when the rest potential is zero.
    pub(crate) bias: F,
    pub(crate) threshold: F,
    pub(crate) reset: ResetKind<F>,
    /// Steps a neuron stays silent after a spike (0: none).
    pub(crate) refractory: u16,
}

/// A floating-point type the reservoir can run in: `f32` (fast, default) or
/// `f64` (reference): the toolkit's [`scalar::Real`] with the reservoir's
/// two kernels. Sealed through `scalar::Real`: the kernels exist for these
/// two types only.
pub trait Real: scalar::Real {
    /// `out[j] = sum_{r in first} w[r*stride + j] + sum_{r in second} w[(r + offset)*stride + j]`
    /// for every `j < out.len()`; `out.len()` is the padded stride. Rows are
    /// added in the order given. Every row index must be in range.
    #[doc(hidden)]
    fn sum_rows(
        w: &[Self],
        stride: usize,
        first: &[u32],
        second: &[u32],
        offset: usize,
        out: &mut [Self],
    );

    /// One LIF update of every neuron: integrate, test (strict `>`), reset.
    /// Sets `flags[i]` to 1 for neurons that fired (0 otherwise) and adds the
    /// spikes to `counts`.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn lif_update(
        c: &LifConsts<Self>,
        v: &mut [Self],
        current: &[Self],
        refractory: &mut [u16],
        flags: &mut [u8],
        counts: &mut [u32],
    );
}

/// Dispatches a run-time chunk width (a multiple of 16 up to 256) to the
/// register-blocked `chunk::<C>`; anything else goes to `$fallback`.
macro_rules! seq_macro_chunks {
    ($n:expr, $c0:expr, $w:expr, $stride:expr, $first:expr, $second:expr, $offset:expr, $out:expr, $fallback:ident) => {
        match $n {
            0 => {}
            16 => chunk::<16>($w, $stride, $c0, $first, $second, $offset, $out),
            32 => chunk::<32>($w, $stride, $c0, $first, $second, $offset, $out),
            48 => chunk::<48>($w, $stride, $c0, $first, $second, $offset, $out),
            64 => chunk::<64>($w, $stride, $c0, $first, $second, $offset, $out),
            80 => chunk::<80>($w, $stride, $c0, $first, $second, $offset, $out),
            96 => chunk::<96>($w, $stride, $c0, $first, $second, $offset, $out),
            112 => chunk::<112>($w, $stride, $c0, $first, $second, $offset, $out),
            128 => chunk::<128>($w, $stride, $c0, $first, $second, $offset, $out),
            144 => chunk::<144>($w, $stride, $c0, $first, $second, $offset, $out),
            160 => chunk::<160>($w, $stride, $c0, $first, $second, $offset, $out),
            176 => chunk::<176>($w, $stride, $c0, $first, $second, $offset, $out),
            192 => chunk::<192>($w, $stride, $c0, $first, $second, $offset, $out),
            208 => chunk::<208>($w, $stride, $c0, $first, $second, $offset, $out),
            224 => chunk::<224>($w, $stride, $c0, $first, $second, $offset, $out),
            240 => chunk::<240>($w, $stride, $c0, $first, $second, $offset, $out),
            256 => chunk::<256>($w, $stride, $c0, $first, $second, $offset, $out),
            _ => $fallback($w, $stride, $c0, $first, $second, $offset, $out),
        }
    };
}

macro_rules! impl_real {
    ($t:ty, $big:literal, $single:literal, $sum_mod:ident) => {
        mod $sum_mod {
            use super::*;

            /// Adds the rows into one register-blocked chunk of `C` columns
            /// starting at `c0`.
            #[inline(always)]
            fn chunk<const C: usize>(
                w: &[$t],
                stride: usize,
                c0: usize,
                first: &[u32],
                second: &[u32],
                offset: usize,
                out: &mut [$t],
            ) {
                let mut acc = [0.0 as $t; C];
                for &r in first {
                    let base = r as usize * stride + c0;
                    if let Some(row) = w.get(base..).and_then(|s| s.first_chunk::<C>()) {
                        for j in 0..C {
                            acc[j] += row[j];
                        }
                    }
                }
                for &r in second {
                    let base = (r as usize + offset) * stride + c0;
                    if let Some(row) = w.get(base..).and_then(|s| s.first_chunk::<C>()) {
                        for j in 0..C {
                            acc[j] += row[j];
                        }
                    }
                }
                if let Some(dst) = out.get_mut(c0..c0 + C) {
                    dst.copy_from_slice(&acc);
                }
            }

            #[multiversion(targets(
                "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
                "x86_64+avx2+avx",
                "x86_64+sse4.1",
                "aarch64+neon"
            ))]
            pub(super) fn sum_rows(
                w: &[$t],
                stride: usize,
                first: &[u32],
                second: &[u32],
                offset: usize,
                out: &mut [$t],
            ) {
                let n = out.len();
                // A row that fits in registers is summed in one pass (every
                // column its own dependency chain); longer rows go in chunks
                // of $big columns and a remainder.
                if n <= $single {
                    seq_macro_chunks!(n, 0, w, stride, first, second, offset, out, fallback);
                    return;
                }
                let mut c0 = 0;
                while c0 + $big <= n {
                    chunk::<$big>(w, stride, c0, first, second, offset, out);
                    c0 += $big;
                }
                let rest = n - c0;
                seq_macro_chunks!(rest, c0, w, stride, first, second, offset, out, fallback);
            }

            /// Plain row additions for strides that are not padded.
            fn fallback(
                w: &[$t],
                stride: usize,
                c0: usize,
                first: &[u32],
                second: &[u32],
                offset: usize,
                out: &mut [$t],
            ) {
                let tail = &mut out[c0..];
                tail.fill(0.0);
                let rows = first
                    .iter()
                    .map(|&r| r as usize)
                    .chain(second.iter().map(|&r| r as usize + offset));
                for r in rows {
                    let base = r * stride + c0;
                    if let Some(row) = w.get(base..base + tail.len()) {
                        for (a, b) in tail.iter_mut().zip(row) {
                            *a += *b;
                        }
                    }
                }
            }

            #[multiversion(targets(
                "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
                "x86_64+avx2+avx",
                "x86_64+sse4.1",
                "aarch64+neon"
            ))]
            pub(super) fn lif_plain(
                c: &LifConsts<$t>,
                v: &mut [$t],
                current: &[$t],
                flags: &mut [u8],
                counts: &mut [u32],
            ) {
                let (decay, gain, bias, threshold) = (c.decay, c.gain, c.bias, c.threshold);
                let n = v
                    .len()
                    .min(current.len())
                    .min(flags.len())
                    .min(counts.len());
                let (v, current, flags, counts) = (
                    &mut v[..n],
                    &current[..n],
                    &mut flags[..n],
                    &mut counts[..n],
                );
                match c.reset {
                    ResetKind::To(r) => {
                        for i in 0..n {
                            let x = decay * v[i] + gain * current[i] + bias;
                            let s = x > threshold;
                            v[i] = if s { r } else { x };
                            flags[i] = s as u8;
                            counts[i] += s as u32;
                        }
                    }
                    ResetKind::Subtract => {
                        for i in 0..n {
                            let x = decay * v[i] + gain * current[i] + bias;
                            let s = x > threshold;
                            v[i] = if s { x - threshold } else { x };
                            flags[i] = s as u8;
                            counts[i] += s as u32;
                        }
                    }
                }
            }
        }

        impl Real for $t {
            #[inline]
            fn sum_rows(
                w: &[Self],
                stride: usize,
                first: &[u32],
                second: &[u32],
                offset: usize,
                out: &mut [Self],
            ) {
                $sum_mod::sum_rows(w, stride, first, second, offset, out)
            }

            #[allow(private_interfaces)]
            fn lif_update(
                c: &LifConsts<Self>,
                v: &mut [Self],
                current: &[Self],
                refractory: &mut [u16],
                flags: &mut [u8],
                counts: &mut [u32],
            ) {
                let reset_to = match c.reset {
                    ResetKind::To(r) => Some(r),
                    ResetKind::Subtract => None,
                };
                if c.refractory == 0 {
                    $sum_mod::lif_plain(c, v, current, flags, counts);
                    return;
                }
                // Refractory neurons hold their (reset) potential and ignore input.
                for i in 0..v.len() {
                    if refractory[i] > 0 {
                        refractory[i] -= 1;
                        flags[i] = 0;
                        continue;
                    }
                    let x = c.decay * v[i] + c.gain * current[i] + c.bias;
                    let s = x > c.threshold;
                    v[i] = match (s, reset_to) {
                        (false, _) => x,
                        (true, Some(r)) => r,
                        (true, None) => x - c.threshold,
                    };
                    if s {
                        refractory[i] = c.refractory;
                    }
                    flags[i] = s as u8;
                    counts[i] += s as u32;
                }
            }
        }
    };
}

impl_real!(f32, 128, 256, kernels_f32);
impl_real!(f64, 64, 128, kernels_f64);

/// Appends the indices `i` with `flags[i] != 0` to `out`, in ascending order.
/// `flags` holds 0 or 1 per neuron.
pub(crate) fn collect_spikes(flags: &[u8], out: &mut Vec<u32>) {
    // Gather 64 flags into one bit mask (8 bytes at a time: multiplying a word
    // of 0/1 bytes by this constant moves byte k's bit to bit 56 + k), then walk
    // the set bits: a few branches per 64 neurons instead of one per spike.
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut blocks = flags.chunks_exact(64);
    let mut base = 0u32;
    for block in &mut blocks {
        let mut mask = 0u64;
        for (k, bytes) in block.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]));
            mask |= (word.wrapping_mul(GATHER) >> 56) << (8 * k);
        }
        while mask != 0 {
            out.push(base + mask.trailing_zeros());
            mask &= mask - 1;
        }
        base += 64;
    }
    for (k, &f) in blocks.remainder().iter().enumerate() {
        if f != 0 {
            out.push(base + k as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_sum<F: Real>(
        w: &[F],
        stride: usize,
        first: &[u32],
        second: &[u32],
        offset: usize,
    ) -> Vec<F> {
        let mut out = vec![F::ZERO; stride];
        for &r in first.iter() {
            for j in 0..stride {
                out[j] += w[r as usize * stride + j];
            }
        }
        for &r in second.iter() {
            for j in 0..stride {
                out[j] += w[(r as usize + offset) * stride + j];
            }
        }
        out
    }

    fn check_sum<F: Real>(n_cols: usize) {
        let stride = padded(n_cols);
        let rows = 37;
        let w: Vec<F> = (0..rows * stride)
            .map(|k| F::from_f64(((k * 7919) % 1000) as f64 / 997.0 - 0.5))
            .collect();
        let first = [0u32, 3, 3, 10, 20];
        let second = [1u32, 2, 16];
        let mut out = vec![F::from_f64(99.0); stride];
        F::sum_rows(&w, stride, &first, &second, 20, &mut out);
        // Same additions in the same order: bit-identical.
        assert_eq!(
            out,
            reference_sum(&w, stride, &first, &second, 20),
            "{} cols {n_cols}",
            F::NAME
        );
    }

    #[test]
    fn row_sums_equal_the_plain_loop_for_every_chunk_remainder() {
        for n in [1usize, 15, 16, 17, 100, 128, 200, 256, 300, 513] {
            check_sum::<f32>(n);
            check_sum::<f64>(n);
        }
    }

    #[test]
    fn empty_row_lists_give_zero() {
        let w = vec![1.0f32; 32 * 4];
        let mut out = vec![5.0f32; 32];
        f32::sum_rows(&w, 32, &[], &[], 0, &mut out);
        assert!(out.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn spikes_are_collected_in_order() {
        let mut flags = vec![0u8; 203];
        let on = [0usize, 7, 8, 63, 64, 127, 128, 191, 192, 200, 202];
        for i in on {
            flags[i] = 1;
        }
        let mut out = Vec::new();
        collect_spikes(&flags, &mut out);
        assert_eq!(out, on.iter().map(|&i| i as u32).collect::<Vec<_>>());
        // Every single neuron on its own, for all lengths up to 130.
        for n in 1..130 {
            for i in 0..n {
                let mut f = vec![0u8; n];
                f[i] = 1;
                let mut out = Vec::new();
                collect_spikes(&f, &mut out);
                assert_eq!(out, vec![i as u32]);
            }
        }
    }

    #[test]
    fn lif_update_integrates_tests_strictly_and_resets() {
        let c = LifConsts {
            decay: 0.5f64,
            gain: 2.0,
            bias: 0.0,
            threshold: 1.0,
            reset: ResetKind::To(0.0),
            refractory: 0,
        };
        let mut v = vec![0.0, 0.0, 1.0, 0.5];
        let current = [0.5, 0.25, 0.4, 0.6];
        let mut refr = vec![0u16; 4];
        let mut flags = vec![0u8; 4];
        let mut counts = vec![0u32; 4];
        f64::lif_update(&c, &mut v, &current, &mut refr, &mut flags, &mut counts);
        // 0 + 1.0 = 1.0 is not > 1 (strict); 0.5; 0.5 + 0.8 = 1.3 fires; 0.25 + 1.2 = 1.45 fires.
        assert_eq!(flags, vec![0, 0, 1, 1]);
        assert_eq!(v, vec![1.0, 0.5, 0.0, 0.0]);
        assert_eq!(counts, vec![0, 0, 1, 1]);
        let sub = LifConsts {
            reset: ResetKind::Subtract,
            ..c
        };
        let mut v = vec![1.0];
        f64::lif_update(&sub, &mut v, &[0.4], &mut [0], &mut [0], &mut [0]);
        assert!((v[0] - 0.3).abs() < 1e-15, "{}", v[0]);
    }

    #[test]
    fn refractory_neurons_ignore_input() {
        let c = LifConsts {
            decay: 1.0f32,
            gain: 1.0,
            bias: 0.0,
            threshold: 1.0,
            reset: ResetKind::To(0.0),
            refractory: 2,
        };
        let (mut v, mut refr, mut flags, mut counts) =
            (vec![0.0f32], vec![0u16], vec![0u8], vec![0u32]);
        let mut fired = Vec::new();
        for _ in 0..6 {
            f32::lif_update(&c, &mut v, &[1.5], &mut refr, &mut flags, &mut counts);
            fired.push(flags[0]);
        }
        // Fires, silent for two steps, fires again...
        assert_eq!(fired, vec![1, 0, 0, 1, 0, 0]);
        assert_eq!(counts[0], 2);
    }
}
