//! One file per subcommand. Each takes the shared context and its arguments and returns what to
//! show; only `ui` writes to the terminal.

pub mod check_migrations;
#[cfg(unix)]
pub mod deploy;
pub mod list;
pub mod menu;
pub mod pick;
pub mod pr;
pub mod prepare;
#[cfg(unix)]
pub mod releases;
pub mod revert;
pub mod rollback;
#[cfg(unix)]
pub mod switch;

use git2::{Oid, Repository};

use crate::cli::GlobalArgs;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::git::{self, remote::GitCli};
use crate::ui::Ui;

/// What a command produced: the `--json` object and the lines a person reads.
#[derive(Debug)]
pub struct Outcome {
    pub json: serde_json::Value,
    pub human: Vec<String>,
}

pub struct Ctx<'a> {
    pub repo: Repository,
    pub settings: Settings,
    pub global: &'a GlobalArgs,
    pub ui: &'a Ui,
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
        if crate::actions::active() && repo.is_shallow() {
            ui.warn("this is a shallow clone (actions/checkout fetches one commit and no tags by default): set fetch-depth: 0 so history and tags are there");
        }
        Ok(Ctx {
            repo,
            settings,
            global,
            ui,
        })
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
        let remote = self.repo.find_remote(&self.settings.remote).ok();
        let url = remote.as_ref().and_then(|r| r.url().ok());
        let s = &self.settings;
        crate::forge::detect(
            url,
            s.forge.as_deref(),
            s.forge_repo.as_deref(),
            s.api_url.as_deref(),
        )
    }

    pub fn has_remote(&self) -> bool {
        self.repo.find_remote(&self.settings.remote).is_ok()
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
            if e.message.contains("couldn't find remote ref") {
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

/// Release directories rely on symlinks, `rename(2)` over them and `flock`: Unix hosts.
#[cfg(not(unix))]
pub fn releases_unsupported() -> Error {
    Error::bad_input(
        "deploy, switch and releases work on Unix hosts (symlinks and rename(2) over them)",
    )
    .hint("run them on the servers that host the releases")
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
    if publish.sign_with_github && (publish.direct || ctx.global.no_push) {
        return Err(Error::bad_input(
            "--sign-with-github creates a branch on GitHub; it does not go with --direct or --no-push",
        )
        .hint("drop --direct (the revert arrives as a pull request) or --no-push"));
    }
    Ok(())
}

/// Put the branch's commits (`base..tip`, one line of first parents) on GitHub through its
/// API, which signs them, instead of pushing them; then fetch what GitHub made.
pub fn create_through_forge(ctx: &Ctx, branch: &str, base: Oid, tip: Oid) -> Result<()> {
    let commits = api_commits(&ctx.repo, base, tip)?;
    let forge = pr::connect(ctx, "--sign-with-github")?.ok_or_else(|| {
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
    repo: &git2::Repository,
    base: Oid,
    tip: Oid,
) -> Result<Vec<crate::forge::ApiCommit>> {
    let mut line = Vec::new();
    let mut at = tip;
    while at != base {
        let commit = repo.find_commit(at)?;
        line.push(commit.id());
        at = commit.parent_id(0)?;
    }
    line.reverse();
    let limit = |path: &str, why: &str| {
        Error::bad_input(format!(
            "{path} {why}, which GitHub's commit API cannot write; nothing was created"
        ))
        .hint("run without --sign-with-github (the commits are then pushed unsigned), or sign them locally with -S")
    };
    let mut out = Vec::new();
    for oid in line {
        let commit = repo.find_commit(oid)?;
        let parent = commit.parent(0)?;
        let diff = repo.diff_tree_to_tree(Some(&parent.tree()?), Some(&commit.tree()?), None)?;
        let (mut additions, mut deletions) = (Vec::new(), Vec::new());
        for delta in diff.deltas() {
            let new = delta.new_file();
            let old = delta.old_file();
            if delta.status() == git2::Delta::Deleted {
                let path =
                    std::str::from_utf8(old.path_bytes().unwrap_or_default()).map_err(|_| {
                        limit(
                            &git::quote_path(old.path_bytes().unwrap_or_default()),
                            "has a name that is not UTF-8",
                        )
                    })?;
                deletions.push(path.to_string());
                continue;
            }
            let bytes = new.path_bytes().unwrap_or_default();
            let path = std::str::from_utf8(bytes)
                .map_err(|_| limit(&git::quote_path(bytes), "has a name that is not UTF-8"))?;
            match new.mode() {
                git2::FileMode::Blob => {}
                git2::FileMode::BlobExecutable => return Err(limit(path, "is executable")),
                git2::FileMode::Link => return Err(limit(path, "is a symlink")),
                git2::FileMode::Commit => return Err(limit(path, "is a submodule")),
                _ => return Err(limit(path, "is of a kind")),
            }
            if old.mode() == git2::FileMode::BlobExecutable {
                return Err(limit(path, "loses its executable bit"));
            }
            additions.push((
                path.to_string(),
                repo.find_blob(new.id())?.content().to_vec(),
            ));
        }
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let (headline, body) = match message.split_once('\n') {
            Some((h, b)) => (h.to_string(), b.trim_start_matches('\n').to_string()),
            None => (message.clone(), String::new()),
        };
        out.push(crate::forge::ApiCommit {
            headline,
            body,
            additions,
            deletions,
            tree: commit.tree_id().to_string(),
        });
    }
    Ok(out)
}

/// What to say when a branch was made here and not pushed: a command that works.
pub fn not_pushed(ctx: &Ctx, branch: &str) -> String {
    let remote = &ctx.settings.remote;
    if ctx.has_remote() {
        format!("Not pushed (--no-push). To publish it: git push {remote} {branch}")
    } else {
        format!(
            "Not pushed: there is no remote {remote}. To publish it, add one and push: git remote add {remote} <url> && git push {remote} {branch}"
        )
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
    let err = Error::failed(format!(
        "{done}, but the push failed: {}",
        failure.describe()
    ));
    // Pushing the same unsigned commit again would fail the same way.
    if said.contains("sign") || said.contains("verified") {
        return err.hint(
            "the remote seems to want signed commits: run the command again with -S (signing as git does, from gpg.format and user.signingKey), or set commit.gpgSign=true",
        );
    }
    err.hint(format!("fix the cause, then push by hand: {retry}"))
}
