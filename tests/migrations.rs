//! The migration guard on fixtures written in each framework's real format, and on generated
//! repositories through the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use git_fastrevert::migrations::{Dialect, Guard};

use crate::common::{code, json, mkrepo, stderr, Env};

fn fixture_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "expected.txt") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fixtures_are_classified_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrations");
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(root.join("expected.txt"))
        .unwrap()
        .lines()
    {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (place, class) = line.split_once(' ').unwrap();
        match place.rsplit_once(':') {
            Some((file, n)) => expected
                .entry(file.to_string())
                .or_default()
                .push(format!("{n} {class}")),
            None => {
                expected.insert(place.to_string(), vec![class.to_string()]);
            }
        }
    }
    let guard = Guard::new(&[], Dialect::Postgres).unwrap();
    let mut seen = 0;
    for file in fixture_files(&root) {
        let key = file
            .strip_prefix(&root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        // Inside its framework's project, the path starts after the first folder.
        let in_repo = key.split_once('/').unwrap().1;
        let want = expected
            .get(&key)
            .unwrap_or_else(|| panic!("{key} has no expectation"));
        if want == &["skip"] {
            assert!(
                !guard.is_migration(in_repo),
                "{in_repo} must not count as a migration"
            );
            continue;
        }
        assert!(
            guard.is_migration(in_repo),
            "{in_repo} must count as a migration"
        );
        let content = std::fs::read_to_string(&file).unwrap();
        // The other files of its folder, as the tree would give them (Django's AlterField is
        // judged against the app's earlier migrations).
        let folder = file.parent().unwrap().to_path_buf();
        let read_folder = move |_: &str| {
            let mut files = Vec::new();
            for e in std::fs::read_dir(&folder).ok()? {
                let p = e.ok()?.path();
                if p.is_file() {
                    let name = p.file_name()?.to_str()?.to_string();
                    files.push((name, std::fs::read_to_string(&p).ok()?));
                }
            }
            Some(files)
        };
        let got: Vec<String> = guard
            .classify_in_folder(in_repo, &content, &read_folder)
            .iter()
            .map(|f| {
                let acknowledged = if f.acknowledged.is_some() {
                    "+acknowledged"
                } else {
                    ""
                };
                format!("{} {}{acknowledged}", f.line, f.class.as_str())
            })
            .collect();
        assert_eq!(&got, want, "{key}");
        seen += 1;
    }
    assert!(seen >= 18, "only {seen} fixture migrations");
}

/// Commit SQL migrations on top of a generated repository.
fn add_migration(env: &Env, dir: &Path, name: &str, sql: &str) -> String {
    env.commit(
        dir,
        &[(&format!("db/migrate/{name}"), sql)],
        &format!("Migration {name}"),
    )
}

fn generated(env: &Env) -> (PathBuf, PathBuf) {
    let remote = env.path("gen.git");
    let spec = mkrepo::Spec {
        files: 2000,
        commits: 120,
        seed: 3,
        bare: true,
        variety: false,
    };
    mkrepo::build(&remote, &spec).unwrap();
    let work = env.path("gen");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    (work, remote)
}

#[test]
fn rollback_is_refused_over_destructive_migrations_and_allowed_over_additive_ones() {
    let env = Env::new();
    let (work, remote) = generated(&env);
    env.git(&work, &["tag", "before-additive"]);
    add_migration(
        &env,
        &work,
        "90001_add.sql",
        "CREATE TABLE audit (id BIGINT PRIMARY KEY);\nALTER TABLE t1 ADD COLUMN note TEXT;\n",
    );
    env.git(&work, &["tag", "before-destructive"]);
    add_migration(
        &env,
        &work,
        "90002_drop.sql",
        "ALTER TABLE t1 DROP COLUMN legacy;\n",
    );
    env.git(&work, &["push", "-q", "origin", "main", "--tags"]);

    let out = env.run(
        &work,
        &["check-migrations", "before-additive..main", "--json"],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["destructive"], 1);
    assert_eq!(j["additive"], 2);
    assert_eq!(j["migrations"].as_array().unwrap().len(), 2);

    let out = env.run_ok(
        &work,
        &[
            "check-migrations",
            "before-additive..before-destructive",
            "--json",
        ],
    );
    assert_eq!(json(&out)["destructive"], 0);

    // Back over the DROP COLUMN: refused, nothing written.
    let refs_before = env.git(&remote, &["for-each-ref"]);
    let out = env.run(&work, &["rollback", "--to", "before-additive", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "refused");
    // The findings travel with the refusal.
    assert_eq!(
        json(&out)["error"]["details"]["destructive_migrations"][0]["file"],
        "db/migrate/90002_drop.sql"
    );
    assert!(
        stderr(&out).contains("90002_drop.sql:1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&remote, &["for-each-ref"]), refs_before);

    // Back over the additive one only: allowed.
    env.git(
        &work,
        &["push", "-q", "origin", "before-destructive:main", "--force"],
    );
    let out = env.run_ok(&work, &["rollback", "--to", "before-additive", "--json"]);
    let j = json(&out);
    assert_eq!(j["migrations"][0]["class"], "additive");

    // And with the flag, over the destructive one too.
    env.git(&work, &["push", "-q", "origin", "+main:main"]);
    let out = env.run_ok(
        &work,
        &[
            "rollback",
            "--to",
            "before-additive",
            "--branch",
            "forced",
            "--allow-destructive-migrations",
            "--json",
        ],
    );
    assert!(json(&out)["warnings"]
        .to_string()
        .contains("allowed by --allow-destructive-migrations"));
}

#[test]
fn generated_history_ranges_are_classified() {
    let env = Env::new();
    let (work, _remote) = generated(&env);
    // The builder's migrations: every destructive one is a DROP COLUMN, ALTER COLUMN TYPE or
    // RENAME COLUMN, and every file holds one statement.
    let out = env.run(&work, &["check-migrations", "main~120..main", "--json"]);
    let j = json(&out);
    let mut destructive = 0;
    for m in j["migrations"].as_array().unwrap() {
        let file = m["file"].as_str().unwrap();
        let sql = env.git(&work, &["show", &format!("main:{file}")]);
        let want = if sql.contains("DROP COLUMN")
            || sql.contains(" TYPE ")
            || sql.contains("RENAME COLUMN")
        {
            destructive += 1;
            "destructive"
        } else {
            "additive"
        };
        assert_eq!(m["class"], want, "{file}: {sql}");
    }
    assert_eq!(code(&out), if destructive > 0 { 4 } else { 0 });
}

#[test]
fn reverting_a_migration_warns_that_the_schema_stays() {
    let env = Env::new();
    let (work, _remote) = generated(&env);
    let add = add_migration(
        &env,
        &work,
        "90001_add.sql",
        "ALTER TABLE t1 ADD COLUMN note TEXT;\n",
    );
    let drop = add_migration(
        &env,
        &work,
        "90002_drop.sql",
        "ALTER TABLE t1 DROP COLUMN note;\n",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["revert", &add, "--no-push", "--json"]);
    // The revert of the addition conflicts with nothing, but the DROP is not part of it.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert!(
        j["warnings"]
            .to_string()
            .contains("the file goes, the schema stays"),
        "{j}"
    );
    let out = env.run(&work, &["revert", &drop, "--no-push", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
}

#[test]
fn prepare_warns_about_a_destructive_rollout_and_still_snapshots() {
    let env = Env::new();
    let (work, remote) = generated(&env);
    env.git(&work, &["switch", "-q", "-c", "release"]);
    add_migration(
        &env,
        &work,
        "90003_rename.sql",
        "ALTER TABLE t2 RENAME COLUMN note TO memo;\n",
    );
    let out = env.run_ok(&work, &["prepare", "r9", "--rollout", "release", "--json"]);
    let j = json(&out);
    assert!(
        j["warnings"][0]
            .as_str()
            .unwrap()
            .contains("cannot undo it"),
        "{j}"
    );
    let msg = env.git(
        &remote,
        &["tag", "-l", "--format=%(contents)", "pre-rollout/r9"],
    );
    assert!(
        msg.contains("Warning: the rollout runs a destructive migration"),
        "{msg}"
    );
}

#[test]
fn the_migration_index_from_prepare_does_not_hide_a_migration_the_rollout_adds() {
    let env = Env::new();
    let (work, _remote) = generated(&env);
    // prepare indexes where migrations live before the rollout.
    env.run_ok(&work, &["prepare", "before-rollout", "--json"]);
    assert_eq!(migration_indexes(&work), 1);

    // The rollout puts a migrations folder deep inside a folder the index knows as clean.
    let nested = first_folder_under_src(&work);
    let file = format!("src/{nested}/payments/migrations/0002_drop_card.sql");
    env.commit(
        &work,
        &[(&file, "ALTER TABLE cards DROP COLUMN number;\n")],
        "Payments: drop the card number",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);

    for args in [vec!["rollback", "--json"], vec!["revert", "HEAD", "--json"]] {
        let out = env.fr(&work).args(&args).output().unwrap();
        assert_eq!(code(&out), 4, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{file}:1")),
            "{}",
            stderr(&out)
        );
    }
    let out = env.run(&work, &["check-migrations", "--json"]);
    assert_eq!(json(&out)["migrations"].as_array().map(Vec::len), Some(0));
    let out = env.run(
        &work,
        &[
            "check-migrations",
            "pre-rollout/before-rollout..main",
            "--json",
        ],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(json(&out)["migrations"][0]["file"], file.as_str());
}

#[test]
fn a_revert_guards_its_commits_without_building_the_migration_index() {
    let env = Env::new();
    let (work, _remote) = generated(&env);
    // A migration deep in the tree, where only a walk of what the commit changed finds it.
    let nested = first_folder_under_src(&work);
    let file = format!("src/{nested}/payments/migrations/0002_restore_card.sql");
    let restore = env.commit(
        &work,
        &[(&file, "ALTER TABLE cards DROP COLUMN legacy_number;\n")],
        "Payments: drop the legacy card number",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["revert", &restore, "--no-push", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{file}:1")),
        "{}",
        stderr(&out)
    );
    let out = env.run(&work, &["revert", "HEAD~1", "--no-push", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        migration_indexes(&work),
        0,
        "a revert wrote the migration index"
    );
}

/// How many migration index files the clone at `work` keeps.
fn migration_indexes(work: &Path) -> usize {
    let Ok(dir) = std::fs::read_dir(work.join(".git/fastrevert")) else {
        return 0;
    };
    dir.filter(|e| {
        let name = e.as_ref().unwrap().file_name();
        name.to_string_lossy().starts_with("migrations-")
    })
    .count()
}

fn first_folder_under_src(work: &Path) -> String {
    std::fs::read_dir(work.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .min()
        .unwrap()
}

fn assert_undoes(out: &std::process::Output, count: usize) {
    assert_eq!(code(out), 0, "{}", stderr(out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("undoing {count} commit(s)")),
        "{said}"
    );
}

#[test]
fn rollback_counts_the_first_parent_commits_it_undoes() {
    let env = Env::new();
    let (work, _remote) = generated(&env);
    for (target, count) in [("main~100", 100), ("main~3", 3)] {
        let want = env.git(
            &work,
            &[
                "rev-list",
                "--first-parent",
                "--count",
                &format!("{target}..main"),
            ],
        );
        assert_eq!(want.trim(), count.to_string());
        let out = env.run(
            &work,
            &[
                "rollback",
                "--to",
                target,
                "--dry-run",
                "--allow-destructive-migrations",
            ],
        );
        assert_undoes(&out, count);
    }
    // Real runs remember the first-parent line; later runs read it and still count right,
    // also after the base moved on.
    let far = env.rev(&work, "main~100");
    for (round, count) in [100, 100, 101].into_iter().enumerate() {
        if round == 2 {
            env.commit(&work, &[("notes/late.txt", "late\n")], "A late commit");
            env.git(&work, &["push", "-q", "origin", "main"]);
        }
        let out = env
            .fr(&work)
            .args(["rollback", "--to", &far, "--no-push"])
            .args(["--branch", &format!("back-{round}")])
            .arg("--allow-destructive-migrations")
            .output()
            .unwrap();
        assert_undoes(&out, count);
        assert!(work.join(".git/fastrevert/first-parents").exists());
    }
}

/// A range that only edits old migrations (a magic comment on each) holds nothing to judge; an
/// edit that adds a destructive call is judged and said to be an edit.
#[test]
fn edits_to_old_migrations_are_judged_by_what_they_change() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let old = "class AddEmail < ActiveRecord::Migration[7.0]\n  def change\n    add_column :users, :email, :string\n    remove_column :users, :legacy\n  end\nend\n";
    env.commit(
        &work,
        &[("db/migrate/1_add_email.rb", old)],
        "Old migration",
    );
    env.git(&work, &["tag", "--no-sign", "before-edit"]);
    let frozen = format!(
        "# frozen_string_literal: true\n\n{}",
        old.replace("  add_column", "  add_column  ")
    );
    env.commit(
        &work,
        &[("db/migrate/1_add_email.rb", &frozen)],
        "Magic comment",
    );
    let out = env.run_ok(&work, &["check-migrations", "before-edit..HEAD", "--json"]);
    let j = json(&out);
    assert_eq!(j["migrations"], serde_json::json!([]), "{j}");

    let edited = frozen.replace(
        "    remove_column :users, :legacy\n",
        "    remove_column :users, :legacy\n    remove_column :users, :age\n",
    );
    env.commit(
        &work,
        &[("db/migrate/1_add_email.rb", &edited)],
        "Edit an old migration",
    );
    let out = env.run(&work, &["check-migrations", "before-edit..HEAD", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    let m = &j["migrations"][0];
    assert_eq!(m["status"], "modified");
    let findings = m["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["line"], 7);
    assert_eq!(findings[0]["class"], "destructive");
    assert!(findings[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("edited an old migration"));
    let out = env.run(&work, &["check-migrations", "before-edit..HEAD"]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("(edited old migration)"), "{human}");
}

/// After review, one migration is acknowledged by path (flag or git config) or by a marker with
/// a reason in the file: reported, never refused, never silent.
#[test]
fn a_reviewed_migration_is_acknowledged_not_refused() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "start"]);
    let drop = "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :legacy\n  end\nend\n";
    env.commit(
        &work,
        &[("db/migrate/2_drop_legacy.rb", drop)],
        "Drop legacy",
    );
    let check = |extra: &[&str]| {
        let mut args = vec!["check-migrations", "start..HEAD", "--json"];
        args.extend_from_slice(extra);
        env.fr(&work).args(&args).output().unwrap()
    };
    assert_eq!(code(&check(&[])), 4);
    let out = check(&["--allow-migration", "db/migrate/2_drop_legacy.rb"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["acknowledged"], 1);
    assert_eq!(j["destructive"], 0);
    assert!(j["migrations"][0]["findings"][0]["acknowledged"]
        .as_str()
        .unwrap()
        .contains("--allow-migration"));
    let out = env.run(
        &work,
        &[
            "check-migrations",
            "start..HEAD",
            "--allow-migration",
            "db/migrate/2_drop_legacy.rb",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("acknowledged"), "{text}");

    env.git(
        &work,
        &[
            "config",
            "--add",
            "fastrevert.allowMigration",
            "db/migrate/2_drop_legacy.rb",
        ],
    );
    assert_eq!(code(&check(&[])), 0);
    env.git(
        &work,
        &["config", "--unset-all", "fastrevert.allowMigration"],
    );

    // A marker needs a reason.
    let bare = format!("# fastrevert: rollback-safe\n{drop}");
    env.commit(
        &work,
        &[("db/migrate/2_drop_legacy.rb", &bare)],
        "Marker without a reason",
    );
    let out = env.run(&work, &["check-migrations", "start..HEAD", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(json(&out)["migrations"][0]["findings"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("without a reason is not taken"));
    let reasoned = format!("# fastrevert: rollback-safe legacy is unread since v41\n{drop}");
    env.commit(
        &work,
        &[("db/migrate/2_drop_legacy.rb", &reasoned)],
        "Marker with a reason",
    );
    let out = env.run_ok(&work, &["check-migrations", "start..HEAD", "--json"]);
    assert!(json(&out)["migrations"][0]["findings"][0]["acknowledged"]
        .as_str()
        .unwrap()
        .contains("legacy is unread since v41"));

    // A rollback over it says so in its warnings.
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["rollback", "--to", "start", "--json", "--no-push"]);
    assert!(
        json(&out)["warnings"].to_string().contains("acknowledged"),
        "{}",
        json(&out)
    );
}

/// A migration in a language the guard cannot read (Ecto's Elixir) is an unknown finding that
/// refuses a rollback over it (exit 4), never "no migrations"; acknowledging it lets the
/// rollback through.
#[test]
fn a_migration_in_a_language_the_guard_cannot_read_refuses_until_acknowledged() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let file = "priv/repo/migrations/20240101000000_drop_votes_from_users.exs";
    env.commit(
        &work,
        &[(
            file,
            "defmodule App.Repo.Migrations.DropVotes do\n  use Ecto.Migration\n\n  def change do\n    alter table(:users) do\n      remove :votes\n    end\n  end\nend\n",
        )],
        "Drop votes",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);

    let out = env.run(&work, &["check-migrations", "main~1..main", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["unknown"], 1, "{j}");
    assert_eq!(j["migrations"][0]["file"], file);
    assert_eq!(j["migrations"][0]["class"], "unknown");
    // Even when --paths names the files.
    let out = env.run(
        &work,
        &[
            "check-migrations",
            "main~1..main",
            "--paths",
            "priv/repo/migrations/*.exs",
        ],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("cannot read"), "{said}");
    assert!(!said.contains("No migrations"), "{said}");

    let before = env.git(&work, &["for-each-ref"]);
    let out = env.run(
        &work,
        &["rollback", "--to", "main~1", "--no-push", "--json"],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains(file), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    assert_eq!(env.git(&work, &["for-each-ref"]), before, "nothing written");

    for allow in [
        vec!["--allow-migration", file],
        vec!["--allow-destructive-migrations"],
    ] {
        let mut args = vec!["rollback", "--to", "main~1", "--no-push", "--json"];
        args.extend(allow.iter().copied());
        let branch = format!("rb-{}", allow.len());
        args.extend(["--branch", branch.as_str()]);
        let out = env.fr(&work).args(&args).output().unwrap();
        assert_eq!(code(&out), 0, "{allow:?}: {}", stderr(&out));
        let j = json(&out);
        assert_eq!(
            j["tree"].as_str().unwrap(),
            env.rev(&work, "main~1^{tree}"),
            "{j}"
        );
        assert!(j["warnings"].to_string().contains(file), "{j}");
    }
}

/// A Ruby migration nested 100,000 deep, and one of a million unary operators, neither crash
/// the guard: the first is an unknown finding (exit 4) that --allow-destructive-migrations
/// lets through, the second is read on the parser's own stack.
#[test]
fn a_deeply_nested_migration_is_unknown_and_never_crashes_the_guard() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let n = 100_000;
    let deep = format!(
        "class Deep < ActiveRecord::Migration[7.0]\n  def change\n    x = {}{}\n  end\nend\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let unary = format!(
        "class Unary < ActiveRecord::Migration[7.0]\n  def change\n    x = {}y\n  end\nend\n",
        "!".repeat(1_000_000)
    );
    let big = format!("-- {}\n", "x".repeat(2 << 20));
    env.commit(
        &work,
        &[
            ("db/migrate/20240101000000_deep.rb", &deep),
            ("db/migrate/20240101000001_unary.rb", &unary),
            ("db/migrate/20240101000002_big.sql", &big),
        ],
        "Hostile migrations",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["check-migrations", "main~1..main", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    let class = |name: &str| {
        j["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["file"].as_str().unwrap().ends_with(name))
            .map(|m| m["class"].as_str().unwrap().to_string())
    };
    assert_eq!(class("_deep.rb").as_deref(), Some("unknown"), "{j}");
    assert_eq!(class("_big.sql").as_deref(), Some("unknown"), "{j}");
    assert_eq!(class("_unary.rb").as_deref(), Some("safe"), "{j}");
    for args in [
        vec!["revert", "main", "--no-push"],
        vec!["rollback", "--to", "main~1", "--no-push"],
    ] {
        let out = env.fr(&work).args(&args).output().unwrap();
        assert_eq!(code(&out), 4, "{args:?}: {}", stderr(&out));
        let mut allowed = args.clone();
        allowed.push("--allow-destructive-migrations");
        let out = env.fr(&work).args(&allowed).output().unwrap();
        assert_eq!(code(&out), 0, "{allowed:?}: {}", stderr(&out));
    }
}

/// Down halves are not forward code: Diesel's down.sql and goose's Down section drop what the
/// up half added, and a rollback over them is not refused for it.
#[test]
fn down_halves_of_diesel_and_goose_are_not_judged_as_forward_code() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[
            (
                "migrations/2024-01-01-000000_add_bio/up.sql",
                "ALTER TABLE users ADD COLUMN bio TEXT;\n",
            ),
            (
                "migrations/2024-01-01-000000_add_bio/down.sql",
                "ALTER TABLE users DROP COLUMN bio;\n",
            ),
            (
                "db/migrations/20240101000000_add_archived.sql",
                "-- +goose Up\nALTER TABLE projects ADD COLUMN archived_at TIMESTAMP NULL;\n\n-- +goose Down\nALTER TABLE projects DROP COLUMN archived_at;\n",
            ),
        ],
        "Add bio and archived_at",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["check-migrations", "main~1..main", "--json"]);
    let j = json(&out);
    assert_eq!(j["migrations"].as_array().unwrap().len(), 2, "{j}");
    assert_eq!(j["destructive"], 0, "{j}");
    assert_eq!(j["additive"], 2, "{j}");
}

/// Run by root on a checkout another user owns (the usual sudo), git refuses the repository:
/// the guard is never skipped in silence, and the message names safe.directory.
#[cfg(unix)]
#[test]
fn a_repository_owned_by_another_user_is_an_error_that_names_safe_directory() {
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        eprintln!("skipped: needs root to give the checkout to another user");
        return;
    }
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let releases = env.path("releases");
    std::fs::create_dir_all(&releases).unwrap();
    let deploy = |rev: &str| {
        let out = env.run_releases(&work, &releases, &["deploy", rev]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    };
    deploy("main");
    env.commit(
        &work,
        &[(
            "db/migrate/20240101000000_drop.sql",
            "ALTER TABLE t DROP COLUMN c;\n",
        )],
        "Drop c",
    );
    deploy("main");
    let live = std::fs::read_link(env.path("current")).unwrap();
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&work)
        .status()
        .unwrap();
    assert!(chown.success());
    // The test's git config trusts no directory.
    for args in [
        vec![
            "switch",
            "previous",
            "--releases",
            releases.to_str().unwrap(),
        ],
        vec!["check-migrations", "main~1..main"],
        vec!["rollback", "--to", "main~1", "--no-push"],
    ] {
        let out = env.fr(&work).args(&args).output().unwrap();
        let err = stderr(&out);
        assert_ne!(code(&out), 0, "{args:?}: {err}");
        assert!(err.contains("owned by another user"), "{args:?}: {err}");
        assert!(err.contains("safe.directory"), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_link(env.path("current")).unwrap(),
        live,
        "the link did not move"
    );
}

/// Diesel keeps each migration in a folder of its own (`<id>_name/up.sql`): a type change is
/// judged against the column as the earlier folders' `up.sql` left it, whatever `down.sql`
/// says.
#[test]
fn a_diesel_type_change_is_judged_against_the_earlier_migrations() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[
            (
                "migrations/2024-01-01-000000_create_users/up.sql",
                "CREATE TABLE users (id serial PRIMARY KEY, theme varchar(20) NOT NULL, age int);\n",
            ),
            (
                "migrations/2024-01-01-000000_create_users/down.sql",
                "DROP TABLE users;\n",
            ),
        ],
        "Create users",
    );
    env.commit(
        &work,
        &[
            (
                "migrations/2024-02-01-000000_widen/up.sql",
                "ALTER TABLE users ALTER COLUMN theme TYPE text;\nALTER TABLE users ALTER COLUMN age TYPE varchar(3);\n",
            ),
            (
                "migrations/2024-02-01-000000_widen/down.sql",
                "ALTER TABLE users ALTER COLUMN theme TYPE varchar(20);\n",
            ),
        ],
        "Widen theme",
    );
    let out = env.run(&work, &["check-migrations", "main~1..main", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    let findings = &j["migrations"][0]["findings"];
    assert_eq!(j["migrations"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(findings[0]["class"], "safe", "{j}");
    assert!(
        findings[0]["reason"]
            .as_str()
            .unwrap()
            .contains("string → text"),
        "{j}"
    );
    assert_eq!(findings[1]["class"], "destructive", "{j}");
    assert!(
        findings[1]["reason"]
            .as_str()
            .unwrap()
            .contains("from integer to string"),
        "{j}"
    );
}

/// The views a `DROP VIEW … CASCADE` takes along and the check constraint a migration replaces
/// are known from the earlier folders: rebuilt views and a check widened by a column old code
/// leaves empty pass with a warning; a view lost with the CASCADE is refused.
#[test]
fn a_cascade_and_a_replaced_check_are_judged_with_the_earlier_diesel_folders() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[(
            "migrations/2024-01-01-000000_create/up.sql",
            "CREATE TABLE log (id serial PRIMARY KEY, a_id int, b_id int);
ALTER TABLE log ADD CONSTRAINT log_check CHECK (num_nonnulls(a_id, b_id) = 1);
CREATE VIEW log_view AS SELECT id, a_id FROM log;
CREATE VIEW log_count AS SELECT count(*) FROM log_view;
",
        )],
        "Create log",
    );
    let judge = |folder: &str, up: &str| {
        let path = format!("migrations/{folder}/up.sql");
        env.commit(&work, &[(path.as_str(), up)], "Change");
        let out = env.run(&work, &["check-migrations", "main~1..main", "--json"]);
        (code(&out), json(&out))
    };
    let (rc, j) = judge(
        "2024-02-01-000000_widen",
        "ALTER TABLE log ADD COLUMN c_id int;
ALTER TABLE log DROP CONSTRAINT log_check, ADD CONSTRAINT log_check CHECK (num_nonnulls(a_id, b_id, c_id) = 1), ALTER CONSTRAINT log_c_fkey NOT DEFERRABLE;
DROP VIEW log_view CASCADE;
CREATE VIEW log_view AS SELECT id, a_id, c_id FROM log;
CREATE VIEW log_count AS SELECT count(*) FROM log_view;
",
    );
    assert_eq!(rc, 0, "{j}");
    let findings = &j["migrations"][0]["findings"];
    assert!(
        findings[1]["reason"]
            .as_str()
            .unwrap()
            .contains("replaces check constraint log_check"),
        "{j}"
    );
    assert_eq!(findings[2]["class"], "review", "{j}");
    assert!(
        findings[2]["reason"]
            .as_str()
            .unwrap()
            .contains("log_count"),
        "{j}"
    );
    let (rc, j) = judge(
        "2024-03-01-000000_narrow",
        "DROP VIEW log_view CASCADE;
CREATE VIEW log_view AS SELECT id FROM log;
",
    );
    assert_eq!(rc, 4, "{j}");
    let findings = &j["migrations"][0]["findings"];
    assert_eq!(findings[0]["class"], "destructive", "{j}");
    assert!(
        findings[0]["reason"]
            .as_str()
            .unwrap()
            .contains("log_count"),
        "{j}"
    );
}

/// Alembic's revisions are found where its `alembic.ini` says (`script_location`), not only
/// under a folder called `migrations` or `alembic`.
#[test]
fn alembic_revisions_are_found_where_alembic_ini_says() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let revision = "from alembic import op\n\nrevision = \"a1\"\ndown_revision = None\n\n\ndef upgrade():\n    op.drop_column(\"users\", \"nickname\")\n\n\ndef downgrade():\n    pass\n";
    env.commit(
        &work,
        &[("schema_changes/versions/a1_drop_nickname.py", revision)],
        "Drop nickname",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["check-migrations", "main~1..main", "--json"]);
    assert_eq!(code(&out), 0, "no alembic.ini: not found");
    env.commit(
        &work,
        &[(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/schema_changes\n",
        )],
        "Configure alembic",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["check-migrations", "main~2..main", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(
        j["migrations"][0]["file"], "schema_changes/versions/a1_drop_nickname.py",
        "{j}"
    );
    assert_eq!(j["migrations"][0]["class"], "destructive", "{j}");
}

/// Code in a folder named like migrations (a module of the application, a helper beside the
/// migrations) is unknown to the guard, so a revert over it is refused; the tree's own
/// `.gitattributes` can say it is no migration (`-fastrevert-migration`), and then only the
/// real migrations beside it are judged. The attribute is read from the newer tree of the
/// range, where the migrations are.
#[test]
fn gitattributes_take_code_in_a_migrations_folder_out_of_the_guard() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[("src/migrations/helpers.rs", "pub fn helper() {}\n")],
        "Add a helper module",
    );
    env.commit(
        &work,
        &[("src/migrations/helpers.rs", "pub fn helper() -> u8 { 1 }\n")],
        "Change the helper",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["revert", "HEAD", "--dry-run", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("src/migrations/helpers.rs"),
        "{}",
        stderr(&out)
    );

    env.commit(
        &work,
        &[
            (
                ".gitattributes",
                "src/migrations/*.rs -fastrevert-migration\n",
            ),
            (
                "src/migrations/001_drop.sql",
                "ALTER TABLE orders DROP COLUMN paid;\n",
            ),
        ],
        "Say what is code, and drop a column",
    );
    env.commit(
        &work,
        &[("src/migrations/helpers.rs", "pub fn helper() -> u8 { 2 }\n")],
        "Change the helper again",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["revert", "HEAD", "--dry-run", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["migrations"],
        serde_json::json!([]),
        "{}",
        stderr(&out)
    );
    // Taken out of the guard, and said: a tree's attributes never pass a file in silence.
    let said = "src/migrations/helpers.rs is marked -fastrevert-migration in .gitattributes: the migration guard did not judge it";
    assert!(stderr(&out).contains(said), "{}", stderr(&out));
    assert!(json(&out)["warnings"].to_string().contains("did not judge"));
    // The SQL beside it is still a migration, and still judged.
    let out = env.run(&work, &["check-migrations", "HEAD~3..HEAD"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("src/migrations/001_drop.sql"), "{text}");
    assert!(!text.contains("helpers.rs"), "{text}");
    assert!(stderr(&out).contains(said), "{}", stderr(&out));
}
