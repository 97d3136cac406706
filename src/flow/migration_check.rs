//! `check-migrations [RANGE]`: classify the migrations a range adds or changes; exit 4 when
//! rolling code back over them would break it.

use super::Ctx;
use crate::cli::CheckMigrationsArgs;
use crate::error::{Error, Hint, Opt, Result};
use crate::git;
use crate::migrations::Class;
use crate::outcome;

pub fn run(ctx: &Ctx, args: &CheckMigrationsArgs) -> Result<outcome::CheckMigrations> {
    let repo = &ctx.repo;
    let guard = ctx.guard(&args.paths, args.dialect, &args.allow_migrations)?;
    let (label, report) = match &args.range {
        Some(range) if range.contains("..") => {
            let (from, to) = range
                .split_once("..")
                .filter(|(a, b)| {
                    !a.is_empty() && !b.is_empty() && !b.starts_with('.') && !b.contains("..")
                })
                .ok_or_else(|| {
                    Error::bad_input(format!("malformed range '{range}'"))
                        .hint("write A..B, e.g. v1.4.0..main")
                })?;
            let (from_id, to_id) = (
                git::resolve_commit(repo, from)?,
                git::resolve_commit(repo, to)?,
            );
            ctx.index_for(&guard, to_id)?;
            (range.clone(), guard.check_range(repo, from_id, to_id)?)
        }
        Some(rev) => {
            let id = git::resolve_commit(repo, rev)?;
            let commit = repo.commit(id)?;
            let parent = match commit.parents.first() {
                Some(&p) => Some(repo.tree_of(p)?),
                None => None,
            };
            (
                format!("{rev}^..{rev}"),
                guard.check_trees(repo, parent, commit.tree)?,
            )
        }
        None => {
            ctx.fetch(&[])?;
            let base = ctx.base_tip()?;
            let head = git::resolve_commit(repo, "HEAD")?;
            ctx.index_for(&guard, head)?;
            let short = base
                .from_ref
                .trim_start_matches("refs/remotes/")
                .trim_start_matches("refs/heads/");
            (
                format!("{short}..HEAD"),
                guard.check_range(repo, base.oid, head)?,
            )
        }
    };
    let destructive = report.count(Class::Destructive);
    let unknown = report.count(Class::Unknown);
    let review = report.count(Class::Review);
    let acknowledged = report.acknowledged().count();
    let worst = report.worst();
    let warnings = report.not_judged_warnings().collect();
    Ok(outcome::CheckMigrations {
        command: "check-migrations",
        range: label,
        dialect: format!("{:?}", guard.dialect).to_lowercase(),
        additive: report.count(Class::Additive),
        safe: report.count(Class::Safe),
        migrations: report.migrations,
        destructive,
        unknown,
        review,
        acknowledged,
        warnings,
        worst,
    })
}

/// The exit a complete outcome still calls for: `check-migrations` finding destructive or
/// unreadable statements is a report and a refusal at once.
pub fn verdict(outcome: &outcome::Outcome) -> Option<Error> {
    let outcome::Outcome::CheckMigrations(o) = outcome else {
        return None;
    };
    if o.destructive > 0 {
        return Some(
            Error::refused(format!(
                "{} holds {} destructive migration statement(s)",
                o.range, o.destructive
            ))
            .hint("make the schema change in two steps (add, deploy, then remove), or roll forward instead"),
        );
    }
    (o.unknown > 0).then(|| {
        Error::refused(format!(
            "{} holds {} migration finding(s) git-fastrevert cannot read: whether code can be rolled back over them is unknown",
            o.range, o.unknown
        ))
        .hint(Hint::naming(Opt::AllowMigration, "review each, then acknowledge it: {option} <PATH>, or a `fastrevert: rollback-safe <why>` comment in it"))
    })
}
