//! Gitea and Forgejo (API v1, the same for both) through reqwest: pull requests, their commits
//! and comments. Replies are read into typed models; a field the server leaves out is `None`.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::rest::Rest;
use super::{
    path_segment, status_error, CommitList, Created, Forge, Http, Kind, NewPr, PrCommit, PrInfo,
    PullRequest, Reply, Target, Token,
};
use crate::error::{Error, Result};

/// A pull request as `GET /repos/{owner}/{repo}/pulls/{index}` and the lists describe it.
#[derive(Debug, Deserialize)]
struct Pull {
    number: u64,
    title: String,
    /// `open` or `closed`; a merged one is closed with `merged` set.
    state: String,
    #[serde(default)]
    merged: bool,
    /// The commit the merge left on the base: the merge commit, the squash commit, the last
    /// rebased commit, or the head itself after a fast-forward.
    #[serde(default)]
    merge_commit_sha: Option<String>,
    head: Branch,
    base: Branch,
    html_url: String,
}

#[derive(Debug, Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    name: String,
    #[serde(default)]
    sha: Option<String>,
}

impl Pull {
    fn info(self) -> PrInfo {
        PrInfo {
            number: self.number,
            title: self.title,
            merged: self.merged,
            state: if self.merged {
                "merged".into()
            } else {
                self.state
            },
            merge_commit: self.merge_commit_sha.filter(|_| self.merged),
            // Gitea does not say how it merged: git tells (a merge commit's parents, the
            // request's commits found on the base or not).
            method: None,
            // Gitea keeps every pull request's head, merged or not, under refs/pull.
            head_ref_on_remote: Some(format!("refs/pull/{}/head", self.number)),
            head_sha: self.head.sha,
            head_ref: self.head.name,
            base_ref: self.base.name,
            url: self.html_url,
            commit_count: None,
            rebased_onto: None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Commit {
    sha: String,
    commit: CommitDetail,
}

#[derive(Debug, Deserialize)]
struct CommitDetail {
    message: String,
}

#[derive(Debug, Deserialize)]
struct Label {
    id: u64,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Comment {
    body: String,
}

/// Gitea's error body (`APIError`, `validationError`): `message`, sometimes `errors`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Vec<Value>>,
}

/// Lists are read this many to a page: Gitea's default most (`MAX_RESPONSE_ITEMS`).
const PAGE: usize = 50;
/// The most pages of a list read before it is called cut short.
const MAX_PAGES: usize = 100;

pub struct Gitea {
    target: Target,
    rest: Rest,
    http: Http,
}

impl Gitea {
    pub fn new(target: Target, token: Token, http: Http) -> Result<Gitea> {
        let token = match token {
            Token::Gitea(t) | Token::Bearer(t) | Token::Private(t) => Token::Gitea(t),
            _ => {
                return Err(Error::bad_input(format!(
                    "{} takes an access token, not a user and password",
                    target.kind.name()
                ))
                .hint(super::token_hint(target.kind)))
            }
        };
        Ok(Gitea {
            rest: Rest::new(&target.api, token, &http)?,
            target,
            http,
        })
    }

    fn kind(&self) -> Kind {
        self.target.kind
    }

    /// `/repos/{owner}/{repo}`, each part one encoded path segment.
    fn repo_path(&self) -> String {
        format!(
            "/repos/{}/{}",
            path_segment(self.target.owner()),
            path_segment(self.target.repo())
        )
    }

    fn call(&self, method: &Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let reply = self.http.call(self.kind(), method, path, &|| {
            self.rest.send(method, path, body)
        })?;
        self.rest.no_redirect(self.kind(), path, reply)
    }

    /// A GET answered 200, read as `T`.
    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<T> {
        let reply = self.call(&Method::GET, path, None)?;
        if reply.status != 200 {
            return Err(self.failure(what, &reply));
        }
        reply.json(self.kind())
    }

    fn failure(&self, what: &str, reply: &Reply) -> Error {
        status_error(self.kind(), what, reply, message(reply))
    }

    /// Every page of a list, `page` and `limit` as Gitea pages; `None` in the second place
    /// when the list may be longer than what was read (the page cap, or fewer items than the
    /// server's own count).
    fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<(Vec<T>, Option<String>)> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items: Vec<T> = Vec::new();
        let mut total: Option<usize> = None;
        for page in 1..=MAX_PAGES {
            let reply = self.call(
                &Method::GET,
                &format!("{path}{join}page={page}&limit={PAGE}"),
                None,
            )?;
            if reply.status != 200 {
                return Err(self.failure(what, &reply));
            }
            total = total.or_else(|| {
                reply
                    .paging("x-total-count")
                    .or_else(|| reply.paging("x-total"))
                    .and_then(|t| t.trim().parse().ok())
            });
            let batch: Vec<T> = reply.json(self.kind())?;
            let got = batch.len();
            items.extend(batch);
            // `X-HasMore` says whether another page follows; without it (older servers, a
            // proxy), the count, a `Link` to the next page, or a page as full as asked.
            let linked = reply
                .link
                .as_deref()
                .is_some_and(|l| l.contains("rel=\"next\""));
            let more = match reply.paging("x-hasmore").map(str::trim) {
                Some(v) => v.eq_ignore_ascii_case("true"),
                None => linked || total.map_or(got >= PAGE, |t| items.len() < t),
            };
            if !more || got == 0 {
                let short = total
                    .filter(|&t| items.len() < t)
                    .map(|t| format!("{} listed {} of {t}", self.kind().name(), items.len()));
                return Ok((items, short));
            }
        }
        let short = format!("more than {} pages were not read", MAX_PAGES);
        Ok((items, Some(short)))
    }

    fn pull_request(&self, pr: &Pull, existing: bool) -> PullRequest {
        PullRequest {
            number: pr.number,
            url: pr.html_url.clone(),
            existing,
            forge: self.kind(),
        }
    }

    /// Labels by name, as the ids Gitea wants: the repository's, then its organization's; a
    /// name neither has is a warning.
    fn label_ids(&self, names: &[String], warnings: &mut Vec<String>) -> Vec<u64> {
        if names.is_empty() {
            return Vec::new();
        }
        let mut known: Vec<Label> = Vec::new();
        match self.all_pages::<Label>(&format!("{}/labels", self.repo_path()), "listing labels") {
            Ok((labels, _)) => known.extend(labels),
            Err(e) => {
                warnings.push(format!("labels were not added: {}", e.message));
                return Vec::new();
            }
        }
        // A user's repository has no organization: the 404 is not an error here.
        let org = format!("/orgs/{}/labels", path_segment(self.target.owner()));
        if let Ok((labels, _)) = self.all_pages::<Label>(&org, "listing organization labels") {
            known.extend(labels);
        }
        let mut ids = Vec::new();
        for name in names {
            match known.iter().find(|l| l.name == *name) {
                Some(label) => ids.push(label.id),
                None => warnings.push(format!(
                    "label {name} does not exist in {}; the pull request has no such label",
                    self.target.slug
                )),
            }
        }
        ids
    }

    /// Ask for reviews (Forgejo takes no reviewers when the request is opened; Gitea and Forgejo
    /// both take them here). A reviewer the server refuses is a warning.
    fn request_reviews(&self, number: u64, reviewers: &[String], warnings: &mut Vec<String>) {
        if reviewers.is_empty() {
            return;
        }
        let names: Vec<&str> = reviewers
            .iter()
            .map(|r| r.trim_start_matches('@'))
            .collect();
        let path = format!("{}/pulls/{number}/requested_reviewers", self.repo_path());
        let body = json!({ "reviewers": names });
        match self.call(&Method::POST, &path, Some(&body)) {
            Ok(reply) if reply.status == 201 || reply.status == 200 => {}
            Ok(reply) => warnings.push(format!(
                "reviewers {} were not added: {}",
                names.join(", "),
                self.failure("requesting reviews", &reply).message
            )),
            Err(e) => warnings.push(format!(
                "reviewers {} were not added: {}",
                names.join(", "),
                e.message
            )),
        }
    }

    /// A comment with exactly this body on the request (the lookup after a lost answer).
    fn find_comment(&self, number: u64, body: &str) -> Result<Option<()>> {
        let path = format!("{}/issues/{number}/comments", self.repo_path());
        let comments: Vec<Comment> =
            self.get(&path, &format!("reading the comments of #{number}"))?;
        Ok(comments
            .iter()
            .any(|c| c.body.trim() == body.trim())
            .then_some(()))
    }
}

/// Gitea's error text.
fn message(reply: &Reply) -> String {
    let Ok(body) = serde_json::from_str::<ErrorBody>(&reply.body) else {
        return String::new();
    };
    let mut out: Vec<String> = body.message.into_iter().collect();
    for e in body.errors.unwrap_or_default() {
        match e {
            Value::String(s) => out.push(s),
            other => out.push(other.to_string()),
        }
    }
    out.join("; ")
}

impl Forge for Gitea {
    fn target(&self) -> &Target {
        &self.target
    }

    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        let path = format!("{}/pulls/{number}", self.repo_path());
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status == 404 {
            return Err(super::pr_not_found(&self.target, number));
        }
        if reply.status != 200 {
            return Err(self.failure(&format!("reading pull request #{number}"), &reply));
        }
        let pr: Pull = reply.json(self.kind())?;
        Ok(pr.info())
    }

    fn pr_commits(&self, number: u64) -> Result<CommitList> {
        // Without the per-commit signature checks and file lists Gitea adds by default.
        let path = format!(
            "{}/pulls/{number}/commits?verification=false&files=false",
            self.repo_path()
        );
        let (commits, short) =
            self.all_pages::<Commit>(&path, &format!("listing the commits of #{number}"))?;
        Ok(CommitList {
            commits: commits
                .into_iter()
                .map(|c| PrCommit {
                    sha: c.sha,
                    message: c.commit.message,
                })
                .collect(),
            short,
        })
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        // The request from `head` into `base`, whatever its state: only an open one counts.
        let path = format!(
            "{}/pulls/{}/{}",
            self.repo_path(),
            path_segment(base),
            path_segment(head)
        );
        let reply = self.call(&Method::GET, &path, None)?;
        match reply.status {
            404 => Ok(None),
            200 => {
                let pr: Pull = reply.json(self.kind())?;
                Ok((pr.state == "open").then(|| self.pull_request(&pr, true)))
            }
            _ => Err(self.failure("looking for an open pull request", &reply)),
        }
    }

    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest> {
        let title = if pr.draft {
            self.kind().draft_title(&pr.title)
        } else {
            pr.title.clone()
        };
        let mut body = json!({
            "head": pr.head,
            "base": pr.base,
            "title": title,
            "body": pr.body,
        });
        let labels = self.label_ids(&pr.labels, warnings);
        if !labels.is_empty() {
            body["labels"] = json!(labels);
        }
        let path = format!("{}/pulls", self.repo_path());
        let outcome = self.http.create(
            self.kind(),
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&body)),
            &|| self.find_open_pr(&pr.head, &pr.base),
        )?;
        let created = match outcome {
            Created::Found(found) => PullRequest {
                existing: false,
                ..found
            },
            Created::Reply(reply) => match reply.status {
                201 => self.pull_request(&reply.json(self.kind())?, false),
                // "pull request already exists for these targets"
                409 => {
                    return self.find_open_pr(&pr.head, &pr.base)?.ok_or_else(|| {
                        self.failure("opening the pull request", &reply)
                            .hint("re-run to retry")
                    })
                }
                _ => return Err(self.failure("opening the pull request", &reply)),
            },
        };
        self.request_reviews(created.number, &pr.reviewers, warnings);
        Ok(created)
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!("{}/issues/{number}/comments", self.repo_path());
        let payload = json!({ "body": body });
        let outcome = self.http.create(
            self.kind(),
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&payload)),
            &|| self.find_comment(number, body),
        )?;
        match outcome {
            Created::Found(()) => Ok(()),
            Created::Reply(reply) if reply.status == 201 => Ok(()),
            Created::Reply(reply) => Err(self.failure(&format!("commenting on #{number}"), &reply)),
        }
    }

    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>> {
        let path = format!(
            "{}/pulls?state=closed&sort=recentupdate&limit=30&page=1",
            self.repo_path()
        );
        let closed: Vec<Pull> = self.get(&path, "listing merged pull requests")?;
        Ok(closed
            .into_iter()
            .filter(|pr| pr.merged && pr.base.name == base)
            .map(|pr| PrInfo {
                head_sha: None,
                ..pr.info()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitea_error_messages_are_read() {
        let reply = |status, body: &str| Reply {
            status,
            body: body.into(),
            ..Reply::default()
        };
        assert_eq!(
            message(&reply(
                409,
                r#"{"message":"pull request already exists for these targets [id: 3, issue_id: 5, head_repo_id: 1, base_repo_id: 1, head_branch: x, base_branch: main]","url":"https://gitea.example.com/api/swagger"}"#
            )),
            "pull request already exists for these targets [id: 3, issue_id: 5, head_repo_id: 1, base_repo_id: 1, head_branch: x, base_branch: main]"
        );
        assert_eq!(
            message(&reply(
                422,
                r#"{"message":"Invalid","errors":["title is required"]}"#
            )),
            "Invalid; title is required"
        );
        assert_eq!(message(&reply(502, "<html>")), "");
    }
}
