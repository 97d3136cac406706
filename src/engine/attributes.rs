//! The `merge` attribute of a path, as git finds it: `core.attributesFile`, then the
//! `.gitattributes` files from the top of the tree down to the path's folder, then
//! `$GIT_DIR/info/attributes`, later lines winning; patterns matched as git's `wildmatch` does;
//! the `binary` macro and `[attr]` macros expanded. The tree read is the one the revert lands
//! on (git reads the checkout's files, which is that tree when the base is checked out).

use std::collections::HashMap;

use git2::{ObjectType, Oid, Repository};

/// What an attribute is set to on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Set,
    Unset,
    Value(String),
    /// `!attr`: as if never mentioned.
    Unspecified,
}

/// How git merges a file's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Driver {
    /// Line by line (the default, `merge`, `merge=text`).
    Text,
    /// Never line by line: a conflict whenever both sides changed it (`-merge`, `binary`).
    Binary,
    /// Line by line, taking both sides' lines where they conflict (`merge=union`).
    Union,
    /// A driver of the user's (`merge=<name>` with `merge.<name>.driver`).
    Custom { name: String, command: String },
}

struct Line {
    pattern: Vec<u8>,
    /// Matched against the basename (a pattern without `/`).
    basename_only: bool,
    /// A trailing `/`: it names directories, never a file.
    dirs_only: bool,
    states: Vec<(String, State)>,
}

struct File {
    /// The folder the file applies to, with a trailing `/` ("" for the top and for the files
    /// outside the tree).
    dir: Vec<u8>,
    lines: Vec<Line>,
}

/// The attribute files of one tree, read as paths ask for them.
pub struct Attributes<'r> {
    repo: &'r Repository,
    tree: Oid,
    /// `core.attributesFile`, then `info/attributes` (they frame the tree's files).
    global: Option<File>,
    info: Option<File>,
    /// `.gitattributes` per folder of the tree (`None`: that folder has none).
    in_tree: HashMap<Vec<u8>, Option<File>>,
    macros: HashMap<String, Vec<(String, State)>>,
    merge_default: Option<String>,
}

impl<'r> Attributes<'r> {
    pub fn new(repo: &'r Repository, tree: Oid) -> Attributes<'r> {
        let config = repo.config().ok();
        let get = |key: &str| config.as_ref().and_then(|c| c.get_path(key).ok());
        let global_path = get("core.attributesFile").or_else(|| {
            let base = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".config"))
                })?;
            Some(base.join("git/attributes"))
        });
        let mut attrs = Attributes {
            repo,
            tree,
            global: None,
            info: None,
            in_tree: HashMap::new(),
            macros: HashMap::new(),
            merge_default: config
                .as_ref()
                .and_then(|c| c.get_string("merge.default").ok()),
        };
        attrs
            .macros
            .insert("binary".into(), parse_states("-diff -merge -text"));
        if let Some(text) = global_path.and_then(|p| std::fs::read(p).ok()) {
            attrs.global = Some(attrs.parse(&text, Vec::new(), true));
        }
        if let Ok(text) = std::fs::read(repo.commondir().join("info/attributes")) {
            attrs.info = Some(attrs.parse(&text, Vec::new(), true));
        }
        attrs
    }

    /// Read an attributes file; macro definitions count only where git allows them (the top
    /// of the tree and the files outside it).
    fn parse(&mut self, text: &[u8], dir: Vec<u8>, macros_allowed: bool) -> File {
        let mut lines = Vec::new();
        for raw in text.split(|&b| b == b'\n') {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            // git ignores a line of 2,048 bytes or more (ATTR_MAX_LINE_LENGTH).
            if raw.len() >= 2048 {
                continue;
            }
            let line = trim_start(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let (pattern, rest) = if line[0] == b'"' {
                match unquote(line) {
                    Some(found) => found,
                    None => continue,
                }
            } else {
                let end = line
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(line.len());
                (line[..end].to_vec(), &line[end..])
            };
            let states = parse_states(&String::from_utf8_lossy(rest));
            if let Some(name) = pattern.strip_prefix(b"[attr]") {
                if macros_allowed {
                    self.macros
                        .insert(String::from_utf8_lossy(name).into_owned(), states);
                }
                continue;
            }
            // Negative patterns mean nothing in attributes; git ignores them.
            if pattern.first() == Some(&b'!') || pattern.is_empty() {
                continue;
            }
            let mut pattern = pattern;
            let dirs_only = pattern.last() == Some(&b'/');
            if dirs_only {
                pattern.pop();
            }
            let basename_only = !pattern.contains(&b'/');
            if pattern.first() == Some(&b'/') {
                pattern.remove(0);
            }
            lines.push(Line {
                pattern,
                basename_only,
                dirs_only,
                states,
            });
        }
        File { dir, lines }
    }

    /// The `.gitattributes` of folder `dir` (with its trailing `/`) in the tree.
    fn load(&mut self, dir: &[u8]) {
        if self.in_tree.contains_key(dir) {
            return;
        }
        let file = self
            .read_blob(dir)
            .map(|text| self.parse(&text, dir.to_vec(), dir.is_empty()));
        self.in_tree.insert(dir.to_vec(), file);
    }

    fn read_blob(&self, dir: &[u8]) -> Option<Vec<u8>> {
        let tree = self.repo.find_tree(self.tree).ok()?;
        let mut path = dir.to_vec();
        path.extend_from_slice(b".gitattributes");
        let entry = tree.get_path(super::merge::as_path(&path)).ok()?;
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == crate::git::FileMode::LINK
        {
            return None;
        }
        Some(self.repo.find_blob(entry.id()).ok()?.content().to_vec())
    }

    /// The merge driver git would use for the file at `path`.
    pub fn driver(&mut self, path: &[u8]) -> Driver {
        let state = self.state(path, "merge");
        let name = match state {
            State::Set => return Driver::Text,
            State::Unset => return Driver::Binary,
            State::Value(v) => v,
            State::Unspecified => match &self.merge_default {
                Some(d) => d.clone(),
                None => return Driver::Text,
            },
        };
        let config = self.repo.config().ok();
        let command = config
            .as_ref()
            .and_then(|c| c.get_string(&format!("merge.{name}.driver")).ok());
        match (name.as_str(), command) {
            (_, Some(command)) => Driver::Custom { name, command },
            ("binary", None) => Driver::Binary,
            ("union", None) => Driver::Union,
            // git takes an unknown driver name as the line-by-line merge.
            _ => Driver::Text,
        }
    }

    /// The state of one attribute for a file.
    pub fn state(&mut self, path: &[u8], attr: &str) -> State {
        let mut dirs = vec![Vec::new()];
        for (i, &b) in path.iter().enumerate() {
            if b == b'/' {
                dirs.push(path[..=i].to_vec());
            }
        }
        for dir in &dirs {
            self.load(dir);
        }
        let mut state = State::Unspecified;
        let files = std::iter::once(self.global.as_ref())
            .chain(
                dirs.iter()
                    .map(|d| self.in_tree.get(d).and_then(Option::as_ref)),
            )
            .chain(std::iter::once(self.info.as_ref()))
            .flatten();
        for file in files {
            for line in &file.lines {
                if !line_matches(line, &file.dir, path) {
                    continue;
                }
                for (name, value) in &line.states {
                    apply(&self.macros, name, value, attr, &mut state, 0);
                }
            }
        }
        state
    }
}

/// Apply one `name=value` of a matching line to the attribute asked about, expanding macros.
fn apply(
    macros: &HashMap<String, Vec<(String, State)>>,
    name: &str,
    value: &State,
    attr: &str,
    state: &mut State,
    depth: usize,
) {
    if depth < 8 && *value == State::Set {
        if let Some(expansion) = macros.get(name) {
            for (n, v) in expansion {
                apply(macros, n, v, attr, state, depth + 1);
            }
        }
    }
    if name == attr {
        *state = value.clone();
    }
}

fn line_matches(line: &Line, dir: &[u8], path: &[u8]) -> bool {
    if line.dirs_only {
        return false;
    }
    if line.basename_only {
        let base = path
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(path, |i| &path[i + 1..]);
        return path.starts_with(dir) && wildmatch(&line.pattern, base, false);
    }
    match path.strip_prefix(dir) {
        Some(rest) => wildmatch(&line.pattern, rest, true),
        None => false,
    }
}

fn parse_states(text: &str) -> Vec<(String, State)> {
    text.split_ascii_whitespace()
        .filter_map(|word| {
            let (name, state) = if let Some(n) = word.strip_prefix('-') {
                (n.to_string(), State::Unset)
            } else if let Some(n) = word.strip_prefix('!') {
                (n.to_string(), State::Unspecified)
            } else if let Some((n, v)) = word.split_once('=') {
                (n.to_string(), State::Value(v.to_string()))
            } else {
                (word.to_string(), State::Set)
            };
            (!name.is_empty()).then_some((name, state))
        })
        .collect()
}

fn trim_start(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    &line[start..]
}

/// A C-quoted pattern (`"a b"`, `"caf\351"`) and the rest of the line.
fn unquote(line: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < line.len() {
        match line[i] {
            b'"' => return Some((out, &line[i + 1..])),
            b'\\' => {
                i += 1;
                let c = *line.get(i)?;
                match c {
                    b'0'..=b'3' => {
                        let digits = line.get(i..i + 3)?;
                        let value = std::str::from_utf8(digits).ok()?;
                        out.push(u8::from_str_radix(value, 8).ok()?);
                        i += 2;
                    }
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(11),
                    other => out.push(other),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    None
}

#[derive(PartialEq)]
enum Wild {
    Match,
    NoMatch,
    AbortAll,
    AbortToStarStar,
}

/// The attribute that says, in a tree's `.gitattributes`, whether a path is a migration:
/// `-fastrevert-migration` takes a path that a migration pattern matches out of the guard (a
/// module of code in a folder named `migrations`, a helper next to the migrations).
pub const MIGRATION_ATTRIBUTE: &str = "fastrevert-migration";

/// Which paths a tree's attributes mark `-fastrevert-migration`, read as git reads attributes
/// (the tree is the newer one of the range judged, where the migrations are).
pub struct MigrationMarks<'r>(Attributes<'r>);

impl<'r> MigrationMarks<'r> {
    pub fn new(repo: &'r crate::git::Repo, tree: Oid) -> MigrationMarks<'r> {
        MigrationMarks(Attributes::new(repo.raw(), tree))
    }

    /// Whether the path is marked as no migration.
    pub fn not_migration(&mut self, path: &[u8]) -> bool {
        self.0.state(path, MIGRATION_ATTRIBUTE) == State::Unset
    }
}

/// git's `wildmatch`: `*`, `?`, `[...]` classes, `\` escapes; with `pathname`, `*` and `?` stop
/// at `/` and `**` spans folders.
pub fn wildmatch(pattern: &[u8], text: &[u8], pathname: bool) -> bool {
    dowild(pattern, 0, text, 0, pathname) == Wild::Match
}

// Long because a port of git's wildmatch.c `dowild`, kept in git's shape so that the two read side
// by side.
fn dowild(p: &[u8], mut pi: usize, t: &[u8], mut ti: usize, pathname: bool) -> Wild {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    while pi < p.len() {
        let mut p_ch = p[pi];
        let t_ch = at(t, ti);
        if t_ch == 0 && p_ch != b'*' {
            return Wild::AbortAll;
        }
        match p_ch {
            b'?' => {
                if pathname && t_ch == b'/' {
                    return Wild::NoMatch;
                }
            }
            b'*' => {
                let match_slash;
                pi += 1;
                if at(p, pi) == b'*' {
                    let prev = pi.checked_sub(2);
                    while at(p, pi) == b'*' {
                        pi += 1;
                    }
                    let after = at(p, pi);
                    if (prev.is_none() || p[prev.unwrap_or(0)] == b'/')
                        && (after == 0
                            || after == b'/'
                            || (after == b'\\' && at(p, pi + 1) == b'/'))
                    {
                        if after == b'/' && dowild(p, pi + 1, t, ti, pathname) == Wild::Match {
                            return Wild::Match;
                        }
                        match_slash = true;
                    } else {
                        match_slash = false;
                    }
                } else {
                    match_slash = !pathname;
                }
                if pi >= p.len() {
                    if !match_slash && t[ti.min(t.len())..].contains(&b'/') {
                        return Wild::NoMatch;
                    }
                    return Wild::Match;
                } else if !match_slash && p[pi] == b'/' {
                    match t[ti.min(t.len())..].iter().position(|&b| b == b'/') {
                        Some(off) => {
                            ti += off;
                            // The slash itself is matched by the pattern's `/` below.
                            pi += 1;
                            ti += 1;
                            continue;
                        }
                        None => return Wild::NoMatch,
                    }
                }
                loop {
                    let mut t_ch = at(t, ti);
                    if t_ch == 0 {
                        break;
                    }
                    let next = p[pi];
                    if !matches!(next, b'*' | b'?' | b'[' | b'\\') {
                        while {
                            t_ch = at(t, ti);
                            t_ch != 0 && (match_slash || t_ch != b'/')
                        } {
                            if t_ch == next {
                                break;
                            }
                            ti += 1;
                        }
                        // As git: past a `**` the literal is nowhere further on, so no later
                        // start can match either; this is what keeps `**` from backtracking
                        // without end.
                        if t_ch != next {
                            return if match_slash {
                                Wild::AbortAll
                            } else {
                                Wild::NoMatch
                            };
                        }
                    }
                    let matched = dowild(p, pi, t, ti, pathname);
                    if matched != Wild::NoMatch {
                        if !match_slash || matched != Wild::AbortToStarStar {
                            return matched;
                        }
                    } else if !match_slash && t_ch == b'/' {
                        return Wild::AbortToStarStar;
                    }
                    ti += 1;
                }
                return Wild::AbortAll;
            }
            b'[' => {
                pi += 1;
                p_ch = at(p, pi);
                if p_ch == b'^' {
                    p_ch = b'!';
                }
                let negated = p_ch == b'!';
                if negated {
                    pi += 1;
                    p_ch = at(p, pi);
                }
                let mut prev_ch = 0u8;
                let mut matched = false;
                loop {
                    if p_ch == 0 {
                        return Wild::AbortAll;
                    }
                    if p_ch == b'\\' {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == 0 {
                            return Wild::AbortAll;
                        }
                        if t_ch == p_ch {
                            matched = true;
                        }
                    } else if p_ch == b'-'
                        && prev_ch != 0
                        && at(p, pi + 1) != 0
                        && at(p, pi + 1) != b']'
                    {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == b'\\' {
                            pi += 1;
                            p_ch = at(p, pi);
                            if p_ch == 0 {
                                return Wild::AbortAll;
                            }
                        }
                        if t_ch <= p_ch && t_ch >= prev_ch {
                            matched = true;
                        }
                        p_ch = 0;
                    } else if p_ch == b'[' && at(p, pi + 1) == b':' {
                        let start = pi + 2;
                        let mut end = start;
                        while at(p, end) != 0 && at(p, end) != b']' {
                            end += 1;
                        }
                        if at(p, end) == 0 {
                            return Wild::AbortAll;
                        }
                        if end == start || at(p, end - 1) != b':' {
                            // No ":]": a plain '[' in the set.
                            p_ch = b'[';
                            if t_ch == p_ch {
                                matched = true;
                            }
                        } else {
                            let class = &p[start..end - 1];
                            let c = t_ch;
                            let hit = match class {
                                b"alnum" => c.is_ascii_alphanumeric(),
                                b"alpha" => c.is_ascii_alphabetic(),
                                b"blank" => c == b' ' || c == b'\t',
                                b"cntrl" => c.is_ascii_control(),
                                b"digit" => c.is_ascii_digit(),
                                b"graph" => c.is_ascii_graphic(),
                                b"lower" => c.is_ascii_lowercase(),
                                b"print" => c.is_ascii_graphic() || c == b' ',
                                b"punct" => c.is_ascii_punctuation(),
                                b"space" => c.is_ascii_whitespace() || c == 11,
                                b"upper" => c.is_ascii_uppercase(),
                                b"xdigit" => c.is_ascii_hexdigit(),
                                _ => return Wild::AbortAll,
                            };
                            if hit {
                                matched = true;
                            }
                            pi = end;
                            p_ch = 0;
                        }
                    } else if t_ch == p_ch {
                        matched = true;
                    }
                    prev_ch = p_ch;
                    pi += 1;
                    p_ch = at(p, pi);
                    if p_ch == b']' {
                        break;
                    }
                }
                if matched == negated || (pathname && t_ch == b'/') {
                    return Wild::NoMatch;
                }
            }
            _ => {
                if p_ch == b'\\' {
                    pi += 1;
                    p_ch = at(p, pi);
                }
                if t_ch != p_ch {
                    return Wild::NoMatch;
                }
            }
        }
        pi += 1;
        ti += 1;
    }
    if ti < t.len() {
        Wild::NoMatch
    } else {
        Wild::Match
    }
}

#[cfg(test)]
mod tests {
    use super::{wildmatch, Attributes, Driver};

    /// Precedence (deeper files and later lines win), macros, anchored and basename patterns,
    /// and the drivers they name.
    #[test]
    fn merge_drivers_follow_gits_attribute_rules() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let mut config = repo.config().unwrap();
        config.set_str("merge.ours.driver", "true").unwrap();
        let files: &[(&str, &str)] = &[
            (
                ".gitattributes",
                "[attr]keep merge=union\n*.lock -merge\nCHANGELOG.md keep\n/top.txt merge=ours\ndocs/**/*.md binary\n\"sp ace.txt\" merge=union\n!neg merge=union\nlogs/ merge=union\n",
            ),
            ("sub/.gitattributes", "*.lock merge=text\nnested.txt merge=nosuchdriver\n[attr]ignored merge=union\nx.txt ignored\n"),
        ];
        let mut builder = git2::build::TreeUpdateBuilder::new();
        for (path, text) in files {
            let blob = repo.blob(text.as_bytes()).unwrap();
            builder.upsert(*path, blob, git2::FileMode::Blob);
        }
        let empty = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = builder
            .create_updated(&repo, &repo.find_tree(empty).unwrap())
            .unwrap();
        let mut attrs = Attributes::new(&repo, tree);
        let cases: &[(&str, Driver)] = &[
            ("yarn.lock", Driver::Binary),
            ("a/b/Cargo.lock", Driver::Binary),
            ("sub/yarn.lock", Driver::Text),
            ("CHANGELOG.md", Driver::Union),
            ("sub/CHANGELOG.md", Driver::Union),
            (
                "top.txt",
                Driver::Custom {
                    name: "ours".into(),
                    command: "true".into(),
                },
            ),
            ("sub/top.txt", Driver::Text),
            ("docs/a/b/c.md", Driver::Binary),
            ("docs/c.md", Driver::Binary),
            ("sp ace.txt", Driver::Union),
            ("neg", Driver::Text),
            ("logs", Driver::Text),
            ("sub/nested.txt", Driver::Text),
            // Macros defined below the top are ignored, as git ignores them.
            ("sub/x.txt", Driver::Text),
            ("plain.txt", Driver::Text),
        ];
        for (path, expect) in cases {
            assert_eq!(&attrs.driver(path.as_bytes()), expect, "{path}");
        }
    }

    #[test]
    fn wildmatch_agrees_with_gits_own_cases() {
        // From git's t/t3070-wildmatch.sh, with WM_PATHNAME (the `wildmatch` column).
        let cases: &[(&str, &str, bool)] = &[
            ("foo", "foo", true),
            ("bar", "foo", false),
            ("", "", true),
            ("???", "foo", true),
            ("??", "foo", false),
            ("*", "foo", true),
            ("f*", "foo", true),
            ("*f", "foo", false),
            ("*foo*", "foo", true),
            ("*ob*a*r*", "foobar", true),
            ("*ab", "aaaaaaabababab", true),
            ("foo\\*", "foo*", true),
            ("foo\\*bar", "foobar", false),
            ("f\\\\oo", "f\\oo", true),
            ("*[al]?", "ball", true),
            ("[ten]", "ten", false),
            ("**[!te]", "ten", true),
            ("**[!ten]", "ten", false),
            ("t[a-g]n", "ten", true),
            ("t[!a-g]n", "ten", false),
            ("t[!a-g]n", "ton", true),
            ("t[^a-g]n", "ton", true),
            ("a[]]b", "a]b", true),
            ("a[]-]b", "a-b", true),
            ("a[]-]b", "a]b", true),
            ("a[]-]b", "aab", false),
            ("a[]a-]b", "aab", true),
            ("]", "]", true),
            ("foo*bar", "foo/baz/bar", false),
            ("foo**bar", "foo/baz/bar", false),
            ("foo**bar", "foobazbar", true),
            ("foo/**/bar", "foo/baz/bar", true),
            ("foo/**/**/bar", "foo/baz/bar", true),
            ("foo/**/bar", "foo/b/a/z/bar", true),
            ("foo/**/**/bar", "foo/b/a/z/bar", true),
            ("foo/**/bar", "foo/bar", true),
            ("foo/**/**/bar", "foo/bar", true),
            ("foo?bar", "foo/bar", false),
            ("foo[/]bar", "foo/bar", false),
            ("foo[^a-z]bar", "foo/bar", false),
            ("f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", false),
            ("f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true),
            ("**/foo", "foo", true),
            ("**/foo", "XXX/foo", true),
            ("**/foo", "bar/baz/foo", true),
            ("*/foo", "bar/baz/foo", false),
            ("**/bar*", "foo/bar/baz", false),
            ("**/bar/*", "deep/foo/bar/baz", true),
            ("**/bar/*", "deep/foo/bar/baz/", false),
            ("**/bar/**", "deep/foo/bar/baz/", true),
            ("**/bar/*", "deep/foo/bar", false),
            ("**/bar/**", "deep/foo/bar/", true),
            ("**/bar**", "foo/bar/baz", false),
            ("*/bar/**", "foo/bar/baz/x", true),
            ("*/bar/**", "deep/foo/bar/baz/x", false),
            ("**/bar/*/*", "deep/foo/bar/baz/x", true),
            ("a[c-c]st", "acrt", false),
            ("a[c-c]rt", "acrt", true),
            ("[!]-]", "]", false),
            ("[!]-]", "a", true),
            ("\\", "", false),
            ("*/\\", "/\\", false),
            ("*/\\\\", "/\\", true),
            ("foo", "foo", true),
            ("@foo", "@foo", true),
            ("@foo", "foo", false),
            ("\\[ab]", "[ab]", true),
            ("[[]ab]", "[ab]", true),
            ("[[:]ab]", "[ab]", true),
            ("[[::]ab]", "[ab]", false),
            ("[[:digit]ab]", "[ab]", true),
            ("[\\[:]ab]", "[ab]", true),
            ("\\??\\?b", "?a?b", true),
            ("\\a\\b\\c", "abc", true),
            ("", "foo", false),
            ("**/t[o]", "foo/bar/baz/to", true),
            ("[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true),
            ("[[:digit:][:upper:][:space:]]", "a", false),
            ("[[:digit:][:upper:][:space:]]", "A", true),
            ("[[:digit:][:upper:][:space:]]", "1", true),
            ("[[:digit:][:upper:][:spaci:]]", "1", false),
            ("[[:xdigit:]]", "5", true),
            ("[a-c[:digit:]x-z]", "5", true),
            ("[a-c[:digit:]x-z]", "q", false),
            ("*/*/*", "foo/bba/arr", true),
            ("*/*/*", "foo/bb/aa/rr", false),
            ("**/**/**", "foo/bb/aa/rr", true),
            ("*X*i", "abcXdefXghi", true),
            ("*/*X*/*/*i", "ab/cXd/efXg/hi", true),
            ("**/*X*/**/*i", "ab/cXd/efXg/hi", true),
            (
                "-*-*-*-*-*-*-12-*-*-*-m-*-*-*",
                "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1",
                true,
            ),
            (
                "XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*",
                "XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1",
                false,
            ),
            (
                "**/*a*b*g*n*t",
                "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt",
                true,
            ),
            (
                "**/*a*b*g*n*t",
                "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz",
                false,
            ),
            ("*/*/*", "foo", false),
            ("*/*/*", "foo/bar", false),
            ("*/*/*", "foo/bar/baz", true),
            ("*/*/*", "foo/bar/baz/", false),
            ("**/*", "foo/bar/baz", true),
            ("**/*", "foo/bar/baz/", true),
            ("**/*", "foo", true),
        ];
        for (pattern, text, expect) in cases {
            assert_eq!(
                wildmatch(pattern.as_bytes(), text.as_bytes(), true),
                *expect,
                "wildmatch {pattern:?} {text:?}"
            );
        }
        // Without WM_PATHNAME a star crosses slashes (basename patterns never see one).
        assert!(wildmatch(b"foo*bar", b"foo/baz/bar", false));
    }
}
