//! Laravel and Doctrine migrations, parsed with tree-sitter's PHP grammar. Only `up()` runs
//! going forward. Laravel: `Schema::create/table/drop/dropIfExists/rename/dropColumns`, the
//! Blueprint calls inside `Schema::table`, `DB::statement`/`DB::unprepared` as SQL. Doctrine:
//! `$this->addSql(...)` as SQL and the schema API (`createTable`, `getTable()->addColumn`, …).

use tree_sitter::Node;

use super::chain::{self, Builder, Chain, Link, Walker};
use super::columns::{self, Column, ColumnOp, Columns};
use super::{Class, Finding, Source};

/// The findings of a migration; `earlier` is what the folder's earlier migrations left of the
/// tables' columns (Laravel's `change()` is judged against it), when known.
pub fn classify(src: &Source<'_>, earlier: Option<&Columns>) -> Vec<Finding> {
    walk_file(src, earlier).0
}

/// What a Laravel migration does to the tables' columns, for the ones after it.
pub fn file_ops(src: &Source<'_>) -> Vec<ColumnOp> {
    walk_file(src, None).1
}

fn walk_file(src: &Source<'_>, earlier: Option<&Columns>) -> (Vec<Finding>, Vec<ColumnOp>) {
    let tree = match chain::parse(src, tree_sitter_php::LANGUAGE_PHP.into()) {
        Ok(tree) => tree,
        Err(e) => {
            let reason = format!("could not parse this PHP file ({e}); review it by hand");
            return (vec![src.unreadable(&reason)], Vec::new());
        }
    };
    let mut ups = Vec::new();
    up_methods(src, tree.root_node(), &mut ups);
    if ups.is_empty() {
        let reason =
            "neither a Laravel nor a Doctrine migration (no up() method); review it by hand";
        return (vec![src.unreadable(reason)], Vec::new());
    }
    let mut walk = Walk {
        src,
        findings: Vec::new(),
        builder: None,
        new_tables: Vec::new(),
        created: Vec::new(),
        added_empty: Vec::new(),
        columns: earlier.cloned(),
        ops: Vec::new(),
    };
    for body in ups {
        walk.descend(body);
    }
    (walk.findings, walk.ops)
}

fn up_methods<'t>(src: &Source<'_>, node: Node<'t>, out: &mut Vec<Node<'t>>) {
    if node.kind() == "method_declaration" {
        let named_up = node
            .child_by_field_name("name")
            .is_some_and(|n| chain::text(src, n) == "up");
        if let (true, Some(body)) = (named_up, node.child_by_field_name("body")) {
            out.push(body);
        }
        return;
    }
    for child in chain::named_children(node) {
        up_methods(src, child, out);
    }
}

/// `$table->string('x')->nullable()`, `Schema::table(...)`, `$this->addSql(...)` as a chain.
fn call_chain<'t>(src: &Source<'_>, node: Node<'t>) -> Option<Chain<'t>> {
    if !matches!(
        node.kind(),
        "member_call_expression" | "nullsafe_member_call_expression" | "scoped_call_expression"
    ) {
        return None;
    }
    let mut links = Vec::new();
    let mut at = node;
    let receiver = loop {
        let name = at
            .child_by_field_name("name")
            .map(|n| chain::text(src, n).to_string());
        match at.kind() {
            "member_call_expression" | "nullsafe_member_call_expression" => {
                links.push(Link {
                    name: name.unwrap_or_default(),
                    args: arguments(at),
                });
                at = at.child_by_field_name("object")?;
            }
            "member_access_expression" | "nullsafe_member_access_expression" => {
                links.push(Link {
                    name: name.unwrap_or_default(),
                    args: Vec::new(),
                });
                at = at.child_by_field_name("object")?;
            }
            "scoped_call_expression" => {
                links.push(Link {
                    name: name.unwrap_or_default(),
                    args: arguments(at),
                });
                let scope = at.child_by_field_name("scope")?;
                let scope = chain::text(src, scope);
                break scope.rsplit('\\').next().unwrap_or(scope).to_string();
            }
            "variable_name" => break chain::text(src, at).trim_start_matches('$').to_string(),
            "parenthesized_expression" => at = *chain::named_children(at).first()?,
            _ => break String::new(),
        }
    };
    links.reverse();
    Some(Chain {
        receiver,
        links,
        node,
    })
}

/// The values of a call's arguments (named arguments too).
fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    chain::named_children(args)
        .into_iter()
        .filter(|a| a.kind() == "argument")
        .filter_map(|a| chain::named_children(a).last().copied())
        .collect()
}

/// A string the code spells out: quoted, heredoc, nowdoc, or such strings joined with `.`;
/// `None` when any part is computed.
fn string(src: &Source<'_>, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "string" | "encapsed_string" | "heredoc" | "nowdoc" => {
            let mut out = String::new();
            literal_parts(src, node, &mut out).then_some(out)
        }
        "binary_expression" => {
            let op = node.child_by_field_name("operator")?;
            if chain::text(src, op) != "." {
                return None;
            }
            let left = string(src, node.child_by_field_name("left")?)?;
            let right = string(src, node.child_by_field_name("right")?)?;
            Some(left + &right)
        }
        _ => None,
    }
}

fn literal_parts(src: &Source<'_>, node: Node<'_>, out: &mut String) -> bool {
    for part in chain::named_children(node) {
        match part.kind() {
            "string_content" | "string_value" | "nowdoc_string" => {
                out.push_str(chain::text(src, part))
            }
            "escape_sequence" => out.push_str(&unescape(chain::text(src, part))),
            "heredoc_start" | "heredoc_end" => {}
            "heredoc_body" | "nowdoc_body" => {
                if !literal_parts(src, part, out) {
                    return false;
                }
            }
            // A variable or an expression inside the string.
            _ => return false,
        }
    }
    true
}

fn unescape(escape: &str) -> String {
    match escape {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        "\\$" => "$".into(),
        other => other.to_string(),
    }
}

/// The first closure among arguments, with the name of its first parameter (`$table`).
fn closure<'t>(src: &Source<'_>, args: &[Node<'t>]) -> Option<(String, Node<'t>)> {
    args.iter().find_map(|a| {
        if !matches!(a.kind(), "anonymous_function" | "arrow_function") {
            return None;
        }
        let params = a.child_by_field_name("parameters")?;
        let first = *chain::named_children(params).first()?;
        let name = first.child_by_field_name("name")?;
        let body = a.child_by_field_name("body")?;
        Some((
            chain::text(src, name).trim_start_matches('$').to_string(),
            body,
        ))
    })
}

/// The columns a Blueprint call defines, in the replayed columns' terms, each with whether
/// its size is computed in code: `$table->string('name', 100)->nullable()` is (`name`,
/// string(100), nullable); `timestamps()` is two. Nothing for calls that are no column.
// Long because one arm per Laravel column type and its size rules: the rule table.
fn laravel_columns(src: &Source<'_>, chain: &Chain<'_>) -> Vec<(String, Column, bool)> {
    let Some(first) = chain.links.first() else {
        return Vec::new();
    };
    let arg = |at: usize| first.args.get(at).copied();
    let name = arg(0).and_then(|a| string(src, a));
    let nullable = chain
        .link("nullable")
        .is_some_and(|l| l.args.iter().all(|a| chain::text(src, *a) != "false"));
    let default = [
        "default",
        "useCurrent",
        "autoIncrement",
        "storedAs",
        "virtualAs",
    ]
    .iter()
    .any(|m| chain.has(m));
    let column = |ty: &str, limit: Option<i64>, nullable: bool, default: bool| Column {
        ty: ty.to_string(),
        nullable,
        limit,
        default,
    };
    let one = |name: Option<String>, ty: &str, limit: Option<i64>, computed: bool| {
        name.map(|n| vec![(n, column(ty, limit, nullable, default), computed)])
            .unwrap_or_default()
    };
    let named = |fallback: &str| Some(name.clone().unwrap_or_else(|| fallback.to_string()));
    let method = first.name.as_str();
    match method {
        "string" | "char" => {
            let size = arg(1);
            let limit = match size {
                Some(n) => chain::text(src, n).parse().ok(),
                None => Some(255),
            };
            one(name, "string", limit, size.is_some() && limit.is_none())
        }
        "text" | "tinyText" | "mediumText" | "longText" => one(name, "text", None, false),
        "integer" | "unsignedInteger" | "mediumInteger" | "unsignedMediumInteger" => {
            one(name, "integer", None, false)
        }
        "smallInteger" | "unsignedSmallInteger" => one(name, "smallint", None, false),
        "tinyInteger" | "unsignedTinyInteger" => one(name, "tinyint", None, false),
        "bigInteger" | "unsignedBigInteger" | "foreignId" => one(name, "bigint", None, false),
        "id" | "bigIncrements" => vec![(
            named("id").unwrap_or_default(),
            column("bigint", None, false, true),
            false,
        )],
        "increments" | "mediumIncrements" => {
            vec![(
                named("id").unwrap_or_default(),
                column("integer", None, false, true),
                false,
            )]
        }
        "boolean" | "json" | "jsonb" | "date" | "year" | "binary" | "decimal" | "float"
        | "double" | "enum" | "set" | "uuid" | "ulid" => one(name, method, None, false),
        "foreignUuid" => one(name, "uuid", None, false),
        "foreignUlid" => one(name, "ulid", None, false),
        "dateTime" | "dateTimeTz" | "timestamp" | "timestampTz" => {
            one(name, "datetime", None, false)
        }
        "time" | "timeTz" => one(name, "time", None, false),
        "ipAddress" => one(name, "string", Some(45), false),
        "macAddress" => one(name, "string", Some(17), false),
        "timestamps" | "timestampsTz" | "nullableTimestamps" => ["created_at", "updated_at"]
            .iter()
            .map(|n| (n.to_string(), column("datetime", None, true, false), false))
            .collect(),
        "softDeletes" | "softDeletesTz" => vec![(
            named("deleted_at").unwrap_or_default(),
            column("datetime", None, true, false),
            false,
        )],
        "rememberToken" => vec![(
            "remember_token".into(),
            column("string", Some(100), true, false),
            false,
        )],
        "morphs" | "nullableMorphs" => {
            let Some(base) = name else { return Vec::new() };
            let nullable = method == "nullableMorphs";
            vec![
                (
                    format!("{base}_type"),
                    column("string", Some(255), nullable, false),
                    false,
                ),
                (
                    format!("{base}_id"),
                    column("bigint", None, nullable, false),
                    false,
                ),
            ]
        }
        _ => Vec::new(),
    }
}

/// Doctrine's `addColumn('name', 'type', ['notnull' => false, 'default' => …])`: whether the
/// options leave old inserts working.
fn doctrine_column_fills(src: &Source<'_>, options: Option<&Node<'_>>) -> bool {
    let Some(options) = options else { return false };
    chain::named_children(*options).iter().any(|el| {
        let parts = chain::named_children(*el);
        let key = parts.first().and_then(|k| string(src, *k));
        let value = parts
            .get(1)
            .map(|v| chain::text(src, *v).to_ascii_lowercase());
        match key.as_deref() {
            Some("notnull") => value.as_deref() == Some("false"),
            Some("default") => value.as_deref() != Some("null"),
            Some("autoincrement") => value.as_deref() == Some("true"),
            _ => false,
        }
    })
}

struct Walk<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    /// Inside `Schema::table('t', function (Blueprint $table) {…})`: (`table`, `t`).
    builder: Option<(String, String)>,
    /// Variables holding a table this migration creates (`$t = $schema->createTable('t')`).
    new_tables: Vec<String>,
    /// Tables this migration creates (`Schema::create`): no old code uses them yet.
    created: Vec<String>,
    /// (table, column) this migration adds nullable and without a default: old code leaves
    /// them empty.
    added_empty: Vec<(String, String)>,
    /// The tables' columns as the earlier migrations and this one so far left them, when the
    /// earlier ones are known.
    columns: Option<Columns>,
    /// What this migration does to the columns.
    ops: Vec<ColumnOp>,
}

impl Walk<'_, '_> {
    fn record(&mut self, op: ColumnOp) {
        if let Some(columns) = self.columns.as_mut() {
            columns::apply(columns, &op);
        }
        self.ops.push(op);
    }

    /// A Blueprint call inside `Schema::table` or `Schema::create`: judged (unless the table
    /// is this migration's own), then replayed on the columns.
    fn builder_call(&mut self, chain: &Chain<'_>, table: &str) {
        let columns = laravel_columns(self.src, chain);
        let new_table = self.created.iter().any(|t| t == table);
        if !new_table {
            let first = chain.links.first().map_or("", |l| l.name.as_str());
            let unique_over_new = first == "unique"
                && chain.links[0].args.first().is_some_and(|a| {
                    self.strings(*a).iter().any(|c| {
                        self.added_empty
                            .iter()
                            .any(|(t, added)| t == table && added == c)
                    })
                });
            let (class, reason) = match columns.first() {
                Some((name, after, computed)) if chain.has("change") => {
                    self.change(table, name, after, *computed)
                }
                // Old code leaves that column empty, and NULLs never collide.
                _ if unique_over_new => (
                    Class::Additive,
                    format!("adds a unique index on {table} over a column this migration adds, which old code leaves empty"),
                ),
                _ => chain::builder_call(Builder::Laravel, chain, table),
            };
            self.push(chain.node, class, reason);
            if !chain.has("change") {
                for (name, column, _) in &columns {
                    if column.nullable && !column.default {
                        self.added_empty.push((table.to_string(), name.clone()));
                    }
                }
            }
        }
        for (name, column, _) in columns {
            self.record(ColumnOp::Set(table.to_string(), name, column));
        }
        let Some(first) = chain.links.first() else {
            return;
        };
        let names = |at: usize| {
            first
                .args
                .get(at)
                .map(|a| self.strings(*a))
                .unwrap_or_default()
        };
        match first.name.as_str() {
            "dropColumn" | "dropColumns" | "removeColumn" => {
                let mut dropped = names(0);
                for extra in 1..first.args.len() {
                    dropped.extend(names(extra));
                }
                for name in dropped {
                    self.record(ColumnOp::Remove(table.to_string(), name));
                }
            }
            "renameColumn" => {
                if let (Some(old), Some(new)) = (names(0).pop(), names(1).pop()) {
                    self.record(ColumnOp::Rename(table.to_string(), old, new));
                }
            }
            "rename" => {
                if let Some(new) = names(0).pop() {
                    self.record(ColumnOp::RenameTable(table.to_string(), new));
                }
            }
            _ => {}
        }
    }

    /// `$table->string('name', 100)->nullable()->change()` against the column as it was.
    fn change(&self, table: &str, column: &str, after: &Column, computed: bool) -> (Class, String) {
        if let Some(refused) =
            columns::changed_column(self.src, self.columns.as_ref(), table, column, after)
        {
            return refused;
        }
        if computed {
            return (
                Class::Review,
                format!("changes {table}.{column} to a size computed in code; check it by hand"),
            );
        }
        (
            Class::Safe,
            format!("keeps {table}.{column} readable by old code ({})", after.ty),
        )
    }

    /// A string, or an array of strings: `'a'`, `['a', 'b']`.
    fn strings(&self, node: Node<'_>) -> Vec<String> {
        match string(self.src, node) {
            Some(one) => vec![one],
            None => chain::named_children(node)
                .into_iter()
                .filter_map(|el| {
                    let value = chain::named_children(el).last().copied()?;
                    string(self.src, value)
                })
                .collect(),
        }
    }

    fn push(&mut self, node: Node<'_>, class: Class, reason: String) {
        self.findings
            .push(chain::finding(self.src, node, class, &reason));
    }
}

impl Walker for Walk<'_, '_> {
    fn call_chain<'t>(&self, node: Node<'t>) -> Option<Chain<'t>> {
        call_chain(self.src, node)
    }

    /// Variables that hold a table the migration creates are noted on the way down.
    fn note(&mut self, node: Node<'_>) {
        if node.kind() == "assignment_expression" {
            let left = node.child_by_field_name("left");
            let right = node.child_by_field_name("right");
            if let (Some(left), Some(right)) = (left, right) {
                if left.kind() == "variable_name"
                    && call_chain(self.src, right).is_some_and(|c| c.has("createTable"))
                {
                    let name = chain::text(self.src, left).trim_start_matches('$');
                    self.new_tables.push(name.to_string());
                }
            }
        }
    }

    fn chain(&mut self, chain: &Chain<'_>) {
        use Class::*;
        if let Some((param, table)) = self.builder.clone() {
            if chain.receiver == param {
                return self.builder_call(chain, &table);
            }
        }
        if self.new_tables.contains(&chain.receiver) {
            return;
        }
        match chain.receiver.as_str() {
            "Schema" => return self.schema(chain),
            "DB" => {
                if let Some(link) = chain.link("statement").or_else(|| chain.link("unprepared")) {
                    return self.sql(chain, link);
                }
                const WRITES: &[&str] = &[
                    "update",
                    "insert",
                    "insertOrIgnore",
                    "insertGetId",
                    "upsert",
                    "updateOrInsert",
                    "delete",
                    "truncate",
                    "increment",
                    "decrement",
                ];
                if chain.has("table")
                    && chain
                        .links
                        .iter()
                        .any(|l| WRITES.contains(&l.name.as_str()))
                {
                    self.push(
                        chain.node,
                        Review,
                        "changes data: rolling code back does not undo it; check it by hand".into(),
                    );
                    return self.arguments(chain);
                }
            }
            // Helpers that compute values; any other class (a model, a seeder) runs code the
            // guard does not read.
            "Str" | "Arr" | "Uuid" | "Ulid" | "Carbon" | "Date" | "Crypt" | "Hash" | "Log"
            | "Config" | "App" => {}
            class if class.chars().next().is_some_and(char::is_uppercase) => {
                let call = chain.links.first().map_or("", |l| l.name.as_str());
                self.push(
                    chain.node,
                    Review,
                    format!("calls {class}::{call}(), which git-fastrevert does not read; check it by hand"),
                );
                return self.arguments(chain);
            }
            "this" => match chain.links.first().map(|l| l.name.as_str()) {
                Some("addSql") => return self.sql(chain, &chain.links[0]),
                Some("abortIf" | "skipIf" | "warnIf" | "write" | "connection") | None => {}
                Some(other) => {
                    self.push(
                        chain.node,
                        Review,
                        format!("calls $this->{other}(), which git-fastrevert does not read; check it by hand"),
                    );
                    return;
                }
            },
            _ => {}
        }
        if let Some((class, reason)) = self.doctrine(chain) {
            self.push(chain.node, class, reason);
            return;
        }
        self.arguments(chain);
    }
}

impl Walk<'_, '_> {
    fn sql(&mut self, chain: &Chain<'_>, link: &Link<'_>) {
        let found = chain::call_sql(self.src, chain, link, string);
        self.findings.extend(found);
    }

    /// `Schema::…`, also through `Schema::connection('x')->…`.
    fn schema(&mut self, chain: &Chain<'_>) {
        use Class::*;
        let Some(op) = chain
            .links
            .iter()
            .find(|l| !matches!(l.name.as_str(), "connection" | "setConnection"))
        else {
            return;
        };
        let table = op
            .args
            .first()
            .and_then(|a| string(self.src, *a))
            .unwrap_or_else(|| "a table".into());
        let (class, reason) = match op.name.as_str() {
            "create" => {
                self.created.push(table.clone());
                if let Some((param, body)) = closure(self.src, &op.args) {
                    let outer = self.builder.replace((param, table.clone()));
                    self.descend(body);
                    self.builder = outer;
                }
                (Additive, format!("creates {table}"))
            }
            "table" => {
                if let Some((param, body)) = closure(self.src, &op.args) {
                    let outer = self.builder.replace((param, table));
                    self.descend(body);
                    self.builder = outer;
                }
                return;
            }
            "drop" | "dropIfExists" => {
                self.record(ColumnOp::DropTable(table.clone()));
                (Destructive, format!("drops {table}"))
            }
            "rename" => {
                if let Some(new) = op.args.get(1).and_then(|a| string(self.src, *a)) {
                    self.record(ColumnOp::RenameTable(table.clone(), new));
                }
                (
                    Destructive,
                    format!("renames {table}: old code uses the old name"),
                )
            }
            "dropColumns" => (
                Destructive,
                format!("drops columns of {table}: old code that reads them breaks"),
            ),
            "hasTable"
            | "hasColumn"
            | "hasColumns"
            | "hasIndex"
            | "getColumnListing"
            | "getColumnType"
            | "disableForeignKeyConstraints"
            | "enableForeignKeyConstraints"
            | "withoutForeignKeyConstraints"
            | "defaultStringLength" => {
                self.arguments(chain);
                return;
            }
            other => (
                Review,
                format!("Schema::{other} is not a call git-fastrevert knows; check it by hand"),
            ),
        };
        self.push(chain.node, class, reason);
    }

    /// Doctrine's schema API: `$schema->createTable`, `$schema->getTable('t')->dropColumn`, …
    fn doctrine(&self, chain: &Chain<'_>) -> Option<(Class, String)> {
        use Class::*;
        if chain.has("createTable") {
            return Some((Additive, "creates a table".into()));
        }
        let op = chain.links.iter().rev().find(|l| l.name != "getTable")?;
        let fills = |l: &Link<'_>| doctrine_column_fills(self.src, l.args.get(2));
        Some(match op.name.as_str() {
            "createTable" => (Additive, "creates a table".into()),
            "dropTable" => (Destructive, "drops a table".into()),
            "renameTable" => (
                Destructive,
                "renames a table: old code uses the old name".into(),
            ),
            "addColumn" if fills(op) => (Additive, "adds a column".into()),
            "addColumn" => (
                Destructive,
                "adds a NOT NULL column without a default: old code's inserts fail".into(),
            ),
            "dropColumn" => (
                Destructive,
                "drops a column: old code that reads it breaks".into(),
            ),
            "modifyColumn" | "changeColumn" => (
                Destructive,
                "changes a column: old code may not fit its new type or NULL".into(),
            ),
            "renameColumn" => (
                Destructive,
                "renames a column: old code uses the old name".into(),
            ),
            "addIndex" => (Additive, "adds an index".into()),
            "addUniqueIndex" | "setPrimaryKey" | "addUniqueConstraint" => (
                Destructive,
                "adds a constraint: old code may write rows it rejects".into(),
            ),
            "addForeignKeyConstraint" => (
                Review,
                "adds a foreign key: check that old code keeps it satisfied".into(),
            ),
            "dropIndex"
            | "removeForeignKey"
            | "dropPrimaryKey"
            | "removeUniqueConstraint"
            | "renameIndex" => (Safe, "keeps every column the old code uses".into()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Dialect;

    fn classes(code: &str) -> Vec<(usize, Class)> {
        let src = Source::new(
            "database/migrations/2024_01_01_000000_x.php",
            code,
            Dialect::Generic,
        );
        classify(&src, None)
            .iter()
            .map(|f| (f.line, f.class))
            .collect()
    }

    fn laravel(up: &str) -> String {
        format!(
            "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Schema\\Blueprint;\nuse Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration\n{{\n    public function up(): void\n    {{\n{up}\n    }}\n\n    public function down(): void\n    {{\n        Schema::dropIfExists('songs');\n    }}\n}};\n"
        )
    }

    #[test]
    fn laravel_drops_and_renames_are_destructive_and_only_up_counts() {
        let code = laravel(
            "        Schema::table('songs', function (Blueprint $table) {\n            $table->dropColumn(['lyrics', 'track']);\n            $table->renameColumn('title', 'name');\n        });\n        Schema::drop('albums');\n        Schema::rename('artists', 'people');",
        );
        use Class::*;
        assert_eq!(
            classes(&code),
            vec![
                (12, Destructive),
                (13, Destructive),
                (15, Destructive),
                (16, Destructive)
            ]
        );
    }

    #[test]
    fn laravel_columns_are_not_null_unless_nullable_or_defaulted() {
        let code = laravel(
            "        Schema::create('plays', function (Blueprint $table) {\n            $table->id();\n            $table->string('song_id');\n        });\n        Schema::table('songs', function (Blueprint $table) {\n            $table->string('mbid', 36)->nullable()->after('title');\n            $table->boolean('liked')->default(false);\n            $table->timestamps();\n            $table->index('mbid');\n            $table->integer('year');\n            $table->text('notes')->nullable()->change();\n            $table->bigInteger('length')->unsigned()->change();\n            $table->unique('mbid');\n            $table->unique('email');\n            $table->foreign('album_id')->references('id')->on('albums');\n            $table->dropForeign(['artist_id']);\n        });",
        );
        use Class::*;
        assert_eq!(
            classes(&code),
            vec![
                (11, Additive),
                (16, Additive),
                (17, Additive),
                (18, Additive),
                (19, Additive),
                (20, Destructive),
                (21, Destructive),
                (22, Destructive),
                (23, Additive),
                (24, Destructive),
                (25, Review),
                (26, Safe),
            ]
        );
    }

    #[test]
    fn laravel_change_is_judged_against_the_earlier_migrations_and_own_tables_are_new() {
        let create = laravel(
            "        Schema::create('songs', function (Blueprint $table) {\n            $table->string('id', 32)->primary();\n            $table->string('title');\n            $table->integer('album_id')->unsigned();\n            $table->string('password', 60);\n        });\n        Schema::table('songs', function (Blueprint $table) {\n            $table->foreign('album_id')->references('id')->on('albums');\n        });",
        );
        let src = Source::new(
            "database/migrations/1_create.php",
            &create,
            Dialect::Generic,
        );
        assert_eq!(
            classify(&src, None)
                .iter()
                .map(|f| f.class)
                .collect::<Vec<_>>(),
            vec![Class::Additive],
            "a table made in the same migration is new: nothing on it is judged"
        );
        let mut columns = Columns::new();
        file_ops(&src)
            .iter()
            .for_each(|op| columns::apply(&mut columns, op));
        let change = laravel(
            "        Schema::table('songs', function (Blueprint $table) {\n            $table->string('id', 36)->change();\n            $table->string('title', 4064)->change();\n            $table->string('password', 60)->nullable()->change();\n            $table->string('album_id')->change();\n            $table->string('title', 100)->change();\n            $table->string('id', (2 ** 6))->change();\n        });",
        );
        let src = Source::new(
            "database/migrations/2_change.php",
            &change,
            Dialect::Generic,
        );
        use Class::*;
        assert_eq!(
            classify(&src, Some(&columns))
                .iter()
                .map(|f| (f.line, f.class))
                .collect::<Vec<_>>(),
            vec![
                (12, Safe),
                (13, Safe),
                (14, Safe),
                (15, Destructive),
                (16, Destructive),
                (17, Review),
            ]
        );
    }

    #[test]
    fn laravel_sql_is_read_as_sql_and_computed_sql_is_a_warning() {
        let code = laravel(
            "        DB::statement('ALTER TABLE songs DROP COLUMN lyrics');\n        DB::statement(\"CREATE INDEX songs_title ON songs (title)\");\n        DB::statement(\"ALTER TABLE {$t} DROP COLUMN x\");\n        DB::table('songs')->update(['liked' => false]);",
        );
        use Class::*;
        assert_eq!(
            classes(&code),
            vec![
                (11, Destructive),
                (12, Additive),
                (13, Review),
                (14, Review)
            ]
        );
    }

    #[test]
    fn doctrine_add_sql_and_schema_calls_are_read() {
        let code = "<?php\n\ndeclare(strict_types=1);\n\nnamespace DoctrineMigrations;\n\nfinal class Version20240101000000 extends AbstractMigration\n{\n    public function up(Schema $schema): void\n    {\n        $this->addSql('ALTER TABLE user DROP email');\n        $this->addSql('CREATE TABLE tag (id INT NOT NULL, PRIMARY KEY(id))');\n        $table = $schema->createTable('post');\n        $table->addColumn('title', 'string');\n        $schema->getTable('user')->addColumn('nick', 'string', ['notnull' => false]);\n        $schema->getTable('user')->addColumn('karma', 'integer');\n    }\n\n    public function down(Schema $schema): void\n    {\n        $this->addSql('DROP TABLE tag');\n    }\n}\n";
        use Class::*;
        assert_eq!(
            classes(code),
            vec![
                (11, Destructive),
                (12, Additive),
                (13, Additive),
                (15, Additive),
                (16, Destructive)
            ]
        );
    }

    #[test]
    fn php_that_is_not_a_migration_or_does_not_parse_is_unknown() {
        assert_eq!(
            classes("<?php\nreturn ['a' => 1];\n"),
            vec![(1, Class::Unknown)]
        );
        assert_eq!(
            classes(&laravel(
                "        Schema::table('songs', function ($table) {"
            )),
            vec![(1, Class::Unknown)]
        );
    }
}
