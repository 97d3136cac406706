//! A three-way tree merge that visits only the subtrees whose ids differ.
//!
//! `Repository::revert_commit` and `merge_trees` build an index of every file, so their cost
//! follows the size of the repository. This merge follows what changed instead: a directory that
//! is identical on two of the three sides is resolved by its id without being read. It aims at
//! the result of git's `ort` strategy (`git merge-tree --write-tree`): file-level three-way
//! merges with git's xdiff, mode merges, directory/file conflicts, and rename detection for the
//! paths where a rename changes the outcome (a file renamed on one side and modified or deleted
//! on the other).

use std::collections::{BTreeSet, HashMap, HashSet};

use git2::{build::TreeUpdateBuilder, Oid, Repository, Tree};

use super::attributes::{Attributes, Driver};
use super::rename_search::{Possible, SimilaritySearch, PAIR_BUDGET};
use super::similarity;
use crate::git::{merge_file, FileMode};

// Raw file modes, as git writes them in trees (one definition, in the git layer).
const MODE_TREE: i32 = FileMode::TREE;
const MODE_EXEC: i32 = FileMode::EXECUTABLE;
const MODE_LINK: i32 = FileMode::LINK;
const MODE_GITLINK: i32 = FileMode::SUBMODULE;

/// git's rename threshold: 50% similar.
const RENAME_MIN_SCORE: u64 = similarity::MAX_SCORE / 2;
/// Pairs of files of the same name compared alone, before the search over every addition.
const SAME_NAME_PAIRS: usize = 32;
/// Above this many source x destination pairs git skips inexact rename detection
/// (merge.renameLimit defaults to 7000).
const RENAME_LIMIT: usize = 7000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub oid: Oid,
    pub mode: i32,
}

impl Entry {
    fn is_tree(self) -> bool {
        self.mode == MODE_TREE
    }
}

/// A path inside a tree, as bytes: git paths need not be UTF-8.
pub type TreePath = Vec<u8>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub path: TreePath,
    pub reason: &'static str,
}

#[derive(Debug)]
pub struct TreeMerge {
    /// The merged tree; with conflicts, not a result (no caller commits one, so the trees that
    /// would carry the last line merges are not written).
    pub tree: Oid,
    pub conflicts: Vec<Conflict>,
    /// What the caller should know about how it was merged (e.g. an old git).
    pub notes: Vec<String>,
    /// git itself merged it (see `Merger::delegate`).
    pub by_git: bool,
}

/// Which side of the merge, relative to the merge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Ours,
    Theirs,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Ours => Side::Theirs,
            Side::Theirs => Side::Ours,
        }
    }
}

/// Situations whose outcome depends on rename detection; settled after the tree walk.
#[derive(Debug)]
enum Pending {
    /// `base` was deleted on `deleted_on` and changed on the other side.
    ModifyDelete {
        path: TreePath,
        deleted_on: Side,
        base: Entry,
        other: Entry,
    },
    /// Both sides deleted `base` (a file or a whole directory).
    BothDeleted { path: TreePath, base: Entry },
    /// Both sides added different entries at a path the base does not have.
    AddAdd { path: TreePath },
    /// `path` was added inside `dir`, a directory that `removed_on` no longer has. If that
    /// side renamed the directory, git moves the addition along and reports a conflict.
    AddInRemovedDir {
        path: TreePath,
        dir: TreePath,
        removed_on: Side,
    },
}

struct Merger<'r> {
    repo: &'r Repository,
    conflicts: Vec<Conflict>,
    pending: Vec<Pending>,
    /// The tree the result lands on: its `.gitattributes` decide how contents merge.
    ours: Oid,
    /// Read on the first content merge.
    attributes: Option<Attributes<'r>>,
    notes: Vec<String>,
    /// The merge met what git's rules treat in many special ways (a path that is a file on
    /// one side and a directory on another, a rename, a conflict other than contents or
    /// modify/delete): git itself settles it. Ordinary merges never get here.
    delegate: bool,
    /// During the walk, line merges are put off until it is known that git will not settle the
    /// whole merge (which would make them wasted work on large files); `None` after it.
    deferred: Option<Vec<Deferred>>,
}

/// A line merge put off: the merged tree holds `ours` (with `mode`) at `path` meanwhile.
struct Deferred {
    path: TreePath,
    base: Oid,
    ours: Entry,
    theirs: Oid,
    mode: i32,
}

/// Merge `ours` and `theirs` against `base`, writing the merged blobs and trees.
///
/// Objects go wherever the repository's object database writes; callers that must not leave
/// anything behind on a conflict attach an in-memory backend first (see `git::Staging`).
pub fn merge_trees(
    repo: &Repository,
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
) -> Result<TreeMerge, git2::Error> {
    let mut merger = Merger {
        repo,
        conflicts: Vec::new(),
        pending: Vec::new(),
        ours: ours.id(),
        attributes: None,
        notes: Vec::new(),
        delegate: false,
        deferred: Some(Vec::new()),
    };
    let root = merger.merge_dir(b"", Some(base.id()), Some(ours.id()), Some(theirs.id()))?;
    let deferred = merger.deferred.take().unwrap_or_default();
    let mut tree = match root {
        Some(oid) => oid,
        None => repo.treebuilder(None)?.write()?,
    };
    if !merger.pending.is_empty() {
        let git = crate::git::merge_tree::available();
        match merger.settle_pending(base, ours, theirs, tree, git)? {
            Some(settled) => tree = settled,
            // Rename candidates: git's detection settles them faster than comparing here.
            None => match by_git(repo, base, ours, theirs) {
                Ok(exact) => return Ok(exact.with_notes(merger.notes)),
                Err(why) => {
                    merger.notes.push(format!(
                        "git could not be asked to find renames ({why}); they were looked for here, by git's rules as far as git-fastrevert knows them"
                    ));
                    tree = merger
                        .settle_pending(base, ours, theirs, tree, false)?
                        .unwrap_or(tree);
                }
            },
        }
    }
    let unusual = merger
        .conflicts
        .iter()
        .any(|c| c.reason != "content" && c.reason != "modify/delete");
    if (merger.delegate || unusual) && crate::git::merge_tree::available() {
        match by_git(repo, base, ours, theirs) {
            Ok(exact) => return Ok(exact.with_notes(merger.notes)),
            Err(why) => merger.notes.push(format!(
                "a path is a file on one side and a directory on the other, and git could not be asked to settle it ({why}); the result follows git's rules as far as git-fastrevert knows them"
            )),
        }
    }
    tree = match merger.run_deferred(deferred, tree) {
        // A file's content not here (a partial clone's blob on its promisor): git fetches it.
        Err(e) if e.code() == git2::ErrorCode::NotFound && crate::git::merge_tree::available() => {
            return match by_git(repo, base, ours, theirs) {
                Ok(exact) => Ok(exact.with_notes(merger.notes)),
                Err(_) => Err(e),
            };
        }
        merged => merged?,
    };
    merger.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    merger.conflicts.dedup_by(|a, b| a.path == b.path);
    Ok(TreeMerge {
        tree,
        conflicts: merger.conflicts,
        notes: merger.notes,
        by_git: false,
    })
}

/// The whole merge by `git merge-tree`.
fn by_git(
    repo: &Repository,
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
) -> Result<TreeMerge, String> {
    let exact = crate::git::merge_tree::merge(repo, base.id(), ours.id(), theirs.id())?;
    Ok(TreeMerge {
        tree: exact.tree,
        conflicts: exact
            .conflicts
            .into_iter()
            .map(|(path, kind)| Conflict {
                path,
                reason: conflict_kind(&kind),
            })
            .collect(),
        notes: Vec::new(),
        by_git: true,
    })
}

impl TreeMerge {
    fn with_notes(mut self, notes: Vec<String>) -> TreeMerge {
        self.notes = notes;
        self
    }
}

fn join(prefix: &[u8], name: &[u8]) -> TreePath {
    if prefix.is_empty() {
        name.to_vec()
    } else {
        [prefix, b"/", name].concat()
    }
}

/// A tree path for libgit2's path lookups, which take bytes on Unix.
pub(crate) fn as_path(path: &[u8]) -> &std::path::Path {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::path::Path::new(std::ffi::OsStr::from_bytes(path))
    }
    #[cfg(not(unix))]
    {
        std::path::Path::new(std::str::from_utf8(path).unwrap_or_default())
    }
}

/// A directory's entries, sorted by name bytes, their names in one buffer: the merge of a
/// directory reads three of these, so one allocation each instead of one per entry.
struct Listing {
    names: Vec<u8>,
    entries: Vec<(usize, usize, Entry)>,
}

impl Listing {
    fn empty() -> Listing {
        Listing {
            names: Vec::new(),
            entries: Vec::new(),
        }
    }

    fn read(repo: &Repository, tree: Option<Oid>) -> Result<Listing, git2::Error> {
        let mut listing = Listing::empty();
        let Some(oid) = tree else {
            return Ok(listing);
        };
        let tree = repo.find_tree(oid)?;
        listing.entries.reserve(tree.len());
        for e in tree.iter() {
            let start = listing.names.len();
            listing.names.extend_from_slice(e.name_bytes());
            let end = listing.names.len();
            listing.entries.push((
                start,
                end,
                Entry {
                    oid: e.id(),
                    mode: e.filemode(),
                },
            ));
        }
        // git orders a tree's entries as if folders' names ended in `/`: by bytes here.
        let names = &listing.names;
        listing
            .entries
            .sort_unstable_by(|a, b| names[a.0..a.1].cmp(&names[b.0..b.1]));
        Ok(listing)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn name(&self, i: usize) -> &[u8] {
        let (start, end, _) = self.entries[i];
        &self.names[start..end]
    }

    fn entry(&self, i: usize) -> Entry {
        self.entries[i].2
    }
}

/// Every name of three listings once, in byte order, with its entry on each side.
fn join3<'l>(
    b: &'l Listing,
    o: &'l Listing,
    t: &'l Listing,
) -> Vec<(&'l [u8], [Option<Entry>; 3])> {
    let sides = [b, o, t];
    let mut at = [0usize; 3];
    let mut out = Vec::with_capacity(b.len().max(o.len()).max(t.len()));
    loop {
        let next = (0..3)
            .filter(|&s| at[s] < sides[s].len())
            .map(|s| sides[s].name(at[s]))
            .min();
        let Some(name) = next else {
            return out;
        };
        let mut entries = [None; 3];
        for s in 0..3 {
            if at[s] < sides[s].len() && sides[s].name(at[s]) == name {
                entries[s] = Some(sides[s].entry(at[s]));
                at[s] += 1;
            }
        }
        out.push((name, entries));
    }
}

fn tree_part(e: Option<Entry>) -> Option<Entry> {
    e.filter(|e| e.is_tree())
}

fn file_part(e: Option<Entry>) -> Option<Entry> {
    e.filter(|e| !e.is_tree())
}

impl Merger<'_> {
    fn conflict(&mut self, path: TreePath, reason: &'static str) {
        self.conflicts.push(Conflict { path, reason });
    }

    /// Merge three directories (`None` = absent). Returns the merged tree, `None` when empty.
    fn merge_dir(
        &mut self,
        prefix: &[u8],
        base: Option<Oid>,
        ours: Option<Oid>,
        theirs: Option<Oid>,
    ) -> Result<Option<Oid>, git2::Error> {
        if ours == theirs {
            self.deleted_on_both_inside(prefix, base, ours)?;
            return Ok(ours);
        }
        if base == theirs {
            return Ok(ours);
        }
        if base == ours {
            return Ok(theirs);
        }
        let b = Listing::read(self.repo, base)?;
        let o = Listing::read(self.repo, ours)?;
        let t = Listing::read(self.repo, theirs)?;
        let removed_on = match (base.is_some(), ours.is_none(), theirs.is_none()) {
            (true, true, false) => Some(Side::Ours),
            (true, false, true) => Some(Side::Theirs),
            _ => None,
        };

        let mut changes: Vec<(&[u8], Option<Entry>)> = Vec::new();
        for (name, [eb, eo, et]) in join3(&b, &o, &t) {
            if let (Some(side), None) = (removed_on, eb) {
                self.pending.push(Pending::AddInRemovedDir {
                    path: join(prefix, name),
                    dir: prefix.to_vec(),
                    removed_on: side,
                });
            }
            let merged = self.merge_entry(prefix, name, eb, eo, et)?;
            if merged != eo {
                changes.push((name, merged));
            }
        }
        if changes.is_empty() {
            return Ok(ours);
        }
        let ours_tree = match ours {
            Some(oid) => Some(self.repo.find_tree(oid)?),
            None => None,
        };
        let mut builder = self.repo.treebuilder(ours_tree.as_ref())?;
        for (name, entry) in changes {
            match entry {
                Some(e) => {
                    builder.insert(name, e.oid, e.mode)?;
                }
                None => builder.remove(name)?,
            }
        }
        if builder.is_empty() {
            return Ok(None);
        }
        Ok(Some(builder.write()?))
    }

    // Long because one arm per shape of a path's three sides (added, deleted, changed, type
    // changed), as git decides them, read as one table.
    fn merge_entry(
        &mut self,
        prefix: &[u8],
        name: &[u8],
        base: Option<Entry>,
        ours: Option<Entry>,
        theirs: Option<Entry>,
    ) -> Result<Option<Entry>, git2::Error> {
        if ours == theirs {
            match (base, ours) {
                // Deleted on both sides: still a possible rename source on either side.
                (Some(base), None) => self.pending.push(Pending::BothDeleted {
                    path: join(prefix, name),
                    base,
                }),
                (Some(b), Some(o)) if b.is_tree() && o.is_tree() && b != o => {
                    self.deleted_on_both_inside(&join(prefix, name), Some(b.oid), Some(o.oid))?;
                }
                _ => {}
            }
            return Ok(ours);
        }
        if base == theirs {
            return Ok(ours);
        }
        if base == ours {
            return Ok(theirs);
        }
        let path = join(prefix, name);
        let all_trees = [base, ours, theirs].iter().flatten().all(|e| e.is_tree());
        if all_trees {
            let merged = self.merge_dir(
                &path,
                base.map(|e| e.oid),
                ours.map(|e| e.oid),
                theirs.map(|e| e.oid),
            )?;
            return Ok(merged.map(|oid| Entry {
                oid,
                mode: MODE_TREE,
            }));
        }
        let all_files = [base, ours, theirs].iter().flatten().all(|e| !e.is_tree());
        if all_files {
            return self.merge_files(path, base, ours, theirs);
        }
        // A directory on some sides and a file on others: merge each part on its own; the
        // result is clean only if one of them vanishes.
        self.delegate = true;
        let dir = {
            let (b, o, t) = (tree_part(base), tree_part(ours), tree_part(theirs));
            if let (Some(b), None, None) = (b, o, t) {
                // Deleted on both sides: its files may still be rename sources.
                self.pending.push(Pending::BothDeleted {
                    path: path.clone(),
                    base: b,
                });
            }
            if o == t || b == t {
                o
            } else if b == o {
                t
            } else {
                self.merge_dir(&path, b.map(|e| e.oid), o.map(|e| e.oid), t.map(|e| e.oid))?
                    .map(|oid| Entry {
                        oid,
                        mode: MODE_TREE,
                    })
            }
        };
        let file = {
            let (b, o, t) = (file_part(base), file_part(ours), file_part(theirs));
            if let (Some(b), None, None) = (b, o, t) {
                self.pending.push(Pending::BothDeleted {
                    path: path.clone(),
                    base: b,
                });
            }
            if o == t || b == t {
                o
            } else if b == o {
                t
            } else {
                self.merge_files(path.clone(), b, o, t)?
            }
        };
        match (dir, file) {
            (Some(_), Some(_)) => {
                self.conflict(path, "file/directory");
                Ok(dir)
            }
            (Some(d), None) => Ok(Some(d)),
            (None, f) => Ok(f),
        }
    }

    /// A directory both sides changed the same way: the files they both deleted from it may
    /// still be renamed elsewhere on one side and not the other (git's rename/delete).
    fn deleted_on_both_inside(
        &mut self,
        prefix: &[u8],
        base: Option<Oid>,
        same: Option<Oid>,
    ) -> Result<(), git2::Error> {
        if base == same || base.is_none() {
            return Ok(());
        }
        let mut gone = Vec::new();
        // What the base has where the sides have no file: collect_adds read backwards.
        collect_adds(self.repo, prefix, same, base, &mut gone)?;
        for (path, base) in gone {
            self.pending.push(Pending::BothDeleted { path, base });
        }
        Ok(())
    }

    /// Three non-tree entries that differ pairwise.
    fn merge_files(
        &mut self,
        path: TreePath,
        base: Option<Entry>,
        ours: Option<Entry>,
        theirs: Option<Entry>,
    ) -> Result<Option<Entry>, git2::Error> {
        match (base, ours, theirs) {
            (Some(b), None, Some(t)) => {
                self.pending.push(Pending::ModifyDelete {
                    path,
                    deleted_on: Side::Ours,
                    base: b,
                    other: t,
                });
                Ok(None)
            }
            (Some(b), Some(o), None) => {
                self.pending.push(Pending::ModifyDelete {
                    path,
                    deleted_on: Side::Theirs,
                    base: b,
                    other: o,
                });
                Ok(None)
            }
            (None, Some(o), Some(_)) => {
                self.pending.push(Pending::AddAdd { path });
                Ok(Some(o))
            }
            (Some(b), Some(o), Some(t)) => match self.merge_blobs(&path, Some(b), o, t)? {
                Some(e) => Ok(Some(e)),
                None => {
                    self.conflict(path, "content");
                    Ok(Some(o))
                }
            },
            // Every other combination has two equal sides and was resolved by the caller.
            _ => Ok(ours),
        }
    }

    /// The line merges put off during the walk, written into `merged`: the merged content, or
    /// on a conflict ours as it is (as the walk does for a conflict it meets).
    fn run_deferred(&mut self, deferred: Vec<Deferred>, merged: Oid) -> Result<Oid, git2::Error> {
        let mut builder = TreeUpdateBuilder::new();
        let mut changed = false;
        for d in deferred {
            let entry = match self.merge_text(&d.path, d.base, d.ours.oid, d.theirs)? {
                Some(oid) => Entry { oid, mode: d.mode },
                None => {
                    self.conflict(d.path.clone(), "content");
                    d.ours
                }
            };
            if entry
                != (Entry {
                    oid: d.ours.oid,
                    mode: d.mode,
                })
            {
                builder.upsert(d.path.as_slice(), entry.oid, git2_mode(entry.mode));
                changed = true;
            }
        }
        if !changed || !self.conflicts.is_empty() {
            return Ok(merged);
        }
        let merged_tree = self.repo.find_tree(merged)?;
        builder.create_updated(self.repo, &merged_tree)
    }

    /// Content and mode merge of one file; `None` when it conflicts.
    fn merge_blobs(
        &mut self,
        path: &[u8],
        base: Option<Entry>,
        ours: Entry,
        theirs: Entry,
    ) -> Result<Option<Entry>, git2::Error> {
        if file_kind(ours.mode) != file_kind(theirs.mode) {
            return Ok(None);
        }
        let mode = match base {
            Some(b) if ours.mode == b.mode => theirs.mode,
            _ if ours.mode == theirs.mode => theirs.mode,
            Some(b) if theirs.mode == b.mode => ours.mode,
            _ => return Ok(None),
        };
        let base_oid = base.map(|b| b.oid);
        let oid = if ours.oid == theirs.oid || base_oid == Some(theirs.oid) {
            ours.oid
        } else if base_oid == Some(ours.oid) {
            theirs.oid
        } else {
            let Some(base_oid) = base_oid else {
                return Ok(None);
            };
            if file_kind(mode) != FileKind::Regular {
                // Symlinks and submodules are not merged line by line.
                return Ok(None);
            }
            if let Some(deferred) = &mut self.deferred {
                deferred.push(Deferred {
                    path: path.to_vec(),
                    base: base_oid,
                    ours,
                    theirs: theirs.oid,
                    mode,
                });
                ours.oid
            } else {
                match self.merge_text(path, base_oid, ours.oid, theirs.oid)? {
                    Some(oid) => oid,
                    None => return Ok(None),
                }
            }
        };
        Ok(Some(Entry { oid, mode }))
    }

    /// A content merge of one file, as git's would come out: the file's merge driver from
    /// `.gitattributes`, git's own line merge (with git's diff algorithm) or the user's driver.
    fn merge_text(
        &mut self,
        path: &[u8],
        base: Oid,
        ours: Oid,
        theirs: Oid,
    ) -> Result<Option<Oid>, git2::Error> {
        let (b, o, t) = (
            self.repo.find_blob(base)?,
            self.repo.find_blob(ours)?,
            self.repo.find_blob(theirs)?,
        );
        let (repo, tree) = (self.repo, self.ours);
        let driver = self
            .attributes
            .get_or_insert_with(|| Attributes::new(repo, tree))
            .driver(path);
        let io = |e: std::io::Error| git2::Error::from_str(&e.to_string());
        let merged = match &driver {
            // `-merge` and `binary`: never line by line.
            Driver::Binary => return Ok(None),
            Driver::Custom { command, .. } => {
                let workdir = repo.workdir().unwrap_or_else(|| repo.path());
                merge_file::run_driver(
                    command,
                    workdir,
                    path,
                    b.content(),
                    o.content(),
                    t.content(),
                )
                .map_err(io)?
            }
            Driver::Text | Driver::Union => {
                // git's line merge takes a file with a NUL in its first 8000 bytes as binary.
                if [&b, &o, &t].iter().any(|blob| is_binary(blob.content())) {
                    return Ok(None);
                }
                merge_file::merge_in_process(
                    &merge_file::algorithm(repo),
                    driver == Driver::Union,
                    b.content(),
                    o.content(),
                    t.content(),
                )
                .map_err(io)?
            }
        };
        match merged {
            merge_file::Merged::Clean(content) => Ok(Some(self.repo.blob(&content)?)),
            merge_file::Merged::Conflict => Ok(None),
        }
    }

    /// Decide the situations that rename detection may change, then patch the merged tree.
    // Long because the cases rename detection can change, decided in the order git's merge does,
    // over state they share.
    fn settle_pending(
        &mut self,
        base: &Tree<'_>,
        ours: &Tree<'_>,
        theirs: &Tree<'_>,
        merged: Oid,
        hand_over: bool,
    ) -> Result<Option<Oid>, git2::Error> {
        let pending = std::mem::take(&mut self.pending);
        // Rename sources that matter, per side: files deleted on that side and changed or
        // deleted on the other (git's "relevant sources").
        let mut sources: HashMap<Side, Vec<(TreePath, Entry)>> = HashMap::new();
        let mut removed_tops: HashSet<(Side, TreePath)> = HashSet::new();
        for p in &pending {
            match p {
                Pending::ModifyDelete {
                    path,
                    deleted_on,
                    base,
                    ..
                } => sources
                    .entry(*deleted_on)
                    .or_default()
                    .push((path.clone(), *base)),
                Pending::BothDeleted { path, base } => {
                    let mut files = Vec::new();
                    collect_files(self.repo, path, *base, &mut files)?;
                    for side in [Side::Ours, Side::Theirs] {
                        sources
                            .entry(side)
                            .or_default()
                            .extend(files.iter().cloned());
                    }
                }
                Pending::AddInRemovedDir {
                    dir, removed_on, ..
                } => {
                    // git looks for the folder's new place up through every removed parent
                    // (a rename out of `a` can move an addition to a/b), so every file under
                    // the highest of them is a possible source.
                    let side_tree = match removed_on {
                        Side::Ours => ours,
                        Side::Theirs => theirs,
                    };
                    let top = highest_removed(base, side_tree, dir);
                    if !removed_tops.insert((*removed_on, top.to_vec())) {
                        continue;
                    }
                    let dir_entry = base.get_path(as_path(top))?;
                    let entry = Entry {
                        oid: dir_entry.id(),
                        mode: dir_entry.filemode(),
                    };
                    let mut files = Vec::new();
                    collect_files(self.repo, top, entry, &mut files)?;
                    sources.entry(*removed_on).or_default().extend(files);
                }
                Pending::AddAdd { .. } => {}
            }
        }
        let mut renames: HashMap<(Side, TreePath), (TreePath, Entry)> = HashMap::new();
        for (side, srcs) in &sources {
            let side_tree = match side {
                Side::Ours => ours,
                Side::Theirs => theirs,
            };
            let mut adds = Vec::new();
            collect_adds(
                self.repo,
                b"",
                Some(base.id()),
                Some(side_tree.id()),
                &mut adds,
            )?;
            if hand_over {
                // git settles any rename (and all that follows from it, directory renames
                // included); a merge where none is possible is settled here.
                // An object that cannot be read here (a partial clone's missing blob) is git's
                // to fetch and weigh.
                if !matches!(rename_possible(self.repo, srcs, &adds), Ok(Possible::No)) {
                    self.pending = pending;
                    return Ok(None);
                }
                continue;
            }
            for (src, dst, entry) in find_renames(self.repo, srcs, &adds)? {
                renames.insert((*side, src), (dst, entry));
            }
        }

        if !renames.is_empty() {
            self.delegate = true;
        }
        let mut updates: Vec<(TreePath, Entry)> = Vec::new();
        let mut settled_adds: BTreeSet<TreePath> = BTreeSet::new();
        for p in &pending {
            match p {
                Pending::ModifyDelete {
                    path,
                    deleted_on,
                    base,
                    other,
                } => {
                    let Some((dst, renamed)) = renames.get(&(*deleted_on, path.clone())) else {
                        self.conflict(path.clone(), "modify/delete");
                        continue;
                    };
                    let other_tree = match deleted_on.other() {
                        Side::Ours => ours,
                        Side::Theirs => theirs,
                    };
                    if let Ok(there) = other_tree.get_path(as_path(dst)) {
                        // A file there is another addition. A directory there is in the way
                        // unless all it holds is the file being renamed out of it.
                        let entry = Entry {
                            oid: there.id(),
                            mode: there.filemode(),
                        };
                        let mut held = Vec::new();
                        if entry.is_tree() {
                            collect_files(self.repo, dst, entry, &mut held)?;
                        }
                        if !entry.is_tree() {
                            self.conflict(dst.clone(), "rename/add");
                            continue;
                        }
                        if held.iter().any(|(p, _)| p != path) {
                            self.conflict(dst.clone(), "file/directory");
                            continue;
                        }
                    }
                    let (o, t) = match deleted_on {
                        Side::Ours => (*renamed, *other),
                        Side::Theirs => (*other, *renamed),
                    };
                    match self.merge_blobs(dst, Some(*base), o, t)? {
                        Some(e) => updates.push((dst.clone(), e)),
                        None => self.conflict(dst.clone(), "content"),
                    }
                }
                Pending::BothDeleted { path, base } => {
                    let mut files = Vec::new();
                    collect_files(self.repo, path, *base, &mut files)?;
                    for (file, entry) in files {
                        let on_ours = renames.get(&(Side::Ours, file.clone()));
                        let on_theirs = renames.get(&(Side::Theirs, file.clone()));
                        match (on_ours, on_theirs) {
                            (None, None) => {}
                            (Some((o_dst, o)), Some((t_dst, t))) if o_dst == t_dst => {
                                match self.merge_blobs(o_dst, Some(entry), *o, *t)? {
                                    Some(e) => {
                                        settled_adds.insert(o_dst.clone());
                                        updates.push((o_dst.clone(), e));
                                    }
                                    None => self.conflict(o_dst.clone(), "content"),
                                }
                            }
                            (Some(_), Some(_)) => self.conflict(file, "rename/rename"),
                            _ => self.conflict(file, "rename/delete"),
                        }
                    }
                }
                Pending::AddAdd { .. } | Pending::AddInRemovedDir { .. } => {}
            }
        }
        for p in &pending {
            if let Pending::AddInRemovedDir {
                path,
                dir,
                removed_on,
            } = p
            {
                if directory_renamed(&renames, *removed_on, dir) {
                    self.conflict(path.clone(), "file location");
                }
            }
        }
        // Two different additions at one path never merge cleanly (git merges them against an
        // empty file), unless both are the same rename settled above.
        for p in &pending {
            if let Pending::AddAdd { path, .. } = p {
                if !settled_adds.contains(path) {
                    self.conflict(path.clone(), "add/add");
                }
            }
        }
        if updates.is_empty() || !self.conflicts.is_empty() {
            return Ok(Some(merged));
        }
        let merged_tree = self.repo.find_tree(merged)?;
        let mut builder = TreeUpdateBuilder::new();
        for (path, entry) in &updates {
            builder.upsert(path.as_slice(), entry.oid, git2_mode(entry.mode));
        }
        builder.create_updated(self.repo, &merged_tree).map(Some)
    }
}

/// The kinds git names, as `'static` strings for `Conflict`.
fn conflict_kind(kind: &str) -> &'static str {
    const KINDS: [&str; 11] = [
        "content",
        "contents",
        "modify/delete",
        "rename/delete",
        "rename/rename",
        "rename/add",
        "add/add",
        "file/directory",
        "file location",
        "binary",
        "distinct types",
    ];
    KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("conflict")
}

fn git2_mode(mode: i32) -> git2::FileMode {
    match mode {
        MODE_EXEC => git2::FileMode::BlobExecutable,
        MODE_LINK => git2::FileMode::Link,
        MODE_GITLINK => git2::FileMode::Commit,
        MODE_TREE => git2::FileMode::Tree,
        _ => git2::FileMode::Blob,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum FileKind {
    Regular,
    Symlink,
    Gitlink,
}

fn file_kind(mode: i32) -> FileKind {
    match mode {
        MODE_LINK => FileKind::Symlink,
        MODE_GITLINK => FileKind::Gitlink,
        _ => FileKind::Regular,
    }
}

/// git's rule: a NUL byte in the first 8000 bytes makes a file binary.
pub fn is_binary(content: &[u8]) -> bool {
    content[..content.len().min(8000)].contains(&0)
}

/// Every non-tree entry under `entry` (itself when it is a file), with full paths.
fn collect_files(
    repo: &Repository,
    path: &[u8],
    entry: Entry,
    out: &mut Vec<(TreePath, Entry)>,
) -> Result<(), git2::Error> {
    if !entry.is_tree() {
        out.push((path.to_vec(), entry));
        return Ok(());
    }
    let tree = repo.find_tree(entry.oid)?;
    for e in tree.iter() {
        let child = Entry {
            oid: e.id(),
            mode: e.filemode(),
        };
        collect_files(repo, &join(path, e.name_bytes()), child, out)?;
    }
    Ok(())
}

/// Files present in `side` at paths where `base` has no file, skipping identical subtrees.
fn collect_adds(
    repo: &Repository,
    prefix: &[u8],
    base: Option<Oid>,
    side: Option<Oid>,
    out: &mut Vec<(TreePath, Entry)>,
) -> Result<(), git2::Error> {
    if base == side || side.is_none() {
        return Ok(());
    }
    let b = Listing::read(repo, base)?;
    let s = Listing::read(repo, side)?;
    for (name, [before, entry, _]) in join3(&b, &s, &Listing::empty()) {
        let Some(entry) = entry else {
            continue;
        };
        if before == Some(entry) {
            continue;
        }
        let path = join(prefix, name);
        if entry.is_tree() {
            collect_adds(
                repo,
                &path,
                tree_part(before).map(|e| e.oid),
                Some(entry.oid),
                out,
            )?;
        } else if file_part(before).is_none() {
            out.push((path, entry));
        }
    }
    Ok(())
}

/// Pair rename sources with added files: exact matches first (same basename preferred), then
/// git's similarity estimate, best score first, at least 50%.
// Long because exact pairs, then similar pairs, in git's order over one table of candidates.
fn find_renames(
    repo: &Repository,
    sources: &[(TreePath, Entry)],
    adds: &[(TreePath, Entry)],
) -> Result<Vec<(TreePath, TreePath, Entry)>, git2::Error> {
    let mut found = Vec::new();
    let mut used_dst: BTreeSet<usize> = BTreeSet::new();
    let mut left_src = Vec::new();
    let mut seen_src = BTreeSet::new();
    let empty = empty_blob()?;
    for (src, se) in sources {
        if !seen_src.insert(src.clone()) || se.oid == empty {
            continue;
        }
        let exact: Vec<usize> = adds
            .iter()
            .enumerate()
            .filter(|(i, (_, de))| {
                !used_dst.contains(i)
                    && de.oid == se.oid
                    && file_kind(de.mode) == file_kind(se.mode)
            })
            .map(|(i, _)| i)
            .collect();
        let pick = exact
            .iter()
            .copied()
            .find(|&i| basename(&adds[i].0) == basename(src))
            .or_else(|| exact.first().copied());
        match pick {
            Some(i) => {
                used_dst.insert(i);
                found.push((src.clone(), adds[i].0.clone(), adds[i].1));
            }
            None => left_src.push((src.clone(), *se)),
        }
    }
    let dsts: Vec<usize> = (0..adds.len())
        .filter(|i| !used_dst.contains(i) && file_kind(adds[*i].1.mode) == FileKind::Regular)
        .collect();
    left_src.retain(|(_, e)| file_kind(e.mode) == FileKind::Regular);
    if left_src.is_empty()
        || dsts.is_empty()
        || left_src.len() * dsts.len() > RENAME_LIMIT * RENAME_LIMIT
    {
        return Ok(found);
    }
    let mut dst_sigs = Vec::with_capacity(dsts.len());
    for &i in &dsts {
        let blob = repo.find_blob(adds[i].1.oid)?;
        dst_sigs.push(similarity::Signature::new(blob.content()));
    }
    let mut scored = Vec::new();
    for (si, (_, se)) in left_src.iter().enumerate() {
        let blob = repo.find_blob(se.oid)?;
        let sig = similarity::Signature::new(blob.content());
        for (di, dsig) in dst_sigs.iter().enumerate() {
            let score = similarity::score(&sig, dsig, RENAME_MIN_SCORE);
            if score >= RENAME_MIN_SCORE {
                let same_name = basename(&left_src[si].0) == basename(&adds[dsts[di]].0);
                scored.push((score, same_name, si, di));
            }
        }
    }
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut src_done = BTreeSet::new();
    let mut dst_done = BTreeSet::new();
    for (_, _, si, di) in scored {
        if src_done.contains(&si) || dst_done.contains(&di) {
            continue;
        }
        src_done.insert(si);
        dst_done.insert(di);
        let (path, entry) = &adds[dsts[di]];
        found.push((left_src[si].0.clone(), path.clone(), *entry));
    }
    Ok(found)
}

/// The empty file's id: git's merges never take it as a rename source (rename_empty is off).
fn empty_blob() -> Result<Oid, git2::Error> {
    Oid::hash_object(git2::ObjectType::Blob, b"")
}

/// Whether any source could be taken as renamed to any addition, asked so that a `No` is
/// certain: every source and addition git could consider is looked at (git considers a subset,
/// its "relevant" sources), any equal ids count whatever the modes, and a file holding CRLF
/// is scored both as text and as binary (a `binary` attribute changes how git counts it).
/// Empty sources are skipped, as git's merges skip them.
fn rename_possible(
    repo: &Repository,
    sources: &[(TreePath, Entry)],
    adds: &[(TreePath, Entry)],
) -> Result<Possible, git2::Error> {
    let empty = empty_blob()?;
    let sources: Vec<&(TreePath, Entry)> = sources.iter().filter(|(_, e)| e.oid != empty).collect();
    if sources.is_empty() || adds.is_empty() {
        return Ok(Possible::No);
    }
    let source_ids: BTreeSet<Oid> = sources.iter().map(|(_, e)| e.oid).collect();
    if adds.iter().any(|(_, e)| source_ids.contains(&e.oid)) {
        return Ok(Possible::Yes);
    }
    let regular = |e: &Entry| !e.is_tree() && file_kind(e.mode) == FileKind::Regular;
    let mut search = SimilaritySearch::new(repo, RENAME_MIN_SCORE)?;
    let regular_sources: Vec<&(TreePath, Entry)> = sources
        .iter()
        .copied()
        .filter(|(_, e)| regular(e))
        .collect();
    for (_, e) in &regular_sources {
        search.add_source(e.oid)?;
    }
    let regular_adds: Vec<&(TreePath, Entry)> = adds.iter().filter(|(_, e)| regular(e)).collect();
    if search.any_similar(&same_name_pairs(&regular_sources, &regular_adds))? {
        return Ok(Possible::Yes);
    }
    // A renamed file most often keeps its name but perhaps the extension, or its extension:
    // additions named so are compared first, so that a rename is found (and the question left
    // to git) after few reads.
    let stems: BTreeSet<&[u8]> = sources.iter().map(|(p, _)| stem(basename(p))).collect();
    let extensions: BTreeSet<&[u8]> = sources.iter().map(|(p, _)| extension(p)).collect();
    let mut tiers: [Vec<&(TreePath, Entry)>; 3] = Default::default();
    for add in regular_adds {
        let tier = if stems.contains(stem(basename(&add.0))) {
            0
        } else if extensions.contains(extension(&add.0)) {
            1
        } else {
            2
        };
        tiers[tier].push(add);
    }
    // Files with equal contents are compared once.
    let mut seen = HashSet::new();
    let [same_stem, same_extension, others] = tiers.map(|additions| {
        additions
            .iter()
            .map(|(_, e)| e.oid)
            .filter(|oid| seen.insert(*oid))
            .collect::<Vec<Oid>>()
    });
    // The few files of the same stem alone first; the rest in one pass, the extension's first.
    match search.compare_in_tiers(&[same_stem])? {
        Possible::No => search.compare_in_tiers(&[same_extension, others]),
        found => Ok(found),
    }
}

/// Whether `side` renamed `dir`: most of the renamed files from it went to one other directory
/// (git's directory rename detection; a tie means no rename).
fn directory_renamed(
    renames: &HashMap<(Side, TreePath), (TreePath, Entry)>,
    side: Side,
    dir: &[u8],
) -> bool {
    let mut votes: HashMap<&[u8], usize> = HashMap::new();
    let prefix = [dir, b"/"].concat();
    for ((s, src), (dst, _)) in renames {
        let Some(rel) = src.strip_prefix(prefix.as_slice()).filter(|_| *s == side) else {
            continue;
        };
        let rel_dir = dirname(rel);
        let dst_dir = dirname(dst);
        let new_dir = if rel_dir.is_empty() {
            Some(dst_dir)
        } else if dst_dir == rel_dir {
            Some(&b""[..])
        } else {
            dst_dir
                .strip_suffix(rel_dir)
                .and_then(|d| d.strip_suffix(b"/"))
        };
        if let Some(new_dir) = new_dir.filter(|d| *d != dir) {
            *votes.entry(new_dir).or_default() += 1;
        }
    }
    let Some(&best) = votes.values().max() else {
        return false;
    };
    votes.values().filter(|&&v| v == best).count() == 1
}

/// The highest folder among `dir` and its parents that `base` has and `side` does not.
fn highest_removed<'p>(base: &Tree<'_>, side: &Tree<'_>, dir: &'p [u8]) -> &'p [u8] {
    let is_dir = |tree: &Tree<'_>, path: &[u8]| {
        tree.get_path(as_path(path))
            .is_ok_and(|e| e.filemode() == MODE_TREE)
    };
    let mut top = dir;
    let mut parent = dirname(dir);
    while !parent.is_empty() && is_dir(base, parent) && !is_dir(side, parent) {
        top = parent;
        parent = dirname(parent);
    }
    top
}

/// The folder part of a path ("" at the top).
fn dirname(path: &[u8]) -> &[u8] {
    path.iter()
        .rposition(|&b| b == b'/')
        .map_or(&b""[..], |i| &path[..i])
}

/// The last extension of a path's file name ("" for none).
fn extension(path: &[u8]) -> &[u8] {
    let name = basename(path);
    &name[stem(name).len()..]
}

/// A file name without its last extension.
fn stem(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b'.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// Pairs of a source and an addition with the same file name, at most `SAME_NAME_PAIRS`, those
/// sharing more of their path's end first (`app/models.py` moved with its folder). git pairs
/// files that kept their name first too (ort's basename matching): a folder renamed with its
/// files edited is then found after reading a pair or two, not every addition. Of many files
/// of one name on both sides, only the first `PAIR_BUDGET` pairs are weighed, so that time and
/// memory stay bounded (the search that follows weighs them all, within the same budget).
fn same_name_pairs(sources: &[&(TreePath, Entry)], adds: &[&(TreePath, Entry)]) -> Vec<(Oid, Oid)> {
    let mut by_name: HashMap<&[u8], Vec<&(TreePath, Entry)>> = HashMap::new();
    for &source in sources {
        by_name.entry(basename(&source.0)).or_default().push(source);
    }
    let mut pairs: Vec<(usize, Oid, Oid)> = adds
        .iter()
        .flat_map(|(p, e)| {
            let named = by_name.get(basename(p)).map_or(&[][..], Vec::as_slice);
            named
                .iter()
                .map(move |(sp, se)| (shared_tail(sp, p), se.oid, e.oid))
        })
        .take(PAIR_BUDGET)
        .collect();
    pairs.sort_by_key(|&(shared, _, _)| std::cmp::Reverse(shared));
    pairs
        .iter()
        .take(SAME_NAME_PAIRS)
        .map(|&(_, source, addition)| (source, addition))
        .collect()
}

/// How many trailing path components `a` and `b` share.
fn shared_tail(a: &[u8], b: &[u8]) -> usize {
    a.rsplit(|&c| c == b'/')
        .zip(b.rsplit(|&c| c == b'/'))
        .take_while(|(x, y)| x == y)
        .count()
}

fn basename(path: &[u8]) -> &[u8] {
    path.iter()
        .rposition(|&b| b == b'/')
        .map_or(path, |i| &path[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::super::rename_search::BYTES_BUDGET;
    use super::*;

    #[test]
    fn same_name_pairs_are_few_and_the_closest_paths_come_first() {
        let file = |path: &str, n: u8| {
            let oid = Oid::from_bytes(&[n; 20]).unwrap();
            (
                path.as_bytes().to_vec(),
                Entry {
                    oid,
                    mode: 0o100644,
                },
            )
        };
        // 200 x 200 files of one name: 40,000 pairs, more than are weighed.
        let sources: Vec<_> = (0..200u8)
            .map(|i| file(&format!("old/s{i}/x.py"), i))
            .collect();
        let mut adds: Vec<_> = (0..200u8)
            .map(|i| file(&format!("new/a{i}/x.py"), i))
            .collect();
        adds[0] = file("new/s7/x.py", 250);
        adds.push(file("new/y.py", 251));
        let (sources, adds): (Vec<_>, Vec<_>) = (sources.iter().collect(), adds.iter().collect());
        let pairs = same_name_pairs(&sources, &adds);
        assert_eq!(pairs.len(), SAME_NAME_PAIRS);
        // `s7/x.py` under the renamed folder shares two components: first.
        assert_eq!(
            pairs[0],
            (
                Oid::from_bytes(&[7; 20]).unwrap(),
                Oid::from_bytes(&[250; 20]).unwrap()
            )
        );
        assert!(pairs
            .iter()
            .all(|&(_, a)| a != Oid::from_bytes(&[251; 20]).unwrap()));
    }

    #[test]
    fn paths_share_their_trailing_components() {
        assert_eq!(shared_tail(b"old/app/models.py", b"new/app/models.py"), 2);
        assert_eq!(shared_tail(b"old/app/models.py", b"new/blog/models.py"), 1);
        assert_eq!(shared_tail(b"models.py", b"app/models.py"), 1);
        assert_eq!(shared_tail(b"a/x.py", b"a/y.py"), 0);
    }

    fn repo() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        (dir, repo)
    }

    fn tree<'r>(repo: &'r Repository, files: &[(&str, &str, git2::FileMode)]) -> Tree<'r> {
        let empty = repo
            .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let mut b = TreeUpdateBuilder::new();
        for (path, content, mode) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            b.upsert(*path, blob, *mode);
        }
        let oid = b.create_updated(repo, &empty).unwrap();
        repo.find_tree(oid).unwrap()
    }

    fn content(repo: &Repository, tree: Oid, path: &str) -> Option<(String, i32)> {
        let tree = repo.find_tree(tree).unwrap();
        let entry = tree.get_path(std::path::Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).unwrap();
        Some((
            String::from_utf8_lossy(blob.content()).into_owned(),
            entry.filemode(),
        ))
    }

    const F: git2::FileMode = git2::FileMode::Blob;
    const X: git2::FileMode = git2::FileMode::BlobExecutable;
    const TEXT: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";

    #[test]
    fn a_change_on_one_side_only_is_taken_as_is() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("a/x", "x", F), ("b/y", "y", F)]);
        let ours = tree(&repo, &[("a/x", "x", F), ("b/y", "y2", F)]);
        let theirs = tree(&repo, &[("a/x", "x", F), ("b/y", "y", F), ("c/z", "z", F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert!(m.conflicts.is_empty());
        assert_eq!(content(&repo, m.tree, "b/y").unwrap().0, "y2");
        assert_eq!(content(&repo, m.tree, "c/z").unwrap().0, "z");
    }

    #[test]
    fn a_conflicting_merge_writes_no_tree_for_its_clean_line_merges() {
        let (_d, repo) = repo();
        let clash = |text: &str| TEXT.replace("5\n", text);
        let base = tree(&repo, &[("a", TEXT, F), ("d/b", TEXT, F)]);
        let ours = tree(
            &repo,
            &[
                ("a", &clash("ours\n"), F),
                ("d/b", &TEXT.replace("1\n", "one\n"), F),
            ],
        );
        let theirs = tree(
            &repo,
            &[
                ("a", &clash("theirs\n"), F),
                ("d/b", &TEXT.replace("9\n", "nine\n"), F),
            ],
        );
        let objects = |repo: &Repository| {
            let mut ids = HashSet::new();
            repo.odb().unwrap().foreach(|id| ids.insert(*id)).unwrap();
            ids
        };
        let before = objects(&repo);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert_eq!(m.conflicts.len(), 1, "{:?}", m.conflicts);
        let written: Vec<Oid> = objects(&repo).difference(&before).copied().collect();
        let trees = written
            .iter()
            .filter(|id| repo.find_tree(**id).is_ok())
            .count();
        // Only the merged `d/b` itself: no tree to hold it, since no one commits this result.
        assert_eq!((written.len(), trees), (1, 0), "{written:?}");
    }

    #[test]
    fn edits_to_different_lines_merge() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("f", TEXT, F)]);
        let ours = tree(&repo, &[("f", &TEXT.replace("2\n", "two\n"), F)]);
        let theirs = tree(&repo, &[("f", &TEXT.replace("8\n", "eight\n"), X)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert!(m.conflicts.is_empty());
        let (text, mode) = content(&repo, m.tree, "f").unwrap();
        assert_eq!(text, TEXT.replace("2\n", "two\n").replace("8\n", "eight\n"));
        assert_eq!(mode, 0o100755);
    }

    #[test]
    fn edits_to_the_same_line_conflict() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("f", TEXT, F)]);
        let ours = tree(&repo, &[("f", &TEXT.replace("5\n", "five\n"), F)]);
        let theirs = tree(&repo, &[("f", &TEXT.replace("5\n", "FIVE\n"), F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert_eq!(
            m.conflicts,
            vec![Conflict {
                path: "f".into(),
                reason: "content"
            }]
        );
    }

    #[test]
    fn modify_delete_conflicts_without_a_rename() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("f", TEXT, F), ("g", "g", F)]);
        let ours = tree(
            &repo,
            &[("f", &TEXT.replace("5\n", "five\n"), F), ("g", "g", F)],
        );
        let theirs = tree(&repo, &[("g", "g", F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert_eq!(
            m.conflicts,
            vec![Conflict {
                path: "f".into(),
                reason: "modify/delete"
            }]
        );
    }

    #[test]
    fn a_rename_carries_the_other_sides_edit() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("old/f", TEXT, F)]);
        let ours = tree(&repo, &[("old/f", &TEXT.replace("5\n", "five\n"), F)]);
        let theirs = tree(&repo, &[("new/f", &TEXT.replace("9\n", "nine\n"), F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert!(content(&repo, m.tree, "old/f").is_none());
        assert_eq!(
            content(&repo, m.tree, "new/f").unwrap().0,
            TEXT.replace("5\n", "five\n").replace("9\n", "nine\n")
        );
    }

    /// git's own merge of the same trees, when a git new enough is on PATH.
    fn gits(
        repo: &Repository,
        base: &Tree<'_>,
        ours: &Tree<'_>,
        theirs: &Tree<'_>,
    ) -> Option<TreeMerge> {
        by_git(repo, base, ours, theirs).ok()
    }

    #[test]
    fn a_deletion_nothing_could_be_renamed_to_is_settled_without_git() {
        let (_d, repo) = repo();
        let other = "a completely different file\nof about the same size\n";
        let base = tree(&repo, &[("f", TEXT, F), ("g", "g", F)]);
        let ours = tree(
            &repo,
            &[("f", &TEXT.replace("5\n", "five\n"), F), ("g", "g", F)],
        );
        let theirs = tree(&repo, &[("g", "g", F), ("h", other, F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert!(!m.by_git);
        let reasons: Vec<_> = m.conflicts.iter().map(|c| c.reason).collect();
        assert_eq!(reasons, ["modify/delete"]);
        if let Some(git) = gits(&repo, &base, &ours, &theirs) {
            assert_eq!(git.conflicts, m.conflicts);
        }
    }

    #[test]
    fn a_possible_rename_is_settled_by_git() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("old/f", TEXT, F)]);
        let ours = tree(&repo, &[("old/f", &TEXT.replace("5\n", "five\n"), F)]);
        let theirs = tree(&repo, &[("new/f", &TEXT.replace("9\n", "nine\n"), F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        if let Some(git) = gits(&repo, &base, &ours, &theirs) {
            assert!(m.by_git);
            assert_eq!(git.tree, m.tree);
        }
    }

    #[test]
    fn an_addition_into_a_removed_directory_nothing_was_renamed_from_stays_in_process() {
        let (_d, repo) = repo();
        let base = tree(
            &repo,
            &[("d/a", TEXT, F), ("d/b", "bbbb\n", F), ("k", "k", F)],
        );
        let ours = tree(&repo, &[("k", "k", F), ("e/x", "unrelated\ncontent\n", F)]);
        let theirs = tree(
            &repo,
            &[
                ("d/a", TEXT, F),
                ("d/b", "bbbb\n", F),
                ("d/new", "new\n", F),
                ("k", "k", F),
            ],
        );
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert!(!m.by_git);
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert_eq!(content(&repo, m.tree, "d/new").unwrap().0, "new\n");
        if let Some(git) = gits(&repo, &base, &ours, &theirs) {
            assert_eq!(git.tree, m.tree);
        }
    }

    #[test]
    fn a_rename_out_of_a_removed_parent_is_weighed_for_an_addition_below_it() {
        // ours moved a/x to z/x and dropped a/b; theirs added a/b/new (and in the second case
        // also changed a/x): whether git takes `a` as renamed to `z` and moves a/b/new along
        // depends on renames out of `a`, not only out of a/b.
        for theirs_x in [TEXT.to_string(), TEXT.replace("5\n", "five\n")] {
            let (_d, repo) = repo();
            let base = tree(&repo, &[("a/x", TEXT, F), ("a/b/y", "y\n", F)]);
            let ours = tree(&repo, &[("z/x", TEXT, F)]);
            let theirs = tree(
                &repo,
                &[
                    ("a/x", &theirs_x, F),
                    ("a/b/y", "y\n", F),
                    ("a/b/new", "new\n", F),
                ],
            );
            let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
            if let Some(git) = gits(&repo, &base, &ours, &theirs) {
                assert_eq!(git.tree, m.tree);
                assert_eq!(git.conflicts, m.conflicts);
                assert!(
                    m.by_git,
                    "a rename out of the removed parent is left to git"
                );
            }
        }
    }

    #[test]
    fn a_similarity_search_over_budget_is_left_to_git() {
        let (_d, repo) = repo();
        let lines = BYTES_BUDGET / 2 / 16 + 1;
        let entry = |content: Vec<u8>| Entry {
            oid: repo.blob(&content).unwrap(),
            mode: FileMode::BLOB,
        };
        // Distinct lines against one line repeated: sizes alike, content not.
        let distinct = (0..lines).flat_map(|i| format!("{i:015}\n").into_bytes());
        let repeated = |c: char| format!("{}\n", c.to_string().repeat(15)).repeat(lines as usize);
        let big = |seed: u8| match seed {
            1 => entry(distinct.clone().collect()),
            2 => entry(repeated('y').into_bytes()),
            _ => entry(repeated('z').into_bytes()),
        };
        let sources = [(b"old".to_vec(), big(1))];
        let adds = [(b"x".to_vec(), big(2)), (b"y".to_vec(), big(3))];
        assert_eq!(
            rename_possible(&repo, &sources, &adds).unwrap(),
            Possible::TooMany
        );
        assert_eq!(
            rename_possible(&repo, &sources, &adds[..1]).unwrap(),
            Possible::No
        );
    }

    #[test]
    fn a_similarity_search_over_its_pair_budget_is_left_to_git() {
        let (_d, repo) = repo();
        let files = |prefix: &str, n: usize| -> Vec<(TreePath, Entry)> {
            (0..n)
                .map(|i| {
                    let content = format!("{prefix}{i:05}\n");
                    let entry = Entry {
                        oid: repo.blob(content.as_bytes()).unwrap(),
                        mode: FileMode::BLOB,
                    };
                    (format!("{prefix}/{i}").into_bytes(), entry)
                })
                .collect()
        };
        // Alike in size, unlike in content: every pair is a candidate.
        let side = (PAIR_BUDGET as f64).sqrt() as usize + 1;
        let (sources, adds) = (files("s", side), files("a", side));
        assert_eq!(
            rename_possible(&repo, &sources, &adds).unwrap(),
            Possible::TooMany
        );
        assert_eq!(
            rename_possible(&repo, &sources[..10], &adds[..10]).unwrap(),
            Possible::No
        );
    }

    #[test]
    fn a_crlf_file_counts_as_renamed_if_either_way_of_counting_says_so() {
        let (_d, repo) = repo();
        let crlf = "one\r\ntwo\r\nthree\r\nfour\r\n";
        let lf = crlf.replace("\r\n", "\n");
        let entry = |content: &str| Entry {
            oid: repo.blob(content.as_bytes()).unwrap(),
            mode: FileMode::BLOB,
        };
        let sources = [(b"a".to_vec(), entry(crlf))];
        let adds = [(b"b".to_vec(), entry(&lf))];
        assert_eq!(
            rename_possible(&repo, &sources, &adds).unwrap(),
            Possible::Yes
        );
        let unlike = [(b"b".to_vec(), entry("1\n2\n3\n4\n5\n6\n7\n8\n9\n0\n"))];
        assert_eq!(
            rename_possible(&repo, &sources, &unlike).unwrap(),
            Possible::No
        );
    }

    #[test]
    fn a_file_and_a_directory_at_one_path_conflict() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("keep", "k", F)]);
        let ours = tree(&repo, &[("keep", "k", F), ("p", "file", F)]);
        let theirs = tree(&repo, &[("keep", "k", F), ("p/inner", "dir", F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert_eq!(
            m.conflicts,
            vec![Conflict {
                path: "p".into(),
                reason: "file/directory"
            }]
        );
    }

    #[test]
    fn binary_files_do_not_merge() {
        let (_d, repo) = repo();
        let base = tree(&repo, &[("b", "a\0b\nc\nd\ne\n", F)]);
        let ours = tree(&repo, &[("b", "A\0b\nc\nd\ne\n", F)]);
        let theirs = tree(&repo, &[("b", "a\0b\nc\nd\nE\n", F)]);
        let m = merge_trees(&repo, &base, &ours, &theirs).unwrap();
        assert_eq!(m.conflicts.len(), 1);
    }
}
