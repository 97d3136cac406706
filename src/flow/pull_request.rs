//! Opening the pull request after a branch was pushed, and finding what an earlier run of the
//! same command already did, so that re-running finishes the job instead of duplicating it.

use super::Ctx;
use crate::cli::PublishArgs;
use crate::error::{Error, Result};
use crate::forge::{self, Forge, NewPr, PullRequest, Target};
pub use crate::outcome::Planned;

/// A client for the configured forge: `None` when no forge is configured or detected.
/// `need` says why a token is required, for the error when it is missing.
pub fn connect(ctx: &Ctx, need: &str) -> Result<Option<Box<dyn Forge>>> {
    if let Some(make) = &ctx.forge {
        return Ok(Some(make()));
    }
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
    let noun = target.kind.request_noun();
    if let Some(why) = cannot_open(ctx, &target) {
        warnings.push(format!(
            "the {noun} was not opened: {why}; open it by hand: {by_hand}"
        ));
        return Ok(None);
    }
    let pushed = |e: Error| not_opened(branch, &target, &base, e);
    let forge = connect(ctx, &format!("opening the {noun}"))
        .map_err(pushed)?
        .ok_or_else(|| Error::failed("no forge"))?;
    let _progress = ctx
        .ui
        .progress(&format!("Opening the {noun} on {}", target.kind.name()));
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

/// Why the environment's token cannot open a request on `target` (none, or GitLab CI's job
/// token, which reads only), with the variable to set.
fn cannot_open(ctx: &Ctx, target: &Target) -> Option<String> {
    if let Some(make) = &ctx.forge {
        return make()
            .read_only()
            .then(|| format!("the {} client reads only", target.kind.name()));
    }
    match forge::token_from_env(target.kind) {
        None => Some(format!(
            "no {} token; {}",
            target.kind.name(),
            forge::token_hint(target.kind)
        )),
        Some(token) if !token.writes() => Some(format!(
            "CI_JOB_TOKEN cannot open merge requests; {}",
            forge::token_hint(target.kind)
        )),
        Some(_) => None,
    }
}

/// What `open_for_branch` would do for a branch titled `title`, without doing it.
pub fn plan(ctx: &Ctx, title: &str, publish: &PublishArgs) -> Planned {
    let target = ctx.forge_target();
    let mut planned = Planned {
        open: false,
        forge: None,
        repository: None,
        title: title.to_string(),
        base: ctx.settings.base.clone(),
        draft: publish.draft,
        labels: publish.labels.clone(),
        reviewers: publish.reviewers.clone(),
        why_not: None,
    };
    if let Ok(Some(t)) = &target {
        planned.forge = Some(t.kind.name().to_string());
        planned.repository = Some(t.slug.clone());
        if publish.draft {
            planned.title = t.kind.draft_title(title);
        }
    }
    planned.why_not = if publish.direct {
        Some("--direct commits onto the base itself".into())
    } else if ctx.global.no_pr {
        Some("--no-pr".into())
    } else if ctx.global.no_push {
        Some("--no-push: nothing is pushed".into())
    } else if !ctx.has_remote() {
        Some(format!("there is no remote {}", ctx.settings.remote))
    } else {
        match &target {
            Err(e) => Some(e.message.clone()),
            Ok(None) => Some(format!(
                "no forge is configured or recognised from the remote (name it: git config fastrevert.forge NAME, one of {})",
                crate::forge::Kind::setting_names()
            )),
            Ok(Some(t)) => cannot_open(ctx, t),
        }
    };
    planned.open = planned.why_not.is_none();
    planned
}

/// A forge failure after the push: say what is done and how to finish.
pub fn not_opened(branch: &str, target: &Target, base: &str, e: Error) -> Error {
    let mut err = Error::new(
        e.kind,
        format!(
            "branch {branch} pushed, {} not opened: {}",
            target.kind.request_noun(),
            e.message
        ),
    );
    err.hints = e.hints;
    err.hints.push("re-run the same command to finish: it finds the pushed branch and opens only what is missing".into());
    err.hints
        .push(format!("or open it by hand: {}", target.compare_url(base, branch)).into());
    err
}
