//! git-fastrevert: revert, roll back and snapshot production branches on objects and refs only.
//!
//! The layout, one line per module, is in `docs/architecture.md`.

// Linked for its exported zlib functions, which libgit2 calls (Cargo.toml says why).
use libz_rs_sys as _;

pub mod cli;
pub mod completion;
pub mod config;
pub mod engine;
pub mod error;
pub mod flow;
pub mod forge;
pub mod git;
pub mod migrations;
pub mod outcome;
#[cfg(unix)]
pub mod releases;
pub mod threads;
pub mod ui;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use error::Error;
use outcome::Outcome;
use ui::{actions, azure_pipelines, gitlab_ci, Ui};

/// Parse the command line, run the command, print its result and map it to the exit code.
pub fn main() -> ExitCode {
    // A shell asking for completions gets them and nothing else.
    completion::answer_if_asked();
    git::tune();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if err.use_stderr() && std::env::args().any(|a| a == "--json") => {
            // Scripts asked for JSON: give them the usage error in the same shape as any other.
            let detail = err.render().to_string();
            let first = detail.lines().next().unwrap_or_default();
            let message = first.strip_prefix("error: ").unwrap_or(first);
            let body = serde_json::json!({"error": Error::bad_input(message).hint("run with --help for usage").to_json()});
            ui::print_json(&body);
            ui::print_err(detail.trim_end());
            return ExitCode::from(error::Kind::BadInput.exit_code());
        }
        Err(err) => err.exit(),
    };
    let ui = Ui::new(&cli.global);
    #[cfg(unix)]
    if ui.interactive {
        ui::exit_on_interrupt();
    }
    let result = run(&cli, &ui);
    git::overrides::clean_up();
    git::merge_tree::clean_up();
    let err = match result {
        Ok(None) => return ExitCode::SUCCESS,
        Ok(Some(outcome)) => {
            ui.render(&outcome);
            if actions::active() {
                actions::publish(&outcome);
            }
            let Some(refusal) = flow::migration_check::verdict(&outcome) else {
                if gitlab_ci::active() {
                    gitlab_ci::publish(&outcome);
                }
                if azure_pipelines::active() {
                    azure_pipelines::publish(&outcome);
                }
                return ExitCode::SUCCESS;
            };
            // A report whose verdict is the exit code: shown whole above, refused here
            // without a second JSON object.
            if actions::active() {
                actions::fail(&refusal);
            }
            if gitlab_ci::active() {
                gitlab_ci::fail(&refusal);
            }
            if azure_pipelines::active() {
                azure_pipelines::fail(&refusal);
            }
            ui.error_text(&refusal);
            return ExitCode::from(refusal.kind.exit_code());
        }
        Err(err) => err,
    };
    if err.kind == error::Kind::Interrupted {
        // A prompt may have hidden the cursor.
        ui::show_cursor();
    }
    if actions::active() {
        actions::fail(&err);
    }
    if gitlab_ci::active() {
        gitlab_ci::fail(&err);
    }
    if azure_pipelines::active() {
        azure_pipelines::fail(&err);
    }
    ui.error(&err);
    ExitCode::from(err.kind.exit_code())
}

/// The command's outcome; `None` when it printed what was asked for itself (completions).
fn run(cli: &Cli, ui: &Ui) -> error::Result<Option<Outcome>> {
    let mut global = cli.global.clone();
    if let Some(dir) = global.directory.take() {
        // Every relative path on the command line is then relative to DIR, as with git -C.
        std::env::set_current_dir(&dir).map_err(|e| {
            Error::bad_input(format!("cannot use -C {}: {e}", dir.display()))
                .hint("pass an existing directory")
        })?;
    }
    let global = &global;
    let Some(command) = &cli.command else {
        if ui.interactive {
            return flow::menu::run(global, ui).map(Some);
        }
        let _ = Cli::command().print_help();
        return Err(Error::bad_input("no command given")
            .hint("run `git fastrevert -h` to see the commands (`--help` shows the manual once `git fastrevert man --install` has put it where man looks)"));
    };
    // Release commands work on a host's directories and need a repository only to read it.
    // Left to the process's exit, as git leaves its repository: freeing it unmaps each pack
    // window one by one, a few percent of a small revert. Nothing in it needs a drop to be
    // complete (refs and objects are written when made; locks and temporary files have
    // guards of their own).
    let ctx = || flow::Ctx::open(global, ui).map(std::mem::ManuallyDrop::new);
    let outcome = match command {
        Command::Prepare(args) => flow::snapshot::run(&*ctx()?, args).map(Outcome::Prepare)?,
        Command::List(_) => flow::points::list(&*ctx()?).map(Outcome::List)?,
        // A choice missing on a terminal: pick it, show the plan, ask.
        Command::Revert(args) if args.revs.is_empty() && args.prs.is_empty() && ui.interactive => {
            flow::menu::revert(global, ui, args.clone())?
        }
        Command::Rollback(args) if args.to.is_none() && ui.interactive => {
            flow::menu::rollback(global, ui, args.clone())?
        }
        Command::Revert(args) => flow::revert::run(&*ctx()?, args).map(Outcome::Revert)?,
        Command::Rollback(args) => flow::rollback::run(&*ctx()?, args).map(Outcome::Rollback)?,
        Command::CheckMigrations(args) => {
            flow::migration_check::run(&*ctx()?, args).map(Outcome::CheckMigrations)?
        }
        #[cfg(unix)]
        Command::Completions(args) => {
            ui::print_script(&cli::completion(args.shell));
            return Ok(None);
        }
        Command::Man(args) => {
            for line in cli::install_man(args)? {
                ui.info(&line);
            }
            return Ok(None);
        }
        #[cfg(unix)]
        Command::Deploy(args) => flow::deploy::run(global, ui, args).map(Outcome::Deploy)?,
        #[cfg(unix)]
        Command::Switch(args) => flow::switch::run(global, ui, args).map(Outcome::Switch)?,
        #[cfg(unix)]
        Command::Releases(args) => flow::release_dirs::list(args).map(Outcome::Releases)?,
        Command::Hold(args) => {
            flow::holds::run(&*ctx()?, args.release.as_deref(), args.reason.as_deref())
                .map(Outcome::Holds)?
        }
        #[cfg(unix)]
        Command::Status(args) => flow::status::run(global, ui, args).map(Outcome::Status)?,
        #[cfg(not(unix))]
        Command::Deploy(_) | Command::Switch(_) | Command::Releases(_) | Command::Status(_) => {
            return Err(flow::releases_unsupported())
        }
    };
    Ok(Some(outcome))
}
