//! `check-migrations [RANGE]`: classify the migrations a range adds or changes; exit 4 when
//! rolling code back over them would break it.

use serde_json::json;

use super::{Ctx, Outcome};
use crate::cli::{CheckMigrationsArgs, SqlDialect};
use crate::error::{Error, Result};
use crate::git;
use crate::migrations::{Class, Dialect, Guard, Report};

pub fn run(ctx: &Ctx, args: &CheckMigrationsArgs) -> Result<Outcome> {
    let repo = &ctx.repo;
    let guard = ctx.guard(&args.paths, args.dialect, &args.allow_migrations)?;
    let (label, report) = match &args.range {
        Some(range) if range.contains("..") => {
            let (from, to) = range
                .split_once("..")
                .filter(|(a, b)| {
                    !a.is_empty() && !b.is_empty() && !b.starts_with('.') && !b.contains("..")
                })
                .ok_or_else(|| {
                    Error::bad_input(format!("malformed range '{range}'"))
                        .hint("write A..B, e.g. v1.4.0..main")
                })?;
            let (from_id, to_id) = (
                git::resolve_commit(repo, from)?,
                git::resolve_commit(repo, to)?,
            );
            ctx.index_for(&guard, to_id)?;
            (range.clone(), guard.check_range(repo, from_id, to_id)?)
        }
        Some(rev) => {
            let id = git::resolve_commit(repo, rev)?;
            let commit = repo.find_commit(id)?;
            let parent = commit.parent(0).ok().map(|p| p.tree_id());
            (
                format!("{rev}^..{rev}"),
                guard.check_trees(repo, parent, commit.tree_id())?,
            )
        }
        None => {
            ctx.fetch(&[])?;
            let base = ctx.base_tip()?;
            let head = git::resolve_commit(repo, "HEAD")?;
            ctx.index_for(&guard, head)?;
            let short = base
                .from_ref
                .trim_start_matches("refs/remotes/")
                .trim_start_matches("refs/heads/");
            (
                format!("{short}..HEAD"),
                guard.check_range(repo, base.oid, head)?,
            )
        }
    };
    let mut human = report_lines(&report);
    let destructive = report.count(Class::Destructive);
    let unknown = report.count(Class::Unknown);
    human.push(match report.worst() {
        None => format!("No migrations in {label}: code can be rolled back over it."),
        Some(Class::Destructive) => format!(
            "{} migration(s) in {label}: {destructive} destructive statement(s). Rolling code back over this range breaks it against the current schema.",
            report.migrations.len()
        ),
        Some(Class::Unknown) => format!(
            "{} migration(s) in {label}: nothing destructive found, {unknown} statement(s) to check by hand.",
            report.migrations.len()
        ),
        Some(Class::Additive | Class::Safe) => format!(
            "{} migration(s) in {label}, additive or safe: code can be rolled back over them.",
            report.migrations.len()
        ),
    });
    let acknowledged = report.acknowledged().count();
    if acknowledged > 0 {
        human.push(format!(
            "{acknowledged} destructive statement(s) acknowledged after review (listed above)."
        ));
    }
    let json = json!({
        "command": "check-migrations",
        "range": label,
        "dialect": format!("{:?}", guard.dialect).to_lowercase(),
        "migrations": report.migrations,
        "destructive": destructive,
        "unknown": unknown,
        "additive": report.count(Class::Additive),
        "safe": report.count(Class::Safe),
        "acknowledged": acknowledged,
    });
    if destructive > 0 {
        // The report is the answer; the exit code says it is not safe.
        ctx.ui.result(&human);
        ctx.ui.json(&json);
        if crate::actions::active() {
            crate::actions::publish(&json);
        }
        return Err(Error::refused(format!("{label} holds {destructive} destructive migration statement(s)"))
            .hint("make the schema change in two steps (add, deploy, then remove), or roll forward instead")
            .reported());
    }
    Ok(Outcome { json, human })
}

/// One line per migration and one per statement that is neither additive nor safe, with any
/// acknowledgement.
pub fn report_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    for m in &report.migrations {
        let status = if m.status == "modified" {
            "edited old migration"
        } else {
            m.status
        };
        let acknowledged = m
            .findings
            .iter()
            .filter(|f| f.class == Class::Destructive && f.acknowledged.is_some())
            .count();
        let also = if acknowledged > 0 {
            format!(" ({acknowledged} destructive statement(s) acknowledged)")
        } else {
            String::new()
        };
        lines.push(format!("{} ({status}): {}{also}", m.file, m.class.as_str()));
        for f in m
            .findings
            .iter()
            .filter(|f| !matches!(f.class, Class::Additive | Class::Safe))
        {
            let acknowledged = match &f.acknowledged {
                Some(why) => format!(" [acknowledged: {why}]"),
                None => String::new(),
            };
            lines.push(format!(
                "  line {}: {} {}: {}{acknowledged}",
                f.line,
                f.class.as_str(),
                f.statement,
                f.reason
            ));
        }
    }
    lines
}

impl From<SqlDialect> for Dialect {
    fn from(d: SqlDialect) -> Dialect {
        match d {
            SqlDialect::Generic => Dialect::Generic,
            SqlDialect::Postgres => Dialect::Postgres,
            SqlDialect::Mysql => Dialect::Mysql,
            SqlDialect::Sqlite => Dialect::Sqlite,
        }
    }
}

impl Ctx<'_> {
    /// The migration guard with paths and dialect from the command line, else git config.
    pub fn guard(
        &self,
        paths: &[String],
        dialect: Option<SqlDialect>,
        allowed: &[String],
    ) -> Result<Guard> {
        let dialect = match (dialect, &self.settings.sql_dialect) {
            (Some(d), _) => d.into(),
            (None, Some(name)) => Dialect::parse(name).ok_or_else(|| {
                Error::bad_input(format!("fastrevert.sqlDialect is '{name}', which is not a dialect git-fastrevert knows"))
                    .hint("use generic, postgres, mysql or sqlite")
            })?,
            (None, None) => Dialect::Generic,
        };
        let paths = if paths.is_empty() {
            &self.settings.migration_paths
        } else {
            paths
        };
        let mut allowed_all = self.settings.allowed_migrations.clone();
        allowed_all.extend(allowed.iter().cloned());
        Ok(Guard::new(paths, dialect)?.allow(&allowed_all))
    }

    /// The guard with the migration index brought up to date for `commit`'s tree: checks of
    /// trees near it then read only directories that hold migrations. Saved unless dry run.
    pub fn indexed_guard(&self, commit: git2::Oid, allowed: &[String]) -> Result<Guard> {
        let guard = self.guard(&[], None, allowed)?;
        self.index_for(&guard, commit)?;
        Ok(guard)
    }

    /// Bring the guard's migration index up to date for `commit`'s tree (saved unless dry run).
    pub fn index_for(&self, guard: &Guard, commit: git2::Oid) -> Result<()> {
        let tree = self.repo.find_commit(commit)?.tree_id();
        guard.index_tree(&self.repo, tree, !self.global.dry_run);
        Ok(())
    }

    /// Refuse to move code over destructive migrations unless allowed; otherwise turn the
    /// report into warnings.
    pub fn enforce_guard(
        &self,
        report: &Report,
        what: &str,
        allow: bool,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let destructive: Vec<String> = report
            .destructive()
            .map(|f| format!("{}:{}: {} ({})", f.file, f.line, f.statement, f.reason))
            .collect();
        for f in report
            .migrations
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.class == Class::Unknown)
        {
            warnings.push(format!(
                "migration {}:{} needs a look: {}",
                f.file, f.line, f.reason
            ));
        }
        for f in report.acknowledged() {
            warnings.push(format!(
                "destructive migration {}:{} ({}) acknowledged: {}",
                f.file,
                f.line,
                f.statement,
                f.acknowledged.as_deref().unwrap_or_default()
            ));
        }
        if destructive.is_empty() {
            return Ok(());
        }
        if !allow && crate::actions::active() {
            // The refusal's findings as annotations on the files, like check-migrations'.
            let json = serde_json::json!({ "migrations": report.migrations });
            crate::actions::annotate_migrations(&json);
        }
        if allow {
            warnings.push(format!(
                "{what} goes over {} destructive migration statement(s), allowed by --allow-destructive-migrations",
                destructive.len()
            ));
            return Ok(());
        }
        let mut err = Error::refused(format!(
            "{what} goes over {} destructive migration statement(s): the old code may break against the current schema; nothing was written",
            destructive.len()
        ));
        // The findings travel with the refusal (`--json` error.details, and the menu shows
        // them and asks).
        err.details = Some(serde_json::json!({
            "destructive_migrations": report.destructive().collect::<Vec<_>>(),
        }));
        err.hints.extend(destructive);
        Err(err
            .hint("after reviewing one: --allow-migration <PATH>, or a `fastrevert: rollback-safe <why>` comment in it")
            .hint("check the schema first; pass --allow-destructive-migrations to go ahead anyway"))
    }
}
