//! A whole tree merge by git itself (`git merge-tree --write-tree`), for the rare merges the
//! in-memory engine hands over (a path that is a file on one side and a directory on another,
//! where rename and directory/file rules interact). git writes its objects into a private
//! object directory that this process reads as an alternate; the repository's own object
//! directory is never written, so a dry run or a conflict leaves nothing behind.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{Oid, Repository, Signature, Time};

thread_local! {
    /// The private object directories of the merges run on this thread, removed when the
    /// command is done, or when the thread ends (a library caller's or a test's thread; the
    /// main thread's are removed by `clean_up`, as Rust does not drop them at exit).
    static SCRATCH: RefCell<Vec<tempfile::TempDir>> = const { RefCell::new(Vec::new()) };
}

/// Remove this thread's private object directories; called once the command has finished.
pub fn clean_up() {
    SCRATCH.with(|dirs| dirs.borrow_mut().clear());
}

/// git's answer: the merged tree, or the conflicting paths with their kinds.
pub struct GitMerge {
    pub tree: Oid,
    pub conflicts: Vec<(Vec<u8>, String)>,
}

/// Set once a git too old for `merge-tree --merge-base` and `--attr-source` (2.40) answered.
static TOO_OLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether git can be asked: assumed until it answers with its usage (exit 129), which saves
/// a `git version` per run.
pub fn available() -> bool {
    !TOO_OLD.load(std::sync::atomic::Ordering::Relaxed)
}

/// Merge three trees as git does, with attributes read from `ours` as the engine reads them.
// Long because one git merge-tree process: its arguments, its output read and its conflicts mapped,
// in one place.
pub fn merge(repo: &Repository, base: Oid, ours: Oid, theirs: Oid) -> Result<GitMerge, String> {
    let scratch = tempfile::Builder::new()
        .prefix("git-fastrevert-objects-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let objects = scratch.path().join("objects");
    let own_objects = repo.commondir().join("objects");
    // A bare repository of its own holds what only this process has (in-memory objects) and
    // three commits wrapping the trees, which merge-tree wants; it borrows the rest.
    // No templates: hooks and descriptions would cost a dozen file writes for nothing.
    let private = Repository::init_opts(
        scratch.path(),
        git2::RepositoryInitOptions::new()
            .bare(true)
            .external_template(false),
    )
    .map_err(|e| e.message().to_string())?;
    std::fs::write(
        objects.join("info/alternates"),
        format!("{}\n", own_objects.display()),
    )
    .map_err(|e| e.to_string())?;
    let private_odb = private.odb().map_err(|e| e.message().to_string())?;
    let disk = Repository::open(repo.path()).map_err(|e| e.message().to_string())?;
    let disk_odb = disk.odb().map_err(|e| e.message().to_string())?;
    super::copy_missing(repo, &[base, ours, theirs], &disk_odb, &private_odb)
        .map_err(|e| e.message)?;
    let private = Repository::open_bare(scratch.path()).map_err(|e| e.message().to_string())?;
    let signature = Signature::new(
        "git-fastrevert",
        "git-fastrevert@localhost",
        &Time::new(0, 0),
    )
    .map_err(|e| e.message().to_string())?;
    let wrap = |tree: Oid, label: &str| -> Result<Oid, String> {
        let tree = private
            .find_tree(tree)
            .map_err(|e| e.message().to_string())?;
        private
            .commit(None, &signature, &signature, label, &tree, &[])
            .map_err(|e| e.message().to_string())
    };
    let (cb, co, ct) = (
        wrap(base, "base")?,
        wrap(ours, "ours")?,
        wrap(theirs, "theirs")?,
    );
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo.path())
        .arg(format!("--attr-source={co}"))
        .args(["merge-tree", "--write-tree", "-z", "--name-only"])
        .arg(format!("--merge-base={cb}"))
        .arg("--end-of-options")
        .arg(co.to_string())
        .arg(ct.to_string())
        .env("GIT_OBJECT_DIRECTORY", &objects)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", &own_objects)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run git merge-tree: {e}"))?;
    let clean = match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        // Usage: an option this git does not know.
        Some(129) => {
            TOO_OLD.store(true, std::sync::atomic::Ordering::Relaxed);
            return Err("the git on PATH is older than 2.40 (no merge-tree --merge-base)".into());
        }
        _ => {
            return Err(format!(
                "git merge-tree failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let parsed = parse(&out.stdout).ok_or("git merge-tree answered in an unknown form")?;
    // The merged tree and its blobs live in the private directory: read them from there.
    repo.odb()
        .and_then(|odb| odb.add_disk_alternate(&path_text(&objects)))
        .map_err(|e| e.message().to_string())?;
    SCRATCH.with(|dirs| dirs.borrow_mut().push(scratch));
    Ok(GitMerge {
        tree: parsed.0,
        conflicts: if clean { Vec::new() } else { parsed.1 },
    })
}

fn path_text(path: &Path) -> String {
    PathBuf::from(path).to_string_lossy().into_owned()
}

/// The output of one merge: its tree and its conflicts (path, kind).
type Parsed = (Oid, Vec<(Vec<u8>, String)>);

/// `p~<commit id>` → `p`.
fn strip_side_suffix(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'~') {
        Some(i) if path.len() - i > 40 && path[i + 1..].iter().all(u8::is_ascii_hexdigit) => {
            &path[..i]
        }
        _ => path,
    }
}

/// `-z --name-only` output: the tree, the conflicted paths, an empty field, then messages as
/// `<count> <paths…> <type> <text>`; each conflict's kind is taken from its message's type
/// (`CONFLICT (modify/delete)` → `modify/delete`).
fn parse(out: &[u8]) -> Option<Parsed> {
    let mut fields = out.split(|&b| b == 0);
    let tree = Oid::from_str(std::str::from_utf8(fields.next()?).ok()?).ok()?;
    let mut paths: Vec<Vec<u8>> = Vec::new();
    for field in fields.by_ref() {
        if field.is_empty() {
            break;
        }
        // A file moved out of a directory's way is named `<path>~<side>`: report the path.
        let field = strip_side_suffix(field);
        if !paths.iter().any(|p| p == field) {
            paths.push(field.to_vec());
        }
    }
    let mut kinds: Vec<(Vec<u8>, String)> = Vec::new();
    while let Some(count) = fields.next() {
        let Ok(n) = std::str::from_utf8(count).unwrap_or("").parse::<usize>() else {
            break;
        };
        let named: Vec<Vec<u8>> = (0..n)
            .filter_map(|_| fields.next().map(|p| strip_side_suffix(p).to_vec()))
            .collect();
        let kind = String::from_utf8_lossy(fields.next()?).into_owned();
        fields.next()?;
        if let Some(k) = kind
            .strip_prefix("CONFLICT (")
            .and_then(|k| k.strip_suffix(')'))
        {
            for p in named {
                if !kinds.iter().any(|(q, _)| *q == p) {
                    kinds.push((p, k.to_string()));
                }
            }
        }
    }
    let conflicts = paths
        .into_iter()
        .map(|p| {
            let kind = kinds
                .iter()
                .find(|(q, _)| *q == p)
                .map_or_else(|| "conflict".to_string(), |(_, k)| k.clone());
            (p, kind)
        })
        .collect();
    Some((tree, conflicts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_paths() -> Vec<PathBuf> {
        SCRATCH.with(|dirs| {
            dirs.borrow()
                .iter()
                .map(|d| d.path().to_path_buf())
                .collect()
        })
    }

    #[test]
    fn a_merge_run_on_a_thread_leaves_no_private_directory_when_the_thread_ends() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let tree = |content: &[u8]| {
            let blob = repo.blob(content).unwrap();
            let mut builder = repo.treebuilder(None).unwrap();
            builder.insert("f", blob, 0o100644).unwrap();
            builder.write().unwrap()
        };
        let (base, ours, theirs) = (tree(b"a\n"), tree(b"b\n"), tree(b"a\n"));
        let path = dir.path().to_path_buf();
        let left = std::thread::spawn(move || {
            let repo = Repository::open_bare(&path).unwrap();
            match merge(&repo, base, ours, theirs) {
                Ok(merged) => assert_eq!(merged.tree, ours),
                // No git new enough on PATH: nothing was kept either way.
                Err(_) => assert!(!available() || scratch_paths().is_empty()),
            }
            scratch_paths()
        })
        .join()
        .unwrap();
        assert!(left.iter().all(|p| !p.exists()), "left behind: {left:?}");
        clean_up();
        assert!(scratch_paths().is_empty());
    }
}
