//! The per-read noise generator: xoshiro256++ seeded from the caller's stream.
//!
//! A noisy read needs one standard normal per sensed column (200 for an
//! N-MNIST read). ChaCha8 costs about 3 ns per 64-bit word here, more than
//! the rest of the read, so each read takes two words from the caller's
//! stream and expands them with SplitMix64 into the states of nine
//! xoshiro256++ generators (Blackman and Vigna 2018; passes BigCrush): eight
//! lanes stepped together for bulk normals (the step vectorises) and one
//! scalar generator for the ziggurat's rare slow path. Results stay a pure
//! function of the caller's stream; the 128-bit per-read seeds make two
//! reads sharing a noise sequence vanishingly unlikely. The algorithms are
//! written out here (not `rand::rngs::SmallRng`, whose algorithm may change
//! between releases) so that numbers reproduce across versions.

use std::convert::Infallible;

use multiversion::multiversion;
use rand::{Rng, TryRng};

/// Parallel generators used for bulk normals.
const LANES: usize = 8;

/// xoshiro256++: one scalar generator (the [`rand::Rng`] interface and the
/// ziggurat's rare slow path) and `LANES` more, stored lane-wise so one
/// step of all of them vectorises (bulk normals).
#[derive(Clone, Debug)]
pub(crate) struct FastRng {
    s: [u64; 4],
    lanes: [[u64; LANES]; 4],
}

/// One SplitMix64 step.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl FastRng {
    /// A generator seeded with two words of `parent`.
    pub(crate) fn from_parent<R: Rng + ?Sized>(parent: &mut R) -> FastRng {
        let (mut a, mut b) = (parent.next_u64(), parent.next_u64());
        // SplitMix64 outputs of two independent chains; the state is never
        // all zero in practice, and if it were xoshiro would emit zeros
        // only, so guard it.
        let mut s = [
            splitmix64(&mut a),
            splitmix64(&mut b),
            splitmix64(&mut a),
            splitmix64(&mut b),
        ];
        if s == [0; 4] {
            s[0] = 1;
        }
        let mut lanes = [[0u64; LANES]; 4];
        for l in 0..LANES {
            for (w, word) in lanes.iter_mut().enumerate() {
                word[l] = if w % 2 == 0 {
                    splitmix64(&mut a)
                } else {
                    splitmix64(&mut b)
                };
            }
            if (0..4).all(|w| lanes[w][l] == 0) {
                lanes[0][l] = 1;
            }
        }
        FastRng { s, lanes }
    }
}

/// One step of every lane of `state`: `LANES` outputs.
#[inline(always)]
fn next_lanes(state: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    let [s0, s1, s2, s3] = state;
    let mut out = [0u64; LANES];
    for l in 0..LANES {
        out[l] = s0[l]
            .wrapping_add(s3[l])
            .rotate_left(23)
            .wrapping_add(s0[l]);
        let t = s1[l] << 17;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = s3[l].rotate_left(45);
    }
    out
}

/// Layers of the ziggurat.
const LAYERS: usize = 256;
/// Bits of a 32-bit draw that pick the layer.
const LAYER_BITS: u32 = 8;
/// Magnitude range of the 24-bit signed integer of a draw.
const M1: f64 = 8_388_608.0; // 2^23
/// Right edge of the base layer (Marsaglia and Tsang 2000, 256 layers).
const R: f64 = 3.654_152_885_361_009;
/// Area of each layer (same source).
const V: f64 = 4.928_673_233_99e-3;

/// The ziggurat tables of Marsaglia and Tsang (2000), "The Ziggurat Method
/// for Generating Random Variables", J. Stat. Softw. 5(8), scaled for a
/// 24-bit signed integer.
struct Tables {
    k: [u32; LAYERS],
    w: [f64; LAYERS],
    f: [f64; LAYERS],
}

fn tables() -> &'static Tables {
    static T: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = Tables {
            k: [0; LAYERS],
            w: [0.0; LAYERS],
            f: [0.0; LAYERS],
        };
        let (mut dn, mut tn) = (R, R);
        let q = V / (-0.5 * dn * dn).exp();
        t.k[0] = ((dn / q) * M1) as u32;
        t.k[1] = 0;
        t.w[0] = q / M1;
        t.w[LAYERS - 1] = dn / M1;
        t.f[0] = 1.0;
        t.f[LAYERS - 1] = (-0.5 * dn * dn).exp();
        for i in (1..LAYERS - 1).rev() {
            dn = (-2.0 * (V / dn + (-0.5 * dn * dn).exp()).ln()).sqrt();
            t.k[i + 1] = ((dn / tn) * M1) as u32;
            tn = dn;
            t.f[i] = (-0.5 * dn * dn).exp();
            t.w[i] = dn / M1;
        }
        t
    })
}

impl FastRng {
    /// A uniform in the open interval (0, 1).
    #[inline]
    fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Fills `z` with standard normals: the ziggurat of Marsaglia and Tsang
    /// (2000) with 256 layers, two draws per 64-bit word. Each 32-bit half
    /// gives the layer from its low 8 bits and a signed 24-bit abscissa
    /// from the other 24 (so layer and value use disjoint bits, avoiding the
    /// correlation Doornik (2005) found in the original); 99.3 % of draws
    /// take the fast path, the rest the exact wedge and tail tests.
    pub(crate) fn fill_normals(&mut self, z: &mut [f64]) {
        fill_normals(self, z);
    }

    #[cold]
    fn normal_slow(&mut self, mut hz: i32, mut iz: usize, t: &Tables) -> f64 {
        loop {
            let x = f64::from(hz) * t.w[iz];
            if iz == 0 {
                // The tail beyond R (Marsaglia 1964).
                loop {
                    let x = -self.open01().ln() / R;
                    let y = -self.open01().ln();
                    if y + y >= x * x {
                        return if hz > 0 { R + x } else { -R - x };
                    }
                }
            }
            if t.f[iz] + self.open01() * (t.f[iz - 1] - t.f[iz]) < (-0.5 * x * x).exp() {
                return x;
            }
            let bits = self.next_u64() as u32;
            iz = (bits as usize) & (LAYERS - 1);
            hz = (bits as i32) >> LAYER_BITS;
            if hz.unsigned_abs() < t.k[iz] {
                return f64::from(hz) * t.w[iz];
            }
        }
    }
}

/// Normals per block: two per output of each lane.
const BLOCK: usize = 2 * LANES;

/// The body of [`FastRng::fill_normals`], compiled for several instruction
/// sets: each block draws one word per lane, takes the fast path for all
/// sixteen halves at once (table lookups, no branches), then redoes the
/// rare draws that fall outside their rectangle with the exact scalar
/// wedge and tail tests.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
fn fill_normals(rng: &mut FastRng, z: &mut [f64]) {
    let t = tables();
    // The lane states live in registers during the loop.
    let mut lanes = rng.lanes;
    let mut chunks = z.chunks_exact_mut(BLOCK);
    for chunk in &mut chunks {
        rng.block(t, &mut lanes, chunk);
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut tmp = [0.0; BLOCK];
        rng.block(t, &mut lanes, &mut tmp);
        let len = rest.len();
        rest.copy_from_slice(&tmp[..len]);
    }
    rng.lanes = lanes;
}

impl FastRng {
    /// Sixteen normals into `out` (length `BLOCK`).
    #[inline(always)]
    fn block(&mut self, t: &Tables, lanes: &mut [[u64; LANES]; 4], out: &mut [f64]) {
        let words = next_lanes(lanes);
        let mut bits = [0u32; BLOCK];
        for l in 0..LANES {
            bits[l] = words[l] as u32;
            bits[LANES + l] = (words[l] >> 32) as u32;
        }
        let mut slow = 0u32;
        for (o, &b) in out.iter_mut().zip(&bits) {
            let iz = (b as usize) & (LAYERS - 1);
            let hz = (b as i32) >> LAYER_BITS;
            *o = f64::from(hz) * t.w[iz];
            slow |= u32::from(hz.unsigned_abs() >= t.k[iz]);
        }
        if slow != 0 {
            for (o, &b) in out.iter_mut().zip(&bits) {
                let iz = (b as usize) & (LAYERS - 1);
                let hz = (b as i32) >> LAYER_BITS;
                if hz.unsigned_abs() >= t.k[iz] {
                    *o = self.normal_slow(hz, iz, t);
                }
            }
        }
    }
}

impl TryRng for FastRng {
    type Error = Infallible;

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        Ok(out)
    }

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // The high bits are the better ones.
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let x = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_xoshiro256plusplus() {
        // First outputs from the state {1, 2, 3, 4}, computed with an
        // independent Python transcription of the reference C code
        // (xoshiro256plusplus.c by Blackman and Vigna).
        let mut r = FastRng {
            s: [1, 2, 3, 4],
            lanes: [[0; LANES]; 4],
        };
        let expected = [
            41943041u64,
            58720359,
            3588806011781223,
            3591011842654386,
            9228616714210784205,
            9973669472204895162,
        ];
        for e in expected {
            assert_eq!(r.next_u64(), e);
        }
    }

    #[test]
    fn ziggurat_draws_standard_normals() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let mut r =
            FastRng::from_parent(&mut seeds::Seeds::new(3).stream(seeds::Purpose::ReadNoise));
        let n = 1_000_000;
        let mut z = vec![0.0; n];
        r.fill_normals(&mut z);
        let mean = z.iter().sum::<f64>() / n as f64;
        let m2 = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let m3 = z.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n as f64;
        let m4 = z.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
        // Standard errors for n = 1e6 normal draws: mean 1e-3, variance
        // sqrt(2 / n) = 1.41e-3, skewness sqrt(6 / n) = 2.45e-3, excess
        // kurtosis sqrt(24 / n) = 4.9e-3; tolerances are 5 of them.
        assert!(mean.abs() < 5e-3, "mean {mean}");
        assert!((m2 - 1.0).abs() < 5.0 * 1.41e-3, "variance {m2}");
        assert!((m3 / m2.powf(1.5)).abs() < 5.0 * 2.45e-3, "skewness");
        assert!((m4 / (m2 * m2) - 3.0).abs() < 5.0 * 4.9e-3, "kurtosis");
        // Kolmogorov-Smirnov against the normal CDF: the 1e-6 critical
        // value of D for n = 1e6 is sqrt(-ln(1e-6 / 2) / (2 n)) = 2.7e-3.
        z.sort_unstable_by(f64::total_cmp);
        let phi = Normal::standard();
        let d = z
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let c = phi.cdf(x);
                (c - i as f64 / n as f64)
                    .abs()
                    .max(((i + 1) as f64 / n as f64 - c).abs())
            })
            .fold(0.0, f64::max);
        assert!(d < 2.7e-3, "KS distance {d}");
        // The tail beyond the base layer's edge R and beyond 4: expected
        // counts 2 n (1 - Phi(x)) = 576 and 63, Poisson, 5 sigma.
        for (edge, expected) in [
            (R, 2.0 * phi.sf(R) * n as f64),
            (4.0, 2.0 * phi.sf(4.0) * n as f64),
        ] {
            let count = z.iter().filter(|x| x.abs() > edge).count() as f64;
            assert!(
                (count - expected).abs() < 5.0 * expected.sqrt(),
                "tail {edge}: {count} vs {expected}"
            );
        }
    }

    #[test]
    fn splitmix_matches_its_reference() {
        // SplitMix64 from seed 1234567, computed with an independent Python
        // transcription of Vigna's reference C code.
        let mut s = 1_234_567u64;
        assert_eq!(splitmix64(&mut s), 6457827717110365317);
        assert_eq!(splitmix64(&mut s), 3203168211198807973);
    }
}
