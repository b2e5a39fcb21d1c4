//! The background's first module: a small build of the core that sets a failed page's badge
//! while the full module is still loading (a stopped worker wakes for the event and must first
//! compile the full core). It decides nothing of its own: `engine::first_badge` is the badge the
//! engine sets for the same event, and the full module then handles the event as always.

use super::api::extension_api;
use super::net::Json;
use gateway_doctor::engine::{first_badge as decide, Effect};
use gateway_doctor::incident::RequestDetails;
use gateway_doctor::json::JsonView;
use gateway_doctor::rules::{Rules, STORAGE_KEY};
use gateway_doctor::settings::Settings;
use gateway_doctor::tracker::{request_badge, TabEvent};
use wasm_bindgen::prelude::*;

/// Sets the badge for a `webRequest` event (`kind`: `completed` or `error`) when it is a failure
/// the engine badges; `synced`: what `storage.sync` held when the worker started (only the
/// visitor's rules bear on a badge: "ignore this site"). True when a badge was set.
#[wasm_bindgen]
pub async fn first_badge(kind: String, details: JsValue, synced: JsValue) -> Result<bool, JsValue> {
    // Details no browser sends: the full module says so; no badge here.
    let Ok(request) = RequestDetails::read_checked(&Json(details)) else {
        return Ok(false);
    };
    let event = match kind.as_str() {
        "completed" => TabEvent::Completed(request),
        "error" => TabEvent::Errored(request),
        _ => return Ok(false),
    };
    // An ordinary load reads nothing: only a failure needs the visitor's rules.
    if request_badge(&event).is_none() {
        return Ok(false);
    }
    let api = extension_api()?;
    let settings = Settings {
        site_rules: Rules::read(Json(synced).field(STORAGE_KEY).as_ref()),
        ..Settings::default()
    };
    match decide(&event, &settings) {
        Some(Effect::SetBadge { tab_id, text, host }) => {
            super::badge::show(&api, tab_id, &text, &host).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
