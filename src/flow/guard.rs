//! The migration-guard policy: which guard a run uses (paths, dialect, acknowledged files), its
//! index kept up to date, and the refusal of destructive migrations unless allowed.

use super::Ctx;
use crate::cli::SqlDialect;
use crate::error::{Error, Hint, Opt, Result};
use crate::migrations::{Class, Dialect, Guard, Report};

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
        // The framework's own word on where its migrations are, with the default patterns.
        let with_markers: Vec<String>;
        let paths = if paths.is_empty() {
            with_markers = crate::migrations::DEFAULT_PATHS
                .iter()
                .map(|p| p.to_string())
                .chain(self.alembic_versions())
                .collect();
            &with_markers
        } else {
            paths
        };
        let mut allowed_all = self.settings.allowed_migrations.clone();
        allowed_all.extend(allowed.iter().cloned());
        Ok(Guard::new(paths, dialect)?.allow(&allowed_all))
    }

    /// Alembic's `script_location` in the `alembic.ini` at the top of the base's tree, as the
    /// pattern of its revisions (`<location>/versions/*.py`): found wherever it is named,
    /// not only under a folder called `migrations` or `alembic`.
    fn alembic_versions(&self) -> Option<String> {
        let base = self.base_tip().ok()?;
        let tree = self.repo.tree(self.repo.tree_of(base.oid).ok()?).ok()?;
        let ini = self.repo.blob(tree.id_at("alembic.ini")?).ok()?;
        let ini = String::from_utf8_lossy(&ini);
        let location = ini.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "script_location").then(|| value.trim().to_string())
        })?;
        // `%(here)s/db/alembic`, `db/alembic`, or a package resource `app:migrations`.
        let location = location
            .trim_start_matches("%(here)s")
            .trim_start_matches('/')
            .replace(':', "/");
        let plain = !location.is_empty()
            && !location.contains("..")
            && location
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c));
        plain.then(|| format!("{}/versions/*.py", location.trim_end_matches('/')))
    }

    /// The guard with the migration index brought up to date for `commit`'s tree: checks of
    /// trees near it then read only directories that hold migrations. Saved unless dry run.
    pub fn indexed_guard(&self, commit: crate::git::Oid, allowed: &[String]) -> Result<Guard> {
        let guard = self.guard(&[], None, allowed)?;
        self.index_for(&guard, commit)?;
        Ok(guard)
    }

    /// The guard with the migration index brought up to date for `commit`'s tree if one is kept
    /// (from `prepare`, `rollback` or `check-migrations`), but none built: for checks of a few
    /// commits' own changes, which read only the folders those changed.
    pub fn guard_with_kept_index(
        &self,
        commit: crate::git::Oid,
        allowed: &[String],
    ) -> Result<Guard> {
        let guard = self.guard(&[], None, allowed)?;
        let tree = self.repo.tree_of(commit)?;
        guard.index_tree_if_kept(&self.repo, tree, !self.global.dry_run);
        Ok(guard)
    }

    /// Bring the guard's migration index up to date for `commit`'s tree (saved unless dry run).
    pub fn index_for(&self, guard: &Guard, commit: crate::git::Oid) -> Result<()> {
        let tree = self.repo.tree_of(commit)?;
        guard.index_tree(&self.repo, tree, !self.global.dry_run);
        Ok(())
    }

    /// Refuse to move code over destructive migrations, or over migrations the guard cannot
    /// read, unless allowed; otherwise turn the report into warnings.
    pub fn enforce_guard(
        &self,
        report: &Report,
        what: &str,
        allow: bool,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let refusing: Vec<String> = report
            .refusing()
            .map(|f| {
                if f.statement.is_empty() {
                    format!(
                        "{}: {} ({})",
                        crate::git::shown_path(&f.file),
                        f.class.as_str(),
                        f.reason
                    )
                } else {
                    format!(
                        "{}:{}: {} ({})",
                        crate::git::shown_path(&f.file),
                        f.line,
                        f.statement,
                        f.reason
                    )
                }
            })
            .collect();
        warnings.extend(to_look_at(report));
        if refusing.is_empty() {
            return Ok(());
        }
        let unknown = report.count(Class::Unknown);
        let destructive = report.count(Class::Destructive);
        let counted = match (destructive, unknown) {
            (d, 0) => format!("{d} destructive migration statement(s)"),
            (0, u) => format!("{u} migration(s) it cannot read (unknown is not safe)"),
            (d, u) => format!(
                "{d} destructive migration statement(s) and {u} migration(s) it cannot read"
            ),
        };
        if allow {
            warnings.push(format!(
                "{what} goes over {counted}, allowed by --allow-destructive-migrations: {}",
                refusing.join("; ")
            ));
            return Ok(());
        }
        let mut err = Error::refused(format!(
            "{what} goes over {counted}: the old code may break against the current schema; nothing was written"
        ));
        // The findings travel with the refusal (`--json` error.details, and the menu shows
        // them and asks).
        err.details = Some(Box::new(serde_json::json!({
            "destructive_migrations": report.refusing().collect::<Vec<_>>(),
        })));
        err.hints.extend(refusing.into_iter().map(Into::into));
        Err(err
            .hint(Hint::naming(Opt::AllowMigration, "after reviewing one: {option} <PATH>, or a `fastrevert: rollback-safe <why>` comment in it"))
            .hint(Hint::naming(Opt::AllowDestructiveMigrations, "check the schema first; pass {option} to go ahead anyway")))
    }
}

/// What the guard lets through but people should see: statements to check by hand, and
/// destructive or unreadable ones acknowledged after review.
fn to_look_at(report: &Report) -> Vec<String> {
    let mut warnings: Vec<String> = report.not_judged_warnings().collect();
    for f in report
        .migrations
        .iter()
        .flat_map(|m| &m.findings)
        .filter(|f| f.class == Class::Review)
    {
        warnings.push(format!(
            "migration {}:{} needs a look: {}",
            crate::git::shown_path(&f.file),
            f.line,
            f.reason
        ));
    }
    for f in report.acknowledged() {
        warnings.push(format!(
            "{} migration {}:{} ({}) acknowledged: {}",
            f.class.as_str(),
            crate::git::shown_path(&f.file),
            f.line,
            if f.statement.is_empty() {
                &f.reason
            } else {
                &f.statement
            },
            f.acknowledged.as_deref().unwrap_or_default()
        ));
    }
    warnings
}
