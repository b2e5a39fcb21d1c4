//! The one reader of a page's address: scheme, host, port, path and query, for the incident, the
//! auto-retry origin, the check plan, the report and the settings' host rules. Lenient on purpose
//! (the browser already parsed the address it reports); anything it cannot read gives `None` or an
//! empty host rather than a guess.

/// An http(s) address, split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl<'a> {
    /// `http` or `https`, lower-case.
    pub scheme: String,
    /// The host without credentials, port or brackets (an IPv6 literal is bare), as written.
    pub host: &'a str,
    /// The port written, or the scheme's default.
    pub port: u16,
    /// From the first `/` (`/` when there is none), without query or fragment.
    pub path: &'a str,
    /// After `?`, without the fragment; empty when there is none.
    pub query: &'a str,
    /// Whether the host was a bracketed IPv6 literal.
    bracketed: bool,
}

impl<'a> PageUrl<'a> {
    /// Reads an http(s) address; `None` for another scheme, no host, or a port that is not a
    /// number.
    pub fn parse(url: &'a str) -> Option<PageUrl<'a>> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let parts = split(rest);
        if parts.host.is_empty() {
            return None;
        }
        let port = match parts.port.filter(|p| !p.is_empty()) {
            None => default_port,
            Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => port.parse().ok()?,
            Some(_) => return None,
        };
        Some(PageUrl {
            scheme,
            host: parts.host,
            port,
            path: parts.path,
            query: parts.query,
            bracketed: parts.bracketed,
        })
    }

    /// `scheme://host:port`, lower-cased, trailing dot dropped, default port written out: the
    /// key of an origin for auto-retry and the politeness policy.
    pub fn origin(&self) -> String {
        let host = self.host.trim_end_matches('.').to_ascii_lowercase();
        let host = if self.bracketed {
            format!("[{host}]")
        } else {
            host
        };
        format!("{}://{host}:{}", self.scheme, self.port)
    }
}

/// The host of any address (with or without a scheme), empty when there is none: for the
/// incident, and for host rules the visitor typed (`shop.example`, `https://shop.example/x`).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    split(rest).host
}

/// The path (`/` when empty) and the query of an address, the fragment dropped.
pub fn path_and_query(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let parts = split(rest);
    (parts.path, parts.query)
}

struct Parts<'a> {
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
    query: &'a str,
    bracketed: bool,
}

/// Splits what follows `scheme://`.
fn split(rest: &str) -> Parts<'_> {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port, bracketed) = match host_port.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':'), true),
            None => ("", None, true),
        },
        None => match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port), false),
            None => (host_port, None, false),
        },
    };
    let without_fragment = tail.split('#').next().unwrap_or_default();
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    Parts {
        host,
        port,
        path: if path.is_empty() { "/" } else { path },
        query,
        bracketed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_once_into_their_parts() {
        type Parts<'a> = (&'a str, &'a str, u16, &'a str, &'a str);
        let cases: [(&str, Option<Parts>); 12] = [
            (
                "https://Shop.Example/cart?id=3#top",
                Some((
                    "https://shop.example:443",
                    "Shop.Example",
                    443,
                    "/cart",
                    "id=3",
                )),
            ),
            (
                "http://user:pw@host.example:8080",
                Some(("http://host.example:8080", "host.example", 8080, "/", "")),
            ),
            (
                "http://[::1]:9/x",
                Some(("http://[::1]:9", "::1", 9, "/x", "")),
            ),
            (
                "HTTPS://example.com.?q",
                Some(("https://example.com:443", "example.com.", 443, "/", "q")),
            ),
            (
                "https://a.example:/p",
                Some(("https://a.example:443", "a.example", 443, "/p", "")),
            ),
            (
                "http://a.example#frag?not-a-query",
                Some(("http://a.example:80", "a.example", 80, "/", "")),
            ),
            ("ftp://a.example/", None),
            ("https://", None),
            ("https://[]/", None),
            ("https://a.example:80x/", None),
            ("https://a.example:99999/", None),
            ("not a url", None),
        ];
        for (url, expected) in cases {
            let got = PageUrl::parse(url).map(|p| (p.origin(), p.host, p.port, p.path, p.query));
            let expected = expected.map(|(o, h, port, path, q)| (o.to_string(), h, port, path, q));
            assert_eq!(got, expected, "{url}");
        }
    }

    #[test]
    fn hosts_and_paths_of_loose_addresses() {
        assert_eq!(host_of("shop.example"), "shop.example");
        assert_eq!(host_of("https://u@[2001:db8::1]:8443/x"), "2001:db8::1");
        assert_eq!(host_of(""), "");
        assert_eq!(path_and_query("https://a.example"), ("/", ""));
        assert_eq!(
            path_and_query("https://a.example/p/q?x=1#f"),
            ("/p/q", "x=1")
        );
    }
}
