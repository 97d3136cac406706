//! Pull requests against a local fake Azure DevOps answering with the bodies of its REST 7.1
//! examples (`fixtures/forge/azure-devops/`): every request matched by method, path (project
//! and repository by name, percent-encoded), `api-version`, credential and JSON body.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};
use crate::forge::{fixture, reply, squash_and_rebase, Merged};

const PAT: &str = "azdo-s3cret-pat-value";
const PIPELINE_TOKEN: &str = "pipeline-s3cret-t0ken";
const REPO: &str = "/Web%20Shop/_apis/git/repositories/shop";

/// `Authorization: Basic base64(":PAT")`: a personal access token with an empty user.
fn basic() -> wiremock::matchers::HeaderExactMatcher {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!(":{PAT}"));
    header("authorization", format!("Basic {encoded}").as_str())
}

/// A clone whose pull requests go to the fake organization.
fn azure(env: &Env, fake: &Fake) -> PathBuf {
    let (work, _remote) = env.cloned();
    env.point_at_forge(&work, "azure-devops", "Web Shop/shop", &fake.uri());
    work
}

fn run(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir)
        .args(args)
        .env("AZURE_DEVOPS_TOKEN", PAT)
        .output()
        .unwrap()
}

fn assert_no_token(out: &std::process::Output) {
    crate::common::assert_no_secret(out, &[PAT, PIPELINE_TOKEN]);
}

fn pr_url(fake: &Fake, n: &str) -> String {
    format!("{}/Web%20Shop/_git/shop/pullrequest/{n}", fake.uri())
}

fn completed(n: &str, title: &str, source: &str, merge: &str, strategy: &str) -> String {
    fixture(
        "azure-devops/pull-request.json",
        &[
            ("ID", n),
            ("STATUS", "completed"),
            ("TITLE", title),
            ("SOURCE", source),
            ("SOURCE_SHA", "ae875f124fe5c625664fae12af26cc294ed1575f"),
            ("MERGE_SHA", merge),
            ("STRATEGY", strategy),
        ],
    )
}

fn created(n: &str, title: &str, source: &str) -> ResponseTemplate {
    reply(
        201,
        fixture(
            "azure-devops/pull-request-created.json",
            &[("ID", n), ("TITLE", title), ("SOURCE", source)],
        ),
    )
}

fn create_match(body: Value) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/pullrequests")))
        .and(query_param("api-version", "7.1"))
        .and(basic())
        .and(body_json(body))
}

fn thread(n: &str, content: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/pullRequests/{n}/threads")))
        .and(query_param("api-version", "7.1"))
        .and(basic())
        .and(body_json(json!({
            "comments": [{"parentCommentId": 0, "content": content, "commentType": 1}],
            "status": 1,
        })))
        .respond_with(reply(
            200,
            fixture("azure-devops/thread-created.json", &[("CONTENT", content)]),
        ))
}

fn identity(name: &str, id: Option<&str>) -> Mock {
    let body = match id {
        Some(id) => fixture(
            "azure-devops/identities.json",
            &[("ID", id), ("NAME", name)],
        ),
        None => r#"{"count":0,"value":[]}"#.to_string(),
    };
    Mock::given(method("GET"))
        .and(path("/_apis/identities"))
        .and(query_param("searchFilter", "General"))
        .and(query_param("filterValue", name))
        .and(basic())
        .respond_with(reply(200, body))
}

#[test]
fn azure_devops_revert_opens_a_draft_pull_request_with_labels_and_reviewers() {
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let alice = "d6245f20-2af8-44f4-9451-8107cb2767db";
    fake.mount(identity("alice@example.com", Some(alice)).expect(1));
    fake.mount(identity("ghost", None).expect(1));
    fake.mount(
        create_match(json!({
            "sourceRefName": format!("refs/heads/{branch}"),
            "targetRefName": "refs/heads/main",
            "title": "Revert \"Add notes\"",
            "description": format!("This reverts:\n\n- {head} Add notes"),
            "isDraft": true,
            "labels": [{"name": "incident"}],
            "reviewers": [{"id": alice}],
        }))
        .respond_with(created("22", "Revert \"Add notes\"", &branch))
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
            "--reviewer",
            "alice@example.com",
            "--reviewer",
            "ghost",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 22);
    assert_eq!(j["pull_request"]["url"], pr_url(&fake, "22"));
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("reviewer ghost is not an Azure DevOps identity"),
        "{warnings}"
    );
    assert_no_token(&out);
    fake.verify();

    // Said to a person in Azure DevOps' words.
    fake.reset();
    let head2 = env.commit(&work, &[("docs/more.txt", "more\n")], "Add more");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let branch2 = format!("revert-{}", &head2[..7]);
    fake.mount(
        create_match(json!({
            "sourceRefName": format!("refs/heads/{branch2}"),
            "targetRefName": "refs/heads/main",
            "title": "Revert \"Add more\"",
            "description": format!("This reverts:\n\n- {head2} Add more"),
            "isDraft": false,
        }))
        .respond_with(created("23", "Revert \"Add more\"", &branch2))
        .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        all.contains(&format!("Pull request !23 opened: {}", pr_url(&fake, "23"))),
        "{all}"
    );
    fake.verify();
}

#[test]
fn azure_devops_existing_pull_request_is_reported_not_duplicated() {
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pullrequests")))
            .respond_with(reply(
                409,
                fixture("azure-devops/pull-request-exists-409.json", &[]),
            ))
            .expect(1),
    );
    let active = fixture(
        "azure-devops/pull-request-created.json",
        &[
            ("ID", "19"),
            ("TITLE", "Revert \"Add notes\""),
            ("SOURCE", &branch),
        ],
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests")))
            .and(query_param(
                "searchCriteria.sourceRefName",
                format!("refs/heads/{branch}").as_str(),
            ))
            .and(query_param(
                "searchCriteria.targetRefName",
                "refs/heads/main",
            ))
            .and(query_param("searchCriteria.status", "active"))
            .and(query_param("api-version", "7.1"))
            .and(basic())
            .respond_with(reply(200, format!(r#"{{"value":[{active}],"count":1}}"#)))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 19);
    assert_eq!(j["pull_request"]["existing"], true);
    fake.verify();
}

/// Merge (no fast-forward), squash, rebase and semi-linear (rebase then merge) completions,
/// each reverted whole, with a comment thread on the original.
#[test]
fn azure_devops_pr_reverts_each_merge_strategy_with_a_comment_thread() {
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let Merged {
        squash,
        part1,
        part2,
        rebased,
        ..
    } = squash_and_rebase(&env, &work, None);
    let get = |n: &str, body: String| {
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests/{n}")))
            .and(query_param("api-version", "7.1"))
            .and(basic())
            .respond_with(reply(200, body))
            .expect(1)
    };
    let revert_pr = |n: &str, title: &str, branch: &str, reverted: &str| {
        create_match(json!({
            "sourceRefName": format!("refs/heads/{branch}"),
            "targetRefName": "refs/heads/main",
            "title": title,
            "description": format!("Reverts !{reverted}"),
            "isDraft": false,
        }))
        .respond_with(created(n, title, branch))
        .expect(1)
    };
    let said = |n: &str, branch: &str| {
        format!(
            "This pull request is reverted in !{n} ({}), branch `{branch}`.",
            pr_url(&fake, n)
        )
    };

    for (n, strategy) in [("7", "noFastForward"), ("17", "rebaseMerge")] {
        fake.reset();
        fake.mount(get(
            n,
            completed(n, "Add feature", "feature", &merge, strategy),
        ));
        let branch = format!("revert-{n}-feature");
        fake.mount(revert_pr("50", "Revert \"Add feature\"", &branch, n));
        fake.mount(thread(n, &said("50", &branch)).expect(1));
        let out = run(&env, &work, &["revert", "--pr", n, "--json"]);
        assert_eq!(code(&out), 0, "{strategy}: {}", stderr(&out));
        assert_eq!(json(&out)["reverted"], json!([merge]), "{strategy}");
        assert_no_token(&out);
        fake.verify();
    }

    fake.reset();
    fake.mount(get(
        "8",
        completed("8", "Add coupons", "coupons", &squash, "squash"),
    ));
    fake.mount(revert_pr(
        "51",
        "Revert \"Add coupons\"",
        "revert-8-coupons",
        "8",
    ));
    fake.mount(thread("8", &said("51", "revert-8-coupons")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "8", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
    fake.verify();

    // Rebase and fast-forward: the request's commits (newest first, as Azure lists them) found
    // on the base by their changes.
    fake.reset();
    fake.mount(get(
        "9",
        completed("9", "Rebased work", "rebased", &part2, "rebase"),
    ));
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullRequests/9/commits")))
            .and(query_param("api-version", "7.1"))
            .and(basic())
            .respond_with(reply(
                200,
                fixture(
                    "azure-devops/pull-request-commits.json",
                    &[
                        ("SHA2", &rebased[1]),
                        ("MESSAGE2", "Rebased part 2"),
                        ("SHA1", &rebased[0]),
                        ("MESSAGE1", "Rebased part 1"),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(revert_pr(
        "52",
        "Revert \"Rebased work\"",
        "revert-9-rebased",
        "9",
    ));
    fake.mount(thread("9", &said("52", "revert-9-rebased")).expect(1));
    let out = run(&env, &work, &["revert", "--pr", "9", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([part2, part1]));
    fake.verify();

    // Active, not completed: refused.
    fake.reset();
    let active = fixture(
        "azure-devops/pull-request-created.json",
        &[("ID", "10"), ("TITLE", "Still open"), ("SOURCE", "wip")],
    );
    fake.mount(get("10", active));
    let out = run(&env, &work, &["revert", "--pr", "10", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let msg = json(&out)["error"]["message"].to_string();
    assert!(
        msg.contains("pull request !10 is not merged (it is active)"),
        "{msg}"
    );
    fake.verify();
}

#[test]
fn azure_devops_faults_are_retried_bounded_and_said() {
    let faults: Vec<(&str, Vec<ResponseTemplate>, bool, &str)> = vec![
        (
            "500 then success",
            vec![ResponseTemplate::new(500)],
            true,
            "",
        ),
        (
            "429 with Retry-After",
            vec![
                reply(429, fixture("azure-devops/rate-limited-429.json", &[]))
                    .insert_header("retry-after", "1"),
            ],
            true,
            "",
        ),
        (
            "429 with X-RateLimit-Reset",
            vec![
                reply(429, fixture("azure-devops/rate-limited-429.json", &[]))
                    .insert_header("x-ratelimit-remaining", "0")
                    .insert_header("x-ratelimit-reset", "1"),
            ],
            true,
            "",
        ),
        (
            "a token Azure does not take: its sign-in page",
            vec![ResponseTemplate::new(203).set_body_raw(
                "<html><title>Azure DevOps Services | Sign In</title></html>",
                "text/html",
            )],
            false,
            "answered with its sign-in page: the token was not accepted",
        ),
        (
            "502 forever",
            vec![ResponseTemplate::new(502); 4],
            false,
            "502 (4 attempts)",
        ),
    ];
    for (name, first, recovers, says) in faults {
        let env = Env::new();
        let fake = Fake::start();
        let work = azure(&env, &fake);
        let head = env.rev(&work, "HEAD");
        let branch = format!("revert-{}", &head[..7]);
        let attempts = first.len();
        for response in first {
            fake.mount(
                Mock::given(method("POST"))
                    .and(path(format!("{REPO}/pullrequests")))
                    .respond_with(response)
                    .up_to_n_times(1)
                    .expect(1),
            );
        }
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("{REPO}/pullrequests")))
                .and(query_param("searchCriteria.status", "active"))
                .respond_with(reply(200, r#"{"value":[],"count":0}"#.into())),
        );
        if recovers {
            fake.mount(
                create_match(json!({
                    "sourceRefName": format!("refs/heads/{branch}"),
                    "targetRefName": "refs/heads/main",
                    "title": "Revert \"Add notes\"",
                    "description": format!("This reverts:\n\n- {head} Add notes"),
                    "isDraft": false,
                }))
                .respond_with(created("60", "Revert \"Add notes\"", &branch))
                .expect(1),
            );
        }
        let out = run(&env, &work, &["revert", "HEAD", "--json"]);
        assert_no_token(&out);
        if recovers {
            assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
            assert_eq!(json(&out)["pull_request"]["number"], 60, "{name}");
        } else {
            assert_eq!(code(&out), 1, "{name}: {}", stderr(&out));
            let msg = json(&out)["error"]["message"].as_str().unwrap().to_string();
            assert!(
                msg.contains(&format!("branch {branch} pushed, pull request not opened")),
                "{name}: {msg}"
            );
            assert!(msg.contains(says), "{name}: {msg}");
            assert!(
                stderr(&out).contains("/Web%20Shop/_git/shop/pullrequestcreate?sourceRef="),
                "{name}: {}",
                stderr(&out)
            );
            assert_eq!(fake.count_method("POST"), attempts, "{name}: bounded");
        }
        fake.verify();
    }
}

/// In Azure Pipelines the organization, project, repository and token come from the
/// pipeline's variables; `SYSTEM_ACCESSTOKEN` goes as a Bearer token.
#[test]
fn azure_pipelines_use_the_pipeline_token_and_variables() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pullrequests")))
            .and(header(
                "authorization",
                format!("Bearer {PIPELINE_TOKEN}").as_str(),
            ))
            .respond_with(created("80", "Revert \"Add notes\"", &branch))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("TF_BUILD", "True")
        .env("SYSTEM_COLLECTIONURI", format!("{}/", fake.uri()))
        .env("SYSTEM_TEAMPROJECT", "Web Shop")
        .env("BUILD_REPOSITORY_NAME", "shop")
        .env("SYSTEM_ACCESSTOKEN", PIPELINE_TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 80);
    assert_eq!(json(&out)["pull_request"]["url"], pr_url(&fake, "80"));
    assert_no_token(&out);
    fake.verify();
}

#[test]
fn azure_devops_dry_run_names_the_pull_request_it_would_open() {
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    let out = run(
        &env,
        &work,
        &["revert", "HEAD", "--dry-run", "--draft", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan = &json(&out)["pull_request_plan"];
    assert_eq!(plan["open"], true, "{plan}");
    assert_eq!(plan["forge"], "Azure DevOps");
    assert_eq!(plan["repository"], "Web Shop/shop");
    assert_eq!(plan["draft"], true);
    assert_eq!(
        plan["title"], "Revert \"Add notes\"",
        "a draft flag, not a prefix"
    );
    let out = env.run(&work, &["revert", "HEAD", "--dry-run"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        text.contains(
            "No pull request would be opened: no Azure DevOps token; set AZURE_DEVOPS_TOKEN"
        ),
        "{text}"
    );
    assert_eq!(fake.count(), 0, "a dry run asks the forge nothing");
}

/// The picker lists completed pull requests into the base.
#[test]
fn the_picker_offers_recently_completed_azure_devops_pull_requests() {
    use git_fastrevert::ui::prompt::{Answer, Scripted};
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    env.git(&work, &["config", "user.name", "Test User"]);
    env.git(&work, &["config", "user.email", "test@example.com"]);
    std::env::set_var("AZURE_DEVOPS_TOKEN", PAT);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let pr = completed("7", "Add feature", "feature", &merge, "noFastForward");
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests")))
            .and(query_param("searchCriteria.status", "completed"))
            .and(query_param(
                "searchCriteria.targetRefName",
                "refs/heads/main",
            ))
            .and(basic())
            .respond_with(reply(200, format!(r#"{{"value":[{pr}],"count":1}}"#)))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests/7")))
            .respond_with(reply(200, pr.clone()))
            .expect(2),
    );
    fake.mount(
        create_match(json!({
            "sourceRefName": "refs/heads/revert-7-feature",
            "targetRefName": "refs/heads/main",
            "title": "Revert \"Add feature\"",
            "description": "Reverts !7",
            "isDraft": false,
        }))
        .respond_with(created("71", "Revert \"Add feature\"", "revert-7-feature"))
        .expect(1),
    );
    fake.mount(
        thread(
            "7",
            &format!(
                "This pull request is reverted in !71 ({}), branch `revert-7-feature`.",
                pr_url(&fake, "71")
            ),
        )
        .expect(1),
    );
    let prompter = Scripted::new(vec![
        Answer::Pick("PR !7".into()),
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
    std::env::remove_var("AZURE_DEVOPS_TOKEN");
    let outcome = outcome.unwrap();
    assert_eq!(outcome.json()["reverted"], json!([merge]));
    assert_eq!(outcome.json()["pull_request"]["number"], 71);
    fake.verify();
}

/// A timeout after Azure DevOps opened the pull request: the next attempt finds it active, and
/// none is opened twice.
#[test]
fn azure_devops_lost_answer_is_looked_up_before_a_retry() {
    let env = Env::new();
    let fake = Fake::start();
    let work = azure(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pullrequests")))
            .respond_with(reply(201, "{}".into()).set_delay(std::time::Duration::from_secs(3)))
            .expect(1),
    );
    let active = fixture(
        "azure-devops/pull-request-created.json",
        &[
            ("ID", "61"),
            ("TITLE", "Revert \"Add notes\""),
            ("SOURCE", &branch),
        ],
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests")))
            .and(query_param("searchCriteria.status", "active"))
            .and(basic())
            .respond_with(reply(200, format!(r#"{{"value":[{active}],"count":1}}"#)))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("AZURE_DEVOPS_TOKEN", PAT)
        .env("FASTREVERT_HTTP_TIMEOUT", "0.5")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 61);
    assert_eq!(
        json(&out)["pull_request"]["existing"],
        false,
        "this run opened it"
    );
    assert_eq!(fake.count_method("POST"), 1);
    fake.verify();
}
