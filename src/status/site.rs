//! Where a site keeps its status page: `status.<registrable domain>`, or a link on its own error
//! page. The one rule above all: never ask a third party. Without the Public Suffix List (not
//! shipped: wasm size), the registrable domain is a careful guess that prefers `None` to a
//! wrong answer:
//! - `None` for IP literals, single labels, `localhost`, `.local`, `.localhost`, `.internal`,
//!   `.home.arpa`, and any host under a well-known shared-hosting suffix (the Public Suffix
//!   List's private section, https://publicsuffix.org/list/public_suffix_list.dat, "BEGIN
//!   PRIVATE DOMAINS": github.io, netlify.app, herokuapp.com, …) where each customer owns a
//!   subdomain and `status.github.io` would be someone else's;
//! - three labels under a two-letter country code whose second level is a usual registry label
//!   (`shop.example.co.uk` -> `example.co.uk`), two labels otherwise.
//!
//! Limitation: a public suffix not covered (a country's own second-level names beyond the usual
//! ones, e.g. `*.kawasaki.jp`, `*.pvt.k12.ma.us`, or a shared hosting not in the list) can give
//! a domain one level too short: `status.<that suffix>` would then be asked of whoever answers
//! there. The answer is still read defensively, and only after a failure.

/// Shared-hosting suffixes: a host under one of these belongs to one customer, the suffix to
/// nobody in particular (Public Suffix List, private section).
const SHARED_HOSTING: &[&str] = &[
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "herokudns.com",
    "vercel.app",
    "now.sh",
    "netlify.app",
    "netlify.com",
    "pages.dev",
    "workers.dev",
    "trycloudflare.com",
    "onrender.com",
    "fly.dev",
    "azurewebsites.net",
    "azurestaticapps.net",
    "azureedge.net",
    "cloudapp.net",
    "cloudfront.net",
    "amazonaws.com",
    "elasticbeanstalk.com",
    "amplifyapp.com",
    "appspot.com",
    "web.app",
    "firebaseapp.com",
    "run.app",
    "blogspot.com",
    "wordpress.com",
    "wpcomstaging.com",
    "myshopify.com",
    "glitch.me",
    "repl.co",
    "replit.app",
    "replit.dev",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "loca.lt",
    "up.railway.app",
    "railway.app",
    "deno.dev",
    "surge.sh",
    "bitbucket.io",
    "readthedocs.io",
    "webflow.io",
    "wixsite.com",
    "squarespace.com",
    "dyndns.org",
    "duckdns.org",
    "no-ip.org",
    "ddns.net",
    "b-cdn.net",
    "edgekey.net",
    "akamaized.net",
    "fastly.net",
    "global.ssl.fastly.net",
    "statuspage.io",
    "instatus.com",
    "betteruptime.com",
];

/// Second-level labels registries use under a country code (`co.uk`, `com.au`, `ne.jp`, …).
const REGISTRY_LABELS: &[&str] = &[
    "com", "net", "org", "gov", "edu", "co", "ac", "or", "ne", "go", "gob", "mil", "ltd", "plc",
    "sch", "nom", "gen", "biz", "info", "nic", "int",
];

/// Names that never reach the public DNS.
const PRIVATE_ENDINGS: &[&str] = &[
    "localhost",
    "local",
    "internal",
    "home.arpa",
    "lan",
    "intranet",
];

/// The domain a site's owner registered, as far as can be told without the Public Suffix List:
/// `shop.example.com` -> `example.com`, `shop.example.co.uk` -> `example.co.uk`; `None` where
/// that would be a public suffix or a shared-hosting parent (see the module comment).
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 || host.contains(':') || host.starts_with('[') {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return None;
    }
    // An IPv4 literal (all-numeric last label: no top-level domain is numeric).
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let under = |suffix: &str| host == suffix || host.ends_with(&format!(".{suffix}"));
    if PRIVATE_ENDINGS.iter().any(|s| under(s)) || SHARED_HOSTING.iter().any(|s| under(s)) {
        return None;
    }
    let n = labels.len();
    let tld = labels[n - 1];
    let second = labels[n - 2];
    let take = if tld.len() == 2 && REGISTRY_LABELS.contains(&second) {
        3
    } else {
        2
    };
    if n < take {
        return None;
    }
    Some(labels[n - take..].join("."))
}

/// `status.<registrable domain>`; `None` when there is none, or when `host` is already it.
pub fn status_host(host: &str) -> Option<String> {
    let domain = registrable_domain(host)?;
    let status = format!("status.{domain}");
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    (host != status).then_some(status)
}

/// Known status page hostings: a link to a page under one of these on the site's own error
/// page is its status page.
const STATUS_HOSTINGS: &[&str] = &[
    "statuspage.io",
    "instatus.com",
    "betteruptime.com",
    "betterstack.com",
];

/// Better Stack's own sites under betterstack.com, which are not customers' status pages.
const BETTERSTACK_OWN: &[&str] = &["www", "uptime", "docs", "logs", "telemetry", "status"];

/// How much of a page excerpt is scanned for links.
const MAX_SCAN: usize = 64 * 1024;

/// A link (`href`) on the error page to the site's status page: an `https://` URL of at most
/// 300 characters, without credentials, whose host is `status.<the site's registrable domain>`
/// or a page on a known status hosting (`*.statuspage.io`, `*.instatus.com`,
/// `*.betteruptime.com`, `*.betterstack.com`). The first one found.
pub fn status_link_in_page(page: &str, host: &str) -> Option<String> {
    let own = status_host(host).or_else(|| {
        // The site is its own status host already: a link back to it counts too.
        let domain = registrable_domain(host)?;
        Some(format!("status.{domain}"))
    });
    let mut end = page.len().min(MAX_SCAN);
    while !page.is_char_boundary(end) {
        end -= 1;
    }
    let page = &page[..end];
    let lower = page.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("href") {
        let start = from + at + 4;
        from = start;
        let rest = &page[start..];
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let (quote, rest) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &rest[1..]),
            _ => (None, rest),
        };
        let value_end = rest
            .find(|c: char| match quote {
                Some(q) => c == q,
                None => c.is_whitespace() || c == '>',
            })
            .unwrap_or(rest.len());
        let value = &rest[..value_end];
        let Some(link) = super::report::https_link(value) else {
            continue;
        };
        let link_host = link[8..]
            .split(['/', '?', '#', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let hosted = STATUS_HOSTINGS.iter().any(|suffix| {
            link_host
                .strip_suffix(suffix)
                .and_then(|sub| sub.strip_suffix('.'))
                .is_some_and(|sub| {
                    !sub.is_empty()
                        && (*suffix != "betterstack.com" || !BETTERSTACK_OWN.contains(&sub))
                })
        });
        if hosted || own.as_deref() == Some(link_host.as_str()) {
            return Some(link);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        for (host, expected) in [
            ("shop.example.com", Some("example.com")),
            ("example.com", Some("example.com")),
            ("a.b.c.example.org", Some("example.org")),
            ("shop.test", Some("shop.test")),
            ("www.shop.test", Some("shop.test")),
            ("Shop.Example.COM.", Some("example.com")),
            ("shop.example.co.uk", Some("example.co.uk")),
            ("example.co.uk", Some("example.co.uk")),
            ("www.example.com.au", Some("example.com.au")),
            ("a.example.ne.jp", Some("example.ne.jp")),
            ("example.de", Some("example.de")),
            ("co.uk", None),
            ("alice.github.io", None),
            ("github.io", None),
            ("my-app.herokuapp.com", None),
            ("x.vercel.app", None),
            ("x.netlify.app", None),
            ("x.pages.dev", None),
            ("a.b.workers.dev", None),
            ("bucket.s3.amazonaws.com", None),
            ("d111111abcdef8.cloudfront.net", None),
            ("shop.myshopify.com", None),
            ("abc.ngrok-free.app", None),
            ("127.0.0.1", None),
            ("10.0.0.1", None),
            ("::1", None),
            ("[2001:db8::1]", None),
            ("localhost", None),
            ("app.localhost", None),
            ("printer.local", None),
            ("db.internal", None),
            ("router.home.arpa", None),
            ("intranet", None),
            ("", None),
            ("a..example.com", None),
            ("-bad.example.com", None),
            ("ex ample.com", None),
            ("exämple.com", None),
        ] {
            assert_eq!(registrable_domain(host).as_deref(), expected, "{host}");
        }
    }

    #[test]
    fn status_hosts() {
        assert_eq!(
            status_host("shop.example.com").as_deref(),
            Some("status.example.com")
        );
        assert_eq!(
            status_host("shop.test").as_deref(),
            Some("status.shop.test")
        );
        assert_eq!(
            status_host("www.example.co.uk").as_deref(),
            Some("status.example.co.uk")
        );
        assert_eq!(status_host("status.example.com"), None);
        assert_eq!(status_host("alice.github.io"), None);
        assert_eq!(status_host("127.0.0.1"), None);
    }

    #[test]
    fn links_on_the_error_page() {
        let host = "shop.example.com";
        for (page, expected) in [
            (
                r#"<p>See <a href="https://status.example.com/incidents/42">our status page</a></p>"#,
                Some("https://status.example.com/incidents/42"),
            ),
            (
                r#"<a href='https://example.statuspage.io/'>x</a>"#,
                Some("https://example.statuspage.io/"),
            ),
            (
                r#"<a HREF = https://shop.instatus.com>x</a>"#,
                Some("https://shop.instatus.com"),
            ),
            (
                r#"<a href="https://shop.betteruptime.com/">x</a>"#,
                Some("https://shop.betteruptime.com/"),
            ),
            (
                r#"<a href="https://status.shop.betterstack.com/">x</a>"#,
                Some("https://status.shop.betterstack.com/"),
            ),
            (r#"<a href="https://betterstack.com/pricing">x</a>"#, None),
            (r#"<a href="https://www.betterstack.com/">x</a>"#, None),
            (r#"<a href="https://statuspage.io/">x</a>"#, None),
            (r#"<a href="http://status.example.com/">x</a>"#, None),
            (r#"<a href="https://status.other.com/">x</a>"#, None),
            (
                r#"<a href="https://status.example.com.evil.net/">x</a>"#,
                None,
            ),
            (
                r#"<a href="https://user:pw@status.example.com/">x</a>"#,
                None,
            ),
            (
                r#"<a href="https://evil.net@status.example.com/">x</a>"#,
                None,
            ),
            (
                r#"<a href="javascript:alert('https://status.example.com/')">x</a>"#,
                None,
            ),
            (r#"<a href="https://www.example.com/">home</a>"#, None),
            (r#"https://status.example.com/ in plain text"#, None),
            (
                r#"<a href="https://www.example.com/">home</a> <a href="https://status.example.com/">status</a>"#,
                Some("https://status.example.com/"),
            ),
        ] {
            assert_eq!(
                status_link_in_page(page, host).as_deref(),
                expected,
                "{page}"
            );
        }
        let long = format!(
            r#"<a href="https://status.example.com/{}">x</a>"#,
            "a".repeat(400)
        );
        assert_eq!(status_link_in_page(&long, host), None);
        let late = format!(
            r#"{}<a href="https://status.example.com/">x</a>"#,
            " ".repeat(MAX_SCAN)
        );
        assert_eq!(status_link_in_page(&late, host), None);
        let hrefs = "href=".repeat(100_000);
        assert_eq!(status_link_in_page(&hrefs, host), None);
        assert_eq!(
            status_link_in_page("é href=\"https://status.example.com/\"", "127.0.0.1"),
            None
        );
    }
}
