//! The banner on a failed page: one line on what happened, the auto-retry countdown, a button
//! to the details and one to dismiss it. Drawn by `extension/banner.js` in the page's isolated
//! world, with only extension-made text. This module decides when and says the auto-retry part;
//! the failure module (`banner_draw`) words the rest, which takes the diagnosis.

use super::api::{message, object, ExtensionApi};
use super::retry;
use super::settings_store;
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use gateway_doctor::retry::TabWaitState;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Shows the banner on the tab's error page (HTTP failures only: a browser's own network error
/// page cannot be scripted), unless the visitor turned banners off.
pub async fn show(api: &ExtensionApi, tab_id: i64, incident: &Incident) -> Result<(), JsValue> {
    if !matches!(incident.failure, Failure::Http { .. }) {
        return Ok(());
    }
    if !settings_store::cached(api).await.show_banner {
        return Ok(());
    }
    draw(api, tab_id, incident, false).await
}

/// Brings the countdown of banners already shown up to date (after auto-retry rescheduled).
pub async fn refresh(api: &ExtensionApi, tab_ids: &[i64]) {
    for &tab_id in tab_ids {
        let Ok(Some(incident)) = super::storage::load_tab(api, tab_id).await else {
            continue;
        };
        if let Err(error) = draw(api, tab_id, &incident, true).await {
            web_sys::console::debug_2(&"Gateway Doctor: banner not updated".into(), &error);
        }
    }
}

/// The banner's auto-retry part, which only the background knows (its watch and its notes); the
/// failure module words the rest and draws it (`banner_draw`).
async fn draw(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
    only_update: bool,
) -> Result<(), JsValue> {
    let say = |key: &str| message(api, key, &[]);
    let status = retry::status_of(api, tab_id).await?;
    let next_check = status
        .as_ref()
        .filter(|s| s.state == TabWaitState::Waiting)
        .and_then(|s| s.next_probe_at_ms)
        .map_or(JsValue::NULL, |at| JsValue::from_f64(at as f64));
    let retry_note = match &status {
        Some(s) if s.state == TabWaitState::PausedOffline => say("retryPausedOffline"),
        Some(_) => String::new(),
        None => match retry::note_of(api, tab_id).await {
            Some(note) if note.is_visitors_side() => say(note.message_key()),
            _ => say("bannerNoRetry"),
        },
    };
    let retry_part = object(&[
        ("retryNote", retry_note.into()),
        ("nextCheckAtMs", next_check),
        ("onlyUpdate", only_update.into()),
    ])?;
    super::link::draw_banner(tab_id, incident, retry_part).await
}

/// Opens the details (the popup's page) for the tab whose banner asked, next to it.
pub async fn open_details(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    let url = api.runtime().get_url(&format!("popup.html?tab={tab_id}"));
    let tab = JsFuture::from(api.tabs().get(tab_id as f64)).await?;
    let index = js_sys::Reflect::get(&tab, &"index".into())?
        .as_f64()
        .map_or(JsValue::UNDEFINED, |i| JsValue::from_f64(i + 1.0));
    let properties = object(&[("url", url.into()), ("index", index)])?;
    JsFuture::from(api.tabs().create(&properties)).await?;
    Ok(())
}
