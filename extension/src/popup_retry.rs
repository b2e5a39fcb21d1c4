//! The popup's auto-retry line: a live countdown with a stop button while the tab is being
//! retried, or why it is not (a form, a failure waiting cannot fix, the settings...).

use super::api::{message, ExtensionApi};
use super::dom::{append, element, text};
use super::retry_state::{note_key, state_key, RetryNote};
use gateway_doctor::retry::{RetryPolicy, TabStatus, TabWaitState, Watchers, WatchersState};
use js_sys::Reflect;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

/// Reads the tab's retry state and note from `storage.session` (missing or corrupt: none).
async fn load(
    api: &ExtensionApi,
    tab_id: i64,
) -> Result<(Option<TabStatus>, Option<RetryNote>), JsValue> {
    let keys: js_sys::Array = [state_key(), note_key(tab_id)]
        .iter()
        .map(|k| JsValue::from_str(k))
        .collect();
    let items = JsFuture::from(api.storage().session().get(&keys)).await?;
    let state = Reflect::get(&items, &state_key().into())?;
    let status = super::js_de::from_value::<WatchersState>(state)
        .ok()
        .and_then(|state| Watchers::restore(RetryPolicy::default(), state).tab_status(tab_id));
    let note =
        super::js_de::from_value::<RetryNote>(Reflect::get(&items, &note_key(tab_id).into())?).ok();
    Ok((status, note))
}

/// Builds the block, or nothing when auto-retry has nothing to say about this tab.
pub async fn retry_block(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    tab_id: i64,
) -> Result<Option<Element>, JsValue> {
    let (status, note) = load(api, tab_id).await?;
    let block = element(doc, "div", "retry-block")?;
    append(
        &block,
        &[&text(doc, "h2", "", &message(api, "headingRetry", &[]))?],
    )?;
    if let Some(status) = status {
        let line = text(doc, "p", "retry-status", &status_text(api, &status))?;
        line.set_attribute("aria-live", "polite")?;
        let stop = text(
            doc,
            "button",
            "cancel-retry",
            &message(api, "retryStop", &[]),
        )?;
        stop.set_attribute("type", "button")?;
        append(&block, &[&line, &stop])?;
        follow(api, &block, &line, &stop, tab_id);
        on_stop(api, &stop, &line, tab_id)?;
        return Ok(Some(block));
    }
    let Some(note) = note else {
        return Ok(None);
    };
    append(&block, &[&note_line(api, doc, note)?])?;
    Ok(Some(block))
}

/// Why the tab is not (or no longer) retried.
fn note_line(api: &ExtensionApi, doc: &Document, note: RetryNote) -> Result<Element, JsValue> {
    text(
        doc,
        "p",
        "retry-note",
        &message(api, note.message_key(), &[]),
    )
}

fn status_text(api: &ExtensionApi, status: &TabStatus) -> String {
    let now = js_sys::Date::now() as u64;
    let line = match (status.state, status.next_probe_at_ms) {
        (TabWaitState::PausedOffline, _) => message(api, "retryPausedOffline", &[]),
        (TabWaitState::Waiting, Some(at)) => {
            let seconds = at.saturating_sub(now).div_ceil(1000);
            message(api, "retryCountdown", &[seconds.to_string()])
        }
        _ => message(api, "retryChecking", &[]),
    };
    if status.tabs_on_origin > 1 {
        let others = message(api, "retryOtherTabs", &[status.tabs_on_origin.to_string()]);
        format!("{line} {others}")
    } else {
        line
    }
}

/// Follows the tab's retry state every second while the popup is open: the countdown to the
/// next probe, or, once auto-retry has stopped for the tab (the checks' verdict came, the page
/// came back), why, in place of the countdown, so that no section says otherwise.
fn follow(api: &Rc<ExtensionApi>, block: &Element, line: &Element, stop: &Element, tab_id: i64) {
    let api = Rc::clone(api);
    let (block, line, stop) = (block.clone(), line.clone(), stop.clone());
    let interval = gloo_timers::callback::Interval::new(1000, move || {
        let (api, block, line, stop) = (Rc::clone(&api), block.clone(), line.clone(), stop.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let stopped = || line.get_attribute("data-stopped").is_some();
            match load(&api, tab_id).await {
                Ok((Some(status), _)) if !stopped() => {
                    line.set_text_content(Some(&status_text(&api, &status)));
                }
                Ok((None, Some(note))) if !stopped() => {
                    let _ = line.set_attribute("data-stopped", "");
                    let _ = line.set_attribute("hidden", "");
                    let _ = stop.set_attribute("hidden", "");
                    if let Some(doc) = block.owner_document() {
                        if let Ok(shown) = note_line(&api, &doc, note) {
                            let _ = block.append_child(&shown);
                        }
                    }
                }
                _ => {}
            }
        });
    });
    // Lives as long as the popup.
    interval.forget();
}

/// Waits up to two seconds for the background to record that the tab is no longer retried.
async fn confirmed_stopped(api: &ExtensionApi, tab_id: i64) -> bool {
    for _ in 0..20 {
        if let Ok((status, note)) = load(api, tab_id).await {
            if status.is_none() && note == Some(RetryNote::Cancelled) {
                return true;
            }
        }
        gloo_timers::future::TimeoutFuture::new(100).await;
    }
    false
}

fn on_stop(
    api: &Rc<ExtensionApi>,
    button: &Element,
    line: &Element,
    tab_id: i64,
) -> Result<(), JsValue> {
    let api = Rc::clone(api);
    let line = line.clone();
    let target = button.clone();
    let click = Closure::<dyn FnMut()>::new(move || {
        let api = Rc::clone(&api);
        let line = line.clone();
        let target = target.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let request =
                super::js_ser::to_value(&gateway_doctor::messages::Message::CancelRetry { tab_id });
            let sent = match request {
                Ok(request) => JsFuture::from(api.runtime().send_message(&request))
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            // The background does not answer: confirm from what it stored.
            let sent = sent && confirmed_stopped(&api, tab_id).await;
            let key = if sent {
                "retryNoteCancelled"
            } else {
                "retryStopFailed"
            };
            let _ = line.set_attribute("data-stopped", "");
            line.set_text_content(Some(&message(&api, key, &[])));
            if sent {
                let _ = target.set_attribute("hidden", "");
            }
        });
    });
    button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref())?;
    click.forget();
    Ok(())
}
