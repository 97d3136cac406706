//! Django and Alembic migrations, parsed with Ruff's Python parser. Django: the `operations` of
//! `class Migration` (`database_operations` of `SeparateDatabaseAndState`, the forward SQL of
//! `RunSQL`), `AlterField` judged against the field as the app's earlier migrations left it.
//! Alembic (`upgrade()`) is read in `alembic.rs`, with the helpers here.

use std::collections::HashMap;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{Class, Finding, Source};

/// A field as a migration defines it: `models.CharField(max_length=20, null=True)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The class name, without its module: `CharField`.
    pub kind: String,
    /// Keyword arguments as source text: `max_length` → `20`.
    pub options: HashMap<String, String>,
}

/// The fields of an app's models after its migrations ran: (model, field) → definition.
pub type State = HashMap<(String, String), Field>;

pub fn parse(text: &str) -> Result<ast::Suite, String> {
    ruff_python_parser::parse_module(text)
        .map(|parsed| parsed.into_syntax().body)
        .map_err(|e| e.to_string())
}

/// The findings of a Django or Alembic migration. `earlier` is the app's state before this
/// migration (Django), `tables` what the Alembic revisions it descends from left, when known.
pub fn classify(
    src: &Source<'_>,
    earlier: Option<&State>,
    tables: Option<&super::columns::Columns>,
) -> Vec<Finding> {
    let body = match parse(src.text) {
        Ok(body) => body,
        Err(e) => {
            return vec![src.unreadable(&format!(
                "could not parse this Python file ({e}); review it by hand"
            ))]
        }
    };
    if let Some(upgrade) = super::alembic::upgrade(&body) {
        return super::alembic::classify(src, upgrade, tables);
    }
    let Some(operations) = django_operations(&body) else {
        return vec![src.unreadable(
            "neither a Django migration (class Migration with operations) nor an Alembic one (def upgrade); review it by hand",
        )];
    };
    let mut state = earlier.cloned();
    // Models this migration creates: no old code reads or writes their tables.
    let created: Vec<String> = operations
        .iter()
        .filter_map(|op| match op {
            Expr::Call(call) if callee(call).1 == "CreateModel" => arg(call, "name", 0)
                .and_then(string)
                .map(|n| n.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut walk = Django {
        src,
        findings: Vec::new(),
        created,
        defaults_set: Vec::new(),
        added_not_null: Vec::new(),
    };
    for op in &operations {
        walk.operation(op, state.as_mut());
    }
    walk.settle_defaults();
    walk.findings
}

pub(super) fn function<'a>(body: &'a [Stmt], name: &str) -> Option<&'a [Stmt]> {
    body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name.as_str() == name => Some(f.body.as_slice()),
        _ => None,
    })
}

/// The operations of `class Migration`: `operations = [...]`, also when built from lists the
/// module defines (`operations = FIRST + [...]`).
pub fn django_operations(body: &[Stmt]) -> Option<Vec<&Expr>> {
    body.iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.as_str() == "Migration" => {
            c.body.iter().find_map(|s| match s {
                Stmt::Assign(a) if a.targets.iter().any(|t| name_of(t) == Some("operations")) => {
                    let mut out = Vec::new();
                    elements(body, &a.value, &mut out, 0).then_some(out)
                }
                _ => None,
            })
        }
        _ => None,
    })
}

/// The items of a list expression, following `+` and names of module-level lists.
fn elements<'a>(module: &'a [Stmt], e: &'a Expr, out: &mut Vec<&'a Expr>, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match e {
        Expr::List(_) | Expr::Tuple(_) => {
            out.extend(list(e).unwrap_or_default());
            true
        }
        Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
            elements(module, &b.left, out, depth + 1) && elements(module, &b.right, out, depth + 1)
        }
        Expr::Name(n) => module.iter().rev().any(|s| match s {
            Stmt::Assign(a) if a.targets.iter().any(|t| name_of(t) == Some(n.id.as_str())) => {
                elements(module, &a.value, out, depth + 1)
            }
            _ => false,
        }),
        _ => false,
    }
}

/// The findings of SQL `text`, written at `literal`, that the call `call` runs.
pub(super) fn sql_in_code(
    src: &Source<'_>,
    text: &str,
    literal: &Expr,
    call: &Expr,
) -> Vec<Finding> {
    let r = call.range();
    let line = src.line_of(usize::from(literal.range().start()));
    src.embedded_sql(text, line, usize::from(r.start())..usize::from(r.end()))
}

/// `migrations.RunSQL.noop`.
fn is_noop(e: &Expr) -> bool {
    matches!(e, Expr::Attribute(a) if a.attr.as_str() == "noop")
}

pub(super) fn name_of(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        _ => None,
    }
}

pub(super) fn list(e: &Expr) -> Option<&[Expr]> {
    match e {
        Expr::List(l) => Some(&l.elts),
        Expr::Tuple(t) => Some(&t.elts),
        _ => None,
    }
}

/// `migrations.AddField` → `AddField`; `op.add_column` → (`op`, `add_column`).
pub(super) fn callee(call: &ast::ExprCall) -> (Option<&str>, &str) {
    match call.func.as_ref() {
        Expr::Attribute(a) => (
            match a.value.as_ref() {
                Expr::Name(n) => Some(n.id.as_str()),
                Expr::Attribute(inner) => Some(inner.attr.as_str()),
                _ => None,
            },
            a.attr.as_str(),
        ),
        Expr::Name(n) => (None, n.id.as_str()),
        _ => (None, ""),
    }
}

/// An argument by keyword, else by position.
pub(super) fn arg<'a>(call: &'a ast::ExprCall, keyword: &str, position: usize) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == keyword))
        .map(|k| &k.value)
        .or_else(|| call.arguments.args.get(position))
}

pub(super) fn string(e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}

pub(super) fn text<'a>(src: &Source<'a>, e: &Expr) -> &'a str {
    let r = e.range();
    src.text
        .get(usize::from(r.start())..usize::from(r.end()))
        .unwrap_or("")
}

/// A field definition from its call, options as source text.
pub fn field(src: &Source<'_>, e: &Expr) -> Option<Field> {
    let Expr::Call(call) = e else { return None };
    let (_, kind) = callee(call);
    let mut options: HashMap<String, String> = call
        .arguments
        .keywords
        .iter()
        .filter_map(|k| Some((k.arg.as_ref()?.to_string(), text(src, &k.value).to_string())))
        .collect();
    // ForeignKey("app.Model", CASCADE): the target is the first positional argument.
    if let Some(first) = call.arguments.args.first() {
        options
            .entry("to".into())
            .or_insert_with(|| text(src, first).to_string());
    }
    Some(Field {
        kind: kind.to_string(),
        options,
    })
}

fn is_true(v: Option<&String>) -> bool {
    v.is_some_and(|v| v == "True")
}

fn number(v: Option<&String>) -> Option<i64> {
    v?.replace('_', "").parse().ok()
}

/// What an operation does to the app's models, as far as fields go.
#[derive(Debug, Clone)]
pub enum StateOp {
    Set(String, String, Field),
    Remove(String, String),
    Rename(String, String, String),
    RenameModel(String, String),
    DeleteModel(String),
}

/// The state changes of one operation (`state_operations` for `SeparateDatabaseAndState`).
pub fn state_ops(src: &Source<'_>, op: &Expr, out: &mut Vec<StateOp>) {
    let Expr::Call(call) = op else { return };
    let lower = |e: Option<&Expr>| e.and_then(string).map(|s| s.to_ascii_lowercase());
    match callee(call).1 {
        "CreateModel" => {
            let Some(model) = lower(arg(call, "name", 0)) else {
                return;
            };
            for f in arg(call, "fields", 1).and_then(list).unwrap_or_default() {
                if let Some([name, def]) = list(f).and_then(|p| p.get(..2)) {
                    if let (Some(name), Some(def)) = (string(name), field(src, def)) {
                        out.push(StateOp::Set(model.clone(), name, def));
                    }
                }
            }
        }
        "AddField" | "AlterField" => {
            let model = lower(arg(call, "model_name", 0));
            let name = arg(call, "name", 1).and_then(string);
            let def = arg(call, "field", 2).and_then(|f| field(src, f));
            if let (Some(model), Some(name), Some(def)) = (model, name, def) {
                out.push(StateOp::Set(model, name, def));
            }
        }
        "RemoveField" => {
            if let (Some(model), Some(name)) = (
                lower(arg(call, "model_name", 0)),
                arg(call, "name", 1).and_then(string),
            ) {
                out.push(StateOp::Remove(model, name));
            }
        }
        "RenameField" => {
            let model = lower(arg(call, "model_name", 0));
            let old = arg(call, "old_name", 1).and_then(string);
            let new = arg(call, "new_name", 2).and_then(string);
            if let (Some(model), Some(old), Some(new)) = (model, old, new) {
                out.push(StateOp::Rename(model, old, new));
            }
        }
        "RenameModel" => {
            if let (Some(old), Some(new)) = (
                lower(arg(call, "old_name", 0)),
                lower(arg(call, "new_name", 1)),
            ) {
                out.push(StateOp::RenameModel(old, new));
            }
        }
        "DeleteModel" => {
            if let Some(model) = lower(arg(call, "name", 0)) {
                out.push(StateOp::DeleteModel(model));
            }
        }
        "SeparateDatabaseAndState" => {
            for op in arg(call, "state_operations", 1)
                .and_then(list)
                .unwrap_or_default()
            {
                state_ops(src, op, out);
            }
        }
        _ => {}
    }
}

/// The state changes of a whole migration file, in order.
pub fn file_state_ops(src: &Source<'_>) -> Vec<StateOp> {
    let mut out = Vec::new();
    if let Ok(body) = parse(src.text) {
        for op in django_operations(&body).unwrap_or_default() {
            state_ops(src, op, &mut out);
        }
    }
    out
}

pub fn apply(state: &mut State, op: &StateOp) {
    match op {
        StateOp::Set(model, name, def) => {
            state.insert((model.clone(), name.clone()), def.clone());
        }
        StateOp::Remove(model, name) => {
            state.remove(&(model.clone(), name.clone()));
        }
        StateOp::Rename(model, old, new) => {
            if let Some(def) = state.remove(&(model.clone(), old.clone())) {
                state.insert((model.clone(), new.clone()), def);
            }
        }
        StateOp::RenameModel(old, new) => {
            let moved: Vec<_> = state.keys().filter(|(m, _)| m == old).cloned().collect();
            for key in moved {
                if let Some(def) = state.remove(&key) {
                    state.insert((new.clone(), key.1), def);
                }
            }
        }
        StateOp::DeleteModel(model) => state.retain(|(m, _), _| m != model),
    }
}

fn replay(src: &Source<'_>, op: &Expr, state: &mut State) {
    let mut ops = Vec::new();
    state_ops(src, op, &mut ops);
    for o in &ops {
        apply(state, o);
    }
}

struct Django<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    created: Vec<String>,
    /// (table, column) given a database default by this migration's SQL.
    defaults_set: Vec<(String, String)>,
    /// (finding index, model, field) of NOT NULL fields added with only a Python default.
    added_not_null: Vec<(usize, String, String)>,
}

/// A finding on the code of one expression.
pub fn finding_on(src: &Source<'_>, e: &Expr, class: Class, reason: &str) -> Finding {
    let r = e.range();
    src.finding_at(usize::from(r.start())..usize::from(r.end()), class, reason)
}

impl Django<'_, '_> {
    fn push(&mut self, e: &Expr, class: Class, reason: String) {
        self.findings.push(finding_on(self.src, e, class, &reason));
    }

    /// A NOT NULL field added with a Python default is fine when the migration's SQL gives its
    /// column a database default after all (`ALTER COLUMN … SET DEFAULT`).
    fn settle_defaults(&mut self) {
        for (at, model, field) in std::mem::take(&mut self.added_not_null) {
            let suffix = format!("_{model}");
            let covered = self.defaults_set.iter().any(|(table, column)| {
                *column == field && (table.ends_with(&suffix) || *table == model)
            });
            if covered {
                if let Some(f) = self.findings.get_mut(at) {
                    f.class = Class::Additive;
                    f.reason = format!(
                        "adds {model}.{field}, and the migration gives its column a database default"
                    );
                }
            }
        }
    }

    /// Judge one operation against `state`, then apply it there (unless `database_only`: the
    /// `database_operations` of `SeparateDatabaseAndState`, whose state comes from its
    /// `state_operations`).
    fn operation(&mut self, op: &Expr, state: Option<&mut State>) {
        self.judge(op, state, false);
    }

    // Long because one arm per Django migration operation: the rule table.
    fn judge(&mut self, op: &Expr, mut state: Option<&mut State>, database_only: bool) {
        let Expr::Call(call) = op else {
            self.push(
                op,
                Class::Unknown,
                "an operation that is not a call; check it by hand".into(),
            );
            return;
        };
        let model = arg(call, "model_name", 0)
            .and_then(string)
            .unwrap_or_default();
        let name = arg(call, "name", 1).and_then(string).unwrap_or_default();
        use Class::*;
        let (class, reason) = match callee(call).1 {
            "CreateModel" => (Additive, "creates a table".to_string()),
            "AddIndex" | "AddIndexConcurrently" => (Additive, "adds an index".into()),
            "AddField" => self.add_field(call, &model, &name),
            "AlterField" => {
                if state.is_none() {
                    self.src.want_history();
                }
                let before = state
                    .as_deref()
                    .and_then(|s| s.get(&(model.to_ascii_lowercase(), name.clone())));
                let after = arg(call, "field", 2).and_then(|f| field(self.src, f));
                alter_field(before, after.as_ref(), &model, &name, state.is_some())
            }
            "RemoveField" => (
                Destructive,
                format!("removes {model}.{name}: old code that reads it breaks"),
            ),
            "RenameField" => (
                Destructive,
                format!(
                    "renames {model}.{}: old code uses the old column",
                    arg(call, "old_name", 1)
                        .and_then(string)
                        .unwrap_or_default()
                ),
            ),
            "DeleteModel" => (
                Destructive,
                format!(
                    "drops the table of {}",
                    arg(call, "name", 0).and_then(string).unwrap_or_default()
                ),
            ),
            "RenameModel" => (
                Destructive,
                format!(
                    "renames the table of {}: old code uses the old one",
                    arg(call, "old_name", 0)
                        .and_then(string)
                        .unwrap_or_default()
                ),
            ),
            "AlterModelTable" => (
                Destructive,
                format!(
                    "renames the table of {} (db_table): old code uses the old one",
                    arg(call, "name", 0).and_then(string).unwrap_or_default()
                ),
            ),
            "RemoveIndex"
            | "RemoveIndexConcurrently"
            | "RenameIndex"
            | "RemoveConstraint"
            | "AlterIndexTogether" => (
                Safe,
                "changes indexes or relaxes constraints: the old code's columns stay".into(),
            ),
            "AlterModelOptions" | "AlterModelManagers" => {
                (Safe, "changes only Django's state, not the database".into())
            }
            "AddConstraint" | "AddConstraintNotValid" => (
                Destructive,
                "adds a constraint: old code may write rows it rejects".into(),
            ),
            "AlterUniqueTogether" => (
                Review,
                "changes unique constraints: check that old code's rows satisfy them".into(),
            ),
            "RunPython" => (Review, "runs code; check it by hand".into()),
            "RunSQL" => {
                match arg(call, "sql", 0) {
                    Some(sql) if is_noop(sql) => {}
                    Some(sql) => self.run_sql(op, sql),
                    None => self.push(op, Review, "RunSQL without SQL; check it by hand".into()),
                }
                return;
            }
            "SeparateDatabaseAndState" => {
                // Only `database_operations` touch the database; the state comes from
                // `state_operations`, replayed after.
                for inner in arg(call, "database_operations", 0)
                    .and_then(list)
                    .unwrap_or_default()
                {
                    self.judge(inner, state.as_deref_mut(), true);
                }
                if let Some(s) = state.as_deref_mut() {
                    replay(self.src, op, s);
                }
                return;
            }
            other => (
                Review,
                format!("{other} is not an operation git-fastrevert knows; check it by hand"),
            ),
        };
        let target = arg(call, "model_name", 0)
            .or_else(|| arg(call, "name", 0))
            .and_then(string)
            .map(|m| m.to_ascii_lowercase())
            .unwrap_or_default();
        let (class, reason) = if class > Safe && self.created.contains(&target) {
            (
                Additive,
                format!(
                    "{reason} (on {target}, which this migration creates: no old code uses it)"
                ),
            )
        } else {
            (class, reason)
        };
        if class == Destructive
            && callee(call).1 == "AddField"
            && reason.contains("drops the column's default")
        {
            self.added_not_null.push((
                self.findings.len(),
                model.to_ascii_lowercase(),
                name.clone(),
            ));
        }
        self.push(op, class, reason);
        if let (Some(s), false) = (state, database_only) {
            replay(self.src, op, s);
        }
    }

    fn add_field(&self, call: &ast::ExprCall, model: &str, name: &str) -> (Class, String) {
        let Some(f) = arg(call, "field", 2).and_then(|f| field(self.src, f)) else {
            return (
                Class::Unknown,
                "a field that is not a call; check it by hand".into(),
            );
        };
        let nullable = is_true(f.options.get("null"));
        if nullable
            || f.options.contains_key("db_default")
            || f.kind == "ManyToManyField"
            // django-taggit's manager is a many-to-many relation: no column.
            || f.kind == "TaggableManager"
            || f.kind == "GeneratedField"
        {
            return (Class::Additive, format!("adds {model}.{name}"));
        }
        let why = if f.options.contains_key("default") {
            "Django drops the column's default right after adding it, so the old code's inserts fail; use db_default or null=True"
        } else {
            "without a default the old code's inserts fail"
        };
        (
            Class::Destructive,
            format!("adds NOT NULL {model}.{name}: {why}"),
        )
    }

    /// `RunSQL(sql, reverse_sql)`: the forward SQL, a string or a list of strings.
    fn run_sql(&mut self, op: &Expr, sql: &Expr) {
        let pieces: Vec<&Expr> = match list(sql) {
            Some(items) => items.iter().collect(),
            None => vec![sql],
        };
        for piece in pieces {
            // `[("SQL with %s", [params])]`: the SQL is the tuple's first element.
            let piece = list(piece).and_then(|t| t.first()).unwrap_or(piece);
            match string(piece) {
                Some(text) => {
                    self.defaults_set
                        .extend(super::sql::defaults_set(&text, self.src.dialect));
                    let found = sql_in_code(self.src, &text, piece, op);
                    self.findings.extend(found);
                }
                None => self.push(
                    op,
                    Class::Review,
                    "runs SQL built at run time; check it by hand".into(),
                ),
            }
        }
    }
}

/// An `AlterField` against the field's definition before it.
// Long because each attribute of a Django field judged against its definition before, as one table.
fn alter_field(
    before: Option<&Field>,
    after: Option<&Field>,
    model: &str,
    name: &str,
    replayed: bool,
) -> (Class, String) {
    use Class::*;
    let (Some(before), Some(after)) = (before, after) else {
        let why = if replayed {
            "its earlier definition was not found in this app's migrations"
        } else {
            "the app's earlier migrations could not be read"
        };
        return (
            Review,
            format!("alters {model}.{name}, and {why}; check it by hand"),
        );
    };
    let field = format!("{model}.{name}");
    if before.kind != after.kind && widening(&before.kind, &after.kind) != Some(true) {
        return (
            Destructive,
            format!(
                "changes {field} from {} to {}: the column's type changes",
                before.kind, after.kind
            ),
        );
    }
    let get = |f: &Field, k: &str| f.options.get(k).cloned();
    // Old code's inserts always give a value when the old field had a default (or auto_now);
    // with db_default the database fills it in.
    let always_written = ["default", "auto_now", "auto_now_add"].iter().any(|k| {
        before
            .options
            .get(*k)
            .is_some_and(|v| v != "None" && v != "False")
    }) || after.options.contains_key("db_default");
    if is_true(before.options.get("null")) && !is_true(after.options.get("null")) && !always_written
    {
        return (
            Destructive,
            format!("makes {field} NOT NULL: old code that leaves it empty fails"),
        );
    }
    for key in ["max_length", "max_digits", "decimal_places"] {
        if let (Some(b), Some(a)) = (
            number(before.options.get(key)),
            number(after.options.get(key)),
        ) {
            if a < b {
                return (
                    Destructive,
                    format!(
                        "narrows {field} ({key} {b} → {a}): old code may write values it rejects"
                    ),
                );
            }
        }
        if before.options.contains_key(key)
            && !after.options.contains_key(key)
            && key != "max_length"
        {
            return (Review, format!("drops {key} of {field}; check it by hand"));
        }
    }
    if get(before, "db_column") != get(after, "db_column") {
        return (
            Destructive,
            format!("renames the column of {field} (db_column)"),
        );
    }
    let model_of =
        |f: &Field| get(f, "to").map(|t| t.trim_matches(['"', '\'']).to_ascii_lowercase());
    if model_of(before) != model_of(after) || get(before, "to_field") != get(after, "to_field") {
        return (Destructive, format!("points {field} at another model"));
    }
    for key in ["unique", "primary_key"] {
        if !is_true(before.options.get(key)) && is_true(after.options.get(key)) {
            return (
                Destructive,
                format!("makes {field} {key}: old code may write rows it rejects"),
            );
        }
    }
    let mut changed: Vec<&str> = before
        .options
        .keys()
        .chain(after.options.keys())
        .filter(|k| before.options.get(*k) != after.options.get(*k))
        .map(String::as_str)
        .collect();
    changed.sort_unstable();
    changed.dedup();
    let what = if changed.is_empty() {
        "nothing the database stores".to_string()
    } else {
        changed.join(", ")
    };
    (
        Safe,
        format!("alters {field} but keeps its column ({what})"),
    )
}

/// The column type a field class stores as, for the classes whose storage is known:
/// (family, width), where within a family a wider type reads everything a narrower one held.
fn family(kind: &str) -> Option<(&'static str, u8)> {
    Some(match kind {
        "CharField"
        | "SlugField"
        | "EmailField"
        | "URLField"
        | "CountryField"
        | "PhoneNumberField"
        | "PossiblePhoneNumberField"
        | "IPAddressField"
        | "FilePathField"
        | "FileField"
        | "ImageField" => ("text", 1),
        "TextField" => ("text", 2),
        "SmallIntegerField" | "PositiveSmallIntegerField" => ("int", 1),
        "IntegerField" | "PositiveIntegerField" => ("int", 2),
        "BigIntegerField" | "PositiveBigIntegerField" => ("int", 3),
        "SmallAutoField" => ("auto", 1),
        "AutoField" => ("auto", 2),
        "BigAutoField" => ("auto", 3),
        "BooleanField" | "NullBooleanField" => ("bool", 1),
        "FloatField" => ("float", 1),
        "JSONField" => ("json", 1),
        _ if kind.ends_with("JSONField") => ("json", 1),
        _ => return None,
    })
}

/// Whether going from one field class to another keeps what old code reads and writes:
/// `Some(true)` for the same storage or a wider one (CharField → TextField, IntegerField →
/// BigIntegerField, a JSONField subclass), `Some(false)` for a narrower or another one, `None`
/// when a class is not known.
fn widening(before: &str, after: &str) -> Option<bool> {
    let (b, a) = (family(before)?, family(after)?);
    // A positive-only field rejects what the signed one took.
    let adds_check = !before.starts_with("Positive") && after.starts_with("Positive");
    Some(b.0 == a.0 && a.1 >= b.1 && !adds_check)
}
