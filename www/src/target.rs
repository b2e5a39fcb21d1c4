//! What a check may name (host syntax, scheme, port) and which addresses it may reach.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A validated host: a lower-case DNS name without a trailing dot, or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

impl Host {
    /// Validates what a client sent as `host=`. Accepts `example.com`, `example.com.`,
    /// `192.0.2.1`, `2001:db8::1` and `[2001:db8::1]`; refuses URLs, user info, ports,
    /// spaces, IPv6 zone ids, non-ASCII (give punycode) and number-only last labels (which
    /// resolvers would read as odd IPv4 spellings such as `127.1`).
    pub fn parse(input: &str) -> Result<Host, &'static str> {
        if input.is_empty() {
            return Err("missing host");
        }
        if input.len() > 255 {
            return Err("malformed host: longer than 253 characters");
        }
        if let Some(inner) = input.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            return inner
                .parse::<Ipv6Addr>()
                .map(|ip| Host::Ip(IpAddr::V6(ip)))
                .map_err(|_| "malformed host: bad IPv6 literal");
        }
        if let Ok(ip) = input.parse::<IpAddr>() {
            return Ok(Host::Ip(ip));
        }
        if input.contains("://") || input.contains('/') {
            return Err("malformed host: give a host name, not a URL");
        }
        let name = input.strip_suffix('.').unwrap_or(input);
        if name.is_empty() || name.len() > 253 {
            return Err("malformed host: a host name has 1 to 253 characters");
        }
        let mut last = "";
        for label in name.split('.') {
            let valid = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !valid {
                return Err(
                    "malformed host: labels are 1 to 63 of A-Z, a-z, 0-9 and inner '-', \
                     separated by '.'",
                );
            }
            last = label;
        }
        if last.bytes().all(|b| b.is_ascii_digit()) {
            return Err("malformed host: not a valid IPv4 address or host name");
        }
        Ok(Host::Name(name.to_ascii_lowercase()))
    }

    /// `Host:` header value: the port only when not the scheme's default, IPv6 in brackets.
    pub fn authority(&self, port: u16, scheme: Scheme) -> String {
        let host = match self {
            Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
            other => other.to_string(),
        };
        if port == scheme.default_port() {
            host
        } else {
            format!("{host}:{port}")
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn parse(input: &str) -> Result<Scheme, &'static str> {
        match input {
            "http" => Ok(Scheme::Http),
            "https" => Ok(Scheme::Https),
            _ => Err("malformed scheme: use http or https"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// `port=`: 1 to 65535, digits only.
pub fn parse_port(input: &str) -> Result<u16, &'static str> {
    const ERR: &str = "malformed port: use 1 to 65535";
    if input.is_empty() || input.len() > 5 || !input.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ERR);
    }
    match input.parse::<u16>() {
        Ok(0) | Err(_) => Err(ERR),
        Ok(port) => Ok(port),
    }
}

/// False for every address a public checker must not reach: loopback, private, link-local,
/// unspecified, multicast, broadcast, CGNAT, documentation, benchmarking and reserved ranges,
/// and IPv6 forms that embed such an IPv4 address (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_is_public(v4),
        IpAddr::V6(v6) => v6_is_public(v6),
    }
}

/// True when there is at least one address and every one is public. A name whose answers
/// mix public and private addresses is refused whole: the resolver order, or an attacker's
/// DNS server, must not decide which one gets connected to.
pub fn all_public(addrs: &[SocketAddr]) -> bool {
    !addrs.is_empty() && addrs.iter().all(|a| is_public(a.ip()))
}

fn v4_is_public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let forbidden = a == 0 // "this network", includes 0.0.0.0
        || ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16
        || (a == 100 && (b & 0xc0) == 64) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18/15
        || ip.is_multicast() // 224/4
        || a >= 240; // reserved 240/4 and broadcast
    !forbidden
}

fn v6_is_public(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return v4_is_public(v4);
    }
    let s = ip.segments();
    let forbidden = ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xe000) != 0x2000 // outside global unicast 2000::/3: fc00::/7, fe80::/10, ff00::/8, ...
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] == 0x2001 && s[1] == 0) // Teredo 2001::/32
        || (s[0] == 0x2001 && s[1] < 0x0200); // other IETF special-purpose 2001::/23
    !forbidden
}

/// The IPv4 address a packet to `ip` really goes to, for the forms that carry one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4); // ::ffff:a.b.c.d
    }
    if s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback() {
        return Some(low()); // deprecated IPv4-compatible ::a.b.c.d
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low()); // NAT64 64:ff9b::/96
    }
    if s[0] == 0x2002 {
        // 6to4 2002:AABB:CCDD::/48
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_validation_table() {
        let ok: &[(&str, &str)] = &[
            ("example.com", "example.com"),
            ("Example.COM", "example.com"),
            ("example.com.", "example.com"),
            ("a", "a"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("my-host.example", "my-host.example"),
            ("1.example", "1.example"),
            ("example.123abc", "example.123abc"),
            ("192.0.2.1", "192.0.2.1"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ];
        for (input, shown) in ok {
            match Host::parse(input) {
                Ok(host) => assert_eq!(host.to_string(), *shown, "{input}"),
                Err(e) => panic!("{input:?} refused: {e}"),
            }
        }
        let long_label = "a".repeat(64);
        let long_name = ["abcdefghi"; 26].join("."); // 259 characters
        let too_long = format!("{}.com", vec!["a".repeat(62); 4].join(".")); // 255 > 253
        let bad: Vec<&str> = vec![
            "",
            ".",
            "..",
            "example..com",
            ".example.com",
            "http://example.com",
            "example.com/",
            "example.com/path",
            "user@example.com",
            "example.com:8080",
            "exa mple.com",
            " example.com",
            "example.com ",
            "exa_mple.com",
            "-example.com",
            "example-.com",
            "bücher.de",
            "example.com?x",
            "example.com#x",
            "exa%2ecom",
            "127.1",
            "2130706433",
            "01.2.3.4",
            "1.2.3.4.5",
            "256.1.1.1",
            "[127.0.0.1]",
            "[::1",
            "fe80::1%eth0",
            "[fe80::1%25eth0]",
            "a\0b",
            "a\r\nb",
            &long_label,
            &long_name,
            &too_long,
        ];
        for input in bad {
            assert!(Host::parse(input).is_err(), "{input:?} accepted");
        }
        let max = format!("{}.{}", vec!["a".repeat(63); 3].join("."), "b".repeat(61));
        assert_eq!(max.len(), 253);
        assert!(Host::parse(&max).is_ok());
    }

    #[test]
    fn authority_brackets_ipv6_and_omits_default_port() {
        let v6 = Host::parse("2001:db8::1").unwrap();
        assert_eq!(v6.authority(443, Scheme::Https), "[2001:db8::1]");
        assert_eq!(v6.authority(8443, Scheme::Https), "[2001:db8::1]:8443");
        let name = Host::parse("example.com").unwrap();
        assert_eq!(name.authority(80, Scheme::Http), "example.com");
        assert_eq!(name.authority(443, Scheme::Http), "example.com:443");
    }

    #[test]
    fn port_and_scheme_table() {
        for (input, want) in [("1", Some(1)), ("80", Some(80)), ("65535", Some(65535))] {
            assert_eq!(parse_port(input).ok(), want, "{input}");
        }
        for input in [
            "",
            "0",
            "65536",
            "-1",
            "+80",
            "8o",
            "080000",
            " 80",
            "99999999999",
        ] {
            assert!(parse_port(input).is_err(), "{input:?}");
        }
        assert_eq!(Scheme::parse("http"), Ok(Scheme::Http));
        assert_eq!(Scheme::parse("https"), Ok(Scheme::Https));
        for input in ["", "HTTP", "ftp", "https:", "ws"] {
            assert!(Scheme::parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn every_resolved_address_must_be_public() {
        let addr = |s: &str| SocketAddr::new(s.parse().unwrap(), 443);
        assert!(!all_public(&[addr("192.0.2.1")]), "documentation range");
        assert!(all_public(&[addr("8.8.8.8"), addr("2606:4700::1111")]));
        for private in ["127.0.0.1", "10.1.2.3", "::1", "::ffff:192.168.0.1"] {
            assert!(
                !all_public(&[addr("8.8.8.8"), addr(private)]),
                "{private} last"
            );
            assert!(
                !all_public(&[addr(private), addr("8.8.8.8")]),
                "{private} first"
            );
            let many = [
                addr("1.1.1.1"),
                addr("8.8.8.8"),
                addr("9.9.9.9"),
                addr(private),
            ];
            assert!(!all_public(&many), "{private} fourth");
        }
        assert!(!all_public(&[]));
    }

    #[test]
    fn address_policy_table() {
        let forbidden = [
            // unspecified and "this network"
            "0.0.0.0",
            "0.1.2.3",
            "::",
            // loopback
            "127.0.0.1",
            "127.255.255.254",
            "::1",
            // private
            "10.0.0.0",
            "10.255.255.255",
            "172.16.0.0",
            "172.20.1.1",
            "172.31.255.255",
            "192.168.0.0",
            "192.168.255.255",
            "fc00::",
            "fd12:3456::1",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            // link-local
            "169.254.0.0",
            "169.254.169.254",
            "169.254.255.255",
            "fe80::",
            "fe80::1",
            "febf:ffff::1",
            // CGNAT
            "100.64.0.0",
            "100.100.100.100",
            "100.127.255.255",
            // multicast and broadcast
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "ff02::1",
            "ff0e::1",
            // reserved, documentation, benchmarking, IETF
            "240.0.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "198.18.0.1",
            "198.19.255.255",
            "2001:db8::1",
            "2001::1",
            "fec0::1",
            "100::1",
            // IPv4 inside IPv6
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "::10.1.2.3",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
        ];
        for input in forbidden {
            let ip: IpAddr = input.parse().unwrap();
            assert!(!is_public(ip), "{input} allowed");
        }
        let public = [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        for input in public {
            let ip: IpAddr = input.parse().unwrap();
            assert!(is_public(ip), "{input} refused");
        }
    }
}
