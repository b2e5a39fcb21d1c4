//! The background entry point: one browser event in, the core's actions carried out.

use super::api::{extension_api, message, object, ExtensionApi};
use super::retry;
use super::storage::{self, tab_key, unassigned_key};
use super::{banner, checks, failed_page};
use gateway_doctor::incident::RequestDetails;
use gateway_doctor::messages::{admit, Request, Sender};
use gateway_doctor::page_excerpt::compact as compact_page;
use gateway_doctor::tracker::{decide, Action, Stored, TabEvent};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Badge colours: a strong red that reads on light and dark toolbars, with white text.
const BADGE_BACKGROUND: &str = "#b3261e";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NavigationDetails {
    tab_id: i64,
    #[serde(default)]
    frame_id: i64,
    #[serde(default)]
    url: String,
    /// `webNavigation.onErrorOccurred` only.
    #[serde(default)]
    error: Option<String>,
}

/// Handles one event forwarded by `background.js`. `kind` names the listener:
/// `completed`, `error` (webRequest), `committed`, `navigation-failed` (webNavigation) or
/// `removed` (tabs).
#[wasm_bindgen]
pub async fn handle_event(kind: String, details: JsValue) -> Result<(), JsValue> {
    let api = extension_api()?;
    match kind.as_str() {
        "alarm" => return retry::pump(&api).await,
        "online" => return retry::on_online(&api, true).await,
        "offline" => return retry::on_online(&api, false).await,
        "message" => return on_message(&api, details).await,
        _ => {}
    }
    let event = parse_event(&kind, details)?;
    let stored = match &event {
        TabEvent::Committed { tab_id, .. } | TabEvent::NavigationFailed { tab_id, .. } => Stored {
            tab: storage::load_tab(&api, *tab_id).await?,
            unassigned: storage::load_unassigned(&api).await?,
        },
        TabEvent::Completed(details) | TabEvent::Errored(details) => Stored {
            tab: match details.tab_id.filter(|id| *id >= 0) {
                Some(tab_id) => storage::load_tab(&api, tab_id).await?,
                None => None,
            },
            unassigned: None,
        },
        TabEvent::Closed { .. } => Stored::default(),
    };
    // A good load (not a commit of another page) is what proves a retried site is back.
    let loaded_url = match &event {
        TabEvent::Completed(details) => Some(details.url.clone()),
        _ => None,
    };
    for action in decide(event, stored, js_sys::Date::now()) {
        let follow_up = retry_follow_up(&action, loaded_url.as_deref());
        let new_failure = match &action {
            Action::Remember { tab_id, incident } => Some((*tab_id, incident.clone())),
            _ => None,
        };
        carry_out(&api, action).await?;
        if let Some((tab_id, incident)) = new_failure {
            checks::start(tab_id, incident, false);
        }
        if let Some(follow_up) = follow_up {
            // Auto-retry trouble must not stop the badge and the popup from working.
            if let Err(error) = follow_up.run(&api).await {
                web_sys::console::warn_2(&"Gateway Doctor: auto-retry".into(), &error);
            }
        }
    }
    Ok(())
}

/// What auto-retry must hear about after a tracker action.
enum RetryFollowUp {
    Failed(i64, Box<gateway_doctor::incident::Incident>),
    Loaded(i64, String),
    Gone(i64),
}

impl RetryFollowUp {
    async fn run(self, api: &ExtensionApi) -> Result<(), JsValue> {
        match self {
            RetryFollowUp::Failed(tab_id, incident) => {
                retry::on_failure(api, tab_id, &incident).await
            }
            RetryFollowUp::Loaded(tab_id, url) => retry::on_loaded(api, tab_id, &url).await,
            RetryFollowUp::Gone(tab_id) => retry::on_gone(api, tab_id).await,
        }
    }
}

fn retry_follow_up(action: &Action, loaded_url: Option<&str>) -> Option<RetryFollowUp> {
    match action {
        Action::Remember { tab_id, incident } => {
            Some(RetryFollowUp::Failed(*tab_id, Box::new(incident.clone())))
        }
        Action::Forget { tab_id } => Some(match loaded_url {
            Some(url) => RetryFollowUp::Loaded(*tab_id, url.to_string()),
            None => RetryFollowUp::Gone(*tab_id),
        }),
        _ => None,
    }
}

/// Runtime messages: `{type, tabId}` plus who sent it (`senderUrl`, `senderTabId`,
/// `senderFrameId`, added by background.js from the browser's own sender record). What may be
/// asked, and by whom, is `gateway_doctor::messages::admit`'s decision; a refusal is an error with the
/// reason.
async fn on_message(api: &ExtensionApi, details: JsValue) -> Result<(), JsValue> {
    let field = |name: &str| js_sys::Reflect::get(&details, &name.into()).ok();
    let sender = Sender {
        url: field("senderUrl").and_then(|v| v.as_string()),
        tab_id: field("senderTabId").and_then(|v| v.as_f64()),
        frame_id: field("senderFrameId").and_then(|v| v.as_f64()),
    };
    let kind = field("type").and_then(|v| v.as_string());
    let tab_id = field("tabId").and_then(|v| v.as_f64());
    let base = api.runtime().get_url("");
    match admit(kind.as_deref(), tab_id, &sender, &base) {
        Ok(Request::OpenDetails { tab_id }) => banner::open_details(api, tab_id).await,
        Ok(Request::CancelRetry { tab_id }) => retry::on_cancel(api, tab_id).await,
        Ok(Request::RunChecks { tab_id }) => checks::run_again(api, tab_id).await,
        Err(reason) => Err(JsValue::from_str(&format!(
            "Gateway Doctor: refused {kind:?}: {reason}"
        ))),
    }
}

/// Reads a forwarded browser event; malformed details give a clear error, never a panic.
pub fn parse_event(kind: &str, details: JsValue) -> Result<TabEvent, JsValue> {
    let bad = |error: serde_wasm_bindgen::Error| {
        JsValue::from_str(&format!("Gateway Doctor: unreadable {kind} event: {error}"))
    };
    Ok(match kind {
        "completed" => TabEvent::Completed(parse_request(details).map_err(bad)?),
        "error" => TabEvent::Errored(parse_request(details).map_err(bad)?),
        "committed" => {
            let nav: NavigationDetails = serde_wasm_bindgen::from_value(details).map_err(bad)?;
            TabEvent::Committed {
                tab_id: nav.tab_id,
                frame_id: nav.frame_id,
                url: nav.url,
            }
        }
        "navigation-failed" => {
            let nav: NavigationDetails = serde_wasm_bindgen::from_value(details).map_err(bad)?;
            TabEvent::NavigationFailed {
                tab_id: nav.tab_id,
                frame_id: nav.frame_id,
                url: nav.url,
                error: nav.error,
            }
        }
        "removed" => {
            let nav: NavigationDetails = serde_wasm_bindgen::from_value(details).map_err(bad)?;
            TabEvent::Closed { tab_id: nav.tab_id }
        }
        other => {
            return Err(JsValue::from_str(&format!(
                "Gateway Doctor: unknown event kind {other:?}"
            )))
        }
    })
}

fn parse_request(details: JsValue) -> Result<RequestDetails, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(details)
}

async fn carry_out(api: &ExtensionApi, action: Action) -> Result<(), JsValue> {
    match action {
        Action::Remember { tab_id, incident } => {
            storage::save(api, &tab_key(tab_id), &incident).await
        }
        Action::RememberUnassigned { incident } => {
            storage::save(api, &unassigned_key(), &incident).await
        }
        Action::ForgetUnassigned => storage::remove(api, &unassigned_key()).await,
        Action::Forget { tab_id } => storage::forget_tab(api, tab_id).await,
        Action::ShowBadge { tab_id, text, host } => {
            let title = message(api, "badgeTitle", &[text.clone(), host]);
            set_badge(api, tab_id, &text, &title).await
        }
        Action::ReadErrorPage { tab_id, at_ms, .. } => {
            // Off the event queue: it waits for the page to finish loading.
            let api = extension_api()?;
            wasm_bindgen_futures::spawn_local(async move {
                read_error_page(&api, tab_id, at_ms).await;
            });
            Ok(())
        }
        Action::ClearBadge { tab_id } => {
            let title = message(api, "extName", &[]);
            set_badge(api, tab_id, "", &title).await
        }
    }
}

/// Sets a tab's badge. A tab that closed meanwhile is not an error worth reporting.
async fn set_badge(
    api: &ExtensionApi,
    tab_id: i64,
    text: &str,
    title: &str,
) -> Result<(), JsValue> {
    let tab = JsValue::from_f64(tab_id as f64);
    let action = api.action();
    let result = async {
        if !text.is_empty() {
            let colour = object(&[("tabId", tab.clone()), ("color", BADGE_BACKGROUND.into())])?;
            JsFuture::from(action.set_badge_background_color(&colour)).await?;
        }
        let badge = object(&[("tabId", tab.clone()), ("text", text.into())])?;
        JsFuture::from(action.set_badge_text(&badge)).await?;
        let tooltip = object(&[("tabId", tab.clone()), ("title", title.into())])?;
        JsFuture::from(action.set_title(&tooltip)).await?;
        Ok::<(), JsValue>(())
    }
    .await;
    if let Err(error) = result {
        web_sys::console::debug_2(&"Gateway Doctor: badge not set (tab gone?)".into(), &error);
    }
    Ok(())
}

/// Reads the first 64 KB of the error page shown in `tab_id` once it has loaded, and adds it to
/// the tab's incident if that is still the one stamped `at_ms`. Best effort: a tab that moved on,
/// or a page the browser will not let us read, leaves the diagnosis to the headers.
async fn read_error_page(api: &ExtensionApi, tab_id: i64, at_ms: f64) {
    let key = tab_key(tab_id);
    let current = |incident: &Option<gateway_doctor::incident::Incident>| {
        incident.as_ref().filter(|i| i.at_ms == at_ms).cloned()
    };
    let Ok(Some(incident)) = storage::load(api, &key).await.map(|i| current(&i)) else {
        return;
    };
    let excerpt = match wait_until_loaded(api, tab_id, &incident).await {
        Ok(true) => failed_page::run(api, tab_id, &incident, None).await,
        Ok(false) => return,
        Err(error) => Err(error),
    };
    let excerpt = match excerpt {
        Ok(Some(excerpt)) => excerpt.as_string().unwrap_or_default(),
        Ok(None) => return,
        Err(error) => {
            web_sys::console::debug_2(&"Gateway Doctor: error page not read".into(), &error);
            return;
        }
    };
    // The tab may have moved on while the page was read.
    let Ok(Some(mut incident)) = storage::load(api, &key).await.map(|i| current(&i)) else {
        return;
    };
    incident.page_excerpt = Some(compact_page(&excerpt));
    if let Err(error) = storage::save(api, &key, &incident).await {
        web_sys::console::warn_2(&"Gateway Doctor: could not store the page".into(), &error);
    }
    // A bot protection's page: its own badge, and auto-retry stands down.
    let actions = gateway_doctor::tracker::after_page_read(tab_id, &incident);
    let protected = !actions.is_empty();
    for action in actions {
        let _ = carry_out(api, action).await;
    }
    if protected {
        if let Err(error) = retry::on_failure(api, tab_id, &incident).await {
            web_sys::console::warn_2(&"Gateway Doctor: auto-retry".into(), &error);
        }
    }
    if let Err(error) = banner::show(api, tab_id, &incident).await {
        web_sys::console::debug_2(&"Gateway Doctor: no banner".into(), &error);
    }
}

/// Waits (at most ~10 s) until the tab shows the failed address fully loaded; false if it never
/// does.
async fn wait_until_loaded(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &gateway_doctor::incident::Incident,
) -> Result<bool, JsValue> {
    for _ in 0..100 {
        let tab = JsFuture::from(api.tabs().get(tab_id as f64)).await?;
        let status = js_sys::Reflect::get(&tab, &"status".into())?.as_string();
        let shown = js_sys::Reflect::get(&tab, &"url".into())?.as_string();
        if status.as_deref() == Some("complete") && shown.is_some_and(|url| incident.is_at(&url)) {
            return Ok(true);
        }
        gloo_timers::future::TimeoutFuture::new(100).await;
    }
    Ok(false)
}
