//! The physical limit of an event-driven reservoir step, measured in the
//! same process as the reservoir it bounds.
//!
//! Each synaptic event is one f32 addition of a weight into a neuron's input
//! current. The roofline kernel does nothing else: every step it adds
//! [`ROWS_PER_STEP`] rows of [`ROW_LEN`] weights, chosen at random from a
//! [`MATRIX_ROWS`]-row matrix that stays in the core's cache, into an
//! accumulator held in registers, then decays the accumulator (as a
//! membrane would) and stores it, so no addition can be dropped. The
//! workload is that of `rowadd_roofline.c` in the project's shared bench
//! folder (22 rows of 200 from 456 per step, the standard workload's mean
//! active rows), and like that program's `-march=native` build it runs
//! with the widest vector instructions the CPU has (run-time dispatch).
//! Reservoir throughput divided by [`RowAddRoofline::adds_per_s`] is the
//! fraction of the limit a backend reaches.
//!
//! ```
//! let r = lsm::roofline::measure(20_000, 1);
//! assert!(r.adds_per_s > 0.0);
//! ```

use std::time::Instant;

use multiversion::multiversion;
use serde::Serialize;

use crate::synapses::AlignedRows;

/// Weights per row (the standard workload's neurons).
pub const ROW_LEN: usize = 200;
/// Rows added per step (about the standard workload's active rows per
/// step: 5 % of 256 inputs plus the recurrent spikes).
pub const ROWS_PER_STEP: usize = 22;
/// Rows of the weight matrix the rows are drawn from (256 inputs and 200
/// neurons).
pub const MATRIX_ROWS: usize = 456;
/// The accumulator, padded to a whole number of 16-lane vectors.
const PADDED: usize = 208;

/// One roofline measurement.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RowAddRoofline {
    /// Row additions (one f32 add per weight) per second per thread, the
    /// best of the repeats.
    pub adds_per_s: f64,
    /// Threads that ran the kernel at once (each on its own copy).
    pub threads: usize,
    /// Steps per repeat and thread.
    pub steps: u64,
    /// Sum of the final accumulators (keeps the work observable).
    pub checksum: f64,
}

/// A linear congruential step (the C program's generator).
#[inline(always)]
fn lcg(s: &mut u32) -> u32 {
    *s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
    *s >> 8
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
fn kernel(w: &[f32], acc: &mut [f32; PADDED], steps: u64, seed: &mut u32) {
    let mut idx = [0usize; ROWS_PER_STEP];
    for _ in 0..steps {
        for i in &mut idx {
            *i = lcg(seed) as usize % MATRIX_ROWS;
        }
        let mut a = *acc;
        for &r in &idx {
            if let Some(row) = w.get(r * PADDED..).and_then(|s| s.first_chunk::<PADDED>()) {
                for j in 0..PADDED {
                    a[j] += row[j];
                }
            }
        }
        for j in 0..PADDED {
            acc[j] = a[j] * 0.9;
        }
    }
}

/// Runs the kernel for `steps` steps on each of `threads` threads at once,
/// three times, and reports the best repeat's rate per thread.
pub fn measure(steps: u64, threads: usize) -> RowAddRoofline {
    let threads = threads.max(1);
    let run = |t: usize| -> (f64, f64) {
        let mut seed = 12_345u32.wrapping_add(t as u32);
        // Rows start on cache lines, as the reservoir's do (and the C
        // program's `aligned_alloc(64, ...)`): a row that straddles lines
        // costs twice the loads.
        let mut rows = AlignedRows::<f32>::zeros(MATRIX_ROWS * PADDED);
        let w = rows.as_mut_slice();
        for (i, v) in w.iter_mut().enumerate() {
            let x = lcg(&mut seed) as f32 / 16_777_216.0 - 0.5;
            // The padding columns stay zero: they are not counted.
            *v = if i % PADDED < ROW_LEN { x } else { 0.0 };
        }
        let mut acc = [0f32; PADDED];
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let start = Instant::now();
            kernel(w, &mut acc, steps, &mut seed);
            best = best.min(start.elapsed().as_secs_f64());
        }
        let checksum = acc[..ROW_LEN].iter().map(|&v| f64::from(v)).sum();
        (best, checksum)
    };
    let results: Vec<(f64, f64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|t| scope.spawn(move || run(t))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or((f64::INFINITY, f64::NAN)))
            .collect()
    });
    // The slowest thread bounds what all of them sustain together.
    let seconds = results.iter().map(|r| r.0).fold(0.0, f64::max);
    let adds = steps as f64 * (ROWS_PER_STEP * ROW_LEN) as f64;
    RowAddRoofline {
        adds_per_s: adds / seconds,
        threads,
        steps,
        checksum: results.iter().map(|r| r.1).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_adds_every_row_and_decays() {
        // Rows of ones: after one step every counted column holds
        // 0.9 * ROWS_PER_STEP; the padding stays zero.
        let w: Vec<f32> = (0..MATRIX_ROWS * PADDED)
            .map(|i| if i % PADDED < ROW_LEN { 1.0 } else { 0.0 })
            .collect();
        let mut acc = [0f32; PADDED];
        let mut seed = 1;
        kernel(&w, &mut acc, 1, &mut seed);
        let want = 0.9 * ROWS_PER_STEP as f32;
        assert!(
            acc[..ROW_LEN].iter().all(|&v| (v - want).abs() < 1e-4),
            "{acc:?}"
        );
        assert!(acc[ROW_LEN..].iter().all(|&v| v == 0.0));
    }
}
