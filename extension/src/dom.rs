//! Tiny DOM builders. Text goes in only through `textContent`: nothing from the network is
//! ever parsed as HTML.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

pub fn element(doc: &Document, tag: &str, id: &str) -> Result<Element, JsValue> {
    let el = doc.create_element(tag)?;
    if !id.is_empty() {
        el.set_id(id);
    }
    Ok(el)
}

pub fn text(doc: &Document, tag: &str, id: &str, content: &str) -> Result<Element, JsValue> {
    let el = element(doc, tag, id)?;
    el.set_text_content(Some(content));
    Ok(el)
}

pub fn append(parent: &Element, children: &[&Element]) -> Result<(), JsValue> {
    for child in children {
        parent.append_child(child)?;
    }
    Ok(())
}

/// Tells assistive technology which language the page speaks (the UI language the text is in).
#[cfg(any(feature = "popup", feature = "options"))]
pub fn set_language(doc: &Document, locale: &str) {
    if let Some(html) = doc.document_element() {
        let _ignored = html.set_attribute("lang", locale);
    }
}

/// Writes `text` to the clipboard (the click that called this is the user gesture it needs).
#[cfg(any(feature = "popup", feature = "popup-more"))]
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(text))
        .await
        .map(|_| ())
        .map_err(|error| super::net::describe_error(&error, 0))
}
