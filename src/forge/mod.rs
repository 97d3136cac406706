//! Pull requests on GitHub (octocrab), Bitbucket Cloud and Data Center, Gitea, Forgejo and Azure
//! DevOps, and merge requests on GitLab (reqwest): the only module that talks HTTP. Here the
//! trait and the types the commands see; `client` the HTTP client, `detect` which forge to talk to.
//! Calls are blocking for the commands; each client runs its own single-threaded runtime.

pub mod azure;
pub mod bitbucket;
mod client;
mod detect;
pub mod gitea;
pub mod github;
pub mod gitlab;
mod remote_url;
mod rest;

use crate::error::{Error, Result};

pub use client::*;
pub use detect::*;
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

/// The values of `fastrevert.forge`, each forge's own name first, then the other spellings
/// taken for it.
const SETTING_NAMES: [(&str, Kind); 12] = [
    ("github", Kind::GitHub),
    ("gitlab", Kind::GitLab),
    ("bitbucket", Kind::BitbucketCloud),
    ("bitbucket-datacenter", Kind::BitbucketDataCenter),
    ("gitea", Kind::Gitea),
    ("forgejo", Kind::Forgejo),
    ("azure-devops", Kind::AzureDevOps),
    ("bitbucket-cloud", Kind::BitbucketCloud),
    ("bitbucket-server", Kind::BitbucketDataCenter),
    ("codeberg", Kind::Forgejo),
    ("azuredevops", Kind::AzureDevOps),
    ("azure", Kind::AzureDevOps),
];

impl Kind {
    /// The forge a `fastrevert.forge` value names (any case).
    pub fn from_setting(value: &str) -> Option<Kind> {
        let value = value.to_ascii_lowercase();
        SETTING_NAMES
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, kind)| *kind)
    }

    /// The values `fastrevert.forge` takes, one per forge, for messages: `a, b … or z`.
    pub fn setting_names() -> String {
        let mut seen = Vec::new();
        for (name, kind) in SETTING_NAMES {
            if !seen.iter().any(|(_, k)| *k == kind) {
                seen.push((name, kind));
            }
        }
        let names: Vec<&str> = seen.iter().map(|(n, _)| *n).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }

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

impl CommitList {
    /// Every commit the forge has: its last page said there were no more.
    pub fn whole(commits: Vec<PrCommit>) -> CommitList {
        CommitList {
            commits,
            short: None,
        }
    }

    /// Cut at the pages read: there may be more.
    pub fn cut_after_pages(commits: Vec<PrCommit>, pages: usize) -> CommitList {
        CommitList {
            commits,
            short: Some(format!("more than {pages} pages of commits were not read")),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every forge is named by its setting, and the messages that list the settings list every
    /// forge (they once named four of seven).
    #[test]
    fn every_forge_has_a_setting_and_the_messages_list_them_all() {
        let all = [
            Kind::GitHub,
            Kind::BitbucketCloud,
            Kind::BitbucketDataCenter,
            Kind::GitLab,
            Kind::Gitea,
            Kind::Forgejo,
            Kind::AzureDevOps,
        ];
        let said = Kind::setting_names();
        for kind in all {
            let (name, _) = SETTING_NAMES
                .iter()
                .find(|(_, k)| *k == kind)
                .expect("every forge has a setting");
            assert!(said.contains(name), "{said}");
            assert_eq!(Kind::from_setting(&name.to_ascii_uppercase()), Some(kind));
        }
        assert_eq!(
            said,
            "github, gitlab, bitbucket, bitbucket-datacenter, gitea, forgejo or azure-devops"
        );
        assert_eq!(Kind::from_setting("codeberg"), Some(Kind::Forgejo));
        assert_eq!(Kind::from_setting("sourcehut"), None);
    }

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
