//! The migration guard: find the migrations a range of history adds or changes, and tell
//! whether code can be rolled back over them (additive), cannot (destructive), or needs a look
//! (unknown).

mod code;
mod index;
pub mod sql;

use std::cell::RefCell;
use std::collections::BTreeMap;

use git2::{Oid, Repository};
use serde::Serialize;

pub use sql::Dialect;

use crate::error::{Error, Result};

/// Where migrations live in the common frameworks: Rails, Django, Alembic, Flyway, Prisma,
/// golang-migrate and plain `*.up.sql`.
pub const DEFAULT_PATHS: &[&str] = &[
    "db/migrate/**",
    "**/db/migrate/**",
    "migrations/**",
    "**/migrations/*.sql",
    "**/migrations/*.py",
    "alembic/versions/*.py",
    "**/alembic/versions/*.py",
    "db/migration/V*.sql",
    "**/db/migration/V*.sql",
    "prisma/migrations/*/migration.sql",
    "**/prisma/migrations/*/migration.sql",
    "**/*.up.sql",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Old code keeps working: new tables, nullable columns, indexes.
    Additive,
    /// Not recognised or not parsable: a warning.
    Unknown,
    /// Old code breaks: dropped, renamed or retyped columns and tables, new constraints.
    Destructive,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Additive => "additive",
            Class::Unknown => "unknown",
            Class::Destructive => "destructive",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub class: Class,
    pub statement: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub file: String,
    /// `added` or `modified` in the range.
    pub status: &'static str,
    /// The worst class of its statements.
    pub class: Class,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub migrations: Vec<Migration>,
}

impl Report {
    pub fn count(&self, class: Class) -> usize {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class == class)
            .count()
    }

    pub fn worst(&self) -> Option<Class> {
        self.migrations.iter().map(|m| m.class).max()
    }

    pub fn destructive(&self) -> impl Iterator<Item = &Finding> {
        self.migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class == Class::Destructive)
    }

    pub fn extend(&mut self, other: Report) {
        for m in other.migrations {
            if !self.migrations.iter().any(|have| have.file == m.file) {
                self.migrations.push(m);
            }
        }
    }
}

/// Which files are migrations, and how SQL is parsed.
pub struct Guard {
    paths: Paths,
    pub dialect: Dialect,
    /// Names the index file: another set of patterns finds other migrations.
    fingerprint: u64,
    index: RefCell<Option<index::Index>>,
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
        let runs_forward = !(name.ends_with(".down.sql")
            || name == "__init__.py"
            || name.starts_with('U') && name.contains("__") && name.ends_with(".sql"));
        runs_forward
            && has_migration_extension(name.as_bytes())
            && self.patterns.iter().any(|p| p.matches_with(path, MATCH))
    }

    /// Whether a directory may hold a migration, by the patterns alone.
    fn may_contain(&self, dir: &str) -> bool {
        let parts: Vec<&str> = dir.split('/').collect();
        self.components.iter().any(|p| prefix_matches(p, &parts))
    }
}

/// Only files with these extensions can be migrations: checking the name first also keeps the
/// glob match off the bulk of a large tree.
fn has_migration_extension(name: &[u8]) -> bool {
    [b".sql".as_slice(), b".rb", b".py"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Part of the index's fingerprint: change it when what counts as a migration changes.
const RULES: &str = "fastrevert migration rules 1";

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
            fingerprint: index::path_hash(&key),
            index: RefCell::new(None),
        })
    }

    /// Whether a path is a migration that runs going forward.
    pub fn is_migration(&self, path: &str) -> bool {
        self.paths.is_migration(path)
    }

    /// Whether a directory may hold a migration, by the patterns alone.
    pub fn may_contain(&self, dir: &str) -> bool {
        self.paths.may_contain(dir)
    }

    /// Classify one file's content by its kind.
    pub fn classify(&self, path: &str, content: &str) -> Vec<Finding> {
        if path.ends_with(".sql") {
            sql::classify(path, content, self.dialect)
        } else {
            code::classify(path, content)
        }
    }

    /// Index a tree (usually the base branch's tip) so that later checks skip what is known to
    /// hold no migration. Saved for later runs when `persist`. The index only saves time: if it
    /// cannot be built (say, a tree is missing), checks read what differs instead.
    pub fn index_tree(&self, repo: &Repository, tree: Oid, persist: bool) {
        let mut index = self
            .index
            .borrow_mut()
            .take()
            .unwrap_or_else(|| index::Index::open(repo, self.fingerprint, persist));
        if !persist && index.is_empty() {
            // Building it takes a walk of the whole tree, which a dry run could not keep:
            // reading what differs costs no more.
            return;
        }
        if index.refresh(repo, &self.paths, tree).is_ok() {
            // Not written (read-only repository, full disk): the next run builds it again.
            let _ = index.save();
            *self.index.borrow_mut() = Some(index);
        }
    }

    /// The migrations added or changed between two trees (`from` = `None` for everything).
    pub fn check_trees(&self, repo: &Repository, from: Option<Oid>, to: Oid) -> Result<Report> {
        let mut changed = BTreeMap::new();
        let index = self.index.borrow();
        let mut path = String::new();
        changed_files(
            &Walk {
                repo,
                guard: self,
                index: index.as_ref(),
            },
            &mut path,
            from,
            to,
            &mut changed,
        )?;
        let mut report = Report::default();
        for (path, (oid, status)) in changed {
            let blob = repo.find_blob(oid)?;
            let content = String::from_utf8_lossy(blob.content());
            let findings = self.classify(&path, &content);
            let class = findings
                .iter()
                .map(|f| f.class)
                .max()
                .unwrap_or(Class::Additive);
            report.migrations.push(Migration {
                file: path,
                status,
                class,
                findings,
            });
        }
        Ok(report)
    }

    /// The migrations of the commits in `from..to`: the changes since their merge base.
    pub fn check_range(&self, repo: &Repository, from: Oid, to: Oid) -> Result<Report> {
        let start = repo.merge_base(from, to).unwrap_or(from);
        let from_tree = repo.find_commit(start)?.tree_id();
        self.check_trees(repo, Some(from_tree), repo.find_commit(to)?.tree_id())
    }
}

struct Walk<'a> {
    repo: &'a Repository,
    guard: &'a Guard,
    index: Option<&'a index::Index>,
}

/// Migrations of `to` that `from` does not have or has with other content. Identical subtrees
/// are skipped, and so are subtrees the index knows hold no migration, so the cost follows the
/// change; with anchored patterns (no leading `**/`) unrelated directories are not even read.
fn changed_files(
    walk: &Walk,
    path: &mut String,
    from: Option<Oid>,
    to: Oid,
    out: &mut BTreeMap<String, (Oid, &'static str)>,
) -> Result<()> {
    if from == Some(to) || walk.index.is_some_and(|ix| ix.is_clean(path, to)) {
        return Ok(());
    }
    let to_tree = walk.repo.find_tree(to)?;
    let from_tree = match from {
        Some(f) => Some(walk.repo.find_tree(f)?),
        None => None,
    };
    let mut before = index::Cursor::new(from_tree.as_ref());
    let len = path.len();
    for entry in to_tree.iter() {
        let old = before.counterpart(&entry).map(|e| e.id());
        if old == Some(entry.id()) {
            continue;
        }
        match entry.kind() {
            Some(git2::ObjectType::Tree) => {
                index::push_name(path, &entry);
                if walk.guard.may_contain(path) {
                    changed_files(walk, path, old, entry.id(), out)?;
                }
            }
            Some(git2::ObjectType::Blob) if has_migration_extension(entry.name_bytes()) => {
                index::push_name(path, &entry);
                if walk.guard.is_migration(path) {
                    let status = if old.is_some() { "modified" } else { "added" };
                    out.insert(path.clone(), (entry.id(), status));
                }
            }
            _ => {}
        }
        path.truncate(len);
    }
    Ok(())
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
