//! The layers hold in the source itself: libgit2 only in the git layer and the engine, HTTP
//! only in `forge/`, the terminal only in `ui/`, no clap below the command line, nothing
//! reaching back up, and no flag spelled below the interface. Test code (`tests.rs`, `*_tests.rs`, and what follows `#[cfg(test)]`) may build its
//! fixtures as it likes.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each production source file under `src/`, relative path and text without its tests.
fn production() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            if file == "tests.rs" || file.ends_with("_tests.rs") {
                return None;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            Some((name, code))
        })
        .collect()
}

fn offenders(allowed: &[&str], needles: &[&str]) -> Vec<String> {
    production()
        .into_iter()
        .filter(|(name, _)| !allowed.iter().any(|a| name.starts_with(a)))
        .filter_map(|(name, code)| {
            let found: Vec<&str> = needles
                .iter()
                .copied()
                .filter(|n| {
                    code.lines()
                        .any(|l| !l.trim_start().starts_with("//") && l.contains(n))
                })
                .collect();
            (!found.is_empty()).then(|| format!("{name}: {}", found.join(", ")))
        })
        .collect()
}

#[test]
fn libgit2_is_used_only_by_the_git_layer_and_the_engine() {
    let found = offenders(&["git/", "engine/"], &["git2", ".raw()"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_forge_talks_http() {
    let found = offenders(&["forge/"], &["reqwest", "octocrab"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_ui_writes_to_the_terminal() {
    let found = offenders(
        &["ui/"],
        &[
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "io::stdout",
            "io::stderr",
            "console::Term",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// Flows take the parsed arguments as plain data and never parse: no clap call below the
/// command line (`lib.rs` maps each subcommand to its flow, `cli.rs` defines them).
#[test]
fn flows_never_call_clap() {
    let found: Vec<String> = production()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "lib.rs" | "cli.rs" | "completion.rs"))
        .filter(|(_, code)| {
            code.lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains("clap::"))
        })
        .map(|(name, _)| name.clone())
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

/// The layers a part of the source may not reach: nothing runs back up. The git layer and the
/// engine know no flow, outcome, forge or interface; outcomes, the migration guard, releases
/// and forges know no flow; the interface knows no flow; completion knows no flow; flows know
/// no command.
const UPWARD: &[(&str, &[&str])] = &[
    (
        "git/",
        &[
            "engine",
            "flow",
            "ui",
            "outcome",
            "forge",
            "releases",
            "migrations",
            "completion",
        ],
    ),
    (
        "engine/",
        &[
            "flow",
            "ui",
            "outcome",
            "forge",
            "releases",
            "migrations",
            "completion",
        ],
    ),
    ("outcome.rs", &["flow", "ui", "completion"]),
    ("migrations/", &["flow", "ui", "completion", "outcome"]),
    ("releases/", &["flow", "ui", "completion"]),
    ("forge/", &["flow", "ui", "completion", "releases"]),
    ("ui/", &["flow", "completion"]),
    ("completion.rs", &["flow"]),
    ("flow/", &["completion"]),
];

/// The upward references of one file's production code (comments aside).
fn upward(name: &str, code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (part, above) in UPWARD {
        if !name.starts_with(part) {
            continue;
        }
        for layer in *above {
            let needle = format!("crate::{layer}");
            let uses = code.lines().any(|l| {
                let l = l.trim_start();
                !l.starts_with("//")
                    && (l.contains(&format!("{needle}::")) || l.contains(&format!("{needle};")))
            });
            if uses {
                found.push(format!("{name} uses {needle}"));
            }
        }
    }
    found
}

#[test]
fn no_layer_reaches_up() {
    let offenders: Vec<String> = production()
        .iter()
        .flat_map(|(name, code)| upward(name, code))
        .collect();
    assert!(offenders.is_empty(), "{offenders:#?}");
    // The check itself finds a probe.
    assert_eq!(
        upward("git/probe.rs", "use crate::flow::Ctx;\n"),
        vec!["git/probe.rs uses crate::flow".to_string()]
    );
    assert!(upward("git/probe.rs", "// crate::flow::Ctx\n").is_empty());
}

/// Every long flag of the command line (`--no-gpg-sign`, `--releases`, …).
fn long_flags() -> Vec<String> {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                out.push(format!("--{long}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    let mut cli = <git_fastrevert::cli::Cli as clap::CommandFactory>::command();
    // The subcommands' options are deferred until the command is built.
    cli.build();
    walk(&cli, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Where `flag` stands as a whole word in `code` (`--force` is not in `--force-with-lease`),
/// other than as a whole string literal: `"--quiet"` is an argument given to git.
fn names_flag(code: &str, flag: &str) -> bool {
    code.match_indices(flag).any(|(at, _)| {
        let after = code[at + flag.len()..].chars().next();
        let before = code[..at].chars().next_back();
        let whole_word = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        whole_word && !(before == Some('"') && after == Some('"'))
    })
}

/// The git layer, the engine and the releases return facts: a hint names an option through
/// `error::Opt`, never by its spelling, so that the interface decides how to say it (and the
/// menu, which asks instead, leaves such a hint out).
#[test]
fn lower_layers_name_no_command_line_flag() {
    let flags = long_flags();
    assert!(flags.iter().any(|f| f == "--no-gpg-sign"), "{flags:?}");
    let mut found = Vec::new();
    for (name, code) in production() {
        if !["engine/", "git/", "releases/"]
            .iter()
            .any(|d| name.starts_with(d))
        {
            continue;
        }
        // Comments may explain a rule by the flag that sets it.
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for flag in &flags {
            if names_flag(&code, flag) {
                found.push(format!("{name}: {flag}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "flag names below the interface: {found:#?}"
    );
    assert!(names_flag("pass --releases DIR", "--releases"));
    assert!(!names_flag("--force-with-lease=x", "--force"));
    assert!(!names_flag(r#"args(["fetch", "--quiet"])"#, "--quiet"));
}

/// Each option a hint can name is a flag the command line has.
#[test]
fn every_option_a_hint_names_is_a_flag() {
    let flags = long_flags();
    for opt in git_fastrevert::error::Opt::ALL {
        let flag = opt.flag().rsplit(' ').next().unwrap_or_default();
        assert!(flags.iter().any(|f| f == flag), "{opt:?}: {flag}");
    }
}

/// Production functions longer than this say why in a `// Long because …` comment above them.
const LONG_FUNCTION: usize = 80;

/// The text of a line with string and char literals emptied and comments dropped, so that
/// braces in them do not count.
fn code_only(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            // A char literal ('{', '\'') but not a lifetime ('a).
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    for d in chars.by_ref() {
                        if d == '\'' {
                            break;
                        }
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// Functions of `code` longer than [`LONG_FUNCTION`] lines with no reason above them: (name,
/// first line, length).
fn long_without_reason(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = code_only(lines[i]);
        let words: Vec<&str> = line.split_whitespace().collect();
        let at_fn = words.iter().position(|w| *w == "fn");
        let is_fn = at_fn.is_some_and(|at| {
            words[..at]
                .iter()
                .all(|w| w.starts_with("pub") || matches!(*w, "async" | "const" | "unsafe"))
        });
        if !is_fn || line.trim_end().ends_with(';') {
            i += 1;
            continue;
        }
        let name = words[at_fn.unwrap_or(0) + 1]
            .split(['(', '<'])
            .next()
            .unwrap_or_default()
            .to_string();
        let (mut depth, mut opened, mut end) = (0i32, false, i);
        for (j, l) in lines.iter().enumerate().skip(i) {
            for c in code_only(l).chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            end = j;
            if opened && depth == 0 {
                break;
            }
        }
        let length = end - i + 1;
        let reason = lines[i.saturating_sub(8)..i]
            .iter()
            .any(|l| l.contains("Long because"));
        if length > LONG_FUNCTION && !reason {
            found.push((name, i + 1, length));
        }
        i = if opened { end + 1 } else { i + 1 };
    }
    found
}

/// A newcomer reads a function whole: none over ~80 lines without the reason written above it.
#[test]
fn long_functions_say_why() {
    let found: Vec<String> = production()
        .iter()
        .flat_map(|(name, code)| {
            long_without_reason(code)
                .into_iter()
                .map(move |(f, at, n)| format!("{name}:{at} {f} ({n} lines)"))
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    // The check finds a probe, and counts no brace inside a string or char.
    let body = "    let x = 1;\n".repeat(LONG_FUNCTION);
    let probe = format!("pub fn probe() {{\n    let s = \"}}\";\n    let c = '}}';\n{body}}}\n");
    assert_eq!(long_without_reason(&probe).len(), 1, "{probe}");
    let explained = format!("// Long because it is a probe.\n{probe}");
    assert!(long_without_reason(&explained).is_empty());
}
