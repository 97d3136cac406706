//! deploy, switch and releases: exports identical to `git archive | tar -x`, a switch no
//! reader ever sees half-done, crash safety, and clear refusals.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{code, json, mkrepo, stderr, Env};

/// Type, permission bits, and content or link target of every path under `root`.
fn snapshot(root: &Path, skip: &[&str]) -> BTreeMap<PathBuf, (String, u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if skip.iter().any(|s| rel == Path::new(s)) {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            let perm = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                out.insert(
                    rel,
                    (
                        "link".into(),
                        0,
                        std::fs::read_link(&p)
                            .unwrap()
                            .into_os_string()
                            .into_encoded_bytes(),
                    ),
                );
            } else if m.is_dir() {
                out.insert(rel, ("dir".into(), perm, Vec::new()));
                stack.push(p);
            } else {
                out.insert(rel, ("file".into(), perm, std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// A release's files are read-only (so the next release can share them); otherwise they are
/// what `tar -x` writes: the same content, symlinks and executable bits. Checks the first and
/// gives the entries with tar's write bit back.
fn read_only_as_tar_writes_it(
    entries: BTreeMap<PathBuf, (String, u32, Vec<u8>)>,
) -> BTreeMap<PathBuf, (String, u32, Vec<u8>)> {
    entries
        .into_iter()
        .map(|(path, (kind, perm, data))| {
            if kind == "file" {
                assert_eq!(perm & 0o222, 0, "{} is writable", path.display());
                (path, (kind, perm | 0o200, data))
            } else {
                (path, (kind, perm, data))
            }
        })
        .collect()
}

fn repo_with_history(env: &Env, files: usize) -> PathBuf {
    let dir = env.path("app");
    let spec = mkrepo::Spec {
        files,
        commits: 30,
        seed: 11,
        bare: false,
        variety: true,
    };
    mkrepo::build(&dir, &spec).unwrap();
    dir
}

fn site(env: &Env) -> PathBuf {
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    releases
}

#[test]
fn an_export_is_identical_to_git_archive_and_tar() {
    let env = Env::new();
    let repo = repo_with_history(&env, 600);
    let releases = site(&env);
    let out = env.run_releases(&repo, &releases, &["deploy", "main", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert!(j["warnings"][0]
        .as_str()
        .unwrap()
        .contains("submodule vendor/lib"));
    let id = env.rev(&repo, "main");
    let release = releases.join(&id);
    assert_eq!(
        std::fs::read_to_string(release.join("REVISION")).unwrap(),
        format!("{id}\n")
    );

    let extracted = env.path("archive");
    std::fs::create_dir(&extracted).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg("git archive main | tar -x --no-same-permissions -C \"$0\"")
        .arg(&extracted)
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    let ours = read_only_as_tar_writes_it(snapshot(&release, &["REVISION"]));
    let theirs = snapshot(&extracted, &[]);
    assert_eq!(ours.len(), theirs.len());
    for (path, entry) in &theirs {
        assert_eq!(ours.get(path), Some(entry), "{}", path.display());
    }
    assert!(
        ours.values().any(|(kind, _, _)| kind == "link"),
        "the fixture has a symlink"
    );
    assert!(
        ours.values()
            .any(|(kind, perm, _)| kind == "file" && perm & 0o111 != 0),
        "and executables"
    );

    // The link is relative, so the site can move.
    let link = env.path("site/current");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("releases").join(&id)
    );
}

#[test]
fn readers_never_see_the_link_missing_or_half_switched() {
    let env = Env::new();
    let repo = repo_with_history(&env, 200);
    let releases = site(&env);
    let a = env.rev(&repo, "main~5");
    let b = env.rev(&repo, "main");
    for rev in [&a, &b] {
        let out = env.run_releases(&repo, &releases, &["deploy", rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let link = env.path("site/current");
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, link) = (stop.clone(), reads.clone(), link.clone());
        let (a, b) = (a.clone(), b.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let revision = std::fs::read_to_string(link.join("REVISION"))
                    .expect("the link must always resolve");
                let revision = revision.trim();
                assert!(revision == a || revision == b, "saw {revision}");
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // Thousands of switches in-process, and a few hundred through the binary.
    let rel = git_fastrevert::releases::Releases::new(releases.clone(), None).unwrap();
    for i in 0..3000 {
        rel.switch_to(if i % 2 == 0 { &a } else { &b }).unwrap();
    }
    for i in 0..200 {
        let target = if i % 2 == 0 { "previous" } else { &b[..10] };
        let out = env.run_releases(&repo, &releases, &["switch", target]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    stop.store(true, Ordering::Relaxed);
    reader
        .join()
        .expect("the reader saw a missing or foreign link");
    assert!(
        reads.load(Ordering::Relaxed) > 1000,
        "the reader must have raced the switches"
    );
}

#[test]
fn a_deploy_killed_midway_leaves_the_site_intact_and_the_next_one_cleans_up() {
    let env = Env::new();
    let repo = repo_with_history(&env, 20_000);
    let releases = site(&env);
    let first = env.rev(&repo, "main~3");
    let second = env.rev(&repo, "main");
    let out = env.run_releases(&repo, &releases, &["deploy", &first]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = snapshot(&releases.join(&first), &[]);
    let link = env.path("site/current");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    for round in 0..3u32 {
        let delay = 5 + (seed.wrapping_mul(round + 7) % 120) as u64;
        let mut child = env
            .fr(&repo)
            .args(["deploy", &second, "--releases"])
            .arg(&releases)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let live = std::fs::read_link(&link).unwrap();
        let live_id = live.file_name().unwrap().to_str().unwrap().to_string();
        if live_id == second {
            // It finished before the kill: then it must be whole.
            assert_eq!(
                std::fs::read_to_string(releases.join(&second).join("REVISION"))
                    .unwrap()
                    .trim(),
                second
            );
            break;
        }
        assert_eq!(live_id, first, "round {round} (killed after {delay} ms)");
        assert_eq!(
            snapshot(&releases.join(&first), &[]),
            before,
            "the live release changed"
        );
        assert!(
            !releases.join(&second).exists() || releases.join(&second).join("REVISION").exists(),
            "a half release under its real name"
        );
    }
    let out = env.run_releases(&repo, &releases, &["deploy", &second]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let leftovers: Vec<_> = std::fs::read_dir(&releases)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(
        std::fs::read_link(&link)
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap(),
        second
    );
    assert_eq!(snapshot(&releases.join(&first), &[]), before);
}

#[test]
fn switch_previous_mark_bad_history_prune_and_config() {
    let env = Env::new();
    let repo = repo_with_history(&env, 100);
    let releases = site(&env);
    let revs: Vec<String> = (0..4)
        .rev()
        .map(|i| env.rev(&repo, &format!("main~{i}")))
        .collect();
    for rev in &revs {
        let out = env.run_releases(&repo, &releases, &["deploy", rev, "--keep", "2"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    // Keeps two, current and previous among them.
    let out = env.run_releases(&repo, &releases, &["releases", "--json"]);
    let j = json(&out);
    let ids: Vec<&str> = j["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{j}");
    assert_eq!(j["current"], revs[3].as_str());
    assert_eq!(j["previous"], revs[2].as_str());

    // Daily use: configured once, then `switch previous`.
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let out = env.run_ok(&repo, &["switch", "previous", "--mark-bad", "--json"]);
    let j = json(&out);
    assert_eq!(j["release"], revs[2].as_str());
    assert_eq!(j["marked_bad"], true);
    assert!(releases.join(&revs[3]).join("BAD_RELEASE").exists());
    // Safe to run twice: the second changes nothing.
    let out = env
        .fr(&repo)
        .args(["switch", &revs[2][..8], "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["changed"], false);
    // A tag or branch name that was deployed works too; this one was marked bad, so it goes
    // live again only with --force.
    env.git(&repo, &["tag", "v9", &revs[3]]);
    let out = env.run(&repo, &["switch", "v9", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let out = env.run_ok(&repo, &["switch", "v9", "--force", "--json"]);
    assert!(stderr(&out).contains("marked bad"), "{}", stderr(&out));
    let history = std::fs::read_to_string(releases.join(".fastrevert-history")).unwrap();
    assert_eq!(history.lines().count(), 6, "{history}");
    let last: Vec<&str> = history.lines().last().unwrap().split('\t').collect();
    assert_eq!((last[2], last[3]), (revs[2].as_str(), revs[3].as_str()));
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = Env::new();
    let repo = repo_with_history(&env, 50);
    let releases = site(&env);
    let id = env.rev(&repo, "main");
    let out = env.run_releases(&repo, &releases, &["deploy", "main"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let link = env.path("site/current");
    let before = std::fs::read_link(&link).unwrap();
    // Two fake releases sharing a prefix make an abbreviation ambiguous.
    for fake in [
        "abcd000000000000000000000000000000000001",
        "abcd000000000000000000000000000000000002",
    ] {
        std::fs::create_dir(releases.join(fake)).unwrap();
    }
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["switch".into(), "0123456789".into()], "no release"),
        (vec!["switch".into(), "abcd".into()], "matches 2 releases"),
        (vec!["switch".into(), "no-such-tag".into()], "no release"),
        (
            vec!["deploy".into(), "no-such-rev".into()],
            "unknown revision",
        ),
    ];
    for (args, expected) in cases {
        let out = env
            .fr(&repo)
            .args(&args)
            .arg("--json")
            .arg("--releases")
            .arg(&releases)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            json(&out)["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_link(&link).unwrap(), before);
    }
    let out = env
        .fr(&repo)
        .args(["switch", "previous", "--releases"])
        .arg(env.path("missing"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("mkdir"), "{}", stderr(&out));
    let out = env.run(&repo, &["switch", "previous"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--releases"),
        "the error names the flag"
    );

    // The link path taken by a real directory or file: refused, left as it was.
    for (name, make_dir) in [("dir-site", true), ("file-site", false)] {
        let path = env.path(name);
        if make_dir {
            std::fs::create_dir(&path).unwrap();
            std::fs::write(path.join("index.html"), "hand-made\n").unwrap();
        } else {
            std::fs::write(&path, "a file\n").unwrap();
        }
        let out = env
            .fr(&repo)
            .args(["switch", &id[..10], "--releases"])
            .arg(&releases)
            .arg("--current")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains("not a symlink"), "{}", stderr(&out));
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(!meta.file_type().is_symlink());
        assert_eq!(meta.is_dir(), make_dir);
    }

    // A deploy or switch in progress holds the lock: the next one fails clearly.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(releases.join(".fastrevert.lock"))
        .unwrap();
    let held = unsafe { libc_flock(std::os::unix::io::AsRawFd::as_raw_fd(&lock)) };
    assert_eq!(held, 0);
    let out = env
        .fr(&repo)
        .args(["switch", &id[..10], "--wait", "0", "--releases"])
        .arg(&releases)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another deploy or switch"),
        "{}",
        stderr(&out)
    );
    drop(lock);
    assert_eq!(std::fs::read_link(&link).unwrap(), before);
    let _ = std::fs::metadata(&releases).unwrap().ino();
}

extern "C" {
    #[link_name = "flock"]
    fn flock_raw(fd: i32, op: i32) -> i32;
}

/// Take an exclusive lock the way a running deploy does.
unsafe fn libc_flock(fd: i32) -> i32 {
    const LOCK_EX: i32 = 2;
    unsafe { flock_raw(fd, LOCK_EX) }
}

/// Undoes `chattr +i` even when the test fails.
struct Immutable(PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_releases_directory_that_cannot_be_written_is_refused() {
    let env = Env::new();
    let repo = repo_with_history(&env, 30);
    let releases = site(&env);
    // Root ignores permission bits; an immutable directory refuses even root.
    let made = Command::new("chattr")
        .arg("+i")
        .arg(&releases)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("chattr +i is not available on this filesystem: nothing to test");
        return;
    }
    let _undo = Immutable(releases.clone());
    let out = env.run_releases(&repo, &releases, &["deploy", "main", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let j = json(&out);
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot write in"),
        "{j}"
    );
    assert!(stderr(&out).contains("hint:"));
    assert!(
        std::fs::symlink_metadata(env.path("site/current")).is_err(),
        "no link was made"
    );
}

#[test]
fn previous_skips_releases_marked_bad_and_mark_bad_twice_changes_nothing() {
    let env = Env::new();
    let repo = repo_with_history(&env, 50);
    let releases = site(&env);
    let revs: Vec<String> = (0..3)
        .rev()
        .map(|i| env.rev(&repo, &format!("main~{i}")))
        .collect();
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    for rev in &revs {
        env.run_ok(&repo, &["deploy", rev]);
    }
    let link = releases.parent().unwrap().join("current");
    let live = || std::fs::read_link(&link).unwrap();
    let switch = |args: &[&str]| {
        env.fr(&repo)
            .arg("switch")
            .args(args)
            .arg("--json")
            .output()
            .unwrap()
    };

    // The rollout (revs[2]) is bad: back to revs[1], marking it.
    let out = switch(&["previous", "--mark-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(live().ends_with(&revs[1]));
    // The fleet loop runs again on this host: nothing changes, nothing else is marked.
    let out = switch(&["previous", "--mark-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["changed"], false);
    assert!(
        live().ends_with(&revs[1]),
        "the second run went further back"
    );
    assert!(!releases.join(&revs[1]).join("BAD_RELEASE").exists());
    // `previous` never means the release marked bad.
    let out = switch(&["previous"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["release"], revs[0].as_str());
    // Going to it needs --force; a refusal changes nothing.
    let before = live();
    let out = switch(&[&revs[2][..10]]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(live(), before);
    let out = env.run(&repo, &["releases", "--json"]);
    let j = json(&out);
    let bad: Vec<&str> = j["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["bad"] == true)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(bad, vec![revs[2].as_str()]);
    let out = switch(&[&revs[2][..10], "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(live().ends_with(&revs[2]));
}

/// A release whose health check fails is flipped back at once: the link points at the release
/// that was live, the new one is marked bad, the hooks ran both ways with the ids, exit 1 with
/// the time on the bad release; a reader never sees the link missing.
#[test]
fn a_failing_health_check_flips_back_marks_bad_and_hooks_see_the_ids() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let env = Env::new();
    let repo = repo_with_history(&env, 30);
    let releases = site(&env);
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let good = env.rev(&repo, "main~1");
    let bad = env.rev(&repo, "main");
    let log = env.path("hooks.log");
    let hook = format!(
        "echo \"$FASTREVERT_PREVIOUS>$FASTREVERT_RELEASE\" >> '{}'",
        log.display()
    );
    env.run_ok(&repo, &["deploy", &good, "--after-switch", &hook]);
    let link = releases.parent().unwrap().join("current");
    // Readers during the deploy, the check and the flip back.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, link) = (stop.clone(), link.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                std::fs::read_to_string(link.join("REVISION")).expect("the link must resolve");
                reads += 1;
            }
            reads
        })
    };
    // The check looks for a file the new release does not have.
    let out = env.run(
        &repo,
        &[
            "deploy",
            &bad,
            "--json",
            "--after-switch",
            &hook,
            "--check",
            "test -f \"$FASTREVERT_RELEASE_PATH/healthy\"",
            "--check-retries",
            "2",
        ],
    );
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
    assert!(releases.join(&bad).join("BAD_RELEASE").exists());
    let j = json(&out);
    let details = &j["error"]["details"];
    assert_eq!(details["flipped_back_to"], good.as_str());
    assert!(
        details["seconds_on_bad_release"].as_f64().unwrap() >= 1.0,
        "{j}"
    );
    assert_eq!(details["check"]["attempts"], 2);
    assert!(stderr(&out).contains("flipped back"), "{}", stderr(&out));
    let hooks = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        hooks.lines().collect::<Vec<_>>(),
        vec![
            format!(">{good}"),
            format!("{good}>{bad}"),
            format!("{bad}>{good}")
        ],
        "{hooks}"
    );

    // A check URL that answers as expected lets the switch stand; a hook that fails is
    // reported, with the switch done.
    let fake = crate::common::FakeForge::start();
    fake.mount(
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path("/health"))
            .respond_with(wiremock::ResponseTemplate::new(200)),
    );
    let out = env
        .fr(&repo)
        .args([
            "switch",
            &bad[..10],
            "--force",
            "--json",
            "--check-url",
            &format!("{}/health", fake.uri()),
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["check"]["ok"], true);
    let out = env
        .fr(&repo)
        .args([
            "switch",
            &good[..10],
            "--after-switch",
            "echo reload failed; exit 3",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("reload failed"), "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
}

/// Shared paths live outside the releases: each is a link in the release to
/// `<releases>/../shared/<path>`, created when missing (seeded from the tree's file), and the
/// tree's own entry there is replaced and reported.
#[test]
fn shared_paths_are_links_outside_the_release() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[
            ("log/.keep", ""),
            ("config/database.yml", "adapter: sqlite\n"),
            ("app.rb", "puts 1\n"),
        ],
        "App",
    );
    let releases = site(&env);
    let id = env.rev(&repo, "main");
    let out = env
        .fr(&repo)
        .args([
            "deploy",
            "main",
            "--json",
            "--shared",
            "log",
            "--shared",
            "config/database.yml",
            "--shared",
            "tmp/pids",
            "--releases",
        ])
        .arg(&releases)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let warnings = json(&out)["warnings"].to_string();
    assert!(
        warnings.contains("log was replaced")
            && warnings.contains("config/database.yml was replaced"),
        "{warnings}"
    );
    let release = releases.join(&id);
    let shared = releases.parent().unwrap().join("shared");
    for (path, target) in [
        ("log", "../../shared/log"),
        ("config/database.yml", "../../../shared/config/database.yml"),
        ("tmp/pids", "../../../shared/tmp/pids"),
    ] {
        let link = release.join(path);
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new(target),
            "{path}"
        );
        // It resolves outside the release, into the shared folder.
        assert_eq!(
            link.canonicalize().unwrap(),
            shared.join(path).canonicalize().unwrap()
        );
    }
    assert!(shared.join("log").is_dir() && shared.join("tmp/pids").is_dir());
    assert_eq!(
        std::fs::read_to_string(shared.join("config/database.yml")).unwrap(),
        "adapter: sqlite\n",
        "a missing shared file is seeded from the tree"
    );
    assert_eq!(
        std::fs::read_to_string(release.join("app.rb")).unwrap(),
        "puts 1\n"
    );
    // What the operator put in the shared folder stays.
    std::fs::write(shared.join("config/database.yml"), "adapter: postgres\n").unwrap();
    env.commit(&repo, &[("app.rb", "puts 2\n")], "Two");
    env.git(
        &repo,
        &["config", "fastrevert.shared", "config/database.yml"],
    );
    let out = env.run_releases(&repo, &releases, &["deploy", "main"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let live = releases
        .parent()
        .unwrap()
        .join("current/config/database.yml");
    assert_eq!(
        std::fs::read_to_string(live).unwrap(),
        "adapter: postgres\n"
    );
    // A shared path must stay inside the release.
    for bad in ["../etc", "/etc/passwd", "REVISION", "a/.git/x"] {
        let out = env.run_releases(&repo, &releases, &["deploy", "main~1", "--shared", bad]);
        assert_eq!(code(&out), 2, "{bad}: {}", stderr(&out));
    }
}

/// Switching back over a destructive migration is refused as a rollback over it is.
#[test]
fn switching_back_over_a_destructive_migration_is_refused_like_rollback() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[(
            "migrations/0001_users.sql",
            "CREATE TABLE users (id int, email text);\n",
        )],
        "Users",
    );
    let before = env.rev(&repo, "main");
    env.commit(
        &repo,
        &[(
            "migrations/0002_rename.sql",
            "ALTER TABLE users RENAME COLUMN email TO mail;\n",
        )],
        "Rename email",
    );
    let releases = site(&env);
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    for rev in [before.as_str(), "main"] {
        env.run_ok(&repo, &["deploy", rev]);
    }
    let link = releases.parent().unwrap().join("current");
    let live = std::fs::read_link(&link).unwrap();
    let out = env.run(&repo, &["switch", "previous", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("0002_rename.sql"), "{}", stderr(&out));
    assert_eq!(std::fs::read_link(&link).unwrap(), live);
    // A configuration the guard cannot read is an error, never a reason to skip the guard.
    env.git(&repo, &["config", "fastrevert.remote", "nosuch"]);
    let out = env.run(&repo, &["switch", "previous", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(std::fs::read_link(&link).unwrap(), live);
    env.git(&repo, &["config", "--unset", "fastrevert.remote"]);
    env.run_ok(
        &repo,
        &[
            "switch",
            "previous",
            "--allow-destructive-migrations",
            "--json",
        ],
    );
    assert!(std::fs::read_link(&link).unwrap().ends_with(&before));
}

/// A file the live release already has, unchanged, is a hard link to it: the release is still
/// what `git archive | tar -x` writes, its files are read-only so that sharing is safe, and
/// `--copy` or a file that is not as written (writable: edited, or from an older export) means
/// a fresh copy.
#[test]
fn an_unchanged_file_is_a_hard_link_to_the_live_release() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let repo = repo_with_history(&env, 400);
    let releases = site(&env);
    let (old, new) = (env.rev(&repo, "main~1"), env.rev(&repo, "main"));
    let deploy = |rev: &str, extra: &[&str]| {
        let out = env
            .fr(&repo)
            .args(["deploy", rev, "--json", "--releases"])
            .arg(&releases)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        json(&out)
    };
    assert_eq!(deploy(&old, &[])["linked"], 0);
    let changed: Vec<String> = env
        .git(&repo, &["diff", "--name-only", &old, &new])
        .lines()
        .map(str::to_string)
        .collect();
    let j = deploy(&new, &[]);
    let linked = j["linked"].as_u64().unwrap();
    assert!(linked > 100, "{j}");
    let (a, b) = (releases.join(&old), releases.join(&new));
    let mut shared = 0;
    for entry in snapshot(&b, &["REVISION"]) {
        let (path, (kind, _, _)) = entry;
        if kind != "file" {
            continue;
        }
        let same_inode = std::fs::metadata(a.join(&path))
            .map(|m| m.ino() == std::fs::metadata(b.join(&path)).unwrap().ino())
            .unwrap_or(false);
        let was_changed = changed.iter().any(|c| Path::new(c) == path);
        assert!(
            !(same_inode && was_changed),
            "{} changed but is shared",
            path.display()
        );
        shared += usize::from(same_inode);
    }
    assert_eq!(shared as u64, linked);
    // Still exactly what git archive writes.
    let extracted = env.path("archive-new");
    std::fs::create_dir(&extracted).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git archive {new} | tar -x --no-same-permissions -C \"$0\""
        ))
        .arg(&extracted)
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        read_only_as_tar_writes_it(snapshot(&b, &["REVISION"])),
        snapshot(&extracted, &[])
    );
    // Nobody but root can edit a shared file in place: the permissions say so. (The folders
    // on the way are opened for reading, so the refusal is the file's own.)
    let rel_path = snapshot(&b, &["REVISION"])
        .into_iter()
        .find(|(p, (k, _, _))| {
            k == "file"
                && std::fs::metadata(a.join(p))
                    .is_ok_and(|m| m.ino() == std::fs::metadata(b.join(p)).unwrap().ino())
        })
        .map(|(p, _)| p)
        .unwrap();
    let file = b.join(&rel_path);
    let mut up = file.parent().unwrap().to_path_buf();
    while up.starts_with(env.tmp.path()) {
        let mut perm = std::fs::metadata(&up).unwrap().permissions();
        perm.set_mode(perm.mode() | 0o755);
        std::fs::set_permissions(&up, perm).unwrap();
        up = up.parent().unwrap().to_path_buf();
    }
    let as_nobody = |script: &str| {
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                "sh",
                "-c",
                script,
                "sh",
            ])
            .arg(&file)
            .status()
            .unwrap()
            .success()
    };
    if crate::common::needs("setpriv") {
        assert!(as_nobody("cat \"$1\" > /dev/null"), "the file can be read");
        assert!(
            !as_nobody("echo edited >> \"$1\""),
            "the file could be edited"
        );
    }
    // --copy shares nothing.
    let third = env.rev(&repo, "main~2");
    assert_eq!(deploy(&third, &["--copy"])["linked"], 0);
    // A file made writable in the live release (edited, or from an older export) is copied.
    deploy(&new, &[]);
    let mut perm = std::fs::metadata(&file).unwrap().permissions();
    perm.set_mode(0o644);
    std::fs::set_permissions(&file, perm).unwrap();
    std::fs::remove_dir_all(&a).unwrap();
    let j = deploy(&old, &[]);
    assert!(j["linked"].as_u64().unwrap() > 100, "{j}");
    assert_ne!(
        std::fs::metadata(a.join(&rel_path)).unwrap().ino(),
        std::fs::metadata(&file).unwrap().ino()
    );
}

/// `deploy` refuses what `switch` refuses: a release marked bad (exit 4 without --force, and a
/// warning with it), and going back over a destructive migration.
#[test]
fn deploy_honours_bad_releases_and_the_migration_guard() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[(
            "migrations/0001_users.sql",
            "CREATE TABLE users (id int, email text);\n",
        )],
        "Users",
    );
    let good = env.rev(&repo, "main");
    env.commit(&repo, &[("app.txt", "v2\n")], "v2");
    let bad = env.rev(&repo, "main");
    let releases = site(&env);
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let link = releases.parent().unwrap().join("current");
    let deploy = |args: &[&str]| {
        env.fr(&repo)
            .arg("deploy")
            .args(args)
            .arg("--json")
            .output()
            .unwrap()
    };
    for rev in [&good, &bad] {
        let out = deploy(&[rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    env.run_ok(&repo, &["switch", "previous", "--mark-bad"]);
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));

    // A CI re-run of the bad deploy: refused, nothing moves.
    let out = deploy(&[&bad]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("marked bad"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
    let out = env.run(&repo, &["--dry-run", "deploy", &bad]);
    assert_eq!(code(&out), 4, "a dry run says it too: {}", stderr(&out));
    let out = deploy(&[&bad, "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["changed"], true);
    assert!(j["warnings"].to_string().contains("marked bad"), "{j}");
    assert!(std::fs::read_link(&link).unwrap().ends_with(&bad));

    // A destructive migration after the live release: deploying the older revision is a
    // rollback over it.
    env.commit(
        &repo,
        &[(
            "migrations/0002_rename.sql",
            "ALTER TABLE users RENAME COLUMN email TO mail;\n",
        )],
        "Rename email",
    );
    // main still carries v2, held since it was marked bad: refused, then forced.
    let out = deploy(&["main"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("held since"), "{}", stderr(&out));
    let out = deploy(&["main", "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let live = std::fs::read_link(&link).unwrap();
    let out = deploy(&[&good]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("0002_rename.sql"), "{}", stderr(&out));
    assert_eq!(std::fs::read_link(&link).unwrap(), live);
    let out = deploy(&[&good, "--allow-destructive-migrations"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
}

/// Two deploys at once: the one that waited for the lock starts from what the other left
/// live, so its failed health check flips back to the other's release, not past it.
#[test]
fn a_deploy_that_waited_for_the_lock_flips_back_to_what_the_other_left_live() {
    let env = Env::new();
    let repo = env.repo("app");
    let first = env.rev(&repo, "main");
    env.commit(&repo, &[("app.txt", "healthy\n")], "Healthy");
    let healthy = env.rev(&repo, "main");
    env.commit(&repo, &[("app.txt", "broken\n")], "Broken");
    let broken = env.rev(&repo, "main");
    let releases = site(&env);
    let link = releases.parent().unwrap().join("current");
    let deploy = |rev: &str, check: &str| {
        let mut cmd = env.fr(&repo);
        cmd.args(["deploy", rev, "--check", check, "--check-retries", "1"])
            .args(["--wait", "60", "--releases"])
            .arg(&releases)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    };
    let out = deploy(&first, "true").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The healthy deploy holds the lock through a slow check; the broken one waits for it.
    let slow = deploy(&healthy, "sleep 2").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let waiting = deploy(&broken, "false").spawn().unwrap();
    let slow = slow.wait_with_output().unwrap();
    assert_eq!(code(&slow), 0, "{}", stderr(&slow));
    let waiting = waiting.wait_with_output().unwrap();
    assert_eq!(code(&waiting), 1, "{}", stderr(&waiting));
    assert!(
        std::fs::read_link(&link).unwrap().ends_with(&healthy),
        "{}",
        stderr(&waiting)
    );
}

/// Timeouts that are not a number of seconds are refused before anything runs: `inf` once
/// panicked after the flip.
#[test]
fn a_check_timeout_that_is_not_a_number_of_seconds_is_refused_before_anything_runs() {
    let env = Env::new();
    let repo = env.repo("app");
    let releases = site(&env);
    for timeout in ["inf", "1e300", "NaN", "0", "-1"] {
        let out = env
            .fr(&repo)
            .args(["deploy", "main", "--check", "true"])
            .arg(format!("--check-timeout={timeout}"))
            .arg("--releases")
            .arg(&releases)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{timeout}: {}", stderr(&out));
        assert!(stderr(&out).contains("seconds"), "{}", stderr(&out));
        assert_eq!(std::fs::read_dir(&releases).unwrap().count(), 0);
    }
}

/// Under sudo the history and the bad mark name the person who ran sudo, not root.
#[test]
fn history_and_marks_name_the_sudo_user() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(&repo, &[("app.txt", "v2\n")], "v2");
    let releases = site(&env);
    for rev in ["main~1", "main"] {
        let out = env
            .fr(&repo)
            .args(["deploy", rev, "--releases"])
            .arg(&releases)
            .env("SUDO_USER", "alice")
            .env("USER", "root")
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let out = env
        .fr(&repo)
        .args(["switch", "previous", "--mark-bad", "--releases"])
        .arg(&releases)
        .env("SUDO_USER", "alice")
        .env("USER", "root")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let history = std::fs::read_to_string(releases.join(".fastrevert-history")).unwrap();
    assert!(history.contains("alice"), "{history}");
    assert!(!history.contains("root"), "{history}");
    let mark =
        std::fs::read_to_string(releases.join(env.rev(&repo, "main")).join("BAD_RELEASE")).unwrap();
    assert!(mark.contains("alice"), "{mark}");
}

/// Whether release `rev` in `releases` holds exactly what `git archive rev | tar -x` writes.
fn assert_release_is_git(env: &Env, repo: &Path, releases: &Path, rev: &str) {
    let id = env.rev(repo, rev);
    let extracted = env.path(&format!("archive-{id}"));
    let _ = std::fs::remove_dir_all(&extracted);
    std::fs::create_dir(&extracted).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git archive {id} | tar -x --no-same-permissions -C \"$0\""
        ))
        .arg(&extracted)
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(status.success());
    let ours =
        read_only_as_tar_writes_it(snapshot(&releases.join(&id), &["REVISION", "BAD_RELEASE"]));
    let theirs = snapshot(&extracted, &[]);
    let differ: Vec<String> = ours
        .keys()
        .chain(theirs.keys())
        .filter(|p| ours.get(*p) != theirs.get(*p))
        .map(|p| {
            format!(
                "{}: {:?} / {:?}",
                p.display(),
                ours.get(p).map(|e| (&e.0, e.1)),
                theirs.get(p).map(|e| (&e.0, e.1))
            )
        })
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "release {id} differs from git archive at {differ:?}"
    );
}

/// A hot fix edited in place in the live release (same size, written in place; appended;
/// truncated and rewritten) changes the inode other releases share: the next deploy never
/// links it, and switching to a release that shares it writes the file anew from git first.
#[test]
fn hand_edits_in_a_live_release_never_reach_another_release() {
    use std::io::{Seek, Write};
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[
            ("config.py", "DEBUG = False\n"),
            ("app.py", "print('v1')\n"),
            ("lib/util.py", "X = 1\n"),
        ],
        "v1",
    );
    env.commit(&repo, &[("app.py", "print('v2')\n")], "v2");
    env.commit(&repo, &[("app.py", "print('v3')\n")], "v3");
    let releases = site(&env);
    let deploy = |rev: &str| {
        let out = env.run_releases(&repo, &releases, &["deploy", rev, "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        json(&out)
    };
    let switch = |to: &str| {
        let out = env.run_releases(&repo, &releases, &["switch", to, "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        json(&out)
    };
    // An edit as root makes during an incident: the file made writable, changed, made
    // read-only again (the inode stays the same).
    let edit = |path: &Path, how: &dyn Fn(&mut std::fs::File)| {
        let mut perm = std::fs::metadata(path).unwrap().permissions();
        perm.set_mode(0o644);
        std::fs::set_permissions(path, perm.clone()).unwrap();
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        how(&mut f);
        drop(f);
        perm.set_mode(0o444);
        std::fs::set_permissions(path, perm).unwrap();
    };
    deploy("main~2");
    let j = deploy("main~1");
    assert!(j["linked"].as_u64().unwrap() >= 2, "{j}");
    let (v1, v2, v3) = (
        releases.join(env.rev(&repo, "main~2")),
        releases.join(env.rev(&repo, "main~1")),
        releases.join(env.rev(&repo, "main")),
    );
    // Same size, in place, in the live release: the release before it shares the inode.
    edit(&v2.join("config.py"), &|f| {
        f.write_all(b"DEBUG = True!\n").unwrap()
    });
    assert_eq!(
        std::fs::read_to_string(v1.join("config.py")).unwrap(),
        "DEBUG = True!\n",
        "the two releases share the file"
    );
    // Appended (as a hook's `>>` would) and truncated-and-rewritten.
    edit(&v2.join("lib/util.py"), &|f| {
        f.seek(std::io::SeekFrom::End(0)).unwrap();
        f.write_all(b"DEBUG = True\n").unwrap();
    });
    edit(&v2.join("README"), &|f| {
        f.set_len(0).unwrap();
        f.write_all(b"HELLO\n").unwrap();
    });

    // The next deploy writes the edited files anew: its release is git's.
    let j = deploy("main");
    assert!(j["linked"].as_u64().unwrap() < 3, "{j}");
    assert_release_is_git(&env, &repo, &releases, "main");
    for f in ["config.py", "lib/util.py", "README"] {
        assert_ne!(
            std::fs::metadata(v3.join(f)).unwrap().ino(),
            std::fs::metadata(v2.join(f)).unwrap().ino(),
            "{f} shares the edited inode"
        );
    }
    // Going back to the first release: its copies of the edited files are written anew
    // before the flip, and it says which.
    let j = switch(&env.rev(&repo, "main~2"));
    let said = j["warnings"].to_string();
    assert!(said.contains("config.py"), "{j}");
    assert!(said.contains("written anew from git"), "{j}");
    assert_release_is_git(&env, &repo, &releases, "main~2");
    // The release that was edited by hand keeps the edit until it goes live again.
    assert_eq!(
        std::fs::read_to_string(v2.join("config.py")).unwrap(),
        "DEBUG = True!\n"
    );
    let j = switch(&env.rev(&repo, "main~1"));
    assert!(j["warnings"].to_string().contains("config.py"), "{j}");
    assert_release_is_git(&env, &repo, &releases, "main~1");
    // Nothing edited since: nothing said, nothing rewritten.
    let j = switch(&env.rev(&repo, "main"));
    assert_eq!(j["warnings"], serde_json::json!([]), "{j}");

    // Without the repository the edit cannot be repaired: the switch refuses, naming it.
    edit(&v3.join("app.py"), &|f| {
        f.write_all(b"print('v9')\n").unwrap()
    });
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = env.run_releases(
        &elsewhere,
        &releases,
        &["switch", &env.rev(&repo, "main~1")],
    );
    assert_eq!(code(&out), 0, "main~1 is untouched: {}", stderr(&out));
    let out = env.run_releases(&elsewhere, &releases, &["switch", &env.rev(&repo, "main")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("app.py"), "{}", stderr(&out));
    assert!(std::fs::read_link(env.path("site/current"))
        .unwrap()
        .ends_with(env.rev(&repo, "main~1")));
}

/// Whether a process whose command line holds `marker` is still running.
/// Whether a process with `marker` in its command line is still there a moment after it was
/// killed (SIGKILL lands, and the kernel tears the process down, within that moment even on
/// a loaded machine).
fn running(marker: &str) -> bool {
    let found = || {
        Command::new("pgrep")
            .args(["-f", marker])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    for _ in 0..20 {
        if !found() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// Hooks and checks never hang production: a hook that leaves a background child does not
/// keep the deploy (or its lock) waiting, a hook or a check that hangs is killed at its
/// timeout with everything it started, and a rollback right after is never blocked.
#[test]
fn hooks_and_checks_are_bounded_and_killed_with_their_children() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(&repo, &[("app.txt", "v2\n")], "v2");
    env.commit(&repo, &[("app.txt", "v3\n")], "v3");
    let releases = site(&env);
    let run = |args: &[&str]| {
        let started = std::time::Instant::now();
        let out = env
            .fr(&repo)
            .args(args)
            .arg("--releases")
            .arg(&releases)
            .output()
            .unwrap();
        (out, started.elapsed())
    };
    // A background child of a hook: the deploy ends at once, and so does a switch after it.
    let (out, took) = run(&["deploy", "main~2", "--after-switch", "sleep 371 &"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < Duration::from_secs(20), "{took:?}");
    let (out, took) = run(&["deploy", "main~1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < Duration::from_secs(20), "{took:?}");
    let (out, _) = run(&["switch", "previous", "--wait", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let _ = Command::new("pkill").args(["-f", "sleep 371"]).status();

    // A check that leaves a background child and passes: not waited for.
    let (out, took) = run(&["switch", "previous", "--check", "sleep 372 & true"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < Duration::from_secs(20), "{took:?}");
    let _ = Command::new("pkill").args(["-f", "sleep 372"]).status();

    // A check that hangs, with a child: killed whole at --check-timeout, then the flip back.
    let (out, took) = run(&[
        "switch",
        "previous",
        "--check",
        "sleep 373 & sleep 374",
        "--check-timeout",
        "1",
        "--check-retries",
        "1",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("took longer than 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(
        !running("sleep 373") && !running("sleep 374"),
        "the check's processes live on"
    );

    // A hook that hangs: killed at --hook-timeout, said, and the lock is free.
    let (out, took) = run(&[
        "deploy",
        "main",
        "--after-switch",
        "sleep 375 & sleep 376",
        "--hook-timeout",
        "1",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--hook-timeout"), "{}", stderr(&out));
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(
        !running("sleep 375") && !running("sleep 376"),
        "the hook's processes live on"
    );
    let (out, _) = run(&["switch", "previous", "--wait", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Shared files are files: `--shared-file .env` must be in the shared folder or in the tree,
/// never made a folder. Shared folders start with the tree's contents (`storage/logs` and all).
/// A symlink planted inside the shared folder is never followed.
#[test]
fn shared_files_and_folders_are_what_they_say_and_never_followed() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[
            ("storage/logs/.gitignore", "*\n!.gitignore\n"),
            ("storage/app/public/.gitignore", "*\n!.gitignore\n"),
            ("config/database.yml", "adapter: sqlite\n"),
            ("app.php", "<?php\n"),
        ],
        "App",
    );
    let releases = site(&env);
    let shared = releases.parent().unwrap().join("shared");
    let deploy = |extra: &[&str]| {
        env.fr(&repo)
            .args(["deploy", "main", "--releases"])
            .arg(&releases)
            .args(extra)
            .output()
            .unwrap()
    };
    // .env is in no tree: it must be put in the shared folder first.
    let out = deploy(&["--shared-file", ".env"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("put the file there first"),
        "{}",
        stderr(&out)
    );
    assert!(!shared.join(".env").exists(), "nothing made in its place");
    let deployed = std::fs::read_dir(&releases)
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(deployed, 0, "nothing deployed");

    std::fs::write(shared.join(".env"), "APP_KEY=secret\n").unwrap();
    let out = deploy(&["--shared-file", ".env", "--shared", "storage"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let live = releases.parent().unwrap().join("current");
    assert_eq!(
        std::fs::read_to_string(live.join(".env")).unwrap(),
        "APP_KEY=secret\n"
    );
    assert!(std::fs::symlink_metadata(live.join(".env"))
        .unwrap()
        .file_type()
        .is_symlink());
    // The tree's folder seeded the shared one.
    assert!(shared.join("storage/logs/.gitignore").is_file());
    assert!(shared.join("storage/app/public/.gitignore").is_file());

    // A shared folder where a file is expected, and the other way round: refused.
    std::fs::remove_file(shared.join(".env")).unwrap();
    std::fs::create_dir(shared.join(".env")).unwrap();
    env.commit(&repo, &[("app.php", "<?php // 2\n")], "Two");
    let out = deploy(&["--shared-file", ".env"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a plain file"),
        "{}",
        stderr(&out)
    );

    // A symlink planted in the shared folder, where a folder of a shared path goes.
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, shared.join("config")).unwrap();
    let out = deploy(&["--shared", "config/database.yml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("never followed"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "written through the link"
    );
}

/// `--before-switch` runs build steps in the new release before the link moves: a failing one
/// leaves the link where it was and removes the release (or keeps it with --keep-failed).
/// `--no-switch` stages a release. `--reason` is recorded, and `releases` shows each release's
/// tag, subject, who put it live and why.
#[test]
fn before_switch_no_switch_and_the_releases_listing() {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(&repo, &[("composer.json", "{}\n")], "v1");
    env.git(&repo, &["tag", "v1.0.0"]);
    let v1 = env.rev(&repo, "main");
    env.commit(&repo, &[("app.php", "<?php\n")], "Checkout v2");
    let v2 = env.rev(&repo, "main");
    let releases = site(&env);
    let link = releases.parent().unwrap().join("current");
    let run = |args: &[&str]| {
        env.fr(&repo)
            .args(args)
            .arg("--releases")
            .arg(&releases)
            .env("SUDO_USER", "alice")
            .output()
            .unwrap()
    };
    // A build step: it runs in the release, which is not live yet.
    let build = "test \"$(pwd)\" = \"$FASTREVERT_RELEASE_PATH\" && ! test \"$(readlink \"$FASTREVERT_LINK\")\" = \"releases/$FASTREVERT_RELEASE\" && mkdir vendor && echo ok > vendor/autoload.php";
    let out = run(&[
        "deploy",
        &v1,
        "--before-switch",
        build,
        "--reason",
        "first release",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(link.join("vendor/autoload.php")).unwrap(),
        "ok\n"
    );
    // A failing build: the link stays, the release is removed.
    let out = run(&[
        "deploy",
        &v2,
        "--before-switch",
        "echo no composer >&2; exit 3",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("no composer"), "{}", stderr(&out));
    assert!(stderr(&out).contains("was not moved"), "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&v1));
    assert!(
        !releases.join(&v2).exists(),
        "the failed release is removed"
    );
    let out = run(&["deploy", &v2, "--before-switch", "exit 3", "--keep-failed"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(releases.join(&v2).exists(), "--keep-failed keeps it");
    assert!(std::fs::read_link(&link).unwrap().ends_with(&v1));

    // Staged, then put live by switch.
    std::fs::remove_dir_all(releases.join(&v2)).unwrap();
    let out = run(&["deploy", &v2, "--no-switch", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["changed"], true);
    assert!(releases.join(&v2).exists());
    assert!(
        std::fs::read_link(&link).unwrap().ends_with(&v1),
        "staged, not live"
    );
    let out = run(&["switch", &v2[..12], "--reason", "checkout v2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_link(&link).unwrap().ends_with(&v2));

    let out = run(&["releases"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("v1.0.0 v1"), "{said}");
    assert!(said.contains("by alice: first release"), "{said}");
    assert!(
        said.contains("Checkout v2") && said.contains("by alice: checkout v2"),
        "{said}"
    );
    let out = run(&["releases", "--json"]);
    let j = json(&out);
    let newest = &j["releases"][0];
    assert_eq!(newest["id"], v2.as_str(), "{j}");
    assert_eq!(newest["deployer"], "alice");
    assert_eq!(newest["reason"], "checkout v2");
    assert_eq!(j["releases"][1]["tags"], serde_json::json!(["v1.0.0"]));
}

/// `--writable` leaves the files under a path writable for the application, never shared with
/// another release and not checked against git when switching (they are meant to change).
#[test]
fn writable_paths_are_writable_and_never_shared() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(
        &repo,
        &[
            ("bootstrap/cache/packages.php", "<?php return [];\n"),
            ("app.php", "1\n"),
        ],
        "v1",
    );
    env.commit(&repo, &[("app.php", "2\n")], "v2");
    let releases = site(&env);
    let deploy = |rev: &str| {
        let out = env.run_releases(
            &repo,
            &releases,
            &["deploy", rev, "--writable", "bootstrap/cache"],
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    };
    deploy("main~1");
    deploy("main");
    let (v1, v2) = (
        releases.join(env.rev(&repo, "main~1")),
        releases.join(env.rev(&repo, "main")),
    );
    let cache = "bootstrap/cache/packages.php";
    let meta = std::fs::metadata(v2.join(cache)).unwrap();
    assert_ne!(meta.permissions().mode() & 0o200, 0, "writable");
    assert_ne!(
        meta.ino(),
        std::fs::metadata(v1.join(cache)).unwrap().ino(),
        "not shared"
    );
    // The application writes its cache; going back says nothing of it and leaves it.
    std::fs::write(v1.join(cache), "<?php return ['x'];\n").unwrap();
    let out = env.run_releases(&repo, &releases, &["switch", "previous", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["warnings"], serde_json::json!([]));
    assert_eq!(
        std::fs::read_to_string(v1.join(cache)).unwrap(),
        "<?php return ['x'];\n"
    );
}

/// A dry run's plan names what runs around the flip and what pruning would remove.
#[test]
fn a_deploy_plan_lists_hooks_checks_and_what_pruning_removes() {
    let env = Env::new();
    let repo = env.repo("app");
    for n in 1..=3 {
        env.commit(&repo, &[("app.txt", &format!("{n}\n"))], &format!("v{n}"));
    }
    let releases = site(&env);
    for rev in ["main~3", "main~2", "main~1"] {
        let out = env.run_releases(&repo, &releases, &["deploy", rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let out = env
        .fr(&repo)
        .args([
            "--dry-run",
            "deploy",
            "main",
            "--keep",
            "2",
            "--before-switch",
            "make build",
            "--after-switch",
            "systemctl reload app",
            "--check-url",
            "http://127.0.0.1:9/up",
            "--releases",
        ])
        .arg(&releases)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        plan.contains("before the flip, in the release: make build"),
        "{plan}"
    );
    assert!(
        plan.contains("after the flip: systemctl reload app"),
        "{plan}"
    );
    assert!(
        plan.contains("health check: http://127.0.0.1:9/up"),
        "{plan}"
    );
    let oldest = env.rev(&repo, "main~3");
    assert!(
        plan.contains(&format!("removes 1 old release(s): {}", &oldest[..12])),
        "{plan}"
    );
    assert_eq!(
        std::fs::read_dir(&releases)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().len() == 40)
            .count(),
        3
    );
}

/// kill -9 at any moment of a switch that repairs hand-edited files, or of a deploy waiting on
/// a before-switch step: the link always names a whole release, a release it names is git's,
/// and the next switch finishes the job.
#[test]
fn a_switch_killed_while_repairing_or_a_deploy_killed_before_the_flip_leaves_no_broken_state() {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let repo = repo_with_history(&env, 2_000);
    let releases = site(&env);
    let link = env.path("site/current");
    let (old, new) = (env.rev(&repo, "main~1"), env.rev(&repo, "main"));
    for rev in [&old, &new] {
        let out = env.run_releases(&repo, &releases, &["deploy", rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    // Hand edits in the live release, in files it shares with the old one.
    let mut edited = 0;
    for (path, (kind, _, _)) in snapshot(&releases.join(&new), &["REVISION"]) {
        let (a, b) = (
            releases.join(&old).join(&path),
            releases.join(&new).join(&path),
        );
        let shared = kind == "file"
            && std::fs::metadata(&a).is_ok_and(|m| m.ino() == std::fs::metadata(&b).unwrap().ino());
        if shared && edited < 400 {
            let mut perm = std::fs::metadata(&b).unwrap().permissions();
            perm.set_mode(0o644);
            std::fs::set_permissions(&b, perm).unwrap();
            std::fs::OpenOptions::new()
                .append(true)
                .open(&b)
                .unwrap()
                .write_all(b"edited\n")
                .unwrap();
            edited += 1;
        }
    }
    assert!(edited > 100, "{edited}");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    for round in 0..6u32 {
        let delay = (seed.wrapping_mul(round + 3) % 40) as u64;
        let mut child = env
            .fr(&repo)
            .args(["switch", &old, "--releases"])
            .arg(&releases)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let live = std::fs::read_link(&link).unwrap();
        let live_id = live.file_name().unwrap().to_str().unwrap().to_string();
        assert!(live_id == old || live_id == new, "round {round}: {live_id}");
        if live_id == old {
            assert_release_is_git(&env, &repo, &releases, "main~1");
            break;
        }
    }
    let out = env.run_releases(&repo, &releases, &["switch", &old]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_release_is_git(&env, &repo, &releases, "main~1");

    // A deploy killed while its build step runs: the link never moved.
    let live = std::fs::read_link(&link).unwrap();
    let mut child = env
        .fr(&repo)
        .args(["deploy", &new, "--before-switch", "sleep 5", "--releases"])
        .arg(&releases)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), live);
    let _ = Command::new("pkill").args(["-f", "sleep 5"]).status();
}

/// A prune sets old releases aside under the lock and deletes them after it, so a `switch`
/// never waits for a deletion: nothing is left aside once a deploy is done, a set-aside folder
/// is no release, and what a run that died left aside goes with the next deploy.
#[test]
fn pruned_releases_are_deleted_after_the_lock_and_leftovers_with_the_next_deploy() {
    let env = Env::new();
    let repo = repo_with_history(&env, 10);
    let releases = site(&env);
    let revs: Vec<String> = (0..4)
        .rev()
        .map(|i| env.rev(&repo, &format!("main~{i}")))
        .collect();
    for rev in &revs[..3] {
        let out = env.run_releases(&repo, &releases, &["deploy", rev, "--keep", "2"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    // Pruned releases are set aside under the lock and deleted after it: nothing is left
    // aside once the deploy is done, and what a run that died left aside goes with the next.
    let aside = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".pruned-"))
            .collect()
    };
    assert!(aside(&releases).is_empty(), "{:?}", aside(&releases));
    std::fs::create_dir_all(releases.join(".pruned-0123456789ab/app")).unwrap();
    std::fs::write(releases.join(".pruned-0123456789ab/app/x"), "x").unwrap();
    let out = env.run_releases(&repo, &releases, &["releases", "--json"]);
    assert_eq!(json(&out)["releases"].as_array().unwrap().len(), 2);
    let out = env
        .fr(&repo)
        .args(["deploy", &revs[3], "--keep", "2", "--releases"])
        .arg(&releases)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(aside(&releases).is_empty(), "{:?}", aside(&releases));
}
