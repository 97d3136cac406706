//! Opening the pull request after a branch was pushed, and finding what an earlier run of the
//! same command already did, so that re-running finishes the job instead of duplicating it.

use git2::{Oid, Sort};

use super::Ctx;
use crate::cli::PublishArgs;
use crate::error::{Error, Result};
use crate::forge::{self, Forge, NewPr, PullRequest, Target};
use crate::git;

/// A client for the configured forge: `None` when no forge is configured or detected.
/// `need` says why a token is required, for the error when it is missing.
pub fn connect(ctx: &Ctx, need: &str) -> Result<Option<Box<dyn Forge>>> {
    let Some(target) = ctx.forge_target()? else {
        return Ok(None);
    };
    let Some(token) = forge::token_from_env(target.kind) else {
        return Err(
            Error::bad_input(format!("{need} needs a {} token", target.kind.name()))
                .hint(forge::token_hint(target.kind)),
        );
    };
    let trace: Option<forge::Trace> = if ctx.ui.verbose {
        Some(Box::new(|line: &str| {
            crate::ui::print_err(&format!("+ {line}"))
        }))
    } else {
        None
    };
    forge::connect(target, token, trace).map(Some)
}

/// After `branch` was pushed: open its pull request into the base, or find the one already
/// open. Returns `None` when pull requests are off or no forge is configured.
pub fn open_for_branch(
    ctx: &Ctx,
    branch: &str,
    title: String,
    body: String,
    publish: &PublishArgs,
    warnings: &mut Vec<String>,
) -> Result<Option<PullRequest>> {
    if ctx.global.no_pr || ctx.global.no_push {
        return Ok(None);
    }
    let Some(target) = ctx.forge_target()? else {
        return Ok(None);
    };
    let base = ctx.settings.base.clone();
    let by_hand = target.compare_url(&base, branch);
    if forge::token_from_env(target.kind).is_none() {
        warnings.push(format!(
            "the pull request was not opened: no {} token ({}); open it by hand: {by_hand}",
            target.kind.name(),
            forge::token_hint(target.kind)
        ));
        return Ok(None);
    }
    let pushed = |e: Error| not_opened(branch, &target, &base, e);
    let forge = connect(ctx, "opening the pull request")
        .map_err(pushed)?
        .ok_or_else(|| Error::failed("no forge"))?;
    let _progress = ctx.ui.progress(&format!(
        "Opening the pull request on {}",
        target.kind.name()
    ));
    let request = NewPr {
        title,
        body,
        head: branch.to_string(),
        base: base.clone(),
        draft: publish.draft,
        labels: publish.labels.clone(),
        reviewers: publish.reviewers.clone(),
    };
    forge.open_pr(&request, warnings).map(Some).map_err(pushed)
}

/// "Pull request #N opened: URL", or "was already open".
pub fn describe(p: &PullRequest) -> String {
    let how = if p.existing {
        "was already open"
    } else {
        "opened"
    };
    format!("Pull request #{} {how}: {}", p.number, p.url)
}

/// A forge failure after the push: say what is done and how to finish.
pub fn not_opened(branch: &str, target: &Target, base: &str, e: Error) -> Error {
    let mut err = Error::new(
        e.kind,
        format!(
            "branch {branch} pushed, pull request not opened: {}",
            e.message
        ),
    );
    err.hints = e.hints;
    err.hints.push("re-run the same command to finish: it finds the pushed branch and opens only what is missing".into());
    err.hints.push(format!(
        "or open it by hand: {}",
        target.compare_url(base, branch)
    ));
    err
}

/// The branch an earlier run left, here or on the remote, if `accept` recognises its commits
/// (those not on the base). Another branch of that name is bad input: the name is taken.
pub fn earlier_run(
    ctx: &Ctx,
    branch: &str,
    base: Oid,
    accept: &dyn Fn(&[git2::Commit<'_>]) -> bool,
) -> Result<Option<Earlier>> {
    let repo = &ctx.repo;
    let local_ref = format!("refs/heads/{branch}");
    let tracking = format!("refs/remotes/{}/{branch}", ctx.settings.remote);
    let local = git::ref_target(repo, &local_ref)?;
    let on_remote = if ctx.will_push() && !ctx.global.no_fetch {
        let found = ctx
            .git()
            .ls_remote(&ctx.settings.remote, std::slice::from_ref(&local_ref))?;
        found.first().and_then(|(_, oid)| Oid::from_str(oid).ok())
    } else {
        git::ref_target(repo, &tracking)?
    };
    let Some(tip) = local.or(on_remote) else {
        return Ok(None);
    };
    if repo.find_commit(tip).is_err() {
        ctx.git()
            .fetch(&ctx.settings.remote, &[format!("+{local_ref}:{tracking}")])?;
    }
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    walk.hide(base)?;
    walk.set_sorting(Sort::TOPOLOGICAL)?;
    let mut commits = Vec::new();
    for oid in walk.take(1000) {
        commits.push(repo.find_commit(oid?)?);
    }
    if commits.is_empty() || !accept(&commits) {
        return Err(Error::bad_input(format!(
            "branch {branch} already exists and holds other changes"
        ))
        .hint("pass --branch with another name, or delete the old branch if it is yours"));
    }
    Ok(Some(Earlier {
        tip,
        pushed: on_remote == Some(tip),
    }))
}

pub struct Earlier {
    pub tip: Oid,
    /// The remote has the branch at this tip already.
    pub pushed: bool,
}

/// Every commit id a revert branch says it reverts (`This reverts commit <id>` and the lines
/// of a squashed revert).
pub fn reverted_ids(commits: &[git2::Commit<'_>]) -> Vec<String> {
    let mut ids = Vec::new();
    for c in commits {
        let msg = String::from_utf8_lossy(c.message_bytes());
        for line in msg.lines() {
            let rest = line.strip_prefix("This reverts commit ").unwrap_or(line);
            let word = rest.split([' ', ',', '.']).next().unwrap_or("");
            if word.len() == 40 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
                ids.push(word.to_string());
            }
        }
    }
    ids
}
