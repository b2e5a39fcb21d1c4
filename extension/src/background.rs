//! The background entry point: one browser event in, the core's actions carried out.

use super::api::{extension_api, ExtensionApi};
use super::storage::{self, tab_key, unassigned_key};
use super::{badge, banner, incident_index, link, polite, retry, settings_store};
use gateway_doctor::engine::{self, may_end_failure, needs_settings, Effect, Event, World};
use gateway_doctor::event_read::{is_ordinary_navigation, navigation_tab};
use gateway_doctor::messages::{admit, Message, Request, Sender};
use gateway_doctor::tracker::TabEvent;
use std::cell::RefCell;
use std::future::Future;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Handles one event forwarded by `background.js`. `kind` names the listener:
/// `completed`, `error` (webRequest), `committed`, `navigation-failed` (webNavigation),
/// `removed` (tabs), `alarm`, `online`, `offline`, `message`, or `checks-answered` (the failure
/// module stored a check's record: `{tabId, atMs, verdict}`, the verdict of all so far).
#[wasm_bindgen]
pub async fn handle_event(kind: String, details: JsValue) -> Result<(), JsValue> {
    let event = match kind.as_str() {
        "checks-answered" => {
            let field = |name: &str| js_sys::Reflect::get(&details, &name.into()).ok();
            let unreadable =
                || JsValue::from_str("Gateway Doctor: unreadable checks-answered event");
            let number = |name: &str| field(name).and_then(|n| n.as_f64()).ok_or_else(unreadable);
            Event::ChecksAnswered {
                tab_id: number("tabId")? as i64,
                at_ms: number("atMs")?,
                verdict: field("verdict")
                    .and_then(|v| super::js_de::from_value(v).ok())
                    .ok_or_else(unreadable)?,
            }
        }
        "alarm" => Event::Tick {
            online: retry::online(),
        },
        "online" => Event::Connectivity { online: true },
        "offline" => Event::Connectivity { online: false },
        "message" => Event::Message(read_message(&details)?),
        _ => Event::Tab(parse_event(&kind, details)?),
    };
    dispatch(event).await
}

/// Whether the full core may drop the event unread, when its turn in the queue comes: an
/// ordinary navigation (`event_read::is_ordinary_navigation`, told from numbers and field types
/// alone) that `engine::full_core_may_drop` lets go, as far as the loaded incident index knows
/// (before it is loaded, nothing is dropped). Synchronous: a page load after a failure costs no
/// copy of its address and headers, and no promise of the core's.
#[wasm_bindgen]
pub fn drops_unread(kind: &str, details: JsValue) -> bool {
    let details = super::net::Json(details);
    if !is_ordinary_navigation(kind, &details) {
        return false;
    }
    incident_index::known(navigation_tab(kind, &details))
        .is_some_and(|(has_tab, waits)| engine::full_core_may_drop(kind, has_tab, waits))
}

thread_local! {
    /// The end of the queue: events are handled one at a time, in arrival order (a commit must
    /// see the incident that the request before it stored), whether the browser or one of our
    /// own checks, probes or timers sent them.
    static QUEUE: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Queues `event` and waits until it has been handled.
pub async fn dispatch(event: Event) -> Result<(), JsValue> {
    let previous = QUEUE.with(|q| q.borrow_mut().take());
    let done = wasm_bindgen_futures::future_to_promise(async move {
        if let Some(previous) = previous {
            let _ = JsFuture::from(previous).await;
        }
        // Never rejects: the queue goes on; the caller hears the outcome.
        Ok(match run(event).await {
            Ok(()) => JsValue::NULL,
            Err(error) => error,
        })
    });
    QUEUE.with(|q| *q.borrow_mut() = Some(done.clone()));
    let outcome = JsFuture::from(done).await?;
    if outcome.is_null() {
        Ok(())
    } else {
        Err(outcome)
    }
}

/// Queues `event` from inside an effect (a check, a probe, a timer): never waited for there,
/// which would wait for itself.
pub fn dispatch_later(event: Event) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = dispatch(event).await {
            web_sys::console::warn_2(&"Gateway Doctor:".into(), &error);
        }
    });
}

/// Loads what the event concerns, asks the engine, carries out its effects in order.
async fn run(event: Event) -> Result<(), JsValue> {
    let api = extension_api()?;
    let mut world = World::default();
    // At a worker's start each of these waits for storage: wait for them together.
    let tab = async {
        match event.tab_id() {
            Some(tab_id) => storage::load_tab(&api, tab_id).await,
            None => Ok(None),
        }
    };
    let settings = async {
        match needs_settings(&event, false) {
            true => Some(settings_store::cached(&api).await),
            false => None,
        }
    };
    let (tab, settings, watchers) = all3(tab, settings, retry::take_watchers(&api)).await;
    world.tab = tab?;
    world.watchers = watchers?;
    if event.concerns_unassigned() {
        world.unassigned = storage::load_unassigned(&api).await?;
    }
    // An event that may end the tab's failure writes its history entry: the settings (history
    // on? rules?) are needed then; its verdict is on the incident.
    let ending = may_end_failure(&event, world.tab.is_some());
    world.settings = match settings {
        Some(settings) => settings,
        // A commit that places a waiting failure needs them too.
        None if ending || needs_settings(&event, world.unassigned.is_some()) => {
            settings_store::cached(&api).await
        }
        None => Default::default(),
    };
    let effects = engine::handle(&mut world, event, js_sys::Date::now());
    retry::put_back(world.watchers);
    let mut outcome = Ok(());
    for effect in effects {
        if let Err(error) = carry_out(&api, effect).await {
            // One effect that failed (a full storage, a closed tab) must not stop the others.
            web_sys::console::warn_2(&"Gateway Doctor:".into(), &error);
            if outcome.is_ok() {
                outcome = Err(error);
            }
        }
    }
    outcome
}

/// Polls three futures together until all are done.
async fn all3<A, B, C>(
    a: impl Future<Output = A>,
    b: impl Future<Output = B>,
    c: impl Future<Output = C>,
) -> (A, B, C) {
    let (mut a, mut b, mut c) = (Box::pin(a), Box::pin(b), Box::pin(c));
    let (mut done_a, mut done_b, mut done_c) = (None, None, None);
    std::future::poll_fn(move |cx| {
        if done_a.is_none() {
            if let Poll::Ready(value) = a.as_mut().poll(cx) {
                done_a = Some(value);
            }
        }
        if done_b.is_none() {
            if let Poll::Ready(value) = b.as_mut().poll(cx) {
                done_b = Some(value);
            }
        }
        if done_c.is_none() {
            if let Poll::Ready(value) = c.as_mut().poll(cx) {
                done_c = Some(value);
            }
        }
        match (done_a.take(), done_b.take(), done_c.take()) {
            (Some(a), Some(b), Some(c)) => Poll::Ready((a, b, c)),
            (a, b, c) => {
                (done_a, done_b, done_c) = (a, b, c);
                Poll::Pending
            }
        }
    })
    .await
}

/// A runtime message: `{message, sender}`, the message as sent (`gateway_doctor::messages::Message`)
/// and who sent it as the browser reports it (never what the message says of itself). What may be
/// asked, and by whom, is `gateway_doctor::messages::admit`'s decision; a refusal is an error with
/// the reason.
fn read_message(details: &JsValue) -> Result<Request, JsValue> {
    let field = |name: &str| js_sys::Reflect::get(details, &name.into()).unwrap_or(JsValue::NULL);
    let message = field("message");
    let part = |name: &str| js_sys::Reflect::get(&message, &name.into()).ok();
    let message = Message::from_fields(
        part("type").and_then(|v| v.as_string()).as_deref(),
        part("tabId").and_then(|v| v.as_f64()),
    );
    let sender = super::js_de::from_value::<Sender>(field("sender")).unwrap_or_default();
    let base = extension_api()?.runtime().get_url("");
    admit(message, &sender, &base)
        .map_err(|reason| JsValue::from_str(&format!("Gateway Doctor: refused: {reason}")))
}

/// Reads a forwarded browser event; malformed details give a clear error, never a panic.
pub fn parse_event(kind: &str, details: JsValue) -> Result<TabEvent, JsValue> {
    TabEvent::read(kind, &super::net::Json(details))
        .map_err(|error| JsValue::from_str(&format!("Gateway Doctor: {error}")))
}

async fn carry_out(api: &ExtensionApi, effect: Effect) -> Result<(), JsValue> {
    match effect {
        Effect::SetBadge { tab_id, text, host } => badge::show(api, tab_id, &text, &host).await,
        Effect::ClearBadge { tab_id } => badge::clear(api, tab_id).await,
        Effect::StoreIncident { tab_id, incident } => {
            storage::save(api, &tab_key(tab_id), &incident).await
        }
        Effect::StoreUnassigned { incident } => {
            storage::save(api, &unassigned_key(), &incident).await
        }
        Effect::ForgetUnassigned => storage::remove(api, &unassigned_key()).await,
        Effect::ForgetTab { tab_id } => storage::forget_tab(api, tab_id).await,
        Effect::ReadErrorPage { tab_id, at_ms, .. } => {
            // Off the queue: it waits for the page to finish loading.
            wasm_bindgen_futures::spawn_local(read_error_page(tab_id, at_ms));
            Ok(())
        }
        Effect::StartChecks {
            tab_id,
            incident,
            run,
        } => {
            let settings = settings_store::cached(api).await;
            link::start_checks(tab_id, *incident, settings, run)
        }
        Effect::HoldOrigin { origin, until_ms } => {
            polite::hold(&origin, until_ms).await;
            Ok(())
        }
        Effect::SaveNote { tab_id, note } => retry::save_note(api, tab_id, note).await,
        Effect::ClearNote { tab_id } => retry::clear_note(api, tab_id).await,
        Effect::SaveRetryState => retry::save_state(api).await,
        Effect::Probe { origin, url } => {
            retry::start_probe(origin, url);
            Ok(())
        }
        Effect::Reload { tab_ids, notify } => {
            let api = extension_api()?;
            wasm_bindgen_futures::spawn_local(async move {
                retry::reload_all(&api, &tab_ids, notify).await;
            });
            Ok(())
        }
        Effect::WakeAt { at_ms } => retry::wake_at(api, at_ms).await,
        Effect::ShowBanner { tab_id, incident } => {
            if let Err(error) = banner::show(api, tab_id, &incident).await {
                web_sys::console::debug_2(&"Gateway Doctor: no banner".into(), &error);
            }
            Ok(())
        }
        Effect::RefreshBanners { tab_ids } => {
            banner::refresh(api, &tab_ids).await;
            Ok(())
        }
        Effect::OpenDetails { tab_id } => banner::open_details(api, tab_id).await,
        Effect::RecordHistory { ended } => link::record_history(&ended).await,
        Effect::Refuse { reason } => Err(JsValue::from_str(&format!("Gateway Doctor: {reason}"))),
    }
}

/// Reads the error page shown in `tab_id` once it has loaded, and hands it to the engine for the
/// incident stamped `at_ms`. Best effort: a tab that moved on, or a page
/// the browser will not let us read, leaves the diagnosis to the headers.
async fn read_error_page(tab_id: i64, at_ms: f64) {
    let Ok(api) = extension_api() else {
        return;
    };
    let current = |incident: Option<gateway_doctor::incident::Incident>| {
        incident.filter(|i| i.at_ms == at_ms)
    };
    let Ok(Some(incident)) = storage::load_tab(&api, tab_id).await.map(current) else {
        return;
    };
    match super::page_read::read(&api, tab_id, &incident).await {
        Ok(Some(text)) => dispatch_later(Event::PageRead {
            tab_id,
            at_ms,
            text,
        }),
        Ok(None) => {}
        Err(error) => {
            web_sys::console::debug_2(&"Gateway Doctor: error page not read".into(), &error);
        }
    }
}
