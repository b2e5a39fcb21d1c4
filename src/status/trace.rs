//! Cloudflare's `/cdn-cgi/trace`: answered by Cloudflare's edge itself on every proxied host, as
//! `text/plain` `key=value` lines (fl, h, ip, ts, visit_scheme, uag, colo, sliver, http, loc, tls,
//! sni, warp, gateway, rbi, kex). `colo` is the IATA code of the data centre that answered, so a
//! trace that reads while the page is a 52x says Cloudflare's edge is up and the origin is not.
//!
//! Cloudflare documents the endpoint among its `/cdn-cgi/` endpoints
//! (https://developers.cloudflare.com/fundamentals/reference/cdn-cgi-endpoint/: "/cdn-cgi/trace
//! ... to troubleshoot"); the line format is checked against captured answers in public code
//! ("fl=215f8 h=nisdkolkata.com ip=… ts=1614348984.014 visit_scheme=https uag=curl/7.68.0
//! colo=BOM http=http/2 loc=IN tls=TLSv1.3 sni=plaintext warp=off gateway=off").
//!
//! Only what is needed is kept: the data centre. The visitor's own address (`ip`) and user agent
//! (`uag`) in the answer are never kept.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeTrace {
    /// The IATA code of the Cloudflare data centre that answered ("FRA").
    pub colo: String,
}

/// At most this much of the answer is read: a real trace is a few hundred bytes.
pub const MAX_TRACE: usize = 4 * 1024;

/// The trace, when `body` really is one: `fl=` and `h=` lines and a `colo=` of exactly three
/// ASCII capital letters. Anything else (an HTML page, a site's own `/cdn-cgi/trace` route
/// answering something else, a truncated answer) is `None`.
pub fn read_trace(body: &str) -> Option<EdgeTrace> {
    let mut end = body.len().min(MAX_TRACE);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let body = &body[..end];
    let (mut fl, mut h, mut colo) = (false, false, None);
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "fl" if !value.is_empty() => fl = true,
            "h" if !value.is_empty() => h = true,
            "colo" => {
                if colo.is_some() {
                    return None; // two answers in one: not a trace
                }
                let ok = value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase());
                if !ok {
                    return None;
                }
                colo = Some(value.to_string());
            }
            _ => {}
        }
    }
    match (fl, h, colo) {
        (true, true, Some(colo)) => Some(EdgeTrace { colo }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "fl=215f8\nh=shop.example\nip=203.0.113.7\nts=1614348984.014\n\
        visit_scheme=https\nuag=Mozilla/5.0\ncolo=FRA\nsliver=none\nhttp=http/2\nloc=DE\n\
        tls=TLSv1.3\nsni=plaintext\nwarp=off\ngateway=off\nrbi=off\nkex=X25519\n";

    #[test]
    fn a_real_trace_names_its_data_centre() {
        assert_eq!(read_trace(TRACE), Some(EdgeTrace { colo: "FRA".into() }));
        assert_eq!(
            read_trace(&TRACE.replace('\n', "\r\n")),
            Some(EdgeTrace { colo: "FRA".into() })
        );
    }

    #[test]
    fn anything_else_is_none() {
        for body in [
            "",
            "<html><body>colo=FRA</body></html>",
            "fl=1\nh=x\n",
            "h=x\ncolo=FRA\n",
            "fl=1\ncolo=FRA\n",
            "fl=1\nh=x\ncolo=fra\n",
            "fl=1\nh=x\ncolo=FRAN\n",
            "fl=1\nh=x\ncolo=FR1\n",
            "fl=1\nh=x\ncolo=ÄBC\n",
            "fl=1\nh=x\ncolo=FRA\ncolo=AMS\n",
            "fl=\nh=\ncolo=FRA\n",
            "fl=1 h=x colo=FRA",
        ] {
            assert_eq!(read_trace(body), None, "{body:?}");
        }
        // The colo beyond the first 4 KB is not read.
        let late = format!("fl=1\nh=x\n{}\ncolo=FRA\n", "x".repeat(MAX_TRACE));
        assert_eq!(read_trace(&late), None);
        let multibyte = format!("fl=1\nh=x\ncolo=FRA\n{}", "é".repeat(MAX_TRACE));
        assert_eq!(read_trace(&multibyte).map(|t| t.colo), Some("FRA".into()));
    }
}
