//! Release directories and the atomic symlink switch: each revision is exported into its own
//! directory, the web root is a symlink, and going back is pointing the symlink elsewhere with
//! one `rename(2)`, so there is never a moment without a site.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use git2::{ObjectType, Oid, Repository};

use crate::error::{Error, Result};

pub const HISTORY: &str = ".fastrevert-history";
const LOCK: &str = ".fastrevert.lock";
const TEMP_PREFIX: &str = ".tmp-";
pub const REVISION: &str = "REVISION";
pub const BAD_MARK: &str = "BAD_RELEASE";

pub struct Releases {
    pub dir: PathBuf,
    pub link: PathBuf,
}

/// An exclusive hold on a releases directory; released when dropped (the kernel drops the
/// `flock` with the file, even if the process dies).
pub struct Lock {
    _file: File,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Release {
    pub id: String,
    pub path: PathBuf,
    /// When it was deployed (its REVISION file was written), seconds since the epoch.
    pub deployed_at: i64,
    /// The same to the nanosecond, to order releases deployed within one second.
    #[serde(skip)]
    deployed_ns: u128,
    pub current: bool,
    pub previous: bool,
    pub bad: bool,
}

/// What an export did.
#[derive(Debug, Default)]
pub struct Export {
    /// Whether a new release was written (false: it was there already).
    pub created: bool,
    pub files: usize,
    /// Reading the tree and writing the files.
    pub write: Duration,
    /// Flushing them to disk before the release takes its name.
    pub sync: Duration,
    /// Submodules that were not exported.
    pub warnings: Vec<String>,
}

/// One line of the history file.
#[derive(Debug, Clone)]
pub struct Event {
    pub time: String,
    pub user: String,
    pub from: String,
    pub to: String,
    pub action: String,
}

fn is_release_name(name: &str) -> bool {
    (name.len() == 40 || name.len() == 64) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Releases {
    /// `link` defaults to `current` beside the releases directory.
    pub fn new(dir: PathBuf, link: Option<PathBuf>) -> Result<Releases> {
        let meta = fs::metadata(&dir).map_err(|e| {
            Error::bad_input(format!(
                "the releases directory {} cannot be used: {e}",
                dir.display()
            ))
            .hint("create it first (mkdir -p), or pass --releases with the right path")
        })?;
        if !meta.is_dir() {
            return Err(
                Error::bad_input(format!("{} is not a directory", dir.display()))
                    .hint("pass --releases with the directory that holds the releases"),
            );
        }
        let dir = dir.canonicalize()?;
        let link = match link {
            Some(l) if l.is_absolute() => l,
            Some(l) => std::env::current_dir()?.join(l),
            None => dir.parent().unwrap_or(&dir).join("current"),
        };
        Ok(Releases { dir, link })
    }

    /// Fail with a clear message when the directory cannot be written.
    pub fn check_writable(&self) -> Result<()> {
        let probe = self
            .dir
            .join(format!("{TEMP_PREFIX}probe-{}", std::process::id()));
        match File::create(&probe) {
            Ok(_) => {
                let _ = fs::remove_file(&probe);
                Ok(())
            }
            Err(e) => Err(
                Error::bad_input(format!("cannot write in {}: {e}", self.dir.display())).hint(
                    "run as the user that owns the releases, or fix the directory's permissions",
                ),
            ),
        }
    }

    /// Take the directory's lock, waiting up to `wait` for another deploy or switch to finish.
    pub fn lock(&self, wait: Duration) -> Result<Lock> {
        let path = self.dir.join(LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        let started = Instant::now();
        loop {
            // SAFETY: flock on a file descriptor we own; no memory is shared with the call.
            let got = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
            if got {
                let mut f = &file;
                let _ = f.write_all(format!("{}\n", std::process::id()).as_bytes());
                return Ok(Lock { _file: file });
            }
            if started.elapsed() >= wait {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(Error::failed(format!(
                    "another deploy or switch holds {} (pid {}); nothing was changed",
                    path.display(),
                    holder.lines().last().unwrap_or("?").trim()
                ))
                .hint("wait for it to finish, then run the command again"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The release the link points at, if it points into the releases directory.
    pub fn current(&self) -> Option<String> {
        let target = fs::read_link(&self.link).ok()?;
        let name = target.file_name()?.to_str()?.to_string();
        is_release_name(&name).then_some(name)
    }

    pub fn history(&self) -> Vec<Event> {
        let text = fs::read_to_string(self.dir.join(HISTORY)).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                (f.len() >= 5).then(|| Event {
                    time: f[0].into(),
                    user: f[1].into(),
                    from: f[2].into(),
                    to: f[3].into(),
                    action: f[4].into(),
                })
            })
            .collect()
    }

    /// The release that was current before the last switch.
    pub fn previous(&self) -> Option<String> {
        let current = self.current();
        self.history()
            .into_iter()
            .rev()
            .find(|e| Some(&e.to) == current.as_ref() && e.from != "-" && e.from != e.to)
            .map(|e| e.from)
            .filter(|id| self.dir.join(id).is_dir())
    }

    /// The releases present, newest first.
    pub fn list(&self) -> Result<Vec<Release>> {
        let current = self.current();
        let previous = self.previous();
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_release_name(&name) || !entry.file_type()?.is_dir() {
                continue;
            }
            let path = entry.path();
            let deployed = fs::metadata(path.join(REVISION))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            out.push(Release {
                current: current.as_deref() == Some(name.as_str()),
                previous: previous.as_deref() == Some(name.as_str()),
                bad: path.join(BAD_MARK).exists(),
                id: name,
                path,
                deployed_at: deployed.as_secs() as i64,
                deployed_ns: deployed.as_nanos(),
            });
        }
        out.sort_by(|a, b| {
            b.deployed_ns
                .cmp(&a.deployed_ns)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// A release named by full id, unique abbreviation, `previous`, or (with a repository) any
    /// revision that was deployed.
    pub fn resolve(&self, name: &str, repo: Option<&Repository>) -> Result<String> {
        if name == "previous" {
            return self.previous().ok_or_else(|| {
                Error::bad_input("there is no previous release to go back to")
                    .hint("name the release to switch to (see `git fastrevert releases`)")
            });
        }
        let lower = name.to_ascii_lowercase();
        if lower.len() >= 4 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            let matches: Vec<Release> = self
                .list()?
                .into_iter()
                .filter(|r| r.id.starts_with(&lower))
                .collect();
            match matches.len() {
                1 => return Ok(matches[0].id.clone()),
                n if n > 1 => {
                    return Err(Error::bad_input(format!("'{name}' matches {n} releases"))
                        .hint("give more hex digits of the release id"))
                }
                _ => {}
            }
        }
        if let Some(repo) = repo {
            if let Ok(object) = repo.revparse_single(name) {
                if let Ok(commit) = object.peel_to_commit() {
                    let id = commit.id().to_string();
                    if self.dir.join(&id).is_dir() {
                        return Ok(id);
                    }
                    return Err(Error::bad_input(format!(
                        "{name} ({}) is not deployed here",
                        &id[..7]
                    ))
                    .hint(format!(
                        "deploy it first: git fastrevert deploy {name} --releases {}",
                        self.dir.display()
                    )));
                }
            }
        }
        Err(
            Error::bad_input(format!("no release '{name}' in {}", self.dir.display()))
                .hint("see the releases with `git fastrevert releases`"),
        )
    }

    /// Refuse a link path that is a real directory or file: replacing it would lose it.
    pub fn check_link(&self) -> Result<()> {
        match fs::symlink_metadata(&self.link) {
            Ok(m) if m.file_type().is_symlink() => Ok(()),
            Ok(m) => Err(Error::bad_input(format!(
                "{} is a real {}, not a symlink; nothing was changed",
                self.link.display(),
                if m.is_dir() { "directory" } else { "file" }
            ))
            .hint("move it aside once (it may be the site deployed by hand), then deploy again")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Point the link at release `id`: a new symlink under a temporary name renamed over the
    /// link, so readers see the old target or the new one and never nothing.
    pub fn switch_to(&self, id: &str) -> Result<()> {
        self.check_link()?;
        let target = relative_target(&self.link, &self.dir.join(id));
        let name = self
            .link
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = self.link.parent().unwrap_or(Path::new("."));
        let temp = parent.join(format!(".{name}.fastrevert-{}", std::process::id()));
        let _ = fs::remove_file(&temp);
        std::os::unix::fs::symlink(&target, &temp)?;
        if let Err(e) = fs::rename(&temp, &self.link) {
            let _ = fs::remove_file(&temp);
            return Err(e.into());
        }
        File::open(parent)?.sync_all()?;
        Ok(())
    }

    /// Append one line to the history.
    pub fn record(&self, from: Option<&str>, to: &str, action: &str) -> Result<()> {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let user = user_name();
        let line = format!("{time}\t{user}\t{}\t{to}\t{action}\n", from.unwrap_or("-"));
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(HISTORY))?;
        f.write_all(line.as_bytes())?;
        Ok(())
    }

    /// Leave a note in a release that it was switched away from as bad.
    pub fn mark_bad(&self, id: &str) -> Result<()> {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let user = user_name();
        fs::write(
            self.dir.join(id).join(BAD_MARK),
            format!("{time}\t{user}\n"),
        )?;
        Ok(())
    }

    /// Remove the half-written exports of deploys that died. Call with the lock held.
    pub fn clean_leftovers(&self) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                if entry.file_type()?.is_dir() {
                    fs::remove_dir_all(entry.path())?;
                } else {
                    fs::remove_file(entry.path())?;
                }
                removed.push(name);
            }
        }
        Ok(removed)
    }

    /// Delete the oldest releases beyond `keep`, never the current or previous one.
    pub fn prune(&self, keep: usize) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for (i, r) in self.list()?.into_iter().enumerate() {
            if i >= keep && !r.current && !r.previous {
                // Rename first, so a half-deleted release never carries a release's name.
                let doomed = self.dir.join(format!("{TEMP_PREFIX}prune-{}", r.id));
                fs::rename(&r.path, &doomed)?;
                fs::remove_dir_all(&doomed)?;
                removed.push(r.id);
            }
        }
        Ok(removed)
    }

    /// Export `commit`'s tree into `<dir>/<id>` unless it is there already.
    pub fn export(&self, repo: &Repository, commit: Oid) -> Result<Export> {
        let id = commit.to_string();
        let final_path = self.dir.join(&id);
        let mut stats = Export::default();
        if final_path.is_dir() {
            return Ok(stats);
        }
        let started = Instant::now();
        let temp = self
            .dir
            .join(format!("{TEMP_PREFIX}{id}-{}", std::process::id()));
        let mut plan = Plan::default();
        let tree = repo.find_commit(commit)?.tree()?;
        plan.walk(repo, &tree, Path::new(""))?;
        let result = write_tree(repo, &temp, &plan, &id);
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&temp);
            return Err(e);
        }
        stats.write = started.elapsed();
        let synced = Instant::now();
        // Everything on disk before the release appears under its name.
        let dir = File::open(&temp)?;
        if let Err(e) = flush_filesystem(&dir) {
            let _ = fs::remove_dir_all(&temp);
            return Err(e.into());
        }
        stats.sync = synced.elapsed();
        fs::rename(&temp, &final_path)?;
        File::open(&self.dir)?.sync_all()?;
        stats.created = true;
        stats.files = plan.files.len() + plan.links.len();
        stats.warnings = plan
            .submodules
            .iter()
            .map(|p| {
                format!(
                    "submodule {} is not exported (an empty directory stands in for it)",
                    p.display()
                )
            })
            .collect();
        Ok(stats)
    }
}

/// Who is doing it: `$USER`, `$LOGNAME`, else the numeric user id.
fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        // SAFETY: getuid cannot fail and touches no memory of ours.
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
}

/// Flush everything written to the filesystem holding `dir`: one `syncfs(2)` on Linux instead
/// of an fsync per file; elsewhere `sync(2)`.
fn flush_filesystem(dir: &File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: syncfs on a descriptor we own; it only flushes the filesystem.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    Ok(())
}

/// The link's target, relative when the release lives beside or below the link's folder.
fn relative_target(link: &Path, release: &Path) -> PathBuf {
    let parent = link.parent().unwrap_or(Path::new("/"));
    release
        .strip_prefix(parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| release.to_path_buf())
}

#[derive(Default)]
struct Plan {
    dirs: Vec<PathBuf>,
    files: Vec<(PathBuf, Oid, bool)>,
    links: Vec<(PathBuf, Oid)>,
    submodules: Vec<PathBuf>,
}

impl Plan {
    fn walk(&mut self, repo: &Repository, tree: &git2::Tree<'_>, prefix: &Path) -> Result<()> {
        for entry in tree.iter() {
            let name =
                std::ffi::OsStr::new(std::str::from_utf8(entry.name_bytes()).map_err(|_| {
                    Error::failed(format!("a path under {} is not UTF-8", prefix.display()))
                })?);
            let path = prefix.join(name);
            match (entry.kind(), entry.filemode()) {
                (Some(ObjectType::Tree), _) => {
                    self.dirs.push(path.clone());
                    let sub = repo.find_tree(entry.id())?;
                    self.walk(repo, &sub, &path)?;
                }
                (Some(ObjectType::Commit), _) => {
                    self.dirs.push(path.clone());
                    self.submodules.push(path);
                }
                (_, 0o120000) => self.links.push((path, entry.id())),
                (_, mode) => self.files.push((path, entry.id(), mode == 0o100755)),
            }
        }
        Ok(())
    }
}

/// Write the planned tree under `root`, files spread over the available cores.
fn write_tree(repo: &Repository, root: &Path, plan: &Plan, id: &str) -> Result<()> {
    fs::create_dir(root)?;
    for d in &plan.dirs {
        fs::create_dir(root.join(d))?;
    }
    for (path, oid) in &plan.links {
        let blob = repo.find_blob(*oid)?;
        let target = std::ffi::OsStr::new(std::str::from_utf8(blob.content()).map_err(|_| {
            Error::failed(format!(
                "the symlink {} has a target that is not UTF-8",
                path.display()
            ))
        })?);
        std::os::unix::fs::symlink(target, root.join(path))?;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = plan.files.len().div_ceil(threads).max(1);
    let git_dir = repo.path().to_path_buf();
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = plan
            .files
            .chunks(chunk)
            .map(|files| {
                let git_dir = &git_dir;
                scope.spawn(move || -> Result<()> {
                    // A Repository is not shared across threads; each opens its own.
                    let repo = Repository::open(git_dir)?;
                    let odb = repo.odb()?;
                    for (path, oid, exec) in files {
                        let object = odb.read(*oid)?;
                        let mut f = OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            // git keeps only the executable bit; the umask does the rest,
                            // as for `tar -x` run by an ordinary user.
                            .mode(if *exec { 0o777 } else { 0o666 })
                            .open(root.join(path))?;
                        f.write_all(object.data())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| Error::failed("a writer thread panicked"))??;
        }
        Ok(())
    })?;
    fs::write(root.join(REVISION), format!("{id}\n"))?;
    Ok(())
}
