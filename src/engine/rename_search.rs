//! Whether any of a few files could have been renamed to any of many additions, by git's
//! similarity estimate. Proving "no" means reading every addition of a fitting size: on a
//! history with thousands of files added since, tens of milliseconds of inflating and counting,
//! spread here over the machine's cores (git does it on one).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};

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

/// Additions from which helpers are started before the sizes are known, so that their handles
/// open while the sizes are read; a helper not needed then goes home unused. For fewer, helpers
/// start once the work is known to be worth sharing.
const SPREAD_FROM_COUNT: usize = 16;

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
    spread_from_count: usize,
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
            spread_from_count: SPREAD_FROM_COUNT,
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
    #[cfg(test)]
    pub(super) fn compare(&mut self, additions: &[Oid]) -> Result<Possible, git2::Error> {
        self.compare_in_tiers(&[additions.to_vec()])
    }

    /// Compare every source with the additions of every tier: a tier's candidates before the
    /// next one's, each tier's closest sizes first. One pass for all tiers: the sizes are read
    /// once, and the helpers start once.
    pub(super) fn compare_in_tiers(&mut self, tiers: &[Vec<Oid>]) -> Result<Possible, git2::Error> {
        let additions: Vec<(Oid, usize)> = tiers
            .iter()
            .enumerate()
            .flat_map(|(tier, ids)| ids.iter().map(move |&oid| (oid, tier)))
            .collect();
        if additions.is_empty() || self.sources.is_empty() {
            return Ok(Possible::No);
        }
        // Made first: helpers started below read them while the sizes are read here.
        for i in 0..self.sources.len() {
            let oid = self.sources[i].0;
            self.make_lookups(oid)?;
        }
        // Asked only when helpers start: the answer reads the cgroup's files each time.
        let helpers = || std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) - 1;
        let early = additions.len() >= self.spread_from_count;
        let min_score = self.min_score;
        let git_dir = self.repo.path();
        let budget_used = (self.pairs, self.bytes);
        let (odb, sources, lookups) = (&self.odb, &self.sources, &self.source_lookups);
        let plan: OnceLock<Vec<Candidate<'_>>> = OnceLock::new();
        let found = AtomicBool::new(false);
        let next = AtomicUsize::new(0);
        let unread = Mutex::new(Vec::new());
        let (planned, all_finished) = std::thread::scope(|scope| {
            // A helper opens its own handle (libgit2 handles are not shared across threads),
            // then waits for the word to start; a word dropped unsent (too many pairs, too
            // little to read, an error) sends it home.
            let mut words = Vec::new();
            let mut running = Vec::new();
            let mut start_helpers = |count: usize| {
                for _ in 0..count {
                    let (word, wait) = mpsc::channel::<()>();
                    let (plan, next, found, unread) = (&plan, &next, &found, &unread);
                    let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
                        let own = Repository::open(git_dir);
                        if let (Ok(()), Ok(own), Some(work)) = (wait.recv(), own, plan.get()) {
                            check_candidates(&own, work, min_score, next, found, unread);
                        }
                    });
                    // A thread the host will not give is a helper fewer.
                    if let Ok(handle) = helper {
                        words.push(word);
                        running.push(handle);
                    }
                }
            };
            // Many additions: the helpers open their handles while the sizes are read here.
            if early {
                start_helpers(helpers());
            }
            let planned = plan_work(odb, sources, lookups, &additions, min_score, budget_used).map(
                |planned| {
                    planned.map(|(pairs, wanted, work)| {
                        let spread = wanted >= self.spread_from_bytes && work.len() > 1;
                        let _ = plan.set(work);
                        (pairs, wanted, spread)
                    })
                },
            );
            // The work is in place before any helper hears the word.
            if let Ok(Some((_, _, true))) = planned {
                if !early {
                    start_helpers(helpers());
                }
                for word in &words {
                    let _ = word.send(());
                }
            }
            drop(words);
            if let Some(work) = plan.get() {
                check_candidates(self.repo, work, min_score, &next, &found, &unread);
            }
            let all_finished = running.into_iter().all(|h| h.join().is_ok());
            (planned, all_finished)
        });
        let Some((pairs, wanted, _)) = planned? else {
            return Ok(Possible::TooMany);
        };
        self.pairs += pairs;
        self.bytes += wanted;
        // A helper that stopped took a candidate it never compared: no answer is certain.
        if !all_finished {
            return Err(git2::Error::from_str(
                "the search for renamed files stopped",
            ));
        }
        if found.load(Ordering::Relaxed) {
            return Ok(Possible::Yes);
        }
        // What a helper could not read (an object only in this handle's memory, or a damaged
        // one) is read here, where an error is an answer.
        let work = plan.get().map_or(&[][..], Vec::as_slice);
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
}

/// The pairs of a source and an addition whose sizes can reach the score, counted against the
/// budget left, and the additions to read, each once with the sources it may match: `None` when
/// over the budget. The sizes are read on one thread: a header read is short, and threads
/// reading headers at once mostly wait on the pack's lock (measured slower than one).
fn plan_work<'s>(
    odb: &git2::Odb<'_>,
    sources: &[(Oid, u64)],
    lookups: &'s HashMap<Oid, Vec<Lookup>>,
    additions: &[(Oid, usize)],
    min_score: u64,
    (pairs_used, bytes_used): (usize, u64),
) -> Result<Option<(usize, u64, Vec<Candidate<'s>>)>, git2::Error> {
    let sizes = additions
        .iter()
        .map(|&(oid, _)| Ok(odb.read_header(oid)?.0 as u64))
        .collect::<Result<Vec<u64>, git2::Error>>()?;
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (si, &(_, ss)) in sources.iter().enumerate() {
        for (di, &ds) in sizes.iter().enumerate() {
            if similarity::sizes_can_reach(ss, ds, min_score) {
                pairs.push((si, di));
                // Checked as they are listed: thousands of files on each side would
                // otherwise list millions of pairs first.
                if pairs_used + pairs.len() > PAIR_BUDGET {
                    return Ok(None);
                }
            }
        }
    }
    // A tier before the next; within one, the closest sizes first.
    let closeness = |si: usize, di: usize| {
        let (ss, ds) = (sources[si].1, sizes[di]);
        ss.abs_diff(ds) * 1024 / ss.max(ds).max(1)
    };
    pairs.sort_by_key(|&(si, di)| (additions[di].1, closeness(si, di)));
    // Each addition once, with the sources it may match, in the order of its first pair.
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
    if bytes_used + wanted > BYTES_BUDGET {
        return Ok(None);
    }
    let work = order
        .iter()
        .map(|di| Candidate {
            oid: additions[*di].0,
            sources: matches[di]
                .iter()
                // Every source's lookups are made before the work is planned.
                .map(|&si| &lookups[&sources[si].0])
                .collect(),
        })
        .collect();
    Ok(Some((pairs.len(), wanted, work)))
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

    /// The source edited by one line: similar enough to be its rename.
    fn edited_source() -> Vec<u8> {
        let mut edited = text("source");
        edited.extend_from_slice(b"one more line\n");
        edited
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
        let mut with_rename = unlike.clone();
        with_rename.insert(450, repo.blob(&edited_source()).unwrap());
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

    /// Tiers compared in one pass answer as their additions in one list do, started helpers
    /// sent home unused or not, and count the same pairs and bytes.
    #[test]
    fn tiers_in_one_pass_answer_as_one_list_does() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let source = repo.blob(&text("source")).unwrap();
        let unlike: Vec<Oid> = (0..90)
            .map(|i| repo.blob(&text(&format!("other{i:03}"))).unwrap())
            .collect();
        let renamed = repo.blob(&edited_source()).unwrap();
        for at in [None, Some(0), Some(45), Some(89)] {
            let mut all = unlike.clone();
            if let Some(at) = at {
                all[at] = renamed;
            }
            let tiers = [all[..10].to_vec(), all[10..60].to_vec(), all[60..].to_vec()];
            for spread in [NEVER, EVERY_TIME] {
                let mut one = search(&repo, source, spread);
                let mut tiered = search(&repo, source, spread);
                let want = one.compare(&all).unwrap();
                assert_eq!(
                    want,
                    if at.is_some() {
                        Possible::Yes
                    } else {
                        Possible::No
                    }
                );
                assert_eq!(tiered.compare_in_tiers(&tiers).unwrap(), want);
                assert_eq!((tiered.pairs, tiered.bytes), (one.pairs, one.bytes));
            }
        }
        // Fewer additions than start helpers early: shared once known to be worth it.
        let few = [unlike[..3].to_vec(), vec![renamed], unlike[3..6].to_vec()];
        for spread in [NEVER, EVERY_TIME] {
            let found = search(&repo, source, spread).compare_in_tiers(&few);
            assert_eq!(found.unwrap(), Possible::Yes);
            let none = search(&repo, source, spread).compare_in_tiers(&few[..1]);
            assert_eq!(none.unwrap(), Possible::No);
        }
        let mut empty = search(&repo, source, EVERY_TIME);
        assert_eq!(
            empty.compare_in_tiers(&[vec![], vec![]]).unwrap(),
            Possible::No
        );
    }

    #[test]
    fn a_pair_compared_alone_answers_as_the_search_does() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let source = repo.blob(&text("source")).unwrap();
        let renamed = repo.blob(&edited_source()).unwrap();
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
        let in_memory = repo.blob(&edited_source()).unwrap();
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
