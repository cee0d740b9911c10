//! Progress of long stages, reported to whoever runs the pipeline.
//!
//! The pipeline announces stages and counts finished work items (samples
//! binned, samples encoded, epochs, sweep runs); a [`Progress`] implementation
//! shows them. The command layer installs one with [`install`] (terminal bars
//! with an ETA, or plain lines when standard error is not a terminal); a
//! library user who installs none sees nothing. Like a `tracing` subscriber,
//! the reporter is process-wide: it observes the run and never changes a
//! result.

use std::sync::{Arc, RwLock};

/// Shows the progress of a run.
pub trait Progress: Send + Sync {
    /// A counter of `len` work items described by `message`.
    fn bar(&self, len: u64, message: &str) -> Box<dyn Bar>;

    /// Stage `name` started.
    fn stage_started(&self, name: &str) {
        tracing::info!("{name} ...");
    }

    /// Stage `name` finished after `seconds`.
    fn stage_finished(&self, name: &str, seconds: f64) {
        tracing::info!("{name}: {seconds:.1} s");
    }
}

/// One counter of work items.
pub trait Bar: Send + Sync {
    /// `n` more items are done.
    fn inc(&self, n: u64);
    /// `position` items are done.
    fn set_position(&self, position: u64);
    /// The work is over (done or abandoned).
    fn finish(&self);
}

/// Shows nothing but the stage lines of `tracing`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

struct NoBar;

impl Bar for NoBar {
    fn inc(&self, _: u64) {}
    fn set_position(&self, _: u64) {}
    fn finish(&self) {}
}

impl Progress for Quiet {
    fn bar(&self, _: u64, _: &str) -> Box<dyn Bar> {
        Box::new(NoBar)
    }
}

static REPORTER: RwLock<Option<Arc<dyn Progress>>> = RwLock::new(None);

/// Installs `progress` as the process's reporter (replacing any earlier one).
pub fn install(progress: Arc<dyn Progress>) {
    // A poisoned lock only means a reporter panicked; replacing it is safe.
    let mut slot = REPORTER.write().unwrap_or_else(|e| e.into_inner());
    *slot = Some(progress);
}

/// The installed reporter ([`Quiet`] when none is).
pub fn reporter() -> Arc<dyn Progress> {
    let slot = REPORTER.read().unwrap_or_else(|e| e.into_inner());
    slot.clone().unwrap_or_else(|| Arc::new(Quiet))
}

/// A counter on the installed reporter.
pub fn bar(len: u64, message: &str) -> Box<dyn Bar> {
    reporter().bar(len, message)
}
