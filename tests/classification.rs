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
        "net::ERR_CERT_AUTHORITY_INVALID",
        "net::ERR_UNSAFE_PORT",
        "NS_ERROR_ABORT",
        "Error code 12",
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
