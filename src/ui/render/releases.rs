//! Releases on this host: `releases`, `deploy` and `switch`.

use super::points::{age, now};
use crate::outcome::Releases;

/// `releases`: newest first, the current and previous one marked, bad ones said.
pub fn list(o: &Releases) -> Vec<String> {
    if o.releases.is_empty() {
        return vec![format!(
            "No releases in {} yet: git fastrevert deploy <REV>",
            o.releases_dir.display()
        )];
    }
    let now = now();
    o.releases
        .iter()
        .map(|r| {
            let mark = if r.current {
                "* current "
            } else if r.previous {
                "  previous"
            } else {
                "          "
            };
            let bad = if r.bad { "  BAD" } else { "" };
            let what = match (r.tags.first(), &r.subject) {
                (Some(tag), Some(subject)) => format!("  {tag} {subject}"),
                (Some(tag), None) => format!("  {tag}"),
                (None, Some(subject)) => format!("  {subject}"),
                (None, None) => String::new(),
            };
            let who = match (&r.deployer, &r.reason) {
                (Some(user), Some(why)) => format!(" by {user}: {why}"),
                (Some(user), None) => format!(" by {user}"),
                _ => String::new(),
            };
            format!(
                "{mark} {}{what}  ({}, {}{who}){bad}",
                &r.id[..12.min(r.id.len())],
                age(now - r.deployed_at),
                crate::outcome::rfc3339_text(r.deployed_at)
            )
        })
        .collect()
}
