//! Bitbucket Cloud (REST 2.0) and Bitbucket Data Center (REST 1.0) through reqwest.

use http::Method;
use serde_json::{json, Value};

use super::rest::Rest;
use super::{
    query_value, status_error, CommitList, Created, Forge, Http, NewPr, PrCommit, PrInfo,
    PullRequest, Reply, SendError, Target, Token,
};
use crate::error::{Error, Result};

/// A pull request as Bitbucket Cloud (REST 2.0) or Data Center (REST 1.0) describes it: the
/// fields of both shapes, each `None` or empty where that API has none.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Pull {
    id: Option<u64>,
    title: String,
    state: String,
    // Cloud
    merge_commit: Option<Hash>,
    source: Option<CloudEnd>,
    destination: Option<CloudEnd>,
    // Data Center
    properties: Option<DcProperties>,
    #[serde(rename = "fromRef")]
    from_ref: Option<DcRef>,
    #[serde(rename = "toRef")]
    to_ref: Option<DcRef>,
    links: Links,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Hash {
    hash: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CloudEnd {
    branch: Name,
    commit: Option<Hash>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Name {
    name: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DcProperties {
    #[serde(rename = "mergeCommit")]
    merge_commit: Option<DcCommit>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DcCommit {
    id: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DcRef {
    id: String,
    #[serde(rename = "displayId")]
    display_id: String,
    #[serde(rename = "latestCommit")]
    latest_commit: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Links {
    html: Option<Href>,
    /// Cloud: one link; Data Center: a list.
    #[serde(rename = "self")]
    self_links: Option<OneOrMany>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Href),
    Many(Vec<Href>),
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Href {
    href: String,
}

/// A page of a list: Cloud links the `next` page, Data Center says `isLastPage` and where the
/// next one starts.
#[derive(Debug, serde::Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
    #[serde(default)]
    next: Option<String>,
    #[serde(rename = "isLastPage", default)]
    is_last_page: Option<bool>,
    #[serde(rename = "nextPageStart", default)]
    next_page_start: Option<u64>,
}

/// A commit of a pull request: Cloud names it by `hash`, Data Center by `id`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Commit {
    hash: Option<String>,
    id: Option<String>,
    message: String,
}

/// A comment (Cloud) or an activity holding one (Data Center).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CommentEntry {
    content: Option<CloudContent>,
    comment: Option<DcComment>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CloudContent {
    raw: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DcComment {
    text: String,
}

/// Data Center's 409 for a pull request already open, which it names.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Conflict {
    errors: Vec<ConflictError>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ConflictError {
    #[serde(rename = "existingPullRequest")]
    existing: Option<Pull>,
}

impl Pull {
    fn url(&self) -> String {
        match &self.links.html {
            Some(h) => h.href.clone(),
            None => match &self.links.self_links {
                Some(OneOrMany::Many(links)) => {
                    links.first().map(|h| h.href.clone()).unwrap_or_default()
                }
                Some(OneOrMany::One(link)) => link.href.clone(),
                None => String::new(),
            },
        }
    }

    /// What the commands need of it, read from whichever API's shape it has.
    fn info(self, number: u64) -> PrInfo {
        let url = self.url();
        let merged = self.state == "MERGED";
        // Data Center keeps each pull request's source as a ref on the remote; Cloud keeps none.
        let head_ref_on_remote = self
            .from_ref
            .is_some()
            .then(|| format!("refs/pull-requests/{number}/from"));
        let (merge_commit, head_ref, head_sha, base_ref) = match (self.source, self.from_ref) {
            (Some(source), _) => (
                self.merge_commit.map(|h| h.hash),
                source.branch.name,
                source.commit.map(|c| c.hash),
                self.destination.map(|d| d.branch.name).unwrap_or_default(),
            ),
            (None, from) => (
                self.properties.and_then(|p| p.merge_commit).map(|c| c.id),
                from.as_ref()
                    .map(|f| f.display_id.clone())
                    .unwrap_or_default(),
                from.and_then(|f| f.latest_commit),
                self.to_ref.map(|t| t.display_id).unwrap_or_default(),
            ),
        };
        PrInfo {
            number,
            title: self.title,
            merged,
            state: self.state,
            merge_commit,
            head_ref,
            head_sha,
            base_ref,
            url,
            head_ref_on_remote,
            ..PrInfo::default()
        }
    }
}

/// What differs between Bitbucket Cloud and Data Center: paths, request shapes and queries.
/// Each flavour is its own type, so neither carries the other's branches.
pub trait Flavour {
    /// The repository's API path: `/repositories/ws/slug` or `/projects/P/repos/slug`.
    fn repo_path(target: &Target) -> String;
    /// The pull requests' collection in paths.
    const PRS: &'static str;
    /// The pull request as this flavour wants it created.
    fn new_pr_body(target: &Target, pr: &NewPr) -> Value;
    /// The newest comments of a pull request (Cloud: its comments; Data Center: its
    /// activities).
    fn newest_comments(repo: &str, number: u64) -> String;
    /// The open pull requests from `head`, and into `base` where the query can say so.
    fn open_from(repo: &str, head: &str, base: &str) -> String;
    /// Whether a pull request the open-request query found targets `base`.
    fn targets(pr: &Pull, base: &str) -> bool;
    /// The pull requests merged into `base` lately, newest first.
    fn merged_into(repo: &str, base: &str) -> String;
    fn comment_body(text: &str) -> Value;
    /// The first page of a pull request's commits, as long as the API allows.
    fn commits_path(repo: &str, number: u64) -> String;
    /// Why an empty list of a merged pull request's commits says nothing, where it does not.
    const EMPTY_WHEN_MERGED: Option<&'static str>;
}

/// Bitbucket Cloud (bitbucket.org, API 2.0).
pub struct Cloud;

/// Bitbucket Data Center / Server (REST 1.0).
pub struct DataCenter;

impl Flavour for Cloud {
    const PRS: &'static str = "pullrequests";

    fn repo_path(target: &Target) -> String {
        format!("/repositories/{}/{}", target.owner(), target.repo())
    }

    fn new_pr_body(_target: &Target, pr: &NewPr) -> Value {
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
    }

    fn newest_comments(repo: &str, number: u64) -> String {
        format!("{repo}/pullrequests/{number}/comments?sort=-created_on&pagelen=50")
    }

    fn open_from(repo: &str, head: &str, base: &str) -> String {
        format!(
            "{repo}/pullrequests?state=OPEN&q={}",
            query_value(&format!(
                "source.branch.name=\"{}\" AND destination.branch.name=\"{}\"",
                bbql_string(head),
                bbql_string(base)
            ))
        )
    }

    fn targets(_pr: &Pull, _base: &str) -> bool {
        // The query already names the destination.
        true
    }

    fn merged_into(repo: &str, base: &str) -> String {
        format!(
            "{repo}/pullrequests?state=MERGED&q={}&sort=-updated_on&pagelen=30",
            query_value(&format!(
                "destination.branch.name=\"{}\"",
                bbql_string(base)
            ))
        )
    }

    fn comment_body(text: &str) -> Value {
        json!({"content": {"raw": text}})
    }

    fn commits_path(repo: &str, number: u64) -> String {
        // The default page holds 10; 100 is the most Cloud gives.
        format!("{repo}/pullrequests/{number}/commits?pagelen=100")
    }

    const EMPTY_WHEN_MERGED: Option<&'static str> = Some(
        "Bitbucket Cloud lists no commits of a pull request once its source branch is deleted",
    );
}

impl Flavour for DataCenter {
    const PRS: &'static str = "pull-requests";

    fn repo_path(target: &Target) -> String {
        format!("/projects/{}/repos/{}", target.owner(), target.repo())
    }

    fn new_pr_body(target: &Target, pr: &NewPr) -> Value {
        let repository = json!({"slug": target.repo(), "project": {"key": target.owner()}});
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

    fn newest_comments(repo: &str, number: u64) -> String {
        format!("{repo}/pull-requests/{number}/activities?limit=50")
    }

    fn open_from(repo: &str, head: &str, _base: &str) -> String {
        format!(
            "{repo}/pull-requests?state=OPEN&direction=OUTGOING&at={}",
            query_value(&format!("refs/heads/{head}"))
        )
    }

    fn targets(pr: &Pull, base: &str) -> bool {
        // Data Center filters by the source branch only: the target must be the base too.
        let wanted = format!("refs/heads/{base}");
        pr.to_ref.as_ref().is_some_and(|t| t.id == wanted)
    }

    fn merged_into(repo: &str, base: &str) -> String {
        format!(
            "{repo}/pull-requests?state=MERGED&at={}&order=NEWEST&limit=30",
            query_value(&format!("refs/heads/{base}"))
        )
    }

    fn comment_body(text: &str) -> Value {
        json!({"text": text})
    }

    fn commits_path(repo: &str, number: u64) -> String {
        // The default page holds 25.
        format!("{repo}/pull-requests/{number}/commits?limit=100")
    }

    const EMPTY_WHEN_MERGED: Option<&'static str> = None;
}

pub struct Bitbucket<F: Flavour> {
    target: Target,
    rest: Rest,
    http: Http,
    flavour: std::marker::PhantomData<F>,
}

impl<F: Flavour> Bitbucket<F> {
    pub fn new(target: Target, token: Token, http: Http) -> Result<Bitbucket<F>> {
        Ok(Bitbucket {
            rest: Rest::new(&target.api, token, &http)?,
            target,
            http,
            flavour: std::marker::PhantomData,
        })
    }

    fn repo_path(&self) -> String {
        F::repo_path(&self.target)
    }

    fn prs(&self) -> &'static str {
        F::PRS
    }

    fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, SendError> {
        self.rest.send(method, path, body)
    }

    fn call(&self, method: &Method, path: &str, body: Option<Value>) -> Result<Reply> {
        let reply = self.http.call(self.target.kind, method, path, &|| {
            self.send(method, path, body.as_ref())
        })?;
        self.rest.no_redirect(self.target.kind, path, reply)
    }

    fn pull_request(&self, pull: &Pull, existing: bool) -> Result<PullRequest> {
        let number = pull.id.ok_or_else(|| {
            Error::failed(format!(
                "{} answered without a pull request id",
                self.target.kind.name()
            ))
        })?;
        Ok(PullRequest {
            number,
            url: pull.url(),
            existing,
            forge: self.target.kind,
        })
    }
}

impl<F: Flavour> Bitbucket<F> {
    fn new_pr_body(&self, pr: &NewPr) -> Value {
        F::new_pr_body(&self.target, pr)
    }

    /// Create the pull request: `Ok(Ok(pr))` when it is there (made now or already open),
    /// `Ok(Err(reply))` when Bitbucket refused.
    fn create_pr(&self, pr: &NewPr) -> Result<std::result::Result<PullRequest, Reply>> {
        let body = self.new_pr_body(pr);
        let path = format!("{}/{}", self.repo_path(), self.prs());
        let outcome = self.http.create(
            self.target.kind,
            &Method::POST,
            &path,
            &|| self.send(&Method::POST, &path, Some(&body)),
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
                let conflict: Conflict = reply.json(self.target.kind)?;
                match conflict.errors.into_iter().find_map(|e| e.existing) {
                    Some(existing) => Ok(self.pull_request(&existing, true)?),
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
        let path = F::newest_comments(&self.repo_path(), number);
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                &format!("reading the comments of #{number}"),
                &reply,
                message(&reply),
            ));
        }
        let page: Page<CommentEntry> = reply.json(self.target.kind)?;
        let found = page.values.iter().any(|entry| {
            let text = match (&entry.content, &entry.comment) {
                (Some(c), _) => c.raw.as_str(),
                (None, Some(c)) => c.text.as_str(),
                (None, None) => return false,
            };
            text.trim() == body.trim()
        });
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

impl<F: Flavour> Forge for Bitbucket<F> {
    fn target(&self) -> &Target {
        &self.target
    }

    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        let path = format!("{}/{}/{number}", self.repo_path(), self.prs());
        let reply = self.call(&Method::GET, &path, None)?;
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
        let pull: Pull = reply.json(self.target.kind)?;
        Ok(pull.info(number))
    }

    fn pr_commits(&self, number: u64) -> Result<CommitList> {
        const MAX_PAGES: usize = 50;
        let mut commits = Vec::new();
        let mut path = F::commits_path(&self.repo_path(), number);
        for _ in 0..MAX_PAGES {
            let reply = self.call(&Method::GET, &path, None)?;
            if reply.status != 200 {
                return Err(status_error(
                    self.target.kind,
                    &format!("listing the commits of #{number}"),
                    &reply,
                    message(&reply),
                ));
            }
            let page: Page<Commit> = reply.json(self.target.kind)?;
            commits.extend(page.values.into_iter().map(|c| PrCommit {
                sha: c.hash.or(c.id).unwrap_or_default(),
                message: c.message,
            }));
            // Cloud pages with a `next` link, Data Center with `isLastPage`/`nextPageStart`.
            match (
                page.next.as_deref(),
                page.is_last_page,
                page.next_page_start,
            ) {
                // The next page is followed on this API only: a token never goes elsewhere.
                (Some(next), _, _) => {
                    path = next
                        .strip_prefix(self.rest.api())
                        .filter(|rest| rest.starts_with('/'))
                        .ok_or_else(|| {
                            Error::failed(format!(
                                "Bitbucket named a next page of the commits of #{number} that is not on {}; not followed",
                                self.rest.api()
                            ))
                        })?
                        .to_string()
                }
                (None, Some(false), Some(start)) => {
                    path = format!(
                        "{}&start={start}",
                        F::commits_path(&self.repo_path(), number)
                    )
                }
                (None, Some(false), None) => {
                    return Ok(CommitList {
                        commits,
                        short: Some("Bitbucket said there were more pages but not where".into()),
                    })
                }
                _ => {
                    let short = F::EMPTY_WHEN_MERGED
                        .filter(|_| commits.is_empty())
                        .map(str::to_string);
                    return Ok(CommitList { commits, short });
                }
            }
        }
        Ok(CommitList::cut_after_pages(commits, MAX_PAGES))
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        let path = F::open_from(&self.repo_path(), head, base);
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                "looking for an open pull request",
                &reply,
                message(&reply),
            ));
        }
        let page: Page<Pull> = reply.json(self.target.kind)?;
        match page.values.iter().find(|pr| F::targets(pr, base)) {
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
        let path = F::merged_into(&self.repo_path(), base);
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                self.target.kind,
                "listing merged pull requests",
                &reply,
                message(&reply),
            ));
        }
        let page: Page<Pull> = reply.json(self.target.kind)?;
        Ok(page
            .values
            .into_iter()
            .filter_map(|pr| {
                let number = pr.id?;
                Some(PrInfo {
                    merged: true,
                    state: "MERGED".into(),
                    head_sha: None,
                    base_ref: base.to_string(),
                    url: String::new(),
                    ..pr.info(number)
                })
            })
            .collect())
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!("{}/{}/{number}/comments", self.repo_path(), self.prs());
        let payload = F::comment_body(body);
        let outcome = self.http.create(
            self.target.kind,
            &Method::POST,
            &path,
            &|| self.send(&Method::POST, &path, Some(&payload)),
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
