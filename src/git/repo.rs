//! `Repo`: the repository as the rest of the program sees it. Flows, the migration guard and
//! release export read and write through it (or through the engine, which shares its libgit2
//! handle); errors say what was being read, and "not found" is `None`, not an error.

use std::path::Path;

use git2::{ObjectType, Repository};

pub use git2::Oid;

use crate::error::{Error, Result};

pub struct Repo {
    git: Repository,
    /// The configured remotes, listed once: a run asks several times, and each listing reads
    /// every configuration file again.
    remotes: std::cell::OnceCell<Vec<String>>,
}

/// How a tree entry is stored: git's file modes as one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    Tree,
    Blob,
    Executable,
    Link,
    /// A gitlink (a submodule's commit).
    Submodule,
}

impl FileMode {
    pub const TREE: i32 = 0o040000;
    pub const BLOB: i32 = 0o100644;
    pub const EXECUTABLE: i32 = 0o100755;
    pub const LINK: i32 = 0o120000;
    pub const SUBMODULE: i32 = 0o160000;

    /// The mode of a raw tree entry; `None` for modes git itself does not write.
    pub fn from_raw(mode: i32) -> Option<FileMode> {
        match mode {
            Self::TREE => Some(FileMode::Tree),
            Self::BLOB => Some(FileMode::Blob),
            Self::EXECUTABLE => Some(FileMode::Executable),
            Self::LINK => Some(FileMode::Link),
            Self::SUBMODULE => Some(FileMode::Submodule),
            _ => None,
        }
    }
}

/// A tree read from the repository.
pub struct Tree<'r> {
    tree: git2::Tree<'r>,
}

impl<'r> Tree<'r> {
    pub fn id(&self) -> Oid {
        self.tree.id()
    }

    /// The entry at position `i` (entries are in git's order).
    pub fn get(&self, i: usize) -> Option<Entry<'_>> {
        self.tree.get(i).map(|entry| Entry { entry })
    }

    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.tree.iter().map(|entry| Entry { entry })
    }

    /// The entry of that name, if there is one.
    pub fn entry(&self, name: &[u8]) -> Option<Entry<'_>> {
        self.tree.get_name_bytes(name).map(|entry| Entry { entry })
    }

    /// The id of what is at `path` (`a/b/c`) below this tree, if anything is.
    pub fn id_at(&self, path: &str) -> Option<Oid> {
        self.tree.get_path(Path::new(path)).ok().map(|e| e.id())
    }
}

/// One entry of a tree.
pub struct Entry<'a> {
    entry: git2::TreeEntry<'a>,
}

impl Entry<'_> {
    pub fn name(&self) -> &[u8] {
        self.entry.name_bytes()
    }

    pub fn id(&self) -> Oid {
        self.entry.id()
    }

    /// `None` for a mode git does not write (such an entry is neither file nor folder).
    pub fn mode(&self) -> Option<FileMode> {
        FileMode::from_raw(self.entry.filemode())
    }

    pub fn is_tree(&self) -> bool {
        self.entry.filemode() == FileMode::TREE
    }

    /// A blob: a file, an executable or a symlink.
    pub fn is_blob(&self) -> bool {
        self.entry.kind() == Some(ObjectType::Blob)
    }
}

/// Blob reads for one thread, without going through a repository handle each time.
pub struct Blobs<'r> {
    odb: git2::Odb<'r>,
}

impl Blobs<'_> {
    /// The blob's size, from its header.
    pub fn size(&self, id: Oid) -> Result<usize> {
        self.odb
            .read_header(id)
            .map(|(size, _)| size)
            .map_err(reading(format_args!("reading blob {id}")))
    }

    /// Give the blob's bytes to `use_them`.
    pub fn with<T>(&self, id: Oid, use_them: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let object = self
            .odb
            .read(id)
            .map_err(reading(format_args!("reading blob {id}")))?;
        Ok(use_them(object.data()))
    }
}

/// A commit as the flows read it.
pub struct CommitInfo {
    pub id: Oid,
    pub tree: Oid,
    pub parents: Vec<Oid>,
    /// The message, lossily decoded (for subjects and trailers).
    pub message: String,
    /// When it was committed, seconds since the epoch.
    pub time: i64,
    pub author: String,
}

impl CommitInfo {
    pub fn subject(&self) -> &str {
        super::subject(&self.message)
    }
}

/// A tag as `list` shows it: the commit it names, when it was made, its message.
pub struct TagInfo {
    pub commit: Oid,
    /// The tagger's time for an annotated tag, else the commit's.
    pub time: i64,
    pub message: String,
}

/// What a libgit2 failure was doing, kept as the cause.
fn reading(what: impl std::fmt::Display) -> impl FnOnce(git2::Error) -> Error {
    move |e| Error::failed(format!("git: {what}: {}", e.message())).because(super::Libgit2Error(e))
}

impl Repo {
    pub fn new(git: Repository) -> Repo {
        Repo {
            git,
            remotes: std::cell::OnceCell::new(),
        }
    }

    /// The libgit2 handle, for the engine and the git layer only (a test keeps it so).
    pub(crate) fn raw(&self) -> &Repository {
        &self.git
    }

    /// The repository the environment names (`GIT_DIR`) or the one around the current
    /// directory; `None` outside one.
    pub fn from_env() -> Option<Repo> {
        Repository::open_from_env().ok().map(Repo::new)
    }

    /// Another handle on the same repository, for a thread of its own (libgit2 handles are
    /// not shared across threads).
    pub fn reopen(&self) -> Result<Repo> {
        Repo::reopen_at(self.git.path())
    }

    /// `reopen` from the `.git` directory alone (a path can be shared across threads; a handle
    /// cannot).
    pub fn reopen_at(git_dir: &Path) -> Result<Repo> {
        Ok(Repo::new(
            Repository::open(git_dir).map_err(reading("reopening the repository"))?,
        ))
    }

    /// The `.git` directory.
    pub fn git_dir(&self) -> &Path {
        self.git.path()
    }

    /// The checkout's top folder; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.git.workdir()
    }

    pub fn is_shallow(&self) -> bool {
        self.git.is_shallow()
    }

    pub fn commit(&self, id: Oid) -> Result<CommitInfo> {
        let c = self
            .git
            .find_commit(id)
            .map_err(reading(format_args!("reading commit {id}")))?;
        let author = c.author();
        Ok(CommitInfo {
            id,
            tree: c.tree_id(),
            parents: c.parent_ids().collect(),
            message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
            time: c.time().seconds(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        })
    }

    /// Whether the commit is in this clone.
    pub fn has_commit(&self, id: Oid) -> bool {
        self.git.find_commit(id).is_ok()
    }

    /// The commit's tree.
    pub fn tree_of(&self, commit: Oid) -> Result<Oid> {
        self.git
            .find_commit(commit)
            .map(|c| c.tree_id())
            .map_err(reading(format_args!("reading commit {commit}")))
    }

    /// The commit's first parent; `None` for a root commit.
    pub fn first_parent(&self, commit: Oid) -> Result<Option<Oid>> {
        let c = self
            .git
            .find_commit(commit)
            .map_err(reading(format_args!("reading commit {commit}")))?;
        Ok(c.parent_id(0).ok())
    }

    /// Whether `commit` has `ancestor` in its history (and is not it). libgit2 answers by
    /// walking the history, which on a deep commit of a large repository takes most of a
    /// second; with git's commit-graph (generation numbers), git answers in milliseconds, so it
    /// is asked where the repository has one.
    pub fn is_descendant(&self, commit: Oid, ancestor: Oid) -> Result<bool> {
        if commit == ancestor {
            return Ok(false);
        }
        if let Some(answer) = self.ancestor_by_commit_graph(ancestor, commit) {
            return Ok(answer);
        }
        self.git
            .graph_descendant_of(commit, ancestor)
            .map_err(reading("walking the history"))
    }

    /// Whether git keeps a commit-graph (generation numbers) for this repository.
    pub fn has_commit_graph(&self) -> bool {
        let info = self.git.path().join("objects/info");
        info.join("commit-graph").is_file() || info.join("commit-graphs").is_dir()
    }

    /// `git <args> <ids>` on this repository, for questions git answers from its commit-graph
    /// (generation numbers) without reading commits; `None` when there is no commit-graph.
    fn ask_commit_graph(&self, args: &[&str], ids: &[Oid]) -> Option<std::process::Command> {
        if !self.has_commit_graph() {
            return None;
        }
        Some(self.ask_git(args, ids))
    }

    /// `git <args> <ids>` on this repository, answering on stdout and by its exit code.
    fn ask_git(&self, args: &[&str], ids: &[Oid]) -> std::process::Command {
        let mut cmd = std::process::Command::new("git");
        cmd.arg("--git-dir")
            .arg(self.git.path())
            .args(args)
            .arg("--end-of-options")
            .args(ids.iter().map(Oid::to_string))
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    }

    /// `git merge-base --is-ancestor`, when the repository has a commit-graph; `None` when it
    /// has none or git gave no clear answer (the walk then answers).
    fn ancestor_by_commit_graph(&self, ancestor: Oid, commit: Oid) -> Option<bool> {
        if !self.has_commit_graph() {
            return None;
        }
        self.ancestor_by_git(ancestor, commit)
    }

    /// `git merge-base --is-ancestor`, with or without a commit-graph: git walks from `commit`
    /// only until it is past `ancestor` (by generation numbers, else by commit dates), where a
    /// walk here to remember every commit goes to the root. `None` when git is missing or gave
    /// no clear answer.
    pub fn ancestor_by_git(&self, ancestor: Oid, commit: Oid) -> Option<bool> {
        let status = self
            .ask_git(&["merge-base", "--is-ancestor"], &[ancestor, commit])
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
        match status.code() {
            Some(0) => Some(true),
            Some(1) => Some(false),
            _ => None,
        }
    }

    /// Every commit of `tip` as `git rev-list` lists it, when the repository has a
    /// commit-graph (then git reads no commit object: 0.1 s for git.git's 82,000 commits, where
    /// a walk takes 0.9 s); `None` without one or when git gives no clean answer.
    pub fn commits_by_commit_graph(&self, tip: Oid) -> Option<Vec<Oid>> {
        let out = self
            .ask_commit_graph(&["rev-list"], &[tip])?
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        out.stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                std::str::from_utf8(l)
                    .ok()
                    .and_then(|h| Oid::from_str(h).ok())
            })
            .collect()
    }

    pub fn merge_base(&self, a: Oid, b: Oid) -> Option<Oid> {
        self.git.merge_base(a, b).ok()
    }

    /// The commit a revision names, if it names one.
    pub fn find_commit_named(&self, rev: &str) -> Option<Oid> {
        let object = self.git.revparse_single(rev).ok()?;
        object.peel_to_commit().ok().map(|c| c.id())
    }

    /// Whether a ref of that name exists (even one pointing nowhere).
    pub fn has_ref(&self, name: &str) -> bool {
        self.git.find_reference(name).is_ok()
    }

    /// The refs matching a glob (`refs/tags/*`), with the ids they point at (a tag object's
    /// own id for an annotated tag).
    pub fn refs(&self, glob: &str) -> Result<Vec<(String, Oid)>> {
        let mut out = Vec::new();
        for r in self
            .git
            .references_glob(glob)
            .map_err(reading("listing refs"))?
        {
            let r = r.map_err(reading("listing refs"))?;
            if let (Ok(name), Some(oid)) = (r.name(), r.target()) {
                out.push((name.to_string(), oid));
            }
        }
        Ok(out)
    }

    /// What a tag ref's target names: the commit, when it was made, its message. `None` for a
    /// tag of something other than a commit.
    pub fn tag_info(&self, target: Oid) -> Result<Option<TagInfo>> {
        let object = self
            .git
            .find_object(target, None)
            .map_err(reading(format_args!("reading {target}")))?;
        let Ok(commit) = object.peel_to_commit() else {
            return Ok(None);
        };
        Ok(Some(match object.as_tag() {
            Some(tag) => TagInfo {
                commit: commit.id(),
                time: tag
                    .tagger()
                    .map_or(commit.time().seconds(), |t| t.when().seconds()),
                message: tag.message().ok().flatten().unwrap_or("").to_string(),
            },
            None => TagInfo {
                commit: commit.id(),
                time: commit.time().seconds(),
                message: String::new(),
            },
        }))
    }

    /// The URL of a configured remote; `None` when there is no such remote.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let remote = self.git.find_remote(name).ok()?;
        remote.url().ok().map(str::to_string)
    }

    pub fn has_remote(&self, name: &str) -> bool {
        self.remote_names()
            .is_ok_and(|names| names.iter().any(|n| n == name))
    }

    /// The names of the configured remotes: those with a `url` or a `pushurl`, which are the
    /// ones git (and libgit2's lookup) knows.
    pub fn remote_names(&self) -> Result<&[String]> {
        if let Some(names) = self.remotes.get() {
            return Ok(names);
        }
        let names = self
            .git
            .remotes()
            .map_err(reading("listing the remotes"))?
            .iter()
            .filter_map(|name| name.ok().flatten().map(str::to_string))
            .collect();
        Ok(self.remotes.get_or_init(|| names))
    }

    /// The branch `refs/remotes/<remote>/HEAD` points at, as `origin/HEAD` names the remote's
    /// default branch.
    pub fn remote_head_branch(&self, remote: &str) -> Option<String> {
        let head = self
            .git
            .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            .ok()?;
        let target = head.symbolic_target().ok()??;
        target
            .strip_prefix(&format!("refs/remotes/{remote}/"))
            .map(str::to_string)
    }

    /// Remember the remote's HEAD branch as `git remote set-head` does, when its
    /// remote-tracking branch is here; best effort.
    pub fn remember_remote_head(&self, remote: &str, branch: &str) {
        let tracking = format!("refs/remotes/{remote}/{branch}");
        if self.git.find_reference(&tracking).is_ok() {
            let _ = self.git.reference_symbolic(
                &format!("refs/remotes/{remote}/HEAD"),
                &tracking,
                false,
                "fastrevert: the remote's HEAD, as ls-remote --symref says",
            );
        }
    }

    /// In a bare clone (no remote-tracking refs): the branch HEAD names, when it exists. A
    /// bare clone's HEAD is the remote's HEAD as it was cloned.
    pub fn bare_head_branch(&self) -> Option<String> {
        if !self.git.is_bare() {
            return None;
        }
        let head = self.git.find_reference("HEAD").ok()?;
        let target = head.symbolic_target().ok()??.to_string();
        self.git.find_reference(&target).ok()?;
        target.strip_prefix("refs/heads/").map(str::to_string)
    }

    /// The repository's configuration (local, global, system, and `-c` overrides), as it is
    /// now: a snapshot reads the files once, where a live handle looks at all three again on
    /// every key.
    pub fn config(&self) -> Result<Config> {
        Ok(Config {
            git: self
                .git
                .config()
                .and_then(|mut live| live.snapshot())
                .map_err(reading("reading git config"))?,
        })
    }

    /// A blob's bytes. In a partial clone a blob may be on the promisor remote only: git
    /// fetches it (`cat-file` does, as any git command that needs it).
    pub fn blob(&self, id: Oid) -> Result<Vec<u8>> {
        match self.git.find_blob(id) {
            Err(e)
                if e.code() == git2::ErrorCode::NotFound && super::is_partial_clone(&self.git) =>
            {
                let out = self
                    .ask_git(&["cat-file", "blob"], &[id])
                    .stderr(std::process::Stdio::piped())
                    .output()
                    .map_err(|io| Error::failed(format!("could not run git: {io}")))?;
                if !out.status.success() {
                    return Err(Error::failed(format!(
                        "reading blob {id}: this is a partial clone and its promisor remote did not give it: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ))
                    .hint("fetch it once the remote is reachable (git fetch), or clone without --filter"));
                }
                Ok(out.stdout)
            }
            read => read
                .map(|b| b.content().to_vec())
                .map_err(reading(format_args!("reading blob {id}"))),
        }
    }

    pub fn tree(&self, id: Oid) -> Result<Tree<'_>> {
        self.git
            .find_tree(id)
            .map(|tree| Tree { tree })
            .map_err(reading(format_args!("reading tree {id}")))
    }

    /// Blob reads for this thread.
    pub fn blobs(&self) -> Result<Blobs<'_>> {
        Ok(Blobs {
            odb: self
                .git
                .odb()
                .map_err(reading("opening the object database"))?,
        })
    }

    /// Where the cache `name` lives (shared by all worktrees of the repository).
    pub fn cache_path(&self, name: &str) -> std::path::PathBuf {
        super::cache::path(&self.git, name)
    }

    /// Whether the tool has remembered anything here before (`<git dir>/fastrevert`): a clone
    /// kept between runs rather than made for one.
    pub fn has_remembered_anything(&self) -> bool {
        super::cache::any(&self.git)
    }

    /// Mark the repository as one the tool has run in (see `has_remembered_anything`).
    pub fn mark_run(&self) {
        super::cache::mark_run(&self.git)
    }

    /// Commits of `tip`'s first-parent line not in `hide`'s history, newest first, at most
    /// `limit` of them, how many there are in all, and the oldest one.
    pub fn first_parents_since(
        &self,
        tip: Oid,
        hide: Oid,
        limit: usize,
    ) -> Result<(Vec<Oid>, usize, Option<Oid>)> {
        let walk_error = reading("walking the history");
        let mut walk = self.git.revwalk().map_err(reading("walking the history"))?;
        walk.push(tip)
            .and_then(|_| walk.hide(hide))
            .and_then(|_| walk.simplify_first_parent())
            .and_then(|_| walk.set_sorting(git2::Sort::TOPOLOGICAL))
            .map_err(walk_error)?;
        let mut newest = Vec::new();
        let mut count = 0;
        let mut last = None;
        for oid in walk {
            let oid = oid.map_err(reading("walking the history"))?;
            last = Some(oid);
            count += 1;
            if newest.len() < limit {
                newest.push(oid);
            }
        }
        Ok((newest, count, last))
    }

    /// Every commit of `tip`'s history not in `hide`'s, oldest first (parents before their
    /// children), at most `limit` of them (`None` when there are more).
    pub fn commits_since(&self, tip: Oid, hide: Oid, limit: usize) -> Result<Option<Vec<Oid>>> {
        let mut walk = self.git.revwalk().map_err(reading("walking the history"))?;
        walk.push(tip)
            .and_then(|_| walk.hide(hide))
            .and_then(|_| walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE))
            .map_err(reading("walking the history"))?;
        let mut out = Vec::new();
        for oid in walk {
            if out.len() == limit {
                return Ok(None);
            }
            out.push(oid.map_err(reading("walking the history"))?);
        }
        Ok(Some(out))
    }

    /// The commits of `tip`'s first-parent line, newest first, at most `limit`.
    pub fn first_parent_line(&self, tip: Oid, limit: usize) -> Vec<CommitInfo> {
        let mut out = Vec::new();
        let mut at = Some(tip);
        while let Some(id) = at.filter(|_| out.len() < limit) {
            let Ok(info) = self.commit(id) else { break };
            at = info.parents.first().copied();
            out.push(info);
        }
        out
    }

    /// How many commits `a` has that `b` lacks, and the other way round.
    pub fn ahead_behind(&self, a: Oid, b: Oid) -> Option<(usize, usize)> {
        self.git.graph_ahead_behind(a, b).ok()
    }

    /// The short names of the tags that name `commit` (peeled).
    pub fn tags_at(&self, commit: Oid) -> Vec<String> {
        let mut names = Vec::new();
        if let Ok(refs) = self.git.references_glob("refs/tags/*") {
            for r in refs.flatten() {
                if r.peel_to_commit().is_ok_and(|c| c.id() == commit) {
                    if let Ok(name) = r.shorthand() {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names.sort();
        names
    }

    /// The commit HEAD is on, if any.
    pub fn head_commit(&self) -> Option<Oid> {
        self.git.head().ok()?.peel_to_commit().ok().map(|c| c.id())
    }

    /// What each commit of `base..tip` (one line of first parents) changes, whole files, for an
    /// API that writes commits.
    pub fn file_changes(&self, base: Oid, tip: Oid) -> Result<Vec<CommitChanges>> {
        let repo = &self.git;
        let mut line = Vec::new();
        let mut at = tip;
        while at != base {
            let commit = repo.find_commit(at)?;
            line.push(commit.id());
            at = commit.parent_id(0)?;
        }
        line.reverse();
        let mut out = Vec::new();
        for oid in line {
            let commit = repo.find_commit(oid)?;
            let parent = commit.parent(0)?;
            let diff =
                repo.diff_tree_to_tree(Some(&parent.tree()?), Some(&commit.tree()?), None)?;
            let mut changes = Vec::new();
            for delta in diff.deltas() {
                let (new, old) = (delta.new_file(), delta.old_file());
                if delta.status() == git2::Delta::Deleted {
                    changes.push(FileChange {
                        path: old.path_bytes().unwrap_or_default().to_vec(),
                        old_mode: FileMode::from_raw(old.mode().into()),
                        new: None,
                    });
                    continue;
                }
                let mode = FileMode::from_raw(new.mode().into());
                // A submodule's commit has no content here; a blob that cannot be read is an
                // error, never an empty file.
                let content = match mode {
                    Some(FileMode::Submodule) => Vec::new(),
                    _ => repo.find_blob(new.id())?.content().to_vec(),
                };
                changes.push(FileChange {
                    path: new.path_bytes().unwrap_or_default().to_vec(),
                    old_mode: FileMode::from_raw(old.mode().into()),
                    new: Some((mode, content)),
                });
            }
            out.push(CommitChanges {
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
                tree: commit.tree_id(),
                changes,
            });
        }
        Ok(out)
    }
}

/// One commit's changes as whole files.
pub struct CommitChanges {
    pub message: String,
    pub tree: Oid,
    pub changes: Vec<FileChange>,
}

pub struct FileChange {
    pub path: Vec<u8>,
    /// The mode before (`None` when added).
    pub old_mode: Option<FileMode>,
    /// The mode and content after; `None` when deleted.
    pub new: Option<(Option<FileMode>, Vec<u8>)>,
}

/// The repository's configuration.
pub struct Config {
    git: git2::Config,
}

impl Config {
    /// A value; `None` when unset.
    pub fn string(&self, key: &str) -> Option<String> {
        self.git.get_string(key).ok()
    }

    /// A path, `~/` expanded; `None` when unset.
    pub fn path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.git.get_path(key).ok()
    }

    /// Every value of a multi-valued key, in the order git reads them.
    pub fn all(&self, key: &str) -> Result<Vec<String>> {
        let mut values = Vec::new();
        if let Ok(entries) = self.git.multivar(key, None) {
            entries
                .for_each(|entry| {
                    if let Ok(v) = entry.value() {
                        values.push(v.to_string());
                    }
                })
                .map_err(reading(format_args!("reading {key}")))?;
        }
        Ok(values)
    }
}
