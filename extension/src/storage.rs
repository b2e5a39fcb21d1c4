//! Incidents in `storage.session`: they outlive a stopped service worker, not the browser session.

#[cfg(feature = "background")]
use super::api::object;
use super::api::ExtensionApi;
#[cfg(feature = "background")]
use super::incident_index;
use gateway_doctor::incident::Incident;
use gateway_doctor::session_keys::SessionKey;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[cfg(feature = "background")]
/// Where the failure waiting for its tab is kept.
pub fn unassigned_key() -> String {
    SessionKey::Unassigned.name()
}

#[cfg(feature = "background")]
/// The tab's incident, reading storage only when there is one.
pub async fn load_tab(api: &ExtensionApi, tab_id: i64) -> Result<Option<Incident>, JsValue> {
    if !incident_index::has_tab(api, tab_id).await? {
        return Ok(None);
    }
    load(api, &tab_key(tab_id)).await
}

#[cfg(feature = "background")]
/// The incident still waiting for its tab, reading storage only when there is one.
pub async fn load_unassigned(api: &ExtensionApi) -> Result<Option<Incident>, JsValue> {
    if !incident_index::has_unassigned(api).await? {
        return Ok(None);
    }
    load(api, &unassigned_key()).await
}

pub fn tab_key(tab_id: i64) -> String {
    SessionKey::Incident(tab_id).name()
}

/// What session storage holds under `key`, as stored (undefined when nothing).
async fn stored(api: &ExtensionApi, key: &str) -> Result<JsValue, JsValue> {
    let items = JsFuture::from(api.storage().session().get(&JsValue::from_str(key))).await?;
    Reflect::get(&items, &JsValue::from_str(key))
}

/// When the tab's stored incident failed, read from storage itself without the rest of it (none
/// when it has none): the failure module's test of whether a failure is still the tab's.
#[cfg(feature = "failure")]
pub async fn load_failure_time(api: &ExtensionApi, tab_id: i64) -> Result<Option<f64>, JsValue> {
    Ok(failure_time(&stored(api, &tab_key(tab_id)).await?))
}

/// Reads an incident; a missing or corrupt entry reads as none (and a corrupt one is logged).
#[cfg(any(feature = "background", feature = "popup", feature = "popup-more"))]
pub async fn load(api: &ExtensionApi, key: &str) -> Result<Option<Incident>, JsValue> {
    let value = stored(api, key).await?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match from_stored(value) {
        Ok(incident) => Ok(Some(incident)),
        Err(error) => {
            web_sys::console::warn_2(
                &"Gateway Doctor: ignoring a corrupt stored incident".into(),
                &error.into(),
            );
            Ok(None)
        }
    }
}

/// When the stored incident `stored` failed (`Incident::at_ms`), read without the rest of it.
#[cfg(any(feature = "background", feature = "popup", feature = "failure"))]
pub fn failure_time(stored: &JsValue) -> Option<f64> {
    if !stored.is_object() {
        return None;
    }
    Reflect::get(stored, &JsValue::from_str("atMs"))
        .ok()?
        .as_f64()
}

/// The stored form: JSON-compatible plain objects, which both browsers' storage keeps intact.
#[cfg(any(feature = "background", feature = "popup"))]
pub fn to_stored(incident: &Incident) -> Result<JsValue, JsValue> {
    Ok(super::js_ser::to_value(&incident)?)
}

pub fn from_stored(value: JsValue) -> Result<Incident, super::js_de::Refused> {
    super::js_de::from_value(value)
}

#[cfg(feature = "background")]
pub async fn save(api: &ExtensionApi, key: &str, incident: &Incident) -> Result<(), JsValue> {
    let items = object(&[(key, to_stored(incident)?)])?;
    set_making_room(api, &items).await?;
    incident_index::note(key, Some(incident.at_ms));
    Ok(())
}

/// Forgets everything kept for `tab`: its incident, its checks' results, its auto-retry note.
#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
pub async fn forget_tab(api: &ExtensionApi, tab: i64) -> Result<(), JsValue> {
    let keys: js_sys::Array = SessionKey::of_tab(tab)
        .into_iter()
        .map(|key| JsValue::from_str(&key.name()))
        .collect();
    JsFuture::from(api.storage().session().remove(&keys)).await?;
    #[cfg(feature = "background")]
    incident_index::note(&tab_key(tab), None);
    Ok(())
}

#[cfg(feature = "background")]
pub async fn remove(api: &ExtensionApi, key: &str) -> Result<(), JsValue> {
    JsFuture::from(api.storage().session().remove(&JsValue::from_str(key))).await?;
    incident_index::note(key, None);
    Ok(())
}

/// Writes `items` to session storage. When it is full (a restored session of a hundred failed
/// tabs), the oldest incidents of other tabs and their check results make room, a few at a time:
/// the newest failure must always get its badge, popup and auto-retry.
#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
pub async fn set_making_room(api: &ExtensionApi, items: &JsValue) -> Result<(), JsValue> {
    // The tabs being written for are never the ones forgotten.
    let keep: Vec<i64> = js_sys::Object::keys(items.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| SessionKey::parse(&k.as_string()?)?.tab())
        .collect();
    for _ in 0..8 {
        let error = match JsFuture::from(api.storage().session().set(items)).await {
            Ok(_) => return Ok(()),
            Err(error) if is_quota_error(&error) => error,
            Err(error) => return Err(error),
        };
        let evict =
            gateway_doctor::incident::eviction_order(&known_incidents(api).await?, &keep, 10);
        if evict.is_empty() {
            return Err(error);
        }
        web_sys::console::warn_1(
            &format!(
                "Gateway Doctor: session storage full, forgetting {} older failed tabs",
                evict.len()
            )
            .into(),
        );
        for tab in evict {
            forget_tab(api, tab).await?;
        }
    }
    JsFuture::from(api.storage().session().set(items))
        .await
        .map(|_| ())
}

/// Every tab with a stored incident and when it failed: storage's keys (cheap even when it is
/// full), with the times the background's index knows (0 for the others, which go first). What
/// storage no longer holds is not listed, whatever any module remembers.
#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
async fn known_incidents(api: &ExtensionApi) -> Result<Vec<(i64, f64)>, JsValue> {
    Ok(stored_keys(api)
        .await?
        .iter()
        .filter_map(|key| match SessionKey::parse(key)? {
            SessionKey::Incident(tab) => Some((tab, failed_at(tab))),
            _ => None,
        })
        .collect())
}

#[cfg(feature = "background")]
fn failed_at(tab: i64) -> f64 {
    incident_index::failed_at(tab).unwrap_or(0.0)
}

/// Only the background's module knows when incidents failed without reading them.
#[cfg(all(
    not(feature = "background"),
    any(feature = "popup-more", feature = "failure")
))]
fn failed_at(_tab: i64) -> f64 {
    0.0
}

/// The keys in session storage, without reading what they hold (`getKeys`, where the browser has
/// it: a store full of failed tabs is large).
#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
pub async fn stored_keys(api: &ExtensionApi) -> Result<Vec<String>, JsValue> {
    let session = api.storage().session();
    let get_keys = Reflect::get(&session, &"getKeys".into())?;
    let keys = match get_keys.dyn_ref::<js_sys::Function>() {
        Some(get_keys) => {
            let promise: js_sys::Promise = get_keys.call0(&session)?.dyn_into()?;
            JsFuture::from(promise).await?
        }
        None => {
            let items = JsFuture::from(session.get(&JsValue::NULL)).await?;
            js_sys::Object::keys(&items.into()).into()
        }
    };
    Ok(js_sys::Array::from(&keys)
        .iter()
        .filter_map(|k| k.as_string())
        .collect())
}

#[cfg(any(feature = "background", feature = "popup-more", feature = "failure"))]
fn is_quota_error(error: &JsValue) -> bool {
    let text = Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_default()
        .to_ascii_lowercase();
    text.contains("quota")
}
