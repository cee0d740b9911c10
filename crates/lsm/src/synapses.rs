//! Synapse backends: what computes a step's synaptic currents.

use costmodel::OpCounts;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use seeds::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::real::{Real, padded};
use param_guard::ParamError;

/// Computes the synaptic currents of one step,
/// `I_j = sum_{i active} W_in[i, j] + sum_{k spiked} W_rec[k, j]`.
///
/// Implementations are the ideal floating-point weights ([`DenseSynapses`])
/// and the simulated crossbar (the `macro` backend). A backend is shared by
/// all threads while a dataset is encoded; per-sample mutable state lives in
/// its `Scratch`, and per-read randomness comes from the per-sample `rng`
/// (keyed by sample index), so results do not depend on threads.
pub trait Synapses<F: Real>: Sync {
    /// Per-sample mutable state (buffers, noise states).
    type Scratch: Send;

    /// Number of input rows.
    fn n_in(&self) -> usize;

    /// Number of recurrent neurons (output columns).
    fn n_res(&self) -> usize;

    /// A short name for reports (`"ideal"`, `"macro"`).
    fn name(&self) -> &'static str;

    /// Fresh per-sample state.
    fn new_scratch(&self) -> Result<Self::Scratch>;

    /// Writes the currents into `out` (length `padded(n_res)`; entries past
    /// `n_res` are ignored) for the active input rows `inputs` (sorted,
    /// `< n_in`) and the neurons `spiked` at the previous step (sorted,
    /// `< n_res`), and adds what it did to `ops`.
    fn currents(
        &self,
        inputs: &[u32],
        spiked: &[u32],
        out: &mut [F],
        scratch: &mut Self::Scratch,
        rng: &mut ChaCha8Rng,
        ops: &mut OpCounts,
    ) -> Result<()>;

    /// The effective (noise-free) weights as a dense `(n_in + n_res) x n_res`
    /// row-major matrix, input rows first: for analysis (spectral radius) and
    /// for building digital twins.
    fn dense_weights(&self) -> Vec<f64>;
}

/// Ideal synapses: fixed floating-point weights, the paper's "software"
/// reservoir.
///
/// Stored fan-out first: row `i` (an input channel, or `n_in + k` for
/// recurrent neuron `k`) holds the weights from that presynaptic unit to every
/// reservoir neuron, contiguous and padded to a multiple of 16, which is what
/// an event-driven step reads.
#[derive(Debug)]
pub struct DenseSynapses<F: Real> {
    n_in: usize,
    n_res: usize,
    stride: usize,
    w: AlignedRows<F>,
}

/// Row-major weights whose first element sits on a 64-byte boundary, so
/// that every padded row starts on a cache line (a row that straddles cache
/// lines costs twice the loads; measured 2x slower on the standard workload).
#[derive(Debug)]
pub(crate) struct AlignedRows<F> {
    storage: Vec<F>,
    offset: usize,
    len: usize,
}

impl<F: Real> AlignedRows<F> {
    pub(crate) fn zeros(len: usize) -> Self {
        let slack = 64 / size_of::<F>();
        let storage = vec![F::ZERO; len + slack];
        let offset = storage.as_ptr().align_offset(64).min(slack);
        Self {
            storage,
            offset,
            len,
        }
    }

    fn from_slice(values: &[F]) -> Self {
        let mut out = Self::zeros(values.len());
        out.as_mut_slice().copy_from_slice(values);
        out
    }

    pub(crate) fn as_slice(&self) -> &[F] {
        &self.storage[self.offset..self.offset + self.len]
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [F] {
        &mut self.storage[self.offset..self.offset + self.len]
    }
}

impl<F: Real> Clone for AlignedRows<F> {
    fn clone(&self) -> Self {
        // A plain Vec clone may land on another alignment: re-align.
        Self::from_slice(self.as_slice())
    }
}

impl<F: Real> Clone for DenseSynapses<F> {
    fn clone(&self) -> Self {
        Self {
            n_in: self.n_in,
            n_res: self.n_res,
            stride: self.stride,
            w: self.w.clone(),
        }
    }
}

impl<F: Real> PartialEq for DenseSynapses<F> {
    fn eq(&self, other: &Self) -> bool {
        self.n_in == other.n_in
            && self.n_res == other.n_res
            && self.w.as_slice() == other.w.as_slice()
    }
}

impl<F: Real> DenseSynapses<F> {
    /// Builds the weights from a function of `(presynaptic row, neuron)`:
    /// rows `0..n_in` are inputs, rows `n_in..n_in + n_res` recurrent neurons.
    pub fn from_fn(
        n_in: usize,
        n_res: usize,
        mut weight: impl FnMut(usize, usize) -> f64,
    ) -> Result<Self> {
        let stride = padded(n_res);
        let rows = n_in + n_res;
        let mut aligned = AlignedRows::zeros(rows * stride);
        let w = aligned.as_mut_slice();
        for r in 0..rows {
            for c in 0..n_res {
                let x = weight(r, c);
                if !x.is_finite() {
                    return Err(Error::NonFiniteWeight {
                        row: r,
                        column: c,
                        value: x,
                    });
                }
                w[r * stride + c] = F::from_f64(x);
            }
        }
        Ok(Self {
            n_in,
            n_res,
            stride,
            w: aligned,
        })
    }

    /// Builds the weights from matrices in the usual neuroscience layout, row
    /// = receiving neuron: `w_in` is `n_res x n_in`, `w_rec` is
    /// `n_res x n_res`, both row-major.
    pub fn from_receiver_major(
        n_in: usize,
        n_res: usize,
        w_in: &[f64],
        w_rec: &[f64],
    ) -> Result<Self> {
        if w_in.len() != n_res * n_in {
            return Err(Error::ShapeMismatch {
                what: "w_in",
                expected: n_res * n_in,
                found: w_in.len(),
            });
        }
        if w_rec.len() != n_res * n_res {
            return Err(Error::ShapeMismatch {
                what: "w_rec",
                expected: n_res * n_res,
                found: w_rec.len(),
            });
        }
        Self::from_fn(n_in, n_res, |r, c| {
            if r < n_in {
                w_in[c * n_in + r]
            } else {
                w_rec[c * n_res + (r - n_in)]
            }
        })
    }

    /// Builds the weights from a dense `(n_in + n_res) x n_res` row-major
    /// matrix in fan-out order (row = presynaptic input or neuron), the
    /// layout of [`Synapses::dense_weights`].
    pub fn from_fan_out(n_in: usize, n_res: usize, w: &[f64]) -> Result<Self> {
        let expected = (n_in + n_res) * n_res;
        if w.len() != expected {
            return Err(Error::ShapeMismatch {
                what: "fan-out weights",
                expected,
                found: w.len(),
            });
        }
        Self::from_fn(n_in, n_res, |r, c| w[r * n_res + c])
    }

    /// Independent Gaussian weights, `W_in ~ N(0, sigma_in)` and
    /// `W_rec ~ N(0, sigma_rec)` (the standard benchmark workload uses 0.12 and
    /// 0.9 / sqrt(200)). Drawn row by row, fan-out order.
    pub fn gaussian<R: Rng + ?Sized>(
        n_in: usize,
        n_res: usize,
        sigma_in: f64,
        sigma_rec: f64,
        rng: &mut R,
    ) -> Result<Self> {
        let normal = |field: &str, s: f64| {
            let bad = || {
                Error::InvalidParameter(ParamError {
                    field: field.to_owned(),
                    value: s.to_string(),
                    allowed: "finite and non-negative".to_owned(),
                })
            };
            if !(s.is_finite() && s >= 0.0) {
                return Err(bad());
            }
            Normal::new(0.0, s).map_err(|_| bad())
        };
        let d_in = normal("sigma_in", sigma_in)?;
        let d_rec = normal("sigma_rec", sigma_rec)?;
        Self::from_fn(n_in, n_res, |r, _| {
            if r < n_in {
                d_in.sample(rng)
            } else {
                d_rec.sample(rng)
            }
        })
    }

    /// The weight from presynaptic row `row` to neuron `neuron`.
    pub fn weight(&self, row: usize, neuron: usize) -> F {
        self.w.as_slice()[row * self.stride + neuron]
    }

    /// Multiplies every recurrent weight by `factor` (e.g. to set the
    /// spectral radius of `W_rec`).
    pub fn scale_recurrent(&mut self, factor: f64) {
        let f = F::from_f64(factor);
        let start = self.n_in * self.stride;
        for x in &mut self.w.as_mut_slice()[start..] {
            *x *= f;
        }
    }

    /// Converts to the other floating-point type (weights rounded).
    pub fn convert<G: Real>(&self) -> DenseSynapses<G> {
        DenseSynapses {
            n_in: self.n_in,
            n_res: self.n_res,
            stride: self.stride,
            w: AlignedRows::from_slice(
                &self
                    .w
                    .as_slice()
                    .iter()
                    .map(|x| G::from_f64(x.to_f64()))
                    .collect::<Vec<G>>(),
            ),
        }
    }
}

impl<F: Real> Synapses<F> for DenseSynapses<F> {
    type Scratch = ();

    fn n_in(&self) -> usize {
        self.n_in
    }

    fn n_res(&self) -> usize {
        self.n_res
    }

    fn name(&self) -> &'static str {
        "ideal"
    }

    fn new_scratch(&self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn currents(
        &self,
        inputs: &[u32],
        spiked: &[u32],
        out: &mut [F],
        _: &mut (),
        _: &mut ChaCha8Rng,
        ops: &mut OpCounts,
    ) -> Result<()> {
        F::sum_rows(
            self.w.as_slice(),
            self.stride,
            inputs,
            spiked,
            self.n_in,
            out,
        );
        let rows = (inputs.len() + spiked.len()) as u64;
        let n = self.n_res as u64;
        ops.add_fp32 += rows * n;
        ops.sram_reads += rows * n;
        Ok(())
    }

    fn dense_weights(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity((self.n_in + self.n_res) * self.n_res);
        for r in 0..self.n_in + self.n_res {
            out.extend(
                self.w.as_slice()[r * self.stride..r * self.stride + self.n_res]
                    .iter()
                    .map(|x| x.to_f64()),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn receiver_major_layout_is_transposed_into_fan_out() {
        // n_in = 2, n_res = 3: w_in[j][i] = 10 j + i, w_rec[j][k] = 100 + 10 j + k.
        let w_in: Vec<f64> = (0..3)
            .flat_map(|j| (0..2).map(move |i| (10 * j + i) as f64))
            .collect();
        let w_rec: Vec<f64> = (0..3)
            .flat_map(|j| (0..3).map(move |k| (100 + 10 * j + k) as f64))
            .collect();
        let s = DenseSynapses::<f64>::from_receiver_major(2, 3, &w_in, &w_rec).unwrap();
        assert_eq!(s.weight(1, 2), 21.0); // input 1 -> neuron 2
        assert_eq!(s.weight(2, 1), 110.0); // recurrent 0 (row n_in + 0) -> neuron 1
        let mut out = vec![0.0; padded(3)];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut ops = OpCounts::default();
        s.currents(&[0, 1], &[2], &mut out, &mut (), &mut rng, &mut ops)
            .unwrap();
        // neuron j: (10j + 0) + (10j + 1) + (100 + 10j + 2)
        assert_eq!(&out[..3], &[103.0, 133.0, 163.0]);
        assert_eq!(ops.add_fp32, 9);
        assert_eq!(s.dense_weights()[2 * 3 + 1], 110.0);
    }

    #[test]
    fn shape_and_value_errors_are_named() {
        let err =
            DenseSynapses::<f32>::from_receiver_major(2, 3, &[0.0; 5], &[0.0; 9]).unwrap_err();
        assert!(err.to_string().contains("w_in"), "{err}");
        let err =
            DenseSynapses::<f32>::from_fn(
                2,
                2,
                |r, c| if (r, c) == (1, 1) { f64::NAN } else { 0.0 },
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("row 1") && err.to_string().contains("column 1"),
            "{err}"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let err = DenseSynapses::<f32>::gaussian(2, 2, -1.0, 0.1, &mut rng).unwrap_err();
        assert!(err.to_string().contains("sigma_in"), "{err}");
    }

    #[test]
    fn gaussian_weights_have_the_requested_spread() {
        // 256 x 200 input weights: the sample std of 51,200 normals is within
        // 1.5 % of sigma with probability > 0.999 (std error 0.31 %).
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let s = DenseSynapses::<f64>::gaussian(256, 200, 0.12, 0.05, &mut rng).unwrap();
        let w = s.dense_weights();
        let (inp, rec) = w.split_at(256 * 200);
        let std = |x: &[f64]| (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
        assert!((std(inp) / 0.12 - 1.0).abs() < 0.015, "{}", std(inp));
        assert!((std(rec) / 0.05 - 1.0).abs() < 0.03, "{}", std(rec));
    }

    #[test]
    fn rows_start_on_cache_lines_after_clone_and_conversion() {
        let s = DenseSynapses::<f32>::from_fn(3, 20, |r, c| (r + c) as f64).unwrap();
        let aligned = |p: *const u8| (p as usize).is_multiple_of(64);
        assert!(aligned(s.w.as_slice().as_ptr().cast()));
        let c = s.clone();
        assert!(aligned(c.w.as_slice().as_ptr().cast()));
        assert_eq!(c, s);
        let d: DenseSynapses<f64> = s.convert();
        assert!(aligned(d.w.as_slice().as_ptr().cast()));
        assert!(d.stride.is_multiple_of(16));
    }

    #[test]
    fn scaling_and_conversion() {
        let mut s = DenseSynapses::<f64>::from_fn(1, 2, |r, c| (r * 2 + c) as f64 + 0.5).unwrap();
        s.scale_recurrent(2.0);
        assert_eq!(s.weight(0, 1), 1.5);
        assert_eq!(s.weight(2, 0), 9.0);
        let f: DenseSynapses<f32> = s.convert();
        assert_eq!(f.weight(2, 1), 11.0f32);
    }
}
