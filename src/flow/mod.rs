//! Between the commands and the engine: the context of a run (repository, settings, the base
//! tip, fetching), the plans of a revert, a rollback and a snapshot, the migration-guard
//! policy, and one publish pipeline that revert and rollback share. Flows never print; they
//! return outcomes, and ask through `Ui`.

#[cfg(unix)]
pub mod deploy;
pub mod guard;
pub mod holds;
pub mod interactive;
pub mod menu;
pub mod migration_check;
pub mod pick;
pub mod points;
pub mod pr_commits;
pub mod publish;
pub mod pull_request;
#[cfg(unix)]
pub mod release_dirs;
pub mod revert;
pub mod rollback;
pub mod snapshot;
#[cfg(unix)]
pub mod status;
#[cfg(unix)]
pub mod switch;

use crate::git::{Oid, Repo};

use crate::cli::GlobalArgs;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::git::{self, remote::GitCli};
use crate::ui::Ui;

pub struct Ctx<'a> {
    pub repo: Repo,
    pub settings: Settings,
    pub global: &'a GlobalArgs,
    pub ui: &'a Ui,
    /// The forge to talk to instead of the one settings and environment name (embedding,
    /// tests): it makes a client each time one is needed.
    pub forge: Option<Box<dyn Fn() -> Box<dyn crate::forge::Forge> + 'a>>,
    /// A base tip the remembered set of its commits was found not to reach (a force push):
    /// a later question that may build the set rebuilds it without that walk again.
    set_behind: std::cell::Cell<Option<Oid>>,
}

/// Where the base branch's tip was read from.
pub struct BaseTip {
    pub oid: Oid,
    /// `refs/remotes/<remote>/<base>` or `refs/heads/<base>`.
    pub from_ref: String,
}

impl<'a> Ctx<'a> {
    pub fn open(global: &'a GlobalArgs, ui: &'a Ui) -> Result<Ctx<'a>> {
        let repo = git::open(global.directory.as_deref())?;
        let settings = Settings::load(&repo, global)?;
        if crate::ui::actions::active() && repo.is_shallow() {
            ui.warn("this is a shallow clone (actions/checkout fetches one commit and no tags by default): set fetch-depth: 0 so history and tags are there");
        }
        Ok(Ctx {
            repo,
            settings,
            global,
            ui,
            forge: None,
            set_behind: std::cell::Cell::new(None),
        })
    }

    /// Talk to the forge `make` gives instead of the configured one.
    pub fn with_forge(mut self, make: impl Fn() -> Box<dyn crate::forge::Forge> + 'a) -> Self {
        self.forge = Some(Box::new(make));
        self
    }

    pub fn git(&self) -> GitCli {
        let trace: Option<git::remote::Trace> = if self.ui.verbose {
            Some(Box::new(|line: &str| {
                crate::ui::print_err(&format!("+ {line}"))
            }))
        } else {
            None
        };
        GitCli::new(&self.repo, self.ui.interactive, trace)
    }

    /// The forge pull requests go to, if the settings or the remote's host name one.
    pub fn forge_target(&self) -> Result<Option<crate::forge::Target>> {
        if let Some(make) = &self.forge {
            return Ok(Some(make().target().clone()));
        }
        let url = self.repo.remote_url(&self.settings.remote);
        let s = &self.settings;
        crate::forge::detect(
            url.as_deref(),
            s.forge.as_deref(),
            s.forge_repo.as_deref(),
            s.api_url.as_deref(),
        )
    }

    pub fn has_remote(&self) -> bool {
        self.repo.has_remote(&self.settings.remote)
    }

    /// Whether results go to the remote: it exists and `--no-push` was not given.
    pub fn will_push(&self) -> bool {
        !self.global.no_push && self.has_remote()
    }

    pub fn remote_base_ref(&self) -> String {
        format!(
            "refs/remotes/{}/{}",
            self.settings.remote, self.settings.base
        )
    }

    pub fn local_base_ref(&self) -> String {
        format!("refs/heads/{}", self.settings.base)
    }

    /// Fetch the base branch (and `extra` refspecs) unless `--no-fetch` or there is no remote.
    pub fn fetch(&self, extra: &[String]) -> Result<()> {
        if self.global.no_fetch || !self.has_remote() {
            return Ok(());
        }
        let s = &self.settings;
        let mut refspecs = vec![format!("+refs/heads/{}:{}", s.base, self.remote_base_ref())];
        refspecs.extend(extra.iter().cloned());
        let _progress = self
            .ui
            .progress(&format!("Fetching {} from {}", s.base, s.remote));
        self.git().fetch(&s.remote, &refspecs).map_err(|e| {
            let missing = e.cause::<git::remote::FetchFailed>();
            if missing.is_some_and(git::remote::FetchFailed::missing_ref) {
                Error::bad_input(format!("the remote {} has no branch {}", s.remote, s.base))
                    .hint("pass --base with the production branch, or set fastrevert.base")
            } else {
                e
            }
        })
    }

    /// Fetch the base branch, then the remote's tags. A tag that differs locally is not
    /// overwritten; that only costs a warning, since what is local still works.
    pub fn fetch_tags(&self) -> Result<()> {
        self.fetch(&[])?;
        if self.global.no_fetch || !self.has_remote() {
            return Ok(());
        }
        if let Err(e) = self.git().fetch(
            &self.settings.remote,
            &["refs/tags/*:refs/tags/*".to_string()],
        ) {
            self.ui
                .warn(&format!("tags were not all fetched: {}", e.message));
        }
        Ok(())
    }

    /// The production tip: the remote-tracking branch when it exists, else the local branch.
    pub fn base_tip(&self) -> Result<BaseTip> {
        for name in [self.remote_base_ref(), self.local_base_ref()] {
            if let Some(oid) = git::ref_target(&self.repo, &name)? {
                return Ok(BaseTip {
                    oid,
                    from_ref: name,
                });
            }
        }
        Err(Error::bad_input(format!("no branch '{}' here or on {}", self.settings.base, self.settings.remote))
            .hint("pass --base with the production branch, or set it once: git config fastrevert.base <branch>"))
    }
}

impl Ctx<'_> {
    /// Whether `commit` is in the history of the base tip `base` (or is it). Answered from the
    /// remembered set of the base's commits (extended by what the base gained since). Without
    /// one, in a repository the tool has not run in before (a clone made for one CI job),
    /// `git merge-base --is-ancestor` answers: it stops once past the commit, where building the
    /// set walks to the root (a first run on curl: 70 ms against 290). In a repository it has
    /// run in (kept between runs), or without git, the set is built, by `git rev-list` where
    /// git keeps a commit-graph, else by one walk; failing all, libgit2's walk answers. `prepare`
    /// builds the set before the incident. `-v` says which answered.
    pub fn on_base(&self, base: Oid, commit: Oid) -> Result<bool> {
        if let Some(yes) = self.on_base_by_set(base, commit, false) {
            return Ok(yes);
        }
        if !self.repo.has_remembered_anything() {
            if let Some(yes) = self.repo.ancestor_by_git(commit, base) {
                self.ui.trace(
                    "on the base? answered by git merge-base --is-ancestor (a first run here: no remembered set of the base's commits)",
                );
                // A second run is the sign of a kept clone: it builds the set.
                if !self.global.dry_run {
                    self.repo.mark_run();
                }
                return Ok(yes);
            }
        }
        if let Some(yes) = self.on_base_by_set(base, commit, true) {
            return Ok(yes);
        }
        self.ui.trace(if !self.repo.has_commit_graph() {
            "on the base? answered by a walk of its ancestry (no commit-graph, no remembered set)"
        } else {
            "on the base? answered by git's commit-graph (git merge-base --is-ancestor)"
        });
        self.repo.is_descendant(base, commit)
    }

    /// `on_base` from the remembered set alone (extended, or built if `build`); `None` when
    /// there is none to use.
    pub fn on_base_by_set(&self, base: Oid, commit: Oid, build: bool) -> Option<bool> {
        if commit == base {
            return Some(true);
        }
        let mut reach = git::reach::Reach::load(&self.repo);
        if !build && !reach.is_remembered() {
            return None;
        }
        if self.set_behind.get() == Some(base) {
            reach.known_unreachable(base);
        }
        let Some((yes, source)) = reach.reaches(base, commit, build) else {
            if reach.found_unreachable(base) {
                self.set_behind.set(Some(base));
            }
            return None;
        };
        if !self.global.dry_run {
            reach.save();
        }
        self.ui.trace(&match source {
            git::reach::Source::Remembered => {
                "on the base? answered by the remembered set of its commits".to_string()
            }
            git::reach::Source::Extended(n) => format!(
                "on the base? answered by the remembered set of its commits, extended by {n}"
            ),
            git::reach::Source::Built(n) => format!(
                "on the base? answered by a walk of its whole history ({n} commits), remembered for the next runs"
            ),
        });
        Some(yes)
    }

    /// A REV in which the base branch's name means the base tip (`<remote>/<base>` after the
    /// fetch), not a possibly stale local branch: `main`, `main~2`, `main^2`, `v1..main`. A
    /// local branch that differs gets a warning.
    pub fn base_rev(&self, rev: &str, tip: &BaseTip, warnings: &mut Vec<String>) -> String {
        let base = &self.settings.base;
        if tip.from_ref == self.local_base_ref() {
            return rev.to_string();
        }
        let mut rewrote = false;
        let side = |part: &str, rewrote: &mut bool| -> String {
            match part.strip_prefix(base.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with(['~', '^', ':']) => {
                    *rewrote = true;
                    format!("{}{rest}", tip.from_ref)
                }
                _ => part.to_string(),
            }
        };
        let out = match rev.split_once("..") {
            Some((from, to)) if !rev.contains("...") => {
                format!("{}..{}", side(from, &mut rewrote), side(to, &mut rewrote))
            }
            _ => side(rev, &mut rewrote),
        };
        if rewrote {
            if let Ok(Some(local)) = git::ref_target(&self.repo, &self.local_base_ref()) {
                if local != tip.oid {
                    let warning = format!(
                        "'{base}' in {rev} means the base tip {} ({}); the local branch {base} is at {}",
                        tip.from_ref.trim_start_matches("refs/remotes/"),
                        git::short(tip.oid),
                        git::short(local)
                    );
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                }
            }
        }
        out
    }
}

/// The current UTC time as names use it (`20261202-101500`): snapshots, backups.
pub fn stamp() -> Result<String> {
    Ok(chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string())
}

/// Check the names given on the command line before any git process runs: a bad branch name
/// is refused before the fetch, not after.
pub fn check_given_names(ctx: &Ctx, publish: &crate::cli::PublishArgs) -> Result<()> {
    if let Some(branch) = &publish.branch {
        git::check_branch_name(&ctx.repo, branch)?;
    }
    if publish.branch.as_deref() == Some(ctx.settings.base.as_str()) && !publish.direct {
        return Err(Error::bad_input(format!(
            "--branch {0} names the production branch itself; the revert goes on a new branch",
            ctx.settings.base
        ))
        .hint("to commit onto the production branch, use --direct instead of --branch")
        .hint("or name a new branch: --branch revert/<what it undoes>"));
    }
    if publish.direct && publish.branch.is_some() {
        return Err(Error::bad_input(
            "--branch and --direct do not go together: --direct commits onto the production branch itself, --branch names a new one; nothing was changed",
        )
        .hint("drop --branch to commit onto the production branch, or --direct to get a branch and a pull request"));
    }
    if publish.sign_with_github && (publish.direct || ctx.global.no_push) {
        return Err(Error::bad_input(
            "--sign-with-github creates a branch on GitHub; it does not go with --direct or --no-push",
        )
        .hint("drop --direct (the revert arrives as a pull request) or --no-push"));
    }
    Ok(())
}

/// Release directories rely on symlinks, `rename(2)` over them and `flock`: Unix hosts.
#[cfg(not(unix))]
pub fn releases_unsupported() -> crate::error::Error {
    crate::error::Error::bad_input(
        "deploy, switch and releases work on Unix hosts (symlinks and rename(2) over them)",
    )
    .hint("run them on the servers that host the releases")
}

#[cfg(test)]
mod tests;
