//! The terminal's view of a run's progress: indicatif bars with an ETA when
//! standard error is a terminal, plain lines (no ANSI codes) otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use experiments::progress::{Bar, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Reports progress on standard error.
#[derive(Debug)]
pub struct Terminal {
    tty: bool,
}

impl Terminal {
    /// Bars when standard error is a terminal, lines otherwise.
    pub fn new() -> Self {
        Terminal {
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

struct Indicatif(ProgressBar);

impl Bar for Indicatif {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn set_position(&self, position: u64) {
        self.0.set_position(position);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Plain lines: one at every tenth of the work, and one at the end.
struct Lines {
    message: String,
    len: u64,
    start: Instant,
    state: Mutex<(u64, u64)>,
}

impl Lines {
    fn advance(&self, to: impl FnOnce(u64) -> u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = to(s.0).min(self.len);
        let tenth = (s.0 * 10).checked_div(self.len).unwrap_or(0);
        if tenth > s.1 && s.0 < self.len {
            s.1 = tenth;
            let elapsed = self.start.elapsed().as_secs_f64();
            let eta = elapsed * (self.len - s.0) as f64 / s.0.max(1) as f64;
            eprintln!(
                "{}: {}/{} ({:.0} s, about {:.0} s left)",
                self.message, s.0, self.len, elapsed, eta
            );
        }
    }
}

impl Bar for Lines {
    fn inc(&self, n: u64) {
        self.advance(|p| p + n);
    }
    fn set_position(&self, position: u64) {
        self.advance(|_| position);
    }
    fn finish(&self) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.len > 0 {
            eprintln!(
                "{}: {}/{} in {:.1} s",
                self.message,
                s.0,
                self.len,
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

impl Progress for Terminal {
    fn bar(&self, len: u64, message: &str) -> Box<dyn Bar> {
        if self.tty {
            let bar = ProgressBar::new(len);
            bar.set_draw_target(ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{msg:>24} [{bar:40}] {pos}/{len} ({eta} left)")
                    .map(|s| s.progress_chars("=> "))
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(message.to_owned());
            Box::new(Indicatif(bar))
        } else {
            Box::new(Lines {
                message: message.to_owned(),
                len,
                start: Instant::now(),
                state: Mutex::new((0, 0)),
            })
        }
    }
}
