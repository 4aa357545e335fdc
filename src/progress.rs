//! A progress bar for the matrix commands (`query`/`check --all-profiles`),
//! drawn on stderr only when stderr is a terminal: piped or redirected
//! runs (scripts, CI, the tests) see exactly the output they saw before.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Profiles done out of `len`; does nothing when stderr is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn profiles(len: usize) -> Progress {
        // One profile needs no bar, and a bar must not garble redirected stderr.
        if len < 2 || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} profiles, {elapsed} (eta {eta})")
        {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    /// Marks `n` more profiles done (callable from any thread).
    pub fn inc(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }

    /// Runs `f` (which prints to stderr) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
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
