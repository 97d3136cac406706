//! Holds and the host's state: `hold`, `status`, and the line on a hold just recorded.

use super::points::{age, now};
use crate::outcome::{HoldState, Holds, Recorded, Status};
use crate::ui::prompt::fit;

/// One line on a hold just recorded.
pub fn held_line(recorded: &Recorded) -> String {
    format!(
        "Held {} commit(s) of {}: a deploy that carries them is refused until they are reverted or the hold is lifted ({}).",
        recorded.hold.commits.len(),
        recorded.hold.short(),
        recorded.remote
    )
}

/// Lines for people, two per hold, within 80 columns.
pub fn state_lines(states: &[HoldState], base: &str, now: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for s in states {
        let h = &s.hold;
        let who = match (h.by.is_empty(), h.host.is_empty()) {
            (false, false) => format!(" by {} on {}", h.by, h.host),
            (false, true) => format!(" by {}", h.by),
            _ => String::new(),
        };
        lines.push(fit(
            &format!(
                "  {}  {}{}",
                h.short(),
                s.bad_subject.as_deref().unwrap_or("(commit not here)"),
                if h.readable {
                    ""
                } else {
                    "  (record unreadable)"
                }
            ),
            80,
        ));
        lines.push(fit(
            &format!(
                "      held {}{who}{}",
                age(now - h.at),
                h.reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(": {r}"))
            ),
            80,
        ));
        lines.push(fit(
            &format!(
                "      {} commit(s) since {}; {}",
                h.commits.len(),
                h.good.as_deref().map_or("?", |g| super::abbrev(g, 12)),
                if s.on_base > 0 {
                    format!("{base} still carries {} of them", s.on_base)
                } else {
                    format!("{base} does not carry them")
                }
            ),
            80,
        ));
    }
    lines
}

/// `hold`: what was lifted, then the holds left.
pub fn holds(o: &Holds) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(hold) = &o.lifting {
        let n = hold.commits.len();
        lines.push(if o.dry_run {
            format!(
                "Would lift the hold on {}: its {n} commit(s) could be deployed again.",
                hold.short()
            )
        } else {
            format!(
                "Lifted the hold on {}{}: its {n} commit(s) can be deployed again.",
                hold.short(),
                o.remote
                    .as_deref()
                    .map_or(String::new(), |said| format!(" ({said})"))
            )
        });
    }
    for h in o
        .lifted
        .iter()
        .filter(|h| o.lifting.as_ref().map(|l| &l.bad) != Some(&h.bad))
    {
        lines.push(format!(
            "Lifted the hold on {}: {} has reverted all its commits.",
            h.short(),
            o.base
        ));
    }
    if o.holds.is_empty() {
        lines.push("No holds: a deploy is refused only for a release marked bad.".into());
    } else {
        lines.push(format!("Holds ({}):", o.holds.len()));
        lines.extend(state_lines(&o.holds, &o.base, now()));
        lines.push("Once fixed: git fastrevert hold --release <id>".into());
    }
    lines
}

/// What a person reads, each line within 80 columns.
#[cfg(unix)]
pub fn status(s: &Status) -> Vec<String> {
    let now = now();
    let short = |id: &str| super::abbrev(id, 12).to_string();
    let mut out = Vec::new();
    let describe = |r: &crate::releases::Release| {
        (
            format!("{} {}", short(&r.id), super::releases::what(r)),
            format!("{}{}", age(now - r.deployed_at), super::releases::who(r)),
        )
    };
    match (&s.live, &s.releases_dir) {
        (Some(r), _) => {
            let (what, when) = describe(r);
            out.push(fit(&format!("Live:     {what}"), 80));
            out.push(fit(
                &format!(
                    "          deployed {when}{}",
                    if r.bad { " (marked bad)" } else { "" }
                ),
                80,
            ));
        }
        (None, Some(dir)) => out.push(fit(
            &format!("Live:     nothing yet in {}", dir.display()),
            80,
        )),
        (None, None) => {
            out.push("Live:     no release directories here (fastrevert.releases)".into())
        }
    }
    for r in &s.bad_releases {
        let (what, _) = describe(r);
        out.push(fit(&format!("Bad:      {what}"), 80));
    }
    // Outside a repository only the host is known.
    let Some(base) = s.base.as_deref() else {
        return out;
    };
    if s.holds.is_empty() {
        out.push("Holds:    none".into());
    } else {
        out.push(fit(
            &format!(
                "Holds:    {}{}",
                s.holds.len(),
                if s.base_held {
                    format!("; a deploy of {base}'s tip is refused (it carries held commits)")
                } else {
                    String::new()
                }
            ),
            80,
        ));
        out.extend(state_lines(&s.holds, base, now));
    }
    out.extend(base_lines(s, base, now));
    out
}

/// Where the base is against the live release, the latest rollout point, and this tool's
/// branches on the remote with their requests.
#[cfg(unix)]
fn base_lines(s: &Status, base: &str, now: i64) -> Vec<String> {
    let short = |id: &str| super::abbrev(id, 12).to_string();
    let mut out = Vec::new();
    match (s.base_ahead, &s.live) {
        (Some(0), Some(_)) => out.push(fit(&format!("Base:     {base} is the live release"), 80)),
        (Some(n), Some(r)) => out.push(fit(
            &format!(
                "Base:     {base} is {n} commit(s) past the live release {}",
                short(&r.id)
            ),
            80,
        )),
        _ => {
            if let Some(tip) = &s.base_commit {
                out.push(fit(&format!("Base:     {base} at {}", short(tip)), 80));
            }
        }
    }
    match &s.rollout_point {
        Some(p) => out.push(fit(
            &format!("Rollout:  {} ({})", p.name, age(now - p.timestamp)),
            80,
        )),
        None => out.push("Rollout:  no rollout point (git fastrevert prepare)".into()),
    }
    for b in &s.revert_branches {
        let pr = b.pull_request.as_ref().map_or(String::new(), |p| {
            format!(" -> {} {}", p.forge.request_noun(), p.url)
        });
        out.push(fit(&format!("Branch:   {}{pr}", b.branch), 80));
    }
    out
}
