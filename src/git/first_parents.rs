//! The base branch's first-parent line, remembered between runs.
//!
//! Rolling back far means counting the first-parent commits between the base tip and the
//! target: one commit read per step, as long as `git rev-list --first-parent` takes. Each step's
//! answer never changes (a commit's first parent is part of its id), so the line walked is kept
//! in `<git dir>/fastrevert/first-parents`, newest first, and the next run walks only from its
//! base tip to where it meets that line. Only a cache: safe to delete, checked where it is used.

use std::collections::HashMap;

use git2::{Oid, Repository};

use crate::error::Result;

const MAGIC: &[u8; 8] = b"FRFP0001";
/// The line kept: deeper rollbacks walk past it (and extend it up to this).
const CAP: usize = 1 << 15;

/// How far a walk goes before giving up (the caller then asks the full history).
#[derive(Clone, Copy)]
pub struct Bounds {
    /// Commits walked at most.
    pub steps: usize,
    /// Stop at a commit older than the target by more than this (seconds): dates on a line
    /// only rarely go back, and then the full walk answers.
    pub skew: i64,
}

/// For counting what a rollback undoes: go far.
pub const FAR: Bounds = Bounds {
    steps: 100_000,
    skew: 24 * 60 * 60,
};

/// For a quick "is it on the line?" whose answer no is checked another way: give up early.
pub const NEAR: Bounds = Bounds {
    steps: 2_000,
    skew: 0,
};

/// The quick look when git's commit-graph answers the rest in milliseconds: a walk of more than
/// this costs more than asking git.
pub const SHORT: Bounds = Bounds {
    steps: 400,
    skew: 0,
};

/// The first-parent commits of `base` down to `target` (excluded): the newest `keep`, and how
/// many there are.
pub struct Line {
    pub newest: Vec<Oid>,
    pub count: usize,
}

const NAME: &str = "first-parents";

fn load(repo: &Repository) -> Vec<Oid> {
    let Some(body) = super::cache::read(&super::cache::path(repo, NAME), MAGIC) else {
        return Vec::new();
    };
    if body.len() % 20 != 0 {
        return Vec::new();
    }
    body.chunks_exact(20)
        .map(Oid::from_bytes)
        .collect::<std::result::Result<_, _>>()
        .unwrap_or_default()
}

fn save(repo: &Repository, chain: &[Oid]) -> std::io::Result<()> {
    let body: Vec<u8> = chain
        .iter()
        .flat_map(|oid| oid.as_bytes())
        .copied()
        .collect();
    super::cache::write(&super::cache::path(repo, NAME), MAGIC, &body)
}

/// A commit's first parent and committer time, from its header alone (no commit object built).
/// `None` when it cannot be read (a shallow clone's boundary) or has no parent.
fn step(odb: &git2::Odb, oid: Oid) -> Option<(Oid, i64)> {
    let raw = odb.read(oid).ok()?;
    let mut parent = None;
    for line in raw.data().split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if parent.is_none() {
            if let Some(hex) = line.strip_prefix(b"parent ") {
                parent = Oid::from_str(std::str::from_utf8(hex).ok()?).ok();
            }
        }
        if let Some(who) = line.strip_prefix(b"committer ") {
            // "Name <email> 1700000000 +0000": the time is the second field from the end.
            let time = std::str::from_utf8(who.rsplit(|&b| b == b' ').nth(1)?)
                .ok()?
                .parse()
                .ok()?;
            return Some((parent?, time));
        }
    }
    None
}

/// The remembered line of one repository, read once; `line_to` may be asked several times and
/// `save` writes what they learnt.
pub struct FirstParents<'r> {
    repo: &'r Repository,
    chain: Vec<Oid>,
    changed: bool,
}

impl<'r> FirstParents<'r> {
    pub fn load(repo: &'r super::Repo) -> FirstParents<'r> {
        let repo = repo.raw();
        FirstParents {
            repo,
            chain: load(repo),
            changed: false,
        }
    }

    /// Follow first parents from `base` until `target`, using and extending the remembered
    /// line. `None` when the target is not on the line (or not met within the limits): the
    /// caller then walks the history in full.
    pub fn line_to(
        &mut self,
        base: Oid,
        target: Oid,
        keep: usize,
        bounds: Bounds,
    ) -> Result<Option<Line>> {
        let found = match walk(self.repo, &self.chain, base, target, bounds)? {
            Outcome::Damaged => {
                self.chain.clear();
                self.changed = true;
                walk(self.repo, &self.chain, base, target, bounds)?
            }
            other => other,
        };
        let Outcome::Found(Walk {
            ahead,
            meet,
            behind,
        }) = found
        else {
            return Ok(None);
        };
        let chain = &self.chain;
        let (from_chain, count) = match meet {
            Some((p, q)) => (&chain[p..q], ahead.len() + (q - p) + behind.len()),
            None => (&chain[..0], ahead.len()),
        };
        let newest = ahead
            .iter()
            .chain(from_chain)
            .chain(&behind)
            .take(keep)
            .copied()
            .collect();
        let line: Option<Vec<Oid>> = match meet {
            // `chain[p..]` continues `ahead`, and what was walked past its end (if anything)
            // continues that.
            Some((p, _)) => Some(
                ahead
                    .iter()
                    .chain(&chain[p..])
                    .chain(&behind)
                    .take(CAP)
                    .copied()
                    .collect(),
            ),
            // Not connected to the remembered line: keep that one unless there is none.
            None if chain.is_empty() => Some(ahead.iter().take(CAP).copied().collect()),
            None => None,
        };
        if let Some(line) = line.filter(|line| *line != self.chain) {
            self.chain = line;
            self.changed = true;
        }
        Ok(Some(Line { newest, count }))
    }

    /// Write the line back if the walks changed it. Not written (read-only repository): the
    /// next run walks again.
    pub fn save(&self) {
        if self.changed {
            let _ = save(self.repo, &self.chain);
        }
    }
}

enum Outcome {
    Found(Walk),
    /// Not on the first-parent line (or not met within the limits).
    NotFound,
    /// The remembered line does not hold where it gave the answer.
    Damaged,
}

struct Walk {
    /// Walked from the base before meeting the remembered line (or reaching the target).
    ahead: Vec<Oid>,
    /// Where the walk met the line (`p`) and where the target sits on it (`q`, or the line's
    /// length when the target lies beyond its end).
    meet: Option<(usize, usize)>,
    /// Walked past the line's end to reach the target.
    behind: Vec<Oid>,
}

fn walk(
    repo: &Repository,
    chain: &[Oid],
    base: Oid,
    target: Oid,
    bounds: Bounds,
) -> Result<Outcome> {
    let odb = repo.odb()?;
    let target_time = repo.find_commit(target)?.time().seconds();
    // Where the walk from the base meets the remembered line: at its tip, or (when the base is
    // not the tip) wherever the map says.
    let positions: Option<HashMap<Oid, usize>> = (chain.first().is_some_and(|&tip| tip != base))
        .then(|| chain.iter().enumerate().map(|(i, &oid)| (oid, i)).collect());
    let meets = |oid: Oid| match &positions {
        Some(map) => map.get(&oid).copied(),
        None => (chain.first() == Some(&oid)).then_some(0),
    };
    // Follow first parents from `from` until the target, the remembered line, or `budget` steps.
    let follow =
        |from: Oid, walked: &mut Vec<Oid>, budget: usize, meets: &dyn Fn(Oid) -> Option<usize>| {
            let mut at = from;
            loop {
                if at == target {
                    return Stop::Target;
                }
                if let Some(p) = meets(at) {
                    return Stop::Meets(p);
                }
                match step(&odb, at) {
                    Some((parent, time))
                        if time >= target_time - bounds.skew && walked.len() < budget =>
                    {
                        walked.push(at);
                        at = parent;
                    }
                    _ => return Stop::GaveUp,
                }
            }
        };
    let mut ahead = Vec::new();
    let p = match follow(base, &mut ahead, bounds.steps, &meets) {
        Stop::Target => {
            return Ok(Outcome::Found(Walk {
                ahead,
                meet: None,
                behind: Vec::new(),
            }))
        }
        Stop::Meets(p) => p,
        Stop::GaveUp => return Ok(Outcome::NotFound),
    };
    if let Some(offset) = chain[p..].iter().position(|&c| c == target) {
        let q = p + offset;
        // The file is only a cache: check the link that gives the answer.
        if q > 0 && step(&odb, chain[q - 1]).map(|s| s.0) != Some(target) {
            return Ok(Outcome::Damaged);
        }
        return Ok(Outcome::Found(Walk {
            ahead,
            meet: Some((p, q)),
            behind: Vec::new(),
        }));
    }
    // Beyond the remembered line: go on from its last commit, within what is left of the bounds.
    let Some((next, _)) = chain.last().and_then(|&last| step(&odb, last)) else {
        return Ok(Outcome::NotFound);
    };
    let mut behind = Vec::new();
    let budget = bounds.steps.saturating_sub(ahead.len());
    match follow(next, &mut behind, budget, &|_| None) {
        Stop::Target => Ok(Outcome::Found(Walk {
            ahead,
            meet: Some((p, chain.len())),
            behind,
        })),
        _ => Ok(Outcome::NotFound),
    }
}

enum Stop {
    Target,
    Meets(usize),
    GaveUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history whose main line has merges (second parents off the line) and some old dates.
    fn history(repo: &Repository, commits: usize) -> Vec<Oid> {
        crate::git::testing::history_with_merges(repo, commits, 5).0
    }

    /// One run: read the line, walk, and save unless it is a dry run.
    fn line_to(
        repo: &Repository,
        base: Oid,
        target: Oid,
        keep: usize,
        bounds: Bounds,
        persist: bool,
    ) -> Result<Option<Line>> {
        let repo = super::super::Repo::new(Repository::open(repo.path()).unwrap());
        let mut remembered = FirstParents::load(&repo);
        let line = remembered.line_to(base, target, keep, bounds)?;
        if persist {
            remembered.save();
        }
        Ok(line)
    }

    fn check(repo: &Repository, line: &[Oid], base: usize, target: usize, persist: bool) {
        let got = line_to(repo, line[base], line[target], 50, FAR, persist)
            .unwrap()
            .unwrap_or_else(|| panic!("{base} -> {target} not found"));
        assert_eq!(got.count, target - base, "{base} -> {target}");
        let want: Vec<Oid> = line[base..target].iter().take(50).copied().collect();
        assert_eq!(got.newest, want, "{base} -> {target}");
    }

    #[test]
    fn counts_and_lists_the_same_with_and_without_the_remembered_line() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let line = history(&repo, 400);
        // Dry run first: nothing written.
        check(&repo, &line, 10, 200, false);
        assert!(!crate::git::cache::path(&repo, NAME).exists());
        // Cold, then from the cache, then deeper than the cache, from a newer and an older base.
        for (base, target) in [
            (10, 200),
            (10, 200),
            (10, 120),
            (10, 390),
            (3, 390),
            (0, 399),
            (0, 0),
            (150, 151),
            (20, 300),
        ] {
            check(&repo, &line, base, target, true);
        }
        // Remembered from the last base down to the deepest target's child.
        assert!(
            load(&repo) == line[20..399],
            "the line walked is remembered"
        );

        // A commit off the line (a merge's second parent) is not found by this walk.
        let merge = repo.find_commit(line[5]).unwrap();
        assert_eq!(merge.parent_count(), 2);
        let side = merge.parent_id(1).unwrap();
        for bounds in [FAR, NEAR] {
            assert!(line_to(&repo, line[0], side, 50, bounds, true)
                .unwrap()
                .is_none());
        }
        // The near walk still finds what is on the line, remembered or not.
        let near = line_to(&repo, line[0], line[300], 0, NEAR, false)
            .unwrap()
            .unwrap();
        assert_eq!((near.count, near.newest.len()), (300, 0));

        // A damaged file is not believed.
        let mut wrong = line.clone();
        wrong.swap(100, 101);
        save(&repo, &wrong).unwrap();
        check(&repo, &line, 0, 101, true);
        std::fs::write(crate::git::cache::path(&repo, NAME), b"FRFP0001garbage").unwrap();
        check(&repo, &line, 0, 250, true);
    }
}
