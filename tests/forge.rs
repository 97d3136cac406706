//! Pull requests against local fake forge servers answering with the vendors' documented
//! bodies (`fixtures/forge/`); every request is matched by method, path, headers and body, and
//! counted.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};

const TOKEN: &str = "t0ken-s3cret-value";

/// A fixture with its `{{NAME}}` placeholders filled.
pub(crate) fn fixture(name: &str, vars: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/forge")
            .join(name),
    )
    .unwrap();
    for (k, v) in vars {
        // Values land inside JSON strings (or are bare numbers): escape them as JSON.
        let escaped = serde_json::to_string(v).unwrap();
        text = text.replace(&format!("{{{{{k}}}}}"), &escaped[1..escaped.len() - 1]);
    }
    assert!(
        !text.contains("{{"),
        "{name}: a placeholder is left: {text}"
    );
    text
}

pub(crate) fn reply(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

/// A clone whose pull requests go to the fake GitHub.
fn github(env: &Env, fake: &Fake) -> std::path::PathBuf {
    let (work, _remote) = env.cloned();
    env.point_at_forge(&work, "github", "acme/shop", &fake.uri());
    work
}

fn run(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir)
        .args(args)
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn assert_no_token(out: &std::process::Output) {
    crate::common::assert_no_secret(out, &[TOKEN]);
}

fn create_pr_match(title: &str, head: &str, body: &str, draft: bool) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(
            json!({"title": title, "head": head, "base": "main", "body": body, "draft": draft}),
        ))
}

fn create_pr_mock(title: &str, head: &str, body: &str, draft: bool, number: &str) -> Mock {
    create_pr_match(title, head, body, draft).respond_with(reply(
        201,
        fixture(
            "github/pull-created.json",
            &[("NUMBER", number), ("TITLE", title), ("HEAD_REF", head)],
        ),
    ))
}

#[test]
fn github_revert_opens_a_draft_pr_with_labels_and_reviewers() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let body = format!("This reverts:\n\n- {head} Add notes\n\nReason: notes break the build");
    fake.mount(create_pr_mock("Revert \"Add notes\"", &branch, &body, true, "42").expect(1));
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/42/labels"))
            .and(body_json(json!({"labels": ["incident", "revert"]})))
            .respond_with(reply(
                200,
                fixture("github/labels-added.json", &[("LABEL", "incident")]),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls/42/requested_reviewers"))
            .and(body_json(json!({"reviewers": ["alice"]})))
            .respond_with(reply(
                201,
                fixture(
                    "github/reviewers-requested.json",
                    &[("NUMBER", "42"), ("REVIEWER", "alice")],
                ),
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
            "revert",
            "--reviewer",
            "alice",
            "--reason",
            "notes break the build",
            "--json",
            "-v",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 42);
    assert_eq!(
        j["pull_request"]["url"],
        "https://github.com/acme/shop/pull/42"
    );
    assert_eq!(j["pull_request"]["existing"], false);
    assert_no_token(&out);
    fake.verify();
    assert_eq!(fake.count(), 3);
}

#[test]
fn github_rerun_finds_the_pushed_branch_and_the_open_pr() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let body = format!("This reverts:\n\n- {head} Add notes");
    // First run: the token is refused after the push.
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(reply(401, fixture("github/bad-credentials.json", &[])))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("branch {branch} pushed, pull request not opened")),
        "{err}"
    );
    assert!(err.contains("GITHUB_TOKEN"), "{err}");
    assert_no_token(&out);
    let pushed = env.rev(&env.path("remote.git"), &branch);
    fake.verify();

    // Second run: GitHub says the pull request exists (opened by hand meanwhile).
    fake.reset();
    fake.mount(
        create_pr_match("Revert \"Add notes\"", &branch, &body, false)
            .respond_with(reply(
                422,
                fixture(
                    "github/validation-already-exists.json",
                    &[("HEAD_REF", &branch)],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .and(query_param("state", "open"))
            .and(query_param("head", format!("acme:{branch}").as_str()))
            .and(query_param("base", "main"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pulls-list-open.json",
                    &[
                        ("NUMBER", "43"),
                        ("TITLE", "Revert \"Add notes\""),
                        ("HEAD_REF", &branch),
                    ],
                ),
            ))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["resumed"], true);
    assert_eq!(j["pull_request"]["number"], 43);
    assert_eq!(j["pull_request"]["existing"], true);
    assert_eq!(
        env.rev(&env.path("remote.git"), &branch),
        pushed,
        "no new commit, no force push"
    );
    fake.verify();
}

/// Commit a squash merge and a rebase merge on top of the clone, pushed.
/// Two merged pull requests on main: #8 squashed (its two commits, on no branch, are one commit
/// on main) and #9 rebased (its two commits are on main with new ids and the same changes).
/// Their own commits stay on the remote under `refs` (GitHub's `refs/pull/N/head`), when given,
/// as forges keep them. The local branches are gone, as after a merge.
pub(crate) struct Merged {
    pub squash: String,
    pub part1: String,
    pub part2: String,
    /// #8's commits and #9's, oldest first.
    pub coupons: [String; 2],
    pub rebased: [String; 2],
}

pub(crate) fn squash_and_rebase(env: &Env, work: &Path, refs: Option<(&str, &str)>) -> Merged {
    env.git(work, &["switch", "-q", "-c", "coupons"]);
    let c1 = env.commit(work, &[("squashed.txt", "part\n")], "WIP coupons");
    let c2 = env.commit(work, &[("squashed.txt", "all of it\n")], "Fix coupons");
    env.git(work, &["switch", "-q", "-c", "rebased", "main"]);
    let r1 = env.commit(work, &[("rebased1.txt", "one\n")], "Rebased part 1");
    let r2 = env.commit(work, &[("rebased2.txt", "two\n")], "Rebased part 2");
    env.git(work, &["switch", "-q", "main"]);
    let squash = env.commit(work, &[("squashed.txt", "all of it\n")], "Add coupons (#8)");
    env.git(work, &["cherry-pick", "--allow-empty", &r1, &r2]);
    let (part1, part2) = (env.rev(work, "HEAD~1"), env.rev(work, "HEAD"));
    assert_ne!(part2, r2, "rebased commits have new ids");
    env.git(work, &["push", "-q", "origin", "main"]);
    if let Some((coupons, rebased)) = refs {
        env.git(
            work,
            &[
                "push",
                "-q",
                "origin",
                &format!("coupons:{coupons}"),
                &format!("rebased:{rebased}"),
            ],
        );
    }
    env.git(work, &["branch", "-q", "-D", "coupons", "rebased"]);
    Merged {
        squash,
        part1,
        part2,
        coupons: [c1, c2],
        rebased: [r1, r2],
    }
}

#[test]
fn github_pr_reverts_merge_squash_and_rebase_merges_and_comments() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let Merged {
        squash,
        part1,
        part2,
        coupons,
        rebased,
    } = squash_and_rebase(&env, &work, Some(("refs/pull/8/head", "refs/pull/9/head")));
    let pr = |n: &str, title: &str, sha: &str, head_ref: &str| {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/pulls/{n}")))
            .respond_with(reply(
                200,
                fixture(
                    "github/pull-merged.json",
                    &[
                        ("NUMBER", n),
                        ("TITLE", title),
                        ("MERGE_SHA", sha),
                        ("HEAD_REF", head_ref),
                        ("HEAD_SHA", &feature),
                        ("COMMITS", "2"),
                    ],
                ),
            ))
            .expect(1)
    };
    let commits = |n: &str, m1: &str, s1: &str, m2: &str, s2: &str| {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/pulls/{n}/commits")))
            .and(query_param("per_page", "100"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pr-commits.json",
                    &[
                        ("SHA1", s1),
                        ("MESSAGE1", m1),
                        ("SHA2", s2),
                        ("MESSAGE2", m2),
                    ],
                ),
            ))
            .expect(1)
    };
    let comment = |n: &str, body: String| {
        Mock::given(method("POST"))
            .and(path(format!("/repos/acme/shop/issues/{n}/comments")))
            .and(body_json(json!({"body": body})))
            .respond_with(reply(
                201,
                fixture("github/comment-created.json", &[("NUMBER", n)]),
            ))
            .expect(1)
    };

    // A merge commit: reverted against parent 1, GitHub's branch name and title.
    fake.mount(pr("7", "Add feature", &merge, "feature"));
    fake.mount(
        create_pr_mock(
            "Revert \"Add feature\"",
            "revert-7-feature",
            "Reverts acme/shop#7",
            false,
            "50",
        )
        .expect(1),
    );
    fake.mount(comment("7", "This pull request is reverted in #50 (https://github.com/acme/shop/pull/50), branch `revert-7-feature`.".into()));
    let out = run(&env, &work, &["revert", "--pr", "7", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([merge]));
    assert_eq!(j["branch"], "revert-7-feature");
    let c = j["commits"][0].as_str().unwrap().to_string();
    assert!(env
        .git(&work, &["log", "-1", "--format=%B", &c])
        .contains("reversing\nchanges made to"));
    fake.verify();

    // A squash merge (PR commits are not on the base): the one commit as is.
    fake.reset();
    fake.mount(pr("8", "Add coupons", &squash, "coupons"));
    fake.mount(commits(
        "8",
        "WIP coupons",
        &coupons[0],
        "Fix coupons",
        &coupons[1],
    ));
    fake.mount(
        create_pr_mock(
            "Revert \"Add coupons\"",
            "revert-8-coupons",
            "Reverts acme/shop#8",
            false,
            "51",
        )
        .expect(1),
    );
    fake.mount(comment("8", "This pull request is reverted in #51 (https://github.com/acme/shop/pull/51), branch `revert-8-coupons`.".into()));
    let out = run(&env, &work, &["revert", "--pr", "8", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
    fake.verify();

    // A rebase merge: the whole range, newest first.
    fake.reset();
    fake.mount(pr("9", "Rebased work", &part2, "rebased"));
    fake.mount(commits(
        "9",
        "Rebased part 1",
        &rebased[0],
        "Rebased part 2",
        &rebased[1],
    ));
    fake.mount(
        create_pr_mock(
            "Revert \"Rebased work\"",
            "revert-9-rebased",
            "Reverts acme/shop#9",
            false,
            "52",
        )
        .expect(1),
    );
    fake.mount(comment("9", "This pull request is reverted in #52 (https://github.com/acme/shop/pull/52), branch `revert-9-rebased`.".into()));
    let out = run(&env, &work, &["revert", "--pr", "9", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([part2, part1]));
    assert_eq!(j["commits"].as_array().unwrap().len(), 2);
    fake.verify();
}

#[test]
fn github_pr_that_is_not_merged_is_refused() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/11"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pull-open.json",
                    &[
                        ("NUMBER", "11"),
                        ("TITLE", "Still open"),
                        ("HEAD_REF", "wip"),
                    ],
                ),
            ))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "--pr", "11", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(json(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not merged"));
    fake.verify();
}

#[test]
fn bitbucket_cloud_and_data_center_open_prs() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let body = format!("This reverts:\n\n- {head} Add notes");
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/acme/shop/pullrequests"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(body_json(json!({
                "title": "Revert \"Add notes\"",
                "description": body,
                "source": {"branch": {"name": branch}},
                "destination": {"branch": {"name": "main"}},
                "reviewers": [{"uuid": "{d301aafa-d676-4ee0-88be-962be7417567}"}],
                "draft": false,
                "close_source_branch": true,
            })))
            .respond_with(reply(
                201,
                fixture(
                    "bitbucket-cloud/pullrequest-created.json",
                    &[("NUMBER", "5"), ("TITLE", "Revert"), ("HEAD_REF", &branch)],
                ),
            ))
            .expect(1),
    );
    // The same run twice: the second finds the pull request the first opened.
    let revert_with_reviewer = || {
        env.fr(&work)
            .args([
                "revert",
                "HEAD",
                "--json",
                "--reviewer",
                "{d301aafa-d676-4ee0-88be-962be7417567}",
            ])
            .env("BITBUCKET_TOKEN", TOKEN)
            .env("BITBUCKET_API_URL", fake.uri())
            .output()
            .unwrap()
    };
    let out = revert_with_reviewer();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["pull_request"]["url"],
        "https://bitbucket.org/acme/shop/pull-requests/5"
    );
    fake.verify();

    // A re-run: Cloud answers the create with the pull request already open (200, not 201).
    fake.reset();
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/acme/shop/pullrequests"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(reply(
                200,
                fixture(
                    "bitbucket-cloud/pullrequest-created.json",
                    &[("NUMBER", "5"), ("TITLE", "Revert"), ("HEAD_REF", &branch)],
                ),
            ))
            .expect(1),
    );
    let out = revert_with_reviewer();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["resumed"], true);
    assert_eq!(j["pull_request"]["number"], 5);
    assert_eq!(j["pull_request"]["existing"], true);
    fake.verify();

    // Data Center: a duplicate is a 409 naming the pull request already open.
    fake.reset();
    env.git(
        &work,
        &["config", "fastrevert.forge", "bitbucket-datacenter"],
    );
    env.git(&work, &["config", "fastrevert.repo", "ACME/shop"]);
    env.git(
        &work,
        &[
            "config",
            "fastrevert.apiUrl",
            &format!("{}/rest/api/1.0", fake.uri()),
        ],
    );
    let repository = json!({"slug": "shop", "project": {"key": "ACME"}});
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/1.0/projects/ACME/repos/shop/pull-requests"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(body_json(json!({
                "title": "Revert \"Add notes\"",
                "description": body,
                "draft": false,
                "fromRef": {"id": format!("refs/heads/{branch}"), "repository": repository},
                "toRef": {"id": "refs/heads/main", "repository": repository},
                "reviewers": [],
            })))
            .respond_with(reply(
                409,
                fixture(
                    "bitbucket-datacenter/duplicate-409.json",
                    &[("NUMBER", "12"), ("TITLE", "Revert"), ("HEAD_REF", &branch)],
                ),
            ))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("BITBUCKET_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 12);
    assert_eq!(j["pull_request"]["existing"], true);
    assert_no_token(&out);
    fake.verify();
}

#[test]
fn bitbucket_cloud_reverts_a_squash_merged_pr() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    let Merged {
        squash, coupons, ..
    } = squash_and_rebase(&env, &work, None);
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/acme/shop/pullrequests/8"))
            .respond_with(reply(
                200,
                fixture(
                    "bitbucket-cloud/pullrequest-merged.json",
                    &[
                        ("NUMBER", "8"),
                        ("TITLE", "Add coupons"),
                        ("HEAD_REF", "coupons"),
                        ("HEAD_SHA", "aaaa"),
                        ("MERGE_SHA", &squash),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/acme/shop/pullrequests/8/commits"))
            .respond_with(reply(
                200,
                fixture(
                    "bitbucket-cloud/pullrequest-commits.json",
                    &[
                        ("SHA1", &coupons[0]),
                        ("MESSAGE1", "WIP"),
                        ("SHA2", &coupons[1]),
                        ("MESSAGE2", "More WIP"),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/acme/shop/pullrequests"))
            .respond_with(reply(
                201,
                fixture(
                    "bitbucket-cloud/pullrequest-created.json",
                    &[
                        ("NUMBER", "9"),
                        ("TITLE", "Revert"),
                        ("HEAD_REF", "revert-8-coupons"),
                    ],
                ),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/acme/shop/pullrequests/8/comments"))
            .and(body_json(json!({"content": {"raw": "This pull request is reverted in #9 (https://bitbucket.org/acme/shop/pull-requests/9), branch `revert-8-coupons`."}})))
            .respond_with(ResponseTemplate::new(201).set_body_raw("{\"id\": 1}", "application/json"))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "--pr", "8", "--json"])
        .env("BITBUCKET_TOKEN", TOKEN)
        .env("BITBUCKET_API_URL", fake.uri())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
    fake.verify();
}

/// Each fault ends with exit 1, an actionable message, the branch pushed, and a re-run that
/// finishes the job.
#[test]
fn faults_are_retried_bounded_and_recoverable() {
    struct Fault {
        name: &'static str,
        first: Vec<ResponseTemplate>,
        recovers_in_same_run: bool,
        expect_in_message: &'static str,
    }
    // Only the slow server needs a short timeout; elsewhere one would turn a busy test
    // machine's late answer into an extra, unexpected attempt.
    let timeout = |name: &str| if name == "slow server" { "0.5" } else { "10" };
    let faults = vec![
        Fault {
            name: "500 then success",
            first: vec![ResponseTemplate::new(500)],
            recovers_in_same_run: true,
            expect_in_message: "",
        },
        Fault {
            name: "403 rate limit with retry-after",
            first: vec![reply(403, fixture("github/rate-limited.json", &[]))
                .insert_header("retry-after", "1")],
            recovers_in_same_run: true,
            expect_in_message: "",
        },
        Fault {
            name: "502 forever",
            first: vec![ResponseTemplate::new(502); 4],
            recovers_in_same_run: false,
            expect_in_message: "502 (4 attempts)",
        },
        Fault {
            name: "slow server",
            first: vec![reply(201, "{}".into()).set_delay(Duration::from_secs(3)); 4],
            recovers_in_same_run: false,
            expect_in_message: "did not answer within",
        },
        Fault {
            name: "malformed JSON",
            first: vec![reply(201, "<html>oops".into())],
            recovers_in_same_run: false,
            expect_in_message: "not the JSON expected",
        },
        Fault {
            name: "401",
            first: vec![reply(401, fixture("github/bad-credentials.json", &[]))],
            recovers_in_same_run: false,
            expect_in_message: "Bad credentials",
        },
    ];
    for fault in faults {
        let env = Env::new();
        let fake = Fake::start();
        let work = github(&env, &fake);
        let head = env.rev(&work, "HEAD");
        let branch = format!("revert-{}", &head[..7]);
        let body = format!("This reverts:\n\n- {head} Add notes");
        let n = fault.first.len() as u64;
        for response in fault.first {
            fake.mount(
                Mock::given(method("POST"))
                    .and(path("/repos/acme/shop/pulls"))
                    .respond_with(response)
                    .up_to_n_times(1)
                    .expect(1),
            );
        }
        // After an attempt whose answer may have been lost, the pull request is looked for
        // before the next one; here it was not opened.
        fake.mount(
            Mock::given(method("GET"))
                .and(path("/repos/acme/shop/pulls"))
                .and(query_param("state", "open"))
                .respond_with(reply(200, "[]".into())),
        );
        let success = create_pr_mock("Revert \"Add notes\"", &branch, &body, false, "60");
        if fault.recovers_in_same_run {
            fake.mount(success.expect(1));
            let out = run(&env, &work, &["revert", "HEAD", "--json", "-v"]);
            assert_eq!(code(&out), 0, "{}: {}", fault.name, stderr(&out));
            assert_eq!(json(&out)["pull_request"]["number"], 60, "{}", fault.name);
            assert_no_token(&out);
            fake.verify();
            continue;
        }
        let out = env
            .fr(&work)
            .args(["revert", "HEAD", "--json", "-v"])
            .env("GITHUB_TOKEN", TOKEN)
            .env("FASTREVERT_HTTP_TIMEOUT", timeout(fault.name))
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{}: {}", fault.name, stderr(&out));
        let j = json(&out);
        let msg = j["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains(&format!("branch {branch} pushed, pull request not opened")),
            "{}: {msg}",
            fault.name
        );
        assert!(
            msg.contains(fault.expect_in_message),
            "{}: {msg}",
            fault.name
        );
        assert!(
            stderr(&out).contains("re-run the same command"),
            "{}",
            fault.name
        );
        assert_no_token(&out);
        assert!(
            env.git_output(&env.path("remote.git"), &["rev-parse", "--verify", &branch])
                .status
                .success(),
            "{}: branch not pushed",
            fault.name
        );
        assert_eq!(
            fake.count_method("POST") as u64,
            n,
            "{}: bounded attempts",
            fault.name
        );
        fake.verify();
        // The re-run finishes: one create, nothing pushed again.
        fake.reset();
        fake.mount(success.expect(1));
        let out = run(&env, &work, &["revert", "HEAD", "--json"]);
        assert_eq!(code(&out), 0, "{} re-run: {}", fault.name, stderr(&out));
        assert_eq!(json(&out)["pull_request"]["number"], 60);
        fake.verify();
    }
}

#[test]
fn a_token_is_never_sent_over_plain_http_to_another_host() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.point_at_forge(
        &work,
        "github",
        "acme/shop",
        "http://github.example.com/api/v3",
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let v: Value = json(&out);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("plain http://"),
        "{v}"
    );
    assert_no_token(&out);
}

/// The revert picker lists the pull requests merged into the base; picking one reverts it.
#[test]
fn the_picker_offers_recently_merged_pull_requests() {
    use git_fastrevert::ui::prompt::{Answer, Scripted};
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    // In-process: identity from the repository, token from this process's environment (the
    // binaries other tests run get an environment without it).
    env.git(&work, &["config", "user.name", "Test User"]);
    env.git(&work, &["config", "user.email", "test@example.com"]);
    std::env::set_var("GITHUB_TOKEN", TOKEN);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let merged = json!([{
        "number": 7, "title": "Add feature", "state": "closed", "merged_at": "2026-01-01T00:00:00Z",
        "merge_commit_sha": merge, "head": {"ref": "feature"}, "base": {"ref": "main"},
        "html_url": "https://github.com/acme/shop/pull/7"
    }, {
        "number": 6, "title": "Closed without merging", "state": "closed", "merged_at": null,
        "head": {"ref": "nope"}, "base": {"ref": "main"}, "html_url": "https://github.com/acme/shop/pull/6"
    }]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .and(query_param("state", "closed"))
            .and(query_param("base", "main"))
            .respond_with(ResponseTemplate::new(200).set_body_json(merged))
            .expect(1),
    );
    let feature = env.rev(&work, &format!("{merge}^2"));
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pull-merged.json",
                    &[
                        ("NUMBER", "7"),
                        ("TITLE", "Add feature"),
                        ("MERGE_SHA", &merge),
                        ("HEAD_REF", "feature"),
                        ("HEAD_SHA", &feature),
                        ("COMMITS", "1"),
                    ],
                ),
            ))
            .expect(2), // the plan (a dry run), then the run
    );
    fake.mount(
        create_pr_mock(
            "Revert \"Add feature\"",
            "revert-7-feature",
            "Reverts acme/shop#7",
            false,
            "70",
        )
        .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .respond_with(reply(
                201,
                fixture("github/comment-created.json", &[("NUMBER", "7")]),
            ))
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
    let outcome = git_fastrevert::flow::menu::revert(&global, &ui, Default::default()).unwrap();
    assert_eq!(outcome.json()["reverted"], json!([merge]));
    assert_eq!(outcome.json()["pull_request"]["number"], 70);
    fake.verify();
}

/// A create request and a comment that time out after the server acted: the retry looks first,
/// finds them, and sends neither again.
#[test]
fn a_create_or_comment_whose_answer_is_lost_is_found_not_repeated() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pull-merged.json",
                    &[
                        ("NUMBER", "7"),
                        ("TITLE", "Add feature"),
                        ("MERGE_SHA", &merge),
                        ("HEAD_REF", "feature"),
                        ("HEAD_SHA", &feature),
                        ("COMMITS", "1"),
                    ],
                ),
            ))
            .expect(1),
    );
    let slow = Duration::from_secs(3);
    let title = "Revert \"Add feature\"";
    fake.mount(
        create_pr_match(title, "revert-7-feature", "Reverts acme/shop#7", false)
            .respond_with(
                reply(
                    201,
                    fixture(
                        "github/pull-created.json",
                        &[
                            ("NUMBER", "50"),
                            ("TITLE", title),
                            ("HEAD_REF", "revert-7-feature"),
                        ],
                    ),
                )
                .set_delay(slow),
            )
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .and(query_param("state", "open"))
            .and(query_param("head", "acme:revert-7-feature"))
            .and(query_param("base", "main"))
            .respond_with(reply(
                200,
                fixture(
                    "github/pulls-list-open.json",
                    &[
                        ("NUMBER", "50"),
                        ("TITLE", title),
                        ("HEAD_REF", "revert-7-feature"),
                    ],
                ),
            ))
            .expect(1),
    );
    let note = "This pull request is reverted in #50 (https://github.com/acme/shop/pull/50), branch `revert-7-feature`.";
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .and(body_json(json!({"body": note})))
            .respond_with(
                reply(
                    201,
                    fixture("github/comment-created.json", &[("NUMBER", "7")]),
                )
                .set_delay(slow),
            )
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .respond_with(reply(
                200,
                fixture(
                    "github/issue-comments.json",
                    &[("NUMBER", "7"), ("BODY", note)],
                ),
            ))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "--pr", "7", "--json", "-v"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("FASTREVERT_HTTP_TIMEOUT", "0.5")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 50);
    assert!(
        j["warnings"].as_array().unwrap().is_empty(),
        "{}",
        j["warnings"]
    );
    assert!(
        stderr(&out).contains("looking whether the last attempt went through"),
        "{}",
        stderr(&out)
    );
    assert_no_token(&out);
    // Exactly one pull request and one comment were asked for.
    assert_eq!(fake.count_method("POST"), 2);
    fake.verify();
}

/// Bitbucket lists a pull request's commits newest first: the range reverted follows the commit
/// graph, so a rebase-merged or fast-forwarded pull request is reverted whole, not only its
/// last commit.
#[test]
fn bitbucket_pr_commit_ranges_follow_the_graph_not_the_list_order() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let Merged {
        part1,
        part2,
        rebased,
        ..
    } = squash_and_rebase(&env, &work, None);
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    // Rebased: other ids, same subjects. Fast-forwarded: the very ids.
    // Rebased: the request's own commits (here in the clone) have other ids and the same
    // changes as the ones on main. Fast-forwarded: the very ids. Commits that are nowhere here
    // (and Bitbucket Cloud keeps no ref to fetch them by): which commits landed cannot be
    // told, so nothing is reverted.
    for (case, sha1, sha2) in [
        ("rebase", rebased[0].as_str(), rebased[1].as_str()),
        ("fast-forward", part1.as_str(), part2.as_str()),
        (
            "unknown",
            "1111111111111111111111111111111111111111",
            "2222222222222222222222222222222222222222",
        ),
    ] {
        let fake = Fake::start();
        fake.mount(
            Mock::given(method("GET"))
                .and(path("/repositories/acme/shop/pullrequests/9"))
                .respond_with(reply(
                    200,
                    fixture(
                        "bitbucket-cloud/pullrequest-merged.json",
                        &[
                            ("NUMBER", "9"),
                            ("TITLE", "Rebased parts"),
                            ("HEAD_REF", "parts"),
                            ("HEAD_SHA", sha2),
                            ("MERGE_SHA", &part2),
                        ],
                    ),
                ))
                .expect(1),
        );
        fake.mount(
            Mock::given(method("GET"))
                .and(path("/repositories/acme/shop/pullrequests/9/commits"))
                .respond_with(reply(
                    200,
                    fixture(
                        "bitbucket-cloud/pullrequest-commits.json",
                        &[
                            ("SHA1", sha1),
                            ("MESSAGE1", "Rebased part 1"),
                            ("SHA2", sha2),
                            ("MESSAGE2", "Rebased part 2"),
                        ],
                    ),
                ))
                .expect(1),
        );
        let out = env
            .fr(&work)
            .args(["revert", "--pr", "9", "--no-push", "--dry-run", "--json"])
            .env("BITBUCKET_TOKEN", TOKEN)
            .env("BITBUCKET_API_URL", fake.uri())
            .output()
            .unwrap();
        if case == "unknown" {
            assert_eq!(code(&out), 2, "{case}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("revert <first commit>^.."),
                "{}",
                stderr(&out)
            );
        } else {
            assert_eq!(code(&out), 0, "{case}: {}", stderr(&out));
            assert_eq!(json(&out)["reverted"], json!([part2, part1]), "{case}");
        }
        fake.verify();
    }
}

/// `--reviewer org/team` asks for a team review (by the team's slug); a user stays a user.
#[test]
fn github_team_reviewers_go_to_team_reviewers() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let body = format!("This reverts:\n\n- {head} Add notes");
    fake.mount(create_pr_mock("Revert \"Add notes\"", &branch, &body, false, "44").expect(1));
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls/44/requested_reviewers"))
            .and(body_json(
                json!({"reviewers": ["alice"], "team_reviewers": ["sre-oncall"]}),
            ))
            .respond_with(reply(
                201,
                fixture(
                    "github/reviewers-requested.json",
                    &[("NUMBER", "44"), ("REVIEWER", "alice")],
                ),
            ))
            .expect(1),
    );
    let out = run(
        &env,
        &work,
        &[
            "revert",
            "HEAD",
            "--reviewer",
            "alice",
            "--reviewer",
            "acme/sre-oncall",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["warnings"], json!([]));
    fake.verify();
}

/// A renamed repository answers reads with 301 to its new address: followed on the same API
/// host, never to another one (the token stays where it belongs).
#[test]
fn github_redirects_for_a_renamed_repository_are_followed_on_the_same_host_only() {
    let env = Env::new();
    let fake = Fake::start();
    let work = github(&env, &fake);
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let feature = env.rev(&work, &format!("{merge}^2"));
    let moved = format!("{}/repositories/4242/pulls/7", fake.uri());
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(
                reply(
                    301,
                    fixture("github/moved-permanently.json", &[("LOCATION", &moved)]),
                )
                .insert_header("location", moved.as_str()),
            )
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/4242/pulls/7"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(reply(
                200,
                fixture(
                    "github/pull-merged.json",
                    &[
                        ("NUMBER", "7"),
                        ("TITLE", "Add feature"),
                        ("MERGE_SHA", &merge),
                        ("HEAD_REF", "feature"),
                        ("HEAD_SHA", &feature),
                        ("COMMITS", "1"),
                    ],
                ),
            ))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "--pr", "7", "--dry-run", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([merge]));
    fake.verify();

    // Elsewhere: refused, and the other host never sees the token.
    let other = Fake::start();
    other.mount(
        Mock::given(method("GET"))
            .respond_with(reply(200, "{}".into()))
            .expect(0),
    );
    fake.reset();
    let away = format!("{}/repos/evil/shop/pulls/7", other.uri());
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(
                reply(
                    301,
                    fixture("github/moved-permanently.json", &[("LOCATION", &away)]),
                )
                .insert_header("location", away.as_str()),
            ),
    );
    let out = run(&env, &work, &["revert", "--pr", "7", "--dry-run", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let msg = json(&out)["error"]["message"].to_string();
    assert!(msg.contains("not followed"), "{msg}");
    assert_eq!(other.count(), 0, "the other host was asked");
    assert_no_token(&out);
}

/// Bitbucket refuses a whole pull request for one reviewer it will not take: it is opened
/// without reviewers and the warning says which were not added.
#[test]
fn bitbucket_reviewers_that_cannot_be_added_are_a_warning() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let description = format!("This reverts:\n\n- {head} Add notes");
    let create = |reviewers: Value| {
        Mock::given(method("POST"))
            .and(path("/repositories/acme/shop/pullrequests"))
            .and(body_json(json!({
                "title": "Revert \"Add notes\"",
                "description": description,
                "source": {"branch": {"name": branch}},
                "destination": {"branch": {"name": "main"}},
                "reviewers": reviewers,
                "draft": false,
                "close_source_branch": true,
            })))
    };
    fake.mount(
        create(json!([{"account_id": "557058:jdoe"}]))
            .respond_with(reply(
                400,
                fixture("bitbucket-cloud/reviewer-refused-400.json", &[]),
            ))
            .expect(1),
    );
    fake.mount(
        create(json!([]))
            .respond_with(reply(
                201,
                fixture(
                    "bitbucket-cloud/pullrequest-created.json",
                    &[("NUMBER", "8"), ("TITLE", "Revert"), ("HEAD_REF", &branch)],
                ),
            ))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json", "--reviewer", "557058:jdoe"])
        .env("BITBUCKET_TOKEN", TOKEN)
        .env("BITBUCKET_API_URL", fake.uri())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 8);
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("reviewers 557058:jdoe were not added: Jane Doe is the author"),
        "{warnings}"
    );
    fake.verify();
}

/// Data Center finds open pull requests by source branch only: one into another target branch
/// is not this run's, so it is neither reported nor reused.
#[test]
fn bitbucket_data_center_open_pr_lookup_checks_the_target_branch() {
    let env = Env::new();
    let fake = Fake::start();
    let (work, _remote) = env.cloned();
    env.git(
        &work,
        &["config", "fastrevert.forge", "bitbucket-datacenter"],
    );
    env.git(&work, &["config", "fastrevert.repo", "ACME/shop"]);
    env.git(
        &work,
        &[
            "config",
            "fastrevert.apiUrl",
            &format!("{}/rest/api/1.0", fake.uri()),
        ],
    );
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    let created = fixture(
        "bitbucket-datacenter/pull-request-created.json",
        &[("NUMBER", "21"), ("TITLE", "Revert"), ("HEAD_REF", &branch)],
    );
    // The same source branch, open into `release`.
    let mut elsewhere: Value = serde_json::from_str(&created).unwrap();
    elsewhere["id"] = json!(20);
    elsewhere["toRef"]["id"] = json!("refs/heads/release");
    elsewhere["toRef"]["displayId"] = json!("release");
    let pulls = "/rest/api/1.0/projects/ACME/repos/shop/pull-requests";
    // The first create's answer is lost (a 502): the lookup runs before the retry.
    fake.mount(
        Mock::given(method("POST"))
            .and(path(pulls))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(1)
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(pulls))
            .and(query_param("at", format!("refs/heads/{branch}").as_str()))
            .respond_with(reply(
                200,
                json!({"size": 1, "limit": 25, "isLastPage": true, "start": 0, "values": [elsewhere]})
                    .to_string(),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(pulls))
            .respond_with(reply(201, created))
            .expect(1),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--json"])
        .env("BITBUCKET_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 21);
    assert_eq!(j["pull_request"]["existing"], false);
    fake.verify();
}
