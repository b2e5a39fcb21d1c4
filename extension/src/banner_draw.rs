//! The failure module's part of the banner: what happened, in the visitor's language (the
//! failure's headline, which takes the diagnosis), added to the auto-retry part the background
//! said (`banner`), then drawn in the failed page.

use super::api::{message, ExtensionApi};
use gateway_doctor::incident::Incident;
use gateway_doctor::view::incident::headline;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

/// Draws the banner in the tab's failed page, if it still shows it. `retry_part`:
/// `{retryNote, nextCheckAtMs, onlyUpdate}`.
pub async fn draw(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
    retry_part: JsValue,
) -> Result<(), JsValue> {
    let view = headline(incident);
    let say = |key: &str, args: &[String]| message(api, key, args);
    let summary = say(
        "bannerSummary",
        &[say(view.title.key, &view.title.args), view.host.clone()],
    );
    let words: [(&str, JsValue); 7] = [
        ("name", say("extName", &[]).into()),
        ("code", view.code.as_str().into()),
        ("summary", summary.into()),
        ("details", say("bannerDetails", &[]).into()),
        ("dismiss", say("bannerDismiss", &[]).into()),
        ("retryIn", say("bannerRetryIn", &["$1".into()]).into()),
        ("checkingNow", say("retryChecking", &[]).into()),
    ];
    let data = if retry_part.is_object() {
        retry_part
    } else {
        js_sys::Object::new().into()
    };
    for (key, value) in words {
        Reflect::set(&data, &key.into(), &value)?;
    }
    super::failed_page::run(api, tab_id, incident, Some(data)).await?;
    Ok(())
}
