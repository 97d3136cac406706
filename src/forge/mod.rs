//! Pull requests on GitHub (octocrab), Bitbucket Cloud and Data Center, and merge requests on
//! GitLab (reqwest): the only module that talks HTTP. Calls are blocking for the commands; each client runs its own
//! single-threaded runtime.

pub mod azure;
pub mod bitbucket;
pub mod gitea;
pub mod github;
pub mod gitlab;
mod remote_url;
mod rest;

use std::time::Duration;

use crate::error::{Error, Result};

pub use remote_url::{azure_remote, parse_remote_url};

/// Which API a repository's pull requests live behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GitHub,
    BitbucketCloud,
    BitbucketDataCenter,
    GitLab,
    Gitea,
    Forgejo,
    AzureDevOps,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::GitHub => "GitHub",
            Kind::BitbucketCloud => "Bitbucket Cloud",
            Kind::BitbucketDataCenter => "Bitbucket Data Center",
            Kind::GitLab => "GitLab",
            Kind::Gitea => "Gitea",
            Kind::Forgejo => "Forgejo",
            Kind::AzureDevOps => "Azure DevOps",
        }
    }

    /// A draft's title where the forge has no draft flag: GitLab's `Draft:`, the `WIP:` prefix
    /// Gitea and Forgejo read as work in progress.
    pub fn draft_title(self, title: &str) -> String {
        let prefix = match self {
            Kind::GitLab => "Draft: ",
            Kind::Gitea | Kind::Forgejo => "WIP: ",
            _ => return title.to_string(),
        };
        if title.starts_with(prefix.trim_end()) {
            title.to_string()
        } else {
            format!("{prefix}{title}")
        }
    }

    /// What the forge calls a pull request.
    pub fn request_noun(self) -> &'static str {
        match self {
            Kind::GitLab => "merge request",
            _ => "pull request",
        }
    }

    /// How the forge writes request `n`: `!7` on GitLab and Azure DevOps, `#7` elsewhere.
    pub fn reference(self, n: u64) -> String {
        match self {
            Kind::GitLab | Kind::AzureDevOps => format!("!{n}"),
            _ => format!("#{n}"),
        }
    }
}

/// A repository on a forge: where its API is and what it is called there.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: Kind,
    /// API base, e.g. `https://api.github.com` or `https://host/rest/api/1.0`.
    pub api: String,
    /// `owner/repo`, `workspace/slug`, `PROJECT/slug` or GitLab's `group/subgroup/project`.
    pub slug: String,
    /// The web address of the repository, for compare links.
    pub web: String,
}

impl Target {
    pub fn owner(&self) -> &str {
        self.slug.split('/').next().unwrap_or("")
    }
    pub fn repo(&self) -> &str {
        self.slug.split('/').nth(1).unwrap_or("")
    }

    /// Where a person opens the pull request by hand.
    pub fn compare_url(&self, base: &str, head: &str) -> String {
        match self.kind {
            Kind::GitHub => format!("{}/compare/{base}...{head}?expand=1", self.web),
            Kind::BitbucketCloud => format!("{}/pull-requests/new?source={head}&dest={base}", self.web),
            Kind::BitbucketDataCenter => format!(
                "{}/pull-requests?create&sourceBranch=refs/heads/{head}&targetBranch=refs/heads/{base}",
                self.web
            ),
            Kind::GitLab => format!(
                "{}/-/merge_requests/new?merge_request%5Bsource_branch%5D={}&merge_request%5Btarget_branch%5D={}",
                self.web,
                query_value(head),
                query_value(base)
            ),
            Kind::Gitea | Kind::Forgejo => format!(
                "{}/compare/{}...{}",
                self.web,
                path_segment(base),
                path_segment(head)
            ),
            Kind::AzureDevOps => format!(
                "{}/pullrequestcreate?sourceRef={}&targetRef={}",
                self.web,
                query_value(head),
                query_value(base)
            ),
        }
    }
}

/// A credential, from the environment only. Never printed: `Debug` hides it.
#[derive(Clone)]
pub enum Token {
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// A GitLab personal, project or group access token (`PRIVATE-TOKEN`).
    Private(String),
    /// GitLab CI's job token (`JOB-TOKEN`): reads some of the project, opens nothing.
    Job(String),
    /// A Gitea or Forgejo access token, sent as `Authorization: token …`.
    Gitea(String),
}

impl Token {
    /// Whether the token may open requests and write comments.
    pub fn writes(&self) -> bool {
        !matches!(self, Token::Job(_))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The token for a forge from the documented environment variables.
pub fn token_from_env(kind: Kind) -> Option<Token> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match kind {
        Kind::GitHub => var("GITHUB_TOKEN")
            .or_else(|| var("GH_TOKEN"))
            .map(Token::Bearer),
        Kind::BitbucketCloud => var("BITBUCKET_TOKEN").map(Token::Bearer).or_else(|| {
            Some(Token::Basic {
                user: var("BITBUCKET_EMAIL")?,
                password: var("BITBUCKET_API_TOKEN")?,
            })
        }),
        Kind::BitbucketDataCenter => var("BITBUCKET_TOKEN").map(Token::Bearer),
        Kind::GitLab => var("GITLAB_TOKEN")
            .map(Token::Private)
            .or_else(|| var("GITLAB_OAUTH_TOKEN").map(Token::Bearer))
            .or_else(|| var("CI_JOB_TOKEN").map(Token::Job)),
        // The instance's own name first; in Gitea and Forgejo Actions the job's token is also
        // GITHUB_TOKEN (it can open pull requests where the repository's settings allow).
        Kind::Gitea => var("GITEA_TOKEN")
            .or_else(|| var("FORGEJO_TOKEN"))
            .or_else(|| var("GITHUB_TOKEN").filter(|_| gitea_actions()))
            .map(Token::Gitea),
        Kind::Forgejo => var("FORGEJO_TOKEN")
            .or_else(|| var("GITEA_TOKEN"))
            .or_else(|| var("GITHUB_TOKEN").filter(|_| gitea_actions()))
            .map(Token::Gitea),
        // A personal access token goes as Basic with an empty user; the pipeline's own token
        // as Bearer.
        Kind::AzureDevOps => var("AZURE_DEVOPS_TOKEN")
            .map(|pat| Token::Basic {
                user: String::new(),
                password: pat,
            })
            .or_else(|| var("SYSTEM_ACCESSTOKEN").map(Token::Bearer)),
    }
}

/// Whether this runs in Gitea or Forgejo Actions: GitHub's variables, set by a runner whose
/// API is Gitea's `/api/v1` (or that says so itself).
pub fn gitea_actions() -> bool {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    var("GITEA_ACTIONS").as_deref() == Some("true")
        || var("FORGEJO_ACTIONS").as_deref() == Some("true")
        || (var("GITHUB_ACTIONS").as_deref() == Some("true")
            && var("GITHUB_API_URL").is_some_and(|u| u.trim_end_matches('/').ends_with("/api/v1")))
}

/// Forgejo Actions rather than Gitea's: the runner's `FORGEJO_*` variables.
fn forgejo_actions() -> bool {
    ["FORGEJO_ACTIONS", "FORGEJO_SERVER_URL", "FORGEJO_TOKEN"]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

/// The environment variable to set for a forge's token, for messages.
pub fn token_hint(kind: Kind) -> &'static str {
    match kind {
        Kind::GitHub => "set GITHUB_TOKEN (or GH_TOKEN) to a token that can write pull requests",
        Kind::BitbucketCloud => {
            "set BITBUCKET_TOKEN (an access token), or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN"
        }
        Kind::BitbucketDataCenter => "set BITBUCKET_TOKEN to an HTTP access token",
        Kind::GitLab => {
            "set GITLAB_TOKEN to an access token with the api scope (or GITLAB_OAUTH_TOKEN to an OAuth token)"
        }
        Kind::Gitea => {
            "set GITEA_TOKEN to an access token with the write:repository and write:issue scopes"
        }
        Kind::Forgejo => {
            "set FORGEJO_TOKEN to an access token with the write:repository and write:issue scopes"
        }
        Kind::AzureDevOps => {
            "set AZURE_DEVOPS_TOKEN to a personal access token with Code (Read & write), or pass SYSTEM_ACCESSTOKEN to the pipeline step"
        }
    }
}

/// Azure DevOps' hosts: `dev.azure.com`, its ssh host, and the older `ORG.visualstudio.com`.
fn azure_host(host: &str) -> bool {
    matches!(host, "dev.azure.com" | "ssh.dev.azure.com") || host.ends_with(".visualstudio.com")
}

/// Refuse to send a token over plain HTTP anywhere but this machine.
pub fn check_transport(api: &str) -> Result<()> {
    let Some(rest) = api.strip_prefix("http://") else {
        return if api.starts_with("https://") {
            Ok(())
        } else {
            Err(
                Error::bad_input(format!("the API address {api} is not http(s)"))
                    .hint("set fastrevert.apiUrl to an https:// address"),
            )
        };
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(Error::bad_input(format!(
            "refusing to send a token over plain http:// to {host}"
        ))
        .hint(
            "use an https:// API address (fastrevert.apiUrl, GITHUB_API_URL, BITBUCKET_API_URL or CI_API_V4_URL)",
        ))
    }
}

/// A pull request as the commands need it.
#[derive(Debug, Clone, Default)]
pub struct PrInfo {
    pub number: u64,
    pub title: String,
    pub merged: bool,
    pub state: String,
    /// The commit the merge left on the base (merge commit, squash commit, or the last
    /// rebased commit), as the forge wrote it: checked against git before use.
    pub merge_commit: Option<String>,
    pub head_ref: String,
    pub head_sha: Option<String>,
    pub base_ref: String,
    pub url: String,
    /// How it was merged, where the forge's own fields say (GitLab's merge and squash
    /// commits); otherwise git's graph decides.
    pub method: Option<MergeMethod>,
    /// How many commits the request has, where the forge says (GitHub's `commits`).
    pub commit_count: Option<u64>,
    /// The ref the remote serves with the request's head, where it keeps one (GitHub
    /// `refs/pull/N/head`, GitLab `refs/merge-requests/N/head`, Data Center
    /// `refs/pull-requests/N/from`): what completes a commit list the forge cut short.
    pub head_ref_on_remote: Option<String>,
    /// The base commit a fast-forward or rebase merge built on, where the forge says (GitLab's
    /// `diff_refs.start_sha`): no commit of the request lies at or below it.
    pub rebased_onto: Option<String>,
}

/// How a request was merged, in the forge's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    Merge,
    Squash,
    /// Rebased or fast-forwarded: the request's commits themselves are on the base.
    Rebase,
}

#[derive(Debug, Clone)]
pub struct PrCommit {
    pub sha: String,
    pub message: String,
}

/// The commits of a request as the forge listed them, and whether that list may be short.
#[derive(Debug, Clone, Default)]
pub struct CommitList {
    pub commits: Vec<PrCommit>,
    /// Why the list may not hold every commit (a cap, a page limit, a deleted branch).
    pub short: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PullRequest {
    pub number: u64,
    pub url: String,
    /// It was open already (a re-run), not created now.
    pub existing: bool,
    /// Where it is, for the words the messages use.
    #[serde(skip)]
    pub forge: Kind,
}

#[derive(Debug, Clone)]
pub struct NewPr {
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
}

/// A commit for the forge to create: what changes against its parent, as whole files.
#[derive(Debug, Clone)]
pub struct ApiCommit {
    pub headline: String,
    pub body: String,
    /// Regular (non-executable) files written whole: path and content.
    pub additions: Vec<(String, Vec<u8>)>,
    pub deletions: Vec<String>,
    /// The tree git-fastrevert computed; the forge's commit must have the same.
    pub tree: String,
}

/// What a forge can do for the commands.
pub trait Forge {
    fn target(&self) -> &Target;
    fn get_pr(&self, number: u64) -> Result<PrInfo>;
    /// Every page of the request's commits, and whether the list may still be short.
    fn pr_commits(&self, number: u64) -> Result<CommitList>;
    fn find_open_pr(&self, head: &str, base: &str) -> Result<Option<PullRequest>>;
    /// Open the pull request, or find the one already open for the branch. Labels and
    /// reviewers that cannot be set are warnings, not failures.
    fn open_pr(&self, pr: &NewPr, warnings: &mut Vec<String>) -> Result<PullRequest>;
    fn comment(&self, number: u64, body: &str) -> Result<()>;
    /// Pull requests merged into `base` lately, newest first (for the pickers).
    fn recently_merged(&self, base: &str) -> Result<Vec<PrInfo>>;
    /// The token reads but cannot open requests or comment (GitLab CI's job token).
    fn read_only(&self) -> bool {
        false
    }
    /// Create `commits` one after the other on a new branch starting at `base`, through the
    /// forge's API so that the forge signs them. Returns the new commits' ids.
    fn create_signed_commits(
        &self,
        _branch: &str,
        _base: &str,
        _commits: &[ApiCommit],
    ) -> Result<Vec<String>> {
        Err(Error::bad_input(format!(
            "{} does not sign commits made through its API; only GitHub does",
            self.target().kind.name()
        ))
        .hint("sign locally instead (-S with gpg.format and user.signingKey)"))
    }
}

/// Open the client for a target.
pub fn connect(target: Target, token: Token, trace: Option<Trace>) -> Result<Box<dyn Forge>> {
    check_transport(&target.api)?;
    let http = Http::new(trace);
    Ok(match target.kind {
        Kind::GitHub => Box::new(github::GitHub::new(target, token, http)?),
        Kind::GitLab => Box::new(gitlab::GitLab::new(target, token, http)?),
        Kind::BitbucketCloud => Box::new(bitbucket::Bitbucket::<bitbucket::Cloud>::new(
            target, token, http,
        )?),
        Kind::BitbucketDataCenter => Box::new(bitbucket::Bitbucket::<bitbucket::DataCenter>::new(
            target, token, http,
        )?),
        Kind::Gitea | Kind::Forgejo => Box::new(gitea::Gitea::new(target, token, http)?),
        Kind::AzureDevOps => Box::new(azure::Azure::new(target, token, http)?),
    })
}

/// Receives one line per HTTP call for `-v` (method, path, status; never a header).
pub type Trace = Box<dyn Fn(&str)>;

/// An answer, with the headers that matter for retries.
#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub ratelimit_remaining: Option<String>,
    pub ratelimit_reset: Option<String>,
    /// Where a redirect points.
    pub location: Option<String>,
    /// The next page of a list: GitHub's `Link` header, GitLab's `x-next-page`.
    pub link: Option<String>,
    pub next_page: Option<String>,
    /// The paging headers one forge sends: `X-Total-Count` (Gitea's `X-Total`), Gitea's
    /// `X-HasMore`, Azure DevOps' `x-ms-continuationtoken`; by lower-case name.
    pub paging: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    /// A paging header's value.
    pub fn paging(&self, name: &str) -> Option<&str> {
        self.paging
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body read as `T` (a typed model, or a `Value`), or an error saying the answer was
    /// not what the forge's API describes.
    pub fn json<T: serde::de::DeserializeOwned>(&self, forge: Kind) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|e| {
            let api = match forge {
                Kind::GitLab => "the API (…/api/v4)",
                Kind::Gitea | Kind::Forgejo => "the API (…/api/v1)",
                Kind::AzureDevOps => "the organization (https://dev.azure.com/ORG)",
                _ => "the API",
            };
            Error::failed(format!(
                "{} sent an answer that is not the JSON expected ({})",
                forge.name(),
                quoted(&e.to_string())
            ))
            .hint(format!(
                "check fastrevert.apiUrl points at {api}, then re-run"
            ))
        })
    }
}

/// The most of a forge's answer the tool reads: a larger one is an error, never held whole.
pub const MAX_BODY: usize = 32 << 20;

/// Text from a server as a message quotes it: at most a few hundred characters.
pub fn quoted(text: &str) -> String {
    const MOST: usize = 300;
    match text.char_indices().nth(MOST) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

/// Retries, waits and timeouts shared by every forge.
pub struct Http {
    pub trace: Option<Trace>,
    pub attempts: u32,
    pub backoff: Duration,
    /// The longest a rate limit is waited out before giving up.
    pub max_wait: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl Http {
    pub fn new(trace: Option<Trace>) -> Http {
        // FASTREVERT_HTTP_TIMEOUT (seconds) shortens or lengthens the request timeout.
        let request_timeout = std::env::var("FASTREVERT_HTTP_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map_or(Duration::from_secs(30), Duration::from_secs_f64);
        Http {
            trace,
            attempts: 4,
            backoff: Duration::from_millis(250),
            max_wait: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            request_timeout,
        }
    }

    fn trace(&self, line: &str) {
        if let Some(t) = &self.trace {
            t(line);
        }
    }

    /// Send with retries: 5xx and timeouts back off and try again, rate limits wait for
    /// `retry-after` / `x-ratelimit-reset` when that is soon enough. For reads and for writes
    /// that are the same when repeated.
    pub fn call(
        &self,
        forge: Kind,
        method: &str,
        path: &str,
        send: &dyn Fn() -> std::result::Result<Reply, SendError>,
    ) -> Result<Reply> {
        match self.attempts::<()>(forge, method, path, send, None)? {
            Created::Reply(reply) => Ok(reply),
            Created::Found(()) => Err(Error::failed("a read was answered by a lookup")),
        }
    }

    /// Send a request that creates something (a pull request, a comment). After an attempt
    /// whose fate is unknown (no answer in time, a broken connection, a 5xx: the server may have
    /// acted), `settled` looks for what it would have made before anything is sent again, so a
    /// retry never makes a second one.
    pub fn create<T>(
        &self,
        forge: Kind,
        method: &str,
        path: &str,
        send: &dyn Fn() -> std::result::Result<Reply, SendError>,
        settled: &dyn Fn() -> Result<Option<T>>,
    ) -> Result<Created<T>> {
        self.attempts(forge, method, path, send, Some(settled))
    }

    fn attempts<T>(
        &self,
        forge: Kind,
        method: &str,
        path: &str,
        send: &dyn Fn() -> std::result::Result<Reply, SendError>,
        settled: Option<&dyn Fn() -> Result<Option<T>>>,
    ) -> Result<Created<T>> {
        let mut last = String::new();
        let mut seen: Vec<String> = Vec::new();
        let mut unknown = false;
        for attempt in 1..=self.attempts {
            if let Some(spent) = network_budget_spent() {
                return Err(Error::failed(format!(
                    "{}: this run has waited {} s on the network in all{}; stopped",
                    forge.name(),
                    spent.as_secs(),
                    if last.is_empty() {
                        String::new()
                    } else {
                        format!(" ({last})")
                    }
                ))
                .hint("re-run when the forge answers; what was done so far is kept")
                .hint("FASTREVERT_NETWORK_TIMEOUT sets this limit in seconds (default 300)"));
            }
            if let (true, Some(settled)) = (unknown, settled) {
                self.trace(&format!(
                    "{method} {path}: looking whether the last attempt went through"
                ));
                // The lookup itself may meet the same trouble once: one more try.
                let looked = settled().or_else(|_| {
                    std::thread::sleep(self.backoff);
                    settled()
                });
                match looked {
                    Ok(Some(found)) => return Ok(Created::Found(found)),
                    Ok(None) => {}
                    Err(e) => {
                        return Err(Error::failed(format!(
                            "{last}, and looking whether it went through failed: {}",
                            e.message
                        )))
                    }
                }
            }
            let started = std::time::Instant::now();
            let backoff = self.backoff * 2u32.pow(attempt - 1);
            let sent = send();
            spend_network_time(started.elapsed());
            let wait = match sent {
                Ok(reply) => {
                    self.trace(&format!(
                        "{method} {path} -> {} ({} ms)",
                        reply.status,
                        started.elapsed().as_millis()
                    ));
                    if reply.status >= 500 {
                        last = format!("{} answered {}", forge.name(), reply.status);
                        unknown = true;
                        backoff
                    } else if let Some(wait) = rate_limit_wait(&reply) {
                        if wait > self.max_wait {
                            return Err(Error::failed(format!(
                                "{} rate limit: the next request is allowed in {} s",
                                forge.name(),
                                wait.as_secs()
                            ))
                            .hint("wait, then re-run; what was done so far is kept"));
                        }
                        last = format!("{} rate limit", forge.name());
                        // A request refused for the rate limit was not acted on.
                        unknown = false;
                        wait
                    } else {
                        return Ok(Created::Reply(reply));
                    }
                }
                Err(SendError::Timeout) => {
                    self.trace(&format!(
                        "{method} {path} -> no answer in {} s",
                        self.request_timeout.as_secs_f64()
                    ));
                    last = format!(
                        "{} did not answer within {} s",
                        forge.name(),
                        self.request_timeout.as_secs_f64()
                    );
                    unknown = true;
                    backoff
                }
                Err(SendError::Refused(e)) => {
                    self.trace(&format!("{method} {path} -> {e}"));
                    return Err(Error::failed(format!("{}: {e}", forge.name()))
                        .hint("check the API address (fastrevert.apiUrl)"));
                }
                Err(SendError::Certificate(e)) => {
                    self.trace(&format!("{method} {path} -> {e}"));
                    return Err(Error::failed(format!(
                        "{}: the server's certificate is not trusted ({e}); nothing was sent",
                        forge.name()
                    ))
                    .hint("if the forge uses a company certificate authority, add it to the system's trust store or point SSL_CERT_FILE at its PEM file")
                    .hint("check the API address (fastrevert.apiUrl)"));
                }
                Err(SendError::Other(e)) => {
                    self.trace(&format!("{method} {path} -> {e}"));
                    last = format!("could not reach {}: {e}", forge.name());
                    unknown = true;
                    backoff
                }
            };
            if !seen.contains(&last) {
                seen.push(last.clone());
            }
            if attempt < self.attempts {
                let wait = wait.min(network_budget_left());
                std::thread::sleep(wait);
                spend_network_time(wait);
            }
        }
        if let (true, Some(settled)) = (unknown, settled) {
            if let Ok(Some(found)) = settled() {
                return Ok(Created::Found(found));
            }
        }
        // Every different failure, in order: a timeout followed by a broken connection says
        // more than the last one alone.
        Err(Error::failed(format!(
            "{} ({} attempts)",
            seen.join("; then "),
            self.attempts
        ))
        .hint("check the forge's status and your network, then re-run"))
    }
}

/// Time this process has spent on forge requests and the waits between them, whichever
/// client made them: a command's network time is bounded as a whole, not per request.
static NETWORK_TIME: std::sync::Mutex<Duration> = std::sync::Mutex::new(Duration::ZERO);

/// FASTREVERT_NETWORK_TIMEOUT (seconds, default 300): no new request starts past it, so a
/// command waits at most that plus one request timeout on forges.
fn network_budget() -> Duration {
    let given = std::env::var("FASTREVERT_NETWORK_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(300), Duration::from_secs_f64);
    let cap = *NETWORK_CAP.lock().unwrap_or_else(|e| e.into_inner());
    cap.map_or(given, |c| given.min(c))
}

/// A command whose forge calls are only a nicety (`status`) bounds them tighter than the
/// default.
static NETWORK_CAP: std::sync::Mutex<Option<Duration>> = std::sync::Mutex::new(None);

pub fn cap_network_time(limit: Duration) {
    *NETWORK_CAP.lock().unwrap_or_else(|e| e.into_inner()) = Some(limit);
}

fn network_time() -> Duration {
    // A poisoned lock only means a thread panicked while adding: the sum is still usable.
    *NETWORK_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn spend_network_time(d: Duration) {
    *NETWORK_TIME.lock().unwrap_or_else(|e| e.into_inner()) += d;
}

fn network_budget_left() -> Duration {
    network_budget().saturating_sub(network_time())
}

/// The time spent when it is at or over the budget.
fn network_budget_spent() -> Option<Duration> {
    let spent = network_time();
    (spent >= network_budget()).then_some(spent)
}

/// What a creating request came to.
pub enum Created<T> {
    /// The server's answer.
    Reply(Reply),
    /// An attempt whose answer was lost had done it, as a lookup found.
    Found(T),
}

#[derive(Debug)]
pub enum SendError {
    Timeout,
    Other(String),
    /// An answer the tool will not read (larger than it reads): not sent again.
    Refused(String),
    /// The server's certificate is not trusted (or TLS failed on it): a retry meets the same
    /// certificate, so it is not sent again.
    Certificate(String),
}

/// A request that got no answer: a certificate problem (found anywhere in the cause chain,
/// io errors' inner errors included) is told apart from a connection that may work next time.
pub(crate) fn connection_failure(e: &(dyn std::error::Error + 'static)) -> SendError {
    let mut chain: Vec<String> = Vec::new();
    let mut current = Some(e);
    while let Some(err) = current {
        chain.push(err.to_string());
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            chain.push(inner.to_string());
        }
        current = err.source();
    }
    chain.dedup();
    let tls = chain.iter().rev().find(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("certificate") || m.contains("unknownissuer") || m.contains("tls handshake")
    });
    match tls {
        Some(cause) => SendError::Certificate(cause.clone()),
        None => SendError::Other(chain.join(": ")),
    }
}

fn rate_limit_wait(reply: &Reply) -> Option<Duration> {
    if reply.status != 429 && reply.status != 403 {
        return None;
    }
    if let Some(secs) = reply
        .retry_after
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(secs));
    }
    if reply.ratelimit_remaining.as_deref() == Some("0") {
        let reset = reply
            .ratelimit_reset
            .as_deref()?
            .trim()
            .parse::<u64>()
            .ok()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    (reply.status == 429).then_some(Duration::from_secs(1))
}

/// The status a GET of `url` answers with, redirects not followed (a release's health check).
pub fn probe_status(url: &str, timeout: Duration) -> std::result::Result<u16, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "git-fastrevert/",
            env!("CARGO_PKG_VERSION"),
            " health check"
        ))
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        client
            .get(url)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("{url} did not answer: {}", e.without_url()))
    })
}

/// A value for a URL query, encoded as forms and query strings are
/// (`application/x-www-form-urlencoded`).
pub(crate) fn query_value(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A value as one segment of a URL path: everything but RFC 3986's unreserved characters is
/// percent-encoded, `/` included (GitLab's `group%2Fproject` ids).
pub(crate) fn path_segment(v: &str) -> String {
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(v, ENCODED).to_string()
}

/// A pull request number the forge does not know: bad input.
pub fn pr_not_found(target: &Target, number: u64) -> Error {
    Error::bad_input(format!(
        "{} {} was not found in {}",
        target.kind.request_noun(),
        target.kind.reference(number),
        target.slug
    ))
    .hint("check the number, and that the token can see the repository")
}

/// A failed answer as an error that says what to do.
pub fn status_error(forge: Kind, what: &str, reply: &Reply, message: String) -> Error {
    let detail = if message.is_empty() {
        String::new()
    } else {
        format!(": {}", quoted(&message))
    };
    let err = Error::failed(format!(
        "{what}: {} answered {}{detail}",
        forge.name(),
        reply.status
    ));
    match reply.status {
        401 => err.hint(format!("the token was refused; {}", token_hint(forge))),
        403 if forge == Kind::GitLab => err.hint("the token lacks a permission (the api scope, Developer role or more), or a rule forbids it"),
        403 if matches!(forge, Kind::Gitea | Kind::Forgejo) => err.hint("the token lacks a scope (write:repository, write:issue) or write access to the repository; an Actions job token of a fork's pull request is read-only"),
        403 if forge == Kind::AzureDevOps => err.hint("the token lacks a permission (Code: Read & write; for the pipeline's token, Contribute to pull requests for the build service), or a branch policy forbids it"),
        403 => err.hint("the token lacks a permission (pull requests: write, contents: write), or a rule forbids it"),
        404 => err.hint("check the repository name (fastrevert.repo) and that the token can see it"),
        _ => err.hint("re-run to retry; what was done so far is kept"),
    }
}

/// Where the settings say pull requests go: the forge from `fastrevert.forge`, the remote's
/// host, or the CI system the command runs in; the repository from `fastrevert.repo`,
/// `GITHUB_REPOSITORY` / `CI_PROJECT_PATH` in CI, or the remote URL; the API from the
/// environment, `fastrevert.apiUrl` or the forge's public address.
pub fn detect(
    remote_url: Option<&str>,
    forge: Option<&str>,
    repo: Option<&str>,
    api: Option<&str>,
) -> Result<Option<Target>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let parsed = remote_url.and_then(parse_remote_url);
    let host = parsed.as_ref().map(|(h, _)| h.as_str());
    let in_actions = env("GITHUB_ACTIONS").as_deref() == Some("true");
    let in_gitlab_ci = env("GITLAB_CI").as_deref() == Some("true");
    let in_azure_pipelines = env("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    // GitLab CI names its own server; a remote on that host is a GitLab project.
    let gitlab_ci_host = env("CI_SERVER_URL")
        .filter(|_| in_gitlab_ci)
        .and_then(|u| parse_remote_url(&format!("{}/x/y", u.trim_end_matches('/'))))
        .map(|(h, _)| h);
    let kind = match forge.map(str::to_ascii_lowercase).as_deref() {
        Some("github") => Kind::GitHub,
        Some("bitbucket") | Some("bitbucket-cloud") => Kind::BitbucketCloud,
        Some("bitbucket-datacenter") | Some("bitbucket-server") => Kind::BitbucketDataCenter,
        Some("gitlab") => Kind::GitLab,
        Some("gitea") => Kind::Gitea,
        Some("forgejo") | Some("codeberg") => Kind::Forgejo,
        Some("azure-devops") | Some("azuredevops") | Some("azure") => Kind::AzureDevOps,
        Some(other) => return Err(Error::bad_input(format!(
            "fastrevert.forge is '{other}', which git-fastrevert does not know"
        ))
        .hint(
            "use github, gitlab, bitbucket, bitbucket-datacenter, gitea, forgejo or azure-devops",
        )),
        None => match host {
            Some("github.com") => Kind::GitHub,
            Some("bitbucket.org") => Kind::BitbucketCloud,
            Some("gitlab.com") => Kind::GitLab,
            Some("codeberg.org") => Kind::Forgejo,
            Some("gitea.com") => Kind::Gitea,
            Some(h) if azure_host(h) => Kind::AzureDevOps,
            Some(h) if gitlab_ci_host.as_deref() == Some(h) => Kind::GitLab,
            // Gitea and Forgejo Actions set GitHub's variables too: theirs come first.
            _ if gitea_actions() && forgejo_actions() => Kind::Forgejo,
            _ if gitea_actions() => Kind::Gitea,
            _ if in_actions => Kind::GitHub,
            _ if in_gitlab_ci => Kind::GitLab,
            _ if in_azure_pipelines => Kind::AzureDevOps,
            _ => return Ok(None),
        },
    };
    let azure = parsed
        .as_ref()
        .and_then(|(host, path)| azure_remote(host, path));
    let from_url = parsed.as_ref().map(|(_, path)| {
        // Data Center https remotes look like /scm/PROJECT/slug.
        let path = path.strip_prefix("scm/").unwrap_or(path);
        match (&azure, kind) {
            (Some((_, project, repo)), Kind::AzureDevOps) => format!("{project}/{repo}"),
            _ => path.to_string(),
        }
    });
    let from_ci = match kind {
        Kind::GitHub => env("GITHUB_REPOSITORY"),
        Kind::Gitea | Kind::Forgejo if gitea_actions() => env("GITHUB_REPOSITORY"),
        Kind::GitLab if in_gitlab_ci => env("CI_PROJECT_PATH"),
        Kind::AzureDevOps if in_azure_pipelines => {
            match (env("SYSTEM_TEAMPROJECT"), env("BUILD_REPOSITORY_NAME")) {
                (Some(project), Some(repo)) => Some(format!("{project}/{repo}")),
                _ => None,
            }
        }
        _ => None,
    };
    // GitLab nests groups (`group/sub/project`); the others name exactly `owner/name`.
    let well_formed = |s: &String| {
        let parts: Vec<&str> = s.split('/').collect();
        let count_ok = if kind == Kind::GitLab {
            parts.len() >= 2
        } else {
            parts.len() == 2
        };
        count_ok
            && parts
                .iter()
                .all(|p| !p.is_empty() && *p != "." && *p != "..")
    };
    let slug = repo
        .map(str::to_string)
        .or(from_ci)
        .or(from_url)
        .filter(well_formed);
    let Some(slug) = slug else {
        let shape = match kind {
            Kind::GitLab => "group/project",
            Kind::AzureDevOps => "project/repository",
            _ => "owner/name",
        };
        return Err(Error::bad_input(format!(
            "cannot tell the {} repository ({shape}) from the remote",
            kind.name()
        ))
        .hint(format!("set it once: git config fastrevert.repo {shape}")));
    };
    let public_host = host.unwrap_or(match kind {
        Kind::GitHub => "github.com",
        Kind::GitLab => "gitlab.com",
        Kind::Forgejo => "codeberg.org",
        Kind::Gitea => "gitea.com",
        Kind::AzureDevOps => "dev.azure.com",
        _ => "bitbucket.org",
    });
    let api =
        match kind {
            Kind::GitHub => env("GITHUB_API_URL")
                .or(api.map(str::to_string))
                .unwrap_or_else(|| {
                    if public_host == "github.com" {
                        "https://api.github.com".into()
                    } else {
                        format!("https://{public_host}/api/v3")
                    }
                }),
            Kind::BitbucketCloud => env("BITBUCKET_API_URL")
                .or(api.map(str::to_string))
                .unwrap_or_else(|| "https://api.bitbucket.org/2.0".into()),
            Kind::BitbucketDataCenter => match api {
                Some(a) => a.to_string(),
                None if host.is_some() => format!("https://{public_host}/rest/api/1.0"),
                None => return Err(Error::bad_input(
                    "Bitbucket Data Center needs its API address",
                )
                .hint("git config fastrevert.apiUrl https://bitbucket.example.com/rest/api/1.0")),
            },
            Kind::GitLab => env("CI_API_V4_URL")
                .filter(|_| in_gitlab_ci)
                .or(api.map(str::to_string))
                .unwrap_or_else(|| format!("https://{public_host}/api/v4")),
            Kind::Gitea | Kind::Forgejo => env("GITHUB_API_URL")
                .filter(|_| gitea_actions())
                .or(api.map(str::to_string))
                .unwrap_or_else(|| format!("https://{public_host}/api/v1")),
            // The organization's (or, on a server, the collection's) address.
            Kind::AzureDevOps => match (api, &azure) {
                (Some(a), _) => a.to_string(),
                (None, Some((org, _, _))) => org.clone(),
                (None, None) => match env("SYSTEM_COLLECTIONURI").filter(|_| in_azure_pipelines) {
                    Some(uri) => uri,
                    None => {
                        return Err(Error::bad_input(
                            "cannot tell the Azure DevOps organization from the remote",
                        )
                        .hint("git config fastrevert.apiUrl https://dev.azure.com/ORGANIZATION"))
                    }
                },
            },
        };
    let api = api.trim_end_matches('/').to_string();
    let web = match kind {
        Kind::GitHub => format!(
            "{}/{slug}",
            env("GITHUB_SERVER_URL")
                .unwrap_or_else(|| format!("https://{public_host}"))
                .trim_end_matches('/')
        ),
        Kind::BitbucketCloud => format!("https://bitbucket.org/{slug}"),
        Kind::BitbucketDataCenter => {
            let (project, name) = slug.split_once('/').unwrap_or((&slug, ""));
            let root = api.trim_end_matches("/rest/api/1.0");
            format!("{root}/projects/{project}/repos/{name}")
        }
        Kind::GitLab => {
            let root = env("CI_SERVER_URL")
                .filter(|_| in_gitlab_ci)
                .or_else(|| api.strip_suffix("/api/v4").map(str::to_string))
                .unwrap_or_else(|| format!("https://{public_host}"));
            format!("{}/{slug}", root.trim_end_matches('/'))
        }
        Kind::Gitea | Kind::Forgejo => {
            let root = env("GITHUB_SERVER_URL")
                .filter(|_| gitea_actions())
                .or_else(|| api.strip_suffix("/api/v1").map(str::to_string))
                .unwrap_or_else(|| format!("https://{public_host}"));
            format!("{}/{slug}", root.trim_end_matches('/'))
        }
        Kind::AzureDevOps => {
            let (project, name) = slug.split_once('/').unwrap_or((&slug, ""));
            format!(
                "{api}/{}/_git/{}",
                path_segment(project),
                path_segment(name)
            )
        }
    };
    Ok(Some(Target {
        kind,
        api,
        slug,
        web,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_only_travel_over_https_or_to_this_machine() {
        for ok in [
            "https://api.github.com",
            "http://127.0.0.1:8080/api",
            "http://localhost:9",
            "http://[::1]:80/x",
        ] {
            assert!(check_transport(ok).is_ok(), "{ok}");
        }
        for bad in ["http://api.github.com", "http://10.0.0.1:80", "ftp://x"] {
            assert!(check_transport(bad).is_err(), "{bad}");
        }
    }

    fn with_env<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> T {
        // Tests in this module that read the environment run one at a time.
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _held = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let keys = [
            "GITHUB_ACTIONS",
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GITLAB_CI",
            "CI_SERVER_URL",
            "CI_API_V4_URL",
            "CI_PROJECT_PATH",
            "GITHUB_SERVER_URL",
            "GITEA_ACTIONS",
            "FORGEJO_ACTIONS",
            "FORGEJO_SERVER_URL",
            "FORGEJO_TOKEN",
            "TF_BUILD",
            "SYSTEM_COLLECTIONURI",
            "SYSTEM_TEAMPROJECT",
            "BUILD_REPOSITORY_NAME",
        ];
        let saved: Vec<_> = keys.iter().map(|k| (*k, std::env::var_os(k))).collect();
        for k in keys {
            std::env::remove_var(k);
        }
        for (k, v) in vars {
            std::env::set_var(k, v);
        }
        let out = f();
        for (k, v) in saved {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
        out
    }

    #[test]
    fn gitlab_projects_are_found_from_remotes_settings_and_gitlab_ci() {
        let found = |url: &str, forge: Option<&str>, api: Option<&str>| {
            detect(Some(url), forge, None, api).unwrap().unwrap()
        };
        with_env(&[], || {
            let t = found("git@gitlab.com:acme/platform/shop.git", None, None);
            assert_eq!(t.kind, Kind::GitLab);
            assert_eq!(t.slug, "acme/platform/shop");
            assert_eq!(t.api, "https://gitlab.com/api/v4");
            assert_eq!(t.web, "https://gitlab.com/acme/platform/shop");
            let t = found(
                "ssh://git@git.example.com:2222/ops/shop.git",
                Some("gitlab"),
                None,
            );
            assert_eq!(t.api, "https://git.example.com/api/v4");
            let t = found(
                "https://git.example.com/ops/shop.git",
                Some("GitLab"),
                Some("https://git.example.com/gitlab/api/v4/"),
            );
            assert_eq!(t.api, "https://git.example.com/gitlab/api/v4");
            assert_eq!(t.web, "https://git.example.com/gitlab/ops/shop");
            assert!(detect(
                Some("https://git.example.com/ops/shop.git"),
                None,
                None,
                None
            )
            .unwrap()
            .is_none());
        });
        with_env(
            &[
                ("GITLAB_CI", "true"),
                ("CI_SERVER_URL", "https://git.example.com"),
                ("CI_API_V4_URL", "https://git.example.com/api/v4"),
                ("CI_PROJECT_PATH", "ops/deep/shop"),
            ],
            || {
                let t = found(
                    "https://gitlab-ci-token:xyz@git.example.com/ops/deep/shop.git",
                    None,
                    None,
                );
                assert_eq!(t.kind, Kind::GitLab);
                assert_eq!(t.slug, "ops/deep/shop");
                assert_eq!(t.web, "https://git.example.com/ops/deep/shop");
                assert_eq!(t.api, "https://git.example.com/api/v4");
            },
        );
    }

    #[test]
    fn gitea_forgejo_and_azure_devops_repositories_are_found_from_every_remote_form() {
        let found = |url: &str, forge: Option<&str>, api: Option<&str>| {
            detect(Some(url), forge, None, api).unwrap().unwrap()
        };
        with_env(&[], || {
            let t = found("git@codeberg.org:acme/shop.git", None, None);
            assert_eq!((t.kind, t.slug.as_str()), (Kind::Forgejo, "acme/shop"));
            assert_eq!(t.api, "https://codeberg.org/api/v1");
            assert_eq!(t.web, "https://codeberg.org/acme/shop");
            let t = found("https://gitea.com/acme/shop", None, None);
            assert_eq!(t.kind, Kind::Gitea);
            let t = found(
                "ssh://git@git.example.com:2222/acme/shop.git",
                Some("gitea"),
                Some("https://git.example.com/api/v1"),
            );
            assert_eq!(
                (t.kind, t.api.as_str()),
                (Kind::Gitea, "https://git.example.com/api/v1")
            );
            assert_eq!(t.web, "https://git.example.com/acme/shop");
            assert_eq!(
                t.compare_url("main", "revert-1"),
                "https://git.example.com/acme/shop/compare/main...revert-1"
            );
            for (url, org) in [
                (
                    "https://dev.azure.com/acme/Web%20Shop/_git/shop",
                    "https://dev.azure.com/acme",
                ),
                (
                    "https://acme@dev.azure.com/acme/Web%20Shop/_git/shop",
                    "https://dev.azure.com/acme",
                ),
                (
                    "git@ssh.dev.azure.com:v3/acme/Web%20Shop/shop",
                    "https://dev.azure.com/acme",
                ),
                (
                    "https://acme.visualstudio.com/Web%20Shop/_git/shop",
                    "https://acme.visualstudio.com",
                ),
                (
                    "acme@vs-ssh.visualstudio.com:v3/acme/Web%20Shop/shop",
                    "https://acme.visualstudio.com",
                ),
            ] {
                let t = found(url, None, None);
                assert_eq!(t.kind, Kind::AzureDevOps, "{url}");
                assert_eq!(t.slug, "Web Shop/shop", "{url}");
                assert_eq!(t.api, org, "{url}");
                assert_eq!(t.web, format!("{org}/Web%20Shop/_git/shop"), "{url}");
            }
            // A server: the collection's address is given, the remote says project and name.
            let t = found(
                "https://tfs.example.com/tfs/Main/Shop/_git/web",
                Some("azure-devops"),
                Some("https://tfs.example.com/tfs/Main"),
            );
            assert_eq!(t.slug, "Shop/web", "the last two names of the path");
            assert!(detect(Some("https://example.com/x/y"), Some("gogs"), None, None).is_err());
        });
        with_env(
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_API_URL", "https://git.example.com/api/v1"),
                ("GITHUB_SERVER_URL", "https://git.example.com"),
                ("GITHUB_REPOSITORY", "acme/shop"),
            ],
            || {
                let t = found("https://git.example.com/acme/shop.git", None, None);
                assert_eq!(t.kind, Kind::Gitea, "GitHub's variables, Gitea's API");
                assert_eq!(t.api, "https://git.example.com/api/v1");
                assert_eq!(t.web, "https://git.example.com/acme/shop");
            },
        );
    }

    #[test]
    fn a_gitlab_merge_request_is_opened_by_hand_at_its_new_page() {
        let t = Target {
            kind: Kind::GitLab,
            api: "https://gitlab.com/api/v4".into(),
            slug: "acme/shop".into(),
            web: "https://gitlab.com/acme/shop".into(),
        };
        assert_eq!(
            t.compare_url("main", "revert-7-fix#1"),
            "https://gitlab.com/acme/shop/-/merge_requests/new?merge_request%5Bsource_branch%5D=revert-7-fix%231&merge_request%5Btarget_branch%5D=main"
        );
    }

    #[test]
    fn tokens_do_not_print() {
        let t = Token::Bearer("ghp_secret".into());
        assert!(!format!("{t:?}").contains("secret"));
    }
}
