//! In what order the tabs of a site that is back are reloaded. All at once, ten tabs load side by
//! side and each is on screen only when all are (about 230 ms for ten on a small machine, in a
//! one-off run); one at a time, the first is back in about 35 ms. So the tabs in front of the
//! visitor go first, together, and the others follow one by one, each once the one before has
//! loaded or `STEP_MAX_MS` has passed. A site that has just come back also gets its visitors'
//! pages one after another rather than in one burst.

use super::TabId;

/// The longest a background tab waits for the one reloaded before it.
pub const STEP_MAX_MS: u32 = 300;

/// The reloads of one recovery, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadOrder {
    /// Reloaded at once: the tabs shown in their windows (or, when none is, the one that failed
    /// first, so that a page is back as soon as it can be).
    pub together: Vec<TabId>,
    /// Then these, one at a time, in the order the engine gave them.
    pub one_by_one: Vec<TabId>,
}

/// The order for `tabs`: each tab with whether it is the active tab of its window. A tab that
/// appears twice is reloaded once, as first given.
pub fn reload_order(tabs: &[(TabId, bool)]) -> ReloadOrder {
    let mut seen = Vec::with_capacity(tabs.len());
    let mut order = ReloadOrder::default();
    for &(tab, shown) in tabs {
        if seen.contains(&tab) {
            continue;
        }
        seen.push(tab);
        if shown {
            order.together.push(tab);
        } else {
            order.one_by_one.push(tab);
        }
    }
    if order.together.is_empty() && !order.one_by_one.is_empty() {
        order.together.push(order.one_by_one.remove(0));
    }
    order
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tabs with whether each is in front; the tabs reloaded together; then one by one.
    type Case<'a> = (&'a [(TabId, bool)], &'a [TabId], &'a [TabId]);

    #[test]
    fn shown_tabs_go_first_and_together() {
        let cases: &[Case] = &[
            (&[], &[], &[]),
            (&[(7, false)], &[7], &[]),
            (&[(7, true)], &[7], &[]),
            (&[(1, false), (2, true), (3, false)], &[2], &[1, 3]),
            (&[(1, true), (2, false), (3, true)], &[1, 3], &[2]),
            // None in front: the first goes alone, the rest follow in order.
            (&[(4, false), (5, false), (6, false)], &[4], &[5, 6]),
            // Twice the same tab: once.
            (&[(4, false), (4, true), (5, false)], &[4], &[5]),
        ];
        for (tabs, together, one_by_one) in cases {
            let order = reload_order(tabs);
            assert_eq!(
                (order.together.as_slice(), order.one_by_one.as_slice()),
                (*together, *one_by_one),
                "{tabs:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn every_tab_is_reloaded_exactly_once(tabs in proptest::collection::vec((0i64..20, any::<bool>()), 0..30)) {
            let order = reload_order(&tabs);
            let mut got: Vec<TabId> = order.together.iter().chain(&order.one_by_one).copied().collect();
            let mut want: Vec<TabId> = tabs.iter().map(|(t, _)| *t).collect();
            got.sort_unstable();
            want.sort_unstable();
            want.dedup();
            prop_assert_eq!(got, want);
            prop_assert!(order.together.is_empty() == tabs.is_empty());
        }
    }
}
