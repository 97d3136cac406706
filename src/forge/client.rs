//! HTTP for every forge client: one client with retries, rate limits, a bound on answers and
//! on the command's time on the network; the transport check for tokens; URL pieces.

use http::Method;
use std::time::Duration;

use super::*;

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
    /// The status and the headers the clients act on; the body is read after.
    pub fn from_headers(status: u16, headers: &http::HeaderMap) -> Reply {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let paging = [
            "x-total-count",
            "x-total",
            "x-hasmore",
            "x-ms-continuationtoken",
        ]
        .into_iter()
        .filter_map(|name| header(name).map(|v| (name, v)))
        .collect();
        Reply {
            status,
            retry_after: header("retry-after"),
            // Bitbucket and GitHub send `x-ratelimit-*`, GitLab `ratelimit-*`.
            ratelimit_remaining: header("x-ratelimit-remaining")
                .or_else(|| header("ratelimit-remaining")),
            ratelimit_reset: header("x-ratelimit-reset").or_else(|| header("ratelimit-reset")),
            location: header("location"),
            link: header("link"),
            next_page: header("x-next-page"),
            paging,
            body: String::new(),
        }
    }
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
        let request_timeout = crate::config::http_timeout();
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
        method: &Method,
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
        method: &Method,
        path: &str,
        send: &dyn Fn() -> std::result::Result<Reply, SendError>,
        settled: &dyn Fn() -> Result<Option<T>>,
    ) -> Result<Created<T>> {
        self.attempts(forge, method, path, send, Some(settled))
    }

    // Long because the retry loop: rate limits, retries, the network-time bound and the check that
    // a write landed share its state.
    fn attempts<T>(
        &self,
        forge: Kind,
        method: &Method,
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
pub(super) static NETWORK_TIME: std::sync::Mutex<Duration> = std::sync::Mutex::new(Duration::ZERO);

/// The network time of a command (`config::network_timeout`): no new request starts past it,
/// so a command waits at most that plus one request timeout on forges.
pub(super) fn network_budget() -> Duration {
    let given = crate::config::network_timeout();
    let cap = *NETWORK_CAP.lock().unwrap_or_else(|e| e.into_inner());
    cap.map_or(given, |c| given.min(c))
}

/// A command whose forge calls are only a nicety (`status`) bounds them tighter than the
/// default.
pub(super) static NETWORK_CAP: std::sync::Mutex<Option<Duration>> = std::sync::Mutex::new(None);

pub fn cap_network_time(limit: Duration) {
    *NETWORK_CAP.lock().unwrap_or_else(|e| e.into_inner()) = Some(limit);
}

pub(super) fn network_time() -> Duration {
    // A poisoned lock only means a thread panicked while adding: the sum is still usable.
    *NETWORK_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn spend_network_time(d: Duration) {
    *NETWORK_TIME.lock().unwrap_or_else(|e| e.into_inner()) += d;
}

pub(super) fn network_budget_left() -> Duration {
    network_budget().saturating_sub(network_time())
}

/// The time spent when it is at or over the budget.
pub(super) fn network_budget_spent() -> Option<Duration> {
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

pub(super) fn rate_limit_wait(reply: &Reply) -> Option<Duration> {
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
