//! Azure DevOps (Services and Server, REST 7.1) through reqwest: pull requests, their commits
//! and comment threads. Replies are read into typed models; lists come wrapped as
//! `{"count": n, "value": [...]}`.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::rest::Rest;
use super::{
    path_segment, query_value, status_error, CommitList, Created, Forge, Http, Kind, MergeMethod,
    NewPr, PrCommit, PrInfo, PullRequest, Reply, Target, Token,
};
use crate::error::{Error, Result};

const API_VERSION: &str = "api-version=7.1";

/// A pull request (`GitPullRequest`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pull {
    pull_request_id: u64,
    title: String,
    /// `active`, `abandoned` or `completed`.
    status: String,
    source_ref_name: String,
    target_ref_name: String,
    /// For a completed request, the commit its completion left on the target.
    #[serde(default)]
    last_merge_commit: Option<CommitRef>,
    #[serde(default)]
    last_merge_source_commit: Option<CommitRef>,
    #[serde(default)]
    completion_options: Option<CompletionOptions>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitRef {
    commit_id: String,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompletionOptions {
    #[serde(default)]
    merge_strategy: Option<String>,
}

/// Azure's list envelope.
#[derive(Debug, Deserialize)]
struct List<T> {
    value: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct Thread {
    #[serde(default)]
    comments: Vec<ThreadComment>,
}

#[derive(Debug, Deserialize)]
struct ThreadComment {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Identity {
    id: String,
}

/// Azure's error body: `message`, and `typeKey` naming the exception.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
}

/// `refs/heads/main` → `main`.
fn branch(name: &str) -> String {
    name.strip_prefix("refs/heads/").unwrap_or(name).to_string()
}

fn heads(name: &str) -> String {
    format!("refs/heads/{name}")
}

/// How Azure DevOps completed it, by the merge strategy it records.
fn method(strategy: Option<&str>) -> Option<MergeMethod> {
    match strategy? {
        "noFastForward" | "rebaseMerge" => Some(MergeMethod::Merge),
        "squash" => Some(MergeMethod::Squash),
        "rebase" => Some(MergeMethod::Rebase),
        _ => None,
    }
}

pub struct Azure {
    target: Target,
    rest: Rest,
    /// The identity service, for reviewers by name: `vssps.dev.azure.com/ORG` on Azure DevOps
    /// Services, the collection itself on a server.
    identities: Rest,
    http: Http,
}

impl Azure {
    pub fn new(target: Target, token: Token, http: Http) -> Result<Azure> {
        if matches!(token, Token::Private(_) | Token::Job(_) | Token::Gitea(_)) {
            return Err(
                Error::bad_input("Azure DevOps takes a personal access token")
                    .hint(super::token_hint(Kind::AzureDevOps)),
            );
        }
        let identities_api = identity_service(&target.api);
        super::check_transport(&identities_api)?;
        Ok(Azure {
            rest: Rest::new(&target.api, token.clone(), &http)?,
            identities: Rest::new(&identities_api, token, &http)?,
            target,
            http,
        })
    }

    /// `/PROJECT/_apis/git/repositories/REPO`: a repository is named by its name as well as
    /// by its id.
    fn repo_path(&self) -> String {
        let (project, repo) = self
            .target
            .slug
            .split_once('/')
            .unwrap_or((&self.target.slug, ""));
        format!(
            "/{}/_apis/git/repositories/{}",
            path_segment(project),
            path_segment(repo)
        )
    }

    fn call(&self, method: &Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let reply = self.http.call(Kind::AzureDevOps, method, path, &|| {
            self.rest.send(method, path, body)
        })?;
        self.rest.no_redirect(Kind::AzureDevOps, path, reply)
    }

    /// A GET answered 200, read as `T`.
    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<T> {
        let reply = self.call(&Method::GET, path, None)?;
        if reply.status != 200 {
            return Err(failure(what, &reply));
        }
        reply.json(Kind::AzureDevOps)
    }

    fn web_url(&self, number: u64) -> String {
        format!("{}/pullrequest/{number}", self.target.web)
    }

    fn pull_request(&self, pr: &Pull, existing: bool) -> PullRequest {
        PullRequest {
            number: pr.pull_request_id,
            url: self.web_url(pr.pull_request_id),
            existing,
            forge: Kind::AzureDevOps,
        }
    }

    fn info(&self, pr: Pull) -> PrInfo {
        let completed = pr.status == "completed";
        PrInfo {
            number: pr.pull_request_id,
            url: self.web_url(pr.pull_request_id),
            title: pr.title,
            merged: completed,
            state: if completed {
                "merged".into()
            } else {
                pr.status
            },
            merge_commit: pr
                .last_merge_commit
                .filter(|_| completed)
                .map(|c| c.commit_id),
            method: pr
                .completion_options
                .and_then(|o| method(o.merge_strategy.as_deref()))
                .filter(|_| completed),
            head_sha: pr.last_merge_source_commit.map(|c| c.commit_id),
            head_ref: branch(&pr.source_ref_name),
            base_ref: branch(&pr.target_ref_name),
            // Azure keeps no ref of a completed request's commits.
            head_ref_on_remote: None,
            commit_count: None,
            rebased_onto: None,
        }
    }

    /// Reviewers by name or e-mail, as the identity ids Azure wants; one it does not find
    /// is a warning.
    fn reviewer_ids(&self, names: &[String], warnings: &mut Vec<String>) -> Vec<String> {
        let mut ids = Vec::new();
        for name in names {
            let name = name.trim_start_matches('@');
            let path = format!(
                "/_apis/identities?searchFilter=General&filterValue={}&queryMembership=None&{API_VERSION}",
                query_value(name)
            );
            let found = self
                .http
                .call(Kind::AzureDevOps, &Method::GET, &path, &|| {
                    self.identities.send(&Method::GET, &path, None)
                })
                .and_then(|r| self.identities.no_redirect(Kind::AzureDevOps, &path, r))
                .and_then(|reply| {
                    if reply.status != 200 {
                        return Err(failure(&format!("looking up {name}"), &reply));
                    }
                    reply.json::<List<Identity>>(Kind::AzureDevOps)
                });
            match found {
                Ok(list) if list.value.len() == 1 => ids.push(list.value[0].id.clone()),
                Ok(list) if list.value.is_empty() => warnings.push(format!(
                    "reviewer {name} is not an Azure DevOps identity; the pull request has no such reviewer"
                )),
                Ok(list) => warnings.push(format!(
                    "reviewer {name} matches {} identities; name one by e-mail address",
                    list.value.len()
                )),
                Err(e) => warnings.push(format!("reviewer {name} was not added: {}", e.message)),
            }
        }
        ids
    }

    /// A thread whose comment has exactly this text (the lookup after a lost answer).
    fn find_thread(&self, number: u64, body: &str) -> Result<Option<()>> {
        let path = format!(
            "{}/pullRequests/{number}/threads?{API_VERSION}",
            self.repo_path()
        );
        let threads: List<Thread> =
            self.get(&path, &format!("reading the threads of !{number}"))?;
        Ok(threads
            .value
            .iter()
            .flat_map(|t| &t.comments)
            .any(|c| c.content.as_deref().map(str::trim) == Some(body.trim()))
            .then_some(()))
    }
}

/// Where identities are looked up: Azure DevOps Services keeps them on its own host.
fn identity_service(api: &str) -> String {
    if let Some(org) = api.strip_prefix("https://dev.azure.com/") {
        return format!("https://vssps.dev.azure.com/{org}");
    }
    if let Some(org) = api
        .strip_prefix("https://")
        .and_then(|h| h.strip_suffix(".visualstudio.com"))
    {
        return format!("https://{org}.vssps.visualstudio.com");
    }
    api.to_string()
}

fn message(reply: &Reply) -> String {
    serde_json::from_str::<ErrorBody>(&reply.body)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_default()
}

fn failure(what: &str, reply: &Reply) -> Error {
    // A token Azure DevOps does not take is answered 203 with its sign-in page.
    if reply.status == 203 {
        return Error::failed(format!(
            "{what}: Azure DevOps answered with its sign-in page: the token was not accepted"
        ))
        .hint(super::token_hint(Kind::AzureDevOps));
    }
    status_error(Kind::AzureDevOps, what, reply, message(reply))
}

impl Forge for Azure {
    fn target(&self) -> &Target {
        &self.target
    }

    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        let path = format!("{}/pullrequests/{number}?{API_VERSION}", self.repo_path());
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status == 404 {
            return Err(super::pr_not_found(&self.target, number));
        }
        if reply.status != 200 {
            return Err(failure(&format!("reading pull request !{number}"), &reply));
        }
        let pr: Pull = reply.json(Kind::AzureDevOps)?;
        Ok(self.info(pr))
    }

    fn pr_commits(&self, number: u64) -> Result<CommitList> {
        const TOP: usize = 100;
        const MAX_PAGES: usize = 50;
        let mut commits = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut path = format!(
                "{}/pullRequests/{number}/commits?$top={TOP}&{API_VERSION}",
                self.repo_path()
            );
            if let Some(t) = &token {
                path.push_str(&format!("&continuationToken={}", query_value(t)));
            }
            let reply = self.call(&Method::GET, &path, None)?;
            if reply.status != 200 {
                return Err(failure(
                    &format!("listing the commits of !{number}"),
                    &reply,
                ));
            }
            let batch: List<CommitRef> = reply.json(Kind::AzureDevOps)?;
            commits.extend(batch.value.into_iter().map(|c| PrCommit {
                sha: c.commit_id,
                message: c.comment.unwrap_or_default(),
            }));
            // The next page is named by a continuation token; none means the list is whole.
            match reply
                .paging("x-ms-continuationtoken")
                .filter(|t| !t.trim().is_empty())
            {
                Some(t) => token = Some(t.to_string()),
                None => return Ok(CommitList::whole(commits)),
            }
        }
        Ok(CommitList::cut_after_pages(commits, MAX_PAGES))
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        let path = format!(
            "{}/pullrequests?searchCriteria.sourceRefName={}&searchCriteria.targetRefName={}&searchCriteria.status=active&{API_VERSION}",
            self.repo_path(),
            query_value(&heads(head)),
            query_value(&heads(base))
        );
        let open: List<Pull> = self.get(&path, "looking for an active pull request")?;
        Ok(open.value.first().map(|pr| self.pull_request(pr, true)))
    }

    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest> {
        let mut body = json!({
            "sourceRefName": heads(&pr.head),
            "targetRefName": heads(&pr.base),
            "title": pr.title,
            "description": pr.body,
            "isDraft": pr.draft,
        });
        if !pr.labels.is_empty() {
            body["labels"] = json!(pr
                .labels
                .iter()
                .map(|l| json!({ "name": l }))
                .collect::<Vec<_>>());
        }
        let reviewers = self.reviewer_ids(&pr.reviewers, warnings);
        if !reviewers.is_empty() {
            body["reviewers"] = json!(reviewers
                .iter()
                .map(|id| json!({ "id": id }))
                .collect::<Vec<_>>());
        }
        let path = format!("{}/pullrequests?{API_VERSION}", self.repo_path());
        let outcome = self.http.create(
            Kind::AzureDevOps,
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&body)),
            &|| self.find_open_pr(&pr.head, &pr.base),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => self.rest.no_redirect(Kind::AzureDevOps, &path, reply)?,
            Created::Found(found) => {
                return Ok(PullRequest {
                    existing: false,
                    ..found
                })
            }
        };
        match reply.status {
            201 | 200 => Ok(self.pull_request(&reply.json(Kind::AzureDevOps)?, false)),
            // TF401179: an active pull request for the source and target branch exists.
            409 => self
                .find_open_pr(&pr.head, &pr.base)?
                .ok_or_else(|| failure("opening the pull request", &reply).hint("re-run to retry")),
            _ => Err(failure("opening the pull request", &reply)),
        }
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!(
            "{}/pullRequests/{number}/threads?{API_VERSION}",
            self.repo_path()
        );
        // One comment in a new thread, active: as a person's comment on the request.
        let payload = json!({
            "comments": [{ "parentCommentId": 0, "content": body, "commentType": 1 }],
            "status": 1,
        });
        let outcome = self.http.create(
            Kind::AzureDevOps,
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&payload)),
            &|| self.find_thread(number, body),
        )?;
        match outcome {
            Created::Found(()) => Ok(()),
            Created::Reply(reply) if matches!(reply.status, 200 | 201) => Ok(()),
            Created::Reply(reply) => {
                Err(failure(&format!("adding a comment to !{number}"), &reply))
            }
        }
    }

    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>> {
        let path = format!(
            "{}/pullrequests?searchCriteria.status=completed&searchCriteria.targetRefName={}&$top=30&{API_VERSION}",
            self.repo_path(),
            query_value(&heads(base))
        );
        let done: List<Pull> = self.get(&path, "listing completed pull requests")?;
        Ok(done
            .value
            .into_iter()
            .map(|pr| PrInfo {
                head_sha: None,
                ..self.info(pr)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_live_where_azure_devops_keeps_them() {
        assert_eq!(
            identity_service("https://dev.azure.com/acme"),
            "https://vssps.dev.azure.com/acme"
        );
        assert_eq!(
            identity_service("https://acme.visualstudio.com"),
            "https://acme.vssps.visualstudio.com"
        );
        assert_eq!(
            identity_service("https://tfs.example.com/tfs/DefaultCollection"),
            "https://tfs.example.com/tfs/DefaultCollection"
        );
    }

    #[test]
    fn merge_strategies_are_read_as_git_sees_them() {
        assert_eq!(method(Some("noFastForward")), Some(MergeMethod::Merge));
        assert_eq!(method(Some("rebaseMerge")), Some(MergeMethod::Merge));
        assert_eq!(method(Some("squash")), Some(MergeMethod::Squash));
        assert_eq!(method(Some("rebase")), Some(MergeMethod::Rebase));
        assert_eq!(method(None), None);
    }
}
