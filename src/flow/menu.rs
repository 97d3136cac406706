//! The interactive flows: `git fastrevert` alone on a terminal, and commands started without a
//! choice they need. Every flow picks, shows the plan (a dry run of the very command that will
//! run), asks, and only then runs it.

use super::Ctx;
use crate::cli::{GlobalArgs, RevertArgs, RollbackArgs, RollbackMode};
use crate::error::{Error, Result};
use crate::flow::interactive::{self, ask_reason, planned};
use crate::flow::pick;
use crate::outcome::Outcome;
use crate::ui::Ui;

const ACTIONS: [&str; 5] = [
    "Roll back this host and revert what it shipped",
    "Revert a commit or pull request (a new branch and pull request)",
    "Roll back to a snapshot or release tag",
    "Take a snapshot before a rollout (prepare)",
    "Switch the live release on this host",
];

/// `git fastrevert` with no command.
pub fn run(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    let Some(p) = ui.ask() else {
        return Err(Error::bad_input("no command given")
            .hint("run `git fastrevert -h` to see the commands"));
    };
    let items: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
    match p
        .select("What do you want to do?", &items)?
        .ok_or_else(pick::cancelled)?
    {
        0 => incident(global, ui),
        1 => revert(global, ui, RevertArgs::default()),
        2 => rollback(global, ui, RollbackArgs::default()),
        3 => {
            let args = interactive::ask_snapshot(global, ui)?;
            planned(global, ui, &|ctx, _| {
                super::snapshot::run(ctx, &args).map(Outcome::Prepare)
            })
        }
        _ => switch(global, ui),
    }
}

/// `revert` without REV: pick a commit, then the planned run.
pub fn revert(global: &GlobalArgs, ui: &Ui, mut args: RevertArgs) -> Result<Outcome> {
    let ctx = Ctx::open(global, ui)?;
    ctx.fetch(&[])?;
    match pick::commit(&ctx)? {
        pick::Choice::Commit(sha) => args.revs = vec![sha],
        pick::Choice::Pr(n) => args.prs = vec![n],
    }
    ask_reason(ui, &mut args.publish)?;
    let mut global = global.clone();
    global.no_fetch = true;
    planned(&global, ui, &|ctx, allow| {
        let mut args = args.clone();
        args.guard.allow_destructive_migrations |= allow;
        super::revert::run(ctx, &args).map(Outcome::Revert)
    })
}

/// `rollback` without `--to`: pick a rollout point or release tag, and how to go back.
pub fn rollback(global: &GlobalArgs, ui: &Ui, mut args: RollbackArgs) -> Result<Outcome> {
    let ctx = Ctx::open(global, ui)?;
    ctx.fetch_tags()?;
    args.to = Some(pick::point(&ctx)?);
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    let modes = vec![
        format!(
            "commit: one commit restoring that tree, on a branch with a pull request into {}",
            ctx.settings.base
        ),
        format!(
            "reset: move {} itself back (a backup ref keeps the old tip)",
            ctx.settings.base
        ),
    ];
    if args.mode == RollbackMode::Commit && !args.publish.direct {
        args.mode = match p.select("How?", &modes)?.ok_or_else(pick::cancelled)? {
            0 => RollbackMode::Commit,
            _ => RollbackMode::Reset,
        };
    }
    ask_reason(ui, &mut args.publish)?;
    // Saying yes to the plan is the confirmation a reset needs.
    args.force = true;
    let mut global = global.clone();
    global.no_fetch = true;
    planned(&global, ui, &|ctx, allow| {
        let mut args = args.clone();
        args.guard.allow_destructive_migrations |= allow;
        super::rollback::run(ctx, &args).map(Outcome::Rollback)
    })
}

#[cfg(unix)]
fn switch(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    interactive::switch_host(global, ui, false)
}

/// The incident: `switch previous --mark-bad --revert`, planned and asked.
#[cfg(unix)]
fn incident(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    interactive::switch_host(global, ui, true)
}

#[cfg(not(unix))]
fn switch(_global: &GlobalArgs, _ui: &Ui) -> Result<Outcome> {
    Err(super::releases_unsupported())
}

#[cfg(not(unix))]
fn incident(_global: &GlobalArgs, _ui: &Ui) -> Result<Outcome> {
    Err(super::releases_unsupported())
}

#[cfg(test)]
#[path = "menu_tests.rs"]
mod tests;
