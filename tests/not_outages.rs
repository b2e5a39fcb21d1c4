//! Failures that are not outages, or not only the site's: bot challenges and blocks, redirect
//! loops, broken HTTP/2 or QUIC, truncated answers, TLS handshakes and refused certificates.
//! Table-driven, over what each decides: kind, side, fixer, badge, auto-retry, which checks run,
//! and what the popup says (every key in English and German, with its substitutions).
// Test helpers outside #[test] functions: a failed expectation is the test failing.
#![allow(clippy::expect_used)]

use gateway_doctor::checks::plan::{plan, Plan};
use gateway_doctor::checks::record::skip;
use gateway_doctor::checks::record::CheckId;
use gateway_doctor::checks::verdict::{Confidence, Evidence, Verdict, VerdictKind};
use gateway_doctor::diagnosis::{badge_text, diagnose, protection_of, Fixer, Kind, Side};
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::{host_of, Incident, RequestDetails};
use gateway_doctor::platform::{Browser, Os, Platform};
use gateway_doctor::retry::policy::{held_back, Hold};
use gateway_doctor::retry::{retry_decision, NoRetry, Pace, RetryDecision};
use gateway_doctor::settings::Settings;
use gateway_doctor::tracker::{after_page_read, decide, Action, Stored, TabEvent};
use gateway_doctor::view::advice::advise;
use gateway_doctor::view::incident::incident_view;
use gateway_doctor::view::msg::Msg;
use gateway_doctor::view::owner::owner_checklist;
use gateway_doctor::view::steps::{visitor_steps, StepContext};
use serde_json::Value;

const URL: &str = "https://shop.example.com/cart";

fn incident(failure: Failure, headers: &[(&str, &str)], page: Option<&str>) -> Incident {
    Incident {
        url: URL.into(),
        url_hash: gateway_doctor::incident::url_hash(URL),
        latest_at_ms: 0.0,
        retry_stopped: None,
        verdict: None,
        host: host_of(URL).into(),
        failure,
        status_line: None,
        server_ip: None,
        error_name: None,
        method: "GET".into(),
        at_ms: 1_000.0,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        page_excerpt: page.map(str::to_string),
        from_cache: false,
    }
}

fn net(error: NetError) -> Failure {
    Failure::Network { error }
}

/// A Cloudflare managed challenge as served today: the header, and the page's script.
const CF_CHALLENGE_PAGE: &str = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body><div class=\"main-wrapper\" role=\"main\"><noscript>Enable JavaScript and cookies to continue</noscript></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'shop.example.com',cType: 'managed'};var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1c2a3b4c5d6e7f';})();</script></body></html>";

/// Cloudflare's block page for a WAF rule (1020).
const CF_BLOCK_PAGE: &str = "<title>Attention Required! | Cloudflare</title><h1 data-translate=\"block_headline\">Sorry, you have been blocked</h1><h2 class=\"cf-subheadline\"><span data-translate=\"unable_to_access\">You are unable to access</span> shop.example.com</h2><span class=\"cf-footer-item\">Cloudflare Ray ID: <strong>8f1c2a3b4c5d6e7f</strong></span>";

const CF_1020_PAGE: &str = "<title>Access denied | shop.example.com used Cloudflare to restrict access</title><h1><span data-translate=\"error\">Error</span><span class=\"cf-error-code\">1020</span></h1><h2 class=\"cf-subheadline\">Access denied</h2><p>Cloudflare Ray ID: <strong>8f1c2a3b4c5d6e7f</strong></p>";

const AKAMAI_DENIED_PAGE: &str = "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have permission to access \"http&#58;&#47;&#47;shop&#46;example&#46;com&#47;\" on this server.<P>Reference&#32;&#35;18&#46;6f64d817&#46;1700000000&#46;1a2b3c4d<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;6f64d817</BODY></HTML>";

const IMPERVA_BLOCK_PAGE: &str = "<html><head><META NAME=\"robots\" CONTENT=\"noindex,nofollow\"></head><body>Request unsuccessful. Incapsula incident ID: 1234000560012345678-123456789012345678</body></html>";

const IMPERVA_CHECK_PAGE: &str = "<html><head><META NAME=\"robots\" CONTENT=\"noindex,nofollow\"><script src=\"/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4\"></script></head><body></body></html>";

const DDOS_GUARD_PAGE: &str = "<!doctype html><html><head><title>DDoS-Guard</title><script src=\"/.well-known/ddos-guard/js-challenge/index.js\"></script></head><body>Checking your browser before accessing</body></html>";

const AWS_WAF_PAGE: &str = "<html><head><script src=\"https://abcdef.token.awswaf.com/abcdef/challenge.js\"></script></head><body><script>AwsWafIntegration.getToken().then(() => location.reload())</script></body></html>";

const AKAMAI_BOT_PAGE: &str = "<html><body><script src=\"/_sec/cp_challenge/sec-cpt-int-4-3.js\"></script><div id=\"sec-cpt-if\"></div></body></html>";

/// Failure, headers, page, the protection found, the badge.
type ProtectionCase = (
    Failure,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    Option<Kind>,
    &'static str,
);

#[test]
fn bot_protection_is_read_from_headers_first_then_the_page() {
    let s503 = Failure::Http { status: 503 };
    let s502 = Failure::Http { status: 502 };
    let table: [ProtectionCase; 17] = [
        // Headers alone: no page read yet.
        (
            s503,
            &[("cf-mitigated", "challenge"), ("server", "cloudflare")],
            None,
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[("CF-Mitigated", " Challenge ")],
            None,
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[("x-amzn-waf-action", "captcha")],
            None,
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[("x-amzn-waf-action", "challenge")],
            None,
            Some(Kind::BotChallenge),
            "BOT",
        ),
        // Pages, once read (a 503 challenge with no header says so only in its page).
        (
            s503,
            &[("server", "cloudflare")],
            Some(CF_CHALLENGE_PAGE),
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[],
            Some(DDOS_GUARD_PAGE),
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[],
            Some(IMPERVA_CHECK_PAGE),
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[],
            Some(AWS_WAF_PAGE),
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (
            s503,
            &[],
            Some(AKAMAI_BOT_PAGE),
            Some(Kind::BotChallenge),
            "BOT",
        ),
        (s503, &[], Some(CF_BLOCK_PAGE), Some(Kind::BotBlock), "BLK"),
        (s503, &[], Some(CF_1020_PAGE), Some(Kind::BotBlock), "BLK"),
        (
            s503,
            &[],
            Some(AKAMAI_DENIED_PAGE),
            Some(Kind::BotBlock),
            "BLK",
        ),
        (
            s503,
            &[],
            Some(IMPERVA_BLOCK_PAGE),
            Some(Kind::BotBlock),
            "BLK",
        ),
        // Generic words alone name nothing: an outage page may say "just a moment" or "access
        // denied", and other values of the headers are not challenges.
        (
            s503,
            &[("server", "cloudflare")],
            Some("<title>Just a moment...</title> We are back shortly."),
            None,
            "503",
        ),
        (
            s502,
            &[],
            Some("<h1>Access denied</h1> upstream refused"),
            None,
            "502",
        ),
        (s503, &[("cf-mitigated", "block")], None, None, "503"),
        (s503, &[("x-amzn-waf-action", "allow")], None, None, "503"),
    ];
    for (failure, headers, page, expected, badge) in table {
        let i = incident(failure, headers, page);
        let label = format!("{headers:?} {:?}", page.map(|p| &p[..p.len().min(40)]));
        assert_eq!(protection_of(&i), expected, "{label}");
        assert_eq!(badge_text(&i), badge, "{label}");
        let d = diagnose(&i);
        if let Some(kind) = expected {
            assert_eq!(d.kind, kind, "{label}");
            assert_eq!(d.side, Side::SiteProtection, "{label}");
            assert_eq!(d.fixer, Fixer::Visitor, "{label}");
            assert!(!d.likely_temporary, "{label}");
            assert_eq!(held_back(&i), Some(Hold::BotProtection), "{label}");
        } else {
            assert!(
                !matches!(d.kind, Kind::BotChallenge | Kind::BotBlock),
                "{label}"
            );
            assert_eq!(held_back(&i), None, "{label}");
        }
    }
    // A network failure has no page of the site's: never a challenge.
    let refused = incident(
        net(NetError::ConnectionRefused),
        &[("cf-mitigated", "challenge")],
        None,
    );
    assert_eq!(protection_of(&refused), None);
    assert_eq!(badge_text(&refused), "REF");
}

#[test]
fn each_network_failure_has_its_kind_side_fixer_and_retry() {
    use NetError::*;
    let normal = RetryDecision::Retry(Pace::Normal);
    let never = RetryDecision::Never(NoRetry::NotTransient);
    let table = [
        (
            TooManyRedirects,
            Kind::RedirectLoop,
            Side::Origin,
            Fixer::SiteOwner,
            false,
            never,
        ),
        (
            ProtocolError,
            Kind::ProtocolError,
            Side::Unknown,
            Fixer::SiteOwner,
            true,
            normal,
        ),
        (
            Truncated,
            Kind::Truncated,
            Side::Unknown,
            Fixer::SiteOwner,
            false,
            never,
        ),
        (
            TlsHandshake,
            Kind::TlsHandshake,
            Side::Origin,
            Fixer::SiteOwner,
            false,
            never,
        ),
        (
            Certificate,
            Kind::Certificate,
            Side::Origin,
            Fixer::SiteOwner,
            false,
            never,
        ),
    ];
    for (error, kind, side, fixer, temporary, retry) in table {
        let d = diagnose(&incident(net(error), &[], None));
        assert_eq!(d.kind, kind, "{error:?}");
        assert_eq!(d.side, side, "{error:?}");
        assert_eq!(d.fixer, fixer, "{error:?}");
        assert_eq!(d.likely_temporary, temporary, "{error:?}");
        assert_eq!(retry_decision("GET", net(error)), retry, "{error:?}");
        assert_eq!(
            retry_decision("POST", net(error)),
            RetryDecision::Never(NoRetry::NotGet)
        );
    }
}

#[test]
fn no_refetch_and_no_checker_where_the_site_answered() {
    let s = Settings::default();
    let skipped = [
        incident(net(NetError::TooManyRedirects), &[], None),
        incident(net(NetError::TlsHandshake), &[], None),
        incident(net(NetError::Certificate), &[], None),
        incident(
            Failure::Http { status: 503 },
            &[("cf-mitigated", "challenge")],
            None,
        ),
        incident(Failure::Http { status: 503 }, &[], Some(CF_BLOCK_PAGE)),
    ];
    for i in &skipped {
        for check in [
            CheckId::Fresh,
            CheckId::Stranger,
            CheckId::Checker,
            CheckId::Connectivity,
        ] {
            assert_eq!(
                plan(check, i, &s, false, 2_000.0),
                Plan::Skip(skip::GATEWAY_ANSWERED),
                "{:?} {check:?}",
                i.failure
            );
        }
    }
    // Waiting can help these: every check runs as for an outage.
    for error in [NetError::ProtocolError, NetError::Truncated] {
        let i = incident(net(error), &[], None);
        assert!(matches!(
            plan(CheckId::Fresh, &i, &s, false, 2_000.0),
            Plan::Refetch { .. }
        ));
        assert!(matches!(
            plan(CheckId::Checker, &i, &s, false, 2_000.0),
            Plan::Ask { .. }
        ));
    }
    // A plain 503 is still an outage.
    let plain = incident(Failure::Http { status: 503 }, &[], None);
    assert!(matches!(
        plan(CheckId::Checker, &plain, &s, false, 2_000.0),
        Plan::Ask { .. }
    ));
}

fn locale(lang: &str) -> serde_json::Map<String, Value> {
    let path = format!(
        "{}/extension/_locales/{lang}/messages.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("locale file");
    match serde_json::from_str(&text).expect("valid JSON") {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn assert_exists(msg: &Msg) {
    for lang in ["en", "de"] {
        let text = locale(lang)
            .get(msg.key)
            .and_then(|m| m.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{lang}: no message {}", msg.key))
            .to_string();
        assert!(!text.trim().is_empty(), "{lang}: {}", msg.key);
        for n in 1..=9 {
            assert_eq!(
                text.contains(&format!("${n}")),
                n <= msg.args.len(),
                "{lang}: {} and ${n} ({} args)",
                msg.key,
                msg.args.len()
            );
        }
    }
}

fn steps_of(i: &Incident, browser: Browser) -> Vec<&'static str> {
    let d = diagnose(i);
    let verdict = Verdict {
        kind: VerdictKind::Unknown,
        confidence: Confidence::Low,
        reasons: Vec::new(),
    };
    visitor_steps(&StepContext {
        host: &i.host,
        diagnosis: &d,
        verdict: &verdict,
        evidence: &Evidence::default(),
        platform: Platform::new(browser, Os::Linux),
    })
    .into_iter()
    .inspect(|s| assert_exists(&s.text))
    .map(|s| s.text.key)
    .collect()
}

/// The incident, its badge, its title key, the visitor's steps, the owner's checklist.
type ViewCase = (
    Incident,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn the_popup_explains_each_in_both_languages() {
    let challenge = incident(
        Failure::Http { status: 503 },
        &[
            ("cf-mitigated", "challenge"),
            ("cf-ray", "8f1c2a3b4c5d6e7f-FRA"),
        ],
        Some(CF_CHALLENGE_PAGE),
    );
    let block = incident(Failure::Http { status: 503 }, &[], Some(CF_BLOCK_PAGE));
    let table: [ViewCase; 7] = [
        (
            challenge,
            "BOT",
            "kindBotChallenge",
            &[
                "stepWaitForCheck",
                "stepEnableScriptsAndCookies",
                "stepDisableVpnOrProxy",
                "stepTryOtherNetwork",
            ],
            &["ownerBotRules", "ownerQuoteReferences"],
        ),
        (
            block,
            "BLK",
            "kindBotBlock",
            &[
                "stepDisableVpnOrProxy",
                "stepTryOtherNetwork",
                "stepEnableScriptsAndCookies",
                "stepAskSiteToUnblock",
            ],
            &["ownerBotRules", "ownerQuoteReferences"],
        ),
        (
            incident(net(NetError::TooManyRedirects), &[], None),
            "LOOP",
            "kindRedirectLoop",
            &["stepClearSiteCache", "stepTellOwner"],
            &["ownerRedirectLoop", "ownerAskHost"],
        ),
        (
            incident(net(NetError::Certificate), &[], None),
            "CERT",
            "kindCertificate",
            &[
                "stepCertificateNoBypass",
                "stepCheckClock",
                "stepTryOtherNetwork",
                "stepTellOwner",
            ],
            &["ownerCertificate", "ownerAskHost"],
        ),
        (
            incident(net(NetError::TlsHandshake), &[], None),
            "TLS",
            "kindTlsHandshake",
            &[
                "stepDisableVpnOrProxy",
                "stepTryOtherNetwork",
                "stepTellOwner",
            ],
            &["ownerTlsSetup", "ownerAskHost"],
        ),
        (
            incident(net(NetError::Truncated), &[], None),
            "CUT",
            "kindTruncated",
            &[
                "stepWaitAndRefresh",
                "stepDisableVpnOrProxy",
                "stepTryOtherNetwork",
                "stepCheckDownForEveryone",
                "stepTellOwner",
                "stepOpenArchive",
            ],
            &["ownerProxyFraming", "ownerAskHost"],
        ),
        (
            incident(net(NetError::ProtocolError), &[], None),
            "PROT",
            "kindProtocolError",
            &[
                "stepWaitAndRefresh",
                "stepDisableVpnOrProxy",
                "stepTryOtherNetwork",
                "stepCheckDownForEveryone",
                "stepTellOwner",
                "stepOpenArchive",
            ],
            &["ownerProxyFraming", "ownerAskHost"],
        ),
    ];
    for (i, code, title, steps, owner) in table {
        let view = incident_view(&i);
        assert_eq!(view.code, code, "{title}");
        assert_eq!(view.title.key, title);
        for msg in [
            &view.title,
            &view.meaning,
            &view.side,
            &view.fixer,
            &view.outlook,
        ] {
            assert_exists(msg);
        }
        let not_outage = !matches!(
            i.failure,
            Failure::Network {
                error: NetError::Truncated | NetError::ProtocolError
            }
        );
        if not_outage {
            assert_eq!(view.outlook.key, "outlookNeedsFix", "{title}");
            // Never "not your device, no security risk to you" beside a refused certificate,
            // a failed handshake, a loop a cookie may cause, or a bot check of this browser.
            assert_eq!(view.reassurance, None, "{title}");
        }
        if matches!(title, "kindBotChallenge" | "kindBotBlock") {
            // The site is up: nothing to reassure about, and "your side" is what it judges.
            assert_eq!(view.reassurance, None);
            assert_eq!(view.side.key, "sideSiteProtection");
            assert_eq!(view.fixer.key, "fixerVisitor");
        }
        for browser in [Browser::Chrome, Browser::Firefox] {
            let got = steps_of(&i, browser);
            assert_eq!(got, steps, "{title} {browser:?}");
            if not_outage {
                for never in [
                    "stepWaitAndRefresh",
                    "stepCheckDownForEveryone",
                    "stepSeeCheckerAnswer",
                    "stepNotYourSide",
                ] {
                    assert!(!got.contains(&never), "{title}: {never}");
                }
            }
        }
        let checklist = owner_checklist(&diagnose(&i));
        let keys: Vec<&str> = checklist.items.iter().map(|m| m.key).collect();
        assert_eq!(keys, owner, "{title}");
        for msg in checklist.items.iter().chain(&checklist.heading) {
            assert_exists(msg);
        }
        let advice = advise(&diagnose(&i));
        assert_eq!(advice.title_key, title);
    }
    assert_exists(&Msg::new("retryNoteBotProtection"));
}

#[test]
fn the_badge_says_bot_from_the_headers_and_after_the_page_is_read() {
    let details = |headers: &[(&str, &str)]| RequestDetails {
        url: URL.into(),
        tab_id: Some(3),
        frame_id: Some(0),
        resource_type: "main_frame".into(),
        method: Some("GET".into()),
        status_code: Some(503),
        time_stamp: Some(1_000.0),
        response_headers: Some(
            headers
                .iter()
                .map(|(n, v)| gateway_doctor::incident::HeaderDetails {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                })
                .collect(),
        ),
        ..Default::default()
    };
    let badge = |actions: &[Action]| {
        actions.iter().find_map(|a| match a {
            Action::ShowBadge { text, .. } => Some(text.clone()),
            _ => None,
        })
    };
    let marked = decide(
        TabEvent::Completed(details(&[("cf-mitigated", "challenge")])),
        Stored::default(),
        1_000.0,
    );
    assert_eq!(badge(&marked).as_deref(), Some("BOT"));
    // The page is still read: the popup shows its title and references.
    assert!(marked
        .iter()
        .any(|a| matches!(a, Action::ReadErrorPage { .. })));

    let plain = decide(
        TabEvent::Completed(details(&[("server", "cloudflare")])),
        Stored::default(),
        1_000.0,
    );
    assert_eq!(badge(&plain).as_deref(), Some("503"));
    let Some(Action::Remember { incident, .. }) = plain.first().cloned() else {
        panic!("not remembered: {plain:?}")
    };
    // Nothing more to do for an ordinary error page.
    let mut read = incident.clone();
    read.page_excerpt = Some("<title>503 Service Unavailable</title>".into());
    assert_eq!(after_page_read(3, &read), Vec::new());
    // Its page turns out to be a challenge: the badge follows.
    read.page_excerpt = Some(CF_CHALLENGE_PAGE.into());
    assert_eq!(badge(&after_page_read(3, &read)).as_deref(), Some("BOT"));
    read.page_excerpt = Some(CF_BLOCK_PAGE.into());
    assert_eq!(badge(&after_page_read(3, &read)).as_deref(), Some("BLK"));
}
