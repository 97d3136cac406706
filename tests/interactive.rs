//! The real binary on a pseudo-terminal: the menu and pickers driven by keystrokes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

use crate::common::Env;

const DOWN: &str = "\x1b[B";

fn spawn(env: &Env, dir: &Path, args: &[&str]) -> expectrl::session::OsSession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_git-fastrevert"));
    cmd.current_dir(dir).args(args);
    env.apply_to(&mut cmd);
    cmd.env_remove("CI").env("TERM", "xterm-256color");
    let mut session = Session::spawn(cmd).expect("spawn on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    session
}

fn exit_code(session: &mut expectrl::session::OsSession) -> i32 {
    session.expect(Eof).ok();
    match session.get_process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("not a normal exit: {other:?}"),
    }
}

fn refs(env: &Env, dir: &Path) -> String {
    env.git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

#[test]
fn revert_a_commit_picked_from_the_menu() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let target = env.rev(&work, "main~2");
    let mut p = spawn(&env, &work, &[]);
    p.expect("What do you want to do?").unwrap();
    p.send(DOWN).unwrap(); // the second action: revert
    std::thread::sleep(Duration::from_millis(200));
    p.send("\r").unwrap();
    p.expect("Revert which commit of main?").unwrap();
    p.send("Add four").unwrap(); // fuzzy filter
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    p.expect("Why?").unwrap();
    p.send("checkout broke\r").unwrap();
    p.expect("The plan:").unwrap();
    p.expect("Go ahead?").unwrap();
    p.send("y").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let branch = format!("revert-{}", &target[..7]);
    let tip = env.rev(&remote, &branch);
    assert_eq!(
        env.rev(&remote, &format!("{tip}^")),
        env.rev(&remote, "main")
    );
    assert!(env
        .git(&remote, &["log", "-1", "--format=%s", &tip])
        .contains("Revert \"Add four\""));
    assert!(env
        .git(&remote, &["log", "-1", "--format=%B", &tip])
        .contains("Revert-Reason: checkout broke"));
}

/// A commit that merged a pull request, picked from the menu, is reverted as that request: its
/// branch is named as `revert pr:N` names it on the command line.
#[test]
fn a_merge_picked_from_the_menu_is_reverted_as_its_pull_request() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["checkout", "-q", "-b", "orders-status"]);
    env.commit(&work, &[("orders.txt", "status\n")], "Show order status");
    env.git(&work, &["checkout", "-q", "main"]);
    env.git(
        &work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "orders-status",
            "-m",
            "Merge pull request #15 from acme/orders-status",
        ],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let merged = env.rev(&work, "main");
    let mut p = spawn(&env, &work, &["revert"]);
    p.expect("Revert which commit of main?").unwrap();
    p.send("orders-status").unwrap(); // fuzzy filter
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    p.expect("Why?").unwrap();
    p.send("\r").unwrap();
    p.expect("Go ahead?").unwrap();
    p.send("y").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let tip = env.rev(&remote, "revert-15-orders-status");
    assert_eq!(env.rev(&remote, &format!("{tip}^")), merged);
    assert_eq!(
        env.rev(&remote, &format!("{tip}^{{tree}}")),
        env.rev(&work, "main^1^{tree}")
    );
}

#[test]
fn roll_back_to_a_tag_picked_from_the_list() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(
        &work,
        &["tag", "-a", "v1.0.0", "-m", "Release 1.0.0", "main~2"],
    );
    env.git(&work, &["push", "-q", "origin", "v1.0.0"]);
    let mut p = spawn(&env, &work, &["rollback"]);
    p.expect("Roll main back to?").unwrap();
    // First-parent commits, as `list` and the plan count them (not every commit since).
    let undone = env.git(
        &work,
        &["rev-list", "--count", "--first-parent", "v1.0.0..main"],
    );
    let all = env.git(&work, &["rev-list", "--count", "v1.0.0..main"]);
    assert_ne!(undone, all, "the history has a merge in the way");
    p.expect(format!("undoing {undone} commit(s)").as_str())
        .unwrap();
    p.send("v1.0.0").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    p.expect("How?").unwrap();
    p.send("\r").unwrap(); // commit mode
    p.expect("Why?").unwrap();
    p.send("\r").unwrap(); // no reason
    p.expect("Go ahead?").unwrap();
    p.send("y").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let tip = env.rev(&remote, "rollback-to-v1.0.0");
    assert_eq!(
        env.rev(&remote, &format!("{tip}^{{tree}}")),
        env.rev(&remote, "v1.0.0^{tree}")
    );
}

#[test]
fn cancelling_at_the_confirmation_writes_nothing() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let before = (refs(&env, &work), refs(&env, &remote));
    let mut p = spawn(&env, &work, &["revert"]);
    p.expect("Revert which commit of main?").unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap();
    p.expect("Why?").unwrap();
    p.send("\r").unwrap();
    p.expect("Go ahead?").unwrap();
    p.send("n").unwrap();
    // A person who said no made no error.
    let said = p.expect("ancelled; nothing was changed.").unwrap();
    assert!(!String::from_utf8_lossy(said.before()).contains("error:"));
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!((refs(&env, &work), refs(&env, &remote)), before);
}

#[test]
fn ctrl_c_at_a_prompt_exits_130() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let before = refs(&env, &work);
    let mut p = spawn(&env, &work, &[]);
    p.expect("What do you want to do?").unwrap();
    p.send("\x03").unwrap();
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(refs(&env, &work), before);
}

/// A key that needs its passphrase: the signing program's prompt reaches the terminal, and the
/// commit is signed once it is typed.
#[test]
fn a_signing_passphrase_is_asked_on_the_terminal() {
    if !crate::common::needs("ssh-keygen") {
        return;
    }
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let key = env.path("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "hunter2", "-C", "test", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = env.path("allowed_signers");
    std::fs::write(&allowed, format!("test@example.com {public}")).unwrap();
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingKey", key.to_str().unwrap()),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
    ] {
        env.git(&work, &["config", k, v]);
    }
    let mut p = spawn(&env, &work, &["revert", "HEAD", "-S", "--no-push"]);
    p.expect("passphrase").unwrap();
    p.send("hunter2\r").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let branch = format!("revert-{}", &env.rev(&work, "main")[..7]);
    assert_eq!(env.git(&work, &["log", "-1", "--format=%G?", &branch]), "G");
}

/// An export that takes a moment shows how far it got on a terminal, and nothing of the kind
/// without one.
#[test]
fn a_deploy_on_a_terminal_shows_files_written_of_total() {
    let env = Env::new();
    let dir = env.path("app");
    // Enough files that the export lasts past the bar's first draw, and no more.
    let spec = crate::common::mkrepo::Spec {
        files: 3_000,
        commits: 3,
        seed: 5,
        bare: false,
        variety: false,
    };
    crate::common::mkrepo::build(&dir, &spec).unwrap();
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    let mut p = spawn(
        &env,
        &dir,
        &["deploy", "main", "--releases", releases.to_str().unwrap()],
    );
    p.expect(" files, ").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let out = env.run_releases(&dir, &releases, &["deploy", "main~1", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(" files, "));
}

/// On a terminal a plan refused over a destructive migration shows the migration and asks;
/// yes goes ahead (the warning says it was allowed).
#[test]
fn a_refused_plan_shows_the_migration_and_asks_on_a_terminal() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "v1.0.0"]);
    env.git(&work, &["push", "-q", "origin", "v1.0.0"]);
    env.commit(
        &work,
        &[(
            "db/migrate/001_drop.sql",
            "ALTER TABLE users DROP COLUMN legacy;\n",
        )],
        "Drop legacy",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let mut p = spawn(&env, &work, &["rollback"]);
    p.expect("back to?").unwrap();
    p.send("v1.0.0").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    p.expect("How?").unwrap();
    p.send("\r").unwrap(); // commit
    p.expect("Why?").unwrap();
    p.send("\r").unwrap();
    p.expect("Refused:").unwrap();
    p.expect("db/migrate/001_drop.sql:1").unwrap();
    p.expect("Go ahead anyway").unwrap();
    p.send("y").unwrap();
    p.expect("The plan:").unwrap();
    p.expect("Go ahead?").unwrap();
    p.send("y").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    assert!(env
        .git_output(&remote, &["rev-parse", "--verify", "rollback-to-v1.0.0"])
        .status
        .success());
}

/// A typo at a prompt is said and asked again; the picker labels releases with their tag and
/// subject.
#[test]
fn a_typo_is_asked_again_and_releases_carry_tags_and_subjects() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    env.git(&work, &["tag", "--no-sign", "v2.0.0", "main~1"]);
    for rev in ["main~1", "main"] {
        let out = env.run_releases(&work, &releases, &["deploy", rev]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut p = spawn(&env, &work, &[]);
    p.expect("What do you want to do?").unwrap();
    p.send("Switch").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    p.expect("Releases directory").unwrap();
    p.send("/no/such/place\r").unwrap();
    p.expect("try again").unwrap();
    p.expect("Releases directory").unwrap();
    p.send(format!("{}\r", releases.display())).unwrap();
    p.expect("Switch to which release?").unwrap();
    // The release of main~1 is labelled with its tag and its subject.
    p.expect("v2.0.0  Merge pull request #7").unwrap();
    p.send("\x1b").unwrap(); // back out: nothing changes
    assert_eq!(exit_code(&mut p), 130);
}

/// On an 80-column terminal a picker line never wraps: a long subject is cut with an ellipsis.
#[test]
fn picker_lines_fit_an_80_column_terminal() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let long = format!("Rework the checkout {} END", "and the basket ".repeat(8));
    env.commit(&work, &[("long.txt", "x\n")], &long);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let mut p = spawn(&env, &work, &["revert"]);
    p.get_process_mut().set_window_size(80, 24).unwrap();
    p.expect("Revert which commit of main?").unwrap();
    let shown = p.expect("…").unwrap();
    let before = String::from_utf8_lossy(shown.before()).to_string();
    assert!(before.contains("Rework the checkout"), "{before}");
    assert!(!before.contains("END"), "the full line was drawn: {before}");
    p.send("\x1b").unwrap();
    assert_eq!(exit_code(&mut p), 130);
}

/// A warning is said once in the interactive flow: in the plan, not again by the dry run
/// before it or by the real run after it.
#[test]
fn a_warning_appears_once_in_the_interactive_flow() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[(
            "db/migrate/002_add_nickname.sql",
            "ALTER TABLE users ADD COLUMN nickname text;\n",
        )],
        "Add nickname column",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let mut p = spawn(&env, &work, &["revert"]);
    let mut seen = String::new();
    let mut upto = |p: &mut expectrl::session::OsSession, what: &str| {
        let found = p.expect(what).unwrap();
        seen.push_str(&String::from_utf8_lossy(found.before()));
        seen.push_str(what);
    };
    upto(&mut p, "Revert which commit of main?");
    p.send("Add nickname").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\r").unwrap();
    upto(&mut p, "Why?");
    p.send("\r").unwrap();
    upto(&mut p, "The plan:");
    upto(&mut p, "Go ahead?");
    p.send("y").unwrap();
    let rest = p.expect(Eof).unwrap();
    seen.push_str(&String::from_utf8_lossy(rest.as_bytes()));
    assert_eq!(
        seen.matches("removes the migration").count(),
        1,
        "the warning once, in the plan:\n{seen}"
    );
    assert!(seen.contains("Created branch revert-"), "{seen}");
}

/// `switch` without a release, on a terminal: pick one, see the plan (the flip, the hooks,
/// the check), and answer; no leaves the link where it was.
#[test]
fn switch_without_a_release_shows_the_plan_and_asks() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    for rev in ["main~1", "main"] {
        let out = env.run_releases(&work, &releases, &["deploy", rev]);
        assert_eq!(out.status.code(), Some(0));
    }
    let link = env.path("site/current");
    let live = std::fs::read_link(&link).unwrap();
    let args = [
        "switch",
        "--releases",
        releases.to_str().unwrap(),
        "--after-switch",
        "true",
    ];
    let pick_older = |answer: &str| {
        let mut p = spawn(&env, &work, &args);
        p.expect("Switch to which release?").unwrap();
        p.send(DOWN).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        p.send("\r").unwrap();
        p.expect("Would point").unwrap();
        p.expect("after the flip: true").unwrap();
        p.expect("?").unwrap();
        p.send(answer).unwrap();
        exit_code(&mut p)
    };
    assert_eq!(pick_older("n"), 130);
    assert_eq!(std::fs::read_link(&link).unwrap(), live, "no moves nothing");
    assert_eq!(pick_older("y"), 0);
    assert_ne!(std::fs::read_link(&link).unwrap(), live);
}

/// A picker shows a subject that would steer the terminal (OSC 52, a screen wipe, a bare CR)
/// as visible escapes: the sequences never reach the pty.
#[test]
fn a_picker_shows_steering_subjects_as_visible_escapes() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[("x.txt", "x\n")],
        "Steer \x1b]52;c;cHduZWQ=\x07clip \x1b[2Jwipe\rover",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let mut p = spawn(&env, &work, &["revert"]);
    let mut seen = Vec::new();
    let found = p.expect("Revert which commit of main?").unwrap();
    seen.extend_from_slice(found.before());
    let found = p.expect("wipe").unwrap();
    seen.extend_from_slice(found.before());
    std::thread::sleep(Duration::from_millis(300));
    p.send("\x1b").unwrap(); // back out
    let rest = p
        .expect(Eof)
        .map(|c| c.before().to_vec())
        .unwrap_or_default();
    seen.extend_from_slice(&rest);
    let found = |needle: &[u8]| seen.windows(needle.len()).any(|w| w == needle);
    assert!(
        !found(b"\x1b]52"),
        "{}",
        String::from_utf8_lossy(&seen).escape_debug()
    );
    assert!(
        !found(b"\x1b[2J"),
        "{}",
        String::from_utf8_lossy(&seen).escape_debug()
    );
    assert!(found(b"\\x1b]52;c;cHduZWQ=\\x07clip"));
}

/// The incident from the menu: the first action flips this host back, marks and holds the bad
/// release and reverts what it shipped, after showing the plan.
#[test]
fn the_menu_rolls_back_this_host_and_reverts_what_it_shipped() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let releases = env.path("site/releases");
    let (good, bad) = crate::common::good_then_bad_deployed(&env, &work, &releases);
    env.git(
        &work,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let mut p = spawn(&env, &work, &[]);
    p.expect("What do you want to do?").unwrap();
    p.expect("Roll back this host and revert what it shipped")
        .unwrap();
    p.send("\r").unwrap();
    p.expect("Why?").unwrap();
    p.send("payments down\r").unwrap();
    p.expect("The plan:").unwrap();
    p.expect("and mark").unwrap();
    p.expect("revert").unwrap();
    p.expect("Go ahead?").unwrap();
    p.send("y").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let link = releases.parent().unwrap().join("current");
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
    let holds = env.git(&remote, &["for-each-ref", "refs/fastrevert/holds/"]);
    assert!(holds.contains(&bad), "{holds}");
    let branch = format!("revert-{}", &bad[..7]);
    let message = env.git(&remote, &["log", "-1", "--format=%B", &branch]);
    assert!(
        message.contains("Revert-Reason: payments down"),
        "{message}"
    );
}
