//! The migration guard: find the migrations a range of history adds or changes, and tell
//! whether code can be rolled back over them (additive), cannot (destructive), or needs a look
//! (unknown).

mod alembic;
mod chain;
mod columns;
mod index;
mod js;
mod liquibase;
mod php;
mod python;
mod rails;
pub mod sql;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use crate::git::{Oid, Repo};
use serde::Serialize;

pub use sql::Dialect;

use crate::error::{Error, Result};

/// Where migrations live in the common frameworks, wherever in the tree: Rails (`db/migrate`,
/// multi-database `db/<name>_migrate`), Django, Alembic (also inside a package), Laravel and
/// Doctrine, Knex, Sequelize, TypeORM, Flyway, Liquibase, Prisma, Diesel, golang-migrate, goose,
/// dbmate, Ecto, EF Core and plain `*.up.sql`.
pub const DEFAULT_PATHS: &[&str] = &[
    "db/migrate/**",
    "**/db/migrate/**",
    "db/*_migrate/**",
    "**/db/*_migrate/**",
    "migrations/**",
    "**/migrations/**",
    "**/Migrations/**",
    "alembic/versions/*.py",
    "**/alembic/versions/*.py",
    "db/migration/**",
    "**/db/migration/**",
    "**/db/changelog/**",
    "**/migration/*.ts",
    "**/migration/*.js",
    "**/*.up.sql",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Old code keeps working: new tables, nullable columns, indexes.
    Additive,
    /// Changes the schema but nothing old code relies on: a relaxed constraint, a renamed or
    /// dropped index, a field option only Django sees, a wider column.
    Safe,
    /// Read, but what it does to old code depends on data or on code the guard does not see
    /// (a data migration, a new foreign key): a warning to check by hand.
    Review,
    /// Cannot be read (a language the guard has no reader for, a parse error, a file too large
    /// or too deeply nested, an unparsable statement): refused like a destructive one, since
    /// what the guard cannot read it cannot call safe.
    Unknown,
    /// Old code breaks: dropped, renamed or retyped columns and tables, new constraints.
    Destructive,
}

impl Class {
    /// Whether a finding of this class refuses a rollback over it unless acknowledged.
    pub fn refuses(self) -> bool {
        matches!(self, Class::Destructive | Class::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Additive => "additive",
            Class::Safe => "safe",
            Class::Review => "review",
            Class::Unknown => "unknown",
            Class::Destructive => "destructive",
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub class: Class,
    pub statement: String,
    pub reason: String,
    /// Acknowledged after review (a `fastrevert: rollback-safe` comment in the file, or
    /// `--allow-migration`): said, never refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<String>,
    /// The whole statement, whitespace folded: what an edit of the file is compared by.
    #[serde(skip)]
    pub key: String,
}

/// One migration file's text, for the framework readers: where each finding is, and how its
/// SQL is parsed.
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub dialect: Dialect,
    line_starts: Vec<usize>,
    /// Set by a reader that needed the earlier migrations and was not given them (a Django
    /// `AlterField`, a Rails `change_column`): only then is the folder read.
    wanted_history: std::cell::Cell<bool>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str, dialect: Dialect) -> Source<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            file,
            text,
            dialect,
            line_starts,
            wanted_history: std::cell::Cell::new(false),
        }
    }

    /// Say that judging this file needs the earlier migrations of its folder.
    pub fn want_history(&self) {
        self.wanted_history.set(true);
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, byte: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= byte)
            .max(1)
    }

    pub fn finding(&self, line: usize, class: Class, statement: &str, reason: &str) -> Finding {
        Finding {
            file: self.file.to_string(),
            line,
            class,
            statement: statement.to_string(),
            reason: reason.to_string(),
            acknowledged: None,
            key: format!("{class:?} {statement}"),
        }
    }

    /// The finding for a file the guard cannot read. Compared by the whole content, so that
    /// any edit of an old unreadable migration is reported, never taken for "unchanged".
    pub fn unreadable(&self, reason: &str) -> Finding {
        unreadable(self.file, self.text.as_bytes(), reason)
    }

    /// A finding for the code at `range`: its first line shown, all of it compared.
    pub fn finding_at(&self, range: std::ops::Range<usize>, class: Class, reason: &str) -> Finding {
        let code = self.text.get(range.clone()).unwrap_or("");
        let folded = code.split_whitespace().collect::<Vec<_>>().join(" ");
        let statement: String = if folded.chars().count() > 120 {
            format!("{}…", folded.chars().take(119).collect::<String>())
        } else {
            folded.clone()
        };
        Finding {
            file: self.file.to_string(),
            line: self.line_of(range.start),
            class,
            statement,
            reason: reason.to_string(),
            acknowledged: None,
            key: folded,
        }
    }

    /// The findings of SQL inside code (`execute`, `RunSQL`, `op.execute`), whose first line
    /// is `line` of the file; `call` is the code that runs it.
    pub fn embedded_sql(
        &self,
        sql: &str,
        line: usize,
        call: std::ops::Range<usize>,
    ) -> Vec<Finding> {
        let mut found = sql::classify(self.file, sql, self.dialect);
        if found.is_empty() {
            return vec![self.finding_at(call, Class::Safe, "runs SQL with no statement")];
        }
        for f in &mut found {
            f.line += line - 1;
        }
        found
    }
}

/// What a range did to a migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    /// An old migration edited.
    Modified,
}

#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub file: String,
    pub status: FileStatus,
    /// The worst class of its statements.
    pub class: Class,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub migrations: Vec<Migration>,
    /// Files the patterns take for migrations that the tree's `.gitattributes` marks
    /// `-fastrevert-migration`: not judged, and said, never passed over in silence.
    #[serde(skip)]
    pub not_judged: Vec<String>,
}

impl Report {
    /// Findings of a class (destructive ones acknowledged after review not counted).
    pub fn count(&self, class: Class) -> usize {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class == class && f.acknowledged.is_none())
            .count()
    }

    /// The worst class that still needs attention.
    pub fn worst(&self) -> Option<Class> {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.acknowledged.is_none())
            .map(|f| f.class)
            .max()
            .or_else(|| (!self.migrations.is_empty()).then_some(Class::Additive))
    }

    /// Destructive and unknown findings nobody acknowledged: these refuse.
    pub fn refusing(&self) -> impl Iterator<Item = &Finding> {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class.refuses() && f.acknowledged.is_none())
    }

    /// Destructive and unknown findings acknowledged after review: reported, not refused.
    pub fn acknowledged(&self) -> impl Iterator<Item = &Finding> {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class.refuses() && f.acknowledged.is_some())
    }

    pub fn extend(&mut self, other: Report) {
        for m in other.migrations {
            if !self.migrations.iter().any(|have| have.file == m.file) {
                self.migrations.push(m);
            }
        }
        for f in other.not_judged {
            if !self.not_judged.contains(&f) {
                self.not_judged.push(f);
            }
        }
    }

    /// The warning for each file the tree's attributes took out of the guard.
    pub fn not_judged_warnings(&self) -> impl Iterator<Item = String> + '_ {
        self.not_judged.iter().map(|f| {
            format!(
                "{} is marked -fastrevert-migration in .gitattributes: the migration guard did not judge it",
                crate::git::shown_path(f)
            )
        })
    }
}

/// Which files are migrations, and how SQL is parsed.
pub struct Guard {
    paths: Paths,
    pub dialect: Dialect,
    /// Migrations acknowledged on the command line or in git config (`--allow-migration`).
    allowed: Vec<String>,
    /// Per migrations folder of a tree (Django or Rails): each file's changes to the models or
    /// tables, in order, read once and only for a migration that asks.
    folders: RefCell<HashMap<(Oid, String), FolderOps>>,
    /// Names the index file: another set of patterns finds other migrations.
    fingerprint: u64,
    index: RefCell<Option<index::Index>>,
}

/// Gives the files (name, content) of a folder of migrations.
pub type FolderReader = dyn Fn(&str) -> Option<Vec<(String, String)>>;

/// What each migration of a folder does to the models or tables, by file name, in order.
type FolderOps = std::rc::Rc<Vec<(String, FileOps)>>;

enum FileOps {
    Django(Vec<python::StateOp>),
    Rails(Vec<columns::ColumnOp>),
    /// An Alembic revision: its place in the revision graph, and what it does to the tables.
    Alembic(alembic::Revision, Vec<columns::ColumnOp>),
}

/// Which paths are migrations (shared with the threads that build the index).
struct Paths {
    patterns: Vec<glob::Pattern>,
    /// The same patterns split at '/', to skip directories no pattern can reach.
    components: Vec<Vec<glob::Pattern>>,
}

impl Paths {
    /// Whether a path is a migration that runs going forward.
    fn is_migration(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        could_be_migration(name.as_bytes())
            && self.patterns.iter().any(|p| p.matches_with(path, MATCH))
    }

    /// Whether a directory may hold a migration, by the patterns alone.
    fn may_contain(&self, dir: &str) -> bool {
        let parts: Vec<&str> = dir.split('/').collect();
        self.components.iter().any(|p| prefix_matches(p, &parts))
    }
}

/// How the guard reads a file that a migration pattern matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Sql,
    Ruby,
    Python,
    Php,
    JavaScript,
    TypeScript,
    Liquibase,
    /// A migration the guard has no reader for; names the language for the message.
    Unreadable(&'static str),
}

/// How a file named `name` is read, or `None` when it is no forward migration in whatever
/// folder it stands: documentation, placeholders, framework configuration, generated snapshots,
/// and the down halves of up/down pairs. Anything else that a pattern matches is a migration,
/// read when the guard knows its language and an unknown finding when it does not.
fn reader(name: &[u8]) -> Option<Reader> {
    let lower = name.to_ascii_lowercase();
    let ends = |ext: &str| lower.ends_with(ext.as_bytes());
    let not_migrations = [
        ".md",
        ".txt",
        ".rst",
        ".adoc",
        ".mako",
        ".ini",
        ".cfg",
        ".toml",
        ".lock",
        ".pyc",
        ".log",
        ".png",
        ".jpg",
        ".svg",
        ".gif",
        ".snap",
        "_test.go",
        ".d.ts",
        ".map",
        ".spec.ts",
        ".test.ts",
        ".spec.js",
        ".test.js",
        ".down.sql",
        // Drizzle's snapshots; EF Core's designer files and model snapshot.
        "_snapshot.json",
        ".designer.cs",
        "modelsnapshot.cs",
    ];
    let not_migration_names: [&[u8]; 4] =
        [b"__init__.py", b"env.py", b"down.sql", b"_journal.json"];
    let flyway_undo = name.starts_with(b"U") && name.windows(2).any(|w| w == b"__");
    if name.is_empty()
        || name.starts_with(b".")
        || lower.starts_with(b"readme")
        || lower.starts_with(b"license")
        || not_migration_names.contains(&lower.as_slice())
        || not_migrations.iter().any(|ext| ends(ext))
        || flyway_undo && ends(".sql")
    {
        return None;
    }
    let unreadable = [
        (".go", "Go (goose)"),
        (".ex", "Elixir (Ecto)"),
        (".exs", "Elixir (Ecto)"),
        (".cs", "C# (EF Core)"),
        (".java", "Java (Flyway)"),
        (".kt", "Kotlin (Flyway)"),
    ];
    Some(if ends(".sql") {
        Reader::Sql
    } else if ends(".rb") {
        Reader::Ruby
    } else if ends(".py") {
        Reader::Python
    } else if ends(".php") {
        Reader::Php
    } else if ends(".js") || ends(".mjs") || ends(".cjs") {
        Reader::JavaScript
    } else if ends(".ts") || ends(".mts") || ends(".cts") {
        Reader::TypeScript
    } else if ends(".xml") || ends(".yaml") || ends(".yml") || ends(".json") {
        Reader::Liquibase
    } else {
        Reader::Unreadable(
            unreadable
                .iter()
                .find(|(ext, _)| ends(ext))
                .map_or("this kind of file", |(_, what)| what),
        )
    })
}

/// Whether a file is JavaScript (`Some(false)`) or TypeScript (`Some(true)`).
fn script(name: &str) -> Option<bool> {
    match reader(name.as_bytes()) {
        Some(Reader::JavaScript) => Some(false),
        Some(Reader::TypeScript) => Some(true),
        _ => None,
    }
}

/// Whether a file of this name can be a migration: checking the name first also keeps the glob
/// match off most files of a large tree.
fn could_be_migration(name: &[u8]) -> bool {
    reader(name).is_some()
}

/// The finding for a file the guard cannot read, compared by its whole content.
fn unreadable(file: &str, content: &[u8], reason: &str) -> Finding {
    Finding {
        file: file.to_string(),
        line: 1,
        class: Class::Unknown,
        statement: String::new(),
        reason: reason.to_string(),
        acknowledged: None,
        key: format!("unreadable {:016x}", crate::git::cache::fnv1a(content)),
    }
}

/// Larger files are not parsed: an unknown finding instead of seconds and gigabytes.
const MAX_MIGRATION_BYTES: usize = 1 << 20;
/// Deeper bracket nesting is not parsed: the parsers recurse once per level.
const MAX_NESTING: usize = 1000;
/// The parsers and the walks over what they return recurse per level of nesting; they run on
/// a thread with this much stack (reserved, touched only as deep as a file goes), so that no
/// file can overflow the tool's own.
const PARSER_STACK: usize = 256 << 20;

/// Why a file is not handed to a parser: too large, or too deeply nested.
fn too_hard_to_parse(content: &str) -> Option<String> {
    if content.len() > MAX_MIGRATION_BYTES {
        return Some(format!(
            "is {} bytes, more than the {MAX_MIGRATION_BYTES} the guard reads",
            content.len()
        ));
    }
    // Brackets are counted through strings and comments too: an overestimate only ever makes a
    // file unknown, never safe.
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in content.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (deepest > MAX_NESTING).then(|| {
        format!("nests brackets {deepest} deep, more than the {MAX_NESTING} the guard reads")
    })
}

/// Run `work` on a thread with the parsers' stack; `None` when it could not start or failed.
fn on_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("migration-parser".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, work)
            .ok()?
            .join()
            .ok()
    })
}

/// The forward half of a SQL migration: the down sections of goose (`-- +goose Down`), dbmate
/// (`-- migrate:down`) and sql-migrate (`-- +migrate Down`) blanked, lines kept in place.
pub fn forward_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    fn marker(line: &str) -> Option<bool> {
        let comment = line.trim().strip_prefix("--")?.trim().to_ascii_lowercase();
        let words: Vec<&str> = comment.split_whitespace().collect();
        match words.as_slice() {
            ["+goose", "up", ..] | ["migrate:up", ..] | ["+migrate", "up", ..] => Some(true),
            ["+goose", "down", ..] | ["migrate:down", ..] | ["+migrate", "down", ..] => Some(false),
            _ => None,
        }
    }
    if !sql.lines().any(|l| marker(l) == Some(false)) {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut forward = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.split_inclusive('\n') {
        if let Some(up) = marker(line) {
            forward = up;
        }
        if forward {
            out.push_str(line);
        } else if line.ends_with('\n') {
            out.push('\n');
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Part of the index's fingerprint: change it when what counts as a migration changes.
const RULES: &str = "fastrevert migration rules 3";

const MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Guard {
    pub fn new(paths: &[String], dialect: Dialect) -> Result<Guard> {
        let mut patterns = Vec::new();
        let mut components = Vec::new();
        let defaults: Vec<String> = DEFAULT_PATHS.iter().map(|p| p.to_string()).collect();
        for p in if paths.is_empty() { &defaults } else { paths } {
            let invalid = |e: glob::PatternError| {
                Error::bad_input(format!("'{p}' is not a valid path pattern: {e}"))
                    .hint("use glob patterns such as db/migrate/** or **/migrations/*.sql")
            };
            patterns.push(glob::Pattern::new(p).map_err(invalid)?);
            let parts: std::result::Result<Vec<_>, _> =
                p.split('/').map(glob::Pattern::new).collect();
            components.push(parts.map_err(invalid)?);
        }
        let mut key = String::from(RULES);
        for p in &patterns {
            key.push('\0');
            key.push_str(p.as_str());
        }
        Ok(Guard {
            paths: Paths {
                patterns,
                components,
            },
            dialect,
            allowed: Vec::new(),
            folders: RefCell::new(HashMap::new()),
            fingerprint: index::path_hash(&key),
            index: RefCell::new(None),
        })
    }

    /// Acknowledge these migrations (paths as in the tree) after review.
    pub fn allow(mut self, paths: &[String]) -> Guard {
        self.allowed = paths
            .iter()
            .map(|p| p.trim_start_matches("./").to_string())
            .collect();
        self
    }

    /// Whether a path is a migration that runs going forward.
    pub fn is_migration(&self, path: &str) -> bool {
        self.paths.is_migration(path)
    }

    /// Whether a directory may hold a migration, by the patterns alone.
    pub fn may_contain(&self, dir: &str) -> bool {
        self.paths.may_contain(dir)
    }

    /// Classify one file's content by its kind, alone: a Django `AlterField` cannot be
    /// judged without the app's earlier migrations (see `classify_in_folder`).
    pub fn classify(&self, path: &str, content: &str) -> Vec<Finding> {
        self.classify_with(path, content, None)
    }

    /// Classify a file whose folder's other files `read_folder` gives (name, content): Django's
    /// `AlterField` is judged against the field as the earlier migrations left it.
    pub fn classify_in_folder(
        &self,
        path: &str,
        content: &str,
        read_folder: &FolderReader,
    ) -> Vec<Finding> {
        let (dir, _) = migration_folder(path);
        let folder = read_folder(dir).map(|files| self.folder_ops(dir, files));
        self.classify_with(path, content, folder.as_deref())
    }

    fn classify_with(
        &self,
        path: &str,
        content: &str,
        folder: Option<&[(String, FileOps)]>,
    ) -> Vec<Finding> {
        let (findings, _) = self.classify_alone(path, content, folder);
        self.acknowledged(findings, path, content)
    }

    fn acknowledged(&self, mut findings: Vec<Finding>, path: &str, content: &str) -> Vec<Finding> {
        acknowledge(&mut findings, content, path, &self.allowed);
        findings
    }

    /// The findings, and whether they needed the earlier migrations that `folder` did not give.
    /// A file is parsed on a thread of its own with a large stack, after checks of its size and
    /// nesting: whatever a file holds, the worst it can do is be an unknown finding.
    fn classify_alone(
        &self,
        path: &str,
        content: &str,
        folder: Option<&[(String, FileOps)]>,
    ) -> (Vec<Finding>, bool) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let kind = match reader(name.as_bytes()) {
            Some(Reader::Unreadable(what)) => {
                let reason = format!(
                    "git-fastrevert cannot read migrations in {what}: what it does to the schema is unknown; review it by hand"
                );
                return (vec![unreadable(path, content.as_bytes(), &reason)], false);
            }
            Some(kind) => kind,
            // Not a forward migration by its name, but asked for directly: by its extension.
            None if name.ends_with(".rb") => Reader::Ruby,
            None if name.ends_with(".py") => Reader::Python,
            None => Reader::Sql,
        };
        if let Some(why) = too_hard_to_parse(content) {
            let reason = format!("not read: the file {why}; review it by hand");
            return (vec![unreadable(path, content.as_bytes(), &reason)], false);
        }
        let dialect = self.dialect;
        on_parser_stack(|| {
            let src = Source::new(path, content, dialect);
            let findings = classify_source(kind, &src, folder);
            (findings, src.wanted_history.get())
        })
        .unwrap_or_else(|| {
            let reason = "the parser failed on this file; review it by hand";
            (vec![unreadable(path, content.as_bytes(), reason)], false)
        })
    }

    /// Each Django or Rails migration of a folder with what it does to the models or tables;
    /// files too large or too deep to parse are left out (each is judged on its own as unknown).
    fn folder_ops(&self, dir: &str, files: Vec<(String, String)>) -> Vec<(String, FileOps)> {
        let dialect = self.dialect;
        let mut out: Vec<_> = on_parser_stack(|| {
            files
                .into_iter()
                .filter(|(name, text)| name != "__init__.py" && too_hard_to_parse(text).is_none())
                .filter_map(|(name, text)| {
                    let full = format!("{dir}/{name}");
                    let src = Source::new(&full, &text, dialect);
                    let ops = if name.ends_with(".py") {
                        python_file_ops(&src)
                    } else if name.ends_with(".rb") {
                        FileOps::Rails(rails::file_ops(&src))
                    } else if name.ends_with(".php") {
                        FileOps::Rails(php::file_ops(&src))
                    } else if let Some(typescript) = script(&name) {
                        FileOps::Rails(js::file_ops(&src, typescript))
                    } else if reader(name.rsplit('/').next().unwrap_or(&name).as_bytes())
                        == Some(Reader::Sql)
                    {
                        // Down halves (`*.down.sql`, Flyway's undo) are no step forward.
                        FileOps::Rails(sql::file_ops(&forward_sql(&text), dialect))
                    } else {
                        return None;
                    };
                    Some((name, ops))
                })
                .collect()
        })
        .unwrap_or_default();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// `classify_with` for a file of `tree`, its folder read once per tree and kept.
    fn classify_in_tree(&self, repo: &Repo, tree: Oid, path: &str, content: &str) -> Vec<Finding> {
        // Most migrations are judged alone; the folder's earlier migrations are read only for
        // one that asks for them.
        let (findings, wanted_history) = self.classify_alone(path, content, None);
        if !wanted_history {
            return self.acknowledged(findings, path, content);
        }
        let (dir, _) = migration_folder(path);
        let key = (tree, dir.to_string());
        let cached = self.folders.borrow().get(&key).cloned();
        let folder = match cached {
            Some(folder) => Some(folder),
            None => {
                let files = read_tree_folder(repo, tree, dir);
                files.map(|files| {
                    let folder = std::rc::Rc::new(self.folder_ops(dir, files));
                    self.folders.borrow_mut().insert(key, folder.clone());
                    folder
                })
            }
        };
        self.classify_with(path, content, folder.as_deref().map(Vec::as_slice))
    }

    /// A migration added whole, or what an edit of an old one changes in what runs forward;
    /// then the acknowledgements.
    fn judge(
        &self,
        repo: &Repo,
        tree: Oid,
        path: &str,
        content: &str,
        before: Option<&str>,
    ) -> Vec<Finding> {
        let mut findings = self.classify_in_tree(repo, tree, path, content);
        if let Some(old) = before {
            let old = self.classify_in_tree(repo, tree, path, old);
            findings = edited(findings, old);
        }
        findings
    }

    /// Index a tree (usually the base branch's tip) so that later checks skip what is known to
    /// hold no migration. Saved for later runs when `persist`. The index only saves time: if it
    /// cannot be built (say, a tree is missing), checks read what differs instead.
    pub fn index_tree(&self, repo: &Repo, tree: Oid, persist: bool) {
        self.refresh_index(repo, tree, persist, persist);
    }

    /// `index_tree` for an index kept from an earlier run only: none is built.
    pub fn index_tree_if_kept(&self, repo: &Repo, tree: Oid, persist: bool) {
        self.refresh_index(repo, tree, persist, false);
    }

    fn refresh_index(&self, repo: &Repo, tree: Oid, persist: bool, build: bool) {
        let mut index = self
            .index
            .borrow_mut()
            .take()
            .unwrap_or_else(|| index::Index::open(repo, self.fingerprint, persist));
        if !build && index.is_empty() {
            // Building it takes a walk of the whole tree, which a dry run could not keep (nor
            // a check of a few commits' own changes win back): reading what differs costs no
            // more.
            return;
        }
        if index.refresh(repo, &self.paths, tree).is_ok() {
            // Not written (read-only repository, full disk): the next run builds it again.
            let _ = index.save();
            *self.index.borrow_mut() = Some(index);
        }
    }

    /// The migrations added or changed between two trees (`from` = `None` for everything).
    pub fn check_trees(&self, repo: &Repo, from: Option<Oid>, to: Oid) -> Result<Report> {
        let mut changed = BTreeMap::new();
        let index = self.index.borrow();
        let (mut path, mut raw) = (String::new(), Vec::new());
        changed_files(
            &Walk {
                repo,
                guard: self,
                index: index.as_ref(),
            },
            (&mut path, &mut raw),
            from,
            to,
            &mut changed,
        )?;
        // What the tree's own attributes take out of the guard (`-fastrevert-migration`); read
        // only when there is a migration to judge.
        let mut report = Report::default();
        if !changed.is_empty() {
            let mut marks = crate::engine::attributes::MigrationMarks::new(repo, to);
            changed.retain(|raw, _| {
                let keep = !marks.not_migration(raw);
                if !keep {
                    report.not_judged.push(crate::git::path_text(raw));
                }
                keep
            });
        }
        for (raw, (path, oid, old)) in changed {
            let blob = repo.blob(oid)?;
            let content = String::from_utf8_lossy(&blob);
            let before = match old {
                Some(old) => Some(String::from_utf8_lossy(&repo.blob(old)?).into_owned()),
                None => None,
            };
            let mut findings = self.judge(repo, to, &path, &content, before.as_deref());
            // Patterns and readers see the name as text; people see it without loss, so that
            // two names that are not UTF-8 are never one.
            let file = crate::git::path_text(&raw);
            for f in findings.iter_mut().filter(|f| f.file != file) {
                f.file = file.clone();
            }
            if before.is_some() && findings.is_empty() {
                // An edit that changes nothing that runs (a comment, formatting).
                continue;
            }
            let class = findings
                .iter()
                .filter(|f| f.acknowledged.is_none())
                .map(|f| f.class)
                .max()
                .unwrap_or(Class::Additive);
            report.migrations.push(Migration {
                file,
                status: if before.is_some() {
                    FileStatus::Modified
                } else {
                    FileStatus::Added
                },
                class,
                findings,
            });
        }
        Ok(report)
    }

    /// The migrations of the commits in `from..to`: the changes since their merge base.
    pub fn check_range(&self, repo: &Repo, from: Oid, to: Oid) -> Result<Report> {
        let start = repo.merge_base(from, to).unwrap_or(from);
        let from_tree = repo.tree_of(start)?;
        self.check_trees(repo, Some(from_tree), repo.tree_of(to)?)
    }
}

/// The findings of a file the guard has a reader for; `folder` is what the folder's earlier
/// migrations did, when known.
fn classify_source(
    kind: Reader,
    src: &Source<'_>,
    folder: Option<&[(String, FileOps)]>,
) -> Vec<Finding> {
    // What the migrations of the folder that sort before this one did.
    let name = migration_folder(src.file).1;
    let name = name.as_str();
    let before = folder.map(|files| {
        files
            .iter()
            .take_while(|(file, _)| file.as_str() < name)
            .map(|(_, ops)| ops)
            .collect::<Vec<_>>()
    });
    match kind {
        Reader::Ruby => {
            let earlier = before.map(|files| replayed_columns(&files));
            rails::classify(src, earlier.as_ref())
        }
        Reader::Python => {
            let earlier = before.map(|files| {
                let mut state = python::State::new();
                for ops in files {
                    if let FileOps::Django(ops) = ops {
                        ops.iter().for_each(|op| python::apply(&mut state, op));
                    }
                }
                state
            });
            let tables = folder.and_then(|files| alembic_ancestry(src, files));
            python::classify(src, earlier.as_ref(), tables.as_ref())
        }
        Reader::Php => php::classify(src, before.map(|files| replayed_columns(&files)).as_ref()),
        Reader::JavaScript | Reader::TypeScript => {
            let earlier = before.map(|files| replayed_columns(&files));
            js::classify(src, kind == Reader::TypeScript, earlier.as_ref())
        }
        Reader::Sql => {
            let earlier = before.map(|files| replayed_columns(&files));
            let (findings, wanted) = sql::classify_replayed(
                src.file,
                &forward_sql(src.text),
                src.dialect,
                earlier.as_ref(),
            );
            if wanted {
                src.want_history();
            }
            findings
        }
        Reader::Liquibase => liquibase::classify(src),
        Reader::Unreadable(_) => sql::classify(src.file, &forward_sql(src.text), src.dialect),
    }
}

/// The folder whose migrations run before this one, and this one's name in it: the file's own
/// folder, or, for a migration that is a folder of its own (Diesel's `<id>_name/up.sql`,
/// Prisma's `<id>_name/migration.sql`), that folder's parent, the name then being
/// `<id>_name/up.sql`.
fn migration_folder(path: &str) -> (&str, String) {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if matches!(name, "up.sql" | "migration.sql") {
        if let Some((parent, own)) = dir.rsplit_once('/') {
            return (parent, format!("{own}/{name}"));
        }
        return ("", format!("{dir}/{name}"));
    }
    (dir, name.to_string())
}

/// A Python migration of a folder: an Alembic revision, or Django's operations.
fn python_file_ops(src: &Source<'_>) -> FileOps {
    let Ok(body) = python::parse(src.text) else {
        return FileOps::Django(Vec::new());
    };
    match (alembic::revision(&body), alembic::upgrade(&body)) {
        (Some(revision), Some(upgrade)) => {
            FileOps::Alembic(revision, alembic::file_ops(src, upgrade))
        }
        _ => FileOps::Django(python::file_state_ops(src)),
    }
}

/// What the Alembic revisions an Alembic migration descends from (through `down_revision`,
/// whatever the files' names) left of the tables, applied parents first; `None` when the file
/// names no revision.
fn alembic_ancestry(src: &Source<'_>, files: &[(String, FileOps)]) -> Option<columns::Columns> {
    let body = python::parse(src.text).ok()?;
    let own = alembic::revision(&body)?;
    let by_id: HashMap<&str, (&alembic::Revision, &Vec<columns::ColumnOp>)> = files
        .iter()
        .filter_map(|(_, ops)| match ops {
            FileOps::Alembic(revision, ops) => Some((revision.id.as_str(), (revision, ops))),
            _ => None,
        })
        .collect();
    // Depth-first from the parents, each revision after its own parents, each once.
    let mut order: Vec<&str> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut stack: Vec<(&str, bool)> = own.parents.iter().map(|p| (p.as_str(), false)).collect();
    while let Some((id, parents_done)) = stack.pop() {
        if parents_done {
            order.push(id);
            continue;
        }
        if !seen.insert(id) {
            continue;
        }
        let Some((revision, _)) = by_id.get(id) else {
            continue;
        };
        stack.push((id, true));
        stack.extend(revision.parents.iter().map(|p| (p.as_str(), false)));
    }
    let mut tables = columns::Columns::new();
    for id in order {
        if let Some((_, ops)) = by_id.get(id) {
            ops.iter().for_each(|op| columns::apply(&mut tables, op));
        }
    }
    Some(tables)
}

/// The tables' columns after the given migrations of a folder (Rails, Sequelize).
fn replayed_columns(files: &[&FileOps]) -> columns::Columns {
    let mut columns = columns::Columns::new();
    for ops in files {
        if let FileOps::Rails(ops) = ops {
            ops.iter().for_each(|op| columns::apply(&mut columns, op));
        }
    }
    columns
}

struct Walk<'a> {
    repo: &'a Repo,
    guard: &'a Guard,
    index: Option<&'a index::Index>,
}

/// Migrations of `to` that `from` does not have or has with other content, by path as bytes
/// (with the path as text that patterns match). Identical subtrees are skipped, and so are
/// subtrees the index knows hold no migration, so the cost follows the change; with anchored
/// patterns (no leading `**/`) unrelated directories are not even read.
fn changed_files(
    walk: &Walk,
    (path, raw): (&mut String, &mut Vec<u8>),
    from: Option<Oid>,
    to: Oid,
    out: &mut BTreeMap<Vec<u8>, (String, Oid, Option<Oid>)>,
) -> Result<()> {
    if from == Some(to) || walk.index.is_some_and(|ix| ix.is_clean(path, to)) {
        return Ok(());
    }
    let to_tree = walk.repo.tree(to)?;
    let from_tree = match from {
        Some(f) => Some(walk.repo.tree(f)?),
        None => None,
    };
    let mut before = index::Cursor::new(from_tree.as_ref());
    let (len, raw_len) = (path.len(), raw.len());
    for entry in to_tree.iter() {
        let old = before.counterpart(&entry).map(|e| e.id());
        if old == Some(entry.id()) {
            continue;
        }
        let is_tree = entry.is_tree();
        let migration_file = entry.is_blob() && could_be_migration(entry.name());
        if !is_tree && !migration_file {
            continue;
        }
        index::push_name(path, &entry);
        if !raw.is_empty() {
            raw.push(b'/');
        }
        raw.extend_from_slice(entry.name());
        if is_tree {
            if walk.guard.may_contain(path) {
                changed_files(walk, (&mut *path, &mut *raw), old, entry.id(), out)?;
            }
        } else if walk.guard.is_migration(path) {
            out.insert(raw.clone(), (path.clone(), entry.id(), old));
        }
        path.truncate(len);
        raw.truncate(raw_len);
    }
    Ok(())
}

/// The files of a folder of a tree, by name (`None` when it cannot be read).
fn read_tree_folder(repo: &Repo, tree: Oid, dir: &str) -> Option<Vec<(String, String)>> {
    let root = repo.tree(tree).ok()?;
    let folder = if dir.is_empty() {
        root
    } else {
        repo.tree(root.id_at(dir)?).ok()?
    };
    let mut files = Vec::new();
    for entry in folder.iter() {
        let Ok(name) = std::str::from_utf8(entry.name()) else {
            continue;
        };
        // A migration that is a folder of its own: its forward half, named as
        // `migration_folder` names it.
        if entry.is_tree() {
            let Ok(own) = repo.tree(entry.id()) else {
                continue;
            };
            for inner in ["up.sql", "migration.sql"] {
                if let Some(blob) = own.id_at(inner).and_then(|id| repo.blob(id).ok()) {
                    let text = String::from_utf8_lossy(&blob).into_owned();
                    files.push((format!("{name}/{inner}"), text));
                }
            }
            continue;
        }
        let read = name.ends_with(".py")
            || name.ends_with(".rb")
            || name.ends_with(".php")
            || name.ends_with(".sql")
            || script(name).is_some();
        if !read {
            continue;
        }
        if let Ok(blob) = repo.blob(entry.id()) {
            files.push((
                name.to_string(),
                String::from_utf8_lossy(&blob).into_owned(),
            ));
        }
    }
    Some(files)
}

/// The findings of an edited old migration: only statements the edit adds are judged, and
/// said to come from an edit; statements it drops are noted as safe. A comment or formatting
/// edit leaves nothing.
fn edited(new: Vec<Finding>, old: Vec<Finding>) -> Vec<Finding> {
    let mut left: Vec<Option<Finding>> = old.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for mut f in new {
        if let Some(slot) = left
            .iter_mut()
            .find(|o| o.as_ref().is_some_and(|o| o.key == f.key))
        {
            *slot = None;
            continue;
        }
        f.reason = format!(
            "edited an old migration (it runs again only on new databases): {}",
            f.reason
        );
        out.push(f);
    }
    for gone in left.into_iter().flatten() {
        if gone.statement.is_empty() {
            continue;
        }
        out.push(Finding {
            class: Class::Safe,
            reason: "edited an old migration: no longer runs this (databases that ran it keep it)"
                .into(),
            ..gone
        });
    }
    out
}

/// The marker a reviewer leaves in a migration: `# fastrevert: rollback-safe <why>` (or `--`
/// in SQL).
const MARKER: &str = "fastrevert: rollback-safe";

/// Mark destructive findings acknowledged by a marker in the file or by `allowed` paths.
fn acknowledge(findings: &mut [Finding], content: &str, path: &str, allowed: &[String]) {
    let marker = content.lines().find_map(|line| {
        let comment = line
            .trim_start()
            .trim_start_matches(['#', '-', '/', '*'])
            .trim();
        comment
            .strip_prefix(MARKER)
            .map(|why| why.trim().trim_start_matches([':', '-']).trim().to_string())
    });
    let by_flag = allowed.iter().any(|a| a == path);
    for f in findings.iter_mut().filter(|f| f.class.refuses()) {
        f.acknowledged = match (&marker, by_flag) {
            (_, true) => Some("allowed by --allow-migration (fastrevert.allowMigration)".into()),
            (Some(why), false) if !why.is_empty() => {
                Some(format!("marked rollback-safe in the file: {why}"))
            }
            (Some(_), false) => {
                f.reason
                    .push_str(" (a rollback-safe marker without a reason is not taken: add why)");
                None
            }
            (None, false) => None,
        };
    }
}

/// Whether the path components `dir` can be the start of a match of `pattern`.
fn prefix_matches(pattern: &[glob::Pattern], dir: &[&str]) -> bool {
    let Some((first, rest)) = dir.split_first() else {
        return true;
    };
    match pattern.split_first() {
        None => false,
        Some((p, _)) if p.as_str() == "**" => true,
        // The last component names files: a directory cannot match it.
        Some((_, [])) => false,
        Some((p, tail)) => p.matches(first) && prefix_matches(tail, rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two migrations whose names differ only in bytes that are not UTF-8 are two findings,
    /// each named without loss, never one name for both.
    #[test]
    fn migrations_named_in_bytes_that_are_not_utf8_are_each_judged() {
        let dir = tempfile::tempdir().unwrap();
        let raw = git2::Repository::init_bare(dir.path()).unwrap();
        let dropping = raw.blob(b"ALTER TABLE users DROP COLUMN email;\n").unwrap();
        let mut folder = raw.treebuilder(None).unwrap();
        for name in [b"1_\xff.sql".to_vec(), b"1_\xfe.sql".to_vec()] {
            folder.insert(name, dropping, 0o100644).unwrap();
        }
        let folder_id = folder.write().unwrap();
        let mut db = raw.treebuilder(None).unwrap();
        db.insert("migrate", folder_id, 0o040000).unwrap();
        let db_id = db.write().unwrap();
        let mut top = raw.treebuilder(None).unwrap();
        top.insert("db", db_id, 0o040000).unwrap();
        let root = top.write().unwrap();
        drop((folder, db, top));
        let repo = Repo::new(raw);
        let guard = Guard::new(&[], Dialect::Generic).unwrap();
        let report = guard.check_trees(&repo, None, root).unwrap();
        let files: Vec<&str> = report.migrations.iter().map(|m| m.file.as_str()).collect();
        assert_eq!(
            files,
            ["\"db/migrate/1_\\376.sql\"", "\"db/migrate/1_\\377.sql\""]
        );
        assert_eq!(report.count(Class::Destructive), 2);
        for m in &report.migrations {
            assert!(m.findings.iter().all(|f| f.file == m.file));
        }
    }

    #[test]
    fn default_paths_cover_the_common_frameworks() {
        let guard = Guard::new(&[], Dialect::Generic).unwrap();
        for yes in [
            "db/migrate/20240101120000_add_email.rb",
            "db/migrate/00001_change_t1.sql",
            "app/migrations/0002_remove_field.py",
            "migrations/000002_alter.up.sql",
            "alembic/versions/abc123_add.py",
            "db/migration/V2__drop.sql",
            "prisma/migrations/20240101_init/migration.sql",
            "services/api/db/schema/0003_x.up.sql",
        ] {
            assert!(guard.is_migration(yes), "{yes}");
        }
        assert!(
            guard.may_contain("src/deep/down"),
            "**/ patterns reach everywhere"
        );
        let anchored = Guard::new(
            &["db/migrate/**".into(), "services/*/migrations/*.sql".into()],
            Dialect::Generic,
        )
        .unwrap();
        for dir in [
            "db",
            "db/migrate",
            "db/migrate/old",
            "services",
            "services/api",
            "services/api/migrations",
        ] {
            assert!(anchored.may_contain(dir), "{dir}");
        }
        for dir in [
            "src",
            "dbx",
            "services/api/src",
            "services/api/migrations/old",
        ] {
            assert!(!anchored.may_contain(dir), "{dir}");
        }
        for no in [
            "migrations/000002_alter.down.sql",
            "app/migrations/__init__.py",
            "db/migration/U2__undo.sql",
            "src/main.rs",
            "db/schema.rb",
            "docs/migrations.md",
        ] {
            assert!(!guard.is_migration(no), "{no}");
        }
    }
}
