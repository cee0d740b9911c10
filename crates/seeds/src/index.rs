//! Seeded index utilities: the one shuffle, stratified split and pairing by
//! label of the workspace.
//!
//! They work on positions (`usize` indices) and label slices, never on the
//! data themselves, so the dataset crate, the readouts and the baselines
//! draw the same subsets and orders from the same stream. Each documents its
//! exact draw order: a result is a function of the stream's words only,
//! never of a `rand` helper whose algorithm may change between versions.

use std::collections::BTreeMap;

use rand::{Rng, RngExt};

/// Seeded Fisher-Yates shuffle (Durstenfeld): for `i` from `len - 1` down
/// to 1, swap `items[i]` with `items[j]`, `j = rng.random_range(0..=i)`.
///
/// Written out (rather than `rand`'s `SliceRandom::shuffle`, which draws
/// differently) so that the order drawn from a seed is fixed by this
/// definition. A slice of length 0 or 1 draws nothing.
pub fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// Positions of each label, in increasing position order, by ascending
/// label.
fn by_label<L: Ord + Copy>(labels: &[L]) -> BTreeMap<L, Vec<usize>> {
    let mut classes: BTreeMap<L, Vec<usize>> = BTreeMap::new();
    for (i, &l) in labels.iter().enumerate() {
        classes.entry(l).or_default().push(i);
    }
    classes
}

/// A stratified random split of the positions `0..labels.len()` into
/// `(part, rest)`.
///
/// The one convention: classes are visited in ascending label order; the
/// positions of class `c` (`n_c` of them, in increasing order) are
/// [`shuffle`]d with `rng`, and the first
/// `min(round(n_c * fraction), n_c - min(keep_in_rest, n_c))` of the
/// shuffled list go to `part` (the fraction's side), the others to `rest`.
/// `keep_in_rest` guarantees every class that many samples in `rest` (1 for
/// a validation carve that must leave every class in training; 0 for a
/// plain split). Both lists are returned in increasing order. `fraction` is
/// clamped to `[0, 1]` (NaN counts as 0); callers validate it.
pub fn stratified_split<L: Ord + Copy, R: Rng + ?Sized>(
    labels: &[L],
    fraction: f64,
    keep_in_rest: usize,
    rng: &mut R,
) -> (Vec<usize>, Vec<usize>) {
    let fraction = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    let mut part = Vec::new();
    let mut rest = Vec::with_capacity(labels.len());
    for (_, mut members) in by_label(labels) {
        shuffle(&mut members, rng);
        let n = members.len();
        // n * fraction <= n: the rounded count never exceeds n.
        let take = ((n as f64 * fraction).round() as usize).min(n - keep_in_rest.min(n));
        part.extend_from_slice(&members[..take]);
        rest.extend_from_slice(&members[take..]);
    }
    part.sort_unstable();
    rest.sort_unstable();
    (part, rest)
}

/// Pairs positions of two labelled collections by label, for contrastive
/// training of two modalities: `(i, j)` with `a[i] == b[j]`.
///
/// Classes are visited in ascending label order, every label present in
/// `a` or `b`; for each, the positions of `a`'s members and then `b`'s
/// (each in increasing order) are [`shuffle`]d with `rng` (a class present
/// in one collection only still draws for its shuffle, and gives no pair).
/// A class with members in both gives `per_class` pairs, `None` meaning
/// the smaller of its two counts: pair `k` is `(a_k mod n_a, b_k mod n_b)`
/// of the shuffled lists, so with `None` each item is used at most once and
/// a larger `per_class` reuses items cyclically. Pairs are grouped by
/// ascending label; shuffle them for a random order.
pub fn pair_by_label<L: Ord + Copy, R: Rng + ?Sized>(
    a: &[L],
    b: &[L],
    per_class: Option<usize>,
    rng: &mut R,
) -> Vec<(usize, usize)> {
    let mut classes: BTreeMap<L, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, &l) in a.iter().enumerate() {
        classes.entry(l).or_default().0.push(i);
    }
    for (j, &l) in b.iter().enumerate() {
        classes.entry(l).or_default().1.push(j);
    }
    let mut pairs = Vec::new();
    for (_, (mut ia, mut ib)) in classes {
        shuffle(&mut ia, rng);
        shuffle(&mut ib, rng);
        if ia.is_empty() || ib.is_empty() {
            continue;
        }
        let n = per_class.unwrap_or(ia.len().min(ib.len()));
        pairs.extend((0..n).map(|k| (ia[k % ia.len()], ib[k % ib.len()])));
    }
    pairs
}

/// Bits of a [`scoped_key`] that hold the item.
const ITEM_BITS: u32 = 48;

/// A key for [`crate::Seeds::keyed`] naming one component (`scope`) and
/// one of its work items (`item`: an epoch, an episode, a sample): `scope`
/// in the top 16 bits, `item` (modulo 2^48) in the low 48.
///
/// Components that share a [`crate::Purpose`] (every trained model draws
/// `ModelInit`, `DataShuffle`, ...) key their streams by their own scope, so
/// that one seed given to several models does not give them the same
/// initial weights or batch orders. Scope 0 is the plain item key
/// (`scoped_key(0, k) == k`); crates document the scopes they use.
pub const fn scoped_key(scope: u16, item: u64) -> u64 {
    ((scope as u64) << ITEM_BITS) | (item & ((1u64 << ITEM_BITS) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChaCha8Rng, Purpose, Seeds};
    use rand::SeedableRng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn shuffle_is_the_documented_fisher_yates_and_a_permutation() {
        let mut v: Vec<u32> = (0..100).collect();
        shuffle(&mut v, &mut rng(5));
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        // The same swaps, written out from the definition.
        let mut r = rng(5);
        let mut w: Vec<u32> = (0..100).collect();
        for i in (1..100usize).rev() {
            let j = r.random_range(0..=i);
            w.swap(i, j);
        }
        assert_eq!(v, w);
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());
        // Nothing to shuffle, nothing drawn.
        let mut r = rng(6);
        shuffle(&mut [7u8], &mut r);
        assert_eq!(r.next_u64(), rng(6).next_u64());
    }

    #[test]
    fn stratified_split_counts_per_class_and_is_seeded() {
        let labels: Vec<u16> = [vec![0u16; 10], vec![1; 20], vec![2; 7]].concat();
        let (a, b) = stratified_split(&labels, 0.3, 0, &mut rng(1));
        let count = |v: &[usize], c: u16| v.iter().filter(|&&i| labels[i] == c).count();
        // round(10 * 0.3) = 3, round(20 * 0.3) = 6, round(7 * 0.3) = 2.
        assert_eq!((count(&a, 0), count(&a, 1), count(&a, 2)), (3, 6, 2));
        assert_eq!((count(&b, 0), count(&b, 1), count(&b, 2)), (7, 14, 5));
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        assert!(a.windows(2).all(|w| w[0] < w[1]) && b.windows(2).all(|w| w[0] < w[1]));
        all.sort_unstable();
        assert_eq!(all, (0..37).collect::<Vec<_>>());
        assert_eq!(
            stratified_split(&labels, 0.3, 0, &mut rng(1)),
            (a.clone(), b)
        );
        assert_ne!(stratified_split(&labels, 0.3, 0, &mut rng(2)).0, a);
        // keep_in_rest: a class never goes entirely to the fraction's side.
        let (a, b) = stratified_split(&[0u8, 1, 1], 0.5, 1, &mut rng(3));
        assert!(b.contains(&0) && !a.contains(&0));
        let (a, _) = stratified_split(&[0u8, 1, 1], 1.0, 0, &mut rng(3));
        assert_eq!(a, vec![0, 1, 2]);
        // Out-of-range fractions are clamped, never a panic.
        assert_eq!(
            stratified_split(&[0u8; 4], f64::NAN, 0, &mut rng(3))
                .0
                .len(),
            0
        );
        assert_eq!(stratified_split(&[0u8; 4], 7.0, 0, &mut rng(3)).0.len(), 4);
    }

    #[test]
    fn pairing_uses_each_item_once_with_equal_labels() {
        let a = [0u16, 1, 1, 2, 0, 1, 3];
        let b = [1u16, 0, 1, 1, 1, 2, 2];
        let pairs = pair_by_label(&a, &b, None, &mut rng(4));
        // Class 0: min(2, 1) = 1; class 1: min(3, 4) = 3; class 2: 1; class 3: 0.
        assert_eq!(pairs.len(), 5);
        assert!(pairs.iter().all(|&(i, j)| a[i] == b[j]));
        assert!(
            pairs.windows(2).all(|w| a[w[0].0] <= a[w[1].0]),
            "grouped by label"
        );
        let mut ia: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        let mut ib: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        ia.sort_unstable();
        ia.dedup();
        ib.sort_unstable();
        ib.dedup();
        assert_eq!((ia.len(), ib.len()), (5, 5));
        assert_eq!(pairs, pair_by_label(&a, &b, None, &mut rng(4)));
        // A fixed count per class reuses items cyclically.
        let more = pair_by_label(&a, &b, Some(4), &mut rng(4));
        assert_eq!(more.len(), 12, "classes 0, 1, 2 x 4 pairs");
        assert!(more.iter().all(|&(i, j)| a[i] == b[j]));
    }

    #[test]
    fn scoped_keys_separate_scopes_and_items() {
        assert_eq!(scoped_key(0, 41), 41);
        assert_ne!(scoped_key(1, 0), scoped_key(2, 0));
        assert_ne!(scoped_key(1, 0), scoped_key(1, 1));
        assert_eq!(scoped_key(3, 5) >> 48, 3);
        let s = Seeds::new(1);
        let a = s.keyed(Purpose::ModelInit, scoped_key(1, 0)).next_u64();
        let b = s.keyed(Purpose::ModelInit, scoped_key(2, 0)).next_u64();
        assert_ne!(a, b);
    }
}
