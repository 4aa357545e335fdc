//! A progress bar for the matrix commands (`query`/`check --all-profiles`),
//! drawn on stderr only when stderr is a terminal: piped or redirected
//! runs (scripts, CI, the tests) see exactly the output they saw before.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Profiles (or other items) done out of `len`; does nothing when stderr
/// is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn profiles(len: usize) -> Progress {
        Progress::of(len, "profiles")
    }

    /// `len` things called `what` (`"versions answered"`).
    pub fn of(len: usize, what: &str) -> Progress {
        // One item needs no bar, and a bar must not garble redirected stderr.
        if len < 2 || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        let template = format!("{{bar:40}} {{pos}}/{{len}} {what}, {{elapsed}} (eta {{eta}})");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    /// Marks `n` more items done (callable from any thread).
    pub fn inc(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
