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
pub const KEY_RELEASES: &str = "fastrevert.releases";
pub const KEY_FORGE: &str = "fastrevert.forge";
pub const KEY_REPO: &str = "fastrevert.repo";
pub const KEY_API_URL: &str = "fastrevert.apiUrl";
/// `prepare` also writes git's commit-graph, so that "is this old commit on the base" is
/// answered from generation numbers in an incident, not by walking the history.
pub const KEY_WRITE_COMMIT_GRAPH: &str = "fastrevert.writeCommitGraph";
pub const KEY_CURRENT: &str = "fastrevert.current";
/// Multi-valued: paths kept outside the releases, linked into each.
pub const KEY_SHARED: &str = "fastrevert.shared";
pub const KEY_SHARED_FILE: &str = "fastrevert.sharedFile";
pub const KEY_BEFORE_SWITCH: &str = "fastrevert.beforeSwitch";
pub const KEY_WRITABLE: &str = "fastrevert.writable";
/// Multi-valued: commands run after every switch of the live link.
pub const KEY_AFTER_SWITCH: &str = "fastrevert.afterSwitch";

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
                let known = crate::git::remote_names(repo)?;
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
