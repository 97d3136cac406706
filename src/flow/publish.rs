//! Publishing a result: one pipeline for revert and rollback (an earlier run resumed, objects
//! persisted, refs written last, the push, the pull request, comments on what it reverts), and
//! the direct path onto the base branch itself.

use super::{pull_request, BaseTip, Ctx};
use crate::cli::PublishArgs;
use crate::error::{Error, Result};
use crate::forge::PullRequest;
use crate::git::{self, remote::Rejection, FileMode, Oid};

/// Put the branch's commits (`base..tip`, one line of first parents) on GitHub through its
/// API, which signs them, instead of pushing them; then fetch what GitHub made.
pub fn create_through_forge(ctx: &Ctx, branch: &str, base: Oid, tip: Oid) -> Result<()> {
    let commits = api_commits(&ctx.repo, base, tip)?;
    let forge = pull_request::connect(ctx, "--sign-with-github")?.ok_or_else(|| {
        Error::bad_input("--sign-with-github needs GitHub as the forge, and none is configured")
            .hint("git config fastrevert.forge github and fastrevert.repo owner/name")
    })?;
    let _progress = ctx.ui.progress(&format!(
        "Creating {} signed commit(s) on {branch} through GitHub's API",
        commits.len()
    ));
    forge.create_signed_commits(branch, &base.to_string(), &commits)?;
    let tracking = format!("refs/remotes/{}/{branch}", ctx.settings.remote);
    if let Err(e) = ctx.git().fetch(
        &ctx.settings.remote,
        &[format!("+refs/heads/{branch}:{tracking}")],
    ) {
        ctx.ui.warn(&format!(
            "{branch} was created on GitHub, but fetching it failed: {}",
            e.message
        ));
    }
    Ok(())
}

/// The commits of `base..tip` as whole-file changes for an API. What such an API cannot write
/// (an executable bit, a symlink, a submodule, a name that is not UTF-8) is refused here, before
/// anything is created.
pub fn api_commits(
    repo: &crate::git::Repo,
    base: Oid,
    tip: Oid,
) -> Result<Vec<crate::forge::ApiCommit>> {
    let limit = |path: &str, why: &str| {
        Error::bad_input(format!(
            "{path} {why}, which GitHub's commit API cannot write; nothing was created"
        ))
        .hint("run without --sign-with-github (the commits are then pushed unsigned), or sign them locally with -S")
    };
    let mut out = Vec::new();
    for commit in repo.file_changes(base, tip)? {
        let (mut additions, mut deletions) = (Vec::new(), Vec::new());
        for change in commit.changes {
            let path = std::str::from_utf8(&change.path).map_err(|_| {
                limit(
                    &git::quote_path(&change.path),
                    "has a name that is not UTF-8",
                )
            })?;
            let Some((mode, content)) = change.new else {
                deletions.push(path.to_string());
                continue;
            };
            match mode {
                Some(FileMode::Blob) => {}
                Some(FileMode::Executable) => return Err(limit(path, "is executable")),
                Some(FileMode::Link) => return Err(limit(path, "is a symlink")),
                Some(FileMode::Submodule) => return Err(limit(path, "is a submodule")),
                _ => return Err(limit(path, "is of a kind")),
            }
            if change.old_mode == Some(FileMode::Executable) {
                return Err(limit(path, "loses its executable bit"));
            }
            additions.push((path.to_string(), content));
        }
        let message = commit.message;
        let (headline, body) = match message.split_once('\n') {
            Some((h, b)) => (h.to_string(), b.trim_start_matches('\n').to_string()),
            None => (message.clone(), String::new()),
        };
        out.push(crate::forge::ApiCommit {
            headline,
            body,
            additions,
            deletions,
            tree: commit.tree.to_string(),
        });
    }
    Ok(out)
}

/// What became of the refs: pushed (a dry run: would be), declined, or no remote to push to.
pub fn push_state(ctx: &Ctx, pushed: bool) -> crate::outcome::Push {
    if pushed {
        crate::outcome::Push::Pushed
    } else if ctx.has_remote() {
        crate::outcome::Push::Declined
    } else {
        crate::outcome::Push::NoRemote
    }
}

/// Push a branch created here to the same name on the remote (never forced).
pub fn push_branch(ctx: &Ctx, branch: &str, tip: Oid) -> Result<()> {
    let _progress = ctx
        .ui
        .progress(&format!("Pushing {branch} to {}", ctx.settings.remote));
    let spec = format!("refs/heads/{branch}:refs/heads/{branch}");
    match ctx.git().push(&ctx.settings.remote, &[spec], false, &[])? {
        Ok(()) => Ok(()),
        Err(failure) => Err(push_failed(
            &format!("created branch {branch} locally at {}", git::short(tip)),
            &failure,
            format!("git push {} {branch}", ctx.settings.remote),
        )),
    }
}

/// Lines describing what a failed push left behind and how to finish by hand.
pub fn push_failed(done: &str, failure: &git::remote::PushFailure, retry: String) -> Error {
    let said = format!("{} {}", failure.describe(), failure.stderr).to_ascii_lowercase();
    // git's own words under the tool's: a hook's reasons, a connection refused.
    let mut message = format!("{done}, but the push failed: {}", failure.describe());
    for line in failure.git_said() {
        message.push_str("\n  ");
        message.push_str(&line);
    }
    let err = Error::failed(message);
    // Pushing the same unsigned commit again would fail the same way.
    if said.contains("sign") || said.contains("verified") {
        return err.hint(
            "the remote seems to want signed commits: run the command again with -S (signing as git does, from gpg.format and user.signingKey), or set commit.gpgSign=true",
        );
    }
    err.hint(format!("fix the cause, then push by hand: {retry}"))
}

/// What to publish: `tip`, made on top of the base, on a new `branch` (or, with `--direct`,
/// on the base itself).
pub struct Publication<'a> {
    pub branch: &'a str,
    pub tip: Oid,
    /// How many commits `tip` adds to the base.
    pub commits: usize,
    /// An earlier run that made this very branch: its job is finished, not redone.
    pub earlier: Option<&'a Earlier>,
    pub publish: &'a PublishArgs,
    /// The new branch's reflog message.
    pub reflog: &'a str,
    /// The pull request's title and body, made only when one is opened.
    pub request: &'a dyn Fn() -> (String, String),
    /// Pull requests to tell where their revert is, once it has one.
    pub comment_on: &'a [u64],
}

/// What publishing did.
pub struct Published {
    pub pushed: bool,
    pub pull_request: Option<PullRequest>,
}

/// Persist, write the branch (last, atomically), push it (or have GitHub create it), open the
/// pull request and comment on what it reverts; or put the result on the base itself.
pub fn publish(
    ctx: &Ctx,
    base: &BaseTip,
    p: &Publication,
    warnings: &mut Vec<String>,
) -> Result<Published> {
    if p.publish.direct {
        let pushed = publish_direct(ctx, base, p.tip, p.commits)?;
        return Ok(Published {
            pushed,
            pull_request: None,
        });
    }
    let repo = &ctx.repo;
    // GitHub makes the commits itself (and signs them): no local branch of ours.
    if p.earlier.is_none() && !p.publish.sign_with_github {
        git::persist(repo, &[p.tip])?;
        git::create_refs(
            repo,
            &[(format!("refs/heads/{}", p.branch), p.tip)],
            p.reflog,
        )?;
    }
    let mut pushed = p.earlier.is_some_and(|e| e.pushed);
    if ctx.will_push() && !pushed {
        if p.publish.sign_with_github {
            create_through_forge(ctx, p.branch, base.oid, p.tip)?;
        } else {
            push_branch(ctx, p.branch, p.tip)?;
        }
        pushed = true;
    }
    let mut pull_request = None;
    if pushed {
        let (title, body) = (p.request)();
        pull_request =
            pull_request::open_for_branch(ctx, p.branch, title, body, p.publish, warnings)?;
        if let Some(opened) = &pull_request {
            comment_on_reverted(ctx, p.comment_on, opened, p.branch, warnings);
        }
    }
    Ok(Published {
        pushed,
        pull_request,
    })
}

/// Tell each reverted pull request where its revert is. A failure here is only a warning: the
/// revert itself is done.
fn comment_on_reverted(
    ctx: &Ctx,
    prs: &[u64],
    opened: &PullRequest,
    branch: &str,
    warnings: &mut Vec<String>,
) {
    if prs.is_empty() || opened.existing {
        return;
    }
    let forge = match pull_request::connect(ctx, "commenting") {
        Ok(Some(f)) => f,
        _ => return,
    };
    let kind = forge.target().kind;
    for p in prs {
        let body = format!(
            "This {} is reverted in {} ({}), branch `{branch}`.",
            kind.request_noun(),
            kind.reference(opened.number),
            opened.url
        );
        if let Err(e) = forge.comment(*p, &body) {
            warnings.push(format!(
                "no comment was left on {}: {}",
                kind.reference(*p),
                e.message
            ));
        }
    }
}

/// Put the result on the base branch itself: a fast-forward push, or a local compare-and-swap.
/// Returns whether it was pushed.
pub fn publish_direct(ctx: &Ctx, base: &BaseTip, tip: Oid, count: usize) -> Result<bool> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    if ctx.will_push() {
        ctx.ui.confirm(
            &format!(
                "Push {count} commit(s) straight to {}/{}?",
                s.remote, s.base
            ),
            "--direct",
        )?;
        git::persist(repo, &[tip])?;
        let _progress = ctx
            .ui
            .progress(&format!("Pushing to {}/{}", s.remote, s.base));
        let spec = format!("{}:refs/heads/{}", tip, s.base);
        return match ctx.git().push(&s.remote, &[spec], false, &[])? {
            Ok(()) => Ok(true),
            Err(f) if f.any(&Rejection::NonFastForward) => Err(Error::refused(format!(
                "{}/{} moved since it was fetched, so the push would not be a fast-forward; nothing was pushed",
                s.remote, s.base
            ))
            .hint(if ctx.global.no_fetch {
                "fetch the new tip (git fetch), then run the same command again: it reverts on top of it".to_string()
            } else {
                "run the same command again: it fetches the new tip and reverts on top of it".to_string()
            })),
            Err(f) => Err(push_failed(
                &format!("created commit {} (not on any branch)", git::short(tip)),
                &f,
                format!("git push {} {}:refs/heads/{}", s.remote, tip, s.base),
            )),
        };
    }
    let local = ctx.local_base_ref();
    if git::ref_target(repo, &local)? != Some(base.oid) {
        return Err(Error::refused(format!(
            "the local branch {} is not at {} ({}), so it cannot be fast-forwarded",
            s.base,
            git::short(base.oid),
            base.from_ref
        ))
        .hint("push instead (drop --no-push), or update the local branch first"));
    }
    if git::is_checked_out(repo, &local)? {
        return Err(Error::refused(format!(
            "{} is checked out here, and git-fastrevert never moves your checkout",
            s.base
        ))
        .hint("revert on a branch (drop --direct), then merge it yourself"));
    }
    ctx.ui.confirm(
        &format!("Move {} forward by {count} commit(s)?", s.base),
        "--direct",
    )?;
    git::persist(repo, &[tip])?;
    git::move_ref(repo, &local, tip, base.oid, "fastrevert: revert --direct")?;
    Ok(false)
}

/// The branch an earlier run left, here or on the remote, if it holds exactly this run's result:
/// the tree `expected`, on top of the base. A branch of that name holding anything else is bad
/// input: the name is taken.
pub fn earlier_run(ctx: &Ctx, branch: &str, base: Oid, expected: Oid) -> Result<Option<Earlier>> {
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
    if !repo.has_commit(tip) {
        ctx.git()
            .fetch(&ctx.settings.remote, &[format!("+{local_ref}:{tracking}")])?;
    }
    let tree = repo.tree_of(tip)?;
    let on_base = tip != base && repo.is_descendant(tip, base)?;
    // Here and on the remote it must be the same run.
    let same_everywhere = match (local, on_remote) {
        (Some(l), Some(r)) => l == r,
        _ => true,
    };
    if tree != expected || !on_base || !same_everywhere {
        let why = if !on_base {
            format!(
                "is not on top of {} ({})",
                ctx.settings.base,
                git::short(base)
            )
        } else if !same_everywhere {
            format!("differs here and on {}", ctx.settings.remote)
        } else {
            "holds a different result than this run computes".to_string()
        };
        return Err(Error::bad_input(format!(
            "branch {branch} already exists and {why}; nothing was changed"
        ))
        .hint(format!("choose another branch name: --branch {branch}-2"))
        .hint(format!(
            "or, if that branch is an old attempt of yours, look at it (git log {}..{}) and delete it first",
            git::short(base),
            if local.is_some() { branch.to_string() } else { format!("{}/{branch}", ctx.settings.remote) }
        )));
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
