//! Every commit the base branch holds, remembered between runs.
//!
//! "Is this commit on the base?" is asked of every revert and rollback. For a commit off the
//! first-parent line, libgit2 answers with a walk of the whole history (most of a second on
//! git.git) and git needs its commit-graph to do better. The set of commits reachable from the
//! base tip only grows while the branch moves forward, so it is kept, sorted, in
//! `<git dir>/fastrevert/reach`, with the tip it was built for; the next run walks only from
//! its base tip down to commits already in the set. A base that moved backwards or sideways
//! (a force push) rebuilds it. Only a cache: safe to delete, checksummed, never half-written.

use std::collections::HashSet;

use git2::Oid;

const MAGIC: &[u8; 8] = b"FRRS0002";
const NAME: &str = "reach";
const ID: usize = 20;
const BUCKETS: usize = 256;
/// After the magic: the tip, how many ids start with each byte or less (u32 each), a checksum
/// of each bucket of ids (u64 each), a checksum of all that; then the sorted ids. A lookup
/// reads the header and one bucket (1/256 of the ids), each checked by its own sum.
const HEADER: usize = ID + BUCKETS * 4 + BUCKETS * 8 + 8;

/// The commits reachable from one tip.
pub struct Reach<'r> {
    repo: &'r super::Repo,
    /// The header as read (or made), when there is a set.
    header: Option<Vec<u8>>,
    /// All the sorted ids, once read in full (to extend the set) or made.
    ids: Option<Vec<u8>>,
    changed: bool,
    /// A tip the set was found not to reach (the base moved back or sideways): asked again,
    /// it is rebuilt without walking down to the set a second time.
    unreachable_from: Option<Oid>,
}

/// How the answer was found, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The remembered set, already at the base tip.
    Remembered,
    /// The remembered set, extended by the commits the base gained since.
    Extended(usize),
    /// The set built now from the whole history.
    Built(usize),
}

fn u32_at(bytes: &[u8], i: usize) -> usize {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[i..i + 4]);
    u32::from_le_bytes(b) as usize
}

fn u64_at(bytes: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[i..i + 8]);
    u64::from_le_bytes(b)
}

/// The ids of bucket `b` lie at `[start, end)` (in ids).
fn bucket(header: &[u8], b: usize) -> (usize, usize) {
    let end = u32_at(header, ID + b * 4);
    let start = if b == 0 {
        0
    } else {
        u32_at(header, ID + (b - 1) * 4)
    };
    (start, end.max(start))
}

fn bucket_sum(header: &[u8], b: usize) -> u64 {
    u64_at(header, ID + BUCKETS * 4 + b * 8)
}

fn make_header(tip: Oid, ids: &[u8]) -> Vec<u8> {
    let mut counts = [0usize; BUCKETS];
    for id in ids.chunks_exact(ID) {
        counts[usize::from(id[0])] += 1;
    }
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(tip.as_bytes());
    let mut total = 0;
    let mut bounds = Vec::with_capacity(BUCKETS);
    for c in counts {
        bounds.push((total, total + c));
        total += c;
        // Sets beyond 4 billion commits are not made (see `replace`).
        header.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_le_bytes());
    }
    for (start, end) in bounds {
        let sum = super::cache::checksum(&ids[start * ID..end * ID]);
        header.extend_from_slice(&sum.to_le_bytes());
    }
    let sum = super::cache::checksum(&header);
    header.extend_from_slice(&sum.to_le_bytes());
    header
}

fn search(ids: &[u8], want: &[u8]) -> bool {
    let n = ids.len() / ID;
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match ids[mid * ID..(mid + 1) * ID].cmp(want) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

impl<'r> Reach<'r> {
    /// The remembered set's header, if there is one whose header is whole.
    pub fn load(repo: &'r super::Repo) -> Reach<'r> {
        let header = read_header(&super::cache::path(repo.raw(), NAME));
        Reach {
            repo,
            header,
            ids: None,
            changed: false,
            unreachable_from: None,
        }
    }

    /// Whether a set is remembered (for any tip).
    pub fn is_remembered(&self) -> bool {
        self.header.is_some()
    }

    fn tip(&self) -> Option<Oid> {
        self.header
            .as_ref()
            .and_then(|h| Oid::from_bytes(&h[..ID]).ok())
    }

    /// Whether the set holds `id`: from the ids in memory, else from its bucket on disk.
    /// `None` when the bucket cannot be read or does not match its sum.
    fn holds(&self, id: Oid) -> Option<bool> {
        let want = id.as_bytes();
        if let Some(ids) = &self.ids {
            return Some(search(ids, want));
        }
        let header = self.header.as_ref()?;
        let b = usize::from(want[0]);
        let (start, end) = bucket(header, b);
        let file = std::fs::File::open(super::cache::path(self.repo.raw(), NAME)).ok()?;
        let offset = (MAGIC.len() + HEADER + start * ID) as u64;
        let len = (end - start) * ID;
        if offset + len as u64 > file.metadata().ok()?.len() {
            return None;
        }
        let mut ids = vec![0u8; len];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut ids, offset).ok()?;
        (super::cache::checksum(&ids) == bucket_sum(header, b)).then(|| search(&ids, want))
    }

    /// Read every id (to extend the set); false when the file does not hold together.
    fn read_all(&mut self) -> bool {
        if self.ids.is_some() {
            return true;
        }
        let Some(body) = super::cache::read(&super::cache::path(self.repo.raw(), NAME), MAGIC)
        else {
            return false;
        };
        if body.len() < HEADER || (body.len() - HEADER) % ID != 0 {
            return false;
        }
        let (header, ids) = body.split_at(HEADER);
        if self.header.as_deref() != Some(header) {
            return false;
        }
        self.ids = Some(ids.to_vec());
        true
    }

    /// Bring the set to `tip`: extend it when `tip` descends from the remembered tip; build it
    /// from the whole history (only if `build`) when there is none or the branch moved
    /// backwards or sideways. `None` when it could not be brought there (not allowed to build,
    /// or a commit that cannot be read, as at a shallow clone's boundary): the caller asks
    /// another way.
    pub fn at(&mut self, tip: Oid, build: bool) -> Option<Source> {
        if self.tip() == Some(tip) {
            return Some(Source::Remembered);
        }
        let odb = self.repo.raw().odb().ok()?;
        let tried = self.unreachable_from == Some(tip);
        if let Some(old) = self.tip().filter(|_| !tried && self.read_all()) {
            let ids = self.ids.as_deref().unwrap_or_default();
            let mut met_old = false;
            let new = walk(&odb, tip, |id| {
                met_old |= id == old;
                id == old || search(ids, id.as_bytes())
            })?;
            // Every commit the walk stopped at is in the set, and so are all its ancestors;
            // only if one of them is the old tip is the whole set reachable from `tip`.
            if met_old {
                let added = new.len();
                self.replace(tip, new)?;
                return Some(Source::Extended(added));
            }
            self.unreachable_from = Some(tip);
        }
        if !build {
            return None;
        }
        let all = match self.repo.commits_by_commit_graph(tip) {
            Some(all) => all,
            None => walk(&odb, tip, |_| false)?,
        };
        let count = all.len();
        self.ids = Some(Vec::new());
        self.replace(tip, all)?;
        Some(Source::Built(count))
    }

    /// The set is known not to reach `tip` (an earlier question walked down to it in vain).
    pub fn known_unreachable(&mut self, tip: Oid) {
        self.unreachable_from = Some(tip);
    }

    /// Whether a walk from `tip` found that the set does not reach it.
    pub fn found_unreachable(&self, tip: Oid) -> bool {
        self.unreachable_from == Some(tip)
    }

    /// Whether `commit` is `tip` or one of its ancestors; `None` when the set cannot be
    /// brought to `tip` or read (see `at`).
    pub fn reaches(&mut self, tip: Oid, commit: Oid, build: bool) -> Option<(bool, Source)> {
        let source = self.at(tip, build)?;
        let yes = commit == tip || self.holds(commit)?;
        Some((yes, source))
    }

    /// Merge `new` (ids not in the set) into the set and make `tip` its tip. `None` for a set
    /// too large to count in the header.
    fn replace(&mut self, tip: Oid, mut new: Vec<Oid>) -> Option<()> {
        new.sort_unstable();
        let old = self.ids.take().unwrap_or_default();
        if old.len() / ID + new.len() >= u32::MAX as usize {
            return None;
        }
        let mut ids = Vec::with_capacity(old.len() + new.len() * ID);
        let mut rest = old.chunks_exact(ID).peekable();
        for id in &new {
            while let Some(o) = rest.next_if(|o| *o < id.as_bytes()) {
                ids.extend_from_slice(o);
            }
            ids.extend_from_slice(id.as_bytes());
        }
        for o in rest {
            ids.extend_from_slice(o);
        }
        self.header = Some(make_header(tip, &ids));
        self.ids = Some(ids);
        self.changed = true;
        Some(())
    }

    /// Write the set back if it changed. Not written (read-only repository): the next run
    /// walks again.
    pub fn save(&self) {
        let (Some(header), Some(ids), true) = (&self.header, &self.ids, self.changed) else {
            return;
        };
        let mut body = Vec::with_capacity(header.len() + ids.len());
        body.extend_from_slice(header);
        body.extend_from_slice(ids);
        let _ = super::cache::write(&super::cache::path(self.repo.raw(), NAME), MAGIC, &body);
    }
}

/// The header of the file at `path`, if it starts with the magic and matches its own sum.
fn read_header(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut bytes = vec![0u8; MAGIC.len() + HEADER];
    file.read_exact(&mut bytes).ok()?;
    let header = bytes.strip_prefix(MAGIC.as_slice())?;
    let (head, sum) = header.split_at(HEADER - 8);
    (super::cache::checksum(head) == u64_at(sum, 0)).then(|| header.to_vec())
}

/// Every commit reachable from `from` without passing a commit for which `stop` holds (those
/// are not included). `None` when a commit cannot be read.
fn walk(odb: &git2::Odb, from: Oid, mut stop: impl FnMut(Oid) -> bool) -> Option<Vec<Oid>> {
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut found = Vec::new();
    let mut stack = vec![from];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if stop(id) {
            continue;
        }
        found.push(id);
        let raw = odb.read(id).ok()?;
        if raw.kind() != git2::ObjectType::Commit {
            return None;
        }
        for line in raw.data().split(|&b| b == b'\n') {
            if line.is_empty() {
                break;
            }
            if let Some(hex) = line.strip_prefix(b"parent ") {
                stack.push(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
            } else if line.starts_with(b"author ") {
                break;
            }
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Repository;

    /// A history with merges: a main line, side branches merged into it, and one branch never
    /// merged. Returns (main line newest first, side commits, the unmerged commit).
    fn history(repo: &Repository, commits: usize) -> (Vec<Oid>, Vec<Oid>, Oid) {
        let (line, sides) = crate::git::testing::history_with_merges(repo, commits, 4);
        let tree = repo.find_commit(line[0]).unwrap().tree().unwrap();
        let sig = git2::Signature::now("T", "t@example.com").unwrap();
        let oldest = repo.find_commit(line[line.len() - 1]).unwrap();
        let unmerged = repo
            .commit(None, &sig, &sig, "unmerged", &tree, &[&oldest])
            .unwrap();
        (line, sides, unmerged)
    }

    fn answer(repo: &Repository, tip: Oid, commit: Oid, build: bool) -> Option<(bool, Source)> {
        let repo = super::super::Repo::new(Repository::open(repo.path()).unwrap());
        let mut reach = Reach::load(&repo);
        let got = reach.reaches(tip, commit, build);
        reach.save();
        got
    }

    #[test]
    fn answers_as_the_ancestry_walk_when_built_extended_and_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let (line, sides, unmerged) = history(&repo, 200);
        // Nothing remembered and not allowed to build: no answer.
        assert_eq!(answer(&repo, line[50], line[60], false), None);
        // Built at an older tip, then extended to the newest, then asked of an older tip
        // (the branch moved back): rebuilt, never a stale yes.
        let (_, source) = answer(&repo, line[50], line[60], true).unwrap();
        assert_eq!(
            source,
            Source::Built(
                150 + sides
                    .iter()
                    .filter(|s| { repo.graph_descendant_of(line[50], **s).unwrap() })
                    .count()
            )
        );
        assert!(matches!(
            answer(&repo, line[0], line[60], false).unwrap().1,
            Source::Extended(n) if n > 50
        ));
        assert_eq!(
            answer(&repo, line[0], line[1], false).unwrap().1,
            Source::Remembered
        );
        let probes: Vec<Oid> = line
            .iter()
            .chain(&sides)
            .chain([&unmerged])
            .copied()
            .collect();
        for tip in [line[0], line[120]] {
            for &c in &probes {
                let want = c == tip || repo.graph_descendant_of(tip, c).unwrap();
                let (got, _) = answer(&repo, tip, c, true).unwrap();
                assert_eq!(got, want, "{c} from {tip}");
            }
        }
        // A set made for the unmerged branch is not extended to the main line.
        answer(&repo, unmerged, line[199], true).unwrap();
        assert_eq!(answer(&repo, line[0], unmerged, false), None);
        let (yes, source) = answer(&repo, line[0], unmerged, true).unwrap();
        assert!(!yes);
        assert!(matches!(source, Source::Built(_)));
    }

    /// A set that cannot reach the tip (a force push) is found so once: the question that may
    /// build says it is known and rebuilds without walking down to the set again.
    #[test]
    fn a_set_found_not_to_reach_the_tip_is_rebuilt_without_a_second_walk() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Repository::init_bare(dir.path()).unwrap();
        let (line, _sides, unmerged) = history(&raw, 60);
        let repo = super::super::Repo::new(Repository::open(dir.path()).unwrap());
        let mut reach = Reach::load(&repo);
        assert!(reach.at(unmerged, true).is_some());
        reach.save();
        let mut reach = Reach::load(&repo);
        assert_eq!(reach.at(line[0], false), None);
        assert!(reach.found_unreachable(line[0]));
        let mut again = Reach::load(&repo);
        again.known_unreachable(line[0]);
        assert!(matches!(again.at(line[0], true), Some(Source::Built(_))));
        assert_eq!(again.holds(line[59]), Some(true));
        assert_eq!(again.holds(unmerged), Some(false));
    }

    #[test]
    fn built_from_git_rev_list_where_git_keeps_a_commit_graph() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let (line, sides, unmerged) = history(&repo, 80);
        let walked = answer(&repo, line[0], line[1], true).unwrap().1;
        std::fs::remove_file(crate::git::cache::path(&repo, NAME)).unwrap();
        // git's commit-graph covers what refs reach: name the tip.
        repo.reference("refs/heads/main", line[0], true, "test")
            .unwrap();
        let graph = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(repo.path())
            .args(["commit-graph", "write", "--reachable"])
            .status()
            .unwrap();
        assert!(graph.success());
        assert!(dir.path().join("objects/info/commit-graph").is_file());
        let listed = answer(&repo, line[0], line[1], true).unwrap().1;
        assert_eq!(listed, walked, "the same set, by git rev-list");
        for &c in line.iter().chain(&sides).chain([&unmerged]) {
            let (yes, _) = answer(&repo, line[0], c, false).unwrap();
            assert_eq!(yes, c != unmerged, "{c}");
        }
    }

    #[test]
    fn a_damaged_set_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let (line, sides, unmerged) = history(&repo, 60);
        answer(&repo, line[0], line[1], true).unwrap();
        let path = crate::git::cache::path(&repo, NAME);
        let whole = std::fs::read(&path).unwrap();
        // An id changed inside a bucket: that bucket's sum no longer matches.
        let mut bytes = whole.clone();
        let at = MAGIC.len() + HEADER + 5;
        bytes[at] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        // The changed id is the smallest in the set: its bucket is refused, not misread.
        let smallest = *line.iter().chain(&sides).min().unwrap();
        assert_eq!(answer(&repo, line[0], smallest, false), None);
        for &c in line.iter().chain(&sides).chain([&unmerged]) {
            if c.as_bytes()[0] == smallest.as_bytes()[0] {
                continue;
            }
            let (yes, _) = answer(&repo, line[0], c, false).unwrap();
            assert_eq!(yes, c != unmerged, "{c}");
        }
        // A header that does not match its sum: no set at all.
        let mut bytes = whole;
        bytes[MAGIC.len() + ID + 3] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(answer(&repo, line[0], line[30], false), None);
    }
}
