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

use crate::error::{Error, Result};
use crate::params::IrDropParams;

/// Reusable buffers for one partition (sized for `k_max` rows by `n`
/// columns).
#[derive(Clone, Debug)]
pub(crate) struct IrWork {
    n: usize,
    /// Cell conductances, `k x n` row-major (filled by the caller).
    pub(crate) g: Vec<f64>,
    u: Vec<f64>,
    w: Vec<f64>,
    row_inv: Vec<f64>,
    row_e: Vec<f64>,
    col_inv: Vec<f64>,
    col_e: Vec<f64>,
    tmp: Vec<f64>,
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

impl IrWork {
    pub(crate) fn new(k_max: usize, n: usize) -> IrWork {
        let kn = k_max * n;
        IrWork {
            n,
            g: vec![0.0; kn],
            u: vec![0.0; kn],
            w: vec![0.0; kn],
            row_inv: vec![0.0; kn],
            row_e: vec![0.0; kn],
            col_inv: vec![0.0; kn],
            col_e: vec![0.0; kn],
            tmp: vec![0.0; kn],
            seg_row: vec![0.0; n],
            currents: vec![0.0; n],
        }
    }

    /// Solves the network of rows `rows` (physical, strictly ascending)
    /// driven at `v` (V), with the cell conductances already in
    /// `self.g[..rows.len() * n]`. Leaves the TIA currents in
    /// `self.currents` and returns the sweeps used.
    pub(crate) fn solve(&mut self, geo: &Geometry<'_>, rows: &[u32], v: &[f64]) -> Result<usize> {
        let (k, n) = (rows.len(), self.n);
        let p = geo.params;
        let kn = k * n;
        let (r_row, r_col, r_src) = (p.r_row_ohm, p.r_col_ohm, p.r_source_ohm);
        let row_mode = if r_row > 0.0 {
            RowMode::Wire
        } else if r_src > 0.0 {
            RowMode::OneNode(1.0 / r_src)
        } else {
            RowMode::Fixed
        };
        let col_wire = r_col > 0.0;
        let single_pass = matches!(row_mode, RowMode::Fixed) || !col_wire;

        // Row wires: conductance of each segment, and the factors.
        if let RowMode::Wire = row_mode {
            for (m, &c) in geo.cols.iter().enumerate() {
                self.seg_row[m] = if m == 0 {
                    1.0 / (r_src + f64::from(c + 1) * r_row)
                } else {
                    1.0 / (f64::from(c - geo.cols[m - 1]) * r_row)
                };
            }
            for a in 0..k {
                let g = &self.g[a * n..(a + 1) * n];
                let inv = &mut self.row_inv[a * n..(a + 1) * n];
                let e = &mut self.row_e[a * n..(a + 1) * n];
                let mut prev = 0.0; // gl_m^2 / denom_{m-1}
                for m in 0..n {
                    let gl = self.seg_row[m];
                    let gr = if m + 1 < n { self.seg_row[m + 1] } else { 0.0 };
                    let denom = gl + gr + g[m] - prev;
                    inv[m] = 1.0 / denom;
                    e[m] = gr * inv[m];
                    prev = gr * gr * inv[m];
                }
            }
        }
        // Column wires: conductance between row a - 1 and a, and to ground.
        let seg_col = |a: usize| -> f64 {
            if a == 0 {
                0.0
            } else if a < k {
                1.0 / (f64::from(rows[a] - rows[a - 1]) * r_col)
            } else {
                1.0 / (f64::from(geo.array_rows - rows[k - 1]) * r_col)
            }
        };
        if col_wire {
            for a in 0..k {
                let gu = seg_col(a);
                let gd = seg_col(a + 1);
                // Coupling to the next node down (none below the last row:
                // that conductance goes to ground).
                let coupling = if a + 1 < k { gd } else { 0.0 };
                for m in 0..n {
                    let prev = if a == 0 {
                        0.0
                    } else {
                        gu * gu * self.col_inv[(a - 1) * n + m]
                    };
                    let denom = gu + gd + self.g[a * n + m] - prev;
                    let inv = 1.0 / denom;
                    self.col_inv[a * n + m] = inv;
                    self.col_e[a * n + m] = coupling * inv;
                }
            }
        }

        // Start from the ideal state: rows at their drive, columns at 0 V.
        for a in 0..k {
            self.u[a * n..(a + 1) * n].fill(v[a]);
        }
        self.w[..kn].fill(0.0);

        let mut sweeps = 0;
        loop {
            sweeps += 1;
            let mut change: f64 = 0.0;
            // Rows, given W.
            match row_mode {
                RowMode::Fixed => {}
                RowMode::OneNode(g_src) => {
                    for a in 0..k {
                        let (mut num, mut den) = (g_src * v[a], g_src);
                        for m in 0..n {
                            let g = self.g[a * n + m];
                            num += g * self.w[a * n + m];
                            den += g;
                        }
                        let x = num / den;
                        for u in &mut self.u[a * n..(a + 1) * n] {
                            change = change.max((x - *u).abs());
                            *u = x;
                        }
                    }
                }
                RowMode::Wire => {
                    for a in 0..k {
                        let r = a * n..(a + 1) * n;
                        let (g, w) = (&self.g[r.clone()], &self.w[r.clone()]);
                        let (inv, e) = (&self.row_inv[r.clone()], &self.row_e[r.clone()]);
                        let (u, tmp) = (&mut self.u[r.clone()], &mut self.tmp[r]);
                        // Node 0 is fed by the driver; node m > 0 by node m - 1.
                        let mut y = (g[0] * w[0] + self.seg_row[0] * v[a]) * inv[0];
                        tmp[0] = y;
                        for m in 1..n {
                            y = (g[m] * w[m] + self.seg_row[m] * y) * inv[m];
                            tmp[m] = y;
                        }
                        let mut x = 0.0;
                        for m in (0..n).rev() {
                            x = tmp[m] + e[m] * x;
                            change = change.max((x - u[m]).abs());
                            u[m] = x;
                        }
                    }
                }
            }
            // Columns, given U (all columns in lockstep, row by row).
            if col_wire {
                for a in 0..k {
                    let gu = seg_col(a);
                    let (done, rest) = self.tmp.split_at_mut(a * n);
                    let prev = if a == 0 {
                        None
                    } else {
                        Some(&done[(a - 1) * n..])
                    };
                    let cur = &mut rest[..n];
                    let g = &self.g[a * n..(a + 1) * n];
                    let u = &self.u[a * n..(a + 1) * n];
                    let inv = &self.col_inv[a * n..(a + 1) * n];
                    match prev {
                        None => {
                            for m in 0..n {
                                cur[m] = g[m] * u[m] * inv[m];
                            }
                        }
                        Some(prev) => {
                            for m in 0..n {
                                cur[m] = (g[m] * u[m] + gu * prev[m]) * inv[m];
                            }
                        }
                    }
                }
                for a in (0..k).rev() {
                    let (head, below) = self.w.split_at_mut((a + 1) * n);
                    let w = &mut head[a * n..];
                    let e = &self.col_e[a * n..(a + 1) * n];
                    let t = &self.tmp[a * n..(a + 1) * n];
                    if a + 1 < k {
                        let next = &below[..n];
                        for m in 0..n {
                            let x = t[m] + e[m] * next[m];
                            change = change.max((x - w[m]).abs());
                            w[m] = x;
                        }
                    } else {
                        for m in 0..n {
                            change = change.max((t[m] - w[m]).abs());
                            w[m] = t[m];
                        }
                    }
                }
            }
            // With the rows or the columns pinned, one sweep solves the
            // other block exactly.
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
        self.currents.fill(0.0);
        for a in 0..k {
            for m in 0..n {
                let i = a * n + m;
                self.currents[m] += self.g[i] * (self.u[i] - self.w[i]);
            }
        }
        Ok(sweeps)
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
