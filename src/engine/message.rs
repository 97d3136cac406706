//! Commit messages, written the way git writes them.

/// The first line of a commit message, as git's `find_commit_subject` takes it.
pub use crate::git::subject;

/// The commit a revert's message says it reverts (`This reverts commit <id>`), if any.
pub fn reverts(message: &str) -> Option<&str> {
    let at = message.find("This reverts commit ")? + "This reverts commit ".len();
    let id = &message[at..];
    let end = id
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(id.len());
    (end >= 7).then(|| &id[..end])
}

/// The title git gives the revert of a commit with this subject: `Revert "<subject>"`, or
/// `Reapply "<original>"` for the revert of a revert.
pub fn revert_title(subject: &str) -> String {
    match subject.strip_prefix("Revert \"") {
        // git keeps the closing quote of the original title as it is.
        Some(rest) if !rest.starts_with("Revert \"") => format!("Reapply \"{rest}"),
        _ => format!("Revert \"{subject}\""),
    }
}

/// The message of `git revert` (with `-m` for merges), plus an optional reason trailer.
pub fn revert_message(
    subject: &str,
    commit: &str,
    merge_parent: Option<&str>,
    reason: Option<&str>,
) -> String {
    let mut msg = format!("{}\n\nThis reverts commit {commit}", revert_title(subject));
    if let Some(parent) = merge_parent {
        msg.push_str(&format!(", reversing\nchanges made to {parent}"));
    }
    msg.push_str(".\n");
    push_reason(&mut msg, reason);
    msg
}

/// One commit reverting several: a title and one line per reverted commit.
pub fn squash_message(reverted: &[(String, String)], reason: Option<&str>) -> String {
    if let [(commit, subject)] = reverted {
        return revert_message(subject, commit, None, reason);
    }
    let mut msg = format!(
        "Revert {} commits\n\nThis reverts these commits:\n\n",
        reverted.len()
    );
    // The reverted commits as they were called, not as their reverts would be.
    for (commit, subject) in reverted {
        msg.push_str(&format!("{commit} {subject}\n"));
    }
    push_reason(&mut msg, reason);
    msg
}

/// `Roll back to <REF>` with the commits it undoes.
pub fn rollback_message(
    target: &str,
    target_commit: &str,
    undone: &[(String, String)],
    more: usize,
    reason: Option<&str>,
) -> String {
    let mut msg = format!("Roll back to {target}\n\nThis restores the tree of {target_commit}");
    if undone.is_empty() {
        msg.push_str(".\n");
    } else {
        msg.push_str(", undoing:\n\n");
        for (commit, subject) in undone {
            msg.push_str(&format!("{commit} {subject}\n"));
        }
        if more > 0 {
            msg.push_str(&format!("... and {more} more\n"));
        }
    }
    push_reason(&mut msg, reason);
    msg
}

/// A snapshot tag's message, with the contract's trailers.
pub fn snapshot_message(
    name: &str,
    base: &str,
    commit: &str,
    rollout: Option<&str>,
    warnings: &[String],
) -> String {
    let mut msg = format!("Pre-rollout snapshot {name}\n");
    if !warnings.is_empty() {
        msg.push('\n');
        for w in warnings {
            msg.push_str(&format!("Warning: {w}\n"));
        }
    }
    msg.push_str(&format!(
        "\nFastrevert-Base: {base}\nFastrevert-Commit: {commit}\n"
    ));
    if let Some(rollout) = rollout {
        msg.push_str(&format!("Fastrevert-Rollout: {rollout}\n"));
    }
    msg
}

/// The value of the last `key:` trailer in a message.
pub fn trailer<'a>(message: &'a str, key: &str) -> Option<&'a str> {
    message
        .lines()
        .rev()
        .find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(':'))
        })
        .map(str::trim)
}

fn push_reason(msg: &mut String, reason: Option<&str>) {
    if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        // A trailer is one line; newlines in the reason would end it.
        let one_line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        msg.push_str(&format!("\nRevert-Reason: {one_line}\n"));
    }
}

/// A pull or merge request as its forge wrote the message of the commit that merged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedRequest {
    pub number: u64,
    /// GitLab's `See merge request group/project!N`: the project (a request of another
    /// project merged in, a subtree, is not this project's).
    pub gitlab_project: Option<String>,
    /// The source branch, when the message names it.
    pub head_ref: String,
    /// The request's title as the message gives it.
    pub title: String,
    /// The forge writes requests `!N` (GitLab, Azure DevOps), not `#N`.
    pub bang: bool,
}

impl MergedRequest {
    /// `#N`, or GitLab's `!N`: said as the forge that wrote the message says it.
    pub fn reference(&self) -> String {
        if self.bang || self.gitlab_project.is_some() {
            format!("!{}", self.number)
        } else {
            format!("#{}", self.number)
        }
    }
}

/// The request a merge or squash commit's message says it merged, in each forge's wording:
/// GitHub `Merge pull request #N from owner/branch` (the title on the body's first line) or a
/// squash `Title (#N)`; Bitbucket `Merged in branch (pull request #N)`; GitLab `See merge
/// request group/project!N` in the body (a merge commit's subject `Merge branch 'x' into 'y'`,
/// the title on the body's first line); Gitea and Forgejo `Merge pull request 'Title' (#N) from
/// branch into base`; Azure DevOps `Merged PR N: Title`. One home for these rules: reverts,
/// pickers and completion all read merges through it.
// Long because one arm per forge's wording of a merge subject: the one home of these rules, read as
// a table.
pub fn merged_request(message: &str, merge_commit: bool) -> Option<MergedRequest> {
    let digits = |s: &str| -> Option<u64> {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.parse().ok()
    };
    let subject = subject(message);
    let body_title = message
        .trim_start_matches('\n')
        .split_once("\n\n")
        .and_then(|(_, b)| b.lines().next())
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string);
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        let number = digits(rest)?;
        let head_ref = rest
            .split_once(" from ")
            .map(|(_, r)| r.rsplit_once('/').map_or(r, |(_, b)| b).to_string())
            .unwrap_or_default();
        return Some(MergedRequest {
            number,
            gitlab_project: None,
            head_ref,
            title: body_title.unwrap_or_else(|| subject.to_string()),
            bang: false,
        });
    }
    let gitlab = message.lines().find_map(|l| {
        let (project, n) = l
            .trim()
            .strip_prefix("See merge request ")?
            .rsplit_once('!')?;
        let n: u64 = n.parse().ok()?;
        Some((project.to_string(), n))
    });
    if let Some((project, number)) = gitlab {
        let head_ref = subject
            .strip_prefix("Merge branch '")
            .and_then(|rest| rest.split_once("' into '"))
            .map(|(branch, _)| branch.to_string())
            .unwrap_or_default();
        let title = match body_title {
            Some(t) if merge_commit => t,
            _ => subject.to_string(),
        };
        return Some(MergedRequest {
            number,
            gitlab_project: Some(project),
            head_ref,
            title,
            bang: false,
        });
    }
    // Gitea and Forgejo: `Merge pull request 'Title' (#N) from branch into main`.
    if let Some(rest) = subject.strip_prefix("Merge pull request '") {
        if let Some((title, tail)) = rest.rsplit_once("' (#") {
            let number = digits(tail)?;
            let head_ref = tail
                .split_once(") from ")
                .and_then(|(_, r)| r.rsplit_once(" into "))
                .map(|(branch, _)| branch.to_string())
                .unwrap_or_default();
            return Some(MergedRequest {
                number,
                gitlab_project: None,
                head_ref,
                title: title.to_string(),
                bang: false,
            });
        }
    }
    // Azure DevOps: `Merged PR 123: Title`.
    if let Some(rest) = subject.strip_prefix("Merged PR ") {
        if let Some((n, title)) = rest.split_once(": ") {
            if let Ok(number) = n.parse::<u64>() {
                return Some(MergedRequest {
                    number,
                    gitlab_project: None,
                    head_ref: String::new(),
                    title: title.to_string(),
                    bang: true,
                });
            }
        }
    }
    if let Some(rest) = subject.strip_prefix("Merged in ") {
        if let Some((branch, tail)) = rest.split_once(" (pull request #") {
            let number = digits(tail)?;
            return Some(MergedRequest {
                number,
                gitlab_project: None,
                head_ref: branch.to_string(),
                title: subject.to_string(),
                bang: false,
            });
        }
    }
    let open = subject.rfind("(#")?;
    if !subject.ends_with(')') {
        return None;
    }
    let number = digits(&subject[open + 2..])?;
    Some(MergedRequest {
        number,
        gitlab_project: None,
        head_ref: String::new(),
        title: subject[..open].trim().to_string(),
        bang: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_requests_in_each_forges_wording() {
        let read = |message: &str, merge: bool| {
            merged_request(message, merge).map(|m| (m.number, m.reference(), m.head_ref, m.title))
        };
        let s = |x: &str| x.to_string();
        assert_eq!(
            read(
                "Merge pull request #123 from acme/orders-status\n\nShow order status",
                true
            ),
            Some((123, s("#123"), s("orders-status"), s("Show order status")))
        );
        assert_eq!(
            read("Add coupons (#88)", false),
            Some((88, s("#88"), s(""), s("Add coupons")))
        );
        assert_eq!(
            read("Merged in feature/pay (pull request #5)\n\nPay", true),
            Some((
                5,
                s("#5"),
                s("feature/pay"),
                s("Merged in feature/pay (pull request #5)")
            ))
        );
        assert_eq!(
            read(
                "Merge branch 'orders' into 'main'\n\nShow orders\n\nSee merge request acme/shop!9",
                true
            ),
            Some((9, s("!9"), s("orders"), s("Show orders")))
        );
        assert_eq!(
            read(
                "Merge pull request 'Show orders' (#14) from orders/status into main",
                true
            ),
            Some((14, s("#14"), s("orders/status"), s("Show orders")))
        );
        assert_eq!(
            read("Merged PR 31: Show orders\n\nRelated work items: #7", true),
            Some((31, s("!31"), s(""), s("Show orders")))
        );
        assert_eq!(read("Fix #12 in parser", false), None);
        assert_eq!(read("Merge branch 'x' into 'main'", true), None);
    }

    #[test]
    fn revert_of_a_revert_is_a_reapply() {
        assert_eq!(revert_title("Add x"), "Revert \"Add x\"");
        assert_eq!(revert_title("Revert \"Add x\""), "Reapply \"Add x\"");
        assert_eq!(
            revert_title("Revert \"Revert \"Add x\"\""),
            "Revert \"Revert \"Revert \"Add x\"\"\""
        );
    }

    #[test]
    fn merge_revert_message_names_the_parent() {
        let msg = revert_message("Merge pull request #1", "aaa", Some("bbb"), None);
        assert_eq!(
            msg,
            "Revert \"Merge pull request #1\"\n\nThis reverts commit aaa, reversing\nchanges made to bbb.\n"
        );
    }

    #[test]
    fn reason_is_a_trailer() {
        let msg = revert_message("Add x", "aaa", None, Some("broke\nlogin"));
        assert!(msg.ends_with("This reverts commit aaa.\n\nRevert-Reason: broke login\n"));
        assert_eq!(trailer(&msg, "Revert-Reason"), Some("broke login"));
    }

    #[test]
    fn subject_is_the_first_line() {
        assert_eq!(subject("One\ntwo\n\nbody"), "One");
    }
}
