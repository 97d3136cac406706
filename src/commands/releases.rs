//! `releases`: the releases on this host, newest first, marking current and previous.

use std::path::PathBuf;

use serde_json::json;

use super::Outcome;
use crate::cli::{GlobalArgs, ReleaseDirArgs, ReleasesArgs};
use crate::config::{KEY_CURRENT, KEY_RELEASES};
use crate::error::{Error, Result};
use crate::releases::Releases;
use crate::ui::Ui;

pub fn run(_global: &GlobalArgs, _ui: &Ui, args: &ReleasesArgs) -> Result<Outcome> {
    let repo = crate::git::open(None).ok();
    let rel = release_dirs(repo.as_ref(), &args.dirs)?;
    let list = rel.list()?;
    let mut human = Vec::new();
    if list.is_empty() {
        human.push(format!(
            "No releases in {} yet: git fastrevert deploy <REV>",
            rel.dir.display()
        ));
    }
    for r in &list {
        let mark = if r.current {
            "* current "
        } else if r.previous {
            "  previous"
        } else {
            "          "
        };
        let bad = if r.bad { "  BAD" } else { "" };
        human.push(format!(
            "{mark} {}  {}{bad}",
            &r.id[..12],
            crate::commands::list::rfc3339(r.deployed_at)
        ));
    }
    let json = json!({
        "command": "releases",
        "releases_dir": rel.dir,
        "link": rel.link,
        "current": rel.current(),
        "previous": rel.previous(),
        "releases": list,
    });
    Ok(Outcome { json, human })
}

/// The releases directory and link from the flags, else from git config.
pub fn release_dirs(repo: Option<&git2::Repository>, args: &ReleaseDirArgs) -> Result<Releases> {
    let config = repo.and_then(|r| r.config().ok());
    let from_config = |key: &str| -> Option<PathBuf> {
        let value = config.as_ref()?.get_path(key).ok()?;
        // A relative path in config is relative to the repository's top folder.
        let base = repo?
            .workdir()
            .unwrap_or_else(|| repo.map_or(std::path::Path::new("."), |r| r.path()));
        Some(if value.is_absolute() {
            value
        } else {
            base.join(value)
        })
    };
    let dir = args.releases.clone().or_else(|| from_config(KEY_RELEASES)).ok_or_else(|| {
        Error::bad_input("no releases directory given")
            .hint("pass --releases <DIR>, or set it once: git config fastrevert.releases /srv/app/releases")
    })?;
    let link = args.current.clone().or_else(|| from_config(KEY_CURRENT));
    Releases::new(dir, link)
}
