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
        assert_eq!(parse_remote_url("file:///srv/git/shop.git"), None);
    }
}
