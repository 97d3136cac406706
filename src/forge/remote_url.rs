//! Host and path of a remote URL: https, ssh, and scp-like `user@host:path`.

/// `(host, path)` with the path's `.git` and surrounding slashes removed.
pub fn parse_remote_url(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(
            scheme,
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
        ) {
            return None;
        }
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?;
        let host = host.split(':').next()?;
        (host.to_string(), path.to_string())
    } else {
        // scp-like: [user@]host:path, where the host has no slash before the colon.
        let (left, path) = url.split_once(':')?;
        if left.contains('/') {
            return None;
        }
        (left.rsplit('@').next()?.to_string(), path.to_string())
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (!host.is_empty() && !path.is_empty()).then(|| (host.to_ascii_lowercase(), path.to_string()))
}

/// An Azure DevOps remote's organization URL (the API's base), project and repository:
/// `https://dev.azure.com/ORG/PROJECT/_git/REPO`, `https://ORG.visualstudio.com/PROJECT/_git/REPO`
/// (also under `DefaultCollection/`), `git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO` and
/// `ORG@vs-ssh.visualstudio.com:v3/ORG/PROJECT/REPO`, and a server's
/// `https://host/COLLECTION/PROJECT/_git/REPO`. Names are percent-decoded.
pub fn azure_remote(host: &str, path: &str) -> Option<(String, String, String)> {
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (org_url, project, repo) = match (host, parts.as_slice()) {
        ("dev.azure.com", [org, project, "_git", repo]) => {
            (format!("https://dev.azure.com/{org}"), *project, *repo)
        }
        ("ssh.dev.azure.com", ["v3", org, project, repo]) => {
            (format!("https://dev.azure.com/{org}"), *project, *repo)
        }
        ("vs-ssh.visualstudio.com", ["v3", org, project, repo]) => {
            (format!("https://{org}.visualstudio.com"), *project, *repo)
        }
        (h, [project, "_git", repo] | ["DefaultCollection", project, "_git", repo])
            if h.ends_with(".visualstudio.com") =>
        {
            (format!("https://{h}"), *project, *repo)
        }
        // Azure DevOps Server: `https://host/tfs/COLLECTION/PROJECT/_git/REPO`.
        (h, [collection @ .., project, "_git", repo]) if !collection.is_empty() => (
            format!("https://{h}/{}", collection.join("/")),
            *project,
            *repo,
        ),
        _ => return None,
    };
    let ok = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains('/');
    let (project, repo) = (decoded(project)?, decoded(repo)?);
    (ok(&project) && ok(&repo) && !org_url.contains(['?', '#', '@']))
        .then_some((org_url, project, repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        let gh = Some(("github.com".to_string(), "acme/shop".to_string()));
        assert_eq!(parse_remote_url("https://github.com/acme/shop.git"), gh);
        assert_eq!(parse_remote_url("https://github.com/acme/shop"), gh);
        assert_eq!(parse_remote_url("git@github.com:acme/shop.git"), gh);
        assert_eq!(parse_remote_url("ssh://git@github.com/acme/shop.git"), gh);
        assert_eq!(parse_remote_url("https://token@GitHub.com/acme/shop/"), gh);
        assert_eq!(
            parse_remote_url("ssh://git@bitbucket.example.com:7999/proj/shop.git"),
            Some(("bitbucket.example.com".into(), "proj/shop".into()))
        );
        assert_eq!(parse_remote_url("/srv/git/shop.git"), None);
        assert_eq!(
            parse_remote_url("git@ssh.dev.azure.com:v3/acme/Web%20Shop/shop"),
            Some(("ssh.dev.azure.com".into(), "v3/acme/Web%20Shop/shop".into()))
        );
        assert_eq!(parse_remote_url("file:///srv/git/shop.git"), None);
    }

    #[test]
    fn azure_devops_remotes_in_every_form() {
        let want = |org: &str| Some((org.to_string(), "Web Shop".to_string(), "shop".to_string()));
        let azure = |url: &str| {
            let (host, path) = parse_remote_url(url)?;
            azure_remote(&host, &path)
        };
        let dev = want("https://dev.azure.com/acme");
        assert_eq!(
            azure("https://dev.azure.com/acme/Web%20Shop/_git/shop"),
            dev
        );
        assert_eq!(
            azure("https://acme@dev.azure.com/acme/Web%20Shop/_git/shop"),
            dev
        );
        assert_eq!(azure("git@ssh.dev.azure.com:v3/acme/Web%20Shop/shop"), dev);
        let vs = want("https://acme.visualstudio.com");
        assert_eq!(
            azure("https://acme.visualstudio.com/Web%20Shop/_git/shop"),
            vs
        );
        assert_eq!(
            azure("https://acme.visualstudio.com/DefaultCollection/Web%20Shop/_git/shop"),
            vs
        );
        assert_eq!(
            azure("acme@vs-ssh.visualstudio.com:v3/acme/Web%20Shop/shop"),
            vs
        );
        assert_eq!(azure("https://dev.azure.com/acme/shop"), None);
        assert_eq!(azure("https://dev.azure.com/acme/..%2F/_git/shop"), None);
        assert_eq!(azure("https://github.com/acme/shop"), None);
    }
}
