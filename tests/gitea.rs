//! Pull requests against a local fake Gitea (and Forgejo, the same API v1) answering with the
//! shapes of Gitea's API description (`fixtures/forge/gitea/`): every request matched by
//! method, path, the `Authorization: token …` header and JSON body, and counted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};
use crate::forge::{fixture, reply, squash_and_rebase, Merged};

const TOKEN: &str = "gitea-s3cret-t0ken-value";
const JOB_TOKEN: &str = "actions-s3cret-t0ken-value";
const REPO: &str = "/api/v1/repos/acme/shop";

fn auth() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("token {TOKEN}").as_str())
}

/// A clone whose pull requests go to the fake Gitea.
fn gitea(env: &Env, fake: &Fake, forge: &str) -> PathBuf {
    let (work, _remote) = env.cloned();
    env.point_at_forge(&work, forge, "acme/shop", &format!("{}/api/v1", fake.uri()));
    work
}

fn run(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir)
        .args(args)
        .env("GITEA_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn assert_no_token(out: &std::process::Output) {
    crate::common::assert_no_secret(out, &[TOKEN, JOB_TOKEN]);
}

fn pr_url(n: &str) -> String {
    format!("https://gitea.example.com/acme/shop/pulls/{n}")
}

/// A pull request as Gitea describes it, with fields replaced.
fn pull(n: &str, title: &str, head_ref: &str, fields: Value) -> String {
    let text = fixture(
        "gitea/pull.json",
        &[
            ("NUMBER", n),
            ("TITLE", title),
            ("STATE", "open"),
            ("MERGED", "false"),
            ("MERGE_SHA", ""),
            ("HEAD_REF", head_ref),
            ("HEAD_SHA", "0000000000000000000000000000000000000000"),
        ],
    );
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["merge_commit_sha"] = Value::Null;
    for (k, value) in fields.as_object().unwrap() {
        v[k] = value.clone();
    }
    v.to_string()
}

fn merged(n: &str, title: &str, head_ref: &str, merge_sha: &str) -> String {
    pull(
        n,
        title,
        head_ref,
        json!({"state": "closed", "merged": true, "merge_commit_sha": merge_sha}),
    )
}

fn create_match(body: Value) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/pulls")))
        .and(auth())
        .and(body_json(body))
}

fn created(n: &str, title: &str, head_ref: &str) -> ResponseTemplate {
    reply(201, pull(n, title, head_ref, json!({})))
}

/// No pull request from `head` into main yet: Gitea answers 404.
fn none_open(head: &str) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/main/{head}")))
        .and(auth())
        .respond_with(reply(
            404,
            r#"{"message":"The target couldn't be found.","url":"https://gitea.example.com/api/swagger","errors":[]}"#.into(),
        ))
}

fn comment(n: &str, body: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/{n}/comments")))
        .and(auth())
        .and(body_json(json!({ "body": body })))
        .respond_with(reply(
            201,
            fixture(
                "gitea/comment-created.json",
                &[("NUMBER", n), ("BODY", body)],
            ),
        ))
}

#[test]
fn gitea_revert_opens_a_work_in_progress_pull_request_with_labels_and_reviewers() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "gitea");
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let body = format!("This reverts:\n\n- {head} Add notes\n\nReason: notes break the build");
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/labels")))
            .and(query_param("page", "1"))
            .and(query_param("limit", "50"))
            .and(auth())
            .respond_with(
                reply(200, fixture("gitea/labels.json", &[])).insert_header("x-total-count", "2"),
            )
            .expect(1),
    );
    // A user's repository: no organization labels.
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/orgs/acme/labels"))
            .respond_with(reply(404, fixture("gitea/not-found-404.json", &[])))
            .expect(1),
    );
    fake.mount(
        create_match(json!({
            "head": branch,
            "base": "main",
            "title": "WIP: Revert \"Add notes\"",
            "body": body,
            "labels": [7],
        }))
        .respond_with(created("42", "WIP: Revert \"Add notes\"", &branch))
        .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls/42/requested_reviewers")))
            .and(auth())
            .and(body_json(json!({"reviewers": ["alice", "ghost"]})))
            .respond_with(reply(
                422,
                fixture("gitea/reviewers-422.json", &[("NAME", "ghost")]),
            ))
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
            "sev1",
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
    assert_eq!(j["pull_request"]["url"], pr_url("42"));
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("label sev1 does not exist in acme/shop"),
        "{warnings}"
    );
    assert!(
        warnings.contains("reviewers alice, ghost were not added")
            && warnings.contains("user does not exist"),
        "{warnings}"
    );
    assert_no_token(&out);
    fake.verify();

    // Said in Gitea's words to a person.
    fake.reset();
    let head2 = env.commit(&work, &[("docs/more.txt", "more\n")], "Add more");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let branch2 = format!("revert-{}", &head2[..7]);
    fake.mount(
        create_match(json!({
            "head": branch2,
            "base": "main",
            "title": "Revert \"Add more\"",
            "body": format!("This reverts:\n\n- {head2} Add more"),
        }))
        .respond_with(created("43", "Revert \"Add more\"", &branch2))
        .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        all.contains(&format!("Pull request #43 opened: {}", pr_url("43"))),
        "{all}"
    );
    assert_eq!(
        fake.count(),
        1,
        "no labels or reviewers asked for, none looked up"
    );
    fake.verify();
}

#[test]
fn gitea_existing_pull_request_is_reported_not_duplicated() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "forgejo");
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls")))
            .and(auth())
            .respond_with(reply(
                409,
                fixture("gitea/pull-exists-409.json", &[("HEAD_REF", &branch)]),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/main/{branch}")))
            .and(auth())
            .respond_with(reply(
                200,
                pull("31", "Revert \"Add notes\"", &branch, json!({})),
            ))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("FORGEJO_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 31);
    assert_eq!(j["pull_request"]["existing"], true);
    assert_eq!(fake.count_method("POST"), 1);
    assert_no_token(&out);
    fake.verify();
}

/// Gitea says which commit a merge left (`merge_commit_sha`) but not how it merged: a merge
/// commit, a squash, a rebase (new ids on the base) and a fast-forward are each told apart by
/// git and reverted whole, with a comment on the original.
#[test]
fn gitea_pr_reverts_merge_squash_rebase_and_fast_forward_merges_with_a_comment() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "gitea");
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let Merged {
        squash,
        part1,
        part2,
        coupons,
        rebased,
    } = squash_and_rebase(&env, &work, Some(("refs/pull/8/head", "refs/pull/9/head")));
    let ff1 = env.commit(&work, &[("ff1.txt", "one\n")], "Fast part 1");
    let ff2 = env.commit(&work, &[("ff2.txt", "two\n")], "Fast part 2");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let get = |n: &str, body: String| {
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/{n}")))
            .and(auth())
            .respond_with(reply(200, body))
            .expect(1)
    };
    let commits = |n: &str, oldest: (&str, &str), newest: (&str, &str)| {
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/{n}/commits")))
            .and(query_param("page", "1"))
            .and(query_param("limit", "50"))
            .and(query_param("verification", "false"))
            .and(query_param("files", "false"))
            .and(auth())
            .respond_with(
                reply(
                    200,
                    fixture(
                        "gitea/commits.json",
                        &[
                            ("SHA1", oldest.0),
                            ("MESSAGE1", oldest.1),
                            ("SHA2", newest.0),
                            ("MESSAGE2", newest.1),
                        ],
                    ),
                )
                .insert_header("x-total", "2")
                .insert_header("x-hasmore", "false"),
            )
    };
    let revert_pr = |n: &str, title: &str, branch: &str, reverted: &str| {
        create_match(json!({
            "head": branch,
            "base": "main",
            "title": title,
            "body": format!("Reverts acme/shop#{reverted}"),
        }))
        .respond_with(created(n, title, branch))
        .expect(1)
    };
    let said = |n: &str, branch: &str| {
        format!(
            "This pull request is reverted in #{n} ({}), branch `{branch}`.",
            pr_url(n)
        )
    };

    // A merge commit: reverted against parent 1.
    fake.mount(get("7", merged("7", "Add feature", "feature", &merge)));
    fake.mount(revert_pr(
        "50",
        "Revert \"Add feature\"",
        "revert-7-feature",
        "7",
    ));
    fake.mount(comment("7", &said("50", "revert-7-feature")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "7", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([merge]));
    assert_eq!(j["pull_request"]["url"], pr_url("50"));
    assert_no_token(&out);
    fake.verify();
    let _ = feature;

    // A squash: the request's two commits are not on the base; the squash commit alone.
    fake.reset();
    fake.mount(get("8", merged("8", "Add coupons", "coupons", &squash)));
    fake.mount(
        commits(
            "8",
            (&coupons[0], "WIP coupons"),
            (&coupons[1], "Fix coupons"),
        )
        .expect(1),
    );
    fake.mount(revert_pr(
        "51",
        "Revert \"Add coupons\"",
        "revert-8-coupons",
        "8",
    ));
    fake.mount(comment("8", &said("51", "revert-8-coupons")).expect(1));
    let out = run(&env, &work, &["revert", "pr:8", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
    fake.verify();

    // A rebase: new ids on the base, found by their changes; the whole range.
    fake.reset();
    fake.mount(get("9", merged("9", "Rebased work", "rebased", &part2)));
    fake.mount(
        commits(
            "9",
            (&rebased[0], "Rebased part 1"),
            (&rebased[1], "Rebased part 2"),
        )
        .expect(1),
    );
    fake.mount(revert_pr(
        "52",
        "Revert \"Rebased work\"",
        "revert-9-rebased",
        "9",
    ));
    fake.mount(comment("9", &said("52", "revert-9-rebased")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "9", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([part2, part1]));
    fake.verify();

    // A fast-forward: the request's own commits, now the base's top.
    fake.reset();
    fake.mount(get("10", merged("10", "Fast work", "fast", &ff2)));
    fake.mount(commits("10", (&ff1, "Fast part 1"), (&ff2, "Fast part 2")).expect(1));
    fake.mount(revert_pr(
        "53",
        "Revert \"Fast work\"",
        "revert-10-fast",
        "10",
    ));
    fake.mount(comment("10", &said("53", "revert-10-fast")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "10", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([ff2, ff1]));
    fake.verify();

    // Not merged: refused.
    fake.reset();
    fake.mount(get("11", pull("11", "Still open", "wip", json!({}))));
    let out = run(&env, &work, &["revert", "--pr", "11", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let msg = json(&out)["error"]["message"].to_string();
    assert!(
        msg.contains("pull request #11 is not merged (it is open)"),
        "{msg}"
    );
    fake.verify();
}

/// A list Gitea cut short (fewer commits than its own `X-Total` count, the pages ending) is
/// never taken as the whole request: its head ref on the remote says the rest.
#[test]
fn gitea_commit_list_shorter_than_its_count_is_completed_from_the_head_ref() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "gitea");
    let Merged {
        part1,
        part2,
        rebased,
        ..
    } = squash_and_rebase(&env, &work, Some(("refs/pull/8/head", "refs/pull/9/head")));
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/9")))
            .respond_with(reply(200, merged("9", "Rebased work", "rebased", &part2))),
    );
    // One commit listed of the two it counts, and no more pages.
    let one = format!(
        "[{}]",
        serde_json::from_str::<Value>(&fixture(
            "gitea/commits.json",
            &[
                ("SHA1", &rebased[1]),
                ("MESSAGE1", "Rebased part 2"),
                ("SHA2", &rebased[0]),
                ("MESSAGE2", "Rebased part 1"),
            ],
        ))
        .unwrap()[0]
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/9/commits")))
            .respond_with(
                reply(200, one)
                    .insert_header("x-total", "2")
                    .insert_header("x-hasmore", "false"),
            )
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "--pr", "9", "--no-push", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([part2, part1]));
    fake.verify();
}

#[test]
fn gitea_faults_are_retried_bounded_and_said() {
    struct Fault {
        name: &'static str,
        first: Vec<ResponseTemplate>,
        recovers: bool,
        says: &'static str,
    }
    let faults = vec![
        Fault {
            name: "500 then success",
            first: vec![ResponseTemplate::new(500)],
            recovers: true,
            says: "",
        },
        Fault {
            name: "429 with Retry-After",
            first: vec![ResponseTemplate::new(429).insert_header("retry-after", "1")],
            recovers: true,
            says: "",
        },
        Fault {
            name: "403 scope",
            first: vec![reply(403, fixture("gitea/forbidden-403.json", &[]))],
            recovers: false,
            says: "Gitea answered 403: token does not have at least one of required scope(s)",
        },
        Fault {
            name: "502 forever",
            first: vec![ResponseTemplate::new(502); 4],
            recovers: false,
            says: "502 (4 attempts)",
        },
        Fault {
            name: "slow server",
            first: vec![reply(201, "{}".into()).set_delay(Duration::from_secs(3)); 4],
            recovers: false,
            says: "did not answer within",
        },
    ];
    for fault in faults {
        let env = Env::new();
        let fake = Fake::start();
        let work = gitea(&env, &fake, "gitea");
        let head = env.rev(&work, "HEAD");
        let branch = format!("revert-{}", &head[..7]);
        let attempts = fault.first.len();
        for response in fault.first {
            fake.mount(
                Mock::given(method("POST"))
                    .and(path(format!("{REPO}/pulls")))
                    .respond_with(response)
                    .up_to_n_times(1)
                    .expect(1),
            );
        }
        // After an attempt whose answer may be lost, the pull request is looked for first.
        fake.mount(none_open(&branch));
        if fault.recovers {
            fake.mount(
                create_match(json!({
                    "head": branch,
                    "base": "main",
                    "title": "Revert \"Add notes\"",
                    "body": format!("This reverts:\n\n- {head} Add notes"),
                }))
                .respond_with(created("60", "Revert \"Add notes\"", &branch))
                .expect(1),
            );
        }
        let timeout = if fault.name == "slow server" {
            "0.5"
        } else {
            "10"
        };
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--json"])
            .env("GITEA_TOKEN", TOKEN)
            .env("FASTREVERT_HTTP_TIMEOUT", timeout)
            .output()
            .unwrap();
        assert_no_token(&out);
        if fault.recovers {
            assert_eq!(code(&out), 0, "{}: {}", fault.name, stderr(&out));
            assert_eq!(json(&out)["pull_request"]["number"], 60, "{}", fault.name);
        } else {
            assert_eq!(code(&out), 1, "{}: {}", fault.name, stderr(&out));
            let msg = json(&out)["error"]["message"].as_str().unwrap().to_string();
            assert!(
                msg.contains(&format!("branch {branch} pushed, pull request not opened")),
                "{}: {msg}",
                fault.name
            );
            assert!(msg.contains(fault.says), "{}: {msg}", fault.name);
            assert!(
                stderr(&out).contains(&format!("/acme/shop/compare/main...{branch}")),
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

/// A timeout after Gitea opened the pull request: the next attempt finds it, none is opened
/// twice.
#[test]
fn gitea_lost_answer_is_looked_up_before_a_retry() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "gitea");
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls")))
            .respond_with(reply(201, "{}".into()).set_delay(Duration::from_secs(3)))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/main/{branch}")))
            .and(auth())
            .respond_with(reply(
                200,
                pull("61", "Revert \"Add notes\"", &branch, json!({})),
            ))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("GITEA_TOKEN", TOKEN)
        .env("FASTREVERT_HTTP_TIMEOUT", "0.5")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 61);
    assert_eq!(fake.count_method("POST"), 1);
    fake.verify();
}

/// In Gitea or Forgejo Actions (GitHub's variables, the API at `/api/v1`), the job's token and
/// the instance come from the environment: nothing to configure.
#[test]
fn gitea_and_forgejo_actions_use_the_job_token_and_the_instance() {
    for (runner, kind) in [("GITEA_ACTIONS", "Gitea"), ("FORGEJO_ACTIONS", "Forgejo")] {
        let env = Env::new();
        let fake = Fake::start();
        let (work, _remote) = env.cloned();
        let head = env.rev(&work, "HEAD");
        let branch = format!("revert-{}", &head[..7]);
        fake.mount(
            Mock::given(method("POST"))
                .and(path(format!("{REPO}/pulls")))
                .and(header(
                    "authorization",
                    format!("token {JOB_TOKEN}").as_str(),
                ))
                .respond_with(created("70", "Revert \"Add notes\"", &branch))
                .expect(1),
        );
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--json"])
            .env("GITHUB_ACTIONS", "true")
            .env(runner, "true")
            .env("GITHUB_API_URL", format!("{}/api/v1", fake.uri()))
            .env("GITHUB_SERVER_URL", fake.uri())
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_TOKEN", JOB_TOKEN)
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{kind}: {}", stderr(&out));
        assert_eq!(json(&out)["pull_request"]["number"], 70, "{kind}");
        assert_no_token(&out);
        fake.verify();
        // The plan names the forge.
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--dry-run", "--json"])
            .env("GITHUB_ACTIONS", "true")
            .env(runner, "true")
            .env("GITHUB_API_URL", format!("{}/api/v1", fake.uri()))
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_TOKEN", JOB_TOKEN)
            .output()
            .unwrap();
        assert_eq!(json(&out)["pull_request_plan"]["forge"], kind, "{kind}");
    }
}

#[test]
fn gitea_dry_run_names_the_pull_request_it_would_open() {
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "forgejo");
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
    assert_eq!(plan["forge"], "Forgejo");
    assert_eq!(plan["repository"], "acme/shop");
    assert_eq!(plan["title"], "WIP: Revert \"Add notes\"");
    let out = env.run(&work, &["revert", "HEAD", "--dry-run"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        text.contains("No pull request would be opened: no Forgejo token; set FORGEJO_TOKEN"),
        "{text}"
    );
    assert_eq!(fake.count(), 0, "a dry run asks the forge nothing");
}

/// The revert picker lists the pull requests merged into the base; picking one reverts it.
#[test]
fn the_picker_offers_recently_merged_gitea_pull_requests() {
    use git_fastrevert::ui::prompt::{Answer, Scripted};
    let env = Env::new();
    let fake = Fake::start();
    let work = gitea(&env, &fake, "gitea");
    env.git(&work, &["config", "user.name", "Test User"]);
    env.git(&work, &["config", "user.email", "test@example.com"]);
    // In-process: the token comes from this process's environment.
    std::env::set_var("GITEA_TOKEN", TOKEN);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let pr = merged("7", "Add feature", "feature", &merge);
    let other_base = pull(
        "6",
        "Into a release branch",
        "fix",
        json!({"state": "closed", "merged": true, "base": {"ref": "release", "sha": merge}}),
    );
    let unmerged = pull("5", "Closed unmerged", "nope", json!({"state": "closed"}));
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls")))
            .and(query_param("state", "closed"))
            .and(auth())
            .respond_with(reply(200, format!("[{pr},{other_base},{unmerged}]")))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(reply(200, pr.clone()))
            .expect(2),
    );
    fake.mount(
        create_match(json!({
            "head": "revert-7-feature",
            "base": "main",
            "title": "Revert \"Add feature\"",
            "body": "Reverts acme/shop#7",
        }))
        .respond_with(created("71", "Revert \"Add feature\"", "revert-7-feature"))
        .expect(1),
    );
    fake.mount(
        comment(
            "7",
            &format!(
                "This pull request is reverted in #71 ({}), branch `revert-7-feature`.",
                pr_url("71")
            ),
        )
        .expect(1),
    );
    let prompter = Scripted::new(vec![
        Answer::Pick("PR #7".into()),
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
    std::env::remove_var("GITEA_TOKEN");
    let outcome = outcome.unwrap();
    assert_eq!(outcome.json()["reverted"], json!([merge]));
    assert_eq!(outcome.json()["pull_request"]["number"], 71);
    fake.verify();
}
