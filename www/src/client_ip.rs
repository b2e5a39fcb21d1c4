//! Who the client is: the connection's peer, or, when that peer is a trusted reverse proxy,
//! the address it forwarded for, read from the right of `X-Forwarded-For` (or `Forwarded`)
//! past every trusted hop. A client can put anything at the left of those headers, so only
//! what trusted hops appended counts.

use std::net::{IpAddr, SocketAddr};

use hyper::header::HeaderMap;
use ipnet::IpNet;

use crate::config::ClientHeader;

pub struct ClientIp {
    trusted: Vec<IpNet>,
    header: ClientHeader,
}

impl ClientIp {
    pub fn new(trusted: Vec<IpNet>, header: ClientHeader) -> Self {
        ClientIp { trusted, header }
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops = match self.header {
            ClientHeader::XForwardedFor => forwarded_for(headers, "x-forwarded-for", parse_xff),
            ClientHeader::Forwarded => forwarded_for(headers, "forwarded", parse_forwarded),
        };
        let mut client = peer;
        // Nearest hop first: each one was appended by the hop before it.
        for hop in hops.into_iter().rev() {
            match hop {
                Some(ip) if self.is_trusted(ip) => client = ip,
                Some(ip) => return ip,
                // Something a trusted hop passed on but that is no address: the client is the
                // last trusted hop (the proxy itself), not anything further left.
                None => return client,
            }
        }
        client
    }
}

/// Every hop in every copy of the header, in order, each an address or None if unreadable.
fn forwarded_for(
    headers: &HeaderMap,
    name: &str,
    parse: fn(&str) -> Option<IpAddr>,
) -> Vec<Option<IpAddr>> {
    let mut hops = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            hops.push(None);
            continue;
        };
        hops.extend(value.split(',').map(|hop| parse(hop.trim()).map(canonical)));
    }
    hops
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_xff(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

/// One `Forwarded` element (`for=192.0.2.1;proto=https`), RFC 7239: its `for=` address.
fn parse_forwarded(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        parse_xff(value)
    })
}

/// IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4 peer) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(name, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_send() {
        let c = ClientIp::new(vec![], ClientHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(c.client(ip("192.0.2.1"), &h), ip("192.0.2.1"));
        let c = ClientIp::new(
            vec!["10.0.0.0/8".parse().unwrap()],
            ClientHeader::XForwardedFor,
        );
        assert_eq!(c.client(ip("192.0.2.1"), &h), ip("192.0.2.1"));
        assert_eq!(
            c.client(ip("::ffff:192.0.2.1"), &HeaderMap::new()),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn x_forwarded_for_is_read_from_the_right_past_trusted_hops() {
        let c = ClientIp::new(
            vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ],
            ClientHeader::XForwardedFor,
        );
        let peer = ip("10.0.0.2");
        // The client forged a left part; the proxy appended the real one.
        let h = headers("x-forwarded-for", &["1.1.1.1, 203.0.113.9"]);
        assert_eq!(c.client(peer, &h), ip("203.0.113.9"));
        // Two trusted hops, two header copies.
        let h = headers("x-forwarded-for", &["1.1.1.1, 203.0.113.9", "10.9.9.9"]);
        assert_eq!(c.client(peer, &h), ip("203.0.113.9"));
        let h = headers("x-forwarded-for", &["[2001:db9::5]:443, 2001:db8::7"]);
        assert_eq!(c.client(peer, &h), ip("2001:db9::5"));
        let h = headers("x-forwarded-for", &["203.0.113.9:5555"]);
        assert_eq!(c.client(peer, &h), ip("203.0.113.9"));
        // No header, or only trusted hops: the leftmost trusted one.
        assert_eq!(c.client(peer, &HeaderMap::new()), peer);
        let h = headers("x-forwarded-for", &["10.1.1.1, 10.2.2.2"]);
        assert_eq!(c.client(peer, &h), ip("10.1.1.1"));
        // Garbage right of the real client: the nearest trusted hop.
        let h = headers("x-forwarded-for", &["203.0.113.9, junk, 10.2.2.2"]);
        assert_eq!(c.client(peer, &h), ip("10.2.2.2"));
        // Forwarded is not read when X-Forwarded-For is the configured header.
        let h = headers("forwarded", &["for=203.0.113.9"]);
        assert_eq!(c.client(peer, &h), peer);
    }

    #[test]
    fn forwarded_elements() {
        let c = ClientIp::new(vec!["10.0.0.0/8".parse().unwrap()], ClientHeader::Forwarded);
        let peer = ip("10.0.0.2");
        let h = headers(
            "forwarded",
            &["for=1.1.1.1, for=\"[2001:db8::1]:4711\";proto=https"],
        );
        assert_eq!(c.client(peer, &h), ip("2001:db8::1"));
        let h = headers("forwarded", &["proto=http;for=198.51.100.3, for=10.3.3.3"]);
        assert_eq!(c.client(peer, &h), ip("198.51.100.3"));
        let h = headers("forwarded", &["for=unknown"]);
        assert_eq!(c.client(peer, &h), peer);
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(c.client(peer, &h), peer);
    }
}
