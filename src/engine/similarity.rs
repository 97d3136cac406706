//! git's estimate of how similar two files are (diffcore-delta.c and
//! diffcore-rename.c), used to detect renames the way `git merge-tree` does.

/// Scores run from 0 to this value (100%).
pub const MAX_SCORE: u64 = 60000;
const HASHBASE: u32 = 107927;

/// Byte counts of the chunks of a file, sorted by chunk hash (each hash once). A chunk ends
/// at a newline or after 64 bytes.
pub struct Signature {
    size: u64,
    chunks: Vec<(u32, u64)>,
}

impl Signature {
    pub fn new(content: &[u8]) -> Signature {
        Signature::counted(content, !super::merge::is_binary(content))
    }

    /// Each way git may count `content`: a file holding CRLF counts differently as text and
    /// as binary, and attributes (`binary`, a diff driver's `binary` setting) can make git take
    /// it either way, so both signatures are returned for it.
    pub fn both_ways(content: &[u8]) -> Vec<Signature> {
        ways(content)
            .iter()
            .map(|&text| Signature::counted(content, text))
            .collect()
    }

    fn counted(content: &[u8], text: bool) -> Signature {
        let mut chunks: Vec<(u32, u64)> = Vec::with_capacity(content.len() / 16 + 1);
        each_chunk(content, text, |hash, n, _| {
            chunks.push((hash, n));
            true
        });
        chunks.sort_unstable_by_key(|c| c.0);
        chunks.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        Signature {
            size: content.len() as u64,
            chunks,
        }
    }
}

/// How `content` may be counted: with CR of CRLF left out (as text) and, when it holds a CRLF,
/// also with it in (as binary). Without one, both count alike, so one way is enough.
pub fn ways(content: &[u8]) -> &'static [bool] {
    if memchr::memmem::find(content, b"\r\n").is_some() {
        &[true, false]
    } else {
        &[true]
    }
}

/// Call `f(hash, bytes, bytes of content after this chunk)` for each chunk of `content` in
/// order, as git's diffcore-delta cuts and hashes them, until `f` returns false.
fn each_chunk(content: &[u8], text: bool, mut f: impl FnMut(u32, u64, usize) -> bool) {
    // git's two 32-bit accumulators, each shifted by 7 and fed the other's top 7 bits, are one
    // 64-bit word rotated by 7; a byte is added to the upper half, whose carry git drops.
    let mut word = 0u64;
    let mut n = 0u64;
    let mut i = 0;
    while i < content.len() {
        let c = content[i];
        i += 1;
        // A CR of a CRLF pair in a text file does not count.
        if text && c == b'\r' && content.get(i) == Some(&b'\n') {
            continue;
        }
        word = word.rotate_left(7).wrapping_add(u64::from(c) << 32);
        n += 1;
        if n < 64 && c != b'\n' {
            continue;
        }
        if !f(word_hash(word), n, content.len() - i) {
            return;
        }
        (word, n) = (0, 0);
    }
    if n > 0 {
        f(word_hash(word), n, 0);
    }
}

fn word_hash(word: u64) -> u32 {
    chunk_hash((word >> 32) as u32, word as u32)
}

/// A file's chunk counts in a table another file's chunks are looked up in, to answer "does
/// that file reach a score" without counting all of it: the count stops as soon as the answer
/// is certain either way.
pub struct Lookup {
    size: u64,
    /// Open addressing: the hash in each slot (`EMPTY` when free), and its byte count.
    keys: Vec<u32>,
    counts: Vec<u64>,
    shift: u32,
}

/// No chunk hash reaches it (hashes are below `HASHBASE`).
const EMPTY: u32 = u32::MAX;

impl Lookup {
    pub fn new(signature: &Signature) -> Lookup {
        let slots = (signature.chunks.len() * 2).next_power_of_two().max(16);
        let mut lookup = Lookup {
            size: signature.size,
            keys: vec![EMPTY; slots],
            counts: vec![0; slots],
            shift: 64 - slots.trailing_zeros(),
        };
        for &(hash, n) in &signature.chunks {
            let slot = lookup.slot(hash);
            lookup.keys[slot] = hash;
            lookup.counts[slot] = n;
        }
        lookup
    }

    /// The slot holding `hash`, or the free one where it would go.
    fn slot(&self, hash: u32) -> usize {
        let mask = self.keys.len() - 1;
        let mut slot = (u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        while self.keys[slot] != hash && self.keys[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// Whether `content`, counted as text (`text`) or not, scores at least `min_score` against
    /// this file: what `score` answers for their two signatures.
    pub fn reached_by(&self, content: &[u8], text: bool, min_score: u64) -> bool {
        let size = content.len() as u64;
        if !sizes_can_reach(self.size, size, min_score) {
            return false;
        }
        // The score is copied * MAX_SCORE / max_size, rounded down.
        let needed = u128::from(min_score) * u128::from(self.size.max(size));
        let reaches = |copied: u64| u128::from(copied) * u128::from(MAX_SCORE) >= needed;
        let mut found = vec![0u64; self.keys.len()];
        let mut copied = 0u64;
        let mut answer = None;
        each_chunk(content, text, |hash, n, left| {
            let slot = self.slot(hash);
            if self.keys[slot] == hash {
                let before = found[slot].min(self.counts[slot]);
                found[slot] += n;
                copied += found[slot].min(self.counts[slot]) - before;
            }
            // A byte still to count adds at most one copied byte.
            if reaches(copied) {
                answer = Some(true);
            } else if !reaches(copied + left as u64) {
                answer = Some(false);
            }
            answer.is_none()
        });
        answer.unwrap_or_else(|| reaches(copied))
    }
}

fn chunk_hash(accum1: u32, accum2: u32) -> u32 {
    accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE
}

/// git's size filter: files whose sizes differ by more than `min_score` allows cannot reach it
/// (at 50%, by more than half the larger); nor can two empty files.
pub fn sizes_can_reach(a: u64, b: u64, min_score: u64) -> bool {
    let (max, min) = (a.max(b), a.min(b));
    max > 0 && max * (MAX_SCORE - min_score) >= (max - min) * MAX_SCORE
}

/// Similarity of `src` and `dst` in 0..=MAX_SCORE; 0 when their sizes differ too much to reach
/// `min_score`.
pub fn score(src: &Signature, dst: &Signature, min_score: u64) -> u64 {
    if !sizes_can_reach(src.size, dst.size, min_score) {
        return 0;
    }
    let max_size = src.size.max(dst.size);
    // Bytes of `src` found in `dst`: a merge of the two sorted lists.
    let (a, b) = (&src.chunks, &dst.chunks);
    let (mut i, mut j, mut copied) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                copied += a[i].1.min(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    copied * MAX_SCORE / max_size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_files_score_full() {
        let a = Signature::new(b"one\ntwo\nthree\n");
        assert_eq!(score(&a, &a, MAX_SCORE / 2), MAX_SCORE);
    }

    #[test]
    fn one_changed_line_of_four_scores_three_quarters() {
        let a = Signature::new(b"aaaa\nbbbb\ncccc\ndddd\n");
        let b = Signature::new(b"aaaa\nbbbb\ncccc\neeee\n");
        assert_eq!(score(&a, &b, MAX_SCORE / 2), MAX_SCORE * 3 / 4);
    }

    /// git's hash_chars, as diffcore-delta.c writes it: two accumulators.
    fn chunks_as_git_counts(content: &[u8], text: bool) -> Vec<(u32, u64)> {
        let (mut accum1, mut accum2, mut n, mut out) = (0u32, 0u32, 0u64, Vec::new());
        for (i, &c) in content.iter().enumerate() {
            if text && c == b'\r' && content.get(i + 1) == Some(&b'\n') {
                continue;
            }
            let old1 = accum1;
            accum1 = (accum1 << 7) ^ (accum2 >> 25);
            accum2 = (accum2 << 7) ^ (old1 >> 25);
            accum1 = accum1.wrapping_add(u32::from(c));
            n += 1;
            if n < 64 && c != b'\n' {
                continue;
            }
            out.push((chunk_hash(accum1, accum2), n));
            (accum1, accum2, n) = (0, 0, 0);
        }
        if n > 0 {
            out.push((chunk_hash(accum1, accum2), n));
        }
        out
    }

    /// Files that share some lines: random lines from a small pool, CRLF now and then, long
    /// lines (cut at 64 bytes) and high bytes.
    fn related_files(seed: u64, count: usize) -> Vec<Vec<u8>> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let pool: Vec<Vec<u8>> = (0..40)
            .map(|i| {
                let len = [3, 10, 30, 70, 150][i % 5];
                (0..len).map(|j| (i * 31 + j * 7) as u8 | 0x20).collect()
            })
            .collect();
        (0..count)
            .map(|_| {
                let mut file = Vec::new();
                for _ in 0..next() % 60 {
                    file.extend_from_slice(&pool[next() % pool.len()]);
                    file.extend_from_slice(if next() % 7 == 0 { b"\r\n" } else { b"\n" });
                }
                file
            })
            .collect()
    }

    #[test]
    fn chunks_are_cut_and_hashed_as_git_does() {
        for file in related_files(7, 200) {
            for text in [true, false] {
                let mut ours = Vec::new();
                each_chunk(&file, text, |hash, n, _| {
                    ours.push((hash, n));
                    true
                });
                assert_eq!(ours, chunks_as_git_counts(&file, text));
            }
        }
    }

    #[test]
    fn a_lookup_answers_as_the_whole_score_does() {
        let files = related_files(11, 60);
        let (mut reached, mut missed) = (0, 0);
        for a in &files {
            for b in &files {
                for min_score in [MAX_SCORE / 4, MAX_SCORE / 2, MAX_SCORE * 9 / 10] {
                    for &x in ways(a) {
                        let lookup = Lookup::new(&Signature::counted(a, x));
                        for &y in ways(b) {
                            let whole = score(
                                &Signature::counted(a, x),
                                &Signature::counted(b, y),
                                min_score,
                            );
                            let answer = lookup.reached_by(b, y, min_score);
                            assert_eq!(answer, whole >= min_score, "{a:?} {b:?} {min_score}");
                            if answer {
                                reached += 1;
                            } else {
                                missed += 1;
                            }
                        }
                    }
                }
            }
        }
        // Both answers were put to the test, not only one.
        assert!(reached > 100 && missed > 100, "{reached} {missed}");
    }

    #[test]
    fn a_file_without_crlf_counts_one_way() {
        assert_eq!(ways(b"a\nb\r\n"), &[true, false]);
        assert_eq!(ways(b"a\nb\rc\n"), &[true]);
    }

    #[test]
    fn very_different_sizes_score_zero() {
        let a = Signature::new(b"x\n");
        let b = Signature::new(&b"x\n".repeat(100));
        assert_eq!(score(&a, &b, MAX_SCORE / 2), 0);
    }
}
