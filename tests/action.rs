//! The GitHub Action run the way a runner runs a composite action: each `run:` step of
//! action.yml under bash, with the `GITHUB_*` variables and files, a real local bare remote and
//! a local fake GitHub API.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};
use yaml_rust2::{Yaml, YamlLoader};

use crate::common::{path_with_binary, Env, FakeForge as Fake};

const TOKEN: &str = "ghs_actionT0kenValue";

struct Step {
    run: Option<String>,
    env: Vec<(String, String)>,
}

fn action() -> (BTreeMap<String, String>, Vec<Step>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut defaults = BTreeMap::new();
    for (name, spec) in doc["inputs"].as_hash().unwrap() {
        let default = match &spec["default"] {
            Yaml::String(s) => s.clone(),
            Yaml::Boolean(b) => b.to_string(),
            _ => String::new(),
        };
        defaults.insert(name.as_str().unwrap().to_string(), default);
    }
    let steps = doc["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| {
            assert!(
                s["uses"].is_badvalue() || s["run"].is_badvalue(),
                "a step either uses or runs"
            );
            if !s["run"].is_badvalue() {
                assert_eq!(
                    s["shell"].as_str(),
                    Some("bash"),
                    "composite run steps need shell: bash"
                );
            }
            Step {
                run: s["run"].as_str().map(str::to_string),
                env: s["env"]
                    .as_hash()
                    .map(|h| {
                        h.iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().unwrap().to_string(),
                                    v.as_str().unwrap_or("").to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    (defaults, steps)
}

/// `${{ inputs.x }}` and `${{ github.token }}`, as the runner evaluates them.
fn evaluate(expr: &str, inputs: &BTreeMap<String, String>) -> String {
    let mut out = expr.to_string();
    while let Some(start) = out.find("${{") {
        let end = out[start..].find("}}").unwrap() + start + 2;
        let inner = out[start + 3..end - 2].trim();
        let value = match inner.strip_prefix("inputs.") {
            Some(name) => inputs.get(name).cloned().unwrap_or_default(),
            None if inner == "github.token" => TOKEN.to_string(),
            None => panic!("the test runner does not evaluate {inner}"),
        };
        out.replace_range(start..end, &value);
    }
    out
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

/// `name<<DELIM` blocks and `name=value` lines of a GITHUB_OUTPUT file.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

fn run_action(env: &Env, work: &Path, api: &str, given: &[(&str, &str)]) -> Run {
    run_action_on(env, work, api, given, &[])
}

/// The action on another runner: `runner` adds to or replaces GitHub's variables.
fn run_action_on(
    env: &Env,
    work: &Path,
    api: &str,
    given: &[(&str, &str)],
    runner: &[(&str, String)],
) -> Run {
    let (mut inputs, steps) = action();
    for (k, v) in given {
        inputs.insert(k.to_string(), v.to_string());
    }
    let files = env.path("runner");
    std::fs::create_dir_all(&files).unwrap();
    let (output, summary, gh_path) = (
        files.join("output"),
        files.join("summary"),
        files.join("path"),
    );
    for f in [&output, &summary, &gh_path] {
        std::fs::write(f, "").unwrap();
    }
    let path = path_with_binary();
    let (mut stdout, mut stderr, mut code) = (String::new(), String::new(), 0);
    for step in steps {
        let Some(script) = step.run else { continue }; // `uses:` steps (the cache) are the runner's
        let mut cmd = Command::new("bash");
        cmd.args([
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &evaluate(&script, &inputs),
        ])
        .current_dir(work);
        env.apply_to(&mut cmd);
        cmd.env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_PATH", &gh_path)
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_API_URL", api)
            .env("RUNNER_TOOL_CACHE", env.path("toolcache"))
            .env("RUNNER_OS", "Linux");
        for (k, v) in runner {
            cmd.env(k, v);
        }
        for (k, v) in &step.env {
            cmd.env(k, evaluate(v, &inputs));
        }
        let out = cmd.output().unwrap();
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        code = out.status.code().unwrap_or(-1);
        if code != 0 {
            break;
        }
    }
    Run {
        code,
        stdout,
        stderr,
        outputs: parse_outputs(&std::fs::read_to_string(&output).unwrap()),
        summary: std::fs::read_to_string(&summary).unwrap(),
    }
}

fn created(number: u64, branch: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "number": number,
        "html_url": format!("https://github.com/acme/shop/pull/{number}"),
        "state": "open",
        "head": {"ref": branch},
        "base": {"ref": "main"}
    }))
}

/// The token shows only in the mask command, which makes the runner hide it everywhere.
fn assert_masked(run: &Run) {
    assert!(
        run.stdout.contains(&format!("::add-mask::{TOKEN}")),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches(TOKEN).count(), 1, "{}", run.stdout);
    assert!(!run.stderr.contains(TOKEN));
    assert!(!run.summary.contains(TOKEN));
}

#[test]
fn a_pr_revert_sets_outputs_and_writes_the_summary() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let fake = Fake::start();
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "number": 7, "title": "Add feature", "state": "closed", "merged": true,
                "merged_at": "2026-01-01T00:00:00Z", "merge_commit_sha": merge,
                "head": {"ref": "feature", "sha": env.rev(&work, &format!("{merge}^2"))}, "base": {"ref": "main"},
                "html_url": "https://github.com/acme/shop/pull/7"
            })))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(created(50, "revert-7-feature"))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
            .expect(1),
    );
    let run = run_action(
        &env,
        &work,
        &fake.uri(),
        &[
            ("command", "revert"),
            ("target", "pr:7"),
            ("reason", "checkout broke"),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["branch"], "revert-7-feature");
    assert_eq!(run.outputs["pr-number"], "50");
    assert_eq!(
        run.outputs["pr-url"],
        "https://github.com/acme/shop/pull/50"
    );
    let commit = run.outputs["commits"].clone();
    assert_eq!(env.rev(&remote, "revert-7-feature"), commit);
    assert_eq!(
        run.outputs["tree"],
        env.rev(&remote, &format!("{commit}^{{tree}}"))
    );
    assert!(
        run.summary.contains("reverted 1 commit(s) on `main`"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains(&format!("https://github.com/acme/shop/commit/{merge}")),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("[#50](https://github.com/acme/shop/pull/50)"),
        "{}",
        run.summary
    );
    assert_masked(&run);
    fake.verify();
}

#[test]
fn a_rollback_sets_outputs() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let fake = Fake::start();
    env.git(&work, &["tag", "v1.0.0", "HEAD~2"]);
    env.git(&work, &["push", "-q", "origin", "v1.0.0"]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(created(51, "rollback-to-v1.0.0"))
            .expect(1),
    );
    let run = run_action(
        &env,
        &work,
        &fake.uri(),
        &[("command", "rollback"), ("target", "v1.0.0")],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["branch"], "rollback-to-v1.0.0");
    assert_eq!(run.outputs["pr-number"], "51");
    assert_eq!(run.outputs["tree"], env.rev(&remote, "v1.0.0^{tree}"));
    assert!(
        run.summary.contains("rolled `main` back to `v1.0.0`"),
        "{}",
        run.summary
    );
    assert_masked(&run);
    fake.verify();
}

#[test]
fn a_pr_refused_by_the_repository_settings_leaves_the_branch_and_a_way_forward() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let fake = Fake::start();
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                "message": "GitHub Actions is not permitted to create or approve pull requests.",
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                "status": "403"
            })))
            .expect(1),
    );
    let run = run_action(
        &env,
        &work,
        &fake.uri(),
        &[("command", "revert"), ("target", "HEAD")],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let branch = format!("revert-{}", &env.rev(&work, "HEAD")[..7]);
    assert!(
        env.git_output(&remote, &["rev-parse", "--verify", &branch])
            .status
            .success(),
        "the branch is pushed"
    );
    assert!(
        run.stdout.contains("::error title=git-fastrevert::"),
        "{}",
        run.stdout
    );
    assert!(
        run.summary.contains(&format!(
            "https://github.com/acme/shop/compare/main...{branch}?expand=1"
        )),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("Allow GitHub Actions to create and approve pull requests"),
        "{}",
        run.summary
    );
    assert_masked(&run);
    fake.verify();
}

#[test]
fn a_conflict_fails_the_step_with_the_paths() {
    let env = Env::new();
    let (work, old) = env.cloned_with_conflict();
    let run = run_action(
        &env,
        &work,
        "http://127.0.0.1:9",
        &[("command", "revert"), ("target", &old)],
    );
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("::error title=git-fastrevert::reverting"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("app/feature.txt"), "{}", run.stdout);
    assert!(run.summary.contains("Conflicting paths"), "{}", run.summary);
    assert!(run.outputs.is_empty(), "no outputs for a failed step");
}

#[test]
fn hostile_action_inputs_never_become_flags() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let main_before = env.rev(&remote, "main");
    // A target word that reads as an option is refused before anything runs.
    for target in [
        "HEAD~1 --direct",
        "HEAD --allow-destructive-migrations",
        "-n",
    ] {
        let run = run_action(
            &env,
            &work,
            "http://127.0.0.1:9",
            &[("command", "revert"), ("target", target)],
        );
        assert_eq!(run.code, 2, "{target}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains("::error title=git-fastrevert::the target"),
            "{target}: {}",
            run.stdout
        );
    }
    for (input, value) in [("mode", "reset --direct"), ("direct", "yes")] {
        let run = run_action(
            &env,
            &work,
            "http://127.0.0.1:9",
            &[
                ("command", "rollback"),
                ("target", "HEAD~1"),
                (input, value),
            ],
        );
        assert_eq!(run.code, 2, "{input}: {}\n{}", run.stdout, run.stderr);
    }
    // An input holding a newline cannot end the error line and forge a command of its own.
    for (input, value) in [
        ("mode", "x\n::add-mask::main\n::warning::forged"),
        ("direct", "no\r\n::warning::forged\x1b]52;c;eA==\x07"),
    ] {
        let run = run_action(
            &env,
            &work,
            "http://127.0.0.1:9",
            &[
                ("command", "rollback"),
                ("target", "HEAD~1"),
                (input, value),
            ],
        );
        assert_eq!(run.code, 2, "{input}: {}\n{}", run.stdout, run.stderr);
        let commands: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("::") && !l.starts_with("::add-mask::ghs_"))
            .filter(|l| !l.starts_with("::add-mask::eC1"))
            .collect();
        assert_eq!(commands.len(), 1, "{input}: {commands:?}");
        assert!(
            commands[0].starts_with("::error title=git-fastrevert::")
                && commands[0].contains("%0A::warning::forged")
                && !commands[0].contains('\x1b'),
            "{input}: {commands:?}"
        );
    }
    let rollback_to_option = run_action(
        &env,
        &work,
        "http://127.0.0.1:9",
        &[("command", "rollback"), ("target", "--direct")],
    );
    assert_eq!(rollback_to_option.code, 2, "{}", rollback_to_option.stderr);
    assert_eq!(env.rev(&remote, "main"), main_before, "main moved");

    // Values that start with '-' are written as they are, never taken as flags.
    let fake = Fake::start();
    let reason = "-x --direct: checkout broke";
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(created(52, "revert"))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/52/labels"))
            .and(wiremock::matchers::body_json(
                json!({"labels": ["--direct", "good first issue", "sev 1", "--allow-destructive-migrations"]}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .expect(1),
    );
    let run = run_action(
        &env,
        &work,
        &fake.uri(),
        &[
            ("command", "revert"),
            ("target", "HEAD"),
            ("reason", reason),
            // Commas and newlines separate labels; spaces inside one stay.
            (
                "labels",
                "--direct, good first issue,sev 1\n--allow-destructive-migrations\n",
            ),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(env.rev(&remote, "main"), main_before, "main moved");
    let branch = run.outputs["branch"].clone();
    assert!(branch.starts_with("revert-"), "{branch}");
    let message = env.git(&remote, &["log", "-1", "--format=%B", &branch]);
    assert!(
        message.contains(&format!("Revert-Reason: {reason}")),
        "{message}"
    );
    fake.verify();
}

/// A self-hosted runner that serves the releases: one step flips back, marks and holds the
/// bad release, and reverts what it shipped with a pull request; the outputs are the revert's.
#[test]
fn a_switch_step_flips_back_holds_and_reverts() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let releases = env.path("site/releases");
    let (good, bad) = crate::common::good_then_bad_deployed(&env, &work, &releases);
    let fake = Fake::start();
    let branch = format!("revert-{}", &bad[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(created(61, &branch))
            .expect(1),
    );
    let run = run_action(
        &env,
        &work,
        &fake.uri(),
        &[
            ("command", "switch"),
            ("releases", releases.to_str().unwrap()),
            ("mark-bad", "true"),
            ("revert", "true"),
            ("reason", "payments down"),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let link = releases.parent().unwrap().join("current");
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
    assert_eq!(run.outputs["branch"], branch);
    assert_eq!(run.outputs["pr-number"], "61");
    let holds = env.git(&remote, &["for-each-ref", "refs/fastrevert/holds/"]);
    assert!(holds.contains(&bad), "{holds}");
    fake.verify();
}

/// install.sh runs a release binary only when its SHA-256 is the one the release's SHA256SUMS
/// lists; a mismatch or a missing list is refused, and nothing is installed.
#[test]
fn install_checks_the_release_binary_against_sha256sums() {
    let env = Env::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("version = \"")?
                .strip_suffix('"')
                .map(str::to_string)
        })
        .unwrap();
    let asset = "git-fastrevert-x86_64-unknown-linux-gnu.tar.gz";
    let staging = env.path("staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(
        staging.join("git-fastrevert"),
        format!("#!/bin/sh\necho \"git-fastrevert {version}\"\n"),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(staging.join("git-fastrevert"))
        .status()
        .unwrap();
    let (bytes, sha) = crate::common::release_tarball(&env, &staging, asset);
    let release = format!("/acme/fr/releases/download/v{version}");
    let wrong = format!("{}  {asset}\n", "0".repeat(64));
    let right = format!("{sha}  {asset}\n");
    for (case, sums, expect_code, expect) in [
        (
            "mismatch",
            Some(wrong),
            1,
            "does not match the release's SHA256SUMS",
        ),
        ("no list", None, 1, "no SHA256SUMS"),
        ("match", Some(right), 0, "from the release (SHA-256"),
    ] {
        let fake = Fake::start();
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("{release}/{asset}")))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone())),
        );
        if let Some(sums) = sums {
            fake.mount(
                Mock::given(method("GET"))
                    .and(path(format!("{release}/SHA256SUMS")))
                    .respond_with(ResponseTemplate::new(200).set_body_string(sums)),
            );
        }
        let cache = env.path(&format!("toolcache-{}", case.replace(' ', "-")));
        let mut cmd = Command::new("bash");
        cmd.arg(root.join("action/install.sh"));
        env.apply_to(&mut cmd);
        let out = cmd
            .env("GITHUB_ACTION_PATH", root)
            .env("GITHUB_SERVER_URL", fake.uri())
            .env("FASTREVERT_RELEASE_REPO", "acme/fr")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", &cache)
            .env("GITHUB_PATH", env.path("gh-path"))
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(expect_code), "{case}: {text}");
        assert!(text.contains(expect), "{case}: {text}");
        let installed = cache.join(format!("git-fastrevert/{version}/bin/git-fastrevert"));
        assert_eq!(installed.exists(), expect_code == 0, "{case}: {text}");
    }
}

/// Gitea and Forgejo Actions run the action as it is: GitHub's variables pointing at the
/// instance (`/api/v1`), the job's token as `token`; the pull request is Gitea's.
#[test]
fn the_action_runs_on_gitea_and_forgejo_actions() {
    for (marker, forge) in [("GITEA_ACTIONS", "Gitea"), ("FORGEJO_ACTIONS", "Forgejo")] {
        let env = Env::new();
        let fake = Fake::start();
        let (work, _remote) = env.cloned();
        let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
        let mut pr: serde_json::Value = serde_json::from_str(&crate::forge::fixture(
            "gitea/pull.json",
            &[
                ("NUMBER", "7"),
                ("TITLE", "Add feature"),
                ("STATE", "closed"),
                ("MERGED", "true"),
                ("MERGE_SHA", &merge),
                ("HEAD_REF", "feature"),
                ("HEAD_SHA", &merge),
            ],
        ))
        .unwrap();
        pr["html_url"] = json!(format!("{}/acme/shop/pulls/7", fake.uri()));
        let auth = format!("token {TOKEN}");
        fake.mount(
            Mock::given(method("GET"))
                .and(path("/api/v1/repos/acme/shop/pulls/7"))
                .and(header("authorization", auth.as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(&pr))
                .expect(1),
        );
        let mut created = pr.clone();
        created["number"] = json!(50);
        created["merged"] = json!(false);
        created["state"] = json!("open");
        created["html_url"] = json!(format!("{}/acme/shop/pulls/50", fake.uri()));
        fake.mount(
            Mock::given(method("POST"))
                .and(path("/api/v1/repos/acme/shop/pulls"))
                .and(header("authorization", auth.as_str()))
                .respond_with(ResponseTemplate::new(201).set_body_json(&created))
                .expect(1),
        );
        fake.mount(
            Mock::given(method("POST"))
                .and(path("/api/v1/repos/acme/shop/issues/7/comments"))
                .respond_with(
                    ResponseTemplate::new(201).set_body_json(json!({"id": 1, "body": "x"})),
                )
                .expect(1),
        );
        let run = run_action_on(
            &env,
            &work,
            &format!("{}/api/v1", fake.uri()),
            &[("target", "pr:7")],
            &[
                (marker, "true".to_string()),
                ("GITHUB_SERVER_URL", fake.uri()),
            ],
        );
        assert_eq!(run.code, 0, "{forge}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.outputs["pr-number"], "50", "{forge}");
        assert_eq!(
            run.outputs["pr-url"],
            format!("{}/acme/shop/pulls/50", fake.uri()),
            "{forge}"
        );
        assert_masked(&run);
        fake.verify();
    }
}
