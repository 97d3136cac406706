//! Merge requests against a local fake GitLab answering with the bodies of GitLab's API
//! documentation (`fixtures/forge/gitlab/`): every request matched by method, path (the project
//! id is the URL-encoded `group/subgroup/project`), token header and JSON body, and counted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};
use crate::forge::{fixture, reply};

const TOKEN: &str = "glpat-s3cret-t0ken-value";
const JOB_TOKEN: &str = "job-s3cret-t0ken-value";
const PROJECT: &str = "/api/v4/projects/acme%2Fplatform%2Fshop";

/// A clone whose merge requests go to the fake GitLab, as a nested-group project.
fn gitlab(env: &Env, fake: &Fake) -> PathBuf {
    let (work, _remote) = env.cloned();
    env.point_at_forge(
        &work,
        "gitlab",
        "acme/platform/shop",
        &format!("{}/api/v4", fake.uri()),
    );
    work
}

fn run(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir)
        .args(args)
        .env("GITLAB_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn assert_no_token(out: &std::process::Output) {
    crate::common::assert_no_secret(out, &[TOKEN, JOB_TOKEN]);
}

fn mr_url(iid: &str) -> String {
    format!("https://gitlab.example.com/acme/platform/shop/-/merge_requests/{iid}")
}

/// A merged merge request: the documented body with the merge's own commit ids.
fn merged_mr(iid: &str, title: &str, source: &str, sha: &str, fields: Value) -> String {
    let text = fixture(
        "gitlab/merge-request.json",
        &[
            ("IID", iid),
            ("TITLE", title),
            ("STATE", "merged"),
            ("SOURCE_BRANCH", source),
            ("SHA", sha),
        ],
    );
    let mut v: Value = serde_json::from_str(&text).unwrap();
    for (k, value) in fields.as_object().unwrap() {
        v[k] = value.clone();
    }
    v.to_string()
}

fn get_mr(iid: &str, body: String) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/merge_requests/{iid}")))
        .and(header("private-token", TOKEN))
        .respond_with(reply(200, body))
}

fn create_mr_match(body: Value) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("{PROJECT}/merge_requests")))
        .and(header("private-token", TOKEN))
        .and(body_json(body))
}

fn created(iid: &str, title: &str, source: &str) -> ResponseTemplate {
    reply(
        201,
        fixture(
            "gitlab/merge-request-created.json",
            &[
                ("IID", iid),
                ("TITLE", title),
                ("DESCRIPTION", ""),
                ("SOURCE_BRANCH", source),
                ("SHA", "0000000000000000000000000000000000000000"),
            ],
        ),
    )
}

fn note(iid: &str, body: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{PROJECT}/merge_requests/{iid}/notes")))
        .and(header("private-token", TOKEN))
        .and(body_json(json!({ "body": body })))
        .respond_with(reply(
            201,
            fixture("gitlab/note-created.json", &[("IID", iid), ("BODY", body)]),
        ))
}

fn user(username: &str, found: Option<&str>) -> Mock {
    let body = match found {
        Some(id) => fixture("gitlab/users.json", &[("ID", id), ("USERNAME", username)]),
        None => "[]".to_string(),
    };
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", username))
        .and(header("private-token", TOKEN))
        .respond_with(reply(200, body))
}

#[test]
fn gitlab_revert_opens_a_draft_merge_request_with_labels_and_reviewers() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let description =
        format!("This reverts:\n\n- {head} Add notes\n\nReason: notes break the build");
    fake.mount(user("alice", Some("5")).expect(1));
    fake.mount(user("ghost", None).expect(1));
    fake.mount(
        create_mr_match(json!({
            "source_branch": branch,
            "target_branch": "main",
            "title": "Draft: Revert \"Add notes\"",
            "description": description,
            "remove_source_branch": true,
            "labels": "incident,revert",
            "reviewer_ids": [5],
        }))
        .respond_with(created("42", "Draft: Revert \"Add notes\"", &branch))
        .expect(1),
    );
    let out = run(
        &env,
        &work,
        &[
            "revert",
            "HEAD",
            "--draft",
            "--label",
            "incident",
            "--label",
            "revert",
            "--reviewer",
            "alice",
            "--reviewer",
            "@ghost",
            "--reason",
            "notes break the build",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 42);
    assert_eq!(j["pull_request"]["url"], mr_url("42"));
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("reviewer ghost is not a GitLab user"),
        "{warnings}"
    );
    assert_no_token(&out);
    fake.verify();

    // Said in GitLab's words to a person.
    fake.reset();
    let head2 = env.commit(&work, &[("docs/more.txt", "more\n")], "Add more");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let branch2 = format!("revert-{}", &head2[..7]);
    fake.mount(
        create_mr_match(json!({
            "source_branch": branch2,
            "target_branch": "main",
            "title": "Revert \"Add more\"",
            "description": format!("This reverts:\n\n- {head2} Add more"),
            "remove_source_branch": true,
        }))
        .respond_with(created("43", "Revert \"Add more\"", &branch2))
        .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        all.contains(&format!("Merge request !43 opened: {}", mr_url("43"))),
        "{all}"
    );
    fake.verify();
}

#[test]
fn gitlab_existing_merge_request_is_reported_not_duplicated() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(header("private-token", TOKEN))
            .respond_with(reply(
                409,
                fixture("gitlab/merge-request-exists-409.json", &[("IID", "12")]),
            ))
            .expect(1),
    );
    let listed = fixture(
        "gitlab/merge-request-created.json",
        &[
            ("IID", "12"),
            ("TITLE", "Revert \"Add notes\""),
            ("DESCRIPTION", ""),
            ("SOURCE_BRANCH", &branch),
            ("SHA", &head),
        ],
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(query_param("state", "opened"))
            .and(query_param("source_branch", branch.as_str()))
            .and(query_param("target_branch", "main"))
            .and(header("private-token", TOKEN))
            .respond_with(reply(200, format!("[{listed}]")))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 12);
    assert_eq!(j["pull_request"]["existing"], true);
    assert_eq!(fake.count_method("POST"), 1);
    fake.verify();
}

/// A merge commit, a squash and a fast-forward merge request, each reverted whole, with a note
/// on the original; `!N` is the same as `--pr N`.
#[test]
fn gitlab_pr_reverts_merge_squash_and_fast_forward_merge_requests_with_a_note() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let squash = env.commit(&work, &[("squashed.txt", "all of it\n")], "Add coupons");
    let part1 = env.commit(&work, &[("ff1.txt", "one\n")], "Fast part 1");
    let part2 = env.commit(&work, &[("ff2.txt", "two\n")], "Fast part 2");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let commits = |iid: &str, newest: (&str, &str), oldest: (&str, &str)| {
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests/{iid}/commits")))
            .and(query_param("per_page", "100"))
            .and(query_param("page", "1"))
            .and(header("private-token", TOKEN))
            .respond_with(reply(
                200,
                fixture(
                    "gitlab/merge-request-commits.json",
                    &[
                        ("SHA2", newest.0),
                        ("SHORT2", &newest.0[..8]),
                        ("MESSAGE2", newest.1),
                        ("SHA1", oldest.0),
                        ("SHORT1", &oldest.0[..8]),
                        ("MESSAGE1", oldest.1),
                    ],
                ),
            ))
    };
    let new_mr = |iid: &str, title: &str, source: &str, reverted: &str| {
        create_mr_match(json!({
            "source_branch": source,
            "target_branch": "main",
            "title": title,
            "description": format!("This reverts merge request !{reverted}"),
            "remove_source_branch": true,
        }))
        .respond_with(created(iid, title, source))
        .expect(1)
    };
    let reverted_note = |iid: &str, branch: &str| {
        format!(
            "This merge request is reverted in !{iid} ({}), branch `{branch}`.",
            mr_url(iid)
        )
    };

    // A merge commit: reverted against parent 1.
    fake.mount(
        get_mr(
            "7",
            merged_mr(
                "7",
                "Add feature",
                "feature",
                &feature,
                json!({"merge_commit_sha": merge}),
            ),
        )
        .expect(1),
    );
    fake.mount(new_mr(
        "50",
        "Revert \"Add feature\"",
        "revert-7-feature",
        "7",
    ));
    fake.mount(note("7", &reverted_note("50", "revert-7-feature")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "7", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([merge]));
    assert_eq!(j["branch"], "revert-7-feature");
    assert_eq!(j["pull_request"]["url"], mr_url("50"));
    assert_no_token(&out);
    fake.verify();

    // A squash without a merge commit: the squash commit alone.
    fake.reset();
    fake.mount(
        get_mr(
            "8",
            merged_mr(
                "8",
                "Add coupons",
                "coupons",
                &feature,
                json!({"squash_commit_sha": squash, "squash": true}),
            ),
        )
        .expect(1),
    );
    fake.mount(commits("8", (&feature, "Fix coupons"), (&feature, "WIP coupons")).expect(0));
    fake.mount(new_mr(
        "51",
        "Revert \"Add coupons\"",
        "revert-8-coupons",
        "8",
    ));
    fake.mount(note("8", &reverted_note("51", "revert-8-coupons")).expect(1));
    let out = run(&env, &work, &["revert", "!8", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
    fake.verify();

    // A fast-forward merge: no merge or squash commit; the merge request's commits (listed
    // newest first) as they lie on the base, the whole range.
    fake.reset();
    fake.mount(get_mr("9", merged_mr("9", "Fast work", "fast", &part2, json!({}))).expect(1));
    fake.mount(commits("9", (&part2, "Fast part 2"), (&part1, "Fast part 1")).expect(1));
    fake.mount(new_mr("52", "Revert \"Fast work\"", "revert-9-fast", "9"));
    fake.mount(note("9", &reverted_note("52", "revert-9-fast")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "9", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([part2, part1]));
    assert_eq!(j["commits"].as_array().unwrap().len(), 2);
    fake.verify();

    // Not merged: refused, in GitLab's words.
    fake.reset();
    let open = fixture(
        "gitlab/merge-request.json",
        &[
            ("IID", "10"),
            ("TITLE", "Still open"),
            ("STATE", "opened"),
            ("SOURCE_BRANCH", "wip"),
            ("SHA", &feature),
        ],
    );
    fake.mount(get_mr("10", open).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "10", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let msg = json(&out)["error"]["message"].to_string();
    assert!(
        msg.contains("merge request !10 is not merged (it is opened)"),
        "{msg}"
    );
    fake.verify();
}

#[test]
fn gitlab_faults_are_retried_bounded_and_said() {
    struct Fault {
        name: &'static str,
        first: Vec<ResponseTemplate>,
        recovers: bool,
        code: i32,
        says: &'static str,
    }
    let faults = vec![
        Fault {
            name: "500 then success",
            first: vec![ResponseTemplate::new(500)],
            recovers: true,
            code: 0,
            says: "",
        },
        Fault {
            name: "429 with Retry-After",
            first: vec![reply(429, fixture("gitlab/rate-limited-429.json", &[]))
                .insert_header("retry-after", "1")],
            recovers: true,
            code: 0,
            says: "",
        },
        Fault {
            name: "429 with RateLimit-Reset",
            first: vec![reply(429, fixture("gitlab/rate-limited-429.json", &[]))
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", "1")],
            recovers: true,
            code: 0,
            says: "",
        },
        Fault {
            name: "401",
            first: vec![reply(401, fixture("gitlab/unauthorized-401.json", &[]))],
            recovers: false,
            code: 1,
            says: "GitLab answered 401: 401 Unauthorized",
        },
        Fault {
            name: "403",
            first: vec![reply(403, fixture("gitlab/forbidden-403.json", &[]))],
            recovers: false,
            code: 1,
            says: "GitLab answered 403: 403 Forbidden",
        },
        Fault {
            name: "404",
            first: vec![reply(404, fixture("gitlab/not-found-404.json", &[]))],
            recovers: false,
            code: 1,
            says: "404 Project Not Found",
        },
        Fault {
            name: "422",
            first: vec![reply(422, fixture("gitlab/unprocessable-422.json", &[]))],
            recovers: false,
            code: 1,
            says: "target_branch is invalid",
        },
        Fault {
            name: "502 forever",
            first: vec![ResponseTemplate::new(502); 4],
            recovers: false,
            code: 1,
            says: "502 (4 attempts)",
        },
        Fault {
            name: "slow server",
            first: vec![reply(201, "{}".into()).set_delay(Duration::from_secs(3)); 4],
            recovers: false,
            code: 1,
            says: "did not answer within",
        },
    ];
    for fault in faults {
        let env = Env::new();
        let fake = Fake::start();
        let work = gitlab(&env, &fake);
        let head = env.rev(&work, "HEAD");
        let branch = format!("revert-{}", &head[..7]);
        let attempts = fault.first.len();
        for response in fault.first {
            fake.mount(
                Mock::given(method("POST"))
                    .and(path(format!("{PROJECT}/merge_requests")))
                    .respond_with(response)
                    .up_to_n_times(1)
                    .expect(1),
            );
        }
        // After an attempt whose answer may be lost, the merge request is looked for first.
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("{PROJECT}/merge_requests")))
                .and(query_param("state", "opened"))
                .respond_with(reply(200, "[]".into())),
        );
        let success = create_mr_match(json!({
            "source_branch": branch,
            "target_branch": "main",
            "title": "Revert \"Add notes\"",
            "description": format!("This reverts:\n\n- {head} Add notes"),
            "remove_source_branch": true,
        }))
        .respond_with(created("60", "Revert \"Add notes\"", &branch));
        if fault.recovers {
            fake.mount(success.expect(1));
        }
        let timeout = if fault.name == "slow server" {
            "0.5"
        } else {
            "10"
        };
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--json", "-v"])
            .env("GITLAB_TOKEN", TOKEN)
            .env("FASTREVERT_HTTP_TIMEOUT", timeout)
            .output()
            .unwrap();
        assert_eq!(code(&out), fault.code, "{}: {}", fault.name, stderr(&out));
        assert_no_token(&out);
        if fault.recovers {
            assert_eq!(json(&out)["pull_request"]["number"], 60, "{}", fault.name);
        } else {
            let msg = json(&out)["error"]["message"].as_str().unwrap().to_string();
            assert!(
                msg.contains(&format!("branch {branch} pushed, merge request not opened")),
                "{}: {msg}",
                fault.name
            );
            assert!(msg.contains(fault.says), "{}: {msg}", fault.name);
            assert!(
                stderr(&out).contains("re-run the same command"),
                "{}",
                fault.name
            );
            assert!(
                stderr(&out).contains("/-/merge_requests/new?"),
                "{}: {}",
                fault.name,
                stderr(&out)
            );
            assert_eq!(
                fake.count_method("POST"),
                attempts,
                "{}: bounded",
                fault.name
            );
        }
        fake.verify();
    }
}

#[test]
fn gitlab_tokens_never_travel_over_plain_http_to_another_host() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.point_at_forge(
        &work,
        "gitlab",
        "acme/shop",
        "http://gitlab.example.com/api/v4",
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(json(&out)["error"]["message"]
        .to_string()
        .contains("plain http://"));
    assert_no_token(&out);
}

/// In GitLab CI with only the job token: the revert is pushed, the merge request cannot be
/// opened with that token and the warning says how to open it; `--pr` reads with the job token
/// and, when GitLab refuses it, finds the merge in the base's history.
#[test]
fn gitlab_ci_job_token_reads_but_never_opens() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, remote) = env.cloned();
    let ci = |cmd: &mut std::process::Command| {
        cmd.env("GITLAB_CI", "true")
            .env("CI_SERVER_URL", "https://gitlab.example.com")
            .env("CI_API_V4_URL", format!("{}/api/v4", fake.uri()))
            .env("CI_PROJECT_PATH", "acme/platform/shop")
            .env("CI_JOB_TOKEN", JOB_TOKEN);
    };
    let mut cmd = env.fr(&work);
    cmd.args(["revert", "HEAD", "--json"]);
    ci(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pushed"], true);
    assert_eq!(j["pull_request"], Value::Null);
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("CI_JOB_TOKEN cannot open merge requests"),
        "{warnings}"
    );
    assert!(warnings.contains("GITLAB_TOKEN"), "{warnings}");
    assert!(
        warnings.contains("https://gitlab.example.com/acme/platform/shop/-/merge_requests/new?"),
        "{warnings}"
    );
    assert_eq!(
        fake.count(),
        0,
        "nothing is sent that the job token cannot do"
    );
    let branch = j["branch"].as_str().unwrap();
    assert!(env
        .git_output(&remote, &["rev-parse", "--verify", branch])
        .status
        .success());

    // A merge request GitLab will not show to the job token: its commit says `!17`.
    let merged = env.commit(
        &work,
        &[("pay.txt", "card\n")],
        "Pay by card\n\nSee merge request acme/platform/shop!17",
    );
    // Newer, and merged in from another project: its !17 is not this project's.
    env.commit(
        &work,
        &[("vendor/lib.txt", "lib\n")],
        "Vendor lib\n\nSee merge request acme/lib!17",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests/17")))
            .and(header("job-token", JOB_TOKEN))
            .respond_with(reply(403, fixture("gitlab/forbidden-403.json", &[])))
            .expect(1),
    );
    let mut cmd = env.fr(&work);
    cmd.args(["revert", "!17", "--json", "--no-push"]);
    ci(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([merged]));
    assert!(
        j["warnings"]
            .to_string()
            .contains("!17 found in the history"),
        "{}",
        j["warnings"]
    );
    assert_no_token(&out);
    fake.verify();

    // GitLab versions whose merge request routes ignore job tokens answer 404: the history
    // is asked all the same, and the warning names the token.
    let eighteen = env.commit(
        &work,
        &[("ship.txt", "ship\n")],
        "Ship it\n\nSee merge request acme/platform/shop!18",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests/18")))
            .and(header("job-token", JOB_TOKEN))
            .respond_with(reply(404, fixture("gitlab/not-found-404.json", &[])))
            .expect(1),
    );
    let mut cmd = env.fr(&work);
    cmd.args(["revert", "!18", "--json", "--no-push"]);
    ci(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([eighteen]));
    assert!(
        j["warnings"]
            .to_string()
            .contains("CI_JOB_TOKEN could not read !18"),
        "{}",
        j["warnings"]
    );
    fake.verify();
}

/// A dry run says whether a merge request would be opened, where, and with what; or why not.
#[test]
fn gitlab_dry_run_names_the_merge_request_it_would_open() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    let out = run(
        &env,
        &work,
        &[
            "revert",
            "HEAD",
            "--dry-run",
            "--draft",
            "--label",
            "incident",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan = &json(&out)["pull_request_plan"];
    assert_eq!(plan["open"], true, "{plan}");
    assert_eq!(plan["forge"], "GitLab");
    assert_eq!(plan["repository"], "acme/platform/shop");
    assert_eq!(plan["title"], "Draft: Revert \"Add notes\"");
    assert_eq!(plan["labels"], json!(["incident"]));
    let out = run(&env, &work, &["rollback", "--to", "HEAD~1", "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        text.contains("Would open a merge request on GitLab (acme/platform/shop) into main, titled: Roll back main to HEAD~1"),
        "{text}"
    );
    // Without a token: said, with the variable to set.
    let out = env.run(&work, &["revert", "HEAD", "--dry-run"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        text.contains("No merge request would be opened: no GitLab token; set GITLAB_TOKEN"),
        "{text}"
    );
    assert_eq!(fake.count(), 0, "a dry run asks the forge nothing");
}

/// The revert picker lists the merge requests merged into the base; picking one reverts it.
#[test]
fn the_picker_offers_recently_merged_merge_requests() {
    use git_fastrevert::ui::prompt::{Answer, Scripted};
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    env.git(&work, &["config", "user.name", "Test User"]);
    env.git(&work, &["config", "user.email", "test@example.com"]);
    // In-process: the token comes from this process's environment.
    std::env::set_var("GITLAB_TOKEN", TOKEN);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let mr = merged_mr(
        "7",
        "Add feature",
        "feature",
        &feature,
        json!({"merge_commit_sha": merge}),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests")))
            .and(query_param("state", "merged"))
            .and(query_param("target_branch", "main"))
            .and(header("private-token", TOKEN))
            .respond_with(reply(200, format!("[{mr}]")))
            .expect(1),
    );
    fake.mount(get_mr("7", mr).expect(2)); // the plan (a dry run), then the run
    fake.mount(
        create_mr_match(json!({
            "source_branch": "revert-7-feature",
            "target_branch": "main",
            "title": "Revert \"Add feature\"",
            "description": "This reverts merge request !7",
            "remove_source_branch": true,
        }))
        .respond_with(created("70", "Revert \"Add feature\"", "revert-7-feature"))
        .expect(1),
    );
    fake.mount(
        note(
            "7",
            &format!(
                "This merge request is reverted in !70 ({}), branch `revert-7-feature`.",
                mr_url("70")
            ),
        )
        .expect(1),
    );
    let prompter = Scripted::new(vec![
        Answer::Pick("MR !7".into()),
        Answer::Text(String::new()),
        Answer::Yes,
    ]);
    let ui = git_fastrevert::ui::Ui::with_prompter(Box::new(prompter));
    let global = git_fastrevert::cli::GlobalArgs {
        directory: Some(work.clone()),
        quiet: true,
        ..Default::default()
    };
    let outcome = git_fastrevert::flow::menu::revert(&global, &ui, Default::default());
    std::env::remove_var("GITLAB_TOKEN");
    let outcome = outcome.unwrap();
    assert_eq!(outcome.json()["reverted"], json!([merge]));
    assert_eq!(outcome.json()["pull_request"]["number"], 70);
    fake.verify();
}

/// A GitLab or Bitbucket that redirects to another address (another port here) is not
/// followed: the other server receives nothing, no token in particular, and the message says
/// why.
#[test]
fn a_redirect_to_another_origin_carries_no_token() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let elsewhere = Fake::start();
    elsewhere.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)));
    let api = Fake::start();
    api.mount(
        Mock::given(method("GET")).respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/stolen", elsewhere.uri()).as_str()),
        ),
    );
    for (forge, repo, api_url, vars) in [
        (
            "gitlab",
            "acme/platform/shop",
            format!("{}/api/v4", api.uri()),
            [("GITLAB_TOKEN", TOKEN)],
        ),
        (
            "bitbucket-datacenter",
            "ACME/shop",
            api.uri(),
            [("BITBUCKET_TOKEN", TOKEN)],
        ),
    ] {
        env.point_at_forge(&work, forge, repo, &api_url);
        let mut cmd = env.fr(&work);
        cmd.args(["revert", "--pr", "7", "--json"]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 1, "{forge}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not followed"),
            "{forge}: {}",
            stderr(&out)
        );
        assert_eq!(elsewhere.count(), 0, "{forge}: the other server was asked");
    }
}

/// A server whose every answer is a 200 with a JSON string of `size` bytes, written in 64 KiB
/// pieces as the client reads them, until it hangs up (at most 30 s).
fn stream_answer(size: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n[\"",
                    size + 4
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let piece = vec![b'A'; 64 << 10];
                let mut sent = 0;
                while sent < size && std::time::Instant::now() < until {
                    let n = piece.len().min(size - sent);
                    if stream.write_all(&piece[..n]).is_err() {
                        return;
                    }
                    sent += n;
                }
                let _ = stream.write_all(b"\"]");
            });
            if std::time::Instant::now() > until {
                return;
            }
        }
    });
    format!("http://{address}")
}

/// Replies without limits: an answer larger than the tool reads is refused (not held whole,
/// not retried), and a wrong-typed one is quoted in a few hundred bytes, never echoed whole.
#[test]
fn huge_or_wrong_answers_are_bounded_in_what_is_read_and_said() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitlab(&env, &fake);
    // 200 MB, streamed by a server that never holds it: far more than the 32 MiB read.
    let streaming = stream_answer(200_000_000);
    env.git(
        &work,
        &[
            "config",
            "fastrevert.apiUrl",
            &format!("{streaming}/api/v4"),
        ],
    );
    for forge in ["gitlab", "github"] {
        if forge == "github" {
            env.point_at_forge(&work, "github", "acme/shop", &streaming);
        }
        let (out, peak) = crate::common::output_with_peak_memory(
            env.fr(&work)
                .args(["revert", "--pr", "7", "--json"])
                .env("GITLAB_TOKEN", TOKEN)
                .env("GITHUB_TOKEN", TOKEN),
        );
        // An upper bound: the figure also holds this test process's own peak at the spawn.
        assert!(peak < 256 << 20, "{forge}: peak memory {} MiB", peak >> 20);
        assert_eq!(code(&out), 1, "{forge}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("larger than 32 MiB"),
            "{forge}: {}",
            stderr(&out)
        );
        assert!(
            out.stderr.len() < 4096,
            "{forge}: {} bytes said",
            out.stderr.len()
        );
    }
    env.git(&work, &["config", "fastrevert.forge", "gitlab"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/platform/shop"]);

    // A 5 MB string where an object belongs: serde quotes it, the tool cuts it.
    let fake = Fake::start();
    env.git(
        &work,
        &[
            "config",
            "fastrevert.apiUrl",
            &format!("{}/api/v4", fake.uri()),
        ],
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/merge_requests/7")))
            .respond_with(reply(200, format!("\"{}\"", "B".repeat(5 << 20)))),
    );
    let out = run(&env, &work, &["revert", "--pr", "7", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not the JSON expected"),
        "{}",
        stderr(&out)
    );
    assert!(out.stderr.len() < 4096, "{} bytes said", out.stderr.len());
}
