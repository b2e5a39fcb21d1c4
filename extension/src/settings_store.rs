//! Settings in `storage.sync`: read leniently by the core's one reader (`Settings::read`), written
//! whole.

use super::api::ExtensionApi;
use super::net::Json;
use gateway_doctor::settings::Settings;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[cfg(feature = "background")]
thread_local! {
    /// The background's copy, dropped whenever synced storage changes: a failure's handling
    /// (and so its badge) does not wait for a storage read while the worker is awake.
    static CACHED: std::cell::RefCell<Option<Settings>> = const { std::cell::RefCell::new(None) };
    static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Changes to synced storage seen so far: a read that a change overtook is not kept.
    static CHANGES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The settings, from the background's copy when it has one.
#[cfg(feature = "background")]
pub async fn cached(api: &ExtensionApi) -> Settings {
    if let Some(settings) = CACHED.with(|c| c.borrow().clone()) {
        return settings;
    }
    watch_changes(api);
    let changes_before = CHANGES.with(|c| c.get());
    let settings = load(api).await;
    // A change heard while the read was on its way may be newer than what it read.
    if CHANGES.with(|c| c.get()) == changes_before {
        CACHED.with(|c| *c.borrow_mut() = Some(settings.clone()));
    }
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
                CHANGES.with(|c| c.set(c.get() + 1));
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
#[cfg(any(
    feature = "background",
    feature = "popup",
    feature = "popup-more",
    feature = "options"
))]
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

#[cfg(feature = "options")]
pub async fn save(api: &ExtensionApi, settings: &Settings) -> Result<(), JsValue> {
    let items = super::js_ser::to_value(&settings)?;
    JsFuture::from(api.storage().sync().set(&items)).await?;
    Ok(())
}

/// Saves the per-site rules alone (other settings untouched). A list that would not fit one
/// synced item (8 KB), or that the browser refuses for its quota, is not saved: the error is the
/// visitor's message.
#[cfg(any(feature = "popup-more", feature = "options"))]
pub async fn save_rules(
    api: &ExtensionApi,
    rules: &gateway_doctor::rules::Rules,
) -> Result<(), String> {
    use gateway_doctor::rules::{MAX_RULES, STORAGE_KEY};
    let full = || {
        super::api::message(
            api,
            "rulesFull",
            &[rules.0.len().to_string(), MAX_RULES.to_string()],
        )
    };
    if !rules.fits_sync() {
        return Err(full());
    }
    let value = super::js_ser::to_value(&rules).map_err(|e| e.to_string())?;
    let items = super::api::object(&[(STORAGE_KEY, value)]).map_err(|_| full())?;
    match JsFuture::from(api.storage().sync().set(&items)).await {
        Ok(_) => Ok(()),
        Err(error) => {
            web_sys::console::warn_2(&"Gateway Doctor: rules not saved".into(), &error);
            let text = js_sys::Reflect::get(&error, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .or_else(|| error.as_string())
                .unwrap_or_default();
            if text.to_ascii_uppercase().contains("QUOTA") {
                Err(full())
            } else {
                Err(super::api::message(api, "rulesNotSaved", &[text]))
            }
        }
    }
}

/// The background's copy against a stand-in storage whose reads the test answers when it chooses.
#[cfg(all(test, feature = "background"))]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use crate::held_storage::{settle, spawned, HeldStorage};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn a_change_during_the_first_read_is_not_lost_to_the_copy() {
        let storage = HeldStorage::new("sync");
        let api = storage.api();
        let first = spawned({
            let api = std::rc::Rc::clone(&api);
            async move { cached(&api).await }
        });
        settle().await;
        assert_eq!(storage.reads(), 1.0, "the first read");
        // The visitor turns auto-retry off while that read is on its way.
        storage.write("autoRetry", false.into());
        storage.answer(0);
        settle().await;
        let first = first.borrow().clone().expect("the first read came back");
        assert!(first.auto_retry, "the first read held the old value");

        // The next event must not get that old value from the copy.
        let second = spawned(async move { cached(&api).await });
        settle().await;
        assert_eq!(storage.reads(), 2.0, "read again");
        storage.answer(1);
        settle().await;
        let second = second.borrow().clone().expect("the second read came back");
        assert!(!second.auto_retry, "the change is seen");
    }
}
