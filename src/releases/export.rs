//! Writing a commit's tree into a release directory so that nothing in the tree can make it write
//! elsewhere: every entry name is checked as git checks paths before a checkout, and every file,
//! directory and symlink is created relative to its parent's open descriptor with `O_NOFOLLOW`,
//! so a symlink from the tree is created but never followed.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use super::manifest::{self, Manifest, Record, Stamp};
use crate::git::{FileMode, Oid, Repo};
use std::sync::atomic::Ordering;

use rustix::fs::{linkat, mkdirat, openat, symlinkat, AtFlags, Mode, OFlags};

use crate::error::{Error, Result};
use crate::git::quote_path;

/// Files the release directory itself holds, which no tree entry may stand in for.
pub const RESERVED: [&str; 2] = [super::REVISION, super::BAD_MARK];

/// Deeper trees than git itself checks out (`core.maxTreeDepth`) are refused.
const MAX_DEPTH: usize = 4096;

/// Whether git would refuse to check out an entry of this name (git's `verify_path` on one path
/// component, with `core.protectNTFS` on as it is by default everywhere, `core.protectHFS` off as
/// on Linux).
pub fn refused_name(name: &[u8], is_symlink: bool) -> Option<&'static str> {
    if name.is_empty() {
        return Some("an empty name");
    }
    if name.contains(&0) {
        return Some("a NUL byte");
    }
    if name.contains(&b'/') {
        return Some("a '/'");
    }
    if name == b"." || name == b".." {
        return Some("a '.' or '..' component");
    }
    if name.eq_ignore_ascii_case(b".git") {
        return Some("the name .git");
    }
    if is_symlink && name.eq_ignore_ascii_case(b".gitmodules") {
        return Some("a symlinked .gitmodules");
    }
    // NTFS reads `.git.`, `.git ` and the short name `git~1` as `.git`; git refuses them at the
    // start of a component and after each backslash.
    if name.split(|&b| b == b'\\').any(ntfs_dotgit) {
        return Some("a name NTFS reads as .git");
    }
    None
}

fn ntfs_dotgit(part: &[u8]) -> bool {
    let lower = part.to_ascii_lowercase();
    let rest = match (lower.strip_prefix(b".git"), lower.strip_prefix(b"git~1")) {
        (Some(rest), _) | (None, Some(rest)) => rest,
        _ => return false,
    };
    let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
    rest[..end].iter().all(|&b| b == b'.' || b == b' ')
}

enum Kind {
    File {
        executable: bool,
    },
    Symlink,
    /// A link to the shared folder beside the releases, with its target.
    Shared(Vec<u8>),
}

struct Entry {
    dir: usize,
    name: Vec<u8>,
    oid: Oid,
    kind: Kind,
    /// The live release has this very file (same blob, same mode) at the same path.
    same: bool,
}

struct Dir {
    /// Index of the parent in `Plan::dirs`; the root is its own parent.
    parent: usize,
    name: Vec<u8>,
    depth: usize,
}

/// What will be written, in tree order (a directory before what it holds).
pub struct Plan {
    dirs: Vec<Dir>,
    files: Vec<Entry>,
    links: Vec<Entry>,
    pub submodules: Vec<Vec<u8>>,
    /// Top-level entries that stand where the release's own files go, left out.
    pub replaced: Vec<Vec<u8>>,
    /// Shared paths the tree had something at (replaced by the link), with that entry: what
    /// seeds a shared file or folder that does not exist yet.
    pub shared_replaced: Vec<(Vec<u8>, Oid, Option<FileMode>)>,
}

/// How a release is written.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Paths kept outside the release (symlinks to the shared folder).
    pub shared: Vec<Shared>,
    /// Paths the application writes to: their files are writable, never shared with another
    /// release, and not in the manifest (they are meant to change).
    pub writable: Vec<Vec<u8>>,
    /// Share no file with the live release.
    pub copy: bool,
}

/// Whether `path` is `prefix` or below it.
fn is_under(path: &[u8], prefix: &[u8]) -> bool {
    path.starts_with(prefix) && (path.len() == prefix.len() || path[prefix.len()] == b'/')
}

/// A path kept outside the releases, in the shared folder beside them.
#[derive(Debug, Clone)]
pub struct Shared {
    pub parts: Vec<Vec<u8>>,
    /// Given as a file (`--shared-file`): never made a folder. Otherwise (`--shared`) a folder,
    /// unless the tree has a file there.
    pub file: bool,
}

/// A shared path given by the operator (`--shared`, `--shared-file`): relative, each part a
/// name git accepts.
pub fn check_shared_path(path: &str, file: bool) -> Result<Shared> {
    let parts: Vec<Vec<u8>> = path
        .trim_end_matches('/')
        .split('/')
        .map(|p| p.as_bytes().to_vec())
        .collect();
    let bad = path.starts_with('/')
        || parts.iter().any(|p| refused_name(p, false).is_some())
        || (parts.len() == 1 && RESERVED.iter().any(|r| r.as_bytes() == parts[0].as_slice()));
    if bad {
        return Err(Error::bad_input(format!(
            "the shared {} {path} is not a path inside a release",
            if file { "file" } else { "path" }
        ))
        .hint("give a relative path such as log, tmp/pids or config/database.yml"));
    }
    Ok(Shared { parts, file })
}

impl Plan {
    /// Read the tree and check every name before anything is written.
    // Long because every check a name and an entry must pass before anything is written, in one
    // place, so that none is skipped.
    pub fn read(repo: &Repo, tree: Oid, previous: Option<Oid>, shared: &[Shared]) -> Result<Plan> {
        let shared_paths: Vec<Vec<u8>> = shared.iter().map(|p| p.parts.join(&b'/')).collect();
        let mut plan = Plan {
            dirs: vec![Dir {
                parent: 0,
                name: Vec::new(),
                depth: 0,
            }],
            files: Vec::new(),
            links: Vec::new(),
            submodules: Vec::new(),
            replaced: Vec::new(),
            shared_replaced: Vec::new(),
        };
        // Depth first, so a directory's contents follow it and writers reuse open parents.
        // Beside each folder, the live release's tree at the same path, if it has one.
        let mut stack = vec![(0usize, tree, previous)];
        while let Some((dir, tree_id, before)) = stack.pop() {
            let tree = repo.tree(tree_id)?;
            let before = match before {
                Some(oid) => repo.tree(oid).ok(),
                None => None,
            };
            let was = |name: &[u8]| {
                let entry = before.as_ref()?.entry(name)?;
                Some((entry.id(), entry.mode()))
            };
            let mut subtrees = Vec::new();
            for entry in tree.iter() {
                let name = entry.name().to_vec();
                let mode = entry.mode();
                let is_link = mode == Some(FileMode::Link);
                if let Some(why) = refused_name(&name, is_link) {
                    return Err(Error::bad_input(format!(
                        "the tree holds {}, whose name has {why}; git refuses to check it out, and so does deploy (nothing was written)",
                        quote_path(&plan.path(dir, &name))
                    ))
                    .hint("deploy a commit whose tree git fsck --strict accepts"));
                }
                if dir == 0 && RESERVED.iter().any(|r| r.as_bytes() == name.as_slice()) {
                    plan.replaced.push(name);
                    continue;
                }
                let full = plan.path(dir, &name);
                if shared_paths.contains(&full) {
                    plan.shared_replaced.push((full, entry.id(), mode));
                    continue;
                }
                let before = was(&name);
                match mode {
                    Some(FileMode::Tree) => {
                        let old_tree = before
                            .filter(|(_, m)| *m == Some(FileMode::Tree))
                            .map(|(o, _)| o);
                        subtrees.push((name, entry.id(), old_tree));
                    }
                    Some(FileMode::Submodule) => {
                        plan.submodules.push(plan.path(dir, &name));
                        subtrees.push((name, Oid::ZERO_SHA1, None));
                    }
                    _ if is_link => plan.links.push(Entry {
                        dir,
                        name,
                        oid: entry.id(),
                        kind: Kind::Symlink,
                        same: false,
                    }),
                    _ => plan.files.push(Entry {
                        dir,
                        same: before == Some((entry.id(), mode)),
                        name,
                        oid: entry.id(),
                        kind: Kind::File {
                            executable: mode == Some(FileMode::Executable),
                        },
                    }),
                }
            }
            // Pushed in reverse so they are read, and numbered, in tree order.
            let mut children = Vec::new();
            for (name, oid, old_tree) in subtrees {
                let depth = plan.dirs[dir].depth + 1;
                if depth > MAX_DEPTH {
                    return Err(Error::bad_input(format!(
                        "the tree is deeper than {MAX_DEPTH} directories; nothing was written"
                    )));
                }
                children.push((plan.dirs.len(), oid, old_tree));
                plan.dirs.push(Dir {
                    parent: dir,
                    name,
                    depth,
                });
            }
            stack.extend(
                children
                    .into_iter()
                    .rev()
                    .filter(|(_, oid, _)| !oid.is_zero()),
            );
        }
        for s in shared {
            plan.add_shared(&s.parts)?;
        }
        // Writers walk directories in index order; entries were found in pop order.
        plan.files.sort_by_key(|e| e.dir);
        plan.links.sort_by_key(|e| e.dir);
        Ok(plan)
    }

    /// The link for one shared path: `<releases>/<id>/<path>` -> `<releases>/../shared/<path>`,
    /// relative, with the folders on the way (a file of the tree in their place is an error).
    fn add_shared(&mut self, parts: &[Vec<u8>]) -> Result<()> {
        let (name, folders) = parts.split_last().unwrap_or((&parts[0], &[]));
        let mut dir = 0;
        for folder in folders {
            let in_the_way = self
                .files
                .iter()
                .chain(&self.links)
                .any(|e| e.dir == dir && &e.name == folder);
            if in_the_way {
                return Err(Error::bad_input(format!(
                    "the tree has a file at {}, where the shared path {} needs a folder; nothing was written",
                    quote_path(&self.path(dir, folder)),
                    quote_path(&parts.join(&b'/'))
                )));
            }
            dir = match (0..self.dirs.len())
                .find(|&d| d != 0 && self.dirs[d].parent == dir && &self.dirs[d].name == folder)
            {
                Some(d) => d,
                None => {
                    let depth = self.dirs[dir].depth + 1;
                    self.dirs.push(Dir {
                        parent: dir,
                        name: folder.clone(),
                        depth,
                    });
                    self.dirs.len() - 1
                }
            };
        }
        let mut target = b"../".repeat(folders.len() + 2);
        target.extend_from_slice(b"shared/");
        target.extend_from_slice(&parts.join(&b'/'));
        self.links.push(Entry {
            dir,
            name: name.clone(),
            oid: Oid::ZERO_SHA1,
            kind: Kind::Shared(target),
            same: false,
        });
        Ok(())
    }

    pub fn entries(&self) -> usize {
        self.files.len() + self.links.len()
    }

    /// The path of `name` inside directory `dir`, from the release's top.
    fn path(&self, dir: usize, name: &[u8]) -> Vec<u8> {
        let mut parts = vec![name.to_vec()];
        let mut d = dir;
        while d != 0 {
            parts.push(self.dirs[d].name.clone());
            d = self.dirs[d].parent;
        }
        parts.reverse();
        parts.join(&b'/')
    }

    /// The path of every directory from the release's top (`""` for the top itself).
    fn dir_paths(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::with_capacity(self.dirs.len());
        for (i, d) in self.dirs.iter().enumerate() {
            if i == 0 {
                out.push(Vec::new());
                continue;
            }
            let mut path = out[d.parent].clone();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&d.name);
            out.push(path);
        }
        out
    }

    /// Write everything under `root`, an empty directory this process created: directories and
    /// symlinks first, then the files spread over the available cores. Returns the record of
    /// every file written (its manifest).
    /// `previous`: the live release's top directory and its manifest, to hard-link the files
    /// it shares and that are still as it wrote them.
    // Long because the write through directory descriptors, each safety rule (no symlink followed,
    // hard links only to files as the live release wrote them) beside the step it guards.
    pub fn write(
        &self,
        repo: &Repo,
        root: &OwnedFd,
        previous: Option<(&OwnedFd, &Manifest)>,
        writable: &[Vec<u8>],
        progress: &Progress,
    ) -> Result<Vec<Record>> {
        progress
            .total
            .store(self.entries(), std::sync::atomic::Ordering::Relaxed);
        let mut cursor = Cursor::new(root)?;
        for (i, dir) in self.dirs.iter().enumerate().skip(1) {
            let parent = cursor.enter(self, dir.parent)?;
            mkdirat(parent, bytes(&dir.name), Mode::from_raw_mode(0o777))
                .map_err(|e| self.io_error(i, &[], e))?;
        }
        for link in &self.links {
            let target = match &link.kind {
                Kind::Shared(target) => target.clone(),
                _ => repo.blob(link.oid)?,
            };
            let parent = cursor.enter(self, link.dir)?;
            symlinkat(bytes(&target), parent, bytes(&link.name))
                .map_err(|e| self.io_error(link.dir, &link.name, e))?;
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let chunk = self.files.len().div_ceil(threads).max(1);
        let dir_paths = self.dir_paths();
        let dir_paths = &dir_paths;
        let git_dir = repo.git_dir();
        let job = |files: &[Entry]| -> Result<Vec<Record>> {
            // A handle is not shared across threads; each share opens its own.
            let repo = Repo::reopen_at(git_dir)?;
            let odb = repo.blobs()?;
            let mut cursor = Cursor::new(root)?;
            let mut before = previous
                .map(|(fd, manifest)| Cursor::new(fd).map(|c| (c, manifest)))
                .transpose()?;
            let mut records = Vec::with_capacity(files.len());
            for file in files {
                let Kind::File { executable } = file.kind else {
                    continue;
                };
                let mut path = dir_paths[file.dir].clone();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(&file.name);
                let counted = || {
                    progress
                        .written
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                };
                if writable.iter().any(|w| is_under(&path, w)) {
                    let parent = cursor.enter(self, file.dir)?;
                    let mode = if executable { 0o755 } else { 0o644 };
                    let fd = create_file(parent, &file.name, mode)
                        .map_err(|e| self.io_error(file.dir, &file.name, e))?;
                    let mut out = File::from(fd);
                    odb.with(file.oid, |data| out.write_all(data))??;
                    counted();
                    continue;
                }
                if file.same && !progress.no_links.load(Ordering::Relaxed) {
                    if let Some((before, manifest)) = before.as_mut() {
                        let recorded = manifest
                            .get(&path)
                            .filter(|r| r.oid == file.oid && r.executable == executable);
                        if let Some(recorded) = recorded {
                            let parent = cursor.enter(self, file.dir)?;
                            let linked =
                                link_unchanged(before, self, file, recorded, parent, progress);
                            if let Some(stamp) = linked {
                                records.push(Record {
                                    path,
                                    oid: file.oid,
                                    executable,
                                    stamp,
                                });
                                counted();
                                continue;
                            }
                        }
                    }
                }
                let parent = cursor.enter(self, file.dir)?;
                // git keeps only the executable bit; the files are read-only so that
                // the next release can share them (hard links) as they are.
                let fd = create_file(parent, &file.name, manifest::mode(executable))
                    .map_err(|e| self.io_error(file.dir, &file.name, e))?;
                let mut out = File::from(fd);
                odb.with(file.oid, |data| out.write_all(data))??;
                let stat = rustix::fs::fstat(&out).map_err(std::io::Error::from)?;
                records.push(Record {
                    path,
                    oid: file.oid,
                    executable,
                    stamp: Stamp::of(&stat),
                });
                counted();
            }
            Ok(records)
        };
        std::thread::scope(|scope| -> Result<Vec<Record>> {
            let handles: Vec<_> = self
                .files
                .chunks(chunk)
                .map(|files| crate::threads::share(scope, &job, files))
                .collect();
            let mut records = Vec::with_capacity(self.files.len());
            for h in handles {
                records.extend(
                    h.join()
                        .map_err(|_| Error::failed("a writer thread panicked"))??,
                );
            }
            Ok(records)
        })
    }

    fn io_error(&self, dir: usize, name: &[u8], e: rustix::io::Errno) -> Error {
        let path = if name.is_empty() {
            self.path(self.dirs[dir].parent, &self.dirs[dir].name)
        } else {
            self.path(dir, name)
        };
        let why = match e {
            rustix::io::Errno::EXIST => "the tree names it twice".to_string(),
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
                "a symlink of the tree stands in its path, and deploy never follows one".to_string()
            }
            other => std::io::Error::from(other).to_string(),
        };
        Error::bad_input(format!(
            "cannot write {} in the release: {why}; nothing was deployed",
            quote_path(&path)
        ))
        .hint("deploy a commit whose tree git fsck --strict accepts")
    }
}

/// How far an export has got, for a progress bar the caller may draw.
#[derive(Debug, Default)]
pub struct Progress {
    /// Entries to write (files and symlinks), known once the tree is read.
    pub total: std::sync::atomic::AtomicUsize,
    /// Files written so far (hard-linked ones included).
    pub written: std::sync::atomic::AtomicUsize,
    /// Files hard-linked from the live release.
    pub linked: std::sync::atomic::AtomicUsize,
    /// Linking stopped working (another filesystem): write the rest.
    pub no_links: std::sync::atomic::AtomicBool,
}

/// Hard-link an unchanged file from the live release: only while it is still the very file
/// the live release's manifest recorded (same inode, change and modification times and size:
/// nothing has written to it, chmod-ed or replaced it since), else `None` and the caller writes
/// it anew. Returns the linked file's stamp. A link that the filesystem refuses (another
/// filesystem) stops linking.
fn link_unchanged(
    before: &mut Cursor,
    plan: &Plan,
    file: &Entry,
    recorded: &Record,
    parent: BorrowedFd<'_>,
    progress: &Progress,
) -> Option<Stamp> {
    // The live release may lack the folder, or hold something else there: then write.
    let old_dir = before.enter(plan, file.dir).ok()?;
    let stat = rustix::fs::statat(old_dir, bytes(&file.name), AtFlags::SYMLINK_NOFOLLOW).ok()?;
    if !manifest::as_written(&stat, recorded.executable)
        || !Stamp::of(&stat).same_content_as(&recorded.stamp)
    {
        return None;
    }
    if let Err(e) = linkat(
        old_dir,
        bytes(&file.name),
        parent,
        bytes(&file.name),
        AtFlags::empty(),
    ) {
        if e == rustix::io::Errno::XDEV
            || e == rustix::io::Errno::PERM
            || e == rustix::io::Errno::MLINK
        {
            progress.no_links.store(true, Ordering::Relaxed);
        }
        return None;
    }
    let linked = rustix::fs::statat(parent, bytes(&file.name), AtFlags::SYMLINK_NOFOLLOW).ok()?;
    // A write between the check and the link shows as a modification time (or size) that is
    // no longer the recorded one: then the link is taken back and the file written anew.
    let stamp = Stamp::of(&linked);
    if !stamp.same_content_as(&recorded.stamp) {
        let _ = rustix::fs::unlinkat(parent, bytes(&file.name), AtFlags::empty());
        return None;
    }
    progress.linked.fetch_add(1, Ordering::Relaxed);
    Some(stamp)
}

/// Create a file that must not exist, never through a symlink.
pub fn create_file(dir: BorrowedFd<'_>, name: &[u8], mode: u32) -> rustix::io::Result<OwnedFd> {
    openat(
        dir,
        bytes(name),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    )
}

/// Open a directory that must be a real one, never a symlink.
pub fn open_dir(dir: BorrowedFd<'_>, name: &[u8]) -> rustix::io::Result<OwnedFd> {
    openat(
        dir,
        bytes(name),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

fn bytes(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

/// A name as the file system calls take it.
pub fn os(b: &[u8]) -> &OsStr {
    bytes(b)
}

/// Fill `into` (a folder this process just made) with the tree's folder at `path`: files,
/// executables, symlinks (written, never followed) and folders, every name checked as git
/// checks it. Submodules are left out.
pub fn seed(repo: &Repo, tree: Oid, into: &OwnedFd, path: &[u8]) -> Result<()> {
    let mut stack = vec![(tree, into.try_clone()?, path.to_vec(), 0usize)];
    while let Some((tree_id, dir, at, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::bad_input(format!(
                "the tree is deeper than {MAX_DEPTH} directories under {}; nothing was deployed",
                quote_path(path)
            )));
        }
        let tree = repo.tree(tree_id)?;
        for entry in tree.iter() {
            let name = entry.name().to_vec();
            let mode = entry.mode();
            let is_link = mode == Some(FileMode::Link);
            let mut full = at.clone();
            full.push(b'/');
            full.extend_from_slice(&name);
            if let Some(why) = refused_name(&name, is_link) {
                return Err(Error::bad_input(format!(
                    "the tree holds {}, whose name has {why}; it does not go into the shared folder (nothing was deployed)",
                    quote_path(&full)
                )));
            }
            let failed = |e: rustix::io::Errno| {
                Error::bad_input(format!(
                    "cannot start shared/{} from the tree: {}",
                    quote_path(&full),
                    std::io::Error::from(e)
                ))
            };
            match mode {
                Some(FileMode::Tree) => {
                    mkdirat(&dir, bytes(&name), Mode::from_raw_mode(0o755)).map_err(failed)?;
                    let sub = open_dir(dir.as_fd(), &name).map_err(failed)?;
                    stack.push((entry.id(), sub, full, depth + 1));
                }
                Some(FileMode::Submodule) => {}
                _ if is_link => {
                    symlinkat(bytes(&repo.blob(entry.id())?), &dir, bytes(&name)).map_err(failed)?
                }
                _ => {
                    let perm = if mode == Some(FileMode::Executable) {
                        0o755
                    } else {
                        0o644
                    };
                    let fd = create_file(dir.as_fd(), &name, perm).map_err(failed)?;
                    File::from(fd).write_all(&repo.blob(entry.id())?)?;
                }
            }
        }
    }
    Ok(())
}

/// The open directories from the release's top down to the one last entered, so that entries
/// of one directory, which come together, cost one `openat` for the lot.
struct Cursor {
    open: Vec<(usize, OwnedFd)>,
}

impl Cursor {
    fn new(root: &OwnedFd) -> Result<Cursor> {
        Ok(Cursor {
            open: vec![(0, root.try_clone()?)],
        })
    }

    fn enter(&mut self, plan: &Plan, dir: usize) -> Result<BorrowedFd<'_>> {
        let mut chain = Vec::new();
        let mut d = dir;
        while d != 0 {
            chain.push(d);
            d = plan.dirs[d].parent;
        }
        chain.reverse();
        let mut keep = 1;
        while keep < self.open.len() && keep <= chain.len() && self.open[keep].0 == chain[keep - 1]
        {
            keep += 1;
        }
        self.open.truncate(keep);
        for &d in &chain[keep - 1..] {
            let Some((_, parent)) = self.open.last() else {
                // The root is never removed: `keep` is at least 1.
                return Err(Error::failed("the release's top directory was lost"));
            };
            let fd = open_dir(parent.as_fd(), &plan.dirs[d].name)
                .map_err(|e| plan.io_error(d, &[], e))?;
            self.open.push((d, fd));
        }
        match self.open.last() {
            Some((_, fd)) => Ok(fd.as_fd()),
            None => Err(Error::failed("the release's top directory was lost")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refused_name;

    #[test]
    fn names_git_refuses_to_check_out_are_refused() {
        for bad in [
            &b""[..],
            b".",
            b"..",
            b".git",
            b".GIT",
            b".Git",
            b"a/b",
            b"/abs",
            b"x\0y",
            b".git.",
            b".git ",
            b".git. .",
            b"git~1",
            b"GIT~1",
            b".git:stream",
            b"a\\.git",
        ] {
            assert!(refused_name(bad, false).is_some(), "{bad:?}");
        }
        assert!(refused_name(b".gitmodules", true).is_some());
        for good in [
            &b"a"[..],
            b".gitignore",
            b".gitmodules",
            b".github",
            b"...",
            b"x\ny",
            b"\xff\xfe",
            b"a\\b",
            b"git~2",
            b".gitx",
        ] {
            assert!(refused_name(good, false).is_none(), "{good:?}");
        }
    }
}
