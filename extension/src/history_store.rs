//! The sites' failure history in `storage.local` (never synced), bounded by the core
//! (`gateway_doctor::history::bounded`). Entries that cannot be read are left out with a console
//! warning; the others are kept.

use super::api::{ExtensionApi, StorageArea};
use super::net::Json;
use gateway_doctor::history::{self, Entry, STORAGE_KEY};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn local(api: &ExtensionApi) -> Result<StorageArea, JsValue> {
    let area = js_sys::Reflect::get(&api.storage(), &"local".into())?;
    if area.is_object() {
        Ok(area.unchecked_into())
    } else {
        Err(JsValue::from_str("Gateway Doctor: no storage.local"))
    }
}

/// The stored entries, bounded at `now_ms`; unreadable storage gives none (and is logged).
pub async fn load(api: &ExtensionApi, now_ms: f64) -> Vec<Entry> {
    let read = async {
        let items = JsFuture::from(local(api)?.get(&JsValue::from_str(STORAGE_KEY))).await?;
        js_sys::Reflect::get(&items, &JsValue::from_str(STORAGE_KEY))
    };
    let value = match read.await {
        Ok(value) => value,
        Err(error) => {
            web_sys::console::warn_2(&"Gateway Doctor: history unreadable".into(), &error);
            return Vec::new();
        }
    };
    let stored = (!value.is_undefined()).then_some(Json(value));
    let (entries, corrupt) = history::read(stored.as_ref());
    if corrupt > 0 {
        web_sys::console::warn_1(
            &format!("Gateway Doctor: ignoring {corrupt} unreadable history entries").into(),
        );
    }
    history::bounded(entries, now_ms)
}

#[cfg(any(feature = "failure", feature = "options"))]
async fn save(api: &ExtensionApi, entries: &[Entry]) -> Result<(), JsValue> {
    let value = super::js_ser::to_value(&entries)?;
    let items = super::api::object(&[(STORAGE_KEY, value)])?;
    JsFuture::from(local(api)?.set(&items)).await?;
    Ok(())
}

/// Adds one ended failure (for the background, which waits for it in its queue: one writer at
/// a time).
#[cfg(feature = "failure")]
pub async fn append(api: &ExtensionApi, entry: Entry) -> Result<(), JsValue> {
    let now = js_sys::Date::now();
    let entries = history::append(load(api, now).await, entry, now);
    save(api, &entries).await
}

/// Forgets one site's history.
#[cfg(feature = "options")]
pub async fn clear_host(api: &ExtensionApi, host: &str) -> Result<(), JsValue> {
    let now = js_sys::Date::now();
    let entries = history::without_host(load(api, now).await, host);
    save(api, &entries).await
}

/// Forgets the whole history.
#[cfg(feature = "options")]
pub async fn clear_all(api: &ExtensionApi) -> Result<(), JsValue> {
    JsFuture::from(local(api)?.remove(&JsValue::from_str(STORAGE_KEY))).await?;
    Ok(())
}
