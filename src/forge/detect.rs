//! Which forge, repository and API a command talks to, from the settings, the remote URL and
//! the CI system it runs in; tokens from the environment.

use super::*;

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
pub(super) fn forgejo_actions() -> bool {
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
pub(super) fn azure_host(host: &str) -> bool {
    matches!(host, "dev.azure.com" | "ssh.dev.azure.com") || host.ends_with(".visualstudio.com")
}

/// Where the settings say pull requests go: the forge from `fastrevert.forge`, the remote's
/// host, or the CI system the command runs in; the repository from `fastrevert.repo`,
/// `GITHUB_REPOSITORY` / `CI_PROJECT_PATH` in CI, or the remote URL; the API from the
/// environment, `fastrevert.apiUrl` or the forge's public address.
// Long because one decision table from settings, remote host and CI variables to forge, repository
// and API; its precedence reads top to bottom.
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
    let kind = match forge {
        Some(value) => Kind::from_setting(value).ok_or_else(|| {
            Error::bad_input(format!(
                "fastrevert.forge is '{value}', which git-fastrevert does not know"
            ))
            .hint(format!("use {}", Kind::setting_names()))
        })?,
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
