//! Knex, Sequelize and TypeORM migrations (JavaScript and TypeScript), parsed with tree-sitter.
//! Only `up` runs going forward, and its first parameter is the database: `knex`,
//! `queryInterface` or `queryRunner`. Knex: `schema.createTable/alterTable/dropTable/…` and the
//! table builder inside; Sequelize: `queryInterface.addColumn/removeColumn/changeColumn/…`;
//! TypeORM: `queryRunner.addColumn/dropColumn/…`; raw SQL (`knex.raw`, `sequelize.query`,
//! `queryRunner.query`) read as SQL.

use tree_sitter::Node;

use super::chain::{self, Builder, Chain, Link, Walker};
use super::columns::{self, Column, ColumnOp, Columns};
use super::{Class, Finding, Source};

/// The findings of a migration; `earlier` is what the folder's earlier migrations left of
/// the tables' columns (Sequelize's `changeColumn` is judged against it), when known.
pub fn classify(src: &Source<'_>, typescript: bool, earlier: Option<&Columns>) -> Vec<Finding> {
    walk_file(src, typescript, earlier).0
}

/// What a migration does to the tables' columns, for the ones after it.
pub fn file_ops(src: &Source<'_>, typescript: bool) -> Vec<ColumnOp> {
    walk_file(src, typescript, None).1
}

fn walk_file(
    src: &Source<'_>,
    typescript: bool,
    earlier: Option<&Columns>,
) -> (Vec<Finding>, Vec<ColumnOp>) {
    let language = if typescript {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_javascript::LANGUAGE.into()
    };
    let what = if typescript {
        "TypeScript"
    } else {
        "JavaScript"
    };
    let tree = match chain::parse(src, language) {
        Ok(tree) => tree,
        Err(e) => {
            let reason = format!("could not parse this {what} file ({e}); review it by hand");
            return (vec![src.unreadable(&reason)], Vec::new());
        }
    };
    let mut ups = Vec::new();
    up_functions(src, tree.root_node(), &mut ups);
    if ups.is_empty() {
        let reason =
            "neither a Knex, Sequelize nor TypeORM migration (no up function); review it by hand";
        return (vec![src.unreadable(reason)], Vec::new());
    }
    let mut walk = Walk {
        src,
        findings: Vec::new(),
        db: Vec::new(),
        builder: None,
        columns: earlier.cloned(),
        ops: Vec::new(),
        created: Vec::new(),
        fresh: Vec::new(),
    };
    for (db, body) in ups {
        walk.db = vec![db].into_iter().filter(|d| !d.is_empty()).collect();
        walk.descend(body);
    }
    (walk.findings, walk.ops)
}

const FUNCTIONS: &[&str] = &[
    "function_expression",
    "function",
    "arrow_function",
    "generator_function",
];

/// Every function named `up` (`exports.up = …`, `export async function up`, `up: async () =>`,
/// `async up(queryRunner)`), with its first parameter's name and its body.
fn up_functions<'t>(src: &Source<'_>, node: Node<'t>, out: &mut Vec<(String, Node<'t>)>) {
    let named = |field: &str| {
        node.child_by_field_name(field).is_some_and(|n| {
            let name = chain::text(src, n).trim_matches(|c| c == '"' || c == '\'');
            name == "up" || name.ends_with(".up")
        })
    };
    let function = match node.kind() {
        "function_declaration" | "generator_function_declaration" | "method_definition"
            if named("name") =>
        {
            Some(node)
        }
        "pair" if named("key") => node.child_by_field_name("value"),
        "variable_declarator" if named("name") => node.child_by_field_name("value"),
        "assignment_expression" if named("left") => node.child_by_field_name("right"),
        _ => None,
    };
    if let Some(f) = function.filter(|f| {
        FUNCTIONS.contains(&f.kind())
            || matches!(
                f.kind(),
                "function_declaration" | "method_definition" | "generator_function_declaration"
            )
    }) {
        if let Some(body) = f.child_by_field_name("body") {
            out.push((first_parameter(src, f).unwrap_or_default(), body));
        }
        return;
    }
    for child in chain::named_children(node) {
        up_functions(src, child, out);
    }
}

fn first_parameter(src: &Source<'_>, function: Node<'_>) -> Option<String> {
    if let Some(single) = function.child_by_field_name("parameter") {
        return Some(chain::text(src, single).to_string());
    }
    let params = function.child_by_field_name("parameters")?;
    let first = *chain::named_children(params).first()?;
    let name = match first.kind() {
        "identifier" => first,
        "required_parameter" | "optional_parameter" => first.child_by_field_name("pattern")?,
        "assignment_pattern" => first.child_by_field_name("left")?,
        _ => return None,
    };
    Some(chain::text(src, name).to_string())
}

/// `a.b(..).c(..)` as a chain; `knex('users').update(..)` has a first link named `()`.
fn call_chain<'t>(src: &Source<'_>, node: Node<'t>) -> Option<Chain<'t>> {
    if node.kind() != "call_expression" {
        return None;
    }
    let mut links = Vec::new();
    let mut at = node;
    let receiver = loop {
        match at.kind() {
            "call_expression" => {
                let function = at.child_by_field_name("function")?;
                let args = at
                    .child_by_field_name("arguments")
                    .map(chain::named_children)
                    .unwrap_or_default();
                match function.kind() {
                    "member_expression" => {
                        let name = function.child_by_field_name("property")?;
                        links.push(Link {
                            name: chain::text(src, name).to_string(),
                            args,
                        });
                        at = function.child_by_field_name("object")?;
                    }
                    "identifier" => {
                        links.push(Link {
                            name: "()".into(),
                            args,
                        });
                        break chain::text(src, function).to_string();
                    }
                    _ => break String::new(),
                }
            }
            "member_expression" => {
                let name = at.child_by_field_name("property")?;
                links.push(Link {
                    name: chain::text(src, name).to_string(),
                    args: Vec::new(),
                });
                at = at.child_by_field_name("object")?;
            }
            "identifier" | "this" => break chain::text(src, at).to_string(),
            "parenthesized_expression" | "await_expression" | "non_null_expression" => {
                at = *chain::named_children(at).first()?
            }
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

/// A string the code spells out: quoted, a template without substitutions, or such strings
/// joined with `+`; `None` when any part is computed.
fn string(src: &Source<'_>, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "string" | "template_string" => {
            let mut out = String::new();
            for part in chain::named_children(node) {
                match part.kind() {
                    "string_fragment" => out.push_str(chain::text(src, part)),
                    "escape_sequence" => out.push_str(&unescape(chain::text(src, part))),
                    _ => return None,
                }
            }
            Some(out)
        }
        "binary_expression" => {
            let op = node.child_by_field_name("operator")?;
            if chain::text(src, op) != "+" {
                return None;
            }
            let left = string(src, node.child_by_field_name("left")?)?;
            let right = string(src, node.child_by_field_name("right")?)?;
            Some(left + &right)
        }
        "parenthesized_expression" => string(src, *chain::named_children(node).first()?),
        _ => None,
    }
}

fn unescape(escape: &str) -> String {
    match escape {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        "\\`" => "`".into(),
        other => other.trim_start_matches('\\').to_string(),
    }
}

/// The value of `key` in an object literal (`{ allowNull: false }`), also inside
/// `new TableColumn({...})`.
fn field<'t>(src: &Source<'_>, object: Node<'t>, key: &str) -> Option<Node<'t>> {
    let object = match object.kind() {
        "new_expression" => object
            .child_by_field_name("arguments")
            .and_then(|a| chain::named_children(a).first().copied())?,
        _ => object,
    };
    if object.kind() != "object" {
        return None;
    }
    chain::named_children(object).into_iter().find_map(|pair| {
        let k = pair.child_by_field_name("key")?;
        let k = chain::text(src, k).trim_matches(|c| c == '"' || c == '\'');
        (pair.kind() == "pair" && k == key).then(|| pair.child_by_field_name("value"))?
    })
}

fn is_literal(src: &Source<'_>, node: Option<Node<'_>>, value: &str) -> bool {
    node.is_some_and(|n| chain::text(src, n) == value)
}

/// The first function among arguments, with its first parameter and body.
fn callback<'t>(src: &Source<'_>, args: &[Node<'t>]) -> Option<(String, Node<'t>)> {
    args.iter().find_map(|a| {
        if !FUNCTIONS.contains(&a.kind()) {
            return None;
        }
        Some((first_parameter(src, *a)?, a.child_by_field_name("body")?))
    })
}

struct Walk<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    /// The first parameter of `up`, and of the transactions it opens: what the migration
    /// talks to the database through.
    db: Vec<String>,
    /// Inside `knex.schema.alterTable('t', (table) => {…})`: (`table`, `t`).
    builder: Option<(String, String)>,
    /// The tables' columns as the earlier migrations and this one so far left them, when the
    /// earlier ones are known.
    columns: Option<Columns>,
    /// What this migration does to the columns (Sequelize).
    ops: Vec<ColumnOp>,
    /// Tables this migration creates.
    created: Vec<String>,
    /// (table, column) this migration adds empty or with a value of its own per row (a
    /// generated UUID, a sequence): no row old code writes can collide over them.
    fresh: Vec<(String, String)>,
}

impl Walk<'_, '_> {
    fn record(&mut self, op: ColumnOp) {
        if let Some(columns) = self.columns.as_mut() {
            columns::apply(columns, &op);
        }
        self.ops.push(op);
    }

    /// What Sequelize's calls do to the columns: `createTable(t, {col: spec})`,
    /// `addColumn(t, col, spec)`, `changeColumn`, `removeColumn`, `renameColumn`,
    /// `renameTable`, `dropTable`.
    fn replay(&mut self, op: &Link<'_>) {
        let src = self.src;
        let text = |at: usize| op.args.get(at).and_then(|a| string(src, *a));
        let (table, second, third) = (text(0), text(1), text(2));
        let Some(table) = table else { return };
        match op.name.as_str() {
            "createTable" => {
                let Some(object) = op.args.get(1).filter(|o| o.kind() == "object") else {
                    return;
                };
                for pair in chain::named_children(*object) {
                    let key = pair.child_by_field_name("key");
                    let value = pair.child_by_field_name("value");
                    if let (Some(key), Some(value)) = (key, value) {
                        let name = chain::text(src, key).trim_matches(|c| c == '"' || c == '\'');
                        let column = sequelize_column(src, value);
                        self.record(ColumnOp::Set(table.clone(), name.to_string(), column));
                    }
                }
            }
            "addColumn" | "changeColumn" => {
                if let (Some(column), Some(spec)) = (second, op.args.get(2)) {
                    let spec = sequelize_column(src, *spec);
                    self.record(ColumnOp::Set(table, column, spec));
                }
            }
            "removeColumn" => {
                if let Some(column) = second {
                    self.record(ColumnOp::Remove(table, column));
                }
            }
            "renameColumn" => {
                if let (Some(old), Some(new)) = (second, third) {
                    self.record(ColumnOp::Rename(table, old, new));
                }
            }
            "renameTable" => {
                if let Some(new) = second {
                    self.record(ColumnOp::RenameTable(table, new));
                }
            }
            "dropTable" => self.record(ColumnOp::DropTable(table)),
            _ => {}
        }
    }

    /// The columns an index or constraint covers: `addIndex(t, ['a', 'b'])`,
    /// `addConstraint(t, { fields: ['a'] })`, `addIndex(t, { fields: [...] })`.
    fn fields(&self, op: &Link<'_>) -> Vec<String> {
        let src = self.src;
        op.args
            .iter()
            .skip(1)
            .find_map(|a| match a.kind() {
                "array" => Some(*a),
                _ => field(src, *a, "fields").filter(|f| f.kind() == "array"),
            })
            .map(|list| {
                chain::named_children(list)
                    .into_iter()
                    .filter_map(|c| string(src, c))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn over_fresh(&self, table: &str, fields: &[String]) -> bool {
        fields
            .iter()
            .any(|c| self.fresh.iter().any(|(t, f)| t == table && f == c))
    }

    /// Sequelize's `changeColumn(table, column, spec)` against the column as it was.
    fn change_column(&mut self, op: &Link<'_>, table: &str) -> (Class, String) {
        use Class::*;
        let src = self.src;
        let column = op.args.get(1).and_then(|a| string(src, *a));
        let (Some(column), Some(spec_node)) = (column, op.args.get(2)) else {
            return (
                Destructive,
                format!("changes a column of {table}: old code may not fit its new type or NULL"),
            );
        };
        let after = sequelize_column(src, *spec_node);
        if let Some(refused) =
            columns::changed_column(src, self.columns.as_ref(), table, &column, &after)
        {
            return refused;
        }
        if is_literal(src, field(src, *spec_node, "unique"), "true") {
            return (
                Destructive,
                format!("makes {table}.{column} unique: old code may write rows it rejects"),
            );
        }
        if field(src, *spec_node, "references").is_some() {
            return (
                Review,
                format!("sets the foreign key of {table}.{column}: check that old code keeps it satisfied"),
            );
        }
        (
            Safe,
            format!("keeps {table}.{column} readable by old code ({})", after.ty),
        )
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

    fn chain(&mut self, chain: &Chain<'_>) {
        if let Some((param, table)) = self.builder.clone() {
            if chain.receiver == param {
                let (class, reason) = chain::builder_call(Builder::Knex, chain, &table);
                self.push(chain.node, class, reason);
                return;
            }
        }
        if self.db.contains(&chain.receiver) {
            return self.database(chain);
        }
        // A helper handed the database can do anything to it.
        let hands_db = chain.links.iter().any(|l| {
            l.args.iter().any(|a| {
                a.kind() == "identifier" && self.db.iter().any(|d| d == chain::text(self.src, *a))
            })
        });
        if hands_db {
            let callee = chain::text(self.src, chain.node);
            let callee = callee
                .split('(')
                .next()
                .unwrap_or(callee)
                .trim()
                .to_string();
            self.push(
                chain.node,
                Class::Review,
                format!("passes the database to {callee}, which git-fastrevert does not read; check it by hand"),
            );
        }
        self.arguments(chain);
    }
}

impl Walk<'_, '_> {
    fn sql(&mut self, chain: &Chain<'_>, link: &Link<'_>) {
        let found = chain::call_sql(self.src, chain, link, string);
        self.findings.extend(found);
    }

    /// A call on the database: Knex's `schema.…` and `raw`, Sequelize's query interface,
    /// TypeORM's query runner. Each call of a chain counts (`knex.schema.alterTable(…)
    /// .createTable(…)`); calls after a query of rows are part of that query.
    fn database(&mut self, chain: &Chain<'_>) {
        let mut rows = false;
        for op in &chain.links {
            let name = op.name.as_str();
            if matches!(
                name,
                "schema" | "withSchema" | "sequelize" | "connection" | "manager"
            ) {
                continue;
            }
            if rows || matches!(name, "then" | "catch" | "finally") {
                op.args.iter().for_each(|a| self.descend(*a));
                continue;
            }
            rows = self.operation(chain, op);
        }
    }

    /// One call on the database; true when it starts a query of rows.
    // Long because one arm per Knex, Sequelize and TypeORM schema call: the rule table.
    fn operation(&mut self, chain: &Chain<'_>, op: &Link<'_>) -> bool {
        use Class::*;
        let src = self.src;
        let table = op
            .args
            .first()
            .and_then(|a| string(src, *a))
            .unwrap_or_else(|| "a table".into());
        let object = |at: usize| op.args.get(at).copied();
        let (class, reason) = match op.name.as_str() {
            "raw" | "query" => {
                self.sql(chain, op);
                return false;
            }
            "createTable"
            | "createTableIfNotExists"
            | "createTableLike"
            | "createView"
            | "createSchema"
            | "createSchemaIfNotExists"
            | "createExtension"
            | "createExtensionIfNotExists" => (Additive, format!("creates {table}")),
            "alterTable" | "table" => {
                let Some((param, body)) = callback(src, &op.args) else {
                    // knex.table('t'): a query of the table's rows.
                    return true;
                };
                let outer = self.builder.replace((param, table));
                self.descend(body);
                self.builder = outer;
                return false;
            }
            "dropTable" | "dropTableIfExists" | "dropAllTables" | "dropView" => {
                (Destructive, format!("drops {table}"))
            }
            "renameTable" => (
                Destructive,
                format!("renames {table}: old code uses the old name"),
            ),
            "removeColumn" | "dropColumn" | "dropColumns" => (
                Destructive,
                format!("drops a column of {table}: old code that reads it breaks"),
            ),
            "renameColumn" => (
                Destructive,
                format!("renames a column of {table}: old code uses the old name"),
            ),
            "changeColumn" if op.args.len() >= 3 => self.change_column(op, &table),
            "changeColumn" | "changeColumns" => (
                Destructive,
                format!("changes a column of {table}: old code may not fit its new type or NULL"),
            ),
            // Sequelize: addColumn(table, name, spec); TypeORM: addColumn(table, new TableColumn(…)).
            "addColumn" | "addColumns" => {
                let specs: Vec<Node<'_>> = match (op.name.as_str(), object(2), object(1)) {
                    ("addColumn", Some(spec), _) => vec![spec],
                    ("addColumn", None, Some(column)) => vec![column],
                    (_, _, Some(list)) if list.kind() == "array" => chain::named_children(list),
                    _ => Vec::new(),
                };
                if let (Some(name), Some(spec)) =
                    (object(1).and_then(|n| string(src, n)), object(2))
                {
                    if own_value_per_row(src, spec) {
                        self.fresh.push((table.clone(), name));
                    }
                }
                if specs.is_empty() {
                    (Review, format!("adds a column to {table} that git-fastrevert cannot read; check it by hand"))
                } else if specs.iter().any(|s| !column_fills(src, *s)) {
                    (Destructive, format!("adds a NOT NULL column to {table} without a default: old code's inserts fail"))
                } else {
                    (Additive, format!("adds a column to {table}"))
                }
            }
            "addIndex" | "createIndex" | "createIndices" => {
                // `unique: true`, TypeORM's `isUnique`, Sequelize's older `type`/`indicesType`.
                let unique = op.args.iter().any(|a| {
                    is_literal(src, field(src, *a, "unique"), "true")
                        || is_literal(src, field(src, *a, "isUnique"), "true")
                        || ["type", "indicesType"].iter().any(|k| {
                            field(src, *a, k)
                                .and_then(|t| string(src, t))
                                .is_some_and(|t| t.eq_ignore_ascii_case("unique"))
                        })
                });
                let fields = self.fields(op);
                if unique && self.over_fresh(&table, &fields) {
                    (Additive, format!("adds a unique index to {table} over a column this migration adds, which no old row can repeat"))
                } else if unique {
                    (
                        Destructive,
                        format!(
                            "adds a unique index to {table}: old code may write rows it rejects"
                        ),
                    )
                } else {
                    (Additive, format!("adds an index to {table}"))
                }
            }
            "addConstraint" => {
                let kind = op
                    .args
                    .iter()
                    .find_map(|a| field(src, *a, "type"))
                    .and_then(|t| string(src, t))
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let fields = self.fields(op);
                if kind != "foreign key" && self.over_fresh(&table, &fields) {
                    (Additive, format!("adds a constraint to {table} over a column this migration adds, which no old row can repeat"))
                } else if kind == "foreign key" {
                    (
                        Review,
                        format!(
                            "adds a foreign key to {table}: check that old code keeps it satisfied"
                        ),
                    )
                } else {
                    (
                        Destructive,
                        format!("adds a constraint to {table}: old code may write rows it rejects"),
                    )
                }
            }
            "createForeignKey" | "createForeignKeys" => (
                Review,
                format!("adds a foreign key to {table}: check that old code keeps it satisfied"),
            ),
            "createUniqueConstraint"
            | "createUniqueConstraints"
            | "createCheckConstraint"
            | "createCheckConstraints"
            | "createPrimaryKey"
            | "createExclusionConstraint" => (
                Destructive,
                format!("adds a constraint to {table}: old code may write rows it rejects"),
            ),
            "removeIndex"
            | "dropIndex"
            | "dropIndices"
            | "removeConstraint"
            | "dropForeignKey"
            | "dropForeignKeys"
            | "dropUniqueConstraint"
            | "dropUniqueConstraints"
            | "dropCheckConstraint"
            | "dropCheckConstraints"
            | "dropPrimaryKey"
            | "renameIndex" => (Safe, "keeps every column the old code uses".into()),
            "transaction" => {
                if let Some((param, body)) = callback(src, &op.args) {
                    self.db.push(param);
                    self.descend(body);
                    self.db.pop();
                }
                return false;
            }
            // Rows, not the schema; transactions and look-ups.
            "()"
            | "bulkInsert"
            | "bulkUpdate"
            | "bulkDelete"
            | "insert"
            | "update"
            | "delete"
            | "del"
            | "select"
            | "from"
            | "into"
            | "hasTable"
            | "hasColumn"
            | "getTable"
            | "startTransaction"
            | "commitTransaction"
            | "rollbackTransaction"
            | "describeTable"
            | "showAllTables"
            | "fn"
            | "release" => {
                op.args.iter().for_each(|a| self.descend(*a));
                return true;
            }
            other => (
                Review,
                format!("{other} is not a call git-fastrevert knows; check it by hand"),
            ),
        };
        // No old code reads or writes a table this migration creates.
        let creates = op.name.starts_with("create") && op.name.contains("Table");
        let named = op.args.first().and_then(|a| string(src, *a)).is_some();
        let (class, reason) = if creates && named {
            self.created.push(table.clone());
            (class, reason)
        } else if class > Class::Safe && named && self.created.contains(&table) {
            (
                Class::Additive,
                format!("{reason} (on {table}, which this migration creates)"),
            )
        } else {
            (class, reason)
        };
        self.replay(op);
        self.push(chain.node, class, reason);
        false
    }
}

/// Whether a new column's spec leaves it empty (nullable, no default) or gives each row a
/// value of its own (a generated UUID, an auto-increment).
fn own_value_per_row(src: &Source<'_>, spec: Node<'_>) -> bool {
    if spec.kind() != "object" {
        return true;
    }
    let default = field(src, spec, "defaultValue").map(|d| chain::text(src, d));
    let generated = default.is_some_and(|d| {
        let d = d.to_ascii_lowercase();
        ["uuidv4", "uuidv1", "uuid_generate", "gen_random_uuid"]
            .iter()
            .any(|g| d.contains(g))
    });
    let empty = default.is_none() && !is_literal(src, field(src, spec, "allowNull"), "false");
    generated || empty || is_literal(src, field(src, spec, "autoIncrement"), "true")
}

/// A column type in the replayed columns' terms: `Sequelize.STRING(64)` is (`string`, 64),
/// `DataTypes.TEXT` is `text`, `Sequelize.ARRAY(Sequelize.STRING)` is `array of string` with
/// the element's length; `sequelize` tells Sequelize's names from the database's.
fn sequelize_type(text: &str, sequelize: bool) -> (String, Option<i64>) {
    let (head, inner) = match text.split_once('(') {
        Some((head, rest)) => (head, rest.rsplit_once(')').map_or(rest, |(inner, _)| inner)),
        None => (text, ""),
    };
    let name = head
        .rsplit('.')
        .next()
        .unwrap_or(head)
        .trim()
        .to_ascii_lowercase();
    let length = inner
        .split(',')
        .next()
        .and_then(|n| n.trim().parse::<i64>().ok());
    match name.as_str() {
        // Sequelize's STRING is VARCHAR(255) unless given a length.
        "string" if sequelize => ("string".into(), Some(length.unwrap_or(255))),
        "string" | "character varying" | "varchar" => ("string".into(), length),
        "date" | "timestamp with time zone" | "timestamptz" | "timestamp" => {
            ("datetime".into(), None)
        }
        "dateonly" => ("date".into(), None),
        "int" => ("integer".into(), None),
        "array" => {
            let (element, limit) = sequelize_type(inner, sequelize);
            (format!("array of {element}"), limit)
        }
        _ => (name, length),
    }
}

/// A Sequelize column spec (`{ type: Sequelize.STRING(64), allowNull: false }`, or a bare
/// type) in the terms of the replayed columns: type `string`, limit 64, NOT NULL.
fn sequelize_column(src: &Source<'_>, spec: Node<'_>) -> Column {
    let ty_node = if spec.kind() == "object" {
        field(src, spec, "type")
    } else {
        Some(spec)
    };
    // The database's own name as a string (`"CHARACTER VARYING"`), or Sequelize's.
    let (ty, limit) = match ty_node.and_then(|t| string(src, t)) {
        Some(spelled) => sequelize_type(&spelled.to_ascii_lowercase(), false),
        None => sequelize_type(ty_node.map(|t| chain::text(src, t)).unwrap_or(""), true),
    };
    let is = |key: &str, value: &str| is_literal(src, field(src, spec, key), value);
    Column {
        ty,
        nullable: !is("allowNull", "false") && !is("primaryKey", "true"),
        limit,
        default: field(src, spec, "defaultValue").is_some_and(|d| chain::text(src, d) != "null")
            || is("autoIncrement", "true"),
    }
}

/// Whether a column spec leaves old inserts working: Sequelize `{ allowNull: false }` needs a
/// `defaultValue` (a bare type is nullable); TypeORM's `TableColumn` is NOT NULL unless
/// `isNullable: true`, a `default` or generated.
fn column_fills(src: &Source<'_>, spec: Node<'_>) -> bool {
    let has = |key: &str| field(src, spec, key).is_some();
    let is = |key: &str, value: &str| is_literal(src, field(src, spec, key), value);
    if spec.kind() == "new_expression" {
        return is("isNullable", "true") || has("default") || is("isGenerated", "true");
    }
    if spec.kind() != "object" {
        return true;
    }
    !is("allowNull", "false") || has("defaultValue") || is("autoIncrement", "true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Dialect;

    fn classes(code: &str, typescript: bool) -> Vec<(usize, Class)> {
        let src = Source::new("migrations/20240101_x.js", code, Dialect::Generic);
        classify(&src, typescript, None)
            .iter()
            .map(|f| (f.line, f.class))
            .collect()
    }

    #[test]
    fn knex_columns_are_nullable_unless_not_nullable_and_only_up_counts() {
        let code = "exports.up = function (knex) {\n  return knex.schema\n    .alterTable('users', (table) => {\n      table.string('nick');\n      table.string('email').notNullable();\n      table.boolean('admin').notNullable().defaultTo(false);\n      table.dropColumn('legacy');\n      table.renameColumn('name', 'full_name');\n      table.index(['email']);\n      table.text('bio').nullable().alter();\n      table.integer('age').notNullable().alter();\n    })\n    .createTable('posts', (table) => {\n      table.increments();\n      table.string('title').notNullable();\n    })\n    .then(() => knex.raw('ALTER TABLE users DROP COLUMN x'));\n};\n\nexports.down = function (knex) {\n  return knex.schema.dropTable('posts');\n};\n";
        use Class::*;
        assert_eq!(
            classes(code, false),
            vec![
                (4, Additive),
                (5, Destructive),
                (6, Additive),
                (7, Destructive),
                (8, Destructive),
                (9, Additive),
                (10, Review),
                (11, Destructive),
                (2, Additive),
                (17, Destructive),
            ]
        );
    }

    #[test]
    fn sequelize_query_interface_calls_are_read() {
        let code = "'use strict';\n\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.addColumn('documents', 'pinned', { type: Sequelize.BOOLEAN, allowNull: true });\n    await queryInterface.addColumn('documents', 'views', { type: Sequelize.INTEGER, allowNull: false, defaultValue: 0 });\n    await queryInterface.addColumn('documents', 'owner', { type: Sequelize.UUID, allowNull: false });\n    await queryInterface.removeColumn('documents', 'legacy');\n    await queryInterface.addIndex('documents', ['pinned']);\n    await queryInterface.addIndex('documents', ['slug'], { unique: true });\n    await queryInterface.sequelize.query('ALTER TABLE documents ALTER COLUMN title SET NOT NULL');\n    await helpers.backfill(queryInterface);\n  },\n  down: async (queryInterface) => {\n    await queryInterface.removeColumn('documents', 'pinned');\n  },\n};\n";
        use Class::*;
        assert_eq!(
            classes(code, false),
            vec![
                (5, Additive),
                (6, Additive),
                (7, Destructive),
                (8, Destructive),
                (9, Additive),
                (10, Destructive),
                (11, Destructive),
                (12, Review),
            ]
        );
    }

    #[test]
    fn sequelize_change_column_is_judged_against_the_earlier_migrations() {
        let first = "module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.createTable('users', {\n      id: { type: 'UUID', allowNull: false, primaryKey: true },\n      name: { type: 'CHARACTER VARYING', allowNull: true },\n      url: { type: Sequelize.STRING, allowNull: true },\n      team: { type: Sequelize.UUID, allowNull: true },\n    });\n  },\n};\n";
        let src = Source::new("migrations/1-init.js", first, Dialect::Generic);
        let mut columns = Columns::new();
        file_ops(&src, false)
            .iter()
            .for_each(|op| columns::apply(&mut columns, op));
        let change = "module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.changeColumn('users', 'name', { type: Sequelize.STRING, allowNull: true });\n    await queryInterface.changeColumn('users', 'url', { type: Sequelize.STRING(4096), allowNull: true });\n    await queryInterface.changeColumn('users', 'team', { type: Sequelize.UUID, allowNull: false });\n    await queryInterface.changeColumn('users', 'url', { type: Sequelize.INTEGER });\n    await queryInterface.changeColumn('users', 'id', { type: Sequelize.UUID, allowNull: false, references: { model: 'teams' } });\n  },\n};\n";
        let src = Source::new("migrations/2-change.js", change, Dialect::Generic);
        let got: Vec<(usize, Class)> = classify(&src, false, Some(&columns))
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        use Class::*;
        assert_eq!(
            got,
            vec![
                (3, Safe),
                (4, Safe),
                (5, Destructive),
                (6, Destructive),
                (7, Review)
            ]
        );
        // Without the earlier migrations it cannot say, and asks for them.
        let alone = classify(&src, false, None);
        assert!(alone.iter().all(|f| f.class == Destructive));
        assert!(src.wanted_history.get());
    }

    #[test]
    fn constraints_over_new_tables_or_fresh_columns_reject_nothing_old_code_writes() {
        let code = "module.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.createTable('emojis', { id: { type: Sequelize.UUID, primaryKey: true } });\n    await queryInterface.addIndex('emojis', ['name'], { unique: true });\n    await queryInterface.addColumn('perms', 'id', { type: Sequelize.UUID, allowNull: false, defaultValue: Sequelize.literal('uuid_generate_v4()') });\n    await queryInterface.addConstraint('perms', { type: 'PRIMARY KEY', fields: ['id'] });\n    await queryInterface.addColumn('perms', 'kind', { type: Sequelize.STRING, allowNull: false, defaultValue: 'x' });\n    await queryInterface.addIndex('perms', ['kind'], { unique: true });\n    await queryInterface.addIndex('users', ['email'], { indicesType: 'UNIQUE' });\n  },\n};\n";
        use Class::*;
        assert_eq!(
            classes(code, false),
            vec![
                (3, Additive),
                (4, Additive),
                (5, Additive),
                (6, Additive),
                (7, Additive),
                (8, Destructive),
                (9, Destructive),
            ]
        );
    }

    #[test]
    fn typeorm_query_runner_calls_are_read() {
        let code = "import { MigrationInterface, QueryRunner, TableColumn } from \"typeorm\";\n\nexport class AddNick1700000000000 implements MigrationInterface {\n  name = \"AddNick1700000000000\";\n\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE \"user\" ADD \"nick\" character varying`);\n    await queryRunner.query(`ALTER TABLE \"user\" DROP COLUMN \"legacy\"`);\n    await queryRunner.addColumn(\"user\", new TableColumn({ name: \"karma\", type: \"int\" }));\n    await queryRunner.addColumn(\"user\", new TableColumn({ name: \"bio\", type: \"text\", isNullable: true }));\n    await queryRunner.query(`ALTER TABLE \"${table}\" DROP COLUMN \"x\"`);\n  }\n\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE \"user\" DROP COLUMN \"nick\"`);\n  }\n}\n";
        use Class::*;
        assert_eq!(
            classes(code, true),
            vec![
                (7, Additive),
                (8, Destructive),
                (9, Destructive),
                (10, Additive),
                (11, Review),
            ]
        );
    }

    #[test]
    fn esm_knex_and_files_that_are_not_migrations() {
        let code = "export async function up(knex) {\n  await knex.schema.dropTableIfExists('sessions');\n}\nexport async function down() {}\n";
        assert_eq!(classes(code, false), vec![(2, Class::Destructive)]);
        let in_transaction = "exports.up = (knex) =>\n  knex.transaction(async (trx) => {\n    await trx.schema.table('users', (t) => t.dropColumn('x'));\n  });\n";
        assert_eq!(
            classes(in_transaction, false),
            vec![(3, Class::Destructive)]
        );
        assert_eq!(
            classes("module.exports = { name: 'config' };\n", false),
            vec![(1, Class::Unknown)]
        );
        assert_eq!(
            classes(
                "exports.up = function (knex) {\n  return knex.schema(\n",
                false
            ),
            vec![(1, Class::Unknown)]
        );
    }
}
