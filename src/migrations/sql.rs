//! SQL migrations: split a file into statements (keeping line numbers), parse each with
//! `sqlparser`, and classify what it does to code that expects the old schema.

use std::collections::{HashMap, HashSet};

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, CheckConstraint, ColumnDef, ColumnOption, DataType,
    Expr, Ident, IndexColumn, ObjectName, ObjectType, Query, Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

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
// Long because one scanner whose states (comments, quotes, identifiers, dollar-quoted bodies) must
// see each other.
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
    let parsed: Vec<_> = split(sql)
        .into_iter()
        .map(|piece| {
            let statements = Parser::parse_sql(parser.as_ref(), piece.text);
            (piece, statements)
        })
        .collect();
    // What the file did before each statement: constraints and NOT NULL columns on a table it
    // made break nothing (no old code writes to it yet), and so on.
    memory.recreated = recreated_names(parsed.iter().filter_map(|(_, s)| s.as_ref().ok()));
    let mut findings = Vec::new();
    for (piece, statements) in parsed {
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
        if matches!(&statements, Ok(s) if s.is_empty()) {
            continue;
        }
        let (class, reason) = judge(piece.text, statements, parser.as_ref(), memory);
        findings.push(finding(file, piece.line, class, statement, reason));
    }
    findings
}

/// The class of one statement, parsed or not, and why.
fn judge(
    text: &str,
    statements: Result<Vec<Statement>, ParserError>,
    parser: &dyn SqlDialect,
    memory: &mut Memory,
) -> (Class, String) {
    match statements {
        Ok(parsed) => {
            let mut worst = (Class::Additive, String::new());
            for s in &parsed {
                let (class, reason) = statement_class(s, memory);
                if class > worst.0 || worst.1.is_empty() {
                    worst = (class, reason);
                }
            }
            worst
        }
        // An ALTER TABLE with an operation sqlparser does not know (`ALTER CONSTRAINT`):
        // each operation is judged as an ALTER TABLE of its own, in order.
        Err(_) if alter_table_parts(text).is_some() => {
            let judged: Vec<(Class, String)> = alter_table_parts(text)
                .unwrap_or_default()
                .iter()
                .map(|part| judge(part, Parser::parse_sql(parser, part), parser, memory))
                .collect();
            let worst = judged
                .iter()
                .map(|(c, _)| *c)
                .max()
                .unwrap_or(Class::Additive);
            let mut reasons: Vec<&str> = Vec::new();
            for (_, reason) in judged.iter().filter(|(c, _)| *c == worst) {
                if !reasons.contains(&reason.as_str()) {
                    reasons.push(reason);
                }
            }
            (worst, reasons.join("; "))
        }
        // ALTER TABLE t ALTER CONSTRAINT c [NOT] DEFERRABLE: when a key is checked, not what.
        Err(_) if deferrability(text) => (
            Class::Additive,
            "changes when a constraint is checked (not parsed): no column changes".into(),
        ),
        // sqlparser has no ALTER SEQUENCE; what it changes (type, increment, owner) is
        // invisible to old code that only calls nextval.
        Err(_) if starts_with_words(text, &["alter", "sequence"]) => (
            Class::Review,
            "changes a sequence (not parsed); check it by hand".into(),
        ),
        // Statements sqlparser does not know that touch no column old code uses: index
        // rebuilds, planner statistics, function bodies (as a parsed CREATE FUNCTION is).
        Err(_) if unparsed_but_harmless(text) => (
            Class::Additive,
            "rebuilds indexes, adds statistics or a function (not parsed): no column changes"
                .into(),
        ),
        // sqlparser refuses PostgreSQL's `DROP INDEX CONCURRENTLY IF EXISTS`; an index's
        // removal leaves every column old code uses.
        Err(_) if starts_with_words(text, &["drop", "index"]) => (
            Class::Additive,
            "drops an index (not parsed): old code keeps working".into(),
        ),
        Err(e) => (
            Class::Unknown,
            format!("could not parse ({e}), so it cannot be called safe; review it by hand"),
        ),
    }
}

/// `ALTER TABLE [IF EXISTS] [ONLY] t op1, op2, …` as `ALTER TABLE t op1`, `ALTER TABLE t op2`,
/// …; `None` for anything else or a single operation.
fn alter_table_parts(text: &str) -> Option<Vec<String>> {
    let tokens = Tokenizer::new(&GenericDialect {}, text).tokenize().ok()?;
    let significant: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |at: usize| match significant.get(at) {
        Some((_, Token::Word(w))) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    if word(0) != "ALTER" || word(1) != "TABLE" {
        return None;
    }
    let mut at = 2;
    if word(at) == "IF" && word(at + 1) == "EXISTS" {
        at += 2;
    }
    if word(at) == "ONLY" {
        at += 1;
    }
    // The table's name: words joined by dots.
    loop {
        if !matches!(significant.get(at), Some((_, Token::Word(_)))) {
            return None;
        }
        at += 1;
        if !matches!(significant.get(at), Some((_, Token::Period))) {
            break;
        }
        at += 1;
    }
    let body_start = significant.get(at)?.0;
    let head: String = tokens[..body_start]
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    for token in &tokens[body_start..] {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push_str(&token.to_string());
        }
    }
    (parts.len() > 1).then(|| {
        parts
            .iter()
            .map(|op| format!("{} {}", head.trim_end(), op.trim()))
            .collect()
    })
}

/// REINDEX, CREATE STATISTICS, CREATE [OR REPLACE] FUNCTION or PROCEDURE, and ALTER TABLE …
/// ALTER COLUMN … SET STATISTICS | STORAGE | COMPRESSION alone.
fn unparsed_but_harmless(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let head: Vec<&str> = words.iter().map(String::as_str).take(4).collect();
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
}

/// `ALTER TABLE t ALTER CONSTRAINT c [NOT] DEFERRABLE [INITIALLY …]`, one operation.
fn deferrability(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    starts_with_words(sql, &["alter", "table"])
        && !sql.contains(',')
        && words
            .windows(2)
            .any(|w| w[0] == "ALTER" && w[1] == "CONSTRAINT")
        && words.iter().any(|w| w == "DEFERRABLE")
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
    /// Check constraints it dropped, by name, with their expression's tokens when the earlier
    /// migrations are known.
    dropped_checks: HashMap<String, Option<Vec<String>>>,
    /// The tables as the earlier migrations and this file so far left them, when known.
    columns: Option<Columns>,
    /// What the file does to the tables, for the migrations after it.
    ops: Vec<ColumnOp>,
    /// A statement needed the earlier migrations, and they were not given.
    wanted_history: bool,
}

/// The views and functions a SQL file creates.
fn recreated_names<'a>(parsed: impl Iterator<Item = &'a Vec<Statement>>) -> HashSet<String> {
    let mut names = HashSet::new();
    for statements in parsed {
        for statement in statements {
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

// Long because one arm per kind of SQL statement that touches the schema: the rule table.
fn statement_class(s: &Statement, created: &mut Memory) -> (Class, String) {
    use Class::*;
    match s {
        Statement::CreateTable(t) => {
            let table = norm(&t.name);
            created.created.insert(table.clone());
            for column in &t.columns {
                let name = column.name.value.to_ascii_lowercase();
                for option in &column.options {
                    if let ColumnOption::Check(check) = &option.option {
                        let tokens = expr_tokens(&check.expr);
                        let named = check.name.as_ref().map(|n| n.value.to_ascii_lowercase());
                        let named = named.unwrap_or_else(|| {
                            format!("{}_{name}_check", unqualified(&table))
                        });
                        created.record(ColumnOp::Check(table.clone(), named, tokens));
                    }
                }
                created.record(ColumnOp::Set(table.clone(), name, column_of(column)));
            }
            for constraint in &t.constraints {
                if let TableConstraint::Check(check) = constraint {
                    let op = check_op(&table, check, |c| {
                        t.columns.iter().any(|d| d.name.value.eq_ignore_ascii_case(c))
                    });
                    created.record(op);
                }
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
            created.record(ColumnOp::View(norm(&v.name), query_words(&v.query)));
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
            let views = matches!(object_type, ObjectType::View | ObjectType::MaterializedView);
            let rebuilt = names.iter().all(|n| created.recreated.contains(&norm(n)));
            // Which views CASCADE takes along is asked before the replay forgets them.
            let cascaded =
                (*cascade && views && rebuilt).then(|| dropped_with_dependents(created, &list, names));
            if views {
                for n in names {
                    created.record(ColumnOp::DropView(norm(n), *cascade));
                }
            }
            if let Some(verdict) = cascaded {
                return verdict;
            }
            let replaced = !cascade && (views || *object_type == ObjectType::Table) && rebuilt;
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

/// `DROP VIEW v CASCADE` of views this file builds again: the views that depend on them (known
/// from the earlier migrations) go too, and the drop only replaces when the file builds every
/// one of them again.
fn dropped_with_dependents(
    memory: &mut Memory,
    list: &str,
    names: &[ObjectName],
) -> (Class, String) {
    let Some(columns) = memory.columns.as_ref() else {
        memory.wanted_history = true;
        return (
            Class::Destructive,
            format!("drops view {list} with CASCADE, and which views depend on it is not known without the app's earlier migrations"),
        );
    };
    let mut dependents: Vec<String> = names
        .iter()
        .flat_map(|n| columns.dependent_views(&norm(n)))
        .collect();
    dependents.sort();
    dependents.dedup();
    let lost: Vec<&str> = dependents
        .iter()
        .filter(|d| !memory.recreated.contains(*d))
        .map(String::as_str)
        .collect();
    if !lost.is_empty() {
        return (
            Class::Destructive,
            format!(
                "drops view {list} with CASCADE, and with it {}, which this file does not build again: old code that uses them breaks",
                lost.join(", ")
            ),
        );
    }
    let along = if dependents.is_empty() {
        String::new()
    } else {
        format!(
            " and the views that depend on it ({})",
            dependents.join(", ")
        )
    };
    (
        Class::Review,
        format!("replaces view {list}{along} (dropped and built again in this file): check that they keep the columns and rows old code reads"),
    )
}

/// Every word of a view's query, lower case: the relations it reads are among them.
fn query_words(query: &Query) -> Vec<String> {
    let mut words: Vec<String> = expr_tokens_of(&query.to_string())
        .into_iter()
        .filter(|t| {
            t.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// An expression's tokens as the replay keeps them: words lower case and unquoted, no
/// whitespace.
fn expr_tokens(expr: &Expr) -> Vec<String> {
    expr_tokens_of(&expr.to_string())
}

fn expr_tokens_of(text: &str) -> Vec<String> {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, text).tokenize() else {
        return vec![text.to_string()];
    };
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Whitespace(_) => None,
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            other => Some(other.to_string()),
        })
        .collect()
}

/// `schema.name` → `name`.
fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// A table's check constraint for the replay, under the name PostgreSQL gives it when it has
/// none: `<table>_<column>_check` for a check on one column of the table, `<table>_check`
/// otherwise.
fn check_op(table: &str, check: &CheckConstraint, is_column: impl Fn(&str) -> bool) -> ColumnOp {
    let tokens = expr_tokens(&check.expr);
    let name = match &check.name {
        Some(n) => n.value.to_ascii_lowercase(),
        None => {
            let mut named: Vec<&String> = tokens.iter().filter(|t| is_column(t)).collect();
            named.sort();
            named.dedup();
            match named.as_slice() {
                [one] => format!("{}_{one}_check", unqualified(table)),
                _ => format!("{}_check", unqualified(table)),
            }
        }
    };
    ColumnOp::Check(table.to_string(), name, tokens)
}

/// A check constraint this file drops and adds again under the same name, when old code's rows
/// pass it as they passed the old one: the same expression, or the old one with columns this
/// file adds empty (NULL in every row old code writes) among the arguments of `num_nonnulls`
/// or `coalesce`, which skip NULLs.
fn replaced_check(memory: &Memory, table: &str, check: &CheckConstraint) -> Option<String> {
    let name = check.name.as_ref()?.value.to_ascii_lowercase();
    let old = memory.dropped_checks.get(&name)?.as_ref()?;
    let new = expr_tokens(&check.expr);
    let loosened = without_null_arguments(&new, |column| memory.left_empty(table, column));
    (bare(&loosened) == bare(old)).then(|| {
        format!("replaces check constraint {name} of {table} with one old code's rows pass as before (it adds only columns this file adds, which old code leaves empty)")
    })
}

/// The tokens with every argument of `num_nonnulls(…)` and `coalesce(…)` that `empty` says is
/// always NULL left out (one argument is always kept).
fn without_null_arguments(tokens: &[String], empty: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        out.push(tokens[i].clone());
        let skips_nulls = matches!(tokens[i].as_str(), "num_nonnulls" | "coalesce");
        if !(skips_nulls && tokens.get(i + 1).is_some_and(|t| t == "(")) {
            i += 1;
            continue;
        }
        let mut arguments: Vec<Vec<String>> = vec![Vec::new()];
        let mut depth = 0usize;
        let mut close = None;
        for (at, token) in tokens.iter().enumerate().skip(i + 1) {
            match token.as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 1 => {
                    arguments.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            if depth == 0 {
                close = Some(at);
                break;
            }
            if !(depth == 1 && token == "(") {
                if let Some(last) = arguments.last_mut() {
                    last.push(token.clone());
                }
            }
        }
        let Some(close) = close else {
            out.extend(tokens[i + 1..].iter().cloned());
            return out;
        };
        let always_null = |a: &Vec<String>| matches!(a.as_slice(), [one] if empty(one));
        let mut kept: Vec<&Vec<String>> = arguments.iter().filter(|a| !always_null(a)).collect();
        if kept.is_empty() {
            kept = arguments.iter().take(1).collect();
        }
        out.push("(".into());
        for (n, argument) in kept.iter().enumerate() {
            if n > 0 {
                out.push(",".into());
            }
            out.extend(argument.iter().cloned());
        }
        out.push(")".into());
        i = close + 1;
    }
    out
}

/// The tokens without parentheses around the whole of them.
fn bare(mut tokens: &[String]) -> &[String] {
    while tokens.len() >= 2 && tokens[0] == "(" && tokens[tokens.len() - 1] == ")" {
        // Only when the first parenthesis closes at the end: `(a) = (b)` stays.
        let mut depth = 0i32;
        let closes_at_end = tokens.iter().enumerate().all(|(at, t)| {
            match t.as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            depth > 0 || at == tokens.len() - 1
        });
        if !closes_at_end {
            break;
        }
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
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

// Long because one arm per kind of ALTER statement: the rule table.
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
        AlterTableOperation::DropConstraint { name, .. } => {
            let name = name.value.to_ascii_lowercase();
            match memory.columns.as_ref().map(|c| c.check(&name)) {
                Some(Some((_, tokens))) => {
                    let tokens = tokens.clone();
                    memory.dropped_checks.insert(name.clone(), Some(tokens));
                }
                Some(None) => {}
                None => {
                    memory.dropped_checks.insert(name.clone(), None);
                }
            }
            memory.record(ColumnOp::DropIndex(name));
        }
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::Check(check),
            ..
        } => {
            let table = norm(table);
            let op = check_op(&table, check, |c| {
                memory
                    .columns
                    .as_ref()
                    .is_some_and(|k| k.contains_key(&(table.clone(), c.to_string())))
            });
            // A check replaced by name is judged against the old one: the earlier migrations
            // say what it was.
            if let ColumnOp::Check(_, name, _) = &op {
                memory.wanted_history |=
                    memory.columns.is_none() && memory.dropped_checks.contains_key(name);
            }
            memory.record(op);
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

// Long because one arm per ALTER TABLE operation: the rule table.
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
            TableConstraint::Check(check) => match replaced_check(memory, &norm(table), check) {
                Some(why) => (Additive, why),
                None => (
                    Destructive,
                    format!(
                        "adds a check constraint to {table}: old code may write rows it rejects"
                    ),
                ),
            },
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

    /// The tables, views and checks the earlier migrations of a folder left.
    fn replayed(earlier: &[&str]) -> Columns {
        let mut columns = Columns::new();
        for sql in earlier {
            for op in file_ops(sql, Dialect::Postgres) {
                columns::apply(&mut columns, &op);
            }
        }
        columns
    }

    fn judged(sql: &str, earlier: Option<&Columns>) -> (Vec<(usize, Class)>, bool) {
        let (findings, wanted) = classify_replayed("up.sql", sql, Dialect::Postgres, earlier);
        (findings.iter().map(|f| (f.line, f.class)).collect(), wanted)
    }

    #[test]
    fn a_view_dropped_with_cascade_is_replaced_only_when_every_dependent_is_rebuilt() {
        let earlier = replayed(&["CREATE TABLE person (id INT, name TEXT);
CREATE VIEW person_view AS SELECT id, name FROM person;
CREATE MATERIALIZED VIEW person_mview AS SELECT * FROM person_view;
CREATE VIEW person_count AS SELECT count(*) FROM person_mview;
CREATE VIEW other AS SELECT id FROM person;"]);
        use Class::*;
        let rebuilt = "DROP VIEW person_view CASCADE;
CREATE VIEW person_view AS SELECT id, name, 1 AS extra FROM person;
CREATE MATERIALIZED VIEW person_mview AS SELECT * FROM person_view;
CREATE VIEW person_count AS SELECT count(*) FROM person_mview;";
        assert_eq!(
            judged(rebuilt, Some(&earlier)).0,
            vec![(1, Review), (2, Additive), (3, Additive), (4, Additive)]
        );
        // person_count goes with the CASCADE and is not built again.
        let lost = "DROP VIEW person_view CASCADE;
CREATE VIEW person_view AS SELECT id FROM person;
CREATE MATERIALIZED VIEW person_mview AS SELECT * FROM person_view;";
        let (got, _) = judged(lost, Some(&earlier));
        assert_eq!(got[0], (1, Destructive));
        let findings = classify_replayed("up.sql", lost, Dialect::Postgres, Some(&earlier)).0;
        assert!(
            findings[0].reason.contains("person_count"),
            "{}",
            findings[0].reason
        );
        // Without the earlier migrations the dependents are not known: refused, and asked for.
        assert_eq!(
            judged(rebuilt, None),
            (
                vec![
                    (1, Destructive),
                    (2, Additive),
                    (3, Additive),
                    (4, Additive)
                ],
                true
            )
        );
    }

    #[test]
    fn an_alter_table_with_an_operation_sqlparser_lacks_is_judged_operation_by_operation() {
        use Class::*;
        let sql = "ALTER TABLE t ADD COLUMN c int, ALTER CONSTRAINT t_c_fkey NOT DEFERRABLE;
ALTER TABLE IF EXISTS s.t ALTER CONSTRAINT k DEFERRABLE, DROP COLUMN d;
ALTER TABLE t ALTER CONSTRAINT k NOT DEFERRABLE, FROBNICATE x;";
        assert_eq!(
            judged(sql, None).0,
            vec![(1, Additive), (2, Destructive), (3, Unknown)]
        );
        assert_eq!(
            alter_table_parts(
                "ALTER TABLE ONLY \"a\".b DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (f(x, y) = 1)"
            ),
            Some(vec![
                "ALTER TABLE ONLY \"a\".b DROP CONSTRAINT c".to_string(),
                "ALTER TABLE ONLY \"a\".b ADD CONSTRAINT c CHECK (f(x, y) = 1)".to_string(),
            ])
        );
        assert_eq!(alter_table_parts("ALTER TABLE t DROP COLUMN c"), None);
        assert_eq!(alter_table_parts("UPDATE t SET a = 1, b = 2"), None);
    }

    #[test]
    fn a_check_replaced_by_name_is_judged_against_the_old_one() {
        use Class::*;
        let earlier = replayed(&[
            "CREATE TABLE log (a_id int, b_id int, c_id int);
ALTER TABLE log ADD CONSTRAINT log_check CHECK (num_nonnulls(a_id, b_id) = 1);",
            // A rename later: the replayed check follows it.
            "ALTER TABLE log RENAME COLUMN b_id TO bee_id;",
        ]);
        // One more column in the exclusive arc, which this file adds and old code leaves NULL.
        let widened = "ALTER TABLE log ADD COLUMN d_id int;
ALTER TABLE log DROP CONSTRAINT log_check, ADD CONSTRAINT log_check CHECK ((num_nonnulls(a_id, bee_id, d_id) = 1)), ALTER CONSTRAINT log_d_fkey NOT DEFERRABLE;";
        assert_eq!(
            judged(widened, Some(&earlier)),
            (vec![(1, Additive), (2, Additive)], false)
        );
        // The column was there before: old code may have set it, and now two are set.
        let existing = "ALTER TABLE log DROP CONSTRAINT log_check;
ALTER TABLE log ADD CONSTRAINT log_check CHECK (num_nonnulls(a_id, bee_id, c_id) = 1);";
        assert_eq!(
            judged(existing, Some(&earlier)).0,
            vec![(1, Additive), (2, Destructive)]
        );
        // Tightened: refused.
        let tighter = "ALTER TABLE log ADD COLUMN d_id int;
ALTER TABLE log DROP CONSTRAINT log_check, ADD CONSTRAINT log_check CHECK (num_nonnulls(a_id, bee_id, d_id) = 1 AND a_id > 0);";
        assert_eq!(
            judged(tighter, Some(&earlier)).0,
            vec![(1, Additive), (2, Destructive)]
        );
        // Without the earlier migrations the old check is not known: refused, and asked for.
        assert_eq!(
            judged(widened, None),
            (vec![(1, Additive), (2, Destructive)], true)
        );
        // PostgreSQL's names for unnamed checks are the ones a later migration drops.
        let named = replayed(&["CREATE TABLE p (n int CHECK (n > 0), a int, b int, CHECK (a < 10), CHECK (num_nonnulls(a, b) = 1));"]);
        assert!(named.check("p_n_check").is_some());
        assert!(named.check("p_a_check").is_some());
        assert!(named.check("p_check").is_some());
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
