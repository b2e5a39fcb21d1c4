//! Settings in `storage.sync`: read leniently by the core's one reader (`Settings::read`), written
//! whole.

use super::api::ExtensionApi;
use super::net::Json;
use gateway_doctor::settings::Settings;
#[cfg(feature = "ui")]
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[cfg(feature = "background")]
thread_local! {
    /// The background's copy, dropped whenever synced storage changes: a failure's handling
    /// (and so its badge) does not wait for a storage read while the worker is awake.
    static CACHED: std::cell::RefCell<Option<Settings>> = const { std::cell::RefCell::new(None) };
    static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The settings, from the background's copy when it has one.
#[cfg(feature = "background")]
pub async fn cached(api: &ExtensionApi) -> Settings {
    if let Some(settings) = CACHED.with(|c| c.borrow().clone()) {
        return settings;
    }
    watch_changes(api);
    let settings = load(api).await;
    CACHED.with(|c| *c.borrow_mut() = Some(settings.clone()));
    settings
}

#[cfg(feature = "background")]
fn watch_changes(api: &ExtensionApi) {
    use wasm_bindgen::JsCast;
    if WATCHING.with(|w| w.replace(true)) {
        return;
    }
    let forget = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue, JsValue)>::new(
        |_changes: JsValue, area: JsValue| {
            if area.as_string().as_deref() == Some("sync") {
                CACHED.with(|c| c.borrow_mut().take());
            }
        },
    );
    api.storage()
        .on_changed()
        .add_listener(forget.as_ref().unchecked_ref());
    // Lives as long as the background.
    forget.forget();
}

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
