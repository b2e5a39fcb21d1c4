//! Every message the core asks for exists in English and German, with no missing substitution.
// Test helpers outside #[test] functions: a failed expectation is the test failing.
#![allow(clippy::expect_used)]

use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::Incident;
use gateway_doctor::popup_view::{incident_view, Msg};
use serde_json::Value;
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

/// Every message the views use, with the number of substitutions it is given.
fn used_messages() -> Vec<(String, usize)> {
    let mut used = Vec::new();
    let mut note = |msg: &Msg| used.push((msg.key.to_string(), msg.args.len()));
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
    for (failure, headers, page) in cases {
        let incident = Incident {
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
        };
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
    // Keys the web layer asks for by name.
    for source in [
        "src/web/popup.rs",
        "src/web/background.rs",
        "src/web/options.rs",
        "src/web/retry.rs",
        "src/web/popup_retry.rs",
    ] {
        let text = std::fs::read_to_string(format!("{}/{source}", env!("CARGO_MANIFEST_DIR")))
            .expect("source");
        for marker in [
            "translate(\"",
            "message(api, \"",
            "message(&api, \"",
            "say(\"",
        ] {
            for call in text.split(marker).skip(1) {
                if let Some(key) = call.split('"').next() {
                    used.push((key.to_string(), usize::MAX));
                }
            }
        }
    }
    used
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
