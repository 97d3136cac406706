//! Releases on this host: `releases`, `deploy` and `switch`.

use super::points::{age, now};
use crate::outcome::{Deploy, FlipPlan, Releases, ReleasesDir, Switch};
use crate::releases::Release;

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
            let what = match what(r) {
                w if w.is_empty() => w,
                w => format!("  {w}"),
            };
            let who = who(r);
            format!(
                "{mark} {}{what}  ({}, {}{who}){bad}",
                short(&r.id),
                age(now - r.deployed_at),
                crate::outcome::rfc3339_text(r.deployed_at)
            )
        })
        .collect()
}

/// A release as people name it: its first tag and its subject, either, or nothing.
pub(super) fn what(r: &Release) -> String {
    match (r.tags.first(), &r.subject) {
        (Some(tag), Some(subject)) => format!("{tag} {subject}"),
        (Some(tag), None) => tag.clone(),
        (None, Some(subject)) => subject.clone(),
        (None, None) => String::new(),
    }
}

/// ` by <user>` and `: <why>` when the history says.
pub(super) fn who(r: &Release) -> String {
    match (&r.deployer, &r.reason) {
        (Some(user), Some(why)) => format!(" by {user}: {why}"),
        (Some(user), None) => format!(" by {user}"),
        _ => String::new(),
    }
}

pub(super) fn short(id: &str) -> &str {
    super::abbrev(id, 12)
}

/// What runs around the flip, indented under the plan's first line.
fn flip_plan(plan: &FlipPlan) -> Vec<String> {
    let mut lines = Vec::new();
    for hook in &plan.before_hooks {
        lines.push(format!("  before the flip, in the release: {hook}"));
    }
    for hook in &plan.after_hooks {
        lines.push(format!("  after the flip: {hook}"));
    }
    let attempts = plan.check_attempts;
    if let Some(cmd) = &plan.check_command {
        lines.push(format!(
            "  health check: {cmd} ({attempts} attempt(s), {} s each); flips back and marks the release bad if it fails",
            plan.check_timeout
        ));
    }
    if let Some(url) = &plan.check_url {
        lines.push(format!(
            "  health check: {url} must answer {} ({attempts} attempt(s)); flips back and marks the release bad if it does not",
            plan.check_status
        ));
    }
    if !plan.prune.is_empty() {
        let ids: Vec<&str> = plan.prune.iter().map(|id| short(id)).collect();
        lines.push(format!(
            "  then removes {} old release(s): {}",
            plan.prune.len(),
            ids.join(", ")
        ));
    }
    lines
}

/// ` --releases DIR` for a hint, when the directory was given that way.
fn releases_flag(dir: &ReleasesDir) -> String {
    if dir.by_flag {
        format!(" --releases {}", dir.dir.display())
    } else {
        String::new()
    }
}

pub fn deploy(o: &Deploy) -> Vec<String> {
    let (id, link) = (short(&o.release), o.link.display());
    let was = o.previous.as_deref().map(short);
    if let Some(plan) = &o.plan {
        let mut lines = vec![format!(
            "Would {} {id} and point {link} at it (now {}).",
            if o.exists {
                "switch to the existing release"
            } else {
                "export"
            },
            was.unwrap_or("nothing")
        )];
        lines.extend(flip_plan(plan));
        return lines;
    }
    if o.staged {
        let path = o.path.as_deref().unwrap_or(&o.releases_dir.dir).display();
        return vec![
            format!(
                "Staged {id} in {path}; {link} still points at {}.",
                was.unwrap_or("nothing")
            ),
            format!("To put it live: git fastrevert switch {id}"),
        ];
    }
    let mut lines = Vec::new();
    if o.changed == Some(false) {
        lines.push(format!("{id} is already live at {link}; nothing changed."));
    } else {
        lines.push(format!(
            "{} {id}: live at {link}{}.",
            if o.created {
                "Deployed"
            } else {
                "Switched to the release already here,"
            },
            was.map_or(String::new(), |w| format!(" (was {w})"))
        ));
    }
    if !o.pruned.is_empty() {
        lines.push(format!("Removed {} old release(s).", o.pruned.len()));
    }
    if o.can_go_back {
        lines.push(format!(
            "If it is bad: git fastrevert switch previous --mark-bad{}",
            releases_flag(&o.releases_dir)
        ));
    }
    lines
}

pub fn switch(o: &Switch) -> Vec<String> {
    let (id, link) = (short(&o.release), o.link.display());
    if let Some((bad, older)) = &o.already_back {
        let mut lines = vec![format!(
            "{link} already points at {id}, switched to from {} (marked bad); nothing changed.",
            short(bad)
        )];
        if let Some(older) = older {
            lines.push(format!(
                "If {id} is bad too: git fastrevert switch {} --mark-bad",
                short(older)
            ));
        }
        return lines;
    }
    if let Some(plan) = &o.plan {
        let mut lines = vec![format!(
            "Would point {link} at {id} (now {}).",
            o.previous.as_deref().map_or("nothing", short)
        )];
        if let (true, Some(old)) = (o.mark_bad, &o.previous) {
            lines.push(format!("  and mark {} bad", short(old)));
        }
        lines.extend(flip_plan(plan));
        if let (Some(revert), Some(old)) = (&o.revert, &o.previous) {
            lines.push(format!(
                "and revert {id}..{} as `git fastrevert revert` would:",
                short(old)
            ));
            let nested = super::revert::revert(revert);
            lines.extend(nested.iter().map(|l| format!("  {l}")));
        }
        return lines;
    }
    let mut lines = vec![if o.changed {
        format!(
            "{link} now points at {id}{}.",
            o.previous.as_deref().map_or(String::new(), |old| format!(
                " (was {}{})",
                short(old),
                if o.marked_bad == Some(true) {
                    ", marked bad"
                } else {
                    ""
                }
            ))
        )
    } else {
        format!("{link} already points at {id}; nothing changed.")
    }];
    if let Some(recorded) = &o.hold {
        lines.push(super::held_line(recorded));
    }
    if let Some(revert) = &o.revert {
        lines.extend(super::revert::revert(revert));
    }
    lines
}
