//! One small sort for the short lists the extension keeps (a site's sends in the last minute, a
//! page's markers, at most a thousand history entries, the incidents to evict).
//!
//! The standard library's sorts are fast on long inputs but each use of them puts several
//! kilobytes of code into the wasm (five uses weighed 14 KB in the background alone). These
//! lists are short and mostly in order already, where an insertion sort is quick. It is stable.

/// Sorts `items` so that no item is `less` than the one before it; equal items keep their order.
pub fn sort_by<T>(items: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for end in 1..items.len() {
        let mut at = end;
        while at > 0 && less(&items[at], &items[at - 1]) {
            items.swap(at, at - 1);
            at -= 1;
        }
    }
}

// Native only: proptest's random source does not build for wasm32-unknown-unknown.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::sort_by;
    use proptest::prelude::*;

    #[test]
    fn sorts_and_keeps_equal_items_in_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by(&mut items, |a, b| a.0 < b.0);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    proptest! {
        #[test]
        fn agrees_with_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = items.clone();
            sort_by(&mut ours, |a, b| a.0 < b.0);
            let mut std = items;
            std.sort_by_key(|item| item.0);
            prop_assert_eq!(ours, std);
        }
    }
}
