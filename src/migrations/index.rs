//! Where migrations can be: for each directory version (path + tree id) of an indexed tree,
//! whether anything under it is a migration. With it the guard skips every subtree known to hold
//! none, so a check whose newer side is (close to) the indexed tree reads only the directories
//! that hold migrations, however far apart the two compared trees are.
//!
//! Kept in `<git dir>/fastrevert/`, one file per set of migration patterns. Entries are keyed by
//! tree id, so they never go stale; the file is only a cache (safe to delete, rebuilt on use).
//! Refreshing it for a new tree reads what differs from the last indexed tree at each path, so
//! after the first build (one walk of the whole tree) its cost follows what changed.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::git::repo::{Entry, Tree};
use crate::git::{Oid, Repo};

use super::Paths;
use crate::error::Result;
use crate::git::cache;

const MAGIC: &[u8; 8] = b"FRMIDX02";
/// Path hash, tree id, flags.
const RECORD: usize = 8 + 20 + 1;
const CLEAN: u8 = 1;
const LATEST: u8 = 2;
/// Beyond this many records the file is not written (and a larger one is not read): the index
/// is rebuilt from one tree instead of growing without bound.
const MAX_RECORDS: usize = 1 << 22;
#[derive(Clone, Copy)]
struct State {
    clean: bool,
    /// Used or made by this run: written back even when no longer the latest at its path.
    keep: bool,
}

pub(super) struct Index {
    fingerprint: u64,
    file: Option<PathBuf>,
    states: HashMap<(u64, Oid), State>,
    /// The most recently indexed tree at each path: a new tree is compared with it.
    latest: HashMap<u64, Oid>,
    changed: bool,
}

/// The key of a directory's path in the index.
pub(super) fn path_hash(path: &str) -> u64 {
    cache::fnv1a(path.as_bytes())
}

impl Index {
    /// The saved index for these patterns, or an empty one. `persist`: whether `save` writes.
    pub(super) fn open(repo: &Repo, fingerprint: u64, persist: bool) -> Index {
        let path = repo.cache_path(&format!("migrations-{fingerprint:016x}.idx"));
        let mut index = Index::empty(fingerprint, persist.then(|| path.clone()));
        // A damaged file could call a folder with migrations clean: the cache's checksum keeps
        // it out, and the index is rebuilt.
        if let Some(body) = cache::read(&path, MAGIC) {
            index.load(&body);
        }
        index
    }

    fn empty(fingerprint: u64, file: Option<PathBuf>) -> Index {
        Index {
            fingerprint,
            file,
            states: HashMap::new(),
            latest: HashMap::new(),
            changed: false,
        }
    }

    /// Take the records of a saved body (fingerprint, records); one that does not parse is
    /// ignored (rebuilt).
    fn load(&mut self, body: &[u8]) {
        if body.len() < 8 {
            return;
        }
        let (fp, records) = body.split_at(8);
        if fp != self.fingerprint.to_le_bytes()
            || records.len() % RECORD != 0
            || records.len() / RECORD > MAX_RECORDS
        {
            return;
        }
        self.states.reserve(records.len() / RECORD);
        for r in records.chunks_exact(RECORD) {
            let mut hash = [0u8; 8];
            hash.copy_from_slice(&r[..8]);
            let hash = u64::from_le_bytes(hash);
            let Ok(oid) = Oid::from_bytes(&r[8..28]) else {
                return;
            };
            let flags = r[28];
            self.states.insert(
                (hash, oid),
                State {
                    clean: flags & CLEAN != 0,
                    keep: false,
                },
            );
            if flags & LATEST != 0 {
                self.latest.insert(hash, oid);
            }
        }
    }

    /// Whether the tree at `path` is known to hold no migration.
    pub(super) fn is_clean(&self, path: &str, tree: Oid) -> bool {
        self.states
            .get(&(path_hash(path), tree))
            .is_some_and(|s| s.clean)
    }

    /// Whether nothing was indexed yet (no file, or one that did not parse).
    pub(super) fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Index a whole tree (the root of a commit).
    pub(super) fn refresh(&mut self, repo: &Repo, paths: &Paths, tree: Oid) -> Result<()> {
        if self.latest.is_empty() {
            self.build_in_parallel(repo, paths, tree)?;
        }
        let mut path = String::new();
        self.visit(repo, paths, &mut path, tree)?;
        Ok(())
    }

    /// The first build reads every folder of the tree: split it into subtrees a few levels
    /// down and index those on every core (each thread with its own repository handle, since
    /// one is not shared across threads). The top levels are then visited as usual and find
    /// their subtrees indexed.
    fn build_in_parallel(&mut self, repo: &Repo, paths: &Paths, tree: Oid) -> Result<()> {
        const UNITS_PER_THREAD: usize = 16;
        const MAX_DEPTH: usize = 4;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        if threads < 2 {
            return Ok(());
        }
        let mut units = vec![(String::new(), tree)];
        for _ in 0..MAX_DEPTH {
            if units.len() >= threads * UNITS_PER_THREAD {
                break;
            }
            let mut next = Vec::new();
            for (path, id) in &units {
                let t = repo.tree(*id)?;
                for entry in t.iter().filter(|e| e.is_tree()) {
                    let mut child = path.clone();
                    push_name(&mut child, &entry);
                    if paths.may_contain(&child) {
                        next.push((child, entry.id()));
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            units = next;
        }
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let work = |repo: &Repo| -> Result<Index> {
            let mut part = Index::empty(self.fingerprint, None);
            loop {
                let i = taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, id)) = units.get(i) else {
                    return Ok(part);
                };
                let mut path = path.clone();
                part.visit(repo, paths, &mut path, *id)?;
            }
        };
        // A handle is not shared across threads; each helper opens its own.
        let git_dir = repo.git_dir();
        let helper = |()| work(&Repo::reopen_at(git_dir)?);
        let parts = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads)
                .map(|_| crate::threads::share(scope, &helper, ()))
                .collect();
            let mut parts = vec![work(repo)];
            for helper in helpers {
                parts.push(helper.join().unwrap_or_else(|_| {
                    Err(crate::error::Error::failed("indexing migrations stopped"))
                }));
            }
            parts
        });
        for part in parts {
            let part = part?;
            self.changed |= part.changed;
            self.states.extend(part.states);
            self.latest.extend(part.latest);
        }
        Ok(())
    }

    /// Whether nothing under `tree` (at `path`) is a migration, indexing what was not yet.
    fn visit(&mut self, repo: &Repo, paths: &Paths, path: &mut String, tree: Oid) -> Result<bool> {
        let hash = path_hash(path);
        if let Some(state) = self.states.get_mut(&(hash, tree)) {
            state.keep = true;
            return Ok(state.clean);
        }
        let current = repo.tree(tree)?;
        // The last indexed version of this directory: entries it shares are known already.
        let base = match self.latest.get(&hash) {
            Some(&id) => match self.states.get(&(hash, id)) {
                Some(state) => Some((repo.tree(id)?, state.clean)),
                None => None,
            },
            None => None,
        };
        let base_clean = base.as_ref().is_some_and(|b| b.1);
        let mut clean = true;
        let len = path.len();
        let mut cursor = Cursor::new(base.as_ref().map(|b| &b.0));
        for entry in current.iter() {
            let shared = cursor.same(&entry);
            if entry.is_tree() {
                push_name(path, &entry);
                // A shared subtree is answered from its record without being read.
                if paths.may_contain(path) && !self.visit(repo, paths, path, entry.id())? {
                    clean = false;
                }
                path.truncate(len);
            } else if clean
                && !(shared && base_clean)
                && entry.is_blob()
                && super::could_be_migration(entry.name())
            {
                push_name(path, &entry);
                clean = !paths.is_migration(path);
                path.truncate(len);
            }
        }
        self.states
            .insert((hash, tree), State { clean, keep: true });
        self.latest.insert(hash, tree);
        self.changed = true;
        Ok(clean)
    }

    /// Write the index back if this run added to it. Records made or used by this run and the
    /// latest of every path are kept; older versions are dropped.
    pub(super) fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        if !self.changed {
            return Ok(());
        }
        let latest: std::collections::HashSet<(u64, Oid)> =
            self.latest.iter().map(|(&h, &id)| (h, id)).collect();
        let mut records = Vec::new();
        for (&(hash, oid), state) in &self.states {
            let is_latest = latest.contains(&(hash, oid));
            if !(state.keep || is_latest) {
                continue;
            }
            records.push((
                hash,
                oid,
                u8::from(state.clean) | if is_latest { LATEST } else { 0 },
            ));
        }
        if records.len() > MAX_RECORDS {
            return std::fs::remove_file(file);
        }
        records.sort_unstable();
        let mut body = Vec::with_capacity(8 + records.len() * RECORD);
        body.extend_from_slice(&self.fingerprint.to_le_bytes());
        for (hash, oid, flags) in records {
            body.extend_from_slice(&hash.to_le_bytes());
            body.extend_from_slice(oid.as_bytes());
            body.push(flags);
        }
        cache::write(file, MAGIC, &body)
    }
}

pub(super) fn push_name(path: &mut String, entry: &Entry) {
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str(&String::from_utf8_lossy(entry.name()));
}

/// Walks another tree alongside one being iterated (both are sorted the way git sorts tree
/// entries), finding each entry's counterpart without a search per entry.
pub(super) struct Cursor<'a> {
    other: Option<&'a Tree<'a>>,
    next: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(other: Option<&'a Tree<'a>>) -> Cursor<'a> {
        Cursor { other, next: 0 }
    }

    /// The entry of the other tree with the same name and kind (file or directory) as `entry`,
    /// if any. Entries must be asked for in tree order.
    pub(super) fn counterpart(&mut self, entry: &Entry) -> Option<Entry<'a>> {
        let other = self.other?;
        while let Some(candidate) = other.get(self.next) {
            match git_order(&candidate, entry) {
                Ordering::Less => self.next += 1,
                Ordering::Equal => {
                    self.next += 1;
                    return Some(candidate);
                }
                Ordering::Greater => return None,
            }
        }
        None
    }

    /// Whether the other tree has this very entry (same name, kind and id).
    fn same(&mut self, entry: &Entry) -> bool {
        self.counterpart(entry)
            .is_some_and(|c| c.id() == entry.id())
    }
}

/// Git's order of tree entries: by name, a directory's name as if it ended in '/'.
fn git_order(a: &Entry, b: &Entry) -> Ordering {
    let (an, bn) = (a.name(), b.name());
    let common = an.len().min(bn.len());
    match an[..common].cmp(&bn[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], e: &Entry| match name.get(common) {
        Some(&c) => c,
        None if e.is_tree() => b'/',
        None => 0,
    };
    next(an, a).cmp(&next(bn, b))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use git2::build::TreeUpdateBuilder;

    use super::*;
    use crate::migrations::FileStatus;
    use crate::migrations::{Dialect, Guard, Report};

    const DIRS: &[&str] = &[
        "",
        "src",
        "src/a",
        "src/a/b",
        "src/a/b/migrations",
        "db/migrate",
        "svc/api/db/migrate",
        "x/y/z",
        "x/migrations",
        "prisma/migrations/20240101_init",
        "deep/er/alembic/versions",
    ];
    const NAMES: &[&str] = &[
        "f1.txt",
        "f2.txt",
        "0001_add.sql",
        "0002_drop.sql",
        "m.py",
        "a.up.sql",
        "a.down.sql",
        "migration.sql",
        "V2__x.sql",
        "__init__.py",
        "r.rb",
    ];
    const BODIES: &[&str] = &[
        "CREATE TABLE t (id INT);\n",
        "ALTER TABLE t DROP COLUMN c;\n",
        "ALTER TABLE t ADD COLUMN d TEXT;\n",
        "class M:\n    operations = [migrations.RemoveField('a', 'b')]\n",
        "def change\n  remove_column :users, :email\nend\n",
        "just text\n",
    ];

    /// A small deterministic generator: tests need no seed crate.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn write_tree(repo: &Repo, files: &BTreeMap<String, String>) -> Oid {
        let repo = repo.raw();
        let empty = repo
            .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let mut b = TreeUpdateBuilder::new();
        for (path, body) in files {
            let blob = repo.blob(body.as_bytes()).unwrap();
            b.upsert(path, blob, git2::FileMode::Blob);
        }
        b.create_updated(repo, &empty).unwrap()
    }

    /// A history of trees in which migrations come and go in nested and top-level folders.
    fn history(repo: &Repo, seed: u64, steps: usize) -> Vec<Oid> {
        let mut rng = Rng(seed);
        let mut files = BTreeMap::new();
        for i in 0..40 {
            files.insert(format!("src/a/pad{i:02}.txt"), format!("{i}\n"));
            files.insert(format!("x/y/z/pad{i:02}.txt"), format!("{i}\n"));
        }
        let mut trees = vec![write_tree(repo, &files)];
        for _ in 0..steps {
            for _ in 0..1 + rng.below(3) {
                match rng.below(10) {
                    0 | 1 if !files.is_empty() => {
                        let victim = files.keys().nth(rng.below(files.len())).cloned();
                        files.remove(&victim.unwrap());
                    }
                    2 => {
                        let dir = DIRS[1 + rng.below(DIRS.len() - 1)];
                        files.retain(|p, _| !p.starts_with(&format!("{dir}/")));
                    }
                    _ => {
                        let dir = DIRS[rng.below(DIRS.len())];
                        let name = NAMES[rng.below(NAMES.len())];
                        let path = if dir.is_empty() {
                            name.to_string()
                        } else {
                            format!("{dir}/{name}")
                        };
                        files.insert(path, BODIES[rng.below(BODIES.len())].to_string());
                    }
                }
            }
            trees.push(write_tree(repo, &files));
        }
        trees
    }

    fn summary(report: &Report) -> Vec<(String, FileStatus, String)> {
        let mut all: Vec<_> = report
            .migrations
            .iter()
            .map(|m| (m.file.clone(), m.status, m.class.as_str().to_string()))
            .collect();
        all.sort();
        all
    }

    fn guard(paths: &[&str]) -> Guard {
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        Guard::new(&paths, Dialect::Generic).unwrap()
    }

    #[test]
    fn checks_with_the_index_find_what_checks_without_it_find() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(git2::Repository::init_bare(dir.path()).unwrap());
        for (seed, patterns) in [
            (7u64, vec![]),
            (11, vec![]),
            (13, vec!["db/migrate/**", "**/migrations/*.sql"]),
        ] {
            let trees = history(&repo, seed, 60);
            let plain = guard(&patterns);
            // An index that follows the history the way the base branch's tip moves, saved
            // and read back by a new guard at every step, as separate runs would.
            let mut found = 0;
            for (j, &to) in trees.iter().enumerate() {
                let indexed = guard(&patterns);
                // Every third run is a dry run: the saved index brought up to date in memory only.
                indexed.index_tree(&repo, to, j % 3 != 1);
                assert!(indexed.index.borrow().is_some());
                for i in [0, j.saturating_sub(1), j / 2, (j + 7) % trees.len()] {
                    let from = Some(trees[i]);
                    let want = summary(&plain.check_trees(&repo, from, to).unwrap());
                    let got = summary(&indexed.check_trees(&repo, from, to).unwrap());
                    assert_eq!(got, want, "seed {seed}, {i} -> {j}");
                    found += want.len();
                }
                // The tree checked is not the indexed one: the walk reads what differs.
                let older = trees[j / 3];
                assert_eq!(
                    summary(&indexed.check_trees(&repo, Some(to), older).unwrap()),
                    summary(&plain.check_trees(&repo, Some(to), older).unwrap()),
                    "seed {seed}, {j} -> {}",
                    j / 3
                );
            }
            assert!(found > 50, "the history has migrations to find: {found}");
        }
    }

    #[test]
    fn a_migration_folder_appearing_deep_in_an_indexed_clean_folder_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(git2::Repository::init_bare(dir.path()).unwrap());
        let mut files = BTreeMap::new();
        for i in 0..50 {
            files.insert(
                format!("src/m{:02}/p{:02}/f{i}.txt", i % 5, i % 7),
                "x\n".into(),
            );
        }
        let before = write_tree(&repo, &files);
        let g = guard(&[]);
        g.index_tree(&repo, before, true);
        let src = repo.tree(before).unwrap().id_at("src").unwrap();
        assert!(g.index.borrow().as_ref().unwrap().is_clean("src", src));
        files.insert(
            "src/m01/p03/migrations/0002_drop.sql".into(),
            "ALTER TABLE users DROP COLUMN email;\n".into(),
        );
        let after = write_tree(&repo, &files);
        for refreshed in [false, true] {
            let g = guard(&[]);
            if refreshed {
                g.index_tree(&repo, after, true);
            } else {
                // Read the saved index without bringing it up to date.
                g.index_tree(&repo, before, true);
            }
            let report = g.check_trees(&repo, Some(before), after).unwrap();
            assert_eq!(
                summary(&report),
                vec![(
                    "src/m01/p03/migrations/0002_drop.sql".to_string(),
                    FileStatus::Added,
                    "destructive".to_string()
                )]
            );
        }
    }

    #[test]
    fn the_file_is_kept_per_pattern_set_and_a_damaged_one_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(git2::Repository::init_bare(dir.path()).unwrap());
        let trees = history(&repo, 5, 10);
        let tip = *trees.last().unwrap();
        let folder = dir.path().join("fastrevert");

        // Not persisted (a dry run): nothing written.
        guard(&[]).index_tree(&repo, tip, false);
        assert!(!folder.exists());

        guard(&[]).index_tree(&repo, tip, true);
        guard(&["db/migrate/**"]).index_tree(&repo, tip, true);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 2, "{files:?}");

        let plain = guard(&[]);
        let want = summary(&plain.check_trees(&repo, Some(trees[0]), tip).unwrap());
        for damage in [&b"garbage"[..], b"", b"FRMIDX01\x01"] {
            for f in &files {
                std::fs::write(f, damage).unwrap();
            }
            let g = guard(&[]);
            g.index_tree(&repo, tip, true);
            assert_eq!(
                summary(&g.check_trees(&repo, Some(trees[0]), tip).unwrap()),
                want
            );
        }
        // Rebuilt and readable again.
        let g = guard(&[]);
        let index = Index::open(&repo, g.fingerprint, false);
        assert!(!index.states.is_empty());
        assert!(
            want.iter().any(|m| !m.0.starts_with("db/")),
            "some migrations sit outside db/: {want:?}"
        );

        // A file whose records were damaged (every folder marked clean) is not believed.
        let saved = files
            .iter()
            .find(|f| std::fs::read(f).is_ok_and(|b| b.len() > 100))
            .unwrap();
        let mut bytes = std::fs::read(saved).unwrap();
        // Magic and fingerprint before the records, the checksum after them.
        let header = MAGIC.len() + 8;
        let records = bytes.len() - header - 8;
        for r in 0..records / RECORD {
            bytes[header + r * RECORD + RECORD - 1] |= CLEAN;
        }
        std::fs::write(saved, &bytes).unwrap();
        let g = guard(&[]);
        g.index_tree(&repo, tip, false);
        assert_eq!(
            summary(&g.check_trees(&repo, Some(trees[0]), tip).unwrap()),
            want
        );
    }
}
