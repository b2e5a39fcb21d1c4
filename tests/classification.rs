//! Table-driven tests of what counts as a failure, over both browsers' spellings.

use gateway_doctor::failure::{
    classify_error, classify_status, net_error_from, Failure, NetError, Outcome, RequestScope,
};

const PAGE: RequestScope<'static> = RequestScope {
    url: "https://shop.example/cart",
    resource_type: "main_frame",
    frame_id: 0,
};

fn failed_http(status: u16) -> Outcome {
    Outcome::Failed(Failure::Http { status })
}

fn failed_net(error: NetError) -> Outcome {
    Outcome::Failed(Failure::Network { error })
}

#[test]
fn every_5xx_status_is_a_failure_with_its_code_on_the_badge() {
    let listed = [
        500, 502, 503, 504, 520, 521, 522, 523, 524, 525, 526, 527, 528, 529, 530,
    ];
    for status in listed.into_iter().chain(500..=599) {
        assert_eq!(
            classify_status(PAGE, status),
            failed_http(status),
            "{status}"
        );
        assert_eq!(Failure::Http { status }.badge_text(), status.to_string());
    }
}

#[test]
fn ordinary_pages_and_4xx_are_loads_not_failures() {
    for status in [
        200, 201, 301, 302, 304, 307, 400, 401, 403, 404, 410, 429, 451, 499,
    ] {
        assert_eq!(classify_status(PAGE, status), Outcome::Loaded, "{status}");
    }
}

#[test]
fn no_content_answers_leave_the_page_alone() {
    for status in [204, 205, 0, 99, 600, 999] {
        assert_eq!(classify_status(PAGE, status), Outcome::Ignored, "{status}");
    }
}

#[test]
fn both_browsers_network_error_spellings() {
    use NetError::*;
    let table = [
        ("net::ERR_NAME_NOT_RESOLVED", NameNotResolved, "DNS"),
        ("NS_ERROR_UNKNOWN_HOST", NameNotResolved, "DNS"),
        ("Error code 2152398878", NameNotResolved, "DNS"),
        ("net::ERR_CONNECTION_REFUSED", ConnectionRefused, "REF"),
        ("NS_ERROR_CONNECTION_REFUSED", ConnectionRefused, "REF"),
        ("Error code 2152398861", ConnectionRefused, "REF"),
        ("net::ERR_CONNECTION_RESET", ConnectionReset, "RST"),
        ("NS_ERROR_NET_RESET", ConnectionReset, "RST"),
        ("net::ERR_CONNECTION_CLOSED", ConnectionClosed, "CLS"),
        ("NS_ERROR_NET_INTERRUPT", ConnectionClosed, "CLS"),
        ("net::ERR_CONNECTION_TIMED_OUT", ConnectionTimedOut, "T/O"),
        ("net::ERR_TIMED_OUT", ConnectionTimedOut, "T/O"),
        ("NS_ERROR_NET_TIMEOUT", ConnectionTimedOut, "T/O"),
        ("net::ERR_ADDRESS_UNREACHABLE", AddressUnreachable, "UNR"),
        ("net::ERR_EMPTY_RESPONSE", EmptyResponse, "EMP"),
        (
            "net::ERR_INTERNET_DISCONNECTED",
            InternetDisconnected,
            "OFF",
        ),
        ("NS_ERROR_OFFLINE", InternetDisconnected, "OFF"),
        ("net::ERR_PROXY_CONNECTION_FAILED", ProxyFailed, "PRX"),
        ("NS_ERROR_PROXY_CONNECTION_REFUSED", ProxyFailed, "PRX"),
        ("  net::ERR_CONNECTION_REFUSED  ", ConnectionRefused, "REF"),
    ];
    for (raw, error, badge) in table {
        assert_eq!(net_error_from(raw), Some(error), "{raw}");
        assert_eq!(classify_error(PAGE, raw), failed_net(error), "{raw}");
        assert_eq!(Failure::Network { error }.badge_text(), badge, "{raw}");
        assert!(badge.len() <= 4);
    }
}

#[test]
fn aborts_and_unrelated_errors_are_never_failures() {
    for raw in [
        "net::ERR_ABORTED",
        "NS_BINDING_ABORTED",
        "Error code 2152398850",
        "net::ERR_BLOCKED_BY_CLIENT",
        "net::ERR_BLOCKED_BY_ADMINISTRATOR",
        "NS_ERROR_TRACKING_URI",
        // Client certificates are the visitor's business, not the site failing.
        "net::ERR_SSL_CLIENT_AUTH_CERT_NEEDED",
        "net::ERR_BAD_SSL_CLIENT_AUTH_CERT",
        "SSL_ERROR_BAD_CERT_ALERT",
        // Family prefixes alone, and look-alikes, name nothing.
        "net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
        "net::ERR_SSL_",
        "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, ",
        "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, NS_BINDING_ABORTED)",
        "net::ERR_UNSAFE_PORT",
        "NS_ERROR_ABORT",
        "Error code 12",
        // The security module, outside NSS's ranges.
        "Error code 2153381888",
        "Error code 2153382888",
        // Firefox's webRequest gives a localised sentence for these: never read as a name.
        "The certificate is not trusted because it is self-signed.",
        "Error code 99999999999",
        "",
        "garbage \u{0}\u{202e} <script>",
    ] {
        assert_eq!(classify_error(PAGE, raw), Outcome::Ignored, "{raw:?}");
    }
}

#[test]
fn sub_frames_other_types_and_non_web_urls_are_never_failures() {
    let sub_frame = RequestScope {
        resource_type: "sub_frame",
        frame_id: 7,
        ..PAGE
    };
    let image = RequestScope {
        resource_type: "image",
        ..PAGE
    };
    let odd_frame = RequestScope {
        frame_id: 3,
        ..PAGE
    };
    for scope in [sub_frame, image, odd_frame] {
        assert_eq!(classify_status(scope, 502), Outcome::Ignored);
        assert_eq!(
            classify_error(scope, "net::ERR_CONNECTION_REFUSED"),
            Outcome::Ignored
        );
    }
    for url in [
        "chrome-extension://abc/popup.html",
        "moz-extension://abc/popup.html",
        "about:blank",
        "file:///tmp/x.html",
        "chrome://newtab/",
        "data:text/html,hi",
        "",
    ] {
        let scope = RequestScope { url, ..PAGE };
        assert_eq!(classify_status(scope, 502), Outcome::Ignored, "{url}");
        assert_eq!(
            classify_error(scope, "net::ERR_NAME_NOT_RESOLVED"),
            Outcome::Ignored
        );
    }
    let upper = RequestScope {
        url: "HTTP://EXAMPLE.COM/",
        ..PAGE
    };
    assert_eq!(classify_status(upper, 502), failed_http(502));
}

/// The failures the browser reports without a status code beyond the first nine: every spelling
/// each browser uses, its badge, and what it is.
#[test]
fn loops_broken_protocols_truncation_tls_and_certificates_in_both_spellings() {
    use NetError::*;
    let table = [
        // Redirect loops. Chromium net_error_list.h ERR_TOO_MANY_REDIRECTS (-310); Gecko
        // NS_ERROR_REDIRECT_LOOP, network failure 31 (0x804B001F = 2152398879).
        ("net::ERR_TOO_MANY_REDIRECTS", TooManyRedirects, "LOOP"),
        ("NS_ERROR_REDIRECT_LOOP", TooManyRedirects, "LOOP"),
        ("Error code 2152398879", TooManyRedirects, "LOOP"),
        // HTTP/2 and QUIC.
        ("net::ERR_HTTP2_PROTOCOL_ERROR", ProtocolError, "PROT"),
        ("net::ERR_QUIC_PROTOCOL_ERROR", ProtocolError, "PROT"),
        ("net::ERR_HTTP2_COMPRESSION_ERROR", ProtocolError, "PROT"),
        ("net::ERR_INVALID_HTTP_RESPONSE", ProtocolError, "PROT"),
        ("NS_ERROR_NET_INADEQUATE_SECURITY", ProtocolError, "PROT"),
        ("NS_ERROR_NET_HTTP3_PROTOCOL_ERROR", ProtocolError, "PROT"),
        ("NS_ERROR_ILLEGAL_RESPONSE", ProtocolError, "PROT"),
        // Truncated answers. Gecko: NS_ERROR_NET_PARTIAL_TRANSFER, failure 76.
        ("net::ERR_INCOMPLETE_CHUNKED_ENCODING", Truncated, "CUT"),
        ("net::ERR_CONTENT_LENGTH_MISMATCH", Truncated, "CUT"),
        ("NS_ERROR_NET_PARTIAL_TRANSFER", Truncated, "CUT"),
        ("Error code 2152398924", Truncated, "CUT"),
        // TLS handshakes. Plain HTTP on a TLS port: ERR_SSL_PROTOCOL_ERROR in Chromium,
        // SSL_ERROR_RX_RECORD_TOO_LONG in Firefox.
        ("net::ERR_SSL_PROTOCOL_ERROR", TlsHandshake, "TLS"),
        (
            "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
            TlsHandshake,
            "TLS",
        ),
        (
            "net::ERR_SSL_OBSOLETE_VERSION_OR_CIPHER",
            TlsHandshake,
            "TLS",
        ),
        ("SSL_ERROR_RX_RECORD_TOO_LONG", TlsHandshake, "TLS"),
        ("SSL_ERROR_NO_CYPHER_OVERLAP", TlsHandshake, "TLS"),
        ("SSL_ERROR_UNSUPPORTED_VERSION", TlsHandshake, "TLS"),
        ("SSL_ERROR_PROTOCOL_VERSION_ALERT", TlsHandshake, "TLS"),
        (
            "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, SSL_ERROR_RX_RECORD_TOO_LONG)",
            TlsHandshake,
            "TLS",
        ),
        // Firefox's webNavigation, as seen for real: plain HTTP on a TLS port
        // (SSL_ERROR_RX_RECORD_TOO_LONG, -12263).
        ("Error code 2153394151", TlsHandshake, "TLS"),
        // Certificates. Firefox's webNavigation, seen for real: an expired self-signed
        // certificate (MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, -16370); SEC_ERROR_UNKNOWN_ISSUER
        // (-8179); SSL_ERROR_BAD_CERT_DOMAIN (-12276).
        ("Error code 2153398258", Certificate, "CERT"),
        ("Error code 2153390067", Certificate, "CERT"),
        ("Error code 2153394164", Certificate, "CERT"),
        ("net::ERR_CERT_AUTHORITY_INVALID", Certificate, "CERT"),
        ("net::ERR_CERT_DATE_INVALID", Certificate, "CERT"),
        ("net::ERR_CERT_COMMON_NAME_INVALID", Certificate, "CERT"),
        ("net::ERR_CERT_REVOKED", Certificate, "CERT"),
        ("SEC_ERROR_EXPIRED_CERTIFICATE", Certificate, "CERT"),
        ("SEC_ERROR_UNKNOWN_ISSUER", Certificate, "CERT"),
        ("MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", Certificate, "CERT"),
        ("SSL_ERROR_BAD_CERT_DOMAIN", Certificate, "CERT"),
        (
            "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, SEC_ERROR_EXPIRED_CERTIFICATE)",
            Certificate,
            "CERT",
        ),
    ];
    for (raw, error, badge) in table {
        assert_eq!(net_error_from(raw), Some(error), "{raw}");
        assert_eq!(classify_error(PAGE, raw), failed_net(error), "{raw}");
        assert_eq!(Failure::Network { error }.badge_text(), badge, "{raw}");
        assert!(badge.len() <= 4);
    }
}
