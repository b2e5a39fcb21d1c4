//! The slice of the WebExtension API that the core uses, reached as `browser` in Firefox and
//! `chrome` in Chromium (both return promises in Manifest V3).

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    pub type ExtensionApi;
    #[wasm_bindgen(method, getter)]
    pub fn action(this: &ExtensionApi) -> ActionApi;
    #[wasm_bindgen(method, getter)]
    pub fn storage(this: &ExtensionApi) -> StorageApi;
    #[wasm_bindgen(method, getter)]
    pub fn i18n(this: &ExtensionApi) -> I18nApi;
    #[wasm_bindgen(method, getter)]
    pub fn tabs(this: &ExtensionApi) -> TabsApi;
    #[wasm_bindgen(method, getter)]
    pub fn scripting(this: &ExtensionApi) -> ScriptingApi;
    #[wasm_bindgen(method, getter)]
    pub fn runtime(this: &ExtensionApi) -> RuntimeApi;
    /// Absent without the permission (and in contexts that lack it).
    #[wasm_bindgen(method, getter)]
    pub fn alarms(this: &ExtensionApi) -> Option<AlarmsApi>;
    #[wasm_bindgen(method, getter)]
    pub fn notifications(this: &ExtensionApi) -> Option<NotificationsApi>;
    /// Firefox only, with the `dns` permission.
    #[wasm_bindgen(method, getter)]
    pub fn dns(this: &ExtensionApi) -> Option<DnsApi>;
    /// Firefox only, with the `captivePortal` permission.
    #[wasm_bindgen(method, getter, js_name = captivePortal)]
    pub fn captive_portal(this: &ExtensionApi) -> Option<CaptivePortalApi>;
    /// Present once the optional `proxy` permission is granted.
    #[wasm_bindgen(method, getter)]
    pub fn proxy(this: &ExtensionApi) -> Option<ProxyApi>;
    #[wasm_bindgen(method, getter)]
    pub fn permissions(this: &ExtensionApi) -> Option<PermissionsApi>;
    #[wasm_bindgen(method, getter, js_name = browsingData)]
    pub fn browsing_data(this: &ExtensionApi) -> Option<BrowsingDataApi>;
    #[wasm_bindgen(method, getter)]
    pub fn windows(this: &ExtensionApi) -> Option<WindowsApi>;
    #[wasm_bindgen(method, getter, js_name = webNavigation)]
    pub fn web_navigation(this: &ExtensionApi) -> Option<WebNavigationApi>;

    pub type WebNavigationApi;
    #[wasm_bindgen(method, js_name = getFrame)]
    pub fn get_frame(this: &WebNavigationApi, details: &JsValue) -> Promise;

    pub type BrowsingDataApi;
    #[wasm_bindgen(method)]
    pub fn remove(this: &BrowsingDataApi, options: &JsValue, data_to_remove: &JsValue) -> Promise;

    pub type WindowsApi;
    #[wasm_bindgen(method)]
    pub fn create(this: &WindowsApi, create_data: &JsValue) -> Promise;

    pub type CaptivePortalApi;
    /// Resolves to `unknown`, `not_captive`, `unlocked_portal` or `locked_portal`.
    #[wasm_bindgen(method, js_name = getState)]
    pub fn get_state(this: &CaptivePortalApi) -> Promise;

    pub type DnsApi;
    #[wasm_bindgen(method)]
    pub fn resolve(this: &DnsApi, host: &str, flags: &JsValue) -> Promise;

    pub type ProxyApi;
    #[wasm_bindgen(method, getter)]
    pub fn settings(this: &ProxyApi) -> ProxySetting;
    pub type ProxySetting;
    #[wasm_bindgen(method)]
    pub fn get(this: &ProxySetting, details: &JsValue) -> Promise;

    pub type PermissionsApi;
    #[wasm_bindgen(method)]
    pub fn request(this: &PermissionsApi, permissions: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn contains(this: &PermissionsApi, permissions: &JsValue) -> Promise;

    pub type RuntimeApi;
    #[wasm_bindgen(method, js_name = getURL)]
    pub fn get_url(this: &RuntimeApi, path: &str) -> String;
    #[wasm_bindgen(method, js_name = sendMessage)]
    pub fn send_message(this: &RuntimeApi, message: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = getManifest)]
    pub fn get_manifest(this: &RuntimeApi) -> JsValue;

    pub type AlarmsApi;
    /// Chromium returns a promise, Firefox nothing: the result is not used.
    #[wasm_bindgen(method)]
    pub fn create(this: &AlarmsApi, name: &str, info: &JsValue) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn clear(this: &AlarmsApi, name: &str) -> Promise;

    pub type NotificationsApi;
    #[wasm_bindgen(method)]
    pub fn create(this: &NotificationsApi, id: &str, options: &JsValue) -> JsValue;

    pub type ScriptingApi;
    #[wasm_bindgen(method, js_name = executeScript)]
    pub fn execute_script(this: &ScriptingApi, injection: &JsValue) -> Promise;

    pub type ActionApi;
    #[wasm_bindgen(method, js_name = setBadgeText)]
    pub fn set_badge_text(this: &ActionApi, details: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = setBadgeBackgroundColor)]
    pub fn set_badge_background_color(this: &ActionApi, details: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = setTitle)]
    pub fn set_title(this: &ActionApi, details: &JsValue) -> Promise;

    pub type StorageApi;
    #[wasm_bindgen(method, getter)]
    pub fn session(this: &StorageApi) -> StorageArea;
    #[wasm_bindgen(method, getter)]
    pub fn sync(this: &StorageApi) -> StorageArea;
    #[wasm_bindgen(method, getter, js_name = onChanged)]
    pub fn on_changed(this: &StorageApi) -> EventApi;

    pub type EventApi;
    #[wasm_bindgen(method, js_name = addListener)]
    pub fn add_listener(this: &EventApi, listener: &js_sys::Function);

    pub type StorageArea;
    #[wasm_bindgen(method)]
    pub fn get(this: &StorageArea, keys: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn set(this: &StorageArea, items: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn remove(this: &StorageArea, keys: &JsValue) -> Promise;

    pub type I18nApi;
    #[wasm_bindgen(method, js_name = getMessage)]
    pub fn get_message(this: &I18nApi, key: &str, substitutions: &JsValue) -> String;
    #[wasm_bindgen(method, js_name = getUILanguage)]
    pub fn get_ui_language(this: &I18nApi) -> String;

    pub type TabsApi;
    #[wasm_bindgen(method)]
    pub fn query(this: &TabsApi, query: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn get(this: &TabsApi, tab_id: f64) -> Promise;
    #[wasm_bindgen(method)]
    pub fn reload(this: &TabsApi, tab_id: f64, options: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn update(this: &TabsApi, tab_id: f64, properties: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn create(this: &TabsApi, properties: &JsValue) -> Promise;
}

/// `globalThis.browser ?? globalThis.chrome`, or an error outside an extension.
pub fn extension_api() -> Result<ExtensionApi, JsValue> {
    let global = js_sys::global();
    for name in ["browser", "chrome"] {
        let candidate = Reflect::get(&global, &JsValue::from_str(name))?;
        if candidate.is_object() && Reflect::has(&candidate, &JsValue::from_str("runtime"))? {
            return Ok(candidate.unchecked_into());
        }
    }
    Err(JsValue::from_str(
        "Gateway Doctor: no extension API here (not running as an extension)",
    ))
}

/// A plain JS object from `(key, value)` pairs.
pub fn object(entries: &[(&str, JsValue)]) -> Result<JsValue, JsValue> {
    let target = js_sys::Object::new();
    for (key, value) in entries {
        Reflect::set(&target, &JsValue::from_str(key), value)?;
    }
    Ok(target.into())
}

/// A localised message; the key itself when the locale lacks it, so nothing shows blank.
pub fn message(api: &ExtensionApi, key: &str, args: &[String]) -> String {
    let substitutions: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    let text = api.i18n().get_message(key, &substitutions);
    if text.is_empty() {
        key.to_string()
    } else {
        text
    }
}

/// Asks for an optional permission; the promise resolves to whether it is granted.
#[cfg(any(feature = "popup", feature = "popup-more", feature = "options"))]
pub fn request_permission(api: &ExtensionApi, name: &str) -> Option<js_sys::Promise> {
    let permissions = api.permissions()?;
    let list: js_sys::Array = std::iter::once(JsValue::from_str(name)).collect();
    let request = object(&[("permissions", list.into())]).ok()?;
    Some(permissions.request(&request))
}
