//! Content merges of one file done by git itself, so that they come out as git's do: `git
//! merge-file` with the diff algorithm git's merges use (histogram unless `diff.algorithm`
//! says otherwise), and the merge drivers a repository names in `.gitattributes`, run as git
//! runs them. The three versions go to private temporary files; nothing is written to the
//! repository.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use git2::Repository;

/// The result of merging one file's contents.
pub enum Merged {
    Clean(Vec<u8>),
    Conflict,
}

/// The version of the `git` on PATH, asked once.
pub fn git_version() -> Option<(u32, u32)> {
    static VERSION: OnceLock<Option<(u32, u32)>> = OnceLock::new();
    *VERSION.get_or_init(|| {
        let out = Command::new("git").arg("version").output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let number = text.split_whitespace().nth(2)?;
        let mut parts = number.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    })
}

/// The diff algorithm git's merge uses here: `diff.algorithm` (read by `git revert` and `git
/// merge`), else histogram, git's default for merges since the ort strategy.
pub fn algorithm(repo: &Repository) -> String {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_string("diff.algorithm").ok())
        .map(|a| a.to_ascii_lowercase());
    match configured.as_deref() {
        Some("myers") | Some("default") => "myers".into(),
        Some("minimal") => "minimal".into(),
        Some("patience") => "patience".into(),
        _ => "histogram".into(),
    }
}

struct Versions {
    dir: tempfile::TempDir,
}

impl Versions {
    fn write(base: &[u8], ours: &[u8], theirs: &[u8]) -> std::io::Result<Versions> {
        let dir = tempfile::Builder::new()
            .prefix("git-fastrevert-merge-")
            .tempdir()?;
        std::fs::write(dir.path().join("base"), base)?;
        std::fs::write(dir.path().join("ours"), ours)?;
        std::fs::write(dir.path().join("theirs"), theirs)?;
        Ok(Versions { dir })
    }
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// `git merge-file -p` of the three versions: clean, or a conflict. `union` keeps both sides'
/// lines where they conflict (the `union` driver). `None` when this git cannot choose the diff
/// algorithm (before 2.44); it is then not asked again.
pub fn merge_file(
    algorithm: &str,
    union: bool,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
) -> std::io::Result<Option<Merged>> {
    static TOO_OLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if TOO_OLD.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(None);
    }
    let files = Versions::write(base, ours, theirs)?;
    let mut cmd = Command::new("git");
    cmd.args(["merge-file", "-p", "-q"])
        .arg(format!("--diff-algorithm={algorithm}"));
    if union {
        cmd.arg("--union");
    }
    cmd.arg("--")
        .arg(files.path("ours"))
        .arg(files.path("base"))
        .arg(files.path("theirs"))
        .stdin(Stdio::null());
    let out = cmd.output()?;
    match out.status.code() {
        Some(0) => Ok(Some(Merged::Clean(out.stdout))),
        // A git without --diff-algorithm for merge-file answers with its usage (129).
        Some(129) => {
            TOO_OLD.store(true, std::sync::atomic::Ordering::Relaxed);
            Ok(None)
        }
        // The number of conflicts (up to 127).
        Some(n) if (1..=127).contains(&n) => Ok(Some(Merged::Conflict)),
        _ => Err(std::io::Error::other(format!(
            "git merge-file failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// Run the merge driver `command` (`merge.<name>.driver`) as git does: `%O`, `%A`, `%B` the
/// base, ours (which receives the result) and theirs, `%L` the conflict marker size, `%P` the
/// path, `%S`/`%X`/`%Y` the labels; through the shell, in `workdir`. Exit 0 is a clean merge.
pub fn run_driver(
    command: &str,
    workdir: &Path,
    path: &[u8],
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
) -> std::io::Result<Merged> {
    let files = Versions::write(base, ours, theirs)?;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = String::new();
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            line.push(c);
            continue;
        }
        match chars.next() {
            Some('O') => line.push_str(&quote(&files.path("base").to_string_lossy())),
            Some('A') => line.push_str(&quote(&files.path("ours").to_string_lossy())),
            Some('B') => line.push_str(&quote(&files.path("theirs").to_string_lossy())),
            Some('L') => line.push('7'),
            Some('P') => line.push_str(&quote(&String::from_utf8_lossy(path))),
            Some('S') => line.push_str(&quote("base")),
            Some('X') => line.push_str(&quote("ours")),
            Some('Y') => line.push_str(&quote("theirs")),
            Some('%') => line.push('%'),
            Some(other) => {
                line.push('%');
                line.push(other);
            }
            None => line.push('%'),
        }
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(Merged::Clean(std::fs::read(files.path("ours"))?))
    } else {
        Ok(Merged::Conflict)
    }
}
