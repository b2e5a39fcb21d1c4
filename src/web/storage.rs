//! Incidents in `storage.session`: they outlive a stopped service worker, not the browser session.

use super::api::{object, ExtensionApi};
use crate::incident::Incident;
use js_sys::Reflect;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub const UNASSIGNED_KEY: &str = "incident:unassigned";
const PREFIX: &str = "incident:";

/// Which incidents exist, kept in memory so that an ordinary navigation (no incident on its tab)
/// costs no storage read at all. Rebuilt from storage once per background start.
#[derive(Default)]
struct IncidentIndex {
    tabs: BTreeSet<i64>,
    unassigned: bool,
}

thread_local! {
    static INDEX: RefCell<Option<IncidentIndex>> = const { RefCell::new(None) };
}

async fn ensure_index(api: &ExtensionApi) -> Result<(), JsValue> {
    if INDEX.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let items = JsFuture::from(api.storage().session().get(&JsValue::NULL)).await?;
    let mut index = IncidentIndex::default();
    for key in js_sys::Object::keys(&items.into())
        .iter()
        .filter_map(|k| k.as_string())
    {
        note_saved(&mut index, &key, true);
    }
    INDEX.with(|i| {
        let mut slot = i.borrow_mut();
        if slot.is_none() {
            *slot = Some(index);
        }
    });
    Ok(())
}

fn note_saved(index: &mut IncidentIndex, key: &str, present: bool) {
    if key == UNASSIGNED_KEY {
        index.unassigned = present;
    } else if let Some(tab) = key.strip_prefix(PREFIX).and_then(|id| id.parse().ok()) {
        if present {
            index.tabs.insert(tab);
        } else {
            index.tabs.remove(&tab);
        }
    }
}

fn update_index(key: &str, present: bool) {
    INDEX.with(|i| {
        if let Some(index) = i.borrow_mut().as_mut() {
            note_saved(index, key, present);
        }
    });
}

/// The tab's incident, reading storage only when there is one.
pub async fn load_tab(api: &ExtensionApi, tab_id: i64) -> Result<Option<Incident>, JsValue> {
    ensure_index(api).await?;
    if !INDEX.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|i| i.tabs.contains(&tab_id))
    }) {
        return Ok(None);
    }
    load(api, &tab_key(tab_id)).await
}

/// The incident still waiting for its tab, reading storage only when there is one.
pub async fn load_unassigned(api: &ExtensionApi) -> Result<Option<Incident>, JsValue> {
    ensure_index(api).await?;
    if !INDEX.with(|i| i.borrow().as_ref().is_some_and(|i| i.unassigned)) {
        return Ok(None);
    }
    load(api, UNASSIGNED_KEY).await
}

pub fn tab_key(tab_id: i64) -> String {
    format!("{PREFIX}{tab_id}")
}

/// Reads an incident; a missing or corrupt entry reads as none (and a corrupt one is logged).
pub async fn load(api: &ExtensionApi, key: &str) -> Result<Option<Incident>, JsValue> {
    let items = JsFuture::from(api.storage().session().get(&JsValue::from_str(key))).await?;
    let value = Reflect::get(&items, &JsValue::from_str(key))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match from_stored(value) {
        Ok(incident) => Ok(Some(incident)),
        Err(error) => {
            web_sys::console::warn_2(
                &"Gateway Doctor: ignoring a corrupt stored incident".into(),
                &error.into(),
            );
            Ok(None)
        }
    }
}

/// The stored form: JSON-compatible plain objects, which both browsers' storage keeps intact.
pub fn to_stored(incident: &Incident) -> Result<JsValue, JsValue> {
    Ok(incident.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?)
}

pub fn from_stored(value: JsValue) -> Result<Incident, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(value)
}

pub async fn save(api: &ExtensionApi, key: &str, incident: &Incident) -> Result<(), JsValue> {
    let items = object(&[(key, to_stored(incident)?)])?;
    JsFuture::from(api.storage().session().set(&items)).await?;
    update_index(key, true);
    Ok(())
}

pub async fn remove(api: &ExtensionApi, key: &str) -> Result<(), JsValue> {
    JsFuture::from(api.storage().session().remove(&JsValue::from_str(key))).await?;
    update_index(key, false);
    Ok(())
}
