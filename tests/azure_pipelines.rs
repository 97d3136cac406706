//! The Azure Pipelines steps template (`templates/azure-pipelines.yml`) run the way an agent runs
//! it: its template expressions expanded from the parameters, each bash step run with its `env`
//! and Azure's predefined variables, against a real local bare remote and a fake Azure DevOps;
//! every `##vso[` the agent would read taken from the output, and nothing else allowed to be one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::Mock;
use yaml_rust2::{Yaml, YamlLoader};

use crate::common::{path_with_binary, Env, FakeForge as Fake};
use crate::forge::{fixture, reply};

const TOKEN: &str = "pipeline-s3cret-t0ken";
const REPO: &str = "/Web%20Shop/_apis/git/repositories/shop";

/// A value of an expression: what `${{ }}` works with here.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Str(String),
    Bool(bool),
}

impl V {
    /// As Azure writes a parameter into a string: booleans as `True` and `False`.
    fn text(&self) -> String {
        match self {
            V::Str(s) => s.clone(),
            V::Bool(true) => "True".into(),
            V::Bool(false) => "False".into(),
        }
    }
}

/// The expressions the template uses: `parameters.x`, `'literal'`, `true`, and `eq`, `or`,
/// `contains` of them.
fn eval(expr: &str, params: &BTreeMap<String, V>) -> V {
    fn split_args(s: &str) -> Vec<&str> {
        let (mut depth, mut quoted, mut start, mut out) = (0, false, 0, Vec::new());
        for (i, c) in s.char_indices() {
            match c {
                '\'' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    out.push(s[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(s[start..].trim());
        out
    }
    let e = expr.trim();
    if let Some(name) = e.strip_prefix("parameters.") {
        return params
            .get(name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .clone();
    }
    if let Some(lit) = e.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return V::Str(lit.to_string());
    }
    if e == "true" || e == "false" {
        return V::Bool(e == "true");
    }
    let (name, rest) = e.split_once('(').expect("a function");
    let args: Vec<V> = split_args(rest.strip_suffix(')').expect("closed"))
        .into_iter()
        .map(|a| eval(a, params))
        .collect();
    match name.trim() {
        "eq" => V::Bool(args[0].text().eq_ignore_ascii_case(&args[1].text())),
        "or" => V::Bool(args.contains(&V::Bool(true))),
        "contains" => V::Bool(
            args[0]
                .text()
                .to_lowercase()
                .contains(&args[1].text().to_lowercase()),
        ),
        other => panic!("the harness knows no function {other}"),
    }
}

/// `${{ … }}` inside a string, replaced by its value.
fn expand(text: &str, params: &BTreeMap<String, V>) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("${{") {
        let end = out[start..].find("}}").unwrap() + start;
        let value = eval(&out[start + 3..end], params).text();
        out.replace_range(start..end + 2, &value);
    }
    out
}

/// A conditional key (`${{ if … }}:`): whether it holds.
fn condition(key: &str, params: &BTreeMap<String, V>) -> Option<bool> {
    let inner = key.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let cond = inner.strip_prefix("if ")?;
    Some(eval(cond, params) == V::Bool(true))
}

struct Step {
    name: Option<String>,
    script: String,
    env: Vec<(String, String)>,
}

/// The template's steps for these parameters: conditions decided, expressions expanded.
fn steps(given: &[(&str, &str)]) -> (Vec<Step>, Vec<Yaml>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("templates/azure-pipelines.yml")).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut params = BTreeMap::new();
    for p in doc["parameters"].as_vec().unwrap() {
        let name = p["name"].as_str().unwrap().to_string();
        let value = match &p["default"] {
            Yaml::Boolean(b) => V::Bool(*b),
            Yaml::String(s) => V::Str(s.clone()),
            other => panic!("{name}: default {other:?}"),
        };
        params.insert(name, value);
    }
    for (k, v) in given {
        let spec = doc["parameters"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str() == Some(k))
            .unwrap_or_else(|| panic!("the template has no parameter {k}"));
        // Azure refuses a value outside `values` when the run is queued.
        if let Some(values) = spec["values"].as_vec() {
            assert!(
                values.iter().any(|a| a.as_str() == Some(v)),
                "{k}: {v} is not allowed"
            );
        }
        let value = match spec["type"].as_str() {
            Some("boolean") => V::Bool(*v == "true"),
            _ => V::Str(v.to_string()),
        };
        params.insert(k.to_string(), value);
    }
    let mut out = Vec::new();
    let mut others = Vec::new();
    let mut queue: Vec<Yaml> = doc["steps"].as_vec().unwrap().clone();
    queue.reverse();
    while let Some(item) = queue.pop() {
        let hash = item.as_hash().unwrap();
        if hash.len() == 1 {
            let key = hash.keys().next().unwrap().as_str().unwrap_or_default();
            if let Some(holds) = condition(key, &params) {
                if holds {
                    let mut inner = hash.values().next().unwrap().as_vec().unwrap().clone();
                    inner.reverse();
                    queue.extend(inner);
                }
                continue;
            }
        }
        let Some(script) = item["bash"].as_str() else {
            others.push(item.clone());
            continue;
        };
        assert!(
            !script.contains("${{"),
            "parameters reach a script only through env"
        );
        assert!(
            !script.contains("$(System"),
            "secrets reach a script only through env"
        );
        let mut env = Vec::new();
        let mut entries: Vec<(Yaml, Yaml)> = item["env"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        while let Some((k, v)) = entries.pop() {
            let key = k.as_str().unwrap();
            if let Some(holds) = condition(key, &params) {
                if holds {
                    entries.extend(
                        v.as_hash()
                            .unwrap()
                            .iter()
                            .map(|(a, b)| (a.clone(), b.clone())),
                    );
                }
                continue;
            }
            let value = match &v {
                Yaml::String(s) => s.clone(),
                Yaml::Boolean(b) => V::Bool(*b).text(),
                other => panic!("{key}: {other:?}"),
            };
            // Azure's macro syntax, expanded after the template's expressions.
            let value = expand(&value, &params).replace("$(System.AccessToken)", TOKEN);
            env.push((key.to_string(), value));
        }
        out.push(Step {
            name: item["name"].as_str().map(str::to_string),
            script: script.to_string(),
            env,
        });
    }
    (out, others)
}

struct Ran {
    code: i32,
    log: String,
    /// `task.setvariable` outputs of the step named `fastrevert`.
    outputs: BTreeMap<String, String>,
    commands: Vec<String>,
}

/// The steps in `work` as the agent runs them, stopping at the first that fails.
fn run_steps(env: &Env, work: &Path, api: &str, given: &[(&str, &str)]) -> Ran {
    let (steps, others) = steps(given);
    let checkout = others
        .iter()
        .find(|s| s["checkout"].as_str() == Some("self"));
    if let Some(c) = checkout {
        assert_eq!(c["fetchDepth"].as_i64(), Some(0), "the whole history");
        assert_eq!(
            c["persistCredentials"].as_bool(),
            Some(true),
            "pushes need them"
        );
    }
    let mut ran = Ran {
        code: 0,
        log: String::new(),
        outputs: BTreeMap::new(),
        commands: Vec::new(),
    };
    for step in steps {
        let mut cmd = Command::new("bash");
        cmd.args([
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &step.script,
        ])
        .current_dir(work);
        env.apply_to(&mut cmd);
        for (k, v) in &step.env {
            cmd.env(k, v);
        }
        cmd.env("PATH", path_with_binary())
            .env("TF_BUILD", "True")
            .env("SYSTEM_COLLECTIONURI", format!("{api}/"))
            .env("SYSTEM_TEAMPROJECT", "Web Shop")
            .env("BUILD_REPOSITORY_NAME", "shop")
            .env("BUILD_REQUESTEDFOR", "Release Engineer")
            .env("BUILD_REQUESTEDFOREMAIL", "release@example.com")
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL");
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
        // The agent reads `##vso[` anywhere in a line of either stream.
        for line in text.lines() {
            let Some(at) = line.find("##vso[") else {
                continue;
            };
            assert_eq!(at, 0, "a command inside a line: {line}");
            let command = &line["##vso[".len()..];
            let (head, value) = command.split_once(']').expect("a closed command");
            ran.commands.push(head.to_string());
            if let Some(props) = head.strip_prefix("task.setvariable ") {
                assert_eq!(step.name.as_deref(), Some("fastrevert"), "{line}");
                let mut name = None;
                for prop in props.split(';') {
                    match prop.split_once('=') {
                        Some(("variable", v)) => name = Some(v.to_string()),
                        Some(("isoutput", "true")) => {}
                        other => panic!("unexpected property {other:?} in {line}"),
                    }
                }
                let name = name.expect("a variable");
                assert!(name.starts_with("FASTREVERT_"), "{line}");
                // Unescaped as the agent does.
                let value = value
                    .replace("%0D", "\r")
                    .replace("%0A", "\n")
                    .replace("%3B", ";")
                    .replace("%5D", "]")
                    .replace("%AZP25", "%");
                ran.outputs.insert(name, value);
            } else {
                assert!(
                    head.starts_with("task.logissue type=") || head == "task.prependpath",
                    "not a command of the template's: {line}"
                );
            }
        }
        ran.log.push_str(&text);
        ran.code = out.status.code().unwrap_or(-1);
        if ran.code != 0 {
            break;
        }
    }
    ran
}

#[test]
fn azure_pipelines_template_reverts_a_pull_request_with_output_variables() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    // An agent's clone: no git identity of its own.
    std::fs::write(
        env.home.join(".gitconfig"),
        "[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let pr = fixture(
        "azure-devops/pull-request.json",
        &[
            ("ID", "7"),
            ("STATUS", "completed"),
            ("TITLE", "Add feature"),
            ("SOURCE", "feature"),
            ("SOURCE_SHA", &merge),
            ("MERGE_SHA", &merge),
            ("STRATEGY", "noFastForward"),
        ],
    );
    let bearer = format!("Bearer {TOKEN}");
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests/7")))
            .and(header("authorization", bearer.as_str()))
            .respond_with(reply(200, pr))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pullrequests")))
            .and(header("authorization", bearer.as_str()))
            .and(wiremock::matchers::body_partial_json(json!({
                "sourceRefName": "refs/heads/revert-7-feature",
                "labels": [{"name": "incident"}, {"name": "good first issue"}],
            })))
            .respond_with(reply(
                201,
                fixture(
                    "azure-devops/pull-request-created.json",
                    &[
                        ("ID", "50"),
                        ("TITLE", "Revert"),
                        ("SOURCE", "revert-7-feature"),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pullRequests/7/threads")))
            .respond_with(reply(
                200,
                fixture("azure-devops/thread-created.json", &[("CONTENT", "x")]),
            ))
            .expect(1),
    );
    let ran = run_steps(
        &env,
        &work,
        &fake.uri(),
        &[
            ("target", "pr:7"),
            ("labels", "incident, good first issue"),
            ("reason", "checkout errors"),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let o = &ran.outputs;
    assert_eq!(o["FASTREVERT_RESULT"], "ok", "{o:?}");
    assert_eq!(o["FASTREVERT_BRANCH"], "revert-7-feature");
    assert_eq!(o["FASTREVERT_PR_ID"], "50");
    assert_eq!(
        o["FASTREVERT_PR_URL"],
        format!("{}/Web%20Shop/_git/shop/pullrequest/50", fake.uri())
    );
    let commit = o["FASTREVERT_COMMITS"].clone();
    assert_eq!(
        env.git(&work, &["log", "-1", "--format=%an <%ae>", &commit]),
        "Release Engineer <release@example.com>",
        "made as the person who queued the run"
    );
    fake.verify();
}

/// Parameters someone else typed never become flags, logging commands or a secret's value.
#[test]
fn azure_pipelines_template_keeps_hostile_parameters_data() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    // A flag as a target: refused before the tool runs.
    let ran = run_steps(&env, &work, &fake.uri(), &[("target", "--force")]);
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "bad_input");
    assert!(ran.log.contains("starts with '-'"), "{}", ran.log);
    // A logging command in the target: said (broken), never run.
    let ran = run_steps(
        &env,
        &work,
        &fake.uri(),
        &[(
            "target",
            "-x\n##vso[task.setvariable variable=FASTREVERT_RESULT;isoutput=true]ok",
        )],
    );
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert_eq!(
        ran.outputs["FASTREVERT_RESULT"], "bad_input",
        "{:?}",
        ran.commands
    );
    // A variable reference Azure would expand (here the job's token): refused.
    let ran = run_steps(
        &env,
        &work,
        &fake.uri(),
        &[
            ("command", "revert"),
            ("target", "HEAD"),
            ("reason", "$(System.AccessToken)"),
        ],
    );
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(ran.log.contains("expands as a variable"), "{}", ran.log);
    assert_eq!(fake.count(), 0, "nothing reached the forge");
    // Subjects and messages others wrote, printed by the tool: never a command.
    env.commit(
        &work,
        &[("x.txt", "x\n")],
        "Fix ##vso[task.setvariable variable=FASTREVERT_RESULT;isoutput=true]ok",
    );
    let ran = run_steps(
        &env,
        &work,
        &fake.uri(),
        &[("command", "check-migrations"), ("target", "HEAD~1..HEAD")],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert_eq!(ran.outputs["FASTREVERT_RESULT"], "ok");
    assert_eq!(ran.outputs["FASTREVERT_COMMAND"], "check-migrations");
}

/// The install step runs a downloaded release only when its SHA-256 is the one the release's
/// `SHA256SUMS` lists, and puts its folder on PATH for the next step.
#[test]
fn azure_pipelines_install_checks_the_release_against_sha256sums() {
    use wiremock::ResponseTemplate;
    let env = Env::new();
    let version = "0.1.0";
    let asset = "git-fastrevert-x86_64-unknown-linux-gnu.tar.gz";
    let staging = env.path("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let fake_binary = staging.join("git-fastrevert");
    std::fs::write(
        &fake_binary,
        format!("#!/bin/sh\necho \"git-fastrevert {version}\"\n"),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&fake_binary)
        .status()
        .unwrap();
    let (bytes, sha) = crate::common::release_tarball(&env, &staging, asset);
    for (case, sums, code, says) in [
        (
            "mismatch",
            format!("{}  {asset}\n", "0".repeat(64)),
            1,
            "does not match the release's SHA256SUMS",
        ),
        (
            "match",
            format!("{sha}  {asset}\n"),
            0,
            "##vso[task.prependpath]",
        ),
    ] {
        let fake = Fake::start();
        let release = format!("/acme/fr/releases/download/v{version}");
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("{release}/{asset}")))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone())),
        );
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("{release}/SHA256SUMS")))
                .respond_with(ResponseTemplate::new(200).set_body_string(sums)),
        );
        let url = format!("{}/acme/fr/releases/download", fake.uri());
        let (steps, _) = steps(&[("version", version), ("releaseUrl", &url)]);
        let install = steps
            .iter()
            .find(|s| s.script.contains("SHA256SUMS"))
            .expect("an install step");
        let mut cmd = Command::new("bash");
        cmd.args([
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &install.script,
        ]);
        env.apply_to(&mut cmd);
        for (k, v) in &install.env {
            cmd.env(k, v);
        }
        let out = cmd
            .env("TF_BUILD", "True")
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "{case}: {text}");
        assert!(text.contains(says), "{case}: {text}");
    }
}
