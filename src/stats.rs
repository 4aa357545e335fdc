//! `--stats`: how long the command took and its peak memory, on stderr,
//! so benchmarks can read both from one run (bench/harness/scaling.py).

use std::time::Instant;

/// Peak resident set size in KiB (`VmHWM` of /proc/self/status), where
/// the system reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Prints `portolan: stats: wall S s, peak RSS N KiB` for a run started at `start`.
pub fn report(start: Instant) {
    let wall = start.elapsed().as_secs_f64();
    match peak_rss_kib() {
        Some(kib) => eprintln!("portolan: stats: wall {wall:.3} s, peak RSS {kib} KiB"),
        None => eprintln!("portolan: stats: wall {wall:.3} s, peak RSS unknown"),
    }
}
