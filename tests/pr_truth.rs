//! `revert --pr N` against fake forges that answer as the vendors document them, caps, page
//! sizes and deleted source branches included: a merged request is reverted whole and
//! exactly, or not at all. Each tree is checked against git's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, json, stderr, Env, FakeForge as Fake};

const TOKEN: &str = "t0ken-s3cret-value";

/// One commit to import: message, path, content.
type Change = (String, String, String);

/// Commits made by `git fast-import` in one process, on `branch` from `from`, committed at
/// `time`, each writing one file. Returns their ids, oldest first.
fn import(
    env: &Env,
    repo: &Path,
    branch: &str,
    from: &str,
    time: i64,
    changes: &[Change],
) -> Vec<String> {
    let base = env.rev(repo, from);
    let mut stream = Vec::new();
    for (i, (message, file, content)) in changes.iter().enumerate() {
        write!(
            stream,
            "commit refs/heads/{branch}\nmark :{}\ncommitter Dev <dev@example.com> {time} +0000\ndata {}\n{message}\n",
            i + 1,
            message.len() + 1
        )
        .unwrap();
        if i == 0 {
            writeln!(stream, "from {base}").unwrap();
        }
        write!(
            stream,
            "M 100644 inline {file}\ndata {}\n{content}\n\n",
            content.len() + 1
        )
        .unwrap();
    }
    let mut cmd = Command::new("git");
    env.apply_to(&mut cmd);
    let mut child = cmd
        .current_dir(repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    env.git(
        repo,
        &["rev-list", "--reverse", &format!("{base}..{branch}")],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

fn changes(prefix: &str, n: usize) -> Vec<Change> {
    (1..=n)
        .map(|i| {
            (
                format!("{prefix} part {i}"),
                format!("{prefix}/f{i}.txt"),
                format!("{prefix} {i}"),
            )
        })
        .collect()
}

/// A bare remote with main, and a fresh clone of it (main only, as CI has): returns (clone,
/// remote).
fn fresh_clone(env: &Env, remote: &Path, name: &str) -> PathBuf {
    let work = env.path(name);
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    work
}

fn run(env: &Env, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = env.fr(dir);
    cmd.args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn reply(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
}

fn message(env: &Env, repo: &Path, id: &str) -> String {
    env.git(repo, &["log", "-1", "--format=%B", id])
}

/// A GitHub pull request as `GET /pulls/N` describes it.
fn github_pull(n: u64, merge: &str, commits: usize) -> Value {
    json!({
        "number": n, "state": "closed", "title": "Big work", "merged": true,
        "merged_at": "2026-12-01T10:00:00Z", "merge_commit_sha": merge, "commits": commits,
        "head": {"ref": "big", "sha": "0000000000000000000000000000000000000000"},
        "base": {"ref": "main", "sha": "0000000000000000000000000000000000000000"},
        "html_url": format!("https://github.com/acme/shop/pull/{n}")
    })
}

/// `GET /pulls/N/commits` page by page, oldest first, 100 a page, and never more than 250 in
/// all: what GitHub does.
fn mount_github_commits(fake: &Fake, env: &Env, repo: &Path, n: u64, ids: &[String]) {
    let listed: Vec<&String> = ids.iter().take(250).collect();
    let pages: Vec<&[&String]> = listed.chunks(100).collect();
    for (i, page) in pages.iter().enumerate() {
        let body: Vec<Value> = page
            .iter()
            .map(|id| json!({"sha": id, "commit": {"message": message(env, repo, id)}}))
            .collect();
        let mut answer = reply(Value::Array(body));
        if i + 1 < pages.len() {
            answer = answer.insert_header(
                "link",
                format!(
                    "<{}/repos/acme/shop/pulls/{n}/commits?per_page=100&page={}>; rel=\"next\"",
                    fake.uri(),
                    i + 2
                )
                .as_str(),
            );
        }
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("/repos/acme/shop/pulls/{n}/commits")))
                .and(query_param("page", (i + 1).to_string()))
                .respond_with(answer),
        );
    }
}

fn github_setup(env: &Env, work: &Path, fake: &Fake) {
    env.point_at_forge(work, "github", "acme/shop", &fake.uri());
}

/// A rebase-merged pull request of 260 commits: GitHub lists 250 of them and says it has 260.
/// The list is completed from refs/pull/N/head on the remote, and all 260 are reverted; the
/// tree is git's (the base before the request).
#[test]
fn a_github_request_longer_than_the_250_commits_github_lists_is_reverted_whole() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let own = import(
        &env,
        &work,
        "big",
        "main",
        1_700_000_000,
        &changes("big", 260),
    );
    // The rebase: another commit on main first, then the same changes with new ids.
    env.commit(&work, &[("other.txt", "other\n")], "Other work");
    let before = env.rev(&work, "main");
    let landed = import(
        &env,
        &work,
        "main",
        "main",
        1_700_100_000,
        &changes("big", 260),
    );
    assert_ne!(landed[0], own[0]);
    env.git(
        &work,
        &["push", "-q", "origin", "main", "big:refs/pull/5/head"],
    );
    let clone = fresh_clone(&env, &remote, "ci");
    let fake = Fake::start();
    github_setup(&env, &clone, &fake);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/5"))
            .respond_with(reply(github_pull(5, landed.last().unwrap(), 260))),
    );
    mount_github_commits(&fake, &env, &work, 5, &own);
    let out = run(
        &env,
        &clone,
        &[("GITHUB_TOKEN", TOKEN)],
        &["revert", "--pr", "5", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"].as_array().unwrap().len(), 260, "{j}");
    assert_eq!(j["reverted"][0], landed[259].as_str());
    assert_eq!(j["reverted"][259], landed[0].as_str());
    assert_eq!(
        j["tree"],
        env.rev(&work, &format!("{before}^{{tree}}")).as_str()
    );
}

/// Bitbucket Cloud pages 10 commits at a time unless asked for `pagelen=100`, and Data Center
/// 25 unless asked for `limit`: every page is read to the end, and a fast-forwarded request of
/// 260 commits is reverted whole on both.
#[test]
fn bitbucket_lists_are_read_to_the_end_on_cloud_and_data_center() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let before = env.rev(&work, "main");
    let landed = import(
        &env,
        &work,
        "main",
        "main",
        1_700_000_000,
        &changes("ff", 260),
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let tip = landed.last().unwrap().clone();
    let newest_first: Vec<&String> = landed.iter().rev().collect();

    // Cloud: `pagelen` up to 100, a `next` link until the last page; 10 a page otherwise.
    let cloud = Fake::start();
    cloud.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/acme/shop/pullrequests/6"))
            .respond_with(reply(json!({
                "type": "pullrequest", "id": 6, "title": "Fast", "state": "MERGED",
                "source": {"branch": {"name": "fast"}, "commit": {"hash": tip}},
                "destination": {"branch": {"name": "main"}},
                "merge_commit": {"hash": tip},
                "links": {"html": {"href": "https://bitbucket.org/acme/shop/pull-requests/6"}}
            }))),
    );
    let cloud_page = |size: usize, page: usize| {
        let values: Vec<Value> = newest_first
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .map(|id| json!({"type": "commit", "hash": id, "message": message(&env, &work, id)}))
            .collect();
        let mut body = json!({"pagelen": size, "page": page, "values": values});
        if page * size < newest_first.len() {
            body["next"] = json!(format!(
                "{}/repositories/acme/shop/pullrequests/6/commits?pagelen={size}&page={}",
                cloud.uri(),
                page + 1
            ));
        }
        reply(body)
    };
    for page in 1..=3 {
        let mut m = Mock::given(method("GET"))
            .and(path("/repositories/acme/shop/pullrequests/6/commits"))
            .and(query_param("pagelen", "100"));
        m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        cloud.mount(m.respond_with(cloud_page(100, page)));
    }
    cloud.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/acme/shop/pullrequests/6/commits"))
            .and(query_param_is_missing("pagelen"))
            .respond_with(cloud_page(10, 1)),
    );
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    let vars = [
        ("BITBUCKET_TOKEN", TOKEN),
        ("BITBUCKET_API_URL", &cloud.uri() as &str),
    ];
    let out = run(
        &env,
        &work,
        &vars,
        &["revert", "--pr", "6", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"].as_array().unwrap().len(), 260, "{j}");
    assert_eq!(
        j["tree"],
        env.rev(&work, &format!("{before}^{{tree}}")).as_str()
    );

    // Data Center: `limit` and `start`, `isLastPage` and `nextPageStart`; 25 a page otherwise.
    let dc = Fake::start();
    dc.mount(
        Mock::given(method("GET"))
            .and(path("/projects/ACME/repos/shop/pull-requests/6"))
            .respond_with(reply(json!({
                "id": 6, "title": "Fast", "state": "MERGED",
                "fromRef": {"id": "refs/heads/fast", "displayId": "fast", "latestCommit": tip},
                "toRef": {"id": "refs/heads/main", "displayId": "main"},
                "properties": {"mergeCommit": {"id": tip}},
                "links": {"self": [{"href": "https://bitbucket.example.com/projects/ACME/repos/shop/pull-requests/6"}]}
            }))),
    );
    let dc_page = |limit: usize, start: usize| {
        let values: Vec<Value> = newest_first
            .iter()
            .skip(start)
            .take(limit)
            .map(
                |id| json!({"id": id, "displayId": &id[..11], "message": message(&env, &work, id)}),
            )
            .collect();
        let last = start + limit >= newest_first.len();
        let mut body = json!({"size": values.len(), "limit": limit, "start": start, "isLastPage": last, "values": values});
        if !last {
            body["nextPageStart"] = json!(start + limit);
        }
        reply(body)
    };
    for start in [0usize, 100, 200] {
        let mut m = Mock::given(method("GET"))
            .and(path("/projects/ACME/repos/shop/pull-requests/6/commits"))
            .and(query_param("limit", "100"));
        m = if start == 0 {
            m.and(query_param_is_missing("start"))
        } else {
            m.and(query_param("start", start.to_string()))
        };
        dc.mount(m.respond_with(dc_page(100, start)));
    }
    dc.mount(
        Mock::given(method("GET"))
            .and(path("/projects/ACME/repos/shop/pull-requests/6/commits"))
            .and(query_param_is_missing("limit"))
            .respond_with(dc_page(25, 0)),
    );
    env.git(
        &work,
        &["config", "fastrevert.forge", "bitbucket-datacenter"],
    );
    env.git(&work, &["config", "fastrevert.repo", "ACME/shop"]);
    env.git(&work, &["config", "fastrevert.apiUrl", &dc.uri()]);
    let out = run(
        &env,
        &work,
        &[("BITBUCKET_TOKEN", TOKEN)],
        &["revert", "--pr", "6", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"].as_array().unwrap().len(), 260, "{j}");
    assert_eq!(
        j["tree"],
        env.rev(&work, &format!("{before}^{{tree}}")).as_str()
    );
}

/// Bitbucket Cloud lists no commits once the source branch is deleted (which the tool's own
/// requests ask for): a fast-forwarded request of three commits is not taken for a squash of
/// its tip. Nothing is reverted, and the message says the range to revert by hand. A squash
/// that Bitbucket worded as its own ("Merged in … (pull request #N)") is still reverted.
#[test]
fn a_bitbucket_cloud_request_whose_source_branch_is_gone_is_not_taken_for_a_squash() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let landed = import(
        &env,
        &work,
        "main",
        "main",
        1_700_000_000,
        &changes("gone", 3),
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let tip = landed.last().unwrap().clone();
    let fake = Fake::start();
    let pull = |n: u64, merge: &str| {
        Mock::given(method("GET"))
            .and(path(format!("/repositories/acme/shop/pullrequests/{n}")))
            .respond_with(reply(json!({
                "type": "pullrequest", "id": n, "title": "Gone", "state": "MERGED",
                "source": {"branch": {"name": "gone"}, "commit": {"hash": merge}},
                "destination": {"branch": {"name": "main"}},
                "merge_commit": {"hash": merge}, "close_source_branch": true,
                "links": {"html": {"href": format!("https://bitbucket.org/acme/shop/pull-requests/{n}")}}
            })))
    };
    let no_commits = |n: u64| {
        Mock::given(method("GET"))
            .and(path(format!(
                "/repositories/acme/shop/pullrequests/{n}/commits"
            )))
            .respond_with(reply(json!({"pagelen": 100, "values": [], "page": 1})))
    };
    fake.mount(pull(3, &tip));
    fake.mount(no_commits(3));
    env.git(&work, &["config", "fastrevert.forge", "bitbucket"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    let vars = [
        ("BITBUCKET_TOKEN", TOKEN),
        ("BITBUCKET_API_URL", &fake.uri() as &str),
    ];
    let refs = env.git(&work, &["for-each-ref"]);
    let out = run(&env, &work, &vars, &["revert", "--pr", "3", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("source branch is deleted"), "{err}");
    assert!(
        err.contains(&format!("revert <first commit>^..{}", &tip[..7])),
        "{err}"
    );
    assert_eq!(env.git(&work, &["for-each-ref"]), refs, "nothing written");

    // Bitbucket's own squash message says what it is.
    let squash = env.commit(
        &work,
        &[("squash.txt", "squashed\n")],
        "Merged in coupons (pull request #4)\n\nAdd coupons",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    fake.mount(pull(4, &squash));
    fake.mount(no_commits(4));
    let out = run(
        &env,
        &work,
        &vars,
        &["revert", "--pr", "4", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["reverted"], json!([squash]));
}

/// GitLab rebased !9 onto main, where a hot fix had already made the change of one of its
/// commits (cherry-picked earlier, with the same subject): the rebase dropped that commit.
/// The revert undoes the two commits that landed and says the third did not land; the hot fix
/// below them stays. With and without GitLab's `diff_refs.start_sha`.
#[test]
fn a_gitlab_rebase_that_dropped_a_commit_never_reverts_the_hot_fix_below_it() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let start = env.rev(&work, "main");
    let own = import(
        &env,
        &work,
        "topic",
        "main",
        1_700_000_000,
        &[
            ("Add a".into(), "a.txt".into(), "a".into()),
            ("Fix totals".into(), "totals.txt".into(), "fixed".into()),
            ("Add c".into(), "c.txt".into(), "c".into()),
        ],
    );
    // The hot fix: the same change and subject, on main a day before the merge.
    let hot = import(
        &env,
        &work,
        "main",
        "main",
        1_700_000_100,
        &[("Fix totals".into(), "totals.txt".into(), "fixed".into())],
    );
    let landed = import(
        &env,
        &work,
        "main",
        "main",
        1_700_090_000,
        &[
            ("Add a".into(), "a.txt".into(), "a".into()),
            ("Add c".into(), "c.txt".into(), "c".into()),
        ],
    );
    env.git(
        &work,
        &[
            "push",
            "-q",
            "origin",
            "main",
            "topic:refs/merge-requests/9/head",
        ],
    );
    let _ = start;
    let clone = fresh_clone(&env, &remote, "ci");
    for start_sha in [Some(hot[0].clone()), None] {
        let fake = Fake::start();
        let mut mr = json!({
            "iid": 9, "title": "Totals and more", "state": "merged",
            "merge_commit_sha": null, "squash_commit_sha": null, "squash": false,
            "sha": landed[1], "source_branch": "topic", "target_branch": "main",
            "web_url": "https://gitlab.example.com/acme/platform/shop/-/merge_requests/9"
        });
        if let Some(s) = &start_sha {
            mr["diff_refs"] = json!({"base_sha": s, "head_sha": landed[1], "start_sha": s});
        }
        fake.mount(
            Mock::given(method("GET"))
                .and(path(
                    "/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/9",
                ))
                .respond_with(reply(mr)),
        );
        let listed: Vec<Value> = own
            .iter()
            .rev()
            .map(|id| json!({"id": id, "short_id": &id[..8], "title": message(&env, &work, id).trim(), "message": message(&env, &work, id)}))
            .collect();
        fake.mount(
            Mock::given(method("GET"))
                .and(path(
                    "/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/9/commits",
                ))
                .respond_with(reply(Value::Array(listed)).insert_header("x-next-page", "")),
        );
        env.point_at_forge(
            &clone,
            "gitlab",
            "acme/platform/shop",
            &format!("{}/api/v4", fake.uri()),
        );
        let out = run(
            &env,
            &clone,
            &[("GITLAB_TOKEN", TOKEN)],
            &["revert", "--pr", "9", "--no-push", "--json"],
        );
        assert_eq!(code(&out), 0, "{start_sha:?}: {}", stderr(&out));
        let j = json(&out);
        assert_eq!(j["reverted"], json!([landed[1], landed[0]]), "{j}");
        assert!(j["warnings"].to_string().contains("did not land"), "{j}");
        assert!(j["warnings"].to_string().contains(&hot[0][..7]), "{j}");
        // git's oracle: the base below the two commits that landed, the hot fix kept.
        assert_eq!(
            j["tree"],
            env.rev(&work, &format!("{}^{{tree}}", hot[0])).as_str()
        );
    }
}

/// A squash commit titled like one of the request's commits, above an unrelated commit titled
/// like another: subjects decide nothing. Only the squash commit is reverted.
#[test]
fn a_squash_is_never_taken_for_commits_that_share_subjects_with_the_request() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let own = import(
        &env,
        &work,
        "coupons",
        "main",
        1_700_000_000,
        &[
            ("WIP coupons".into(), "coupons.txt".into(), "part".into()),
            ("Fix coupons".into(), "coupons.txt".into(), "all".into()),
        ],
    );
    let unrelated = env.commit(&work, &[("menu.txt", "menu\n")], "WIP coupons");
    let squash = env.commit(&work, &[("coupons.txt", "all\n")], "Fix coupons");
    env.git(
        &work,
        &["push", "-q", "origin", "main", "coupons:refs/pull/8/head"],
    );
    let clone = fresh_clone(&env, &remote, "ci");
    let fake = Fake::start();
    github_setup(&env, &clone, &fake);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/8"))
            .respond_with(reply(github_pull(8, &squash, 2))),
    );
    mount_github_commits(&fake, &env, &work, 8, &own);
    let out = run(
        &env,
        &clone,
        &[("GITHUB_TOKEN", TOKEN)],
        &["revert", "--pr", "8", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"], json!([squash]), "{j}");
    assert_eq!(
        j["tree"],
        env.rev(&work, &format!("{unrelated}^{{tree}}")).as_str()
    );
}

/// A forge's merge id is an object id written out in full, on the base's first-parent line:
/// `HEAD~1` is never resolved, and a commit merged into another branch first is not taken.
#[test]
fn a_forge_merge_id_must_be_a_full_id_on_the_first_parent_line() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let fake = Fake::start();
    github_setup(&env, &work, &fake);
    let side = env.rev(&work, "main~1^2");
    for (n, sha, said) in [
        (11, "HEAD~1".to_string(), "not a full commit id"),
        (
            12,
            env.rev(&work, "main")[..12].to_string(),
            "not a full commit id",
        ),
        (13, side, "not on its first-parent line"),
    ] {
        fake.mount(
            Mock::given(method("GET"))
                .and(path(format!("/repos/acme/shop/pulls/{n}")))
                .respond_with(reply(github_pull(n, &sha, 1))),
        );
        let refs = env.git(&work, &["for-each-ref"]);
        let out = run(
            &env,
            &work,
            &[("GITHUB_TOKEN", TOKEN)],
            &["revert", "--pr", &n.to_string(), "--json"],
        );
        assert_ne!(code(&out), 0, "{sha}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{sha}: {}", stderr(&out));
        assert_eq!(env.git(&work, &["for-each-ref"]), refs, "nothing written");
    }
}

/// An octopus merge reverted against its first parent undoes every other branch: the output
/// says which.
#[test]
fn an_octopus_merge_says_which_branches_its_revert_undoes() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let a = import(
        &env,
        &work,
        "one",
        "main",
        1_700_000_000,
        &[("One".into(), "one.txt".into(), "1".into())],
    );
    let b = import(
        &env,
        &work,
        "two",
        "main",
        1_700_000_000,
        &[("Two".into(), "two.txt".into(), "2".into())],
    );
    env.git(
        &work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "one",
            "two",
            "-m",
            "Merge pull request #14 from acme/both",
        ],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let octopus = env.rev(&work, "main");
    let fake = Fake::start();
    github_setup(&env, &work, &fake);
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/14"))
            .respond_with(reply(github_pull(14, &octopus, 2))),
    );
    let out = run(
        &env,
        &work,
        &[("GITHUB_TOKEN", TOKEN)],
        &["revert", "--pr", "14", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    let said = j["warnings"].to_string();
    assert!(said.contains("octopus"), "{j}");
    assert_eq!(said.matches("octopus").count(), 1, "said once: {j}");
    assert!(
        said.contains(&a[0][..7]) && said.contains(&b[0][..7]),
        "{j}"
    );
    assert_eq!(j["tree"], env.rev(&work, "main~1^{tree}").as_str());
    // The same merge named by its id, with -m 1: the same warning.
    let out = run(
        &env,
        &work,
        &[],
        &[
            "revert",
            &octopus,
            "-m",
            "1",
            "--no-push",
            "--json",
            "--branch",
            "undo-both",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    let said = j["warnings"].to_string();
    assert!(said.contains("octopus merge (3 parents)"), "{j}");
    assert!(
        said.contains(&a[0][..7]) && said.contains(&b[0][..7]),
        "{j}"
    );
}
