//! The background's first module: a small build of the core that sees every event while the full
//! module is not loaded. It sets a failed page's badge at once (a stopped worker wakes for the
//! event and must first compile the full core), and it tells the background script whether the
//! full core is needed at all: a worker woken by an ordinary navigation, with nothing kept,
//! never compiles it. It decides nothing of its own: `engine::first_badge` is the badge the
//! engine sets for the same event, `engine::needs_full_core` says which events the engine would
//! act on.

use super::api::extension_api;
use super::net::Json;
use gateway_doctor::engine::{first_badge as decide, needs_full_core, Effect, Event};
use gateway_doctor::event_read::is_ordinary_navigation;
use gateway_doctor::json::JsonView;
use gateway_doctor::rules::{Rules, STORAGE_KEY};
use gateway_doctor::session_keys::nothing_kept;
use gateway_doctor::settings::Settings;
use gateway_doctor::tracker::{request_badge, TabEvent};
use wasm_bindgen::prelude::*;

/// Whether the background must load the full core as it starts: something is kept in session
/// storage (an incident, a waiting failure, a check, auto-retry's state). `stored`: the names
/// `storage.session` holds; anything but a list of names (a failed read) says yes.
#[wasm_bindgen]
pub fn start_needs_full(stored: JsValue) -> bool {
    let Some(names) = stored.dyn_ref::<js_sys::Array>() else {
        return true;
    };
    let names: Option<Vec<String>> = names.iter().map(|name| name.as_string()).collect();
    names.is_none_or(|names| !nothing_kept(names.iter().map(String::as_str)))
}

/// Whether the background may drop the event unread while the full core is not wanted:
/// the core's `is_ordinary_navigation`, told from the event's numbers and field types alone. Not
/// async, so an ordinary page load's two events cost no promise of the core's either.
#[wasm_bindgen]
pub fn ordinary_navigation(kind: &str, details: JsValue) -> bool {
    is_ordinary_navigation(kind, &Json(details))
}

/// Sees one event (`kind` as `background.js` names its listeners) before the full core is loaded:
/// sets a failed request's badge, and says whether the full core must handle the event. Any
/// event but a tab event (a timer, a message...) needs it, and so does one it cannot read (the
/// full core then says what is wrong). `synced`: what `storage.sync` held when the worker
/// started (only the visitor's rules bear on a badge: "ignore this site"); `full_wanted`: the
/// full core is already loading, so only the badge is asked for.
#[wasm_bindgen]
pub async fn first_event(
    kind: String,
    details: JsValue,
    synced: JsValue,
    full_wanted: bool,
) -> Result<bool, JsValue> {
    let Ok(event) = TabEvent::read(&kind, &Json(details)) else {
        return Ok(true);
    };
    // An ordinary load reads nothing: only a failure needs the visitor's rules.
    if request_badge(&event).is_some() {
        let settings = Settings {
            site_rules: Rules::read(Json(synced).field(STORAGE_KEY).as_ref()),
            ..Settings::default()
        };
        if let Some(Effect::SetBadge { tab_id, text, host }) = decide(&event, &settings) {
            super::badge::show(&extension_api()?, tab_id, &text, &host).await?;
        }
    }
    Ok(full_wanted || needs_full_core(&Event::Tab(event), js_sys::Date::now()))
}
