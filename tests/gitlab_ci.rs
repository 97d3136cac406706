//! The GitLab CI/CD component (`templates/git-fastrevert.yml`) run the way a runner runs a job:
//! its inputs interpolated, its variables and GitLab's predefined ones in the environment, its
//! script entries in one bash session, against a real local bare remote and a fake GitLab API;
//! the dotenv outputs read back as GitLab would.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};
use yaml_rust2::{Yaml, YamlLoader};

use crate::common::{path_with_binary, Env, FakeForge as Fake};
use crate::forge::{fixture, reply};

const TOKEN: &str = "glpat-c1-t0ken-value";
const JOB_TOKEN: &str = "c1-job-t0ken-value";
const PROJECT: &str = "/api/v4/projects/acme%2Fplatform%2Fshop";

struct Job {
    variables: Vec<(String, String)>,
    script: String,
    dotenv: String,
}

/// `$[[ inputs.x ]]` as GitLab interpolates it, from the given values or the spec's defaults.
fn interpolate(text: &str, inputs: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("$[[") {
        let end = out[start..].find("]]").unwrap() + start + 2;
        let name = out[start + 3..end - 2].trim();
        let name = name
            .strip_prefix("inputs.")
            .expect("only inputs are interpolated");
        let value = inputs
            .get(name)
            .unwrap_or_else(|| panic!("no input {name}"))
            .clone();
        out.replace_range(start..end, &value);
    }
    out
}

fn scalar(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

fn job(given: &[(&str, &str)]) -> Job {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("templates/git-fastrevert.yml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    assert_eq!(docs.len(), 2, "a component is its spec, then its jobs");
    let mut inputs = BTreeMap::new();
    for (name, spec) in docs[0]["spec"]["inputs"].as_hash().unwrap() {
        inputs.insert(name.as_str().unwrap().to_string(), scalar(&spec["default"]));
    }
    for (k, v) in given {
        assert!(inputs.contains_key(*k), "the component has no input {k}");
        inputs.insert(k.to_string(), v.to_string());
    }
    let jobs = docs[1].as_hash().unwrap();
    assert_eq!(jobs.len(), 1);
    let (name, job) = jobs.iter().next().unwrap();
    assert_eq!(
        interpolate(name.as_str().unwrap(), &inputs),
        inputs["job-name"]
    );
    let variables = job["variables"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                interpolate(&scalar(v), &inputs),
            )
        })
        .collect();
    let script = job["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !script.contains("$[["),
        "inputs reach the script only through variables"
    );
    let dotenv = job["artifacts"]["reports"]["dotenv"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        job["artifacts"]["when"].as_str(),
        Some("always"),
        "outputs of a failed job too"
    );
    Job {
        variables,
        script,
        dotenv,
    }
}

struct Ran {
    code: i32,
    log: String,
    outputs: BTreeMap<String, String>,
}

/// The job in `work` with GitLab's predefined variables; `path` is the job's PATH.
fn run_job(env: &Env, work: &Path, api: &str, given: &[(&str, &str)], path: &str) -> Ran {
    let job = job(given);
    let mut cmd = Command::new("bash");
    // The runner runs all script lines in one shell that stops at the first failure.
    cmd.args([
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        &job.script,
    ])
    .current_dir(work);
    env.apply_to(&mut cmd);
    for (k, v) in &job.variables {
        cmd.env(k, v);
    }
    cmd.env("PATH", path)
        .env("CI", "true")
        .env("GITLAB_CI", "true")
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("CI_SERVER_HOST", "gitlab.example.com")
        .env("CI_SERVER_PROTOCOL", "https")
        .env("CI_SERVER_PORT", "443")
        .env("CI_API_V4_URL", format!("{api}/api/v4"))
        .env("CI_PROJECT_PATH", "acme/platform/shop")
        .env("CI_PROJECT_DIR", work)
        .env("CI_DEFAULT_BRANCH", "main")
        .env("CI_JOB_TOKEN", JOB_TOKEN)
        .env("GITLAB_USER_NAME", "Release Engineer")
        .env("GITLAB_USER_EMAIL", "release@example.com")
        .env("GITLAB_TOKEN", TOKEN)
        // Who runs the job is who commits: no identity from the test's environment.
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL");
    let out = cmd.output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !log.contains(TOKEN) && !log.contains(JOB_TOKEN),
        "a token leaked:\n{log}"
    );
    let dotenv = std::fs::read_to_string(work.join(&job.dotenv)).unwrap_or_default();
    let mut outputs = BTreeMap::new();
    for line in dotenv.lines() {
        let (k, v) = line.split_once('=').expect("KEY=value lines");
        assert!(
            k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{k} is not a variable name"
        );
        outputs.insert(k.to_string(), v.to_string());
    }
    Ran {
        code: out.status.code().unwrap_or(-1),
        log,
        outputs,
    }
}

/// A clone like the runner's: the user has no git identity in it.
fn runner_clone(env: &Env) -> std::path::PathBuf {
    let (work, _remote) = env.cloned();
    std::fs::write(
        env.home.join(".gitconfig"),
        "[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    work
}

#[test]
fn gitlab_ci_component_reverts_a_merge_request_and_writes_dotenv_outputs() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let mr = fixture(
        "gitlab/merge-request.json",
        &[
            ("IID", "7"),
            ("TITLE", "Add feature"),
            ("STATE", "merged"),
            ("SOURCE_BRANCH", "feature"),
            ("SHA", &feature),
        ],
    );
    let mut mr: serde_json::Value = serde_json::from_str(&mr).unwrap();
    mr["merge_commit_sha"] = json!(merge);
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests/7")))
            .and(header("private-token", TOKEN))
            .respond_with(reply(200, mr.to_string()))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(header("private-token", TOKEN))
            .and(body_json(json!({
                "source_branch": "revert-7-feature",
                "target_branch": "main",
                "title": "Revert \"Add feature\"",
                "description": "This reverts merge request !7\n\nReason: checkout errors",
                "remove_source_branch": true,
                "labels": "incident,good first issue,sev 1",
            })))
            .respond_with(reply(
                201,
                fixture(
                    "gitlab/merge-request-created.json",
                    &[
                        ("IID", "50"),
                        ("TITLE", "Revert \"Add feature\""),
                        ("DESCRIPTION", ""),
                        ("SOURCE_BRANCH", "revert-7-feature"),
                        ("SHA", &merge),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PROJECT}/merge_requests/7/notes")))
            .and(header("private-token", TOKEN))
            .respond_with(reply(
                201,
                fixture("gitlab/note-created.json", &[("IID", "7"), ("BODY", "x")]),
            ))
            .expect(1),
    );
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[
            ("command", "revert"),
            ("target", "!7"),
            ("labels", "incident, good first issue,\nsev 1"),
            ("reason", "checkout errors"),
        ],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let o = &ran.outputs;
    assert_eq!(o["FASTREVERT_RESULT"], "ok", "{o:?}");
    assert_eq!(o["FASTREVERT_COMMAND"], "revert");
    assert_eq!(o["FASTREVERT_BRANCH"], "revert-7-feature");
    assert_eq!(o["FASTREVERT_PUSHED"], "true");
    assert_eq!(o["FASTREVERT_MR_IID"], "50");
    assert_eq!(
        o["FASTREVERT_MR_URL"],
        "https://gitlab.example.com/acme/platform/shop/-/merge_requests/50"
    );
    let commit = o["FASTREVERT_COMMITS"].clone();
    assert_eq!(commit.len(), 40);
    assert_eq!(
        env.git(&env.path("remote.git"), &["rev-parse", "revert-7-feature"]),
        commit
    );
    // Made as the person who started the job.
    assert_eq!(
        env.git(&work, &["log", "-1", "--format=%an <%ae>", &commit]),
        "Release Engineer <release@example.com>"
    );
    assert!(ran.log.contains("section_start:"), "{}", ran.log);
    assert!(ran.log.contains("git-fastrevert summary"), "{}", ran.log);
    fake.verify();
}

/// On a shell runner of a deploy host: one job flips back, marks and holds the bad release
/// and reverts what it shipped with a merge request; the dotenv outputs are the revert's.
#[test]
fn gitlab_ci_component_switch_flips_back_holds_and_reverts() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    let releases = env.path("site/releases");
    let (good, bad) = crate::common::good_then_bad_deployed(&env, &work, &releases);
    let branch = format!("revert-{}", &bad[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(header("private-token", TOKEN))
            .respond_with(reply(
                201,
                fixture(
                    "gitlab/merge-request-created.json",
                    &[
                        ("IID", "62"),
                        ("TITLE", "Revert"),
                        ("DESCRIPTION", ""),
                        ("SOURCE_BRANCH", &branch),
                        ("SHA", &bad),
                    ],
                ),
            ))
            .expect(1),
    );
    let ran = run_job(
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
        &path_with_binary(),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let link = releases.parent().unwrap().join("current");
    assert!(std::fs::read_link(&link).unwrap().ends_with(&good));
    assert_eq!(
        ran.outputs["FASTREVERT_BRANCH"], branch,
        "{:?}",
        ran.outputs
    );
    assert_eq!(ran.outputs["FASTREVERT_MR_IID"], "62");
    let holds = env.git(
        &env.path("remote.git"),
        &["for-each-ref", "refs/fastrevert/holds/"],
    );
    assert!(holds.contains(&bad), "{holds}");
    fake.verify();
}

#[test]
fn gitlab_ci_component_rolls_back_to_a_tag_and_prepares() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(header("private-token", TOKEN))
            .respond_with(reply(
                201,
                fixture(
                    "gitlab/merge-request-created.json",
                    &[
                        ("IID", "61"),
                        ("TITLE", "Roll back main to v1"),
                        ("DESCRIPTION", ""),
                        ("SOURCE_BRANCH", "rollback-to-v1"),
                        ("SHA", "0000000000000000000000000000000000000000"),
                    ],
                ),
            ))
            .expect(1),
    );
    // A snapshot first: the tag the rollback goes back to.
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[("command", "prepare")],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let tag = ran.outputs["FASTREVERT_TAG"].clone();
    assert!(!tag.is_empty(), "{:?}", ran.outputs);
    assert!(env
        .git_output(
            &env.path("remote.git"),
            &["rev-parse", "--verify", &format!("refs/tags/{tag}")]
        )
        .status
        .success());
    env.git(&work, &["tag", "--no-sign", "v1", "HEAD~1"]);
    env.git(&work, &["push", "-q", "origin", "v1"]);
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[("command", "rollback"), ("target", "v1")],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "ok");
    assert_eq!(ran.outputs["FASTREVERT_MR_IID"], "61");
    let branch = &ran.outputs["FASTREVERT_BRANCH"];
    assert_eq!(
        env.git(
            &env.path("remote.git"),
            &["rev-parse", &format!("{branch}^{{tree}}")]
        ),
        env.git(&work, &["rev-parse", "v1^{tree}"])
    );
    fake.verify();
}

/// Inputs are data: a target that reads as a flag is refused before anything runs, a hostile
/// word is only ever a revision, and a failure still leaves its outputs.
#[test]
fn gitlab_ci_component_inputs_never_become_flags() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    let before = env.git(&env.path("remote.git"), &["for-each-ref"]);
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[("command", "revert"), ("target", "--direct")],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(ran.log.contains("starts with '-'"), "{}", ran.log);
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "bad_input");
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[("command", "revert"), ("target", "$(touch pwned);*")],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(!work.join("pwned").exists());
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "bad_input");
    assert!(
        ran.outputs["FASTREVERT_ERROR"].contains("unknown revision"),
        "{:?}",
        ran.outputs
    );
    assert_eq!(env.git(&env.path("remote.git"), &["for-each-ref"]), before);
    assert_eq!(fake.count(), 0);
}

/// Without the tool in the image, the release is downloaded and run only if its SHA-256 is the
/// one SHA256SUMS lists.
#[test]
fn gitlab_ci_component_installs_only_a_release_that_matches_its_checksum() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    let version = env!("CARGO_PKG_VERSION");
    let asset = "git-fastrevert-x86_64-unknown-linux-gnu.tar.gz";
    let bin_dir = std::path::PathBuf::from(path_with_binary().split(':').next().unwrap());
    let (bytes, sum) = crate::common::release_tarball(&env, &bin_dir, asset);
    let serve = |sums: String| {
        fake.reset();
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("/releases/v{version}/{asset}")))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone())),
        );
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("/releases/v{version}/SHA256SUMS")))
                .respond_with(ResponseTemplate::new(200).set_body_string(sums)),
        );
    };
    let system_path = "/usr/local/bin:/usr/bin:/bin";
    let given = [
        ("command", "check-migrations"),
        ("target", "HEAD~2..HEAD"),
        ("release-url", &format!("{}/releases", fake.uri()) as &str),
    ];
    if std::env::consts::ARCH != "x86_64" {
        return; // the component downloads x86_64 Linux releases only
    }
    serve(format!("{} {asset}\n", "0".repeat(64)));
    let ran = run_job(&env, &work, &fake.uri(), &given, system_path);
    assert_eq!(ran.code, 1, "{}", ran.log);
    assert!(
        ran.log.contains("does not match the release's SHA256SUMS"),
        "{}",
        ran.log
    );
    assert!(
        !ran.log.contains(&format!("git-fastrevert {version}")),
        "{}",
        ran.log
    );

    serve(format!("{sum}  {asset}\n"));
    let ran = run_job(&env, &work, &fake.uri(), &given, system_path);
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert!(
        ran.log.contains(&format!("git-fastrevert {version}")),
        "{}",
        ran.log
    );
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "ok");
    assert_eq!(ran.outputs["FASTREVERT_DESTRUCTIVE_MIGRATIONS"], "0");
}

#[test]
fn gitlab_ci_component_version_is_this_release() {
    let job_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/git-fastrevert.yml"),
    )
    .unwrap();
    let docs = YamlLoader::load_from_str(&job_text).unwrap();
    assert_eq!(
        scalar(&docs[0]["spec"]["inputs"]["version"]["default"]),
        env!("CARGO_PKG_VERSION"),
        "the component's default version follows Cargo.toml"
    );
}

/// The example pipeline includes the component with inputs it has, and values its options allow.
#[test]
fn gitlab_ci_example_pipeline_uses_the_component_as_specified() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec_text = std::fs::read_to_string(root.join("templates/git-fastrevert.yml")).unwrap();
    let spec = &YamlLoader::load_from_str(&spec_text).unwrap()[0]["spec"]["inputs"];
    let example = std::fs::read_to_string(root.join("examples/gitlab-ci.yml")).unwrap();
    let example = &YamlLoader::load_from_str(&example).unwrap()[0];
    let includes = example["include"].as_vec().unwrap();
    assert!(includes.len() >= 3);
    for include in includes {
        assert!(include["component"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/git-fastrevert@{}", env!("CARGO_PKG_VERSION"))));
        for (name, value) in include["inputs"].as_hash().unwrap() {
            let name = name.as_str().unwrap();
            let input = &spec[name];
            assert!(!input.is_badvalue(), "the component has no input {name}");
            if let Some(options) = input["options"].as_vec() {
                assert!(
                    options.iter().any(|o| scalar(o) == scalar(value)),
                    "{name}: {} is not one of its options",
                    scalar(value)
                );
            }
        }
        let job = include["inputs"]["job-name"].as_str().unwrap();
        assert!(!example[job].is_badvalue(), "the example configures {job}");
    }
}

/// A repository that ships `fastrevert.env` as a symlink cannot make the job write through it.
#[test]
fn gitlab_ci_outputs_never_follow_a_symlink_from_the_repository() {
    let env = Env::new();
    let fake = Fake::start();
    let work = runner_clone(&env);
    let target = env.path("outside.txt");
    std::fs::write(&target, "untouched\n").unwrap();
    std::os::unix::fs::symlink(&target, work.join("fastrevert.env")).unwrap();
    let ran = run_job(
        &env,
        &work,
        &fake.uri(),
        &[("command", "prepare")],
        &path_with_binary(),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched\n");
    assert!(!work.join("fastrevert.env").is_symlink());
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "ok");

    // The binary alone, pointed at a symlink: refuses to write through it (a warning).
    std::fs::remove_file(work.join("fastrevert.env")).unwrap();
    std::os::unix::fs::symlink(&target, work.join("fastrevert.env")).unwrap();
    let out = env
        .fr(&work)
        .args(["check-migrations", "HEAD~1..HEAD"])
        .env("GITLAB_CI", "true")
        .env("FASTREVERT_DOTENV", work.join("fastrevert.env"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not write the job outputs"));
}
