//! The panels of the paper's figures and of sweeps, drawn from the typed
//! results of the `experiments` crate: each builder returns the figure's
//! [`Artifacts`] (panels with captions, and the plotted data as CSV). The
//! figures of `docs/emulators.md` are drawn from event streams
//! ([`emulators`]).

pub mod emulators;
mod fig1;
mod fig4;
mod supervised;
mod sweep;

pub use fig1::fig1;
pub use fig4::fig4;
pub use supervised::supervised;
pub use sweep::sweep;

use crate::{Artifacts, Result};

/// Draws the panels of any figure's output.
pub fn figure(panels: &experiments::Panels) -> Result<Artifacts> {
    match panels {
        experiments::Panels::Fig1(p) => fig1(p),
        experiments::Panels::Supervised(p) => supervised(p),
        experiments::Panels::Fig4(p) => fig4(p),
    }
}
