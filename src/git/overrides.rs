//! `git -c key=value` reaches a program run as `git fastrevert` through `GIT_CONFIG_PARAMETERS`
//! (and `git --config-env` / `GIT_CONFIG_COUNT` through `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`).
//! libgit2 reads neither, so the values are written in git's configuration format to a file of
//! this process's own, added at the highest level of the repository's configuration, as git
//! layers them. The values can be secrets (the Action's `http.extraheader` token): on Linux the
//! file has no name at all (an unnamed temporary file, read by libgit2 through
//! `/proc/self/fd/N`), so nothing is left after a kill -9; elsewhere it is a 0600 file in a
//! 0700 folder, removed when the command ends. libgit2 only reads it, never rewrites it.

use std::io::Write;
use std::sync::Mutex;

use git2::{ConfigLevel, Repository};

use crate::error::{Error, Result};

/// What holds the overrides until the command is done.
enum Held {
    /// An unnamed file, open.
    Unnamed { _file: std::fs::File },
    /// A named file in a private folder (removed when dropped).
    Named { _dir: tempfile::TempDir },
}

static FILES: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// Remove the override files; called once the command has finished.
pub fn clean_up() {
    if let Ok(mut files) = FILES.lock() {
        files.clear();
    }
}

/// The overrides in the environment, in the order git applies them (later wins).
pub fn from_env() -> Result<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    if let Ok(params) = std::env::var("GIT_CONFIG_PARAMETERS") {
        out.extend(parse_parameters(&params).ok_or_else(|| {
            Error::bad_input("bogus format in GIT_CONFIG_PARAMETERS")
                .hint("pass configuration as git -c key=value")
        })?);
    }
    if let Ok(count) = std::env::var("GIT_CONFIG_COUNT") {
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| Error::bad_input(format!("GIT_CONFIG_COUNT is not a number: {count}")))?;
        for i in 0..count {
            let key = std::env::var(format!("GIT_CONFIG_KEY_{i}")).map_err(|_| {
                Error::bad_input(format!(
                    "GIT_CONFIG_COUNT is {count} but GIT_CONFIG_KEY_{i} is missing"
                ))
            })?;
            let value = std::env::var(format!("GIT_CONFIG_VALUE_{i}")).map_err(|_| {
                Error::bad_input(format!(
                    "GIT_CONFIG_COUNT is {count} but GIT_CONFIG_VALUE_{i} is missing"
                ))
            })?;
            out.push((key, Some(value)));
        }
    }
    Ok(out)
}

/// git's encoding of `-c` options: shell-single-quoted words separated by spaces, each
/// `'key=value'` (older git) or `'key'='value'` (git 2.31 and later); a key alone means true.
fn parse_parameters(text: &str) -> Option<Vec<(String, Option<String>)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let quoted = |i: &mut usize| -> Option<String> {
        if chars.get(*i) != Some(&'\'') {
            return None;
        }
        *i += 1;
        let mut word = String::new();
        loop {
            match chars.get(*i)? {
                '\'' => {
                    // `'\''` is a quote inside the word.
                    if chars.get(*i + 1) == Some(&'\\')
                        && chars.get(*i + 2) == Some(&'\'')
                        && chars.get(*i + 3) == Some(&'\'')
                    {
                        word.push('\'');
                        *i += 4;
                    } else {
                        *i += 1;
                        return Some(word);
                    }
                }
                c => {
                    word.push(*c);
                    *i += 1;
                }
            }
        }
    };
    loop {
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if i >= chars.len() {
            return Some(out);
        }
        let first = quoted(&mut i)?;
        if chars.get(i) == Some(&'=') {
            i += 1;
            let value = if chars.get(i) == Some(&'\'') {
                quoted(&mut i)?
            } else {
                String::new()
            };
            out.push((first, Some(value)));
        } else {
            match first.split_once('=') {
                Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
                None => out.push((first, None)),
            }
        }
    }
}

/// Add the environment's overrides to the repository's configuration.
pub fn apply(repo: &Repository) -> Result<()> {
    let overrides = from_env()?;
    if overrides.is_empty() {
        return Ok(());
    }
    let text = config_text(&overrides)?;
    let (path, held) = private_file(text.as_bytes())?;
    let mut config = repo.config()?;
    config
        .add_file(&path, ConfigLevel::App, true)
        .map_err(|e| {
            Error::bad_input(format!(
                "bad configuration from git -c or GIT_CONFIG_*: {}",
                e.message()
            ))
        })?;
    if let Ok(mut files) = FILES.lock() {
        files.push(held);
    }
    Ok(())
}

/// The overrides in git's configuration format, in order (later wins; multi-valued keys keep
/// every value): `key = value` under `[section "subsection"]`, values quoted and escaped.
fn config_text(overrides: &[(String, Option<String>)]) -> Result<String> {
    let mut text = String::new();
    for (key, value) in overrides {
        let bad = || {
            Error::bad_input(format!("bad configuration key from git -c: {key}"))
                .hint("keys are section.name or section.subsection.name")
        };
        let (section, rest) = key.split_once('.').ok_or_else(bad)?;
        let (subsection, name) = match rest.rsplit_once('.') {
            Some((sub, name)) => (Some(sub), name),
            None => (None, rest),
        };
        let plain =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !plain(section) || !plain(name) || subsection.is_some_and(|s| s.contains('\n')) {
            return Err(bad());
        }
        match subsection {
            Some(sub) => text.push_str(&format!("[{section} \"{}\"]\n", escape(sub))),
            None => text.push_str(&format!("[{section}]\n")),
        }
        text.push_str(&format!(
            "\t{name} = \"{}\"\n",
            escape(value.as_deref().unwrap_or("true"))
        ));
    }
    Ok(text)
}

/// A value or subsection inside double quotes, as git's configuration format escapes it.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// A file only this process can read, holding `content`, and its path for libgit2.
fn private_file(content: &[u8]) -> Result<(std::path::PathBuf, Held)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let mut file = tempfile::tempfile()?;
        file.write_all(content)?;
        file.flush()?;
        let path = std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if path.exists() {
            return Ok((path, Held::Unnamed { _file: file }));
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("git-fastrevert-")
        .tempdir()?;
    let path = dir.path().join("config");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path)?.write_all(content)?;
    Ok((path, Held::Named { _dir: dir }))
}

#[cfg(test)]
mod tests {
    use super::{config_text, parse_parameters};

    /// Values with quotes, backslashes, newlines and tabs, subsections with dots and slashes,
    /// repeated keys: libgit2 reads back exactly what was given.
    #[test]
    fn override_values_read_back_exactly() {
        let overrides = vec![
            (
                "http.https://example.com/.extraheader".to_string(),
                Some("A: \"b\\c\"\n\td".to_string()),
            ),
            (
                "fastrevert.migrationPaths".to_string(),
                Some("a/**".to_string()),
            ),
            (
                "fastrevert.migrationPaths".to_string(),
                Some("b/**".to_string()),
            ),
            ("core.bare".to_string(), None),
        ];
        let text = config_text(&overrides).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, &text).unwrap();
        let config = git2::Config::open(&path).unwrap();
        assert_eq!(
            config
                .get_string("http.https://example.com/.extraheader")
                .unwrap(),
            "A: \"b\\c\"\n\td"
        );
        assert!(config.get_bool("core.bare").unwrap());
        let mut all = Vec::new();
        let mut entries = config.multivar("fastrevert.migrationpaths", None).unwrap();
        while let Some(Ok(e)) = entries.next() {
            all.push(e.value().unwrap().to_string());
        }
        assert_eq!(all, ["a/**", "b/**"]);
        assert!(config_text(&[("nodot".into(), None)]).is_err());
    }

    #[test]
    fn git_c_parameters_parse_in_both_encodings() {
        let parsed = parse_parameters(
            "'fastrevert.base'='prod' 'user.name=A B' 'core.bare' 'x.y'='it'\\''s' 'a.b'=",
        )
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                ("fastrevert.base".into(), Some("prod".into())),
                ("user.name".into(), Some("A B".into())),
                ("core.bare".into(), None),
                ("x.y".into(), Some("it's".into())),
                ("a.b".into(), Some(String::new())),
            ]
        );
        assert!(parse_parameters("'unterminated").is_none());
        assert!(parse_parameters("bare=word").is_none());
    }
}
