//! Every clap type of the command line; the only module that knows about clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Revert commits and pull requests, roll production back to a snapshot, and take snapshots
/// before a rollout: fast, on objects and refs only, never touching your checkout.
#[derive(Debug, Parser)]
#[command(name = "git-fastrevert", bin_name = "git fastrevert", version)]
#[command(propagate_version = true, max_term_width = 100)]
#[command(after_help = "\
Examples:
  git fastrevert prepare --rollout v2.4.0         snapshot production before a rollout
  git fastrevert revert 1a2b3c4                   revert a commit (or merge) on a new branch + PR
  git fastrevert revert --pr 1234                 revert a merged pull request by number
  git fastrevert rollback                         back to the newest pre-rollout snapshot
  git fastrevert check-migrations v2.3.0..v2.4.0  is the schema safe to roll back over?
  git fastrevert switch previous --mark-bad       flip the live release back (symlink)
  git fastrevert                                  on a terminal: menus for all of the above

Nothing here touches your working tree, index or HEAD. Exit codes: 0 done, 1 failed, 2 bad
input, 3 conflict (nothing written), 4 refused by a safety check.")]
pub struct Cli {
    #[command(flatten, next_help_heading = "Global options")]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,

    /// Remote to fetch from and push to [default: fastrevert.remote, else origin].
    #[arg(long, value_name = "NAME", global = true)]
    pub remote: Option<String>,

    /// The production branch [default: fastrevert.base, else the remote's HEAD branch, else main].
    #[arg(long, value_name = "BRANCH", global = true)]
    pub base: Option<String>,

    /// Print the full plan and change nothing (a fetch still updates remote-tracking refs): no
    /// commit, branch, tag, file, push or API write.
    #[arg(short = 'n', long, global = true)]
    pub dry_run: bool,

    /// Answer yes to every confirmation.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Print one JSON object on stdout; stderr then carries only warnings and errors.
    #[arg(long, global = true)]
    pub json: bool,

    /// Do not fetch the base branch first.
    #[arg(long, global = true)]
    pub no_fetch: bool,

    /// Create local refs only; implies --no-pr.
    #[arg(long, global = true)]
    pub no_push: bool,

    /// Push, but open no pull request.
    #[arg(long, global = true)]
    pub no_pr: bool,

    /// When to use colours.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Print only the result.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show more detail, including every git call.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

// Deferred: a run builds the options of its own subcommand only. (A flattened struct's doc
// comment would then become its command's about: the structs above carry plain comments.)
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Snapshot the production tip (tag + staging branch) just before a rollout.
    Prepare(PrepareArgs),
    /// List rollout points and release tags.
    List(ListArgs),
    /// Revert commits, ranges and merge commits on a new branch, on top of the base tip.
    Revert(RevertArgs),
    /// Return production to a snapshot, release tag or any commit.
    Rollback(RollbackArgs),
    /// Tell whether the database schema allows rolling code back over a range.
    CheckMigrations(CheckMigrationsArgs),
    /// Export a revision into its own release directory and point the live link at it.
    Deploy(DeployArgs),
    /// Point the live link at another release (`previous` to go back), atomically.
    Switch(SwitchArgs),
    /// List the releases on this host, marking the current and the previous one.
    Releases(ReleasesArgs),
    /// List the holds that keep a bad release's commits from being deployed again, or lift one.
    Hold(HoldArgs),
    /// What is live here, what is marked bad and held, and how far the base has moved.
    Status(StatusArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Install the manual pages where `man` looks, so that `git fastrevert --help` shows them.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write the pages (man1/git-fastrevert*.1) under DIR [default: share/man beside the
    /// binary's folder, e.g. ~/.cargo/share/man after `cargo install`, which man finds from PATH].
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub install: Option<Option<PathBuf>>,
}

/// `man --install [DIR]`: the pages written; what to tell the person.
pub fn install_man(args: &ManArgs) -> crate::error::Result<Vec<String>> {
    use crate::error::Error;
    let Some(dir) = &args.install else {
        return Ok(vec![
            "git fastrevert man --install writes the manual pages where man finds them (after cargo install: ~/.cargo/share/man)".into(),
        ]);
    };
    let dir = match dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(|p| p.join("share/man")))
            .ok_or_else(|| {
                Error::bad_input("cannot tell where the binary is installed")
                    .hint("name the folder: git fastrevert man --install <DIR>")
            })?,
    };
    let man1 = dir.join("man1");
    std::fs::create_dir_all(&man1).map_err(|e| {
        Error::failed(format!("cannot create {}", man1.display()))
            .because(e)
            .hint("name a folder you can write: git fastrevert man --install <DIR>")
    })?;
    let pages = man_pages().map_err(|e| Error::failed("cannot render the manual").because(e))?;
    for (name, page) in &pages {
        let path = man1.join(name);
        std::fs::write(&path, page)
            .map_err(|e| Error::failed(format!("cannot write {}", path.display())).because(e))?;
    }
    Ok(vec![format!(
        "Installed {} manual pages in {}: `git fastrevert --help` and `man git-fastrevert` show them when {} is on man's path (a bin folder on PATH brings its ../share/man).",
        pages.len(),
        man1.display(),
        dir.display()
    )])
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `git fastrevert <TAB>` completes too: git's completion hands the `fastrevert` subcommand to
/// a function of ours, which asks the binary with the words as `git-fastrevert` would see them.
const GIT_BASH_HOOK: &str = r#"
# `git fastrevert <TAB>`: git's completion calls _git_<command>.
_git_fastrevert() {
    local COMP_WORDS=(git-fastrevert "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    _clap_complete_git_fastrevert git-fastrevert "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}
"#;

const GIT_ZSH_HOOK: &str = r#"
# `git fastrevert <TAB>`: git's completion calls _git-<command> for user commands
# (zstyle ':completion:*:*:git:*' user-commands fastrevert:'revert and roll back production').
function _git-fastrevert() {
    local -a words=("${words[@]}")
    if [[ $words[1] == git ]]; then
        words=("${(@)words[2,-1]}")
        (( CURRENT-- ))
    fi
    words[1]=git-fastrevert
    _clap_dynamic_completer_git_fastrevert
}
"#;

const GIT_FISH_HOOK: &str = r#"
# `git fastrevert <TAB>`
complete --keep-order --exclusive --command git --condition '__fish_seen_subcommand_from fastrevert' --arguments "(set -l words (commandline --current-process --tokenize --cut-at-cursor); set -e words[1]; set words[1] git-fastrevert; GIT_FASTREVERT_COMPLETE=fish git-fastrevert -- \$words (commandline --current-token))"
"#;

/// The completion script for `shell`, as `completions <shell>` prints it: it asks the binary,
/// which knows the repository's tags, revisions, releases and pull requests.
pub fn completion(shell: clap_complete::Shell) -> String {
    use clap_complete::env::EnvCompleter;
    use clap_complete::Shell;
    let name = "git-fastrevert";
    let var = crate::completion::VAR;
    let mut out = Vec::new();
    let written = match shell {
        Shell::Bash => clap_complete::env::Bash.write_registration(var, name, name, name, &mut out),
        Shell::Zsh => clap_complete::env::Zsh.write_registration(var, name, name, name, &mut out),
        Shell::Fish => clap_complete::env::Fish.write_registration(var, name, name, name, &mut out),
        Shell::Elvish => {
            clap_complete::env::Elvish.write_registration(var, name, name, name, &mut out)
        }
        Shell::PowerShell => {
            clap_complete::env::Powershell.write_registration(var, name, name, name, &mut out)
        }
        _ => Ok(()),
    };
    // Writing to memory cannot fail.
    debug_assert!(written.is_ok());
    let mut script = String::from_utf8_lossy(&out).into_owned();
    script.push_str(match shell {
        Shell::Bash => GIT_BASH_HOOK,
        Shell::Zsh => GIT_ZSH_HOOK,
        Shell::Fish => GIT_FISH_HOOK,
        _ => "",
    });
    script
}

/// Man pages: `git-fastrevert.1` and one per command (`git-fastrevert-revert.1`, …).
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    use clap::CommandFactory;
    let mut cmd = Cli::command()
        .name("git-fastrevert")
        .bin_name("git-fastrevert");
    // The subcommands' options are deferred until the command is built.
    cmd.build();
    let mut pages = Vec::new();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    pages.push(("git-fastrevert.1".to_string(), with_value_names(page, &cmd)));
    for sub in cmd.get_subcommands() {
        let name = format!("git-fastrevert-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(
            sub.clone()
                .name(name.clone())
                .bin_name(format!("git fastrevert {}", sub.get_name())),
        )
        .render(&mut page)?;
        pages.push((format!("{name}.1"), with_value_names(page, sub)));
    }
    Ok(pages)
}

/// clap_mangen writes an option's synopsis without its value (`[-C ]`, `[--remote]`): the
/// synopsis line gets each option's value name (`[-C DIR]`, `[--remote NAME]`).
fn with_value_names(page: Vec<u8>, cmd: &clap::Command) -> Vec<u8> {
    let text = String::from_utf8_lossy(&page).into_owned();
    let Some(at) = text.find(".SH SYNOPSIS\n") else {
        return page;
    };
    let start = at + ".SH SYNOPSIS\n".len();
    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    let mut synopsis = text[start..end].to_string();
    let roff = |s: &str| s.replace('-', "\\-");
    for arg in cmd.get_arguments() {
        let Some(names) = arg
            .get_value_names()
            .filter(|_| arg.get_action().takes_values())
        else {
            continue;
        };
        let value: Vec<String> = names.iter().map(|n| format!("\\fI{n}\\fR")).collect();
        let value = value.join(" ");
        let shown = match (arg.get_short(), arg.get_long()) {
            (Some(c), None) => format!("[\\fB\\-{c} \\fR]"),
            (None, Some(long)) => format!("[\\fB\\-\\-{}\\fR]", roff(long)),
            (Some(c), Some(long)) => format!("[\\fB\\-{c}\\fR|\\fB\\-\\-{}\\fR]", roff(long)),
            (None, None) => continue,
        };
        let with = format!(
            "{} {value}]",
            shown[..shown.len() - 1].replace(" \\fR", "\\fR")
        );
        synopsis = synopsis.replace(&shown, &with);
    }
    format!("{}{synopsis}{}", &text[..start], &text[end..]).into_bytes()
}

// Where releases live on this host.
#[derive(Debug, Clone, Default, Args)]
pub struct ReleaseDirArgs {
    /// Directory with one folder per release [default: fastrevert.releases].
    #[arg(long, value_name = "DIR")]
    pub releases: Option<PathBuf>,

    /// The live symlink [default: fastrevert.current, else DIR/../current].
    #[arg(long, value_name = "LINK")]
    pub current: Option<PathBuf>,

    /// Seconds to wait while another deploy or switch on this host holds the lock.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
}

// What runs after the live link moves: hooks, and a health check that flips back.
#[derive(Debug, Clone, Args)]
pub struct AfterSwitchArgs {
    /// Run CMD (through sh) in the release before the link moves to it (composer install,
    /// asset builds, caches), with the variables --after-switch gets; a failure leaves the
    /// link where it was; repeatable [also fastrevert.beforeSwitch].
    #[arg(long = "before-switch", value_name = "CMD")]
    pub before_switch: Vec<String>,

    /// Run CMD (through sh) after every flip, with FASTREVERT_RELEASE, FASTREVERT_PREVIOUS,
    /// FASTREVERT_RELEASE_PATH and FASTREVERT_LINK set; repeatable [also fastrevert.afterSwitch].
    #[arg(long = "after-switch", value_name = "CMD")]
    pub after_switch: Vec<String>,

    /// Health check: CMD must exit 0 after the flip, or the link flips back and the new
    /// release is marked bad.
    #[arg(long, value_name = "CMD")]
    pub check: Option<String>,

    /// Health check: URL must answer with --check-status, or the link flips back.
    #[arg(long, value_name = "URL")]
    pub check_url: Option<String>,

    /// The HTTP status --check-url expects.
    #[arg(long, value_name = "CODE", default_value_t = 200)]
    pub check_status: u16,

    /// Seconds one check attempt may take (more than 0, at most 3600).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    pub check_timeout: f64,

    /// Attempts before the check counts as failed (one second apart).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub check_retries: u32,

    /// Seconds one hook may take before it is killed with every process it started (more than
    /// 0, at most 3600).
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0, value_parser = seconds)]
    pub hook_timeout: f64,
}

/// The same defaults as on the command line (the menu builds its arguments from these).
impl Default for AfterSwitchArgs {
    fn default() -> AfterSwitchArgs {
        AfterSwitchArgs {
            before_switch: Vec::new(),
            after_switch: Vec::new(),
            check: None,
            check_url: None,
            check_status: 200,
            check_timeout: 10.0,
            check_retries: 3,
            hook_timeout: 300.0,
        }
    }
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The revision to deploy.
    #[arg(value_name = "REV", add = clap_complete::ArgValueCompleter::new(crate::completion::revisions))]
    pub rev: String,

    #[command(flatten)]
    pub dirs: ReleaseDirArgs,

    /// How many releases to keep (the current and previous one are always kept).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub keep: usize,

    /// Write every file, sharing none with the live release (by default an unchanged file is
    /// a hard link to the live release's).
    #[arg(long)]
    pub copy: bool,

    /// A path kept outside the releases (log, tmp, uploads, config/database.yml): a symlink in
    /// the release to DIR/../shared/PATH, which is created when missing; repeatable [also
    /// fastrevert.shared].
    #[arg(long = "shared", value_name = "PATH")]
    pub shared: Vec<String>,

    /// A file kept outside the releases (.env, config/master.key): a symlink in the release to
    /// DIR/../shared/PATH, which must exist there or is seeded once from the tree's file;
    /// never created as a folder; repeatable [also fastrevert.sharedFile].
    #[arg(long = "shared-file", value_name = "PATH")]
    pub shared_files: Vec<String>,

    /// A path of the release the application writes to (bootstrap/cache, tmp): its files are
    /// left writable and never shared with another release; repeatable [also
    /// fastrevert.writable].
    #[arg(long = "writable", value_name = "PATH")]
    pub writable: Vec<String>,

    #[command(flatten)]
    pub after: AfterSwitchArgs,

    #[command(flatten)]
    pub guard: GuardArgs,

    /// Deploy even a release marked bad (BAD_RELEASE), putting it live again.
    #[arg(long)]
    pub force: bool,

    /// Why, recorded in the releases' history (shown by `releases`).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Export the release and stop: the link does not move (no hooks, no check); `switch`
    /// puts it live later.
    #[arg(long)]
    pub no_switch: bool,

    /// When a --before-switch hook fails, keep the new release to look at (it is removed
    /// otherwise).
    #[arg(long)]
    pub keep_failed: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct SwitchArgs {
    /// The release: full or abbreviated id, a deployed tag or branch, or `previous`. On a
    /// terminal, leave it out to pick from the releases.
    #[arg(value_name = "RELEASE", add = clap_complete::ArgValueCompleter::new(crate::completion::releases))]
    pub release: Option<String>,

    #[command(flatten)]
    pub dirs: ReleaseDirArgs,

    /// Leave a BAD_RELEASE note (time, user) in the release being left, and hold its commits:
    /// a deploy that carries them is refused until they are reverted (see `hold`).
    #[arg(long)]
    pub mark_bad: bool,

    /// With --mark-bad: after the flip, revert the first-parent commits between the release
    /// gone back to and the bad one, as `revert GOOD..BAD` would (branch, push, pull request).
    #[arg(long, requires = "mark_bad")]
    pub revert: bool,

    #[command(flatten)]
    pub after: AfterSwitchArgs,

    #[command(flatten)]
    pub guard: GuardArgs,

    /// How the revert of --revert is published; --reason also goes into the releases' history.
    #[command(flatten)]
    pub publish: PublishArgs,

    /// Switch to a release marked bad, or one that carries held commits (without it: exit 4,
    /// or a confirmation on a terminal).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct HoldArgs {
    /// Lift the hold on this release (its id, or a revision naming its commit): its commits can
    /// be deployed again. Recorded under refs/fastrevert/lifted/ and pushed.
    #[arg(long, value_name = "REV")]
    pub release: Option<String>,

    /// Why the hold is lifted, recorded with it.
    #[arg(long, value_name = "TEXT", requires = "release")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub dirs: ReleaseDirArgs,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    #[command(flatten)]
    pub dirs: ReleaseDirArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    Generic,
    Postgres,
    Mysql,
    Sqlite,
}

#[derive(Debug, Args)]
pub struct CheckMigrationsArgs {
    /// Commits whose migrations to check: A..B, or one commit [default: <remote>/<base>..HEAD].
    #[arg(value_name = "RANGE", add = clap_complete::ArgValueCompleter::new(crate::completion::revisions))]
    pub range: Option<String>,

    /// Where migrations live (glob, repeatable) [default: fastrevert.migrationPaths, else the
    /// usual Rails, Django, Alembic, Flyway, Prisma and golang-migrate layouts].
    #[arg(long = "paths", value_name = "GLOB")]
    pub paths: Vec<String>,

    /// SQL dialect to parse with [default: fastrevert.sqlDialect, else generic].
    #[arg(long, value_enum)]
    pub dialect: Option<SqlDialect>,

    /// A migration reviewed and known safe to roll code back over (its path in the
    /// repository; repeatable) [also fastrevert.allowMigration]: reported, not refused.
    #[arg(long = "allow-migration", value_name = "PATH")]
    pub allow_migrations: Vec<String>,
}

// The migration guard's switch, for commands that move production over migrations.
#[derive(Debug, Clone, Default, Args)]
pub struct GuardArgs {
    /// Go ahead even when the range holds destructive migrations (dropped, renamed or retyped
    /// columns and tables): the old code may break against the current schema.
    #[arg(long)]
    pub allow_destructive_migrations: bool,

    /// A migration reviewed and known safe to roll code back over (its path in the
    /// repository; repeatable) [also fastrevert.allowMigration]: reported, not refused.
    #[arg(long = "allow-migration", value_name = "PATH")]
    pub allow_migrations: Vec<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct PrepareArgs {
    /// Snapshot name [default: the UTC time, YYYYMMDD-HHMMSS].
    pub name: Option<String>,

    /// The revision about to be rolled out, recorded in the tag message.
    #[arg(long, value_name = "REV", add = clap_complete::ArgValueCompleter::new(crate::completion::revisions))]
    pub rollout: Option<String>,

    #[command(flatten)]
    pub sign: SignArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {}

// Signing, as `git commit -S` / `git tag -s`: by default git's own configuration decides.
#[derive(Debug, Clone, Default, Args)]
pub struct SignArgs {
    /// Sign the commits (and prepare's tag), with KEYID or user.signingKey.
    #[arg(
        short = 'S',
        long = "gpg-sign",
        value_name = "KEYID",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub gpg_sign: Option<String>,

    /// Do not sign, whatever commit.gpgSign and tag.gpgSign say.
    #[arg(long, conflicts_with = "gpg_sign")]
    pub no_gpg_sign: bool,
}

impl SignArgs {
    pub fn choice(&self) -> crate::git::sign::Choice {
        use crate::git::sign::Choice;
        match (&self.gpg_sign, self.no_gpg_sign) {
            (_, true) => Choice::DontSign,
            (Some(key), false) => Choice::Sign(Some(key.clone()).filter(|k| !k.is_empty())),
            (None, false) => Choice::Config,
        }
    }
}

// Options shared by the commands that create a branch and open a pull request.
#[derive(Debug, Clone, Default, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub sign: SignArgs,

    /// Create the branch's commits through GitHub's API instead of pushing them, so that
    /// GitHub signs them (for GitHub Actions, where there is no key).
    #[arg(long)]
    pub sign_with_github: bool,

    /// Name of the branch to create.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Commit onto the base branch itself and push it (fast-forward only, no pull request).
    #[arg(long)]
    pub direct: bool,

    /// Why; written as a Revert-Reason: trailer.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Open the pull request (GitLab: merge request) as a draft.
    #[arg(long)]
    pub draft: bool,

    /// Label for the pull request (repeatable).
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,

    /// Reviewer for the pull request (repeatable): a user, or on GitHub a team as org/team.
    #[arg(long = "reviewer", value_name = "USER")]
    pub reviewers: Vec<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RevertArgs {
    /// Commits to revert: a commit, several, or a range A..B (first-parent commits of B not in A);
    /// pr:N, #N or !N mean --pr N. On a terminal, leave it out to pick from the base's recent
    /// commits.
    #[arg(value_name = "REV", add = clap_complete::ArgValueCompleter::new(crate::completion::revisions))]
    pub revs: Vec<String>,

    /// Revert a merged pull request (GitLab: merge request !N), found through the forge: a merge
    /// commit against parent 1, a squash commit as is, a rebase-merged or fast-forwarded one as
    /// its whole range (repeatable).
    #[arg(long = "pr", value_name = "N", add = clap_complete::ArgValueCompleter::new(crate::completion::pull_requests))]
    pub prs: Vec<u64>,

    /// Parent to revert merge commits against [default: 1, the branch it was merged into].
    #[arg(short, long, value_name = "N")]
    pub mainline: Option<usize>,

    /// One commit for everything reverted.
    #[arg(long)]
    pub squash: bool,

    #[command(flatten)]
    pub publish: PublishArgs,

    #[command(flatten)]
    pub guard: GuardArgs,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum RollbackMode {
    /// One commit on top of the base tip whose tree is the target's tree.
    #[default]
    Commit,
    /// Move the base branch itself back, keeping a backup ref.
    Reset,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RollbackArgs {
    /// Where to go back to [default: the newest pre-rollout tag].
    #[arg(long, value_name = "REF", add = clap_complete::ArgValueCompleter::new(crate::completion::points))]
    pub to: Option<String>,

    /// How to go back.
    #[arg(long, value_enum, default_value_t = RollbackMode::Commit)]
    pub mode: RollbackMode,

    /// Allow --mode reset to move the base branch.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub publish: PublishArgs,

    #[command(flatten)]
    pub guard: GuardArgs,
}

/// A number of seconds for a timeout: finite, more than 0, at most an hour.
fn seconds(value: &str) -> Result<f64, String> {
    let n: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a number of seconds"))?;
    if n.is_finite() && n > 0.0 && n <= 3600.0 {
        Ok(n)
    } else {
        Err(format!(
            "'{value}' is not a timeout: give a number of seconds above 0 and at most 3600"
        ))
    }
}
