//! Migrations as people read them: one line per migration, one per statement to look at, and
//! the verdict of `check-migrations`.

use crate::migrations::{Class, FileStatus, Migration};
use crate::outcome::CheckMigrations;

/// One line per migration and one per statement that is neither additive nor safe, with any
/// acknowledgement.
pub fn migration_lines(migrations: &[Migration]) -> Vec<String> {
    let mut lines = Vec::new();
    for m in migrations {
        let status = match m.status {
            FileStatus::Added => "added",
            FileStatus::Modified => "edited old migration",
        };
        let acknowledged = m
            .findings
            .iter()
            .filter(|f| f.class.refuses() && f.acknowledged.is_some())
            .count();
        let also = if acknowledged > 0 {
            format!(" ({acknowledged} finding(s) acknowledged)")
        } else {
            String::new()
        };
        lines.push(format!(
            "{} ({status}): {}{also}",
            crate::git::shown_path(&m.file),
            m.class.as_str()
        ));
        for f in m
            .findings
            .iter()
            .filter(|f| !matches!(f.class, Class::Additive | Class::Safe))
        {
            let acknowledged = match &f.acknowledged {
                Some(why) => format!(" [acknowledged: {why}]"),
                None => String::new(),
            };
            let statement = if f.statement.is_empty() {
                String::new()
            } else {
                format!(" {}", f.statement)
            };
            lines.push(format!(
                "  line {}: {}{statement}: {}{acknowledged}",
                f.line,
                f.class.as_str(),
                f.reason
            ));
        }
    }
    lines
}

/// `check-migrations`: the report and its verdict.
pub fn check(o: &CheckMigrations) -> Vec<String> {
    let mut lines = migration_lines(&o.migrations);
    let (label, n) = (&o.range, o.migrations.len());
    let (destructive, unknown, review) = (o.destructive, o.unknown, o.review);
    lines.push(match o.worst {
        None => format!("No migrations in {label}: code can be rolled back over it."),
        Some(Class::Destructive) => format!(
            "{n} migration(s) in {label}: {destructive} destructive statement(s){}. Rolling code back over this range breaks it against the current schema.",
            if unknown > 0 { format!(", {unknown} that cannot be read") } else { String::new() }
        ),
        Some(Class::Unknown) => format!(
            "{n} migration(s) in {label}: {unknown} that git-fastrevert cannot read. Whether code can be rolled back over them is unknown: review them, then acknowledge each (--allow-migration <PATH>)."
        ),
        Some(Class::Review) => format!(
            "{n} migration(s) in {label}: nothing destructive found, {review} statement(s) to check by hand."
        ),
        Some(Class::Additive | Class::Safe) => format!(
            "{n} migration(s) in {label}, additive or safe: code can be rolled back over them."
        ),
    });
    if o.acknowledged > 0 {
        lines.push(format!(
            "{} destructive or unreadable finding(s) acknowledged after review (listed above).",
            o.acknowledged
        ));
    }
    lines
}
