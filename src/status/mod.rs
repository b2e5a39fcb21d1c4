//! Status pages and the edge: pure readers of what a CDN's or a site's status page says
//! (Atlassian Statuspage, Better Stack, Instatus, Cachet), of Cloudflare's `/cdn-cgi/trace`, of
//! the cache headers that show an answer came from a CDN's edge, and of where a site keeps its
//! status page. Every answer is untrusted: anything unexpected is an error string or `None`,
//! never a guess, and text kept from it is bounded and inert (shown with textContent only).

pub mod betterstack;
pub mod cachet;
pub mod colo;
pub mod edge;
pub mod instatus;
pub mod report;
pub mod site;
pub mod statuspage;
pub mod trace;

pub use report::{Overall, StatusApi, StatusEvent, StatusReport};

use crate::json::JsonView;

/// Where a site's own status host (`status.<registrable domain>`) is asked, in this order: the
/// first answer that reads is the one. Statuspage first (the most common and the richest).
/// Cachet's list is asked newest first (its `sort`/`order` parameters), or an old instance's
/// first page would hold only long-resolved incidents.
pub const SITE_STATUS_ENDPOINTS: &[(&str, StatusApi)] = &[
    ("/api/v2/summary.json", StatusApi::Statuspage),
    ("/index.json", StatusApi::BetterStack),
    ("/summary.json", StatusApi::Instatus),
    ("/api/v1/incidents?sort=id&order=desc", StatusApi::Cachet),
];

/// Largest status answer read: Cloudflare's summary, with its ~300 data-centre components, is
/// a few hundred KB; anything much bigger is not an answer to read.
pub const MAX_STATUS_ANSWER: usize = 2 * 1024 * 1024;

/// Reads an answer of `api`'s shape (already parsed as JSON).
pub fn read_any<V: JsonView>(
    api: StatusApi,
    json: &V,
    now_ms: f64,
) -> Result<StatusReport, String> {
    match api {
        StatusApi::Statuspage => statuspage::read(json, now_ms),
        StatusApi::BetterStack => betterstack::read(json, now_ms),
        StatusApi::Instatus => instatus::read(json, now_ms),
        StatusApi::Cachet => cachet::read(json, now_ms),
    }
}

/// Reads a raw answer body natively (tests, tools); the browser parses with `JSON.parse`.
pub fn read_body(api: StatusApi, body: &str, now_ms: f64) -> Result<StatusReport, String> {
    if body.len() > MAX_STATUS_ANSWER {
        return Err("answer too large".into());
    }
    read_any(api, &crate::json::parse(body)?, now_ms)
}

/// An ISO-8601 / RFC 3339 timestamp with its zone to epoch ms: `2024-05-01T14:02:00.000Z`,
/// `2024-05-01T16:02:00+02:00`, `2024-05-01T14:02Z`. No date library: days-from-civil
/// arithmetic. A time without a zone is ambiguous and reads as `None`, as does any garbage.
pub fn iso_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.len() < 17 || text.len() > 40 || !text.is_ascii() {
        return None;
    }
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    let mut at = 16;
    let mut second = 0;
    let mut millis = 0.0;
    if b.get(at) == Some(&b':') {
        second = num(at + 1, 2)?;
        at += 3;
        if matches!(b.get(at), Some(b'.' | b',')) {
            let digits = b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits == 0 || digits > 9 {
                return None;
            }
            // The first three digits are the milliseconds (integers: no float parser in the
            // wasm build for this).
            let first3 = &text[at + 1..at + 1 + digits.min(3)];
            let scale = [100.0, 10.0, 1.0][first3.len() - 1];
            millis = f64::from(first3.parse::<u16>().ok()?) * scale;
            at += 1 + digits;
        }
    }
    let offset_minutes = match &text[at..] {
        "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = match zone.len() {
                6 if zone.as_bytes()[3] == b':' => format!("{}{}", &zone[1..3], &zone[4..]),
                5 => zone[1..].to_string(),
                _ => return None,
            };
            if !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    if !(1970..=9999).contains(&year)
        || day < 1
        || day > i64::from(days_in_month(year, month))
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let seconds =
        days_from_civil(year, month, day as u32) * 86_400 + hour * 3600 + minute * 60 + second
            - offset_minutes * 60;
    Some(seconds as f64 * 1000.0 + millis)
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A string field, or `None` when absent or of another type.
pub(crate) fn text_field<V: JsonView>(value: &V, key: &str) -> Option<String> {
    value.field(key).and_then(|v| v.as_string())
}

/// A list field: `Ok(None)` when absent or null-like, an error when it is there but not a
/// list; at most `MAX_SCAN` items are kept.
pub(crate) fn list_field<V: JsonView>(value: &V, key: &str) -> Result<Option<Vec<V>>, String> {
    let Some(field) = value.field(key) else {
        return Ok(None);
    };
    match field.items() {
        Some(mut items) => {
            items.truncate(report::MAX_SCAN);
            Ok(Some(items))
        }
        // A string, number or boolean where a list belongs is a wrong shape; null (which
        // `JsonView` cannot tell from an object) is "nothing".
        None if field.as_string().is_some()
            || field.as_f64().is_some()
            || field.as_bool().is_some() =>
        {
            Err(format!("\"{key}\" is not a list"))
        }
        None => Ok(None),
    }
}

/// Names kept from a list, cleaned and bounded.
pub(crate) fn push_name(names: &mut Vec<String>, name: &str, max: usize) {
    let name = report::clean_text(name, report::MAX_COMPONENT_NAME);
    if !name.is_empty() && names.len() < max && !names.contains(&name) {
        names.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps() {
        let base = 1_714_572_120_000.0; // 2024-05-01T14:02:00Z
        for (text, expected) in [
            ("2024-05-01T14:02:00.000Z", Some(base)),
            ("2024-05-01T14:02:00Z", Some(base)),
            ("2024-05-01T14:02Z", Some(base)),
            ("2024-05-01T16:02:00+02:00", Some(base)),
            ("2024-05-01T16:02:00+0200", Some(base)),
            ("2024-05-01T07:02:00.000-07:00", Some(base)),
            ("2024-05-01 14:02:00Z", Some(base)),
            ("2024-05-01T14:02:00.5Z", Some(base + 500.0)),
            ("2024-05-01T14:02:00.123456Z", Some(base + 123.0)),
            ("1970-01-01T00:00:00Z", Some(0.0)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800_000.0)),
            ("2023-02-29T00:00:00Z", None),
            ("2024-05-01T14:02:00", None),
            ("2024-05-01 14:02:00", None),
            ("2024-13-01T14:02:00Z", None),
            ("2024-05-01T24:02:00Z", None),
            ("2024-05-01T14:02:00+25:00", None),
            ("2024-05-01T14:02:00.Z", None),
            ("2024-05-01T14:02:00ZZ", None),
            ("2024-05-01T14:02:00+02", None),
            ("+2024-05-01T14:02:00Z", None),
            ("Sat Jun 11 2022 18:55:50 GMT+0000", None),
            ("", None),
            ("2024-05-01T14:02:00.0000000000000Z", None),
            ("２０２４-05-01T14:02:00Z", None),
        ] {
            assert_eq!(iso_ms(text), expected, "{text:?}");
        }
    }

    #[test]
    fn catalogue_feeds() {
        use crate::diagnosis::catalogue::Generator;
        assert_eq!(
            Generator::Cloudflare.status_feed(),
            Some((
                "https://www.cloudflarestatus.com/api/v2/summary.json",
                StatusApi::Statuspage
            ))
        );
        assert_eq!(
            Generator::Railway.status_feed().map(|(_, api)| api),
            Some(StatusApi::Instatus)
        );
        assert_eq!(Generator::Nginx.status_feed(), None);
        for generator in Generator::ALL {
            if let Some((url, _)) = generator.status_feed() {
                assert!(report::https_link(url).is_some(), "{url}");
                assert!(generator.status_page().is_some(), "{generator:?}");
            }
        }
    }

    #[test]
    fn every_api_has_one_endpoint_in_order() {
        assert_eq!(SITE_STATUS_ENDPOINTS[0].1, StatusApi::Statuspage);
        for (path, _) in SITE_STATUS_ENDPOINTS {
            assert!(path.starts_with('/'));
        }
        assert_eq!(SITE_STATUS_ENDPOINTS.len(), 4);
    }

    #[test]
    fn read_any_refuses_another_api_s_shape() {
        let statuspage = r#"{"page":{"name":"X"},"status":{"indicator":"none"},"components":[],"incidents":[],"scheduled_maintenances":[]}"#;
        let instatus = r#"{"page":{"name":"X","url":"https://x.example","status":"UP"}}"#;
        let better = r#"{"data":{"id":"1","type":"status_page","attributes":{"company_name":"X","aggregate_state":"operational"}},"included":[]}"#;
        let cachet = r#"{"meta":{"pagination":{"total":0}},"data":[]}"#;
        let all = [
            (StatusApi::Statuspage, statuspage),
            (StatusApi::Instatus, instatus),
            (StatusApi::BetterStack, better),
            (StatusApi::Cachet, cachet),
        ];
        for (api, body) in all {
            for (other, other_body) in all {
                let read = read_body(api, other_body, 0.0);
                assert_eq!(
                    read.is_ok(),
                    api == other,
                    "{api:?} reading {other:?}: {read:?}"
                );
            }
            let _ = body;
        }
        for garbage in ["null", "[]", "42", "\"x\"", "{}", "not json"] {
            for (api, _) in all {
                assert!(read_body(api, garbage, 0.0).is_err(), "{api:?} {garbage}");
            }
        }
        assert!(read_body(
            StatusApi::Statuspage,
            &" ".repeat(MAX_STATUS_ANSWER + 1),
            0.0
        )
        .is_err());
    }
}
