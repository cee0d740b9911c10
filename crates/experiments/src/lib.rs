//! What a reproduction of Lin et al. (2025) is, as a library: presets, data
//! sources, seeded splits with caps, the encode step (chip + reservoir ->
//! spike-count features), each figure's computation returning a typed
//! result, and parameter sweeps with their result store.
//!
//! The crates below it model the parts (`rram-device`, `cim-macro`, `lsm`,
//! `readout`, `events`, `costmodel`, `baselines`); this crate wires them the
//! way the paper's experiments do. It writes no figure (the `plots` crate
//! draws a [`FigureOutput`]'s [`Panels`]) and parses no command line (the
//! `xtask` command layer does); the only files it writes are a sweep's
//! result store ([`sweep::store`]), atomically, through [`output`].
//!
//! Entry points:
//!
//! | what | where |
//! |---|---|
//! | run one figure of the paper, get its numbers, report and panel data | [`run_figure`] with [`RunOptions`] |
//! | presets: TOML files in `data/presets/`, `[quick]` scales, overrides | [`preset`], [`Ctx::preset`] |
//! | the supervised pipeline (split, bin, encode, readout) of Fig. 2 / 3 | [`supervised`] |
//! | converged readouts, input-only controls, intervals and paired tests | [`controls`] |
//! | features of a figure's data on a saved chip, to `.npy` and back, and the converged readout on them | [`encode`] ([`encode::EncodedFiles`], [`encode::readout_encoded`]) |
//! | the zero-shot pipeline of Fig. 4 | [`fig4`] |
//! | device and macro statistics of Fig. 1 | [`fig1`] |
//! | the trained baselines run beside the LSM | [`baselines`] |
//! | sweeps: spec, plan, engine, result store, aggregates | [`sweep`] |
//! | progress of long stages, shown by the caller | [`progress`] |
//! | the keys of every seeded stream the reproductions draw from | [`streams`] |
//! | the golden numbers of the quick runs and their tolerances | [`golden`] |
//!
//! Randomness: one experiment seed; every component draws from its own
//! stream of `seeds` (the keys are listed in [`streams`]); parallel work
//! keys its streams by work item, so results do not depend on the number
//! of threads.
//!
//! ```
//! use experiments::{Figure, RunOptions, run_figure};
//!
//! // Fig. 1 at the quick scale: the formed macro's statistics.
//! let options = RunOptions { quick: true, ..RunOptions::default() };
//! let fig1 = run_figure(Figure::Fig1, &options)?;
//! let mean = fig1.summary.get_f64("formed_g_mean_us").unwrap();
//! assert!((mean - 14.25).abs() < 0.05, "{mean}");
//! // The same call with Figure::Fig2 runs the N-MNIST pipeline; the
//! // `plots` crate draws `fig1.panels`.
//! # Ok::<(), experiments::Error>(())
//! ```

pub mod baselines;
mod context;
pub mod controls;
pub mod encode;
mod error;
pub mod fig1;
pub mod fig2;
pub mod fig3;
pub mod fig4;
pub mod golden;
pub mod output;
pub mod preset;
pub mod progress;
pub mod repeats;
pub mod report;
mod run;
pub mod streams;
pub mod supervised;
pub mod sweep;
pub mod training_cost;
pub mod zero_shot_checks;

use std::path::PathBuf;

pub use context::{
    BASELINE_NAMES, Ctx, DataKind, DataOverrides, Figure, FigureOutput, RunOptions,
    apply_baseline_selection, apply_data_overrides,
};
pub use error::{Context, Error, Result};
pub use report::{Report, Row, Summary};
pub use run::{Panels, QUICK_LABEL, label_scale, run_figure};

/// The root of this checkout (the parent of `crates/`), where the committed
/// presets (`data/presets/`), sweeps (`data/sweeps/`) and technology tables
/// (`data/tech/`) live.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(manifest)
}
