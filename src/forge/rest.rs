//! A JSON REST client over reqwest for the forges that octocrab does not cover: the base
//! address, the credential, one blocking call at a time, the headers retries need.

use http::Method;
use serde_json::Value;

use super::{Http, Reply, SendError, Token};
use crate::error::{Error, Result};

pub struct Rest {
    api: String,
    token: Token,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

impl Rest {
    pub fn new(api: &str, token: Token, http: &Http) -> Result<Rest> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::failed("cannot start the HTTP runtime").because(e))?;
        // Redirects are followed only to the same scheme, host and port as the request: the
        // credential headers (PRIVATE-TOKEN, JOB-TOKEN, Authorization) never reach another
        // origin, nor plain http. A redirect elsewhere comes back as the answer, refused below.
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt.previous().first().is_some_and(|first| {
                first.scheme() == attempt.url().scheme()
                    && first.host_str() == attempt.url().host_str()
                    && first.port_or_known_default() == attempt.url().port_or_known_default()
            });
            if same && attempt.previous().len() < 5 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(policy)
            .connect_timeout(http.connect_timeout)
            .timeout(http.request_timeout)
            .user_agent(concat!("git-fastrevert/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::failed("cannot set up the HTTP client").because(e))?;
        Ok(Rest {
            api: api.trim_end_matches('/').to_string(),
            token,
            client,
            rt,
        })
    }

    pub fn api(&self) -> &str {
        &self.api
    }

    /// A redirect that was not followed (to another origin) is an error that says so.
    pub fn no_redirect(&self, forge: super::Kind, path: &str, reply: Reply) -> Result<Reply> {
        if !(300..400).contains(&reply.status) {
            return Ok(reply);
        }
        Err(Error::failed(format!(
            "{} redirected {path} to {}, which is not on {}; not followed, so that the token goes nowhere else",
            forge.name(),
            reply.location.as_deref().unwrap_or("nowhere"),
            self.api
        ))
        .hint("check the API address (fastrevert.apiUrl) and the repository (fastrevert.repo)"))
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    /// One request to `path` under the API address (path and query already encoded).
    pub fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, SendError> {
        let url = format!("{}{path}", self.api);
        let mut request = self.client.request(method.clone(), &url);
        request = match &self.token {
            Token::Bearer(t) => request.bearer_auth(t),
            Token::Basic { user, password } => request.basic_auth(user, Some(password)),
            Token::Private(t) => request.header("PRIVATE-TOKEN", t),
            Token::Job(t) => request.header("JOB-TOKEN", t),
            Token::Gitea(t) => {
                let mut value = reqwest::header::HeaderValue::from_str(&format!("token {t}"))
                    .map_err(|_| {
                        SendError::Refused("the token is not a valid header value".into())
                    })?;
                value.set_sensitive(true);
                request.header(reqwest::header::AUTHORIZATION, value)
            }
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        self.rt.block_on(async move {
            let response = request.send().await.map_err(classify)?;
            let mut reply = Reply::from_headers(response.status().as_u16(), response.headers());
            // Read up to the limit, never more: a huge answer is refused, not held whole.
            let mut response = response;
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                if bytes.len() + chunk.len() > super::MAX_BODY {
                    return Err(SendError::Refused(format!(
                        "the answer is larger than {} MiB; it was not read",
                        super::MAX_BODY >> 20
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            reply.body = String::from_utf8_lossy(&bytes).into_owned();
            Ok(reply)
        })
    }
}

fn classify(e: reqwest::Error) -> SendError {
    if e.is_timeout() {
        SendError::Timeout
    } else {
        // Without the URL: it is ours, and the message stays short.
        super::connection_failure(&e.without_url())
    }
}
