//! `revert <REV>...`: revert commits, ranges and merges on a new branch on top of the base tip.

use crate::git::Oid;

use super::{publish, pull_request, BaseTip, Ctx};
use crate::cli::RevertArgs;
use crate::engine::revert::{self as engine, RevertError, RevertOptions, RevertPlan, Reverted};
use crate::error::{Error, Kind, Result};
use crate::forge::PrInfo;
use crate::git;
use crate::migrations::Report;
use crate::outcome;

pub fn run(ctx: &Ctx, args: &RevertArgs) -> Result<outcome::Revert> {
    if args.revs.is_empty() && args.prs.is_empty() {
        return Err(nothing_named());
    }
    super::check_given_names(ctx, &args.publish)?;
    ctx.fetch(&[])?;
    let base = ctx.base_tip()?;
    let mut warnings = Vec::new();
    let targets = targets(ctx, args, &base, &mut warnings)?;
    let migrations = guard_reverts(ctx, args, base.oid, &targets.commits, &mut warnings)?;
    let publish = &args.publish;
    let branch = branch_name(ctx, args, &targets);
    if !publish.direct {
        git::check_branch_name(&ctx.repo, &branch)?;
    }
    let authorship = git::Authorship::new(&ctx.repo, &publish.sign.choice(), ctx.global.dry_run)?;
    let (plan, earlier) = compute(ctx, args, &base, targets.commits, &branch, &authorship)?;
    skipped(ctx, &base, &plan, &mut warnings)?;

    let prs = &targets.prs;
    let dry_run = ctx.global.dry_run;
    let nothing_left = plan.reverted.is_empty();
    let request = || pr_text(ctx, &plan, prs, &migrations, publish.reason.as_deref());
    let comment_on: Vec<u64> = prs.iter().map(|p| p.info.number).collect();
    let published = if nothing_left || dry_run {
        publish::Published {
            pushed: false,
            pull_request: None,
        }
    } else {
        publish::publish(
            ctx,
            &base,
            &publish::Publication {
                branch: &branch,
                tip: plan.tip,
                commits: plan.commits.len(),
                earlier: earlier.as_ref(),
                publish,
                reflog: "fastrevert: revert",
                request: &request,
                comment_on: &comment_on,
            },
            &mut warnings,
        )?
    };
    let planned_request = (dry_run && !nothing_left).then(|| {
        let (title, _) = request();
        pull_request::plan(ctx, &title, publish)
    });
    let pushed = published.pushed || (dry_run && ctx.will_push());
    let publishing = publishing(ctx, publish, &plan, &authorship, pushed);
    let reverted_commits = with_subjects(ctx, &plan.reverted);
    let ids = |list: &[Reverted]| list.iter().map(|r| r.commit.to_string()).collect();
    Ok(outcome::Revert {
        command: "revert",
        base: ctx.settings.base.clone(),
        base_commit: base.oid.to_string(),
        branch: (!nothing_left).then_some(branch),
        commits: if dry_run {
            Vec::new()
        } else {
            plan.commits.iter().map(|c| c.to_string()).collect()
        },
        reverted: ids(&plan.reverted),
        skipped: ids(&plan.skipped),
        tree: plan.tree.to_string(),
        pushed: published.pushed,
        pull_request: published.pull_request,
        pull_request_plan: planned_request,
        reverted_pull_requests: comment_on,
        resumed: earlier.is_some(),
        signed: (authorship.signer.is_some() || publish.sign_with_github) && !nothing_left,
        dry_run,
        migrations: migrations.migrations,
        warnings,
        reverted_commits,
        publishing,
    })
}

fn nothing_named() -> Error {
    Error::bad_input("nothing to revert: no commit and no pull request given")
        .hint("pass REV (a commit or a range A..B), or --pr N for a merged pull request")
}

/// How the revert's commits were made and where they went (or would go).
fn publishing(
    ctx: &Ctx,
    publish: &crate::cli::PublishArgs,
    plan: &RevertPlan,
    authorship: &git::Authorship,
    pushed: bool,
) -> outcome::Publishing {
    let something = !plan.reverted.is_empty();
    outcome::Publishing {
        remote: ctx.settings.remote.clone(),
        direct: publish.direct,
        push: publish::push_state(ctx, pushed),
        tip: plan.tip.to_string(),
        commit_count: plan.commits.len(),
        signed_with: authorship
            .signer
            .as_ref()
            .filter(|_| something)
            .map(|s| s.signed_with()),
        by_github: publish.sign_with_github && something,
    }
}

/// The reverted commits as people see them: id, subject, and what each reverts when it is a
/// revert itself (reverting it brings that change back).
fn with_subjects(ctx: &Ctx, reverted: &[Reverted]) -> Vec<outcome::Undone> {
    reverted
        .iter()
        .map(|r| outcome::Undone {
            commit: r.commit.to_string(),
            subject: r.subject.clone(),
            reverts: ctx
                .repo
                .commit(r.commit)
                .ok()
                .and_then(|c| crate::engine::message::reverts(&c.message).map(str::to_string)),
        })
        .collect()
}

/// What a revert undoes: the commits (newest first, each checked) and the merged pull
/// requests they came from.
struct Targets {
    commits: Vec<Reverted>,
    prs: Vec<MergedPr>,
    /// Commits were named (not only pull requests).
    named_commits: bool,
}

/// The commits and pull requests named, resolved against the base: `pr:N`, `#N` and `!N` mean
/// `--pr N`; every commit must be live on the base.
fn targets(
    ctx: &Ctx,
    args: &RevertArgs,
    base: &BaseTip,
    warnings: &mut Vec<String>,
) -> Result<Targets> {
    let repo = &ctx.repo;
    let mut pr_numbers = args.prs.clone();
    let mut revs = Vec::new();
    for rev in &args.revs {
        match pr_number(rev) {
            Some(n) => pr_numbers.push(n),
            None => revs.push(ctx.base_rev(rev, base, warnings)),
        }
    }
    if let [only] = revs.as_slice() {
        if only.bytes().all(|b| b.is_ascii_digit())
            && only.len() < 6
            && repo.find_commit_named(only).is_none()
        {
            return Err(Error::bad_input(format!(
                "'{only}' is not a commit here; a pull request is written pr:{only} or #{only}"
            ))
            .hint(format!("git fastrevert revert pr:{only}")));
        }
    }
    let mut oids = if revs.is_empty() {
        Vec::new()
    } else {
        engine::expand_revs(repo, &revs)?
    };
    let prs = merged_prs(ctx, base.oid, &pr_numbers, &mut oids, warnings)?;
    let mut seen = std::collections::HashSet::new();
    oids.retain(|oid| seen.insert(*oid));
    if oids.len() > 1 {
        oids = engine::newest_first(repo, oids)?;
    }
    skip_empty_commits(repo, &mut oids, warnings)?;
    let commits = engine::check_targets(repo, &oids, args.mainline)?;
    name_octopus_merges(repo, &oids, args.mainline, warnings)?;
    all_on_base(ctx, base, &commits)?;
    Ok(Targets {
        commits,
        prs,
        named_commits: !revs.is_empty(),
    })
}

/// In a range or a list, an empty commit has nothing to revert: skipped and said, as git's
/// `--skip` would; alone it stays an error (the wrong id, most likely).
fn skip_empty_commits(
    repo: &git::Repo,
    oids: &mut Vec<Oid>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if oids.len() <= 1 {
        return Ok(());
    }
    let before = oids.len();
    oids.retain(|oid| {
        let empty = engine::is_empty_commit(repo, *oid);
        if empty {
            warnings.push(format!(
                "{} changes nothing (an empty commit): skipped",
                git::short(*oid)
            ));
        }
        !empty
    });
    if oids.is_empty() {
        return Err(Error::bad_input(format!(
            "all {before} commits change nothing (empty commits): there is nothing to revert"
        )));
    }
    Ok(())
}

/// An octopus merge reverted against one parent undoes every other branch it merged: name them.
fn name_octopus_merges(
    repo: &git::Repo,
    oids: &[Oid],
    mainline: Option<usize>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    for oid in oids {
        let commit = repo.commit(*oid)?;
        if commit.parents.len() <= 2 {
            continue;
        }
        let kept = mainline.unwrap_or(1);
        let undone: Vec<String> = commit
            .parents
            .iter()
            .enumerate()
            .filter(|(i, _)| i + 1 != kept)
            .map(|(_, p)| git::short(*p))
            .collect();
        warnings.push(format!(
            "{} is an octopus merge ({} parents): reverting it against parent {kept} undoes what the other {} brought (the branches at {})",
            git::short(*oid),
            commit.parents.len(),
            undone.len(),
            undone.join(", ")
        ));
    }
    Ok(())
}

/// Every commit must be live on the base: reverting one that is not would undo nothing.
fn all_on_base(ctx: &Ctx, base: &BaseTip, commits: &[Reverted]) -> Result<()> {
    let repo = &ctx.repo;
    // Most reverted commits (merged pull requests) are on the base's first-parent line,
    // remembered between runs, as is the set of all the base's commits.
    // Read only if the set cannot answer (the line may be hundreds of kilobytes).
    let mut remembered: Option<git::first_parents::FirstParents> = None;
    // With git's commit-graph the full check costs milliseconds: look only a little way.
    let bounds = if repo.has_commit_graph() {
        git::first_parents::SHORT
    } else {
        git::first_parents::NEAR
    };
    for t in commits {
        // The remembered set of the base's commits answers with a lookup (a header and 1/256 of
        // the set read); without it, the first-parent line is looked down a little way before
        // the history is asked.
        let on_base = match ctx.on_base_by_set(base.oid, t.commit, false) {
            Some(yes) => yes,
            None => {
                remembered
                    .get_or_insert_with(|| git::first_parents::FirstParents::load(repo))
                    .line_to(base.oid, t.commit, 0, bounds)?
                    .is_some()
                    || ctx.on_base(base.oid, t.commit)?
            }
        };
        if !on_base {
            return Err(Error::bad_input(format!(
                "{} is not on {} ({} at {}): reverting it there would undo nothing that is live",
                git::short(t.commit),
                ctx.settings.base,
                base.from_ref,
                git::short(base.oid)
            ))
            .hint(format!(
                "check the id with `git branch -a --contains {}`; to revert on another branch, pass --base <branch>",
                git::short(t.commit)
            )));
        }
    }
    if !ctx.global.dry_run {
        if let Some(remembered) = &remembered {
            remembered.save();
        }
    }
    Ok(())
}

/// The branch the revert goes on: the base itself (`--direct`), `--branch`, or named as the
/// forges' own revert buttons name it.
fn branch_name(ctx: &Ctx, args: &RevertArgs, targets: &Targets) -> String {
    let publish = &args.publish;
    let prs = targets.prs.as_slice();
    match (&publish.branch, publish.direct, prs) {
        (_, true, _) => ctx.settings.base.clone(),
        (Some(name), false, _) => name.clone(),
        // GitHub's own Revert button names the branch this way.
        (None, false, [one]) if !targets.named_commits => {
            let head = one
                .info
                .head_ref
                .replace(
                    |c: char| !(c.is_ascii_alphanumeric() || "-_./".contains(c)),
                    "-",
                )
                .trim_matches(|c| "-_./".contains(c))
                .to_string();
            // A request whose source branch is unknown (found in the history) has no name part.
            if head.is_empty() {
                format!("revert-{}", one.info.number)
            } else {
                format!("revert-{}-{head}", one.info.number)
            }
        }
        (None, false, [_, ..]) if !targets.named_commits => format!(
            "revert-{}",
            prs.iter()
                .map(|p| p.info.number.to_string())
                .collect::<Vec<_>>()
                .join("-")
        ),
        (None, false, _) => format!("revert-{}", git::short(targets.commits[0].commit)),
    }
}

/// The revert computed in memory, and the earlier run that already made exactly this result
/// on `branch`, if there is one (its commits are then not made again).
fn compute(
    ctx: &Ctx,
    args: &RevertArgs,
    base: &BaseTip,
    commits: Vec<Reverted>,
    branch: &str,
    authorship: &git::Authorship,
) -> Result<(RevertPlan, Option<publish::Earlier>)> {
    let opts = RevertOptions {
        mainline: args.mainline,
        squash: args.squash,
        reason: args.publish.reason.as_deref(),
        author: &authorship.author,
        committer: &authorship.committer,
        signer: authorship.signing(),
    };
    let mut plan = engine::revert(&ctx.repo, base.oid, commits, &opts).map_err(|e| match e {
        RevertError::Other(e) => e,
        RevertError::Conflict { commit, conflicts } => {
            conflict_error(ctx, base, branch, &commit, conflicts)
        }
    })?;
    let earlier = if args.publish.direct || plan.reverted.is_empty() {
        None
    } else {
        publish::earlier_run(ctx, branch, base.oid, plan.tree)?
    };
    if let Some(e) = &earlier {
        // An earlier run made this branch: finish its job instead of redoing it.
        plan.tip = e.tip;
        plan.commits = Vec::new();
    }
    Ok((plan, earlier))
}

/// The engine's notes, and a warning for each commit already reverted on the base.
fn skipped(ctx: &Ctx, base: &BaseTip, plan: &RevertPlan, warnings: &mut Vec<String>) -> Result<()> {
    warnings.extend(plan.notes.iter().cloned());
    let mut swallowed = Vec::new();
    for s in &plan.skipped {
        let by = match engine::reverting_commit(&ctx.repo, base.oid, s.commit)? {
            Some(r) => format!(" by {}", git::short(r)),
            None => {
                // No revert of it on the base: a merge rule may have kept its lines.
                let rules = engine::merge_rule_paths(&ctx.repo, base.oid, s)?;
                if !rules.is_empty() {
                    swallowed.push((s, rules));
                    continue;
                }
                String::new()
            }
        };
        warnings.push(format!(
            "{} \"{}\" is already reverted on {}{by}: skipped",
            git::short(s.commit),
            s.subject,
            ctx.settings.base
        ));
    }
    if swallowed.is_empty() {
        return Ok(());
    }
    let said: Vec<String> = swallowed
        .iter()
        .map(|(s, rules)| {
            let files: Vec<String> = rules
                .iter()
                .map(|(path, rule)| format!("{} ({rule})", git::quote_path(path)))
                .collect();
            format!(
                "reverting {} \"{}\" changes nothing on {} because of the merge attributes of {}: its change is most likely still live, and no revert of it exists",
                git::short(s.commit),
                s.subject,
                ctx.settings.base,
                files.join(", ")
            )
        })
        .collect();
    // Everything asked for came out as no change: not a success, as git's own revert is not.
    if plan.reverted.is_empty() {
        let (first, rules) = &swallowed[0];
        let paths: Vec<String> = rules.iter().map(|(p, _)| git::quote_path(p)).collect();
        return Err(Error::failed(said.join("; "))
            .hint(format!(
                "revert it without the merge rule, as a patch: git switch -c revert-{0} {1} && git diff -U0 {0} {0}^ -- {2} | git apply --unidiff-zero --index && git commit -m 'Revert \"{3}\"'",
                git::short(first.commit),
                base.from_ref.trim_start_matches("refs/remotes/").trim_start_matches("refs/heads/"),
                paths.join(" "),
                first.subject.replace('\'', "")
            ))
            .hint("or check the files: if the change is really gone, there is nothing to revert"));
    }
    warnings.extend(said);
    Ok(())
}

/// A merged pull request and how its merge left it on the base.
pub struct MergedPr {
    pub info: PrInfo,
    pub method: crate::forge::MergeMethod,
}

/// Look the pull requests up and add the commits their merges left on the base to `oids`:
/// a merge commit (reverted against parent 1), a squash commit, or a rebased range.
fn merged_prs(
    ctx: &Ctx,
    base: crate::git::Oid,
    numbers: &[u64],
    oids: &mut Vec<crate::git::Oid>,
    warnings: &mut Vec<String>,
) -> Result<Vec<MergedPr>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    // Without a forge API (none configured, or no token), the base's own history says which
    // commit merged a pull request, as the forges write it.
    let forge = match pull_request::connect(ctx, "revert --pr") {
        Ok(Some(forge)) => forge,
        other => {
            let why = match other {
                Err(e) => e,
                _ => Error::bad_input("revert --pr needs to know the forge, and none is configured or recognisable from the remote")
                    .hint("git config fastrevert.forge github (or gitlab, bitbucket, bitbucket-datacenter) and fastrevert.repo owner/name"),
            };
            return numbers
                .iter()
                .map(|&n| from_history(ctx, base, n, oids, warnings, &why))
                .collect();
        }
    };
    let kind = forge.target().kind;
    let (noun, reference) = (kind.request_noun(), |n: u64| kind.reference(n));
    let mut found = Vec::new();
    for &n in numbers {
        let progress = ctx
            .ui
            .progress(&format!("Looking up {noun} {}", reference(n)));
        let info = match forge.get_pr(n) {
            Ok(info) => info,
            // GitLab CI's job token may not read merge requests (many versions answer 404 or
            // 401 to it): the history still says, and the warning names the token.
            Err(e) if forge.read_only() => {
                drop(progress);
                warnings.push(format!(
                    "CI_JOB_TOKEN could not read {} ({}); it was looked up in the history of {} instead (set GITLAB_TOKEN to use the API)",
                    reference(n),
                    e.message,
                    ctx.settings.base
                ));
                let why =
                    Error::bad_input(format!("CI_JOB_TOKEN could not read it ({})", e.message))
                        .hint(crate::forge::token_hint(kind));
                found.push(from_history(ctx, base, n, oids, warnings, &why)?);
                continue;
            }
            Err(e) => return Err(e),
        };
        drop(progress);
        if !info.merged {
            return Err(Error::bad_input(format!(
                "{noun} {} is not merged (it is {}), so there is nothing to revert",
                reference(n),
                info.state.to_lowercase()
            ))
            .hint("close it instead, or name the commits to revert"));
        }
        if info.base_ref != ctx.settings.base {
            warnings.push(format!(
                "{} was merged into {}, not {}",
                reference(n),
                info.base_ref,
                ctx.settings.base
            ));
        }
        let landed = super::pr_commits::landed(ctx, base, &info, forge.as_ref(), warnings)?;
        oids.extend(landed.commits);
        let method = landed.method;
        found.push(MergedPr { info, method });
    }
    Ok(found)
}

/// `pr:N`, `#N` or GitLab's `!N`.
fn pr_number(rev: &str) -> Option<u64> {
    rev.strip_prefix("pr:")
        .or_else(|| rev.strip_prefix('#'))
        .or_else(|| rev.strip_prefix('!'))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

/// A pull request found on the base's first-parent line by the message its forge wrote: GitHub
/// `Merge pull request #N from owner/branch` or a squash `… (#N)`, Bitbucket `Merged in branch
/// (pull request #N)`, GitLab `See merge request group/project!N`.
fn from_history(
    ctx: &Ctx,
    base: crate::git::Oid,
    n: u64,
    oids: &mut Vec<crate::git::Oid>,
    warnings: &mut Vec<String>,
    no_api: &Error,
) -> Result<MergedPr> {
    let repo = &ctx.repo;
    let project_slug = ctx
        .forge_target()
        .ok()
        .flatten()
        .filter(|t| t.kind == crate::forge::Kind::GitLab)
        .map(|t| t.slug);
    let mut at = Some(base);
    for _ in 0..20_000 {
        let Some(oid) = at else { break };
        let commit = repo.commit(oid)?;
        let merged =
            crate::engine::message::merged_request(&commit.message, commit.parents.len() > 1)
                .filter(|m| m.number == n)
                // A GitLab merge request of this project when it is known: one of another project
                // merged in (a subtree, a vendored copy) is not taken.
                .filter(|m| match (&m.gitlab_project, &project_slug) {
                    (Some(project), Some(slug)) => project == slug,
                    _ => true,
                });
        if let Some(merged) = merged {
            let subject = commit.subject().to_string();
            let (title, head_ref) = (merged.title.clone(), merged.head_ref.clone());
            warnings.push(format!(
                "{} found in the history of {} as {} \"{subject}\" (no forge API was used)",
                merged.reference(),
                ctx.settings.base,
                git::short(oid)
            ));
            oids.push(oid);
            return Ok(MergedPr {
                info: PrInfo {
                    number: n,
                    title,
                    merged: true,
                    state: "merged".into(),
                    merge_commit: Some(oid.to_string()),
                    head_ref,
                    head_sha: None,
                    base_ref: ctx.settings.base.clone(),
                    url: String::new(),
                    ..PrInfo::default()
                },
                method: if commit.parents.len() > 1 {
                    crate::forge::MergeMethod::Merge
                } else {
                    crate::forge::MergeMethod::Squash
                },
            });
        }
        at = commit.parents.first().copied();
    }
    let mut err = Error::bad_input(format!(
        "pull request #{n} is not in the history of {} as a merge or squash commit, and {}",
        ctx.settings.base,
        no_api.message.trim_end_matches('.')
    ));
    err.hints = no_api.hints.clone();
    Err(err)
}

/// The pull request's title and body.
fn pr_text(
    ctx: &Ctx,
    plan: &RevertPlan,
    prs: &[MergedPr],
    migrations: &Report,
    reason: Option<&str>,
) -> (String, String) {
    let target = ctx.forge_target().ok().flatten();
    let kind = target
        .as_ref()
        .map_or(crate::forge::Kind::GitHub, |t| t.kind);
    let slug = target.map(|t| t.slug).unwrap_or_default();
    // GitLab's own revert button writes "This reverts merge request !N".
    let reverts = |n: u64| match kind {
        crate::forge::Kind::GitLab => format!("This reverts merge request !{n}"),
        crate::forge::Kind::AzureDevOps => format!("Reverts !{n}"),
        _ => format!("Reverts {slug}#{n}"),
    };
    let (title, mut body) = match prs {
        [one] => (
            format!("Revert \"{}\"", one.info.title),
            reverts(one.info.number),
        ),
        [_, ..] => (
            format!(
                "Revert {}",
                prs.iter()
                    .map(|p| kind.reference(p.info.number))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            prs.iter()
                .map(|p| reverts(p.info.number))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        [] => {
            let title = match plan.reverted.as_slice() {
                [one] => crate::engine::message::revert_title(&one.subject),
                many => format!("Revert {} commits", many.len()),
            };
            let lines: Vec<String> = plan
                .reverted
                .iter()
                .map(|r| format!("- {} {}", r.commit, r.subject))
                .collect();
            (title, format!("This reverts:\n\n{}", lines.join("\n")))
        }
    };
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        body.push_str(&format!("\n\nReason: {reason}"));
    }
    if !migrations.migrations.is_empty() {
        body.push_str("\n\nMigrations in the reverted commits:\n");
        for line in crate::ui::render::migration_lines(&migrations.migrations) {
            body.push_str(&format!("\n    {line}"));
        }
    }
    (title, body)
}

/// Run the migration guard on what the reverted commits did: refuse destructive migrations,
/// and warn that reverting the addition of a migration leaves the schema as it is.
fn guard_reverts(
    ctx: &Ctx,
    args: &RevertArgs,
    base: Oid,
    targets: &[Reverted],
    warnings: &mut Vec<String>,
) -> Result<Report> {
    let repo = &ctx.repo;
    // What a revert undoes is its commits' own changes: the walk of each diff visits only what
    // they changed, so a first run does not build the index of every folder of the base (a
    // walk of the whole tree); one kept from `prepare` is used, for merges that changed much.
    let guard = ctx.guard_with_kept_index(base, &args.guard.allow_migrations)?;
    let mut report = Report::default();
    for t in targets {
        let parent_tree = repo.tree_of(t.parent)?;
        let changes = guard.check_trees(repo, Some(parent_tree), repo.tree_of(t.commit)?)?;
        for m in changes
            .migrations
            .iter()
            .filter(|m| m.status == crate::migrations::FileStatus::Added)
        {
            warnings.push(format!(
                "reverting {} removes the migration {}, but the database keeps what it did: the file goes, the schema stays",
                git::short(t.commit),
                git::shown_path(&m.file)
            ));
        }
        report.extend(changes);
    }
    let what = match targets {
        [one] => format!("reverting {}", git::short(one.commit)),
        many => format!("reverting {} commits", many.len()),
    };
    ctx.enforce_guard(
        &report,
        &what,
        args.guard.allow_destructive_migrations,
        warnings,
    )?;
    Ok(report)
}

fn conflict_error(
    ctx: &Ctx,
    base: &BaseTip,
    branch: &str,
    commit: &Reverted,
    conflicts: Vec<crate::engine::merge::Conflict>,
) -> Error {
    let short = git::short(commit.commit);
    let mut err = Error::new(
        Kind::Conflict,
        format!(
            "reverting {short} \"{}\" conflicts with {} in {} path(s); nothing was written",
            commit.subject,
            ctx.settings.base,
            conflicts.len()
        ),
    );
    err.conflicts = conflicts
        .iter()
        .map(|c| crate::error::ConflictDetail {
            path: git::path_text(&c.path),
            kind: c.reason.to_string(),
            raw: c.path.clone(),
        })
        .collect();
    let start = base
        .from_ref
        .strip_prefix("refs/remotes/")
        .or_else(|| base.from_ref.strip_prefix("refs/heads/"))
        .unwrap_or(&base.from_ref);
    let m = if commit.is_merge { " -m 1" } else { "" };
    // With --direct the branch is production itself, which exists: resolve on a new one.
    let work = if branch == ctx.settings.base {
        format!("revert-{short}")
    } else {
        branch.to_string()
    };
    err.hints.push(if ctx.has_remote() {
        format!(
            "resolve it by hand: git switch -c {work} {start} && git revert{m} {short}, fix the files, git add them, git revert --continue, then git push {} {work}",
            ctx.settings.remote
        )
        .into()
    } else {
        format!(
            "resolve it by hand: git switch -c {work} {start} && git revert{m} {short}, fix the files, git add them, git revert --continue"
        )
        .into()
    });
    err
}
