//! Auto-retry in the browser: feeds the pure `Watchers` with events and the wall clock, runs the
//! light probes it asks for, reloads recovered tabs, and keeps its state in `storage.session`
//! (with one alarm as a backup wake-up) so an outage outlives a stopped service worker.

use super::api::{extension_api, message, object, ExtensionApi};
use super::retry_state::{note_key, state_key, RetryNote};
use super::settings_store;
use super::storage;
use gateway_doctor::diagnosis::retry_after;
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use gateway_doctor::retry::{
    origin_of, AddResult, GiveUpReason, ProbeOutcome, RetryPolicy, WatcherAction, Watchers,
    WatchersState,
};
use js_sys::Reflect;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const ALARM: &str = "gateway-doctor-retry";

thread_local! {
    static WATCHERS: RefCell<Option<Watchers>> = const { RefCell::new(None) };
    static TIMER: RefCell<Option<gloo_timers::callback::Timeout>> = const { RefCell::new(None) };
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Runs `change` on the watchers (loaded from storage after a wake-up) and saves the result.
async fn ensure_loaded(api: &ExtensionApi) -> Result<(), JsValue> {
    if WATCHERS.with(|w| w.borrow().is_some()) {
        return Ok(());
    }
    let items = JsFuture::from(
        api.storage()
            .session()
            .get(&JsValue::from_str(&state_key())),
    )
    .await?;
    let stored = Reflect::get(&items, &JsValue::from_str(&state_key()))?;
    let restored = serde_wasm_bindgen::from_value::<WatchersState>(stored)
        .map(|state| Watchers::restore(RetryPolicy::default(), state))
        .unwrap_or_else(|_| Watchers::new(RetryPolicy::default()));
    // Another event may have loaded them while we waited: keep that one.
    WATCHERS.with(|w| {
        let mut slot = w.borrow_mut();
        if slot.is_none() {
            *slot = Some(restored);
        }
    });
    Ok(())
}

async fn with_watchers<R>(
    api: &ExtensionApi,
    change: impl FnOnce(&mut Watchers) -> R,
) -> Result<R, JsValue> {
    ensure_loaded(api).await?;
    let (result, snapshot) = WATCHERS.with(|w| {
        let mut slot = w.borrow_mut();
        let watchers = slot.get_or_insert_with(|| Watchers::new(RetryPolicy::default()));
        let result = change(watchers);
        (result, watchers.snapshot())
    });
    let value = snapshot.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?;
    super::storage::set_making_room(api, &object(&[(&state_key(), value)])?).await?;
    Ok(result)
}

/// A tab's page just failed: watch its origin if the settings and the failure allow it.
pub async fn on_failure(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
) -> Result<(), JsValue> {
    let settings = settings_store::load(api).await;
    let wanted = match incident.failure {
        Failure::Http { .. } => settings.retry_server_errors,
        Failure::Network { .. } => settings.retry_network_errors,
    };
    let note = if gateway_doctor::retry::policy::held_back(incident).is_some() {
        Some(RetryNote::BotProtection)
    } else if !settings.auto_retry || !wanted {
        Some(RetryNote::Off)
    } else if settings.is_excepted(&incident.host) {
        Some(RetryNote::Excepted)
    } else {
        None
    };
    let Some(origin) = origin_of(&incident.url) else {
        return Ok(());
    };
    if let Some(note) = note {
        with_watchers(api, |w| w.remove_tab(tab_id)).await?;
        return save_note(api, tab_id, note).await;
    }
    let retry_after = incident.retry_after();
    if let Some(wait) = retry_after {
        // The site's Retry-After holds every request to it: the checks' refetches too.
        let wait_ms = wait.wait_seconds(now() as f64).saturating_mul(1000);
        super::polite::hold(&origin, now().saturating_add(wait_ms)).await;
    }
    let limit_ms = u64::from(settings.retry_limit_minutes) * 60_000;
    let added = with_watchers(api, |w| {
        w.add_tab(
            tab_id,
            &origin,
            &incident.method,
            incident.failure,
            retry_after,
            now(),
            limit_ms,
        )
    })
    .await?;
    match added {
        AddResult::Waiting { .. } => clear_note(api, tab_id).await?,
        AddResult::NotGet => save_note(api, tab_id, RetryNote::NotGet).await?,
        AddResult::NotRetryable => save_note(api, tab_id, RetryNote::NotRetryable).await?,
    }
    pump(api).await
}

/// The tab showed a good page at `url`: on a watched origin, that proves it is back.
pub async fn on_loaded(api: &ExtensionApi, tab_id: i64, url: &str) -> Result<(), JsValue> {
    clear_note(api, tab_id).await?;
    let Some(origin) = origin_of(url) else {
        return Ok(());
    };
    let actions = with_watchers(api, |w| w.tab_loaded(tab_id, &origin, now())).await?;
    carry_out(api, actions).await?;
    pump(api).await
}

/// The tab went elsewhere or closed.
pub async fn on_gone(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    with_watchers(api, |w| w.remove_tab(tab_id)).await?;
    clear_note(api, tab_id).await?;
    pump(api).await
}

/// The visitor pressed "stop retrying" in the popup.
/// The tab's auto-retry state, if it is being retried.
pub async fn status_of(
    api: &ExtensionApi,
    tab_id: i64,
) -> Result<Option<gateway_doctor::retry::TabStatus>, JsValue> {
    with_watchers(api, |w| w.tab_status(tab_id)).await
}

/// The checks reached a verdict on the tab's failure: stop watching when waiting cannot fix it
/// (see `gateway_doctor::retry::after_checks`), and say why.
pub async fn on_verdict(
    api: &ExtensionApi,
    tab_id: i64,
    verdict: &gateway_doctor::checks::verdict::Verdict,
) -> Result<(), JsValue> {
    use gateway_doctor::retry::after_checks::{after_checks, AfterChecks};
    match after_checks(verdict) {
        AfterChecks::KeepWatching => Ok(()),
        AfterChecks::StopYourCookies => {
            if with_watchers(api, |w| w.remove_tab(tab_id)).await? {
                save_note(api, tab_id, RetryNote::YourCookies).await?;
                super::banner::refresh(api, &[tab_id]).await;
            }
            pump(api).await
        }
    }
}

pub async fn on_cancel(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    if with_watchers(api, |w| w.remove_tab(tab_id)).await? {
        save_note(api, tab_id, RetryNote::Cancelled).await?;
    }
    pump(api).await
}

pub async fn on_online(api: &ExtensionApi, online: bool) -> Result<(), JsValue> {
    with_watchers(api, |w| w.set_online(online, now())).await?;
    pump(api).await
}

/// One step of the loop: give up on expired tabs, start the probes that are due, and set the
/// next wake-up (a timer while awake, an alarm in case the worker is stopped).
pub async fn pump(api: &ExtensionApi) -> Result<(), JsValue> {
    ensure_loaded(api).await?;
    if WATCHERS.with(|w| w.borrow().as_ref().is_none_or(Watchers::is_idle)) {
        // Nothing waits: no timer, no alarm, and nothing to write (this runs at every start).
        TIMER
            .with(|t| t.borrow_mut().take())
            .map(gloo_timers::callback::Timeout::cancel);
        if let Some(alarms) = api.alarms() {
            let _ = JsFuture::from(alarms.clear(ALARM)).await;
        }
        return Ok(());
    }
    let online = web_sys::window()
        .map(|w| w.navigator().on_line())
        .or_else(worker_online)
        .unwrap_or(true);
    let (expired, due) = with_watchers(api, |w| {
        if w.is_online() != online {
            w.set_online(online, now());
        }
        let expired = w.expire(now());
        (expired, w.due(now()))
    })
    .await?;
    carry_out(api, expired).await?;
    for request in due {
        let url = probe_url(api, &request.origin).await;
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = probe_and_continue(request.origin, url).await {
                web_sys::console::warn_2(&"Gateway Doctor: retry probe".into(), &error);
            }
        });
    }
    schedule_wake(api).await
}

fn worker_online() -> Option<bool> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).ok()?;
    Reflect::get(&navigator, &"onLine".into()).ok()?.as_bool()
}

/// The page of one of the waiting tabs (what the visitor wants back), else the origin's root.
async fn probe_url(api: &ExtensionApi, origin: &str) -> String {
    let tabs = WATCHERS.with(|w| {
        w.borrow()
            .as_ref()
            .map(|w| w.tabs_on(origin))
            .unwrap_or_default()
    });
    for tab in tabs {
        if let Ok(Some(incident)) = storage::load_tab(api, tab).await {
            if origin_of(&incident.url).as_deref() == Some(origin) {
                return incident.url;
            }
        }
    }
    format!("{origin}/")
}

async fn probe_and_continue(origin: String, url: String) -> Result<(), JsValue> {
    let api = extension_api()?;
    let timeout_ms = RetryPolicy::default().probe_timeout_ms;
    let outcome = probe(&url, timeout_ms).await;
    let jitter = js_sys::Math::random();
    let actions = with_watchers(&api, |w| w.probe_result(&origin, outcome, now(), jitter)).await?;
    carry_out(&api, actions).await?;
    pump(&api).await?;
    // Banners on the waiting tabs show the new countdown.
    let waiting = WATCHERS.with(|w| {
        w.borrow()
            .as_ref()
            .map(|w| w.tabs_on(&origin))
            .unwrap_or_default()
    });
    super::banner::refresh(&api, &waiting).await;
    Ok(())
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
        return ProbeOutcome::Down { retry_after: None };
    };
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|value| retry_after::parse(&value));
    ProbeOutcome::from_status(response.status(), retry_after)
}

async fn carry_out(api: &ExtensionApi, actions: Vec<WatcherAction>) -> Result<(), JsValue> {
    for action in actions {
        match action {
            WatcherAction::Reload { tab_ids } => reload_all(api, &tab_ids).await,
            WatcherAction::GiveUp { tab_ids, reason } => {
                let note = match reason {
                    GiveUpReason::TimeLimit => RetryNote::GaveUpTimeLimit,
                    GiveUpReason::Unfixable => RetryNote::GaveUpUnfixable,
                };
                for tab_id in tab_ids {
                    save_note(api, tab_id, note).await?;
                }
            }
            WatcherAction::Schedule { .. } => {}
        }
    }
    Ok(())
}

/// Reloads the recovered tabs (only GET navigations are ever watched) all at once, then tells
/// the visitor, once, when some were in the background and they asked to hear about it.
async fn reload_all(api: &ExtensionApi, tab_ids: &[i64]) {
    let options = object(&[("bypassCache", true.into())]).unwrap_or(JsValue::UNDEFINED);
    // Start every reload before waiting for any: the visitor's page is what counts.
    let started: Vec<_> = tab_ids
        .iter()
        .map(|id| (*id, api.tabs().reload(*id as f64, &options)))
        .collect();
    let mut in_background = Vec::new();
    for (tab_id, reload) in started {
        if let Err(error) = JsFuture::from(reload).await {
            web_sys::console::debug_2(&"Gateway Doctor: tab not reloaded (closed?)".into(), &error);
            continue;
        }
        let Ok(tab) = JsFuture::from(api.tabs().get(tab_id as f64)).await else {
            continue;
        };
        let field = |name: &str| Reflect::get(&tab, &name.into()).ok();
        if field("active").and_then(|v| v.as_bool()) == Some(false) {
            let url = field("url").and_then(|v| v.as_string()).unwrap_or_default();
            let title = field("title")
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            in_background.push((tab_id, url, title));
        }
    }
    let Some((tab_id, url, title)) = in_background.first() else {
        return;
    };
    if !settings_store::load(api).await.notify_when_back {
        return;
    }
    let host = gateway_doctor::incident::host_of(url).to_string();
    let body = match in_background.len() {
        1 => message(
            api,
            "notifyBackBody",
            &[gateway_doctor::incident::truncate(title, 120)],
        ),
        n => message(api, "notifyBackMany", &[n.to_string()]),
    };
    notify_back(api, *tab_id, &host, &body);
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

async fn schedule_wake(api: &ExtensionApi) -> Result<(), JsValue> {
    let next = WATCHERS.with(|w| {
        let watchers = w.borrow();
        let watchers = watchers.as_ref()?;
        // Offline nothing is due, but the `online` event does not reach every background
        // (Chromium's service worker misses it): look again in a second, without the network.
        match watchers.next_wake_ms() {
            None if !watchers.is_online() && !watchers.is_idle() => Some(now() + 1000),
            next => next,
        }
    });
    TIMER
        .with(|t| t.borrow_mut().take())
        .map(gloo_timers::callback::Timeout::cancel);
    let Some(alarms) = api.alarms() else {
        return Ok(());
    };
    let Some(at_ms) = next else {
        let _ = JsFuture::from(alarms.clear(ALARM)).await;
        return Ok(());
    };
    let delay = at_ms.saturating_sub(now()).min(u64::from(u32::MAX)) as u32;
    let timer = gloo_timers::callback::Timeout::new(delay, || {
        wasm_bindgen_futures::spawn_local(async {
            if let Ok(api) = extension_api() {
                if let Err(error) = pump(&api).await {
                    web_sys::console::warn_2(&"Gateway Doctor: retry".into(), &error);
                }
            }
        });
    });
    TIMER.with(|t| *t.borrow_mut() = Some(timer));
    // Chromium stops idle workers: the alarm wakes a stopped one (packed extensions get at
    // least 30 s; the timer above covers shorter waits while the worker is awake).
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
    serde_wasm_bindgen::from_value(value).ok()
}

async fn save_note(api: &ExtensionApi, tab_id: i64, note: RetryNote) -> Result<(), JsValue> {
    let value = note.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?;
    JsFuture::from(
        api.storage()
            .session()
            .set(&object(&[(&note_key(tab_id), value)])?),
    )
    .await?;
    Ok(())
}

async fn clear_note(api: &ExtensionApi, tab_id: i64) -> Result<(), JsValue> {
    JsFuture::from(
        api.storage()
            .session()
            .remove(&JsValue::from_str(&note_key(tab_id))),
    )
    .await?;
    Ok(())
}
