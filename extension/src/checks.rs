//! Runs the client-side checks for a failed page the moment it fails: each on its own, in
//! parallel, with its own timeout, storing its result as soon as it has one. None of them
//! touches the tab: the visitor's page stays as it is.

use super::api::{extension_api, object, ExtensionApi};
use super::check_store;
use super::edge_status;
use super::net;
use super::storage;
use gateway_doctor::checks::dns::doh_query_url;
use gateway_doctor::checks::dns::{compare, is_ip, read_parsed_doh_answer};
use gateway_doctor::checks::findings::StatusFinding;
use gateway_doctor::checks::plan::{describe, plan, Plan};
use gateway_doctor::checks::providers::{read_parsed_answer, Provider, MAX_ANSWER};
use gateway_doctor::checks::record::{proxy_mode_configured, CheckId, CheckRecord, CheckState};
use gateway_doctor::checks::{ChecksRun, FetchResult};
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::Incident;
use gateway_doctor::settings::Settings;
use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const REFETCH_TIMEOUT_MS: u32 = 8_000;
const CHECKER_TIMEOUT_MS: u32 = 6_000;
const DNS_TIMEOUT_MS: u32 = 4_000;
const CONNECTIVITY_TIMEOUT_MS: u32 = 4_000;

/// Starts the checks for the tab's failure (the engine decides when: once per failure, again on
/// the visitor's request, or the proxy check alone at the visitor's click), with the visitor's
/// settings as the background has them.
pub fn start(tab_id: i64, incident: Incident, settings: Settings, run: ChecksRun) {
    if run == ChecksRun::Proxy {
        // A worker that slept since the checks ran has forgotten their records: run them again
        // too, so that the verdict told after the proxy check is made of them all.
        let forgotten = !remembers_checks_of(tab_id, incident.at_ms);
        let proxy_incident = incident.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = run_proxy(tab_id, &proxy_incident).await {
                web_sys::console::warn_2(&"Gateway Doctor: the proxy check failed".into(), &error);
            }
        });
        if !forgotten {
            return;
        }
    }
    // The proxy check takes a permission that only the visitor's click can ask for.
    for check in CheckId::ALL
        .into_iter()
        .filter(|check| *check != CheckId::Proxy)
    {
        let (incident, settings) = (incident.clone(), settings.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = run_one(tab_id, check, &incident, &settings, run).await {
                web_sys::console::warn_2(&"Gateway Doctor: a check failed".into(), &error);
            }
        });
    }
}

/// The proxy check (`ChecksRun::Proxy`): the browser's proxy setting, read once the visitor
/// granted the permission.
async fn run_proxy(tab_id: i64, incident: &Incident) -> Result<(), JsValue> {
    let api = extension_api()?;
    let started = js_sys::Date::now();
    let sent = "proxy.settings.get".to_string();
    let mut record = CheckRecord::running(CheckId::Proxy, incident.at_ms, started, sent);
    store_if_current(&api, tab_id, &record).await?;
    match super::proxy_check::read_mode(&api).await {
        Ok(mode) => {
            record.proxy_configured = proxy_mode_configured(&mode);
            record.proxy_mode = Some(mode);
        }
        Err(error) => fail(&mut record, error),
    }
    finish(&api, tab_id, incident, record, started).await
}

async fn run_one(
    tab_id: i64,
    check: CheckId,
    incident: &Incident,
    settings: &Settings,
    run: ChecksRun,
) -> Result<(), JsValue> {
    let api = extension_api()?;
    let at = incident.at_ms;
    let started = js_sys::Date::now();
    let plan = plan(check, incident, settings, api.dns().is_some(), started);
    // Asked again by the visitor: refetch now rather than share a recent refetch of the site.
    let again = run == ChecksRun::Again;
    if let Plan::Skip(reason) = plan {
        let record = CheckRecord::skipped(check, at, started, reason);
        return store_if_current(&api, tab_id, &record).await;
    }
    let sent = describe(&plan, incident);
    let mut record = CheckRecord::running(check, at, started, sent);
    store_if_current(&api, tab_id, &record).await?;
    match plan {
        Plan::Skip(_) => {}
        Plan::Refetch {
            with_cookies,
            wait_ms,
        } => {
            if wait_ms > 0 {
                // The site's Retry-After holds for the checks too.
                gloo_timers::future::TimeoutFuture::new(wait_ms.min(u64::from(u32::MAX)) as u32)
                    .await;
            }
            // A failure served from the cache asks about this page now: never answered by another's.
            let own = again || incident.from_cache;
            let (fetch, fetched_url) = shared_refetch(&incident.url, with_cookies, own).await;
            if fetched_url != incident.url {
                // Another tab's page on the same site was refetched moments ago: say which.
                record.sent = format!("{} (shared: {fetched_url})", record.sent);
            }
            record.fetch = Some(fetch);
        }
        Plan::Ask { provider, url } => {
            record.provider = Some(provider.name());
            match ask_checker(&provider, &url).await {
                Ok(answer) => record.checker = Some(answer),
                Err(error) => fail(&mut record, error),
            }
        }
        Plan::ResolveWithBrowser => {
            record.provider = Some("Firefox".into());
            let looked_up = match api.dns() {
                Some(dns) => resolve_with_browser(&dns, &incident.host).await,
                None => Err("no DNS API here".into()),
            };
            compare_dns(&mut record, incident, looked_up);
        }
        Plan::ResolveOverHttps { resolver } => {
            record.provider = Some(gateway_doctor::incident::host_of(&resolver).to_string());
            let looked_up = resolve_over_https(&resolver, &incident.host).await;
            compare_dns(&mut record, incident, looked_up);
        }
        Plan::Reach { url, portal } => {
            let fetch = refetch(&url, false, CONNECTIVITY_TIMEOUT_MS).await;
            if portal {
                record.portal = Some(edge_status::portal_seen(&api, &url, &fetch).await);
            }
            record.fetch = Some(fetch);
        }
        Plan::AskEdge { url, cdn, trace } => {
            let (fetch, edge) = edge_status::ask_edge(&url, cdn, trace).await;
            record.fetch = Some(fetch);
            record.edge = Some(edge);
        }
        Plan::ReadCdnStatus {
            url,
            api: status_api,
            source,
            page,
            component,
        } => {
            record.provider = Some(source.to_string());
            match edge_status::read_cdn_status(&url, status_api).await {
                Ok(report) => {
                    record.status = Some(StatusFinding {
                        source: source.to_string(),
                        page: page.map(str::to_string),
                        report,
                        component,
                    })
                }
                Err(error) => fail(&mut record, error),
            }
        }
        Plan::ReadSiteStatus { base } => {
            let source = gateway_doctor::incident::host_of(&base).to_string();
            record.provider = Some(source.clone());
            record.status =
                edge_status::read_site_status(&base)
                    .await
                    .map(|report| StatusFinding {
                        source,
                        page: Some(format!("{base}/")),
                        report,
                        component: None,
                    });
        }
    }
    finish(&api, tab_id, incident, record, started).await
}

/// A check's end: its record stored as done (unless it failed), with the time it took, and the
/// verdict of all so far told to the background. Every answer may change the verdict, which
/// rules auto-retry.
async fn finish(
    api: &ExtensionApi,
    tab_id: i64,
    incident: &Incident,
    mut record: CheckRecord,
    started: f64,
) -> Result<(), JsValue> {
    if record.state == CheckState::Running {
        record.state = CheckState::Done;
    }
    record.elapsed_ms = Some((js_sys::Date::now() - started).max(0.0) as u64);
    store_if_current(api, tab_id, &record).await?;
    super::link::checks_answered(tab_id, incident.at_ms, verdict_for(tab_id, incident))
}

fn fail(record: &mut CheckRecord, error: String) {
    record.state = CheckState::Failed;
    record.note = Some(gateway_doctor::incident::truncate(&error, 160));
}

/// Stores the record unless the tab has moved on (its failure was cleared or replaced).
async fn store_if_current(
    api: &ExtensionApi,
    tab_id: i64,
    record: &CheckRecord,
) -> Result<(), JsValue> {
    if storage::load_failure_time(api, tab_id).await? == Some(record.incident_at_ms) {
        check_store::save(api, tab_id, record).await?;
        remember(tab_id, record);
    }
    Ok(())
}

thread_local! {
    /// What this module stored for each tab's current failure, one record per check: the
    /// verdict it tells the background is made from these, as the popup makes it from storage
    /// (reading them back would put the records' reader into both modules).
    static STORED: RefCell<Vec<(i64, CheckRecord)>> = const { RefCell::new(Vec::new()) };
}

fn remember(tab_id: i64, record: &CheckRecord) {
    STORED.with(|stored| {
        let mut stored = stored.borrow_mut();
        // A newer failure of the tab replaces the older one's records; a check, its own record.
        stored.retain(|(tab, kept)| {
            *tab != tab_id
                || (kept.incident_at_ms == record.incident_at_ms && kept.check != record.check)
        });
        stored.push((tab_id, record.clone()));
    });
}

/// Whether this module still holds the automatic checks' records of the tab's failure stamped
/// `at_ms` (it forgets them when the worker stops).
fn remembers_checks_of(tab_id: i64, at_ms: f64) -> bool {
    STORED.with(|stored| {
        stored.borrow().iter().any(|(tab, record)| {
            *tab == tab_id && record.incident_at_ms == at_ms && record.check != CheckId::Proxy
        })
    })
}

/// What the checks of the tab's failure have found so far: the popup's verdict.
fn verdict_for(tab_id: i64, incident: &Incident) -> gateway_doctor::checks::verdict::Verdict {
    let records: Vec<CheckRecord> = STORED.with(|stored| {
        stored
            .borrow()
            .iter()
            .filter(|(tab, _)| *tab == tab_id)
            .map(|(_, record)| record.clone())
            .collect()
    });
    gateway_doctor::view::checks::current_verdict(incident, &records).1
}

/// How long one site's refetch answers for every tab that fails on it: ten tabs failing on one
/// struggling site at once make one pair of refetches, not ten. Short, so that a site that
/// changed is asked again.
const SHARED_REFETCH_MS: f64 = 10_000.0;

struct RecentRefetch {
    origin: String,
    with_cookies: bool,
    started_ms: f64,
    url: String,
    /// Resolves to the `FetchResult`, serialised.
    result: js_sys::Promise,
}

thread_local! {
    static RECENT_REFETCHES: RefCell<Vec<RecentRefetch>> = const { RefCell::new(Vec::new()) };
}

/// Refetches `url`, or joins a refetch of the same site started less than 10 s ago (running or
/// done), unless `own` asks for a refetch of its own. Returns the result and the address that
/// was actually fetched.
async fn shared_refetch(url: &str, with_cookies: bool, own: bool) -> (FetchResult, String) {
    let now = js_sys::Date::now();
    let origin = gateway_doctor::retry::origin_of(url).unwrap_or_default();
    let recent = RECENT_REFETCHES.with(|recent| {
        let mut recent = recent.borrow_mut();
        recent.retain(|r| now - r.started_ms < SHARED_REFETCH_MS);
        recent
            .iter()
            .find(|r| !own && r.origin == origin && r.with_cookies == with_cookies)
            .map(|r| (r.result.clone(), r.url.clone()))
    });
    let (promise, fetched_url) = recent.unwrap_or_else(|| {
        let target = url.to_string();
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            let fetched = refetch(&target, with_cookies, REFETCH_TIMEOUT_MS).await;
            Ok(super::js_ser::to_value(&fetched)?)
        });
        RECENT_REFETCHES.with(|recent| {
            recent.borrow_mut().push(RecentRefetch {
                origin,
                with_cookies,
                started_ms: now,
                url: url.to_string(),
                result: promise.clone(),
            })
        });
        (promise, url.to_string())
    });
    let fetched = JsFuture::from(promise)
        .await
        .ok()
        .and_then(|value| super::js_de::from_value::<FetchResult>(value).ok())
        .unwrap_or(FetchResult {
            status: None,
            error: Some("refetch lost".into()),
            elapsed_ms: 0,
            redirected: false,
        });
    (fetched, fetched_url)
}

/// GET the page again, bypassing every cache; with or without the visitor's cookies. A redirect
/// is never followed: the visitor's cookies go to the address that failed and nowhere else.
async fn refetch(url: &str, with_cookies: bool, timeout_ms: u32) -> FetchResult {
    let init = net::request("GET", timeout_ms);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    init.set_credentials(if with_cookies {
        web_sys::RequestCredentials::Include
    } else {
        web_sys::RequestCredentials::Omit
    });
    // Through the one gate of every request to a site: the site's Retry-After and its budget
    // hold for the refetches as for the probes. 30 s: `checks::plan`'s Retry-After wait cap.
    const MAX_WAIT_MS: u64 = 30_000;
    let (outcome, elapsed_ms) = super::link::send_timed(url, &init, timeout_ms, MAX_WAIT_MS).await;
    match outcome {
        Ok(response) => {
            // Only the status matters: stop the body from downloading.
            if let Some(body) = response.body() {
                let _ignored = body.cancel();
            }
            let redirected = net::is_unfollowed_redirect(&response);
            FetchResult {
                status: (!redirected).then(|| response.status()),
                error: None,
                elapsed_ms,
                redirected,
            }
        }
        Err(error) => FetchResult {
            status: None,
            error: Some(error),
            elapsed_ms,
            redirected: false,
        },
    }
}

fn json_request(timeout_ms: u32, accept: &str) -> Result<web_sys::RequestInit, JsValue> {
    let init = net::request("GET", timeout_ms);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_headers(&object(&[("accept", accept.into())])?);
    Ok(init)
}

async fn ask_checker(
    provider: &Provider,
    url: &str,
) -> Result<gateway_doctor::checks::providers::CheckerAnswer, String> {
    let init = json_request(CHECKER_TIMEOUT_MS, "application/json").map_err(|_| "bad request")?;
    let response = net::send(url, &init, CHECKER_TIMEOUT_MS).await?;
    if !response.ok() {
        return Err(format!("the checker answered HTTP {}", response.status()));
    }
    let body = net::read_text(&response, MAX_ANSWER).await?;
    read_parsed_answer(provider, &net::Json::parse(&body)?)
}

async fn resolve_over_https(resolver: &str, host: &str) -> Result<Vec<String>, String> {
    let mut addresses = Vec::new();
    for record_type in ["A", "AAAA"] {
        let url = doh_query_url(resolver, host, record_type);
        let init =
            json_request(DNS_TIMEOUT_MS, "application/dns-json").map_err(|_| "bad request")?;
        let response = net::send(&url, &init, DNS_TIMEOUT_MS).await?;
        if !response.ok() {
            return Err(format!("the resolver answered HTTP {}", response.status()));
        }
        let body = net::read_text(&response, MAX_ANSWER).await?;
        addresses.extend(read_parsed_doh_answer(&net::Json::parse(&body)?)?);
    }
    Ok(addresses)
}

/// Firefox's own resolver, past its cache. A name that does not exist is an empty answer.
async fn resolve_with_browser(dns: &super::api::DnsApi, host: &str) -> Result<Vec<String>, String> {
    let flags: js_sys::Array = std::iter::once(JsValue::from_str("bypass_cache")).collect();
    match JsFuture::from(dns.resolve(host, &flags)).await {
        Ok(answer) => {
            let list = Reflect::get(&answer, &"addresses".into()).unwrap_or(JsValue::UNDEFINED);
            Ok(js_sys::Array::from(&list)
                .iter()
                .filter_map(|a| a.as_string().filter(|a| is_ip(a)))
                .take(32)
                .collect())
        }
        Err(error) => {
            let text = net::describe_error(&error, 0);
            if text.contains("UNKNOWN_HOST") {
                Ok(Vec::new())
            } else {
                Err(text)
            }
        }
    }
}

fn compare_dns(
    record: &mut CheckRecord,
    incident: &Incident,
    looked_up: Result<Vec<String>, String>,
) {
    match looked_up {
        Ok(addresses) => {
            let could_not_resolve = incident.failure
                == (Failure::Network {
                    error: NetError::NameNotResolved,
                });
            record.dns = Some(compare(
                incident.server_ip.as_deref(),
                &addresses,
                could_not_resolve,
            ));
            record.addresses = addresses;
        }
        Err(error) => fail(record, error),
    }
}
