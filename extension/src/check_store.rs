//! Check records in `storage.session`, one key per check (`check:<tab>:<id>`), so that checks
//! finishing together never overwrite each other.

use super::api::ExtensionApi;
use gateway_doctor::checks::record::{CheckId, CheckRecord};
use gateway_doctor::session_keys::SessionKey;
use wasm_bindgen::prelude::*;

pub fn check_key(tab_id: i64, check: CheckId) -> String {
    SessionKey::Check(tab_id, check).name()
}

#[cfg(any(feature = "popup", feature = "popup-more"))]
fn all_keys(tab_id: i64) -> js_sys::Array {
    CheckId::ALL
        .iter()
        .map(|id| JsValue::from_str(&check_key(tab_id, *id)))
        .collect()
}

#[cfg(any(feature = "popup-more", feature = "failure"))]
pub async fn save(api: &ExtensionApi, tab_id: i64, record: &CheckRecord) -> Result<(), JsValue> {
    let value = super::js_ser::to_value(&record)?;
    let items = super::api::object(&[(&check_key(tab_id, record.check), value)])?;
    super::storage::set_making_room(api, &items).await
}

/// The tab's records; a corrupt one is left out (and logged), never fatal.
#[cfg(any(feature = "popup", feature = "popup-more"))]
pub async fn load(api: &ExtensionApi, tab_id: i64) -> Result<Vec<CheckRecord>, JsValue> {
    let items =
        wasm_bindgen_futures::JsFuture::from(api.storage().session().get(&all_keys(tab_id)))
            .await?;
    let mut records = Vec::new();
    for id in CheckId::ALL {
        let value = js_sys::Reflect::get(&items, &JsValue::from_str(&check_key(tab_id, id)))?;
        if value.is_undefined() {
            continue;
        }
        match super::js_de::from_value::<CheckRecord>(value) {
            Ok(record) if record.check == id => records.push(record),
            _ => {
                web_sys::console::warn_1(&"Gateway Doctor: ignoring a corrupt check result".into())
            }
        }
    }
    Ok(records)
}
