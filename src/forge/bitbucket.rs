//! Bitbucket Cloud (REST 2.0) and Bitbucket Data Center (REST 1.0) through reqwest.

use serde_json::{json, Value};

use super::rest::Rest;
use super::{
    json_opt_text, json_text, query_value, status_error, Created, Forge, Http, Kind, NewPr,
    PrCommit, PrInfo, PullRequest, Reply, SendError, Target, Token,
};
use crate::error::{Error, Result};

pub struct Bitbucket {
    target: Target,
    rest: Rest,
    http: Http,
}

impl Bitbucket {
    pub fn new(target: Target, token: Token, http: Http) -> Result<Bitbucket> {
        Ok(Bitbucket {
            rest: Rest::new(&target.api, token, &http)?,
            target,
            http,
        })
    }

    fn cloud(&self) -> bool {
        self.target.kind == Kind::BitbucketCloud
    }

    /// The repository's API path: `/repositories/ws/slug` or `/projects/P/repos/slug`.
    fn repo_path(&self) -> String {
        if self.cloud() {
            format!(
                "/repositories/{}/{}",
                self.target.owner(),
                self.target.repo()
            )
        } else {
            format!(
                "/projects/{}/repos/{}",
                self.target.owner(),
                self.target.repo()
            )
        }
    }

    fn prs(&self) -> &'static str {
        if self.cloud() {
            "pullrequests"
        } else {
            "pull-requests"
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, SendError> {
        self.rest.send(method, path, body)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Reply> {
        self.http.call(self.target.kind, method, path, &|| {
            self.send(method, path, body.as_ref())
        })
    }

    fn pull_request(&self, v: &Value, existing: bool) -> Result<PullRequest> {
        let number = v["id"].as_u64().ok_or_else(|| {
            Error::failed(format!(
                "{} answered without a pull request id",
                self.target.kind.name()
            ))
        })?;
        let url = if self.cloud() {
            json_text(v, "/links/html/href")
        } else {
            json_text(v, "/links/self/0/href")
        };
        Ok(PullRequest {
            number,
            url,
            existing,
            forge: self.target.kind,
        })
    }
}

impl Bitbucket {
    /// The pull request as Bitbucket wants it created.
    fn new_pr_body(&self, pr: &NewPr) -> Value {
        if self.cloud() {
            // Cloud names reviewers by account id or {uuid}.
            let reviewers: Vec<Value> = pr
                .reviewers
                .iter()
                .map(|r| {
                    if r.starts_with('{') {
                        json!({"uuid": r})
                    } else {
                        json!({"account_id": r})
                    }
                })
                .collect();
            json!({
                "title": pr.title,
                "description": pr.body,
                "source": {"branch": {"name": pr.head}},
                "destination": {"branch": {"name": pr.base}},
                "reviewers": reviewers,
                "draft": pr.draft,
                "close_source_branch": true,
            })
        } else {
            let repository =
                json!({"slug": self.target.repo(), "project": {"key": self.target.owner()}});
            let reviewers: Vec<Value> = pr
                .reviewers
                .iter()
                .map(|r| json!({"user": {"name": r}}))
                .collect();
            json!({
                "title": pr.title,
                "description": pr.body,
                "draft": pr.draft,
                "fromRef": {"id": format!("refs/heads/{}", pr.head), "repository": repository},
                "toRef": {"id": format!("refs/heads/{}", pr.base), "repository": repository},
                "reviewers": reviewers,
            })
        }
    }

    /// Create the pull request: `Ok(Ok(pr))` when it is there (made now or already open),
    /// `Ok(Err(reply))` when Bitbucket refused.
    fn create_pr(&self, pr: &NewPr) -> Result<std::result::Result<PullRequest, Reply>> {
        let body = self.new_pr_body(pr);
        let path = format!("{}/{}", self.repo_path(), self.prs());
        let outcome = self.http.create(
            self.target.kind,
            "POST",
            &path,
            &|| self.send("POST", &path, Some(&body)),
            &|| self.find_open_pr(&pr.head, &pr.base),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => reply,
            Created::Found(found) => {
                return Ok(Ok(PullRequest {
                    existing: false,
                    ..found
                }))
            }
        };
        Ok(match reply.status {
            201 => Ok(self.pull_request(&reply.json(self.target.kind)?, false)?),
            // Cloud answers a duplicate with the pull request already open for the branch.
            200 => Ok(self.pull_request(&reply.json(self.target.kind)?, true)?),
            409 => {
                let v = reply.json(self.target.kind)?;
                match v.pointer("/errors/0/existingPullRequest") {
                    Some(existing) => Ok(self.pull_request(existing, true)?),
                    None => match self.find_open_pr(&pr.head, &pr.base)? {
                        Some(found) => Ok(found),
                        None => Err(reply),
                    },
                }
            }
            _ => Err(reply),
        })
    }

    fn refused_pr(&self, reply: &Reply) -> Result<PullRequest> {
        Err(status_error(
            self.target.kind,
            "opening the pull request",
            reply,
            message(reply),
        ))
    }

    /// A comment with exactly this body among the pull request's newest ones.
    fn find_comment(&self, number: u64, body: &str) -> Result<Option<()>> {
        // Cloud lists comments, newest first on request; Data Center has them in the
        // pull request's activities, newest first.
        let (path, list, text) = if self.cloud() {
            (
                format!(
                    "{}/pullrequests/{number}/comments?sort=-created_on&pagelen=50",
                    self.repo_path()
                ),
                "/values",
                "/content/raw",
            )
        } else {
            (
                format!(
                    "{}/pull-requests/{number}/activities?limit=50",
                    self.repo_path()
                ),
                "/values",
                "/comment/text",
            )
        };
        let reply = self.call("GET", &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                &format!("reading the comments of #{number}"),
                &reply,
                message(&reply),
            ));
        }
        let v = reply.json(self.target.kind)?;
        let found = v
            .pointer(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c.pointer(text).and_then(Value::as_str).map(str::trim) == Some(body.trim()));
        Ok(found.then_some(()))
    }
}

/// A string inside a Bitbucket query's double quotes.
fn bbql_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Bitbucket's error text: Cloud `error.message`, Data Center `errors[].message`.
fn message(reply: &Reply) -> String {
    let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
        return String::new();
    };
    if let Some(m) = v.pointer("/error/message").and_then(Value::as_str) {
        return m.to_string();
    }
    v["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["message"].as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

impl Forge for Bitbucket {
    fn target(&self) -> &Target {
        &self.target
    }

    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        let path = format!("{}/{}/{number}", self.repo_path(), self.prs());
        let reply = self.call("GET", &path, None)?;
        if reply.status == 404 {
            return Err(super::pr_not_found(&self.target, number));
        }
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                &format!("reading pull request #{number}"),
                &reply,
                message(&reply),
            ));
        }
        let v = reply.json(self.target.kind)?;
        let state = json_text(&v, "/state");
        Ok(if self.cloud() {
            PrInfo {
                number,
                title: json_text(&v, "/title"),
                merged: state == "MERGED",
                merge_commit: json_opt_text(&v, "/merge_commit/hash"),
                head_ref: json_text(&v, "/source/branch/name"),
                head_sha: json_opt_text(&v, "/source/commit/hash"),
                base_ref: json_text(&v, "/destination/branch/name"),
                url: json_text(&v, "/links/html/href"),
                state,
            }
        } else {
            PrInfo {
                number,
                title: json_text(&v, "/title"),
                merged: state == "MERGED",
                merge_commit: json_opt_text(&v, "/properties/mergeCommit/id"),
                head_ref: json_text(&v, "/fromRef/displayId"),
                head_sha: json_opt_text(&v, "/fromRef/latestCommit"),
                base_ref: json_text(&v, "/toRef/displayId"),
                url: json_text(&v, "/links/self/0/href"),
                state,
            }
        })
    }

    fn pr_commits(&self, number: u64) -> Result<Vec<PrCommit>> {
        let mut commits = Vec::new();
        let mut path = format!("{}/{}/{number}/commits", self.repo_path(), self.prs());
        for _ in 0..10 {
            let reply = self.call("GET", &path, None)?;
            if reply.status != 200 {
                return Err(status_error(
                    self.target.kind,
                    &format!("listing the commits of #{number}"),
                    &reply,
                    message(&reply),
                ));
            }
            let v = reply.json(self.target.kind)?;
            let id = if self.cloud() { "/hash" } else { "/id" };
            commits.extend(
                v["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| PrCommit {
                        sha: json_text(c, id),
                        message: json_text(c, "/message"),
                    }),
            );
            // Cloud pages with a `next` link, Data Center with `isLastPage`/`nextPageStart`.
            match (
                v["next"].as_str(),
                v["isLastPage"].as_bool(),
                v["nextPageStart"].as_u64(),
            ) {
                (Some(next), _, _) => {
                    path = next
                        .strip_prefix(self.rest.api())
                        .unwrap_or(next)
                        .to_string()
                }
                (None, Some(false), Some(start)) => {
                    path = format!(
                        "{}/{}/{number}/commits?start={start}",
                        self.repo_path(),
                        self.prs()
                    )
                }
                _ => break,
            }
        }
        Ok(commits)
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        let path = if self.cloud() {
            format!(
                "{}/pullrequests?state=OPEN&q={}",
                self.repo_path(),
                query_value(&format!(
                    "source.branch.name=\"{}\" AND destination.branch.name=\"{}\"",
                    bbql_string(head),
                    bbql_string(base)
                ))
            )
        } else {
            format!(
                "{}/pull-requests?state=OPEN&direction=OUTGOING&at={}",
                self.repo_path(),
                query_value(&format!("refs/heads/{head}"))
            )
        };
        let reply = self.call("GET", &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                "looking for an open pull request",
                &reply,
                message(&reply),
            ));
        }
        let v = reply.json(self.target.kind)?;
        // Data Center filters by the source branch only: the target must be the base too.
        let into_base = |pr: &&Value| {
            self.cloud()
                || pr.pointer("/toRef/id").and_then(Value::as_str)
                    == Some(format!("refs/heads/{base}").as_str())
        };
        match v["values"]
            .as_array()
            .and_then(|a| a.iter().find(into_base))
        {
            Some(pr) => Ok(Some(self.pull_request(pr, true)?)),
            None => Ok(None),
        }
    }

    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest> {
        if !pr.labels.is_empty() {
            warnings.push(format!(
                "{} has no pull request labels; --label was ignored",
                self.target.kind.name()
            ));
        }
        let reply = match self.create_pr(pr)? {
            Ok(created) => return Ok(created),
            Err(reply) => reply,
        };
        // A reviewer Bitbucket will not take (unknown, the author, no access) fails the whole
        // request: open it without reviewers, then say which were not added.
        let text = message(&reply);
        let about_reviewers = matches!(reply.status, 400 | 409 | 422)
            && !pr.reviewers.is_empty()
            && text.to_ascii_lowercase().contains("reviewer");
        if !about_reviewers {
            return self.refused_pr(&reply);
        }
        let without = NewPr {
            reviewers: Vec::new(),
            ..pr.clone()
        };
        match self.create_pr(&without)? {
            Ok(created) => {
                warnings.push(format!(
                    "reviewers {} were not added: {text}",
                    pr.reviewers.join(", ")
                ));
                Ok(created)
            }
            Err(reply) => self.refused_pr(&reply),
        }
    }

    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>> {
        let path = if self.cloud() {
            format!(
                "{}/pullrequests?state=MERGED&q={}&sort=-updated_on&pagelen=30",
                self.repo_path(),
                query_value(&format!(
                    "destination.branch.name=\"{}\"",
                    bbql_string(base)
                ))
            )
        } else {
            format!(
                "{}/pull-requests?state=MERGED&at={}&order=NEWEST&limit=30",
                self.repo_path(),
                query_value(&format!("refs/heads/{base}"))
            )
        };
        let reply = self.call("GET", &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                "listing merged pull requests",
                &reply,
                message(&reply),
            ));
        }
        let v = reply.json(self.target.kind)?;
        let (head, merge) = if self.cloud() {
            ("/source/branch/name", "/merge_commit/hash")
        } else {
            ("/fromRef/displayId", "/properties/mergeCommit/id")
        };
        Ok(v["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pr| {
                Some(PrInfo {
                    number: pr["id"].as_u64()?,
                    title: json_text(pr, "/title"),
                    merged: true,
                    state: "MERGED".into(),
                    merge_commit: json_opt_text(pr, merge),
                    head_ref: json_text(pr, head),
                    head_sha: None,
                    base_ref: base.to_string(),
                    url: String::new(),
                })
            })
            .collect())
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!("{}/{}/{number}/comments", self.repo_path(), self.prs());
        let payload = if self.cloud() {
            json!({"content": {"raw": body}})
        } else {
            json!({"text": body})
        };
        let outcome = self.http.create(
            self.target.kind,
            "POST",
            &path,
            &|| self.send("POST", &path, Some(&payload)),
            &|| self.find_comment(number, body),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => reply,
            Created::Found(()) => return Ok(()),
        };
        if reply.status == 201 || reply.status == 200 {
            Ok(())
        } else {
            Err(status_error(
                self.target.kind,
                &format!("commenting on #{number}"),
                &reply,
                message(&reply),
            ))
        }
    }
}
