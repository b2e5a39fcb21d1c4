//! The proxy check, on the visitor's click (the popup's second build attaches it to the button
//! the check lines show): it asks for the optional "proxy" permission in that click, reads the
//! browser's proxy setting and stores the record, which the check lines then show.

use super::api::{message, object, ExtensionApi};
use super::check_store;
use gateway_doctor::checks::record::{proxy_mode_configured, CheckId, CheckRecord, CheckState};
use gateway_doctor::incident::truncate;
use js_sys::Reflect;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

/// Makes `button` run the proxy check for the failure of `tab_id` stamped `incident_at_ms`.
pub fn attach(
    api: &Rc<ExtensionApi>,
    button: &Element,
    tab_id: i64,
    incident_at_ms: f64,
) -> Result<(), JsValue> {
    let api = Rc::clone(api);
    let on_click = Closure::<dyn FnMut()>::new(move || {
        check_proxy(&api, tab_id, incident_at_ms);
    });
    button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    // The popup lives as long as its buttons.
    on_click.forget();
    Ok(())
}

fn check_proxy(api: &Rc<ExtensionApi>, tab_id: i64, incident_at_ms: f64) {
    // Asked at once: the permission prompt needs the click's user gesture.
    let granted = super::api::request_permission(api, "proxy");
    let api = Rc::clone(api);
    wasm_bindgen_futures::spawn_local(async move {
        let started = js_sys::Date::now();
        let mut record = CheckRecord::running(
            CheckId::Proxy,
            incident_at_ms,
            started,
            "proxy.settings.get".into(),
        );
        let outcome = match granted {
            Some(promise) => match JsFuture::from(promise).await {
                Ok(yes) if yes.as_bool() == Some(true) => read_proxy_mode(&api).await,
                Ok(_) => Err(message(&api, "proxyPermissionRefused", &[])),
                Err(error) => Err(super::net::describe_error(&error, 0)),
            },
            None => Err(message(&api, "proxyUnavailable", &[])),
        };
        match outcome {
            Ok(mode) => {
                record.state = CheckState::Done;
                record.proxy_configured = proxy_mode_configured(&mode);
                record.proxy_mode = Some(mode);
            }
            Err(error) => {
                record.state = CheckState::Failed;
                record.note = Some(truncate(&error, 160));
            }
        }
        record.elapsed_ms = Some((js_sys::Date::now() - started).max(0.0) as u64);
        if let Err(error) = check_store::save(&api, tab_id, &record).await {
            web_sys::console::warn_2(&"Gateway Doctor: proxy check not stored".into(), &error);
        }
    });
}

async fn read_proxy_mode(api: &ExtensionApi) -> Result<String, String> {
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
