//! Settings in `storage.sync`: read leniently (see `crate::settings`), written whole.

use super::api::ExtensionApi;
use crate::settings::Settings;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The visitor's settings; storage that cannot be read at all gives the defaults.
pub async fn load(api: &ExtensionApi) -> Settings {
    let stored = match JsFuture::from(api.storage().sync().get(&JsValue::NULL)).await {
        Ok(items) => serde_wasm_bindgen::from_value(items).unwrap_or(serde_json::Value::Null),
        Err(error) => {
            web_sys::console::warn_2(
                &"Gateway Doctor: settings unreadable, using defaults".into(),
                &error,
            );
            serde_json::Value::Null
        }
    };
    Settings::from_stored(&stored)
}

pub async fn save(api: &ExtensionApi, settings: &Settings) -> Result<(), JsValue> {
    let items = settings.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?;
    JsFuture::from(api.storage().sync().set(&items)).await?;
    Ok(())
}
