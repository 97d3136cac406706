//! What a deploy wrote into a release: for every regular file its path, blob, executable bit,
//! and the inode with its times and size as they were right after the file was written or
//! linked. Every write or truncation moves a file's modification time (`mtime`), and a file
//! whose inode, mtime and size still match its record holds what the deploy put there (only a
//! write followed by setting the time back on purpose, `touch -d`, could hide). That is what
//! lets a release share unchanged files with the next one by hard link without ever sharing a
//! hand edit:
//!
//! - `deploy` links a file from the live release only while it still matches the live
//!   release's record, and records the link it made;
//! - `switch` checks the release it goes to against its record and writes any file that no
//!   longer matches anew from git before the flip (or refuses, naming them, without the
//!   repository).
//!
//! Kept beside the releases as `.fastrevert-manifest-<id>`, written whole under a temporary name
//! and renamed, with a checksum: a damaged or missing manifest is never believed (no file is
//! linked from that release, and switching to it says it could not be verified).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{renameat, statat, unlinkat, AtFlags, OFlags};

use crate::git::cache::fnv1a;
use crate::git::{Oid, Repo};

const MAGIC: &[u8; 8] = b"FRMAN001";
const PREFIX: &str = ".fastrevert-manifest-";

/// A file's identity on disk, as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub ino: u64,
    pub ctime: i64,
    pub ctime_nsec: i64,
    pub mtime: i64,
    pub mtime_nsec: i64,
    pub size: u64,
}

impl Stamp {
    // The casts only widen: the kernel's fields are at most 64 bits.
    #[allow(clippy::unnecessary_cast)]
    pub fn of(stat: &rustix::fs::Stat) -> Stamp {
        Stamp {
            ino: stat.st_ino as u64,
            ctime: stat.st_ctime as i64,
            ctime_nsec: stat.st_ctime_nsec as i64,
            mtime: stat.st_mtime as i64,
            mtime_nsec: stat.st_mtime_nsec as i64,
            size: stat.st_size as u64,
        }
    }

    /// The same inode with no write since `other` was taken. Every write moves the
    /// modification time; the change time is not compared, since linking the file into
    /// another release, or renaming it, moves that too. (A write followed by setting the
    /// modification time back on purpose, `touch -d`, is the one edit this cannot see.)
    pub fn same_content_as(&self, other: &Stamp) -> bool {
        self.ino == other.ino
            && self.size == other.size
            && self.mtime == other.mtime
            && self.mtime_nsec == other.mtime_nsec
    }
}

#[derive(Debug, Clone)]
pub struct Record {
    /// The path in the release, `/`-separated bytes.
    pub path: Vec<u8>,
    pub oid: Oid,
    pub executable: bool,
    pub stamp: Stamp,
}

#[derive(Debug, Default)]
pub struct Manifest {
    pub records: Vec<Record>,
    /// Made on the first look-up by path (a deploy's), not for a check of every file.
    by_path: std::sync::OnceLock<HashMap<Vec<u8>, usize>>,
}

/// The manifest's file name for a release.
pub fn file_name(id: &str) -> String {
    format!("{PREFIX}{id}")
}

impl Manifest {
    pub fn new(records: Vec<Record>) -> Manifest {
        Manifest {
            records,
            by_path: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self, path: &[u8]) -> Option<&Record> {
        let by_path = self.by_path.get_or_init(|| {
            self.records
                .iter()
                .enumerate()
                .map(|(i, r)| (r.path.clone(), i))
                .collect()
        });
        by_path.get(path).map(|&i| &self.records[i])
    }

    fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.records.len() * 96);
        for r in &self.records {
            body.extend_from_slice(&(r.path.len() as u32).to_le_bytes());
            body.extend_from_slice(&r.path);
            let oid = r.oid.as_bytes();
            body.push(oid.len() as u8);
            body.extend_from_slice(oid);
            body.push(u8::from(r.executable));
            for n in [
                r.stamp.ino,
                r.stamp.ctime as u64,
                r.stamp.ctime_nsec as u64,
                r.stamp.mtime as u64,
                r.stamp.mtime_nsec as u64,
                r.stamp.size,
            ] {
                body.extend_from_slice(&n.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(body.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&body);
        out.extend_from_slice(&fnv1a(&body).to_le_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Manifest> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (body, sum) = rest.split_at(rest.len().checked_sub(8)?);
        if sum != fnv1a(body).to_le_bytes() {
            return None;
        }
        let mut records = Vec::new();
        let mut at = body;
        let mut take = |n: usize| -> Option<&[u8]> {
            if at.len() < n {
                return None;
            }
            let (head, tail) = at.split_at(n);
            at = tail;
            Some(head)
        };
        let u64_of = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes);
        while let Some(len) = take(4) {
            let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
            let path = take(len)?.to_vec();
            let oid_len = take(1)?[0] as usize;
            let oid = Oid::from_bytes(take(oid_len)?).ok()?;
            let executable = take(1)?[0] != 0;
            let ino = u64_of(take(8)?)?;
            let ctime = u64_of(take(8)?)? as i64;
            let ctime_nsec = u64_of(take(8)?)? as i64;
            let mtime = u64_of(take(8)?)? as i64;
            let mtime_nsec = u64_of(take(8)?)? as i64;
            let size = u64_of(take(8)?)?;
            records.push(Record {
                path,
                oid,
                executable,
                stamp: Stamp {
                    ino,
                    ctime,
                    ctime_nsec,
                    mtime,
                    mtime_nsec,
                    size,
                },
            });
        }
        Some(Manifest::new(records))
    }

    /// The manifest of release `id`, if it is there and whole. Never through a symlink.
    pub fn read(releases: BorrowedFd<'_>, id: &str) -> Option<Manifest> {
        let fd = rustix::fs::openat(
            releases,
            file_name(id).as_str(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            rustix::fs::Mode::empty(),
        )
        .ok()?;
        let mut file = File::from(fd);
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        Manifest::decode(&bytes)
    }

    /// Write it for release `id`: under a temporary name (`temp_prefix` marks leftovers), then
    /// renamed over the old one.
    pub fn write(
        &self,
        releases: BorrowedFd<'_>,
        id: &str,
        temp_prefix: &str,
    ) -> std::io::Result<()> {
        let temp = format!("{temp_prefix}manifest-{id}-{}", std::process::id());
        let _ = unlinkat(releases, temp.as_str(), AtFlags::empty());
        let fd = super::export::create_file(releases, temp.as_bytes(), 0o644)?;
        let mut file = File::from(fd);
        let written = file
            .write_all(&self.encode())
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                Ok(renameat(
                    releases,
                    temp.as_str(),
                    releases,
                    file_name(id).as_str(),
                )?)
            });
        if written.is_err() {
            let _ = unlinkat(releases, temp.as_str(), AtFlags::empty());
        }
        written
    }
}

/// Remove the manifest of a release that is gone.
pub fn remove(releases: BorrowedFd<'_>, id: &str) {
    let _ = unlinkat(releases, file_name(id).as_str(), AtFlags::empty());
}

/// The files of a release that no longer are what its manifest recorded: edited in place,
/// chmod-ed, replaced, removed. One `statat` per file, spread over the cores; each directory
/// is opened once per run of its files, never through a symlink.
pub fn changed(release: &OwnedFd, manifest: &Manifest) -> Vec<usize> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = manifest.records.len().div_ceil(threads).max(1);
    let job = |(n, records): (usize, &[Record])| changed_in(release, records, n * chunk);
    std::thread::scope(|scope| {
        let handles: Vec<_> = manifest
            .records
            .chunks(chunk)
            .enumerate()
            .map(|share| crate::threads::share(scope, &job, share))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            // A thread that could not run checked nothing: every file of its share counts as
            // changed, never as verified.
            match h.join() {
                Ok(found) => out.extend(found),
                Err(_) => return (0..manifest.records.len()).collect(),
            }
        }
        out
    })
}

/// `changed` for one share of the records, the first of which has index `first`.
fn changed_in(release: &OwnedFd, records: &[Record], first: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut open: Option<(&[u8], Option<OwnedFd>)> = None;
    for (i, r) in records.iter().enumerate() {
        let (dir, name) = split_path(&r.path);
        if open.as_ref().is_none_or(|(d, _)| *d != dir) {
            open = Some((dir, open_path(release, dir)));
        }
        let same = match open.as_ref() {
            Some((_, Some(fd))) => statat(fd, OsStr::from_bytes(name), AtFlags::SYMLINK_NOFOLLOW)
                .is_ok_and(|st| {
                    as_written(&st, r.executable) && Stamp::of(&st).same_content_as(&r.stamp)
                }),
            _ => false,
        };
        if !same {
            out.push(first + i);
        }
    }
    out
}

/// A release path's folder and name.
fn split_path(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(p) => (&path[..p], &path[p + 1..]),
        None => (&path[..0], path),
    }
}

/// The mode a deploy writes: git's executable bit, read-only for everyone (so that nobody but
/// root can edit a file that releases share). A file chmod-ed since is not as written.
pub fn mode(executable: bool) -> u32 {
    if executable {
        0o555
    } else {
        0o444
    }
}

/// A plain file, writable by nobody, executable by its owner exactly when git says so (the
/// mode a deploy gives it, whatever the umask took away).
pub fn as_written(stat: &rustix::fs::Stat, executable: bool) -> bool {
    rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile
        && stat.st_mode & 0o222 == 0
        && (stat.st_mode & 0o100 != 0) == executable
}

/// Open `dir` (`/`-separated, relative) below `root`, never through a symlink.
fn open_path(root: &OwnedFd, dir: &[u8]) -> Option<OwnedFd> {
    let mut fd = root.try_clone().ok()?;
    for part in dir.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
        fd = super::export::open_dir(fd.as_fd(), part).ok()?;
    }
    Some(fd)
}

/// The folders of the changed files of a release: where repairs write their temporary files.
pub fn folders_of(manifest: &Manifest, changed: &[usize]) -> Vec<Vec<u8>> {
    let mut dirs: Vec<Vec<u8>> = changed
        .iter()
        .map(|&i| split_path(&manifest.records[i].path).0.to_vec())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Remove what a repair that was killed left in these folders of a release: its temporary
/// files, which only a repair makes.
pub fn clean_repairs(release: &OwnedFd, dirs: &[Vec<u8>]) {
    for dir in dirs {
        let Some(fd) = open_path(release, dir) else {
            continue;
        };
        let Ok(listing) = rustix::fs::Dir::read_from(&fd) else {
            continue;
        };
        for entry in listing.flatten() {
            let name = entry.file_name().to_bytes();
            if name.starts_with(REPAIR_PREFIX.as_bytes()) {
                let _ = unlinkat(&fd, entry.file_name(), AtFlags::empty());
            }
        }
    }
}

/// What a repair's temporary files are called, before the process id.
const REPAIR_PREFIX: &str = ".fastrevert-repair-";

/// Write the changed files of a release anew from git, each under a temporary name renamed
/// over the path (which breaks any hard link to the edited inode, leaving the other release
/// that shares it as it is), and record them. Returns the paths repaired.
pub fn repair(
    release: &OwnedFd,
    manifest: &mut Manifest,
    changed: &[usize],
    repo: &Repo,
) -> crate::error::Result<()> {
    for &i in changed {
        let r = &manifest.records[i];
        let (dir, name) = split_path(&r.path);
        let parent = open_path(release, dir).ok_or_else(|| {
            crate::error::Error::failed(format!(
                "cannot repair {}: its folder is not a plain directory any more",
                crate::git::quote_path(&r.path)
            ))
        })?;
        let data = repo.blob(r.oid)?;
        let temp = format!("{REPAIR_PREFIX}{}", std::process::id());
        let _ = unlinkat(&parent, temp.as_str(), AtFlags::empty());
        let fd = super::export::create_file(parent.as_fd(), temp.as_bytes(), mode(r.executable))
            .map_err(std::io::Error::from)?;
        let mut file = File::from(fd);
        file.write_all(&data)?;
        let stat = rustix::fs::fstat(&file).map_err(std::io::Error::from)?;
        renameat(&parent, temp.as_str(), &parent, OsStr::from_bytes(name)).map_err(|e| {
            let _ = unlinkat(&parent, temp.as_str(), AtFlags::empty());
            std::io::Error::from(e)
        })?;
        manifest.records[i].stamp = Stamp::of(&stat);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let oid = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        Manifest::new(vec![
            Record {
                path: b"a/b\xff.txt".to_vec(),
                oid,
                executable: true,
                stamp: Stamp {
                    ino: 7,
                    ctime: 1_700_000_000,
                    ctime_nsec: 5,
                    mtime: -1,
                    mtime_nsec: 999_999_999,
                    size: 1 << 40,
                },
            },
            Record {
                path: b"top".to_vec(),
                oid,
                executable: false,
                stamp: Stamp {
                    ino: 8,
                    ctime: 0,
                    ctime_nsec: 0,
                    mtime: 0,
                    mtime_nsec: 0,
                    size: 0,
                },
            },
        ])
    }

    /// What is written is what is read back, byte paths and extreme values included; a damaged
    /// or cut file is never believed.
    #[test]
    fn a_manifest_reads_back_whole_or_not_at_all() {
        let m = sample();
        let bytes = m.encode();
        let back = Manifest::decode(&bytes).unwrap();
        assert_eq!(back.records.len(), 2);
        for (a, b) in m.records.iter().zip(&back.records) {
            assert_eq!(a.path, b.path);
            assert_eq!(a.oid, b.oid);
            assert_eq!(a.executable, b.executable);
            assert_eq!(a.stamp, b.stamp);
        }
        assert_eq!(back.get(b"top").map(|r| r.stamp.ino), Some(8));
        for cut in [0, 7, 8, 20, bytes.len() - 1] {
            assert!(Manifest::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[12] ^= 1;
        assert!(Manifest::decode(&flipped).is_none());
    }
}
