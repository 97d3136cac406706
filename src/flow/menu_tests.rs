//! The menu's flows driven by a scripted prompter.

use super::*;
use crate::ui::prompt::{Answer, Scripted};

/// A repository with three commits on main and a release tag on the first.
fn repo() -> (tempfile::TempDir, git2::Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let mut parent: Option<git2::Oid> = None;
    for (i, subject) in ["Add app", "Add four", "Add notes"].iter().enumerate() {
        let blob = repo.blob(format!("{i}\n").as_bytes()).unwrap();
        let mut b = repo
            .treebuilder(
                parent
                    .map(|p| repo.find_commit(p).unwrap().tree().unwrap())
                    .as_ref(),
            )
            .unwrap();
        b.insert(format!("f{i}.txt"), blob, 0o100644).unwrap();
        let tree = repo.find_tree(b.write().unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let id = repo
            .commit(Some("refs/heads/main"), &sig, &sig, subject, &tree, &refs)
            .unwrap();
        if i == 0 {
            repo.tag_lightweight("v1.0.0", &repo.find_object(id, None).unwrap(), false)
                .unwrap();
        }
        parent = Some(id);
    }
    repo.set_head("refs/heads/main").unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("user.name", "T").unwrap();
    config.set_str("user.email", "t@example.com").unwrap();
    (dir, repo)
}

fn global(dir: &std::path::Path) -> GlobalArgs {
    GlobalArgs {
        directory: Some(dir.to_path_buf()),
        quiet: true,
        ..Default::default()
    }
}

fn scripted(answers: Vec<Answer>) -> Ui {
    Ui::with_prompter(Box::new(Scripted::new(answers)))
}

#[test]
fn the_menu_reverts_the_picked_commit_after_the_plan() {
    let (dir, repo) = repo();
    let ui = scripted(vec![
        Answer::Pick("Revert a commit".into()),
        Answer::Pick("Add four".into()),
        Answer::Text("checkout broke".into()),
        Answer::Yes,
    ]);
    let outcome = run(&global(dir.path()), &ui).unwrap();
    let branch = outcome.json()["branch"].as_str().unwrap().to_string();
    let tip = repo
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .target()
        .unwrap();
    let summary = repo
        .find_commit(tip)
        .unwrap()
        .summary()
        .unwrap()
        .unwrap()
        .to_string();
    assert_eq!(summary, "Revert \"Add four\"");
    // The reason asked for lands in the commit.
    let message = repo
        .find_commit(tip)
        .unwrap()
        .message()
        .unwrap()
        .to_string();
    assert!(
        message.contains("Revert-Reason: checkout broke"),
        "{message}"
    );
}

#[test]
fn saying_no_to_the_plan_writes_nothing() {
    let (dir, repo) = repo();
    let refs_before = repo.references().unwrap().count();
    let ui = scripted(vec![
        Answer::Pick("Add notes".into()),
        Answer::Text(String::new()),
        Answer::No,
    ]);
    let err = revert(&global(dir.path()), &ui, RevertArgs::default()).unwrap_err();
    assert_eq!(err.kind, crate::error::Kind::Interrupted);
    assert_eq!(repo.references().unwrap().count(), refs_before);
}

#[test]
fn rollback_picks_a_tag_and_a_mode() {
    let (dir, repo) = repo();
    let ui = scripted(vec![
        Answer::Pick("v1.0.0".into()),
        Answer::Pick("commit:".into()),
        Answer::Text(String::new()),
        Answer::Yes,
    ]);
    let outcome = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap();
    assert_eq!(outcome.json()["branch"], "rollback-to-v1.0.0");
    let tip = repo
        .find_reference("refs/heads/rollback-to-v1.0.0")
        .unwrap()
        .target()
        .unwrap();
    let tagged = repo.revparse_single("v1.0.0^{tree}").unwrap().id();
    assert_eq!(repo.find_commit(tip).unwrap().tree_id(), tagged);
}

/// Commit a destructive SQL migration on main, after v1.0.0.
fn add_destructive_migration(repo: &git2::Repository) {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let blob = repo
        .blob(b"ALTER TABLE users DROP COLUMN legacy;\n")
        .unwrap();
    let mut migrate = repo.treebuilder(None).unwrap();
    migrate.insert("001_drop.sql", blob, 0o100644).unwrap();
    let mut db = repo.treebuilder(None).unwrap();
    db.insert("migrate", migrate.write().unwrap(), 0o040000)
        .unwrap();
    let mut root = repo.treebuilder(Some(&head.tree().unwrap())).unwrap();
    root.insert("db", db.write().unwrap(), 0o040000).unwrap();
    let tree = repo.find_tree(root.write().unwrap()).unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_100, 0)).unwrap();
    repo.commit(
        Some("refs/heads/main"),
        &sig,
        &sig,
        "Drop legacy",
        &tree,
        &[&head],
    )
    .unwrap();
}

#[test]
fn a_refused_plan_shows_the_findings_and_asks() {
    let (dir, repo) = repo();
    add_destructive_migration(&repo);
    let prompter = Scripted::new(vec![
        Answer::Pick("v1.0.0".into()),
        Answer::Pick("commit:".into()),
        Answer::Text(String::new()),
        Answer::Yes, // go ahead anyway, over the migration
        Answer::Yes, // go ahead with the plan
    ]);
    let ui = Ui::with_prompter(Box::new(prompter));
    let outcome = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap();
    assert_eq!(outcome.json()["branch"], "rollback-to-v1.0.0");
    assert!(
        outcome.json()["warnings"]
            .to_string()
            .contains("allowed by --allow-destructive-migrations"),
        "{}",
        outcome.json()["warnings"]
    );
    // Saying no to the refusal writes nothing.
    let (dir, repo) = super::tests::repo();
    add_destructive_migration(&repo);
    let refs = repo.references().unwrap().count();
    let ui = scripted(vec![
        Answer::Pick("v1.0.0".into()),
        Answer::Pick("commit:".into()),
        Answer::Text(String::new()),
        Answer::No,
    ]);
    let err = rollback(&global(dir.path()), &ui, RollbackArgs::default()).unwrap_err();
    assert_eq!(err.kind, crate::error::Kind::Interrupted);
    assert_eq!(repo.references().unwrap().count(), refs);
}

#[test]
fn a_typo_is_asked_again() {
    let (dir, repo) = repo();
    let ui = scripted(vec![
        Answer::Pick("Take a snapshot".into()),
        Answer::Text("before-deploy".into()),
        Answer::Text("no-such-revision".into()),
        Answer::Text(String::new()),
        Answer::Yes,
    ]);
    let outcome = run(&global(dir.path()), &ui).unwrap();
    assert_eq!(outcome.json()["tag"], "pre-rollout/before-deploy");
    assert!(repo
        .find_reference("refs/tags/pre-rollout/before-deploy")
        .is_ok());
}

#[test]
fn picker_lines_fit_the_terminal() {
    use crate::ui::prompt::fit;
    assert_eq!(fit("short", 76), "short");
    let long = "a".repeat(120);
    assert_eq!(fit(&long, 76).chars().count(), 76);
    assert!(fit(&long, 76).ends_with('…'));
}

#[test]
fn backing_out_of_a_picker_cancels() {
    let (dir, _repo) = repo();
    let ui = scripted(vec![Answer::Back]);
    assert_eq!(
        run(&global(dir.path()), &ui).unwrap_err().kind,
        crate::error::Kind::Interrupted
    );
}
