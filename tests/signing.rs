//! Signed reverts, rollbacks and snapshot tags, made with the real tools and throwaway keys
//! (ssh-keygen, gpg in a private GNUPGHOME) and checked by git itself (`verify-commit`,
//! `verify-tag`, `%G?`); an x509 program stand-in that checks the arguments git gives; a remote
//! that refuses unsigned commits; failures that leave nothing written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{code, json, stderr, Env};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn executable(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    run(Command::new("chmod").arg("+x").arg(path));
}

/// A throwaway ed25519 key, with git told to sign with it and to trust it when verifying.
fn ssh_setup(env: &Env, work: &Path) -> PathBuf {
    let key = env.path("id_ed25519");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = env.path("allowed_signers");
    std::fs::write(&allowed, format!("test@example.com {public}")).unwrap();
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingKey", key.to_str().unwrap()),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
        ("commit.gpgSign", "true"),
        ("tag.gpgSign", "true"),
    ] {
        env.git(work, &["config", k, v]);
    }
    key
}

fn status_letter(env: &Env, work: &Path, commit: &str) -> String {
    env.git(work, &["log", "-1", "--format=%G?", commit])
}

#[test]
fn ssh_signed_revert_rollback_and_snapshot_tag_verify_with_git() {
    if !crate::common::needs("ssh-keygen") {
        return;
    }
    let env = Env::new();
    let (work, remote) = env.cloned();
    ssh_setup(&env, &work);
    let out = env.run_ok(&work, &["revert", "HEAD", "--json"]);
    let j = json(&out);
    assert_eq!(j["signed"], true);
    let revert = j["commits"][0].as_str().unwrap().to_string();
    env.git(&work, &["verify-commit", &revert]);
    assert_eq!(status_letter(&env, &work, &revert), "G");
    // The remote got the signed commit as it is.
    assert_eq!(
        env.git(
            &remote,
            &[
                "rev-parse",
                &format!("{}^{{commit}}", j["branch"].as_str().unwrap())
            ]
        ),
        revert
    );

    env.git(&work, &["tag", "--no-sign", "v1", "HEAD~2"]);
    let out = env.run_ok(&work, &["rollback", "--to", "v1", "--no-push", "--json"]);
    let rollback = json(&out)["commits"][0].as_str().unwrap().to_string();
    assert_eq!(status_letter(&env, &work, &rollback), "G");

    let out = env.run_ok(&work, &["prepare", "before-friday", "--json"]);
    assert_eq!(json(&out)["signed"], true);
    env.git(&work, &["verify-tag", "pre-rollout/before-friday"]);
    // What git itself would write: the signature follows the message.
    let tag = env.git(&work, &["cat-file", "tag", "pre-rollout/before-friday"]);
    assert!(tag.contains("-----BEGIN SSH SIGNATURE-----"), "{tag}");
}

#[test]
fn a_literal_ssh_key_signs_through_the_agent_flag_and_dry_runs_run_no_signer() {
    if !crate::common::needs("ssh-keygen") {
        return;
    }
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let key = ssh_setup(&env, &work);
    // A stand-in for ssh-keygen: records its arguments, then signs with the real one and the
    // private key (no agent runs in the tests).
    let log = env.path("ssh-args");
    let program = env.path("fake-ssh-keygen");
    executable(
        &program,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nlast=''; for a in \"$@\"; do last=\"$a\"; done\nexec ssh-keygen -Y sign -n git -f '{}' \"$last\"\n",
            log.display(),
            key.display()
        ),
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    env.git(
        &work,
        &[
            "config",
            "user.signingKey",
            &format!("key::{}", public.trim()),
        ],
    );
    env.git(
        &work,
        &["config", "gpg.ssh.program", program.to_str().unwrap()],
    );
    let out = env.run_ok(
        &work,
        &["revert", "HEAD", "--no-push", "--dry-run", "--json"],
    );
    assert_eq!(json(&out)["signed"], true);
    let plan = env
        .fr(&work)
        .args(["revert", "HEAD", "--no-push", "--dry-run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("would be signed: ssh"), "{text}");
    assert!(!log.exists(), "a dry run ran the signer");
    let out = env.run_ok(&work, &["revert", "HEAD", "--no-push", "--json"]);
    let args = std::fs::read_to_string(&log).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(&args[..5], &["-Y", "sign", "-n", "git", "-f"], "{args:?}");
    assert_eq!(
        args[6], "-U",
        "a literal key is used through the agent: {args:?}"
    );
    let revert = json(&out)["commits"][0].as_str().unwrap().to_string();
    // Without user.signingKey, gpg.ssh.defaultKeyCommand names the key, as for git.
    env.git(&work, &["config", "--unset", "user.signingKey"]);
    env.git(
        &work,
        &[
            "config",
            "gpg.ssh.defaultKeyCommand",
            &format!("echo 'key::{}'", public.trim()),
        ],
    );
    std::fs::remove_file(&log).unwrap();
    let out = env.run_ok(
        &work,
        &[
            "revert",
            "HEAD~1",
            "--branch",
            "by-command",
            "--no-push",
            "--json",
        ],
    );
    assert!(std::fs::read_to_string(&log).unwrap().contains("-U"));
    let by_command = json(&out)["commits"][0].as_str().unwrap().to_string();
    // Verified with the real ssh-keygen (git would ask the stand-in to verify too).
    env.git(&work, &["config", "--unset", "gpg.ssh.program"]);
    assert_eq!(status_letter(&env, &work, &revert), "G");
    assert_eq!(status_letter(&env, &work, &by_command), "G");
}

#[test]
fn openpgp_signed_revert_verifies_with_gpg() {
    if !crate::common::needs("gpg") {
        return;
    }
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let home = env.path("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    run(Command::new("chmod").arg("700").arg(&home));
    run(Command::new("gpg").env("GNUPGHOME", &home).args([
        "--batch",
        "--passphrase",
        "",
        "--quick-gen-key",
        "Test User <test@example.com>",
        "ed25519",
        "sign",
        "never",
    ]));
    let listing = run(Command::new("gpg").env("GNUPGHOME", &home).args([
        "--batch",
        "--with-colons",
        "--list-secret-keys",
    ]));
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:::::::::"))
        .map(|f| f.trim_end_matches(':').to_string())
        .unwrap();
    env.git(&work, &["config", "user.signingKey", &fingerprint]);
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "-S", "--no-push", "--json"])
        .env("GNUPGHOME", &home)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let revert = json(&out)["commits"][0].as_str().unwrap().to_string();
    let mut verify = Command::new("git");
    verify
        .current_dir(&work)
        .args(["log", "-1", "--format=%G?", &revert]);
    env.apply_to(&mut verify);
    verify.env("GNUPGHOME", &home);
    assert_eq!(run(&mut verify).trim(), "G");
    let commit = env.git(&work, &["cat-file", "commit", &revert]);
    assert!(
        commit.contains("gpgsig -----BEGIN PGP SIGNATURE-----"),
        "{commit}"
    ); // The rollback commit and the snapshot tag, signed by configuration this time.
    env.git(&work, &["config", "commit.gpgSign", "true"]);
    env.git(&work, &["config", "tag.gpgSign", "true"]);
    env.git(&work, &["tag", "--no-sign", "v1", "HEAD~2"]);
    let out = env
        .fr(&work)
        .args(["rollback", "--to", "v1", "--no-push", "--json"])
        .env("GNUPGHOME", &home)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rollback = json(&out)["commits"][0].as_str().unwrap().to_string();
    let out = env
        .fr(&work)
        .args(["prepare", "snap", "--json"])
        .env("GNUPGHOME", &home)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for args in [
        vec!["verify-commit", rollback.as_str()],
        vec!["verify-tag", "pre-rollout/snap"],
    ] {
        let mut verify = Command::new("git");
        verify.current_dir(&work).args(&args);
        env.apply_to(&mut verify);
        verify.env("GNUPGHOME", &home);
        run(&mut verify);
    }
}

#[test]
fn x509_signing_runs_the_configured_program_with_gits_arguments() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let log = env.path("x509-args");
    let program = env.path("fake-gpgsm");
    executable(
        &program,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncat > /dev/null\necho '[GNUPG:] BEGIN_SIGNING' >&2\necho '[GNUPG:] SIG_CREATED D 1 8 00 1700000000 AB' >&2\nprintf -- '-----BEGIN SIGNED MESSAGE-----\\nZmFrZQ==\\n-----END SIGNED MESSAGE-----\\n'\n",
            log.display()
        ),
    );
    for (k, v) in [
        ("gpg.format", "x509"),
        ("gpg.x509.program", program.to_str().unwrap()),
        ("user.signingKey", "0xCAFE"),
    ] {
        env.git(&work, &["config", k, v]);
    }
    let out = env.run_ok(
        &work,
        &["revert", "HEAD", "--gpg-sign", "--no-push", "--json"],
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "--status-fd=2\n-bsau\n0xCAFE\n"
    );
    let revert = json(&out)["commits"][0].as_str().unwrap().to_string();
    let commit = env.git(&work, &["cat-file", "commit", &revert]);
    assert!(
        commit.contains("gpgsig -----BEGIN SIGNED MESSAGE-----"),
        "{commit}"
    );
    // --gpg-sign=KEYID names another key.
    env.run_ok(
        &work,
        &[
            "revert",
            "HEAD",
            "--gpg-sign=0xBEEF",
            "--branch",
            "other",
            "--no-push",
            "--json",
        ],
    );
    assert!(std::fs::read_to_string(&log).unwrap().contains("0xBEEF"));
}

#[test]
fn a_remote_that_refuses_unsigned_commits_takes_a_signed_direct_revert() {
    if !crate::common::needs("ssh-keygen") {
        return;
    }
    let env = Env::new();
    let (work, remote) = env.cloned();
    executable(
        &remote.join("hooks/pre-receive"),
        "#!/bin/sh\nwhile read old new ref; do\n  for c in $(git rev-list \"$new\" --not --all); do\n    git cat-file commit \"$c\" | grep -q '^gpgsig ' || { echo \"unsigned commit $c\" >&2; exit 1; }\n  done\ndone\n",
    );
    let before = env.rev(&remote, "main");
    let out = env.run(&work, &["revert", "HEAD", "--direct", "--yes", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(env.rev(&remote, "main"), before);
    // The hint says to sign, not to push the same unsigned commit again.
    assert!(stderr(&out).contains("-S"), "{}", stderr(&out));
    ssh_setup(&env, &work);
    env.run_ok(&work, &["revert", "HEAD", "--direct", "--yes", "--json"]);
    let tip = env.rev(&remote, "main");
    assert_ne!(tip, before);
    assert_eq!(status_letter(&env, &work, &tip), "G");
}

#[test]
fn a_signature_that_cannot_be_made_writes_nothing_and_no_gpg_sign_overrides() {
    if !crate::common::needs("ssh-keygen") {
        return;
    }
    let env = Env::new();
    let (work, remote) = env.cloned();
    ssh_setup(&env, &work);
    env.git(&work, &["config", "gpg.ssh.program", "false"]);
    let refs = env.git(&work, &["for-each-ref"]);
    let remote_refs = env.git(&remote, &["for-each-ref"]);
    let objects = env.git(&work, &["count-objects", "-v"]);
    for args in [
        vec!["revert", "HEAD", "--json"],
        vec!["prepare", "snap", "--json"],
    ] {
        let out = env.fr(&work).args(&args).output().unwrap();
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        let j = json(&out);
        assert!(
            j["error"]["message"]
                .as_str()
                .unwrap()
                .contains("could not sign"),
            "{j}"
        );
        assert!(
            j["error"]["hints"].to_string().contains("--no-gpg-sign"),
            "{j}"
        );
    }
    // A key that is not there.
    env.git(&work, &["config", "--unset", "gpg.ssh.program"]);
    env.git(&work, &["config", "user.signingKey", "/nonexistent/key"]);
    let out = env.run(&work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    env.git(
        &work,
        &["config", "gpg.ssh.program", "no-such-signing-program"],
    );
    let out = env.run(&work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("not installed"), "{}", stderr(&out));
    assert_eq!(env.git(&work, &["for-each-ref"]), refs);
    assert_eq!(env.git(&remote, &["for-each-ref"]), remote_refs);
    assert_eq!(
        env.git(&work, &["count-objects", "-v"]),
        objects,
        "objects were written"
    );
    let out = env.run_ok(
        &work,
        &["revert", "HEAD", "--no-gpg-sign", "--no-push", "--json"],
    );
    assert_eq!(json(&out)["signed"], false);
    let revert = json(&out)["commits"][0].as_str().unwrap().to_string();
    assert_eq!(status_letter(&env, &work, &revert), "N");
}

/// In Actions there is no key: GitHub creates the commits through its API and signs them. The
/// exact requests, the branch, the pull request, and the limits' errors.
#[test]
fn sign_with_github_creates_the_commits_through_the_api() {
    use serde_json::json as j;
    use wiremock::matchers::{body_json, body_partial_json, method, path};
    use wiremock::{Mock, ResponseTemplate};

    let env = Env::new();
    let (work, remote) = env.cloned();
    let fake = crate::common::FakeForge::start();
    env.point_at_forge(&work, "github", "acme/shop", &fake.uri());
    let base = env.rev(&work, "main");
    let branch = format!("revert-{}", &base[..7]);
    let tree = env.rev(&work, "HEAD~1^{tree}");
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/git/refs"))
            .and(body_json(j!({"ref": format!("refs/heads/{branch}"), "sha": base})))
            .respond_with(ResponseTemplate::new(201).set_body_json(
                j!({"ref": format!("refs/heads/{branch}"), "object": {"sha": base, "type": "commit"}}),
            ))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(body_partial_json(j!({"variables": {"input": {
                "branch": {"repositoryNameWithOwner": "acme/shop", "branchName": branch},
                "message": {"headline": "Revert \"Add notes\""},
                "fileChanges": {"additions": [], "deletions": [{"path": "docs/notes.txt"}]},
                "expectedHeadOid": base,
            }}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(j!({"data": {"createCommitOnBranch": {
                "commit": {"oid": "1111111111111111111111111111111111111111", "tree": {"oid": tree}}
            }}})))
            .expect(1),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/pulls"))
            .respond_with(ResponseTemplate::new(201).set_body_json(j!({
                "number": 70, "html_url": "https://github.com/acme/shop/pull/70", "state": "open"
            })))
            .expect(1),
    );
    let remote_refs = env.git(&remote, &["for-each-ref"]);
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--sign-with-github", "--json"])
        .env("GITHUB_TOKEN", "ghs_test")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let result = json(&out);
    assert_eq!(result["signed"], true);
    assert_eq!(result["pull_request"]["number"], 70);
    // Nothing was pushed with git, and no local branch holds the unsigned commit.
    assert_eq!(env.git(&remote, &["for-each-ref"]), remote_refs);
    assert!(!env
        .git_output(
            &work,
            &["rev-parse", "--verify", &format!("refs/heads/{branch}")]
        )
        .status
        .success());
    fake.verify();

    // What the API cannot write is refused before any request: an executable file.
    let fake = crate::common::FakeForge::start();
    env.git(&work, &["config", "fastrevert.apiUrl", &fake.uri()]);
    env.commit(&work, &[("run.sh", "#!/bin/sh\n")], "Add run.sh");
    env.git(&work, &["update-index", "--chmod=+x", "run.sh"]);
    env.git(&work, &["commit", "-q", "-m", "Make run.sh executable"]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env
        .fr(&work)
        .args(["revert", "HEAD~1..HEAD", "--sign-with-github", "--json"])
        .env("GITHUB_TOKEN", "ghs_test")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("executable"), "{}", stderr(&out));
    assert_eq!(fake.count(), 0, "a request was sent");
    // A commit GitHub made with another tree than the one computed is an error, not a success.
    // (The file on disk follows the index, or `git add -A` would drop the bit again.)
    run(Command::new("chmod").arg("+x").arg(work.join("run.sh")));
    env.commit(&work, &[("plain.txt", "p\n")], "Add plain");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let fake = crate::common::FakeForge::start();
    env.git(&work, &["config", "fastrevert.apiUrl", &fake.uri()]);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/shop/git/refs"))
            .respond_with(ResponseTemplate::new(201).set_body_json(j!({"ref": "x"}))),
    );
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(j!({"data": {"createCommitOnBranch": {
                "commit": {"oid": "2222222222222222222222222222222222222222", "tree": {"oid": "3333333333333333333333333333333333333333"}}
            }}}))),
    );
    // The branch holds GitHub's wrong commit: it is left for the person to look at, never
    // deleted by the tool (only a branch still at the base, holding nothing, is).
    fake.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/shop/git/ref/heads/revert-{}",
                &env.rev(&work, "HEAD")[..7]
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                j!({"object": {"sha": "2222222222222222222222222222222222222222", "type": "commit"}}),
            )),
    );
    fake.mount(
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0),
    );
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--sign-with-github", "--json"])
        .env("GITHUB_TOKEN", "ghs_test")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("git-fastrevert computed"),
        "{}",
        stderr(&out)
    );
    fake.verify();
    // And it does not go with --no-push.
    let out = env.run(
        &work,
        &[
            "revert",
            "HEAD",
            "--sign-with-github",
            "--no-push",
            "--json",
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}
