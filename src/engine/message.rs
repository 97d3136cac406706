//! Commit messages, written the way git writes them.

/// The first line of a commit message, as git's `find_commit_subject` takes it.
pub fn subject(message: &str) -> &str {
    let message = message.trim_start_matches('\n');
    message.split('\n').next().unwrap_or("")
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
