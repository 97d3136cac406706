//! Whether any of a few files could have been renamed to any of many additions, by git's
//! similarity estimate. Proving "no" means reading every addition of a fitting size: on a
//! history with thousands of files added since, tens of milliseconds of inflating and counting,
//! spread here over the machine's cores (git does it on one).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use git2::{Oid, Repository};

use super::similarity::{self, Lookup, Signature};

/// Whether git's rename detection could pair a source with an addition.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Possible {
    No,
    Yes,
    /// Too many pairs to compare here; git's detection (with its culling) is faster.
    TooMany,
}

/// Pairs of candidate files compared here at most before leaving the question to git.
pub(super) const PAIR_BUDGET: usize = 20_000;
/// Bytes of candidate additions read here at most before leaving the question to git.
pub(super) const BYTES_BUDGET: u64 = 8 << 20;

/// Bytes of additions to read and compare from which more threads help: each helper opens its
/// own repository handle (libgit2 handles are not shared across threads), which costs about
/// what reading a few dozen small files does.
const SPREAD_FROM_BYTES: u64 = 256 << 10;

/// Sources compared with additions by git's similarity, within a budget.
pub(super) struct SimilaritySearch<'r> {
    repo: &'r Repository,
    odb: git2::Odb<'r>,
    min_score: u64,
    /// Id and size of each source.
    sources: Vec<(Oid, u64)>,
    /// Each source's chunks, counted each way git may count it, to look additions up in.
    source_lookups: HashMap<Oid, Vec<Lookup>>,
    pairs: usize,
    bytes: u64,
    spread_from_bytes: u64,
}

impl<'r> SimilaritySearch<'r> {
    pub(super) fn new(repo: &'r Repository, min_score: u64) -> Result<Self, git2::Error> {
        Ok(SimilaritySearch {
            repo,
            odb: repo.odb()?,
            min_score,
            sources: Vec::new(),
            source_lookups: HashMap::new(),
            pairs: 0,
            bytes: 0,
            spread_from_bytes: SPREAD_FROM_BYTES,
        })
    }

    #[cfg(test)]
    fn spreading_from(mut self, bytes: u64) -> Self {
        self.spread_from_bytes = bytes;
        self
    }

    pub(super) fn add_source(&mut self, oid: Oid) -> Result<(), git2::Error> {
        let size = self.odb.read_header(oid)?.0 as u64;
        self.sources.push((oid, size));
        Ok(())
    }

    /// Compare every source with `additions`, closest sizes first.
    pub(super) fn compare(&mut self, additions: &[Oid]) -> Result<Possible, git2::Error> {
        let sizes = self.sizes(additions)?;
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (si, &(_, ss)) in self.sources.iter().enumerate() {
            for (di, &ds) in sizes.iter().enumerate() {
                if similarity::sizes_can_reach(ss, ds, self.min_score) {
                    pairs.push((si, di));
                    // Checked as they are listed: thousands of files on each side would
                    // otherwise list millions of pairs first.
                    if self.pairs + pairs.len() > PAIR_BUDGET {
                        return Ok(Possible::TooMany);
                    }
                }
            }
        }
        self.pairs += pairs.len();
        // Each addition once, with the sources it may match, in the order of its closest pair.
        let closeness = |si: usize, di: usize| {
            let (ss, ds) = (self.sources[si].1, sizes[di]);
            ss.abs_diff(ds) * 1024 / ss.max(ds).max(1)
        };
        pairs.sort_by_key(|&(si, di)| closeness(si, di));
        let mut matches: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut order: Vec<usize> = Vec::new();
        for &(si, di) in &pairs {
            let srcs = matches.entry(di).or_default();
            if srcs.is_empty() {
                order.push(di);
            }
            srcs.push(si);
        }
        let wanted: u64 = order.iter().map(|&d| sizes[d]).sum();
        self.bytes += wanted;
        if self.bytes > BYTES_BUDGET {
            return Ok(Possible::TooMany);
        }
        for &(si, _) in &pairs {
            self.make_lookups(self.sources[si].0)?;
        }
        let work: Vec<Candidate> = order
            .iter()
            .map(|di| Candidate {
                oid: additions[*di],
                sources: matches[di]
                    .iter()
                    .map(|&si| &self.source_lookups[&self.sources[si].0])
                    .collect(),
            })
            .collect();
        let min_score = self.min_score;
        let found = AtomicBool::new(false);
        let next = AtomicUsize::new(0);
        let unread = Mutex::new(Vec::new());
        let check =
            |repo: &Repository| check_candidates(repo, &work, min_score, &next, &found, &unread);
        if wanted >= self.spread_from_bytes && work.len() > 1 {
            // A handle is not shared across threads: each helper opens its own, and one that
            // cannot is a helper fewer (this thread takes what is left).
            let git_dir = self.repo.path();
            let helper = |()| {
                if let Ok(own) = Repository::open(git_dir) {
                    check(&own);
                }
            };
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let all_finished = std::thread::scope(|scope| {
                let running: Vec<_> = (1..cores.min(4))
                    .map(|_| crate::threads::share(scope, &helper, ()))
                    .collect();
                check(self.repo);
                running.into_iter().all(|h| h.join().is_ok())
            });
            // A helper that stopped took a candidate it never compared: no answer is certain.
            if !all_finished {
                return Err(git2::Error::from_str(
                    "the search for renamed files stopped",
                ));
            }
        } else {
            check(self.repo);
        }
        if found.load(Ordering::Relaxed) {
            return Ok(Possible::Yes);
        }
        // What a helper could not read (an object only in this handle's memory, or a damaged
        // one) is read here, where an error is an answer.
        let unread = unread.into_inner().unwrap_or_else(|e| e.into_inner());
        for i in unread {
            let blob = self.repo.find_blob(work[i].oid)?;
            if work[i].matches(blob.content(), self.min_score) {
                return Ok(Possible::Yes);
            }
        }
        Ok(Possible::No)
    }

    /// Whether, of `pairs` (a source and an addition), one is similar enough, each pair
    /// compared alone: files that kept their name are the likeliest renames (git's ort looks
    /// at them first too), and one found this way spares reading every addition.
    pub(super) fn any_similar(&mut self, pairs: &[(Oid, Oid)]) -> Result<bool, git2::Error> {
        for &(source, addition) in pairs {
            let Some(&(_, source_size)) = self.sources.iter().find(|(oid, _)| *oid == source)
            else {
                continue;
            };
            let size = self.odb.read_header(addition)?.0 as u64;
            if !similarity::sizes_can_reach(source_size, size, self.min_score) {
                continue;
            }
            self.pairs += 1;
            self.bytes += size;
            if self.bytes > BYTES_BUDGET {
                // The search that follows answers "too many" before reading anything.
                return Ok(false);
            }
            self.make_lookups(source)?;
            let blob = self.repo.find_blob(addition)?;
            let candidate = Candidate {
                oid: addition,
                sources: vec![&self.source_lookups[&source]],
            };
            if candidate.matches(blob.content(), self.min_score) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Source `oid`'s chunks, each way git may count it, made once.
    fn make_lookups(&mut self, oid: Oid) -> Result<(), git2::Error> {
        if !self.source_lookups.contains_key(&oid) {
            let blob = self.repo.find_blob(oid)?;
            let lookups = Signature::both_ways(blob.content())
                .iter()
                .map(Lookup::new)
                .collect();
            self.source_lookups.insert(oid, lookups);
        }
        Ok(())
    }

    /// The size of each addition. Read on one thread: a header read is short, and threads
    /// reading headers at once mostly wait on the pack's lock (measured slower than one).
    fn sizes(&self, additions: &[Oid]) -> Result<Vec<u64>, git2::Error> {
        additions
            .iter()
            .map(|&oid| Ok(self.odb.read_header(oid)?.0 as u64))
            .collect()
    }
}

/// An addition and the chunks of the sources it may have been renamed from.
struct Candidate<'s> {
    oid: Oid,
    sources: Vec<&'s Vec<Lookup>>,
}

impl Candidate<'_> {
    /// Whether `content` (the addition's) is similar enough to any of its sources, counted
    /// each way git may count either file.
    fn matches(&self, content: &[u8], min_score: u64) -> bool {
        let ways = similarity::ways(content);
        self.sources.iter().any(|source_ways| {
            source_ways.iter().any(|source| {
                ways.iter()
                    .any(|&text| source.reached_by(content, text, min_score))
            })
        })
    }
}

/// Take candidates in order until one matches (then every thread stops) or none are left. A
/// candidate this handle cannot read is put in `unread`.
fn check_candidates(
    repo: &Repository,
    work: &[Candidate<'_>],
    min_score: u64,
    next: &AtomicUsize,
    found: &AtomicBool,
    unread: &Mutex<Vec<usize>>,
) {
    while !found.load(Ordering::Relaxed) {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(candidate) = work.get(i) else {
            return;
        };
        match repo.find_blob(candidate.oid) {
            Ok(blob) => {
                if candidate.matches(blob.content(), min_score) {
                    found.store(true, Ordering::Relaxed);
                }
            }
            Err(_) => unread.lock().unwrap_or_else(|e| e.into_inner()).push(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALF: u64 = similarity::MAX_SCORE / 2;
    const EVERY_TIME: u64 = 1;
    const NEVER: u64 = u64::MAX;

    /// Ten distinct lines of `tag`: files alike in size, unlike in content.
    fn text(tag: &str) -> Vec<u8> {
        (0..10)
            .map(|i| format!("{tag} line {i:04}\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn search<'r>(repo: &'r Repository, source: Oid, spread: u64) -> SimilaritySearch<'r> {
        let mut search = SimilaritySearch::new(repo, HALF)
            .unwrap()
            .spreading_from(spread);
        search.add_source(source).unwrap();
        search
    }

    #[test]
    fn a_search_spread_over_threads_answers_as_one_thread_does() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let source = repo.blob(&text("source")).unwrap();
        let mut unlike: Vec<Oid> = (0..600)
            .map(|i| repo.blob(&text(&format!("other{i:03}"))).unwrap())
            .collect();
        let mut renamed = text("source");
        renamed.extend_from_slice(b"one more line\n");
        let mut with_rename = unlike.clone();
        with_rename.insert(450, repo.blob(&renamed).unwrap());
        for spread in [NEVER, EVERY_TIME] {
            assert_eq!(
                search(&repo, source, spread).compare(&unlike).unwrap(),
                Possible::No
            );
            assert_eq!(
                search(&repo, source, spread).compare(&with_rename).unwrap(),
                Possible::Yes
            );
        }
        unlike.truncate(1);
        assert_eq!(
            search(&repo, source, EVERY_TIME).compare(&unlike).unwrap(),
            Possible::No
        );
    }

    #[test]
    fn a_pair_compared_alone_answers_as_the_search_does() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let source = repo.blob(&text("source")).unwrap();
        let mut edited = text("source");
        edited.extend_from_slice(b"one more line\n");
        let renamed = repo.blob(&edited).unwrap();
        let unlike = repo.blob(&text("other")).unwrap();
        let far_smaller = repo.blob(b"x\n").unwrap();
        let mut search = search(&repo, source, NEVER);
        assert!(!search
            .any_similar(&[(source, unlike), (source, far_smaller)])
            .unwrap());
        // Only what fits the source's size is read and counted.
        assert_eq!(search.bytes, text("other").len() as u64);
        assert!(search
            .any_similar(&[(source, unlike), (source, renamed)])
            .unwrap());
        for additions in [vec![unlike, far_smaller], vec![unlike, renamed]] {
            let alone = search.any_similar(&[(source, additions[0]), (source, additions[1])]);
            let whole = search.compare(&additions).unwrap() == Possible::Yes;
            assert_eq!(alone.unwrap(), whole);
        }
    }

    #[test]
    fn an_addition_a_helper_cannot_read_is_read_by_the_searching_thread() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let source = repo.blob(&text("source")).unwrap();
        // Written after this, objects stay in this handle's memory: another handle cannot read
        // them (as with a revert's earlier steps).
        repo.odb().unwrap().add_new_mempack_backend(1000).unwrap();
        let mut renamed = text("source");
        renamed.extend_from_slice(b"one more line\n");
        let in_memory = repo.blob(&renamed).unwrap();
        let other = Repository::open(repo.path()).unwrap();
        let lookups: Vec<Lookup> = Signature::both_ways(&text("source"))
            .iter()
            .map(Lookup::new)
            .collect();
        let work = [Candidate {
            oid: in_memory,
            sources: vec![&lookups],
        }];
        let (next, found, unread) = (
            AtomicUsize::new(0),
            AtomicBool::new(false),
            Mutex::default(),
        );
        check_candidates(&other, &work, HALF, &next, &found, &unread);
        assert!(!found.load(Ordering::Relaxed));
        assert_eq!(*unread.lock().unwrap(), vec![0]);

        let mut additions: Vec<Oid> = (0..40)
            .map(|i| repo.blob(&text(&format!("other{i:03}"))).unwrap())
            .collect();
        additions.push(in_memory);
        for spread in [NEVER, EVERY_TIME] {
            assert_eq!(
                search(&repo, source, spread).compare(&additions).unwrap(),
                Possible::Yes
            );
        }
    }
}
