//! Every message the core asks for exists in English and German, with no missing substitution.
// Test helpers outside #[test] functions: a failed expectation is the test failing.
#![allow(clippy::expect_used)]

use gateway_doctor::checks::dns::DnsComparison;
use gateway_doctor::checks::providers::CheckerAnswer;
use gateway_doctor::checks::record::{CheckId, CheckRecord, CheckState};
use gateway_doctor::checks::verdict::{Confidence, Evidence, Reason, Verdict, VerdictKind};
use gateway_doctor::checks::FetchResult;
use gateway_doctor::diagnosis::{diagnose, Diagnosis};
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::Incident;
use gateway_doctor::platform::{Browser, Os, Platform};
use gateway_doctor::view::incident::incident_view;
use gateway_doctor::view::msg::Msg;
use gateway_doctor::view::owner::owner_checklist;
use gateway_doctor::view::report::{build_report, report_text, ReportInput};
use gateway_doctor::view::steps::{visitor_steps, StepContext};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;

const NET_ERRORS: [NetError; 9] = [
    NetError::NameNotResolved,
    NetError::ConnectionRefused,
    NetError::ConnectionReset,
    NetError::ConnectionClosed,
    NetError::ConnectionTimedOut,
    NetError::AddressUnreachable,
    NetError::EmptyResponse,
    NetError::InternetDisconnected,
    NetError::ProxyFailed,
];

fn locale(lang: &str) -> serde_json::Map<String, Value> {
    let path = format!(
        "{}/extension/_locales/{lang}/messages.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("locale file");
    match serde_json::from_str(&text).expect("valid JSON") {
        Value::Object(map) => map,
        _ => panic!("{path} is not an object"),
    }
}

fn all_failures() -> Vec<Failure> {
    (500..=599)
        .map(|status| Failure::Http { status })
        .chain(NET_ERRORS.map(|error| Failure::Network { error }))
        .collect()
}

/// Incidents covering every failure, with and without gateway, CDN, platform and stack clues.
fn sample_incidents() -> Vec<Incident> {
    let header_sets: [&[(&str, &str)]; 4] = [
        &[],
        &[
            ("server", "cloudflare"),
            ("cf-ray", "8f1c2a3b4c5d6e7f-FRA"),
            ("retry-after", "30"),
        ],
        &[
            ("server", "nginx"),
            ("x-powered-by", "PHP/8.2"),
            ("link", "<https://a/wp-json/>"),
        ],
        &[
            ("x-powered-by", "Express"),
            ("x-render-routing", "hibernate-wake-error"),
        ],
    ];
    let pages = [
        None,
        Some("<title>x</title><center>nginx</center> /wp-content/ maintenance"),
    ];
    let mut cases = Vec::new();
    for failure in all_failures() {
        for headers in header_sets {
            for page in pages {
                cases.push((failure, headers, page));
            }
        }
    }
    cases
        .into_iter()
        .map(|(failure, headers, page)| Incident {
            url: "http://a/".into(),
            host: "a".into(),
            failure,
            status_line: None,
            server_ip: Some("127.0.0.1".into()),
            error_name: None,
            method: "POST".into(),
            at_ms: 0.0,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            page_excerpt: page.map(str::to_string),
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        })
        .collect()
}

/// Every message the views use, with the number of substitutions it is given.
fn used_messages() -> Vec<(String, usize)> {
    let mut used = tailored_messages();
    let mut note = |msg: &Msg| used.push((msg.key.to_string(), msg.args.len()));
    for incident in sample_incidents() {
        let view = incident_view(&incident);
        note(&view.title);
        note(&view.meaning);
        note(&view.fixer);
        note(&view.outlook);
        view.reassurance.iter().for_each(&mut note);
        note(&view.side);
        note(&view.generator);
        view.clues.iter().for_each(&mut note);
        view.retry.iter().for_each(&mut note);
        view.stack.iter().for_each(&mut note);
        view.steps.iter().for_each(&mut note);
        view.facts.iter().for_each(|f| note(&f.label));
    }
    // Why a tab is not retried, as the popup and the banner say it.
    for note in gateway_doctor::retry::RetryNote::ALL {
        used.push((note.message_key().to_string(), usize::MAX));
    }
    // Keys the web layer asks for by name.
    for source in [
        "extension/src/popup.rs",
        "extension/src/background.rs",
        "extension/src/options.rs",
        "extension/src/retry.rs",
        "extension/src/popup_retry.rs",
        "extension/src/popup_checks.rs",
        "extension/src/popup_steps.rs",
        "extension/src/popup_owner.rs",
        "extension/src/actions.rs",
        "extension/src/banner.rs",
        "src/view/checks.rs",
        "src/view/status.rs",
        "src/history.rs",
        "src/rules.rs",
        "extension/src/popup_rules.rs",
        "extension/src/settings_store.rs",
    ] {
        let text = std::fs::read_to_string(format!("{}/{source}", env!("CARGO_MANIFEST_DIR")))
            .expect("source");
        for marker in [
            "translate(\"",
            "message(api, \"",
            "message(&api, \"",
            "say(\"",
            "Msg::new(\"",
            "Msg::with(\"",
            "unwrap_or(\"",
        ] {
            for call in text.split(marker).skip(1) {
                if let Some(key) = call.split('"').next() {
                    used.push((key.to_string(), usize::MAX));
                }
            }
        }
    }
    {
        use gateway_doctor::checks::record::skip::*;
        for key in [
            NOT_GET,
            TURNED_OFF,
            PRIVATE_HOST,
            ADDRESS_LITERAL,
            GATEWAY_ANSWERED,
            NOT_ASKED,
            RETRY_AFTER,
            SITE_RULE,
            NO_CDN,
            NO_STATUS_FEED,
            NO_STATUS_PAGE,
        ] {
            used.push((key.to_string(), 0));
        }
    }
    for action in gateway_doctor::view::steps::ActionId::ALL {
        used.push((action.label_key().to_string(), 0));
    }
    for kind in VERDICT_KINDS {
        let names = gateway_doctor::view::checks::verdict_names(kind);
        used.push((names.title.to_string(), 0));
        used.push((names.explanation.to_string(), usize::MAX));
        used.push((names.report.to_string(), 0));
        if let Some(side) = names.visitor_side {
            for key in [side.side, side.meaning, side.fixer, side.outlook] {
                used.push((key.to_string(), 0));
            }
        }
        if let Some(site) = names.site_side {
            for key in [site.side, Some(site.fixer), site.outlook]
                .into_iter()
                .flatten()
            {
                used.push((key.to_string(), 0));
            }
        }
        if let Some(note) = gateway_doctor::view::owner::verdict_note(kind) {
            used.push((note.key.to_string(), note.args.len()));
        }
    }
    // The lines and explanations the edge and status checks give, with their arguments.
    for (kind, evidence, records) in status_samples() {
        let view = gateway_doctor::view::checks::verdict_view(&sample_incidents()[0], &records);
        if let Some(view) = view {
            used.push((
                view.explanation.key.to_string(),
                view.explanation.args.len(),
            ));
        }
        for line in gateway_doctor::view::checks::check_lines(&records, 0.0) {
            used.push((line.label.key.to_string(), line.label.args.len()));
            used.push((line.status.key.to_string(), line.status.args.len()));
        }
        if let Some(msg) =
            gateway_doctor::view::status::explanation(kind, "a.example", &evidence, 0.0)
        {
            used.push((msg.key.to_string(), msg.args.len()));
        }
    }
    for confidence in [Confidence::Low, Confidence::Medium, Confidence::High] {
        let names = gateway_doctor::view::checks::confidence_names(confidence);
        used.push((names.popup.to_string(), 0));
    }
    used
}

const VERDICT_KINDS: [VerdictKind; 12] = [
    VerdictKind::DownForEveryone,
    VerdictKind::CachedCopy,
    VerdictKind::CookiesOrSession,
    VerdictKind::NetworkOrDns,
    VerdictKind::ProxyOrVpn,
    VerdictKind::WorksAgain,
    VerdictKind::SignInToNetwork,
    VerdictKind::CdnIncident,
    VerdictKind::OriginDown,
    VerdictKind::SiteIncident,
    VerdictKind::SiteMaintenance,
    VerdictKind::Unknown,
];

/// Messages of the visitor's steps, the owner's checklist and the report: every verdict, for
/// every distinct diagnosis, on every platform, with the evidence that changes their wording.
fn tailored_messages() -> Vec<(String, usize)> {
    // A set: the same few messages come back hundreds of thousands of times.
    let mut used = BTreeSet::new();
    let mut note = |msg: &Msg| {
        used.insert((msg.key.to_string(), msg.args.len()));
    };
    let incidents = sample_incidents();
    let mut diagnoses: Vec<Diagnosis> = Vec::new();
    for incident in &incidents {
        let diagnosis = diagnose(incident);
        let owner = owner_checklist(&diagnosis);
        owner.heading.iter().for_each(&mut note);
        owner.items.iter().for_each(&mut note);
        // Steps read only these from the diagnosis: one of each is enough.
        let same_steps = |d: &Diagnosis| {
            (d.kind, d.side, d.retry_after.is_some())
                == (
                    diagnosis.kind,
                    diagnosis.side,
                    diagnosis.retry_after.is_some(),
                )
        };
        if !diagnoses.iter().any(same_steps) {
            diagnoses.push(diagnosis);
        }
    }
    let evidences = [
        Evidence::default(),
        Evidence {
            served_from_cache: true,
            checker: Some(CheckerAnswer {
                up: true,
                status: None,
                detail: None,
            }),
            proxy_configured: Some(false),
            ..Evidence::default()
        },
        Evidence {
            proxy_configured: Some(true),
            ..Evidence::default()
        },
    ];
    let platforms: Vec<Platform> = Browser::ALL
        .iter()
        .flat_map(|browser| Os::ALL.map(|os| Platform::new(*browser, os)))
        .collect();
    for diagnosis in &diagnoses {
        for kind in VERDICT_KINDS {
            for (confidence, reasons) in [
                (Confidence::High, vec![]),
                (Confidence::Low, vec![Reason::DnsDiffers]),
            ] {
                let verdict = Verdict {
                    kind,
                    confidence,
                    reasons,
                };
                for evidence in &evidences {
                    for platform in &platforms {
                        let steps = visitor_steps(&StepContext {
                            host: "a.example",
                            diagnosis,
                            verdict: &verdict,
                            evidence,
                            platform: *platform,
                        });
                        for step in &steps {
                            note(&step.text);
                            step.menu_path.iter().for_each(&mut note);
                        }
                    }
                }
            }
        }
    }
    used.extend(report_messages(&incidents));
    used.into_iter().collect()
}

/// The keys the text report asks the caller to translate, for every check state and result.
fn report_messages(incidents: &[Incident]) -> BTreeSet<(String, usize)> {
    let asked = RefCell::new(BTreeSet::new());
    let translate = |key: &str, args: &[String]| {
        asked.borrow_mut().insert((key.to_string(), args.len()));
        String::new()
    };
    let record_sets = report_record_sets();
    for incident in incidents.iter().step_by(7) {
        let diagnosis = diagnose(incident);
        for (kind, records) in VERDICT_KINDS.iter().zip(record_sets.iter().cycle()) {
            for (confidence, platform) in [
                (Confidence::Low, Platform::new(Browser::Other, Os::Other)),
                (
                    Confidence::Medium,
                    Platform::new(Browser::Edge, Os::Windows),
                ),
                (Confidence::High, Platform::new(Browser::Firefox, Os::Linux)),
            ] {
                let report = build_report(&ReportInput {
                    incident,
                    diagnosis: &diagnosis,
                    records,
                    verdict: &Verdict {
                        kind: *kind,
                        confidence,
                        reasons: Vec::new(),
                    },
                    platform,
                    extension_version: "0.1.0",
                    include_query: false,
                });
                report_text(&report, &translate);
            }
        }
    }
    asked.into_inner()
}

/// Records of the edge and status checks in each of their findings, the evidence they make,
/// and the verdict that evidence can give.
fn status_samples() -> Vec<(VerdictKind, Evidence, Vec<CheckRecord>)> {
    use gateway_doctor::checks::findings::{EdgeFinding, StatusFinding};
    use gateway_doctor::status::report::{Overall, StatusApi, StatusEvent, StatusReport};
    let event = |maintenance: bool, started: Option<f64>, until: Option<f64>| StatusEvent {
        name: "Database".into(),
        status: "investigating".into(),
        started_ms: started,
        until_ms: until,
        components: vec!["Frankfurt, Germany - (FRA)".into()],
        link: Some("https://status.example/x".into()),
        maintenance,
        in_progress: maintenance,
    };
    let status = |events: Vec<StatusEvent>, component: Option<&str>| StatusFinding {
        source: "Cloudflare".into(),
        page: Some("https://www.cloudflarestatus.com/".into()),
        report: StatusReport {
            api: StatusApi::Statuspage,
            page_name: None,
            overall: Overall::Degraded,
            events,
            troubled: Vec::new(),
        },
        component: component.map(str::to_string),
    };
    let done = |check: CheckId| CheckRecord {
        state: CheckState::Done,
        ..CheckRecord::running(check, 0.0, 0.0, String::new())
    };
    let mut samples = Vec::new();
    for (place, answered) in [
        (Some("FRA"), true),
        (None, true),
        (None, false),
        (Some("ZZZ"), true),
    ] {
        let edge = EdgeFinding {
            cdn: "Cloudflare".into(),
            answered,
            place: place.map(str::to_string),
        };
        let record = CheckRecord {
            edge: Some(edge.clone()),
            ..done(CheckId::Edge)
        };
        let evidence = Evidence {
            edge: Some(edge),
            ..Evidence::default()
        };
        samples.push((VerdictKind::OriginDown, evidence, vec![record]));
    }
    for (events, component) in [
        (vec![event(false, Some(1.0), None)], Some("(FRA)")),
        (vec![event(false, None, None)], None),
        (vec![event(false, None, None)], Some("(LHR)")),
        (vec![event(true, Some(1.0), Some(9e12))], None),
        (vec![event(true, None, None)], None),
        (Vec::new(), None),
    ] {
        let finding = status(events, component);
        for (check, kinds) in [
            (
                CheckId::CdnStatus,
                [VerdictKind::CdnIncident, VerdictKind::CdnIncident],
            ),
            (
                CheckId::SiteStatus,
                [VerdictKind::SiteIncident, VerdictKind::SiteMaintenance],
            ),
        ] {
            let record = CheckRecord {
                status: Some(finding.clone()),
                ..done(check)
            };
            for kind in kinds {
                let evidence = Evidence {
                    cdn_status: Some(finding.clone()),
                    site_status: Some(finding.clone()),
                    ..Evidence::default()
                };
                samples.push((kind, evidence, vec![record.clone()]));
            }
        }
    }
    let portal = CheckRecord {
        portal: Some(true),
        ..done(CheckId::Connectivity)
    };
    samples.push((
        VerdictKind::SignInToNetwork,
        Evidence::default(),
        vec![portal],
    ));
    samples
}

/// Check records in every state, with every kind of result.
fn report_record_sets() -> Vec<Vec<CheckRecord>> {
    let record = |check: CheckId, state: CheckState| CheckRecord {
        state,
        note: Some("reason".into()),
        ..CheckRecord::running(check, 0.0, 0.0, String::new())
    };
    let fetched = |check: CheckId, status: Option<u16>| CheckRecord {
        fetch: Some(FetchResult {
            status,
            error: Some("TypeError".into()),
            elapsed_ms: 5,
            redirected: false,
        }),
        ..record(check, CheckState::Done)
    };
    let mut sets: Vec<Vec<CheckRecord>> = [
        CheckState::Running,
        CheckState::Skipped,
        CheckState::Failed,
        CheckState::Done,
    ]
    .into_iter()
    .map(|state| CheckId::ALL.map(|check| record(check, state)).to_vec())
    .collect();
    sets.extend(status_samples().into_iter().map(|(_, _, records)| records));
    for dns in [
        DnsComparison::Agrees,
        DnsComparison::Differs,
        DnsComparison::ResolvesElsewhere,
        DnsComparison::NameDoesNotExist,
        DnsComparison::Unknown,
    ] {
        let up = dns == DnsComparison::Agrees;
        sets.push(vec![
            fetched(CheckId::Fresh, Some(502)),
            fetched(CheckId::Stranger, None),
            CheckRecord {
                provider: Some("isitup.org".into()),
                checker: Some(CheckerAnswer {
                    up,
                    status: up.then_some(200),
                    detail: None,
                }),
                ..record(CheckId::Checker, CheckState::Done)
            },
            CheckRecord {
                dns: Some(dns),
                addresses: vec!["203.0.113.7".into()],
                ..record(CheckId::Dns, CheckState::Done)
            },
            CheckRecord {
                proxy_configured: Some(up),
                proxy_mode: Some("manual".into()),
                ..record(CheckId::Proxy, CheckState::Done)
            },
        ]);
    }
    sets
}

#[test]
fn every_used_message_exists_in_every_locale() {
    for lang in ["en", "de"] {
        let messages = locale(lang);
        for (key, args) in used_messages() {
            let text = messages
                .get(&key)
                .and_then(|m| m["message"].as_str())
                .unwrap_or_else(|| panic!("{lang} lacks {key}"));
            assert!(!text.trim().is_empty(), "{lang}: {key} is empty");
            if args != usize::MAX {
                for n in args + 1..10 {
                    assert!(!text.contains(&format!("${n}")), "{lang}: {key} uses ${n}");
                }
            }
        }
    }
}

#[test]
fn english_and_german_have_the_same_keys() {
    let en: BTreeSet<String> = locale("en").keys().cloned().collect();
    let de: BTreeSet<String> = locale("de").keys().cloned().collect();
    assert_eq!(en, de);
    assert!(en.len() > 40);
}
