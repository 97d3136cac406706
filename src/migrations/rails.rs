//! Rails migrations, parsed with lib-ruby-parser: the schema calls of what runs going forward
//! (`change`, `up`, `self.up`, `dir.up`/`up_only` blocks; never `down`, `self.down`, `dir.down`),
//! including those on a `change_table` block's table and the SQL of `execute`.

use lib_ruby_parser::{Node, Parser, ParserOptions};

use super::{Class, Finding, Source};

/// The findings of one Rails migration.
pub fn classify(src: &Source<'_>) -> Vec<Finding> {
    let options = ParserOptions {
        buffer_name: src.file.to_string(),
        ..Default::default()
    };
    let parsed = Parser::new(src.text.as_bytes().to_vec(), options).do_parse();
    let Some(ast) = parsed.ast else {
        return vec![src.finding(
            1,
            Class::Unknown,
            "",
            "could not parse this Ruby file; check it by hand",
        )];
    };
    let mut walk = Walk {
        src,
        findings: Vec::new(),
        forward_bodies: 0,
    };
    walk.top(&ast);
    if walk.forward_bodies > 0 && walk.findings.is_empty() {
        walk.findings.push(src.finding(
            1,
            Class::Unknown,
            "",
            "no schema call recognised (data or custom code); check it by hand",
        ));
    }
    if walk.forward_bodies == 0 {
        walk.findings.push(src.finding(
            1,
            Class::Unknown,
            "",
            "no change, up or self.up method found; check it by hand",
        ));
    }
    walk.findings
}

struct Walk<'a, 'b> {
    src: &'a Source<'b>,
    findings: Vec<Finding>,
    forward_bodies: usize,
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
        match node {
            Node::Begin(b) => b.statements.iter().for_each(|s| self.class_body(s)),
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

    fn push(&mut self, node: &Node, class: Class, reason: String) {
        let range = node.expression().to_range();
        self.findings
            .push(self.src.finding_at(range, class, &reason));
    }

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
        let on_table = match (&send.recv, table) {
            (Some(recv), Some((tbl, var))) => match recv.as_ref() {
                Node::Lvar(v) if v.name == var => Some(tbl),
                _ => None,
            },
            _ => None,
        };
        if send.recv.is_some() && on_table.is_none() {
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
            (Some(t), "change") => (Destructive, format!("changes a column's type in {t}")),
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
                Unknown,
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
            (None, "change_column") => (Destructive, format!("changes a column's type in {first}")),
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
                Unknown,
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
                | "change_column_default"
                | "change_column_comment"
                | "change_table_comment",
            ) => (Safe, "keeps every column the old code uses".into()),
            (None, "execute") => {
                self.execute(node, args);
                return;
            }
            // Data and reporting calls (`say`, model updates) change no schema.
            _ => return,
        };
        self.push(node, class, reason);
    }

    /// `execute <<~SQL … SQL` or `execute "…"`: the SQL judged as SQL; anything built at run
    /// time cannot be.
    fn execute(&mut self, node: &Node, args: &[Node]) {
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
                Class::Unknown,
                "runs SQL built at run time; check it by hand",
            )),
        }
    }
}

/// A string literal or a heredoc without interpolation.
fn sql_text(node: &Node) -> Option<String> {
    match node {
        Node::Str(s) => Some(s.value.to_string_lossy()),
        Node::Heredoc(h) => h
            .parts
            .iter()
            .map(|p| match p {
                Node::Str(s) => Some(s.value.to_string_lossy()),
                _ => None,
            })
            .collect(),
        Node::Dstr(d) => d
            .parts
            .iter()
            .map(|p| match p {
                Node::Str(s) => Some(s.value.to_string_lossy()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
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
        classify(&src).iter().map(|f| (f.line, f.class)).collect()
    }

    #[test]
    fn only_what_runs_forward_counts() {
        let old_form = "class Add < ActiveRecord::Migration\n  def self.up\n    add_column :users, :email, :string\n  end\n\n  def self.down\n    remove_column :users, :email\n  end\nend\n";
        assert_eq!(classes(old_form), vec![(3, Class::Additive)]);
        let reversible = "class X < ActiveRecord::Migration[7.1]\n  def change\n    reversible do |dir|\n      dir.up { add_index :users, :email }\n      dir.down { remove_column :users, :email }\n    end\n  end\nend\n";
        assert_eq!(classes(reversible), vec![(4, Class::Additive)]);
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
