//! Better Stack (formerly Better Uptime) status pages' public JSON, `GET <page>/index.json`: a
//! JSON:API document with the page, its sections, its resources (monitors) and its status
//! reports (incidents and maintenance) in `included`, in one request.
//!
//! Shape as documented by Better Stack, "JSON API status"
//! (https://betterstack.com/docs/uptime/status-pages/subscribing-to-status-updates/subscribing-to-api):
//! `data` is `{"type":"status_page","attributes":{"company_name","aggregate_state"
//! (operational|degraded|downtime|maintenance),…}}`; `included` holds `status_page_section`,
//! `status_page_resource` (`attributes.public_name`, `attributes.status`: operational, degraded,
//! downtime, maintenance, not_monitored) and `status_report` items. A status report's attributes
//! are as in the Status page reports API (https://betterstack.com/docs/uptime/api/status-page-reports-api-response-params):
//! `title`, `report_type` (manual|automatic|maintenance), `starts_at`, `ends_at`,
//! `aggregate_state`, `affected_resources[]` of `{status_page_resource_id, status}` (status
//! `resolved` once over). Resource attributes are checked against captured answers in public
//! code; no captured `status_report` inside `index.json` was found, so how long past reports
//! stay listed there is not known: a report reads as over when its state or every affected
//! resource's says resolved/operational, or its `ends_at` has passed.
//!
//! What one request misses: a report carries no link of its own (the page's is not rebuilt).

use super::report::{
    clean_status, clean_text, maintenance_relevant, order_events, Overall, StatusApi, StatusEvent,
    StatusReport, MAX_EVENTS, MAX_EVENT_COMPONENTS, MAX_EVENT_NAME, MAX_PAGE_NAME, MAX_TROUBLED,
};
use super::{iso_ms, list_field, push_name, text_field};
use crate::json::JsonView;

pub fn read<V: JsonView>(json: &V, now_ms: f64) -> Result<StatusReport, String> {
    let data = json.field("data").ok_or("not a Better Stack status page")?;
    if text_field(&data, "type").as_deref() != Some("status_page") {
        return Err("not a Better Stack status page".into());
    }
    let attributes = data
        .field("attributes")
        .ok_or("no attributes in the status page")?;
    let overall = match text_field(&attributes, "aggregate_state").as_deref() {
        Some("operational") => Overall::Operational,
        Some("degraded") => Overall::Degraded,
        Some("downtime") => Overall::MajorOutage,
        Some("maintenance") => Overall::Maintenance,
        _ => Overall::Unknown,
    };
    let page_name = text_field(&attributes, "company_name")
        .map(|name| clean_text(&name, MAX_PAGE_NAME))
        .filter(|name| !name.is_empty());

    let included = list_field(json, "included")?.unwrap_or_default();
    // Resource id -> public name, and the troubled ones.
    let mut names: Vec<(String, String)> = Vec::new();
    let mut troubled = Vec::new();
    for item in &included {
        if text_field(item, "type").as_deref() != Some("status_page_resource") {
            continue;
        }
        let Some(attrs) = item.field("attributes") else {
            continue;
        };
        let Some(name) = text_field(&attrs, "public_name") else {
            continue;
        };
        if let Some(id) = id_of(item) {
            if names.len() < super::report::MAX_SCAN {
                names.push((id, clean_text(&name, super::report::MAX_COMPONENT_NAME)));
            }
        }
        let status = text_field(&attrs, "status").unwrap_or_default();
        if !matches!(status.as_str(), "operational" | "not_monitored" | "") {
            push_name(&mut troubled, &name, MAX_TROUBLED);
        }
    }

    let mut open = Vec::new();
    let mut planned = Vec::new();
    for item in &included {
        if open.len() >= MAX_EVENTS && planned.len() >= MAX_EVENTS {
            break;
        }
        if text_field(item, "type").as_deref() != Some("status_report") {
            continue;
        }
        let Some(attrs) = item.field("attributes") else {
            continue;
        };
        let Some(event) = report_event(&attrs, &names, now_ms) else {
            continue;
        };
        if event.maintenance {
            if planned.len() < MAX_EVENTS && maintenance_relevant(&event, now_ms) {
                planned.push(event);
            }
        } else if open.len() < MAX_EVENTS {
            open.push(event);
        }
    }

    Ok(StatusReport {
        api: StatusApi::BetterStack,
        page_name,
        overall,
        events: order_events(open, planned),
        troubled,
    })
}

/// A JSON:API id: a string, or a whole number.
fn id_of<V: JsonView>(item: &V) -> Option<String> {
    let id = item.field("id")?;
    id.as_string()
        .or_else(|| id.as_u64().map(|n| n.to_string()))
        .filter(|id| !id.is_empty() && id.len() <= 40)
}

/// A status report that is not over; `None` for one that is, or without a title.
fn report_event<V: JsonView>(
    attrs: &V,
    names: &[(String, String)],
    now_ms: f64,
) -> Option<StatusEvent> {
    let name = clean_text(&text_field(attrs, "title")?, MAX_EVENT_NAME);
    if name.is_empty() {
        return None;
    }
    let maintenance = text_field(attrs, "report_type").as_deref() == Some("maintenance");
    let state = text_field(attrs, "aggregate_state")
        .map(|s| clean_status(&s))
        .unwrap_or_default();
    let started_ms = text_field(attrs, "starts_at").and_then(|t| iso_ms(&t));
    let until_ms = text_field(attrs, "ends_at").and_then(|t| iso_ms(&t));
    let mut affected_states = Vec::new();
    let mut components = Vec::new();
    if let Some(Some(list)) = attrs.field("affected_resources").map(|a| a.items()) {
        for resource in list.iter().take(super::report::MAX_SCAN) {
            let status = text_field(resource, "status").unwrap_or_default();
            affected_states.push(status);
            let id = resource.field("status_page_resource_id").and_then(|id| {
                id.as_string()
                    .or_else(|| id.as_u64().map(|n| n.to_string()))
            });
            if let Some((_, public)) =
                id.and_then(|id| names.iter().find(|(known, _)| *known == id))
            {
                push_name(&mut components, public, MAX_EVENT_COMPONENTS);
            }
        }
    }
    let over_word = |s: &str| matches!(s, "resolved" | "operational");
    let over = over_word(&state)
        || (!affected_states.is_empty() && affected_states.iter().all(|s| over_word(s)))
        || until_ms.is_some_and(|until| until <= now_ms);
    if over {
        return None;
    }
    let in_progress = !maintenance || started_ms.is_some_and(|start| start <= now_ms);
    let status = if maintenance {
        if in_progress {
            "in_progress"
        } else {
            "scheduled"
        }
        .to_string()
    } else if state.is_empty() {
        "investigating".to_string()
    } else {
        state
    };
    Some(StatusEvent {
        name,
        status,
        started_ms,
        until_ms: if maintenance { until_ms } else { None },
        components,
        link: None,
        maintenance,
        in_progress,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// 2025-02-16T14:20:00Z.
    const NOW: f64 = 1_739_715_600_000.0;

    fn read_str(body: &str) -> Result<StatusReport, String> {
        read(&parse(body)?, NOW)
    }

    fn page(state: &str, included: &str) -> String {
        format!(
            r#"{{"data":{{"id":"165","type":"status_page","attributes":{{"company_name":"Your Company",
              "subdomain":"your-company-status","custom_domain":"status.example.com","aggregate_state":"{state}",
              "created_at":"2025-01-15T10:30:00.000Z","updated_at":"2025-02-16T14:20:00.000Z"}},
              "relationships":{{"sections":{{"data":[]}},"resources":{{"data":[]}},"status_reports":{{"data":[]}}}}}},
              "included":[{included}]}}"#
        )
    }

    const RESOURCES: &str = r#"
        {"id":"1","type":"status_page_section","attributes":{"name":"Core"}},
        {"id":"11","type":"status_page_resource","attributes":{"public_name":"Website","status":"operational"}},
        {"id":"12","type":"status_page_resource","attributes":{"public_name":"Database","status":"downtime"}},
        {"id":"13","type":"status_page_resource","attributes":{"public_name":"Legacy","status":"not_monitored"}}"#;

    #[test]
    fn an_incident_on_one_resource_and_maintenance() {
        let included = format!(
            r#"{RESOURCES},
            {{"id":"901","type":"status_report","attributes":{{"title":"Database unreachable","report_type":"manual",
              "starts_at":"2025-02-16T14:02:00.000Z","ends_at":null,"status_page_id":165,
              "affected_resources":[{{"status_page_resource_id":"12","status":"downtime"}}],"aggregate_state":"downtime"}}}},
            {{"id":"900","type":"status_report","attributes":{{"title":"Old outage","report_type":"manual",
              "starts_at":"2025-02-10T10:00:00.000Z","ends_at":"2025-02-10T11:00:00.000Z",
              "affected_resources":[{{"status_page_resource_id":"12","status":"resolved"}}],"aggregate_state":"downtime"}}}},
            {{"id":"902","type":"status_report","attributes":{{"title":"Database maintenance","report_type":"maintenance",
              "starts_at":"2025-02-16T14:00:00.000Z","ends_at":"2025-02-16T16:00:00.000Z",
              "affected_resources":[{{"status_page_resource_id":11,"status":"maintenance"}}],"aggregate_state":"maintenance"}}}},
            {{"id":"903","type":"status_report","attributes":{{"title":"Next month","report_type":"maintenance",
              "starts_at":"2025-03-16T14:00:00.000Z","ends_at":"2025-03-16T16:00:00.000Z","aggregate_state":"maintenance"}}}}"#
        );
        let report = read_str(&page("downtime", &included)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.api, StatusApi::BetterStack);
        assert_eq!(report.page_name.as_deref(), Some("Your Company"));
        assert_eq!(report.overall, Overall::MajorOutage);
        assert_eq!(report.troubled, ["Database"]);
        let names: Vec<&str> = report.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Database unreachable", "Database maintenance"]);
        let incident = report
            .incident_for("database")
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(incident.status, "downtime");
        assert_eq!(incident.started_ms, iso_ms("2025-02-16T14:02:00Z"));
        let maintenance = report
            .maintenance_now(NOW)
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(maintenance.components, ["Website"]);
        assert_eq!(maintenance.until_ms, iso_ms("2025-02-16T16:00:00Z"));
        assert_eq!(maintenance.status, "in_progress");
    }

    #[test]
    fn all_operational() {
        let quiet = r#"{"id":"11","type":"status_page_resource","attributes":{"public_name":"Website","status":"operational"}}"#;
        let report = read_str(&page("operational", quiet)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.overall, Overall::Operational);
        assert!(report.events.is_empty() && report.troubled.is_empty());
        assert!(!report.has_incident());
    }

    #[test]
    fn hostile_answers_are_errors_or_inert() {
        for body in [
            "{}",
            r#"{"data":[]}"#,
            r#"{"data":{"type":"incident","attributes":{}}}"#,
            r#"{"data":{"type":"status_page"}}"#,
            r#"{"data":{"type":"status_page","attributes":{}},"included":"x"}"#,
            r#"{"page":{"status":"UP"}}"#,
        ] {
            assert!(read_str(body).is_err(), "{body}");
        }
        let included = format!(
            r#"{{"id":"1","type":"status_page_resource","attributes":{{"public_name":"{long}","status":"degraded"}}}},
               {{"id":"2","type":"status_page_resource","attributes":{{"public_name":7,"status":"degraded"}}}},
               {{"type":"status_report","attributes":{{"title":"\u001b[2Jboom\u2066","report_type":"manual",
                 "starts_at":"soon","affected_resources":"all"}}}},
               {{"type":"status_report","attributes":{{"title":7}}}},
               {{"type":"status_report"}}, 3, "x", null"#,
            long = "R".repeat(100_000)
        );
        let report = read_str(&page("degraded", &included)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.troubled.len(), 1);
        assert!(report.troubled[0].chars().count() <= 80);
        assert_eq!(report.events.len(), 1);
        assert_eq!(report.events[0].name, "[2Jboom");
        assert_eq!(report.events[0].started_ms, None);
        assert_eq!(report.events[0].status, "investigating");
    }

    #[test]
    fn ten_thousand_resources() {
        let resources: Vec<String> = (0..10_000)
            .map(|i| {
                format!(r#"{{"id":"{i}","type":"status_page_resource","attributes":{{"public_name":"R{i}","status":"downtime"}}}}"#)
            })
            .collect();
        let report =
            read_str(&page("downtime", &resources.join(","))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.troubled.len(), MAX_TROUBLED);
    }
}
