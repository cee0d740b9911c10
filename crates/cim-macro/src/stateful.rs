//! Telegraph and 1/f noise states of a partition's cells, per scratch.
//!
//! A [`crate::ReadScratch`] counts its reads; read `t` happens
//! `t * read_interval_s` after the first. A row's cells are drawn from the
//! stationary distribution the first time the row is read and are then
//! advanced exactly over the time since the row's previous read (the
//! two-state chain and the Ornstein-Uhlenbeck components have closed-form
//! transitions for any interval), so rows that are never read cost nothing
//! and the result has the same law as advancing every cell at every read.

use rand::Rng;
use rram_device::{CellNoise, NoiseModel, NoiseStep};

use crate::error::Result;

/// The noise states of one partition (plus and minus cell of every pair of
/// every row, `rows x 2 cols`, pair-interleaved).
#[derive(Clone, Debug)]
pub(crate) struct CellStates {
    cols: usize,
    cells: Vec<CellNoise>,
    /// Tick of each row's last read (0: never read).
    last: Vec<u64>,
    /// Reads so far.
    tick: u64,
    /// Transition constants for a gap of one read.
    step1: NoiseStep,
}

impl CellStates {
    pub(crate) fn new(model: &NoiseModel, rows: usize, cols: usize, dt_s: f64) -> Result<Self> {
        Ok(CellStates {
            cols,
            cells: vec![CellNoise::default(); rows * 2 * cols],
            last: vec![0; rows],
            tick: 0,
            step1: model.step(dt_s)?,
        })
    }

    /// Forgets every state (a new, independent sample).
    pub(crate) fn reset(&mut self) {
        self.last.fill(0);
        self.tick = 0;
    }

    /// Starts a read.
    pub(crate) fn begin_read(&mut self) {
        self.tick += 1;
    }

    /// Brings row `row`'s cells to the current read. `g_s(j, minus)` is the
    /// nominal conductance of the plus (`minus = false`) or minus cell of
    /// pair `j`.
    pub(crate) fn touch_row<R: Rng + ?Sized>(
        &mut self,
        model: &NoiseModel,
        row: usize,
        dt_s: f64,
        g_s: impl Fn(usize, bool) -> f64,
        rng: &mut R,
    ) -> Result<()> {
        let cells = &mut self.cells[row * 2 * self.cols..(row + 1) * 2 * self.cols];
        let last = self.last[row];
        if last == self.tick {
            return Ok(());
        }
        if last == 0 {
            for (i, c) in cells.iter_mut().enumerate() {
                *c = model.init_cell(g_s(i / 2, i % 2 == 1), rng);
            }
        } else {
            let gap = self.tick - last;
            let step;
            let s = if gap == 1 {
                &self.step1
            } else {
                step = model.step(gap as f64 * dt_s)?;
                &step
            };
            for c in cells.iter_mut() {
                s.advance(c, rng);
            }
        }
        self.last[row] = self.tick;
        Ok(())
    }

    /// The conductance offsets (S) of the plus and minus cell of pair `j`
    /// of row `row`.
    #[inline]
    pub(crate) fn offsets_s(&self, row: usize, j: usize) -> (f64, f64) {
        let base = row * 2 * self.cols + 2 * j;
        (self.cells[base].offset_s(), self.cells[base + 1].offset_s())
    }
}
