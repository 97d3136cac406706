//! What people read, pinned: one production story told through every command (plans, real runs,
//! refusals), its stdout, stderr and exit code as snapshots. Commit ids are fixed by the test
//! environment's dates and names; the temporary folder and times of day are masked.

use std::path::Path;

use crate::common::Env;

/// One run as a transcript: the command, stdout, stderr and exit code, masked.
fn transcript(env: &Env, dir: &Path, args: &[&str]) -> String {
    let out = env
        .fr(dir)
        .args(args)
        .env("USER", "deployer")
        .env_remove("SUDO_USER")
        .env_remove("LOGNAME")
        .output()
        .expect("run git-fastrevert");
    let mut text = format!("$ git fastrevert {}\n", args.join(" "));
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let body = String::from_utf8_lossy(bytes);
        if !body.is_empty() {
            text.push_str(&format!("--- {name}\n{body}"));
            if !body.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    text.push_str(&format!("--- exit {}\n", out.status.code().unwrap_or(-1)));
    mask(env, &text)
}

/// The temporary folder as `<tmp>`, clock times and durations as `<time>`, release ids (which
/// carry the deploy's time) by their commit.
fn mask(env: &Env, text: &str) -> String {
    let tmp = env.tmp.path().to_string_lossy().to_string();
    let text = text.replace(&tmp, "<tmp>");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| {
            std::process::Command::new("uname")
                .arg("-n")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .unwrap_or_default();
    let host = host.trim();
    // Only where the host is said, so that a machine named like a branch changes nothing else.
    let text = text
        .replace(&format!("by deployer on {host}"), "by deployer on <host>")
        .replace(&format!("\"host\":\"{host}\""), "\"host\":\"<host>\"");
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // 2026-12-05T19:41:12Z or 20261205T194112Z-like stamps.
        if let Some(len) = stamp_at(&chars[i..]) {
            out.push_str("<time>");
            i += len;
            continue;
        }
        // "3 s ago": the seconds a slow machine adds.
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let end = chars[i..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(chars.len(), |n| i + n);
            if chars[end..].iter().take(6).collect::<String>() == " s ago" {
                out.push_str("<n>");
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The length of an RFC 3339 time or a compact release stamp starting here, if one does.
fn stamp_at(s: &[char]) -> Option<usize> {
    let digits = |from: usize, n: usize| {
        s.len() >= from + n && s[from..from + n].iter().all(|c| c.is_ascii_digit())
    };
    if digits(0, 4)
        && s.get(4) == Some(&'-')
        && digits(5, 2)
        && s.get(7) == Some(&'-')
        && digits(8, 2)
        && s.get(10) == Some(&'T')
        && digits(11, 2)
        && s.get(13) == Some(&':')
        && digits(14, 2)
        && s.get(16) == Some(&':')
        && digits(17, 2)
    {
        let mut len = 19;
        while len < s.len() && (s[len].is_ascii_digit() || s[len] == '.') {
            len += 1;
        }
        if s.get(len) == Some(&'Z') {
            len += 1;
        }
        return Some(len);
    }
    if digits(0, 8) && matches!(s.get(8), Some('T' | '-')) && digits(9, 6) {
        let mut len = 15;
        while len < s.len() && s[len].is_ascii_digit() {
            len += 1;
        }
        if s.get(len) == Some(&'Z') {
            len += 1;
        }
        return Some(len);
    }
    None
}

#[test]
fn the_story_of_a_bad_rollout_reads_as_pinned() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let mut log = String::new();
    let mut say = |args: &[&str]| log.push_str(&transcript(&env, &work, args));
    say(&["list"]);
    say(&["prepare", "before-v2", "--rollout", "main", "--dry-run"]);
    say(&["prepare", "before-v2", "--rollout", "main"]);
    say(&["list"]);
    say(&["list", "--json"]);
    env.commit(
        &work,
        &[(
            "db/migrate/20240101000000_add_paid_to_orders.rb",
            "class AddPaidToOrders < ActiveRecord::Migration[7.1]\n  def change\n    add_column :orders, :paid, :boolean\n  end\nend\n",
        )],
        "Add paid to orders",
    );
    env.commit(&work, &[("app/pay.txt", "pay\n")], "Add payments");
    env.git(&work, &["push", "-q", "origin", "main"]);
    say(&["check-migrations", "pre-rollout/before-v2..main"]);
    say(&["check-migrations", "pre-rollout/before-v2..main", "--json"]);
    say(&["revert", "HEAD", "--dry-run"]);
    say(&["revert", "HEAD", "--no-pr"]);
    say(&["revert", "HEAD~1", "--dry-run"]);
    say(&["revert", "HEAD~1", "--dry-run", "--json"]);
    say(&["rollback", "--dry-run"]);
    say(&["rollback", "--dry-run", "--json"]);
    say(&["rollback", "--no-pr"]);
    say(&["rollback", "--mode", "reset", "--dry-run"]);
    say(&[
        "rollback",
        "--mode",
        "reset",
        "--yes",
        "--force",
        "--no-push",
    ]);
    env.git(&work, &["switch", "-q", "--detach"]);
    say(&["rollback", "--mode", "reset", "--yes", "--force"]);
    say(&["list"]);
    insta::assert_snapshot!("story_git", log);
}

#[cfg(unix)]
#[test]
fn the_story_of_a_bad_release_on_a_host_reads_as_pinned() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let releases = env.path("releases");
    let rel = releases.to_string_lossy().to_string();
    let mut log = String::new();
    let mut say = |args: &[&str]| log.push_str(&transcript(&env, &work, args));
    say(&["status", "--releases", &rel]);
    std::fs::create_dir(&releases).unwrap();
    say(&["status", "--releases", &rel]);
    say(&["deploy", "main", "--releases", &rel, "--dry-run"]);
    say(&["deploy", "main", "--releases", &rel]);
    env.commit(&work, &[("app/pay.txt", "pay\n")], "Add payments");
    env.git(&work, &["push", "-q", "origin", "main"]);
    say(&["deploy", "main", "--releases", &rel, "--keep", "5"]);
    say(&["releases", "--releases", &rel]);
    say(&[
        "switch",
        "previous",
        "--releases",
        &rel,
        "--mark-bad",
        "--dry-run",
    ]);
    say(&[
        "switch",
        "previous",
        "--releases",
        &rel,
        "--mark-bad",
        "--no-push",
    ]);
    say(&["releases", "--releases", &rel]);
    say(&["hold"]);
    say(&["hold", "--json"]);
    say(&["status", "--releases", &rel]);
    say(&["status", "--releases", &rel, "--json"]);
    say(&["releases", "--releases", &rel, "--json"]);
    say(&["deploy", "main", "--releases", &rel]);
    insta::assert_snapshot!("story_host", log);
}
