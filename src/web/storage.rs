//! Incidents in `storage.session`: they outlive a stopped service worker, not the browser session.

use super::api::{object, ExtensionApi};
use crate::incident::Incident;
use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub const UNASSIGNED_KEY: &str = "incident:unassigned";

pub fn tab_key(tab_id: i64) -> String {
    format!("incident:{tab_id}")
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
    Ok(())
}

pub async fn remove(api: &ExtensionApi, key: &str) -> Result<(), JsValue> {
    JsFuture::from(api.storage().session().remove(&JsValue::from_str(key))).await?;
    Ok(())
}
