//! Which tabs have an incident, kept in the background's memory so that an ordinary navigation
//! (no incident on its tab) costs no storage read at all. Rebuilt from storage's keys once per
//! background start, then kept up to date by the background's own writes (it alone writes
//! incidents).

use super::api::ExtensionApi;
use gateway_doctor::session_keys::SessionKey;
use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Default)]
struct IncidentIndex {
    /// A list, not a set: a few hundred tabs at most, and a set's code would weigh more in the
    /// wasm than its lookups would save.
    tabs: Vec<i64>,
    unassigned: bool,
}

thread_local! {
    static INDEX: RefCell<Option<IncidentIndex>> = const { RefCell::new(None) };
}

/// Whether the tab has a stored incident.
pub async fn has_tab(api: &ExtensionApi, tab_id: i64) -> Result<bool, JsValue> {
    ensure_loaded(api).await?;
    Ok(INDEX.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|i| i.tabs.contains(&tab_id))
    }))
}

/// Whether a failure waits for its tab.
pub async fn has_unassigned(api: &ExtensionApi) -> Result<bool, JsValue> {
    ensure_loaded(api).await?;
    Ok(INDEX.with(|i| i.borrow().as_ref().is_some_and(|i| i.unassigned)))
}

/// `key` was written (`stored`) or removed.
pub fn note(key: &str, stored: bool) {
    INDEX.with(|i| {
        if let Some(index) = i.borrow_mut().as_mut() {
            note_in(index, key, stored);
        }
    });
}

fn note_in(index: &mut IncidentIndex, key: &str, stored: bool) {
    match SessionKey::parse(key) {
        Some(SessionKey::Unassigned) => index.unassigned = stored,
        Some(SessionKey::Incident(tab)) => {
            if !stored {
                index.tabs.retain(|known| *known != tab);
            } else if !index.tabs.contains(&tab) {
                index.tabs.push(tab);
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
        note_in(&mut index, &key, true);
    }
    INDEX.with(|i| {
        let mut slot = i.borrow_mut();
        if slot.is_none() {
            *slot = Some(index);
        }
    });
    Ok(())
}

/// The keys in session storage, without reading what they hold (`getKeys`, where the browser has
/// it: a store full of failed tabs is large).
async fn stored_keys(api: &ExtensionApi) -> Result<Vec<String>, JsValue> {
    let session = api.storage().session();
    let get_keys = Reflect::get(&session, &"getKeys".into())?;
    let keys = match get_keys.dyn_ref::<js_sys::Function>() {
        Some(get_keys) => {
            let promise: js_sys::Promise = get_keys.call0(&session)?.dyn_into()?;
            JsFuture::from(promise).await?
        }
        None => {
            let items = JsFuture::from(session.get(&JsValue::NULL)).await?;
            js_sys::Object::keys(&items.into()).into()
        }
    };
    Ok(js_sys::Array::from(&keys)
        .iter()
        .filter_map(|k| k.as_string())
        .collect())
}
