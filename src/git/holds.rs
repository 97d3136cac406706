//! Holds as git keeps them: `refs/fastrevert/holds/<bad commit>` points at a commit with the
//! empty tree and no parent whose message says what is held (so any server takes the push and
//! `git log` shows it), and `refs/fastrevert/remote-holds/<bad commit>` mirrors the remote's.

use git2::{ErrorCode, ObjectType};

use super::{identity_in, Oid, Repo, Role};
use crate::error::{Error, Result};

pub const LOCAL: &str = "refs/fastrevert/holds/";
pub const MIRROR: &str = "refs/fastrevert/remote-holds/";
/// Where a lifted hold is remembered: a commit on top of the hold commit saying who lifted it,
/// when and why.
pub const LIFTED: &str = "refs/fastrevert/lifted/";

/// One hold ref: its name, the hold commit, and that commit's message.
#[derive(Debug, Clone)]
pub struct Stored {
    pub bad: String,
    pub id: Oid,
    pub message: String,
    pub time: i64,
}

/// The holds under `prefix` (`LOCAL` or `MIRROR`), by bad commit. A ref whose name is not a
/// full hex id, or that points at something else than a commit, is still listed (its message
/// empty): it is somebody's hold that cannot be read, not nothing.
pub fn list(repo: &Repo, prefix: &str) -> Result<Vec<Stored>> {
    let mut out = Vec::new();
    for (name, id) in repo.refs(&format!("{prefix}*"))? {
        let bad = name.trim_start_matches(prefix).to_string();
        let (message, time) = match repo.raw().find_commit(id) {
            Ok(c) => (
                String::from_utf8_lossy(c.message_bytes()).into_owned(),
                c.time().seconds(),
            ),
            Err(_) => (String::new(), 0),
        };
        out.push(Stored {
            bad,
            id,
            message,
            time,
        });
    }
    Ok(out)
}

/// Write a hold commit with `message` and point `LOCAL<bad>` at it unless a hold for `bad` is
/// there already; the hold's id, and whether it is new.
pub fn record(repo: &Repo, bad: Oid, message: &str) -> Result<(Oid, bool)> {
    let name = format!("{LOCAL}{bad}");
    if let Some(existing) = super::ref_target(repo, &name)? {
        return Ok((existing, false));
    }
    let raw = repo.raw();
    let who = identity_in(raw, Role::Committer, false).or_else(|_| fallback_identity())?;
    let empty = raw
        .treebuilder(None)
        .and_then(|b| b.write())
        .map_err(|e| Error::failed("cannot write the hold's empty tree").because(e))?;
    let tree = raw.find_tree(empty)?;
    let id = raw
        .commit(None, &who, &who, message, &tree, &[])
        .map_err(|e| Error::failed("cannot write the hold").because(e))?;
    // Refs are written last; a hold written at the same moment by another run wins.
    match raw.reference(&name, id, false, "fastrevert: hold") {
        Ok(_) => Ok((id, true)),
        Err(e) if e.code() == ErrorCode::Exists => {
            Ok((super::ref_target(repo, &name)?.unwrap_or(id), false))
        }
        Err(e) => Err(Error::failed(format!("cannot write {name}")).because(e)),
    }
}

/// Write the record of a lift (a commit whose parent is the hold commit) and point
/// `LIFTED<bad>` at it; its id.
pub fn record_lift(repo: &Repo, bad: &str, hold: Oid, message: &str) -> Result<Oid> {
    let raw = repo.raw();
    let who = identity_in(raw, Role::Committer, false).or_else(|_| fallback_identity())?;
    let parent = raw
        .find_commit(hold)
        .map_err(|e| Error::failed("cannot read the hold").because(e))?;
    let tree = parent.tree()?;
    let id = raw
        .commit(None, &who, &who, message, &tree, &[&parent])
        .map_err(|e| Error::failed("cannot write the record of the lift").because(e))?;
    raw.reference(
        &format!("{LIFTED}{bad}"),
        id,
        true,
        "fastrevert: hold lifted",
    )
    .map_err(|e| Error::failed("cannot write the record of the lift").because(e))?;
    Ok(id)
}

/// Point `name` at an existing hold commit (copied from the remote's mirror).
pub fn adopt(repo: &Repo, name: &str, id: Oid) -> Result<()> {
    let raw = repo.raw();
    if raw.find_object(id, Some(ObjectType::Commit)).is_err() {
        return Err(Error::failed(format!("{name}: {id} is not a commit here")));
    }
    raw.reference(name, id, false, "fastrevert: hold from the remote")
        .map(|_| ())
        .or_else(|e| {
            if e.code() == ErrorCode::Exists {
                Ok(())
            } else {
                Err(Error::failed(format!("cannot write {name}")).because(e))
            }
        })
}

/// Delete `name` if it still points at `expected`.
pub fn delete(repo: &Repo, name: &str, expected: Oid) -> Result<()> {
    super::delete_ref(repo, name, expected)
}

/// A host's deploy user may have no git identity: the hold names the account and the host.
fn fallback_identity() -> Result<git2::Signature<'static>> {
    let user = crate::config::invoking_user();
    let host = crate::config::host_name();
    git2::Signature::now(&user, &format!("{user}@{host}"))
        .map_err(|e| Error::failed("cannot name who recorded the hold").because(e))
}
