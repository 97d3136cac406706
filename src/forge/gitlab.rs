//! GitLab (REST v4, gitlab.com and self-managed) through reqwest: merge requests, their commits
//! and notes. Replies are read into typed models; a field GitLab leaves out is `None`, never "".

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::rest::Rest;
use super::{
    path_segment, query_value, status_error, CommitList, Created, Forge, Http, Kind, NewPr,
    PrCommit, PrInfo, PullRequest, Reply, Target, Token,
};
use crate::error::{Error, Result};

/// A merge request as `GET /projects/:id/merge_requests/:iid` and the lists describe it.
#[derive(Debug, Deserialize)]
struct MergeRequest {
    iid: u64,
    title: String,
    state: String,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    squash_commit_sha: Option<String>,
    /// The source branch's head.
    #[serde(default)]
    sha: Option<String>,
    /// The target's commit the merge request's diff starts from: after GitLab's rebase for a
    /// fast-forward merge, the target's tip it rebased onto.
    #[serde(default)]
    diff_refs: Option<DiffRefs>,
    source_branch: String,
    target_branch: String,
    web_url: String,
}

#[derive(Debug, Deserialize)]
struct DiffRefs {
    #[serde(default)]
    start_sha: Option<String>,
}

impl MergeRequest {
    /// How GitLab merged it, by its own fields: a merge commit (whose second parent may be a
    /// squash commit) is a merge, a squash commit alone a squash, neither a fast-forward (of
    /// the rebased source branch), which leaves the source's head on the target.
    fn merged(&self) -> (Option<String>, Option<super::MergeMethod>) {
        use super::MergeMethod::*;
        if self.state != "merged" {
            return (None, None);
        }
        match (&self.merge_commit_sha, &self.squash_commit_sha) {
            (Some(merge), _) => (Some(merge.clone()), Some(Merge)),
            (None, Some(squash)) => (Some(squash.clone()), Some(Squash)),
            (None, None) => (self.sha.clone(), Some(Rebase)),
        }
    }

    fn info(self) -> PrInfo {
        let (merge_commit, method) = self.merged();
        let rebased_onto = (method == Some(super::MergeMethod::Rebase))
            .then(|| self.diff_refs.and_then(|d| d.start_sha))
            .flatten();
        PrInfo {
            number: self.iid,
            merged: self.state == "merged",
            merge_commit,
            method,
            head_ref_on_remote: Some(format!("refs/merge-requests/{}/head", self.iid)),
            rebased_onto,
            head_sha: self.sha,
            head_ref: self.source_branch,
            base_ref: self.target_branch,
            url: self.web_url,
            state: self.state,
            title: self.title,
            commit_count: None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Commit {
    id: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct User {
    id: u64,
}

#[derive(Debug, Deserialize)]
struct Note {
    body: String,
}

/// GitLab's error body: `message` as a string, a list, or field → list; or OAuth's `error`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    error: Option<String>,
}

pub struct GitLab {
    target: Target,
    rest: Rest,
    http: Http,
}

impl GitLab {
    pub fn new(target: Target, token: Token, http: Http) -> Result<GitLab> {
        if let Token::Basic { .. } = token {
            return Err(
                Error::bad_input("GitLab takes a token, not a user and password")
                    .hint(super::token_hint(Kind::GitLab)),
            );
        }
        Ok(GitLab {
            rest: Rest::new(&target.api, token, &http)?,
            target,
            http,
        })
    }

    /// `/projects/group%2Fsub%2Fproject`: the full path, URL-encoded, is the project's id.
    fn project(&self) -> String {
        format!("/projects/{}", path_segment(&self.target.slug))
    }

    fn call(&self, method: &Method, path: &str, body: Option<Value>) -> Result<Reply> {
        let reply = self.http.call(Kind::GitLab, method, path, &|| {
            self.rest.send(method, path, body.as_ref())
        })?;
        self.rest.no_redirect(Kind::GitLab, path, reply)
    }

    /// A GET answered 200, read as `T`.
    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<T> {
        let reply = self.call(&Method::GET, path, None)?;
        if reply.status != 200 {
            return Err(failure(what, &reply));
        }
        reply.json(Kind::GitLab)
    }

    fn pull_request(&self, mr: &MergeRequest, existing: bool) -> PullRequest {
        PullRequest {
            number: mr.iid,
            url: mr.web_url.clone(),
            existing,
            forge: Kind::GitLab,
        }
    }

    /// Reviewers by username, as the ids GitLab wants; a name it does not know is a warning.
    fn reviewer_ids(&self, names: &[String], warnings: &mut Vec<String>) -> Vec<u64> {
        let mut ids = Vec::new();
        for name in names {
            let name = name.trim_start_matches('@');
            let path = format!("/users?username={}", query_value(name));
            match self.get::<Vec<User>>(&path, &format!("looking up the user {name}")) {
                Ok(users) => match users.first() {
                    Some(user) => ids.push(user.id),
                    None => warnings.push(format!(
                        "reviewer {name} is not a GitLab user; the merge request has no such reviewer"
                    )),
                },
                Err(e) => warnings.push(format!(
                    "reviewer {name} was not added: {}",
                    e.message
                )),
            }
        }
        ids
    }

    /// A note with exactly this body among the merge request's newest ones.
    fn find_note(&self, number: u64, body: &str) -> Result<Option<()>> {
        let path = format!(
            "{}/merge_requests/{number}/notes?sort=desc&order_by=created_at&per_page=50",
            self.project()
        );
        let notes: Vec<Note> = self.get(&path, &format!("reading the notes of !{number}"))?;
        Ok(notes
            .iter()
            .any(|n| n.body.trim() == body.trim())
            .then_some(()))
    }

    /// After a 409 "Another open merge request already exists for this source branch: !N":
    /// that merge request, if it goes into the same target branch.
    fn existing_after_conflict(&self, pr: &NewPr, reply: &Reply) -> Result<PullRequest> {
        if let Some(found) = self.find_open_pr(&pr.head, &pr.base)? {
            return Ok(found);
        }
        let text = message(reply);
        let named = text
            .rsplit_once('!')
            .and_then(|(_, n)| n.trim().parse::<u64>().ok());
        let Some(n) = named else {
            return Err(failure("opening the merge request", reply));
        };
        let mr: MergeRequest = self.get(
            &format!("{}/merge_requests/{n}", self.project()),
            &format!("reading merge request !{n}"),
        )?;
        if mr.target_branch != pr.base {
            return Err(Error::bad_input(format!(
                "merge request !{n} is already open for branch {}, into {} rather than {}",
                pr.head, mr.target_branch, pr.base
            ))
            .hint(format!(
                "close !{n} ({}), or choose another branch name with --branch",
                mr.web_url
            )));
        }
        Ok(self.pull_request(&mr, true))
    }
}

/// GitLab's error text, whatever shape its `message` has.
fn message(reply: &Reply) -> String {
    let Ok(body) = serde_json::from_str::<ErrorBody>(&reply.body) else {
        return String::new();
    };
    fn flatten(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
            Value::Object(fields) => {
                for (field, v) in fields {
                    let mut inner = Vec::new();
                    flatten(v, &mut inner);
                    out.push(format!("{field} {}", inner.join(", ")));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(m) = &body.message {
        flatten(m, &mut out);
    }
    if let Some(e) = body.error {
        out.push(e);
    }
    out.join("; ")
}

fn failure(what: &str, reply: &Reply) -> Error {
    status_error(Kind::GitLab, what, reply, message(reply))
}

impl Forge for GitLab {
    fn target(&self) -> &Target {
        &self.target
    }

    fn read_only(&self) -> bool {
        !self.rest.token().writes()
    }

    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        let path = format!("{}/merge_requests/{number}", self.project());
        let reply = self.call(&Method::GET, &path, None)?;
        if reply.status == 404 {
            return Err(super::pr_not_found(&self.target, number));
        }
        if reply.status != 200 {
            return Err(failure(&format!("reading merge request !{number}"), &reply));
        }
        let mr: MergeRequest = reply.json(Kind::GitLab)?;
        Ok(mr.info())
    }

    fn pr_commits(&self, number: u64) -> Result<CommitList> {
        const PER_PAGE: usize = 100;
        const MAX_PAGES: usize = 50;
        let mut commits = Vec::new();
        let mut page = 1;
        for _ in 0..MAX_PAGES {
            let path = format!(
                "{}/merge_requests/{number}/commits?per_page={PER_PAGE}&page={page}",
                self.project()
            );
            let reply = self.call(&Method::GET, &path, None)?;
            if reply.status != 200 {
                return Err(failure(
                    &format!("listing the commits of !{number}"),
                    &reply,
                ));
            }
            let batch: Vec<Commit> = reply.json(Kind::GitLab)?;
            let full = batch.len() == PER_PAGE;
            // Some GitLab versions name a next page that is empty: an empty page is the end.
            if batch.is_empty() {
                return Ok(CommitList::whole(commits));
            }
            commits.extend(batch.into_iter().map(|c| PrCommit {
                sha: c.id,
                message: c.message,
            }));
            // `x-next-page` names the next page, empty on the last; without the header (some
            // proxies drop it) a full page means there may be more.
            let next = match reply.next_page.as_deref().map(str::trim) {
                Some("") => None,
                Some(n) => n.parse::<usize>().ok().filter(|&n| n > page),
                None if full => Some(page + 1),
                None => None,
            };
            match next {
                Some(n) => page = n,
                None => return Ok(CommitList::whole(commits)),
            }
        }
        Ok(CommitList::cut_after_pages(commits, MAX_PAGES))
    }

    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>> {
        let path = format!(
            "{}/merge_requests?state=opened&source_branch={}&target_branch={}",
            self.project(),
            query_value(head),
            query_value(base)
        );
        let open: Vec<MergeRequest> = self.get(&path, "looking for an open merge request")?;
        Ok(open.first().map(|mr| self.pull_request(mr, true)))
    }

    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest> {
        let title = if pr.draft {
            Kind::GitLab.draft_title(&pr.title)
        } else {
            pr.title.clone()
        };
        let mut body = json!({
            "source_branch": pr.head,
            "target_branch": pr.base,
            "title": title,
            "description": pr.body,
            "remove_source_branch": true,
        });
        if !pr.labels.is_empty() {
            body["labels"] = json!(pr.labels.join(","));
        }
        let reviewers = self.reviewer_ids(&pr.reviewers, warnings);
        if !reviewers.is_empty() {
            body["reviewer_ids"] = json!(reviewers);
        }
        let path = format!("{}/merge_requests", self.project());
        let outcome = self.http.create(
            Kind::GitLab,
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&body)),
            &|| self.find_open_pr(&pr.head, &pr.base),
        )?;
        let reply = match outcome {
            Created::Reply(reply) => reply,
            Created::Found(found) => {
                return Ok(PullRequest {
                    existing: false,
                    ..found
                })
            }
        };
        match reply.status {
            201 => Ok(self.pull_request(&reply.json(Kind::GitLab)?, false)),
            409 => self.existing_after_conflict(pr, &reply),
            _ => Err(failure("opening the merge request", &reply)),
        }
    }

    fn comment(&self, number: u64, body: &str) -> Result<()> {
        let path = format!("{}/merge_requests/{number}/notes", self.project());
        let payload = json!({ "body": body });
        let outcome = self.http.create(
            Kind::GitLab,
            &Method::POST,
            &path,
            &|| self.rest.send(&Method::POST, &path, Some(&payload)),
            &|| self.find_note(number, body),
        )?;
        match outcome {
            Created::Found(()) => Ok(()),
            Created::Reply(reply) if reply.status == 201 => Ok(()),
            Created::Reply(reply) => Err(failure(&format!("adding a note to !{number}"), &reply)),
        }
    }

    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>> {
        let path = format!(
            "{}/merge_requests?state=merged&target_branch={}&order_by=updated_at&sort=desc&per_page=30",
            self.project(),
            query_value(base)
        );
        let merged: Vec<MergeRequest> = self.get(&path, "listing merged merge requests")?;
        Ok(merged
            .into_iter()
            .map(|mr| PrInfo {
                head_sha: None,
                ..mr.info()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.into(),
            ..Reply::default()
        }
    }

    #[test]
    fn gitlab_error_messages_are_read_in_every_shape() {
        assert_eq!(
            message(&reply(401, r#"{"message":"401 Unauthorized"}"#)),
            "401 Unauthorized"
        );
        assert_eq!(
            message(&reply(
                409,
                r#"{"message":["Another open merge request already exists for this source branch: !7"]}"#
            )),
            "Another open merge request already exists for this source branch: !7"
        );
        assert_eq!(
            message(&reply(400, r#"{"message":{"title":["can't be blank"]}}"#)),
            "title can't be blank"
        );
        assert_eq!(
            message(&reply(401, r#"{"error":"invalid_token"}"#)),
            "invalid_token"
        );
        assert_eq!(message(&reply(502, "<html>")), "");
    }
}
