//! Hostile content: trees git refuses to check out, symlinks committed or planted where the
//! tool writes its own files, forged history, remote and branch names that read as options, and
//! text that would start a workflow command. Nothing may write outside its place, follow a
//! symlink the tool did not create, or become a flag.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{code, json, stderr, Env};

/// Every path under `dir` with its kind and content (or link target), to compare before and
/// after; symlinks are read, never followed.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, String, Vec<u8>)> {
    let mut all = fingerprint_all(dir);
    // The lock holds the pid of whoever took it last.
    for (path, _, content) in &mut all {
        if path == Path::new(".fastrevert.lock") {
            content.clear();
        }
    }
    all
}

fn fingerprint_all(dir: &Path) -> Vec<(PathBuf, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if m.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.push((rel, "link".into(), target.as_os_str().as_bytes().to_vec()));
            } else if m.is_dir() {
                out.push((rel, "dir".into(), Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, "file".into(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// A host: an application repository, a releases directory with its `current` link, and a
/// directory outside it holding what an attacker would like to overwrite.
struct Host {
    env: Env,
    app: PathBuf,
    releases: PathBuf,
    link: PathBuf,
    outside: PathBuf,
}

impl Host {
    fn new() -> Host {
        let env = Env::new();
        let app = env.repo("app");
        let srv = env.path("srv");
        let releases = srv.join("releases");
        let outside = env.path("outside");
        std::fs::create_dir_all(&releases).unwrap();
        std::fs::create_dir_all(outside.join(".ssh")).unwrap();
        std::fs::write(
            outside.join(".ssh/authorized_keys"),
            "ssh-ed25519 AAAA admin\n",
        )
        .unwrap();
        std::fs::write(outside.join("app.conf"), "secret=1\n").unwrap();
        Host {
            link: srv.join("current"),
            env,
            app,
            releases,
            outside,
        }
    }

    fn fr(&self, args: &[&str]) -> Output {
        self.env
            .fr(&self.app)
            .args(args)
            .arg("--releases")
            .arg(&self.releases)
            .output()
            .unwrap()
    }

    fn deploy(&self, rev: &str) -> Output {
        self.fr(&["deploy", rev, "--json"])
    }

    fn live(&self) -> Option<PathBuf> {
        std::fs::read_link(&self.link).ok()
    }

    fn git(&self, args: &[&str]) -> String {
        self.env.git(&self.app, args)
    }

    /// Write an object with `git hash-object --literally`, which skips every check.
    fn literal(&self, kind: &str, content: &[u8]) -> String {
        let file = self.env.path("object");
        std::fs::write(&file, content).unwrap();
        self.git(&[
            "hash-object",
            "-t",
            kind,
            "--literally",
            "-w",
            file.to_str().unwrap(),
        ])
    }

    fn blob(&self, content: &str) -> String {
        self.literal("blob", content.as_bytes())
    }

    /// A tree from raw entries (mode, name bytes, object id), in the order given.
    fn tree(&self, entries: &[(&str, &[u8], &str)]) -> String {
        let mut raw = Vec::new();
        for (mode, name, oid) in entries {
            raw.extend_from_slice(mode.as_bytes());
            raw.push(b' ');
            raw.extend_from_slice(name);
            raw.push(0);
            for i in (0..oid.len()).step_by(2) {
                raw.push(u8::from_str_radix(&oid[i..i + 2], 16).unwrap());
            }
        }
        self.literal("tree", &raw)
    }

    fn commit_tree(&self, tree: &str) -> String {
        self.git(&["commit-tree", tree, "-m", "hostile"])
    }
}

#[test]
fn deploy_refuses_trees_git_would_not_check_out_and_writes_nothing() {
    let host = Host::new();
    let good = host.git(&["rev-parse", "HEAD"]);
    assert_eq!(code(&host.deploy(&good)), 0);
    let outside = fingerprint(&host.outside);
    let before = fingerprint(&host.releases);
    let live = host.live();

    let payload = host.blob("owned\n");
    let inner = host.tree(&[("100644", b"x", &payload)]);
    let outside_dir = host.outside.to_str().unwrap().to_string();
    let link_target = host.blob(&outside_dir);
    let hostile: Vec<(&str, String)> = vec![
        ("../../x", host.tree(&[("100644", b"../../x", &payload)])),
        (
            "absolute",
            host.tree(&[("100644", format!("{outside_dir}/x").as_bytes(), &payload)]),
        ),
        ("..", host.tree(&[("40000", b"..", &inner)])),
        (".", host.tree(&[("40000", b".", &inner)])),
        (".git", host.tree(&[("40000", b".git", &inner)])),
        (".GIT", host.tree(&[("40000", b".GIT", &inner)])),
        ("git~1", host.tree(&[("40000", b"git~1", &inner)])),
        (
            "nested ..",
            host.tree(&[("40000", b"sub", &host.tree(&[("40000", b"..", &inner)]))]),
        ),
        (
            "symlink then a directory of the same name",
            host.tree(&[("120000", b"lnk", &link_target), ("40000", b"lnk", &inner)]),
        ),
        (
            "a directory then a symlink of the same name",
            host.tree(&[("40000", b"lnk", &inner), ("120000", b"lnk", &link_target)]),
        ),
        (
            "a file named twice",
            host.tree(&[("100644", b"a", &payload), ("100644", b"a", &payload)]),
        ),
    ];
    for (what, tree) in hostile {
        let commit = host.commit_tree(&tree);
        let out = host.deploy(&commit);
        assert_eq!(code(&out), 2, "{what}: {}", stderr(&out));
        assert_eq!(json(&out)["error"]["kind"], "bad_input", "{what}");
        assert!(
            stderr(&out).contains("nothing was") || stderr(&out).contains("nothing"),
            "{what}: {}",
            stderr(&out)
        );
        assert_eq!(
            fingerprint(&host.outside),
            outside,
            "{what}: outside changed"
        );
        assert_eq!(
            fingerprint(&host.releases),
            before,
            "{what}: the releases directory changed"
        );
        assert_eq!(host.live(), live, "{what}: the link moved");
        assert!(!host.env.path("x").exists() && !host.env.tmp.path().join("../x").exists());
    }
}

#[test]
fn names_git_checks_out_deploy_as_they_are_newlines_and_non_utf8_included() {
    let host = Host::new();
    let payload = host.blob("data\n");
    let tree = host.tree(&[
        ("100644", b"README", &payload),
        ("100644", b"caf\xe9", &payload),
        ("100644", b"x\ny", &payload),
    ]);
    let commit = host.commit_tree(&tree);
    let fsck = host
        .env
        .git_output(&host.app, &["fsck", "--strict", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let out = host.deploy(&commit);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let release = host.releases.join(&commit);
    assert_eq!(std::fs::read(release.join("x\ny")).unwrap(), b"data\n");
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9");
    assert_eq!(std::fs::read(release.join(latin1)).unwrap(), b"data\n");
}

#[test]
fn committed_revision_and_bad_release_symlinks_are_never_written_through() {
    let host = Host::new();
    let keys = host.outside.join(".ssh/authorized_keys");
    let conf = host.outside.join("app.conf");
    symlink(&keys, host.app.join("REVISION")).unwrap();
    symlink(&conf, host.app.join("BAD_RELEASE")).unwrap();
    std::fs::write(host.app.join("index.html"), "v2\n").unwrap();
    host.git(&["add", "-A"]);
    host.git(&["commit", "-q", "-m", "Plant symlinks"]);
    // An ordinary repository: git and every forge accept it.
    let fsck = host
        .env
        .git_output(&host.app, &["fsck", "--strict", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let outside = fingerprint(&host.outside);
    let first = host.git(&["rev-parse", "HEAD~1"]);
    let hostile = host.git(&["rev-parse", "HEAD"]);

    assert_eq!(code(&host.deploy(&first)), 0);
    let out = host.deploy(&hostile);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let warnings = json(&out)["warnings"].to_string();
    assert!(
        warnings.contains("REVISION") && warnings.contains("BAD_RELEASE"),
        "{warnings}"
    );
    let release = host.releases.join(&hostile);
    let revision = std::fs::symlink_metadata(release.join("REVISION")).unwrap();
    assert!(revision.file_type().is_file());
    assert_eq!(
        std::fs::read_to_string(release.join("REVISION")).unwrap(),
        format!("{hostile}\n")
    );
    assert!(!release.join("BAD_RELEASE").exists());
    assert_eq!(
        std::fs::read_to_string(release.join("index.html")).unwrap(),
        "v2\n"
    );
    assert_eq!(fingerprint(&host.outside), outside);

    // A BAD_RELEASE symlink in a release written before (or by hand) is replaced, not followed.
    symlink(&conf, host.releases.join(&first).join("BAD_RELEASE")).unwrap();
    let out = host.fr(&["switch", &first, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = host.fr(&["switch", &hostile, "--mark-bad", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mark = std::fs::symlink_metadata(host.releases.join(&first).join("BAD_RELEASE")).unwrap();
    assert!(mark.file_type().is_file(), "the mark replaced the symlink");
    assert_eq!(
        fingerprint(&host.outside),
        outside,
        "nothing outside changed"
    );
    assert!(host.live().unwrap().ends_with(&hostile));
}

#[test]
fn a_history_or_lock_planted_as_a_symlink_stops_deploy_and_switch_with_nothing_changed() {
    let host = Host::new();
    let first = host.git(&["rev-parse", "HEAD"]);
    assert_eq!(code(&host.deploy(&first)), 0);
    let second = host.env.commit(&host.app, &[("README", "two\n")], "Two");
    let outside = fingerprint(&host.outside);
    for planted in [".fastrevert-history", ".fastrevert.lock"] {
        let path = host.releases.join(planted);
        let _ = std::fs::remove_file(&path);
        symlink(host.outside.join(".ssh/authorized_keys"), &path).unwrap();
        for args in [
            vec!["deploy", second.as_str(), "--json"],
            vec!["switch", second.as_str(), "--json"],
        ] {
            let before = host.live();
            let out = host.fr(&args);
            assert_eq!(code(&out), 2, "{planted} {args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains("symlink"), "{}", stderr(&out));
            assert_eq!(host.live(), before, "{planted} {args:?}: the link moved");
            assert_eq!(fingerprint(&host.outside), outside, "{planted} {args:?}");
        }
        std::fs::remove_file(&path).unwrap();
    }
    // A FIFO in the history's place would block a writer forever: refused at once.
    let fifo = host.releases.join(".fastrevert-history");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let before = host.live();
    let out = host.deploy(&second);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a plain file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(host.live(), before);
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(code(&host.deploy(&second)), 0);
}

#[test]
fn history_lines_cannot_be_forged_by_the_user_name_or_by_hand() {
    let host = Host::new();
    let first = host.git(&["rev-parse", "HEAD"]);
    let second = host.env.commit(&host.app, &[("README", "two\n")], "Two");
    for rev in [&first, &second] {
        let out = host
            .env
            .fr(&host.app)
            .args(["deploy", rev, "--releases"])
            .arg(&host.releases)
            .env("USER", format!("eve\t{second}\t../..\tswitch\nforged"))
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let history = std::fs::read_to_string(host.releases.join(".fastrevert-history")).unwrap();
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(history.contains("eve\\t"), "{history}");
    // A line written by hand that names anything but a release is passed over.
    let mut forged = history.clone();
    forged.push_str(&format!(
        "2026-01-01T00:00:00Z\tx\t../..\t{second}\tswitch\n"
    ));
    forged.push_str(&format!(
        "2026-01-01T00:00:01Z\tx\t{}\t{second}\tswitch\n",
        "0".repeat(40)
    ));
    std::fs::write(host.releases.join(".fastrevert-history"), forged).unwrap();
    let out = host.fr(&["switch", "previous", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["release"], first.as_str());
    let target = host.live().unwrap();
    assert_eq!(target, Path::new("releases").join(&first));
}

/// A `git` first on PATH that logs every command line, then runs the real one.
fn logging_git(env: &Env) -> (String, PathBuf) {
    let bin = env.path("logbin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = env.path("git.log");
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.trim()
    );
    let path = bin.join("git");
    std::fs::write(&path, script).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()
        .unwrap();
    let search = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (search, log)
}

#[test]
fn a_remote_named_like_an_option_is_refused_before_git_runs_with_it() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let marker = env.path("owned");
    let evil = env.path("evil.sh");
    std::fs::write(&evil, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&evil)
        .status()
        .unwrap();
    let (path, log) = logging_git(&env);
    let name = format!("--upload-pack={}", evil.display());
    // From the command line and from git config alike.
    let runs: Vec<Vec<String>> = vec![
        vec!["revert".into(), "HEAD".into(), format!("--remote={name}")],
        vec!["prepare".into(), format!("--remote={name}")],
    ];
    for args in runs {
        let out = env
            .fr(&work)
            .args(&args)
            .arg("--json")
            .env("PATH", &path)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a valid remote name"),
            "{}",
            stderr(&out)
        );
    }
    env.git(&work, &["config", "fastrevert.remote", &name]);
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!marker.exists(), "the remote's 'upload pack' ran");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.contains("upload-pack"), "{logged}");
}

#[test]
fn branch_names_that_shadow_refs_or_read_as_options_are_refused_before_git_runs() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let (path, log) = logging_git(&env);
    let refs_before = env.git(&work, &["for-each-ref"]);
    let remote_before = env.git(&remote, &["for-each-ref"]);
    for name in [
        "HEAD",
        "@",
        "origin/main",
        "-x",
        "=-evil",
        "refs/heads/x",
        "a..b",
    ] {
        let _ = std::fs::remove_file(&log);
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--json", &format!("--branch={name}")])
            .env("PATH", &path)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
        // Refused before anything else: no git process ran at all.
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(logged, "", "{name}: git ran");
    }
    assert_eq!(env.git(&work, &["for-each-ref"]), refs_before);
    assert_eq!(env.git(&remote, &["for-each-ref"]), remote_before);
    // origin/main still means the remote-tracking branch.
    assert_eq!(
        env.rev(&work, "origin/main"),
        env.rev(&remote, "refs/heads/main")
    );
}

/// Lines the Actions runner would take as workflow commands: `::` after blanks, or `##[`
/// anywhere.
fn workflow_commands(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("::") || l.contains("##[")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn file_names_and_subjects_never_start_a_workflow_command_in_actions_mode() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let forged = "x\n::error::forged";
    let first = env.commit(
        &work,
        &[(forged, "one\n"), ("##[error]y", "one\n")],
        "##[warning]subject\n\nbody",
    );
    env.commit(
        &work,
        &[(forged, "two\n"), ("##[error]y", "two\n")],
        "::error::second",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let summary = env.path("summary");
    for json_flag in [true, false] {
        let mut cmd = env.fr(&work);
        cmd.args(["revert", &first, "-v"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("CI", "true");
        if json_flag {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        let all = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        let commands = workflow_commands(&all);
        assert!(
            commands
                .iter()
                .all(|l| l.starts_with("::error title=git-fastrevert::")),
            "forged workflow commands: {commands:#?}"
        );
        assert_eq!(commands.len(), 1, "{commands:#?}");
        assert!(
            !commands[0].contains('\n') && commands[0].contains("%0A"),
            "{}",
            commands[0]
        );
        if json_flag {
            // The JSON keeps the paths exactly.
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let line = stdout.lines().find(|l| l.starts_with('{')).unwrap();
            let j: serde_json::Value = serde_json::from_str(line).unwrap();
            let conflicts = j["error"]["conflicts"].to_string();
            assert!(conflicts.contains("x\\n::error::forged"), "{conflicts}");
            assert!(conflicts.contains("##[error]y"), "{conflicts}");
        } else {
            assert!(
                stderr(&out).contains("\"x\\n::error::forged\""),
                "{}",
                stderr(&out)
            );
        }
    }
}

/// A `.gitattributes` line of `**/a/` ten times over cannot make a revert backtrack without
/// end: it matches as git's wildmatch does (which aborts `**` backtracking), in the time git
/// takes; and a line of 2,048 bytes or more is ignored, as git ignores it.
#[test]
fn hostile_attribute_patterns_match_as_git_does_in_bounded_time() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let pattern = format!("{}z", "**/a/".repeat(10));
    let deep = format!("{}b.txt", "a/".repeat(30));
    let long = format!("{} merge=union\n", "x".repeat(2100));
    env.commit(
        &work,
        &[
            (".gitattributes", &format!("{pattern} merge=union\n{long}")),
            (&deep, "1\n2\n3\n4\n5\n6\n7\n"),
        ],
        "Attributes and a deep file",
    );
    // Reverting the first change merges the file (the second changed it too): its merge
    // attributes are looked up.
    env.commit(&work, &[(&deep, "one\n2\n3\n4\n5\n6\n7\n")], "First change");
    env.commit(
        &work,
        &[(&deep, "one\n2\n3\n4\n5\n6\nseven\n")],
        "Second change",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    // git's answer for the deep path, and for the long line's pattern.
    let said = env.git(
        &work,
        &["check-attr", "merge", "--", &deep, &"x".repeat(2100)],
    );
    assert!(said.lines().all(|l| l.ends_with(": unspecified")), "{said}");
    let started = std::time::Instant::now();
    let out = env.run(&work, &["revert", "HEAD~1", "--no-push", "--json"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    // git's own revert of the same commit.
    env.git(&work, &["revert", "--no-edit", "HEAD~1"]);
    assert_eq!(
        json(&out)["tree"],
        env.rev(&work, "HEAD^{tree}").as_str(),
        "git's tree"
    );
}

/// Text that would steer a terminal: OSC 52 (write the clipboard), OSC 8, a screen wipe, a
/// bare CR that overwrites the line, a C1 CSI and a right-to-left override.
const STEERING: &str =
    "Fix \x1b]52;c;cHduZWQ=\x07clip \x1b]8;;http://x\x1b\\link \x1b[2Jwipe\roverwrite \u{9b}31m \u{202e}txt";

fn raw_steering(bytes: &[u8]) -> Option<&'static str> {
    let found = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    [
        ("ESC", &b"\x1b"[..]),
        ("BEL", b"\x07"),
        ("CR", b"\r"),
        ("C1 CSI", "\u{9b}".as_bytes()),
        ("RLO", "\u{202e}".as_bytes()),
    ]
    .into_iter()
    .find(|(_, needle)| found(needle))
    .map(|(name, _)| name)
}

#[test]
fn subjects_authors_and_file_names_never_reach_the_terminal_raw() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let file = format!(
        "db/migrate/20260101000000_{}.rb",
        "x\x1b[2J\x1b]52;c;cHduZWQ=\x07"
    );
    env.write(
        &work,
        &file,
        "class X < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email\n  end\nend\n",
    );
    env.git(&work, &["add", "-A"]);
    env.git(
        &work,
        &[
            "-c",
            &format!("user.name=Mallory \x1b[2J{}", "\x1b]52;c;eA==\x07"),
            "commit",
            "-q",
            "-m",
            STEERING,
        ],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    for args in [
        &[
            "revert",
            "HEAD",
            "--dry-run",
            "--allow-destructive-migrations",
        ][..],
        &["revert", "HEAD", "--dry-run"],
        &["check-migrations", "HEAD"],
        &["list"],
        &["revert", "HEAD", "--dry-run", "--json"],
        &["check-migrations", "HEAD", "--json"],
        &["list", "--json"],
    ] {
        let out = env.fr(&work).args(args).output().unwrap();
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert_eq!(
                raw_steering(bytes),
                None,
                "{args:?} {stream}: {}",
                String::from_utf8_lossy(bytes).escape_debug()
            );
        }
        if args.contains(&"--json") {
            // The JSON still carries the text as it is, escaped.
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(text.contains("\\u009b") || !text.contains("Fix"), "{text}");
            let value: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
            assert!(value.to_string().contains('\u{9b}') || !text.contains("Fix"));
        }
    }
    // What the person sees names the text visibly.
    let out = env.run(
        &work,
        &[
            "revert",
            "HEAD",
            "--dry-run",
            "--allow-destructive-migrations",
        ],
    );
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("Fix \\x1b]52;c;cHduZWQ=\\x07clip"), "{all}");
}
