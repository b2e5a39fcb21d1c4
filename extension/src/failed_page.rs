//! Runs `inFailedPage` (extension/banner.js) in a tab's failed document, and only there: to read
//! the error page, or to draw the banner. Chromium names the document, so a tab that moved on or
//! reloaded gets nothing; Firefox has no document ids, and the script checks inside the page.

use super::api::{object, ExtensionApi};
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The script's result (the page excerpt for a read, `true` for a banner), or `None` when the
/// tab no longer shows the failed document.
pub async fn run(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
    banner: Option<JsValue>,
) -> Result<Option<JsValue>, JsValue> {
    let Some(document_id) = failed_document(api, tab_id, incident).await? else {
        return Ok(None);
    };
    let status = match incident.failure {
        Failure::Http { status } => JsValue::from_f64(f64::from(status)),
        Failure::Network { .. } => return Ok(None),
    };
    let expect = object(&[
        ("url", incident.url.as_str().into()),
        ("status", status),
        // The document that failed last: a reload that failed again is a newer one.
        ("atMs", JsValue::from_f64(incident.last_seen_ms())),
    ])?;
    let run = js_sys::Reflect::get(&js_sys::global(), &"gatewayDoctorInFailedPage".into())?
        .dyn_into::<js_sys::Function>()?;
    let args: js_sys::Array = [
        JsValue::from_f64(tab_id as f64),
        document_id,
        expect,
        banner.unwrap_or(JsValue::NULL),
    ]
    .into_iter()
    .collect();
    let promise: js_sys::Promise = run.apply(&JsValue::NULL, &args)?.dyn_into()?;
    let result = JsFuture::from(promise).await?;
    Ok((!result.is_null() && !result.is_undefined()).then_some(result))
}

/// The tab's top document if it is at the failed address: its id in Chromium, `undefined` in
/// Firefox (which has none); `None` when the tab shows another address.
async fn failed_document(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
) -> Result<Option<JsValue>, JsValue> {
    let Some(navigation) = api.web_navigation() else {
        return Ok(Some(JsValue::UNDEFINED));
    };
    let query = object(&[
        ("tabId", JsValue::from_f64(tab_id as f64)),
        ("frameId", JsValue::from_f64(0.0)),
    ])?;
    let frame = JsFuture::from(navigation.get_frame(&query)).await?;
    let url = js_sys::Reflect::get(&frame, &"url".into())
        .ok()
        .and_then(|u| u.as_string());
    if !url.is_some_and(|url| incident.is_at(&url)) {
        return Ok(None);
    }
    let document_id = js_sys::Reflect::get(&frame, &"documentId".into())?;
    Ok(Some(if document_id.as_string().is_some() {
        document_id
    } else {
        JsValue::UNDEFINED
    }))
}
