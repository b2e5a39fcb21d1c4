//! Settings in `storage.sync`: read leniently by the core's one reader (`Settings::read`), written
//! whole.

use super::api::ExtensionApi;
use super::net::Json;
use gateway_doctor::settings::Settings;
#[cfg(feature = "ui")]
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The visitor's settings; storage that cannot be read at all gives the defaults.
pub async fn load(api: &ExtensionApi) -> Settings {
    let items = match JsFuture::from(api.storage().sync().get(&JsValue::NULL)).await {
        Ok(items) => items,
        Err(error) => {
            web_sys::console::warn_2(
                &"Gateway Doctor: settings unreadable, using defaults".into(),
                &error,
            );
            JsValue::UNDEFINED
        }
    };
    Settings::read(&Json(items))
}

#[cfg(feature = "ui")]
pub async fn save(api: &ExtensionApi, settings: &Settings) -> Result<(), JsValue> {
    let items = settings.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?;
    JsFuture::from(api.storage().sync().set(&items)).await?;
    Ok(())
}
