//! The test environment: an isolated HOME and git config, fixed identities and dates, helpers
//! to run `git` and the built binary, and the synthetic repository builder.

#![allow(dead_code)]

#[path = "../../fixtures/mkrepo.rs"]
pub mod mkrepo;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub const DATE: &str = "1700000000 +0000";

pub struct Env {
    pub tmp: TempDir,
    pub home: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .expect("gitconfig");
        Env { tmp, home }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The isolated environment on any command.
    pub fn apply_to(&self, cmd: &mut Command) {
        self.apply(cmd);
    }

    /// A hint run as a person pastes it: by bash, in `dir`, in this environment, with this
    /// build first on PATH (so `git fastrevert` is the binary under test).
    pub fn paste(&self, dir: &Path, line: &str) -> std::process::Output {
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-ec", line])
            .current_dir(dir);
        self.apply(&mut cmd);
        cmd.env("PATH", path_with_binary());
        cmd.output().expect("bash runs")
    }

    fn apply(&self, cmd: &mut Command) {
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test User")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_AUTHOR_DATE", DATE)
            .env("GIT_COMMITTER_NAME", "Test User")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_DATE", DATE)
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        // Nothing from the machine's forge or CI setup leaks into a test.
        for var in [
            "GITHUB_ACTIONS",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GITHUB_SERVER_URL",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "BITBUCKET_TOKEN",
            "BITBUCKET_EMAIL",
            "BITBUCKET_API_TOKEN",
            "BITBUCKET_API_URL",
            "GITLAB_TOKEN",
            "GITLAB_OAUTH_TOKEN",
            "GITLAB_CI",
            "CI_JOB_TOKEN",
            "CI_SERVER_URL",
            "CI_API_V4_URL",
            "CI_PROJECT_PATH",
            "GITEA_TOKEN",
            "FORGEJO_TOKEN",
            "GITEA_ACTIONS",
            "FORGEJO_ACTIONS",
            "FORGEJO_SERVER_URL",
            "AZURE_DEVOPS_TOKEN",
            "SYSTEM_ACCESSTOKEN",
            "TF_BUILD",
            "SYSTEM_COLLECTIONURI",
            "SYSTEM_TEAMPROJECT",
            "BUILD_REPOSITORY_NAME",
            "FASTREVERT_DOTENV",
            "FASTREVERT_HTTP_TIMEOUT",
        ] {
            cmd.env_remove(var);
        }
    }

    /// Run git in `dir`; panics with git's output when it fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_output(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} failed in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).args(args);
        self.apply(&mut cmd);
        cmd.output().expect("run git")
    }

    /// The built binary, run in `dir` with this environment.
    pub fn fr(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_git-fastrevert"));
        cmd.current_dir(dir);
        self.apply(&mut cmd);
        cmd
    }

    /// Run the binary in `dir` with `args` and its output, whatever the exit code.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.fr(dir)
            .args(args)
            .output()
            .expect("run git-fastrevert")
    }

    /// Run the binary in `dir` with `args` and `--releases <releases>`, whatever the exit code.
    pub fn run_releases(&self, dir: &Path, releases: &Path, args: &[&str]) -> Output {
        self.fr(dir)
            .args(args)
            .arg("--releases")
            .arg(releases)
            .output()
            .expect("run git-fastrevert")
    }

    /// Run the binary in `dir` with `args`; panics with its stderr unless it exits 0.
    pub fn run_ok(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self.run(dir, args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        out
    }

    pub fn write(&self, dir: &Path, path: &str, content: &str) {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
    }

    /// Write files and commit them all; returns the new commit id.
    pub fn commit(&self, dir: &Path, files: &[(&str, &str)], msg: &str) -> String {
        for (path, content) in files {
            self.write(dir, path, content);
        }
        self.git(dir, &["add", "-A"]);
        self.git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(dir, &["rev-parse", "HEAD"])
    }

    pub fn rev(&self, dir: &Path, rev: &str) -> String {
        self.git(dir, &["rev-parse", rev])
    }

    /// A new repository with one commit.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        self.git(
            self.tmp.path(),
            &["init", "-q", "-b", "main", dir.to_str().expect("utf8")],
        );
        self.commit(&dir, &[("README", "hello\n")], "Initial commit");
        dir
    }

    /// Send the pull requests of the clone at `dir` to `forge` (a fake's address as `api`).
    pub fn point_at_forge(&self, dir: &Path, forge: &str, repo: &str, api: &str) {
        self.git(dir, &["config", "fastrevert.forge", forge]);
        self.git(dir, &["config", "fastrevert.repo", repo]);
        self.git(dir, &["config", "fastrevert.apiUrl", api]);
    }

    /// A second clone of `remote` (a teammate's, another host's) at `self.path(name)`.
    pub fn clone_of(&self, remote: &Path, name: &str) -> PathBuf {
        let dir = self.path(name);
        self.git(
            self.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().expect("utf8"),
                dir.to_str().expect("utf8"),
            ],
        );
        dir
    }

    /// `cloned()`, then a pushed commit that rewrites what the merged pull request's branch
    /// commit added, so reverting that commit conflicts. Returns (clone, that commit).
    pub fn cloned_with_conflict(&self) -> (PathBuf, String) {
        let (work, _remote) = self.cloned();
        let old = self.rev(&work, "main~1^2");
        self.commit(
            &work,
            &[("app/feature.txt", "rewritten\n")],
            "Rewrite feature",
        );
        self.git(&work, &["push", "-q", "origin", "main"]);
        (work, old)
    }

    /// A bare remote and a clone of it with a few commits and a merged pull request pushed to
    /// `main`. Returns (clone, remote).
    pub fn cloned(&self) -> (PathBuf, PathBuf) {
        let remote = self.path("remote.git");
        let work = self.path("work");
        self.git(
            self.tmp.path(),
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                remote.to_str().expect("utf8"),
            ],
        );
        self.git(
            self.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().expect("utf8"),
                work.to_str().expect("utf8"),
            ],
        );
        self.commit(
            &work,
            &[("app/main.txt", "one\ntwo\nthree\n"), ("README", "hello\n")],
            "Initial commit",
        );
        self.commit(
            &work,
            &[("app/main.txt", "one\ntwo\nthree\nfour\n")],
            "Add four",
        );
        self.git(&work, &["switch", "-q", "-c", "feature"]);
        self.commit(&work, &[("app/feature.txt", "feature\n")], "Add feature");
        self.git(&work, &["switch", "-q", "main"]);
        self.git(
            &work,
            &[
                "merge",
                "-q",
                "--no-ff",
                "feature",
                "-m",
                "Merge pull request #7 from acme/feature",
            ],
        );
        self.git(&work, &["branch", "-q", "-D", "feature"]);
        self.commit(&work, &[("docs/notes.txt", "notes\n")], "Add notes");
        self.git(&work, &["push", "-q", "origin", "main"]);
        self.git(&work, &["remote", "set-head", "origin", "main"]);
        (work, remote)
    }
}

/// Nothing the binary printed holds any of `secrets`.
pub fn assert_no_secret(out: &Output, secrets: &[&str]) {
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out));
    for secret in secrets {
        assert!(!all.contains(secret), "a secret leaked:\n{all}");
    }
}

/// Parse the JSON the binary printed on stdout.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// A local fake forge API (wiremock) on its own runtime, for tests that run the binary.
pub struct FakeForge {
    rt: tokio::runtime::Runtime,
    pub server: wiremock::MockServer,
}

impl FakeForge {
    pub fn start() -> FakeForge {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(wiremock::MockServer::start());
        FakeForge { rt, server }
    }
    pub fn uri(&self) -> String {
        self.server.uri()
    }
    pub fn mount(&self, mock: wiremock::Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }
    /// The same server behind TLS with the test certificate of `fixtures/tls` (issued to
    /// 127.0.0.1 by the test CA `fixtures/tls/ca.pem`): `https://127.0.0.1:port`.
    pub fn https_uri(&self) -> String {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tls");
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(dir.join("server.pem"))
                .expect("server.pem")
                .collect::<Result<_, _>>()
                .expect("certificates");
        let key = PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).expect("key");
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let inner = *self.server.address();
        let listener = self
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        self.rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to relay.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    if let Ok(mut plain) = tokio::net::TcpStream::connect(inner).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        format!("https://127.0.0.1:{port}")
    }
    /// With `FASTREVERT_API_RECORD` set to a file, every request received so far appended to
    /// it as a JSON line (method, path, query, body), for `contrib/api-check` to check against
    /// the vendors' API descriptions.
    fn record(&self) {
        let Some(file) = std::env::var_os("FASTREVERT_API_RECORD") else {
            return;
        };
        let mut lines = String::new();
        for r in self
            .rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
        {
            let query: Vec<(String, String)> = r
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let body: serde_json::Value =
                serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null);
            let line = serde_json::json!({
                "method": r.method.as_str(),
                "path": r.url.path(),
                "query": query,
                "body": body,
            });
            lines.push_str(&format!("{line}\n"));
        }
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .expect("the record file");
        f.write_all(lines.as_bytes()).expect("recorded");
    }
    /// Every expectation met; every request carried a token.
    pub fn verify(&self) {
        self.record();
        self.rt.block_on(self.server.verify());
        for r in self
            .rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
        {
            let credentialed = ["authorization", "private-token", "job-token"]
                .iter()
                .any(|h| r.headers.get(*h).is_some());
            assert!(
                credentialed,
                "{} {} was sent without a token",
                r.method, r.url
            );
        }
    }
    /// Requests received with this method.
    pub fn count_method(&self, method: &str) -> usize {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == method)
            .count()
    }
    pub fn count(&self) -> usize {
        self.rt
            .block_on(self.server.received_requests())
            .map_or(0, |r| r.len())
    }
    pub fn reset(&self) {
        self.record();
        self.rt.block_on(self.server.reset());
    }
}

/// PATH with the built binary first, so that `git fastrevert` and the action find it.
/// Whether an optional tool this test needs (zsh, fish, gpg, ssh-keygen, setpriv) is on PATH.
/// Without it the test is skipped, saying so, on a developer's machine; CI sets
/// `FASTREVERT_TEST_REQUIRE_TOOLS` (`.ci/run` installs them), and there a missing tool fails.
pub fn needs(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    if found {
        return true;
    }
    if std::env::var_os("FASTREVERT_TEST_REQUIRE_TOOLS").is_some() {
        panic!("{tool} is needed for this test and CI requires it (.ci/run installs it)");
    }
    eprintln!("skipped: {tool} is not installed here (CI runs this test)");
    false
}

pub fn path_with_binary() -> String {
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_git-fastrevert"));
    let dir = bin
        .parent()
        .expect("the binary is in a folder")
        .to_path_buf();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A release archive of `dir/git-fastrevert` as the release workflow makes it: its bytes and
/// their SHA-256, as SHA256SUMS lists it.
pub fn release_tarball(env: &Env, dir: &Path, asset: &str) -> (Vec<u8>, String) {
    let tarball = env.path(asset);
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir)
        .arg("git-fastrevert")
        .status()
        .expect("tar");
    assert!(tar.success());
    let sum = Command::new("sha256sum")
        .arg(&tarball)
        .output()
        .expect("sha256sum");
    let sum = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .expect("a sum")
        .to_string();
    (std::fs::read(&tarball).expect("tarball"), sum)
}

/// Run to the end with stdout and stderr in files; the output, and the most memory (resident
/// bytes) the process itself ever held, from wait4(2) on that one child.
// The child is reaped by wait4 below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn output_with_peak_memory(cmd: &mut Command) -> (Output, u64) {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(&err_path).expect("err"))
        .spawn()
        .expect("spawn");
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; the pid is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: std::fs::read(&out_path).expect("out"),
        stderr: std::fs::read(&err_path).expect("err"),
    };
    // ru_maxrss is in KiB on Linux.
    (output, usage.ru_maxrss as u64 * 1024)
}

/// A bad rollout on this host: `main` (good) deployed into `releases`, then one commit "Add
/// payments" pushed and deployed on top of it. The good and bad commits.
pub fn good_then_bad_deployed(env: &Env, work: &Path, releases: &Path) -> (String, String) {
    std::fs::create_dir_all(releases).expect("releases");
    let good = env.rev(work, "main");
    env.commit(work, &[("app/pay.txt", "pay\n")], "Add payments");
    env.git(work, &["push", "-q", "origin", "main"]);
    let bad = env.rev(work, "main");
    for rev in [&good, &bad] {
        let out = env
            .fr(work)
            .args(["deploy", rev, "--releases"])
            .arg(releases)
            .output()
            .expect("deploy");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (good, bad)
}
