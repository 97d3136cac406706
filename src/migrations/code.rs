//! Code migrations (Rails `.rb`, Django and Alembic `.py`): not parsed, but the calls that
//! change a schema destructively are recognised by name, in the part that runs going forward.

use super::{Class, Finding};

/// Calls that break code written for the old schema.
const DESTRUCTIVE: &[(&str, &str)] = &[
    // Rails
    ("remove_column", "removes a column"),
    ("remove_columns", "removes columns"),
    ("rename_column", "renames a column"),
    ("change_column", "changes a column's type"),
    ("drop_table", "drops a table"),
    ("rename_table", "renames a table"),
    ("remove_reference", "removes a reference column"),
    ("remove_belongs_to", "removes a reference column"),
    ("remove_timestamps", "removes the timestamp columns"),
    // Django
    ("RemoveField", "removes a field"),
    ("RenameField", "renames a field"),
    ("AlterField", "alters a field (type, nullability or name)"),
    ("DeleteModel", "deletes a model's table"),
    ("RenameModel", "renames a model's table"),
    // Alembic
    ("op.drop_column", "drops a column"),
    ("op.alter_column", "alters a column"),
    ("op.drop_table", "drops a table"),
    ("op.rename_table", "renames a table"),
];

/// Calls that only add.
const ADDITIVE: &[&str] = &[
    "create_table",
    "add_column",
    "add_index",
    "add_reference",
    "add_belongs_to",
    "add_timestamps",
    "CreateModel",
    "AddField",
    "AddIndex",
    "op.add_column",
    "op.create_table",
    "op.create_index",
];

/// Raw SQL inside code that is destructive.
const DESTRUCTIVE_SQL: &[&str] = &[
    "DROP TABLE",
    "DROP COLUMN",
    "TRUNCATE",
    "RENAME COLUMN",
    "RENAME TO",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Ruby,
    Python,
}

/// Classify a code migration by the calls it makes going forward.
pub fn classify(file: &str, source: &str) -> Vec<Finding> {
    let lang = if file.ends_with(".rb") {
        Lang::Ruby
    } else {
        Lang::Python
    };
    let mut findings = Vec::new();
    let mut additive_seen = false;
    let mut skipping: Option<usize> = None;
    for (n, raw) in source.lines().enumerate() {
        let line = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        // Skip the way back: Rails `def down`, Alembic `def downgrade`.
        if let Some(depth) = skipping {
            match lang {
                Lang::Ruby => {
                    if line == "end" && indent == depth {
                        skipping = None;
                    }
                    continue;
                }
                Lang::Python if line.is_empty() || indent > depth => continue,
                Lang::Python => skipping = None,
            }
        }
        if line.starts_with("def down") || line.starts_with("def downgrade") {
            skipping = Some(indent);
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let code_part = strip_comment(line, lang);
        if let Some((_, why)) = DESTRUCTIVE.iter().find(|(call, _)| calls(code_part, call)) {
            findings.push(finding(file, n + 1, Class::Destructive, code_part, why));
            continue;
        }
        let upper = code_part.to_ascii_uppercase();
        if let Some(sql) = DESTRUCTIVE_SQL.iter().find(|s| upper.contains(*s)) {
            findings.push(finding(
                file,
                n + 1,
                Class::Destructive,
                code_part,
                &format!("runs SQL with {sql}"),
            ));
            continue;
        }
        if calls(code_part, "add_column")
            && code_part.contains("null: false")
            && !code_part.contains("default:")
        {
            findings.push(finding(
                file,
                n + 1,
                Class::Destructive,
                code_part,
                "adds a NOT NULL column without a default",
            ));
            continue;
        }
        if calls(code_part, "change_column_null") && code_part.contains("false") {
            findings.push(finding(
                file,
                n + 1,
                Class::Destructive,
                code_part,
                "sets NOT NULL",
            ));
            continue;
        }
        for (call, why) in [
            ("RunSQL", "runs raw SQL"),
            ("RunPython", "runs code"),
            ("execute", "runs raw SQL"),
            ("op.execute", "runs raw SQL"),
        ] {
            if calls(code_part, call) {
                findings.push(finding(
                    file,
                    n + 1,
                    Class::Unknown,
                    code_part,
                    &format!("{why}; check it by hand"),
                ));
            }
        }
        if ADDITIVE.iter().any(|call| calls(code_part, call)) {
            additive_seen = true;
            findings.push(finding(
                file,
                n + 1,
                Class::Additive,
                code_part,
                "adds to the schema",
            ));
        }
    }
    if findings.is_empty() && !additive_seen {
        findings.push(finding(
            file,
            1,
            Class::Unknown,
            "",
            "a code migration with no recognised schema call; check it by hand",
        ));
    }
    findings
}

/// Whether `line` calls `name` (as a word, followed by `(`, a space or `.`).
fn calls(line: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = line[from..].find(name) {
        let at = from + pos;
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        let starts_word = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let ends_call = matches!(after, None | Some('(') | Some(' ') | Some(':'));
        let qualified =
            name.contains('.') || before != Some('.') || line[..at].ends_with("migrations.");
        if starts_word && ends_call && qualified {
            return true;
        }
        from = at + name.len();
    }
    false
}

fn strip_comment(line: &str, _lang: Lang) -> &str {
    // Both languages comment with '#'; a '#' inside a string is rare in migrations.
    match line.find(" #") {
        Some(p) => line[..p].trim_end(),
        None => line,
    }
}

fn finding(file: &str, line: usize, class: Class, code: &str, reason: &str) -> Finding {
    Finding {
        file: file.to_string(),
        line,
        class,
        statement: code.chars().take(120).collect(),
        reason: reason.to_string(),
    }
}
