//! Which host names are the visitor's own business: addresses on their machine or network, and
//! names only their network can resolve. Such a name never goes to a service on the internet
//! (the down-for-everyone checker, a DNS-over-HTTPS resolver, an archive): the service could not
//! reach it anyway, and the name itself tells a stranger about the visitor's network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Suffixes of names that no public resolver answers for: RFC 6761/6762/8375 special-use names,
/// the ICANN-reserved `.internal`, and the names routers and companies commonly invent.
const PRIVATE_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "localdomain",
    "internal",
    "home.arpa",
    "lan",
    "home",
    "corp",
    "intranet",
    "private",
    "onion",
    "invalid",
];

/// Whether `host` (a URL's host, bracketed or not, with or without the trailing dot) is private.
pub fn is_private_host(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_private_ip(ip);
    }
    // `printer.local.` is the same name as `printer.local`.
    let name = host.strip_suffix('.').unwrap_or(&host);
    // An empty or single-label name (`intranet`) is resolved through the visitor's search domains.
    if name.is_empty() || !name.contains('.') {
        return true;
    }
    PRIVATE_SUFFIXES.iter().any(|suffix| {
        name.strip_suffix(suffix)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    })
}

/// Addresses a server on the internet cannot (or must not) reach on the visitor's behalf.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_private_v4(v4),
            None => is_private_v6(v6),
        },
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // Carrier-grade NAT (100.64.0.0/10) and benchmarking networks (198.18.0.0/15).
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local (fc00::/7), link-local (fe80::/10), site-local (fec0::/10, deprecated).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return Some(low(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

/// Whether the host is an IP address rather than a name.
pub fn is_address_literal(host: &str) -> bool {
    host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
}

/// Whether a service at `service_host` may hear of `host`: a public name may go anywhere, a
/// private one only to a service on the visitor's own network (their own checker or resolver).
pub fn may_tell(service_host: &str, host: &str) -> bool {
    !is_private_host(host) || is_private_host(service_host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_names_and_addresses_stay_private() {
        for host in [
            "localhost",
            "localhost.",
            "app.localhost",
            "127.0.0.1",
            "127.9.9.9",
            "0.0.0.0",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.1.1",
            "100.64.0.1",
            "198.18.0.1",
            "255.255.255.255",
            "[::1]",
            "::",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "[::ffff:10.0.0.1]",
            "::ffff:127.0.0.1",
            "::ffff:192.168.1.1",
            "::10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::c0a8:101",
            "2002:c0a8:101::1",
            "printer.local",
            "printer.local.",
            "PRINTER.LOCAL",
            "intranet",
            "intranet.",
            "wiki",
            "",
            ".",
            "nas.home.arpa",
            "nas.home.arpa.",
            "router.lan",
            "build.internal",
            "git.corp",
            "portal.intranet",
            "box.home",
            "srv.localdomain",
            "x.private",
            "hidden.onion",
            "a.invalid",
        ] {
            assert!(is_private_host(host), "{host:?} must stay private");
        }
    }

    #[test]
    fn public_names_and_addresses_may_be_asked_about() {
        for host in [
            "example.com",
            "example.com.",
            "shop.example",
            "8.8.8.8",
            "[2001:4860::8888]",
            "2001:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "lan.example.com",
            "internal.example.com",
            "localhost.example.com",
            "homely.com",
        ] {
            assert!(!is_private_host(host), "{host:?} is public");
        }
    }

    #[test]
    fn private_names_only_reach_private_services() {
        assert!(may_tell("cloudflare-dns.com", "example.com"));
        assert!(!may_tell("cloudflare-dns.com", "printer.local."));
        assert!(!may_tell("checker.example.net", "::ffff:10.0.0.1"));
        assert!(may_tell("127.0.0.1", "printer.local"));
        assert!(may_tell("checker.lan", "nas.home.arpa"));
    }

    #[test]
    fn literals_are_told_apart_from_names() {
        assert!(is_address_literal("[::1]"));
        assert!(is_address_literal("10.0.0.1"));
        assert!(!is_address_literal("example.com"));
    }
}
