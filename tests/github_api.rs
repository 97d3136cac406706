//! GitHub's REST and GraphQL facts the tool must get right, against a fake GitHub: ref names
//! in paths, answers that are lost, GitHub Enterprise's GraphQL address, redirects of a renamed
//! repository, long comment lists, reviewers GitHub refuses, and the media type it documents.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};

const TOKEN: &str = "ghs_t0ken-s3cret";

fn ok(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// A clone whose requests go to the fake GitHub at `api`.
fn clone_for(env: &Env, api: &str) -> std::path::PathBuf {
    let (work, _remote) = env.cloned();
    env.point_at_forge(&work, "github", "acme/shop", api);
    work
}

fn run(env: &Env, work: &std::path::Path, args: &[&str]) -> std::process::Output {
    env.fr(work)
        .args(args)
        .env("GITHUB_TOKEN", TOKEN)
        .env("FASTREVERT_HTTP_TIMEOUT", "0.5")
        .output()
        .unwrap()
}

/// `--sign-with-github --branch 'hot#fix'` whose commit GitHub refuses: the empty branch it
/// made is deleted by its own name, percent-encoded, never a branch `hot`.
#[test]
fn a_branch_name_with_a_hash_is_encoded_in_every_ref_path() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &fake.uri());
    let base = env.rev(&work, "main");
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/git/refs"))
            .and(body_json(json!({"ref": "refs/heads/hot#fix", "sha": base})))
            .respond_with(ok(
                201,
                json!({"ref": "refs/heads/hot#fix", "object": {"sha": base}}),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(ok(
                200,
                json!({"errors": [{"message": "A path is protected"}]}),
            )),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/git/ref/heads/hot%23fix"))
            .respond_with(ok(
                200,
                json!({"ref": "refs/heads/hot#fix", "object": {"sha": base}}),
            )),
    );
    fake.mount(
        Mock::given(method("DELETE"))
            .and(path("/repos/acme/shop/git/refs/heads/hot%23fix"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("DELETE"))
            .and(path("/repos/acme/shop/git/refs/heads/hot"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0),
    );
    let out = run(
        &env,
        &work,
        &[
            "revert",
            "HEAD",
            "--sign-with-github",
            "--branch",
            "hot#fix",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("was deleted"), "{}", stderr(&out));
    fake.verify();
}

/// Answers lost after GitHub acted (the branch made, the commit made) are looked up before
/// anything is sent again: one branch, one commit, and no false "already exists".
#[test]
fn lost_answers_on_refs_and_graphql_are_looked_up_not_repeated() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &fake.uri());
    let base = env.rev(&work, "main");
    let branch = format!("revert-{}", &base[..7]);
    let tree = env.rev(&work, "HEAD~1^{tree}");
    let made = "1111111111111111111111111111111111111111";
    let slow = Duration::from_secs(3);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/git/refs"))
            .respond_with(ok(201, json!({"object": {"sha": base}})).set_delay(slow))
            .expect(1),
    );
    // The branch is at the base until the commit's answer is lost, then at the commit.
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/git/ref/heads/{branch}")))
            .respond_with(ok(200, json!({"object": {"sha": base}})))
            .up_to_n_times(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/git/ref/heads/{branch}")))
            .respond_with(ok(200, json!({"object": {"sha": made}}))),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(
                ok(200, json!({"data": {"createCommitOnBranch": {"commit": {"oid": made, "tree": {"oid": tree}}}}}))
                    .set_delay(slow),
            )
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/git/commits/{made}")))
            .respond_with(ok(
                200,
                json!({"sha": made, "tree": {"sha": tree}, "parents": [{"sha": base}]}),
            )),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ok(
                201,
                json!({"number": 70, "html_url": "https://github.com/acme/shop/pull/70"}),
            ))
            .expect(1),
    );
    let out = run(
        &env,
        &work,
        &["revert", "HEAD", "--sign-with-github", "--json", "-v"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["pull_request"]["number"], 70, "{j}");
    assert_eq!(j["signed"], true, "{j}");
    let said = stderr(&out);
    assert_eq!(
        said.matches("looking whether the last attempt went through")
            .count(),
        2,
        "{said}"
    );
    fake.verify();
}

/// GitHub Enterprise serves GraphQL at `/api/graphql` of the host, not under `/api/v3`.
#[test]
fn github_enterprise_graphql_is_at_the_host_root() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &format!("{}/api/v3", fake.uri()));
    let base = env.rev(&work, "main");
    let tree = env.rev(&work, "HEAD~1^{tree}");
    let made = "2222222222222222222222222222222222222222";
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/api/v3/repos/acme/shop/git/refs"))
            .respond_with(ok(201, json!({"object": {"sha": base}})))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/api/graphql"))
            .respond_with(ok(200, json!({"data": {"createCommitOnBranch": {"commit": {"oid": made, "tree": {"oid": tree}}}}})))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/api/v3/repos/acme/shop/pulls"))
            .respond_with(ok(
                201,
                json!({"number": 71, "html_url": "https://ghe.example/acme/shop/pull/71"}),
            ))
            .expect(1),
    );
    let out = run(
        &env,
        &work,
        &["revert", "HEAD", "--sign-with-github", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 71);
    fake.verify();
}

/// A renamed repository: a 307 on `POST /pulls` is followed with the same method and body on
/// the same API, and the new address of a 301 is kept for the rest of the run.
#[test]
fn redirects_of_a_renamed_repository_keep_method_body_and_the_new_address() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &fake.uri());
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(ResponseTemplate::new(301).insert_header(
                "location",
                format!("{}/repositories/42/pulls/7", fake.uri()).as_str(),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/42/pulls/7"))
            .respond_with(ok(
                200,
                json!({
                    "number": 7, "state": "closed", "title": "Add feature", "merged": true,
                    "merge_commit_sha": merge, "commits": 1,
                    "head": {"ref": "feature"}, "base": {"ref": "main"},
                    "html_url": "https://github.com/acme/shop/pull/7"
                }),
            )),
    );
    // Everything after goes to the new address directly.
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/42/pulls"))
            .and(wiremock::matchers::body_partial_json(
                json!({"title": "Revert \"Add feature\"", "base": "main"}),
            ))
            .respond_with(ok(
                201,
                json!({"number": 72, "html_url": "https://github.com/acme/shop/pull/72"}),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/42/issues/7/comments"))
            .respond_with(ok(201, json!({"id": 1})))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "--pr", "7", "--json", "-v"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 72);
    fake.verify();

    // Not looked up first (a new branch): the POST itself meets the 307.
    let fake = Fake::start();
    env.git(&work, &["config", "fastrevert.apiUrl", &fake.uri()]);
    env.commit(&work, &[("more.txt", "more\n")], "More");
    env.git(&work, &["push", "-q", "origin", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ok(200, json!([]))),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ResponseTemplate::new(307).insert_header(
                "location",
                format!("{}/repositories/42/pulls", fake.uri()).as_str(),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repositories/42/pulls"))
            .and(wiremock::matchers::body_partial_json(
                json!({"title": "Revert \"More\"", "base": "main"}),
            ))
            .respond_with(ok(
                201,
                json!({"number": 73, "html_url": "https://github.com/acme/shop/pull/73"}),
            ))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["pull_request"]["number"], 73);
    fake.verify();
}

/// A comment whose answer was lost is looked for on every page of the last hour's comments:
/// on a busy pull request it is on the second page, and it is not posted twice.
#[test]
fn the_comment_look_up_reads_every_page() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &fake.uri());
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/7"))
            .respond_with(ok(
                200,
                json!({
                    "number": 7, "state": "closed", "title": "Add feature", "merged": true,
                    "merge_commit_sha": merge, "commits": 1,
                    "head": {"ref": "feature"}, "base": {"ref": "main"},
                    "html_url": "https://github.com/acme/shop/pull/7"
                }),
            )),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ok(200, json!([]))),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ok(
                201,
                json!({"number": 50, "html_url": "https://github.com/acme/shop/pull/50"}),
            )),
    );
    let note = "This pull request is reverted in #50 (https://github.com/acme/shop/pull/50), branch `revert-7-feature`.";
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .respond_with(ok(201, json!({"id": 1})).set_delay(Duration::from_secs(3)))
            .expect(1),
    );
    let others: Vec<serde_json::Value> = (0..100)
        .map(|i| json!({"id": i, "body": format!("comment {i}")}))
        .collect();
    let mut second: Vec<serde_json::Value> = (100..149)
        .map(|i| json!({"id": i, "body": format!("comment {i}")}))
        .collect();
    second.push(json!({"id": 149, "body": note}));
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .and(query_param("page", "2"))
            .respond_with(ok(200, json!(second)))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/issues/7/comments"))
            .respond_with(ok(200, json!(others)).insert_header(
                "link",
                format!(
                    "<{}/repos/acme/shop/issues/7/comments?per_page=100&page=2>; rel=\"next\", <{}/repos/acme/shop/issues/7/comments?per_page=100&page=2>; rel=\"last\"",
                    fake.uri(),
                    fake.uri()
                )
                .as_str(),
            ))
            .expect(1),
    );
    let out = run(&env, &work, &["revert", "--pr", "7", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        fake.count_method("POST"),
        2,
        "one pull request, one comment"
    );
    fake.verify();
}

/// GitHub refuses a whole review request when one reviewer cannot review: each is then asked
/// alone, the refused one is a warning and the others are kept. A team of another
/// organisation is not asked (GitHub would look for it in the repository's), and every
/// request carries GitHub's documented media type.
#[test]
fn a_refused_reviewer_is_dropped_the_others_kept() {
    let env = Env::new();
    let fake = Fake::start();
    let work = clone_for(&env, &fake.uri());
    let accept = || header("accept", "application/vnd.github+json");
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls"))
            .and(accept())
            .respond_with(ok(200, json!([]))),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .and(accept())
            .respond_with(ok(
                201,
                json!({"number": 80, "html_url": "https://github.com/acme/shop/pull/80"}),
            )),
    );
    let reviewers = "/repos/acme/shop/pulls/80/requested_reviewers";
    let refused = ok(
        422,
        json!({"message": "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/shop repository."}),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path(reviewers))
            .and(body_json(
                json!({"reviewers": ["alice", "mallory"], "team_reviewers": ["sre"]}),
            ))
            .respond_with(refused.clone())
            .expect(1),
    );
    for (body, answer) in [
        (
            json!({"reviewers": ["alice"]}),
            ok(201, json!({"number": 80})),
        ),
        (json!({"reviewers": ["mallory"]}), refused),
        (
            json!({"team_reviewers": ["sre"]}),
            ok(201, json!({"number": 80})),
        ),
    ] {
        fake.mount(
            Mock::given(method("POST"))
                .and(path(reviewers))
                .and(accept())
                .and(body_json(body))
                .respond_with(answer)
                .expect(1),
        );
    }
    let out = run(
        &env,
        &work,
        &[
            "revert",
            "HEAD",
            "--json",
            "--reviewer",
            "alice",
            "--reviewer",
            "mallory",
            "--reviewer",
            "acme/sre",
            "--reviewer",
            "other-org/ops",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = json(&out)["warnings"].to_string();
    assert!(said.contains("mallory was not asked"), "{said}");
    assert!(!said.contains("alice"), "{said}");
    assert!(said.contains("other-org/ops"), "{said}");
    fake.verify();
}
