//! The only place, with the engine, that calls git2: repository access (`Repo`), refs,
//! identities, signing; `remote` runs the `git` binary for fetch and push.

pub mod cache;
pub mod first_parents;
pub mod holds;
pub mod merge_file;
pub mod merge_tree;
pub mod overrides;
pub mod reach;
pub mod remote;
pub mod repo;
pub mod sign;

pub use repo::{CommitInfo, FileMode, Oid, Repo};

use std::path::Path;

use git2::{ErrorCode, ObjectType, OdbLookupFlags, Repository, Signature, Time};

use crate::error::{Error, Hint, Opt, Result};

/// libgit2 settings for reading large histories fast.
pub fn tune() {
    // libgit2 re-hashes every object it reads (a third of a tree walk); git does not.
    git2::opts::strict_hash_verification(false);
    // Trees above 4 KiB are not cached by default, so the merge and the migration guard would
    // each inflate the same large directories again.
    // SAFETY: called first thing in main, before any thread exists.
    let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 1 << 20) };
}

impl From<git2::Error> for Error {
    fn from(err: git2::Error) -> Self {
        Error::failed(format!("git: {}", err.message())).because(Libgit2Error(err))
    }
}

/// A libgit2 failure as the cause of an `Error`: shown by its message; its class and code are
/// there for code to ask (`code()`), not for people.
#[derive(Debug)]
pub struct Libgit2Error(pub git2::Error);

impl std::fmt::Display for Libgit2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.message())
    }
}

impl std::error::Error for Libgit2Error {}

/// Open the repository containing `dir` (or the current directory), bare or not.
pub fn open(dir: Option<&Path>) -> Result<Repo> {
    let start = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir()?,
    };
    let repo = Repository::discover(&start).map_err(|e| {
        if e.code() == git2::ErrorCode::Owner {
            // git's `safe.directory` check: the repository is there, but owned by another user.
            return Error::failed(format!(
                "the repository at {} is owned by another user, so git refuses to use it (dubious ownership); nothing was read or changed",
                start.display()
            ))
            .hint(format!(
                "run as the user who owns it (e.g. sudo -u <owner> git fastrevert …), or trust it: git config --global --add safe.directory {}",
                start.display()
            ))
            .because(Libgit2Error(e));
        }
        Error::bad_input(format!("{} is not in a git repository", start.display()))
            .hint("run the command inside a clone of your project, or pass -C <DIR>")
            .because(Libgit2Error(e))
    })?;
    overrides::apply(&repo)?;
    Ok(Repo::new(repo))
}

/// The repository around `dir` when there is one: `None` only when there is none at all. One
/// that is there but cannot be used (owned by another user, damaged) is an error, so that the
/// checks that need it are never skipped in silence.
pub fn open_if_any(dir: Option<&Path>) -> Result<Option<Repo>> {
    let start = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir()?,
    };
    match Repository::discover(&start) {
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        _ => open(Some(&start)).map(Some),
    }
}

/// Send every object written through `repo` from now on to memory instead of disk.
///
/// Nothing reaches the repository until [`persist`] copies what a result needs, so a conflict,
/// a refusal or `--dry-run` leaves no trace. The backend stays attached for the life of `repo`.
pub fn stage_in_memory(repo: &Repo) -> Result<()> {
    let odb = repo.raw().odb()?;
    // Highest priority: libgit2 writes to the first backend that accepts writes.
    odb.add_new_mempack_backend(1000)?;
    Ok(())
}

/// Copy the objects reachable from `roots` that are only in memory to the repository on disk.
/// Objects already on disk end the walk, so the cost follows what was created.
pub fn persist(repo: &Repo, roots: &[Oid]) -> Result<()> {
    let repo = repo.raw();
    let disk = Repository::open(repo.path())?;
    let disk_odb = disk.odb()?;
    copy_missing(repo, roots, &disk_odb, &disk_odb)
}

/// Copy the objects reachable from `roots` that `disk` lacks into `dest`, walking no further
/// than what `disk` or `dest` already has. In a partial clone a file's content may be on the
/// promisor remote only: such a blob is left where it is, as git leaves it.
pub fn copy_missing(
    repo: &Repository,
    roots: &[Oid],
    disk: &git2::Odb<'_>,
    dest: &git2::Odb<'_>,
) -> Result<()> {
    let odb = repo.odb()?;
    // Asked at the first object missing, not on every write.
    let mut partial = None;
    // (id, its children already pushed, named by a tree as a file)
    let mut stack: Vec<(Oid, bool, bool)> = roots.iter().map(|&oid| (oid, false, false)).collect();
    // Post-order: an object is written after everything it points to.
    // Without a refresh: on a miss libgit2 would rescan the pack directory, and every object
    // written here is a miss. A pack that appears meanwhile costs at most a duplicate object.
    let here = |oid| {
        disk.exists_ext(oid, OdbLookupFlags::NO_REFRESH)
            || dest.exists_ext(oid, OdbLookupFlags::NO_REFRESH)
    };
    while let Some((oid, children_done, file)) = stack.pop() {
        // Asked once per visit: its children, pushed above it, were written since.
        if !children_done && here(oid) {
            continue;
        }
        let object = match odb.read(oid) {
            Err(e)
                if file
                    && e.code() == git2::ErrorCode::NotFound
                    && *partial.get_or_insert_with(|| is_partial_clone(repo)) =>
            {
                continue
            }
            read => read?,
        };
        if children_done {
            dest.write(object.kind(), object.data())?;
            continue;
        }
        stack.push((oid, true, file));
        match object.kind() {
            ObjectType::Commit => {
                let commit = repo.find_commit(oid)?;
                stack.push((commit.tree_id(), false, false));
                stack.extend(commit.parent_ids().map(|p| (p, false, false)));
            }
            ObjectType::Tree => {
                let tree = repo.find_tree(oid)?;
                for entry in tree.iter() {
                    match entry.kind() {
                        Some(ObjectType::Commit) => {}
                        kind => stack.push((entry.id(), false, kind == Some(ObjectType::Blob))),
                    }
                }
            }
            ObjectType::Tag => {
                let tag = repo.find_tag(oid)?;
                stack.push((tag.target_id(), false, false));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether objects may be missing here by design: a clone made with `--filter`, whose remote
/// promises them (git's `extensions.partialClone`, or a remote marked `promisor`).
pub fn is_partial_clone(repo: &Repository) -> bool {
    let Ok(config) = repo.config().and_then(|mut c| c.snapshot()) else {
        return false;
    };
    if config.get_string("extensions.partialclone").is_ok() {
        return true;
    }
    let Ok(mut entries) = config.entries(Some(r"^remote\..*\.promisor$")) else {
        return false;
    };
    let mut names = Vec::new();
    while let Some(Ok(entry)) = entries.next() {
        if let Ok(name) = entry.name() {
            names.push(name.to_string());
        }
    }
    // git's booleans: true, yes, on, 1.
    names
        .iter()
        .any(|name| config.get_bool(name).unwrap_or(false))
}

/// Who writes new commits and how they are signed, settled before anything is written; from
/// then on new objects go to memory until `persist`. A dry run says how it would sign but
/// runs no signer.
pub struct Authorship {
    pub author: Signature<'static>,
    pub committer: Signature<'static>,
    pub signer: Option<sign::Signer>,
    dry_run: bool,
}

impl Authorship {
    pub fn new(repo: &Repo, sign: &sign::Choice, dry_run: bool) -> Result<Authorship> {
        stage_in_memory(repo)?;
        Ok(Authorship {
            author: identity(repo, Role::Author, dry_run)?,
            committer: identity(repo, Role::Committer, dry_run)?,
            signer: sign::Signer::for_repo(repo, sign, sign::What::Commit)?,
            dry_run,
        })
    }

    /// The signer that runs: none in a dry run.
    pub fn signing(&self) -> Option<&sign::Signer> {
        self.signer.as_ref().filter(|_| !self.dry_run)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Role {
    Author,
    Committer,
}

/// The author or committer identity as git would use it: `GIT_{AUTHOR,COMMITTER}_{NAME,EMAIL,DATE}`
/// first, then `user.name` / `user.email`. A dry run, which writes nothing, may go on without.
pub fn identity(repo: &Repo, role: Role, dry_run: bool) -> Result<Signature<'static>> {
    identity_in(repo.raw(), role, dry_run)
}

pub(crate) fn identity_in(
    repo: &Repository,
    role: Role,
    dry_run: bool,
) -> Result<Signature<'static>> {
    let prefix = match role {
        Role::Author => "GIT_AUTHOR",
        Role::Committer => "GIT_COMMITTER",
    };
    let env = |key: &str| {
        std::env::var(format!("{prefix}_{key}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    let config = repo.config()?;
    let name = env("NAME").or_else(|| config.get_string("user.name").ok());
    let email = env("EMAIL").or_else(|| config.get_string("user.email").ok());
    let (Some(name), Some(email)) = (name, email) else {
        if dry_run {
            return Ok(Signature::now(
                "git-fastrevert",
                "git-fastrevert@localhost",
            )?);
        }
        return Err(Error::bad_input("git does not know who you are: user.name or user.email is not set")
            .hint("git config --global user.name \"Your Name\" && git config --global user.email you@example.com"));
    };
    let time = match env("DATE") {
        Some(date) => parse_git_date(&date).ok_or_else(|| {
            Error::bad_input(format!(
                "{prefix}_DATE is not a date git-fastrevert understands: {date}"
            ))
            .hint("use \"<unix seconds> <+hhmm>\" or RFC 3339, e.g. 2026-01-02T03:04:05+00:00")
        })?,
        None => {
            let now = Signature::now(&name, &email)?;
            now.when()
        }
    };
    Ok(Signature::new(&name, &email, &time)?)
}

/// Dates as git's internal format (`[@]<seconds> <+hhmm>`) or RFC 3339.
fn parse_git_date(text: &str) -> Option<Time> {
    let text = text.trim();
    let raw = text.strip_prefix('@').unwrap_or(text);
    if let Some((secs, tz)) = raw.split_once(' ') {
        if let (Ok(secs), Some(offset)) = (secs.parse::<i64>(), parse_offset(tz)) {
            return Some(Time::new(secs, offset));
        }
    }
    if let Ok(secs) = raw.parse::<i64>() {
        return Some(Time::new(secs, 0));
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(Time::new(
        parsed.timestamp(),
        parsed.offset().local_minus_utc() / 60,
    ))
}

fn parse_offset(tz: &str) -> Option<i32> {
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// The commit a revision names, with a bad-input error naming the revision when there is none.
pub fn resolve_commit(repo: &Repo, rev: &str) -> Result<Oid> {
    resolve_commit_in(repo.raw(), rev)
}

pub(crate) fn resolve_commit_in(repo: &Repository, rev: &str) -> Result<Oid> {
    let object = repo.revparse_single(rev).map_err(|e| {
        Error::bad_input(format!("unknown revision '{rev}'")).hint(match e.code() {
            ErrorCode::Ambiguous => {
                "the abbreviated id is ambiguous: give more hex digits".to_string()
            }
            _ => "check the name with `git log --oneline`, or fetch it first".to_string(),
        })
    })?;
    let commit = object
        .peel_to_commit()
        .map_err(|_| Error::bad_input(format!("'{rev}' does not name a commit")))?;
    Ok(commit.id())
}

/// The id a ref points at, `None` when it does not exist.
pub fn ref_target(repo: &Repo, name: &str) -> Result<Option<Oid>> {
    ref_target_in(repo.raw(), name)
}

fn ref_target_in(repo: &Repository, name: &str) -> Result<Option<Oid>> {
    match repo.find_reference(name) {
        Ok(r) => Ok(r.resolve().ok().and_then(|r| r.target())),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Refuse a branch or tag name git would not accept, or one that would read as an option.
pub fn check_ref_name(full: &str, shown: &str) -> Result<()> {
    // `-x` reads as an option, `+x` as a forced refspec in a pasted `git push`, `=x` as the
    // value of an option written `--opt =x`.
    if let Some(first) = shown.chars().next().filter(|c| "-+=".contains(*c)) {
        return Err(Error::bad_input(format!(
            "'{shown}' starts with '{first}', which git commands would read as an option or a forced push"
        ))
        .hint("choose a name that starts with a letter or digit"));
    }
    if git2::Reference::is_valid_name(full) {
        Ok(())
    } else {
        Err(Error::bad_input(format!("'{shown}' is not a valid ref name"))
            .hint("use letters, digits, '-', '_', '.' and '/', without '..', spaces or a trailing '.lock'"))
    }
}

/// Refuse a branch name that git refuses (`git check-ref-format --branch`), or that another
/// name would resolve to first: `HEAD`, `@`, `refs/…`, and `<remote>/…`, which would shadow a
/// remote-tracking branch so that `origin/main` then means the new local branch.
pub fn check_branch_name(repo: &Repo, name: &str) -> Result<()> {
    check_ref_name(&format!("refs/heads/{name}"), name)?;
    let shadowed = if name == "HEAD" || name == "@" || name.starts_with("refs/") {
        Some(name.to_string())
    } else {
        repo.remote_names()?
            .iter()
            .find(|remote| name.starts_with(&format!("{remote}/")))
            .map(|remote| format!("refs/remotes/{name} (remote {remote})"))
    };
    match shadowed {
        Some(what) => Err(Error::bad_input(format!(
            "'{name}' cannot be a branch name: it already means {what}"
        ))
        .hint(Hint::naming(
            Opt::Branch,
            "choose another name with {option}, e.g. revert/<what it undoes>",
        ))),
        None => Ok(()),
    }
}

/// Refuse a remote name git would not accept, or one that would read as an option.
pub fn check_remote_name(name: &str) -> Result<()> {
    if name.starts_with('-') || !git2::Remote::is_valid_name(name) {
        return Err(
            Error::bad_input(format!("'{name}' is not a valid remote name")).hint(Hint::naming(
                Opt::Remote,
                "name a remote from `git remote -v` with {option} or fastrevert.remote",
            )),
        );
    }
    Ok(())
}

/// The commit a revision names, if it names one (for finding a deployed release by tag).
pub fn deployed_commit(repo: &Repo, name: &str) -> Option<String> {
    repo.find_commit_named(name).map(|id| id.to_string())
}

/// A path as text without losing anything: itself when it is UTF-8, else as git quotes it.
pub fn path_text(path: &[u8]) -> String {
    match std::str::from_utf8(path) {
        Ok(text) => text.to_string(),
        Err(_) => quote_path(path),
    }
}

/// A path already made text (see [`path_text`]) as people see it: in git's quotes when it holds
/// a control character, so that a name can neither start a line nor steer a terminal.
pub fn shown_path(text: &str) -> String {
    if text.chars().any(char::is_control) {
        quote_path(text.as_bytes())
    } else {
        text.to_string()
    }
}

/// A path as git shows it (`core.quotePath=false`): unchanged when it is plain, else in double
/// quotes with C escapes for control characters, quotes, backslashes and bytes that are not
/// UTF-8, so that no name can start a new line or a terminal sequence in the output.
pub fn quote_path(path: &[u8]) -> String {
    let text = String::from_utf8_lossy(path);
    let plain = matches!(text, std::borrow::Cow::Borrowed(_))
        && !text
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\');
    if plain {
        return text.into_owned();
    }
    let mut out = String::from("\"");
    for chunk in path.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() && (c as u32) < 0x80 => {
                    out.push_str(&format!("\\{:03o}", c as u32))
                }
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\{b:03o}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out.push('"');
    out
}

/// Create refs that must not exist yet, all or none: each is locked, checked and written in
/// one transaction, so a concurrent writer is detected, not overwritten.
pub fn create_refs(repo: &Repo, refs: &[(String, Oid)], log_message: &str) -> Result<()> {
    let repo = repo.raw();
    let mut tx = repo.transaction()?;
    for (name, _) in refs {
        tx.lock_ref(name)?;
    }
    for (name, _) in refs {
        if ref_target_in(repo, name)?.is_some() || repo.find_reference(name).is_ok() {
            return Err(
                Error::bad_input(format!("{name} already exists; nothing was changed"))
                    .hint("choose another name"),
            );
        }
    }
    let committer = identity_in(repo, Role::Committer, false).ok();
    for (name, oid) in refs {
        tx.set_target(name, *oid, committer.as_ref(), log_message)?;
    }
    tx.commit()?;
    Ok(())
}

/// Move a ref from `old` to `new`, failing if it changed in between (compare-and-swap).
pub fn move_ref(repo: &Repo, name: &str, new: Oid, old: Oid, log_message: &str) -> Result<()> {
    repo.raw()
        .reference_matching(name, new, true, old, log_message)
        .map(|_| ())
        .map_err(|e| match e.code() {
            ErrorCode::Modified => Error::failed(format!(
                "{name} changed while git-fastrevert was working; nothing was moved"
            ))
            .hint("run the command again"),
            _ => e.into(),
        })
}

/// Delete `name` if it still points at `expected`.
pub fn delete_ref(repo: &Repo, name: &str, expected: Oid) -> Result<()> {
    let raw = repo.raw();
    let mut reference = match raw.find_reference(name) {
        Ok(r) => r,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if reference.target() != Some(expected) {
        return Err(Error::failed(format!(
            "{name} changed while git-fastrevert was working; it was not deleted"
        ))
        .hint("run the command again"));
    }
    reference
        .delete()
        .map_err(|e| Error::failed(format!("cannot delete {name}")).because(e))
}

/// Whether a branch is checked out in the main worktree or a linked one.
pub fn is_checked_out(repo: &Repo, branch_ref: &str) -> Result<bool> {
    let repo = repo.raw();
    if !repo.is_bare() && head_branch(repo).as_deref() == Some(branch_ref) {
        return Ok(true);
    }
    for name in repo.worktrees()?.iter().flatten().flatten() {
        let Ok(worktree) = repo.find_worktree(name) else {
            continue;
        };
        let Ok(wt_repo) = Repository::open_from_worktree(&worktree) else {
            continue;
        };
        if head_branch(&wt_repo).as_deref() == Some(branch_ref) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    head.symbolic_target().ok().flatten().map(str::to_string)
}

/// A commit or tag message's subject: its first line, leading blank lines skipped.
pub fn subject(message: &str) -> &str {
    let message = message.trim_start_matches('\n');
    message.split('\n').next().unwrap_or("")
}

/// First `n` hex digits of an id.
pub fn short(oid: Oid) -> String {
    oid.to_string()[..7].to_string()
}

/// Histories for the tests of the git layer.
#[cfg(test)]
pub(crate) mod testing {
    use git2::{Oid, Repository};

    /// A main line of `commits` commits a minute apart, every `merge_every`th a merge of a side
    /// commit (a second parent off the line). Returns the line, newest first, and the side
    /// commits.
    pub(crate) fn history_with_merges(
        repo: &Repository,
        commits: usize,
        merge_every: usize,
    ) -> (Vec<Oid>, Vec<Oid>) {
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let mut line = Vec::new();
        let mut sides = Vec::new();
        let mut tip: Option<Oid> = None;
        for i in 0..commits {
            let time = git2::Time::new(1_700_000_000 + 60 * i as i64, 0);
            let sig = git2::Signature::new("T", "t@example.com", &time).unwrap();
            let mut parents = Vec::new();
            if let Some(t) = tip {
                parents.push(repo.find_commit(t).unwrap());
                if i % merge_every == merge_every - 1 {
                    let first = &parents[0];
                    let side = repo
                        .commit(None, &sig, &sig, &format!("side {i}"), &tree, &[first])
                        .unwrap();
                    sides.push(side);
                    parents.push(repo.find_commit(side).unwrap());
                }
            }
            let refs: Vec<_> = parents.iter().collect();
            let id = repo
                .commit(None, &sig, &sig, &format!("c{i}"), &tree, &refs)
                .unwrap();
            line.push(id);
            tip = Some(id);
        }
        line.reverse();
        (line, sides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Release builds inflate with zlib-rs (Cargo.toml says how): one symbol table holds
    /// libgit2's zlib calls and this one. Unoptimised builds bind to the C zlib.
    #[cfg(not(debug_assertions))]
    #[test]
    fn release_builds_bind_zlib_calls_to_zlib_rs() {
        // SAFETY: zlibVersion returns a static NUL-terminated string.
        let version = unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) };
        assert!(version.to_string_lossy().contains("zlib-rs"), "{version:?}");
    }

    #[test]
    fn git_dates() {
        let t = parse_git_date("1700000000 +0130").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 90));
        let t = parse_git_date("@1700000000 -0500").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, -300));
        let t = parse_git_date("2023-11-14T22:13:20+00:00").unwrap();
        assert_eq!(t.seconds(), 1_700_000_000);
        assert!(parse_git_date("yesterday").is_none());
    }

    /// A remote is one git knows: with a `url` or only a `pushurl`; the list is read once.
    #[test]
    fn remotes_with_a_url_or_a_push_url_are_known() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Repository::init_bare(dir.path()).unwrap();
        let mut config = raw.config().unwrap();
        config
            .set_str("remote.origin.url", "/srv/origin.git")
            .unwrap();
        config
            .set_str("remote.mirror/eu.pushurl", "/srv/eu.git")
            .unwrap();
        config
            .set_str("remote.half.fetch", "+refs/heads/*:refs/remotes/half/*")
            .unwrap();
        let repo = Repo::new(Repository::open(dir.path()).unwrap());
        let mut names = repo.remote_names().unwrap().to_vec();
        names.sort();
        assert_eq!(names, ["mirror/eu", "origin"]);
        assert!(repo.has_remote("origin") && repo.has_remote("mirror/eu"));
        assert!(!repo.has_remote("half") && !repo.has_remote("upstream"));
        assert!(check_branch_name(&repo, "mirror/eu/fix").is_err());
        assert!(check_branch_name(&repo, "mirror/fix").is_ok());
    }

    /// Persisting writes what is only in memory, each object once, and nothing already there.
    #[test]
    fn persisting_writes_only_what_is_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Repository::init_bare(dir.path()).unwrap();
        let on_disk = raw.blob(b"kept\n").unwrap();
        let repo = Repo::new(Repository::open(dir.path()).unwrap());
        stage_in_memory(&repo).unwrap();
        let git = repo.raw();
        let fresh = git.blob(b"fresh\n").unwrap();
        let mut inner = git.treebuilder(None).unwrap();
        inner.insert("a", fresh, 0o100644).unwrap();
        inner.insert("b", on_disk, 0o100644).unwrap();
        let inner = inner.write().unwrap();
        let mut root = git.treebuilder(None).unwrap();
        // The same subtree twice, and the same new blob at the top too.
        root.insert("one", inner, 0o040000).unwrap();
        root.insert("two", inner, 0o040000).unwrap();
        root.insert("c", fresh, 0o100644).unwrap();
        let root = root.write().unwrap();
        let loose = |oid: Oid| {
            let hex = oid.to_string();
            dir.path().join("objects").join(&hex[..2]).join(&hex[2..])
        };
        assert!(!loose(root).exists(), "staged objects stay in memory");
        persist(&repo, &[root]).unwrap();
        for oid in [root, inner, fresh, on_disk] {
            assert!(loose(oid).exists(), "{oid} on disk");
        }
        let disk = Repository::open(dir.path()).unwrap();
        assert_eq!(disk.find_tree(root).unwrap().len(), 3);
        assert_eq!(disk.find_blob(fresh).unwrap().content(), b"fresh\n");
        let count = std::fs::read_dir(dir.path().join("objects"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().len() == 2)
            .map(|e| std::fs::read_dir(e.path()).unwrap().count())
            .sum::<usize>();
        assert_eq!(count, 4, "one file per object");
    }

    /// Ancestry is answered the same by git with a commit-graph and by libgit2's walk.
    #[test]
    fn ancestry_with_a_commit_graph_answers_as_the_walk_does() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Repository::init_bare(dir.path()).unwrap();
        let repo = Repo::new(Repository::open(dir.path()).unwrap());
        let tree = raw.treebuilder(None).unwrap().write().unwrap();
        let tree = raw.find_tree(tree).unwrap();
        let sig = Signature::new("T", "t@example.com", &Time::new(0, 0)).unwrap();
        let a = raw.commit(None, &sig, &sig, "a", &tree, &[]).unwrap();
        let a_commit = raw.find_commit(a).unwrap();
        let b = raw
            .commit(None, &sig, &sig, "b", &tree, &[&a_commit])
            .unwrap();
        let side = raw
            .commit(None, &sig, &sig, "side", &tree, &[&a_commit])
            .unwrap();
        raw.reference("refs/heads/main", b, true, "test").unwrap();
        raw.reference("refs/heads/side", side, true, "test")
            .unwrap();
        let cases = [
            (b, a, true),
            (a, b, false),
            (b, b, false),
            (side, b, false),
            (side, a, true),
        ];
        let answers = |repo: &Repo| -> Vec<bool> {
            cases
                .iter()
                .map(|(commit, ancestor, _)| repo.is_descendant(*commit, *ancestor).unwrap())
                .collect()
        };
        let want: Vec<bool> = cases.iter().map(|c| c.2).collect();
        assert_eq!(answers(&repo), want, "by the walk");
        let wrote = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir.path())
            .args(["commit-graph", "write", "--reachable"])
            .status()
            .unwrap();
        assert!(wrote.success());
        assert!(dir.path().join("objects/info/commit-graph").exists());
        assert_eq!(answers(&repo), want, "with the commit-graph");
    }

    #[test]
    fn refs_are_created_once_and_moved_only_from_the_expected_value() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Repository::init_bare(dir.path()).unwrap();
        let repo = Repo::new(Repository::open(dir.path()).unwrap());
        let tree = raw.treebuilder(None).unwrap().write().unwrap();
        let tree = raw.find_tree(tree).unwrap();
        let sig = Signature::new("T", "t@example.com", &Time::new(0, 0)).unwrap();
        let a = raw.commit(None, &sig, &sig, "a", &tree, &[]).unwrap();
        let b = raw.commit(None, &sig, &sig, "b", &tree, &[]).unwrap();
        let refs = vec![
            ("refs/heads/x".to_string(), a),
            ("refs/tags/y".to_string(), a),
        ];
        create_refs(&repo, &refs, "test").unwrap();
        let again = create_refs(
            &repo,
            &[("refs/heads/z".into(), a), ("refs/tags/y".into(), b)],
            "test",
        );
        assert_eq!(again.unwrap_err().kind, crate::error::Kind::BadInput);
        assert_eq!(
            ref_target(&repo, "refs/heads/z").unwrap(),
            None,
            "all or nothing"
        );
        let stale = move_ref(&repo, "refs/heads/x", b, b, "test");
        assert_eq!(stale.unwrap_err().kind, crate::error::Kind::Failed);
        move_ref(&repo, "refs/heads/x", b, a, "test").unwrap();
        assert_eq!(ref_target(&repo, "refs/heads/x").unwrap(), Some(b));
    }
}
