//! Fetch and push through the `git` binary, which honours the user's ssh config, credential
//! helpers and `http.extraheader` (libgit2 does not).

use std::path::PathBuf;
use std::process::Command;

use crate::error::{Error, Hint, Opt, Result};

/// Receives each git command line before it runs (for `-v`).
pub type Trace = Box<dyn Fn(&str)>;

pub struct GitCli {
    dir: PathBuf,
    /// Whether git may ask for credentials on the terminal.
    may_prompt: bool,
    trace: Option<Trace>,
}

/// Why git refused an update of one ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The remote ref is not an ancestor of what was pushed.
    NonFastForward,
    /// `--force-with-lease` found the remote ref somewhere else.
    StaleLease,
    /// The remote ref exists and may not be replaced (tags, or a lease expecting none).
    AlreadyExists,
    /// A hook or the server said no.
    Remote(String),
}

pub struct PushFailure {
    pub rejected: Vec<(String, Rejection)>,
    pub stderr: String,
}

impl GitCli {
    pub fn new(repo: &super::Repo, may_prompt: bool, trace: Option<Trace>) -> GitCli {
        let dir = repo
            .workdir()
            .unwrap_or_else(|| repo.git_dir())
            .to_path_buf();
        GitCli {
            dir,
            may_prompt,
            trace,
        }
    }

    fn run(&self, args: &[String]) -> Result<std::process::Output> {
        if let Some(trace) = &self.trace {
            trace(&format!("git {}", args.join(" ")));
        }
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.dir).args(args);
        if !self.may_prompt {
            cmd.env("GIT_TERMINAL_PROMPT", "0");
        }
        cmd.output().map_err(|e| {
            Error::failed("could not run git")
                .hint("install git and make sure it is on PATH")
                .because(e)
        })
    }

    /// `git commit-graph write --reachable --split`: git's maintenance of the commit-graph,
    /// incremental after the first time.
    pub fn write_commit_graph(&self) -> Result<()> {
        let args = [
            "commit-graph",
            "write",
            "--reachable",
            "--split",
            "--no-progress",
        ]
        .map(String::from)
        .to_vec();
        let out = self.run(&args)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::failed(format!(
                "git commit-graph write failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// `git fetch <remote> <refspecs>`; the remote-tracking refs named by the refspecs move.
    pub fn fetch(&self, remote: &str, refspecs: &[String]) -> Result<()> {
        self.fetch_with(remote, refspecs, false)
    }

    /// `git fetch --prune`: refs under the refspecs' destinations that the remote no longer
    /// has are deleted.
    pub fn fetch_pruning(&self, remote: &str, refspecs: &[String]) -> Result<()> {
        self.fetch_with(remote, refspecs, true)
    }

    fn fetch_with(&self, remote: &str, refspecs: &[String], prune: bool) -> Result<()> {
        super::check_remote_name(remote)?;
        let mut args: Vec<String> = [
            "fetch",
            if prune { "--prune" } else { "--no-prune" },
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-recurse-submodules",
            "--end-of-options",
            remote,
        ]
        .map(String::from)
        .to_vec();
        args.extend(refspecs.iter().cloned());
        let out = self.run(&args)?;
        if out.status.success() {
            Ok(())
        } else {
            let failed = FetchFailed {
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            };
            Err(Error::failed(format!("git fetch {remote} failed: {failed}"))
            .hint(Hint::naming(Opt::NoFetch, "check the remote and your credentials, or pass {option} to work from what you have"))
            .because(failed))
        }
    }

    /// Fetch the objects of one ref of the remote without writing any ref (FETCH_HEAD
    /// included), and say where it points: `None` when the remote has no such ref.
    pub fn fetch_objects(&self, remote: &str, name: &str) -> Result<Option<String>> {
        let found = self.ls_remote(remote, &[name.to_string()])?;
        let Some((_, oid)) = found.into_iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        self.fetch(remote, &[name.to_string()])?;
        Ok(Some(oid))
    }

    /// `git patch-id --stable` of each commit's change against its first parent, by commit;
    /// a commit whose change is empty has none.
    pub fn patch_ids(
        &self,
        commits: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        self.patch_ids_of(commits, false)
    }

    /// The patch ids of the commits' changes undone (`git log -R`): a revert of X has the
    /// reversed patch id of X.
    pub fn reversed_patch_ids(
        &self,
        commits: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        self.patch_ids_of(commits, true)
    }

    fn patch_ids_of(
        &self,
        commits: &[String],
        reversed: bool,
    ) -> Result<std::collections::HashMap<String, String>> {
        use std::io::{Read, Write};
        use std::process::Stdio;
        let could_not = |e: std::io::Error| {
            Error::failed("could not run git to compare changes (git patch-id)")
                .hint("install git and make sure it is on PATH")
                .because(e)
        };
        let mut args = vec![
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "-p",
            "--diff-merges=first-parent",
            "--no-color",
            "--no-ext-diff",
            // Without a/ and b/: a reversed diff would name them the other way round, and
            // patch ids hash the names.
            "--no-prefix",
            "--format=commit %H",
        ];
        if reversed {
            args.push("-R");
        }
        if let Some(trace) = &self.trace {
            trace(&format!("git {} | git patch-id --stable", args.join(" ")));
        }
        let mut log = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(could_not)?;
        let Some(diffs) = log.stdout.take() else {
            return Err(Error::failed("git log gave no output to read"));
        };
        let mut ids = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(["patch-id", "--stable"])
            .stdin(Stdio::from(diffs))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(could_not)?;
        let list: String = commits.iter().map(|c| format!("{c}\n")).collect();
        let mut input = log.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = input.as_mut() {
                let _ = stdin.write_all(list.as_bytes());
            }
        });
        let mut out = String::new();
        if let Some(mut stdout) = ids.stdout.take() {
            stdout.read_to_string(&mut out).map_err(could_not)?;
        }
        let _ = writer.join();
        let (logged, hashed) = (
            log.wait().map_err(could_not)?,
            ids.wait().map_err(could_not)?,
        );
        if !logged.success() || !hashed.success() {
            return Err(Error::failed(
                "git could not compare the changes of commits (git log -p | git patch-id)",
            ));
        }
        Ok(out
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(patch, commit)| (commit.to_string(), patch.to_string()))
            .collect())
    }

    /// The branch the remote's HEAD names (`git ls-remote --symref <remote> HEAD`), if it says.
    pub fn remote_head(&self, remote: &str) -> Option<String> {
        super::check_remote_name(remote).ok()?;
        let args: Vec<String> = ["ls-remote", "--symref", "--end-of-options", remote, "HEAD"]
            .map(String::from)
            .to_vec();
        let out = self.run(&args).ok().filter(|o| o.status.success())?;
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            let (target, name) = l.strip_prefix("ref: ")?.split_once('\t')?;
            (name == "HEAD")
                .then(|| target.strip_prefix("refs/heads/").map(str::to_string))
                .flatten()
        })
    }

    /// The ids of the named refs on the remote (`git ls-remote`).
    pub fn ls_remote(&self, remote: &str, refs: &[String]) -> Result<Vec<(String, String)>> {
        super::check_remote_name(remote)?;
        let mut args: Vec<String> =
            vec!["ls-remote".into(), "--end-of-options".into(), remote.into()];
        args.extend(refs.iter().cloned());
        let out = self.run(&args)?;
        if !out.status.success() {
            return Err(Error::failed(format!(
                "git ls-remote {remote} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(oid, name)| (name.to_string(), oid.to_string()))
            .collect())
    }

    /// `git push [--atomic] [--force-with-lease=…] <remote> <refspecs>`.
    pub fn push(
        &self,
        remote: &str,
        refspecs: &[String],
        atomic: bool,
        leases: &[(String, Option<String>)],
    ) -> Result<std::result::Result<(), PushFailure>> {
        let mut args: Vec<String> = vec!["push".into(), "--porcelain".into()];
        if atomic {
            args.push("--atomic".into());
        }
        for (name, expect) in leases {
            args.push(format!(
                "--force-with-lease={name}:{}",
                expect.as_deref().unwrap_or("")
            ));
        }
        super::check_remote_name(remote)?;
        args.push("--end-of-options".into());
        args.push(remote.into());
        args.extend(refspecs.iter().cloned());
        let out = self.run(&args)?;
        if out.status.success() {
            return Ok(Ok(()));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let rejected = stdout
            .lines()
            .filter(|l| l.starts_with('!'))
            .filter_map(|l| {
                let mut fields = l.split('\t');
                fields.next();
                let refspec = fields.next()?;
                let summary = fields.next().unwrap_or("");
                let dst = refspec.rsplit(':').next().unwrap_or(refspec).to_string();
                Some((dst, classify(summary)))
            })
            .collect();
        Ok(Err(PushFailure {
            rejected,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        }))
    }
}

fn classify(summary: &str) -> Rejection {
    let reason = summary
        .split_once('(')
        .map(|(_, r)| r.trim_end_matches(')').to_string())
        .unwrap_or_default();
    if summary.starts_with("[remote rejected]") || summary.starts_with("[remote failure]") {
        return Rejection::Remote(reason);
    }
    match reason.as_str() {
        "non-fast-forward" | "fetch first" => Rejection::NonFastForward,
        "stale info" => Rejection::StaleLease,
        "already exists" => Rejection::AlreadyExists,
        "atomic push failed" => Rejection::Remote(reason),
        _ => Rejection::Remote(if reason.is_empty() {
            summary.to_string()
        } else {
            reason
        }),
    }
}

impl PushFailure {
    /// A one-line account of what the remote said.
    pub fn describe(&self) -> String {
        let mine: Vec<String> = self
            .rejected
            .iter()
            .filter(|(_, r)| *r != Rejection::Remote("atomic push failed".into()))
            .map(|(name, r)| match r {
                Rejection::NonFastForward => format!("{name}: not a fast-forward"),
                Rejection::StaleLease => {
                    format!("{name}: changed on the remote since it was fetched")
                }
                Rejection::AlreadyExists => format!("{name}: already exists on the remote"),
                Rejection::Remote(why) => format!("{name}: rejected by the remote ({why})"),
            })
            .collect();
        if mine.is_empty() {
            let last = self.stderr.lines().last().unwrap_or("push failed");
            last.to_string()
        } else {
            mine.join("; ")
        }
    }

    /// What git and the remote said about it, in their own words: every `remote:` line (a
    /// pre-receive hook's reasons) and git's `error:`/`fatal:` lines (an ssh connection
    /// refused), at most 40, control characters shown escaped so that no line can move the
    /// cursor or talk to a terminal.
    pub fn git_said(&self) -> Vec<String> {
        self.stderr
            .lines()
            .map(str::trim_end)
            .filter(|l| {
                l.starts_with("remote:")
                    || l.starts_with("error:")
                    || l.starts_with("fatal:")
                    || l.starts_with("ssh:")
            })
            .take(40)
            .map(|l| {
                l.chars()
                    .map(|c| {
                        if c.is_control() && c != '\t' {
                            format!("\\u{{{:x}}}", c as u32)
                        } else {
                            c.to_string()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    pub fn any(&self, rejection: &Rejection) -> bool {
        self.rejected.iter().any(|(_, r)| r == rejection)
    }
}

/// `git fetch` failed: what it said.
#[derive(Debug)]
pub struct FetchFailed {
    pub stderr: String,
}

impl FetchFailed {
    /// The remote has no such ref (git's own words, the same in every git since 1.6).
    pub fn missing_ref(&self) -> bool {
        self.stderr.contains("couldn't find remote ref")
    }
}

impl std::fmt::Display for FetchFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.stderr)
    }
}

impl std::error::Error for FetchFailed {}
