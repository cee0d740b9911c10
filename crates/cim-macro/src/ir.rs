//! IR drop: nodal analysis of the active sub-network of one read cycle.
//!
//! In a 1T1R array only the selected rows conduct (the access transistors
//! of the other rows are off), so the live network of a cycle is `k` active
//! rows by the `n` columns of the partition (columns outside the partition
//! are disconnected from the sense amplifiers and, at equal row voltages,
//! carry no current). Row `a` (physical row `rho_a`) is driven at `V_a`
//! from the left edge through the driver resistance `R_s`; column `m`
//! (physical column `c_m`) ends at the bottom edge in a TIA whose virtual
//! ground holds it at 0 V. Cell `(a, m)` sits `c_m + 1` row-wire segments
//! from its driver and `rows - rho_a` column-wire segments from its TIA.
//! Unknowns are the row-wire node voltages `U[a][m]` and the column-wire
//! node voltages `W[a][m]` at every cell; the cell (conductance `g` in
//! series with the access resistance) joins them. Kirchhoff's current law
//! at every node gives a symmetric, positive-definite M-matrix.
//!
//! Solver: block Gauss-Seidel by lines ("line relaxation"). Given `W`, each
//! row wire is a tridiagonal system in its `U` (Thomas algorithm); given
//! `U`, each column wire is one in its `W`. Sweeping all rows, then all
//! columns, is block Gauss-Seidel on an SPD matrix, which converges for
//! any starting point; the sweep stops when no node moved more than
//! `tolerance_v`. The tridiagonal factors depend only on the conductances,
//! so they are computed once per cycle and each sweep costs two
//! substitutions per node. A zero row-wire resistance collapses a row to
//! one node; zero column-wire resistance pins a column to 0 V; with every
//! resistance zero the result is the ideal `I_m = sum_a g V_a`.
//!
//! The current into TIA `m` is `I_m = sum_a g[a][m] (U[a][m] - W[a][m])`
//! (all cell currents of the column flow to its TIA).

// Index loops over several parallel arrays read like the equations.
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

use crate::error::{Error, Result};
use crate::params::IrDropParams;

/// Reusable buffers for one partition (sized for `k_max` rows by `n`
/// columns).
///
/// Row wires are solved for all rows in lockstep (inner loop over rows) on
/// arrays laid out `[m][a]`, column wires for all columns in lockstep
/// (inner loop over columns) on arrays laid out `[a][m]`; the two node
/// voltage sets are transposed between the half-sweeps. Every inner loop is
/// then contiguous and free of loop-carried dependencies, so it vectorises,
/// instead of walking one 400-node dependency chain at a time.
#[derive(Clone, Debug)]
pub(crate) struct IrWork {
    n: usize,
    /// Cell conductances, `[a][m]` (filled by the caller).
    pub(crate) g: Vec<f64>,
    /// Column-side arrays, `[a][m]`.
    u_am: Vec<f64>,
    w_am: Vec<f64>,
    col_inv: Vec<f64>,
    col_e: Vec<f64>,
    col_tmp: Vec<f64>,
    /// Row-side arrays, `[m][a]`.
    g_ma: Vec<f64>,
    u_ma: Vec<f64>,
    w_ma: Vec<f64>,
    row_inv: Vec<f64>,
    row_e: Vec<f64>,
    row_tmp: Vec<f64>,
    /// Per-row scratch (length `k_max`).
    lane: Vec<f64>,
    lane2: Vec<f64>,
    /// Zeros (length `n`).
    lane_zero: Vec<f64>,
    /// Row-wire conductance into node `m` from its left (`[0]` from the
    /// driver).
    seg_row: Vec<f64>,
    /// Currents into the TIAs, A (length `n`).
    pub(crate) currents: Vec<f64>,
}

/// The fixed geometry of a partition's sub-network.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry<'a> {
    /// Physical columns of the partition, ascending.
    pub(crate) cols: &'a [u32],
    /// Rows of the array (the TIAs sit below the last one).
    pub(crate) array_rows: u32,
    /// The wire parameters.
    pub(crate) params: &'a IrDropParams,
}

/// Forward substitution of one node across all lines:
/// `y = (g x + c prev) inv`.
#[inline(always)]
fn forward_step(y: &mut [f64], g: &[f64], x: &[f64], inv: &[f64], c: f64, prev: &[f64]) {
    for ((((y, &g), &x), &inv), &p) in y.iter_mut().zip(g).zip(x).zip(inv).zip(prev) {
        *y = (g * x + c * p) * inv;
    }
}

/// Back substitution of one node across all lines,
/// `u = y + e next` (or `u = y` at the end of the lines); returns the
/// largest change as the bits of a non-negative `f64`.
#[inline(always)]
fn back_step(u: &mut [f64], y: &[f64], next: Option<(&[f64], &[f64])>) -> u64 {
    let mut change = 0u64;
    match next {
        Some((e, nx)) => {
            for (((u, &y), &e), &nx) in u.iter_mut().zip(y).zip(e).zip(nx) {
                let x = y + e * nx;
                change = change.max((x - *u).abs().to_bits());
                *u = x;
            }
        }
        None => {
            for (u, &y) in u.iter_mut().zip(y) {
                change = change.max((y - *u).abs().to_bits());
                *u = y;
            }
        }
    }
    change
}

/// `dst[m * k + a] = src[a * n + m]`.
#[inline(always)]
fn transpose(src: &[f64], dst: &mut [f64], k: usize, n: usize) {
    const B: usize = 8;
    for a0 in (0..k).step_by(B) {
        for m0 in (0..n).step_by(B) {
            for a in a0..(a0 + B).min(k) {
                for m in m0..(m0 + B).min(n) {
                    dst[m * k + a] = src[a * n + m];
                }
            }
        }
    }
}

impl IrWork {
    pub(crate) fn new(k_max: usize, n: usize) -> IrWork {
        let kn = k_max * n;
        IrWork {
            n,
            g: vec![0.0; kn],
            u_am: vec![0.0; kn],
            w_am: vec![0.0; kn],
            col_inv: vec![0.0; kn],
            col_e: vec![0.0; kn],
            col_tmp: vec![0.0; kn],
            g_ma: vec![0.0; kn],
            u_ma: vec![0.0; kn],
            w_ma: vec![0.0; kn],
            row_inv: vec![0.0; kn],
            row_e: vec![0.0; kn],
            row_tmp: vec![0.0; kn],
            lane: vec![0.0; k_max],
            lane2: vec![0.0; k_max],
            lane_zero: vec![0.0; n],
            seg_row: vec![0.0; n],
            currents: vec![0.0; n],
        }
    }

    /// Solves the network of rows `rows` (physical, strictly ascending)
    /// driven at `v` (V), with the cell conductances already in
    /// `self.g[..rows.len() * n]`. Leaves the TIA currents in
    /// `self.currents` and returns the sweeps used.
    pub(crate) fn solve(&mut self, geo: &Geometry<'_>, rows: &[u32], v: &[f64]) -> Result<usize> {
        solve(self, geo, rows, v)
    }
}

/// The body of [`IrWork::solve`], compiled for several instruction sets.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
fn solve(w: &mut IrWork, geo: &Geometry<'_>, rows: &[u32], v: &[f64]) -> Result<usize> {
    w.solve_body(geo, rows, v)
}

impl IrWork {
    #[inline(always)]
    fn solve_body(&mut self, geo: &Geometry<'_>, rows: &[u32], v: &[f64]) -> Result<usize> {
        let (k, n) = (rows.len(), self.n);
        let p = geo.params;
        let kn = k * n;
        let row_mode = RowMode::of(p);
        let col = ColSegments {
            rows,
            array_rows: geo.array_rows,
            r_col: p.r_col_ohm,
        };
        let col_wire = p.r_col_ohm > 0.0;
        let single_pass = matches!(row_mode, RowMode::Fixed) || !col_wire;
        transpose(&self.g[..kn], &mut self.g_ma[..kn], k, n);
        if let RowMode::Wire = row_mode {
            self.factor_rows(geo, k);
        }
        if col_wire {
            self.factor_cols(&col);
        }
        self.start(&v[..k]);

        let mut sweeps = 0;
        loop {
            sweeps += 1;
            // The largest node change, as the bits of a non-negative f64 (whose
            // order is the numeric order), so the reduction vectorises.
            let mut change: u64 = 0;
            // Rows, given W.
            match row_mode {
                RowMode::Fixed => {}
                RowMode::OneNode(g_src) => {
                    change = change.max(self.sweep_rows_one_node(g_src, v, k))
                }
                RowMode::Wire => change = change.max(self.sweep_rows_wire(v, k)),
            }
            if !matches!(row_mode, RowMode::Fixed) {
                transpose(&self.u_ma[..kn], &mut self.u_am[..kn], n, k);
            }
            // Columns, given U.
            if col_wire {
                change = change.max(self.sweep_cols(&col));
                transpose(&self.w_am[..kn], &mut self.w_ma[..kn], k, n);
            }
            // With the rows or the columns pinned, one sweep solves the
            // other block exactly.
            let change = f64::from_bits(change);
            if change <= p.tolerance_v || single_pass {
                break;
            }
            if sweeps >= p.max_iterations as usize {
                return Err(Error::IrDropNotConverged {
                    iterations: sweeps,
                    change_v: change,
                    tolerance_v: p.tolerance_v,
                });
            }
        }
        self.tia_currents(k);
        Ok(sweeps)
    }

    /// Row wires: the conductance of each segment, and the tridiagonal
    /// factors of the `k` rows (all rows in lockstep).
    #[inline(always)]
    fn factor_rows(&mut self, geo: &Geometry<'_>, k: usize) {
        let n = self.n;
        let (r_row, r_src) = (geo.params.r_row_ohm, geo.params.r_source_ohm);
        for (m, &c) in geo.cols.iter().enumerate() {
            self.seg_row[m] = if m == 0 {
                1.0 / (r_src + f64::from(c + 1) * r_row)
            } else {
                1.0 / (f64::from(c - geo.cols[m - 1]) * r_row)
            };
        }
        // prev[a] = gl_m^2 / denom_{m-1}
        let prev = &mut self.lane[..k];
        prev.fill(0.0);
        for m in 0..n {
            let gl = self.seg_row[m];
            let gr = if m + 1 < n { self.seg_row[m + 1] } else { 0.0 };
            let g = &self.g_ma[m * k..(m + 1) * k];
            let inv = &mut self.row_inv[m * k..(m + 1) * k];
            let e = &mut self.row_e[m * k..(m + 1) * k];
            for a in 0..k {
                let i = 1.0 / (gl + gr + g[a] - prev[a]);
                inv[a] = i;
                e[a] = gr * i;
                prev[a] = gr * gr * i;
            }
        }
    }

    /// Column wires: the tridiagonal factors of the `n` columns (all
    /// columns in lockstep).
    #[inline(always)]
    fn factor_cols(&mut self, col: &ColSegments<'_>) {
        let (k, n) = (col.rows.len(), self.n);
        for a in 0..k {
            let (gu, gd) = (col.at(a), col.at(a + 1));
            // Coupling to the next node down (none below the last row:
            // that conductance goes to ground).
            let coupling = if a + 1 < k { gd } else { 0.0 };
            let (done, rest) = self.col_inv.split_at_mut(a * n);
            let inv = &mut rest[..n];
            let e = &mut self.col_e[a * n..(a + 1) * n];
            let g = &self.g[a * n..(a + 1) * n];
            if a == 0 {
                for m in 0..n {
                    let i = 1.0 / (gu + gd + g[m]);
                    inv[m] = i;
                    e[m] = coupling * i;
                }
            } else {
                let above = &done[(a - 1) * n..];
                for m in 0..n {
                    let i = 1.0 / (gu + gd + g[m] - gu * gu * above[m]);
                    inv[m] = i;
                    e[m] = coupling * i;
                }
            }
        }
    }

    /// The ideal state: rows at their drive `v`, columns at 0 V.
    #[inline(always)]
    fn start(&mut self, v: &[f64]) {
        let (k, n) = (v.len(), self.n);
        let kn = k * n;
        for m in 0..n {
            self.u_ma[m * k..(m + 1) * k].copy_from_slice(v);
        }
        for a in 0..k {
            self.u_am[a * n..(a + 1) * n].fill(v[a]);
        }
        self.w_am[..kn].fill(0.0);
        self.w_ma[..kn].fill(0.0);
    }

    /// One half-sweep over rows without wire resistance: each row node is
    /// the conductance-weighted mean of its driver and its cells' column
    /// nodes. Returns the largest change (bits of a non-negative `f64`).
    #[inline(always)]
    fn sweep_rows_one_node(&mut self, g_src: f64, v: &[f64], k: usize) -> u64 {
        let n = self.n;
        let mut change = 0u64;
        let (num, den) = (&mut self.lane[..k], &mut self.lane2[..k]);
        for a in 0..k {
            num[a] = g_src * v[a];
            den[a] = g_src;
        }
        for m in 0..n {
            let g = &self.g_ma[m * k..(m + 1) * k];
            let w = &self.w_ma[m * k..(m + 1) * k];
            for a in 0..k {
                num[a] += g[a] * w[a];
                den[a] += g[a];
            }
        }
        for a in 0..k {
            num[a] /= den[a];
        }
        for m in 0..n {
            let u = &mut self.u_ma[m * k..(m + 1) * k];
            for a in 0..k {
                change = change.max((num[a] - u[a]).abs().to_bits());
                u[a] = num[a];
            }
        }
        change
    }

    /// One half-sweep over row wires: a tridiagonal solve per row given
    /// `W`. Returns the largest change (bits of a non-negative `f64`).
    #[inline(always)]
    fn sweep_rows_wire(&mut self, v: &[f64], k: usize) -> u64 {
        let n = self.n;
        let mut change = 0u64;
        // Forward: node 0 is fed by the driver, node m > 0 by
        // node m - 1.
        let g0 = self.seg_row[0];
        for m in 0..n {
            let (done, rest) = self.row_tmp.split_at_mut(m * k);
            let y = &mut rest[..k];
            let r = m * k..(m + 1) * k;
            let (g, w, inv) = (
                &self.g_ma[r.clone()],
                &self.w_ma[r.clone()],
                &self.row_inv[r],
            );
            if m == 0 {
                forward_step(y, g, w, inv, g0, &v[..k]);
            } else {
                let left = &done[(m - 1) * k..m * k];
                forward_step(y, g, w, inv, self.seg_row[m], left);
            }
        }
        // Backward.
        for m in (0..n).rev() {
            let (head, right) = self.u_ma.split_at_mut((m + 1) * k);
            let u = &mut head[m * k..(m + 1) * k];
            let y = &self.row_tmp[m * k..(m + 1) * k];
            let next = (m + 1 < n).then(|| (&self.row_e[m * k..(m + 1) * k], &right[..k]));
            change = change.max(back_step(u, y, next));
        }
        change
    }

    /// One half-sweep over column wires: a tridiagonal solve per column
    /// given `U`. Returns the largest change (bits of a non-negative `f64`).
    #[inline(always)]
    fn sweep_cols(&mut self, col: &ColSegments<'_>) -> u64 {
        let (k, n) = (col.rows.len(), self.n);
        let mut change = 0u64;
        for a in 0..k {
            let gu = col.at(a);
            let (done, rest) = self.col_tmp.split_at_mut(a * n);
            let cur = &mut rest[..n];
            let r = a * n..(a + 1) * n;
            let (g, u, inv) = (&self.g[r.clone()], &self.u_am[r.clone()], &self.col_inv[r]);
            if a == 0 {
                forward_step(cur, g, u, inv, 0.0, &self.lane_zero[..n]);
            } else {
                let above = &done[(a - 1) * n..a * n];
                forward_step(cur, g, u, inv, gu, above);
            }
        }
        for a in (0..k).rev() {
            let (head, below) = self.w_am.split_at_mut((a + 1) * n);
            let w = &mut head[a * n..(a + 1) * n];
            let t = &self.col_tmp[a * n..(a + 1) * n];
            let next = (a + 1 < k).then(|| (&self.col_e[a * n..(a + 1) * n], &below[..n]));
            change = change.max(back_step(w, t, next));
        }
        change
    }

    /// The currents into the TIAs, `I_m = sum_a g[a][m] (U[a][m] - W[a][m])`.
    #[inline(always)]
    fn tia_currents(&mut self, k: usize) {
        let n = self.n;
        self.currents.fill(0.0);
        for a in 0..k {
            let r = a * n..(a + 1) * n;
            let (g, u, w) = (&self.g[r.clone()], &self.u_am[r.clone()], &self.w_am[r]);
            for m in 0..n {
                self.currents[m] += g[m] * (u[m] - w[m]);
            }
        }
    }
}

/// The column-wire conductances of one cycle's active rows.
#[derive(Clone, Copy)]
struct ColSegments<'a> {
    /// Physical active rows, strictly ascending.
    rows: &'a [u32],
    /// Rows of the array (the TIAs sit below the last one).
    array_rows: u32,
    /// Column-wire resistance per segment, Ohm (> 0 when used).
    r_col: f64,
}

impl ColSegments<'_> {
    /// The conductance between active row `a - 1` and `a` (0 above the
    /// first), or from the last row to the TIA at `a = k`.
    #[inline(always)]
    fn at(&self, a: usize) -> f64 {
        let (rows, k) = (self.rows, self.rows.len());
        if a == 0 {
            0.0
        } else if a < k {
            1.0 / (f64::from(rows[a] - rows[a - 1]) * self.r_col)
        } else {
            1.0 / (f64::from(self.array_rows - rows[k - 1]) * self.r_col)
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum RowMode {
    /// Row wires with resistance: a tridiagonal solve per row.
    Wire,
    /// No row-wire resistance: each row is one node behind the driver
    /// conductance.
    OneNode(f64),
    /// No resistance at all: rows sit at their drive voltage.
    Fixed,
}

impl RowMode {
    /// How the rows of a network with wire parameters `p` are solved.
    #[inline(always)]
    fn of(p: &IrDropParams) -> RowMode {
        if p.r_row_ohm > 0.0 {
            RowMode::Wire
        } else if p.r_source_ohm > 0.0 {
            RowMode::OneNode(1.0 / p.r_source_ohm)
        } else {
            RowMode::Fixed
        }
    }
}
