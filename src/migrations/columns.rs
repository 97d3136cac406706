//! What the migrations of a folder did to the tables' columns and unique indexes, replayed
//! in order, so that a migration that changes a column in place (Rails' `change_column`,
//! Laravel's `change()`, Sequelize's `changeColumn`, Alembic's `alter_column`) is judged
//! against the column as it was.

use std::collections::HashMap;

use super::{Class, Source};

/// A column as the migrations so far left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub ty: String,
    pub nullable: bool,
    pub limit: Option<i64>,
    /// The database fills it in when an insert leaves it out.
    pub default: bool,
}

/// The columns of the tables, by (table, column), after the earlier migrations; and their
/// unique indexes and constraints (the primary key too), check constraints and views, by name.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    columns: HashMap<(String, String), Column>,
    unique: HashMap<String, (String, Vec<String>)>,
    /// Check constraints: table and the expression's tokens (lower case, no whitespace).
    checks: HashMap<String, (String, Vec<String>)>,
    /// Views: every word of the query that defines them (a superset of what they read).
    views: HashMap<String, Vec<String>>,
}

impl Columns {
    pub fn new() -> Columns {
        Columns::default()
    }

    /// The table and columns of the unique index or constraint named `name`.
    pub fn unique_key(&self, name: &str) -> Option<(String, Vec<String>)> {
        self.unique.get(name).cloned()
    }

    /// The columns of each unique index or constraint of `table`.
    pub fn unique_on<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a [String]> + 'a {
        self.unique
            .values()
            .filter(move |(t, _)| t == table)
            .map(|(_, columns)| columns.as_slice())
    }

    /// The table and expression tokens of the check constraint named `name`.
    pub fn check(&self, name: &str) -> Option<&(String, Vec<String>)> {
        self.checks.get(name)
    }

    /// The views that `DROP VIEW name CASCADE` drops with it: every view whose query names it,
    /// and the views that name those, sorted.
    pub fn dependent_views(&self, name: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut queue = vec![unqualified(name).to_string()];
        while let Some(gone) = queue.pop() {
            for (view, words) in &self.views {
                let unqualified_view = unqualified(view).to_string();
                if words.contains(&gone) && !found.contains(view) && unqualified_view != gone {
                    found.push(view.clone());
                    queue.push(unqualified_view);
                }
            }
        }
        found.sort();
        found
    }
}

/// `schema.name` → `name`: a query may name a relation either way.
fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

impl std::ops::Deref for Columns {
    type Target = HashMap<(String, String), Column>;
    fn deref(&self) -> &Self::Target {
        &self.columns
    }
}

impl std::ops::DerefMut for Columns {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.columns
    }
}

/// What a migration does to the columns, for the ones after it.
#[derive(Debug, Clone)]
pub enum ColumnOp {
    Set(String, String, Column),
    NotNull(String, String, bool),
    Remove(String, String),
    Rename(String, String, String),
    RenameTable(String, String),
    DropTable(String),
    /// A unique index or constraint: table, name, columns.
    Unique(String, String, Vec<String>),
    /// An index or constraint dropped, by name.
    DropIndex(String),
    /// A check constraint: table, name, the expression's tokens.
    Check(String, String, Vec<String>),
    /// A view (or materialized view) and the words of its query.
    View(String, Vec<String>),
    /// A view dropped, and with CASCADE the views that depend on it.
    DropView(String, bool),
}

pub fn apply(columns: &mut Columns, op: &ColumnOp) {
    match op {
        ColumnOp::Set(t, c, col) => {
            columns.insert((t.clone(), c.clone()), col.clone());
        }
        ColumnOp::NotNull(t, c, nullable) => {
            if let Some(col) = columns.get_mut(&(t.clone(), c.clone())) {
                col.nullable = *nullable;
            }
        }
        ColumnOp::Remove(t, c) => {
            columns.remove(&(t.clone(), c.clone()));
        }
        ColumnOp::Rename(t, old, new) => {
            if let Some(col) = columns.remove(&(t.clone(), old.clone())) {
                columns.insert((t.clone(), new.clone()), col);
            }
            for (table, tokens) in columns.checks.values_mut() {
                if table == t {
                    tokens
                        .iter_mut()
                        .filter(|w| *w == old)
                        .for_each(|w| *w = new.clone());
                }
            }
        }
        ColumnOp::RenameTable(old, new) => {
            let moved: Vec<_> = columns.keys().filter(|(t, _)| t == old).cloned().collect();
            for key in moved {
                if let Some(col) = columns.remove(&key) {
                    columns.insert((new.clone(), key.1), col);
                }
            }
            for (table, _) in columns
                .unique
                .values_mut()
                .chain(columns.checks.values_mut())
            {
                if table == old {
                    *table = new.clone();
                }
            }
        }
        ColumnOp::DropTable(t) => {
            columns.retain(|(table, _), _| table != t);
            columns.unique.retain(|_, (table, _)| table != t);
            columns.checks.retain(|_, (table, _)| table != t);
            columns.views.remove(t);
        }
        ColumnOp::Unique(t, name, cols) => {
            columns
                .unique
                .insert(name.clone(), (t.clone(), cols.clone()));
        }
        ColumnOp::DropIndex(name) => {
            columns.unique.remove(name);
            columns.checks.remove(name);
        }
        ColumnOp::Check(t, name, tokens) => {
            columns
                .checks
                .insert(name.clone(), (t.clone(), tokens.clone()));
        }
        ColumnOp::View(name, words) => {
            columns.views.insert(name.clone(), words.clone());
        }
        ColumnOp::DropView(name, cascade) => {
            if *cascade {
                for view in columns.dependent_views(name) {
                    columns.views.remove(&view);
                }
            }
            columns.views.remove(name);
        }
    }
}

/// Whether a column of type `before` can become `after` with old code still reading and
/// writing it: the same type, or a wider one of the same kind.
pub fn wider_or_same(before: &str, after: &str) -> bool {
    fn rank(t: &str) -> Option<(&'static str, u8)> {
        Some(match t {
            "string" => ("text", 1),
            "text" | "citext" => ("text", 2),
            "integer" => ("int", 2),
            "bigint" => ("int", 3),
            "datetime" | "timestamp" => ("time", 1),
            // Rails before 5.1 made integer ids.
            "primary_key" => ("int", 2),
            "timestamptz" => ("time", 2),
            _ => return None,
        })
    }
    // JSON is text that the database checks: text holds whatever it held (not the reverse).
    let json_to_text = matches!(before, "json" | "jsonb") && matches!(after, "text" | "citext");
    before == after
        || json_to_text
        || matches!((rank(before), rank(after)), (Some(b), Some(a)) if b.0 == a.0 && a.1 >= b.1)
}

/// A column changed in place (Laravel's `change()`, Sequelize's `changeColumn`) against the
/// column as the earlier migrations left it: the refusal when old code may not fit it (NOT
/// NULL set, another or a narrower type, or nothing known of it before), `None` when it
/// keeps the column readable and writable by old code. Without the earlier migrations it
/// asks for them.
pub fn changed_column(
    src: &Source<'_>,
    columns: Option<&Columns>,
    table: &str,
    column: &str,
    after: &Column,
) -> Option<(Class, String)> {
    use Class::Destructive;
    let Some(columns) = columns else {
        src.want_history();
        return Some((
            Destructive,
            format!("changes {table}.{column}, and the app's earlier migrations could not be read"),
        ));
    };
    let Some(before) = columns.get(&(table.to_string(), column.to_string())) else {
        return Some((
            Destructive,
            format!(
                "changes {table}.{column} to {}, and its earlier type is not known",
                after.ty
            ),
        ));
    };
    if before.nullable && !after.nullable && !after.default {
        return Some((
            Destructive,
            format!("sets NOT NULL on {table}.{column}: old code that leaves it empty fails"),
        ));
    }
    // A length is compared only when both are known: a column first spelled without one
    // (`"CHARACTER VARYING"`) took whatever length the framework gives its strings.
    match retyped(
        table,
        column,
        before,
        &after.ty,
        before.limit.and(after.limit),
    ) {
        (Destructive, why) => Some((Destructive, why)),
        _ => None,
    }
}

/// A column of `before`'s type given type `ty` (and length `limit`): safe when old code still
/// reads and writes it (the same type, a wider one, a longer string), destructive otherwise.
/// A string given a length where it had none is narrower.
pub fn retyped(
    table: &str,
    column: &str,
    before: &Column,
    ty: &str,
    limit: Option<i64>,
) -> (Class, String) {
    let narrower = match (before.limit, limit) {
        (Some(old), Some(new)) => new < old,
        (None, Some(_)) => before.ty == ty,
        _ => false,
    };
    if wider_or_same(&before.ty, ty) && !narrower {
        (
            Class::Safe,
            format!(
                "keeps {table}.{column} readable by old code ({} → {ty})",
                before.ty
            ),
        )
    } else {
        (
            Class::Destructive,
            format!(
                "changes {table}.{column} from {} to {ty}: the column's type changes",
                before.ty
            ),
        )
    }
}
