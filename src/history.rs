//! Each site's past failures, once they ended: host (never the path or the query), when, how
//! long until the page worked again or the visitor gave up, the kind of failure, the box that
//! failed and the verdict if known. Kept in `storage.local` under [`STORAGE_KEY`] (never synced),
//! bounded by [`bounded`]: at most [`MAX_ENTRIES`] entries of the last [`MAX_AGE_MS`], oldest
//! dropped first.

use crate::checks::verdict::{Confidence, Verdict, VerdictKind};
use crate::json::JsonView;
use crate::view::msg::Msg;
use serde::{Deserialize, Serialize};

pub const STORAGE_KEY: &str = "history";
pub const MAX_ENTRIES: usize = 1_000;
pub const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
pub const MAX_AGE_MS: f64 = 30.0 * DAY_MS;
/// The window the popup's line speaks of.
pub const RECENT_MS: f64 = 7.0 * DAY_MS;
/// Failures in [`RECENT_MS`] from which an unclear verdict leans to the site's side.
pub const REPEATS_FOR_SITE_SIDE: usize = 3;
const MAX_TEXT: usize = 64;
const MAX_HOST: usize = 253;

/// How a failure ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Ending {
    /// The page worked again.
    Recovered,
    /// The tab closed or went elsewhere first.
    GaveUp,
}

/// One failure that ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub host: String,
    /// When it started (ms since the epoch).
    pub at_ms: f64,
    pub duration_ms: f64,
    /// What failed: the badge's words (`502`, `DNS`).
    pub kind: String,
    /// The box that failed, when the diagnosis named one.
    #[serde(default)]
    pub gateway: Option<String>,
    /// The verdict's id ([`verdict_id`]), when the checks reached one.
    #[serde(default)]
    pub verdict: Option<String>,
    pub ending: Ending,
}

/// A failure that ended, as the engine says so. The entry is made from it where it is written
/// (`Ended::entry`): naming the box takes the whole diagnosis, which the background's own module
/// leaves to the failure module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ended {
    pub incident: crate::incident::Incident,
    /// When the checks decided one.
    pub verdict: Option<VerdictKind>,
    pub ending: Ending,
    pub at_ms: f64,
}

impl Ended {
    pub fn entry(&self) -> Entry {
        Entry::ended(&self.incident, self.verdict, self.ending, self.at_ms)
    }
}

impl Entry {
    /// The entry for `incident`, ended at `now_ms`; `verdict` when the checks decided one.
    pub fn ended(
        incident: &crate::incident::Incident,
        verdict: Option<VerdictKind>,
        ending: Ending,
        now_ms: f64,
    ) -> Entry {
        let diagnosis = crate::diagnosis::diagnose(incident);
        Entry {
            host: crate::rules::host_key(&incident.host),
            at_ms: incident.at_ms,
            duration_ms: (now_ms - incident.at_ms).max(0.0),
            kind: incident.failure.badge_text(),
            gateway: diagnosis.generator.map(|g| g.name().to_string()),
            verdict: verdict
                .filter(|v| *v != VerdictKind::Unknown)
                .map(|v| verdict_id(v).to_string()),
            ending,
        }
    }

    fn is_sane(&self) -> bool {
        self.at_ms.is_finite()
            && self.at_ms > 0.0
            && self.duration_ms.is_finite()
            && self.duration_ms >= 0.0
            && !self.host.is_empty()
            && self.host.len() <= MAX_HOST
            && self.kind.len() <= MAX_TEXT
            && self.gateway.as_ref().is_none_or(|g| g.len() <= MAX_TEXT)
            && self.verdict.as_ref().is_none_or(|v| v.len() <= MAX_TEXT)
    }
}

/// A stable name for a verdict, as stored (and the popup's name for it: `verdict_names`). Its
/// own table: the failure module, which writes the history, needs no other name of a verdict.
pub fn verdict_id(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::DownForEveryone => "downForEveryone",
        VerdictKind::CachedCopy => "cachedCopy",
        VerdictKind::CookiesOrSession => "cookiesOrSession",
        VerdictKind::NetworkOrDns => "networkOrDns",
        VerdictKind::ProxyOrVpn => "proxyOrVpn",
        VerdictKind::WorksAgain => "worksAgain",
        VerdictKind::SignInToNetwork => "signInToNetwork",
        VerdictKind::CdnIncident => "cdnIncident",
        VerdictKind::OriginDown => "originDown",
        VerdictKind::SiteIncident => "siteIncident",
        VerdictKind::SiteMaintenance => "siteMaintenance",
        VerdictKind::Unknown => "unknown",
    }
}

/// Reads what `storage.local` holds: the entries understood, and how many were not (corrupt
/// entries are left out one by one; the others are kept).
pub fn read<J: JsonView>(stored: Option<&J>) -> (Vec<Entry>, usize) {
    let Some(stored) = stored else {
        return (Vec::new(), 0);
    };
    let Some(items) = stored.items() else {
        return (Vec::new(), 1);
    };
    let mut entries = Vec::new();
    let mut corrupt = 0;
    for item in items {
        match entry_from(&item) {
            Some(entry) => entries.push(entry),
            None => corrupt += 1,
        }
    }
    (entries, corrupt)
}

fn entry_from<J: JsonView>(item: &J) -> Option<Entry> {
    let text = |name: &str| item.field(name).and_then(|v| v.as_string());
    let ending = match text("ending")?.as_str() {
        "recovered" => Ending::Recovered,
        "gaveUp" => Ending::GaveUp,
        _ => return None,
    };
    let entry = Entry {
        host: text("host")?,
        at_ms: item.field("atMs")?.as_f64()?,
        duration_ms: item.field("durationMs")?.as_f64()?,
        kind: text("kind")?,
        gateway: text("gateway"),
        verdict: text("verdict"),
        ending,
    };
    entry.is_sane().then_some(entry)
}

/// The entries kept: none older than [`MAX_AGE_MS`] at `now_ms`, none from the future, at most
/// [`MAX_ENTRIES`], oldest dropped first; in time order.
pub fn bounded(mut entries: Vec<Entry>, now_ms: f64) -> Vec<Entry> {
    entries.retain(|e| e.is_sane() && e.at_ms >= now_ms - MAX_AGE_MS && e.at_ms <= now_ms + DAY_MS);
    crate::small_sort::sort_by(&mut entries, |a, b| a.at_ms.total_cmp(&b.at_ms).is_lt());
    let extra = entries.len().saturating_sub(MAX_ENTRIES);
    entries.drain(..extra);
    entries
}

/// `entries` with `entry` added, bounded.
pub fn append(mut entries: Vec<Entry>, entry: Entry, now_ms: f64) -> Vec<Entry> {
    entries.push(entry);
    bounded(entries, now_ms)
}

/// `entries` without `host`'s.
pub fn without_host(entries: Vec<Entry>, host: &str) -> Vec<Entry> {
    let host = crate::rules::host_key(host);
    entries.into_iter().filter(|e| e.host != host).collect()
}

/// A site's failures in the last 7 days, and what they say.
#[derive(Debug, Clone, PartialEq)]
pub struct Recent {
    pub count: usize,
    pub longest_ms: f64,
    /// The median time until it worked again, of those that did.
    pub usual_ms: Option<f64>,
}

/// `host`'s failures that ended in the 7 days before `now_ms`.
pub fn recent(entries: &[Entry], host: &str, now_ms: f64) -> Recent {
    let host = crate::rules::host_key(host);
    let mine: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.host == host && e.at_ms >= now_ms - RECENT_MS && e.at_ms <= now_ms)
        .collect();
    let longest_ms = mine.iter().map(|e| e.duration_ms).fold(0.0, f64::max);
    let mut back: Vec<f64> = mine
        .iter()
        .filter(|e| e.ending == Ending::Recovered)
        .map(|e| e.duration_ms)
        .collect();
    crate::small_sort::sort_by(&mut back, |a, b| a.total_cmp(b).is_lt());
    let usual_ms = (!back.is_empty()).then(|| back[(back.len() - 1) / 2]);
    Recent {
        count: mine.len(),
        longest_ms,
        usual_ms,
    }
}

/// Whole minutes, rounded up, at least one.
fn minutes(ms: f64) -> String {
    ((ms / 60_000.0).ceil().max(1.0) as u64).to_string()
}

/// The popup's and the report's line: "example.com failed 3 times in the last 7 days (longest 12
/// minutes, usually back within 2)"; `None` when it has not failed before.
pub fn summary_line(entries: &[Entry], host: &str, now_ms: f64) -> Option<Msg> {
    let recent = recent(entries, host, now_ms);
    let host = crate::rules::host_key(host);
    match (recent.count, recent.usual_ms) {
        (0, _) => None,
        (1, _) => Some(Msg::with(
            "historyLineOnce",
            vec![host, minutes(recent.longest_ms)],
        )),
        (count, Some(usual)) => Some(Msg::with(
            "historyLine",
            vec![
                host,
                count.to_string(),
                minutes(recent.longest_ms),
                minutes(usual),
            ],
        )),
        (count, None) => Some(Msg::with(
            "historyLineNeverBack",
            vec![host, count.to_string(), minutes(recent.longest_ms)],
        )),
    }
}

/// What the history adds to the verdict: a reason that the site has failed before, and, when
/// the verdict is unclear (unknown or low confidence) and it failed at least
/// [`REPEATS_FOR_SITE_SIDE`] times in 7 days, that the trouble is likely on the site's side.
pub fn verdict_hints(entries: &[Entry], host: &str, verdict: &Verdict, now_ms: f64) -> Vec<Msg> {
    let recent = recent(entries, host, now_ms);
    if recent.count == 0 {
        return Vec::new();
    }
    let mut hints = vec![Msg::with(
        "historyFailedBefore",
        vec![recent.count.to_string()],
    )];
    let unclear = verdict.kind == VerdictKind::Unknown || verdict.confidence == Confidence::Low;
    if unclear && recent.count >= REPEATS_FOR_SITE_SIDE {
        hints.push(Msg::new("historyLikelySite"));
    }
    hints
}

/// One site's history for the options page: failures per day over the last 30 days (the last
/// element is today), and the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteHistory {
    pub host: String,
    pub count: usize,
    pub longest_ms: f64,
    pub last_ms: f64,
    pub per_day: [u32; 30],
}

/// Every site in the history, the most recently failed first.
pub fn per_site(entries: &[Entry], now_ms: f64) -> Vec<SiteHistory> {
    let mut sites: Vec<SiteHistory> = Vec::new();
    for entry in entries {
        let at = match sites.iter().position(|s| s.host == entry.host) {
            Some(at) => at,
            None => {
                sites.push(SiteHistory {
                    host: entry.host.clone(),
                    count: 0,
                    longest_ms: 0.0,
                    last_ms: 0.0,
                    per_day: [0; 30],
                });
                sites.len() - 1
            }
        };
        let site = &mut sites[at];
        site.count += 1;
        site.longest_ms = site.longest_ms.max(entry.duration_ms);
        site.last_ms = site.last_ms.max(entry.at_ms);
        let days_ago = ((now_ms - entry.at_ms) / DAY_MS).floor();
        if (0.0..30.0).contains(&days_ago) {
            site.per_day[29 - days_ago as usize] += 1;
        }
    }
    crate::small_sort::sort_by(&mut sites, |a, b| b.last_ms.total_cmp(&a.last_ms).is_lt());
    sites
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: f64 = 1_700_000_000_000.0;
    const MIN: f64 = 60_000.0;

    fn entry(host: &str, ago_ms: f64, duration_ms: f64, ending: Ending) -> Entry {
        Entry {
            host: host.into(),
            at_ms: NOW - ago_ms,
            duration_ms,
            kind: "502".into(),
            gateway: Some("nginx".into()),
            verdict: None,
            ending,
        }
    }

    #[test]
    fn the_store_keeps_at_most_a_thousand_entries_of_thirty_days_oldest_dropped_first() {
        let mut entries = Vec::new();
        for i in 0..1_200 {
            let e = entry(
                "a.example",
                f64::from(1_200 - i) * MIN,
                MIN,
                Ending::Recovered,
            );
            entries = append(entries, e, NOW);
        }
        assert_eq!(entries.len(), MAX_ENTRIES);
        // The 200 oldest went.
        assert_eq!(entries[0].at_ms, NOW - 1_000.0 * MIN);
        assert_eq!(entries[999].at_ms, NOW - MIN);
        let old = entry("b.example", 31.0 * DAY_MS, MIN, Ending::GaveUp);
        let kept = append(
            vec![old],
            entry("b.example", DAY_MS, MIN, Ending::GaveUp),
            NOW,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(without_host(kept, "B.example.").len(), 0);
    }

    #[test]
    fn corrupt_stored_entries_are_left_out_one_by_one() {
        let good = serde_json::to_value(entry("a.example", MIN, MIN, Ending::Recovered))
            .unwrap_or_default();
        let stored = json!([good, 5, {"host": "x"}, {"host": "b", "atMs": "no", "durationMs": 1,
            "kind": "502", "ending": "recovered"}, good]);
        let (entries, corrupt) = read(Some(&stored));
        assert_eq!(entries.len(), 2);
        assert_eq!(corrupt, 3);
        assert_eq!(read(Some(&json!("garbage"))), (Vec::new(), 1));
        assert_eq!(read::<serde_json::Value>(None), (Vec::new(), 0));
    }

    #[test]
    fn the_popup_line_counts_the_last_seven_days() {
        let entries = vec![
            entry("a.example", 2.0 * DAY_MS, 12.0 * MIN, Ending::Recovered),
            entry("a.example", DAY_MS, 90_000.0, Ending::Recovered),
            entry("a.example", 3_600_000.0, 30_000.0, Ending::GaveUp),
            entry("a.example", 8.0 * DAY_MS, 100.0 * MIN, Ending::Recovered),
            entry("b.example", DAY_MS, MIN, Ending::Recovered),
        ];
        assert_eq!(
            summary_line(&entries, "A.example", NOW),
            Some(Msg::with(
                "historyLine",
                vec!["a.example".into(), "3".into(), "12".into(), "2".into()]
            ))
        );
        assert_eq!(
            summary_line(&entries, "b.example", NOW).map(|m| m.key),
            Some("historyLineOnce")
        );
        assert_eq!(summary_line(&entries, "c.example", NOW), None);
        let never = vec![
            entry("d.example", DAY_MS, MIN, Ending::GaveUp),
            entry("d.example", 2.0 * DAY_MS, MIN, Ending::GaveUp),
        ];
        assert_eq!(
            summary_line(&never, "d.example", NOW).map(|m| m.key),
            Some("historyLineNeverBack")
        );
    }

    #[test]
    fn repeated_failures_lean_an_unclear_verdict_to_the_site() {
        let verdict = |kind, confidence| Verdict {
            kind,
            confidence,
            reasons: Vec::new(),
        };
        let three: Vec<Entry> = (1..=3)
            .map(|d| {
                entry(
                    "a.example",
                    f64::from(d) * DAY_MS - MIN,
                    MIN,
                    Ending::Recovered,
                )
            })
            .collect();
        let keys = |entries: &[Entry], v: &Verdict| {
            verdict_hints(entries, "a.example", v, NOW)
                .into_iter()
                .map(|m| m.key)
                .collect::<Vec<_>>()
        };
        let unknown = verdict(VerdictKind::Unknown, Confidence::Low);
        assert_eq!(
            keys(&three, &unknown),
            ["historyFailedBefore", "historyLikelySite"]
        );
        assert_eq!(keys(&three[..2], &unknown), ["historyFailedBefore"]);
        let sure = verdict(VerdictKind::CookiesOrSession, Confidence::High);
        assert_eq!(keys(&three, &sure), ["historyFailedBefore"]);
        assert!(keys(&[], &unknown).is_empty());
    }

    #[test]
    fn the_options_chart_counts_failures_per_day() {
        let entries = vec![
            entry("a.example", MIN, MIN, Ending::Recovered),
            entry("a.example", 2.0 * MIN, MIN, Ending::Recovered),
            entry("a.example", 29.5 * DAY_MS, 5.0 * MIN, Ending::Recovered),
            entry("b.example", 3.0 * DAY_MS, MIN, Ending::GaveUp),
        ];
        let sites = per_site(&entries, NOW);
        assert_eq!(sites[0].host, "a.example");
        assert_eq!(sites[0].count, 3);
        assert_eq!(sites[0].per_day[29], 2);
        assert_eq!(sites[0].per_day[0], 1);
        assert_eq!(sites[0].longest_ms, 5.0 * MIN);
        assert_eq!(sites[1].per_day[26], 1);
    }
}
