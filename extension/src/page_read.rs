//! Reads the failed page for the diagnosis: the background hands the text to the engine.

use super::api::ExtensionApi;
use gateway_doctor::incident::Incident;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A bounded prefix of the error page shown in `tab_id` once it has loaded; none when the tab
/// moved on or never finished loading it.
pub async fn read(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
) -> Result<Option<String>, JsValue> {
    if !wait_until_loaded(api, tab_id, incident).await? {
        return Ok(None);
    }
    let text = super::failed_page::run(api, tab_id, incident, None).await?;
    Ok(text.map(|text| text.as_string().unwrap_or_default()))
}

/// Waits (at most ~10 s) until the tab shows the failed address fully loaded; false if it never
/// does.
async fn wait_until_loaded(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
) -> Result<bool, JsValue> {
    for _ in 0..100 {
        let tab = JsFuture::from(api.tabs().get(tab_id as f64)).await?;
        let status = js_sys::Reflect::get(&tab, &"status".into())?.as_string();
        let shown = js_sys::Reflect::get(&tab, &"url".into())?.as_string();
        if status.as_deref() == Some("complete") && shown.is_some_and(|url| incident.is_at(&url)) {
            return Ok(true);
        }
        gloo_timers::future::TimeoutFuture::new(100).await;
    }
    Ok(false)
}
