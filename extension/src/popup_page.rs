//! What both of the popup's builds need of the page: which tab it is about, and the visitor's
//! browser and system.

use super::api::{object, ExtensionApi};
use gateway_doctor::platform::Platform;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The tab named by `?tab=<id>`, else the active tab.
pub async fn target_tab(api: &ExtensionApi) -> Result<Option<i64>, JsValue> {
    let search = web_sys::window()
        .map(|w| w.location().search().unwrap_or_default())
        .unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search)?;
    if let Some(tab) = params.get("tab").and_then(|t| t.parse::<i64>().ok()) {
        return Ok(Some(tab));
    }
    let query = object(&[("active", true.into()), ("currentWindow", true.into())])?;
    let tabs: Array = JsFuture::from(api.tabs().query(&query)).await?.into();
    let id = Reflect::get(&tabs.get(0), &"id".into())
        .ok()
        .and_then(|v| v.as_f64());
    Ok(id.map(|id| id as i64))
}

/// The visitor's browser and system, from what the page can see of them.
pub fn detect_platform() -> Platform {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Platform::detect("", &[], false);
    };
    let user_agent = navigator.user_agent().unwrap_or_default();
    let field = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).ok();
    let brands: Vec<String> = field(&navigator, "userAgentData")
        .and_then(|data| field(&data, "brands"))
        .filter(Array::is_array)
        .map(|b| {
            Array::from(&b)
                .iter()
                .filter_map(|brand| field(&brand, "brand")?.as_string())
                .collect()
        })
        .unwrap_or_default();
    let is_brave = field(&navigator, "brave").is_some_and(|b| b.is_object());
    Platform::detect(&user_agent, &brands, is_brave)
}
