//! Which browser and operating system the visitor uses, so steps can name the right menu,
//! shortcut and command. Read from `navigator.userAgent`, `navigator.userAgentData.brands`
//! (Chromium only) and `navigator.brave` (Brave hides itself from both).

/// The browsers whose menus and shortcuts the steps know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    Chrome,
    Edge,
    Brave,
    Opera,
    Vivaldi,
    Firefox,
    Other,
}

impl Browser {
    pub const ALL: [Browser; 7] = [
        Browser::Chrome,
        Browser::Edge,
        Browser::Brave,
        Browser::Opera,
        Browser::Vivaldi,
        Browser::Firefox,
        Browser::Other,
    ];

    /// The product's name as its makers write it; `None` for a browser we do not know.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Browser::Chrome => Some("Chrome"),
            Browser::Edge => Some("Microsoft Edge"),
            Browser::Brave => Some("Brave"),
            Browser::Opera => Some("Opera"),
            Browser::Vivaldi => Some("Vivaldi"),
            Browser::Firefox => Some("Firefox"),
            Browser::Other => None,
        }
    }

    /// A stable lowercase id, for the JSON report.
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Opera => "opera",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
            Browser::Other => "other",
        }
    }

    /// Built on Chromium: same site-information bubble, same shortcuts.
    pub fn is_chromium(self) -> bool {
        matches!(
            self,
            Browser::Chrome | Browser::Edge | Browser::Brave | Browser::Opera | Browser::Vivaldi
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    Windows,
    MacOs,
    Linux,
    ChromeOs,
    Android,
    Ios,
    Other,
}

impl Os {
    pub const ALL: [Os; 7] = [
        Os::Windows,
        Os::MacOs,
        Os::Linux,
        Os::ChromeOs,
        Os::Android,
        Os::Ios,
        Os::Other,
    ];

    /// The system's name as its makers write it; `None` for one we do not know.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Os::Windows => Some("Windows"),
            Os::MacOs => Some("macOS"),
            Os::Linux => Some("Linux"),
            Os::ChromeOs => Some("ChromeOS"),
            Os::Android => Some("Android"),
            Os::Ios => Some("iOS"),
            Os::Other => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::MacOs => "macos",
            Os::Linux => "linux",
            Os::ChromeOs => "chromeos",
            Os::Android => "android",
            Os::Ios => "ios",
            Os::Other => "other",
        }
    }

    /// Phones and tablets: no keyboard shortcuts, no terminal.
    pub fn is_mobile(self) -> bool {
        matches!(self, Os::Android | Os::Ios)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Platform {
    pub browser: Browser,
    /// The browser's major version, when the user agent gives it (the report shows no more).
    pub major_version: Option<u32>,
    pub os: Os,
}

impl Platform {
    pub fn new(browser: Browser, os: Os) -> Platform {
        Platform {
            browser,
            major_version: None,
            os,
        }
    }

    /// `brands` are the names in `navigator.userAgentData.brands` (empty where it is missing);
    /// `is_brave` is whether `navigator.brave` exists.
    pub fn detect(user_agent: &str, brands: &[String], is_brave: bool) -> Platform {
        let browser = browser_of(user_agent, brands, is_brave);
        Platform {
            browser,
            major_version: major_version(user_agent, browser),
            os: os_of(user_agent),
        }
    }
}

fn browser_of(ua: &str, brands: &[String], is_brave: bool) -> Browser {
    let has_brand = |name: &str| brands.iter().any(|b| b.trim() == name);
    // Brave's user agent is Chrome's, word for word.
    if is_brave || has_brand("Brave") {
        return Browser::Brave;
    }
    if has_brand("Microsoft Edge") {
        return Browser::Edge;
    }
    if has_brand("Opera") || has_brand("Opera GX") {
        return Browser::Opera;
    }
    // Derivatives append their own token to Chrome's, so they are looked for first.
    const TOKENS: [(&str, Browser); 11] = [
        ("Edg/", Browser::Edge),
        ("EdgA/", Browser::Edge),
        ("EdgiOS/", Browser::Edge),
        ("Edge/", Browser::Edge),
        ("OPR/", Browser::Opera),
        ("OPT/", Browser::Opera),
        ("Vivaldi/", Browser::Vivaldi),
        ("FxiOS/", Browser::Firefox),
        ("Firefox/", Browser::Firefox),
        // Other Chromium browsers that would otherwise read as Chrome.
        ("SamsungBrowser/", Browser::Other),
        ("YaBrowser/", Browser::Other),
    ];
    if let Some((_, browser)) = TOKENS.iter().find(|(token, _)| ua.contains(token)) {
        return *browser;
    }
    if ua.contains("Chrome/") || ua.contains("CriOS/") || has_brand("Google Chrome") {
        return Browser::Chrome;
    }
    Browser::Other
}

/// The number after the browser's own user-agent token (Brave reports Chrome's version).
fn major_version(ua: &str, browser: Browser) -> Option<u32> {
    let tokens: &[&str] = match browser {
        Browser::Chrome | Browser::Brave => &["Chrome/", "CriOS/"],
        Browser::Edge => &["Edg/", "EdgA/", "EdgiOS/", "Edge/"],
        Browser::Opera => &["OPR/", "OPT/"],
        Browser::Vivaldi => &["Vivaldi/"],
        Browser::Firefox => &["Firefox/", "FxiOS/"],
        Browser::Other => &[],
    };
    let start = tokens
        .iter()
        .find_map(|token| ua.find(token).map(|at| at + token.len()))?;
    let digits: String = ua[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(6)
        .collect();
    digits.parse().ok()
}

fn os_of(ua: &str) -> Os {
    // Order matters: Android and ChromeOS user agents also say "Linux".
    if ua.contains("Windows") {
        Os::Windows
    } else if ua.contains("CrOS") {
        Os::ChromeOs
    } else if ua.contains("Android") {
        Os::Android
    } else if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") {
        Os::Ios
    } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
        // iPads asking for desktop sites also land here: nothing in the user agent tells.
        Os::MacOs
    } else if ua.contains("Linux") || ua.contains("X11") {
        Os::Linux
    } else {
        Os::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const CHROME_CROS: &str = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
    const CHROME_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.111 Mobile/15E148 Safari/604.1";
    const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80";
    const EDGE_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64";
    const OPERA_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0";
    const VIVALDI_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Vivaldi/6.7.3329.21";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
    const FIREFOX_MAC: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0";
    const FIREFOX_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
    const FIREFOX_ANDROID: &str =
        "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0";
    const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15";
    const SAMSUNG: &str = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36";

    /// User agent, brands, `navigator.brave`, then the expected browser, version and system.
    type UaCase = (
        &'static str,
        &'static [&'static str],
        bool,
        Browser,
        Option<u32>,
        Os,
    );

    fn brands(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn reads_real_user_agents() {
        use Browser::*;
        let cases: [UaCase; 18] = [
            (CHROME_WIN, &[], false, Chrome, Some(124), Os::Windows),
            (CHROME_MAC, &[], false, Chrome, Some(124), Os::MacOs),
            (CHROME_CROS, &[], false, Chrome, Some(124), Os::ChromeOs),
            (CHROME_ANDROID, &[], false, Chrome, Some(124), Os::Android),
            (CHROME_IOS, &[], false, Chrome, Some(124), Os::Ios),
            (EDGE_WIN, &[], false, Edge, Some(124), Os::Windows),
            (EDGE_ANDROID, &[], false, Edge, Some(124), Os::Android),
            (OPERA_WIN, &[], false, Opera, Some(109), Os::Windows),
            (VIVALDI_LINUX, &[], false, Vivaldi, Some(6), Os::Linux),
            (FIREFOX_LINUX, &[], false, Firefox, Some(125), Os::Linux),
            (FIREFOX_MAC, &[], false, Firefox, Some(125), Os::MacOs),
            (FIREFOX_WIN, &[], false, Firefox, Some(125), Os::Windows),
            (FIREFOX_ANDROID, &[], false, Firefox, Some(125), Os::Android),
            (SAFARI_MAC, &[], false, Other, None, Os::MacOs),
            (SAMSUNG, &[], false, Other, None, Os::Android),
            // Brave: Chrome's user agent, told apart only by navigator.brave or its brand.
            (CHROME_WIN, &[], true, Brave, Some(124), Os::Windows),
            (
                CHROME_MAC,
                &["Chromium", "Brave", "Not-A.Brand"],
                false,
                Brave,
                Some(124),
                Os::MacOs,
            ),
            ("", &[], false, Other, None, Os::Other),
        ];
        for (ua, brand_names, is_brave, browser, version, os) in cases {
            let platform = Platform::detect(ua, &brands(brand_names), is_brave);
            assert_eq!(
                (platform.browser, platform.major_version, platform.os),
                (browser, version, os),
                "{ua} {brand_names:?} brave={is_brave}"
            );
        }
    }

    #[test]
    fn brands_outrank_a_chrome_like_user_agent() {
        let edge = Platform::detect(
            CHROME_WIN,
            &brands(&["Not_A Brand", "Chromium", "Microsoft Edge"]),
            false,
        );
        assert_eq!(edge.browser, Browser::Edge);
        let opera = Platform::detect(
            OPERA_WIN,
            &brands(&["Opera", "Chromium", "Not-A.Brand"]),
            false,
        );
        assert_eq!(
            (opera.browser, opera.major_version),
            (Browser::Opera, Some(109))
        );
        let chrome = Platform::detect(
            CHROME_WIN,
            &brands(&["Google Chrome", "Chromium", "Not-A.Brand"]),
            false,
        );
        assert_eq!(chrome.browser, Browser::Chrome);
        // The version still comes from the browser's own token on every system.
        let edge_android = Platform::detect(
            EDGE_ANDROID,
            &brands(&["Chromium", "Microsoft Edge"]),
            false,
        );
        assert_eq!(
            (
                edge_android.browser,
                edge_android.major_version,
                edge_android.os
            ),
            (Browser::Edge, Some(124), Os::Android)
        );
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(Browser::Other.name(), None);
        assert_eq!(Os::MacOs.name(), Some("macOS"));
        assert!(Browser::ALL.iter().all(|b| !b.id().is_empty()));
        assert!(Os::ALL.iter().filter(|os| os.is_mobile()).count() == 2);
        assert!(!Browser::Firefox.is_chromium() && Browser::Vivaldi.is_chromium());
    }
}
