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
        // Byte by byte: comparing each two-byte window as a slice is a call per byte.
        if content.windows(2).any(|w| w[0] == b'\r' && w[1] == b'\n') {
            vec![
                Signature::counted(content, true),
                Signature::counted(content, false),
            ]
        } else {
            vec![Signature::new(content)]
        }
    }

    fn counted(content: &[u8], text: bool) -> Signature {
        let mut chunks: Vec<(u32, u64)> = Vec::with_capacity(content.len() / 16 + 1);
        let (mut accum1, mut accum2, mut n) = (0u32, 0u32, 0u64);
        let mut i = 0;
        while i < content.len() {
            let c = content[i];
            i += 1;
            // A CR of a CRLF pair in a text file does not count.
            if text && c == b'\r' && content.get(i) == Some(&b'\n') {
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
            chunks.push((chunk_hash(accum1, accum2), n));
            (accum1, accum2, n) = (0, 0, 0);
        }
        if n > 0 {
            chunks.push((chunk_hash(accum1, accum2), n));
        }
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

    #[test]
    fn very_different_sizes_score_zero() {
        let a = Signature::new(b"x\n");
        let b = Signature::new(&b"x\n".repeat(100));
        assert_eq!(score(&a, &b, MAX_SCORE / 2), 0);
    }
}
