//! The interactive flows: `git fastrevert` alone on a terminal, and commands started without a
//! choice they need. Every flow picks, shows the plan (a dry run of the very command that will
//! run), asks, and only then runs it.

use super::{pick, Ctx, Outcome};
use crate::cli::{GlobalArgs, PrepareArgs, RevertArgs, RollbackArgs, RollbackMode, SwitchArgs};
use crate::error::{Error, Result};
use crate::ui::Ui;

const ACTIONS: [&str; 4] = [
    "Revert a commit or pull request (a new branch and pull request)",
    "Roll back to a snapshot or release tag",
    "Take a snapshot before a rollout (prepare)",
    "Switch the live release on this host",
];

/// `git fastrevert` with no command.
pub fn run(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    let Some(p) = ui.ask() else {
        return Err(Error::bad_input("no command given")
            .hint("run `git fastrevert --help` to see the commands"));
    };
    let items: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
    match p
        .select("What do you want to do?", &items)?
        .ok_or_else(pick::cancelled)?
    {
        0 => revert(global, ui, RevertArgs::default()),
        1 => rollback(global, ui, RollbackArgs::default()),
        2 => {
            let name_default = time::OffsetDateTime::now_utc()
                .format(time::macros::format_description!(
                    "[year][month][day]-[hour][minute][second]"
                ))
                .unwrap_or_default();
            let name = p.input("Snapshot name", &name_default)?;
            let rollout = p.input("Revision about to be rolled out (empty: none)", "")?;
            let args = PrepareArgs {
                name: Some(name),
                rollout: Some(rollout).filter(|r| !r.trim().is_empty()),
            };
            planned(global, ui, &|ctx| super::prepare::run(ctx, &args))
        }
        _ => switch(global, ui),
    }
}

/// `revert` without REV: pick a commit, then the planned run.
pub fn revert(global: &GlobalArgs, ui: &Ui, mut args: RevertArgs) -> Result<Outcome> {
    let ctx = Ctx::open(global, ui)?;
    ctx.fetch(&[])?;
    args.revs = vec![pick::commit(&ctx)?];
    let mut global = global.clone();
    global.no_fetch = true;
    planned(&global, ui, &|ctx| super::revert::run(ctx, &args))
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
    // Saying yes to the plan is the confirmation a reset needs.
    args.force = true;
    let mut global = global.clone();
    global.no_fetch = true;
    planned(&global, ui, &|ctx| super::rollback::run(ctx, &args))
}

#[cfg(unix)]
fn switch(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    let repo = crate::git::open(None).ok();
    let mut args = SwitchArgs::default();
    args.dirs.wait = 60;
    let configured = super::releases::release_dirs(repo.as_ref(), &args.dirs);
    if configured.is_err() {
        let p = ui.ask().ok_or_else(pick::cancelled)?;
        let dir = p.input("Releases directory", "")?;
        args.dirs.releases = Some(dir.into());
    }
    let rel = super::releases::release_dirs(repo.as_ref(), &args.dirs)?;
    args.release = Some(pick::release(ui, &rel)?);
    planned_host(global, ui, &|g| super::switch::run(g, ui, &args))
}

#[cfg(not(unix))]
fn switch(_global: &GlobalArgs, _ui: &Ui) -> Result<Outcome> {
    Err(super::releases_unsupported())
}

/// Show the plan (a dry run), ask, then run for real.
fn planned(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn Fn(&Ctx) -> Result<Outcome>,
) -> Result<Outcome> {
    planned_host(global, ui, &|g| command(&Ctx::open(g, ui)?))
}

fn planned_host(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn Fn(&GlobalArgs) -> Result<Outcome>,
) -> Result<Outcome> {
    let mut dry = global.clone();
    dry.dry_run = true;
    let plan = command(&dry)?;
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    eprintln!();
    eprintln!("The plan:");
    for line in plan.human.iter().filter(|l| !l.starts_with("Dry run")) {
        eprintln!("  {line}");
    }
    for w in plan.json["warnings"].as_array().into_iter().flatten() {
        eprintln!("  warning: {}", w.as_str().unwrap_or_default());
    }
    eprintln!();
    if !p.confirm("Go ahead?", false)? {
        return Err(pick::cancelled());
    }
    let mut real = global.clone();
    real.yes = true;
    real.no_fetch = true;
    command(&real)
}
