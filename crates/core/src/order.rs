//! One stable sort for the whole crate.
//!
//! `slice::sort_by` is generic over the element and the comparator, so each
//! call site compiles its own copy of the sort: about 2 KB of wasm apiece
//! across a dozen sites. [`sort_by`] sorts a permutation of indices through a
//! `dyn` comparator instead (a single copy), then moves the elements into that
//! order. It is stable, like `slice::sort_by`.

use std::cmp::Ordering;

fn permutation(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Sort `v` stably by `cmp`.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = permutation(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(
        order
            .into_iter()
            .map(|i| slots[i].take().expect("a permutation visits each index once")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_order_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = v;
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std);
        }
    }
}
