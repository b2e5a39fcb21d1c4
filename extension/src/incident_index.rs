//! Which tabs have an incident, kept in the background's memory so that an ordinary navigation
//! (no incident on its tab) costs no storage read at all. Rebuilt from storage's keys once per
//! background start, then kept up to date by the background's own writes (it alone writes
//! incidents).

use super::api::ExtensionApi;
use super::storage::stored_keys;
use gateway_doctor::session_keys::SessionKey;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[derive(Default)]
struct IncidentIndex {
    /// Each tab with an incident, and when it failed (0 when only its key is known). A list, not
    /// a map: a few hundred tabs at most, and a map's code would weigh more in the wasm than its
    /// lookups would save.
    tabs: Vec<(i64, f64)>,
    unassigned: bool,
}

thread_local! {
    static INDEX: RefCell<Option<IncidentIndex>> = const { RefCell::new(None) };
}

/// Whether the tab has a stored incident.
pub async fn has_tab(api: &ExtensionApi, tab_id: i64) -> Result<bool, JsValue> {
    ensure_loaded(api).await?;
    Ok(failed_at(tab_id).is_some())
}

/// Whether a failure waits for its tab.
pub async fn has_unassigned(api: &ExtensionApi) -> Result<bool, JsValue> {
    ensure_loaded(api).await?;
    Ok(INDEX.with(|i| i.borrow().as_ref().is_some_and(|i| i.unassigned)))
}

/// Whether the tab has a stored incident, and whether a failure waits for its tab, without a
/// storage read: none until the index is loaded.
pub fn known(tab_id: Option<i64>) -> Option<(bool, bool)> {
    let unassigned = INDEX.with(|i| i.borrow().as_ref().map(|index| index.unassigned))?;
    Some((tab_id.and_then(failed_at).is_some(), unassigned))
}

/// When the tab's stored incident failed, as far as the index knows (0: only its key is known);
/// none when it has none. No storage read: the index must be loaded to say anything.
pub fn failed_at(tab_id: i64) -> Option<f64> {
    INDEX.with(|i| {
        let index = i.borrow();
        let (_, at) = index
            .as_ref()?
            .tabs
            .iter()
            .find(|(tab, _)| *tab == tab_id)?;
        Some(*at)
    })
}

/// `key` was written (with the time its incident failed) or removed (`None`).
pub fn note(key: &str, failed_at: Option<f64>) {
    INDEX.with(|i| {
        if let Some(index) = i.borrow_mut().as_mut() {
            note_in(index, key, failed_at);
        }
    });
}

fn note_in(index: &mut IncidentIndex, key: &str, failed_at: Option<f64>) {
    match SessionKey::parse(key) {
        Some(SessionKey::Unassigned) => index.unassigned = failed_at.is_some(),
        Some(SessionKey::Incident(tab)) => {
            index.tabs.retain(|(known, _)| *known != tab);
            if let Some(at) = failed_at {
                index.tabs.push((tab, at));
            }
        }
        _ => {}
    }
}

async fn ensure_loaded(api: &ExtensionApi) -> Result<(), JsValue> {
    if INDEX.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let mut index = IncidentIndex::default();
    for key in stored_keys(api).await? {
        note_in(&mut index, &key, Some(0.0));
    }
    INDEX.with(|i| {
        let mut slot = i.borrow_mut();
        if slot.is_none() {
            *slot = Some(index);
        }
    });
    Ok(())
}
