//! The browser's proxy setting, read for the proxy check. The failure module reads it when the
//! visitor asked in the popup (whose click asked for the permission), so that its record joins
//! the verdict that rules auto-retry, as every other check's does.

use super::api::{message, object, ExtensionApi};
use gateway_doctor::incident::truncate;
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The proxy mode the browser reports (Chromium's `mode`, Firefox's `proxyType`), or why it
/// could not be read.
pub async fn read_mode(api: &ExtensionApi) -> Result<String, String> {
    // The API appears once the permission is granted; a fresh handle sees it.
    let fresh = super::api::extension_api().map_err(|_| "no extension API".to_string())?;
    let proxy = fresh
        .proxy()
        .ok_or_else(|| message(api, "proxyUnavailable", &[]))?;
    let details = object(&[]).map_err(|_| "bad request".to_string())?;
    let setting = JsFuture::from(proxy.settings().get(&details))
        .await
        .map_err(|error| super::net::describe_error(&error, 0))?;
    let value = Reflect::get(&setting, &"value".into()).unwrap_or(JsValue::UNDEFINED);
    ["mode", "proxyType"]
        .iter()
        .find_map(|field| Reflect::get(&value, &(*field).into()).ok()?.as_string())
        .map(|mode| truncate(&mode, 40))
        .ok_or_else(|| "unreadable proxy setting".to_string())
}
