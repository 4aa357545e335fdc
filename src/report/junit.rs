//! JUnit XML, the format CI systems (GitHub test-report actions, GitLab's
//! `artifacts:reports:junit`, Jenkins' junit step) read: a `<testsuite>`
//! per profile, a `<testcase>` per target set. A set that does not install
//! is a `<failure>` whose message is the first problem and whose body is
//! the whole explanation; a profile that could not be loaded makes each of
//! its cases an `<error>`. Only the attributes every one of those parsers
//! knows are used (`name`, `tests`, `failures`, `errors`, `skipped`,
//! `timestamp`, `classname`, `message`, `type`); no `time`, since a
//! report's bytes should not depend on the machine's speed.

use std::io::Write;

use anyhow::Result;

use super::{escape, Counts, Generated, Matrix, Status};

pub fn write(out: &mut dyn Write, m: &Matrix, when: &Generated) -> Result<()> {
    let a = |s: &str| escape(s, true);
    let t = |s: &str| escape(s, false);
    let all = m.counts();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="portolan check" tests="{}" failures="{}" errors="{}">"#,
        all.total(),
        all.not_installable,
        all.error
    )?;
    let repos = m
        .run
        .repos
        .iter()
        .map(|r| match &r.revision {
            Some(rev) => format!("{}@{rev}", r.name),
            None => r.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    for (id, row) in m.rows().into_iter().enumerate() {
        let first = &row[0];
        let c = Counts::of(row);
        writeln!(
            out,
            r#"  <testsuite name="{}" id="{id}" tests="{}" failures="{}" errors="{}" skipped="0" timestamp="{}">"#,
            a(&first.profile),
            c.total(),
            c.not_installable,
            c.error,
            when.0
        )?;
        writeln!(out, "    <properties>")?;
        for (name, value) in [
            ("arch", first.arch.as_str()),
            ("repositories", repos.as_str()),
            ("deps", m.run.deps.as_str()),
            ("portolan", m.run.portolan.as_str()),
        ] {
            writeln!(
                out,
                r#"      <property name="{name}" value="{}"/>"#,
                a(value)
            )?;
        }
        writeln!(out, "    </properties>")?;
        for cell in row {
            let open = format!(
                r#"    <testcase name="{}" classname="{}""#,
                a(&cell.set),
                a(&cell.profile)
            );
            match cell.status() {
                Status::Installable => writeln!(out, "{open}/>")?,
                Status::NotInstallable => {
                    writeln!(out, "{open}>")?;
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="{}">{}</failure>"#,
                        a(&cell.headline()),
                        a(&cell.kinds().join(",")),
                        t(&cell.explanation)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
                Status::Error => {
                    writeln!(out, "{open}>")?;
                    writeln!(
                        out,
                        r#"      <error message="{}" type="profile">{}</error>"#,
                        a(&cell.headline()),
                        t(&cell.explanation)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    Ok(())
}
