//! `deploy <REV>`: export REV's tree from the object database into its own release directory
//! and switch the live link to it.

use std::time::Duration;

use super::release_dirs::{self, release_dirs};
use crate::cli::{DeployArgs, GlobalArgs};
use crate::error::Result;
use crate::git;
use crate::outcome;
use crate::ui::Ui;

/// One deploy: what it deploys, where, and the context its holds are checked in.
struct Deploying<'a> {
    global: &'a GlobalArgs,
    ui: &'a Ui,
    args: &'a DeployArgs,
    repo: git::Repo,
    rel: crate::releases::Releases,
    commit: git::Oid,
    id: String,
    /// Going live only: a staged release (`--no-switch`) is not held against.
    ctx: Option<super::Ctx<'a>>,
    options: crate::releases::export::Options,
}

pub fn run(global: &GlobalArgs, ui: &Ui, args: &DeployArgs) -> Result<outcome::Deploy> {
    let d = Deploying::open(global, ui, args)?;
    // Holds first (they may fetch), outside the lock.
    let mut warnings = d.check_holds()?;
    if global.dry_run {
        return d.planned(warnings);
    }
    d.rel.check_writable()?;
    let lock = d.rel.lock(Duration::from_secs(args.dirs.wait))?;
    // Read under the lock: a deploy that waited for another must start from what that one
    // left live, or a failed check would flip back past it.
    let old = d.rel.current();
    // A release only staged does not go live: what guards going live waits for `switch`.
    if !args.no_switch {
        d.refuse_unsafe(old.as_deref(), &mut warnings)?;
    }
    let export = d.export(&mut warnings)?;
    if args.no_switch {
        return Ok(staged(
            d.rel,
            d.id,
            old,
            export.created,
            export.linked,
            warnings,
        ));
    }
    let changed = old.as_deref() != Some(d.id.as_str());
    let after = if changed {
        d.go_live(old.as_deref(), export.created, &mut warnings)?
    } else {
        release_dirs::AfterFlip::default()
    };
    let pruned = d.prune(lock, &mut warnings)?;
    let can_go_back = changed && d.can_go_back_to(old.as_deref());
    let rel = d.rel;
    Ok(outcome::Deploy {
        command: "deploy",
        path: Some(rel.dir.join(&d.id)),
        releases_dir: release_dirs::told(&rel),
        release: d.id,
        link: rel.link,
        previous: old,
        created: export.created,
        linked: Some(export.linked),
        changed: Some(changed),
        pruned,
        dry_run: false,
        check: crate::outcome::RunField::from_option(after.check),
        warnings,
        exists: !export.created,
        staged: false,
        can_go_back,
        plan: None,
    })
}

impl<'a> Deploying<'a> {
    /// The repository, the release directories, the commit and the export options, each
    /// checked before anything is done, a dry run included.
    fn open(global: &'a GlobalArgs, ui: &'a Ui, args: &'a DeployArgs) -> Result<Deploying<'a>> {
        let repo = git::open(None)?;
        let rel = release_dirs(Some(&repo), &args.dirs)?;
        let commit = git::resolve_commit(&repo, &args.rev)?;
        let options = crate::releases::export::Options {
            shared: release_dirs::shared_paths(Some(&repo), &args.shared, &args.shared_files)?,
            writable: release_dirs::writable_paths(Some(&repo), &args.writable)?,
            copy: args.copy,
        };
        rel.check_link()?;
        let ctx = if args.no_switch {
            None
        } else {
            Some(super::Ctx::open(global, ui)?)
        };
        Ok(Deploying {
            global,
            ui,
            args,
            repo,
            rel,
            commit,
            id: commit.to_string(),
            ctx,
            options,
        })
    }

    /// Refused when the commit carries held commits (unless `--force`); said when it is
    /// already live (a re-run changes nothing, so it is not refused).
    fn check_holds(&self) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        let Some(ctx) = &self.ctx else {
            return Ok(warnings);
        };
        if self.rel.current().as_deref() == Some(self.id.as_str()) {
            super::holds::check_live(ctx, self.commit, &mut warnings)?;
        } else {
            let again = format!(
                "deploy {}{}",
                self.args.rev,
                release_dirs::releases_flag(&self.rel)
            );
            super::holds::check_going_live(
                ctx,
                self.commit,
                self.args.force,
                &again,
                &mut warnings,
            )?;
        }
        Ok(warnings)
    }

    /// The way back that works: to the release it replaced, leaving this one marked bad (and
    /// its commits held); said only when that release is there to go back to.
    fn can_go_back_to(&self, old: Option<&str>) -> bool {
        old.is_some_and(|p| self.rel.exists(p) && !self.rel.is_bad(p))
    }

    /// Old releases are set aside under the lock and deleted after it: a `switch` started
    /// now does not wait for the deletion.
    fn prune(
        &self,
        lock: crate::releases::Lock,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>> {
        let pruned: Vec<String> = self
            .rel
            .set_aside(self.args.keep)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        drop(lock);
        for problem in self.rel.delete_set_aside() {
            self.ui.warn(&problem);
            warnings.push(problem);
        }
        Ok(pruned)
    }

    /// The dry run: what would be exported and flipped, what runs around the flip, what is
    /// pruned after it.
    fn planned(self, mut warnings: Vec<String>) -> Result<outcome::Deploy> {
        let old = self.rel.current();
        self.refuse_unsafe(old.as_deref(), &mut warnings)?;
        // Pruning after this deploy keeps it and the one it replaces.
        let pruned: Vec<String> = self
            .rel
            .to_prune(self.args.keep)?
            .into_iter()
            .filter(|p| *p != self.id && Some(p) != old.as_ref())
            .collect();
        let exists = self.rel.exists(&self.id);
        let plan = release_dirs::flip_plan(Some(&self.repo), &self.args.after, pruned);
        Ok(outcome::Deploy {
            command: "deploy",
            release: self.id,
            path: None,
            releases_dir: release_dirs::told(&self.rel),
            link: self.rel.link,
            previous: old,
            created: false,
            linked: None,
            changed: None,
            pruned: Vec::new(),
            dry_run: true,
            check: crate::outcome::RunField::NotInThisRun,
            warnings,
            exists,
            staged: false,
            can_go_back: false,
            plan: Some(plan),
        })
    }

    /// The release on disk: exported (with progress), or the one already there checked.
    fn export(&self, warnings: &mut Vec<String>) -> Result<crate::releases::Export> {
        let (rel, ui, id) = (&self.rel, self.ui, &self.id);
        let cleaned = rel.clean_leftovers()?;
        if !cleaned.is_empty() {
            ui.info(&format!(
                "Removed {} leftover(s) of an interrupted deploy.",
                cleaned.len()
            ));
        }
        let options = &self.options;
        let progress = crate::releases::export::Progress::default();
        let export = if rel.exists(id) {
            rel.export(&self.repo, self.commit, options, &progress)?
        } else {
            ui.counted(
                &format!("Exporting {} into {}", &id[..12], rel.dir.display()),
                &progress.total,
                &progress.written,
                || rel.export(&self.repo, self.commit, options, &progress),
            )?
        };
        for w in &export.warnings {
            ui.warn(w);
        }
        warnings.extend(export.warnings.iter().cloned());
        if export.created {
            ui.trace(&format!(
                "exported {} files in {} ms, flushed to disk in {} ms",
                export.files,
                export.write.as_millis(),
                export.sync.as_millis()
            ));
        }
        Ok(export)
    }

    /// Before-switch hooks in the new release, the flip, the history line, then the hooks
    /// and health check after it (which flips back when it fails).
    fn go_live(
        &self,
        old: Option<&str>,
        created: bool,
        warnings: &mut Vec<String>,
    ) -> Result<release_dirs::AfterFlip> {
        let (rel, ui, args, id) = (&self.rel, self.ui, self.args, &self.id);
        let before = release_dirs::before_hooks(Some(&self.repo), &args.after);
        if let Err(e) = release_dirs::before_flip(rel, &args.after, &before, id, old) {
            return Err(self.failed_before_flip(e, created));
        }
        if !created {
            // A release already here goes live as git has it: edits since are written anew.
            for w in rel.verify(id, Some(&self.repo))? {
                ui.warn(&w);
                warnings.push(w);
            }
        }
        let mut history = rel.open_history()?;
        rel.switch_to(id)?;
        let flipped_at = std::time::Instant::now();
        // The site is on the new release now: a history line that cannot be written is a
        // warning, not a failure.
        if let Err(e) = history.append(old, id, "deploy", args.reason.as_deref()) {
            let w = format!("{id:.12} is live, but the history was not updated ({}): `switch previous` will not know the release before it", e.message);
            ui.warn(&w);
            warnings.push(w);
        }
        let hooks = release_dirs::hooks(Some(&self.repo), &args.after);
        release_dirs::after_flip(
            rel,
            Some(&self.repo),
            &mut history,
            &args.after,
            &hooks,
            id,
            old,
            flipped_at,
        )
        .map_err(|e| super::holds::hold_failed_check(self.ctx.as_ref(), e, args.reason.as_deref()))
    }

    /// A before-switch hook failed: the new release goes (unless kept to look at).
    fn failed_before_flip(&self, e: crate::error::Error, created: bool) -> crate::error::Error {
        let (rel, id) = (&self.rel, &self.id);
        if created && !self.args.keep_failed {
            e.hint(match rel.remove(id) {
                Ok(()) => {
                    "the new release was removed (--keep-failed keeps it to look at)".to_string()
                }
                Err(r) => format!(
                    "the new release could not be removed ({}): {}",
                    r.message,
                    rel.dir.join(id).display()
                ),
            })
        } else {
            e.hint(format!(
                "the release is kept in {}",
                rel.dir.join(id).display()
            ))
        }
    }

    /// What `switch` refuses, `deploy` refuses too: a release marked bad (exit 4 without
    /// `--force`), and going back over destructive or unreadable migrations.
    fn refuse_unsafe(&self, live: Option<&str>, warnings: &mut Vec<String>) -> Result<()> {
        let (rel, id, args) = (&self.rel, self.id.as_str(), self.args);
        if live == Some(id) {
            return Ok(());
        }
        let again = format!("deploy {} --force", args.rev);
        let (ui, dry_run) = (self.ui, self.global.dry_run);
        if let Some(note) = release_dirs::refuse_bad(ui, args.force, rel, id, dry_run, &again)? {
            warnings.push(format!(
                "{} was marked bad ({note}); it goes live again",
                &id[..12.min(id.len())]
            ));
        }
        if let Some(live) = live {
            release_dirs::guard_migrations(self.global, self.ui, &args.guard, live, id, warnings)?;
        }
        Ok(())
    }
}

/// `deploy --no-switch`: the release is there, and nothing points at it yet.
fn staged(
    rel: crate::releases::Releases,
    id: String,
    old: Option<String>,
    created: bool,
    linked: usize,
    warnings: Vec<String>,
) -> outcome::Deploy {
    outcome::Deploy {
        command: "deploy",
        path: Some(rel.dir.join(&id)),
        releases_dir: release_dirs::told(&rel),
        release: id,
        link: rel.link,
        previous: old,
        created,
        linked: Some(linked),
        // A new release on disk is a change; the link did not move.
        changed: Some(created),
        pruned: Vec::new(),
        dry_run: false,
        check: crate::outcome::RunField::NotInThisRun,
        warnings,
        exists: !created,
        staged: true,
        can_go_back: false,
        plan: None,
    }
}
