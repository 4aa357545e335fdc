//! One self-contained HTML page: profiles grouped by arch (rows) against
//! target sets (columns), each cell coloured by its verdict; a failing cell
//! opens (`<details>`) to its explanation. Inline CSS, a few lines of
//! inline script for the "only failing" filter, nothing fetched: the page
//! works as a CI artifact opened from disk.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::{escape, Cell, Counts, Generated, Matrix, Status};

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}
.summary{margin:.2em 0 1em;color:#444}
.summary b{color:#1d1d1f}
.counts span{display:inline-block;padding:.15em .6em;border-radius:.8em;margin-right:.4em;font-weight:600}
.counts span.zero{background:#eee;color:#888;font-weight:normal}
table{border-collapse:separate;border-spacing:0;font-size:13px}
th,td{border-bottom:1px solid #ddd;border-right:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f4f4f6;z-index:2;border-top:1px solid #ddd}
th.profile{position:sticky;left:0;background:#fff;z-index:1;font-weight:normal;font-family:ui-monospace,monospace;white-space:nowrap;border-left:1px solid #ddd}
thead th.profile{background:#f4f4f6;z-index:3}
.repo{color:#777}
tr.arch th{background:#e9e9ef;font-weight:600;text-align:left;position:sticky;left:0}
.installable{background:#dff3df}
td.installable{white-space:nowrap}
.not-installable{background:#f9d4d4}
.error{background:#ffe7a8}
td{min-width:9em}
summary{cursor:pointer;font-weight:600;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-word;max-width:70ch;margin:.4em 0 .2em;font-size:12px}
.kinds{font-weight:normal;color:#733}
summary code{font-weight:normal;font-size:12px}
.legend{margin:0 0 1em}
label{user-select:none}
body.only-failing tr.all-ok{display:none}
"#;

/// The two checkboxes; `#open` in the address opens every explanation
/// (for screenshots and links).
const SCRIPT: &str = r#"
var only=document.getElementById('only-failing'),open=document.getElementById('open-all');
only.addEventListener('change',function(){document.body.classList.toggle('only-failing',only.checked)});
function setOpen(v){open.checked=v;document.querySelectorAll('td details').forEach(function(d){d.open=v})}
open.addEventListener('change',function(){setOpen(open.checked)});
if(location.hash==='#open')setOpen(true);
"#;

pub fn write(out: &mut dyn Write, m: &Matrix, when: &Generated) -> Result<()> {
    let h = |s: &str| escape(s, false);
    let c = m.counts();
    let rows = m.rows();
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        out,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    )?;
    writeln!(
        out,
        "<title>portolan check: {} not installable, {} errors, {} cells</title>",
        c.not_installable,
        c.error,
        c.total()
    )?;
    writeln!(out, "<style>{STYLE}</style></head><body>")?;
    writeln!(out, "<h1>portolan check</h1>")?;
    writeln!(
        out,
        r#"<p class="summary counts"><span class="installable{}">{} installable</span><span class="not-installable{}">{} not installable</span><span class="error{}">{}</span> of {}: {} × {}</p>"#,
        zero(c.installable),
        c.installable,
        zero(c.not_installable),
        c.not_installable,
        zero(c.error),
        plural(c.error, "error"),
        plural(c.total(), "cell"),
        plural(rows.len(), "profile"),
        plural(m.run.targets.len(), "target set")
    )?;
    let repos: Vec<String> = m
        .run
        .repos
        .iter()
        .map(|r| match &r.revision {
            Some(rev) => format!("<b>{}</b> {}", h(&r.name), h(rev)),
            None => format!("<b>{}</b>", h(&r.name)),
        })
        .collect();
    let mut facts = vec![
        format!("repositories: {}", repos.join(", ")),
        format!("deps: <b>{}</b>", h(&m.run.deps)),
    ];
    if m.run.allow_use_changes {
        facts.push("USE changes allowed".to_owned());
    }
    if let Some(p) = m.run.partition {
        facts.push(format!(
            "part <b>{p}</b> of the matrix ({} profiles in all)",
            m.run.profiles
        ));
    }
    facts.push(format!("portolan <b>{}</b>", h(&m.run.portolan)));
    facts.push(format!("generated <b>{} UTC</b>", h(&when.0)));
    writeln!(out, r#"<p class="summary">{}</p>"#, facts.join(" · "))?;
    writeln!(
        out,
        r#"<p class="legend"><label><input type="checkbox" id="only-failing"> only profiles with a failing cell</label> · <label><input type="checkbox" id="open-all"> open every explanation</label></p>"#
    )?;

    writeln!(out, "<table>")?;
    write!(out, r#"<thead><tr><th class="profile">profile</th>"#)?;
    for t in &m.run.targets {
        write!(out, "<th>{}</th>", h(t))?;
    }
    writeln!(out, "</tr></thead>")?;
    // Arch groups in name order, unknown arch last; profiles keep their
    // matrix order inside a group.
    let mut by_arch: BTreeMap<(bool, &str), Vec<&[Cell]>> = BTreeMap::new();
    for row in &rows {
        let arch = row[0].arch.as_str();
        by_arch
            .entry((arch.is_empty(), arch))
            .or_default()
            .push(row);
    }
    let columns = m.run.targets.len() + 1;
    for ((_, arch), group) in &by_arch {
        let gc = Counts::of(group.iter().flat_map(|r| r.iter()));
        writeln!(out, "<tbody>")?;
        writeln!(
            out,
            r#"<tr class="arch"><th colspan="{columns}">{} <span class="repo">{}, {} not installable, {}</span></th></tr>"#,
            if arch.is_empty() {
                "(arch unknown)".to_owned()
            } else {
                h(arch)
            },
            plural(group.len(), "profile"),
            gc.not_installable,
            plural(gc.error, "error")
        )?;
        for row in group {
            write_row(out, m, row)?;
        }
        writeln!(out, "</tbody>")?;
    }
    writeln!(out, "</table>")?;
    writeln!(out, "<script>{SCRIPT}</script>")?;
    writeln!(out, "</body></html>")?;
    Ok(())
}

/// `1 profile`, `2 profiles`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Counts of zero are shown muted.
fn zero(n: usize) -> &'static str {
    if n == 0 {
        " zero"
    } else {
        ""
    }
}

fn write_row(out: &mut dyn Write, m: &Matrix, row: &[Cell]) -> Result<()> {
    let h = |s: &str| escape(s, false);
    let a = |s: &str| escape(s, true);
    let profile = &row[0].profile;
    let ok = row.iter().all(|c| c.status() == Status::Installable);
    let (repo, path) = profile.split_once(':').unwrap_or(("", profile));
    write!(
        out,
        r#"<tr{}><th class="profile" title="{}"><span class="repo">{}:</span>{}</th>"#,
        if ok { r#" class="all-ok""# } else { "" },
        a(profile),
        h(repo),
        h(path)
    )?;
    // A column per target, even if a merged part lacks one (left empty).
    for j in 0..m.run.targets.len() {
        let Some(cell) = row.iter().find(|c| c.position[1] == j) else {
            write!(out, "<td></td>")?;
            continue;
        };
        let status = cell.status();
        write!(
            out,
            r#"<td class="{}" data-profile="{}" data-set="{}">"#,
            status.as_str(),
            a(&cell.profile),
            a(&cell.set)
        )?;
        match status {
            Status::Installable => write!(
                out,
                "✓ installable <span class=\"repo\">({} packages)</span>",
                cell.solution.len()
            )?,
            Status::NotInstallable => {
                // The first problem's atom says most at a glance.
                let first = cell.problems.first().map_or(String::new(), |p| {
                    let more = match cell.problems.len() - 1 {
                        0 => String::new(),
                        n => format!(" +{n}"),
                    };
                    format!(" <code>{}</code>{more}", h(&p.atom))
                });
                write!(
                    out,
                    r#"<details><summary>✗ not installable <span class="kinds">{}</span>{first}</summary><pre>{}</pre></details>"#,
                    h(&cell.kinds().join(", ")),
                    h(&cell.explanation)
                )?
            }
            Status::Error => write!(
                out,
                r#"<details><summary>⚠ error <span class="kinds">profile does not load</span></summary><pre>{}</pre></details>"#,
                h(&cell.explanation)
            )?,
        }
        write!(out, "</td>")?;
    }
    writeln!(out, "</tr>")?;
    Ok(())
}
