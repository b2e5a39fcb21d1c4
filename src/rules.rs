//! Per-site rules: for a host (and optionally its subdomains), never auto-retry, never ask
//! outside services about it, show no banner, or ignore its failures entirely.
//!
//! Hosts are compared in the ASCII (punycode) form the browser reports, lower-cased, without a
//! trailing dot. A rule for a host applies on every port of it (`shop.example` covers
//! `shop.example:8443`): ports are not part of a rule. The visitor's pages turn a name typed in
//! Unicode into its ASCII form (the browser's URL parser) before it reaches [`normalise_host`].
//!
//! Rules are kept in `storage.sync` under [`STORAGE_KEY`], as one list of compact strings
//! (`"rb:*.shop.example"`: flags, colon, pattern), so that as many as possible fit one synced
//! item (8 KB). They can be exported to and imported from a JSON file ([`export_json`],
//! [`import_json`]); an import that is not entirely understood changes nothing.

use crate::json::JsonView;

/// The `storage.sync` key of the rules.
pub const STORAGE_KEY: &str = "siteRules";
/// The most rules kept (an import with more is refused).
pub const MAX_RULES: usize = 200;
/// `storage.sync`'s limit for one item: its key and its JSON value, in bytes.
pub const SYNC_ITEM_QUOTA: usize = 8_192;
/// The largest file an import reads.
pub const MAX_IMPORT_BYTES: usize = 100_000;
/// The format tag of an exported file.
pub const EXPORT_FORMAT: &str = "gateway-doctor-rules";

/// What a rule does for its sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleFlags {
    /// No auto-retry (a `RetryNote::Excepted`).
    pub never_retry: bool,
    /// No outside service is asked about the site: down-for-everyone checker, DNS-over-HTTPS.
    pub no_outside: bool,
    /// No banner on its failed pages.
    pub no_banner: bool,
    /// Its failures are ignored entirely: no badge, nothing stored, no history.
    pub ignore: bool,
}

impl RuleFlags {
    pub fn any(&self) -> bool {
        self.never_retry || self.no_outside || self.no_banner || self.ignore
    }

    fn union(self, other: RuleFlags) -> RuleFlags {
        RuleFlags {
            never_retry: self.never_retry || other.never_retry,
            no_outside: self.no_outside || other.no_outside,
            no_banner: self.no_banner || other.no_banner,
            ignore: self.ignore || other.ignore,
        }
    }

    fn letters(&self) -> String {
        [
            (self.never_retry, 'r'),
            (self.no_outside, 'o'),
            (self.no_banner, 'b'),
            (self.ignore, 'i'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect()
    }

    fn from_letters(text: &str) -> Option<RuleFlags> {
        let mut flags = RuleFlags::default();
        for c in text.chars() {
            match c {
                'r' => flags.never_retry = true,
                'o' => flags.no_outside = true,
                'b' => flags.no_banner = true,
                'i' => flags.ignore = true,
                _ => return None,
            }
        }
        Some(flags)
    }
}

/// One rule: a host, whether it covers the host's subdomains, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Normalised by [`normalise_host`].
    pub host: String,
    pub subdomains: bool,
    pub flags: RuleFlags,
}

impl Rule {
    /// Whether the rule covers `host` (as the browser reports it; any port).
    pub fn matches(&self, host: &str) -> bool {
        let host = host_key(host);
        host == self.host
            || (self.subdomains
                && host.len() > self.host.len()
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.')
    }

    /// The pattern as the visitor reads it: `shop.example` or `*.shop.example`.
    pub fn pattern(&self) -> String {
        if self.subdomains {
            format!("*.{}", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The stored form: `"rb:*.shop.example"`.
    pub fn compact(&self) -> String {
        format!("{}:{}", self.flags.letters(), self.pattern())
    }

    /// Reads the stored form; `None` when it is not one.
    pub fn from_compact(text: &str) -> Option<Rule> {
        let (letters, pattern) = text.split_once(':')?;
        let flags = RuleFlags::from_letters(letters)?;
        let (host, subdomains) = split_pattern(pattern)?;
        flags.any().then_some(Rule {
            host,
            subdomains,
            flags,
        })
    }
}

/// `*.host` or `host`, normalised.
fn split_pattern(pattern: &str) -> Option<(String, bool)> {
    let pattern = pattern.trim();
    match pattern.strip_prefix("*.") {
        Some(host) => Some((normalise_host(host)?, true)),
        None => Some((normalise_host(pattern)?, false)),
    }
}

/// A host as rules compare it: lower-case, no trailing dot, no brackets.
pub fn host_key(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// A host the visitor typed or a file holds, in its ASCII form: `None` unless it is a host name
/// (letters, digits, `-`, `_` in labels of at most 63), an IPv4 address or an IPv6 literal. An
/// address is cut down to its host; a port is dropped (rules cover every port).
pub fn normalise_host(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 300 {
        return None;
    }
    let host = if text.contains("://") {
        crate::page_url::host_of(text).to_string()
    } else if text.starts_with('[') {
        // `[::1]:8080/x`
        text.get(1..text.find(']')?)?.to_string()
    } else if text.matches(':').count() >= 2 && !text.contains('/') {
        // A bare IPv6 literal.
        text.to_string()
    } else {
        let host = text.split(['/', '?', '#']).next().unwrap_or_default();
        host.split(':').next().unwrap_or_default().to_string()
    };
    let host = host_key(&host);
    if host.contains(':') {
        let ipv6 = host.len() <= 45
            && host
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return ipv6.then_some(host);
    }
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    valid.then_some(host)
}

/// The visitor's rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules(pub Vec<Rule>);

impl Rules {
    /// What every rule that covers `host` says, together.
    pub fn flags_for(&self, host: &str) -> RuleFlags {
        self.0
            .iter()
            .filter(|rule| rule.matches(host))
            .fold(RuleFlags::default(), |all, rule| all.union(rule.flags))
    }

    /// The rule for exactly this pattern, if any.
    pub fn get(&self, host: &str, subdomains: bool) -> Option<&Rule> {
        let host = host_key(host);
        self.0
            .iter()
            .find(|r| r.host == host && r.subdomains == subdomains)
    }

    /// Sets the rule for `host` (replacing one for the same pattern); flags that say nothing
    /// remove it. False when `host` is not a host, or the list is full.
    pub fn set(&mut self, host: &str, subdomains: bool, flags: RuleFlags) -> bool {
        let Some(host) = normalise_host(host) else {
            return false;
        };
        let at = self
            .0
            .iter()
            .position(|r| r.host == host && r.subdomains == subdomains);
        match (at, flags.any()) {
            (Some(at), true) => self.0[at].flags = flags,
            (Some(at), false) => {
                self.0.remove(at);
            }
            (None, true) if self.0.len() < MAX_RULES => self.0.push(Rule {
                host,
                subdomains,
                flags,
            }),
            (None, true) => return false,
            (None, false) => {}
        }
        true
    }

    /// Reads what `storage.sync` holds under [`STORAGE_KEY`]: entries that are not rules are
    /// left out, one by one; a later rule for the same pattern wins.
    pub fn read<J: JsonView>(stored: Option<&J>) -> Rules {
        let mut rules = Rules::default();
        let items = stored.and_then(JsonView::items).unwrap_or_default();
        for item in items {
            if let Some(rule) = item.as_string().as_deref().and_then(Rule::from_compact) {
                rules.set(&rule.host, rule.subdomains, rule.flags);
            }
        }
        rules
    }

    /// The stored form: one compact string per rule.
    pub fn stored(&self) -> Vec<String> {
        self.0.iter().map(Rule::compact).collect()
    }

    /// Bytes the rules take in `storage.sync` (key and JSON value).
    pub fn stored_bytes(&self) -> usize {
        let value = serde_json::to_string(&self.stored()).map_or(usize::MAX, |s| s.len());
        STORAGE_KEY.len().saturating_add(value)
    }

    /// Whether the rules fit one synced item.
    pub fn fits_sync(&self) -> bool {
        self.stored_bytes() <= SYNC_ITEM_QUOTA
    }
}

impl serde::Serialize for Rules {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.stored(), serializer)
    }
}

/// The export file: readable JSON, one object per rule.
pub fn export_json(rules: &Rules) -> String {
    let list: Vec<serde_json::Value> = rules
        .0
        .iter()
        .map(|rule| {
            serde_json::json!({
                "host": rule.host,
                "subdomains": rule.subdomains,
                "neverRetry": rule.flags.never_retry,
                "noOutsideServices": rule.flags.no_outside,
                "noBanner": rule.flags.no_banner,
                "ignore": rule.flags.ignore,
            })
        })
        .collect();
    let file = serde_json::json!({ "format": EXPORT_FORMAT, "version": 1, "rules": list });
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// Why an import was refused: a message key and its substitutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    TooBig,
    NotJson,
    WrongShape,
    TooMany(usize),
    /// The (shortened) host that is not one.
    BadHost(String),
    /// The rules would not fit `storage.sync`.
    TooLarge,
}

impl ImportError {
    pub fn message(&self) -> crate::view::msg::Msg {
        use crate::view::msg::Msg;
        match self {
            ImportError::TooBig => Msg::with("importTooBig", vec![MAX_IMPORT_BYTES.to_string()]),
            ImportError::NotJson => Msg::new("importNotJson"),
            ImportError::WrongShape => Msg::new("importWrongShape"),
            ImportError::TooMany(n) => {
                Msg::with("importTooMany", vec![n.to_string(), MAX_RULES.to_string()])
            }
            ImportError::BadHost(host) => Msg::with("importBadHost", vec![host.clone()]),
            ImportError::TooLarge => Msg::new("rulesFull"),
        }
    }
}

/// Reads an exported file. All or nothing: anything not understood refuses the whole file.
pub fn import_json(text: &str) -> Result<Rules, ImportError> {
    use serde_json::Value;
    if text.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooBig);
    }
    let value: Value = serde_json::from_str(text).map_err(|_| ImportError::NotJson)?;
    let Value::Object(file) = value else {
        return Err(ImportError::WrongShape);
    };
    if file.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
        return Err(ImportError::WrongShape);
    }
    let Some(list) = file.get("rules").and_then(Value::as_array) else {
        return Err(ImportError::WrongShape);
    };
    if list.len() > MAX_RULES {
        return Err(ImportError::TooMany(list.len()));
    }
    let mut rules = Rules::default();
    for item in list {
        let Value::Object(item) = item else {
            return Err(ImportError::WrongShape);
        };
        let flag = |name: &str| match item.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ImportError::WrongShape),
        };
        let Some(host_text) = item.get("host").and_then(Value::as_str) else {
            return Err(ImportError::WrongShape);
        };
        let host = normalise_host(host_text)
            .ok_or_else(|| ImportError::BadHost(crate::incident::truncate(host_text.trim(), 60)))?;
        let flags = RuleFlags {
            never_retry: flag("neverRetry")?,
            no_outside: flag("noOutsideServices")?,
            no_banner: flag("noBanner")?,
            ignore: flag("ignore")?,
        };
        rules.set(&host, flag("subdomains")?, flags);
    }
    if !rules.fits_sync() {
        return Err(ImportError::TooLarge);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(pattern: &str) -> Rule {
        let (host, subdomains) = split_pattern(pattern).unwrap_or_default();
        Rule {
            host,
            subdomains,
            flags: RuleFlags {
                never_retry: true,
                ..RuleFlags::default()
            },
        }
    }

    #[test]
    fn rules_match_a_host_and_optionally_its_subdomains() {
        let exact = rule("shop.example");
        assert!(exact.matches("shop.example"));
        assert!(exact.matches("SHOP.Example."));
        assert!(!exact.matches("www.shop.example"));
        let wide = rule("*.shop.example");
        assert!(wide.matches("shop.example"));
        assert!(wide.matches("a.b.shop.example"));
        assert!(!wide.matches("evilshop.example"));
        assert!(!wide.matches("shop.example.evil"));
    }

    #[test]
    fn idn_hosts_compare_in_their_ascii_form() {
        // The browser reports `bücher.example` as its punycode; the rule is kept the same way.
        let r = rule("XN--BCHER-KVA.example.");
        assert_eq!(r.host, "xn--bcher-kva.example");
        assert!(r.matches("xn--bcher-kva.example"));
        // The Unicode form never reaches a rule: the pages convert it first.
        assert_eq!(normalise_host("bücher.example"), None);
    }

    #[test]
    fn ports_are_dropped_and_a_rule_covers_every_port() {
        assert_eq!(
            normalise_host("https://shop.example:8443/cart?x=1"),
            Some("shop.example".into())
        );
        assert_eq!(
            normalise_host("shop.example:8080"),
            Some("shop.example".into())
        );
        assert_eq!(normalise_host("127.0.0.2:8080"), Some("127.0.0.2".into()));
        assert_eq!(normalise_host("[::1]:8080"), Some("::1".into()));
        assert_eq!(normalise_host("http://[::1]:8080/x"), Some("::1".into()));
        // The incident's host has no port, whichever port failed.
        assert!(
            rule("shop.example").matches(crate::page_url::host_of("http://shop.example:8080/x"))
        );
        assert!(rule("::1").matches("[::1]"));
        for bad in [
            "",
            "a b",
            "<script>",
            "shop..example",
            "*",
            "x".repeat(64).as_str(),
        ] {
            assert_eq!(normalise_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn stored_rules_read_leniently_and_round_trip() {
        let mut rules = Rules::default();
        let all = RuleFlags {
            never_retry: true,
            no_outside: true,
            no_banner: true,
            ignore: true,
        };
        assert!(rules.set("Shop.example", true, all));
        assert!(rules.set(
            "a.example",
            false,
            RuleFlags {
                no_banner: true,
                ..RuleFlags::default()
            }
        ));
        let stored = json!(rules.stored());
        assert_eq!(stored, json!(["robi:*.shop.example", "b:a.example"]));
        assert_eq!(Rules::read(Some(&stored)), rules);
        let odd = json!([
            "robi:*.shop.example",
            7,
            "x:a.example",
            ":b.example",
            "r:<b>",
            "r:ok.example"
        ]);
        let read = Rules::read(Some(&odd));
        assert_eq!(read.0.len(), 2);
        assert!(read.flags_for("www.shop.example").ignore);
        assert!(read.flags_for("ok.example").never_retry);
        assert_eq!(Rules::read(Some(&json!("garbage"))), Rules::default());
        assert_eq!(Rules::read::<serde_json::Value>(None), Rules::default());
        // Clearing every flag removes the rule.
        assert!(rules.set("a.example", false, RuleFlags::default()));
        assert_eq!(rules.0.len(), 1);
    }

    #[test]
    fn the_list_is_bounded_and_fits_one_synced_item() {
        let mut rules = Rules::default();
        let flags = RuleFlags {
            never_retry: true,
            no_outside: true,
            no_banner: true,
            ignore: true,
        };
        for i in 0..MAX_RULES + 5 {
            rules.set(&format!("site-number-{i}.example"), true, flags);
        }
        assert_eq!(rules.0.len(), MAX_RULES);
        assert!(rules.fits_sync(), "{} bytes", rules.stored_bytes());
        // Long names can fill it before the count does.
        let mut long = Rules::default();
        for i in 0..MAX_RULES {
            long.set(&format!("{}.{i}.example", "a".repeat(60)), false, flags);
        }
        assert!(!long.fits_sync());
    }

    #[test]
    fn export_then_import_gives_the_same_rules() {
        let mut rules = Rules::default();
        rules.set(
            "shop.example",
            true,
            RuleFlags {
                never_retry: true,
                ..RuleFlags::default()
            },
        );
        rules.set(
            "127.0.0.2",
            false,
            RuleFlags {
                ignore: true,
                no_outside: true,
                ..RuleFlags::default()
            },
        );
        assert_eq!(import_json(&export_json(&rules)), Ok(rules));
    }

    #[test]
    fn bad_or_hostile_imports_are_refused() {
        let many: Vec<_> = (0..5000)
            .map(|i| json!({"host": format!("h{i}.example"), "ignore": true}))
            .collect();
        let cases = [
            ("not json", ImportError::NotJson),
            ("[1,2]", ImportError::WrongShape),
            (r#"{"rules": []}"#, ImportError::WrongShape),
            (
                r#"{"format": "gateway-doctor-rules", "rules": [{"host": 5}]}"#,
                ImportError::WrongShape,
            ),
            (
                r#"{"format": "gateway-doctor-rules", "rules": [{"host": "a.example", "ignore": "yes"}]}"#,
                ImportError::WrongShape,
            ),
            (
                r#"{"format": "gateway-doctor-rules", "rules": [{"host": "<img src=x>"}]}"#,
                ImportError::BadHost("<img src=x>".into()),
            ),
        ];
        for (text, wanted) in cases {
            assert_eq!(import_json(text), Err(wanted), "{text}");
        }
        let huge = json!({"format": EXPORT_FORMAT, "rules": many}).to_string();
        assert_eq!(import_json(&huge), Err(ImportError::TooBig));
        let too_many: Vec<_> = (0..MAX_RULES + 1)
            .map(|i| json!({"host": format!("h{i}.x"), "ignore": true}))
            .collect();
        let text = json!({"format": EXPORT_FORMAT, "rules": too_many}).to_string();
        assert_eq!(import_json(&text), Err(ImportError::TooMany(MAX_RULES + 1)));
    }
}
