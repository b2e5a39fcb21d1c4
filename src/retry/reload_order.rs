//! In what order the tabs of a site that is back are reloaded. All at once, ten tabs load side by
//! side and each is on screen only when all are (about 230 ms for ten on a small machine, in a
//! one-off run); alone, a tab is back in about 35 ms. So the tabs in front of the visitor go
//! first, and the others follow, together, once those have loaded or `STEP_MAX_MS` has passed.
//! (The others one at a time, each after the one before, made the median tab later: about
//! 40 ms a step on that machine, and the steps add up.)

use super::TabId;

/// The longest the other tabs wait for the tabs in front to load.
pub const STEP_MAX_MS: u32 = 300;

/// The reloads of one recovery, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadOrder {
    /// Reloaded at once: the tabs shown in their windows (or, when none is, the one that failed
    /// first, so that a page is back as soon as it can be).
    pub first: Vec<TabId>,
    /// Then these, together, in the order the engine gave them.
    pub then: Vec<TabId>,
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
            order.first.push(tab);
        } else {
            order.then.push(tab);
        }
    }
    if order.first.is_empty() && !order.then.is_empty() {
        order.first.push(order.then.remove(0));
    }
    order
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tabs with whether each is in front; the tabs reloaded first; then the others.
    type Case<'a> = (&'a [(TabId, bool)], &'a [TabId], &'a [TabId]);

    #[test]
    fn shown_tabs_go_first() {
        let cases: &[Case] = &[
            (&[], &[], &[]),
            (&[(7, false)], &[7], &[]),
            (&[(7, true)], &[7], &[]),
            (&[(1, false), (2, true), (3, false)], &[2], &[1, 3]),
            (&[(1, true), (2, false), (3, true)], &[1, 3], &[2]),
            // None in front: the first goes alone, the rest follow.
            (&[(4, false), (5, false), (6, false)], &[4], &[5, 6]),
            // Twice the same tab: once.
            (&[(4, false), (4, true), (5, false)], &[4], &[5]),
        ];
        for (tabs, first, then) in cases {
            let order = reload_order(tabs);
            assert_eq!(
                (order.first.as_slice(), order.then.as_slice()),
                (*first, *then),
                "{tabs:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn every_tab_is_reloaded_exactly_once(tabs in proptest::collection::vec((0i64..20, any::<bool>()), 0..30)) {
            let order = reload_order(&tabs);
            let mut got: Vec<TabId> = order.first.iter().chain(&order.then).copied().collect();
            let mut want: Vec<TabId> = tabs.iter().map(|(t, _)| *t).collect();
            got.sort_unstable();
            want.sort_unstable();
            want.dedup();
            prop_assert_eq!(got, want);
            prop_assert!(order.first.is_empty() == tabs.is_empty());
        }
    }
}
