//! The release directories of this host as flags and git config name them, the shared paths,
//! and what runs after a flip: hooks and the health check that flips back.

use std::time::{Duration, Instant};

use crate::cli::{AfterSwitchArgs, ReleaseDirArgs, ReleasesArgs};
use crate::error::{Error, Result};
use crate::releases::after::{self, CheckResult};
use crate::releases::{History, Releases};

/// `releases`: the releases on this host, newest first, marking current and previous.
pub fn list(args: &ReleasesArgs) -> Result<crate::outcome::Releases> {
    let repo = crate::git::open_if_any(None)?;
    let rel = release_dirs(repo.as_ref(), &args.dirs)?;
    let mut list = rel.list()?;
    // What each release is, from the repository when it is at hand.
    if let Some(repo) = repo.as_ref() {
        for r in &mut list {
            let Ok(oid) = crate::git::Oid::from_str(&r.id) else {
                continue;
            };
            if let Ok(commit) = repo.commit(oid) {
                r.subject = Some(commit.subject().to_string());
            }
            r.tags = repo.tags_at(oid);
        }
    }
    Ok(crate::outcome::Releases {
        command: "releases",
        releases_dir: rel.dir.clone(),
        link: rel.link.clone(),
        current: rel.current(),
        previous: rel.previous(),
        releases: list,
    })
}

/// The releases directory and link from the flags, else from git config.
pub fn release_dirs(repo: Option<&crate::git::Repo>, args: &ReleaseDirArgs) -> Result<Releases> {
    let dir = crate::config::releases_dir(repo, args.releases.as_deref()).ok_or_else(|| {
        Error::bad_input("no releases directory given")
            .hint("pass --releases <DIR>, or set it once: git config fastrevert.releases /srv/app/releases")
    })?;
    let link = crate::config::current_link(repo, args.current.as_deref());
    let mut rel = Releases::new(dir, link)?;
    rel.named_by_flag = args.releases.is_some();
    Ok(rel)
}

/// ` --releases DIR` for a hint, when the directory was given that way (from git config, the
/// same clone finds it again).
pub fn releases_flag(rel: &Releases) -> String {
    if rel.named_by_flag {
        format!(" --releases {}", rel.dir.display())
    } else {
        String::new()
    }
}

/// What a plan says will run around the flip: the hooks before and after it, the health
/// check, and the releases a deploy would prune.
pub fn flip_plan(
    repo: Option<&crate::git::Repo>,
    args: &AfterSwitchArgs,
    prune: Vec<String>,
) -> crate::outcome::FlipPlan {
    crate::outcome::FlipPlan {
        before_hooks: before_hooks(repo, args),
        after_hooks: hooks(repo, args),
        check_command: args.check.clone(),
        check_url: args.check_url.clone(),
        check_status: args.check_status,
        check_attempts: args.check_retries.max(1),
        check_timeout: args.check_timeout,
        prune,
    }
}

/// The releases directory as the run was told it, for hints.
pub fn told(rel: &Releases) -> crate::outcome::ReleasesDir {
    crate::outcome::ReleasesDir {
        dir: rel.dir.clone(),
        by_flag: rel.named_by_flag,
    }
}

/// The writable paths: `--writable`, then `fastrevert.writable` (multi-valued), each checked
/// as a path inside a release.
pub fn writable_paths(repo: Option<&crate::git::Repo>, given: &[String]) -> Result<Vec<Vec<u8>>> {
    crate::config::writable(repo, given)
        .iter()
        .map(|p| crate::releases::export::check_shared_path(p, false).map(|s| s.parts.join(&b'/')))
        .collect()
}

/// The before-switch hooks: `--before-switch`, then `fastrevert.beforeSwitch` (multi-valued).
pub fn before_hooks(repo: Option<&crate::git::Repo>, args: &AfterSwitchArgs) -> Vec<String> {
    crate::config::before_switch(repo, &args.before_switch)
}

/// Run the before-switch hooks in release `id` (their working folder), before the link moves
/// to it. The first that fails is an error that says the link did not move.
pub fn before_flip(
    rel: &Releases,
    args: &AfterSwitchArgs,
    hooks: &[String],
    id: &str,
    live: Option<&str>,
) -> Result<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let timeout = Duration::from_secs_f64(args.hook_timeout);
    let path = rel.dir.join(id);
    let failed = after::run_hooks(hooks, rel, id, live, timeout, Some(&path));
    let Some(failure) = failed.first() else {
        return Ok(());
    };
    let mut err = Error::failed(format!(
        "the before-switch hook `{}` failed in {} ({}): {}; {} was not moved{}",
        failure.command,
        &id[..12.min(id.len())],
        failure
            .code
            .map_or("did not finish".into(), |c| format!("exit {c}")),
        failure.output,
        rel.link.display(),
        live.map_or(String::new(), |l| format!(
            " (still {})",
            &l[..12.min(l.len())]
        ))
    ))
    .hint("fix what the hook needs, then run the command again");
    if failure.timed_out {
        err = err.hint(more_time());
    }
    err.details = Some(Box::new(
        serde_json::json!({"release": id, "hook_failures": failed}),
    ));
    Err(err)
}

/// For a hook killed at its timeout.
fn more_time() -> crate::error::Hint {
    crate::error::Hint::naming(
        crate::error::Opt::HookTimeout,
        "if the hook needs longer, give it more time: {option} <SECONDS>",
    )
}

/// The after-switch hooks: `--after-switch`, then `fastrevert.afterSwitch` (multi-valued).
pub fn hooks(repo: Option<&crate::git::Repo>, args: &AfterSwitchArgs) -> Vec<String> {
    crate::config::after_switch(repo, &args.after_switch)
}

/// The shared paths: `--shared`, then `fastrevert.shared` (multi-valued), and the shared
/// files: `--shared-file`, then `fastrevert.sharedFile`; each checked.
pub fn shared_paths(
    repo: Option<&crate::git::Repo>,
    folders: &[String],
    files: &[String],
) -> Result<Vec<crate::releases::export::Shared>> {
    use crate::releases::export::check_shared_path;
    let folders = crate::config::shared(repo, folders);
    let files = crate::config::shared_files(repo, files);
    folders
        .iter()
        .map(|p| check_shared_path(p, false))
        .chain(files.iter().map(|p| check_shared_path(p, true)))
        .collect()
}

/// What ran after the flip.
#[derive(Debug, Default, serde::Serialize)]
pub struct AfterFlip {
    pub check: Option<CheckResult>,
}

/// After the link moved from `before` to `live`: the hooks, then the health check. When the
/// check fails, the link flips back to `before`, `live` is marked bad, the hooks run again, and
/// the error says exactly that, with the time the site spent on `live`.
#[allow(clippy::too_many_arguments)]
pub fn after_flip(
    rel: &Releases,
    repo: Option<&crate::git::Repo>,
    history: &mut History,
    args: &AfterSwitchArgs,
    hooks: &[String],
    live: &str,
    before: Option<&str>,
    flipped_at: Instant,
) -> Result<AfterFlip> {
    let short = |s: &str| s[..12.min(s.len())].to_string();
    let hook_timeout = Duration::from_secs_f64(args.hook_timeout);
    let failed_hooks = after::run_hooks(hooks, rel, live, before, hook_timeout, None);
    let check = (args.check.is_some() || args.check_url.is_some()).then(|| after::Check {
        command: args.check.clone(),
        url: args.check_url.clone(),
        status: args.check_status,
        timeout: Duration::from_secs_f64(args.check_timeout),
        retries: args.check_retries,
    });
    let result = check.map(|c| c.run(rel, live, before));
    if let Some(result) = result.as_ref().filter(|r| !r.ok) {
        let failed = FailedCheck {
            rel,
            repo,
            hooks,
            hook_timeout,
            live,
            flipped_at,
            result,
        };
        return Err(failed.flip_back(history, before));
    }
    if let Some(failure) = failed_hooks.first() {
        let mut err = Error::failed(format!(
            "{} now points at {}, but the after-switch hook `{}` failed ({}): {}",
            rel.link.display(),
            short(live),
            failure.command,
            failure
                .code
                .map_or("did not run".into(), |c| format!("exit {c}")),
            failure.output
        ))
        .hint("the switch is done; fix what the hook does and run it by hand");
        if failure.timed_out {
            err = err.hint(more_time());
        }
        err.details = Some(Box::new(
            serde_json::json!({"release": live, "hook_failures": failed_hooks}),
        ));
        return Err(err);
    }
    Ok(AfterFlip { check: result })
}

/// A health check that failed after the flip to `live`.
struct FailedCheck<'a> {
    rel: &'a Releases,
    repo: Option<&'a crate::git::Repo>,
    hooks: &'a [String],
    hook_timeout: Duration,
    live: &'a str,
    flipped_at: Instant,
    result: &'a CheckResult,
}

impl FailedCheck<'_> {
    /// Back to `before` as git has it, `live` marked bad, the hooks run again; the error says
    /// all of it, with the time the site spent on `live`.
    fn flip_back(&self, history: &mut History, before: Option<&str>) -> Error {
        let short = |s: &str| s[..12.min(s.len())].to_string();
        let (rel, live, result) = (self.rel, self.live, self.result);
        let Some(before) = before else {
            return Error::failed(format!(
                "the health check of {} failed ({}); there is no release to go back to, so it stays live",
                short(live),
                result.detail
            ))
            .hint("fix the release, or deploy another one");
        };
        // Back as git has it: a file the new release shared and someone edited is not carried.
        let repaired = rel.verify(before, self.repo);
        if let Err(e) = rel.switch_to(before) {
            return e;
        }
        let seconds = self.flipped_at.elapsed().as_secs_f64();
        let _ = history.append(
            Some(live),
            before,
            "health check failed: flipped back",
            None,
        );
        let marked = rel.mark_bad(live).is_ok();
        let again = after::run_hooks(self.hooks, rel, before, Some(live), self.hook_timeout, None);
        let mut err = Error::failed(format!(
            "the health check of {} failed ({}); {} flipped back to {} after {seconds:.1} s on the new release{}",
            short(live),
            result.detail,
            rel.link.display(),
            short(before),
            if marked { ", which is marked bad" } else { "" }
        ))
        .hint(format!(
            "look at the release in {}, then deploy a fixed one",
            rel.dir.join(live).display()
        ));
        match repaired {
            Ok(said) => err.hints.extend(said.into_iter().map(Into::into)),
            Err(e) => {
                err = err.hint(format!(
                    "{} is live again, but: {}",
                    short(before),
                    e.message
                ))
            }
        }
        if !again.is_empty() {
            err = err.hint(format!(
                "after flipping back, the after-switch hook `{}` failed too: {}",
                again[0].command, again[0].output
            ));
        }
        err.details = Some(Box::new(serde_json::json!({
            "release": live,
            "flipped_back_to": before,
            "seconds_on_bad_release": seconds,
            "marked_bad": marked,
            "check": result,
            "hook_failures": again,
        })));
        err
    }
}

/// A release marked bad goes live again only with `--force`, or when a person confirms it.
/// `again` is the command (after `git fastrevert`) that does it anyway. The mark's note when
/// it goes ahead over one.
pub fn refuse_bad(
    ui: &crate::ui::Ui,
    force: bool,
    rel: &Releases,
    id: &str,
    dry_run: bool,
    again: &str,
) -> Result<Option<String>> {
    let Some(note) = rel.bad_note(id) else {
        return Ok(None);
    };
    let short = id.get(..12).unwrap_or(id);
    if force {
        return Ok(Some(note));
    }
    if ui.interactive && !dry_run {
        ui.confirm(
            &format!("{short} was marked bad ({note}). Put it live again?"),
            "putting a release marked bad live",
        )?;
        return Ok(Some(note));
    }
    Err(Error::refused(format!(
        "{short} was marked bad ({note}); nothing was changed"
    ))
    .hint(format!(
        "to put it live anyway: git fastrevert {again}{}",
        releases_flag(rel)
    )))
}

/// Going from the live release back to an older one moves the code over the migrations in
/// between, as a rollback does: the same guard, the same refusal (exit 4) of destructive or
/// unreadable ones unless `--allow-destructive-migrations`. When the repository cannot compare
/// the two (a release it does not have), that is said, never passed over in silence.
pub fn guard_migrations(
    global: &crate::cli::GlobalArgs,
    ui: &crate::ui::Ui,
    args: &crate::cli::GuardArgs,
    live: &str,
    target: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    // With the repository at hand, a configuration it cannot read is an error, not a reason
    // to skip the guard.
    let ctx = super::Ctx::open(global, ui)?;
    let (Ok(live), Ok(target)) = (
        crate::git::Oid::from_str(live),
        crate::git::Oid::from_str(target),
    ) else {
        return Ok(());
    };
    if live == target {
        return Ok(());
    }
    if let Some(missing) = [live, target]
        .into_iter()
        .find(|&id| !ctx.repo.has_commit(id))
    {
        warnings.push(format!(
            "the migration guard could not compare the releases: {} is not in this repository (fetch it); check the migrations between them by hand",
            crate::git::short(missing)
        ));
        return Ok(());
    }
    // Only going back matters: the migrations the live release has that the target lacks.
    if !ctx.repo.is_descendant(live, target)? {
        return Ok(());
    }
    let guard = ctx.guard(&[], None, &args.allow_migrations)?;
    let report = guard.check_range(&ctx.repo, target, live)?;
    ctx.enforce_guard(
        &report,
        &format!(
            "going back from {} to {}",
            crate::git::short(live),
            crate::git::short(target)
        ),
        args.allow_destructive_migrations,
        warnings,
    )
}
