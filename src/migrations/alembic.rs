//! Alembic migrations: the `op.` and `batch_op.` calls of `upgrade()`, judged with what the
//! same file did before each call (tables it created, columns it added, defaults it dropped)
//! and, for changes in place (`alter_column`, unique indexes), with what the migrations it
//! descends from (`down_revision`, not file order) left of the tables.

use ruff_python_ast::{Expr, Stmt};

use super::columns::{self, retyped, Column, ColumnOp, Columns};
use super::python::{arg, callee, finding_on, function, list, name_of, sql_in_code, string, text};
use super::{Class, Finding, Source};

/// A migration's place in the revision graph.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: String,
    pub parents: Vec<String>,
}

/// `revision = "…"` and `down_revision = "…" | ("…", "…") | None` of a module.
pub fn revision(body: &[Stmt]) -> Option<Revision> {
    let value = |name: &str| {
        body.iter().find_map(|s| match s {
            Stmt::Assign(a) if a.targets.iter().any(|t| name_of(t) == Some(name)) => {
                Some(a.value.as_ref())
            }
            Stmt::AnnAssign(a) if name_of(&a.target) == Some(name) => a.value.as_deref(),
            _ => None,
        })
    };
    let id = value("revision").and_then(string)?;
    let parents = match value("down_revision") {
        Some(e) => match list(e) {
            Some(items) => items.iter().filter_map(string).collect(),
            None => string(e).into_iter().collect(),
        },
        None => Vec::new(),
    };
    Some(Revision { id, parents })
}

/// Whether a module is an Alembic migration, and its `upgrade()`.
pub fn upgrade(body: &[Stmt]) -> Option<&[Stmt]> {
    function(body, "upgrade")
}

pub fn classify(src: &Source<'_>, upgrade: &[Stmt], earlier: Option<&Columns>) -> Vec<Finding> {
    let mut walk = Walk::new(src, earlier);
    walk.body(upgrade, "op", None);
    walk.findings
}

/// What a migration does to the tables, for the ones after it.
pub fn file_ops(src: &Source<'_>, upgrade: &[Stmt]) -> Vec<ColumnOp> {
    let mut walk = Walk::new(src, None);
    walk.body(upgrade, "op", None);
    walk.ops
}

/// A column this migration adds: whether old code can leave it out of an insert.
struct Added {
    table: String,
    column: String,
    nullable: bool,
    server_default: bool,
}

struct Walk<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    /// The tables as the earlier migrations and this one so far left them, when known.
    columns: Option<Columns>,
    ops: Vec<ColumnOp>,
    created: Vec<String>,
    added: Vec<Added>,
    /// Unique keys this migration dropped, (table, columns): one that replaces them over the
    /// same or more columns is no stricter.
    replaced: Vec<(String, Vec<String>)>,
}

impl<'a, 'b> Walk<'a, 'b> {
    fn new(src: &'a Source<'b>, earlier: Option<&Columns>) -> Walk<'a, 'b> {
        Walk {
            src,
            findings: Vec::new(),
            columns: earlier.cloned(),
            ops: Vec::new(),
            created: Vec::new(),
            added: Vec::new(),
            replaced: Vec::new(),
        }
    }

    fn record(&mut self, op: ColumnOp) {
        if let Some(columns) = self.columns.as_mut() {
            columns::apply(columns, &op);
        }
        self.ops.push(op);
    }

    fn push(&mut self, e: &Expr, class: Class, reason: String) {
        self.findings.push(finding_on(self.src, e, class, &reason));
    }

    /// `batch` is the table of an enclosing `with op.batch_alter_table("t") as batch_op:`.
    fn body(&mut self, body: &[Stmt], receiver: &str, batch: Option<&str>) {
        for stmt in body {
            match stmt {
                Stmt::Expr(e) => self.expr(&e.value, receiver, batch),
                Stmt::With(w) => {
                    let opened = w.items.iter().find_map(|item| {
                        let Expr::Call(c) = &item.context_expr else {
                            return None;
                        };
                        if callee(c).1 != "batch_alter_table" {
                            return None;
                        }
                        let var = item.optional_vars.as_deref().and_then(name_of)?;
                        let table = arg(c, "table_name", 0).and_then(string)?;
                        Some((var.to_string(), table))
                    });
                    match &opened {
                        Some((var, table)) => self.body(&w.body, var, Some(table)),
                        None => self.body(&w.body, receiver, batch),
                    }
                }
                Stmt::If(i) => {
                    self.body(&i.body, receiver, batch);
                    for clause in &i.elif_else_clauses {
                        self.body(&clause.body, receiver, batch);
                    }
                }
                Stmt::For(f) => self.body(&f.body, receiver, batch),
                _ => {}
            }
        }
    }

    // Long because one arm per Alembic `op.*` operation: the rule table.
    fn expr(&mut self, e: &Expr, receiver: &str, batch: Option<&str>) {
        let Expr::Call(call) = e else { return };
        let (on, name) = callee(call);
        if on != Some(receiver) && on != Some("op") {
            return;
        }
        // batch_op calls name no table: their arguments shift by one.
        let batch = batch.filter(|_| on == Some(receiver) && receiver != "op");
        let at = |n: usize| {
            if batch.is_some() {
                n.checked_sub(1)
            } else {
                Some(n)
            }
        };
        let positional = |n: usize| at(n).and_then(|i| call.arguments.args.get(i));
        let table = match batch {
            Some(t) => Some(t.to_string()),
            None => arg(call, "table_name", 0).and_then(string),
        };
        let table_name = table.clone().unwrap_or_else(|| "a table".into());
        let created = table.as_ref().is_some_and(|t| self.created.contains(t));
        use Class::*;
        let (class, reason) = match name {
            "create_table" => {
                self.create_table(call, &table_name);
                (Additive, format!("creates {table_name}"))
            }
            "create_index" => {
                let table = arg(call, "table_name", 1)
                    .and_then(string)
                    .or(batch.map(str::to_string));
                let table = table.unwrap_or_else(|| "a table".into());
                let index = arg(call, "index_name", 0)
                    .and_then(string)
                    .unwrap_or_default();
                let columns = column_names(arg(call, "columns", 2));
                let unique =
                    arg(call, "unique", usize::MAX).is_some_and(|u| text(self.src, u) == "True");
                if unique {
                    let judged = self.unique(&table, &columns, "a unique index");
                    self.record(ColumnOp::Unique(table, index, columns));
                    judged
                } else {
                    (Additive, format!("adds an index to {table}"))
                }
            }
            "create_unique_constraint" | "create_primary_key" => {
                let table = arg(call, "table_name", 1)
                    .and_then(string)
                    .or(batch.map(str::to_string));
                let table = table.unwrap_or_else(|| "a table".into());
                let columns = column_names(arg(call, "columns", 2).or_else(|| positional(2)));
                // PostgreSQL's name for an unnamed one, which a later drop_constraint uses.
                let suffix = if name == "create_primary_key" {
                    "pkey".to_string()
                } else {
                    format!("{}_key", columns.join("_"))
                };
                let constraint = arg(call, "constraint_name", 0)
                    .and_then(string)
                    .unwrap_or_else(|| format!("{table}_{suffix}"));
                let judged = self.unique(&table, &columns, "a unique constraint");
                self.record(ColumnOp::Unique(table, constraint, columns));
                judged
            }
            "create_check_constraint" if !created => (
                Destructive,
                format!(
                    "adds a check constraint to {table_name}: old code may write rows it rejects"
                ),
            ),
            "add_column" => {
                let column = positional(1).and_then(|c| sa_column(self.src, c));
                let Some((name, column, unique)) = column else {
                    self.push(
                        e,
                        Unknown,
                        "adds a column it cannot read; check it by hand".into(),
                    );
                    return;
                };
                self.added.push(Added {
                    table: table_name.clone(),
                    column: name.clone(),
                    nullable: column.nullable,
                    server_default: column.default,
                });
                let judged = if !column.nullable && !column.default && !created {
                    (
                        Destructive,
                        format!("adds NOT NULL column {table_name}.{name} without a server default: old code's inserts fail"),
                    )
                } else {
                    (Additive, format!("adds column {table_name}.{name}"))
                };
                if unique {
                    self.record(ColumnOp::Unique(
                        table_name.clone(),
                        format!("{table_name}_{name}_key"),
                        vec![name.clone()],
                    ));
                }
                self.record(ColumnOp::Set(table_name.clone(), name, column));
                judged
            }
            "drop_column" => {
                if let Some(column) = positional(1).and_then(string) {
                    self.record(ColumnOp::Remove(table_name.clone(), column));
                }
                if created {
                    return;
                }
                (
                    Destructive,
                    format!("drops a column of {table_name}: old code that reads it breaks"),
                )
            }
            "drop_table" => {
                self.record(ColumnOp::DropTable(table_name.clone()));
                (Destructive, format!("drops {table_name}"))
            }
            "rename_table" => {
                if let Some(new) = arg(call, "new_table_name", 1).and_then(string) {
                    self.record(ColumnOp::RenameTable(table_name.clone(), new));
                }
                (
                    Destructive,
                    format!("renames {table_name}: old code uses the old name"),
                )
            }
            "alter_column" => {
                let column = arg(call, "column_name", 1)
                    .and_then(string)
                    .or_else(|| positional(1).and_then(string));
                let Some(column) = column else {
                    self.push(
                        e,
                        Destructive,
                        "alters a column it cannot name; check it by hand".into(),
                    );
                    return;
                };
                self.alter_column(call, &table_name, &column, created)
            }
            "create_foreign_key" => (
                Review,
                "adds a foreign key: check that old code keeps it satisfied".into(),
            ),
            "drop_index" | "drop_constraint" => {
                let name = arg(call, "index_name", 0)
                    .or_else(|| arg(call, "constraint_name", 0))
                    .and_then(string);
                if let Some(name) = name {
                    let dropped = self.columns.as_ref().and_then(|c| c.unique_key(&name));
                    self.replaced.extend(dropped);
                    self.record(ColumnOp::DropIndex(name));
                }
                (Safe, "keeps every column the old code uses".into())
            }
            "create_table_comment" | "drop_table_comment" | "bulk_insert" => {
                (Safe, "keeps every column the old code uses".into())
            }
            "execute" => {
                let sql = call.arguments.args.first();
                // op.execute("…") or op.execute(sa.text("…")).
                let literal = sql.and_then(|s| {
                    string(s).or_else(|| match s {
                        Expr::Call(inner) => inner.arguments.args.first().and_then(string),
                        _ => None,
                    })
                });
                match (sql, literal) {
                    (Some(s), Some(text)) => {
                        let found = sql_in_code(self.src, &text, s, e);
                        self.findings.extend(found);
                    }
                    _ => self.push(
                        e,
                        Review,
                        "runs SQL built at run time; check it by hand".into(),
                    ),
                }
                return;
            }
            "batch_alter_table" | "get_bind" | "get_context" | "f" | "inline_literal" => return,
            _ if created => (
                Additive,
                format!("changes {table_name}, which this migration creates"),
            ),
            other => (
                Review,
                format!("op.{other} is not a call git-fastrevert knows; check it by hand"),
            ),
        };
        let (class, reason) = if created && class > Safe {
            (
                Additive,
                format!("{reason} (on {table_name}, which this migration creates)"),
            )
        } else {
            (class, reason)
        };
        self.push(e, class, reason);
    }

    /// `create_table("t", sa.Column(...), sa.PrimaryKeyConstraint("id"), ...)`: its columns and
    /// unique keys, for the calls after it.
    fn create_table(&mut self, call: &ruff_python_ast::ExprCall, table: &str) {
        self.created.push(table.to_string());
        for item in call.arguments.args.iter().skip(1) {
            if let Some((name, column, unique)) = sa_column(self.src, item) {
                if unique {
                    let key = format!("{table}_{name}_key");
                    self.record(ColumnOp::Unique(table.into(), key, vec![name.clone()]));
                }
                self.record(ColumnOp::Set(table.into(), name, column));
                continue;
            }
            let Expr::Call(c) = item else { continue };
            if matches!(callee(c).1, "PrimaryKeyConstraint" | "UniqueConstraint") {
                let columns: Vec<String> = c.arguments.args.iter().filter_map(string).collect();
                let name = arg(c, "name", usize::MAX)
                    .and_then(string)
                    .unwrap_or_else(|| format!("{table}_{}", columns.join("_")));
                self.record(ColumnOp::Unique(table.into(), name, columns));
            }
        }
        let primary: Vec<String> = call
            .arguments
            .args
            .iter()
            .skip(1)
            .filter_map(|item| {
                let Expr::Call(c) = item else { return None };
                let is_primary =
                    arg(c, "primary_key", usize::MAX).is_some_and(|p| text(self.src, p) == "True");
                (callee(c).1 == "Column" && is_primary)
                    .then(|| c.arguments.args.first().and_then(string))?
            })
            .collect();
        if !primary.is_empty() {
            self.record(ColumnOp::Unique(
                table.into(),
                format!("{table}_pkey"),
                primary,
            ));
        }
    }

    /// A unique index or constraint over `columns` of `table`.
    fn unique(&mut self, table: &str, columns: &[String], what: &str) -> (Class, String) {
        use Class::*;
        if self.created.iter().any(|t| t == table) {
            return (
                Additive,
                format!("adds {what} to {table}, which this migration creates"),
            );
        }
        // Old code leaves a column this migration adds empty: NULLs never collide.
        let empty = |c: &String| {
            self.added
                .iter()
                .any(|a| a.table == table && &a.column == c && a.nullable && !a.server_default)
        };
        if columns.iter().any(empty) {
            return (
                Additive,
                format!("adds {what} to {table} over a column this migration adds, which old code leaves empty"),
            );
        }
        // Looser than a unique key already there, or than one this migration replaces: no row
        // old code could write collides.
        let covers =
            |key: &[String]| !columns.is_empty() && key.iter().all(|c| columns.contains(c));
        if self
            .replaced
            .iter()
            .any(|(t, key)| t == table && covers(key))
        {
            return (
                Safe,
                format!(
                    "adds {what} to {table} over columns that the unique key it replaces covered"
                ),
            );
        }
        match self.columns.as_ref() {
            Some(known) => {
                if known.unique_on(table).any(covers) {
                    return (
                        Safe,
                        format!(
                            "adds {what} to {table} over columns that a unique key already covers"
                        ),
                    );
                }
            }
            None => self.src.want_history(),
        }
        (
            Destructive,
            format!("adds {what} to {table}: old code may write rows it rejects"),
        )
    }

    // Long because each keyword of `alter_column` judged against the column before it, as one
    // table.
    fn alter_column(
        &mut self,
        call: &ruff_python_ast::ExprCall,
        table: &str,
        column: &str,
        created: bool,
    ) -> (Class, String) {
        use Class::*;
        let kw = |k: &str| {
            call.arguments
                .keywords
                .iter()
                .find(|kw| kw.arg.as_ref().is_some_and(|a| a.as_str() == k))
                .map(|kw| &kw.value)
        };
        let src = self.src;
        let said = |k: &str| kw(k).map(|v| text(src, v));
        let key = (table.to_string(), column.to_string());
        let replayed = self.columns.as_ref().and_then(|c| c.get(&key)).cloned();
        let added = self
            .added
            .iter()
            .find(|a| a.table == table && a.column == column);
        let mut after = replayed.clone();
        let judged = if let Some(new) = kw("new_column_name").and_then(string) {
            self.record(ColumnOp::Rename(table.into(), column.into(), new));
            (
                Destructive,
                format!("renames {table}.{column}: old code uses the old name"),
            )
        } else if said("server_default") == Some("None")
            && added.is_some_and(|a| !a.nullable && a.server_default)
        {
            (
                Destructive,
                format!("drops the default of {table}.{column}, which this migration adds NOT NULL: old code's inserts fail"),
            )
        } else if let Some(ty) = kw("type_") {
            let (ty, limit) = sa_type(src, ty);
            let before = kw("existing_type")
                .map(|t| {
                    let (ty, limit) = sa_type(src, t);
                    Column {
                        ty,
                        limit,
                        nullable: true,
                        default: false,
                    }
                })
                .or(replayed.clone());
            if self.columns.is_none() && kw("existing_type").is_none() {
                src.want_history();
            }
            let new = Column {
                ty: ty.clone(),
                limit,
                nullable: said("nullable")
                    .map_or(before.as_ref().is_none_or(|b| b.nullable), |n| n != "False"),
                default: before.as_ref().is_some_and(|b| b.default),
            };
            after = Some(new.clone());
            match before {
                None => (
                    Destructive,
                    format!("changes {table}.{column} to {ty}, and its earlier type is not known"),
                ),
                Some(b) => match retyped(table, column, &b, &ty, limit) {
                    (Safe, _)
                        if said("nullable") == Some("False")
                            && replayed.as_ref().is_none_or(|r| r.nullable) =>
                    {
                        (
                            Destructive,
                            format!("sets NOT NULL on {table}.{column}: old code that leaves it empty fails"),
                        )
                    }
                    judged => judged,
                },
            }
        } else if said("nullable") == Some("False") {
            let filled = added.is_some_and(|a| a.server_default);
            let already = replayed.as_ref().is_some_and(|r| !r.nullable);
            if let Some(a) = after.as_mut() {
                a.nullable = false;
            }
            if filled || already {
                (
                    Safe,
                    format!("keeps {table}.{column} NOT NULL, which old code fills"),
                )
            } else {
                (
                    Destructive,
                    format!(
                        "sets NOT NULL on {table}.{column}: old code that leaves it empty fails"
                    ),
                )
            }
        } else {
            if said("nullable") == Some("True") {
                if let Some(a) = after.as_mut() {
                    a.nullable = true;
                }
            }
            (
                Safe,
                "alters a column but keeps its name, type and NULL".into(),
            )
        };
        if let Some(after) = after {
            self.record(ColumnOp::Set(table.into(), column.into(), after));
        }
        if created && judged.0 > Safe {
            return (
                Additive,
                format!("{} (on {table}, which this migration creates)", judged.1),
            );
        }
        judged
    }
}

/// The column names of an index's column list; expressions (`sa.text("lower(cn)")`) are left
/// out, except a plain column with a direction (`sa.text("id DESC")`).
fn column_names(list_expr: Option<&Expr>) -> Vec<String> {
    let Some(items) = list_expr.and_then(list) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let spelled = string(item).or_else(|| match item {
                Expr::Call(c) => c.arguments.args.first().and_then(string),
                _ => None,
            })?;
            let mut words = spelled.split_whitespace();
            let name = words.next()?;
            let rest: Vec<&str> = words.collect();
            let plain = name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && rest.iter().all(|w| {
                    matches!(
                        w.to_ascii_uppercase().as_str(),
                        "ASC" | "DESC" | "NULLS" | "FIRST" | "LAST"
                    )
                });
            plain.then(|| name.to_string())
        })
        .collect()
}

/// `sa.String(length=128)` → (`string`, 128); `sa.Text()` → `text`; `sa.Integer` → `integer`.
fn sa_type(src: &Source<'_>, e: &Expr) -> (String, Option<i64>) {
    let (name, length) = match e {
        Expr::Call(c) => {
            let length = arg(c, "length", 0).and_then(|l| text(src, l).parse().ok());
            (callee(c).1, length)
        }
        Expr::Attribute(a) => (a.attr.as_str(), None),
        Expr::Name(n) => (n.id.as_str(), None),
        _ => ("", None),
    };
    let ty = match name.to_ascii_lowercase().as_str() {
        "string" | "varchar" | "unicode" => "string".to_string(),
        "text" | "unicodetext" => "text".to_string(),
        "integer" | "int" => "integer".to_string(),
        "biginteger" => "bigint".to_string(),
        "smallinteger" => "smallint".to_string(),
        "datetime" | "timestamp" => "datetime".to_string(),
        other => other.to_string(),
    };
    let length = if ty == "string" { length } else { None };
    (ty, length)
}

/// `sa.Column("name", sa.String(), nullable=False, server_default=…)` in the replayed columns'
/// terms (nullable unless said or a primary key; a server default or an integer key's sequence
/// fills it), and whether it is unique.
fn sa_column(src: &Source<'_>, e: &Expr) -> Option<(String, Column, bool)> {
    let Expr::Call(call) = e else { return None };
    if callee(call).1 != "Column" {
        return None;
    }
    let name = call
        .arguments
        .args
        .first()
        .and_then(string)
        .unwrap_or_default();
    let kw = |k: &str| {
        call.arguments
            .keywords
            .iter()
            .find(|kw| kw.arg.as_ref().is_some_and(|a| a.as_str() == k))
            .map(|kw| text(src, &kw.value))
    };
    let (ty, limit) = call
        .arguments
        .args
        .get(1)
        .map_or(("unknown".to_string(), None), |t| sa_type(src, t));
    let primary = kw("primary_key") == Some("True");
    let nullable = match kw("nullable") {
        Some(v) => v != "False",
        None => !primary,
    };
    let sequence = (primary || kw("autoincrement") == Some("True"))
        && matches!(ty.as_str(), "integer" | "bigint" | "smallint")
        && kw("autoincrement") != Some("False");
    let default = kw("server_default").is_some_and(|v| v != "None") || sequence;
    let unique = kw("unique") == Some("True");
    Some((
        name,
        Column {
            ty,
            nullable,
            limit,
            default,
        },
        unique,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::{Dialect, Guard};

    fn migration(revision: &str, parent: &str, upgrade: &str) -> String {
        format!(
            "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{revision}\"\ndown_revision = {parent}\n\n\ndef upgrade():\n{upgrade}\n\n\ndef downgrade():\n    op.drop_table(\"users\")\n"
        )
    }

    fn classes(code: &str) -> Vec<(usize, Class)> {
        let src = Source::new("app/migrations/versions/x.py", code, Dialect::Postgres);
        let body = super::super::python::parse(code).unwrap();
        classify(&src, upgrade(&body).unwrap(), None)
            .iter()
            .map(|f| (f.line, f.class))
            .collect()
    }

    #[test]
    fn what_the_same_file_did_before_counts() {
        let code = migration(
            "b",
            "\"a\"",
            "    op.add_column(\"users\", sa.Column(\"plan\", sa.String(), nullable=False, server_default=\"free\"))\n    op.alter_column(\"users\", \"plan\", server_default=None)\n    op.create_table(\"teams\", sa.Column(\"id\", sa.Integer(), primary_key=True), sa.Column(\"name\", sa.String()))\n    op.create_unique_constraint(None, \"teams\", [\"name\"])\n    op.drop_column(\"teams\", \"name\")\n    op.add_column(\"users\", sa.Column(\"sso\", sa.String(), nullable=True))\n    op.create_index(\"users_sso\", \"users\", [\"sso\"], unique=True)\n    op.add_column(\"users\", sa.Column(\"id2\", sa.Integer(), primary_key=True, autoincrement=True))",
        );
        use Class::*;
        assert_eq!(
            classes(&code),
            vec![
                (9, Additive),
                (10, Destructive),
                (11, Additive),
                (12, Additive),
                (14, Additive),
                (15, Additive),
                (16, Additive),
            ]
        );
    }

    #[test]
    fn types_are_compared_with_the_existing_type() {
        let code = migration(
            "b",
            "\"a\"",
            "    op.alter_column(\"users\", \"name\", existing_type=sa.VARCHAR(length=128), type_=sa.String(length=256))\n    op.alter_column(\"users\", \"bio\", existing_type=sa.String(length=128), type_=sa.Text())\n    op.alter_column(\"users\", \"nick\", existing_type=sa.String(length=128), type_=sa.String(length=64))\n    op.alter_column(\"users\", \"age\", existing_type=sa.Integer(), type_=sa.String(length=8))",
        );
        use Class::*;
        assert_eq!(
            classes(&code),
            vec![(9, Safe), (10, Safe), (11, Destructive), (12, Destructive)]
        );
    }

    /// Revisions are replayed along `down_revision`, not by file name: the file named first
    /// here is the newest.
    #[test]
    fn earlier_revisions_are_found_through_down_revision() {
        let guard = Guard::new(&[], Dialect::Postgres).unwrap();
        let base = migration(
            "aaa",
            "None",
            "    op.create_table(\"users\", sa.Column(\"id\", sa.Integer(), primary_key=True), sa.Column(\"email\", sa.String(length=100)), sa.Column(\"status\", sa.String(length=20)))\n    op.create_index(\"users_email\", \"users\", [\"email\"], unique=True)",
        );
        let newest = migration(
            "ccc",
            "\"bbb\"",
            "    op.alter_column(\"users\", \"status\", type_=sa.Text())\n    op.drop_index(\"users_email\")\n    op.create_index(\"users_email_team\", \"users\", [\"email\", \"team\"], unique=True)\n    op.create_index(\"users_status\", \"users\", [\"status\"], unique=True)",
        );
        let middle = migration(
            "bbb",
            "\"aaa\"",
            "    op.add_column(\"users\", sa.Column(\"team\", sa.Integer(), nullable=True))",
        );
        let folder = vec![
            ("0001_newest.py".to_string(), newest.clone()),
            ("0002_base.py".to_string(), base),
            ("0003_middle.py".to_string(), middle),
        ];
        let read = move |_: &str| Some(folder.clone());
        let found: Vec<(usize, Class)> = guard
            .classify_in_folder("app/migrations/versions/0001_newest.py", &newest, &read)
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        use Class::*;
        assert_eq!(
            found,
            vec![(9, Safe), (10, Safe), (11, Safe), (12, Destructive)]
        );
    }
}
