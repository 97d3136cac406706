//! Files in `<git dir>/fastrevert/`: caches that only save time (safe to delete). Each holds a
//! magic, a body and a checksum of the body, and is replaced whole (temporary file + rename), so
//! a reader sees the old file or the new one, and a damaged one is not believed.

use std::io::Write;
use std::path::{Path, PathBuf};

use git2::Repository;

/// FNV-1a: a checksum and hash that stays the same across builds and platforms (std's does not).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The checksum of a cache file: FNV-1a over 8-byte words, eight times faster than over bytes
/// on the larger caches (a set of every commit runs to megabytes).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        h ^= u64::from_le_bytes(word);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    for &b in words.remainder() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Where the cache `name` lives (shared by all worktrees of the repository).
pub fn path(repo: &Repository, name: &str) -> PathBuf {
    folder(repo).join(name)
}

/// Whether the tool has remembered anything in this repository before (an earlier real run:
/// the clone is kept between runs, not made for one).
pub fn any(repo: &Repository) -> bool {
    folder(repo).is_dir()
}

/// Leave the cache folder as the mark of a real run, so that the next run knows the clone is
/// kept. Not made (a read-only repository): the next run counts as a first one again.
pub fn mark_run(repo: &Repository) {
    let _ = std::fs::create_dir_all(folder(repo));
}

fn folder(repo: &Repository) -> PathBuf {
    repo.commondir().join("fastrevert")
}

/// The body of the cache at `path`, if it is there, starts with `magic` and matches its checksum.
pub fn read(path: &Path, magic: &[u8; 8]) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(magic.as_slice())?;
    let split = rest.len().checked_sub(8)?;
    let (body, sum) = rest.split_at(split);
    if sum != checksum(body).to_le_bytes() {
        return None;
    }
    // The body in place: a cache may be megabytes.
    bytes.truncate(magic.len() + split);
    bytes.drain(..magic.len());
    Some(bytes)
}

/// Replace the cache at `path` with `magic`, `body` and the body's checksum.
pub fn write(path: &Path, magic: &[u8; 8], body: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::with_capacity(magic.len() + body.len() + 8);
    out.extend_from_slice(magic);
    out.extend_from_slice(body);
    out.extend_from_slice(&checksum(body).to_le_bytes());
    // A name of this process's own, renamed over the file.
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("cache");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(&out));
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}
