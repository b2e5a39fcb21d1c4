//! The words for what the edge and status checks found: their lines in the popup, and the
//! verdict's explanation when a status page or the CDN's edge decided it. Every text from a
//! status feed is the feed's own (bounded, plain) and is shown as text.

use crate::checks::findings::{EdgeFinding, StatusFinding};
use crate::checks::verdict::{Evidence, VerdictKind};
use crate::incident::truncate;
use crate::status::report::StatusEvent;
use crate::utc::utc_iso8601;
use crate::view::msg::Msg;

/// A time as the popup says it: "14:02 UTC" on the failure's own day, else with its date.
pub fn utc_time(at_ms: f64, today_ms: f64) -> Option<String> {
    let at = utc_iso8601(at_ms)?;
    let today = utc_iso8601(today_ms).unwrap_or_default();
    let (date, time) = at.split_once('T')?;
    let hh_mm = time.get(..5)?;
    Some(if today.starts_with(date) {
        format!("{hh_mm} UTC")
    } else {
        format!("{date} {hh_mm} UTC")
    })
}

/// Where the CDN's edge answered: the city when known, else its code.
fn place_name(code: &str) -> String {
    crate::status::colo::colo_city(code)
        .map(str::to_string)
        .unwrap_or_else(|| truncate(code, 8))
}

/// The edge check's line.
pub fn edge_line(edge: &EdgeFinding) -> Msg {
    let cdn = truncate(&edge.cdn, 60);
    match (&edge.answered, &edge.place) {
        (true, Some(place)) => Msg::with("edgeAnsweredAt", vec![cdn, place_name(place)]),
        (true, None) => Msg::with("edgeAnswered", vec![cdn]),
        (false, _) => Msg::with("edgeNoAnswer", vec![cdn]),
    }
}

fn event_name(event: &StatusEvent) -> String {
    truncate(&event.name, 160)
}

/// A status check's line: what the feed or page reports that concerns this failure.
pub fn status_line(status: &StatusFinding, today_ms: f64) -> Msg {
    let source = truncate(&status.source, 80);
    if let Some(event) = status.maintenance_now() {
        return match event.until_ms.and_then(|ms| utc_time(ms, today_ms)) {
            Some(until) => Msg::with(
                "statusMaintenanceUntil",
                vec![source, event_name(event), until],
            ),
            None => Msg::with("statusMaintenance", vec![source, event_name(event)]),
        };
    }
    if let Some(event) = status.relevant_incident() {
        return match event.started_ms.and_then(|ms| utc_time(ms, today_ms)) {
            Some(since) => Msg::with(
                "statusIncidentSince",
                vec![source, event_name(event), since],
            ),
            None => Msg::with("statusIncident", vec![source, event_name(event)]),
        };
    }
    // An incident elsewhere (another data centre) does not concern this failure: said, not
    // counted.
    match status.report.events.iter().find(|e| !e.maintenance) {
        Some(other) => Msg::with("statusIncidentElsewhere", vec![source, event_name(other)]),
        None => Msg::with("statusAllClear", vec![source]),
    }
}

/// The verdict's explanation, when a status page or the edge decided it; `None` for the others
/// (their explanation names the host alone).
pub fn explanation(kind: VerdictKind, host: &str, e: &Evidence, today_ms: f64) -> Option<Msg> {
    let host = host.to_string();
    match kind {
        VerdictKind::SiteMaintenance => {
            let event = e.site_status.as_ref()?.maintenance_now()?;
            Some(match event.until_ms.and_then(|ms| utc_time(ms, today_ms)) {
                Some(until) => Msg::with(
                    "explainSiteMaintenanceUntil",
                    vec![host, event_name(event), until],
                ),
                None => Msg::with("explainSiteMaintenance", vec![host, event_name(event)]),
            })
        }
        VerdictKind::SiteIncident => {
            let event = e.site_status.as_ref()?.relevant_incident()?;
            Some(
                match event.started_ms.and_then(|ms| utc_time(ms, today_ms)) {
                    Some(since) => Msg::with(
                        "explainSiteIncidentSince",
                        vec![host, event_name(event), since],
                    ),
                    None => Msg::with("explainSiteIncident", vec![host, event_name(event)]),
                },
            )
        }
        VerdictKind::CdnIncident => {
            let status = e.cdn_status.as_ref()?;
            let event = status.relevant_incident()?;
            Some(Msg::with(
                "explainCdnIncident",
                vec![host, truncate(&status.source, 80), event_name(event)],
            ))
        }
        VerdictKind::OriginDown => {
            let edge = e.edge.as_ref()?;
            let cdn = truncate(&edge.cdn, 60);
            Some(match &edge.place {
                Some(place) => Msg::with("explainOriginDownAt", vec![host, cdn, place_name(place)]),
                None => Msg::with("explainOriginDown", vec![host, cdn]),
            })
        }
        _ => None,
    }
}

/// The status page a visitor can open for the verdict: the site's own, or the CDN's.
pub fn status_page_for(kind: VerdictKind, e: &Evidence) -> Option<String> {
    let finding = match kind {
        VerdictKind::SiteIncident | VerdictKind::SiteMaintenance => e.site_status.as_ref(),
        VerdictKind::CdnIncident => e.cdn_status.as_ref(),
        _ => None,
    }?;
    finding
        .maintenance_now()
        .or(finding.relevant_incident())
        .and_then(|event| event.link.clone())
        .or_else(|| finding.page.clone())
        .filter(|link| link.starts_with("https://") || link.starts_with("http://"))
}
