//! Settings in `storage.sync`: read leniently (see `gateway_doctor::settings`), written whole.

use super::api::ExtensionApi;
use gateway_doctor::settings::{Settings, StoredFields};
use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

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
    // Field by field with plain type checks: a wrong type drops that field only.
    let field = |name: &str| Reflect::get(&items, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let never_retry = field("neverRetry");
    let text = |name: &str| field(name).as_string();
    Settings::from_fields(StoredFields {
        refetch_page: field("refetchPage").as_bool(),
        checker: text("checker"),
        checker_url: text("checkerUrl"),
        check_dns: field("checkDns").as_bool(),
        dns_resolver: text("dnsResolver"),
        connectivity_url: text("connectivityUrl"),
        show_banner: field("showBanner").as_bool(),
        auto_retry: field("autoRetry").as_bool(),
        retry_server_errors: field("retryServerErrors").as_bool(),
        retry_network_errors: field("retryNetworkErrors").as_bool(),
        notify_when_back: field("notifyWhenBack").as_bool(),
        retry_limit_minutes: field("retryLimitMinutes").as_f64(),
        never_retry: js_sys::Array::is_array(&never_retry).then(|| {
            js_sys::Array::from(&never_retry)
                .iter()
                .map(|host| host.as_string())
                .collect()
        }),
    })
}

pub async fn save(api: &ExtensionApi, settings: &Settings) -> Result<(), JsValue> {
    let items = settings.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?;
    JsFuture::from(api.storage().sync().set(&items)).await?;
    Ok(())
}
