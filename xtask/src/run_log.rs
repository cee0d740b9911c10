//! The run log: while a reproduction runs, every `tracing` line also goes
//! to `<out>/.reproduce.partial.log`; a run that succeeds renames it to
//! `<out>/reproduce.log`, and a failed one leaves it where it is and says so.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// The open log file, if a run is logging.
static LOG: Mutex<Option<File>> = Mutex::new(None);

/// The `tracing` writer that copies lines into the open log (and drops
/// them when no run is logging).
pub(crate) struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut log) = LOG.lock()
            && let Some(file) = log.as_mut()
        {
            file.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Ok(mut log) = LOG.lock()
            && let Some(file) = log.as_mut()
        {
            file.flush()?;
        }
        Ok(())
    }
}

/// A run's log, open until [`RunLog::finish`].
#[derive(Debug)]
pub struct RunLog {
    partial: PathBuf,
    done: PathBuf,
}

impl RunLog {
    /// Starts logging into `<out>/.reproduce.partial.log` (created afresh).
    pub fn start(out: &Path) -> Result<Self> {
        std::fs::create_dir_all(out)
            .with_context(|| format!("creating the output folder {}", out.display()))?;
        let partial = out.join(".reproduce.partial.log");
        let file = File::create(&partial)
            .with_context(|| format!("creating the run log {}", partial.display()))?;
        if let Ok(mut log) = LOG.lock() {
            *log = Some(file);
        }
        Ok(Self {
            partial,
            done: out.join("reproduce.log"),
        })
    }

    /// Where the log is being written.
    pub fn partial(&self) -> &Path {
        &self.partial
    }

    /// Stops logging; a successful run's log becomes `<out>/reproduce.log`
    /// and its path is returned, a failed run's stays at the partial path.
    pub fn finish(self, success: bool) -> Result<PathBuf> {
        if let Ok(mut log) = LOG.lock()
            && let Some(mut file) = log.take()
        {
            file.flush()
                .with_context(|| format!("writing the run log {}", self.partial.display()))?;
        }
        if !success {
            return Ok(self.partial);
        }
        std::fs::rename(&self.partial, &self.done).with_context(|| {
            format!(
                "renaming the run log {} to {}",
                self.partial.display(),
                self.done.display()
            )
        })?;
        Ok(self.done)
    }
}
