//! Compiles `src/diagnosis/catalogue.toml` (the boxes that write error pages) into static Rust
//! tables in OUT_DIR, included by `src/diagnosis/catalogue.rs`: the extension never parses the
//! catalogue at run time. Checks the catalogue first, so a bad entry fails the build with a
//! message naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

const CATALOGUE: &str = "src/diagnosis/catalogue.toml";
const MESSAGES: &str = "extension/_locales/en/messages.json";

/// Phrases any server writes: a marker made of one of them alone would name a box on no evidence.
const GENERIC: &[&str] = &[
    "bad gateway",
    "service unavailable",
    "service temporarily unavailable",
    "gateway timeout",
    "gateway time-out",
    "internal server error",
    "502",
    "503",
    "504",
    "500",
    "error",
    "server error",
    "connection failed",
    "connection refused",
];

fn main() {
    println!("cargo:rerun-if-changed={CATALOGUE}");
    println!("cargo:rerun-if-changed={MESSAGES}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(CATALOGUE).unwrap_or_else(|e| fail(&format!("{e}")));
    let messages = std::fs::read_to_string(MESSAGES).unwrap_or_default();
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|e| fail(&format!("not TOML: {e}")));
    let boxes = match table.get("box") {
        Some(toml::Value::Array(boxes)) => boxes,
        _ => fail("no [[box]] entries"),
    };
    let out = generate(boxes, &messages);
    let dir = std::env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set"));
    let path = Path::new(&dir).join("catalogue.rs");
    std::fs::write(&path, out).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    panic!("{CATALOGUE}: {message}");
}

fn camel(id: &str) -> String {
    id.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn string(entry: &toml::Table, key: &str, what: &str) -> Option<String> {
    match entry.get(key) {
        None => None,
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(_) => fail(&format!("{what}: `{key}` must be a string")),
    }
}

fn required(entry: &toml::Table, key: &str, what: &str) -> String {
    match string(entry, key, what) {
        Some(s) if !s.trim().is_empty() => s,
        _ => fail(&format!("{what}: `{key}` is required")),
    }
}

fn tables<'a>(entry: &'a toml::Table, key: &str, what: &str) -> Vec<&'a toml::Table> {
    match entry.get(key) {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                toml::Value::Table(t) => t,
                _ => fail(&format!("{what}: `{key}` must hold tables")),
            })
            .collect(),
        Some(_) => fail(&format!("{what}: `{key}` must be an array")),
    }
}

fn strings(entry: &toml::Table, key: &str, what: &str) -> Vec<String> {
    match entry.get(key) {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => s.clone(),
                _ => fail(&format!("{what}: `{key}` must hold strings")),
            })
            .collect(),
        Some(_) => fail(&format!("{what}: `{key}` must be an array")),
    }
}

fn check_marker_text(text: &str, what: &str) {
    let words_only: String = {
        // The words a marker shows once its markup is set aside: "<center>nginx" is "nginx".
        let mut out = String::new();
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().trim_end_matches(['.', '!']).to_string()
    };
    let ok = text.len() >= 4
        && text == text.to_lowercase()
        && text.trim() == text
        && !text.contains("  ")
        && !text.contains(['\n', '\r', '\t'])
        && !GENERIC.contains(&words_only.as_str());
    if !ok {
        fail(&format!(
            "{what}: page marker {text:?} must be lowercase, single-spaced, not generic"
        ));
    }
}

fn generate(boxes: &[toml::Value], messages: &str) -> String {
    let entries: Vec<&toml::Table> = boxes
        .iter()
        .map(|b| match b {
            toml::Value::Table(t) => t,
            _ => fail("each [[box]] must be a table"),
        })
        .collect();
    let ids: Vec<String> = entries.iter().map(|e| required(e, "id", "a box")).collect();
    let mut seen = BTreeSet::new();
    for id in &ids {
        let snake = id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake || !seen.insert(id.clone()) {
            fail(&format!("box id {id:?} must be snake_case and unique"));
        }
    }

    let mut reference_labels: BTreeMap<String, String> = BTreeMap::new();
    let mut reference_order: Vec<String> = Vec::new();
    let mut page_markers: Vec<String> = Vec::new();
    let mut header_names: BTreeSet<String> = BTreeSet::new();
    let mut rows = String::new();

    for (entry, id) in entries.iter().zip(&ids) {
        let what = format!("box {id}");
        let name = required(entry, "name", &what);
        let vendor = required(entry, "vendor", &what);
        let kind = match required(entry, "kind", &what).as_str() {
            "cdn" => "Cdn",
            "waf" => "Waf",
            "load_balancer" => "LoadBalancer",
            "proxy" => "Proxy",
            "platform" => "Platform",
            "web_server" => "WebServer",
            other => fail(&format!("{what}: unknown kind {other:?}")),
        };
        let status_page = match string(entry, "status_page", &what) {
            Some(url) if url.starts_with("https://") => format!("Some({url:?})"),
            Some(url) => fail(&format!("{what}: status page {url:?} must be https")),
            None => "None".to_string(),
        };
        let status_feed = match entry.get("status_feed") {
            None => "None".to_string(),
            Some(toml::Value::Table(feed)) => {
                let fwhat = format!("{what} status_feed");
                let url = required(feed, "url", &fwhat);
                required(feed, "source", &fwhat);
                let ok_url = url.starts_with("https://")
                    && url.len() <= 300
                    && !url.contains(|c: char| c.is_whitespace() || c == '@' || c == '"');
                if !ok_url {
                    fail(&format!("{fwhat}: url {url:?} must be a plain https URL"));
                }
                let api = match required(feed, "api", &fwhat).as_str() {
                    "statuspage" => "Statuspage",
                    "better_stack" => "BetterStack",
                    "instatus" => "Instatus",
                    "cachet" => "Cachet",
                    other => fail(&format!("{fwhat}: unknown api {other:?}")),
                };
                if let Some(extra) = feed
                    .keys()
                    .find(|k| !matches!(k.as_str(), "url" | "api" | "source"))
                {
                    fail(&format!("{fwhat}: unknown key {extra:?}"));
                }
                format!("Some(({url:?}, crate::status::StatusApi::{api}))")
            }
            Some(_) => fail(&format!("{what}: status_feed must be a table")),
        };
        let absorbs: Vec<String> = strings(entry, "absorbs", &what)
            .iter()
            .map(|other| {
                if !ids.contains(other) || other == id {
                    fail(&format!("{what}: absorbs unknown box {other:?}"));
                }
                format!("Generator::{}", camel(other))
            })
            .collect();

        let mut headers = Vec::new();
        for marker in tables(entry, "headers", &what) {
            let header = required(marker, "name", &what);
            required(marker, "source", &format!("{what} header {header}"));
            if header != header.to_ascii_lowercase() || header.contains("cookie") {
                fail(&format!(
                    "{what}: header {header:?} must be lowercase, never a cookie"
                ));
            }
            let tests: Vec<(&str, String)> = ["equals", "prefix", "contains"]
                .iter()
                .filter_map(|key| string(marker, key, &what).map(|v| (*key, v)))
                .collect();
            let test = match tests.as_slice() {
                [] => "ValueTest::Present".to_string(),
                [(key, value)] if value == &value.to_lowercase() && !value.is_empty() => {
                    format!("ValueTest::{}({value:?})", camel(key))
                }
                _ => fail(&format!(
                    "{what}: header {header}: at most one lowercase equals/prefix/contains"
                )),
            };
            header_names.insert(header.clone());
            headers.push(format!("HeaderMarker {{ name: {header:?}, test: {test} }}"));
        }

        let mut page = Vec::new();
        for marker in tables(entry, "page", &what) {
            let text = required(marker, "text", &what);
            required(marker, "source", &format!("{what} page {text}"));
            check_marker_text(&text, &what);
            if !page_markers.contains(&text) {
                page_markers.push(text.clone());
            }
            page.push(format!("{text:?}"));
        }
        if headers.is_empty() && page.is_empty() {
            fail(&format!("{what}: needs at least one header or page marker"));
        }

        let mut references = Vec::new();
        for reference in tables(entry, "references", &what) {
            let kind_name = required(reference, "kind", &what);
            let rwhat = format!("{what} reference {kind_name}");
            required(reference, "source", &rwhat);
            if !kind_name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                || !kind_name.chars().all(|c| c.is_ascii_alphanumeric())
            {
                fail(&format!("{rwhat}: kind must be CamelCase"));
            }
            match (
                string(reference, "label", &rwhat),
                reference_labels.get(&kind_name),
            ) {
                (Some(label), None) => {
                    reference_labels.insert(kind_name.clone(), label);
                    reference_order.push(kind_name.clone());
                }
                (None, Some(_)) => {}
                (Some(label), Some(known)) if &label == known => {}
                _ => fail(&format!(
                    "{rwhat}: give the label once, where the kind first appears"
                )),
            }
            let take = match string(reference, "take", &rwhat).as_deref() {
                None | Some("whole") => "Whole",
                Some("first_word") => "FirstWord",
                Some("last_entry") => "LastEntry",
                Some("ray_id") => "RayId",
                Some("ray_colo") => "RayColo",
                Some("fastly_pop") => "FastlyPop",
                Some(other) => fail(&format!("{rwhat}: unknown take {other:?}")),
            };
            let skip = match reference.get("skip") {
                None => 0,
                Some(toml::Value::Integer(n)) if (0..=4).contains(n) => *n,
                Some(_) => fail(&format!("{rwhat}: skip must be 0 to 4")),
            };
            let source = match (
                string(reference, "header", &rwhat),
                string(reference, "page", &rwhat),
            ) {
                (Some(header), None) => {
                    if header != header.to_ascii_lowercase() || header.contains("cookie") {
                        fail(&format!(
                            "{rwhat}: header must be lowercase, never a cookie"
                        ));
                    }
                    header_names.insert(header.clone());
                    format!("RefSource::Header({header:?})")
                }
                (None, Some(marker)) => {
                    if marker != marker.to_lowercase() || marker.trim().is_empty() {
                        fail(&format!("{rwhat}: page marker must be lowercase"));
                    }
                    if !page_markers.contains(&marker) {
                        page_markers.push(marker.clone());
                    }
                    format!("RefSource::Page {{ marker: {marker:?}, skip: {skip} }}")
                }
                _ => fail(&format!("{rwhat}: give exactly one of header and page")),
            };
            references.push(format!(
                "RefPattern {{ kind: ReferenceKind::{kind_name}, source: {source}, take: Take::{take} }}"
            ));
        }

        let checks = |key: &str| -> String {
            let items: Vec<String> = strings(entry, key, &what)
                .iter()
                .map(|check| {
                    let (message, named) = match check.strip_suffix("(box)") {
                        Some(message) => (message, true),
                        None => (check.as_str(), false),
                    };
                    if !messages.is_empty() && !messages.contains(&format!("\"{message}\":")) {
                        fail(&format!("{what}: no message {message:?} in {MESSAGES}"));
                    }
                    format!("Check {{ key: {message:?}, named: {named} }}")
                })
                .collect();
            format!("&[{}]", items.join(", "))
        };

        let _ = write!(
            rows,
            "    BoxEntry {{\n        id: {id:?},\n        name: {name:?},\n        vendor: {vendor:?},\n        \
             kind: BoxKind::{kind},\n        status_page: {status_page},\n        \
             status_feed: {status_feed},\n        absorbs: &[{}],\n        \
             headers: &[{}],\n        page: &[{}],\n        references: &[{}],\n        \
             checks: {},\n        checks_bad_gateway: {},\n        checks_timeout: {},\n        \
             checks_unavailable: {},\n    }},\n",
            absorbs.join(", "),
            headers.join(", "),
            page.join(", "),
            references.join(", "),
            checks("checks"),
            checks("checks_bad_gateway"),
            checks("checks_timeout"),
            checks("checks_unavailable"),
        );
    }

    let mut out = String::new();
    out.push_str("// Generated by build.rs from src/diagnosis/catalogue.toml: edit that file.\n\n");
    out.push_str(
        "/// The box that wrote an error page: one per entry of the catalogue, in its order.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]\npub enum Generator {\n",
    );
    for id in &ids {
        let _ = writeln!(out, "    #[serde(rename = {id:?})]\n    {},", camel(id));
    }
    out.push_str("}\n\nimpl Generator {\n    /// Every box, in the catalogue's order.\n");
    let _ = writeln!(
        out,
        "    pub const ALL: [Generator; {}] = [{}];\n}}\n",
        ids.len(),
        ids.iter()
            .map(|id| format!("Generator::{}", camel(id)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(
        "/// An id a site owner or their provider needs to find the request in their logs.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]\n\
         #[serde(rename_all = \"snake_case\")]\npub enum ReferenceKind {\n",
    );
    for kind in &reference_order {
        let _ = writeln!(out, "    {kind},");
    }
    out.push_str("}\n\n/// Labels by `ReferenceKind as usize`: as each provider calls its id.\n");
    let _ = writeln!(
        out,
        "pub(crate) static REFERENCE_LABELS: [&str; {}] = [{}];\n",
        reference_order.len(),
        reference_order
            .iter()
            .map(|k| format!("{:?}", reference_labels[k]))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "/// By `Generator as usize`.\npub(crate) static BOXES: [BoxEntry; {}] = [\n{rows}];\n",
        ids.len()
    );
    let _ = writeln!(
        out,
        "/// Every page marker of the catalogue (boxes and references), for the one-pass index.\n\
         pub(crate) static PAGE_MARKERS: [&str; {}] = [{}];\n",
        page_markers.len(),
        page_markers
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "/// Every response header the catalogue reads: the stored incident keeps them.\n\
         pub static HEADER_NAMES: [&str; {}] = [{}];",
        header_names.len(),
        header_names
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}
