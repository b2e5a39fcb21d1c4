//! Down-for-everyone providers: where to ask, and how to read their answers. Every answer is
//! untrusted: anything unexpected reads as "unreadable", never as up or down, and text kept from
//! it is bounded.

use crate::incident::truncate;
use crate::json::JsonView;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Provider {
    /// Gateway Doctor's own checker (`www/`), at this base URL.
    GatewayDoctor { base: String },
    /// isitup.org's JSON API.
    IsItUp,
    /// downforeveryoneorjustme.com's API.
    DownForEveryone,
}

impl Provider {
    /// The request URL: the host name only, never the path, query or cookies.
    pub fn url(&self, host: &str) -> String {
        let host = encode_host(host);
        match self {
            Provider::GatewayDoctor { base } => {
                format!("{}/api/v1/check?host={host}", base.trim_end_matches('/'))
            }
            Provider::IsItUp => format!("https://isitup.org/{host}.json"),
            Provider::DownForEveryone => format!("https://api-prod.downfor.cloud/httpcheck/{host}"),
        }
    }

    /// The request URL for the page that failed. Our own checker also hears the scheme and port
    /// (it checks exactly that server); the others hear the host name alone.
    pub fn check_url(&self, page_url: &str) -> Option<String> {
        let origin = crate::retry::watchers::origin_of(page_url)?;
        let (scheme, authority) = origin.split_once("://")?;
        let (host, port) = authority.rsplit_once(':')?;
        let host = host.trim_matches(['[', ']']);
        Some(match self {
            Provider::GatewayDoctor { .. } => {
                format!("{}&port={port}&scheme={scheme}", self.url(host))
            }
            _ => self.url(host),
        })
    }

    /// A page a visitor can open to see the provider's own answer.
    pub fn page_url(&self, host: &str) -> String {
        let host = encode_host(host);
        match self {
            Provider::GatewayDoctor { base } => {
                format!("{}/?host={host}", base.trim_end_matches('/'))
            }
            Provider::IsItUp => format!("https://isitup.org/{host}"),
            Provider::DownForEveryone => format!("https://downforeveryoneorjustme.com/{host}"),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Provider::GatewayDoctor { base } => truncate(base, 100),
            Provider::IsItUp => "isitup.org".into(),
            Provider::DownForEveryone => "downforeveryoneorjustme.com".into(),
        }
    }
}

/// Keeps only characters that belong in a host name, so nothing else reaches the URL.
fn encode_host(host: &str) -> String {
    host.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .take(253)
        .collect()
}

/// What the provider said about the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckerAnswer {
    /// Whether the site answered the provider.
    pub up: bool,
    /// The status the provider got, when it says.
    pub status: Option<u16>,
    /// The provider's own short reason (bounded, shown as text only).
    pub detail: Option<String>,
}

/// Largest answer read: anything bigger is not a checker's answer.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Reads a provider's JSON answer; an error says, in a few words, what was wrong with it.
pub fn read_answer(provider: &Provider, body: &str) -> Result<CheckerAnswer, String> {
    if body.len() > MAX_ANSWER {
        return Err("answer too large".into());
    }
    read_parsed_answer(provider, &crate::json::parse(body)?)
}

/// The self-hostable checker's answer (`www/`), exactly as it serialises it: the service writes
/// this type and `read_parsed_answer` reads it, so the two cannot drift apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckerResult {
    pub host: String,
    pub port: u16,
    pub scheme: String,
    /// The host answered (any HTTP status); what the extension reads.
    pub up: bool,
    /// The answer's status, when there was one; what the extension reads.
    pub status: Option<u16>,
    pub time_ms: u64,
    pub address: Option<String>,
    /// Why it did not answer; what the extension reads as the detail.
    pub error: Option<String>,
    pub checked_at: u64,
    pub cached: bool,
}

/// Reads an answer already parsed as JSON.
pub fn read_parsed_answer<J: JsonView>(
    provider: &Provider,
    value: &J,
) -> Result<CheckerAnswer, String> {
    let status = |key: &str| {
        value
            .field(key)
            .and_then(|v| v.as_u64())
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..=599).contains(s))
    };
    let text = |key: &str| {
        value
            .field(key)
            .and_then(|v| v.as_string())
            .map(|s| truncate(&s, 120))
    };
    match provider {
        Provider::GatewayDoctor { .. } => {
            let up = value
                .field("up")
                .and_then(|v| v.as_bool())
                .ok_or("no \"up\" in the answer")?;
            Ok(CheckerAnswer {
                up,
                status: status("status"),
                detail: text("error"),
            })
        }
        Provider::IsItUp => {
            // status_code: 1 up, 2 down, 3 not a valid domain.
            let up = match value.field("status_code").and_then(|v| v.as_u64()) {
                Some(1) => true,
                Some(2) => false,
                Some(3) => return Err("the checker says this is not a valid domain".into()),
                _ => return Err("no usable status_code in the answer".into()),
            };
            Ok(CheckerAnswer {
                up,
                status: status("response_code"),
                detail: None,
            })
        }
        Provider::DownForEveryone => {
            let down = value
                .field("isDown")
                .and_then(|v| v.as_bool())
                .ok_or("no \"isDown\" in the answer")?;
            Ok(CheckerAnswer {
                up: !down,
                status: status("statusCode"),
                detail: text("statusText"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_service_answer_reads_as_it_is_written() {
        let provider = Provider::GatewayDoctor {
            base: "https://checker.example".into(),
        };
        for (up, status, error) in [
            (true, Some(503), None),
            (false, None, Some("connection refused".to_string())),
        ] {
            let written = CheckerResult {
                host: "shop.example".into(),
                port: 443,
                scheme: "https".into(),
                up,
                status,
                time_ms: 12,
                address: Some("203.0.113.7".into()),
                error: error.clone(),
                checked_at: 1_700_000_000,
                cached: false,
            };
            let body = serde_json::to_string(&written).unwrap_or_default();
            let read = read_answer(&provider, &body);
            assert_eq!(
                read,
                Ok(CheckerAnswer {
                    up,
                    status,
                    detail: error,
                }),
                "{body}"
            );
        }
    }

    fn ours() -> Provider {
        Provider::GatewayDoctor {
            base: "http://127.0.0.1:8787/".into(),
        }
    }

    #[test]
    fn urls_carry_the_host_only() {
        assert_eq!(
            ours().url("shop.example"),
            "http://127.0.0.1:8787/api/v1/check?host=shop.example"
        );
        assert_eq!(
            Provider::IsItUp.url("a.example/../x?y=1&z"),
            "https://isitup.org/a.example..xy1z.json"
        );
        assert_eq!(
            Provider::DownForEveryone.url("b.example"),
            "https://api-prod.downfor.cloud/httpcheck/b.example"
        );
    }

    #[test]
    fn only_our_own_checker_hears_scheme_and_port() {
        let page = "http://user:pw@127.0.0.2:8080/secret/path?token=1#x";
        assert_eq!(
            ours().check_url(page).as_deref(),
            Some("http://127.0.0.1:8787/api/v1/check?host=127.0.0.2&port=8080&scheme=http")
        );
        assert_eq!(
            Provider::IsItUp
                .check_url("https://shop.example/cart?id=5")
                .as_deref(),
            Some("https://isitup.org/shop.example.json")
        );
        assert_eq!(Provider::IsItUp.check_url("about:blank"), None);
    }

    #[test]
    fn reads_each_provider() {
        let a = read_answer(
            &ours(),
            r#"{"host":"a","up":false,"status":502,"error":null,"cached":false}"#,
        );
        assert_eq!(
            a,
            Ok(CheckerAnswer {
                up: false,
                status: Some(502),
                detail: None
            })
        );
        let b = read_answer(
            &Provider::IsItUp,
            r#"{"domain":"a","port":80,"status_code":1,"response_ip":"1.2.3.4","response_code":200,"response_time":0.1}"#,
        );
        assert_eq!(
            b,
            Ok(CheckerAnswer {
                up: true,
                status: Some(200),
                detail: None
            })
        );
        let c = read_answer(
            &Provider::DownForEveryone,
            r#"{"statusCode":503,"statusText":"Service Unavailable","isDown":true}"#,
        );
        assert_eq!(
            c,
            Ok(CheckerAnswer {
                up: false,
                status: Some(503),
                detail: Some("Service Unavailable".into())
            })
        );
    }

    #[test]
    fn garbage_and_hostile_answers_are_unreadable_or_bounded() {
        for body in [
            "",
            "<html>nope</html>",
            "null",
            "[]",
            r#"{"up":"yes"}"#,
            r#"{"status_code":7}"#,
        ] {
            assert!(
                read_answer(&ours(), body).is_err()
                    || read_answer(&Provider::IsItUp, body).is_err(),
                "{body}"
            );
        }
        assert!(read_answer(&Provider::IsItUp, r#"{"status_code":"1"}"#).is_err());
        let huge = format!(
            r#"{{"isDown":false,"statusText":"{}"}}"#,
            "<script>".repeat(1000)
        );
        let answer = read_answer(&Provider::DownForEveryone, &huge).expect("readable");
        assert!(answer.detail.is_some_and(|d| d.len() <= 120));
        let odd_status = read_answer(&ours(), r#"{"up":true,"status":70000}"#).expect("readable");
        assert_eq!(odd_status.status, None);
        assert!(read_answer(&ours(), &" ".repeat(70_000)).is_err());
    }
}
