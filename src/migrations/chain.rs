//! What the PHP and JavaScript readers share: files parsed with tree-sitter, method chains
//! (`$table->string('x')->nullable()`, `knex.schema.alterTable(...)`) as a receiver and its
//! calls, and the judgement of a table builder's calls (Laravel's Blueprint, Knex's
//! TableBuilder), which differ only in what a column is by default.

use tree_sitter::{Language, Node, Parser, Tree};

use super::{Class, Finding, Source};

/// A parsed file, or why it could not be read (a parse error names its line).
pub fn parse(src: &Source<'_>, language: Language) -> Result<Tree, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&language)
        .map_err(|e| format!("the parser could not be set up ({e})"))?;
    let tree = parser
        .parse(src.text, None)
        .ok_or_else(|| "the parser gave up".to_string())?;
    let root = tree.root_node();
    if root.has_error() {
        let line = first_error(root).map_or(1, |n| src.line_of(n.start_byte()));
        return Err(format!("a syntax error at line {line}"));
    }
    Ok(tree)
}

fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
    children
        .into_iter()
        .filter(|c| c.has_error())
        .find_map(first_error)
}

pub fn text<'a>(src: &Source<'a>, node: Node<'_>) -> &'a str {
    src.text.get(node.byte_range()).unwrap_or("")
}

pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// One call (or property) of a chain: `nullable()` in `$t->string('x')->nullable()`.
pub struct Link<'t> {
    pub name: String,
    /// The arguments; empty for a property (`knex.schema`).
    pub args: Vec<Node<'t>>,
}

/// `receiver.a(..).b(..)`: the receiver's name (a variable or class, without `$`) and the
/// links in the order they run.
pub struct Chain<'t> {
    pub receiver: String,
    pub links: Vec<Link<'t>>,
    pub node: Node<'t>,
}

impl<'t> Chain<'t> {
    pub fn has(&self, name: &str) -> bool {
        self.links.iter().any(|l| l.name == name)
    }

    pub fn link(&self, name: &str) -> Option<&Link<'t>> {
        self.links.iter().find(|l| l.name == name)
    }
}

/// A walk over a migration's code that judges call chains (`$table->string(...)`,
/// `knex.schema.alterTable(...)`): each language says what a chain is and what to do with one;
/// the descent through everything else is shared.
pub trait Walker {
    fn call_chain<'t>(&self, node: Node<'t>) -> Option<Chain<'t>>;

    fn chain(&mut self, chain: &Chain<'_>);

    /// What a node tells before it is judged or descended into (a variable assigned a table).
    fn note(&mut self, _node: Node<'_>) {}

    /// Judge `node` if it is a chain, else look for chains inside it.
    fn descend(&mut self, node: Node<'_>) {
        self.note(node);
        if let Some(chain) = self.call_chain(node) {
            self.chain(&chain);
            return;
        }
        for child in named_children(node) {
            self.descend(child);
        }
    }

    /// Look for chains inside a chain's arguments (callbacks, nested calls).
    fn arguments(&mut self, chain: &Chain<'_>) {
        for link in &chain.links {
            for arg in &link.args {
                self.descend(*arg);
            }
        }
    }
}

/// A finding for `node`.
pub fn finding(src: &Source<'_>, node: Node<'_>, class: Class, reason: &str) -> Finding {
    src.finding_at(node.byte_range(), class, reason)
}

/// The findings of the SQL a call runs (`DB::statement('…')`, `knex.raw('…')`): its first
/// argument when the code spells it out (`spelled` reads a string of the language), else a
/// warning that it is built at run time.
pub fn call_sql(
    src: &Source<'_>,
    chain: &Chain<'_>,
    link: &Link<'_>,
    spelled: fn(&Source<'_>, Node<'_>) -> Option<String>,
) -> Vec<Finding> {
    match link
        .args
        .first()
        .and_then(|a| Some((spelled(src, *a)?, *a)))
    {
        Some((sql, literal)) => src.embedded_sql(
            &sql,
            src.line_of(literal.start_byte()),
            chain.node.byte_range(),
        ),
        None => vec![finding(
            src,
            chain.node,
            Class::Review,
            "runs SQL built at run time; check it by hand",
        )],
    }
}

/// How a table builder's new columns are by default.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    /// Laravel's Blueprint: NOT NULL unless `nullable()`; `change()` alters.
    Laravel,
    /// Knex's TableBuilder: nullable unless `notNullable()`; `alter()` alters.
    Knex,
}

/// Column types whose columns are nullable, or filled in by the database, whatever the builder.
const FILLED_COLUMNS: &[&str] = &[
    "id",
    "increments",
    "bigIncrements",
    "smallIncrements",
    "tinyIncrements",
    "mediumIncrements",
    "timestamps",
    "timestampsTz",
    "nullableTimestamps",
    "nullableMorphs",
    "nullableUuidMorphs",
    "nullableUlidMorphs",
    "softDeletes",
    "softDeletesTz",
    "softDeletesDatetime",
    "rememberToken",
];

/// Calls of a builder that only touch indexes, comments or storage options.
const KEEPS_COLUMNS: &[&str] = &[
    "dropForeign",
    "dropIndex",
    "dropUnique",
    "dropPrimary",
    "dropFullText",
    "dropSpatialIndex",
    "dropChecks",
    "dropConstrainedForeignIdFor",
    "comment",
    "engine",
    "charset",
    "collation",
    "temporary",
    "setNullable",
];

const DROPS_COLUMNS: &[&str] = &[
    "dropColumn",
    "dropColumns",
    "removeColumn",
    "dropTimestamps",
    "dropTimestampsTz",
    "dropSoftDeletes",
    "dropSoftDeletesTz",
    "dropRememberToken",
    "dropMorphs",
    "dropConstrainedForeignId",
];

/// Calls that name no column type: the rest of a builder's first calls add a column.
const NOT_COLUMNS: &[&str] = &[
    "index",
    "spatialIndex",
    "fullText",
    "fulltext",
    "unique",
    "primary",
    "foreign",
    "check",
    "renameColumn",
    "rename",
    "dropNullable",
    "after",
    "first",
    "raw",
];

/// The judgement of one call chain on a builder of an existing table (`Schema::table`,
/// `knex.schema.alterTable`): `table` names it in messages.
// Long because one arm per method of a table builder (Laravel's Blueprint, Knex's TableBuilder):
// the rule table.
pub fn builder_call(kind: Builder, chain: &Chain<'_>, table: &str) -> (Class, String) {
    use Class::*;
    let Some(first) = chain.links.first() else {
        return (
            Review,
            "a builder call git-fastrevert cannot read; check it by hand".into(),
        );
    };
    let method = first.name.as_str();
    let alters = match kind {
        Builder::Laravel => chain.has("change"),
        Builder::Knex => chain.has("alter"),
    };
    if DROPS_COLUMNS.contains(&method) {
        return (
            Destructive,
            format!("drops a column of {table}: old code that reads it breaks"),
        );
    }
    match method {
        "renameColumn" | "rename" => {
            return (
                Destructive,
                format!("renames {table} or its column: old code uses the old name"),
            )
        }
        "unique" | "primary" | "check" => {
            return (
                Destructive,
                format!("adds a constraint to {table}: old code may write rows it rejects"),
            )
        }
        "dropNullable" => {
            return (
                Destructive,
                format!(
                    "sets NOT NULL on a column of {table}: old code that leaves it empty fails"
                ),
            )
        }
        "index" | "spatialIndex" | "fullText" | "fulltext" => {
            return (Additive, format!("adds an index to {table}"))
        }
        "foreign" => {
            return (
                Review,
                format!("adds a foreign key to {table}: check that old code keeps it satisfied"),
            )
        }
        _ if KEEPS_COLUMNS.contains(&method) => {
            return (Safe, "keeps every column the old code uses".into())
        }
        _ if NOT_COLUMNS.contains(&method) => {
            return (
                Review,
                format!("{method} is not a call git-fastrevert knows; check it by hand"),
            )
        }
        _ => {}
    }
    // A column: added, or changed with change()/alter().
    let nullable = chain
        .link("nullable")
        .is_some_and(|l| l.args.is_empty() || l.args.iter().all(|a| a.kind() == "true"));
    let not_null = chain.has("notNullable")
        || chain
            .link("nullable")
            .is_some_and(|l| l.args.iter().any(|a| a.kind() == "false"));
    if alters {
        return if nullable && chain.links.len() <= 3 {
            (
                Review,
                format!(
                    "changes a column of {table} to nullable: check that its type is unchanged"
                ),
            )
        } else {
            (
                Destructive,
                format!("changes a column of {table}: old code may not fit its new type or NULL"),
            )
        };
    }
    let defaulted = [
        "default",
        "defaultTo",
        "useCurrent",
        "storedAs",
        "virtualAs",
        "autoIncrement",
        "generatedAs",
    ]
    .iter()
    .any(|m| chain.has(m));
    let null_by_default = kind == Builder::Knex && !not_null;
    if nullable || defaulted || null_by_default || FILLED_COLUMNS.contains(&method) {
        return (Additive, format!("adds a column to {table}"));
    }
    (
        Destructive,
        format!("adds a NOT NULL column to {table} without a default: old code's inserts fail"),
    )
}
