//! Holds: a release marked bad keeps its commits out of the next deploy. The hold names the bad
//! release, the good one it went back to and the first-parent commits between them; `deploy` of
//! a revision that still carries any of them, not reverted since, is refused. A hold lifts
//! itself once the base carries reverts of all its commits (by the `This reverts commit` lines
//! git and this tool write, or by patch identity), or by `hold --release`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{Error, Result};
use crate::git::{self, holds as store, Oid, Repo};
pub use crate::outcome::{Hold, HoldState, Recorded};

/// Commits walked at most when looking for reverts after a hold; past it, not known.
const REVERT_WALK_LIMIT: usize = 50_000;

/// What a hold commit's message carries after its title.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    bad: String,
    good: Option<String>,
    commits: Vec<String>,
    by: String,
    host: String,
    at: i64,
    reason: Option<String>,
}

impl Hold {
    pub fn short(&self) -> &str {
        &self.bad[..12.min(self.bad.len())]
    }

    fn from_stored(s: &store::Stored) -> Hold {
        let parsed = s
            .message
            .find("\n{")
            .and_then(|at| serde_json::from_str::<Record>(s.message[at + 1..].trim()).ok())
            .filter(|r| r.bad == s.bad && is_full_id(&r.bad))
            .filter(|r| r.commits.iter().all(|c| is_full_id(c)))
            .filter(|r| r.good.as_deref().is_none_or(is_full_id));
        match parsed {
            Some(r) => Hold {
                bad: r.bad,
                good: r.good,
                commits: r.commits,
                by: r.by,
                host: r.host,
                at: r.at,
                reason: r.reason,
                readable: true,
                id: Some(s.id),
            },
            None => Hold {
                commits: if is_full_id(&s.bad) {
                    vec![s.bad.clone()]
                } else {
                    Vec::new()
                },
                bad: s.bad.clone(),
                good: None,
                by: String::new(),
                host: String::new(),
                at: s.time,
                reason: None,
                readable: false,
                id: Some(s.id),
            },
        }
    }
}

fn is_full_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The holds of this clone, oldest first.
pub fn list(repo: &Repo) -> Result<Vec<Hold>> {
    let mut holds: Vec<Hold> = store::list(repo, store::LOCAL)?
        .iter()
        .map(Hold::from_stored)
        .collect();
    holds.sort_by_key(|h| h.at);
    Ok(holds)
}

/// A hold that stops a revision from going live: the held commits it carries, not reverted.
#[derive(Debug, Clone, Serialize)]
pub struct Blocking {
    pub hold: Hold,
    pub commits: Vec<String>,
    /// Why the reverts could not all be looked for, when that is so.
    pub unknown: Option<String>,
}

/// What a hold is to one revision.
enum Judged {
    /// The revision carries none of its commits.
    NotCarried,
    /// It carries some, and reverts every one of them.
    Satisfied,
    Blocking(Box<Blocking>),
}

fn judge(ctx: &Ctx, hold: &Hold, target: Oid) -> Result<Judged> {
    let carried = carried(&ctx.repo, hold, target)?;
    let Some(newest) = carried.first().copied() else {
        return Ok(Judged::NotCarried);
    };
    let (reverted, unknown) = reverted_since(ctx, target, newest, &carried)?;
    let left: Vec<String> = carried
        .iter()
        .filter(|c| !reverted.contains(*c))
        .map(|c| c.to_string())
        .collect();
    Ok(if left.is_empty() {
        Judged::Satisfied
    } else {
        Judged::Blocking(Box::new(Blocking {
            hold: hold.clone(),
            commits: left,
            unknown,
        }))
    })
}

/// The holds that `target` still carries commits of (reachable from it and not reverted in
/// its history since).
pub fn blocking(ctx: &Ctx, holds: &[Hold], target: Oid) -> Result<Vec<Blocking>> {
    let mut out = Vec::new();
    for hold in holds {
        if let Judged::Blocking(b) = judge(ctx, hold, target)? {
            out.push(*b);
        }
    }
    Ok(out)
}

/// The held commits `target` carries, newest first. The held commits are one first-parent
/// line (newest first), so once one is reachable, every older one is: the oldest tells whether
/// any is, and a binary search finds the newest that is, in a few reachability checks.
fn carried(repo: &Repo, hold: &Hold, target: Oid) -> Result<Vec<Oid>> {
    let ids: Vec<Oid> = hold
        .commits
        .iter()
        .filter_map(|c| Oid::from_str(c).ok())
        .filter(|id| repo.has_commit(*id))
        .collect();
    let reaches = |id: Oid| -> Result<bool> { Ok(id == target || repo.is_descendant(target, id)?) };
    let Some(oldest) = ids.last().copied() else {
        return Ok(Vec::new());
    };
    if !reaches(oldest)? {
        return Ok(Vec::new());
    }
    // ids[hi] is reachable; find the smallest such index.
    let (mut lo, mut hi) = (0, ids.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if reaches(ids[mid])? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(ids[hi..].to_vec())
}

/// Which of `wanted` the history of `target` reverts after `newest` (the newest of them):
/// named in a revert's message, or undone by a commit with the reversed patch identity.
fn reverted_since(
    ctx: &Ctx,
    target: Oid,
    newest: Oid,
    wanted: &[Oid],
) -> Result<(HashSet<Oid>, Option<String>)> {
    let Some(since) = ctx.repo.commits_since(target, newest, REVERT_WALK_LIMIT)? else {
        return Ok((
            HashSet::new(),
            Some(format!(
                "more than {REVERT_WALK_LIMIT} commits came after the held ones; their reverts were not looked for"
            )),
        ));
    };
    let mut reverted = HashSet::new();
    let hex: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
    for commit in &since {
        let message = ctx.repo.commit(*commit)?.message;
        for named in named_reverts(&message) {
            for (i, full) in hex.iter().enumerate() {
                if full.starts_with(&named) {
                    reverted.insert(wanted[i]);
                }
            }
        }
    }
    let left: Vec<String> = wanted
        .iter()
        .filter(|w| !reverted.contains(*w))
        .map(|w| w.to_string())
        .collect();
    if left.is_empty() || since.is_empty() {
        return Ok((reverted, None));
    }
    let git = ctx.git();
    let held: HashMap<String, String> = git.patch_ids(&left)?;
    let undone: HashSet<String> = git
        .reversed_patch_ids(&since.iter().map(|c| c.to_string()).collect::<Vec<_>>())?
        .into_values()
        .collect();
    for (commit, patch) in held {
        if undone.contains(&patch) {
            if let Ok(id) = Oid::from_str(&commit) {
                reverted.insert(id);
            }
        }
    }
    Ok((reverted, None))
}

/// The commits a message says it reverts: every `This reverts commit <id>` (git's, and each
/// commit of a squashed revert), and the `<id> <subject>` lines under `This reverts these
/// commits:` (this tool's one commit for several).
pub fn named_reverts(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(at) = rest.find("This reverts commit ") {
        rest = &rest[at + "This reverts commit ".len()..];
        let end = rest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len());
        if end >= 7 {
            out.push(rest[..end].to_ascii_lowercase());
        }
    }
    if let Some(at) = message.find("This reverts these commits:") {
        for line in message[at..].lines().skip(1) {
            let line = line.trim();
            if line.is_empty() && !out.is_empty() {
                continue;
            }
            let word = line.split_whitespace().next().unwrap_or("");
            if word.len() >= 7 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(word.to_ascii_lowercase());
            } else if !line.is_empty() {
                break;
            }
        }
    }
    out
}

/// Hold the first-parent commits of `good..bad` after `bad` was marked bad. Nothing to hold
/// when `good` already carries them all (going forward from a bad old release).
pub fn record(ctx: &Ctx, bad: Oid, good: Oid, reason: Option<&str>) -> Result<Option<Recorded>> {
    let (commits, _, _) = ctx.repo.first_parents_since(bad, good, usize::MAX)?;
    if commits.is_empty() {
        return Ok(None);
    }
    let record = Record {
        bad: bad.to_string(),
        good: Some(good.to_string()),
        commits: commits.iter().map(|c| c.to_string()).collect(),
        by: crate::config::invoking_user(),
        host: crate::config::host_name(),
        at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        reason: reason.map(str::to_string),
    };
    let json = serde_json::to_string_pretty(&record)
        .map_err(|e| Error::failed("cannot write the hold's record").because(e))?;
    let message = format!(
        "Hold {}: marked bad, back on {}\n\n{} commit(s) held: a deploy that carries them is refused\nuntil the base reverts them or the hold is lifted (git fastrevert hold --release {}).\n\n{json}\n",
        git::short(bad),
        git::short(good),
        commits.len(),
        git::short(bad),
    );
    let (id, created) = store::record(&ctx.repo, bad, &message)?;
    let stored = store::Stored {
        bad: bad.to_string(),
        id,
        message: ctx.repo.commit(id).map(|c| c.message).unwrap_or(message),
        time: record.at,
    };
    let hold = Hold::from_stored(&stored);
    let remote = push_hold(ctx, &hold.bad, id);
    Ok(Some(Recorded {
        hold,
        created,
        remote,
    }))
}

/// Push one hold; what became of it, in words.
fn push_hold(ctx: &Ctx, bad: &str, id: Oid) -> String {
    if !ctx.has_remote() {
        return "no remote".into();
    }
    if ctx.global.no_push {
        return "not pushed (--no-push)".into();
    }
    let name = format!("{}{bad}", store::LOCAL);
    let pushed = ctx.git().push(
        &ctx.settings.remote,
        &[format!("{id}:{name}")],
        false,
        &[(name.clone(), None)],
    );
    match pushed {
        Ok(Ok(())) => {
            let _ = store::adopt(&ctx.repo, &format!("{}{bad}", store::MIRROR), id);
            format!("pushed to {}", ctx.settings.remote)
        }
        Ok(Err(failure)) => {
            use git::remote::Rejection;
            let exists = failure.rejected.iter().any(|(_, r)| {
                matches!(
                    r,
                    Rejection::AlreadyExists | Rejection::StaleLease | Rejection::NonFastForward
                )
            });
            if exists {
                format!("already held on {}", ctx.settings.remote)
            } else {
                format!("not pushed ({})", failure.describe())
            }
        }
        Err(e) => format!("not pushed ({})", e.message),
    }
}

/// What syncing with the remote's holds did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Synced {
    /// Holds fetched from the remote that this clone did not have.
    pub fetched: Vec<String>,
    /// Holds lifted on the remote since the last look, so lifted here.
    pub lifted_elsewhere: Vec<String>,
    /// Holds of this clone the remote did not have, pushed now.
    pub pushed: Vec<String>,
    /// What could not be done, as warnings.
    pub warnings: Vec<String>,
}

/// Bring this clone's holds and the remote's together: fetch theirs (into a mirror that is
/// pruned), adopt new ones, drop ours that were lifted there, push ours they never had.
pub fn sync(ctx: &Ctx) -> Synced {
    let mut synced = Synced::default();
    if ctx.global.no_fetch || !ctx.has_remote() {
        return synced;
    }
    let before: HashMap<String, Oid> = mirror(&ctx.repo);
    let refspec = format!("+{}*:{}*", store::LOCAL, store::MIRROR);
    if let Err(e) = ctx.git().fetch_pruning(&ctx.settings.remote, &[refspec]) {
        synced.warnings.push(format!(
            "the holds on {} could not be read ({}): checked against this clone's holds only",
            ctx.settings.remote, e.message
        ));
        return synced;
    }
    let after: HashMap<String, Oid> = mirror(&ctx.repo);
    let local = store::list(&ctx.repo, store::LOCAL).unwrap_or_default();
    for ours in &local {
        let name = format!("{}{}", store::LOCAL, ours.bad);
        match (before.get(&ours.bad), after.get(&ours.bad)) {
            (Some(was), None)
                if *was == ours.id && store::delete(&ctx.repo, &name, ours.id).is_ok() =>
            {
                synced.lifted_elsewhere.push(ours.bad.clone());
            }
            (Some(was), None) if *was == ours.id => {}
            (_, None) => {
                let said = push_hold(ctx, &ours.bad, ours.id);
                if said.starts_with("pushed") || said.starts_with("already") {
                    synced.pushed.push(ours.bad.clone());
                } else {
                    synced.warnings.push(format!(
                        "the hold on {} is on this host only: {said}",
                        &ours.bad[..12.min(ours.bad.len())]
                    ));
                }
            }
            _ => {}
        }
    }
    for (bad, id) in &after {
        if !local.iter().any(|l| &l.bad == bad) {
            let name = format!("{}{bad}", store::LOCAL);
            match store::adopt(&ctx.repo, &name, *id) {
                Ok(()) => synced.fetched.push(bad.clone()),
                Err(e) => synced.warnings.push(format!(
                    "the hold on {bad} from {} could not be kept here: {}",
                    ctx.settings.remote, e.message
                )),
            }
        }
    }
    synced
}

fn mirror(repo: &Repo) -> HashMap<String, Oid> {
    store::list(repo, store::MIRROR)
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.bad, s.id))
        .collect()
}

/// Lift a hold here and on the remote (one atomic push: the hold deleted, the record of the
/// lift written under `refs/fastrevert/lifted/`); what the remote said.
pub fn lift(ctx: &Ctx, hold: &Hold, why: &str) -> Result<String> {
    let name = format!("{}{}", store::LOCAL, hold.bad);
    let Some(id) = hold.id else {
        return Ok(String::new());
    };
    let message = format!(
        "Lift hold {}\n\nLifted by {} on {}: {why}\n",
        hold.short(),
        crate::config::invoking_user(),
        crate::config::host_name()
    );
    let lifted = store::record_lift(&ctx.repo, &hold.bad, id, &message)?;
    let mut remote = "no remote".to_string();
    if ctx.has_remote() && !ctx.global.no_push {
        let record = format!("{}{}", store::LIFTED, hold.bad);
        let git = ctx.git();
        let there = git
            .ls_remote(&ctx.settings.remote, std::slice::from_ref(&name))?
            .into_iter()
            .any(|(n, _)| n == name);
        let deleted = if there {
            git.push(
                &ctx.settings.remote,
                &[format!(":{name}"), format!("+{lifted}:{record}")],
                true,
                &[(name.clone(), Some(id.to_string()))],
            )?
        } else {
            git.push(
                &ctx.settings.remote,
                &[format!("+{lifted}:{record}")],
                false,
                &[],
            )?
        };
        remote = match deleted {
            Ok(()) => format!("lifted on {}", ctx.settings.remote),
            Err(failure) => {
                return Err(Error::failed(format!(
                    "the hold on {} could not be lifted on {}: {}; it is still in place",
                    hold.short(),
                    ctx.settings.remote,
                    failure.describe()
                ))
                .hint("look at the holds again (git fastrevert hold), then re-run"))
            }
        };
        let mirrored = format!("{}{}", store::MIRROR, hold.bad);
        if let Ok(Some(m)) = git::ref_target(&ctx.repo, &mirrored) {
            let _ = store::delete(&ctx.repo, &mirrored, m);
        }
    } else if ctx.global.no_push {
        remote = "not lifted on the remote (--no-push)".into();
    }
    store::delete(&ctx.repo, &name, id)?;
    Ok(remote)
}

/// Holds the base has reverted all of: lifted, here and on the remote. The ones lifted, with
/// a warning for each that could not be.
pub fn lift_reverted(ctx: &Ctx, holds: &[Hold], base: Oid) -> (Vec<Hold>, Vec<String>) {
    let mut lifted = Vec::new();
    let mut warnings = Vec::new();
    for hold in holds.iter().filter(|h| h.readable) {
        let carried = match carried(&ctx.repo, hold, base) {
            Ok(c) if !c.is_empty() => c,
            _ => continue,
        };
        let Ok((reverted, None)) = reverted_since(ctx, base, carried[0], &carried) else {
            continue;
        };
        if carried.iter().all(|c| reverted.contains(c)) {
            match lift(ctx, hold, &format!("{} reverted every held commit", ctx.settings.base)) {
                Ok(_) => lifted.push(hold.clone()),
                Err(e) => warnings.push(format!(
                    "the base has reverted every commit the hold on {} held, but it could not be lifted: {}",
                    hold.short(),
                    e.message
                )),
            }
        }
    }
    (lifted, warnings)
}

/// Before a revision goes live on this host: the remote's holds fetched, holds the base has
/// reverted lifted (not in a dry run), then a refusal (exit 4) when `target` carries held
/// commits, unless `force`, which goes ahead with a warning. `again` is the command that forces.
pub fn check_going_live(
    ctx: &Ctx,
    target: Oid,
    force: bool,
    again: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    check_held(ctx, target, force, false, again, warnings)
}

/// The same for a revision already live (a re-run that changes nothing): never refused, the
/// hold said as a warning.
pub fn check_live(ctx: &Ctx, target: Oid, warnings: &mut Vec<String>) -> Result<()> {
    check_held(ctx, target, false, true, "", warnings)
}

fn check_held(
    ctx: &Ctx,
    target: Oid,
    force: bool,
    live: bool,
    again: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let synced = sync(ctx);
    warnings.extend(synced.warnings);
    let holds = list(&ctx.repo)?;
    if holds.is_empty() {
        return Ok(());
    }
    // Holds whose commits the target carries are judged on it; one it carries with every
    // commit reverted is satisfied, and lifted when the base has those reverts too. A hold the
    // target does not carry costs a few reachability checks, nothing more.
    let mut blocking = Vec::new();
    let mut satisfied = Vec::new();
    for hold in &holds {
        match judge(ctx, hold, target)? {
            Judged::NotCarried => {}
            Judged::Satisfied => satisfied.push(hold.clone()),
            Judged::Blocking(b) => blocking.push(*b),
        }
    }
    if let (false, false, Ok(base)) = (satisfied.is_empty(), ctx.global.dry_run, ctx.base_tip()) {
        let (lifted, said) = lift_reverted(ctx, &satisfied, base.oid);
        warnings.extend(said);
        if !lifted.is_empty() {
            ctx.ui.info(&format!(
                "Lifted {} hold(s) whose commits {} has reverted: {}",
                lifted.len(),
                ctx.settings.base,
                lifted
                    .iter()
                    .map(Hold::short)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if blocking.is_empty() {
        return Ok(());
    }
    let (verb, after) = match (live, force) {
        (true, _) => (
            "is live and carries",
            ": switch to another release, or revert them",
        ),
        (false, true) => ("goes live with", " (--force)"),
        (false, false) => return Err(refusal(ctx, target, &blocking, again)),
    };
    for b in &blocking {
        warnings.push(format!(
            "{} {verb} {} commit(s) held since {} was marked bad{after}",
            git::short(target),
            b.commits.len(),
            b.hold.short()
        ));
    }
    Ok(())
}

/// A health check failed and the link went back: the release it left is held as one marked
/// bad is. The hold (or why there is none) is added to the error.
pub fn hold_failed_check(ctx: Option<&Ctx>, mut err: Error, reason: Option<&str>) -> Error {
    let Some(ctx) = ctx.filter(|c| !c.global.dry_run) else {
        return err;
    };
    let Some(details) = err.details.as_deref() else {
        return err;
    };
    let id = |key: &str| {
        details
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| Oid::from_str(s).ok())
    };
    let marked = details.get("marked_bad").and_then(|v| v.as_bool()) == Some(true);
    let (Some(bad), Some(good), true) = (id("release"), id("flipped_back_to"), marked) else {
        return err;
    };
    if !ctx.repo.has_commit(bad) || !ctx.repo.has_commit(good) {
        return err;
    }
    let why = reason.unwrap_or("health check failed");
    match record(ctx, bad, good, Some(why)) {
        Ok(Some(recorded)) => {
            err.hints
                .push(crate::ui::render::held_line(&recorded).into());
            if let Some(map) = err.details.as_deref_mut().and_then(|d| d.as_object_mut()) {
                map.insert(
                    "hold".into(),
                    serde_json::to_value(&recorded).unwrap_or_default(),
                );
            }
        }
        Ok(None) => {}
        Err(e) => err
            .hints
            .push(format!("the hold could not be recorded: {}", e.message).into()),
    }
    err
}

/// Exit 4: what is held, by whom and why, and the three ways on.
fn refusal(ctx: &Ctx, target: Oid, blocking: &[Blocking], again: &str) -> Error {
    let first = &blocking[0];
    let hold = &first.hold;
    let subjects: Vec<String> = first
        .commits
        .iter()
        .take(5)
        .map(|c| {
            let subject = Oid::from_str(c)
                .ok()
                .and_then(|id| ctx.repo.commit(id).ok())
                .map(|info| info.subject().to_string())
                .unwrap_or_default();
            format!("{} {subject}", &c[..7.min(c.len())])
        })
        .collect();
    let more = first.commits.len().saturating_sub(subjects.len());
    let who = if hold.by.is_empty() {
        String::new()
    } else {
        format!(
            " by {}{}",
            hold.by,
            if hold.host.is_empty() {
                String::new()
            } else {
                format!(" on {}", hold.host)
            }
        )
    };
    let why = hold
        .reason
        .as_deref()
        .map_or(String::new(), |r| format!(": {r}"));
    let mut message = format!(
        "{} carries {} commit(s) held since {} was marked bad{who}{why} ({}{}); nothing was changed",
        git::short(target),
        first.commits.len(),
        hold.short(),
        subjects.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    );
    if blocking.len() > 1 {
        message.push_str(&format!(" ({} holds in all)", blocking.len()));
    }
    let mut err = Error::refused(message);
    if let Some(unknown) = &first.unknown {
        err = err.hint(format!("not known: {unknown}"));
    }
    if let Some(good) = &hold.good {
        err = err.hint(format!(
            "revert them on {}, then deploy its tip: git fastrevert revert {}..{}",
            ctx.settings.base,
            &good[..12.min(good.len())],
            hold.short()
        ));
    }
    err = err
        .hint(format!(
            "or, once fixed, lift the hold: git fastrevert hold --release {}",
            hold.short()
        ))
        .hint(format!("or go live anyway: git fastrevert {again} --force"));
    err.details = Some(Box::new(serde_json::json!({ "holds": blocking })));
    err
}

/// Every hold of this clone with its state against the base tip (when known).
pub fn states(ctx: &Ctx, holds: &[Hold], base: Option<Oid>) -> Result<Vec<HoldState>> {
    let subject = |id: &str| {
        Oid::from_str(id)
            .ok()
            .and_then(|o| ctx.repo.commit(o).ok())
            .map(|c| c.subject().to_string())
    };
    let on_base: HashMap<String, usize> = match base {
        Some(base) => blocking(ctx, holds, base)?
            .into_iter()
            .map(|b| (b.hold.bad, b.commits.len()))
            .collect(),
        None => HashMap::new(),
    };
    Ok(holds
        .iter()
        .map(|h| HoldState {
            bad_subject: subject(&h.bad),
            good_subject: h.good.as_deref().and_then(subject),
            on_base: on_base.get(&h.bad).copied().unwrap_or(0),
            hold: h.clone(),
        })
        .collect())
}

/// `hold [--release REV]`: the holds, after syncing with the remote and lifting what the base
/// has reverted; or lift one.
pub fn run(
    ctx: &Ctx,
    release: Option<&str>,
    reason: Option<&str>,
) -> Result<crate::outcome::Holds> {
    let mut warnings = Vec::new();
    if let Err(e) = ctx.fetch(&[]) {
        warnings.push(format!(
            "{} was not fetched ({}): the base is as this clone last saw it",
            ctx.settings.base, e.message
        ));
    }
    let synced = sync(ctx);
    warnings.extend(synced.warnings.iter().cloned());
    let base = ctx.base_tip().ok().map(|b| b.oid);
    let mut holds = list(&ctx.repo)?;
    let mut lifted = Vec::new();
    let mut remote = None;
    let mut released = None;
    let mut lifting = None;
    if let Some(rev) = release {
        let hold = find(ctx, &holds, rev)?;
        if !ctx.global.dry_run {
            let said = lift(ctx, &hold, reason.unwrap_or("lifted by hand"))?;
            remote = Some(said);
            lifted.push(hold.clone());
        }
        released = Some(hold.bad.clone());
        lifting = Some(hold);
        holds = list(&ctx.repo)?;
    } else if let (Some(base), false) = (base, ctx.global.dry_run) {
        let (gone, said) = lift_reverted(ctx, &holds, base);
        warnings.extend(said);
        lifted.extend(gone);
        holds = list(&ctx.repo)?;
    }
    let states = states(ctx, &holds, base)?;
    Ok(crate::outcome::Holds {
        command: "hold",
        holds: states,
        lifted,
        released,
        remote,
        warnings,
        base: ctx.settings.base.clone(),
        lifting,
        dry_run: ctx.global.dry_run,
    })
}

/// The hold a revision names: a hold's id (or its start), or a revision git resolves.
fn find(ctx: &Ctx, holds: &[Hold], rev: &str) -> Result<Hold> {
    let lower = rev.to_ascii_lowercase();
    let by_name: Vec<&Hold> = if lower.len() >= 4 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        holds.iter().filter(|h| h.bad.starts_with(&lower)).collect()
    } else {
        Vec::new()
    };
    if let [one] = by_name.as_slice() {
        return Ok((*one).clone());
    }
    if by_name.len() > 1 {
        return Err(
            Error::bad_input(format!("'{rev}' starts the ids of {} holds", by_name.len()))
                .hint("give more hex digits (git fastrevert hold lists them)"),
        );
    }
    let commit = git::resolve_commit(&ctx.repo, rev)
        .ok()
        .map(|c| c.to_string());
    holds
        .iter()
        .find(|h| Some(&h.bad) == commit.as_ref())
        .cloned()
        .ok_or_else(|| {
            Error::bad_input(format!("no hold on '{rev}'"))
                .hint("git fastrevert hold lists the holds and their ids")
        })
}

#[cfg(test)]
mod tests {
    use super::named_reverts;

    #[test]
    fn reverts_are_named_by_git_lines_and_this_tool_lists() {
        let git = "Revert \"x\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n";
        assert_eq!(
            named_reverts(git),
            vec!["0123456789abcdef0123456789abcdef01234567"]
        );
        let merge = "Revert \"Merge\"\n\nThis reverts commit abcdef1, reversing\nchanges made to 1234567.\n";
        assert_eq!(named_reverts(merge), vec!["abcdef1"]);
        let squash = "Revert 2 commits\n\nThis reverts these commits:\n\naaaaaaaaaa one\nbbbbbbbbbb two\n\nRevert-Reason: x\n";
        assert_eq!(named_reverts(squash), vec!["aaaaaaaaaa", "bbbbbbbbbb"]);
        let squashed_pr = "Revert range (#12)\n\n* Revert \"a\"\n\nThis reverts commit 1111111.\n\n* Revert \"b\"\n\nThis reverts commit 2222222.\n";
        assert_eq!(named_reverts(squashed_pr), vec!["1111111", "2222222"]);
        assert!(named_reverts("This reverts commit xyz").is_empty());
    }
}
