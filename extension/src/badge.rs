//! The toolbar badge: text, colour and tooltip set together. Both background modules set it
//! (the first module at once, the full one after it) through this one piece.

use super::api::{message, object, ExtensionApi};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Badge colours: a strong red that reads on light and dark toolbars, with white text.
const BADGE_BACKGROUND: &str = "#b3261e";

/// Shows a failure's badge, its tooltip naming the failure and the site.
pub async fn show(api: &ExtensionApi, tab_id: i64, text: &str, host: &str) -> Result<(), JsValue> {
    let title = message(api, "badgeTitle", &[text.to_string(), host.to_string()]);
    set(api, tab_id, text, &title).await
}

/// Takes the badge away.
#[cfg(feature = "background")]
pub async fn clear(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    let title = message(api, "extName", &[]);
    set(api, tab_id, "", &title).await
}

/// Sets a tab's badge. A tab that closed meanwhile is not an error worth reporting.
async fn set(api: &ExtensionApi, tab_id: i64, text: &str, title: &str) -> Result<(), JsValue> {
    let tab = JsValue::from_f64(tab_id as f64);
    let action = api.action();
    let result = async {
        // All three are sent at once, the text first: the visitor waits for one round trip.
        let badge = object(&[("tabId", tab.clone()), ("text", text.into())])?;
        let text_set = action.set_badge_text(&badge);
        let colour_set = if text.is_empty() {
            None
        } else {
            let colour = object(&[("tabId", tab.clone()), ("color", BADGE_BACKGROUND.into())])?;
            Some(action.set_badge_background_color(&colour))
        };
        let tooltip = object(&[("tabId", tab.clone()), ("title", title.into())])?;
        let title_set = action.set_title(&tooltip);
        JsFuture::from(text_set).await?;
        if let Some(colour_set) = colour_set {
            JsFuture::from(colour_set).await?;
        }
        JsFuture::from(title_set).await?;
        Ok::<(), JsValue>(())
    }
    .await;
    if let Err(error) = result {
        web_sys::console::debug_2(&"Gateway Doctor: badge not set (tab gone?)".into(), &error);
    }
    Ok(())
}
