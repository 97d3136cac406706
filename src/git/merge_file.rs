//! Content merges of one file as git's come out: git's own line merge (xdiff, in this process)
//! with the diff algorithm git's merges use (histogram unless `diff.algorithm` says otherwise),
//! and the merge drivers a repository names in `.gitattributes`, run as git runs them (the
//! three versions in private temporary files). Nothing is written to the repository.

use std::path::Path;
use std::process::{Command, Stdio};

use git2::Repository;

/// The result of merging one file's contents.
pub enum Merged {
    Clean(Vec<u8>),
    Conflict,
}

/// The diff algorithm git's merge uses here: `diff.algorithm` (read by `git revert` and `git
/// merge`), else histogram, git's default for merges since the ort strategy.
pub fn algorithm(repo: &Repository) -> String {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_string("diff.algorithm").ok())
        .map(|a| a.to_ascii_lowercase());
    match configured.as_deref() {
        Some("myers") | Some("default") => "myers".into(),
        Some("minimal") => "minimal".into(),
        Some("patience") => "patience".into(),
        _ => "histogram".into(),
    }
}

struct Versions {
    dir: tempfile::TempDir,
}

impl Versions {
    fn write(base: &[u8], ours: &[u8], theirs: &[u8]) -> std::io::Result<Versions> {
        let dir = tempfile::Builder::new()
            .prefix("git-fastrevert-merge-")
            .tempdir()?;
        std::fs::write(dir.path().join("base"), base)?;
        std::fs::write(dir.path().join("ours"), ours)?;
        std::fs::write(dir.path().join("theirs"), theirs)?;
        Ok(Versions { dir })
    }
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// git's line merge (`xdl_merge`, with git's diff algorithm, as `git revert` and `git merge`
/// run it) in this process: libgit2 carries git's xdiff, the same code as git 2.47's, but
/// offers only Myers and patience through its API. Clean, or a conflict.
// Long because the unsafe call into xdiff, with its buffers, invariants and clean-up, kept
// together.
pub fn merge_in_process(
    algorithm: &str,
    union: bool,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
) -> std::io::Result<Merged> {
    use std::os::raw::{c_char, c_int, c_long, c_ulong, c_void};

    // The layouts of xdiff.h in the libgit2 that libgit2-sys builds (pinned by Cargo.lock;
    // the tests compare results with `git merge-file`).
    #[repr(C)]
    struct MmFile {
        ptr: *const c_char,
        size: c_long,
    }
    #[repr(C)]
    struct MmBuffer {
        ptr: *mut c_char,
        size: c_long,
    }
    #[repr(C)]
    struct XpParam {
        flags: c_ulong,
        ignore_regex: *mut c_void,
        ignore_regex_nr: usize,
        anchors: *mut *mut c_char,
        anchors_nr: usize,
    }
    #[repr(C)]
    struct XmParam {
        xpp: XpParam,
        marker_size: c_int,
        level: c_int,
        favor: c_int,
        style: c_int,
        ancestor: *const c_char,
        file1: *const c_char,
        file2: *const c_char,
    }
    extern "C" {
        fn xdl_merge(
            orig: *const MmFile,
            mf1: *const MmFile,
            mf2: *const MmFile,
            xmp: *const XmParam,
            result: *mut MmBuffer,
        ) -> c_int;
    }
    const XDF_NEED_MINIMAL: c_ulong = 1 << 0;
    const XDF_PATIENCE_DIFF: c_ulong = 1 << 14;
    const XDF_HISTOGRAM_DIFF: c_ulong = 1 << 15;
    const XDL_MERGE_ZEALOUS: c_int = 2;
    const XDL_MERGE_FAVOR_UNION: c_int = 3;
    // xdiff takes sizes as `long`.
    const MAX: usize = 1 << 30;

    if [base, ours, theirs].iter().any(|b| b.len() > MAX) {
        return Err(std::io::Error::other("a file too large for a line merge"));
    }
    let file = |b: &[u8]| MmFile {
        ptr: b.as_ptr().cast(),
        size: b.len() as c_long,
    };
    let flags = match algorithm {
        "myers" => 0,
        "minimal" => XDF_NEED_MINIMAL,
        "patience" => XDF_PATIENCE_DIFF,
        _ => XDF_HISTOGRAM_DIFF,
    };
    let labels = [c"ours".as_ptr(), c"base".as_ptr(), c"theirs".as_ptr()];
    let param = XmParam {
        xpp: XpParam {
            flags,
            ignore_regex: std::ptr::null_mut(),
            ignore_regex_nr: 0,
            anchors: std::ptr::null_mut(),
            anchors_nr: 0,
        },
        marker_size: 7,
        level: XDL_MERGE_ZEALOUS,
        favor: if union { XDL_MERGE_FAVOR_UNION } else { 0 },
        style: 0,
        ancestor: labels[1],
        file1: labels[0],
        file2: labels[2],
    };
    // xdiff allocates through libgit2's allocator, which fails every request until the library
    // is initialised (git2 does it on first use; a merge may come first).
    libgit2_sys::init();
    let (orig, mf1, mf2) = (file(base), file(ours), file(theirs));
    let mut result = MmBuffer {
        ptr: std::ptr::null_mut(),
        size: 0,
    };
    // SAFETY: the inputs are borrowed slices that outlive the call, xdl_merge only reads them;
    // the parameter block is laid out as xdiff.h declares it; the result buffer is allocated
    // by libgit2's allocator, initialised above and never replaced here (the standard one,
    // malloc), and freed once below.
    let conflicts = unsafe { xdl_merge(&orig, &mf1, &mf2, &param, &mut result) };
    let content = if result.ptr.is_null() || result.size <= 0 {
        Vec::new()
    } else {
        // SAFETY: xdl_merge wrote `size` bytes at `ptr`.
        unsafe { std::slice::from_raw_parts(result.ptr.cast::<u8>(), result.size as usize) }
            .to_vec()
    };
    if !result.ptr.is_null() {
        // SAFETY: allocated by xdl_merge with malloc, not freed elsewhere.
        unsafe { libc::free(result.ptr.cast()) };
    }
    match conflicts {
        0 => Ok(Merged::Clean(content)),
        n if n > 0 => Ok(Merged::Conflict),
        _ => Err(std::io::Error::other("the line merge ran out of memory")),
    }
}

/// Run the merge driver `command` (`merge.<name>.driver`) as git does: `%O`, `%A`, `%B` the
/// base, ours (which receives the result) and theirs, `%L` the conflict marker size, `%P` the
/// path, `%S`/`%X`/`%Y` the labels; through the shell, in `workdir`. Exit 0 is a clean merge.
pub fn run_driver(
    command: &str,
    workdir: &Path,
    path: &[u8],
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
) -> std::io::Result<Merged> {
    let files = Versions::write(base, ours, theirs)?;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = String::new();
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            line.push(c);
            continue;
        }
        match chars.next() {
            Some('O') => line.push_str(&quote(&files.path("base").to_string_lossy())),
            Some('A') => line.push_str(&quote(&files.path("ours").to_string_lossy())),
            Some('B') => line.push_str(&quote(&files.path("theirs").to_string_lossy())),
            Some('L') => line.push('7'),
            Some('P') => line.push_str(&quote(&String::from_utf8_lossy(path))),
            Some('S') => line.push_str(&quote("base")),
            Some('X') => line.push_str(&quote("ours")),
            Some('Y') => line.push_str(&quote("theirs")),
            Some('%') => line.push('%'),
            Some(other) => {
                line.push('%');
                line.push(other);
            }
            None => line.push('%'),
        }
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(Merged::Clean(std::fs::read(files.path("ours"))?))
    } else {
        Ok(Merged::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `git merge-file -p` of the three versions, or `None` when this git cannot choose the
    /// diff algorithm (before 2.44).
    fn git_merge_file(
        algorithm: &str,
        union: bool,
        b: &[u8],
        o: &[u8],
        t: &[u8],
    ) -> Option<Merged> {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [("base", b), ("ours", o), ("theirs", t)] {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let mut cmd = Command::new("git");
        cmd.args(["merge-file", "-p", "-q"])
            .arg(format!("--diff-algorithm={algorithm}"));
        if union {
            cmd.arg("--union");
        }
        let out = cmd
            .arg("--")
            .args(["ours", "base", "theirs"].map(|n| dir.path().join(n)))
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => Some(Merged::Clean(out.stdout)),
            Some(129) => None,
            Some(_) => Some(Merged::Conflict),
            None => panic!("git merge-file was killed"),
        }
    }

    fn lines(n: usize, f: impl Fn(usize) -> String) -> Vec<u8> {
        (0..n).map(|i| f(i) + "\n").collect::<String>().into_bytes()
    }

    #[test]
    fn line_merges_in_process_come_out_as_git_merge_file() {
        let base = lines(60, |i| format!("line {i}"));
        // The base with line `at` replaced by `text`.
        let edit = |at: usize, text: &str| {
            lines(60, |i| {
                if i == at {
                    text.into()
                } else {
                    format!("line {i}")
                }
            })
        };
        let mut cases: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = vec![
            // Far apart: clean.
            (base.clone(), edit(3, "ours"), edit(50, "theirs")),
            // The same line: a conflict.
            (base.clone(), edit(30, "ours"), edit(30, "theirs")),
            // Adjacent lines: a conflict for git too.
            (base.clone(), edit(30, "ours"), edit(31, "theirs")),
            // No newline at the end, an empty side.
            (
                b"a\nb\nc".to_vec(),
                b"a\nB\nc".to_vec(),
                b"a\nb\nc\nd".to_vec(),
            ),
            (b"a\n".to_vec(), Vec::new(), b"a\n".to_vec()),
        ];
        // Repeated lines, where histogram and Myers choose different anchors.
        let braces = |extra: &str| {
            format!("fn a() {{\n}}\n\nfn b() {{\n}}\n{extra}\nfn c() {{\n    x();\n}}\n")
                .into_bytes()
        };
        cases.push((
            braces(""),
            braces("\nfn new() {\n}\n"),
            b"fn a() {\n}\n\nfn b() {\n    y();\n}\n\nfn c() {\n    x();\n}\n".to_vec(),
        ));
        let mut compared = 0;
        for algorithm in ["histogram", "myers", "patience", "minimal"] {
            for union in [false, true] {
                for (b, o, t) in &cases {
                    let Some(want) = git_merge_file(algorithm, union, b, o, t) else {
                        if std::env::var_os("FASTREVERT_TEST_REQUIRE_TOOLS").is_some() {
                            panic!("CI needs a git with merge-file --diff-algorithm (2.44+)");
                        }
                        eprintln!("skipped: the git here is older than 2.44 (CI runs this test)");
                        return;
                    };
                    let got = merge_in_process(algorithm, union, b, o, t)
                        .unwrap_or_else(|e| panic!("{algorithm} {union} {b:?} {o:?} {t:?}: {e}"));
                    let show = |m: &Merged| match m {
                        Merged::Clean(c) => String::from_utf8_lossy(c).into_owned(),
                        Merged::Conflict => "<conflict>".into(),
                    };
                    assert_eq!(show(&got), show(&want), "{algorithm} union={union}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 4 * 2 * cases.len());
    }
}
