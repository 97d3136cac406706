//! Pickers for the choices a command needs when it runs on a terminal without them. Without a
//! terminal they fail fast, naming the argument that supplies the choice.

use super::Ctx;
use crate::error::{Error, Kind, Result};
use crate::ui::Ui;

pub fn cancelled() -> Error {
    Error::new(Kind::Interrupted, "cancelled; nothing was changed")
}

fn missing(what: &str, flag: &str) -> Error {
    Error::bad_input(format!(
        "{what} is missing, and there is no terminal to ask"
    ))
    .hint(format!("pass {flag}"))
}

/// "3 hours ago", for a commit or tag time.
pub fn relative(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let ago = (now - seconds).max(0);
    let (n, unit) = match ago {
        0..=59 => return "just now".into(),
        60..=3599 => (ago / 60, "minute"),
        3600..=86_399 => (ago / 3600, "hour"),
        86_400..=1_209_599 => (ago / 86_400, "day"),
        1_209_600..=5_183_999 => (ago / 604_800, "week"),
        5_184_000..=31_535_999 => (ago / 2_592_000, "month"),
        _ => (ago / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// What to revert: a commit, or a merged pull request by number.
pub enum Choice {
    Commit(String),
    Pr(u64),
}

/// A pull request recently merged into the base (when a forge and its token are there), or a
/// commit of the base's recent first-parent history.
pub fn commit(ctx: &Ctx) -> Result<Choice> {
    let Some(p) = ctx.ui.ask() else {
        return Err(missing(
            "the commit to revert",
            "REV (a commit or A..B) or --pr N",
        ));
    };
    let base = ctx.base_tip()?;
    let repo = &ctx.repo;
    let mut choices = Vec::new();
    let mut items = Vec::new();
    if let Some(target) = ctx.forge_target().ok().flatten() {
        if crate::forge::token_from_env(target.kind).is_some() {
            let progress = ctx.ui.progress(&format!(
                "Listing {}s merged into {}",
                target.kind.request_noun(),
                ctx.settings.base
            ));
            let merged =
                super::pull_request::connect(ctx, "listing pull requests").and_then(|f| match f {
                    Some(f) => f.recently_merged(&ctx.settings.base),
                    None => Ok(Vec::new()),
                });
            drop(progress);
            match merged {
                Ok(prs) => {
                    let label = match target.kind {
                        crate::forge::Kind::GitLab => "MR",
                        _ => "PR",
                    };
                    for pr in prs {
                        items.push(format!(
                            "{label} {}  {}  (from {})",
                            target.kind.reference(pr.number),
                            pr.title,
                            pr.head_ref
                        ));
                        choices.push(Choice::Pr(pr.number));
                    }
                }
                Err(e) => ctx.ui.warn(&format!(
                    "merged pull requests are not listed: {}",
                    e.message
                )),
            }
        }
    }
    for c in repo.first_parent_line(base.oid, 200) {
        let subject = c.subject().to_string();
        let merged = crate::engine::message::merged_request(&c.message, c.parents.len() > 1);
        let pr = merged
            .as_ref()
            .map_or(String::new(), |m| format!("  {}", m.reference()));
        items.push(format!(
            "{}  {subject}  ({}, {}){pr}",
            crate::git::short(c.id),
            c.author,
            relative(c.time)
        ));
        // A commit that merged a pull request is reverted as that request, as `revert pr:N`
        // does: checked against it, and its branch named as the command line names it.
        choices.push(match merged {
            Some(m) => Choice::Pr(m.number),
            None => Choice::Commit(c.id.to_string()),
        });
    }
    let chosen = p
        .select(
            &format!("Revert which commit of {}?", ctx.settings.base),
            &items,
        )?
        .ok_or_else(cancelled)?;
    Ok(choices.swap_remove(chosen))
}

/// A rollout point or release tag, newest first.
pub fn point(ctx: &Ctx) -> Result<String> {
    let Some(p) = ctx.ui.ask() else {
        return Err(missing("where to roll back to", "--to <REF>"));
    };
    let mut points = super::points::rollout_points(ctx)?;
    points.extend(super::points::release_tags(ctx)?);
    if points.is_empty() {
        return Err(Error::bad_input("there are no rollout points or release tags to roll back to")
            .hint("pass --to with a commit or branch; next time, run `git fastrevert prepare` before a rollout"));
    }
    super::points::count_since(ctx, &mut points)?;
    let items: Vec<String> = points
        .iter()
        .map(|pt| {
            // First-parent commits, as `list` and the plan count what a rollback undoes.
            let since = pt
                .commits_since
                .map_or(String::new(), |n| format!(", undoing {n} commit(s)"));
            format!(
                "{}  {}  ({}{since})",
                pt.name,
                &pt.commit[..7],
                relative(pt.timestamp)
            )
        })
        .collect();
    let chosen = p
        .select(&format!("Roll {} back to?", ctx.settings.base), &items)?
        .ok_or_else(cancelled)?;
    Ok(points[chosen].name.clone())
}

/// A release of a releases directory.
#[cfg(unix)]
pub fn release(
    ui: &Ui,
    rel: &crate::releases::Releases,
    repo: Option<&crate::git::Repo>,
) -> Result<String> {
    let Some(p) = ui.ask() else {
        return Err(missing(
            "the release to switch to",
            "RELEASE (an id, a deployed tag, or previous)",
        ));
    };
    let list = rel.list()?;
    if list.is_empty() {
        return Err(
            Error::bad_input(format!("there are no releases in {}", rel.dir.display()))
                .hint("deploy one first: git fastrevert deploy <REV>"),
        );
    }
    let items: Vec<String> = list
        .iter()
        .map(|r| {
            let mark = if r.current {
                "  (current)"
            } else if r.previous {
                "  (previous)"
            } else {
                ""
            };
            let bad = if r.bad { "  BAD" } else { "" };
            // What a person recognises: the tag or branch on it, and its subject.
            let (names, subject) = repo.map_or((String::new(), String::new()), |repo| {
                describe_release(repo, &r.id)
            });
            format!(
                "{}{names}  {subject}  deployed {}{mark}{bad}",
                &r.id[..12],
                relative(r.deployed_at)
            )
        })
        .collect();
    let chosen = p
        .select("Switch to which release?", &items)?
        .ok_or_else(cancelled)?;
    Ok(list[chosen].id.clone())
}

/// The tags and branches pointing at a release's commit (`  v1.4.0`), and its subject, when
/// the repository has them.
#[cfg(unix)]
fn describe_release(repo: &crate::git::Repo, id: &str) -> (String, String) {
    let Ok(oid) = crate::git::Oid::from_str(id) else {
        return (String::new(), String::new());
    };
    let Ok(commit) = repo.commit(oid) else {
        return (String::new(), String::new());
    };
    let subject = commit.subject().to_string();
    let names = repo.tags_at(oid);
    let names = if names.is_empty() {
        String::new()
    } else {
        format!("  {}", names.join(", "))
    };
    (names, subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dates() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert_eq!(relative(now), "just now");
        assert_eq!(relative(now - 7200), "2 hours ago");
        assert_eq!(relative(now - 86_400), "1 day ago");
    }
}
