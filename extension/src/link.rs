//! The seam between the background's two modules. What only a failed page needs is its own wasm
//! build, the failure module, compiled only when a page first fails (most worker starts never
//! need it), so the background module that starts again and again stays small. The failure
//! module holds the checks and all that takes the full diagnosis: the banner's words and the
//! history entry. Across the seam, each through a function `background.js` puts on the global
//! object:
//! - the background calls the failure module's entry points by name (`gatewayDoctorFailure`,
//!   which compiles the module first if need be): start a failure's checks, draw a banner, write
//!   a history entry;
//! - every request of the checks goes through the background's one politeness gate
//!   (`gatewayDoctorSend`), which the probes share: one budget, one request in flight per site;
//! - a check's answer reaches the background's event queue (`gatewayDoctorChecksAnswered`).
//!
//! Where both modules are one build (the browser tests), each call goes straight to its target.

use wasm_bindgen::prelude::*;

#[cfg(not(all(feature = "background", feature = "failure")))]
fn global_function(name: &str) -> Result<js_sys::Function, JsValue> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &name.into())?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| JsValue::from_str(&format!("Gateway Doctor: {name} is missing")))
}

/// The background: calls the failure module's `entry` with `args`; its promise's outcome.
#[cfg(all(feature = "background", not(feature = "failure")))]
async fn call_failure_module(entry: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    use wasm_bindgen::JsCast;
    let call = global_function("gatewayDoctorFailure")?;
    let all: js_sys::Array = std::iter::once(JsValue::from_str(entry))
        .chain(args.iter().cloned())
        .collect();
    let promise = call
        .apply(&JsValue::NULL, &all)?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| JsValue::from_str("Gateway Doctor: the failure module did not answer"))?;
    wasm_bindgen_futures::JsFuture::from(promise).await
}

/// The background: starts the checks of the tab's failure, with the settings it has.
#[cfg(feature = "background")]
pub fn start_checks(
    tab_id: i64,
    incident: gateway_doctor::incident::Incident,
    settings: gateway_doctor::settings::Settings,
    run: gateway_doctor::checks::ChecksRun,
) -> Result<(), JsValue> {
    #[cfg(feature = "failure")]
    super::checks::start(tab_id, incident, settings, run);
    #[cfg(not(feature = "failure"))]
    {
        let args = [
            JsValue::from_f64(tab_id as f64),
            super::storage::to_stored(&incident)?,
            // Written as `storage.sync` holds them, read back by the same reader.
            super::js_ser::to_value(&settings)?,
            JsValue::from_f64(f64::from(run.code())),
        ];
        // The checks report their own failures; a module that did not load is reported here.
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = call_failure_module("start_checks_for", &args).await {
                web_sys::console::warn_2(&"Gateway Doctor: checks did not start".into(), &error);
            }
        });
    }
    Ok(())
}

/// The background: draws the tab's banner, with the auto-retry part it said
/// (`{retryNote, nextCheckAtMs, onlyUpdate}`).
#[cfg(feature = "background")]
pub async fn draw_banner(
    tab_id: i64,
    incident: &gateway_doctor::incident::Incident,
    retry_part: JsValue,
) -> Result<(), JsValue> {
    #[cfg(feature = "failure")]
    return super::banner_draw::draw(&super::api::extension_api()?, tab_id, incident, retry_part)
        .await;
    #[cfg(not(feature = "failure"))]
    {
        let args = [
            JsValue::from_f64(tab_id as f64),
            super::storage::to_stored(incident)?,
            retry_part,
        ];
        call_failure_module("draw_banner_for", &args)
            .await
            .map(drop)
    }
}

/// The background: adds an ended failure to the history; done when written.
#[cfg(feature = "background")]
pub async fn record_history(ended: &gateway_doctor::history::Ended) -> Result<(), JsValue> {
    #[cfg(feature = "failure")]
    return super::history_store::append(&super::api::extension_api()?, ended.entry()).await;
    #[cfg(not(feature = "failure"))]
    {
        let args = [super::js_ser::to_value(ended)?];
        call_failure_module("record_history_for", &args)
            .await
            .map(drop)
    }
}

/// The failure module's entry point for the checks: `incident` as storage holds it, `settings`
/// as synced storage does.
#[cfg(feature = "failure")]
#[wasm_bindgen]
pub fn start_checks_for(
    tab_id: f64,
    incident: JsValue,
    settings: JsValue,
    run: u32,
) -> Result<(), JsValue> {
    let run = gateway_doctor::checks::ChecksRun::from_code(run)
        .ok_or_else(|| JsValue::from_str("Gateway Doctor: no such run of the checks"))?;
    let incident = super::storage::from_stored(incident)?;
    let settings = gateway_doctor::settings::Settings::read(&super::net::Json(settings));
    super::checks::start(tab_id as i64, incident, settings, run);
    Ok(())
}

/// The failure module's entry point for a banner (see `draw_banner`).
#[cfg(feature = "failure")]
#[wasm_bindgen]
pub async fn draw_banner_for(
    tab_id: f64,
    incident: JsValue,
    retry_part: JsValue,
) -> Result<(), JsValue> {
    let incident = super::storage::from_stored(incident)?;
    let api = super::api::extension_api()?;
    super::banner_draw::draw(&api, tab_id as i64, &incident, retry_part).await
}

/// The failure module's entry point for a history entry (`history::Ended` as `js_ser` writes it).
#[cfg(feature = "failure")]
#[wasm_bindgen]
pub async fn record_history_for(ended: JsValue) -> Result<(), JsValue> {
    let ended: gateway_doctor::history::Ended = super::js_de::from_value(ended)?;
    let api = super::api::extension_api()?;
    super::history_store::append(&api, ended.entry()).await
}

/// The checks: a record of the failure stamped `at_ms` was stored; the engine hears the verdict
/// all its records so far make (it rules auto-retry).
#[cfg(feature = "failure")]
pub fn checks_answered(
    tab_id: i64,
    at_ms: f64,
    verdict: gateway_doctor::checks::verdict::Verdict,
) -> Result<(), JsValue> {
    #[cfg(feature = "background")]
    super::background::dispatch_later(gateway_doctor::engine::Event::ChecksAnswered {
        tab_id,
        at_ms,
        verdict,
    });
    #[cfg(not(feature = "background"))]
    {
        let answered = global_function("gatewayDoctorChecksAnswered")?;
        answered.call3(
            &JsValue::NULL,
            &JsValue::from_f64(tab_id as f64),
            &JsValue::from_f64(at_ms),
            &super::js_ser::to_value(&verdict)?,
        )?;
    }
    Ok(())
}

/// The checks: `polite::send_timed` (the response, or why there is none, and the milliseconds
/// from sending to the answer), carried out by the background's gate.
#[cfg(feature = "failure")]
pub async fn send_timed(
    url: &str,
    init: &web_sys::RequestInit,
    timeout_ms: u32,
    max_wait_ms: u64,
) -> (Result<web_sys::Response, String>, u64) {
    #[cfg(feature = "background")]
    return super::polite::send_timed(url, init, timeout_ms, max_wait_ms).await;
    #[cfg(not(feature = "background"))]
    {
        use wasm_bindgen::JsCast;
        let sent = global_function("gatewayDoctorSend").and_then(|send| {
            let args = js_sys::Array::of4(
                &url.into(),
                init,
                &timeout_ms.into(),
                &(max_wait_ms as f64).into(),
            );
            send.apply(&JsValue::NULL, &args)?
                .dyn_into::<js_sys::Promise>()
                .map_err(|_| JsValue::from_str("not a promise"))
        });
        let answer = match sent {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        match answer {
            Ok(answer) => read_sent(&answer),
            Err(error) => (Err(super::net::describe_error(&error, timeout_ms)), 0),
        }
    }
}

/// What `polite_send` answers: `{response, elapsedMs}` or `{error, elapsedMs}`.
#[cfg(all(feature = "failure", not(feature = "background")))]
fn read_sent(answer: &JsValue) -> (Result<web_sys::Response, String>, u64) {
    use wasm_bindgen::JsCast;
    let field = |name: &str| js_sys::Reflect::get(answer, &name.into()).unwrap_or(JsValue::NULL);
    let elapsed_ms = field("elapsedMs").as_f64().unwrap_or(0.0).max(0.0) as u64;
    let outcome = match field("response").dyn_into::<web_sys::Response>() {
        Ok(response) => Ok(response),
        Err(_) => Err(field("error")
            .as_string()
            .unwrap_or_else(|| "no answer from the politeness gate".into())),
    };
    (outcome, elapsed_ms)
}

/// The background's gate for the failure module: `{response, elapsedMs}` once sent and answered,
/// `{error, elapsedMs}` when not sent or not answered.
#[cfg(feature = "background")]
#[wasm_bindgen]
pub async fn polite_send(
    url: String,
    init: web_sys::RequestInit,
    timeout_ms: u32,
    max_wait_ms: f64,
) -> Result<JsValue, JsValue> {
    // `as` saturates: a negative or NaN wait is none.
    let (outcome, elapsed_ms) =
        super::polite::send_timed(&url, &init, timeout_ms, max_wait_ms as u64).await;
    let (key, value) = match outcome {
        Ok(response) => ("response", JsValue::from(response)),
        Err(error) => ("error", JsValue::from_str(&error)),
    };
    super::api::object(&[(key, value), ("elapsedMs", (elapsed_ms as f64).into())])
}
