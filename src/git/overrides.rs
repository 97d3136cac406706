//! `git -c key=value` reaches a program run as `git fastrevert` through `GIT_CONFIG_PARAMETERS`
//! (and `git --config-env` / `GIT_CONFIG_COUNT` through `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`).
//! libgit2 reads neither, so the values are written to a private file that is added at the
//! highest level of the repository's configuration, as git layers them, and removed when the
//! process ends.

use std::sync::Mutex;

use git2::{ConfigLevel, Repository};

use crate::error::{Error, Result};

/// The files behind the overrides, removed (dropped) when the command is done.
static FILES: Mutex<Vec<tempfile::TempPath>> = Mutex::new(Vec::new());

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
    let file = tempfile::Builder::new()
        .prefix("git-fastrevert-config-")
        .tempfile()?
        .into_temp_path();
    let mut config = repo.config()?;
    config.add_file(&file, ConfigLevel::App, true)?;
    let mut level = config.open_level(ConfigLevel::App)?;
    for (key, value) in &overrides {
        // A regex no value matches: every value is added, so multi-valued keys keep them all.
        level
            .set_multivar(key, "a^", value.as_deref().unwrap_or("true"))
            .map_err(|e| {
                Error::bad_input(format!(
                    "bad configuration from git -c: {key}: {}",
                    e.message()
                ))
            })?;
    }
    if let Ok(mut files) = FILES.lock() {
        files.push(file);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_parameters;

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
