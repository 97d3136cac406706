//! From "it broke" to site back, revert open and next deploy blocked: holds recorded by
//! `--mark-bad` and failed health checks, pushed to a real bare remote, refusing the deploys
//! that carry held commits until the base reverts them or someone lifts the hold; `switch
//! --mark-bad --revert` and `status` in each state.

use std::path::{Path, PathBuf};

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};

const TOKEN: &str = "ghp_h0ld-t0ken";

struct Site {
    work: PathBuf,
    remote: PathBuf,
    link: PathBuf,
    good: String,
    bad: String,
}

/// A clone with a remote and release directories: `good` deployed, then `bad` (two commits
/// later) deployed on top of it.
fn bad_rollout(env: &Env) -> Site {
    let (work, remote) = env.cloned();
    let good = env.rev(&work, "main");
    env.commit(&work, &[("app/pay.txt", "pay v1\n")], "Add payments");
    env.commit(&work, &[("app/pay.txt", "pay v2\n")], "Tune payments");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let bad = env.rev(&work, "main");
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    env.git(
        &work,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let site = Site {
        link: releases.parent().unwrap().join("current"),
        work,
        remote,
        good,
        bad,
    };
    for rev in [&site.good, &site.bad] {
        let out = fr(env, &site.work, &["deploy", rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    site
}

fn fr(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir).args(args).output().unwrap()
}

fn live(site: &Site) -> String {
    std::fs::read_link(&site.link)
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string()
}

fn hold_ref(site: &Site) -> String {
    format!("refs/fastrevert/holds/{}", site.bad)
}

fn remote_has(env: &Env, site: &Site, name: &str) -> bool {
    !env.git(&site.remote, &["for-each-ref", name])
        .trim()
        .is_empty()
}

/// A commit after the bad ones on main, pushed: "bad + 1".
fn one_more(env: &Env, site: &Site) -> String {
    env.commit(&site.work, &[("app/more.txt", "more\n")], "More work");
    env.git(&site.work, &["push", "-q", "origin", "main"]);
    env.rev(&site.work, "main")
}

fn status(env: &Env, site: &Site) -> serde_json::Value {
    let out = fr(env, &site.work, &["status", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let human = fr(env, &site.work, &["status"]);
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    for line in String::from_utf8_lossy(&human.stdout).lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    json(&out)
}

#[test]
fn one_command_flips_back_reverts_the_range_opens_a_pull_request_and_holds() {
    let env = Env::new();
    let site = bad_rollout(&env);
    let s = status(&env, &site);
    assert_eq!(s["live"]["id"], json!(site.bad));
    assert_eq!(s["holds"], json!([]));
    assert_eq!(s["base_ahead"], 0);

    let fake = Fake::start();
    env.point_at_forge(&site.work, "github", "acme/shop", &fake.uri());
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "number": 41,
                "html_url": "https://github.com/acme/shop/pull/41",
                "state": "open",
                "head": {"ref": "revert"},
                "base": {"ref": "main"}
            })))
            .expect(1),
    );
    let out = env
        .fr(&site.work)
        .args(["switch", "previous", "--mark-bad", "--revert"])
        .args(["--reason", "checkout broke", "--json"])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(
        live(&site),
        site.good,
        "the link is back on the good release"
    );
    assert_eq!(j["marked_bad"], true);
    assert_eq!(j["revert"]["pull_request"]["number"], 41, "{j}");
    assert!(
        j["hold"]["remote"].as_str().unwrap().starts_with("pushed"),
        "{j}"
    );
    assert_eq!(j["hold"]["hold"]["commits"].as_array().unwrap().len(), 2);
    assert!(
        remote_has(&env, &site, &hold_ref(&site)),
        "the hold is on the remote"
    );
    fake.verify();

    // The pushed branch is git's own revert of good..bad on main.
    let branch = j["revert"]["branch"].as_str().unwrap().to_string();
    let scratch = env.path("scratch");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            site.remote.to_str().unwrap(),
            scratch.to_str().unwrap(),
        ],
    );
    env.git(
        &scratch,
        &[
            "revert",
            "--no-edit",
            &format!("{}..{}", site.good, site.bad),
        ],
    );
    assert_eq!(
        env.rev(&site.remote, &format!("{branch}^{{tree}}")),
        env.rev(&scratch, "HEAD^{tree}")
    );
    let message = env.git(&site.remote, &["log", "-1", "--format=%B", &branch]);
    assert!(
        message.contains("Revert-Reason: checkout broke"),
        "{message}"
    );

    // With a token, status asks the forge for each revert branch's open pull request.
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "number": 41,
                "html_url": "https://github.com/acme/shop/pull/41",
                "state": "open",
                "head": {"ref": branch},
                "base": {"ref": "main"}
            }]))),
    );
    let out = env
        .fr(&site.work)
        .args(["status", "--json"])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["revert_branches"][0]["pull_request"]["number"],
        41,
        "{}",
        stderr(&out)
    );
    let s = status(&env, &site);
    assert_eq!(s["live"]["id"], json!(site.good));
    assert_eq!(s["bad_releases"][0]["id"], json!(site.bad));
    assert_eq!(s["holds"].as_array().unwrap().len(), 1);
    assert_eq!(s["holds"][0]["reason"], "checkout broke");
    assert_eq!(s["base_held"], true);
    assert_eq!(s["base_ahead"], 2);
    assert_eq!(s["revert_branches"][0]["branch"], json!(branch));

    // The next deploy of main, one commit later, carries the held commits: refused.
    let next = one_more(&env, &site);
    let out = fr(&env, &site.work, &["deploy", "main"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("held since {}", &site.bad[..12])),
        "{said}"
    );
    assert!(said.contains("Tune payments"), "{said}");
    assert!(
        said.contains(&format!("hold --release {}", &site.bad[..12])),
        "{said}"
    );
    assert_eq!(live(&site), site.good, "nothing moved");
    // --force goes live and says so.
    let out = fr(&env, &site.work, &["deploy", "main", "--force", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(json(&out)["warnings"].to_string().contains("(--force)"));
    assert_eq!(live(&site), next);
}

#[test]
fn once_the_revert_lands_the_next_deploy_proceeds_and_the_hold_is_gone() {
    let env = Env::new();
    let site = bad_rollout(&env);
    let out = fr(
        &env,
        &site.work,
        &["switch", "previous", "--mark-bad", "--revert", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let branch = json(&out)["revert"]["branch"].as_str().unwrap().to_string();
    one_more(&env, &site);
    let out = fr(&env, &site.work, &["deploy", "main"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));

    // The revert pull request is merged.
    env.git(&site.work, &["fetch", "-q", "origin"]);
    env.git(
        &site.work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge the revert",
            &format!("origin/{branch}"),
        ],
    );
    env.git(&site.work, &["push", "-q", "origin", "main"]);
    let out = fr(&env, &site.work, &["deploy", "main", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(live(&site), env.rev(&site.work, "main"));
    assert!(
        !remote_has(&env, &site, &hold_ref(&site)),
        "the hold is gone"
    );
    assert!(remote_has(
        &env,
        &site,
        &format!("refs/fastrevert/lifted/{}", site.bad)
    ));
    let s = status(&env, &site);
    assert_eq!(s["holds"], json!([]));
    assert_eq!(s["base_held"], false);
}

#[test]
fn a_revert_by_patch_identity_also_lifts_the_hold() {
    let env = Env::new();
    let site = bad_rollout(&env);
    let out = fr(&env, &site.work, &["switch", "previous", "--mark-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Undone by hand, without git's revert lines: the reversed patches match.
    env.commit(
        &site.work,
        &[("app/pay.txt", "pay v1\n")],
        "Undo the tuning",
    );
    env.git(&site.work, &["rm", "-q", "app/pay.txt"]);
    env.git(&site.work, &["commit", "-q", "-m", "Drop payments for now"]);
    env.git(&site.work, &["push", "-q", "origin", "main"]);
    let out = fr(&env, &site.work, &["deploy", "main"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!remote_has(&env, &site, &hold_ref(&site)));
}

#[test]
fn hold_lists_and_lifts_by_hand_for_every_clone() {
    let env = Env::new();
    let site = bad_rollout(&env);
    let out = fr(&env, &site.work, &["switch", "previous", "--mark-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty() || !stderr(&out).contains("error"));
    let out = fr(&env, &site.work, &["hold", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["holds"][0]["bad"], json!(site.bad));
    assert_eq!(j["holds"][0]["good"], json!(site.good));
    assert_eq!(j["holds"][0]["on_base"], 2);

    // Another clone (another host, a CI job) sees the hold through the remote.
    let other = env.clone_of(&site.remote, "other");
    let other_releases = env.path("other-site/releases");
    std::fs::create_dir_all(&other_releases).unwrap();
    let out = env.run_releases(&other, &other_releases, &["deploy", "main"]);
    assert_eq!(
        code(&out),
        4,
        "the other clone is held too: {}",
        stderr(&out)
    );

    let out = fr(
        &env,
        &site.work,
        &[
            "hold",
            "--release",
            &site.bad[..12],
            "--reason",
            "fixed forward",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["released"], json!(site.bad));
    assert!(!remote_has(&env, &site, &hold_ref(&site)));
    let lifted = env.git(
        &site.remote,
        &[
            "log",
            "-1",
            "--format=%B",
            &format!("refs/fastrevert/lifted/{}", site.bad),
        ],
    );
    assert!(lifted.contains("fixed forward"), "{lifted}");
    // Lifted on the remote: the other clone drops its copy and deploys.
    let out = env.run_releases(&other, &other_releases, &["deploy", "main"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = fr(&env, &site.work, &["hold", "--release", "abcdef12"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn a_failed_health_check_holds_too() {
    let env = Env::new();
    let site = bad_rollout(&env);
    // Back on good first (no hold: a plain switch).
    let out = fr(&env, &site.work, &["switch", &site.good]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let next = one_more(&env, &site);
    let out = fr(
        &env,
        &site.work,
        &[
            "deploy",
            &next,
            "--check",
            "false",
            "--check-retries",
            "1",
            "--json",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(live(&site), site.good);
    assert!(
        stderr(&out).contains("Held 3 commit(s)"),
        "{}",
        stderr(&out)
    );
    let name = format!("refs/fastrevert/holds/{next}");
    assert!(remote_has(&env, &site, &name));
    assert_eq!(
        json(&out)["error"]["details"]["hold"]["hold"]["bad"],
        json!(next)
    );
    // Its parent (one held commit fewer) is refused as well.
    let out = fr(&env, &site.work, &["deploy", "main~1"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
}

#[test]
fn a_revert_that_conflicts_leaves_the_site_back_the_hold_recorded_and_a_runnable_hint() {
    let env = Env::new();
    let site = bad_rollout(&env);
    // After the rollout, main changed the same lines again.
    env.commit(
        &site.work,
        &[("app/pay.txt", "pay v3\n")],
        "Fix payments forward",
    );
    env.git(&site.work, &["push", "-q", "origin", "main"]);
    let out = fr(
        &env,
        &site.work,
        &[
            "switch",
            "previous",
            "--mark-bad",
            "--revert",
            "--reason",
            "it's down",
        ],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let said = stderr(&out);
    assert_eq!(live(&site), site.good, "the site stays back");
    assert!(
        said.contains(&format!("now points at {}", &site.good[..12])),
        "{said}"
    );
    assert!(said.contains("held"), "{said}");
    assert!(
        remote_has(&env, &site, &hold_ref(&site)),
        "the hold is recorded"
    );
    // The hint, pasted as it is, starts the revert by hand.
    let hint = said
        .lines()
        .find_map(|l| l.strip_prefix("hint: resolve it by hand: "))
        .expect("a hint to resolve by hand");
    let command = hint.split(", fix the files").next().unwrap();
    let ran = env.paste(&site.work, command);
    assert!(!ran.status.success(), "git revert stops at the conflict");
    let file = std::fs::read_to_string(site.work.join("app/pay.txt")).unwrap();
    assert!(file.contains("<<<<<<<"), "{file}");
    let s = status(&env, &site);
    assert_eq!(s["holds"].as_array().unwrap().len(), 1);
    assert_eq!(s["live"]["id"], json!(site.good));
}

#[test]
fn status_never_fails_for_the_network() {
    let env = Env::new();
    let site = bad_rollout(&env);
    let out = fr(&env, &site.work, &["switch", "previous", "--mark-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The remote is gone (a network outage in the middle of an incident).
    std::fs::rename(&site.remote, env.path("gone.git")).unwrap();
    let out = fr(&env, &site.work, &["status", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["live"]["id"], json!(site.good));
    assert_eq!(j["holds"].as_array().unwrap().len(), 1, "this clone's hold");
    assert!(j["warnings"].to_string().contains("not fetched"), "{j}");
    assert!(
        j["warnings"]
            .to_string()
            .contains("holds on origin could not be read"),
        "{j}"
    );
}
