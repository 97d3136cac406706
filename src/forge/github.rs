//! GitHub and GitHub Enterprise through octocrab: octocrab carries the token, the base address
//! and the connection; statuses, retries and rate limits are handled here like every forge's.

use http::Method;
use serde_json::{json, Value};

use super::{
    query_value, status_error, ApiCommit, CommitList, Created, Forge, Http, Kind, NewPr, PrCommit,
    PrInfo, PullRequest, Reply, SendError, Target, Token,
};
use crate::error::{Error, Result};

/// GitHub's own cap on the commits it lists of one pull request.
const LISTED_AT_MOST: usize = 250;
/// Pages read of one list at most (100 entries each).
const MAX_PAGES: usize = 50;

pub struct GitHub {
    target: Target,
    client: octocrab::Octocrab,
    /// GitHub Enterprise serves GraphQL at `https://host/api/graphql`, beside the REST API at
    /// `/api/v3`, not under it: a client whose base is the host.
    graphql: Option<octocrab::Octocrab>,
    rt: tokio::runtime::Runtime,
    http: Http,
}

/// Where a renamed or transferred repository now answers (`/repositories/<id>`), by API and
/// repository, once a redirect said so: kept for the rest of the run, by every client of it.
static MOVED: std::sync::Mutex<Vec<(String, String, String)>> = std::sync::Mutex::new(Vec::new());

impl GitHub {
    pub fn new(target: Target, token: Token, http: Http) -> Result<GitHub> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::failed("cannot start the HTTP runtime").because(e))?;
        let Token::Bearer(secret) = token else {
            return Err(
                Error::bad_input("GitHub takes a token, not a user and password")
                    .hint(super::token_hint(Kind::GitHub)),
            );
        };
        let build = |base: &str| -> Result<octocrab::Octocrab> {
            let _guard = rt.enter();
            octocrab::Octocrab::builder()
                .base_uri(base)
                .map_err(|e| {
                    Error::bad_input(format!("the GitHub API address {base} is not valid: {e}"))
                })?
                .personal_token(secret.clone())
                .set_connect_timeout(Some(http.connect_timeout))
                .set_read_timeout(Some(http.request_timeout))
                .set_write_timeout(Some(http.request_timeout))
                .build()
                .map_err(|e| Error::failed("cannot set up the GitHub client").because(e))
        };
        let client = build(target.api.as_str())?;
        let graphql = match target.api.trim_end_matches('/').strip_suffix("/api/v3") {
            Some(host) => Some(build(host)?),
            None => None,
        };
        Ok(GitHub {
            target,
            client,
            graphql,
            rt,
            http,
        })
    }

    fn repo_path(&self) -> String {
        let moved = MOVED.lock().ok().and_then(|m| {
            m.iter()
                .find(|(api, slug, _)| *api == self.target.api && *slug == self.target.slug)
                .map(|(_, _, to)| to.clone())
        });
        moved.unwrap_or_else(|| format!("/repos/{}/{}", self.target.owner(), self.target.repo()))
    }

    fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, SendError> {
        self.send_with(&self.client, method, path, body)
    }

    /// One request, with the media type GitHub documents for its REST API.
    fn send_with(
        &self,
        client: &octocrab::Octocrab,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, SendError> {
        let timeout = self.http.request_timeout;
        let method = method.clone();
        self.rt.block_on(async move {
            let request = async {
                let builder = http::Request::builder()
                    .method(method)
                    .uri(path)
                    .header(http::header::ACCEPT, "application/vnd.github+json")
                    .header("x-github-api-version", "2022-11-28");
                let request = client
                    .build_request(builder, body)
                    .map_err(|e| SendError::Other(e.to_string()))?;
                let response = client
                    .execute(request)
                    .await
                    .map_err(|e| super::connection_failure(&e))?;
                let mut reply = Reply::from_headers(response.status().as_u16(), response.headers());
                // Read up to the limit, never more: a huge answer is refused, not held whole.
                let limited = http_body_util::Limited::new(response.into_body(), super::MAX_BODY);
                let bytes = http_body_util::BodyExt::collect(limited)
                    .await
                    .map_err(|e| {
                        if e.is::<http_body_util::LengthLimitError>() {
                            SendError::Refused(format!(
                                "the answer is larger than {} MiB; it was not read",
                                super::MAX_BODY >> 20
                            ))
                        } else {
                            SendError::Other(e.to_string())
                        }
                    })?
                    .to_bytes();
                reply.body = String::from_utf8_lossy(&bytes).into_owned();
                Ok(reply)
            };
            match tokio::time::timeout(timeout, request).await {
                Ok(result) => result,
                Err(_) => Err(SendError::Timeout),
            }
        })
    }

    fn call(&self, method: &Method, path: &str, body: Option<Value>) -> Result<Reply> {
        let reply = self.http.call(Kind::GitHub, method, path, &|| {
            self.send(method, path, body.as_ref())
        })?;
        self.follow(method, path, body, reply)
    }

    /// A renamed or transferred repository answers with a redirect to its new address:
    /// followed once, on the same API origin only (a token never goes elsewhere), a 307 or
    /// 308 with the same method and body, a 301 or 302 for reads; the new address is kept for
    /// the rest of the run.
    fn follow(
        &self,
        method: &Method,
        path: &str,
        body: Option<Value>,
        reply: Reply,
    ) -> Result<Reply> {
        let keeps_method = matches!(reply.status, 307 | 308);
        let follows = keeps_method || (method == "GET" && matches!(reply.status, 301 | 302));
        if !follows {
            return Ok(reply);
        }
        let location = reply.location.clone().unwrap_or_default();
        let Some(moved) = same_api_path(&self.target.api, &location) else {
            return Err(Error::failed(format!(
                "GitHub redirected {path} to {}, which is not on {}; not followed",
                if location.is_empty() {
                    "nowhere"
                } else {
                    &location
                },
                self.target.api
            ))
            .hint("check fastrevert.repo and fastrevert.apiUrl"));
        };
        // `/repos/o/r/pulls/7` → `/repositories/42/pulls/7`: the repository's new prefix.
        let repo = self.repo_path();
        if let Some(rest) = path.strip_prefix(repo.as_str()) {
            let new_prefix = moved
                .split('?')
                .next()
                .and_then(|p| p.strip_suffix(rest.split('?').next().unwrap_or(rest)));
            if let (Some(prefix), Ok(mut m)) = (new_prefix.filter(|p| !p.is_empty()), MOVED.lock())
            {
                m.retain(|(api, slug, _)| *api != self.target.api || *slug != self.target.slug);
                m.push((
                    self.target.api.clone(),
                    self.target.slug.clone(),
                    prefix.to_string(),
                ));
            }
        }
        self.http.call(Kind::GitHub, method, &moved, &|| {
            self.send(method, &moved, body.as_ref())
        })
    }
}

/// The `rel="next"` address of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// The path under `api` that `location` names, if it is on the same scheme, host and port.
fn same_api_path(api: &str, location: &str) -> Option<String> {
    let api = reqwest::Url::parse(api).ok()?;
    let to = api.join(location).ok()?;
    let same_origin = to.scheme() == api.scheme()
        && to.host_str() == api.host_str()
        && to.port_or_known_default() == api.port_or_known_default();
    let prefix = api.path().trim_end_matches('/');
    let rest = to.path().strip_prefix(prefix)?;
    if !same_origin || !rest.starts_with('/') {
        return None;
    }
    Some(match to.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    })
}

/// A pull request as GitHub's REST API describes it (the fields read here; a missing text is
/// empty, as GitHub leaves some out on older or partial answers).
#[derive(Debug, serde::Deserialize)]
struct Pull {
    number: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    merged: bool,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    /// How many commits the pull request has (the commit list stops at 250).
    #[serde(default)]
    commits: Option<u64>,
    #[serde(default)]
    head: Option<Branch>,
    #[serde(default)]
    base: Option<Branch>,
    #[serde(default)]
    html_url: String,
}

#[derive(Debug, serde::Deserialize)]
struct Branch {
    #[serde(rename = "ref", default)]
    name: String,
    #[serde(default)]
    sha: Option<String>,
}

impl Pull {
    fn info(self) -> PrInfo {
        let merged = self.merged || self.merged_at.is_some();
        PrInfo {
            number: self.number,
            title: self.title,
            merged,
            state: self.state,
            merge_commit: self.merge_commit_sha,
            head_sha: self.head.as_ref().and_then(|b| b.sha.clone()),
            head_ref: self.head.map(|b| b.name).unwrap_or_default(),
            base_ref: self.base.map(|b| b.name).unwrap_or_default(),
            url: self.html_url,
            commit_count: self.commits,
            head_ref_on_remote: Some(format!("refs/pull/{}/head", self.number)),
            ..PrInfo::default()
        }
    }
}

/// A commit of a pull request (`GET /pulls/N/commits`).
#[derive(Debug, serde::Deserialize)]
struct PullCommit {
    sha: String,
    commit: PullCommitDetail,
}

#[derive(Debug, serde::Deserialize)]
struct PullCommitDetail {
    #[serde(default)]
    message: String,
}

/// GitHub's error text: `message` plus each `errors[].message`.
fn message(reply: &Reply) -> String {
    let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
        return String::new();
    };
    let mut parts: Vec<String> = v["message"]
        .as_str()
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(errors) = v["errors"].as_array() {
        parts.extend(
            errors
                .iter()
                .filter_map(|e| e["message"].as_str().map(str::to_string)),
        );
    }
    parts.join("; ")
}

fn pull_request(pull: Pull, existing: bool) -> PullRequest {
    PullRequest {
        number: pull.number,
        url: pull.html_url,
        existing,
        forge: Kind::GitHub,
    }
}

impl Forge for GitHub {
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
            return Err(status_error(
                Kind::GitHub,
                &format!("reading pull request #{number}"),
                &reply,
                message(&reply),
            ));
        }
        let pull: Pull = reply.json(Kind::GitHub)?;
        Ok(pull.info())
    }

    fn pr_commits(&self, number: u64) -> Result<CommitList> {
        let mut commits = Vec::new();
        // Every page to the end; GitHub itself lists at most 250 commits of a pull request.
        for page in 1..=MAX_PAGES {
            let path = format!(
                "{}/pulls/{number}/commits?per_page=100&page={page}",
                self.repo_path()
            );
            let reply = self.call(&Method::GET, &path, None)?;
            if reply.status != 200 {
                return Err(status_error(
                    Kind::GitHub,
                    &format!("listing the commits of #{number}"),
                    &reply,
                    message(&reply),
                ));
            }
            let list: Vec<PullCommit> = reply.json(Kind::GitHub)?;
            let more =
                list.len() == 100 && reply.link.as_deref().is_none_or(|l| next_link(l).is_some());
            commits.extend(list.into_iter().map(|c| PrCommit {
                sha: c.sha,
                message: c.commit.message,
            }));
            if !more {
                let short = (commits.len() >= LISTED_AT_MOST).then(|| {
                    format!("GitHub lists at most {LISTED_AT_MOST} commits of a pull request")
                });
                return Ok(CommitList { commits, short });
            }
        }
        Ok(CommitList::cut_after_pages(commits, MAX_PAGES))
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        // The owner prefix is required, or branches of the same name in forks match too.
        let path = format!(
            "{}/pulls?state=open&head={}&base={}",
            self.repo_path(),
            query_value(&format!("{}:{head}", self.target.owner())),
            query_value(base)
        );
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                Kind::GitHub,
                "looking for an open pull request",
                &reply,
                message(&reply),
            ));
        }
        let open: Vec<Pull> = reply.json(Kind::GitHub)?;
        Ok(open.into_iter().next().map(|pr| pull_request(pr, true)))
    }

    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest> {
        let path = format!("{}/pulls", self.repo_path());
        let body = json!({"title": pr.title, "head": pr.head, "base": pr.base, "body": pr.body, "draft": pr.draft});
        let outcome = self.http.create(
            Kind::GitHub,
            &Method::POST,
            &path,
            &|| self.send(&Method::POST, &path, Some(&body)),
            &|| self.find_open_pr(&pr.head, &pr.base),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => {
                self.follow(&Method::POST, &path, Some(body.clone()), reply)?
            }
            // An attempt whose answer was lost opened it; labels and reviewers come next.
            Created::Found(found) => {
                let created = PullRequest {
                    existing: false,
                    ..found
                };
                self.label_and_request_reviews(&created, pr, warnings)?;
                return Ok(created);
            }
        };
        let created = match reply.status {
            201 | 200 => pull_request(reply.json(Kind::GitHub)?, false),
            422 if message(&reply).contains("already exists") => {
                return self.find_open_pr(&pr.head, &pr.base)?.ok_or_else(|| {
                    Error::failed(
                        "GitHub says a pull request exists for the branch, but none is open",
                    )
                    .hint("re-run to retry")
                });
            }
            403 if message(&reply).contains("not permitted to create or approve pull requests") => {
                return Err(Error::failed(format!("GitHub refused: {}", message(&reply))).hint(
                    "allow it in the repository: Settings > Actions > General > Workflow permissions > \"Allow GitHub Actions to create and approve pull requests\" (or use a GitHub App token or a PAT)",
                ));
            }
            _ => {
                return Err(status_error(
                    Kind::GitHub,
                    "opening the pull request",
                    &reply,
                    message(&reply),
                ))
            }
        };
        self.label_and_request_reviews(&created, pr, warnings)?;
        Ok(created)
    }

    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>> {
        let path = format!(
            "{}/pulls?state=closed&base={}&sort=updated&direction=desc&per_page=30",
            self.repo_path(),
            query_value(base)
        );
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(
                Kind::GitHub,
                "listing merged pull requests",
                &reply,
                message(&reply),
            ));
        }
        let closed: Vec<Pull> = reply.json(Kind::GitHub)?;
        Ok(closed
            .into_iter()
            .filter(|pr| pr.merged_at.is_some())
            .map(|pr| PrInfo {
                state: "merged".into(),
                head_sha: None,
                ..pr.info()
            })
            .collect())
    }

    fn create_signed_commits(
        &self,
        branch: &str,
        base: &str,
        commits: &[ApiCommit],
    ) -> Result<Vec<String>> {
        let refs = format!("{}/git/refs", self.repo_path());
        let payload = json!({"ref": format!("refs/heads/{branch}"), "sha": base});
        // A lost answer is looked up before sending again: the branch at `base` is this run's.
        let outcome = self.http.create(
            Kind::GitHub,
            &Method::POST,
            &refs,
            &|| self.send(&Method::POST, &refs, Some(&payload)),
            &|| {
                Ok(self
                    .branch_head(branch)?
                    .filter(|at| at == base)
                    .map(|_| ()))
            },
        )?;
        if let Created::Reply(reply) = outcome {
            match reply.status {
                201 => {}
                // A branch left at the base by an earlier run holds nothing: it is used.
                422 if message(&reply).contains("already exists")
                    && self.branch_head(branch)?.as_deref() == Some(base) => {}
                422 if message(&reply).contains("already exists") => {
                    return Err(Error::bad_input(format!(
                        "branch {branch} already exists on GitHub with other commits; nothing was created"
                    ))
                    .hint(format!("choose another name: --branch {branch}-2")))
                }
                _ => {
                    return Err(status_error(
                        Kind::GitHub,
                        &format!("creating branch {branch}"),
                        &reply,
                        message(&reply),
                    ))
                }
            }
        }
        let mut head = base.to_string();
        let mut made = Vec::new();
        for commit in commits {
            match self.commit_on_branch(branch, &head, commit) {
                Ok(oid) => {
                    made.push(oid.clone());
                    head = oid;
                }
                Err(mut e) => {
                    // Leave no empty branch behind: deleted only while it is still at the base
                    // (nothing of this run on it), and said.
                    let empty = made.is_empty()
                        && matches!(self.branch_head(branch), Ok(Some(at)) if at == base);
                    if empty {
                        let path = self
                            .branch_ref(branch)
                            .replacen("/git/ref/", "/git/refs/", 1);
                        let deleted = self
                            .call(&Method::DELETE, &path, None)
                            .is_ok_and(|r| r.status == 204);
                        e.hints.retain(|h| !h.contains("kept"));
                        e = e.hint(if deleted {
                            format!("the empty branch {branch} was deleted on GitHub; re-run to retry")
                        } else {
                            format!("the empty branch {branch} is still on GitHub; re-run to retry (it is used again)")
                        });
                    }
                    return Err(e);
                }
            }
        }
        Ok(made)
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!("{}/issues/{number}/comments", self.repo_path());
        let payload = json!({"body": body});
        let outcome = self.http.create(
            Kind::GitHub,
            &Method::POST,
            &path,
            &|| self.send(&Method::POST, &path, Some(&payload)),
            &|| self.find_comment(number, body),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => {
                self.follow(&Method::POST, &path, Some(payload.clone()), reply)?
            }
            Created::Found(()) => return Ok(()),
        };
        if reply.status == 201 || reply.status == 200 {
            Ok(())
        } else {
            Err(status_error(
                Kind::GitHub,
                &format!("commenting on #{number}"),
                &reply,
                message(&reply),
            ))
        }
    }
}

impl GitHub {
    /// Where GraphQL is: `/graphql` beside api.github.com; on GitHub Enterprise `/api/graphql`
    /// of the host (sent through the client whose base is the host).
    fn graphql_path(&self) -> String {
        match self.graphql {
            Some(_) => "/api/graphql".into(),
            None => "/graphql".into(),
        }
    }

    /// The branch's ref path in the API: each part of the name percent-encoded, so that `#`,
    /// `?` or `%` in a branch name never address another ref.
    fn branch_ref(&self, branch: &str) -> String {
        let parts: Vec<String> = branch.split('/').map(super::path_segment).collect();
        format!("{}/git/ref/heads/{}", self.repo_path(), parts.join("/"))
    }

    /// Where the branch points on GitHub, if it exists.
    fn branch_head(&self, branch: &str) -> Result<Option<String>> {
        let reply = self.call(&Method::GET, &self.branch_ref(branch), None)?;
        match reply.status {
            200 => {
                let v: Value = reply.json(Kind::GitHub)?;
                Ok(v["object"]["sha"].as_str().map(str::to_string))
            }
            404 => Ok(None),
            _ => Err(status_error(
                Kind::GitHub,
                &format!("reading branch {branch}"),
                &reply,
                message(&reply),
            )),
        }
    }

    /// After an answer that was lost: whether the commit was made anyway, that is, the branch
    /// moved from `head` to a commit on it with the tree computed here.
    fn commit_made(&self, branch: &str, head: &str, commit: &ApiCommit) -> Result<Option<String>> {
        let Some(now) = self.branch_head(branch)? else {
            return Ok(None);
        };
        if now == head {
            return Ok(None);
        }
        let reply = self.call(
            &Method::GET,
            &format!("{}/git/commits/{now}", self.repo_path()),
            None,
        )?;
        if reply.status != 200 {
            return Ok(None);
        }
        let v: Value = reply.json(Kind::GitHub)?;
        let parent = v["parents"][0]["sha"].as_str();
        let tree = v["tree"]["sha"].as_str();
        Ok((parent == Some(head) && tree == Some(commit.tree.as_str())).then_some(now))
    }

    /// One `createCommitOnBranch` (GitHub signs what it creates), checked against the tree
    /// git-fastrevert computed.
    fn commit_on_branch(&self, branch: &str, head: &str, commit: &ApiCommit) -> Result<String> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let additions: Vec<Value> = commit
            .additions
            .iter()
            .map(|(path, content)| json!({"path": path, "contents": b64.encode(content)}))
            .collect();
        let deletions: Vec<Value> = commit
            .deletions
            .iter()
            .map(|path| json!({"path": path}))
            .collect();
        let query = "mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid tree { oid } } } }";
        let input = json!({
            "branch": {"repositoryNameWithOwner": self.target.slug, "branchName": branch},
            "message": {"headline": commit.headline, "body": commit.body},
            "fileChanges": {"additions": additions, "deletions": deletions},
            "expectedHeadOid": head,
        });
        let payload = json!({"query": query, "variables": {"input": input}});
        let client = self.graphql.as_ref().unwrap_or(&self.client);
        let path = self.graphql_path();
        let outcome = self.http.create(
            Kind::GitHub,
            &Method::POST,
            &path,
            &|| self.send_with(client, &Method::POST, &path, Some(&payload)),
            &|| self.commit_made(branch, head, commit),
        )?;
        let reply = match outcome {
            Created::Found(oid) => return Ok(oid),
            Created::Reply(reply) => reply,
        };
        if reply.status != 200 {
            return Err(status_error(
                Kind::GitHub,
                &format!("creating a commit on {branch}"),
                &reply,
                message(&reply),
            ));
        }
        let v: Value = reply.json(Kind::GitHub)?;
        if let Some(errors) = v["errors"].as_array().filter(|e| !e.is_empty()) {
            let text: Vec<&str> = errors
                .iter()
                .filter_map(|e| e["message"].as_str())
                .collect();
            return Err(Error::failed(format!(
                "GitHub did not create the commit on {branch}: {}",
                text.join("; ")
            ))
            .hint("re-run to retry; the branch is kept as far as it got"));
        }
        let made = &v["data"]["createCommitOnBranch"]["commit"];
        let (Some(oid), Some(tree)) = (made["oid"].as_str(), made["tree"]["oid"].as_str()) else {
            return Err(
                Error::failed("GitHub answered without the commit it created")
                    .hint("re-run to retry"),
            );
        };
        if tree != commit.tree {
            return Err(Error::failed(format!(
                "GitHub's commit {oid} on {branch} has tree {tree}, not the {} git-fastrevert computed; the branch is not the revert",
                commit.tree
            ))
            .hint(format!("delete the branch on GitHub, then run again without --sign-with-github: git push origin --delete {branch}")));
        }
        Ok(oid.to_string())
    }

    /// Labels and review requests of a pull request just opened; both are the same when
    /// repeated, and a failure is a warning.
    fn label_and_request_reviews(
        &self,
        created: &PullRequest,
        pr: &NewPr,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        if !pr.labels.is_empty() {
            let path = format!("{}/issues/{}/labels", self.repo_path(), created.number);
            let reply = self.call(&Method::POST, &path, Some(json!({"labels": pr.labels})))?;
            if reply.status != 200 {
                warnings.push(format!(
                    "labels were not added ({}: {})",
                    reply.status,
                    message(&reply)
                ));
            }
        }
        if !pr.reviewers.is_empty() {
            self.request_reviews(created.number, &pr.reviewers, warnings)?;
        }
        Ok(())
    }

    /// Ask for reviews: users by login, `org/team` by the team's slug when the team is in the
    /// repository's organisation (GitHub asks teams of that organisation only). When GitHub
    /// refuses the lot (it does not say whom), each is asked alone: a refused one is a warning,
    /// the others are kept.
    fn request_reviews(
        &self,
        number: u64,
        reviewers: &[String],
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let owner = self.target.owner().to_ascii_lowercase();
        let mut asked: Vec<(Option<&str>, Option<&str>, &str)> = Vec::new();
        for r in reviewers {
            match r.split_once('/') {
                Some((org, slug)) if org.to_ascii_lowercase() == owner => {
                    asked.push((None, Some(slug), r))
                }
                Some((org, _)) => warnings.push(format!(
                    "team {r} was not asked to review: it belongs to {org}, and GitHub asks only teams of {}",
                    self.target.owner()
                )),
                None => asked.push((Some(r.as_str()), None, r)),
            }
        }
        if asked.is_empty() {
            return Ok(());
        }
        let path = format!("{}/pulls/{number}/requested_reviewers", self.repo_path());
        let body = |some: &[(Option<&str>, Option<&str>, &str)]| {
            let users: Vec<&str> = some.iter().filter_map(|a| a.0).collect();
            let teams: Vec<&str> = some.iter().filter_map(|a| a.1).collect();
            let mut body = serde_json::Map::new();
            if !users.is_empty() {
                body.insert("reviewers".into(), json!(users));
            }
            if !teams.is_empty() {
                body.insert("team_reviewers".into(), json!(teams));
            }
            Value::Object(body)
        };
        let reply = self.call(&Method::POST, &path, Some(body(&asked)))?;
        if reply.status == 201 || reply.status == 200 {
            return Ok(());
        }
        if asked.len() == 1 || reply.status != 422 {
            warnings.push(format!(
                "reviewers were not requested ({}: {})",
                reply.status,
                message(&reply)
            ));
            return Ok(());
        }
        for one in &asked {
            let reply = self.call(&Method::POST, &path, Some(body(std::slice::from_ref(one))))?;
            if reply.status != 201 && reply.status != 200 {
                warnings.push(format!(
                    "{} was not asked to review ({}: {})",
                    one.2,
                    reply.status,
                    message(&reply)
                ));
            }
        }
        Ok(())
    }

    /// A comment with exactly this body, made lately on the pull request.
    fn find_comment(&self, number: u64, body: &str) -> Result<Option<()>> {
        // Only comments of the last hour: the one looked for was sent moments ago.
        let since = (chrono::Utc::now() - chrono::Duration::hours(1))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut path = format!(
            "{}/issues/{number}/comments?since={}&per_page=100",
            self.repo_path(),
            query_value(&since)
        );
        // Every page: a busy pull request has more than a page of comments in an hour.
        for _ in 0..MAX_PAGES {
            let reply = self.call(&Method::GET, &path, None)?;
            if reply.status != 200 {
                return Err(status_error(
                    Kind::GitHub,
                    &format!("reading the comments of #{number}"),
                    &reply,
                    message(&reply),
                ));
            }
            let v: Value = reply.json(Kind::GitHub)?;
            let found = v
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["body"].as_str().map(str::trim) == Some(body.trim()));
            if found {
                return Ok(Some(()));
            }
            match reply
                .link
                .as_deref()
                .and_then(next_link)
                .and_then(|next| same_api_path(&self.target.api, &next))
            {
                Some(next) => path = next,
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_followed_only_under_the_same_api() {
        let api = "https://api.github.com";
        assert_eq!(
            same_api_path(api, "https://api.github.com/repositories/42/pulls/7").as_deref(),
            Some("/repositories/42/pulls/7")
        );
        assert_eq!(
            same_api_path(api, "/repositories/42/pulls?state=open").as_deref(),
            Some("/repositories/42/pulls?state=open")
        );
        assert_eq!(same_api_path(api, "https://evil.example/repos/a/b"), None);
        assert_eq!(same_api_path(api, "http://api.github.com/repos/a/b"), None);
        let ghe = "https://ghe.example.com/api/v3";
        assert_eq!(
            same_api_path(ghe, "https://ghe.example.com/api/v3/repositories/1").as_deref(),
            Some("/repositories/1")
        );
        assert_eq!(same_api_path(ghe, "https://ghe.example.com/other/1"), None);
    }
}
