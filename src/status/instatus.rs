//! Instatus status pages' public summary, `GET <page>/summary.json`: the page's overall status,
//! its active incidents and its active (upcoming or in-progress) maintenances in one request.
//!
//! Shape as documented by Instatus, "Publicly available Data"
//! (https://instatus.com/help/api/public-data), with the status words of its API reference
//! (https://instatus.com/help/api): page statuses UP, HASISSUES, UNDERMAINTENANCE (and the
//! ALL*/SOME*/ONE* forms such as SOMEPARTIALOUTAGE), incident statuses INVESTIGATING, IDENTIFIED,
//! MONITORING, RESOLVED, maintenance statuses NOTSTARTEDYET, INPROGRESS, COMPLETED:
//!
//! ```json
//! {"page":{"name":"Instatus","url":"https://instat.us","status":"HASISSUES"},
//!  "activeIncidents":[{"name":"…","started":"…","status":"INVESTIGATING","impact":"MAJOROUTAGE","url":"https://…/incident/…"}],
//!  "activeMaintenances":[{"name":"…","start":"…","status":"NOTSTARTEDYET","duration":"60","url":"https://…/maintenance/…"}]}
//! ```
//!
//! Captured answers in public code show `activeIncidents`/`activeMaintenances` left out when
//! empty, and times both as ISO-8601 and, as in the documentation's example, as JavaScript's
//! `Date.toString()` ("Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)"); both
//! are read. `duration` is minutes, as a string or a number.
//!
//! What one request misses: the summary names no components (neither the page's nor an
//! incident's), so `troubled` is empty and `incident_for` finds nothing; the component list is
//! a second request (`/v2/components.json` or `/v3/components.json`), not made.

use super::report::{
    clean_status, clean_text, https_link, maintenance_relevant, order_events, Overall, StatusApi,
    StatusEvent, StatusReport, MAX_EVENTS, MAX_EVENT_NAME, MAX_PAGE_NAME,
};
use super::{days_from_civil, days_in_month, iso_ms, list_field, text_field};
use crate::json::JsonView;

pub fn read<V: JsonView>(json: &V, now_ms: f64) -> Result<StatusReport, String> {
    let page = json.field("page").ok_or("not an Instatus summary")?;
    let status = text_field(&page, "status").ok_or("not an Instatus summary")?;
    // Statuspage's summary has a `page` too, but never a `page.status`.
    let overall = overall(&status);
    let page_name = text_field(&page, "name")
        .map(|name| clean_text(&name, MAX_PAGE_NAME))
        .filter(|name| !name.is_empty());

    let mut open = Vec::new();
    for item in list_field(json, "activeIncidents")?.unwrap_or_default() {
        if open.len() >= MAX_EVENTS {
            break;
        }
        let Some(event) = event(&item, false, "started") else {
            continue;
        };
        if event.status != "resolved" {
            open.push(event);
        }
    }
    let mut planned = Vec::new();
    for item in list_field(json, "activeMaintenances")?.unwrap_or_default() {
        if planned.len() >= MAX_EVENTS {
            break;
        }
        let Some(mut event) = event(&item, true, "start") else {
            continue;
        };
        event.status = match event.status.as_str() {
            "notstartedyet" => "scheduled".into(),
            "inprogress" => "in_progress".into(),
            "completed" => continue,
            other => other.to_string(),
        };
        event.in_progress = event.status == "in_progress";
        let minutes = item.field("duration").and_then(|d| {
            d.as_f64().or_else(|| {
                d.as_string()
                    .and_then(|s| s.trim().parse::<u32>().ok())
                    .map(f64::from)
            })
        });
        event.until_ms = match (event.started_ms, minutes) {
            (Some(start), Some(m)) if m.is_finite() && m > 0.0 && m <= 60.0 * 24.0 * 366.0 => {
                Some(start + m * 60_000.0)
            }
            _ => None,
        };
        if maintenance_relevant(&event, now_ms) {
            planned.push(event);
        }
    }

    Ok(StatusReport {
        api: StatusApi::Instatus,
        page_name,
        overall,
        events: order_events(open, planned),
        troubled: Vec::new(),
    })
}

fn overall(status: &str) -> Overall {
    let status = status.trim().to_ascii_uppercase();
    let all = status.starts_with("ALL");
    match status.as_str() {
        "UP" | "OPERATIONAL" => Overall::Operational,
        "HASISSUES" => Overall::Degraded,
        "UNDERMAINTENANCE" => Overall::Maintenance,
        s if s.ends_with("UNDERMAINTENANCE") => Overall::Maintenance,
        s if s.ends_with("MAJOROUTAGE") && all => Overall::MajorOutage,
        s if s.ends_with("MAJOROUTAGE")
            || s.ends_with("PARTIALOUTAGE")
            || s.ends_with("MINOROUTAGE") =>
        {
            Overall::PartialOutage
        }
        s if s.ends_with("DEGRADEDPERFORMANCE") => Overall::Degraded,
        _ => Overall::Unknown,
    }
}

fn event<V: JsonView>(item: &V, maintenance: bool, start_key: &str) -> Option<StatusEvent> {
    let name = clean_text(&text_field(item, "name")?, MAX_EVENT_NAME);
    let status = clean_status(&text_field(item, "status")?);
    if name.is_empty() || status.is_empty() {
        return None;
    }
    let started_ms = text_field(item, start_key).and_then(|t| instatus_time(&t));
    Some(StatusEvent {
        name,
        status,
        started_ms,
        until_ms: None,
        components: Vec::new(),
        link: text_field(item, "url").and_then(|l| https_link(&l)),
        maintenance,
        in_progress: !maintenance,
    })
}

/// ISO-8601, or JavaScript's `Date.toString()`: "Sat Jun 11 2022 18:55:50 GMT+0000 (…)".
fn instatus_time(text: &str) -> Option<f64> {
    iso_ms(text).or_else(|| js_date(text))
}

fn js_date(text: &str) -> Option<f64> {
    let text = text.get(..text.len().min(120))?;
    let head = text.split(" (").next()?;
    let parts: Vec<&str> = head.split(' ').collect();
    let [_weekday, month, day, year, time, zone] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let year: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let day: u32 = day
        .parse()
        .ok()
        .filter(|d| (1..=days_in_month(year, month)).contains(d))?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| (p.len() == 2).then(|| p.parse().ok()).flatten())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let offset = zone.strip_prefix("GMT")?;
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &offset[1..];
    if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (oh, om): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    if oh > 23 || om > 59 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s
        - sign * (oh * 3600 + om * 60);
    Some(seconds as f64 * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// 2022-06-11T18:00:00Z.
    const NOW: f64 = 1_654_970_400_000.0;

    fn read_str(body: &str) -> Result<StatusReport, String> {
        read(&parse(body)?, NOW)
    }

    #[test]
    fn the_documented_example() {
        let body = r#"{
          "page":{"name":"Instatus","url":"https://instat.us","status":"HASISSUES"},
          "activeIncidents":[{"id":"cl4a8n3070721qtmzvts760c4","name":"We're facing an issue with our API",
            "started":"Sat Jun 11 2022 17:55:50 GMT+0000 (Coordinated Universal Time)","status":"INVESTIGATING",
            "impact":"MAJOROUTAGE","url":"https://testing-widget.instatus.com/incident/cl4a8n3070721qtmzvts760c4"}],
          "activeMaintenances":[{"id":"m","name":"Database maintenance",
            "start":"Sat Jun 11 2022 18:55:54 GMT+0000 (Coordinated Universal Time)","status":"NOTSTARTEDYET",
            "duration":"60","url":"https://testing-widget.instatus.com/maintenance/cl4a8nlv50918qtmzdlw60ivu"}]
        }"#;
        let report = read_str(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.api, StatusApi::Instatus);
        assert_eq!(report.page_name.as_deref(), Some("Instatus"));
        assert_eq!(report.overall, Overall::Degraded);
        assert_eq!(report.events.len(), 2);
        let incident = &report.events[0];
        assert_eq!(incident.name, "We're facing an issue with our API");
        assert_eq!(incident.status, "investigating");
        assert_eq!(incident.started_ms, iso_ms("2022-06-11T17:55:50Z"));
        assert!(incident
            .link
            .as_deref()
            .is_some_and(|l| l.ends_with("/incident/cl4a8n3070721qtmzvts760c4")));
        let maintenance = &report.events[1];
        assert!(maintenance.maintenance && !maintenance.in_progress);
        assert_eq!(maintenance.status, "scheduled");
        assert_eq!(maintenance.started_ms, iso_ms("2022-06-11T18:55:54Z"));
        assert_eq!(maintenance.until_ms, iso_ms("2022-06-11T19:55:54Z"));
        assert!(report.has_incident());
        assert!(report.maintenance_now(NOW).is_none());
        assert!(
            report.maintenance_now(NOW + 3_600_000.0).is_some(),
            "18:55 to 19:55"
        );
        assert!(
            report.incident_for("API").is_none(),
            "the summary names no components"
        );
    }

    #[test]
    fn quiet_in_progress_and_resolved() {
        let quiet = r#"{"page":{"name":"Wistia","url":"https://status.wistia.com","status":"UP"}}"#;
        let report = read_str(quiet).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.overall, Overall::Operational);
        assert!(report.events.is_empty());

        let busy = r#"{"page":{"status":"UNDERMAINTENANCE"},
          "activeIncidents":[{"name":"Fixed","status":"RESOLVED","started":"2022-06-11T10:00:00Z"}],
          "activeMaintenances":[
            {"name":"Now","status":"INPROGRESS","start":"2022-06-11T17:30:00.000Z","duration":90},
            {"name":"Done","status":"COMPLETED","start":"2022-06-11T10:00:00.000Z","duration":30},
            {"name":"Next week","status":"NOTSTARTEDYET","start":"2022-06-18T10:00:00.000Z","duration":30}]}"#;
        let report = read_str(busy).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.overall, Overall::Maintenance);
        assert!(!report.has_incident());
        let names: Vec<&str> = report.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Now"]);
        let now = report
            .maintenance_now(NOW)
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(now.status, "in_progress");
        assert_eq!(now.until_ms, iso_ms("2022-06-11T19:00:00Z"));
    }

    #[test]
    fn page_statuses() {
        for (status, overall) in [
            ("UP", Overall::Operational),
            ("HASISSUES", Overall::Degraded),
            ("ALLMAJOROUTAGE", Overall::MajorOutage),
            ("SOMEMAJOROUTAGE", Overall::PartialOutage),
            ("ONEPARTIALOUTAGE", Overall::PartialOutage),
            ("SOMEDEGRADEDPERFORMANCE", Overall::Degraded),
            ("ONEUNDERMAINTENANCE", Overall::Maintenance),
            ("WHATEVER", Overall::Unknown),
        ] {
            let body = format!(r#"{{"page":{{"status":"{status}"}}}}"#);
            assert_eq!(read_str(&body).map(|r| r.overall), Ok(overall), "{status}");
        }
    }

    #[test]
    fn hostile_answers_are_errors_or_inert() {
        for body in [
            "{}",
            r#"{"page":{"name":"x"}}"#,
            r#"{"page":"UP"}"#,
            r#"{"page":{"status":7}}"#,
            r#"{"page":{"status":"UP"},"activeIncidents":"x"}"#,
            r#"{"page":{"status":"UP"},"activeMaintenances":5}"#,
        ] {
            assert!(read_str(body).is_err(), "{body}");
        }
        let evil = format!(
            r#"{{"page":{{"name":"{long}","status":"HASISSUES"}},
              "activeIncidents":[{{"name":"x\u0000y\u202e","status":"INVESTIGATING","url":"javascript:alert(1)","started":"Sat Jun 99 2022"}},
                                 {{"name":"n","status":"IDENTIFIED","url":"https://a@b.example/"}},
                                 {{"status":"IDENTIFIED"}}, 5, null],
              "activeMaintenances":[{{"name":"m","status":"INPROGRESS","start":"2022-06-11T17:00:00Z","duration":"1e999"}},
                                    {{"name":"m2","status":"INPROGRESS","start":"2022-06-11T17:00:00Z","duration":-5}}]}}"#,
            long = "N".repeat(50_000)
        );
        let report = read_str(&evil).unwrap_or_else(|e| panic!("{e}"));
        assert!(report
            .page_name
            .as_ref()
            .is_some_and(|n| n.chars().count() <= MAX_PAGE_NAME));
        assert_eq!(report.events.len(), 4);
        assert_eq!(report.events[0].name, "xy");
        assert!(report.events.iter().all(|e| e.link.is_none()));
        assert_eq!(report.events[0].started_ms, None);
        assert!(report.events[2..].iter().all(|e| e.until_ms.is_none()));
    }

    #[test]
    fn javascript_dates() {
        for (text, expected) in [
            (
                "Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)",
                iso_ms("2022-06-11T18:55:50Z"),
            ),
            (
                "Sat Jun 11 2022 20:55:50 GMT+0200 (Central European Summer Time)",
                iso_ms("2022-06-11T18:55:50Z"),
            ),
            (
                "Sat Jun 11 2022 18:55:50 GMT-0500",
                iso_ms("2022-06-11T23:55:50Z"),
            ),
            ("Sat Jun 31 2022 18:55:50 GMT+0000", None),
            ("Sat Foo 11 2022 18:55:50 GMT+0000", None),
            ("Sat Jun 11 2022 18:55:50 UTC", None),
            ("Sat Jun 11 2022 18:55 GMT+0000", None),
        ] {
            assert_eq!(instatus_time(text), expected, "{text}");
        }
    }
}
