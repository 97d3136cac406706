//! Generated files that must not go stale (completions, man pages), `--help` snapshots, and
//! the binary reached through git's own dispatch (`git fastrevert`).

use std::path::{Path, PathBuf};

use clap_complete::Shell;

use crate::common::{code, path_with_binary, stderr, Env};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compare a generated file with the committed one; `FASTREVERT_BLESS=1` rewrites it.
fn check_generated(path: &Path, content: &[u8]) {
    if std::env::var_os("FASTREVERT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        return;
    }
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == content,
        "{} is stale: run `FASTREVERT_BLESS=1 cargo test docs::` and commit the result",
        path.display()
    );
}

#[test]
fn completions_are_up_to_date() {
    for (shell, file) in [
        (Shell::Bash, "git-fastrevert.bash"),
        (Shell::Zsh, "_git-fastrevert"),
        (Shell::Fish, "git-fastrevert.fish"),
        (Shell::PowerShell, "_git-fastrevert.ps1"),
        (Shell::Elvish, "git-fastrevert.elv"),
    ] {
        let script = git_fastrevert::cli::completion(shell);
        check_generated(&root().join("completions").join(file), script.as_bytes());
        // The command prints the same.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_git-fastrevert"))
            .args(["completions", &shell.to_string()])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), script, "{shell}");
    }
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = git_fastrevert::cli::man_pages().unwrap();
    assert!(pages.len() >= 10, "one page per command");
    for (name, page) in pages {
        check_generated(&root().join("man").join(&name), &page);
    }
}

#[test]
fn help_of_every_command() {
    let env = Env::new();
    let dir = env.tmp.path();
    let mut commands = vec![String::new()];
    commands.extend(
        [
            "prepare",
            "list",
            "revert",
            "rollback",
            "check-migrations",
            "deploy",
            "switch",
            "releases",
            "hold",
            "status",
            "man",
            "completions",
        ]
        .map(String::from),
    );
    for c in commands {
        let mut cmd = env.fr(dir);
        if !c.is_empty() {
            cmd.arg(&c);
        }
        let out = cmd.arg("--help").output().unwrap();
        assert_eq!(code(&out), 0, "{c}: {}", stderr(&out));
        let name = if c.is_empty() {
            "help".to_string()
        } else {
            format!("help_{c}")
        };
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn git_finds_it_as_git_fastrevert() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let path = path_with_binary();
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new("git");
        env.apply_to(&mut cmd);
        cmd.current_dir(&work)
            .env("PATH", &path)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["fastrevert", "--version"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("git-fastrevert {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["fastrevert", "revert", "--help"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: git fastrevert revert"));
    // And it works through git on a real repository.
    let out = run(&["fastrevert", "revert", "HEAD", "--dry-run", "--no-fetch"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_missing_choice_without_a_terminal_fails_fast_and_names_the_flag() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let releases = env.path("releases");
    std::fs::create_dir(&releases).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![], "--help"),
        (vec!["revert".into()], "--pr"),
        (vec!["rollback".into()], "--to"),
        (
            vec![
                "switch".into(),
                "--releases".into(),
                releases.display().to_string(),
            ],
            "RELEASE",
        ),
        (
            vec!["revert".into(), "HEAD".into(), "--direct".into()],
            "--yes",
        ),
    ];
    for (args, flag) in cases {
        let started = std::time::Instant::now();
        let out = env
            .fr(&work)
            .args(&args)
            .env("CI", "true")
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(flag),
            "{args:?} must name {flag}: {}",
            stderr(&out)
        );
        assert!(
            started.elapsed().as_secs() < 10,
            "{args:?} must not wait for input"
        );
    }
}

/// After `cargo install`, `git fastrevert man --install` puts the pages in share/man beside
/// the binary's folder, where man-db looks for a bin folder on PATH.
#[test]
fn man_install_puts_the_pages_where_man_looks() {
    let env = Env::new();
    let bin = env.path("prefix/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("git-fastrevert");
    std::fs::copy(env!("CARGO_BIN_EXE_git-fastrevert"), &exe).unwrap();
    // Another test thread may fork while the copy is still open for writing: its child holds
    // the file until it execs, and running the copy meanwhile fails with ETXTBSY.
    let run = |args: &[&std::ffi::OsStr]| {
        for _ in 0..100 {
            match std::process::Command::new(&exe).args(args).output() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => return other.unwrap(),
            }
        }
        panic!("{} stayed busy", exe.display());
    };
    let out = run(&["man".as_ref(), "--install".as_ref()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let man1 = env.path("prefix/share/man/man1");
    for page in [
        "git-fastrevert.1",
        "git-fastrevert-revert.1",
        "git-fastrevert-switch.1",
    ] {
        assert!(man1.join(page).is_file(), "{page} missing");
    }
    // man-db maps PATH's bin folders to their share/man: `git fastrevert --help` finds it.
    let manpath = std::process::Command::new("manpath")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env_remove("MANPATH")
        .output();
    match manpath {
        Ok(out) if out.status.success() => {
            let path = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(
                path.contains(&*env.path("prefix/share/man").to_string_lossy()),
                "{path}"
            );
        }
        _ => eprintln!("skipped the manpath check: man-db's manpath is not installed"),
    }
    let elsewhere = env.path("elsewhere");
    let out = run(&["man".as_ref(), "--install".as_ref(), elsewhere.as_os_str()]);
    assert!(out.status.success());
    assert!(env.path("elsewhere/man1/git-fastrevert.1").is_file());
}
