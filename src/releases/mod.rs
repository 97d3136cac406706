//! Release directories and the atomic symlink switch: each revision is exported into its own
//! directory, the web root is a symlink, and going back is pointing the symlink elsewhere with
//! one `rename(2)`, so there is never a moment without a site.
//!
//! The releases directory is opened once and everything in it is reached through that
//! descriptor with `O_NOFOLLOW`: a symlink planted as the history, the lock, a release's
//! `REVISION` or `BAD_RELEASE` is refused, never written through.

pub mod after;
pub mod export;
pub mod manifest;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::git::{Oid, Repo};
use rustix::fs::{openat, renameat, unlinkat, AtFlags, Mode, OFlags};

use crate::error::{Error, Hint, Opt, Result};

pub const HISTORY: &str = ".fastrevert-history";
const LOCK: &str = ".fastrevert.lock";
const TEMP_PREFIX: &str = ".tmp-";
/// Releases a prune set aside, deleted after the lock is released (not by `clean_leftovers`).
const PRUNED_PREFIX: &str = ".pruned-";
pub const REVISION: &str = "REVISION";
pub const BAD_MARK: &str = "BAD_RELEASE";

pub struct Releases {
    pub dir: PathBuf,
    pub link: PathBuf,
    /// Whether the directory came from `--releases` (then a hint repeats it) rather than from
    /// git config (then a hint run in the same clone finds it by itself).
    pub named_by_flag: bool,
    /// The releases directory, opened once: every file in it is reached from here.
    fd: OwnedFd,
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
    #[serde(serialize_with = "crate::outcome::rfc3339")]
    pub deployed_at: i64,
    /// The same to the nanosecond, to order releases deployed within one second.
    #[serde(skip)]
    deployed_ns: u128,
    pub current: bool,
    pub previous: bool,
    pub bad: bool,
    /// Who put it live last, and why (from the history).
    pub deployer: Option<String>,
    pub reason: Option<String>,
    /// The tags naming its commit, and its subject (with the repository at hand).
    pub tags: Vec<String>,
    pub subject: Option<String>,
}

/// What an export did.
#[derive(Debug, Default)]
pub struct Export {
    /// Whether a new release was written (false: it was there already).
    pub created: bool,
    pub files: usize,
    /// Files hard-linked from the live release (unchanged since it).
    pub linked: usize,
    /// Reading the tree and writing the files.
    pub write: Duration,
    /// Flushing them to disk before the release takes its name.
    pub sync: Duration,
    /// Submodules that were not exported, tree entries that stood where the release's own
    /// files go.
    pub warnings: Vec<String>,
}

/// One line of the history file. Release ids are checked when read; `user` is kept escaped.
#[derive(Debug, Clone)]
pub struct Event {
    pub time: String,
    pub user: String,
    /// The release left, if any.
    pub from: Option<String>,
    pub to: String,
    pub action: String,
    /// Why, as `--reason` said (kept escaped).
    pub reason: Option<String>,
}

/// A release directory's name: a full commit id (SHA-1 or SHA-256), lower-case hex.
pub fn is_release_name(name: &str) -> bool {
    (name.len() == 40 || name.len() == 64)
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A history field with tabs, line breaks, backslashes and other control characters escaped, so
/// that no value can end its field or its line.
fn escape_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn not_plain(path: &Path) -> Error {
    Error::bad_input(format!(
        "{} is not a plain file; nothing was changed",
        path.display()
    ))
    .hint(format!("look at it, then remove it: rm {}", path.display()))
}

fn io_err(e: rustix::io::Errno) -> std::io::Error {
    e.into()
}

fn shared_error(path: &Path, what: &str, e: rustix::io::Errno) -> Error {
    Error::bad_input(format!(
        "the shared path {} {what} ({}); nothing was deployed",
        path.display(),
        io_err(e)
    ))
    .hint("look at the shared folder beside the releases and fix it by hand")
}

impl Releases {
    /// `link` defaults to `current` beside the releases directory.
    pub fn new(dir: PathBuf, link: Option<PathBuf>) -> Result<Releases> {
        let unusable = |e: &dyn std::fmt::Display| {
            Error::bad_input(format!(
                "the releases directory {} cannot be used: {e}",
                dir.display()
            ))
            .hint(Hint::naming(
                Opt::Releases,
                "create it first (mkdir -p), or pass {option} with the right path",
            ))
        };
        let meta = fs::metadata(&dir).map_err(|e| unusable(&e))?;
        if !meta.is_dir() {
            return Err(
                Error::bad_input(format!("{} is not a directory", dir.display())).hint(
                    Hint::naming(
                        Opt::Releases,
                        "pass {option} with the directory that holds the releases",
                    ),
                ),
            );
        }
        let dir = dir.canonicalize()?;
        let fd = openat(
            rustix::fs::CWD,
            &dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| unusable(&io_err(e)))?;
        let link = match link {
            Some(l) if l.is_absolute() => l,
            Some(l) => std::env::current_dir()?.join(l),
            None => dir.parent().unwrap_or(&dir).join("current"),
        };
        Ok(Releases {
            dir,
            link,
            fd,
            named_by_flag: true,
        })
    }

    /// Open a file of the releases directory itself, never through a symlink.
    fn open_own(&self, name: &str, flags: OFlags) -> Result<File> {
        let path = self.dir.join(name);
        // O_NONBLOCK: a FIFO planted in its place must not hang the command; it is refused
        // below like anything that is not a plain file.
        let fd = openat(
            &self.fd,
            name,
            flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            Mode::from_raw_mode(0o644),
        )
        .map_err(|e| {
            if e == rustix::io::Errno::NXIO {
                not_plain(&path)
            } else if e == rustix::io::Errno::LOOP {
                Error::bad_input(format!(
                    "{} is a symlink, and git-fastrevert never opens its own files through one; nothing was changed",
                    path.display()
                ))
                .hint(format!("look at where it points, then remove it: rm {}", path.display()))
            } else {
                Error::failed(format!("cannot open {}: {}", path.display(), io_err(e)))
            }
        })?;
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(not_plain(&path));
        }
        Ok(file)
    }

    /// Fail with a clear message when the directory cannot be written.
    pub fn check_writable(&self) -> Result<()> {
        let probe = format!("{TEMP_PREFIX}probe-{}", std::process::id());
        match self.open_own(&probe, OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL) {
            Ok(_) => {
                let _ = unlinkat(&self.fd, probe.as_str(), AtFlags::empty());
                Ok(())
            }
            Err(e) => Err(Error::bad_input(format!(
                "cannot write in {}: {}",
                self.dir.display(),
                e.message
            ))
            .hint("run as the user that owns the releases, or fix the directory's permissions")),
        }
    }

    /// Take the directory's lock, waiting up to `wait` for another deploy or switch to finish.
    pub fn lock(&self, wait: Duration) -> Result<Lock> {
        let path = self.dir.join(LOCK);
        let mut file = self.open_own(LOCK, OFlags::RDWR | OFlags::CREATE)?;
        let started = Instant::now();
        // Short holds (a flip, a prune's renames) are the common case: look again soon, then
        // less often.
        let mut pause = Duration::from_millis(1);
        loop {
            let got =
                rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
                    .is_ok();
            if got {
                let _ = file.set_len(0);
                let _ = file.write_all(format!("{}\n", std::process::id()).as_bytes());
                return Ok(Lock { _file: file });
            }
            if started.elapsed() >= wait {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let pid = holder
                    .trim()
                    .parse::<u32>()
                    .map_or("?".to_string(), |p| p.to_string());
                return Err(Error::failed(format!(
                    "another deploy or switch holds {} (pid {pid}); nothing was changed",
                    path.display(),
                ))
                .hint("wait for it to finish, then run the command again"));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// The release the link points at, if it points at a release of this directory.
    pub fn current(&self) -> Option<String> {
        let target = fs::read_link(&self.link).ok()?;
        let name = target.file_name()?.to_str()?.to_string();
        if !is_release_name(&name) {
            return None;
        }
        let absolute = match self.link.parent() {
            Some(parent) if target.is_relative() => parent.join(&target),
            _ => target,
        };
        let folder = absolute.parent()?.canonicalize().ok()?;
        (folder == self.dir).then_some(name)
    }

    /// Whether a release of this directory by that id exists (a real directory, not a link).
    pub fn exists(&self, id: &str) -> bool {
        is_release_name(id)
            && fs::symlink_metadata(self.dir.join(id)).is_ok_and(|m| m.file_type().is_dir())
    }

    /// Whether a release carries the bad mark (a plain file; a symlink of that name is not one).
    pub fn is_bad(&self, id: &str) -> bool {
        is_release_name(id)
            && fs::symlink_metadata(self.dir.join(id).join(BAD_MARK))
                .is_ok_and(|m| m.file_type().is_file())
    }

    /// The switches recorded, oldest first. Lines that do not parse, or name anything but a
    /// release id, are passed over: the file is data, not instructions.
    pub fn history(&self) -> Vec<Event> {
        let mut text = String::new();
        if let Ok(mut f) = self.open_own(HISTORY, OFlags::RDONLY) {
            let _ = f.read_to_string(&mut text);
        }
        text.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                if f.len() < 5 || !is_release_name(f[3]) {
                    return None;
                }
                let from = match f[2] {
                    "-" => None,
                    id if is_release_name(id) => Some(id.to_string()),
                    _ => return None,
                };
                Some(Event {
                    time: f[0].into(),
                    user: f[1].into(),
                    from,
                    to: f[3].into(),
                    action: f[4].into(),
                    reason: f.get(5).filter(|r| !r.is_empty()).map(|r| r.to_string()),
                })
            })
            .collect()
    }

    /// The newest release that was live before the current one, is still here and is not
    /// marked bad.
    pub fn previous(&self) -> Option<String> {
        let current = self.current();
        // The releases in the order they went live: each event's `to`, after the first
        // event's `from`.
        let history = self.history();
        let timeline = history
            .first()
            .and_then(|e| e.from.clone())
            .into_iter()
            .chain(history.iter().map(|e| e.to.clone()));
        let mut seen = Vec::new();
        for id in timeline.collect::<Vec<_>>().into_iter().rev() {
            if Some(&id) == current.as_ref() || seen.contains(&id) {
                continue;
            }
            if self.exists(&id) && !self.is_bad(&id) {
                return Some(id);
            }
            seen.push(id);
        }
        None
    }

    /// Whether the current release was reached by switching away from a release marked bad
    /// (a `switch previous --mark-bad` that has already done its job).
    pub fn left_bad_release(&self) -> Option<String> {
        let current = self.current()?;
        let last = self.history().pop()?;
        (last.to == current && last.action.contains("marked bad"))
            .then_some(last.from)
            .flatten()
            .filter(|from| self.is_bad(from))
    }

    /// Who marked a release bad and when, as its note says.
    pub fn bad_note(&self, id: &str) -> Option<String> {
        if !self.is_bad(id) {
            return None;
        }
        let text = fs::read_to_string(self.dir.join(id).join(BAD_MARK)).ok()?;
        let mut fields = text.trim().split('\t');
        let time = fields.next().unwrap_or("?");
        let user = fields.next().unwrap_or("?");
        Some(format!("{time} by {user}"))
    }

    /// The releases present, newest first.
    pub fn list(&self) -> Result<Vec<Release>> {
        let current = self.current();
        let previous = self.previous();
        let history = self.history();
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_release_name(&name) || !entry.file_type()?.is_dir() {
                continue;
            }
            let path = entry.path();
            let deployed = fs::symlink_metadata(path.join(REVISION))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            let last = history.iter().rev().find(|e| e.to == name);
            out.push(Release {
                current: current.as_deref() == Some(name.as_str()),
                previous: previous.as_deref() == Some(name.as_str()),
                bad: self.is_bad(&name),
                deployer: last.map(|e| e.user.clone()),
                reason: last.and_then(|e| e.reason.clone()),
                tags: Vec::new(),
                subject: None,
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
    pub fn resolve(&self, name: &str, repo: Option<&Repo>) -> Result<String> {
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
            if let Some(id) = crate::git::deployed_commit(repo, name) {
                if self.exists(&id) {
                    return Ok(id);
                }
                return Err(Error::bad_input(format!(
                    "{name} ({}) is not deployed here",
                    &id[..7]
                ))
                .hint(if self.named_by_flag {
                    Hint::naming(
                        Opt::Releases,
                        format!(
                            "deploy it first: git fastrevert deploy {{option}} {} {name}",
                            self.dir.display()
                        ),
                    )
                } else {
                    Hint::from(format!("deploy it first: git fastrevert deploy {name}"))
                }));
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
        if !self.exists(id) {
            return Err(Error::bad_input(format!(
                "no release '{id}' in {}",
                self.dir.display()
            )));
        }
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

    /// Check release `id` against its manifest before it goes live: a file edited, replaced or
    /// removed since the deploy wrote it (a hand edit in another release that shared it by
    /// hard link, say) is written anew from git. Returns what to warn about; an error when a
    /// changed file cannot be repaired (no repository, or a blob it lacks), naming the files.
    pub fn verify(&self, id: &str, repo: Option<&Repo>) -> Result<Vec<String>> {
        let Some(mut manifest) = manifest::Manifest::read(self.fd.as_fd(), id) else {
            return Ok(vec![format!(
                "{} has no manifest (deployed by an older git-fastrevert, or its manifest is damaged): its files could not be checked against git",
                &id[..12.min(id.len())]
            )]);
        };
        let release = export::open_dir(self.fd.as_fd(), id.as_bytes()).map_err(io_err)?;
        // A repair killed midway said beforehand where it would write: clean up there first.
        // Not a `.tmp-` name: a deploy's clean-up must not take it before it is used.
        let journal = format!(".fastrevert-repairing-{id}");
        if let Ok(mut f) = self.open_own(&journal, OFlags::RDONLY) {
            let mut text = Vec::new();
            let _ = f.read_to_end(&mut text);
            let dirs: Vec<Vec<u8>> = text.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
            manifest::clean_repairs(&release, &dirs);
            let _ = unlinkat(&self.fd, journal.as_str(), AtFlags::empty());
        }
        let changed = manifest::changed(&release, &manifest);
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = changed
            .iter()
            .take(10)
            .map(|&i| crate::git::quote_path(&manifest.records[i].path))
            .collect();
        let more = if changed.len() > names.len() {
            format!(" and {} more", changed.len() - names.len())
        } else {
            String::new()
        };
        let short = &id[..12.min(id.len())];
        let repaired = repo.map(|repo| {
            let dirs = manifest::folders_of(&manifest, &changed);
            let mut f = self.open_own(&journal, OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC)?;
            f.write_all(&dirs.join(&0u8))?;
            f.sync_all()?;
            manifest::repair(&release, &mut manifest, &changed, repo)
        });
        match repaired {
            Some(Ok(())) => {
                manifest.write(self.fd.as_fd(), id, TEMP_PREFIX)?;
                let _ = unlinkat(&self.fd, journal.as_str(), AtFlags::empty());
                Ok(vec![format!(
                    "{} file(s) of {short} were no longer as deployed (edited in place?) and were written anew from git: {}{more}",
                    changed.len(),
                    names.join(", ")
                )])
            }
            Some(Err(e)) => Err(Error::bad_input(format!(
                "{} file(s) of {short} are no longer as deployed (edited in place?) and could not be written anew from git ({}): {}{more}; nothing was changed",
                changed.len(),
                e.message,
                names.join(", ")
            ))
            .hint("deploy the revision again (git fastrevert deploy <REV>), or restore the files by hand")),
            None => Err(Error::bad_input(format!(
                "{} file(s) of {short} are no longer as deployed (edited in place?): {}{more}; nothing was changed",
                changed.len(),
                names.join(", ")
            ))
            .hint("run the command inside the repository, so they can be written anew from git")),
        }
    }

    /// Open the history for appending, before the link moves: a history that cannot be
    /// written (a symlink planted in its place) stops the command while nothing has changed.
    pub fn open_history(&self) -> Result<History> {
        Ok(History {
            file: self.open_own(HISTORY, OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE)?,
            path: self.dir.join(HISTORY),
        })
    }

    /// Leave a note in a release that it was switched away from as bad: written under a new
    /// name and renamed over `BAD_RELEASE`, which replaces whatever stood there (a symlink
    /// included) without following it.
    pub fn mark_bad(&self, id: &str) -> Result<()> {
        if !self.exists(id) {
            return Err(Error::bad_input(format!("no release '{id}' to mark bad")));
        }
        let release = export::open_dir(self.fd.as_fd(), id.as_bytes()).map_err(io_err)?;
        let temp = format!(".{BAD_MARK}.{}", std::process::id());
        let _ = unlinkat(&release, temp.as_str(), AtFlags::empty());
        let fd = export::create_file(release.as_fd(), temp.as_bytes(), 0o644).map_err(io_err)?;
        File::from(fd).write_all(
            format!(
                "{}\t{}\n",
                now_rfc3339(),
                escape_field(&crate::config::invoking_user())
            )
            .as_bytes(),
        )?;
        renameat(&release, temp.as_str(), &release, BAD_MARK).map_err(|e| {
            let _ = unlinkat(&release, temp.as_str(), AtFlags::empty());
            Error::failed(format!("cannot mark {id} bad: {}", io_err(e)))
        })?;
        Ok(())
    }

    /// Remove the half-written exports of deploys that died. Call with the lock held.
    pub fn clean_leftovers(&self) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                // `file_type` does not follow symlinks, and `remove_dir_all` never does.
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

    /// Remove one release (not the live one): renamed aside first, so a half-deleted release
    /// never carries a release's name, then deleted with its manifest.
    pub fn remove(&self, id: &str) -> Result<()> {
        if !self.exists(id) || self.current().as_deref() == Some(id) {
            return Ok(());
        }
        let doomed = self.dir.join(format!("{TEMP_PREFIX}prune-{id}"));
        fs::rename(self.dir.join(id), &doomed)?;
        manifest::remove(self.fd.as_fd(), id);
        let _ = unlinkat(
            &self.fd,
            format!(".fastrevert-repairing-{id}").as_str(),
            AtFlags::empty(),
        );
        fs::remove_dir_all(&doomed)?;
        Ok(())
    }

    /// Delete the oldest releases beyond `keep`, never the current or previous one.
    pub fn prune(&self, keep: usize) -> Result<Vec<String>> {
        let doomed = self.set_aside(keep)?;
        let ids = doomed.iter().map(|(id, _)| id.clone()).collect();
        self.delete_set_aside();
        Ok(ids)
    }

    /// The first half of a prune, cheap enough to do under the lock: the oldest releases
    /// beyond `keep` (never the current or previous one) renamed aside, so that they are no
    /// release any more, and their manifests removed. Deleting them (`delete_set_aside`) can
    /// then happen after the lock is released: a `switch` never waits for a deletion.
    pub fn set_aside(&self, keep: usize) -> Result<Vec<(String, PathBuf)>> {
        let current = self.current();
        let mut aside = Vec::new();
        for id in self.to_prune(keep)? {
            if current.as_deref() == Some(id.as_str()) || !self.exists(&id) {
                continue;
            }
            let doomed = format!("{PRUNED_PREFIX}{id}");
            renameat(&self.fd, id.as_str(), &self.fd, doomed.as_str())
                .map_err(|e| Error::failed(format!("cannot set {id} aside: {}", io_err(e))))?;
            manifest::remove(self.fd.as_fd(), &id);
            let _ = unlinkat(
                &self.fd,
                format!(".fastrevert-repairing-{id}").as_str(),
                AtFlags::empty(),
            );
            aside.push((id, self.dir.join(doomed)));
        }
        Ok(aside)
    }

    /// Delete every release set aside, this run's and those of runs that died before deleting
    /// theirs. Needs no lock: set-aside folders are no release, and two runs deleting the
    /// same one only find parts of it gone. What cannot be deleted is said, not fatal.
    pub fn delete_set_aside(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return problems;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(PRUNED_PREFIX) {
                continue;
            }
            // `file_type` does not follow symlinks, and `remove_dir_all` never does.
            let removed = match entry.file_type() {
                Ok(t) if t.is_dir() => fs::remove_dir_all(entry.path()),
                Ok(_) => fs::remove_file(entry.path()),
                Err(e) => Err(e),
            };
            match removed {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => problems.push(format!(
                    "an old release set aside was not deleted ({}: {e}); it is no release any more and can be removed by hand",
                    entry.path().display()
                )),
            }
        }
        problems
    }

    /// What `prune(keep)` would remove now: the oldest releases beyond `keep`, never the
    /// current or previous one.
    pub fn to_prune(&self, keep: usize) -> Result<Vec<String>> {
        Ok(self
            .list()?
            .into_iter()
            .enumerate()
            .filter(|(i, r)| *i >= keep && !r.current && !r.previous)
            .map(|(_, r)| r.id)
            .collect())
    }

    /// The shared folder beside the releases (`<releases>/../shared`) holds each shared path.
    /// One that is missing is made once: a shared file from the tree's file at that path (and
    /// never as a folder: without one in the tree it must be put there first), a shared folder
    /// with the tree's folder's contents (storage/logs and all), or empty. Everything is
    /// written through directory descriptors: a symlink planted inside the shared folder is
    /// never followed.
    // Long because each shared path made and filled through directory descriptors, its safety rule
    // beside each step.
    fn prepare_shared(
        &self,
        repo: &Repo,
        shared: &[export::Shared],
        replaced: &[(Vec<u8>, Oid, Option<crate::git::FileMode>)],
    ) -> Result<()> {
        use crate::git::FileMode;
        if shared.is_empty() {
            return Ok(());
        }
        let root_path = self.dir.parent().unwrap_or(&self.dir).join("shared");
        match fs::create_dir(&root_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
        let root = openat(
            rustix::fs::CWD,
            &root_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| shared_error(&root_path, "cannot be opened as a plain folder", e))?;
        for item in shared {
            let joined = item.parts.join(&b'/');
            let shown = crate::git::quote_path(&joined);
            let (name, folders) = item.parts.split_last().unwrap_or((&item.parts[0], &[]));
            let mut dir = root.try_clone()?;
            for folder in folders {
                let _ = rustix::fs::mkdirat(&dir, export::os(folder), Mode::from_raw_mode(0o755));
                dir = export::open_dir(dir.as_fd(), folder)
                    .map_err(|e| shared_error(&root_path.join(export::os(&joined)), "has a folder on its way that is a symlink or not a folder; it is never followed", e))?;
            }
            let seed = replaced.iter().find(|(p, _, _)| *p == joined);
            let tree_file =
                seed.filter(|(_, _, m)| matches!(m, Some(FileMode::Blob | FileMode::Executable)));
            let tree_folder = seed.filter(|(_, _, m)| *m == Some(FileMode::Tree));
            let as_file = item.file || tree_file.is_some();
            match rustix::fs::statat(&dir, export::os(name), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => {
                    let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
                    let fits = if as_file {
                        kind == rustix::fs::FileType::RegularFile
                    } else {
                        kind == rustix::fs::FileType::Directory
                    };
                    if !fits {
                        return Err(Error::bad_input(format!(
                            "shared/{shown} is not a plain {}; nothing was deployed",
                            if as_file { "file" } else { "folder" }
                        ))
                        .hint(format!(
                            "look at {} and replace it by hand",
                            root_path.join(export::os(&joined)).display()
                        )));
                    }
                }
                Err(rustix::io::Errno::NOENT) if as_file => {
                    let Some((_, blob, _)) = tree_file else {
                        return Err(Error::bad_input(format!(
                            "shared/{shown} does not exist, and the tree has no file there to start it from; nothing was deployed"
                        ))
                        .hint(format!(
                            "put the file there first: {}",
                            root_path.join(export::os(&joined)).display()
                        )));
                    };
                    let fd = export::create_file(dir.as_fd(), name, 0o644).map_err(io_err)?;
                    File::from(fd).write_all(&repo.blob(*blob)?)?;
                }
                Err(rustix::io::Errno::NOENT) => {
                    rustix::fs::mkdirat(&dir, export::os(name), Mode::from_raw_mode(0o755))
                        .map_err(io_err)?;
                    if let Some((_, tree, _)) = tree_folder {
                        let into = export::open_dir(dir.as_fd(), name).map_err(io_err)?;
                        export::seed(repo, *tree, &into, &joined)?;
                    }
                }
                Err(e) => {
                    return Err(shared_error(
                        &root_path.join(export::os(&joined)),
                        "cannot be read",
                        e,
                    ))
                }
            }
        }
        Ok(())
    }

    /// Export `commit`'s tree into `<dir>/<id>` unless it is there already.
    // Long because the export's steps under one temporary name, and what each failure undoes, read
    // together.
    pub fn export(
        &self,
        repo: &Repo,
        commit: Oid,
        options: &export::Options,
        progress: &export::Progress,
    ) -> Result<Export> {
        let (shared, copy) = (options.shared.as_slice(), options.copy);
        let id = commit.to_string();
        let mut stats = Export::default();
        if self.exists(&id) {
            return Ok(stats);
        }
        let started = Instant::now();
        // Every name is checked before anything is written.
        // Files the live release has as they are now are hard-linked from it (`--copy`: none).
        let live = (!copy)
            .then(|| self.current())
            .flatten()
            .filter(|id| id != &commit.to_string());
        let live_tree = live
            .as_deref()
            .and_then(|id| Oid::from_str(id).ok())
            .and_then(|oid| repo.tree_of(oid).ok());
        // Linking needs the live release's manifest: without it (or with a damaged one) no
        // file of it can be known to be as git has it, so none is shared.
        let live_root = match (&live, live_tree) {
            (Some(id), Some(_)) => manifest::Manifest::read(self.fd.as_fd(), id).and_then(|m| {
                export::open_dir(self.fd.as_fd(), id.as_bytes())
                    .ok()
                    .map(|fd| (fd, m))
            }),
            _ => None,
        };
        let plan = export::Plan::read(
            repo,
            repo.tree_of(commit)?,
            live_root.as_ref().and(live_tree),
            shared,
        )?;
        self.prepare_shared(repo, shared, &plan.shared_replaced)?;
        let temp = format!("{TEMP_PREFIX}{id}-{}", std::process::id());
        rustix::fs::mkdirat(&self.fd, temp.as_str(), Mode::from_raw_mode(0o777)).map_err(io_err)?;
        let written = export::open_dir(self.fd.as_fd(), temp.as_bytes())
            .map_err(|e| Error::from(io_err(e)))
            .and_then(|root| {
                let records = plan.write(
                    repo,
                    &root,
                    live_root.as_ref().map(|(fd, m)| (fd, m)),
                    &options.writable,
                    progress,
                )?;
                let fd = export::create_file(root.as_fd(), REVISION.as_bytes(), 0o666)
                    .map_err(io_err)?;
                File::from(fd).write_all(format!("{id}\n").as_bytes())?;
                stats.write = started.elapsed();
                let synced = Instant::now();
                // Everything on disk before the release appears under its name.
                flush_filesystem(&File::from(root))?;
                stats.sync = synced.elapsed();
                // The manifest before the name: a release never appears without one.
                manifest::Manifest::new(records).write(self.fd.as_fd(), &id, TEMP_PREFIX)?;
                renameat(&self.fd, temp.as_str(), &self.fd, id.as_str()).map_err(io_err)?;
                Ok(())
            });
        if let Err(e) = written {
            // `remove_dir_all` never follows the symlinks the export created.
            let _ = fs::remove_dir_all(self.dir.join(&temp));
            return Err(e);
        }
        File::open(&self.dir)?.sync_all()?;
        stats.created = true;
        stats.files = plan.entries();
        stats.linked = progress.linked.load(std::sync::atomic::Ordering::Relaxed);
        stats.warnings = plan
            .submodules
            .iter()
            .map(|p| {
                format!(
                    "submodule {} is not exported (an empty directory stands in for it)",
                    crate::git::quote_path(p)
                )
            })
            .chain(plan.shared_replaced.iter().map(|(path, _, _)| {
                format!(
                    "the tree's {0} was replaced by a link to shared/{0}",
                    crate::git::quote_path(path)
                )
            }))
            .chain(plan.replaced.iter().map(|name| {
                format!(
                    "the tree's own {} was not exported: the release's file of that name is git-fastrevert's",
                    crate::git::quote_path(name)
                )
            }))
            .collect();
        Ok(stats)
    }
}

/// The history file, open for appending.
pub struct History {
    file: File,
    path: PathBuf,
}

impl History {
    /// Append one line: time, user, the release left (or `-`), the release now live, action,
    /// and the reason given, if any.
    pub fn append(
        &mut self,
        from: Option<&str>,
        to: &str,
        action: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            now_rfc3339(),
            escape_field(&crate::config::invoking_user()),
            from.filter(|id| is_release_name(id)).unwrap_or("-"),
            to,
            escape_field(action),
            escape_field(reason.unwrap_or(""))
        );
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| Error::failed(format!("cannot append to {}: {e}", self.path.display())))
    }
}

/// Flush everything written to the filesystem holding `dir`: one `syncfs(2)` on Linux instead
/// of an fsync per file; elsewhere `sync(2)`.
fn flush_filesystem(dir: &File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    rustix::fs::syncfs(dir)?;
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        rustix::fs::sync();
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
