//! Atlassian Statuspage's public summary, `GET <page>/api/v2/summary.json`: the page, its overall
//! indicator, every component, the unresolved incidents and the upcoming or in-progress
//! scheduled maintenances, in one request.
//!
//! Shape as documented on every Statuspage page's `/api` (e.g. https://www.cloudflarestatus.com/api,
//! https://status.chargebee.com/api: "Summary ... Get a summary of the status page, including a
//! status indicator, component statuses, unresolved incidents, and any upcoming or in-progress
//! scheduled maintenances"), checked against captured answers in public code (incidents with
//! `started_at`, `created_at` with `-07:00` offsets, `shortlink` on stspg.io, `components[]`
//! inside an incident; components with `group: true` containers):
//!
//! ```json
//! {"page":{"id":"…","name":"Cloudflare","url":"https://www.cloudflarestatus.com","updated_at":"…"},
//!  "status":{"indicator":"none|minor|major|critical|maintenance","description":"…"},
//!  "components":[{"name":"…","status":"operational|degraded_performance|partial_outage|major_outage|under_maintenance","group":false}],
//!  "incidents":[{"name":"…","status":"investigating|identified|monitoring|resolved|postmortem","impact":"…",
//!                "created_at":"…","started_at":"…","shortlink":"https://stspg.io/…","components":[{"name":"…"}]}],
//!  "scheduled_maintenances":[{"name":"…","status":"scheduled|in_progress|verifying|completed",
//!                "scheduled_for":"…","scheduled_until":"…","shortlink":"…","components":[{"name":"…"}]}]}
//! ```

use super::report::{
    clean_status, clean_text, https_link, maintenance_relevant, order_events, Overall, StatusApi,
    StatusEvent, StatusReport, MAX_EVENTS, MAX_EVENT_COMPONENTS, MAX_EVENT_NAME, MAX_PAGE_NAME,
    MAX_TROUBLED,
};
use super::{iso_ms, list_field, push_name, text_field};
use crate::json::JsonView;

pub fn read<V: JsonView>(json: &V, now_ms: f64) -> Result<StatusReport, String> {
    let indicator = json
        .field("status")
        .and_then(|s| text_field(&s, "indicator"));
    let components = list_field(json, "components")?;
    let incidents = list_field(json, "incidents")?;
    let maintenances = list_field(json, "scheduled_maintenances")?;
    if indicator.is_none() && components.is_none() && incidents.is_none() {
        return Err("not a Statuspage summary".into());
    }
    let overall = match indicator.as_deref() {
        Some("none") => Overall::Operational,
        Some("minor") => Overall::Degraded,
        Some("major") => Overall::PartialOutage,
        Some("critical") => Overall::MajorOutage,
        Some("maintenance") => Overall::Maintenance,
        _ => Overall::Unknown,
    };
    let page_name = json
        .field("page")
        .and_then(|p| text_field(&p, "name"))
        .map(|name| clean_text(&name, MAX_PAGE_NAME))
        .filter(|name| !name.is_empty());

    let mut troubled = Vec::new();
    for component in components.unwrap_or_default() {
        if component.field("group").and_then(|g| g.as_bool()) == Some(true) {
            continue;
        }
        let (Some(name), Some(status)) = (
            text_field(&component, "name"),
            text_field(&component, "status"),
        ) else {
            continue;
        };
        if status != "operational" {
            push_name(&mut troubled, &name, MAX_TROUBLED);
        }
    }

    let mut open = Vec::new();
    for incident in incidents.unwrap_or_default() {
        if open.len() >= MAX_EVENTS {
            break;
        }
        let Some(event) = event(&incident, false) else {
            continue;
        };
        if matches!(
            event.status.as_str(),
            "resolved" | "postmortem" | "completed"
        ) {
            continue;
        }
        open.push(event);
    }

    let mut planned = Vec::new();
    for maintenance in maintenances.unwrap_or_default() {
        if planned.len() >= MAX_EVENTS {
            break;
        }
        let Some(mut event) = event(&maintenance, true) else {
            continue;
        };
        if !matches!(
            event.status.as_str(),
            "scheduled" | "in_progress" | "verifying"
        ) {
            continue;
        }
        event.in_progress = event.status != "scheduled";
        if maintenance_relevant(&event, now_ms) {
            planned.push(event);
        }
    }

    Ok(StatusReport {
        api: StatusApi::Statuspage,
        page_name,
        overall,
        events: order_events(open, planned),
        troubled,
    })
}

/// One incident or scheduled maintenance; `None` without a name and a status.
fn event<V: JsonView>(item: &V, maintenance: bool) -> Option<StatusEvent> {
    let name = clean_text(&text_field(item, "name")?, MAX_EVENT_NAME);
    let status = clean_status(&text_field(item, "status")?);
    if name.is_empty() || status.is_empty() {
        return None;
    }
    let time = |key: &str| text_field(item, key).and_then(|t| iso_ms(&t));
    let (started_ms, until_ms) = if maintenance {
        (time("scheduled_for"), time("scheduled_until"))
    } else {
        (time("started_at").or_else(|| time("created_at")), None)
    };
    let mut components = Vec::new();
    if let Some(Some(list)) = item.field("components").map(|c| c.items()) {
        for component in list.iter().take(super::report::MAX_SCAN) {
            if let Some(name) = text_field(component, "name") {
                push_name(&mut components, &name, MAX_EVENT_COMPONENTS);
            }
        }
    }
    Some(StatusEvent {
        name,
        status,
        started_ms,
        until_ms,
        components,
        link: text_field(item, "shortlink").and_then(|l| https_link(&l)),
        maintenance,
        in_progress: !maintenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// 2024-05-01T14:02:00Z.
    const NOW: f64 = 1_714_572_120_000.0;

    fn read_str(body: &str) -> Result<StatusReport, String> {
        read(&parse(body)?, NOW)
    }

    /// Shaped like cloudflarestatus.com's summary during a data-centre incident.
    const CLOUDFLARE_FRA: &str = r#"{
      "page":{"id":"yh6f0r4529hb","name":"Cloudflare","url":"https://www.cloudflarestatus.com","time_zone":"Etc/UTC","updated_at":"2024-05-01T13:58:01.000Z"},
      "components":[
        {"id":"1km35smx8p41","name":"Cloudflare Sites and Services","status":"operational","group":true,"components":["3sq3s4d20ywk"]},
        {"id":"x1","name":"Europe","status":"degraded_performance","group":true},
        {"id":"x2","name":"Frankfurt, Germany - (FRA)","status":"degraded_performance","group":false,"group_id":"x1"},
        {"id":"x3","name":"Amsterdam, Netherlands - (AMS)","status":"operational","group":false},
        {"id":"x4","name":"Paris, France - (CDG)","status":"under_maintenance","group":false}
      ],
      "incidents":[
        {"id":"mgp99sn4ynd4","name":"Elevated errors in Frankfurt","status":"identified","impact":"minor",
         "created_at":"2024-05-01T13:40:00.287Z","started_at":"2024-05-01T13:35:00.000Z","resolved_at":null,
         "shortlink":"https://stspg.io/m7w8kkf4tlqg",
         "components":[{"id":"x2","name":"Frankfurt, Germany - (FRA)","status":"degraded_performance"}]},
        {"id":"old","name":"Old one","status":"resolved","impact":"major","created_at":"2024-04-30T10:00:00Z"},
        {"id":"pm","name":"Post mortem","status":"postmortem","impact":"major","created_at":"2024-04-29T10:00:00Z"}
      ],
      "scheduled_maintenances":[
        {"id":"m1","name":"CDG datacenter maintenance","status":"in_progress","impact":"maintenance",
         "scheduled_for":"2024-05-01T13:00:00.000Z","scheduled_until":"2024-05-01T17:00:00.000Z",
         "shortlink":"https://stspg.io/m1","components":[{"name":"Paris, France - (CDG)"}]},
        {"id":"m2","name":"SIN maintenance tonight","status":"scheduled",
         "scheduled_for":"2024-05-02T02:00:00.000Z","scheduled_until":"2024-05-02T06:00:00.000Z",
         "components":[{"name":"Singapore, Singapore - (SIN)"}]},
        {"id":"m3","name":"Far future","status":"scheduled",
         "scheduled_for":"2024-06-01T02:00:00.000Z","scheduled_until":"2024-06-01T06:00:00.000Z"},
        {"id":"m4","name":"Done","status":"completed",
         "scheduled_for":"2024-05-01T01:00:00.000Z","scheduled_until":"2024-05-01T02:00:00.000Z"}
      ],
      "status":{"indicator":"minor","description":"Minor Service Outage"}
    }"#;

    #[test]
    fn an_incident_on_one_component() {
        let report = read_str(CLOUDFLARE_FRA).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.api, StatusApi::Statuspage);
        assert_eq!(report.page_name.as_deref(), Some("Cloudflare"));
        assert_eq!(report.overall, Overall::Degraded);
        assert_eq!(
            report.troubled,
            ["Frankfurt, Germany - (FRA)", "Paris, France - (CDG)"],
            "group containers are not components"
        );
        let names: Vec<&str> = report.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Elevated errors in Frankfurt",
                "CDG datacenter maintenance",
                "SIN maintenance tonight"
            ],
            "resolved, completed and far-off events are left out; incidents first"
        );
        let fra = report
            .incident_for("(FRA)")
            .unwrap_or_else(|| panic!("no FRA incident"));
        assert_eq!(fra.status, "identified");
        assert_eq!(fra.started_ms, iso_ms("2024-05-01T13:35:00Z"));
        assert_eq!(fra.link.as_deref(), Some("https://stspg.io/m7w8kkf4tlqg"));
        assert!(fra.in_progress && !fra.maintenance);
        assert!(report.incident_for("(AMS)").is_none());
        assert!(
            report.incident_for("(CDG)").is_none(),
            "maintenance is not an incident"
        );
        let now = report
            .maintenance_now(NOW)
            .unwrap_or_else(|| panic!("no maintenance"));
        assert_eq!(now.name, "CDG datacenter maintenance");
        assert_eq!(now.until_ms, iso_ms("2024-05-01T17:00:00Z"));
        let tonight = &report.events[2];
        assert!(tonight.maintenance && !tonight.in_progress);
        assert_eq!(tonight.status, "scheduled");
        assert_eq!(tonight.link, None);
    }

    #[test]
    fn all_operational_and_indicators() {
        let quiet = r#"{"page":{"name":"GitHub"},"status":{"indicator":"none","description":"All Systems Operational"},
            "components":[{"name":"Git Operations","status":"operational","group":false}],"incidents":[],"scheduled_maintenances":[]}"#;
        let report = read_str(quiet).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.overall, Overall::Operational);
        assert!(report.events.is_empty() && report.troubled.is_empty());
        assert!(!report.has_incident());
        assert!(report.maintenance_now(NOW).is_none());
        for (indicator, overall) in [
            ("minor", Overall::Degraded),
            ("major", Overall::PartialOutage),
            ("critical", Overall::MajorOutage),
            ("maintenance", Overall::Maintenance),
            ("purple", Overall::Unknown),
        ] {
            let body = format!(r#"{{"status":{{"indicator":"{indicator}"}}}}"#);
            assert_eq!(read_str(&body).map(|r| r.overall), Ok(overall));
        }
    }

    #[test]
    fn maintenance_scheduled_then_in_progress_by_the_clock() {
        // Marked "scheduled" but its window has begun: under way by the clock.
        let body = r#"{"status":{"indicator":"maintenance"},"incidents":[],
          "scheduled_maintenances":[{"name":"Database maintenance","status":"scheduled",
            "scheduled_for":"2024-05-01T14:00:00Z","scheduled_until":"2024-05-01T15:00:00+00:00"}]}"#;
        let report = read_str(body).unwrap_or_else(|e| panic!("{e}"));
        let event = report
            .maintenance_now(NOW)
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(event.name, "Database maintenance");
        assert!(
            report.maintenance_now(NOW + 3_600_000.0).is_none(),
            "over at 15:00"
        );
        assert!(!report.has_incident());
    }

    #[test]
    fn hostile_answers_are_errors_or_inert() {
        for body in [
            "{}",
            "[]",
            r#"{"page":{"name":"x"}}"#,
            r#"{"status":"none"}"#,
            r#"{"incidents":"none"}"#,
            r#"{"status":{"indicator":"none"},"components":{"a":1}}"#,
            r#"{"status":{"indicator":"none"},"components":7}"#,
            r#"{"status":{"indicator":"none"},"scheduled_maintenances":"x"}"#,
        ] {
            let read = read_str(body);
            assert!(
                read.is_err() || read.as_ref().is_ok_and(|r| r.events.is_empty()),
                "{body}: {read:?}"
            );
        }
        assert!(read_str(r#"{"status":{"indicator":"none"},"incidents":7}"#).is_err());

        let evil = format!(
            r#"{{"status":{{"indicator":"major"}},
              "components":[{{"name":"{long}","status":"major_outage"}},{{"name":5,"status":"major_outage"}},{{"status":"major_outage"}}],
              "incidents":[
                {{"name":"<img src=x onerror=alert(1)>\u0007\u202e","status":"Investigating<script>","shortlink":"javascript:alert(1)",
                  "started_at":12345,"components":"nope"}},
                {{"name":"","status":"investigating"}},
                {{"name":"no status"}},
                {{"name":["x"],"status":"investigating"}},
                {{"name":"Creds","status":"monitoring","shortlink":"https://user:pw@evil.example/","created_at":"yesterday",
                  "components":[{{"name":"{long}"}},{{"name":null}},7]}}
              ]}}"#,
            long = "A".repeat(100_000)
        );
        let report = read_str(&evil).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.troubled.len(), 1);
        assert!(report.troubled[0].chars().count() <= 80);
        assert_eq!(report.events.len(), 2);
        let first = &report.events[0];
        assert_eq!(
            first.name, "<img src=x onerror=alert(1)>",
            "inert text, shown with textContent"
        );
        assert_eq!(first.status, "investigating_script_");
        assert_eq!(first.link, None);
        assert_eq!(first.started_ms, None);
        assert!(first.components.is_empty());
        let second = &report.events[1];
        assert_eq!(second.link, None);
        assert_eq!(second.started_ms, None);
        assert_eq!(second.components.len(), 1);
        assert!(second.components[0].chars().count() <= 80);
    }

    #[test]
    fn huge_lists_are_read_in_part() {
        let components: Vec<String> = (0..10_000)
            .map(|i| format!(r#"{{"name":"C{i}","status":"major_outage","group":false}}"#))
            .collect();
        let incidents: Vec<String> = (0..10_000)
            .map(|i| {
                let parts: Vec<String> = (0..50).map(|j| format!(r#"{{"name":"P{j}"}}"#)).collect();
                format!(
                    r#"{{"name":"I{i}","status":"investigating","components":[{}]}}"#,
                    parts.join(",")
                )
            })
            .collect();
        let body = format!(
            r#"{{"status":{{"indicator":"critical"}},"components":[{}],"incidents":[{}]}}"#,
            components.join(","),
            incidents.join(",")
        );
        let report = read_str(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.troubled.len(), 20);
        assert_eq!(report.events.len(), 6);
        assert!(report.events.iter().all(|e| e.components.len() == 10));
    }
}
