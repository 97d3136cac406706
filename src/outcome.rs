//! What each command produced: one type per command, the `--json` contract as types, plus the
//! facts people are told (`#[serde(skip)]` where the JSON does not carry them). Facts only: the
//! text is made once, in `ui::render`; the Actions, GitLab CI and Azure Pipelines publishers and
//! the menu read these types, never JSON keys. Warnings travel here and are shown once.

use serde::Serialize;

use crate::forge::PullRequest;
use crate::migrations::Migration;

/// A field only some runs have: left out of the JSON where the run has no such thing (another
/// mode, no health check configured), `null` where it has but there is none, else the value.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RunField<T> {
    #[default]
    NotInThisRun,
    Empty,
    Set(T),
}

impl<T> RunField<T> {
    pub fn not_in_this_run(&self) -> bool {
        matches!(self, RunField::NotInThisRun)
    }

    pub fn set(&self) -> Option<&T> {
        match self {
            RunField::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Set when `value` is there, else empty.
    pub fn from_option(value: Option<T>) -> RunField<T> {
        value.map_or(RunField::Empty, RunField::Set)
    }
}

impl<T: Serialize> Serialize for RunField<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RunField::Set(v) => s.serialize_some(v),
            _ => s.serialize_none(),
        }
    }
}

/// Seconds since the epoch as RFC 3339, UTC: the one time format of every output.
pub fn rfc3339_text(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// Every time in JSON is RFC 3339, UTC: a field of Unix seconds serialises through this.
pub fn rfc3339<S: serde::Serializer>(seconds: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_text(*seconds))
}

/// What became of refs a run wrote, as far as the remote is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Push {
    /// Pushed (a dry run: would be).
    Pushed,
    /// Not pushed because the run was asked not to (`--no-push`). The default: a run that
    /// never said what became of its refs must not read as pushed.
    #[default]
    Declined,
    /// Not pushed: the remote does not exist.
    NoRemote,
}

/// How a revert's or rollback's commits were made and where they went, for people.
#[derive(Debug, Clone, Default)]
pub struct Publishing {
    pub remote: String,
    /// Onto the base itself (`--direct`), not a branch.
    pub direct: bool,
    /// Pushed (a dry run: would be), or why not.
    pub push: Push,
    /// The tip made (or planned).
    pub tip: String,
    /// How many commits it made (or would make).
    pub commit_count: usize,
    pub signed_with: Option<crate::git::sign::SignedWith>,
    /// GitHub creates and signs the commits (`--sign-with-github`).
    pub by_github: bool,
}

/// The two ways a rollback goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RollbackMode {
    /// One commit on top of the base whose tree is the target's.
    Commit,
    /// The base itself moved back, with a backup ref.
    Reset,
}

#[derive(Debug)]
pub enum Outcome {
    Revert(Revert),
    Rollback(Rollback),
    Prepare(Prepare),
    List(List),
    CheckMigrations(CheckMigrations),
    #[cfg(unix)]
    Deploy(Deploy),
    #[cfg(unix)]
    Switch(Switch),
    #[cfg(unix)]
    Releases(Releases),
    Holds(Holds),
    #[cfg(unix)]
    Status(Status),
}

/// `revert`.
#[derive(Debug, Serialize)]
pub struct Revert {
    pub command: &'static str,
    pub base: String,
    pub base_commit: String,
    /// `None` when there was nothing left to revert.
    pub branch: Option<String>,
    /// The commits made (none in a dry run or when an earlier run made them).
    pub commits: Vec<String>,
    pub reverted: Vec<String>,
    pub skipped: Vec<String>,
    pub tree: String,
    pub pushed: bool,
    pub pull_request: Option<PullRequest>,
    pub pull_request_plan: Option<Planned>,
    pub reverted_pull_requests: Vec<u64>,
    pub resumed: bool,
    pub signed: bool,
    pub dry_run: bool,
    pub migrations: Vec<Migration>,
    pub warnings: Vec<String>,
    /// The reverted commits with their subjects, and what each reverts when it is a revert.
    #[serde(skip)]
    pub reverted_commits: Vec<Undone>,
    #[serde(skip)]
    pub publishing: Publishing,
}

/// A commit undone (reverted, or rolled back over), with its subject.
#[derive(Debug, Clone, Serialize)]
pub struct Undone {
    pub commit: String,
    pub subject: String,
    /// The commit it reverts, when it is a revert (undoing it brings that change back).
    pub reverts: Option<String>,
}

/// `rollback`, in either mode.
#[derive(Debug, Serialize)]
pub struct Rollback {
    pub command: &'static str,
    pub mode: RollbackMode,
    pub base: String,
    pub base_commit: String,
    pub to: String,
    pub to_commit: String,
    pub tree: String,
    /// The branch written: the new branch (commit mode), the base itself (reset, `--direct`);
    /// `None` when there was nothing to do in commit mode.
    pub branch: Option<String>,
    pub commits: Vec<String>,
    pub pushed: bool,
    pub pull_request: Option<PullRequest>,
    #[serde(skip_serializing_if = "RunField::not_in_this_run")]
    pub pull_request_plan: RunField<Planned>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<bool>,
    /// Reset mode: where the old tip is kept.
    #[serde(skip_serializing_if = "RunField::not_in_this_run")]
    pub backup_ref: RunField<String>,
    /// Reset mode, dry run: the real run needs `--force`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_force: Option<bool>,
    pub undone: Vec<String>,
    pub undone_commits: Vec<Undone>,
    pub undone_count: usize,
    pub dry_run: bool,
    pub migrations: Vec<Migration>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub publishing: Publishing,
    /// Reset mode: the target is ahead of the base (going forward drops nothing).
    #[serde(skip)]
    pub forward: bool,
}

/// `prepare`.
#[derive(Debug, Serialize)]
pub struct Prepare {
    pub command: &'static str,
    pub base: String,
    pub base_commit: String,
    pub name: String,
    pub tag: String,
    pub staging_branch: String,
    pub rollout: Option<String>,
    pub pushed: bool,
    pub signed: bool,
    pub dry_run: bool,
    pub migrations: Vec<Migration>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub remote: String,
    #[serde(skip)]
    pub push: Push,
    #[serde(skip)]
    pub signed_with: Option<crate::git::sign::SignedWith>,
    /// Whether git's commit-graph was written (`fastrevert.writeCommitGraph`).
    #[serde(skip)]
    pub wrote_commit_graph: bool,
}

/// What a point is: a pre-rollout snapshot or a version tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PointKind {
    Rollout,
    Release,
}

impl PointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Rollout => "rollout",
            PointKind::Release => "release",
        }
    }
}

/// A rollout point or release tag, as `list` shows it.
#[derive(Debug, Serialize)]
pub struct Point {
    pub kind: PointKind,
    /// The tag name, e.g. `pre-rollout/20261126-101500` or `v1.4.0`.
    pub name: String,
    pub commit: String,
    /// When the tag (or, for a lightweight tag, the commit) was made, UTC, RFC 3339.
    pub date: String,
    #[serde(skip)]
    pub timestamp: i64,
    /// How many first-parent commits the base has gained since (what a rollback to it
    /// undoes); `null` when the base is unknown.
    pub commits_since: Option<usize>,
    /// How many first-parent commits it is ahead of the base (a tag not yet rolled out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits_ahead: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staging_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<String>,
}

/// `list`: its JSON is the array of points.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct List {
    pub points: Vec<Point>,
    /// The base the counts are against.
    #[serde(skip)]
    pub base: String,
}

/// `check-migrations`. Destructive statements make it a refusal (exit 4) that still shows the
/// whole report.
#[derive(Debug, Serialize)]
pub struct CheckMigrations {
    pub command: &'static str,
    pub range: String,
    pub dialect: String,
    pub migrations: Vec<Migration>,
    pub destructive: usize,
    pub unknown: usize,
    pub review: usize,
    pub additive: usize,
    pub safe: usize,
    pub acknowledged: usize,
    /// What was not judged and why (files the tree's attributes take out of the guard).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The worst class that still needs attention; `None` without migrations.
    #[serde(skip)]
    pub worst: Option<crate::migrations::Class>,
}

/// `deploy`.
#[cfg(unix)]
#[derive(Debug, Serialize)]
pub struct Deploy {
    pub command: &'static str,
    pub release: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<std::path::PathBuf>,
    pub link: std::path::PathBuf,
    pub previous: Option<String>,
    pub created: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    pub pruned: Vec<String>,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "RunField::not_in_this_run")]
    pub check: RunField<crate::releases::after::CheckResult>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub releases_dir: ReleasesDir,
    /// Dry run: the release is already on disk (the run would only switch to it).
    #[serde(skip)]
    pub exists: bool,
    /// `--no-switch`: exported, the link not moved.
    #[serde(skip)]
    pub staged: bool,
    /// The release it replaced is there and not marked bad: `switch previous` goes back.
    #[serde(skip)]
    pub can_go_back: bool,
    #[serde(skip)]
    pub plan: Option<FlipPlan>,
}

/// What runs around a flip, for a plan: hooks before and after it, the health check, and the
/// releases a deploy would prune.
#[cfg(unix)]
#[derive(Debug, Default)]
pub struct FlipPlan {
    pub before_hooks: Vec<String>,
    pub after_hooks: Vec<String>,
    pub check_command: Option<String>,
    pub check_url: Option<String>,
    pub check_status: u16,
    pub check_attempts: u32,
    pub check_timeout: f64,
    pub prune: Vec<String>,
}

/// The release directory as the run was told it: a hint names `--releases DIR` only when it
/// came as a flag (from git config, the same clone finds it again).
#[cfg(unix)]
#[derive(Debug, Default, Clone)]
pub struct ReleasesDir {
    pub dir: std::path::PathBuf,
    pub by_flag: bool,
}

/// `switch`.
#[cfg(unix)]
#[derive(Debug, Serialize)]
pub struct Switch {
    pub command: &'static str,
    /// The hold recorded for the release marked bad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<Recorded>,
    /// The revert of `--revert` (made, or planned in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revert: Option<Box<Revert>>,
    pub release: String,
    pub previous: Option<String>,
    pub link: std::path::PathBuf,
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marked_bad: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_us: Option<u64>,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "RunField::not_in_this_run")]
    pub check: RunField<crate::releases::after::CheckResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
    /// Asked to mark the release left bad (`--mark-bad`).
    #[serde(skip)]
    pub mark_bad: bool,
    /// A re-run after going back: the release left, marked bad, and the one before the
    /// current, if any.
    #[serde(skip)]
    pub already_back: Option<(String, Option<String>)>,
    #[serde(skip)]
    pub plan: Option<FlipPlan>,
}

/// `hold`.
#[derive(Debug, Serialize)]
pub struct Holds {
    pub command: &'static str,
    pub holds: Vec<HoldState>,
    /// Holds lifted by this run (by `--release`, or because the base reverted their commits).
    pub lifted: Vec<Hold>,
    /// The bad release whose hold `--release` named.
    pub released: Option<String>,
    /// What the remote said to the lift.
    pub remote: Option<String>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub base: String,
    /// The hold `--release` named: lifted, or in a dry run, would be.
    #[serde(skip)]
    pub lifting: Option<Hold>,
    #[serde(skip)]
    pub dry_run: bool,
}

/// `status`.
#[derive(Debug, Serialize)]
pub struct Status {
    pub command: &'static str,
    pub base: Option<String>,
    pub base_commit: Option<String>,
    pub live: Option<crate::releases::Release>,
    pub releases_dir: Option<std::path::PathBuf>,
    pub bad_releases: Vec<crate::releases::Release>,
    pub holds: Vec<HoldState>,
    /// First-parent commits the base has past the live release (`None` when either is unknown).
    pub base_ahead: Option<usize>,
    /// Whether the base tip carries held commits (a deploy of it would be refused).
    pub base_held: bool,
    pub rollout_point: Option<Point>,
    pub revert_branches: Vec<RevertBranch>,
    pub warnings: Vec<String>,
}

/// A branch of this tool's on the remote, with its open pull request when the forge said.
#[derive(Debug, Serialize)]
pub struct RevertBranch {
    pub branch: String,
    pub commit: String,
    pub pull_request: Option<PullRequest>,
}

/// `releases`.
#[cfg(unix)]
#[derive(Debug, Serialize)]
pub struct Releases {
    pub command: &'static str,
    pub releases_dir: std::path::PathBuf,
    pub link: std::path::PathBuf,
    pub current: Option<String>,
    pub previous: Option<String>,
    pub releases: Vec<crate::releases::Release>,
}

/// What the CI publishers (GitHub Actions, GitLab CI) report of any outcome.
#[derive(Default)]
pub struct Published<'a> {
    pub command: &'a str,
    pub base: &'a str,
    pub branch: Option<&'a str>,
    pub commits: &'a [String],
    pub tree: Option<&'a str>,
    pub pushed: bool,
    pub pull_request: Option<&'a PullRequest>,
    pub dry_run: bool,
    pub migrations: &'a [Migration],
    pub warnings: &'a [String],
    pub tag: Option<&'a str>,
    pub staging_branch: Option<&'a str>,
    pub backup_ref: Option<&'a str>,
}

impl Outcome {
    /// The `--json` object.
    pub fn json(&self) -> serde_json::Value {
        let value = match self {
            Outcome::Revert(o) => serde_json::to_value(o),
            Outcome::Rollback(o) => serde_json::to_value(o),
            Outcome::Prepare(o) => serde_json::to_value(o),
            Outcome::List(o) => serde_json::to_value(o),
            Outcome::CheckMigrations(o) => serde_json::to_value(o),
            #[cfg(unix)]
            Outcome::Deploy(o) => serde_json::to_value(o),
            #[cfg(unix)]
            Outcome::Switch(o) => serde_json::to_value(o),
            #[cfg(unix)]
            Outcome::Releases(o) => serde_json::to_value(o),
            Outcome::Holds(o) => serde_json::to_value(o),
            #[cfg(unix)]
            Outcome::Status(o) => serde_json::to_value(o),
        };
        // Every field is a string, number, bool, list or map of those: serialising cannot fail.
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Whether the run only planned (`--dry-run`).
    pub fn dry_run(&self) -> bool {
        match self {
            Outcome::Revert(o) => o.dry_run,
            Outcome::Rollback(o) => o.dry_run,
            Outcome::Prepare(o) => o.dry_run,
            #[cfg(unix)]
            Outcome::Deploy(o) => o.dry_run,
            #[cfg(unix)]
            Outcome::Switch(o) => o.dry_run,
            Outcome::Holds(o) => o.dry_run,
            Outcome::List(_) | Outcome::CheckMigrations(_) => false,
            #[cfg(unix)]
            Outcome::Releases(_) | Outcome::Status(_) => false,
        }
    }

    pub fn warnings(&self) -> &[String] {
        match self {
            Outcome::Revert(o) => &o.warnings,
            Outcome::Rollback(o) => &o.warnings,
            Outcome::Prepare(o) => &o.warnings,
            #[cfg(unix)]
            Outcome::Deploy(o) => &o.warnings,
            #[cfg(unix)]
            Outcome::Switch(o) => o.warnings.as_deref().unwrap_or_default(),
            Outcome::CheckMigrations(o) => &o.warnings,
            Outcome::List(_) => &[],
            #[cfg(unix)]
            Outcome::Releases(_) => &[],
            Outcome::Holds(o) => &o.warnings,
            #[cfg(unix)]
            Outcome::Status(o) => &o.warnings,
        }
    }

    /// What CI publishers report of it.
    // Long because one arm per outcome, what each publishes to CI, side by side.
    pub fn published(&self) -> Published<'_> {
        match self {
            Outcome::Revert(o) => Published {
                command: o.command,
                base: &o.base,
                branch: o.branch.as_deref(),
                commits: &o.commits,
                tree: Some(&o.tree),
                pushed: o.pushed,
                pull_request: o.pull_request.as_ref(),
                dry_run: o.dry_run,
                migrations: &o.migrations,
                warnings: &o.warnings,
                ..Default::default()
            },
            Outcome::Rollback(o) => Published {
                command: o.command,
                base: &o.base,
                branch: o.branch.as_deref(),
                commits: &o.commits,
                tree: Some(&o.tree),
                pushed: o.pushed,
                pull_request: o.pull_request.as_ref(),
                dry_run: o.dry_run,
                migrations: &o.migrations,
                warnings: &o.warnings,
                backup_ref: o.backup_ref.set().map(String::as_str),
                ..Default::default()
            },
            Outcome::Prepare(o) => Published {
                command: o.command,
                base: &o.base,
                pushed: o.pushed,
                dry_run: o.dry_run,
                migrations: &o.migrations,
                warnings: &o.warnings,
                tag: Some(&o.tag),
                staging_branch: Some(&o.staging_branch),
                ..Default::default()
            },
            Outcome::CheckMigrations(o) => Published {
                command: o.command,
                migrations: &o.migrations,
                warnings: &o.warnings,
                ..Default::default()
            },
            #[cfg(unix)]
            Outcome::Deploy(o) => Published {
                command: o.command,
                dry_run: o.dry_run,
                warnings: &o.warnings,
                ..Default::default()
            },
            // A switch that reverted publishes the revert: branch, commits, pull request.
            #[cfg(unix)]
            Outcome::Switch(o) => match o.revert.as_deref() {
                Some(r) => Published {
                    command: o.command,
                    base: &r.base,
                    branch: r.branch.as_deref(),
                    commits: &r.commits,
                    tree: Some(&r.tree),
                    pushed: r.pushed,
                    pull_request: r.pull_request.as_ref(),
                    dry_run: o.dry_run,
                    migrations: &r.migrations,
                    warnings: o.warnings.as_deref().unwrap_or_default(),
                    ..Default::default()
                },
                None => Published {
                    command: o.command,
                    dry_run: o.dry_run,
                    warnings: o.warnings.as_deref().unwrap_or_default(),
                    ..Default::default()
                },
            },
            Outcome::List(_) => Published {
                command: "list",
                ..Default::default()
            },
            #[cfg(unix)]
            Outcome::Releases(o) => Published {
                command: o.command,
                ..Default::default()
            },
            Outcome::Holds(o) => Published {
                command: o.command,
                warnings: &o.warnings,
                ..Default::default()
            },
            #[cfg(unix)]
            Outcome::Status(o) => Published {
                command: o.command,
                warnings: &o.warnings,
                ..Default::default()
            },
        }
    }
}

/// A release marked bad, and the first-parent commits it held.
#[derive(Debug, Clone, Serialize)]
pub struct Hold {
    /// The release marked bad.
    pub bad: String,
    /// The release gone back to.
    pub good: Option<String>,
    /// First-parent commits of `good..bad`, newest first.
    pub commits: Vec<String>,
    pub by: String,
    pub host: String,
    /// When it was recorded (RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub at: i64,
    pub reason: Option<String>,
    /// `false` when the hold's record could not be read: then only `bad` itself is held.
    pub readable: bool,
    #[serde(skip)]
    pub id: Option<crate::git::Oid>,
}

/// A hold just recorded (or found already there) and what became of its push.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub hold: Hold,
    pub created: bool,
    /// The ref on the remote: `pushed`, `already there`, `not pushed (…)` or `no remote`.
    pub remote: String,
}

/// A hold as `hold` and `status` show it: what the bad and good releases are, and whether the
/// base still carries its commits.
#[derive(Debug, Clone, Serialize)]
pub struct HoldState {
    #[serde(flatten)]
    pub hold: Hold,
    pub bad_subject: Option<String>,
    pub good_subject: Option<String>,
    /// Held commits the base tip carries and has not reverted: a deploy of it is refused.
    pub on_base: usize,
}

/// The pull request a real run would open, for a dry run's plan.
#[derive(Debug, serde::Serialize)]
pub struct Planned {
    /// Whether one would be opened; if not, `why_not` says why.
    pub open: bool,
    pub forge: Option<String>,
    pub repository: Option<String>,
    pub title: String,
    pub base: String,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub why_not: Option<String>,
}

#[cfg(test)]
mod run_field_tests {
    use super::RunField;

    #[derive(serde::Serialize)]
    struct Shape {
        #[serde(skip_serializing_if = "RunField::not_in_this_run")]
        field: RunField<String>,
    }

    #[test]
    fn a_run_field_is_left_out_null_or_its_value() {
        let json = |field| serde_json::to_string(&Shape { field }).unwrap();
        assert_eq!(json(RunField::NotInThisRun), "{}");
        assert_eq!(json(RunField::Empty), r#"{"field":null}"#);
        assert_eq!(json(RunField::Set("x".into())), r#"{"field":"x"}"#);
        assert_eq!(json(RunField::from_option(None)), r#"{"field":null}"#);
    }
}
