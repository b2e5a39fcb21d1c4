//! The one gate every request to a site goes through: the checks' refetches and auto-retry's
//! probes alike (issue 11). It carries out `gateway_doctor::politeness`: one request in flight
//! per origin, at most 30 a minute whatever the number of tabs, nothing before a Retry-After is
//! up. The policy's state is kept in `storage.session`, so a restarted service worker keeps the
//! budget it had spent.

use super::api::{extension_api, object};
use gateway_doctor::diagnosis::retry_after;
use gateway_doctor::politeness::{Admission, Politeness, PolitenessState, WaitReason};
use gateway_doctor::retry::origin_of;
use js_sys::Reflect;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Where the policy's snapshot is kept (not a tab's: `storage`'s room-making never drops it).
const KEY: &str = "gd-politeness";

/// How often a request waiting behind one in flight looks again at the latest: it is woken as
/// soon as a request ends (`wake_waiting`), so this only bounds a missed wake-up.
const IN_FLIGHT_POLL_MS: u64 = 100;

thread_local! {
    static POLICY: RefCell<Option<Politeness>> = const { RefCell::new(None) };
    /// A change not yet written, and whether a write is under way (one writer at a time, so an
    /// older snapshot never lands after a newer one).
    static DIRTY: Cell<bool> = const { Cell::new(false) };
    static SAVING: Cell<bool> = const { Cell::new(false) };
    /// How many requests have ended, and the tasks waiting for the next to end.
    static ENDED: Cell<u64> = const { Cell::new(0) };
    static WAITING: RefCell<Vec<std::task::Waker>> = const { RefCell::new(Vec::new()) };
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Sends `init` to `url` once the policy lets it go, waiting at most `max_wait_ms` for that.
/// The request's timeout (`timeout_ms`) starts when it is sent, not while it waits: any signal
/// on `init` is replaced. A request the policy holds back longer is not sent, and says why.
pub async fn send(
    url: &str,
    init: &web_sys::RequestInit,
    timeout_ms: u32,
    max_wait_ms: u64,
) -> Result<web_sys::Response, String> {
    send_timed(url, init, timeout_ms, max_wait_ms).await.0
}

/// `send`, with the time from sending to the answer (0 when not sent): the wait for the gate
/// is not the site's slowness.
pub async fn send_timed(
    url: &str,
    init: &web_sys::RequestInit,
    timeout_ms: u32,
    max_wait_ms: u64,
) -> (Result<web_sys::Response, String>, u64) {
    let Some(origin) = origin_of(url) else {
        // Not a site (no http or https origin): nothing to be polite to.
        let started = now();
        let outcome = super::net::send(url, init, timeout_ms).await;
        return (outcome, now().saturating_sub(started));
    };
    ensure_loaded().await;
    let deadline = now().saturating_add(max_wait_ms);
    loop {
        let now = now();
        let admission = with_policy(false, |p| p.ask(&origin, now));
        let Admission::WaitUntil {
            at_ms,
            reason,
            in_flight,
        } = admission
        else {
            save_soon();
            break;
        };
        if at_ms > deadline || (in_flight && now >= deadline) {
            return (Err(refusal(reason, at_ms)), 0);
        }
        // Behind a request in flight: look again shortly (when it ends is not known ahead).
        let until = if in_flight {
            at_ms
                .max(now.saturating_add(IN_FLIGHT_POLL_MS))
                .min(deadline)
        } else {
            at_ms
        };
        let wait = until.saturating_sub(now).clamp(1, u64::from(u32::MAX)) as u32;
        if in_flight {
            wait_or_wake(wait).await;
        } else {
            gloo_timers::future::TimeoutFuture::new(wait).await;
        }
    }
    let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
    init.set_signal(Some(&signal));
    let started = now();
    let outcome = super::net::send(url, init, timeout_ms).await;
    let elapsed_ms = now().saturating_sub(started);
    // A Retry-After on any answer (a 503, a 429) holds every later request to the site.
    let answer_retry_after = outcome.as_ref().ok().and_then(|response| {
        let value = response.headers().get("retry-after").ok().flatten()?;
        retry_after::parse(&value)
    });
    with_policy(true, |p| p.done(&origin, answer_retry_after, now()));
    wake_waiting();
    (outcome, elapsed_ms)
}

/// Waits `ms`, or until a request ends, whichever comes first: a check waiting behind another
/// request to its site goes as soon as that one has its answer, not up to a poll later.
async fn wait_or_wake(ms: u32) {
    use std::future::Future;
    use std::task::Poll;
    let ended_before = ENDED.with(Cell::get);
    let mut timer = gloo_timers::future::TimeoutFuture::new(ms);
    std::future::poll_fn(|cx| {
        if ENDED.with(Cell::get) != ended_before
            || std::pin::Pin::new(&mut timer).poll(cx).is_ready()
        {
            return Poll::Ready(());
        }
        WAITING.with(|waiting| waiting.borrow_mut().push(cx.waker().clone()));
        Poll::Pending
    })
    .await
}

/// Wakes every request waiting for the gate: each asks the policy again (only one per site is
/// let through).
fn wake_waiting() {
    ENDED.with(|ended| ended.set(ended.get().wrapping_add(1)));
    for waker in WAITING.with(|waiting| waiting.take()) {
        waker.wake();
    }
}

/// Until when the site of `url` is held by a Retry-After (0: it is not).
pub fn held_until(url: &str) -> u64 {
    let Some(origin) = origin_of(url) else {
        return 0;
    };
    POLICY.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|p| p.origin(&origin).map(|o| o.hold_until_ms))
            .unwrap_or(0)
    })
}

/// The failed page itself carried a Retry-After: nothing goes to `origin` before `until_ms`.
pub async fn hold(origin: &str, until_ms: u64) {
    ensure_loaded().await;
    with_policy(true, |p| p.hold(origin, until_ms, now()));
}

fn refusal(reason: WaitReason, at_ms: u64) -> String {
    match reason {
        WaitReason::Held => {
            let at = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
            let at: String = at.to_iso_string().into();
            format!("not sent: the site asked to wait until {at}")
        }
        WaitReason::Budget => "not sent: this site's request budget is spent for now".into(),
        WaitReason::InFlight => "not sent: another request to this site is still running".into(),
    }
}

/// Runs `change` on the policy; `save`: schedules the snapshot's write (a refused ask changes
/// nothing worth writing, and a waiting request asks again and again).
fn with_policy<R>(save: bool, change: impl FnOnce(&mut Politeness) -> R) -> R {
    let result = POLICY.with(|p| change(p.borrow_mut().get_or_insert_with(Politeness::new)));
    if save {
        save_soon();
    }
    result
}

fn save_soon() {
    DIRTY.with(|d| d.set(true));
    if !SAVING.with(|s| s.replace(true)) {
        wasm_bindgen_futures::spawn_local(save_while_dirty());
    }
}

async fn save_while_dirty() {
    while DIRTY.with(|d| d.replace(false)) {
        let snapshot = POLICY.with(|p| p.borrow().as_ref().map(Politeness::snapshot));
        if let Some(snapshot) = snapshot {
            if let Err(error) = save(&snapshot).await {
                web_sys::console::warn_2(&"Gateway Doctor: politeness not saved".into(), &error);
            }
        }
    }
    SAVING.with(|s| s.set(false));
}

async fn save(snapshot: &PolitenessState) -> Result<(), JsValue> {
    let api = extension_api()?;
    let value = super::js_ser::to_value(&snapshot)?;
    super::storage::set_making_room(&api, &object(&[(KEY, value)])?).await
}

/// Loads the policy once per background start. Missing or corrupt data reads as a fresh policy:
/// a budget lost is better than a site never asked again.
async fn ensure_loaded() {
    if POLICY.with(|p| p.borrow().is_some()) {
        return;
    }
    let stored = load().await;
    // Another request may have loaded it while we waited: keep that one.
    POLICY.with(|p| {
        let mut slot = p.borrow_mut();
        if slot.is_none() {
            *slot = Some(match stored {
                Some(state) => Politeness::restore(state, now()),
                None => Politeness::new(),
            });
        }
    });
}

async fn load() -> Option<PolitenessState> {
    let api = extension_api().ok()?;
    let items = JsFuture::from(api.storage().session().get(&JsValue::from_str(KEY)))
        .await
        .ok()?;
    let value = Reflect::get(&items, &JsValue::from_str(KEY)).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    match super::js_de::from_value(value) {
        Ok(state) => Some(state),
        Err(error) => {
            web_sys::console::warn_2(
                &"Gateway Doctor: ignoring a corrupt politeness state".into(),
                &JsValue::from_str(&error.to_string()),
            );
            None
        }
    }
}
