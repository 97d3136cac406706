//! Signing commits and tags as git does: the format, program and key from git's own
//! configuration (`gpg.format`, `gpg.program`, `gpg.<format>.program`, `user.signingKey`,
//! `gpg.ssh.defaultKeyCommand`), the program run with the arguments git gives it, and the
//! signature stored where git stores it (a `gpgsig` header in a commit, appended to a tag's
//! message). A signature that cannot be made is an error before any ref is written.

use std::io::Write;
use std::process::{Command, Stdio};

use git2::{Oid, Repository, Signature};

use crate::error::{Error, Hint, Opt, Result};

/// What the command line asked for: `-S`/`--gpg-sign[=KEYID]`, `--no-gpg-sign`, or nothing
/// (git's configuration decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Choice {
    #[default]
    Config,
    Sign(Option<String>),
    DontSign,
}

/// What is being signed, for the configuration key that turns signing on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Commit,
    /// An annotated tag (`tag.gpgSign`, `tag.forceSignAnnotated`).
    Tag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenPgp,
    X509,
    Ssh,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::OpenPgp => "openpgp",
            Format::X509 => "x509",
            Format::Ssh => "ssh",
        }
    }
}

/// How signatures are made here.
#[derive(Debug, Clone)]
pub struct Signer {
    pub format: Format,
    program: String,
    /// The key as configured: an OpenPGP/X.509 key id, an ssh key file, or a literal ssh key.
    key: String,
}

/// How commits or a tag are signed: the format (`openpgp`, `x509`, `ssh`), the program and the
/// key as people know it (an inline ssh key shortened to its type and start).
#[derive(Debug, Clone)]
pub struct SignedWith {
    pub format: &'static str,
    pub program: String,
    pub key: String,
}

impl std::fmt::Display for SignedWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, key {})", self.format, self.program, self.key)
    }
}

impl Signer {
    /// Whether `what` is signed here, and how.
    pub fn for_repo(repo: &super::Repo, choice: &Choice, what: What) -> Result<Option<Signer>> {
        let repo = repo.raw();
        let config = repo.config()?;
        let get = |k: &str| config.get_string(k).ok().filter(|v| !v.is_empty());
        let flag = |k: &str| config.get_bool(k).unwrap_or(false);
        let key_override = match choice {
            Choice::DontSign => return Ok(None),
            Choice::Sign(key) => key.clone().filter(|k| !k.is_empty()),
            Choice::Config => {
                let on = match what {
                    What::Commit => flag("commit.gpgSign"),
                    What::Tag => flag("tag.gpgSign") || flag("tag.forceSignAnnotated"),
                };
                if !on {
                    return Ok(None);
                }
                None
            }
        };
        let format = match get("gpg.format").as_deref() {
            None | Some("openpgp") => Format::OpenPgp,
            Some("x509") => Format::X509,
            Some("ssh") => Format::Ssh,
            Some(other) => {
                return Err(Error::bad_input(format!(
                    "gpg.format is '{other}', which git does not know"
                ))
                .hint(Hint::naming(
                    Opt::NoGpgSign,
                    "set it to openpgp, x509 or ssh, or pass {option}",
                )))
            }
        };
        let program = get(&format!("gpg.{}.program", format.name()))
            .or_else(|| {
                (format == Format::OpenPgp)
                    .then(|| get("gpg.program"))
                    .flatten()
            })
            .unwrap_or_else(|| {
                match format {
                    Format::OpenPgp => "gpg",
                    Format::X509 => "gpgsm",
                    Format::Ssh => "ssh-keygen",
                }
                .to_string()
            });
        let key = match key_override.or_else(|| get("user.signingKey")) {
            Some(key) => key,
            None if format == Format::Ssh => default_ssh_key(&get("gpg.ssh.defaultKeyCommand"))?,
            // git signs as the committer when no key is named.
            None => {
                let who = super::identity_in(repo, super::Role::Committer, true)?;
                format!(
                    "{} <{}>",
                    who.name().unwrap_or_default(),
                    who.email().unwrap_or_default()
                )
            }
        };
        Ok(Some(Signer {
            format,
            program,
            key,
        }))
    }

    /// What signs and with which key, for people.
    pub fn signed_with(&self) -> SignedWith {
        let key = self
            .key
            .strip_prefix("key::")
            .map(|k| k.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| self.key.clone());
        SignedWith {
            format: self.format.name(),
            program: self.program.clone(),
            key,
        }
    }

    /// The ASCII-armoured signature of `payload`.
    pub fn sign(&self, payload: &[u8]) -> Result<String> {
        match self.format {
            Format::Ssh => self.sign_ssh(payload),
            Format::OpenPgp | Format::X509 => self.sign_gpg(payload),
        }
    }

    fn failure(&self, why: String) -> Error {
        let hint = match self.format {
            Format::Ssh => "load the key into ssh-agent (ssh-add), check user.signingKey, or pass {option} to commit unsigned",
            Format::OpenPgp | Format::X509 => "start gpg-agent and unlock the key (a passphrase needs a terminal: export GPG_TTY=$(tty)), check user.signingKey, or pass {option} to commit unsigned",
        };
        let hint = Hint::naming(Opt::NoGpgSign, hint);
        Error::failed(format!(
            "could not sign with {}: {why}; nothing was written",
            self.signed_with()
        ))
        .hint(hint)
    }

    fn run(&self, cmd: &mut Command) -> Result<std::process::Output> {
        cmd.output().map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                format!("{} is not installed or not on PATH", self.program)
            } else {
                e.to_string()
            };
            self.failure(why)
        })
    }

    /// `gpg --status-fd=2 -bsau <key>` (and the same for gpgsm), payload on stdin.
    fn sign_gpg(&self, payload: &[u8]) -> Result<String> {
        let mut child = Command::new(&self.program)
            .args(["--status-fd=2", "-bsau", &self.key])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                self.failure(if e.kind() == std::io::ErrorKind::NotFound {
                    format!("{} is not installed or not on PATH", self.program)
                } else {
                    e.to_string()
                })
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that exits early closes its end: its status says why.
            let _ = stdin.write_all(payload);
        }
        let out = child
            .wait_with_output()
            .map_err(|e| self.failure(e.to_string()))?;
        let status = String::from_utf8_lossy(&out.stderr);
        let created = status.contains("\n[GNUPG:] SIG_CREATED ")
            || status.starts_with("[GNUPG:] SIG_CREATED ");
        if !out.status.success() || !created {
            return Err(self.failure(last_line(&status)));
        }
        armoured(&out.stdout).ok_or_else(|| self.failure("the program gave no signature".into()))
    }

    /// `ssh-keygen -Y sign -n git -f <key file> [-U] <payload file>`, then `<payload file>.sig`.
    fn sign_ssh(&self, payload: &[u8]) -> Result<String> {
        let dir = tempfile::Builder::new()
            .prefix("git-fastrevert-sign-")
            .tempdir()
            .map_err(|e| self.failure(e.to_string()))?;
        let literal = literal_ssh_key(&self.key);
        let key_file = match literal {
            Some(key) => {
                let path = dir.path().join("key.pub");
                std::fs::write(&path, format!("{key}\n"))
                    .map_err(|e| self.failure(e.to_string()))?;
                path
            }
            None => std::path::PathBuf::from(expand_home(&self.key)),
        };
        let buffer = dir.path().join("buffer");
        std::fs::write(&buffer, payload).map_err(|e| self.failure(e.to_string()))?;
        let mut cmd = Command::new(&self.program);
        cmd.args(["-Y", "sign", "-n", "git", "-f"]).arg(&key_file);
        if literal.is_some() {
            cmd.arg("-U");
        }
        cmd.arg(&buffer).stdin(Stdio::null());
        let out = self.run(&mut cmd)?;
        if !out.status.success() {
            return Err(self.failure(last_line(&String::from_utf8_lossy(&out.stderr))));
        }
        let signature = std::fs::read(dir.path().join("buffer.sig"))
            .map_err(|_| self.failure("the program wrote no signature".into()))?;
        armoured(&signature).ok_or_else(|| self.failure("the signature is empty".into()))
    }
}

/// `key::ssh-ed25519 AAAA…` or a bare `ssh-…` key, as git takes them.
fn literal_ssh_key(key: &str) -> Option<&str> {
    key.strip_prefix("key::")
        .or_else(|| key.starts_with("ssh-").then_some(key))
}

fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

/// `gpg.ssh.defaultKeyCommand`: its first line, a literal key.
fn default_ssh_key(command: &Option<String>) -> Result<String> {
    let Some(command) = command else {
        return Err(Error::bad_input(
            "signing with ssh needs a key: user.signingKey is not set",
        )
        .hint(Hint::naming(Opt::NoGpgSign, "git config user.signingKey ~/.ssh/id_ed25519.pub (or gpg.ssh.defaultKeyCommand), or pass {option}")));
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::failed("gpg.ssh.defaultKeyCommand could not run").because(e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next().map(str::trim) {
        Some(line) if out.status.success() && literal_ssh_key(line).is_some() => {
            Ok(line.to_string())
        }
        _ => Err(
            Error::failed("gpg.ssh.defaultKeyCommand gave no key").hint(Hint::naming(
                Opt::NoGpgSign,
                "set user.signingKey, or pass {option}",
            )),
        ),
    }
}

fn last_line(text: &str) -> String {
    text.lines()
        .rfind(|l| !l.starts_with("[GNUPG:]") && !l.trim().is_empty())
        .unwrap_or("the program failed")
        .trim()
        .to_string()
}

fn armoured(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    (!text.trim().is_empty()).then_some(text)
}

/// Write a commit, signed when `signer` says so (a `gpgsig` header, as `git commit -S`).
pub fn commit(
    repo: &Repository,
    author: &Signature<'_>,
    committer: &Signature<'_>,
    message: &str,
    tree: Oid,
    parents: &[Oid],
    signer: Option<&Signer>,
) -> Result<Oid> {
    let tree = repo.find_tree(tree)?;
    let parents = parents
        .iter()
        .map(|p| repo.find_commit(*p))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let Some(signer) = signer else {
        return Ok(repo.commit(None, author, committer, message, &tree, &parent_refs)?);
    };
    let buffer = repo.commit_create_buffer(author, committer, message, &tree, &parent_refs)?;
    let content = std::str::from_utf8(&buffer)
        .map_err(|_| Error::failed("the commit to sign is not UTF-8"))?;
    let signature = signer.sign(&buffer)?;
    Ok(repo.commit_signed(content, &signature, Some("gpgsig"))?)
}

/// Write an annotated tag object, signed when `signer` says so (the signature appended to the
/// message, as `git tag -s`).
pub fn tag(
    repo: &super::Repo,
    name: &str,
    target: Oid,
    tagger: &Signature<'_>,
    message: &str,
    signer: Option<&Signer>,
) -> Result<Oid> {
    let repo = repo.raw();
    let Some(signer) = signer else {
        let object = repo.find_object(target, None)?;
        return Ok(repo.tag_annotation_create(name, &object, tagger, message)?);
    };
    let kind = repo
        .find_object(target, None)?
        .kind()
        .map_or("commit", |k| k.str());
    let mut message = message.to_string();
    if !message.ends_with('\n') {
        message.push('\n');
    }
    let mut buffer = format!("object {target}\ntype {kind}\ntag {name}\ntagger ").into_bytes();
    buffer.extend_from_slice(&signature_line(tagger));
    buffer.extend_from_slice(format!("\n\n{message}").as_bytes());
    let signature = signer.sign(&buffer)?;
    buffer.extend_from_slice(signature.as_bytes());
    Ok(repo.odb()?.write(git2::ObjectType::Tag, &buffer)?)
}

/// `Name <email> <seconds> <+hhmm>`, as in a commit or tag header.
fn signature_line(who: &Signature<'_>) -> Vec<u8> {
    let when = who.when();
    let offset = when.offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    let mut line = Vec::new();
    line.extend_from_slice(who.name_bytes());
    line.extend_from_slice(b" <");
    line.extend_from_slice(who.email_bytes());
    line.extend_from_slice(
        format!(
            "> {} {sign}{:02}{:02}",
            when.seconds(),
            offset.abs() / 60,
            offset.abs() % 60
        )
        .as_bytes(),
    );
    line
}
