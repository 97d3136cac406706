//! Every forge is reached through the system's trusted certificates (or `SSL_CERT_FILE`), and a
//! certificate that is not trusted is said as such at once, never retried as a network failure.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::common::{code, stderr, Env, FakeForge as Fake};

const TOKEN: &str = "tls-s3cret-t0ken-value";

fn tls_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// (forge, repository, API address under the fake's HTTPS address, token variable)
fn forges(https: &str) -> Vec<(&'static str, &'static str, String, &'static str)> {
    vec![
        ("github", "acme/shop", https.to_string(), "GITHUB_TOKEN"),
        (
            "gitlab",
            "acme/platform/shop",
            format!("{https}/api/v4"),
            "GITLAB_TOKEN",
        ),
        (
            "bitbucket-datacenter",
            "ACME/shop",
            https.to_string(),
            "BITBUCKET_TOKEN",
        ),
    ]
}

fn ask_for_pr(
    env: &Env,
    work: &Path,
    forge: (&str, &str, String, &str),
    ca: &Path,
) -> std::process::Output {
    let (name, repo, api, token) = forge;
    env.point_at_forge(work, name, repo, &api);
    env.fr(work)
        .args(["revert", "--pr", "7", "--json"])
        .env(token, TOKEN)
        .env("SSL_CERT_FILE", ca)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap()
}

#[test]
fn a_private_ca_in_ssl_cert_file_reaches_every_forge_over_https() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let fake = Fake::start();
    fake.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(404)));
    let https = fake.https_uri();
    for forge in forges(&https) {
        let name = forge.0;
        let before = fake.count();
        let out = ask_for_pr(&env, &work, forge, &tls_file("ca.pem"));
        // The fake answered (404: no such request), so TLS held with the private CA.
        assert!(
            fake.count() > before,
            "{name}: nothing arrived: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("certificate"),
            "{name}: {}",
            stderr(&out)
        );
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
    }
}

#[test]
fn an_untrusted_certificate_is_a_certificate_error_at_once() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let fake = Fake::start();
    fake.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(404)));
    let https = fake.https_uri();
    for forge in forges(&https) {
        let name = forge.0;
        let started = Instant::now();
        let out = ask_for_pr(&env, &work, forge, &tls_file("other-ca.pem"));
        let took = started.elapsed();
        assert_eq!(code(&out), 1, "{name}: {}", stderr(&out));
        let said = stderr(&out);
        assert!(
            said.contains("certificate is not trusted"),
            "{name}: {said}"
        );
        assert!(said.contains("SSL_CERT_FILE"), "{name}: {said}");
        assert!(!said.contains("attempts"), "{name}: retried: {said}");
        assert!(!said.contains(TOKEN), "{name}: the token leaked");
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
    assert_eq!(fake.count(), 0, "a request went through an untrusted TLS");
}

/// A server that answers its headers at once and then one byte of body every 200 ms, for at
/// most 15 s: a slow-loris reply.
fn slow_loris() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(15);
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                while Instant::now() < until {
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
            if Instant::now() > until {
                return;
            }
        }
    });
    format!("http://{address}")
}

#[test]
fn a_slow_reply_ends_within_the_command_network_time() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let server = slow_loris();
    for (name, repo, api, token) in forges(&server) {
        env.point_at_forge(&work, name, repo, &api);
        let started = Instant::now();
        let out = env
            .fr(&work)
            .args(["revert", "--pr", "7", "--json"])
            .env(token, TOKEN)
            .env("FASTREVERT_HTTP_TIMEOUT", "1")
            .env("FASTREVERT_NETWORK_TIMEOUT", "2")
            .output()
            .unwrap();
        let took = started.elapsed();
        assert_eq!(code(&out), 1, "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("on the network in all"),
            "{name}: {}",
            stderr(&out)
        );
        // Two requests of at most 1 s each and one backoff, then no new request.
        assert!(took < Duration::from_secs(4), "{name}: {took:?}");
    }
}
