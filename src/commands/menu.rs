//! The interactive flows: `git fastrevert` alone on a terminal, and commands started without a
//! choice they need. Every flow picks, shows the plan (a dry run of the very command that will
//! run), asks, and only then runs it.

use super::{Ctx, Outcome};
use crate::cli::{GlobalArgs, PrepareArgs, RevertArgs, RollbackArgs, RollbackMode, SwitchArgs};
use crate::error::{Error, Result};
use crate::flow::pick;
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
            // A revision that is not there is asked again.
            let rollout = retry(ui, || {
                let rollout = p.input("Revision about to be rolled out (empty: none)", "")?;
                if !rollout.trim().is_empty() {
                    let ctx = Ctx::open(global, ui)?;
                    crate::git::resolve_commit(&ctx.repo, rollout.trim())?;
                }
                Ok(rollout)
            })?;
            let args = PrepareArgs {
                name: Some(name),
                rollout: Some(rollout).filter(|r| !r.trim().is_empty()),
                sign: Default::default(),
            };
            planned(global, ui, &|ctx, _| super::prepare::run(ctx, &args))
        }
        _ => switch(global, ui),
    }
}

/// Ask again after bad input (a typo), saying what was wrong; anything else ends the flow.
fn retry<T>(ui: &Ui, mut ask: impl FnMut() -> Result<T>) -> Result<T> {
    for _ in 0..5 {
        match ask() {
            Err(e) if e.kind == crate::error::Kind::BadInput => {
                ui.warn(&format!("{}; try again", e.message))
            }
            other => return other,
        }
    }
    ask()
}

/// Why, for the Revert-Reason trailer and the pull request (optional; Enter skips it).
fn ask_reason(ui: &Ui, publish: &mut crate::cli::PublishArgs) -> Result<()> {
    if publish.reason.is_some() {
        return Ok(());
    }
    if let Some(p) = ui.ask() {
        let reason = p.input("Why? (optional, for the commit and the pull request)", "")?;
        publish.reason = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
    }
    Ok(())
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
        super::revert::run(ctx, &args)
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
        super::rollback::run(ctx, &args)
    })
}

#[cfg(unix)]
fn switch(global: &GlobalArgs, ui: &Ui) -> Result<Outcome> {
    let repo = crate::git::open(None).ok();
    let mut args = SwitchArgs::default();
    args.dirs.wait = 60;
    let rel = match crate::flow::release_dirs::release_dirs(repo.as_ref(), &args.dirs) {
        Ok(rel) => rel,
        Err(_) => {
            let p = ui.ask().ok_or_else(pick::cancelled)?;
            // A typo is asked again, not the end of the flow.
            retry(ui, || {
                let dir = p.input(
                    "Releases directory (the folder with one folder per release)",
                    "",
                )?;
                args.dirs.releases = Some(dir.into());
                crate::flow::release_dirs::release_dirs(repo.as_ref(), &args.dirs)
            })?
        }
    };
    args.release = Some(pick::release(ui, &rel, repo.as_ref())?);
    planned_host(global, ui, &|g, allow| {
        let mut args = args.clone();
        args.guard.allow_destructive_migrations |= allow;
        super::switch::run(g, ui, &args)
    })
}

#[cfg(not(unix))]
fn switch(_global: &GlobalArgs, _ui: &Ui) -> Result<Outcome> {
    Err(super::releases_unsupported())
}

/// Show the plan (a dry run), ask, then run for real. The command gets whether destructive
/// migrations were accepted after the person saw them.
fn planned(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn for<'c> Fn(&Ctx<'c>, bool) -> Result<Outcome>,
) -> Result<Outcome> {
    planned_host(global, ui, &|g, allow| command(&Ctx::open(g, ui)?, allow))
}

fn planned_host(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn Fn(&GlobalArgs, bool) -> Result<Outcome>,
) -> Result<Outcome> {
    let mut dry = global.clone();
    dry.dry_run = true;
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    // A refusal over destructive migrations shows what they are and asks, instead of ending
    // the flow with a flag to pass.
    let mut allow = false;
    let plan = match command(&dry, false) {
        Err(e)
            if e.kind == crate::error::Kind::Refused
                && e.details
                    .as_ref()
                    .is_some_and(|d| d.get("destructive_migrations").is_some()) =>
        {
            ui.show_refusal(&e, "--allow-destructive-migrations");
            if !p.confirm(
                "Go ahead anyway, although the old code may break against the current schema?",
                false,
            )? {
                return Err(pick::cancelled());
            }
            allow = true;
            command(&dry, true)?
        }
        other => other?,
    };
    ui.show_plan(&plan);
    if !p.confirm("Go ahead?", false)? {
        return Err(pick::cancelled());
    }
    let mut real = global.clone();
    real.yes = true;
    real.no_fetch = true;
    command(&real, allow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::prompt::{Answer, Scripted};

    /// A repository with three commits on main and a release tag on the first.
    fn repo() -> (tempfile::TempDir, git2::Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let sig =
            git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
        let mut parent: Option<git2::Oid> = None;
        for (i, subject) in ["Add app", "Add four", "Add notes"].iter().enumerate() {
            let blob = repo.blob(format!("{i}\n").as_bytes()).unwrap();
            let mut b = repo
                .treebuilder(
                    parent
                        .map(|p| repo.find_commit(p).unwrap().tree().unwrap())
                        .as_ref(),
                )
                .unwrap();
            b.insert(format!("f{i}.txt"), blob, 0o100644).unwrap();
            let tree = repo.find_tree(b.write().unwrap()).unwrap();
            let parents: Vec<git2::Commit> = parent
                .iter()
                .map(|p| repo.find_commit(*p).unwrap())
                .collect();
            let refs: Vec<&git2::Commit> = parents.iter().collect();
            let id = repo
                .commit(Some("refs/heads/main"), &sig, &sig, subject, &tree, &refs)
                .unwrap();
            if i == 0 {
                repo.tag_lightweight("v1.0.0", &repo.find_object(id, None).unwrap(), false)
                    .unwrap();
            }
            parent = Some(id);
        }
        repo.set_head("refs/heads/main").unwrap();
        let mut config = repo.config().unwrap();
        config.set_str("user.name", "T").unwrap();
        config.set_str("user.email", "t@example.com").unwrap();
        (dir, repo)
    }

    fn global(dir: &std::path::Path) -> GlobalArgs {
        GlobalArgs {
            directory: Some(dir.to_path_buf()),
            quiet: true,
            ..Default::default()
        }
    }

    fn scripted(answers: Vec<Answer>) -> Ui {
        Ui::with_prompter(Box::new(Scripted::new(answers)))
    }

    #[test]
    fn the_menu_reverts_the_picked_commit_after_the_plan() {
        let (dir, repo) = repo();
        let ui = scripted(vec![
            Answer::Pick("Revert a commit".into()),
            Answer::Pick("Add four".into()),
            Answer::Text("checkout broke".into()),
            Answer::Yes,
        ]);
        let outcome = run(&global(dir.path()), &ui).unwrap();
        let branch = outcome.json()["branch"].as_str().unwrap().to_string();
        let tip = repo
            .find_reference(&format!("refs/heads/{branch}"))
            .unwrap()
            .target()
            .unwrap();
        let summary = repo
            .find_commit(tip)
            .unwrap()
            .summary()
            .unwrap()
            .unwrap()
            .to_string();
        assert_eq!(summary, "Revert \"Add four\"");
        // The reason asked for lands in the commit.
        let message = repo
            .find_commit(tip)
            .unwrap()
            .message()
            .unwrap()
            .to_string();
        assert!(
            message.contains("Revert-Reason: checkout broke"),
            "{message}"
        );
    }

    #[test]
    fn saying_no_to_the_plan_writes_nothing() {
        let (dir, repo) = repo();
        let refs_before = repo.references().unwrap().count();
        let ui = scripted(vec![
            Answer::Pick("Add notes".into()),
            Answer::Text(String::new()),
            Answer::No,
        ]);
        let err = revert(&global(dir.path()), &ui, RevertArgs::default()).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Interrupted);
        assert_eq!(repo.references().unwrap().count(), refs_before);
    }

    #[test]
    fn rollback_picks_a_tag_and_a_mode() {
        let (dir, repo) = repo();
        let ui = scripted(vec![
            Answer::Pick("v1.0.0".into()),
            Answer::Pick("commit:".into()),
            Answer::Text(String::new()),
            Answer::Yes,
        ]);
        let outcome = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap();
        assert_eq!(outcome.json()["branch"], "rollback-to-v1.0.0");
        let tip = repo
            .find_reference("refs/heads/rollback-to-v1.0.0")
            .unwrap()
            .target()
            .unwrap();
        let tagged = repo.revparse_single("v1.0.0^{tree}").unwrap().id();
        assert_eq!(repo.find_commit(tip).unwrap().tree_id(), tagged);
    }

    /// Commit a destructive SQL migration on main, after v1.0.0.
    fn add_destructive_migration(repo: &git2::Repository) {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let blob = repo
            .blob(b"ALTER TABLE users DROP COLUMN legacy;\n")
            .unwrap();
        let mut migrate = repo.treebuilder(None).unwrap();
        migrate.insert("001_drop.sql", blob, 0o100644).unwrap();
        let mut db = repo.treebuilder(None).unwrap();
        db.insert("migrate", migrate.write().unwrap(), 0o040000)
            .unwrap();
        let mut root = repo.treebuilder(Some(&head.tree().unwrap())).unwrap();
        root.insert("db", db.write().unwrap(), 0o040000).unwrap();
        let tree = repo.find_tree(root.write().unwrap()).unwrap();
        let sig =
            git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_100, 0)).unwrap();
        repo.commit(
            Some("refs/heads/main"),
            &sig,
            &sig,
            "Drop legacy",
            &tree,
            &[&head],
        )
        .unwrap();
    }

    #[test]
    fn a_refused_plan_shows_the_findings_and_asks() {
        let (dir, repo) = repo();
        add_destructive_migration(&repo);
        let prompter = Scripted::new(vec![
            Answer::Pick("v1.0.0".into()),
            Answer::Pick("commit:".into()),
            Answer::Text(String::new()),
            Answer::Yes, // go ahead anyway, over the migration
            Answer::Yes, // go ahead with the plan
        ]);
        let ui = Ui::with_prompter(Box::new(prompter));
        let outcome = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap();
        assert_eq!(outcome.json()["branch"], "rollback-to-v1.0.0");
        assert!(
            outcome.json()["warnings"]
                .to_string()
                .contains("allowed by --allow-destructive-migrations"),
            "{}",
            outcome.json()["warnings"]
        );
        // Saying no to the refusal writes nothing.
        let (dir, repo) = super::tests::repo();
        add_destructive_migration(&repo);
        let refs = repo.references().unwrap().count();
        let ui = scripted(vec![
            Answer::Pick("v1.0.0".into()),
            Answer::Pick("commit:".into()),
            Answer::Text(String::new()),
            Answer::No,
        ]);
        let err = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Interrupted);
        assert_eq!(repo.references().unwrap().count(), refs);
    }

    #[test]
    fn a_typo_is_asked_again() {
        let (dir, repo) = repo();
        let ui = scripted(vec![
            Answer::Pick("Take a snapshot".into()),
            Answer::Text("before-deploy".into()),
            Answer::Text("no-such-revision".into()),
            Answer::Text(String::new()),
            Answer::Yes,
        ]);
        let outcome = run(&global(dir.path()), &ui).unwrap();
        assert_eq!(outcome.json()["tag"], "pre-rollout/before-deploy");
        assert!(repo
            .find_reference("refs/tags/pre-rollout/before-deploy")
            .is_ok());
    }

    #[test]
    fn picker_lines_fit_the_terminal() {
        use crate::ui::prompt::fit;
        assert_eq!(fit("short", 76), "short");
        let long = "a".repeat(120);
        assert_eq!(fit(&long, 76).chars().count(), 76);
        assert!(fit(&long, 76).ends_with('…'));
    }

    #[test]
    fn backing_out_of_a_picker_cancels() {
        let (dir, _repo) = repo();
        let ui = scripted(vec![Answer::Back]);
        assert_eq!(
            run(&global(dir.path()), &ui).unwrap_err().kind,
            crate::error::Kind::Interrupted
        );
    }
}
