//! Cachet (self-hosted, open source) status pages: `GET <page>/api/v1/incidents`, asked newest
//! first (`?sort=id&order=desc`), a paginated `{"meta":{"pagination":…},"data":[incident…]}`.
//!
//! Shape as documented in Cachet's API reference (https://docs.cachethq.io/reference, "List all
//! Incidents"; incident status 0 Scheduled, 1 Investigating, 2 Identified, 3 Watching,
//! 4 Fixed), checked against a captured Cachet 2.x answer in public code:
//! `{"name","status":1,"visible":1,"message","occurred_at":"2022-05-22 21:07:01",
//! "created_at","updated_at","id":17,"is_resolved":false,"human_status":"Investigating",
//! "permalink":"http://…/incidents/17",…}`.
//!
//! What one request misses, and what is not read:
//! - Cachet writes times as `YYYY-MM-DD HH:MM:SS` in the instance's own time zone, which the
//!   answer does not name: they are not read (no `started_ms`), never guessed.
//! - Maintenance: Cachet 2.4+ keeps it under `/api/v1/schedules`, a second request not made;
//!   older versions' scheduled incidents (status 0) have no readable time, so they are left out.
//! - Components: an incident names only a `component_id`; names are a second request.
//! - The overall state: not in this answer (Unknown without an open incident, Degraded with one).

use super::report::{
    clean_status, clean_text, https_link, Overall, StatusApi, StatusEvent, StatusReport,
    MAX_EVENTS, MAX_EVENT_NAME,
};
use super::{list_field, text_field};
use crate::json::JsonView;

pub fn read<V: JsonView>(json: &V, _now_ms: f64) -> Result<StatusReport, String> {
    // Cachet's envelope: `meta.pagination` next to a `data` list.
    let paginated = json
        .field("meta")
        .and_then(|meta| meta.field("pagination"))
        .is_some();
    let data = list_field(json, "data")?;
    let (true, Some(incidents)) = (paginated, data) else {
        return Err("not a Cachet incident list".into());
    };
    let mut open = Vec::new();
    for incident in incidents {
        if open.len() >= MAX_EVENTS {
            break;
        }
        let Some(code) = incident.field("status").and_then(|s| s.as_u64()) else {
            continue;
        };
        let resolved = incident.field("is_resolved").and_then(|r| r.as_bool());
        // 1 Investigating, 2 Identified, 3 Watching; 4 Fixed; 0 Scheduled (see above).
        let status = match code {
            1 => "investigating",
            2 => "identified",
            3 => "watching",
            _ => continue,
        };
        if resolved == Some(true) {
            continue;
        }
        if incident.field("visible").and_then(|v| v.as_u64()) == Some(0)
            || incident.field("visible").and_then(|v| v.as_bool()) == Some(false)
        {
            continue;
        }
        let Some(name) = text_field(&incident, "name").map(|n| clean_text(&n, MAX_EVENT_NAME))
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        open.push(StatusEvent {
            name,
            status: clean_status(status),
            started_ms: None,
            until_ms: None,
            components: Vec::new(),
            link: text_field(&incident, "permalink").and_then(|l| https_link(&l)),
            maintenance: false,
            in_progress: true,
        });
    }
    Ok(StatusReport {
        api: StatusApi::Cachet,
        page_name: None,
        overall: if open.is_empty() {
            Overall::Unknown
        } else {
            Overall::Degraded
        },
        events: open,
        troubled: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn read_str(body: &str) -> Result<StatusReport, String> {
        read(&parse(body)?, 0.0)
    }

    fn list(items: &str) -> String {
        format!(
            r#"{{"meta":{{"pagination":{{"total":3,"count":3,"per_page":20,"current_page":1,"total_pages":1,
              "links":{{"next_page":null,"previous_page":null}}}}}},"data":[{items}]}}"#
        )
    }

    #[test]
    fn open_incidents_only() {
        let body = list(
            r#"{"id":17,"component_id":2,"name":"Database slow","status":2,"visible":1,"message":"…",
                "occurred_at":"2022-05-22 21:07:01","created_at":"2022-05-22 21:07:01","updated_at":"2022-05-22 21:07:01",
                "is_resolved":false,"human_status":"Identified","permalink":"https://status.example.com/incidents/17"},
               {"id":16,"name":"Fixed yesterday","status":4,"visible":1,"is_resolved":true,"human_status":"Fixed"},
               {"id":15,"name":"Hidden","status":1,"visible":0,"is_resolved":false},
               {"id":14,"name":"Planned","status":0,"visible":1,"scheduled_at":"2022-05-23 02:00:00","is_resolved":false},
               {"id":13,"name":"Plain http link","status":1,"visible":1,"is_resolved":false,"permalink":"http://status.example.com/incidents/13"}"#,
        );
        let report = read_str(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.api, StatusApi::Cachet);
        assert_eq!(report.overall, Overall::Degraded);
        let names: Vec<&str> = report.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Database slow", "Plain http link"]);
        assert_eq!(report.events[0].status, "identified");
        assert_eq!(
            report.events[0].started_ms, None,
            "zone-less times are not guessed"
        );
        assert_eq!(
            report.events[0].link.as_deref(),
            Some("https://status.example.com/incidents/17")
        );
        assert_eq!(report.events[1].link, None);
        assert!(report.has_incident());
        assert!(report.maintenance_now(0.0).is_none());
    }

    #[test]
    fn none_open() {
        let report = read_str(&list("")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.overall, Overall::Unknown);
        assert!(report.events.is_empty());
    }

    #[test]
    fn hostile_answers_are_errors_or_inert() {
        for body in [
            "{}",
            r#"{"data":[]}"#,
            r#"{"meta":{},"data":[]}"#,
            r#"{"meta":{"pagination":{}},"data":"x"}"#,
            r#"{"meta":{"pagination":{}}}"#,
        ] {
            assert!(read_str(body).is_err(), "{body}");
        }
        let first =
            r#"{"name":"javascript:alert(1)","status":1,"permalink":"javascript:alert(1)"}"#;
        let items: Vec<String> = std::iter::once(first.to_string())
            .chain(
                (0..10_000).map(|i| format!(r#"{{"name":"I{i}\u0007","status":"1","visible":1}}"#)),
            )
            .collect();
        let report = read_str(&list(&items.join(","))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            report.events.len(),
            1,
            "a status that is not a number is skipped"
        );
        assert_eq!(report.events[0].link, None);
        let many: Vec<String> = (0..10_000)
            .map(|i| format!(r#"{{"name":"I{i}","status":1,"visible":1}}"#))
            .collect();
        let report = read_str(&list(&many.join(","))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.events.len(), MAX_EVENTS);
    }
}
