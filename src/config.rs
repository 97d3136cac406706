//! Settings from the command line and git config (`fastrevert.*`), read through git's own
//! layering (repository, global, system).

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::git::Repo;

pub const KEY_REMOTE: &str = "fastrevert.remote";
pub const DEFAULT_REMOTE: &str = "origin";
pub const KEY_BASE: &str = "fastrevert.base";
pub const DEFAULT_BASE: &str = "main";
pub const KEY_TAG_PREFIX: &str = "fastrevert.tagPrefix";
pub const DEFAULT_TAG_PREFIX: &str = "pre-rollout/";
pub const KEY_STAGING_PREFIX: &str = "fastrevert.stagingPrefix";
pub const DEFAULT_STAGING_PREFIX: &str = "staging/";
/// Multi-valued: each value a glob of migration paths.
pub const KEY_MIGRATION_PATHS: &str = "fastrevert.migrationPaths";
pub const KEY_ALLOW_MIGRATION: &str = "fastrevert.allowMigration";
pub const KEY_SQL_DIALECT: &str = "fastrevert.sqlDialect";
const KEY_RELEASES: &str = "fastrevert.releases";
pub const KEY_FORGE: &str = "fastrevert.forge";
pub const KEY_REPO: &str = "fastrevert.repo";
pub const KEY_API_URL: &str = "fastrevert.apiUrl";
/// `prepare` also writes git's commit-graph, so that "is this old commit on the base" is
/// answered from generation numbers in an incident, not by walking the history.
pub const KEY_WRITE_COMMIT_GRAPH: &str = "fastrevert.writeCommitGraph";
const KEY_CURRENT: &str = "fastrevert.current";
/// Multi-valued: paths kept outside the releases, linked into each.
const KEY_SHARED: &str = "fastrevert.shared";
const KEY_SHARED_FILE: &str = "fastrevert.sharedFile";
const KEY_BEFORE_SWITCH: &str = "fastrevert.beforeSwitch";
const KEY_WRITABLE: &str = "fastrevert.writable";
/// Multi-valued: commands run after every switch of the live link.
const KEY_AFTER_SWITCH: &str = "fastrevert.afterSwitch";

#[derive(Debug, Clone)]
pub struct Settings {
    pub remote: String,
    pub base: String,
    pub tag_prefix: String,
    pub staging_prefix: String,
    pub migration_paths: Vec<String>,
    /// Migrations acknowledged as rollback-safe after review.
    pub allowed_migrations: Vec<String>,
    pub sql_dialect: Option<String>,
    pub forge: Option<String>,
    pub forge_repo: Option<String>,
    pub api_url: Option<String>,
    /// `fastrevert.writeCommitGraph`: `prepare` writes git's commit-graph.
    pub write_commit_graph: bool,
}

impl Settings {
    pub fn load(repo: &Repo, global: &GlobalArgs) -> Result<Settings> {
        let config = repo.config()?;
        let get = |key: &str| config.string(key).filter(|v| !v.trim().is_empty());
        let named = global.remote.clone().or_else(|| get(KEY_REMOTE));
        if let Some(name) = &named {
            crate::git::check_remote_name(name)?;
            // Only a missing default means "work locally": a named remote that is not there
            // is a typo, and going on would work from a stale local branch.
            if !repo.has_remote(name) {
                let known = repo.remote_names()?;
                return Err(Error::bad_input(format!(
                    "there is no remote '{name}' (from {})",
                    if global.remote.is_some() {
                        "--remote"
                    } else {
                        KEY_REMOTE
                    }
                ))
                .hint(if known.is_empty() {
                    "this repository has no remote: drop --remote (and fastrevert.remote) to work locally".to_string()
                } else {
                    format!("use one of: {}", known.join(", "))
                }));
            }
        }
        let remote = named.unwrap_or_else(|| DEFAULT_REMOTE.to_string());
        let base = global
            .base
            .clone()
            .or_else(|| get(KEY_BASE))
            .or_else(|| repo.remote_head_branch(&remote))
            .or_else(|| repo.bare_head_branch())
            // No remote-tracking HEAD (a remote added by hand): ask the remote, once.
            .or_else(|| {
                let asked = (!global.no_fetch && repo.has_remote(&remote))
                    .then(|| {
                        crate::git::remote::GitCli::new(repo, false, None).remote_head(&remote)
                    })
                    .flatten()?;
                repo.remember_remote_head(&remote, &asked);
                Some(asked)
            })
            .unwrap_or_else(|| DEFAULT_BASE.to_string());
        let base = base
            .strip_prefix("refs/heads/")
            .unwrap_or(&base)
            .to_string();
        crate::git::check_ref_name(&format!("refs/heads/{base}"), &base)?;
        Ok(Settings {
            remote,
            base,
            tag_prefix: get(KEY_TAG_PREFIX).unwrap_or_else(|| DEFAULT_TAG_PREFIX.to_string()),
            staging_prefix: get(KEY_STAGING_PREFIX)
                .unwrap_or_else(|| DEFAULT_STAGING_PREFIX.to_string()),
            migration_paths: config.all(KEY_MIGRATION_PATHS)?,
            allowed_migrations: config.all(KEY_ALLOW_MIGRATION)?,
            sql_dialect: get(KEY_SQL_DIALECT),
            forge: get(KEY_FORGE),
            forge_repo: get(KEY_REPO),
            api_url: get(KEY_API_URL),
            write_commit_graph: get(KEY_WRITE_COMMIT_GRAPH).is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "true" | "yes" | "on" | "1"
                )
            }),
        })
    }
}

/// The values of a multi-valued setting: the flags' first, then git config's (blank and
/// repeated values dropped).
fn listed(repo: Option<&Repo>, given: &[String], key: &str) -> Vec<String> {
    let mut values = given.to_vec();
    let configured = repo
        .and_then(|r| r.config().ok())
        .and_then(|c| c.all(key).ok())
        .unwrap_or_default();
    for v in configured {
        if !v.trim().is_empty() && !values.contains(&v) {
            values.push(v);
        }
    }
    values
}

/// The releases directory: `--releases`, else `fastrevert.releases`.
pub fn releases_dir(
    repo: Option<&Repo>,
    flag: Option<&std::path::Path>,
) -> Option<std::path::PathBuf> {
    flag.map(std::path::Path::to_path_buf)
        .or_else(|| repo_path(repo?, KEY_RELEASES))
}

/// The live link: `--current`, else `fastrevert.current` (else, decided by the releases,
/// `current` beside the releases directory).
pub fn current_link(
    repo: Option<&Repo>,
    flag: Option<&std::path::Path>,
) -> Option<std::path::PathBuf> {
    flag.map(std::path::Path::to_path_buf)
        .or_else(|| repo_path(repo?, KEY_CURRENT))
}

/// Commands run in a new release before the link moves to it: `--before-switch`, then
/// `fastrevert.beforeSwitch`.
pub fn before_switch(repo: Option<&Repo>, given: &[String]) -> Vec<String> {
    listed(repo, given, KEY_BEFORE_SWITCH)
}

/// Commands run after every flip: `--after-switch`, then `fastrevert.afterSwitch`.
pub fn after_switch(repo: Option<&Repo>, given: &[String]) -> Vec<String> {
    listed(repo, given, KEY_AFTER_SWITCH)
}

/// Folders kept outside the releases: `--shared`, then `fastrevert.shared`.
pub fn shared(repo: Option<&Repo>, given: &[String]) -> Vec<String> {
    listed(repo, given, KEY_SHARED)
}

/// Files kept outside the releases: `--shared-file`, then `fastrevert.sharedFile`.
pub fn shared_files(repo: Option<&Repo>, given: &[String]) -> Vec<String> {
    listed(repo, given, KEY_SHARED_FILE)
}

/// Paths of a release the application writes to: `--writable`, then `fastrevert.writable`.
pub fn writable(repo: Option<&Repo>, given: &[String]) -> Vec<String> {
    listed(repo, given, KEY_WRITABLE)
}

/// Seconds one forge request may take (default 30).
pub const ENV_HTTP_TIMEOUT: &str = "FASTREVERT_HTTP_TIMEOUT";
/// Seconds a command may spend on forges in all (default 300): no request starts past it.
pub const ENV_NETWORK_TIMEOUT: &str = "FASTREVERT_NETWORK_TIMEOUT";
/// A file GitLab CI reads as dotenv: the outputs are appended to it.
pub const ENV_DOTENV: &str = "FASTREVERT_DOTENV";

/// Positive seconds from an environment variable, else the default.
fn seconds_from_env(var: &str, default: std::time::Duration) -> std::time::Duration {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(default, std::time::Duration::from_secs_f64)
}

/// How long one forge request may take.
pub fn http_timeout() -> std::time::Duration {
    seconds_from_env(ENV_HTTP_TIMEOUT, std::time::Duration::from_secs(30))
}

/// How long a command may spend on forges in all.
pub fn network_timeout() -> std::time::Duration {
    seconds_from_env(ENV_NETWORK_TIMEOUT, std::time::Duration::from_secs(300))
}

/// Where GitLab CI outputs go, when the job asked for them.
pub fn dotenv_path() -> Option<std::ffi::OsString> {
    std::env::var_os(ENV_DOTENV).filter(|p| !p.is_empty())
}

/// A path setting (`fastrevert.releases`, `fastrevert.current`, ...) as git config gives it
/// (`~` expanded); a relative one is relative to the repository's top folder (its git folder
/// when bare), wherever in the clone the command runs.
pub fn repo_path(repo: &Repo, key: &str) -> Option<std::path::PathBuf> {
    let value = repo.config().ok()?.path(key)?;
    if value.is_absolute() {
        return Some(value);
    }
    Some(repo.workdir().unwrap_or_else(|| repo.git_dir()).join(value))
}

/// Who ran the command: under `sudo`, the person who ran sudo (`SUDO_USER`), not root.
pub fn invoking_user() -> String {
    std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.is_empty() && u != "root")
        .ok_or(())
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(uid_name)
}

#[cfg(unix)]
fn uid_name() -> String {
    format!("uid {}", rustix::process::getuid().as_raw())
}

#[cfg(not(unix))]
fn uid_name() -> String {
    "unknown user".into()
}

/// This machine's name, for records a fleet shares.
pub fn host_name() -> String {
    #[cfg(unix)]
    return rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    #[cfg(not(unix))]
    return std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown host".into());
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A timeout from the environment is a positive, finite number of seconds; anything else
    /// (which `Duration::from_secs_f64` would panic on, or which means no bound) is the default.
    #[test]
    fn timeouts_from_the_environment_are_positive_finite_seconds_or_the_default() {
        let default = Duration::from_secs(7);
        for (i, (value, expect)) in [
            ("2.5", Duration::from_millis(2500)),
            (" 3 ", Duration::from_secs(3)),
            ("inf", default),
            ("NaN", default),
            ("-1", default),
            ("0", default),
            ("soon", default),
        ]
        .into_iter()
        .enumerate()
        {
            // A variable of its own per case: tests run in parallel.
            let var = format!("FASTREVERT_TEST_SECONDS_{i}");
            std::env::set_var(&var, value);
            assert_eq!(seconds_from_env(&var, default), expect, "{value:?}");
            std::env::remove_var(&var);
        }
        assert_eq!(
            seconds_from_env("FASTREVERT_TEST_SECONDS_UNSET", default),
            default
        );
    }

    /// A multi-valued setting lists the flags' values first, then git config's, each once.
    #[test]
    fn multi_valued_settings_take_flags_then_git_config() {
        let dir = tempfile::tempdir().unwrap();
        let raw = git2::Repository::init(dir.path()).unwrap();
        let mut config = raw.config().unwrap();
        config.set_multivar(KEY_SHARED, "^$", "log").unwrap();
        config.set_multivar(KEY_SHARED, "^$", "tmp").unwrap();
        config.set_multivar(KEY_SHARED, "^$", " ").unwrap();
        let repo = crate::git::open(Some(dir.path())).unwrap();
        assert_eq!(
            shared(Some(&repo), &["uploads".into(), "log".into()]),
            ["uploads", "log", "tmp"]
        );
        assert_eq!(shared(None, &["uploads".into()]), ["uploads"]);
        assert!(after_switch(Some(&repo), &[]).is_empty());
    }
}
