//! SQL migrations: split a file into statements (keeping line numbers), parse each with
//! `sqlparser`, and classify what it does to code that expects the old schema.

use std::collections::{HashMap, HashSet};

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, DataType, Ident,
    IndexColumn, ObjectName, ObjectType, Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

use super::columns::{self, retyped, Column, ColumnOp, Columns};
use super::{Class, Finding};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Generic,
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    pub fn parse(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "generic" | "ansi" => Some(Dialect::Generic),
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    fn parser(self) -> Box<dyn SqlDialect> {
        match self {
            Dialect::Generic => Box::new(GenericDialect {}),
            Dialect::Postgres => Box::new(PostgreSqlDialect {}),
            Dialect::Mysql => Box::new(MySqlDialect {}),
            Dialect::Sqlite => Box::new(SQLiteDialect {}),
        }
    }
}

/// One statement of a file: the line it starts on and its text without the `;`.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    pub line: usize,
    pub text: &'a str,
}

/// Split SQL at top-level semicolons, skipping comments, quoted strings and identifiers, and
/// PostgreSQL dollar-quoted bodies. Empty statements (only comments) are dropped.
pub fn split(sql: &str) -> Vec<Piece<'_>> {
    let bytes = sql.as_bytes();
    let mut pieces = Vec::new();
    let (mut i, mut line) = (0, 1);
    let mut start: Option<(usize, usize)> = None;
    while i < bytes.len() {
        let c = bytes[i];
        let rest = &bytes[i..];
        if rest.starts_with(b"--") || c == b'#' && start.is_none() {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if rest.starts_with(b"/*") {
            let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
            line += count_lines(&bytes[i..end]);
            i = end;
            continue;
        }
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if start.is_none() {
            start = Some((i, line));
        }
        match c {
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                while j < bytes.len() {
                    if bytes[j] == b'\\' && c == b'\'' {
                        j += 2;
                        continue;
                    }
                    if bytes[j] == c {
                        if bytes.get(j + 1) == Some(&c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                let end = (j + 1).min(bytes.len());
                line += count_lines(&bytes[i..end]);
                i = end;
            }
            b'$' => {
                let tag_end = bytes[i + 1..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(t) if bytes[t] == b'$' => {
                        let tag = &bytes[i..=t];
                        let end = find(bytes, t + 1, tag).map_or(bytes.len(), |e| e + tag.len());
                        line += count_lines(&bytes[i..end]);
                        i = end;
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                if let Some((s, l)) = start.take() {
                    let text = sql[s..i].trim();
                    if text != ";" && !text.is_empty() {
                        pieces.push(Piece { line: l, text });
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some((s, l)) = start {
        let text = sql[s..].trim();
        if !text.is_empty() {
            pieces.push(Piece { line: l, text });
        }
    }
    pieces
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack[from.min(haystack.len())..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Classify every statement of a SQL migration.
pub fn classify(file: &str, sql: &str, dialect: Dialect) -> Vec<Finding> {
    classify_replayed(file, sql, dialect, None).0
}

/// What a SQL migration does to the tables, for the ones after it.
pub fn file_ops(sql: &str, dialect: Dialect) -> Vec<ColumnOp> {
    let mut memory = Memory::default();
    walk(None, sql, dialect, &mut memory);
    memory.ops
}

/// Classify every statement, with what the folder's earlier migrations left of the tables
/// (a column's type change is judged against it) when known; also whether judging needed
/// them and they were not given.
pub fn classify_replayed(
    file: &str,
    sql: &str,
    dialect: Dialect,
    earlier: Option<&Columns>,
) -> (Vec<Finding>, bool) {
    let mut memory = Memory {
        columns: earlier.cloned(),
        ..Memory::default()
    };
    let findings = walk(Some(file), sql, dialect, &mut memory);
    (findings, memory.wanted_history)
}

/// The findings of each statement (none without a file name), what they did kept in `memory`.
fn walk(file: Option<&str>, sql: &str, dialect: Dialect, memory: &mut Memory) -> Vec<Finding> {
    let file = file.unwrap_or("");
    let parser = dialect.parser();
    // What the file did before each statement: constraints and NOT NULL columns on a table it
    // made break nothing (no old code writes to it yet), and so on.
    memory.recreated = recreated_names(sql, parser.as_ref());
    let created = memory;
    let mut findings = Vec::new();
    for piece in split(sql) {
        let statement = one_line(piece.text);
        // `DO $$ … EXECUTE '…' … $$`: the statements the block runs are what counts.
        if let Some(executed) = do_block_statements(piece.text) {
            if executed.is_empty() {
                findings.push(finding(
                    file,
                    piece.line,
                    Class::Unknown,
                    statement,
                    "a DO block; check what it runs by hand".into(),
                ));
            }
            for inner in executed {
                for mut f in classify(file, &inner, dialect) {
                    f.line = piece.line;
                    f.reason = format!("{} (run by a DO block)", f.reason);
                    findings.push(f);
                }
            }
            continue;
        }
        let (class, reason) = match Parser::parse_sql(parser.as_ref(), piece.text) {
            Ok(parsed) if parsed.is_empty() => continue,
            Ok(parsed) => {
                let mut worst = (Class::Additive, String::new());
                for s in &parsed {
                    let (class, reason) = statement_class(s, created);
                    if class > worst.0 || worst.1.is_empty() {
                        worst = (class, reason);
                    }
                }
                worst
            }
            // sqlparser has no ALTER SEQUENCE; what it changes (type, increment, owner) is
            // invisible to old code that only calls nextval.
            Err(_) if starts_with_words(piece.text, &["alter", "sequence"]) => (
                Class::Review,
                "changes a sequence (not parsed); check it by hand".into(),
            ),
            // Statements sqlparser does not know that touch no column old code uses: index
            // rebuilds, planner statistics, function bodies (as a parsed CREATE FUNCTION is).
            Err(_) if unparsed_but_harmless(piece.text) => (
                Class::Additive,
                "rebuilds indexes, adds statistics or a function (not parsed): no column changes"
                    .into(),
            ),
            // sqlparser refuses PostgreSQL's `DROP INDEX CONCURRENTLY IF EXISTS`; an index's
            // removal leaves every column old code uses.
            Err(_) if starts_with_words(piece.text, &["drop", "index"]) => (
                Class::Additive,
                "drops an index (not parsed): old code keeps working".into(),
            ),
            Err(e) => (
                Class::Unknown,
                format!("could not parse ({e}), so it cannot be called safe; review it by hand"),
            ),
        };
        findings.push(finding(file, piece.line, class, statement, reason));
    }
    findings
}

/// REINDEX, CREATE STATISTICS, CREATE [OR REPLACE] FUNCTION or PROCEDURE, and ALTER TABLE …
/// ALTER COLUMN … SET STATISTICS | STORAGE | COMPRESSION alone.
fn unparsed_but_harmless(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let head: Vec<&str> = words.iter().map(String::as_str).take(4).collect();
    // ALTER TABLE t ALTER CONSTRAINT c [NOT] DEFERRABLE: when a key is checked, not what.
    let deferrability = head.first() == Some(&"ALTER")
        && head.get(1) == Some(&"TABLE")
        && !sql.contains(',')
        && words
            .windows(2)
            .any(|w| w[0] == "ALTER" && w[1] == "CONSTRAINT");
    let column_setting = head.first() == Some(&"ALTER")
        && head.get(1) == Some(&"TABLE")
        && !sql.contains(',')
        && words.windows(2).any(|w| {
            w[0] == "SET" && matches!(w[1].as_str(), "STATISTICS" | "STORAGE" | "COMPRESSION")
        });
    matches!(
        head.as_slice(),
        ["REINDEX", ..]
            | ["CREATE", "STATISTICS", ..]
            | ["CREATE", "FUNCTION", ..]
            | ["CREATE", "PROCEDURE", ..]
            | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE"]
    ) || column_setting
        || deferrability
}

/// Whether `sql` starts with these words, in any case.
fn starts_with_words(sql: &str, words: &[&str]) -> bool {
    let mut have = sql.split_whitespace();
    words
        .iter()
        .all(|w| have.next().is_some_and(|h| h.eq_ignore_ascii_case(w)))
}

fn finding(file: &str, line: usize, class: Class, statement: String, reason: String) -> Finding {
    Finding {
        file: file.to_string(),
        line,
        class,
        key: statement.clone(),
        statement,
        reason,
        acknowledged: None,
    }
}

/// The (table, column) pairs SQL gives a default (`ALTER TABLE t ALTER COLUMN c SET DEFAULT`),
/// lower case and unquoted.
pub fn defaults_set(sql: &str, dialect: Dialect) -> Vec<(String, String)> {
    let parser = dialect.parser();
    let mut out = Vec::new();
    for piece in split(sql) {
        let Ok(parsed) = Parser::parse_sql(parser.as_ref(), piece.text) else {
            continue;
        };
        for statement in parsed {
            if let Statement::AlterTable(alter) = statement {
                for op in &alter.operations {
                    if let AlterTableOperation::AlterColumn {
                        column_name,
                        op: AlterColumnOperation::SetDefault { .. },
                    } = op
                    {
                        out.push((norm(&alter.name), column_name.value.to_ascii_lowercase()));
                    }
                }
            }
        }
    }
    out
}

/// For a PostgreSQL `DO` block: the SQL of its `EXECUTE '…'` strings (`None` when the
/// statement is not a DO block).
fn do_block_statements(text: &str) -> Option<Vec<String>> {
    let head: String = text
        .chars()
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase();
    if !(head.starts_with("DO ") || head.starts_with("DO$") || head == "DO\n") {
        return None;
    }
    let mut found = Vec::new();
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(at) = upper[from..].find("EXECUTE") {
        let start = from + at + "EXECUTE".len();
        from = start;
        let rest = text[start..].trim_start();
        // EXECUTE format('…', …) reads the same for this purpose.
        let rest = rest
            .strip_prefix("format(")
            .or_else(|| rest.strip_prefix("FORMAT("))
            .unwrap_or(rest)
            .trim_start();
        let Some(body) = rest.strip_prefix('\'') else {
            continue;
        };
        let mut sql = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    sql.push('\'');
                    chars.next();
                    continue;
                }
                break;
            }
            sql.push(c);
        }
        found.push(sql);
    }
    if found.is_empty() {
        // No EXECUTE: the block's own statements, when each is plain SQL inside plpgsql's
        // control flow; anything else leaves it unread (and so unknown).
        return Some(plpgsql_statements(text).unwrap_or_default());
    }
    Some(found)
}

/// The SQL statements of a `DO` block's body that runs them directly: `FOR … LOOP INSERT …;`,
/// `IF … THEN UPDATE …;`. `None` when a statement is neither SQL nor plain control flow (a
/// `PERFORM`, a call, anything not recognised): the guard does not parse plpgsql.
fn plpgsql_statements(text: &str) -> Option<Vec<String>> {
    let open = text.find("$$")?;
    let close = text[open + 2..].rfind("$$")? + open + 2;
    let body = &text[open + 2..close];
    const SQL: &[&str] = &[
        "INSERT", "UPDATE", "DELETE", "ALTER", "CREATE", "DROP", "TRUNCATE", "COMMENT",
    ];
    const CONTROL: &[&str] = &[
        "DECLARE", "BEGIN", "END", "IF", "ELSIF", "ELSE", "FOR", "FOREACH", "WHILE", "LOOP",
        "EXIT", "CONTINUE", "RETURN", "RAISE", "NULL", "SELECT",
    ];
    let mut statements = Vec::new();
    for piece in split(body) {
        let words: Vec<&str> = piece.text.split_whitespace().collect();
        let upper = |w: &str| {
            w.trim_matches(|c: char| !c.is_ascii_alphabetic())
                .to_ascii_uppercase()
        };
        match words.iter().position(|w| SQL.contains(&upper(w).as_str())) {
            // Control words before it only: `FOR x IN SELECT … LOOP INSERT …`.
            Some(at)
                if words[..at]
                    .first()
                    .is_none_or(|w| CONTROL.contains(&upper(w).as_str())) =>
            {
                statements.push(words[at..].join(" "));
            }
            Some(_) => return None,
            None => {
                let first = words.first().map(|w| upper(w)).unwrap_or_default();
                let assignment = piece.text.contains(":=");
                if !(CONTROL.contains(&first.as_str()) || assignment) {
                    return None;
                }
            }
        }
    }
    Some(statements)
}

fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 120 {
        format!("{}…", joined.chars().take(119).collect::<String>())
    } else {
        joined
    }
}

fn norm(name: &ObjectName) -> String {
    name.to_string()
        .replace(['"', '`', '[', ']'], "")
        .to_ascii_lowercase()
}

/// What a SQL file did before the statement at hand.
#[derive(Default)]
struct Memory {
    /// Tables it created.
    created: HashSet<String>,
    /// (table, column) it added, and whether NOT NULL with a default.
    added: HashMap<(String, String), Added>,
    /// (table, column) it gave a default.
    defaulted: HashSet<(String, String)>,
    /// Views, functions and tables built from a query that it creates (anywhere in the file):
    /// dropping one of them replaces it.
    recreated: HashSet<String>,
    /// The tables as the earlier migrations and this file so far left them, when known.
    columns: Option<Columns>,
    /// What the file does to the tables, for the migrations after it.
    ops: Vec<ColumnOp>,
    /// A statement needed the earlier migrations, and they were not given.
    wanted_history: bool,
}

/// The views and functions a SQL file creates.
fn recreated_names(sql: &str, parser: &dyn SqlDialect) -> HashSet<String> {
    let mut names = HashSet::new();
    for piece in split(sql) {
        for statement in Parser::parse_sql(parser, piece.text).unwrap_or_default() {
            match statement {
                Statement::CreateView(v) => {
                    names.insert(norm(&v.name));
                }
                Statement::CreateFunction(f) => {
                    names.insert(norm(&f.name));
                }
                // A table built again from a query keeps its rows in some form; one created
                // empty does not, and is not counted.
                Statement::CreateTable(t) if t.query.is_some() => {
                    names.insert(norm(&t.name));
                }
                _ => {}
            }
        }
    }
    names
}

#[derive(Clone, Copy)]
struct Added {
    not_null: bool,
    default: bool,
}

impl Memory {
    fn record(&mut self, op: ColumnOp) {
        if let Some(columns) = self.columns.as_mut() {
            columns::apply(columns, &op);
        }
        self.ops.push(op);
    }

    fn contains(&self, table: &str) -> bool {
        self.created.contains(table)
    }

    /// Whether old code leaves this column empty: the file added it nullable, without a
    /// default. NULLs never collide in a unique key.
    fn left_empty(&self, table: &str, column: &str) -> bool {
        self.added
            .get(&(table.to_string(), column.to_string()))
            .is_some_and(|a| !a.not_null && !a.default)
    }
}

/// The column a unique key names (`"Email"`, `email DESC`), lower case and unquoted.
fn key_column(column: &IndexColumn) -> String {
    column
        .column
        .expr
        .to_string()
        .replace(['"', '`', '[', ']'], "")
        .to_ascii_lowercase()
}

fn statement_class(s: &Statement, created: &mut Memory) -> (Class, String) {
    use Class::*;
    match s {
        Statement::CreateTable(t) => {
            let table = norm(&t.name);
            created.created.insert(table.clone());
            for column in &t.columns {
                let name = column.name.value.to_ascii_lowercase();
                created.record(ColumnOp::Set(table.clone(), name, column_of(column)));
            }
            (Additive, format!("creates table {}", t.name))
        }
        Statement::CreateIndex(i)
            if i.unique
                && i.columns
                    .iter()
                    .any(|c| created.left_empty(&norm(&i.table_name), &key_column(c))) =>
        {
            (
                Additive,
                format!(
                    "adds a unique index on {} over a column this file adds, which old code leaves empty",
                    i.table_name
                ),
            )
        }
        Statement::CreateIndex(i) if i.unique && !created.contains(&norm(&i.table_name)) => (
            Destructive,
            format!(
                "adds a unique index on {}: old code may write rows it rejects",
                i.table_name
            ),
        ),
        Statement::CreateIndex(i) => (Additive, format!("creates an index on {}", i.table_name)),
        // A view this file makes is new: a unique index on it rejects no row old code writes.
        Statement::CreateView(v) => {
            created.created.insert(norm(&v.name));
            (
                Additive,
                "adds or configures without changing existing tables".into(),
            )
        }
        Statement::CreateFunction(_)
        | Statement::CreateSequence { .. }
        | Statement::CreateType { .. }
        | Statement::CreateSchema { .. }
        | Statement::CreateExtension(_)
        | Statement::Comment { .. }
        | Statement::Grant(_)
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Set(_) => (
            Additive,
            "adds or configures without changing existing tables".into(),
        ),
        Statement::Insert(_) => (Additive, "inserts rows".into()),
        Statement::Update(_) | Statement::Delete(_) => (
            Review,
            "changes data: rolling code back does not undo it; check it by hand".into(),
        ),
        Statement::Truncate(t) => (
            Destructive,
            format!(
                "truncates {}: the data is gone",
                t.table_names
                    .iter()
                    .map(|n| n.name.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Statement::Drop {
            object_type,
            names,
            cascade,
            ..
        } => {
            let list = names
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            // A view dropped and made again in the same file (without CASCADE, which drops
            // views that depend on it too) is replaced, not gone.
            let replaced = !cascade
                && matches!(
                    object_type,
                    ObjectType::View | ObjectType::MaterializedView | ObjectType::Table
                )
                && names.iter().all(|n| created.recreated.contains(&norm(n)));
            if replaced {
                return (
                    Review,
                    format!(
                        "replaces {} {list} (dropped and built again in this file): check that it keeps the columns and rows old code reads",
                        object_type_name(object_type)
                    ),
                );
            }
            if *object_type == ObjectType::Table {
                for n in names {
                    created.record(ColumnOp::DropTable(norm(n)));
                }
            }
            match object_type {
                ObjectType::Index => (
                    Additive,
                    format!("drops index {list}: old code still works, maybe slower"),
                ),
                other => (
                    Destructive,
                    format!(
                        "drops {} {list}: old code that uses it breaks",
                        object_type_name(other)
                    ),
                ),
            }
        }
        Statement::DropFunction(f)
            if f.func_desc
                .iter()
                .all(|d| created.recreated.contains(&norm(&d.name))) =>
        {
            (
                Review,
                "replaces a function (dropped and created again in this file): check that old code can still call it".into(),
            )
        }
        Statement::DropFunction(_) => (Destructive, "drops a function old code may call".into()),
        Statement::RenameTable(_) => (
            Destructive,
            "renames a table: old code uses the old name".into(),
        ),
        Statement::AlterIndex { .. } => (Additive, "alters an index".into()),
        Statement::AlterTable(alter) => {
            let table = norm(&alter.name);
            let new_table = created.contains(&table);
            let mut worst = (Additive, format!("alters {}", alter.name));
            for op in &alter.operations {
                let (class, reason) = alter_class(op, &alter.name, new_table, created);
                if class > worst.0 {
                    worst = (class, reason);
                } else if worst.0 == Additive && class == Additive {
                    worst.1 = reason;
                }
            }
            worst
        }
        other => (
            Review,
            format!(
                "{} is not classified; check it by hand",
                first_words(&other.to_string())
            ),
        ),
    }
}

fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn object_type_name(t: &ObjectType) -> String {
    t.to_string().to_ascii_lowercase()
}

fn alter_class(
    op: &AlterTableOperation,
    table: &ObjectName,
    new_table: bool,
    memory: &mut Memory,
) -> (Class, String) {
    use Class::*;
    let key = |column: &Ident| (norm(table), column.value.to_ascii_lowercase());
    let judged = alter_op_class(op, table, new_table, memory);
    if let AlterTableOperation::AlterColumn {
        op: AlterColumnOperation::SetDataType { .. },
        ..
    } = op
    {
        memory.wanted_history |= memory.columns.is_none() && !new_table;
    }
    // Remember what this statement did, for the ones after it.
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            let options = || column_def.options.iter().map(|o| &o.option);
            let added = Added {
                not_null: options()
                    .any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_))),
                default: options().any(|o| {
                    matches!(
                        o,
                        ColumnOption::Default(_)
                            | ColumnOption::Generated { .. }
                            | ColumnOption::Materialized(_)
                    )
                }),
            };
            memory.added.insert(key(&column_def.name), added);
            let (t, c) = key(&column_def.name);
            memory.record(ColumnOp::Set(t, c, column_of(column_def)));
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for name in column_names {
                let (t, c) = key(name);
                memory.record(ColumnOp::Remove(t, c));
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let (t, old) = key(old_column_name);
            memory.record(ColumnOp::Rename(
                t,
                old,
                new_column_name.value.to_ascii_lowercase(),
            ));
        }
        AlterTableOperation::RenameTable { table_name } => {
            // Spelled `TO name` or `AS name`: the name is the last word.
            let spelled = table_name.to_string();
            let new = spelled.rsplit(' ').next().unwrap_or_default();
            let new = new.replace(['"', '`', '[', ']'], "").to_ascii_lowercase();
            memory.record(ColumnOp::RenameTable(norm(table), new));
        }
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetDataType { data_type, .. } => {
                let (t, c) = key(column_name);
                let before = memory
                    .columns
                    .as_ref()
                    .and_then(|k| k.get(&(t.clone(), c.clone())).cloned());
                let (ty, limit) = sql_type(data_type);
                let after = Column {
                    ty,
                    limit,
                    ..before.unwrap_or(Column {
                        ty: String::new(),
                        nullable: true,
                        limit: None,
                        default: false,
                    })
                };
                memory.record(ColumnOp::Set(t, c, after));
            }
            AlterColumnOperation::SetNotNull => {
                let (t, c) = key(column_name);
                memory.record(ColumnOp::NotNull(t, c, false));
            }
            AlterColumnOperation::DropNotNull => {
                let (t, c) = key(column_name);
                memory.record(ColumnOp::NotNull(t, c, true));
            }
            AlterColumnOperation::SetDefault { .. } => {
                memory.defaulted.insert(key(column_name));
            }
            AlterColumnOperation::DropDefault => {
                memory.defaulted.remove(&key(column_name));
                if let Some(a) = memory.added.get_mut(&key(column_name)) {
                    a.default = false;
                }
            }
            _ => {}
        },
        _ => {}
    }
    if new_table && judged.0 > Safe {
        return (
            Additive,
            format!("{} (on {table}, which this file creates)", judged.1),
        );
    }
    judged
}

/// `ALTER COLUMN c TYPE t` against the column as the earlier migrations left it: the same or a
/// wider type keeps old code working; without them it cannot be told, and asks for them.
fn changed_type(
    memory: &Memory,
    (table, column): &(String, String),
    data_type: &DataType,
    converted: bool,
) -> (Class, String) {
    use Class::*;
    let (ty, limit) = sql_type(data_type);
    let before = memory
        .columns
        .as_ref()
        .and_then(|c| c.get(&(table.clone(), column.clone())));
    match before {
        // `USING` converts the values: whatever the types, they are not the old ones.
        Some(b) if converted => (
            Destructive,
            format!(
                "changes {table}.{column} from {} to {ty}: the column's type changes",
                b.ty
            ),
        ),
        Some(b) => retyped(table, column, b, &ty, limit),
        None => (
            Destructive,
            format!(
                "changes the type of {table}.{column} to {ty}, and its earlier type is not known"
            ),
        ),
    }
}

/// A column as the replay keeps it: type, length, NULL and whether the database fills it.
fn column_of(column: &ColumnDef) -> Column {
    let options = || column.options.iter().map(|o| &o.option);
    let (ty, limit) = sql_type(&column.data_type);
    let serial = matches!(ty.as_str(), "serial" | "bigserial" | "smallserial");
    Column {
        ty: match ty.as_str() {
            "serial" => "integer".into(),
            "bigserial" => "bigint".into(),
            "smallserial" => "smallint".into(),
            _ => ty,
        },
        limit,
        nullable: !options()
            .any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_))),
        default: serial
            || options().any(|o| {
                matches!(
                    o,
                    ColumnOption::Default(_)
                        | ColumnOption::Generated { .. }
                        | ColumnOption::Materialized(_)
                )
            }),
    }
}

/// A SQL type in the replay's terms: `VARCHAR(20)` is (`string`, 20), `int4` is `integer`,
/// `timestamp` is `datetime`.
fn sql_type(data_type: &DataType) -> (String, Option<i64>) {
    let spelled = data_type.to_string().to_ascii_lowercase();
    let (name, rest) = match spelled.split_once('(') {
        Some((name, rest)) => (name.trim().to_string(), Some(rest)),
        None => (spelled.trim().to_string(), None),
    };
    let length = rest
        .and_then(|r| r.split([')', ',']).next())
        .and_then(|n| n.trim().parse::<i64>().ok());
    let ty = match name.as_str() {
        "varchar" | "character varying" | "nvarchar" | "char varying" => "string",
        "text" => "text",
        "int" | "integer" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "smallint" | "int2" => "smallint",
        "timestamp" | "timestamp without time zone" | "datetime" => "datetime",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "bool" | "boolean" => "boolean",
        other => other,
    };
    let length = if ty == "string" { length } else { None };
    (ty.to_string(), length)
}

fn alter_op_class(
    op: &AlterTableOperation,
    table: &ObjectName,
    new_table: bool,
    memory: &Memory,
) -> (Class, String) {
    use Class::*;
    let key = |column: &Ident| (norm(table), column.value.to_ascii_lowercase());
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            let options: Vec<&ColumnOption> =
                column_def.options.iter().map(|o| &o.option).collect();
            let not_null = options
                .iter()
                .any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
            let filled = options.iter().any(|o| {
                matches!(
                    o,
                    ColumnOption::Default(_)
                        | ColumnOption::Generated { .. }
                        | ColumnOption::Materialized(_)
                )
            });
            if not_null && !filled && !new_table {
                (
                    Destructive,
                    format!(
                        "adds NOT NULL column {} without a default: old code's inserts fail",
                        column_def.name
                    ),
                )
            } else {
                (
                    Additive,
                    format!("adds column {} to {table}", column_def.name),
                )
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => (
            Destructive,
            format!(
                "drops column {} of {table}: old code that reads it breaks",
                column_names
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => (
            Destructive,
            format!(
                "renames column {old_column_name} to {new_column_name}: old code uses the old name"
            ),
        ),
        AlterTableOperation::RenameTable { .. } => (
            Destructive,
            format!("renames table {table}: old code uses the old name"),
        ),
        AlterTableOperation::ChangeColumn { old_name, .. } => (
            Destructive,
            format!("changes column {old_name} (name or type)"),
        ),
        AlterTableOperation::ModifyColumn { col_name, .. } => (
            Destructive,
            format!("changes the type of column {col_name}"),
        ),
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            // Old code's inserts leave it out and get the default this file gave it.
            AlterColumnOperation::SetNotNull
                if memory.defaulted.contains(&key(column_name))
                    || memory.added.get(&key(column_name)).is_some_and(|a| a.default) =>
            {
                (
                    Additive,
                    format!("sets NOT NULL on {column_name}, which this file gives a default"),
                )
            }
            AlterColumnOperation::SetNotNull if !new_table => (
                Destructive,
                format!("sets NOT NULL on {column_name}: old code that leaves it empty fails"),
            ),
            AlterColumnOperation::DropDefault
                if memory.added.get(&key(column_name)).is_some_and(|a| a.not_null) =>
            {
                (
                    Destructive,
                    format!("drops the default of {column_name}, which this file adds NOT NULL: old code's inserts fail"),
                )
            }
            AlterColumnOperation::SetDataType { data_type, using, .. } => {
                changed_type(memory, &key(column_name), data_type, using.is_some())
            }
            AlterColumnOperation::DropDefault if !new_table => (
                Review,
                format!(
                    "drops the default of {column_name}: old inserts that relied on it may fail"
                ),
            ),
            _ => (Additive, format!("relaxes column {column_name}")),
        },
        AlterTableOperation::AddConstraint { constraint, .. } if !new_table => match constraint {
            TableConstraint::Unique(u)
                if u.columns
                    .iter()
                    .any(|c| memory.left_empty(&norm(table), &key_column(c))) =>
            {
                (
                    Additive,
                    format!("adds a unique constraint to {table} over a column this file adds, which old code leaves empty"),
                )
            }
            TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) => (
                Destructive,
                format!("adds a unique constraint to {table}: old code may write rows it rejects"),
            ),
            TableConstraint::Check(_) => (
                Destructive,
                format!("adds a check constraint to {table}: old code may write rows it rejects"),
            ),
            TableConstraint::ForeignKey(_) => (
                Review,
                format!("adds a foreign key to {table}: check that old code keeps it satisfied"),
            ),
            _ => (Additive, format!("adds an index to {table}")),
        },
        AlterTableOperation::AddConstraint { .. } => {
            (Additive, format!("adds a constraint to new table {table}"))
        }
        AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::DropPrimaryKey { .. }
        | AlterTableOperation::DropForeignKey { .. }
        | AlterTableOperation::DropIndex { .. }
        | AlterTableOperation::ValidateConstraint { .. }
        | AlterTableOperation::RenameConstraint { .. } => (
            Additive,
            format!("relaxes or renames a constraint of {table}"),
        ),
        // Triggers on or off, statistics, storage: every column stays as old code knows it.
        AlterTableOperation::EnableTrigger { .. } | AlterTableOperation::DisableTrigger { .. } => (
            Safe,
            format!("turns a trigger of {table} on or off; its columns stay"),
        ),
        other => (
            Unknown,
            format!(
                "ALTER TABLE {} is not classified; check it by hand",
                first_words(&other.to_string())
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_do_block_that_runs_sql_directly_is_judged_by_it() {
        let sql = "DO $$\nDECLARE xid integer;\nBEGIN\n  FOR xid IN SELECT id FROM local_user LOOP\n    INSERT INTO local_user_language (local_user_id, language_id) VALUES (xid, 0);\n  END LOOP;\nEND $$;\nDO $$ BEGIN IF true THEN ALTER TABLE t DROP COLUMN c; END IF; END $$;\nDO $$ BEGIN PERFORM cleanup(); END $$;";
        let got: Vec<(usize, Class)> = classify("m.sql", sql, Dialect::Postgres)
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        use Class::*;
        assert_eq!(got, vec![(1, Additive), (8, Destructive), (9, Unknown)]);
    }

    #[test]
    fn a_view_dropped_and_made_again_is_replaced_not_gone() {
        let sql = "DROP VIEW post_view;\nCREATE VIEW post_view AS SELECT id, title FROM post;\nDROP VIEW user_view CASCADE;\nCREATE VIEW user_view AS SELECT id FROM user_;\nDROP VIEW gone_view;\nDROP FUNCTION f;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nDROP TABLE cache;\nCREATE TABLE cache AS SELECT * FROM post;\nDROP TABLE users;\nCREATE TABLE users (id INT);";
        let got: Vec<(usize, Class)> = classify("m.sql", sql, Dialect::Postgres)
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        use Class::*;
        assert_eq!(
            got,
            vec![
                (1, Review),
                (2, Additive),
                (3, Destructive),
                (4, Additive),
                (5, Destructive),
                (6, Review),
                (7, Additive),
                (8, Review),
                (9, Additive),
                (10, Destructive),
                (11, Additive),
            ]
        );
    }

    #[test]
    fn what_the_same_file_did_before_counts() {
        let sql = "CREATE TABLE n (id INT, old TEXT);\nALTER TABLE n DROP COLUMN old;\nALTER TABLE n RENAME COLUMN id TO key;\nALTER TABLE users ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';\nALTER TABLE users ALTER COLUMN plan DROP DEFAULT;\nALTER TABLE users ALTER COLUMN age SET DEFAULT 0;\nALTER TABLE users ALTER COLUMN age SET NOT NULL;\nALTER TABLE users ADD COLUMN sso TEXT;\nCREATE UNIQUE INDEX users_sso ON users (sso);\nALTER TABLE users ADD CONSTRAINT u UNIQUE (sso);\nALTER TABLE users ALTER COLUMN name SET NOT NULL;";
        let got: Vec<(usize, Class)> = classify("m.sql", sql, Dialect::Postgres)
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        use Class::*;
        assert_eq!(
            got,
            vec![
                (1, Additive),
                (2, Additive),
                (3, Additive),
                (4, Additive),
                (5, Destructive),
                (6, Additive),
                (7, Additive),
                (8, Additive),
                (9, Additive),
                (10, Additive),
                (11, Destructive),
            ]
        );
    }

    #[test]
    fn splits_at_top_level_semicolons_with_lines() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n/* multi\nline; */ ALTER TABLE \"we;ird\" ADD COLUMN y INT;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nDROP TABLE b";
        let pieces = split(sql);
        let lines: Vec<usize> = pieces.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 5, 6, 7]);
        assert!(pieces[2].text.ends_with("LANGUAGE sql"));
        assert_eq!(pieces[3].text, "DROP TABLE b");
    }

    fn classes(sql: &str) -> Vec<Class> {
        classify("m.sql", sql, Dialect::Postgres)
            .into_iter()
            .map(|f| f.class)
            .collect()
    }

    #[test]
    fn statement_kinds() {
        use Class::*;
        let cases = [
            ("CREATE TABLE t (id INT)", Additive),
            ("ALTER TABLE t ADD COLUMN c TEXT", Additive),
            (
                "ALTER TABLE t ADD COLUMN c TEXT NOT NULL DEFAULT 'x'",
                Additive,
            ),
            ("ALTER TABLE t ADD COLUMN c TEXT NOT NULL", Destructive),
            ("CREATE INDEX i ON t (c)", Additive),
            ("CREATE UNIQUE INDEX i ON t (c)", Destructive),
            ("DROP TABLE t", Destructive),
            ("DROP INDEX i", Additive),
            ("ALTER TABLE t DROP COLUMN c", Destructive),
            ("TRUNCATE t", Destructive),
            ("ALTER TABLE t RENAME TO u", Destructive),
            ("ALTER TABLE t RENAME COLUMN a TO b", Destructive),
            ("ALTER TABLE t ALTER COLUMN c TYPE BIGINT", Destructive),
            ("ALTER TABLE t ALTER COLUMN c SET NOT NULL", Destructive),
            ("ALTER TABLE t ALTER COLUMN c DROP NOT NULL", Additive),
            ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (c)", Destructive),
            ("ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0)", Destructive),
            ("UPDATE t SET c = 1", Review),
            ("THIS IS NOT SQL", Unknown),
            ("ALTER SEQUENCE s AS bigint", Review),
            ("DROP INDEX CONCURRENTLY IF EXISTS \"i\"", Additive),
            ("REINDEX TABLE t", Additive),
            ("CREATE STATISTICS s ON a, b FROM t", Additive),
            ("ALTER TABLE t ALTER COLUMN c SET STATISTICS 1000", Additive),
            ("ALTER TABLE t DISABLE TRIGGER USER", Safe),
        ];
        for (sql, class) in cases {
            assert_eq!(classes(sql), vec![class], "{sql}");
        }
    }

    #[test]
    fn do_blocks_are_judged_by_what_they_execute() {
        let sql = "DO $$\nBEGIN\n  IF EXISTS (SELECT 1) THEN\n    EXECUTE 'ALTER TABLE users DROP COLUMN legacy';\n  END IF;\nEND\n$$;\nDO $$ BEGIN EXECUTE format('CREATE INDEX i ON t (a)'); END $$;";
        assert_eq!(classes(sql), vec![Class::Destructive, Class::Additive]);
    }

    #[test]
    fn constraints_on_a_table_made_in_the_same_file_are_additive() {
        let sql = "CREATE TABLE n (id INT); ALTER TABLE n ADD CONSTRAINT u UNIQUE (id); CREATE UNIQUE INDEX i ON n (id); ALTER TABLE n ADD COLUMN c INT NOT NULL;";
        assert_eq!(classes(sql), vec![Class::Additive; 4]);
    }
}
