//! The one shape every status API is read into: what a status page says now, bounded and inert.
//! Text in it came from the network: control and formatting characters are gone, lengths are
//! bounded, and it is meant to be shown as plain text only (textContent).

use serde::{Deserialize, Serialize};

/// Which status API a page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusApi {
    /// Atlassian Statuspage: `/api/v2/summary.json`.
    Statuspage,
    /// Better Stack (Better Uptime) status pages: `/index.json`.
    BetterStack,
    /// Instatus: `/summary.json`.
    Instatus,
    /// Cachet (self-hosted): `/api/v1/incidents`.
    Cachet,
}

impl StatusApi {
    /// The catalogue's and the settings' name: "statuspage", "better_stack", ...
    pub fn id(self) -> &'static str {
        match self {
            StatusApi::Statuspage => "statuspage",
            StatusApi::BetterStack => "better_stack",
            StatusApi::Instatus => "instatus",
            StatusApi::Cachet => "cachet",
        }
    }

    pub fn from_id(id: &str) -> Option<StatusApi> {
        [
            StatusApi::Statuspage,
            StatusApi::BetterStack,
            StatusApi::Instatus,
            StatusApi::Cachet,
        ]
        .into_iter()
        .find(|api| api.id() == id)
    }
}

/// The page's overall state, as the page itself sums it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Overall {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
    Maintenance,
    /// The page did not say, or said something we do not know.
    Unknown,
}

/// An unresolved incident, or a maintenance in progress or about to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusEvent {
    /// Its title (≤ 160 characters).
    pub name: String,
    /// The page's own word for where it stands, lowercase (≤ 40): investigating, identified,
    /// monitoring, scheduled, in_progress...
    pub status: String,
    /// When it started (incident) or is to start (maintenance), epoch ms.
    pub started_ms: Option<f64>,
    /// When a maintenance is to end, epoch ms.
    pub until_ms: Option<f64>,
    /// The components it affects (≤ 10 names, each ≤ 80 characters).
    pub components: Vec<String>,
    /// Its page: only an `https://` URL without credentials (≤ 300 characters).
    pub link: Option<String>,
    pub maintenance: bool,
    /// An incident is always in progress; a maintenance only once it has started.
    pub in_progress: bool,
}

/// What a status page says now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    pub api: StatusApi,
    pub page_name: Option<String>,
    pub overall: Overall,
    /// Unresolved incidents, then maintenance in progress or starting within 24 h (≤ 6).
    pub events: Vec<StatusEvent>,
    /// Names of components that are not operational (≤ 20, each ≤ 80 characters).
    pub troubled: Vec<String>,
}

impl StatusReport {
    /// The first unresolved incident (not maintenance) naming a component that contains
    /// `needle`, compared without case: `"(FRA)"` finds "Frankfurt, Germany - (FRA)".
    pub fn incident_for(&self, needle: &str) -> Option<&StatusEvent> {
        // ASCII case only: component names to match are codes and English words, and Unicode
        // case tables would weigh on the wasm build.
        let needle = needle.trim().to_ascii_lowercase();
        if needle.is_empty() {
            return None;
        }
        self.events.iter().find(|event| {
            !event.maintenance
                && event
                    .components
                    .iter()
                    .any(|c| c.to_ascii_lowercase().contains(&needle))
        })
    }

    /// The maintenance under way at `now_ms`: marked in progress by the page, or started and
    /// not yet past its end.
    pub fn maintenance_now(&self, now_ms: f64) -> Option<&StatusEvent> {
        self.events.iter().find(|event| {
            event.maintenance
                && !event.until_ms.is_some_and(|until| until <= now_ms)
                && (event.in_progress || event.started_ms.is_some_and(|start| start <= now_ms))
        })
    }

    /// Whether the page reports an unresolved incident (maintenance aside).
    pub fn has_incident(&self) -> bool {
        self.events.iter().any(|event| !event.maintenance)
    }
}

/// Bounds of the report.
pub const MAX_EVENTS: usize = 6;
pub const MAX_EVENT_NAME: usize = 160;
pub const MAX_EVENT_STATUS: usize = 40;
pub const MAX_EVENT_COMPONENTS: usize = 10;
pub const MAX_COMPONENT_NAME: usize = 80;
pub const MAX_LINK: usize = 300;
pub const MAX_TROUBLED: usize = 20;
pub const MAX_PAGE_NAME: usize = 100;
/// Items of any one list looked at: a page with more is read in part, never all of it.
pub const MAX_SCAN: usize = 2_000;
/// How far ahead a scheduled maintenance is still worth telling.
pub const MAINTENANCE_AHEAD_MS: f64 = 24.0 * 3600.0 * 1000.0;

/// Untrusted text made inert: control and invisible formatting characters (bidi overrides,
/// zero-width) dropped, runs of white space made one space, trimmed, at most `max_chars`
/// characters (an ellipsis marks a cut).
pub fn clean_text(text: &str, max_chars: usize) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut space = false;
    // Never look at more than a bounded prefix of a huge string.
    for c in text
        .chars()
        .take(max_chars.saturating_mul(8).saturating_add(64))
    {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if out.len() > max_chars {
            break;
        }
    }
    if out.len() > max_chars {
        out.truncate(max_chars.saturating_sub(1));
        while out.last() == Some(&' ') {
            out.pop();
        }
        if max_chars > 0 {
            out.push('\u{2026}');
        }
    }
    out.into_iter().collect()
}

fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A status word: lowercase ASCII letters, digits and `_` only (others become `_`), ≤ 40.
pub fn clean_status(text: &str) -> String {
    let word: String = text
        .trim()
        .chars()
        .take(MAX_EVENT_STATUS)
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    word
}

/// `text` when it is a plain `https://` URL: no white space or control characters, no
/// credentials, a host of letters, digits, dots and hyphens, at most 300 characters.
pub fn https_link(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() > MAX_LINK || !text.is_ascii() {
        return None;
    }
    let rest = text
        .get(..8)
        .filter(|s| s.eq_ignore_ascii_case("https://"))
        .map(|_| &text[8..])?;
    if text.bytes().any(|b| {
        b.is_ascii_control() || b == b' ' || matches!(b, b'"' | b'<' | b'>' | b'\\' | b'`')
    }) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return None,
        None => authority,
    };
    let ok_host = !host.is_empty()
        && host.len() <= 253
        && host.contains('.')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['-'])
        && !host.contains("..")
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    ok_host.then(|| text.to_string())
}

/// Puts incidents first, each group in the page's order, and keeps at most `MAX_EVENTS`.
pub fn order_events(
    mut incidents: Vec<StatusEvent>,
    maintenance: Vec<StatusEvent>,
) -> Vec<StatusEvent> {
    incidents.extend(maintenance);
    incidents.truncate(MAX_EVENTS);
    incidents
}

/// Whether a maintenance window is worth telling at `now_ms`: under way, or starting within
/// 24 h; never one already over.
pub fn maintenance_relevant(event: &StatusEvent, now_ms: f64) -> bool {
    if event.until_ms.is_some_and(|until| until <= now_ms) {
        return false;
    }
    event.in_progress
        || event
            .started_ms
            .is_some_and(|start| start <= now_ms + MAINTENANCE_AHEAD_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, maintenance: bool, components: &[&str]) -> StatusEvent {
        StatusEvent {
            name: name.into(),
            status: "investigating".into(),
            started_ms: Some(1_000.0),
            until_ms: None,
            components: components.iter().map(|c| c.to_string()).collect(),
            link: None,
            maintenance,
            in_progress: !maintenance,
        }
    }

    #[test]
    fn text_is_made_inert_and_bounded() {
        for (input, max, expected) in [
            ("  Database\n\tmaintenance  ", 160, "Database maintenance"),
            ("a\u{0}b\u{1b}[31mc", 160, "ab[31mc"),
            ("evil\u{202E}txt.exe", 160, "eviltxt.exe"),
            ("zero\u{200B}width", 160, "zerowidth"),
            ("abcdefghij", 5, "abcd…"),
            ("abcde", 5, "abcde"),
            ("<b>bold</b>", 160, "<b>bold</b>"),
            ("", 10, ""),
        ] {
            assert_eq!(clean_text(input, max), expected, "{input:?}");
        }
        let huge = "x".repeat(1_000_000);
        assert_eq!(clean_text(&huge, 160).chars().count(), 160);
    }

    #[test]
    fn status_words_are_plain() {
        assert_eq!(clean_status("In Progress"), "in_progress");
        assert_eq!(clean_status("<script>"), "_script_");
        assert_eq!(clean_status(&"a".repeat(100)).len(), MAX_EVENT_STATUS);
    }

    #[test]
    fn only_plain_https_links() {
        for (input, ok) in [
            ("https://stspg.io/m7w8kkf4tlqg", true),
            ("https://status.example.com:8443/incidents/1?x=1#y", true),
            ("HTTPS://status.example.com/", true),
            ("http://stspg.io/a", false),
            ("javascript:alert(1)", false),
            ("https://user:pw@evil.example/", false),
            ("https://evil.example@good.example/", false),
            ("https://a b.example/", false),
            ("https://example.com/\u{0}", false),
            ("https:///path", false),
            ("https://localhost/", false),
            ("https://exa_mple.com/", false),
            ("https://ex\u{e4}mple.com/", false),
            ("https://example.com:x/", false),
            ("https://example.com/\"onmouseover=", false),
        ] {
            assert_eq!(https_link(input).is_some(), ok, "{input:?}");
        }
        assert!(https_link(&format!("https://example.com/{}", "a".repeat(300))).is_none());
    }

    #[test]
    fn incident_lookup_maintenance_and_order() {
        let report = StatusReport {
            api: StatusApi::Statuspage,
            page_name: None,
            overall: Overall::Degraded,
            events: vec![
                event("Frankfurt trouble", false, &["Frankfurt, Germany - (FRA)"]),
                event("Upgrade", true, &["Amsterdam, Netherlands - (AMS)"]),
            ],
            troubled: vec![],
        };
        assert_eq!(
            report.incident_for("(fra)").map(|e| e.name.as_str()),
            Some("Frankfurt trouble")
        );
        assert!(
            report.incident_for("(AMS)").is_none(),
            "maintenance is no incident"
        );
        assert!(report.incident_for("  ").is_none());
        assert!(report.has_incident());
        assert_eq!(
            report.maintenance_now(2_000.0).map(|e| e.name.as_str()),
            Some("Upgrade")
        );
        assert!(report.maintenance_now(500.0).is_none(), "not started yet");

        let mut over = event("Over", true, &[]);
        over.in_progress = true;
        over.until_ms = Some(1_500.0);
        assert!(!maintenance_relevant(&over, 2_000.0));
        let many: Vec<StatusEvent> = (0..10).map(|i| event(&i.to_string(), false, &[])).collect();
        let ordered = order_events(many, vec![event("m", true, &[])]);
        assert_eq!(ordered.len(), MAX_EVENTS);
        assert!(ordered.iter().all(|e| !e.maintenance));
    }

    #[test]
    fn api_ids_round_trip() {
        for api in [
            StatusApi::Statuspage,
            StatusApi::BetterStack,
            StatusApi::Instatus,
            StatusApi::Cachet,
        ] {
            assert_eq!(StatusApi::from_id(api.id()), Some(api));
            let json = serde_json::to_string(&api).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", api.id()));
        }
        assert_eq!(StatusApi::from_id("rss"), None);
    }
}
