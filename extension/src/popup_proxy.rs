//! The proxy check, on the visitor's click (the popup's second build attaches it to the button
//! the check lines show): it asks for the optional "proxy" permission in that click, then asks
//! the background to read the browser's proxy setting (`proxy_check.rs`, in the failure module).
//! The record is stored there and the check lines show it; a refusal is stored here.

use super::api::{message, ExtensionApi};
use super::check_store;
use gateway_doctor::checks::record::{CheckId, CheckRecord, CheckState};
use gateway_doctor::incident::truncate;
use gateway_doctor::messages::Message;
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
        let outcome = match granted {
            // The failure module reads the setting and stores the record: its verdict, which
            // rules auto-retry, must hear it as it hears every other check.
            Some(promise) => match JsFuture::from(promise).await {
                Ok(yes) if yes.as_bool() == Some(true) => ask_background(&api, tab_id).await,
                Ok(_) => Err(message(&api, "proxyPermissionRefused", &[])),
                Err(error) => Err(super::net::describe_error(&error, 0)),
            },
            None => Err(message(&api, "proxyUnavailable", &[])),
        };
        // Not asked, or not carried out: the line says why.
        if let Err(error) = outcome {
            let mut record = CheckRecord::running(
                CheckId::Proxy,
                incident_at_ms,
                started,
                "proxy.settings.get".into(),
            );
            record.state = CheckState::Failed;
            record.note = Some(truncate(&error, 160));
            record.elapsed_ms = Some((js_sys::Date::now() - started).max(0.0) as u64);
            if let Err(error) = check_store::save(&api, tab_id, &record).await {
                web_sys::console::warn_2(&"Gateway Doctor: proxy check not stored".into(), &error);
            }
        }
    });
}

/// Asks the background to run the proxy check for the tab's failure; its answer says whether it
/// was carried out (`{ok, error}`).
async fn ask_background(api: &ExtensionApi, tab_id: i64) -> Result<(), String> {
    let request = super::js_ser::to_value(&Message::CheckProxy { tab_id })
        .map_err(|_| "bad request".to_string())?;
    let answer = JsFuture::from(api.runtime().send_message(&request))
        .await
        .map_err(|error| super::net::describe_error(&error, 0))?;
    let field = |name: &str| Reflect::get(&answer, &name.into()).unwrap_or(JsValue::UNDEFINED);
    match field("ok").as_bool() {
        Some(true) => Ok(()),
        _ => Err(field("error")
            .as_string()
            .unwrap_or_else(|| "no answer from the background".into())),
    }
}
