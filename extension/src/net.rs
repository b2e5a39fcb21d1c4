//! `fetch` from the background or an extension page, with a hard timeout and bounded reading.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
#[cfg(any(feature = "background", feature = "failure"))]
use wasm_bindgen_futures::JsFuture;

#[cfg(any(feature = "background", feature = "failure"))]
/// `fetch` on whichever global this is: a service worker (Chromium), an event page (Firefox)
/// or an extension page.
pub fn global_fetch(url: &str, init: &web_sys::RequestInit) -> Option<js_sys::Promise> {
    let global = js_sys::global();
    if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        return Some(window.fetch_with_str_and_init(url, init));
    }
    global
        .dyn_ref::<web_sys::WorkerGlobalScope>()
        .map(|worker| worker.fetch_with_str_and_init(url, init))
}

#[cfg(feature = "failure")]
/// A request init aborted after `timeout_ms`.
pub fn request(method: &str, timeout_ms: u32) -> web_sys::RequestInit {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
    init.set_signal(Some(&signal));
    init
}

#[cfg(any(feature = "background", feature = "failure"))]
/// Sends the request; an error is a short description (the browser's own words, or "timed
/// out after N s").
pub async fn send(
    url: &str,
    init: &web_sys::RequestInit,
    timeout_ms: u32,
) -> Result<web_sys::Response, String> {
    let promise = global_fetch(url, init).ok_or("no fetch in this context")?;
    match JsFuture::from(promise).await {
        Ok(response) => response
            .dyn_into::<web_sys::Response>()
            .map_err(|_| "not a response".to_string()),
        Err(error) => Err(describe_error(&error, timeout_ms)),
    }
}

#[cfg(feature = "failure")]
/// Reads a response body of at most `max_bytes` as text, through its stream: it stops reading
/// (and cancels the download) as soon as the answer is larger, whatever its declared length.
pub async fn read_text(response: &web_sys::Response, max_bytes: usize) -> Result<String, String> {
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|len| len.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > max_bytes as u64) {
        cancel_body(response);
        return Err("answer too large".into());
    }
    let Some(body) = response.body() else {
        return Ok(String::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "answer unreadable".to_string())?;
    let mut bytes = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|error| describe_error(&error, 0))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        let Some(part) = value.dyn_ref::<js_sys::Uint8Array>() else {
            return Err("answer unreadable".into());
        };
        if bytes.len() + part.length() as usize > max_bytes {
            let _ignored = reader.cancel();
            return Err("answer too large".into());
        }
        bytes.extend(part.to_vec());
    }
    String::from_utf8(bytes).map_err(|_| "answer is not UTF-8 text".to_string())
}

#[cfg(feature = "failure")]
/// Stops a body we will not read from downloading.
pub fn cancel_body(response: &web_sys::Response) {
    if let Some(body) = response.body() {
        let _ignored = body.cancel();
    }
}

#[cfg(feature = "failure")]
/// The answer was a redirect that `redirect: "manual"` did not follow (an opaque redirect).
pub fn is_unfollowed_redirect(response: &web_sys::Response) -> bool {
    response.type_() == web_sys::ResponseType::Opaqueredirect
}

/// A rejected fetch in a few words.
#[cfg(any(
    feature = "background",
    feature = "popup",
    feature = "popup-more",
    feature = "failure"
))]
pub fn describe_error(error: &JsValue, timeout_ms: u32) -> String {
    let field = |name: &str| {
        js_sys::Reflect::get(error, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    if field("name").as_deref() == Some("TimeoutError") && timeout_ms > 0 {
        return format!("timed out after {} s", timeout_ms.div_ceil(1000));
    }
    let text = field("message")
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "request failed".into());
    gateway_doctor::incident::truncate(text.trim(), 160)
}

/// Parsed JSON as the browser's `JSON.parse` gives it, read through `gateway_doctor::json::JsonView`.
pub struct Json(pub JsValue);

impl Json {
    #[cfg(feature = "failure")]
    pub fn parse(body: &str) -> Result<Json, String> {
        js_sys::JSON::parse(body)
            .map(Json)
            .map_err(|_| "answer is not JSON".to_string())
    }
}

impl gateway_doctor::json::JsonView for Json {
    fn field(&self, key: &str) -> Option<Self> {
        if !self.0.is_object() || js_sys::Array::is_array(&self.0) {
            return None;
        }
        // Own properties only: nothing from the prototype chain ("constructor"...). The key is
        // made a JS string once: every field of every event is read through here.
        let key = JsValue::from_str(key);
        if !js_sys::Object::has_own(self.0.unchecked_ref::<js_sys::Object>(), &key) {
            return None;
        }
        js_sys::Reflect::get(&self.0, &key).ok().map(Json)
    }
    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }
    fn is_null(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }
    fn is_text(&self) -> bool {
        self.0.is_string()
    }
    fn items(&self) -> Option<Vec<Self>> {
        js_sys::Array::is_array(&self.0).then(|| {
            js_sys::Array::from(&self.0)
                .iter()
                .take(1000)
                .map(Json)
                .collect()
        })
    }
}
