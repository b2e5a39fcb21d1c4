//! Auto-retry in the browser: keeps the engine's watchers (`gateway_doctor::retry::Watchers`) in
//! memory and in `storage.session` (so an outage outlives a stopped service worker), and carries
//! out what the engine decided: probes, reloads, notes, wake-ups. It decides nothing itself.

use super::api::{message, object, ExtensionApi};
use super::retry_state::{note_key, state_key, RetryNote};
use gateway_doctor::diagnosis::retry_after;
use gateway_doctor::engine::Event;
use gateway_doctor::retry::reload_order::STEP_MAX_MS;
use gateway_doctor::retry::{reload_order, ProbeOutcome, RetryPolicy, Watchers, WatchersState};
use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const ALARM: &str = "gateway-doctor-retry";

thread_local! {
    static WATCHERS: RefCell<Option<Watchers>> = const { RefCell::new(None) };
    static TIMER: RefCell<Option<gloo_timers::callback::Timeout>> = const { RefCell::new(None) };
}

/// The watchers, loaded from storage once per background start (a corrupt snapshot starts
/// afresh). The engine changes them; `put_back` returns them.
pub async fn take_watchers(api: &ExtensionApi) -> Result<Watchers, JsValue> {
    if let Some(watchers) = WATCHERS.with(|w| w.borrow_mut().take()) {
        return Ok(watchers);
    }
    load_watchers(api).await
}

async fn load_watchers(api: &ExtensionApi) -> Result<Watchers, JsValue> {
    let items = JsFuture::from(
        api.storage()
            .session()
            .get(&JsValue::from_str(&state_key())),
    )
    .await?;
    let stored = Reflect::get(&items, &JsValue::from_str(&state_key()))?;
    Ok(super::js_de::from_value::<WatchersState>(stored)
        .map(|state| Watchers::restore(RetryPolicy::default(), state))
        .unwrap_or_else(|_| Watchers::new(RetryPolicy::default())))
}

pub fn put_back(watchers: Watchers) {
    WATCHERS.with(|w| *w.borrow_mut() = Some(watchers));
}

/// Saves the watchers' state (the engine said it changed).
pub async fn save_state(api: &ExtensionApi) -> Result<(), JsValue> {
    let Some(snapshot) = WATCHERS.with(|w| w.borrow().as_ref().map(Watchers::snapshot)) else {
        return Ok(());
    };
    let value = super::js_ser::to_value(&snapshot)?;
    super::storage::set_making_room(api, &object(&[(&state_key(), value)])?).await
}

/// The tab's auto-retry state, if it is being retried (for the banner).
pub async fn status_of(
    api: &ExtensionApi,
    tab_id: i64,
) -> Result<Option<gateway_doctor::retry::TabStatus>, JsValue> {
    // Only read: the engine's copy is the one that is put back.
    if let Some(status) = WATCHERS.with(|w| w.borrow().as_ref().map(|w| w.tab_status(tab_id))) {
        return Ok(status);
    }
    Ok(load_watchers(api).await?.tab_status(tab_id))
}

/// Whether the browser says it is online, from a page or a worker.
pub fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .or_else(worker_online)
        .unwrap_or(true)
}

fn worker_online() -> Option<bool> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).ok()?;
    Reflect::get(&navigator, &"onLine".into()).ok()?.as_bool()
}

/// Sends a probe off the event queue; its answer comes back to the engine.
pub fn start_probe(origin: String, url: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = probe(&url, RetryPolicy::default().probe_timeout_ms).await;
        let event = Event::ProbeAnswered {
            origin,
            outcome,
            jitter: js_sys::Math::random(),
        };
        super::background::dispatch_later(event);
    });
}

/// A light request: HEAD, no cookies, no cache, no redirects followed, aborted at the timeout.
async fn probe(url: &str, timeout_ms: u64) -> ProbeOutcome {
    let init = web_sys::RequestInit::new();
    init.set_method("HEAD");
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    // Through the one gate of every request to a site (its timeout starts when it is sent).
    // The schedule already waited: a probe the gate holds back more than briefly is not sent,
    // and counts as the site still down.
    const MAX_WAIT_MS: u64 = 2_000;
    let timeout_ms = timeout_ms.min(u64::from(u32::MAX)) as u32;
    let Ok(response) = super::polite::send(url, &init, timeout_ms, MAX_WAIT_MS).await else {
        // Not sent, or no answer. Held by the site's Retry-After (a check's answer carried one):
        // the next probe waits for it rather than for the backoff.
        let now = js_sys::Date::now() as u64;
        let held_ms = super::polite::held_until(url).saturating_sub(now);
        let retry_after = (held_ms > 0).then(|| retry_after::RetryAfter::Seconds {
            seconds: held_ms.div_ceil(1000),
        });
        return ProbeOutcome::Down { retry_after };
    };
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|value| retry_after::parse(&value));
    ProbeOutcome::from_status(response.status(), retry_after)
}

/// Reloads the recovered tabs (only GET navigations are ever watched) in the engine's order
/// (`gateway_doctor::retry::reload_order`: the tabs in front, then the others), then tells the
/// visitor, once, when some were in the background and they asked to hear about it.
pub async fn reload_all(api: &ExtensionApi, tab_ids: &[i64], notify: bool) {
    let options = object(&[("bypassCache", true.into())]).unwrap_or(JsValue::UNDEFINED);
    // What each tab is now; a tab that is gone is not reloaded. All asked at once (each call
    // starts its promise): the front tab's reload waits for the slowest answer only.
    let asked: Vec<_> = tab_ids
        .iter()
        .map(|&tab_id| (tab_id, JsFuture::from(api.tabs().get(tab_id as f64))))
        .collect();
    let mut shown = Vec::with_capacity(tab_ids.len());
    let mut in_background = Vec::new();
    for (tab_id, answer) in asked {
        let Ok(tab) = answer.await else {
            continue;
        };
        let field = |name: &str| Reflect::get(&tab, &name.into()).ok();
        let active = field("active").and_then(|v| v.as_bool()) != Some(false);
        if !active {
            let url = field("url").and_then(|v| v.as_string()).unwrap_or_default();
            in_background.push((tab_id, url));
        }
        shown.push((tab_id, active));
    }
    let order = reload_order(&shown);
    let reload = |tab_id: i64| {
        let started = api.tabs().reload(tab_id as f64, &options);
        async move {
            if let Err(error) = JsFuture::from(started).await {
                web_sys::console::debug_2(
                    &"Gateway Doctor: tab not reloaded (closed?)".into(),
                    &error,
                );
            }
        }
    };
    let start_all = |tabs: &[i64]| tabs.iter().map(|id| reload(*id)).collect::<Vec<_>>();
    for started in start_all(&order.first) {
        started.await;
    }
    // The others wait for the tabs in front: loading beside them, they would slow them down.
    for tab_id in &order.first {
        loaded_or_timeout(api, *tab_id).await;
    }
    for started in start_all(&order.then) {
        started.await;
    }
    let Some((tab_id, url)) = in_background.first() else {
        return;
    };
    if !notify {
        return;
    }
    // The page's own title, once its reload has loaded: read earlier, it is still the failed
    // page's, which says nothing. Several tabs are only counted, so nothing to wait for.
    if in_background.len() == 1 {
        loaded_or_timeout(api, *tab_id).await;
    }
    let title = JsFuture::from(api.tabs().get(*tab_id as f64))
        .await
        .ok()
        .and_then(|tab| Reflect::get(&tab, &"title".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let host = gateway_doctor::incident::host_of(url).to_string();
    let body = match in_background.len() {
        1 => message(
            api,
            "notifyBackBody",
            &[gateway_doctor::incident::truncate(&title, 120)],
        ),
        n => message(api, "notifyBackMany", &[n.to_string()]),
    };
    notify_back(api, *tab_id, &host, &body);
}

/// Waits until `tab_id` has loaded, at most `STEP_MAX_MS` (a slow page does not hold the
/// others back for long). A reload that has not started yet still shows the old page as loaded
/// (Firefox answers `reload` before it starts): "complete" counts once "loading" was seen, or
/// after `UNSEEN_MS` in case the whole load fell between two looks.
async fn loaded_or_timeout(api: &ExtensionApi, tab_id: i64) {
    const POLL_MS: u32 = 15;
    const UNSEEN_MS: u32 = 120;
    let mut waited = 0;
    let mut loading_seen = false;
    while waited < STEP_MAX_MS {
        gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
        waited += POLL_MS;
        let Ok(tab) = JsFuture::from(api.tabs().get(tab_id as f64)).await else {
            return; // closed meanwhile
        };
        match Reflect::get(&tab, &"status".into())
            .ok()
            .and_then(|v| v.as_string())
            .as_deref()
        {
            Some("complete") if loading_seen || waited >= UNSEEN_MS => return,
            Some("loading") => loading_seen = true,
            _ => {}
        }
    }
}

fn notify_back(api: &ExtensionApi, tab_id: i64, host: &str, body: &str) {
    let Some(notifications) = api.notifications() else {
        return;
    };
    let icon = api.runtime().get_url("icons/icon-128.png");
    let options = object(&[
        ("type", "basic".into()),
        ("iconUrl", icon.into()),
        (
            "title",
            message(api, "notifyBackTitle", &[host.to_string()]).into(),
        ),
        ("message", body.into()),
    ]);
    if let Ok(options) = options {
        let _ = notifications.create(&format!("gateway-doctor-back-{tab_id}"), &options);
    }
}

/// Wakes the engine at `at_ms`: a timer while the worker is awake, and an alarm in case it is
/// stopped (packed extensions get at least 30 s). `None` clears both.
pub async fn wake_at(api: &ExtensionApi, at_ms: Option<u64>) -> Result<(), JsValue> {
    TIMER
        .with(|t| t.borrow_mut().take())
        .map(gloo_timers::callback::Timeout::cancel);
    let Some(alarms) = api.alarms() else {
        return Ok(());
    };
    let Some(at_ms) = at_ms else {
        let _ = JsFuture::from(alarms.clear(ALARM)).await;
        return Ok(());
    };
    let now = js_sys::Date::now() as u64;
    let delay = at_ms.saturating_sub(now).min(u64::from(u32::MAX)) as u32;
    let timer = gloo_timers::callback::Timeout::new(delay, || {
        super::background::dispatch_later(Event::Tick { online: online() });
    });
    TIMER.with(|t| *t.borrow_mut() = Some(timer));
    alarms.create(
        ALARM,
        &object(&[("when", JsValue::from_f64(at_ms as f64))])?,
    );
    Ok(())
}

/// Why the tab is not (or no longer) retried, if a reason was kept.
pub async fn note_of(api: &ExtensionApi, tab_id: i64) -> Option<RetryNote> {
    let key = note_key(tab_id);
    let items = JsFuture::from(api.storage().session().get(&JsValue::from_str(&key)))
        .await
        .ok()?;
    let value = Reflect::get(&items, &JsValue::from_str(&key)).ok()?;
    super::js_de::from_value(value).ok()
}

pub async fn save_note(api: &ExtensionApi, tab_id: i64, note: RetryNote) -> Result<(), JsValue> {
    let value = super::js_ser::to_value(&note)?;
    JsFuture::from(
        api.storage()
            .session()
            .set(&object(&[(&note_key(tab_id), value)])?),
    )
    .await?;
    Ok(())
}

pub async fn clear_note(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    JsFuture::from(
        api.storage()
            .session()
            .remove(&JsValue::from_str(&note_key(tab_id))),
    )
    .await?;
    Ok(())
}
