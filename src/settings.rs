//! The visitor's settings, as kept in `storage.sync`. Reading never fails: a missing, corrupt or
//! out-of-range value falls back to its default, field by field, so one bad value loses nothing
//! else.

use crate::json::JsonView;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Watch a failed page and bring it back when the site recovers.
    pub auto_retry: bool,
    /// Retry after server errors (5xx).
    pub retry_server_errors: bool,
    /// Retry after connection errors (refused, reset, timed out, DNS).
    pub retry_network_errors: bool,
    /// Give up after this many minutes.
    pub retry_limit_minutes: u32,
    /// Notify when a page came back while its tab was in the background.
    pub notify_when_back: bool,
    /// Hosts never retried (exact host names, or `*.example.com` for subdomains).
    pub never_retry: Vec<String>,
    /// Fetch the failed page again (with and without cookies) to see whether it works now.
    pub refetch_page: bool,
    /// Which outside service answers "down for everyone?".
    pub checker: CheckerChoice,
    /// The base URL of the visitor's own checker instance (used with `CheckerChoice::Own`).
    pub checker_url: String,
    /// Look the host up independently and compare with the address the browser used.
    pub check_dns: bool,
    /// A DNS-over-HTTPS resolver; empty for the automatic choice (Firefox's own resolver,
    /// elsewhere `DEFAULT_DOH_RESOLVER`).
    pub dns_resolver: String,
    /// A known-good address for the connectivity check; empty turns it off.
    pub connectivity_url: String,
    /// Read the connectivity address's answer for a network sign-in page (captive portal).
    pub check_portal: bool,
    /// Ask the CDN's edge separately from the site (`/cdn-cgi/trace`, a cached asset).
    pub check_edge: bool,
    /// Read the CDN's or platform's public status feed.
    pub check_cdn_status: bool,
    /// Read the site's own status page (`status.<its domain>`, or one the error page links).
    pub check_site_status: bool,
    /// A status feed read instead of every provider's own (Statuspage's `summary.json` shape);
    /// empty for each provider's own. For self-hosters with a mirror.
    pub status_feed_url: String,
    /// Show a small banner on failed pages.
    pub show_banner: bool,
    /// Remember each site's failures once they end (`storage.local`, never synced).
    pub keep_history: bool,
    /// Per-site rules (`crate::rules`), stored as compact strings under `siteRules`.
    pub site_rules: crate::rules::Rules,
}

/// The down-for-everyone provider the visitor picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckerChoice {
    DownForEveryone,
    IsItUp,
    /// A Gateway Doctor checker (`www/`) at `checker_url`.
    Own,
    Off,
}

impl CheckerChoice {
    pub const ALL: [CheckerChoice; 4] = [
        CheckerChoice::DownForEveryone,
        CheckerChoice::IsItUp,
        CheckerChoice::Own,
        CheckerChoice::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckerChoice::DownForEveryone => "downforeveryone",
            CheckerChoice::IsItUp => "isitup",
            CheckerChoice::Own => "own",
            CheckerChoice::Off => "off",
        }
    }

    pub fn parse(text: &str) -> Option<CheckerChoice> {
        CheckerChoice::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

pub const DEFAULT_DOH_RESOLVER: &str = "https://cloudflare-dns.com/dns-query";
/// Plain HTTP on purpose: a network that holds requests for a sign-in page can only answer
/// this with its redirect or its page if it can read the request (Cloudflare runs this address
/// for captive-portal detection; it answers an empty 204).
pub const DEFAULT_CONNECTIVITY_URL: &str = "http://cp.cloudflare.com/generate_204";
const MAX_SERVICE_URL: usize = 500;

/// An http(s) URL for a service the visitor configured, trimmed; `None` when it is not one.
pub fn service_url(text: &str) -> Option<String> {
    let url = text.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = crate::incident::host_of(url);
    let clean = url.len() <= MAX_SERVICE_URL
        && !host.is_empty()
        && !rest.starts_with('/')
        && url.chars().all(|c| c.is_ascii_graphic());
    clean.then(|| url.to_string())
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            auto_retry: true,
            retry_server_errors: true,
            retry_network_errors: true,
            retry_limit_minutes: 30,
            // Opt-in: notifications need a permission, asked for when the visitor ticks the box.
            notify_when_back: false,
            never_retry: Vec::new(),
            refetch_page: true,
            checker: CheckerChoice::DownForEveryone,
            checker_url: String::new(),
            check_dns: true,
            dns_resolver: String::new(),
            connectivity_url: DEFAULT_CONNECTIVITY_URL.to_string(),
            check_portal: true,
            check_edge: true,
            check_cdn_status: true,
            check_site_status: true,
            status_feed_url: String::new(),
            show_banner: true,
            keep_history: true,
            site_rules: crate::rules::Rules::default(),
        }
    }
}

pub const MIN_LIMIT_MINUTES: u32 = 1;
pub const MAX_LIMIT_MINUTES: u32 = 24 * 60;
const MAX_EXCEPTIONS: usize = 200;

/// What storage holds, field by field, with anything of the wrong type already dropped.
#[derive(Debug, Clone, Default, PartialEq)]
struct StoredFields {
    auto_retry: Option<bool>,
    retry_server_errors: Option<bool>,
    retry_network_errors: Option<bool>,
    notify_when_back: Option<bool>,
    retry_limit_minutes: Option<f64>,
    /// `None` when not a list; non-strings in it are `None` entries.
    never_retry: Option<Vec<Option<String>>>,
    refetch_page: Option<bool>,
    checker: Option<String>,
    checker_url: Option<String>,
    check_dns: Option<bool>,
    dns_resolver: Option<String>,
    connectivity_url: Option<String>,
    check_portal: Option<bool>,
    check_edge: Option<bool>,
    check_cdn_status: Option<bool>,
    check_site_status: Option<bool>,
    status_feed_url: Option<String>,
    show_banner: Option<bool>,
    keep_history: Option<bool>,
    site_rules: crate::rules::Rules,
}

impl Settings {
    /// Reads whatever `storage.sync` holds, natively (`serde_json::Value`) or in the browser (what
    /// the storage API gave): the one reader that ships. Anything unusable keeps its default, field
    /// by field.
    pub fn read<J: JsonView>(stored: &J) -> Settings {
        let flag = |name: &str| stored.field(name).and_then(|v| v.as_bool());
        let text = |name: &str| stored.field(name).and_then(|v| v.as_string());
        Settings::from_fields(StoredFields {
            refetch_page: flag("refetchPage"),
            checker: text("checker"),
            checker_url: text("checkerUrl"),
            check_dns: flag("checkDns"),
            dns_resolver: text("dnsResolver"),
            connectivity_url: text("connectivityUrl"),
            check_portal: flag("checkPortal"),
            check_edge: flag("checkEdge"),
            check_cdn_status: flag("checkCdnStatus"),
            check_site_status: flag("checkSiteStatus"),
            status_feed_url: text("statusFeedUrl"),
            show_banner: flag("showBanner"),
            keep_history: flag("keepHistory"),
            site_rules: crate::rules::Rules::read(stored.field(crate::rules::STORAGE_KEY).as_ref()),
            auto_retry: flag("autoRetry"),
            retry_server_errors: flag("retryServerErrors"),
            retry_network_errors: flag("retryNetworkErrors"),
            notify_when_back: flag("notifyWhenBack"),
            retry_limit_minutes: stored.field("retryLimitMinutes").and_then(|v| v.as_f64()),
            never_retry: stored
                .field("neverRetry")
                .and_then(|hosts| hosts.items())
                .map(|hosts| hosts.iter().map(JsonView::as_string).collect()),
        })
    }

    /// The same, from JSON already parsed natively.
    pub fn from_stored(stored: &Value) -> Settings {
        Settings::read(stored)
    }

    /// The settings from stored fields; each unusable one keeps its default.
    fn from_fields(stored: StoredFields) -> Settings {
        let defaults = Settings::default();
        let limits = f64::from(MIN_LIMIT_MINUTES)..=f64::from(MAX_LIMIT_MINUTES);
        Settings {
            auto_retry: stored.auto_retry.unwrap_or(defaults.auto_retry),
            retry_server_errors: stored
                .retry_server_errors
                .unwrap_or(defaults.retry_server_errors),
            retry_network_errors: stored
                .retry_network_errors
                .unwrap_or(defaults.retry_network_errors),
            notify_when_back: stored.notify_when_back.unwrap_or(defaults.notify_when_back),
            retry_limit_minutes: stored
                .retry_limit_minutes
                .filter(|m| m.fract() == 0.0 && limits.contains(m))
                .map_or(defaults.retry_limit_minutes, |m| m as u32),
            never_retry: stored
                .never_retry
                .unwrap_or_default()
                .iter()
                .flatten()
                .filter_map(|h| normalise_host_pattern(h))
                .take(MAX_EXCEPTIONS)
                .collect(),
            refetch_page: stored.refetch_page.unwrap_or(defaults.refetch_page),
            checker: stored
                .checker
                .as_deref()
                .and_then(CheckerChoice::parse)
                .unwrap_or(defaults.checker),
            checker_url: optional_url(stored.checker_url, defaults.checker_url),
            check_dns: stored.check_dns.unwrap_or(defaults.check_dns),
            dns_resolver: optional_url(stored.dns_resolver, defaults.dns_resolver),
            connectivity_url: optional_url(stored.connectivity_url, defaults.connectivity_url),
            check_portal: stored.check_portal.unwrap_or(defaults.check_portal),
            check_edge: stored.check_edge.unwrap_or(defaults.check_edge),
            check_cdn_status: stored.check_cdn_status.unwrap_or(defaults.check_cdn_status),
            check_site_status: stored
                .check_site_status
                .unwrap_or(defaults.check_site_status),
            status_feed_url: optional_url(stored.status_feed_url, defaults.status_feed_url),
            show_banner: stored.show_banner.unwrap_or(defaults.show_banner),
            keep_history: stored.keep_history.unwrap_or(defaults.keep_history),
            site_rules: stored.site_rules,
        }
    }

    /// The provider to ask, or `None` when the check is off (or has no usable address).
    pub fn provider(&self) -> Option<crate::checks::providers::Provider> {
        use crate::checks::providers::Provider;
        match self.checker {
            CheckerChoice::DownForEveryone => Some(Provider::DownForEveryone),
            CheckerChoice::IsItUp => Some(Provider::IsItUp),
            CheckerChoice::Own => {
                service_url(&self.checker_url).map(|base| Provider::GatewayDoctor { base })
            }
            CheckerChoice::Off => None,
        }
    }

    /// What the visitor's per-site rules say for `host` (any port). The older never-retry list
    /// feeds the "never auto-retry" rule: a host on it is never retried either.
    pub fn rules_for(&self, host: &str) -> crate::rules::RuleFlags {
        let mut flags = self.site_rules.flags_for(host);
        flags.never_retry = flags.never_retry || self.on_never_retry_list(host);
        flags
    }

    /// Whether `host` is never auto-retried: on the never-retry list, or a site rule says so.
    pub fn is_excepted(&self, host: &str) -> bool {
        self.rules_for(host).never_retry
    }

    fn on_never_retry_list(&self, host: &str) -> bool {
        let host = crate::rules::host_key(host);
        self.never_retry
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
                None => host == *pattern,
            })
    }
}

/// Parses the exceptions box of the options page: one host per line or comma; URLs are cut down
/// to their host. Returns the accepted patterns and the entries that were not understood.
pub fn parse_exceptions(text: &str) -> (Vec<String>, Vec<String>) {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for entry in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        match normalise_host_pattern(entry) {
            Some(pattern) if !accepted.contains(&pattern) => accepted.push(pattern),
            Some(_) => {}
            None => rejected.push(crate::incident::truncate(entry, 100)),
        }
    }
    accepted.truncate(MAX_EXCEPTIONS);
    (accepted, rejected)
}

/// A stored service URL: empty stays empty (off or automatic), garbage gives the default.
fn optional_url(stored: Option<String>, default: String) -> String {
    match stored {
        Some(text) if text.trim().is_empty() => String::new(),
        Some(text) => service_url(&text).unwrap_or(default),
        None => default,
    }
}

fn normalise_host_pattern(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let host = if entry.contains("://") {
        crate::incident::host_of(entry)
    } else {
        entry.split(['/', ':']).next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let bare = host.strip_prefix("*.").unwrap_or(&host);
    let valid = !bare.is_empty()
        && bare.len() <= 253
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_or_corrupt_settings_fall_back_field_by_field() {
        assert_eq!(Settings::from_stored(&json!(null)), Settings::default());
        assert_eq!(
            Settings::from_stored(&json!("garbage")),
            Settings::default()
        );
        let s = Settings::from_stored(&json!({
            "autoRetry": "yes", "retryLimitMinutes": -5, "notifyWhenBack": false,
            "neverRetry": ["Example.COM", 7, "not a host!", "https://shop.example/cart", "*.cdn.example"]
        }));
        assert!(s.auto_retry);
        assert_eq!(s.retry_limit_minutes, 30);
        assert!(!s.notify_when_back);
        assert_eq!(
            s.never_retry,
            ["example.com", "shop.example", "*.cdn.example"]
        );
        let huge = Settings::from_stored(&json!({"retryLimitMinutes": 1e12}));
        assert_eq!(huge.retry_limit_minutes, 30);
    }

    /// Settings written whole (the options page's save, the background handing them to its
    /// failure module) read back as they were, every field changed from its default.
    #[test]
    fn settings_written_whole_read_back_the_same() {
        let d = Settings::default();
        let mut rules = crate::rules::Rules::default();
        let flags = crate::rules::RuleFlags {
            no_outside: true,
            ..Default::default()
        };
        assert!(rules.set("shop.example", true, flags));
        let changed = Settings {
            auto_retry: !d.auto_retry,
            retry_server_errors: !d.retry_server_errors,
            retry_network_errors: !d.retry_network_errors,
            retry_limit_minutes: d.retry_limit_minutes + 7,
            notify_when_back: !d.notify_when_back,
            never_retry: vec!["example.com".into(), "*.cdn.example".into()],
            refetch_page: !d.refetch_page,
            checker: CheckerChoice::Own,
            checker_url: "http://127.0.0.1:8787".into(),
            check_dns: !d.check_dns,
            dns_resolver: "https://dns.example/dns-query".into(),
            connectivity_url: "http://connect.example/generate_204".into(),
            check_portal: !d.check_portal,
            check_edge: !d.check_edge,
            check_cdn_status: !d.check_cdn_status,
            check_site_status: !d.check_site_status,
            status_feed_url: "https://mirror.example/summary.json".into(),
            show_banner: !d.show_banner,
            keep_history: !d.keep_history,
            site_rules: rules,
        };
        assert_ne!(changed.checker, d.checker);
        let written = serde_json::to_value(&changed).expect("serialises");
        assert_eq!(Settings::from_stored(&written), changed);
    }

    #[test]
    fn check_settings_fall_back_and_validate_addresses() {
        let s = Settings::from_stored(&json!({
            "checker": "own", "checkerUrl": " http://127.0.0.1:8787 ",
            "dnsResolver": "javascript:alert(1)", "connectivityUrl": "", "checkDns": 0
        }));
        assert_eq!(s.checker, CheckerChoice::Own);
        assert_eq!(s.checker_url, "http://127.0.0.1:8787");
        assert_eq!(s.dns_resolver, "");
        assert_eq!(s.connectivity_url, "");
        assert!(s.check_dns);
        assert!(matches!(
            s.provider(),
            Some(crate::checks::providers::Provider::GatewayDoctor { .. })
        ));
        let odd = Settings::from_stored(&json!({"checker": "evil", "checkerUrl": 5}));
        assert_eq!(odd.checker, CheckerChoice::DownForEveryone);
        let no_url = Settings::from_stored(&json!({"checker": "own"}));
        assert_eq!(no_url.provider(), None);
        for bad in ["ftp://x", "https://", "https:///path", "https://a b", "x"] {
            assert_eq!(service_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn exceptions_match_hosts_and_subdomains() {
        let s = Settings {
            never_retry: vec!["example.com".into(), "*.cdn.example".into()],
            ..Settings::default()
        };
        assert!(s.is_excepted("EXAMPLE.com"));
        assert!(!s.is_excepted("www.example.com"));
        assert!(s.is_excepted("a.b.cdn.example"));
        assert!(s.is_excepted("cdn.example"));
        assert!(!s.is_excepted("evilcdn.example"));
    }

    #[test]
    fn the_exceptions_box_says_what_it_did_not_understand() {
        let (ok, bad) = parse_exceptions(
            "example.com\n https://shop.example:8443/x , <script>, example.com\n\n",
        );
        assert_eq!(ok, ["example.com", "shop.example"]);
        assert_eq!(bad, ["<script>"]);
    }
}
