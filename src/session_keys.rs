//! The keys of everything kept in session storage, typed: one place says how each is named, which
//! tab it belongs to, and what is kept for a tab (so forgetting a tab forgets all of it).

use crate::checks::record::CheckId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKey {
    /// A tab's failed load.
    Incident(i64),
    /// A failure whose tab is not known yet (Firefox reports some with `tabId: -1`).
    Unassigned,
    /// One check's result for a tab's failure.
    Check(i64, CheckId),
    /// Why auto-retry is not (or no longer) watching a tab.
    RetryNote(i64),
    /// Auto-retry's state, for every origin.
    RetryState,
}

const INCIDENT: &str = "incident:";
const UNASSIGNED: &str = "incident:unassigned";
const CHECK: &str = "check:";
const RETRY_NOTE: &str = "retry:note:";
const RETRY_STATE: &str = "retry:state";

impl SessionKey {
    pub fn name(self) -> String {
        match self {
            SessionKey::Incident(tab) => format!("{INCIDENT}{tab}"),
            SessionKey::Unassigned => UNASSIGNED.to_string(),
            SessionKey::Check(tab, check) => format!("{CHECK}{tab}:{}", check.as_str()),
            SessionKey::RetryNote(tab) => format!("{RETRY_NOTE}{tab}"),
            SessionKey::RetryState => RETRY_STATE.to_string(),
        }
    }

    /// The key a stored name stands for; `None` for anything else (another version's, a stray).
    pub fn parse(name: &str) -> Option<SessionKey> {
        let tab = |id: &str| id.parse::<i64>().ok().filter(|tab| *tab >= 0);
        match name {
            UNASSIGNED => Some(SessionKey::Unassigned),
            RETRY_STATE => Some(SessionKey::RetryState),
            _ => {
                if let Some(id) = name.strip_prefix(INCIDENT) {
                    return tab(id).map(SessionKey::Incident);
                }
                if let Some(id) = name.strip_prefix(RETRY_NOTE) {
                    return tab(id).map(SessionKey::RetryNote);
                }
                let (id, check) = name.strip_prefix(CHECK)?.split_once(':')?;
                Some(SessionKey::Check(tab(id)?, CheckId::parse(check)?))
            }
        }
    }

    /// The tab it belongs to, if it belongs to one.
    pub fn tab(self) -> Option<i64> {
        match self {
            SessionKey::Incident(tab) | SessionKey::Check(tab, _) | SessionKey::RetryNote(tab) => {
                Some(tab)
            }
            SessionKey::Unassigned | SessionKey::RetryState => None,
        }
    }

    /// Everything kept for `tab`.
    pub fn of_tab(tab: i64) -> Vec<SessionKey> {
        let mut keys = vec![SessionKey::Incident(tab), SessionKey::RetryNote(tab)];
        keys.extend(
            CheckId::ALL
                .iter()
                .map(|check| SessionKey::Check(tab, *check)),
        );
        keys
    }
}

/// Whether nothing the background keeps in session storage is among `stored` (the names of
/// what is there): no incident, no failure waiting for its tab, no check record, no note, no
/// auto-retry state. Other names (the politeness budget, a stray) do not count: only requests
/// read them, and only the full core sends requests.
pub fn nothing_kept<'a>(stored: impl IntoIterator<Item = &'a str>) -> bool {
    stored
        .into_iter()
        .all(|name| SessionKey::parse(name).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_and_knows_its_tab() {
        let mut all = SessionKey::of_tab(42);
        all.extend([SessionKey::Unassigned, SessionKey::RetryState]);
        for key in all {
            assert_eq!(SessionKey::parse(&key.name()), Some(key), "{key:?}");
            let belongs = !matches!(key, SessionKey::Unassigned | SessionKey::RetryState);
            assert_eq!(key.tab(), belongs.then_some(42), "{key:?}");
        }
        assert_eq!(SessionKey::Check(7, CheckId::Fresh).name(), "check:7:fresh");
    }

    #[test]
    fn only_what_the_background_keeps_counts_as_kept() {
        assert!(nothing_kept([]));
        assert!(nothing_kept(["gd-politeness", "incident:-1", "settings"]));
        for kept in SessionKey::of_tab(3)
            .into_iter()
            .chain([SessionKey::Unassigned, SessionKey::RetryState])
        {
            let name = kept.name();
            assert!(!nothing_kept(["gd-politeness", name.as_str()]), "{name}");
        }
    }

    #[test]
    fn strays_are_not_keys() {
        for name in [
            "",
            "incident:",
            "incident:-1",
            "incident:abc",
            "incident:1:2",
            "check:1",
            "check:1:nope",
            "check:x:fresh",
            "retry:note:",
            "retry:state:1",
            "settings",
        ] {
            assert_eq!(SessionKey::parse(name), None, "{name:?}");
        }
    }
}
