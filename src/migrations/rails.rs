//! Rails migrations, parsed with lib-ruby-parser: the schema calls of what runs going forward
//! (`change`, `up`, `self.up`, `dir.up`/`up_only` blocks; never `down`, `self.down`, `dir.down`),
//! including those on a `change_table` block's table and the SQL of `execute`.

use lib_ruby_parser::{Node, Parser, ParserOptions};

use super::columns::{apply, retyped, Column, ColumnOp, Columns};
use super::{Class, Finding, Source};

/// Walk a migration; `ops_only` for an earlier one read for its column changes, whose own SQL
/// need not be judged.
fn walk_file<'a, 'b>(
    src: &'a Source<'b>,
    earlier: Option<&Columns>,
    ops_only: bool,
) -> Option<Walk<'a, 'b>> {
    let options = ParserOptions {
        buffer_name: src.file.to_string(),
        ..Default::default()
    };
    let ast = Parser::new(src.text.as_bytes().to_vec(), options)
        .do_parse()
        .ast?;
    let mut walk = Walk {
        src,
        findings: Vec::new(),
        forward_bodies: 0,
        columns: earlier.cloned(),
        created: Vec::new(),
        ops: Vec::new(),
        helpers: std::collections::HashMap::new(),
        depth: 0,
        added: Vec::new(),
        ops_only,
    };
    walk.top(&ast);
    Some(walk)
}

/// What a migration file does to the columns, in order.
pub fn file_ops(src: &Source<'_>) -> Vec<ColumnOp> {
    walk_file(src, None, true)
        .map(|w| w.ops)
        .unwrap_or_default()
}

/// The findings of one Rails migration; `earlier` is the columns before it, when known.
pub fn classify(src: &Source<'_>, earlier: Option<&Columns>) -> Vec<Finding> {
    let Some(mut walk) = walk_file(src, earlier, false) else {
        return vec![src.unreadable("could not parse this Ruby file; review it by hand")];
    };
    if walk.forward_bodies > 0 && walk.findings.is_empty() {
        walk.findings.push(src.finding(
            1,
            Class::Safe,
            "",
            "changes no schema (data only, or nothing)",
        ));
    }
    if walk.forward_bodies == 0 {
        walk.findings
            .push(src.unreadable("no change, up or self.up method found; review it by hand"));
    }
    walk.findings
}

struct Walk<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    forward_bodies: usize,
    /// The columns so far (`None` when the earlier migrations are not known).
    columns: Option<Columns>,
    /// Tables this migration creates: nothing old writes to them.
    created: Vec<String>,
    ops: Vec<ColumnOp>,
    /// Methods the migration class defines, which its forward code may call.
    helpers: std::collections::HashMap<String, Node>,
    depth: usize,
    /// Columns this migration adds: old code never writes them.
    added: Vec<(String, String)>,
    /// Only the column changes are wanted (an earlier migration replayed).
    ops_only: bool,
}

/// The text of a symbol or string literal.
fn literal(node: &Node) -> Option<String> {
    match node {
        Node::Sym(s) => Some(s.name.to_string_lossy()),
        Node::Str(s) => Some(s.value.to_string_lossy()),
        _ => None,
    }
}

/// The options hash of a call (`null: false` and `:null => false` alike): key → value node.
fn options(args: &[Node]) -> Vec<(String, &Node)> {
    let pairs = match args.last() {
        Some(Node::Kwargs(k)) => &k.pairs,
        Some(Node::Hash(h)) => &h.pairs,
        _ => return Vec::new(),
    };
    pairs
        .iter()
        .filter_map(|p| match p {
            Node::Pair(pair) => literal(&pair.key).map(|k| (k, pair.value.as_ref())),
            _ => None,
        })
        .collect()
}

fn option<'n>(opts: &[(String, &'n Node)], key: &str) -> Option<&'n Node> {
    opts.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

fn is_false(node: Option<&Node>) -> bool {
    matches!(node, Some(Node::False(_)))
}

fn is_true(node: Option<&Node>) -> bool {
    matches!(node, Some(Node::True(_)))
}

/// Whether a new column is NOT NULL with nothing the old code's inserts could fall back on.
fn not_null_without_default(opts: &[(String, &Node)]) -> bool {
    is_false(option(opts, "null"))
        && option(opts, "default").is_none_or(|d| matches!(d, Node::Nil(_)))
}

/// Receiverless calls that change data or nothing: no schema finding.
const DATA_OR_NOTHING: &[&str] = &[
    "say",
    "puts",
    "print",
    "p",
    "pp",
    "raise",
    "fail",
    "require",
    "require_relative",
    "sleep",
    "disable_ddl_transaction!",
    "lambda",
    "proc",
    "loop",
    "format",
    "sprintf",
    "connection",
    "quote",
    "quote_table_name",
    "quote_column_name",
    "select_all",
    "select_one",
    "select_value",
    "select_values",
    "select_rows",
    "exec_query",
    "update",
    "delete",
    "insert",
    "exec_update",
    "exec_delete",
    "exec_insert",
    "table_exists?",
    "column_exists?",
    "index_exists?",
    "foreign_key_exists?",
    "check_constraint_exists?",
    "index_name_exists?",
    "data_source_exists?",
    "reset_column_information",
    "add_enum_value",
    "migrate",
    "reversible",
    "announce",
];

/// Whether a column's options give it a default (not `default: nil`).
fn has_default(opts: &[(String, &Node)]) -> bool {
    option(opts, "default").is_some_and(|d| !matches!(d, Node::Nil(_)))
}

/// An integer literal.
fn integer(node: &Node) -> Option<i64> {
    match node {
        Node::Int(i) => i.value.replace('_', "").parse().ok(),
        _ => None,
    }
}

/// Column types `t.<type>` and `add_column` take.
const COLUMN_TYPES: &[&str] = &[
    "string",
    "text",
    "integer",
    "bigint",
    "float",
    "decimal",
    "numeric",
    "datetime",
    "time",
    "date",
    "binary",
    "blob",
    "boolean",
    "json",
    "jsonb",
    "uuid",
    "column",
    "timestamp",
    "citext",
    "hstore",
    "inet",
    "cidr",
    "macaddr",
    "money",
    "xml",
    "tsvector",
    "daterange",
    "tsrange",
    "tstzrange",
    "int4range",
    "int8range",
    "numrange",
    "virtual",
    "enum",
];

impl Walk<'_, '_> {
    fn top(&mut self, node: &Node) {
        match node {
            Node::Begin(b) => b.statements.iter().for_each(|s| self.top(s)),
            Node::Class(c) => {
                if let Some(body) = &c.body {
                    self.class_body(body);
                }
            }
            Node::Module(m) => {
                if let Some(body) = &m.body {
                    self.top(body);
                }
            }
            _ => {}
        }
    }

    fn class_body(&mut self, node: &Node) {
        // The class's own methods first: `up` may call one defined after it.
        let statements = match node {
            Node::Begin(b) => b.statements.as_slice(),
            other => std::slice::from_ref(other),
        };
        for s in statements {
            if let Node::Def(d) = s {
                if !matches!(d.name.as_str(), "change" | "up" | "down") {
                    if let Some(body) = &d.body {
                        self.helpers.insert(d.name.clone(), body.as_ref().clone());
                    }
                }
            }
        }
        for s in statements {
            self.class_member(s);
        }
    }

    fn class_member(&mut self, node: &Node) {
        match node {
            Node::Def(d) if matches!(d.name.as_str(), "change" | "up") => {
                self.forward_bodies += 1;
                if let Some(body) = &d.body {
                    self.forward(body, None);
                }
            }
            // The older form: `def self.up`, and `class << self; def up`.
            Node::Defs(d) if d.name == "up" => {
                self.forward_bodies += 1;
                if let Some(body) = &d.body {
                    self.forward(body, None);
                }
            }
            Node::SClass(s) => {
                if let Some(body) = &s.body {
                    self.class_body(body);
                }
            }
            _ => {}
        }
    }

    /// Record what a migration does to a column, for the later statements and migrations.
    fn record(&mut self, op: ColumnOp) {
        if let Some(columns) = &mut self.columns {
            apply(columns, &op);
        }
        self.ops.push(op);
    }

    /// The column `t.<type> :name` or `add_column t, :name, :type` defines.
    fn define(&mut self, table: &str, column: &str, ty: &str, opts: &[(String, &Node)]) {
        let col = Column {
            ty: ty.to_string(),
            nullable: !is_false(option(opts, "null")),
            limit: option(opts, "limit").and_then(integer),
            default: has_default(opts),
        };
        self.added.push((table.to_string(), column.to_string()));
        self.record(ColumnOp::Set(table.into(), column.into(), col));
    }

    /// A column this migration added that ends NOT NULL with no default: old code, which does
    /// not know the column, cannot insert a row.
    fn unfillable(
        &self,
        table: &str,
        column: &str,
        nullable: bool,
        default: bool,
    ) -> Option<String> {
        let added = self.added.iter().any(|(t, c)| t == table && c == column);
        (added && !nullable && !default && !self.created.iter().any(|t| t == table)).then(|| {
            format!("leaves {table}.{column}, which this migration adds, NOT NULL without a default: old code's inserts fail")
        })
    }

    /// The column as the migrations so far left it; when they were not given, say that they
    /// are wanted.
    fn column(&self, table: &str, column: &str) -> Option<Column> {
        match &self.columns {
            Some(columns) => columns
                .get(&(table.to_string(), column.to_string()))
                .cloned(),
            None => {
                self.src.want_history();
                None
            }
        }
    }

    /// `change_column` / `t.change`: judged against the column as the migrations left it.
    fn change_column(
        &mut self,
        table: &str,
        column: &str,
        ty: &str,
        opts: &[(String, &Node)],
    ) -> (Class, String) {
        let before = self.column(table, column);
        let nullable = match option(opts, "null") {
            Some(Node::False(_)) => false,
            Some(Node::True(_)) => true,
            _ => before.as_ref().is_none_or(|b| b.nullable),
        };
        let limit = option(opts, "limit").and_then(integer);
        // `limit: MAX_NAME`: a size the guard cannot read is no size it can call wide enough.
        let computed_limit = option(opts, "limit").is_some() && limit.is_none();
        // Rails changes the default only when one is given.
        let default = match option(opts, "default") {
            Some(_) => has_default(opts),
            None => before.as_ref().is_some_and(|b| b.default),
        };
        self.record(ColumnOp::Set(
            table.into(),
            column.into(),
            Column {
                ty: ty.to_string(),
                nullable,
                limit: limit.or(before.as_ref().and_then(|b| b.limit)),
                default,
            },
        ));
        if let Some(why) = self.unfillable(table, column, nullable, default) {
            return (Class::Destructive, why);
        }
        let Some(before) = before else {
            return (
                Class::Destructive,
                format!("changes {table}.{column} to {ty}, and its earlier type is not known"),
            );
        };
        if before.nullable && !nullable {
            return (
                Class::Destructive,
                format!("sets NOT NULL on {table}.{column}: old code that leaves it empty fails"),
            );
        }
        match retyped(table, column, &before, ty, limit) {
            (Class::Safe, _) if computed_limit => (
                Class::Review,
                format!("changes {table}.{column} to a size computed in code; check it by hand"),
            ),
            judged => judged,
        }
    }

    /// Walk code that runs going forward; `table` is the table of an enclosing `change_table`.
    fn forward(&mut self, node: &Node, table: Option<(&str, &str)>) {
        match node {
            Node::Begin(b) => b.statements.iter().for_each(|s| self.forward(s, table)),
            Node::KwBegin(b) => b.statements.iter().for_each(|s| self.forward(s, table)),
            Node::Block(block) => self.block(block, table),
            Node::Send(send) => self.call(node, send, table),
            Node::If(i) => {
                for branch in [&i.if_true, &i.if_false].into_iter().flatten() {
                    self.forward(branch, table);
                }
            }
            Node::IfMod(i) => {
                for branch in [&i.if_true, &i.if_false].into_iter().flatten() {
                    self.forward(branch, table);
                }
            }
            _ => {}
        }
    }

    fn block(&mut self, block: &lib_ruby_parser::nodes::Block, table: Option<(&str, &str)>) {
        let Node::Send(call) = block.call.as_ref() else {
            return;
        };
        let body = block.body.as_deref();
        match call.method_name.as_str() {
            // `reversible do |dir| dir.up { … }; dir.down { … } end`: only `up` runs forward.
            "reversible" => {
                if let Some(body) = body {
                    self.forward(body, table);
                }
            }
            "down" if call.recv.is_some() => {}
            "up" if call.recv.is_some() => {
                if let Some(body) = body {
                    self.forward(body, table);
                }
            }
            "up_only" | "say_with_time" | "transaction" | "with_lock" => {
                if let Some(body) = body {
                    self.forward(body, table);
                }
            }
            "safety_assured" => {
                let before = self.findings.len();
                if let Some(body) = body {
                    self.forward(body, table);
                }
                for f in &mut self.findings[before..] {
                    if f.class == Class::Destructive {
                        f.reason.push_str(
                            " (safety_assured covers the deploy, not rolling code back over it)",
                        );
                    }
                }
            }
            "change_table" => {
                let name = call.args.first().and_then(literal).unwrap_or_default();
                let var = block_var(block.args.as_deref()).unwrap_or_default();
                if let Some(body) = body {
                    self.forward(body, Some((&name, &var)));
                }
            }
            "create_table" | "create_join_table" => {
                let name = call.args.first().and_then(literal).unwrap_or_default();
                self.record(ColumnOp::DropTable(name.clone()));
                self.created.push(name.clone());
                let opts = options(&call.args);
                if !is_false(option(&opts, "id")) {
                    let col = Column {
                        ty: "primary_key".into(),
                        nullable: false,
                        limit: None,
                        default: true,
                    };
                    self.record(ColumnOp::Set(name.clone(), "id".into(), col));
                }
                let var = block_var(block.args.as_deref()).unwrap_or_default();
                if let Some(body) = body {
                    self.columns_of_new_table(body, &name, &var);
                }
                self.push(
                    block.call.as_ref(),
                    Class::Additive,
                    "creates a table".into(),
                );
            }
            _ => {
                // Any other block (a loop over tables, `revert do`): its calls still run.
                self.call(block.call.as_ref(), call, table);
                if let Some(body) = body {
                    self.forward(body, table);
                }
            }
        }
    }

    /// The `t.<type> :name` columns of a `create_table` block.
    fn columns_of_new_table(&mut self, node: &Node, table: &str, var: &str) {
        match node {
            Node::Begin(b) => b
                .statements
                .iter()
                .for_each(|s| self.columns_of_new_table(s, table, var)),
            Node::Send(send) if matches!(send.recv.as_deref(), Some(Node::Lvar(v)) if v.name == var) =>
            {
                let opts = options(&send.args);
                let names: Vec<String> = send.args.iter().filter_map(literal).collect();
                match send.method_name.as_str() {
                    "timestamps" => {
                        for c in ["created_at", "updated_at"] {
                            let col = Column {
                                ty: "datetime".into(),
                                nullable: is_true(option(&opts, "null")),
                                limit: None,
                                default: has_default(&opts),
                            };
                            self.record(ColumnOp::Set(table.into(), c.into(), col));
                        }
                    }
                    "references" | "belongs_to" => {
                        for n in names {
                            self.define(table, &format!("{n}_id"), "bigint", &opts);
                        }
                    }
                    "column" => {
                        if let (Some(n), Some(ty)) = (names.first(), names.get(1)) {
                            self.define(table, n, ty, &opts);
                        }
                    }
                    ty if COLUMN_TYPES.contains(&ty) => {
                        for n in names {
                            self.define(table, &n, ty, &opts);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn push(&mut self, node: &Node, class: Class, reason: String) {
        let range = node.expression().to_range();
        self.findings
            .push(self.src.finding_at(range, class, &reason));
    }

    // Long because one arm per schema method of a Rails migration: the rule table.
    fn call(
        &mut self,
        node: &Node,
        send: &lib_ruby_parser::nodes::Send,
        table: Option<(&str, &str)>,
    ) {
        let name = send.method_name.as_str();
        let args = &send.args;
        let opts = options(args);
        let first = args.first().and_then(literal).unwrap_or_default();
        // `t.remove :x` inside `change_table :users do |t|`.
        // `self.add_column …` is the migration's own call.
        let recv = send
            .recv
            .as_deref()
            .filter(|r| !matches!(r, Node::Self_(_)));
        let on_table = match (recv, table) {
            (Some(recv), Some((tbl, var))) => match recv {
                Node::Lvar(v) if v.name == var => Some(tbl),
                _ => None,
            },
            _ => None,
        };
        if recv.is_some() && on_table.is_none() {
            // A call on something else (a model, `connection`): data, not schema.
            if name == "execute" {
                self.execute(node, args);
            }
            return;
        }
        use Class::*;
        let (class, reason) = match (on_table, name) {
            (Some(t), "remove" | "remove_references" | "remove_belongs_to") => (
                Destructive,
                format!("removes columns of {t}: old code that reads them breaks"),
            ),
            (Some(t), "rename") => (
                Destructive,
                format!("renames a column of {t}: old code uses the old name"),
            ),
            (Some(t), "change") => {
                let ty = args.get(1).and_then(literal).unwrap_or_default();
                let t = t.to_string();
                self.change_column(&t, &first, &ty, &opts)
            }
            (Some(t), "remove_timestamps") => {
                (Destructive, format!("removes the timestamps of {t}"))
            }
            (Some(_), "change_null") => match args.get(2) {
                Some(Node::False(_)) => (
                    Destructive,
                    "sets NOT NULL: old code that leaves it empty fails".into(),
                ),
                _ => (Safe, "allows NULL".into()),
            },
            (Some(_), "change_default" | "remove_index" | "rename_index" | "comment") => {
                (Safe, "keeps every column the old code uses".into())
            }
            (Some(t), "index") => (Additive, format!("adds an index to {t}")),
            (Some(t), "timestamps") => timestamps(&opts, t),
            (Some(t), "references" | "belongs_to") => new_column(&opts, t, &first),
            (Some(t), ty) if COLUMN_TYPES.contains(&ty) => {
                let column = first.clone();
                new_column(&opts, t, &column)
            }
            (Some(_), "check_constraint") => (
                Destructive,
                "adds a check constraint: old code may write rows it rejects".into(),
            ),
            (Some(_), other) => (
                Review,
                format!("{other} on a changed table; check it by hand"),
            ),
            (None, "remove_column" | "remove_columns") => (
                Destructive,
                format!("removes columns of {first}: old code that reads them breaks"),
            ),
            (None, "remove_reference" | "remove_belongs_to") => (
                Destructive,
                format!("removes a reference column of {first}"),
            ),
            (None, "remove_timestamps") => {
                (Destructive, format!("removes the timestamps of {first}"))
            }
            (None, "rename_column") => (
                Destructive,
                format!("renames a column of {first}: old code uses the old name"),
            ),
            (None, "change_column") => {
                let column = args.get(1).and_then(literal).unwrap_or_default();
                let ty = args.get(2).and_then(literal).unwrap_or_default();
                self.change_column(&first, &column, &ty, &opts)
            }
            (None, "drop_table" | "drop_join_table") => {
                (Destructive, format!("drops the table {first}"))
            }
            (None, "rename_table") => (
                Destructive,
                format!("renames the table {first}: old code uses the old name"),
            ),
            (None, "change_column_null") => match args.get(2) {
                Some(Node::False(_)) => (
                    Destructive,
                    "sets NOT NULL: old code that leaves it empty fails".into(),
                ),
                _ => (Safe, "allows NULL".into()),
            },
            (None, "add_column") => {
                let column = args.get(1).and_then(literal).unwrap_or_default();
                new_column(&opts, &first, &column)
            }
            (None, "add_reference" | "add_belongs_to") => {
                let column = args.get(1).and_then(literal).unwrap_or_default();
                new_column(&opts, &first, &column)
            }
            (None, "add_timestamps") => timestamps(&opts, &first),
            (
                None,
                "add_index" | "create_table" | "create_join_table" | "enable_extension"
                | "create_enum" | "add_enum_value",
            ) => (Additive, "adds to the schema".into()),
            (None, "add_foreign_key") => (
                Review,
                format!("adds a foreign key to {first}: check that old code keeps it satisfied"),
            ),
            (None, "add_check_constraint") => (
                Destructive,
                format!("adds a check constraint to {first}: old code may write rows it rejects"),
            ),
            (
                None,
                "remove_index"
                | "rename_index"
                | "remove_foreign_key"
                | "remove_check_constraint"
                | "change_column_comment"
                | "change_table_comment",
            ) => (Safe, "keeps every column the old code uses".into()),
            (None, "execute") => {
                self.execute(node, args);
                return;
            }
            (None, "change_column_default") => {
                let column = args.get(1).and_then(literal).unwrap_or_default();
                // `change_column_default :t, :c, nil` or `from: x, to: nil`.
                let to_nil = match option(&opts, "to") {
                    Some(v) => matches!(v, Node::Nil(_)),
                    None => matches!(args.get(2), Some(Node::Nil(_))),
                };
                let key = (first.clone(), column.clone());
                let nullable = self.column(&first, &column).is_none_or(|c| c.nullable);
                if let Some(columns) = &mut self.columns {
                    if let Some(c) = columns.get_mut(&key) {
                        c.default = !to_nil;
                    }
                }
                match self.unfillable(&first, &column, nullable, !to_nil) {
                    Some(why) => (Destructive, why),
                    None => (Safe, "keeps every column the old code uses".into()),
                }
            }
            (None, "validate_foreign_key" | "validate_check_constraint") => {
                (Safe, "validates a constraint the schema already has".into())
            }
            (None, other) if DATA_OR_NOTHING.contains(&other) => return,
            (None, other) => {
                // A method of the migration itself runs as forward code; anything else is a
                // helper git-fastrevert cannot see into.
                if let Some(body) = self.helpers.get(other).cloned() {
                    if self.depth < 8 {
                        self.depth += 1;
                        self.forward(&body, table);
                        self.depth -= 1;
                    }
                    return;
                }
                (
                    Review,
                    format!("calls {other}, which is not a schema call git-fastrevert knows; check it by hand"),
                )
            }
        };
        // The table the call acts on.
        let target = on_table
            .map(str::to_string)
            .unwrap_or_else(|| first.clone());
        self.track(name, on_table.is_some(), &target, args, &opts);
        // Nothing old reads or writes a table this migration creates (a helper git-fastrevert
        // cannot see into is still said).
        let known_call = !reason.starts_with("calls ");
        let (class, reason) = if class > Safe && known_call && self.created.contains(&target) {
            (
                Additive,
                format!(
                    "{reason} (on {target}, which this migration creates: no old code uses it)"
                ),
            )
        } else {
            (class, reason)
        };
        self.push(node, class, reason);
    }

    /// Keep the columns up to date with a call (`on_table`: inside `change_table`, where the
    /// table is not an argument).
    fn track(
        &mut self,
        name: &str,
        on_table: bool,
        table: &str,
        args: &[Node],
        opts: &[(String, &Node)],
    ) {
        let skip = usize::from(!on_table);
        let names: Vec<String> = args.iter().skip(skip).filter_map(literal).collect();
        let arg = |i: usize| names.get(i).cloned().unwrap_or_default();
        match (on_table, name) {
            (false, "add_column") | (true, "column") => self.define(table, &arg(0), &arg(1), opts),
            (true, ty) if COLUMN_TYPES.contains(&ty) => {
                for n in &names {
                    self.define(table, n, ty, opts);
                }
            }
            (false, "add_reference" | "add_belongs_to") | (true, "references" | "belongs_to") => {
                for n in &names {
                    self.define(table, &format!("{n}_id"), "bigint", opts);
                }
            }
            (false, "remove_column" | "remove_columns") | (true, "remove") => {
                let cols: Vec<String> = if name == "remove_column" {
                    vec![arg(0)]
                } else {
                    names.clone()
                };
                for c in cols {
                    self.record(ColumnOp::Remove(table.into(), c));
                }
            }
            (false, "rename_column") | (true, "rename") => {
                self.record(ColumnOp::Rename(table.into(), arg(0), arg(1)));
            }
            (false, "change_column_null") | (true, "change_null") => {
                let nullable = !matches!(args.get(skip + 1), Some(Node::False(_)));
                self.record(ColumnOp::NotNull(table.into(), arg(0), nullable));
            }
            (false, "rename_table") => self.record(ColumnOp::RenameTable(table.into(), arg(0))),
            (false, "drop_table") => self.record(ColumnOp::DropTable(table.into())),
            _ => {}
        }
    }

    /// `execute <<~SQL … SQL` or `execute "…"`: the SQL judged as SQL; anything built at run
    /// time cannot be.
    fn execute(&mut self, node: &Node, args: &[Node]) {
        if self.ops_only {
            return;
        }
        let range = node.expression().to_range();
        match args.first().and_then(|a| sql_text(a).map(|t| (a, t))) {
            Some((arg, sql)) => {
                let at = match arg {
                    Node::Heredoc(h) => h.heredoc_body_l.begin,
                    other => other.expression().begin + 1,
                };
                let line = self.src.line_of(at);
                self.findings
                    .extend(self.src.embedded_sql(&sql, line, range));
            }
            None => self.findings.push(self.src.finding_at(
                range,
                Class::Review,
                "runs SQL built at run time; check it by hand",
            )),
        }
    }
}

/// A string literal or a heredoc without interpolation.
fn sql_text(node: &Node) -> Option<String> {
    match node {
        Node::Str(s) => Some(s.value.to_string_lossy()),
        Node::Heredoc(h) => literal_parts(&h.parts),
        Node::Dstr(d) => literal_parts(&d.parts),
        _ => None,
    }
}

/// The text of string parts, when none of them is interpolated.
fn literal_parts(parts: &[Node]) -> Option<String> {
    parts
        .iter()
        .map(|p| match p {
            Node::Str(s) => Some(s.value.to_string_lossy()),
            _ => None,
        })
        .collect()
}

fn block_var(args: Option<&Node>) -> Option<String> {
    match args? {
        Node::Args(a) => match a.args.first()? {
            Node::Arg(arg) => Some(arg.name.clone()),
            Node::Procarg0(p) => match p.args.first()? {
                Node::Arg(arg) => Some(arg.name.clone()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn new_column(opts: &[(String, &Node)], table: &str, column: &str) -> (Class, String) {
    if not_null_without_default(opts) {
        (
            Class::Destructive,
            format!(
                "adds NOT NULL column {table}.{column} without a default: old code's inserts fail"
            ),
        )
    } else {
        (Class::Additive, format!("adds column {table}.{column}"))
    }
}

/// `add_timestamps` / `t.timestamps`: NOT NULL unless `null: true` (Rails 5 and later).
fn timestamps(opts: &[(String, &Node)], table: &str) -> (Class, String) {
    if is_true(option(opts, "null")) || option(opts, "default").is_some() {
        (Class::Additive, format!("adds timestamps to {table}"))
    } else {
        (
            Class::Destructive,
            format!(
                "adds NOT NULL timestamps to {table} without a default: old code's inserts fail"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(code: &str) -> Vec<(usize, Class)> {
        let src = Source::new(
            "db/migrate/1_x.rb",
            code,
            super::super::sql::Dialect::Generic,
        );
        classify(&src, None)
            .iter()
            .map(|f| (f.line, f.class))
            .collect()
    }

    #[test]
    fn only_what_runs_forward_counts() {
        let old_form = "class Add < ActiveRecord::Migration\n  def self.up\n    add_column :users, :email, :string\n  end\n\n  def self.down\n    remove_column :users, :email\n  end\nend\n";
        assert_eq!(classes(old_form), vec![(3, Class::Additive)]);
        let reversible = "class X < ActiveRecord::Migration[7.1]\n  def change\n    reversible do |dir|\n      dir.up { add_index :users, :email }\n      dir.down { remove_column :users, :email }\n    end\n  end\nend\n";
        assert_eq!(classes(reversible), vec![(4, Class::Additive)]);
    }

    #[test]
    fn a_limit_given_by_a_constant_is_looked_at_by_hand() {
        let mut columns = Columns::new();
        columns.insert(
            ("users".into(), "name".into()),
            Column {
                ty: "string".into(),
                nullable: true,
                limit: Some(255),
                default: false,
            },
        );
        let code = "class X < ActiveRecord::Migration[7.0]\n  def up\n    change_column :users, :name, :string, limit: MAX_NAME\n    change_column :users, :name, :string, limit: 300\n  end\nend\n";
        let src = Source::new(
            "db/migrate/2_x.rb",
            code,
            super::super::sql::Dialect::Generic,
        );
        let got: Vec<(usize, Class)> = classify(&src, Some(&columns))
            .iter()
            .map(|f| (f.line, f.class))
            .collect();
        assert_eq!(got, vec![(3, Class::Review), (4, Class::Safe)]);
    }

    #[test]
    fn hash_rockets_and_keywords_read_alike() {
        for opts in ["null: false", ":null => false", "\"null\" => false"] {
            let code = format!("class X < ActiveRecord::Migration[7.0]\n  def change\n    add_column :users, :region, :string, {opts}\n  end\nend\n");
            assert_eq!(classes(&code), vec![(3, Class::Destructive)], "{opts}");
        }
        let with_default = "class X < ActiveRecord::Migration[7.0]\n  def change\n    add_column :users, :region, :string, :null => false, :default => 'eu'\n  end\nend\n";
        assert_eq!(classes(with_default), vec![(3, Class::Additive)]);
    }

    #[test]
    fn sql_in_execute_is_judged_as_sql() {
        let code = "class X < ActiveRecord::Migration[7.0]\n  def up\n    execute <<~SQL\n      ALTER TABLE users ALTER COLUMN age TYPE bigint;\n      ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;\n    SQL\n    execute \"CREATE INDEX i ON users (age)\"\n  end\nend\n";
        assert_eq!(
            classes(code),
            vec![
                (4, Class::Destructive),
                (5, Class::Destructive),
                (7, Class::Additive)
            ]
        );
    }

    #[test]
    fn change_table_blocks_are_read_on_their_table() {
        let code = "class X < ActiveRecord::Migration[7.0]\n  def change\n    change_table :users do |t|\n      t.string :nickname\n      t.remove :legacy\n      t.index :nickname\n    end\n  end\nend\n";
        assert_eq!(
            classes(code),
            vec![
                (4, Class::Additive),
                (5, Class::Destructive),
                (6, Class::Additive)
            ]
        );
    }
}
