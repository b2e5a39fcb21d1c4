//! The visitor's steps, tailored: ordered by what the verdict says is most likely to help,
//! without what the checks already ruled out, and spelt out for the visitor's browser and
//! system (the menu to clear this site's data, the private-window shortcut, the DNS command).
//! The verdict may be provisional while checks run: the steps follow it as it firms up.

use crate::checks::dns::DnsComparison;
use crate::checks::scope::is_private_host;
use crate::checks::verdict::{Confidence, Evidence, Reason, Verdict, VerdictKind};
use crate::checks::FetchResult;
use crate::diagnosis::{Diagnosis, Kind, Side};
use crate::platform::{Browser, Os, Platform};
use crate::view::msg::Msg;

/// A one-click action the popup can run for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionId {
    RetryNow,
    ClearSiteData,
    OpenPrivateWindow,
    CopyDnsCommand,
    CheckProxy,
    OpenArchive,
    OpenCheckerPage,
    /// Opens the connectivity address in a tab: the network's sign-in page takes it over.
    OpenSignInPage,
    /// Opens the status page that reported the incident or maintenance.
    OpenStatusPage,
}

impl ActionId {
    pub const ALL: [ActionId; 9] = [
        ActionId::RetryNow,
        ActionId::ClearSiteData,
        ActionId::OpenPrivateWindow,
        ActionId::CopyDnsCommand,
        ActionId::CheckProxy,
        ActionId::OpenArchive,
        ActionId::OpenCheckerPage,
        ActionId::OpenSignInPage,
        ActionId::OpenStatusPage,
    ];

    /// A stable name, for the button's data attribute and the message to the background.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionId::RetryNow => "retryNow",
            ActionId::ClearSiteData => "clearSiteData",
            ActionId::OpenPrivateWindow => "openPrivateWindow",
            ActionId::CopyDnsCommand => "copyDnsCommand",
            ActionId::CheckProxy => "checkProxy",
            ActionId::OpenArchive => "openArchive",
            ActionId::OpenCheckerPage => "openCheckerPage",
            ActionId::OpenSignInPage => "openSignInPage",
            ActionId::OpenStatusPage => "openStatusPage",
        }
    }

    /// The button's `_locales` key.
    pub fn label_key(self) -> &'static str {
        match self {
            ActionId::RetryNow => "actionRetryNow",
            ActionId::ClearSiteData => "actionClearSiteData",
            ActionId::OpenPrivateWindow => "actionOpenPrivateWindow",
            ActionId::CopyDnsCommand => "actionCopyDnsCommand",
            ActionId::CheckProxy => "actionCheckProxy",
            ActionId::OpenArchive => "actionOpenArchive",
            ActionId::OpenCheckerPage => "actionOpenCheckerPage",
            ActionId::OpenSignInPage => "actionOpenSignInPage",
            ActionId::OpenStatusPage => "actionOpenStatusPage",
        }
    }

    pub fn parse(name: &str) -> Option<ActionId> {
        ActionId::ALL.into_iter().find(|id| id.as_str() == name)
    }
}

/// One step as the popup shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    pub text: Msg,
    /// A command to type (shown as code, with a copy button).
    pub command: Option<String>,
    /// A keyboard shortcut that does the same by hand.
    pub shortcut: Option<String>,
    /// Where in this browser's menus to do it by hand.
    pub menu_path: Option<Msg>,
    pub action: Option<ActionId>,
    /// The page the action opens, when the step names one (a status page).
    pub link: Option<String>,
}

/// Everything the steps depend on.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The failed page's host, named in several steps.
    pub host: &'a str,
    pub diagnosis: &'a Diagnosis,
    /// Possibly provisional: decided from the checks that have answered so far.
    pub verdict: &'a Verdict,
    pub evidence: &'a Evidence,
    pub platform: Platform,
}

/// The steps, most promising first.
pub fn visitor_steps(context: &StepContext<'_>) -> Vec<StepView> {
    let mut planned: Vec<Fix> = Vec::new();
    for fix in plan(context) {
        if !planned.contains(&fix) && !is_ruled_out(fix, context) {
            planned.push(fix);
        }
    }
    planned
        .into_iter()
        .map(|fix| render(fix, context))
        .collect()
}

/// What a step is for, before it is worded for the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fix {
    /// "This is not on your side: wait, or tell the owner."
    NotYourSide,
    /// The site answers again.
    ReloadNow,
    WaitThenReload,
    ClearSiteData(ClearReason),
    PrivateWindow,
    CheckDownForEveryone,
    CheckAddress,
    FlushDns,
    DisableVpnOrProxy,
    CheckConnection,
    TryOtherNetwork,
    TellOwner,
    OpenArchive,
    /// A message key of its own, with the host as `$1` (steps only one kind of failure needs).
    Only(&'static str),
    /// Sign in to the network (its sign-in page, one click away).
    SignIn,
    /// Read the status page that reported it.
    ReadStatusPage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClearReason {
    /// The checks showed a stale copy in the browser's cache.
    StaleCopy,
    /// The checks showed the site fails with the visitor's cookies.
    Cookies,
    /// Not shown either way: worth a try if reloading does not help.
    JustInCase,
}

fn plan(context: &StepContext<'_>) -> Vec<Fix> {
    use Fix::*;
    if let Some(fixes) = not_an_outage_plan(context.diagnosis.kind) {
        return fixes;
    }
    let verdict = context.verdict;
    let mut fixes = match verdict.kind {
        VerdictKind::WorksAgain => vec![ReloadNow, ClearSiteData(ClearReason::JustInCase)],
        VerdictKind::CachedCopy => vec![ClearSiteData(ClearReason::StaleCopy), ReloadNow],
        VerdictKind::CookiesOrSession => {
            vec![
                ClearSiteData(ClearReason::Cookies),
                PrivateWindow,
                TellOwner,
            ]
        }
        VerdictKind::NetworkOrDns => network_plan(&verdict.reasons),
        VerdictKind::ProxyOrVpn => vec![
            DisableVpnOrProxy,
            TryOtherNetwork,
            CheckConnection,
            CheckDownForEveryone,
        ],
        // Sure it is down for everyone: nothing on the visitor's side can help.
        VerdictKind::DownForEveryone if verdict.confidence == Confidence::High => {
            site_plan(context.diagnosis, false)
        }
        VerdictKind::DownForEveryone => site_plan(context.diagnosis, true),
        VerdictKind::SignInToNetwork => vec![SignIn, TryOtherNetwork, CheckConnection],
        // The site or its CDN said so itself: nothing on the visitor's side can help.
        VerdictKind::SiteIncident | VerdictKind::SiteMaintenance | VerdictKind::CdnIncident => {
            let mut fixes = vec![ReadStatusPage];
            fixes.extend(site_plan(context.diagnosis, false));
            fixes
        }
        VerdictKind::OriginDown => site_plan(context.diagnosis, false),
        VerdictKind::Unknown if is_site_side(context.diagnosis.side) => {
            site_plan(context.diagnosis, true)
        }
        VerdictKind::Unknown => diagnosis_plan(context.diagnosis),
    };
    // The page itself works for others in these cases: an archived copy adds nothing.
    let works_for_others = matches!(
        verdict.kind,
        VerdictKind::WorksAgain | VerdictKind::CachedCopy | VerdictKind::CookiesOrSession
    );
    if !works_for_others {
        fixes.push(OpenArchive);
    }
    fixes
}

/// Failures where the site answered and waiting or asking whether it is down cannot help: the
/// same steps whatever the checks say (they skip the refetch and the outside checker anyway).
fn not_an_outage_plan(kind: Kind) -> Option<Vec<Fix>> {
    use Fix::*;
    Some(match kind {
        // The site is up and its bot protection wants to see a real browser.
        Kind::BotChallenge => vec![
            Only("stepWaitForCheck"),
            Only("stepEnableScriptsAndCookies"),
            DisableVpnOrProxy,
            TryOtherNetwork,
        ],
        Kind::BotBlock => vec![
            DisableVpnOrProxy,
            TryOtherNetwork,
            Only("stepEnableScriptsAndCookies"),
            Only("stepAskSiteToUnblock"),
        ],
        // A stale cookie can keep a login or language redirect going round: worth clearing.
        Kind::RedirectLoop => vec![ClearSiteData(ClearReason::JustInCase), TellOwner],
        Kind::Certificate => vec![
            Only("stepCertificateNoBypass"),
            Only("stepCheckClock"),
            TryOtherNetwork,
            TellOwner,
        ],
        // Security software or a VPN that inspects encrypted traffic can break the handshake.
        Kind::TlsHandshake => vec![DisableVpnOrProxy, TryOtherNetwork, TellOwner],
        _ => return None,
    })
}

fn is_site_side(side: Side) -> bool {
    matches!(side, Side::Origin | Side::OriginUpstream | Side::CdnEdge)
}

fn network_plan(reasons: &[Reason]) -> Vec<Fix> {
    use Fix::*;
    let dns_is_wrong = reasons
        .iter()
        .any(|r| matches!(r, Reason::DnsDiffers | Reason::DnsResolvesElsewhere));
    if dns_is_wrong {
        vec![
            FlushDns,
            TryOtherNetwork,
            DisableVpnOrProxy,
            CheckConnection,
            CheckDownForEveryone,
        ]
    } else {
        vec![
            CheckConnection,
            FlushDns,
            TryOtherNetwork,
            DisableVpnOrProxy,
            CheckDownForEveryone,
        ]
    }
}

/// The site's side failed. Visitor-side fixes come last, and only while that is not certain.
fn site_plan(diagnosis: &Diagnosis, keep_visitor_fixes: bool) -> Vec<Fix> {
    use Fix::*;
    let mut fixes = vec![NotYourSide, WaitThenReload, CheckDownForEveryone];
    if keep_visitor_fixes {
        if is_network_kind(diagnosis.kind) {
            fixes.extend([DisableVpnOrProxy, TryOtherNetwork]);
        } else {
            fixes.extend([ClearSiteData(ClearReason::JustInCase), PrivateWindow]);
        }
    }
    fixes
}

fn is_network_kind(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::DnsFailure
            | Kind::ConnectionRefused
            | Kind::ConnectionDropped
            | Kind::ConnectionTimedOut
            | Kind::Offline
            | Kind::ProxyFailure
    )
}

/// No verdict yet and no sign of the site's side: the diagnosis alone sets the order.
fn diagnosis_plan(diagnosis: &Diagnosis) -> Vec<Fix> {
    use Fix::*;
    match diagnosis.kind {
        Kind::DnsFailure => vec![
            CheckAddress,
            FlushDns,
            TryOtherNetwork,
            DisableVpnOrProxy,
            CheckDownForEveryone,
            TellOwner,
        ],
        Kind::Offline => vec![CheckConnection, TryOtherNetwork, WaitThenReload],
        Kind::ProxyFailure => vec![DisableVpnOrProxy, CheckConnection, TryOtherNetwork],
        Kind::ConnectionTimedOut => vec![
            CheckConnection,
            DisableVpnOrProxy,
            TryOtherNetwork,
            CheckDownForEveryone,
            WaitThenReload,
        ],
        Kind::ConnectionRefused
        | Kind::ConnectionDropped
        | Kind::ProtocolError
        | Kind::Truncated => vec![
            WaitThenReload,
            DisableVpnOrProxy,
            TryOtherNetwork,
            CheckDownForEveryone,
            TellOwner,
        ],
        _ if diagnosis.side == Side::VisitorDevice => vec![
            ClearSiteData(ClearReason::StaleCopy),
            PrivateWindow,
            WaitThenReload,
            TellOwner,
        ],
        _ if diagnosis.side == Side::VisitorNetwork => vec![
            CheckConnection,
            FlushDns,
            TryOtherNetwork,
            DisableVpnOrProxy,
        ],
        _ => vec![
            WaitThenReload,
            ClearSiteData(ClearReason::JustInCase),
            PrivateWindow,
            CheckDownForEveryone,
            TellOwner,
        ],
    }
}

/// What the checks have already shown cannot help.
fn is_ruled_out(fix: Fix, context: &StepContext<'_>) -> bool {
    let evidence = context.evidence;
    let failed = |result: &Option<FetchResult>| result.as_ref().is_some_and(FetchResult::fails);
    match fix {
        // A refetch that bypassed the cache failed too, and the failure was not served from the
        // cache: the cache is not the cause. Cookies still can be, once the checks show it.
        Fix::ClearSiteData(_) => {
            failed(&evidence.fresh)
                && !evidence.served_from_cache
                && context.verdict.kind != VerdictKind::CookiesOrSession
        }
        // Without cookies it failed as well: a private window starts the same way.
        Fix::PrivateWindow => failed(&evidence.stranger),
        Fix::CheckConnection => evidence
            .connectivity
            .as_ref()
            .is_some_and(FetchResult::works),
        // The visitor's DNS gives the right address, or no resolver knows the name at all.
        Fix::FlushDns => matches!(
            evidence.dns,
            Some(DnsComparison::Agrees | DnsComparison::NameDoesNotExist)
        ),
        // Outside services cannot reach, and must not hear of, hosts on the visitor's network.
        Fix::CheckDownForEveryone | Fix::OpenArchive => is_private_host(context.host),
        _ => false,
    }
}

fn render(fix: Fix, context: &StepContext<'_>) -> StepView {
    let host = || vec![context.host.to_string()];
    let platform = context.platform;
    match fix {
        Fix::NotYourSide => step(Msg::with("stepNotYourSide", host())),
        Fix::ReloadNow => step(Msg::with("stepReloadNow", host())).action(ActionId::RetryNow),
        Fix::WaitThenReload => {
            let key = if context.diagnosis.retry_after.is_some() {
                "stepWaitForRetryAfter"
            } else {
                "stepWaitAndRefresh"
            };
            step(Msg::new(key)).action(ActionId::RetryNow)
        }
        Fix::ClearSiteData(reason) => {
            let key = match reason {
                ClearReason::StaleCopy => "stepClearStaleCopy",
                ClearReason::Cookies => "stepClearSiteCookies",
                ClearReason::JustInCase => "stepClearSiteCache",
            };
            StepView {
                menu_path: site_data_menu(platform),
                ..step(Msg::with(key, host())).action(ActionId::ClearSiteData)
            }
        }
        Fix::PrivateWindow => {
            let key = match (platform.browser, platform.os) {
                // No windows on Android, and no extension may open a private tab there.
                (Browser::Firefox, Os::Android) => "stepPrivateTabFirefoxAndroid",
                (Browser::Chrome, _) => "stepIncognitoWindow",
                (Browser::Edge, _) => "stepInPrivateWindow",
                _ => "stepPrivateWindow",
            };
            StepView {
                shortcut: private_window_shortcut(platform).map(str::to_string),
                ..step(Msg::new(key)).action(ActionId::OpenPrivateWindow)
            }
        }
        Fix::CheckDownForEveryone => {
            // Once the outside checker has answered, the verdict already says what it found:
            // its page is there to see the answer first-hand.
            let key = if context.evidence.checker.is_some() {
                "stepSeeCheckerAnswer"
            } else {
                "stepCheckDownForEveryone"
            };
            step(Msg::with(key, host())).action(ActionId::OpenCheckerPage)
        }
        Fix::CheckAddress => step(Msg::with("stepCheckAddress", host())),
        Fix::FlushDns => flush_dns_step(platform.os),
        Fix::DisableVpnOrProxy => match context.evidence.proxy_configured {
            // No browser proxy: only a VPN (invisible to the browser) is left to try.
            Some(false) => step(Msg::new("stepDisableVpn")),
            Some(true) => step(Msg::new("stepTurnOffProxy")).action(ActionId::CheckProxy),
            None => step(Msg::new("stepDisableVpnOrProxy")).action(ActionId::CheckProxy),
        },
        Fix::CheckConnection => step(Msg::new("stepCheckConnection")),
        Fix::TryOtherNetwork => step(Msg::new("stepTryOtherNetwork")),
        Fix::TellOwner => step(Msg::with("stepTellOwner", host())),
        Fix::OpenArchive => {
            step(Msg::with("stepOpenArchive", host())).action(ActionId::OpenArchive)
        }
        Fix::Only(key) => step(Msg::with(key, host())),
        Fix::SignIn => step(Msg::new("stepSignInToNetwork")).action(ActionId::OpenSignInPage),
        Fix::ReadStatusPage => StepView {
            link: crate::view::status::status_page_for(context.verdict.kind, context.evidence),
            ..step(Msg::with("stepReadStatusPage", host())).action(ActionId::OpenStatusPage)
        },
    }
}

fn step(text: Msg) -> StepView {
    StepView {
        text,
        command: None,
        shortcut: None,
        menu_path: None,
        action: None,
        link: None,
    }
}

impl StepView {
    fn action(self, action: ActionId) -> StepView {
        StepView {
            action: Some(action),
            ..self
        }
    }
}

/// The command that empties the system's DNS cache, where there is one to type.
pub fn dns_flush_command(os: Os) -> Option<&'static str> {
    match os {
        Os::Windows => Some("ipconfig /flushdns"),
        Os::MacOs => Some("sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder"),
        // systemd-resolved, the default resolver cache of most current distributions.
        Os::Linux => Some("resolvectl flush-caches"),
        Os::ChromeOs | Os::Android | Os::Ios | Os::Other => None,
    }
}

fn flush_dns_step(os: Os) -> StepView {
    let key = match os {
        Os::Windows => "stepFlushDnsWindows",
        Os::MacOs => "stepFlushDnsMac",
        Os::Linux => "stepFlushDnsLinux",
        // No terminal: reconnecting makes the device look names up afresh.
        Os::ChromeOs => "stepRenewNetworkChromeOs",
        Os::Android | Os::Ios => "stepRenewNetworkPhone",
        Os::Other => "stepFlushDns",
    };
    match dns_flush_command(os) {
        Some(command) => StepView {
            command: Some(command.to_string()),
            ..step(Msg::new(key)).action(ActionId::CopyDnsCommand)
        },
        None => step(Msg::new(key)),
    }
}

/// The keyboard shortcut for a new private window; none on phones or in unknown browsers.
pub fn private_window_shortcut(platform: Platform) -> Option<&'static str> {
    if platform.os.is_mobile() {
        return None;
    }
    let mac = platform.os == Os::MacOs;
    match platform.browser {
        Browser::Firefox if mac => Some("Cmd+Shift+P"),
        Browser::Firefox => Some("Ctrl+Shift+P"),
        Browser::Other => None,
        _ if mac => Some("Cmd+Shift+N"),
        _ => Some("Ctrl+Shift+N"),
    }
}

/// Where this browser lets the visitor clear one site's data by hand.
pub fn site_data_menu(platform: Platform) -> Option<Msg> {
    let key = match (platform.browser, platform.os) {
        (_, Os::Ios) | (Browser::Other, _) => return None,
        // The padlock clears one site's cookies and storage; its cache only goes with everyone's.
        (Browser::Firefox, Os::Android) => "menuSiteDataFirefoxAndroidMenu",
        (Browser::Firefox, _) => "menuSiteDataFirefox",
        (Browser::Chrome, Os::Android) => "menuSiteDataChromeAndroid",
        // The other Chromium browsers' Android menus differ from Chrome's and from each other.
        (_, Os::Android) => return None,
        (Browser::Edge, _) => "menuSiteDataEdge",
        (Browser::Chrome | Browser::Brave | Browser::Opera | Browser::Vivaldi, _) => {
            "menuSiteDataChromium"
        }
    };
    Some(Msg::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::providers::CheckerAnswer;
    use crate::diagnosis::{Fixer, Kind};

    fn diagnosis(kind: Kind, side: Side) -> Diagnosis {
        Diagnosis {
            kind,
            side,
            fixer: Fixer::SiteOwner,
            generator: None,
            edge: None,
            clues: Vec::new(),
            references: Vec::new(),
            retry_after: None,
            likely_temporary: true,
            stack: Vec::new(),
            page_title: None,
        }
    }

    fn fetch(status: Option<u16>) -> Option<FetchResult> {
        Some(FetchResult {
            status,
            error: status
                .is_none()
                .then(|| "TypeError: Failed to fetch".to_string()),
            elapsed_ms: 20,
            redirected: false,
        })
    }

    fn verdict(kind: VerdictKind, confidence: Confidence, reasons: Vec<Reason>) -> Verdict {
        Verdict {
            kind,
            confidence,
            reasons,
        }
    }

    const CHROME_WINDOWS: Platform = Platform {
        browser: Browser::Chrome,
        major_version: Some(124),
        os: Os::Windows,
    };

    fn steps_for(
        diagnosis: &Diagnosis,
        verdict: &Verdict,
        evidence: &Evidence,
        platform: Platform,
    ) -> Vec<StepView> {
        visitor_steps(&StepContext {
            host: "shop.example",
            diagnosis,
            verdict,
            evidence,
            platform,
        })
    }

    fn keys(steps: &[StepView]) -> Vec<&'static str> {
        steps.iter().map(|s| s.text.key).collect()
    }

    fn actions(steps: &[StepView]) -> Vec<ActionId> {
        steps.iter().filter_map(|s| s.action).collect()
    }

    #[test]
    fn each_verdict_leads_with_its_own_fix() {
        let bad_gateway = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        let cases = [
            (
                "works again",
                verdict(VerdictKind::WorksAgain, Confidence::High, vec![]),
                Evidence {
                    fresh: fetch(Some(200)),
                    ..Default::default()
                },
                "stepReloadNow",
                ActionId::RetryNow,
            ),
            (
                "cached copy",
                verdict(VerdictKind::CachedCopy, Confidence::High, vec![]),
                Evidence {
                    served_from_cache: true,
                    fresh: fetch(Some(200)),
                    ..Default::default()
                },
                "stepClearStaleCopy",
                ActionId::ClearSiteData,
            ),
            (
                "cookies",
                verdict(VerdictKind::CookiesOrSession, Confidence::High, vec![]),
                Evidence {
                    fresh: fetch(Some(502)),
                    stranger: fetch(Some(200)),
                    ..Default::default()
                },
                "stepClearSiteCookies",
                ActionId::ClearSiteData,
            ),
            (
                "proxy",
                verdict(VerdictKind::ProxyOrVpn, Confidence::Medium, vec![]),
                Evidence {
                    proxy_configured: Some(true),
                    ..Default::default()
                },
                "stepTurnOffProxy",
                ActionId::CheckProxy,
            ),
            (
                "down for everyone",
                verdict(VerdictKind::DownForEveryone, Confidence::High, vec![]),
                Evidence {
                    fresh: fetch(Some(502)),
                    stranger: fetch(Some(502)),
                    checker: Some(CheckerAnswer {
                        up: false,
                        status: Some(502),
                        detail: None,
                    }),
                    ..Default::default()
                },
                "stepNotYourSide",
                ActionId::RetryNow,
            ),
        ];
        for (name, verdict, evidence, first_key, first_action) in cases {
            let steps = steps_for(&bad_gateway, &verdict, &evidence, CHROME_WINDOWS);
            assert_eq!(steps[0].text.key, first_key, "{name}: {:?}", keys(&steps));
            assert_eq!(actions(&steps)[0], first_action, "{name}");
        }
    }

    #[test]
    fn cookies_verdict_offers_clearing_and_a_private_window() {
        let steps = steps_for(
            &diagnosis(Kind::BadGateway, Side::OriginUpstream),
            &verdict(VerdictKind::CookiesOrSession, Confidence::High, vec![]),
            &Evidence {
                fresh: fetch(Some(502)),
                stranger: fetch(Some(200)),
                ..Default::default()
            },
            CHROME_WINDOWS,
        );
        assert_eq!(
            actions(&steps),
            [ActionId::ClearSiteData, ActionId::OpenPrivateWindow]
        );
        assert_eq!(steps[1].shortcut.as_deref(), Some("Ctrl+Shift+N"));
        assert_eq!(
            steps[0].menu_path.as_ref().map(|m| m.key),
            Some("menuSiteDataChromium")
        );
    }

    #[test]
    fn site_side_faults_say_so_first_and_drop_visitor_fixes_when_sure() {
        let d = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        let down = Evidence {
            fresh: fetch(Some(502)),
            stranger: fetch(Some(502)),
            checker: Some(CheckerAnswer {
                up: false,
                status: None,
                detail: None,
            }),
            ..Default::default()
        };
        let sure = steps_for(
            &d,
            &verdict(VerdictKind::DownForEveryone, Confidence::High, vec![]),
            &down,
            CHROME_WINDOWS,
        );
        assert_eq!(
            keys(&sure),
            [
                "stepNotYourSide",
                "stepWaitAndRefresh",
                "stepSeeCheckerAnswer",
                "stepOpenArchive"
            ]
        );
        // Checks still running: the visitor's own fixes stay, after the honest message.
        let provisional = steps_for(
            &d,
            &verdict(VerdictKind::Unknown, Confidence::Low, vec![]),
            &Evidence::default(),
            CHROME_WINDOWS,
        );
        assert_eq!(
            keys(&provisional),
            [
                "stepNotYourSide",
                "stepWaitAndRefresh",
                "stepCheckDownForEveryone",
                "stepClearSiteCache",
                "stepIncognitoWindow",
                "stepOpenArchive"
            ]
        );
    }

    #[test]
    fn ruled_out_steps_are_hidden() {
        let d = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        let unsure = verdict(VerdictKind::DownForEveryone, Confidence::Low, vec![]);
        // The fresh refetch failed too, not from cache; the stranger failed too.
        let both_failed = Evidence {
            fresh: fetch(Some(502)),
            stranger: fetch(Some(502)),
            ..Default::default()
        };
        let steps = steps_for(&d, &unsure, &both_failed, CHROME_WINDOWS);
        assert!(!actions(&steps).contains(&ActionId::ClearSiteData));
        assert!(!actions(&steps).contains(&ActionId::OpenPrivateWindow));
        // The failed answer came from the cache: clearing it still makes sense.
        let cached = Evidence {
            served_from_cache: true,
            ..both_failed.clone()
        };
        let steps = steps_for(&d, &unsure, &cached, CHROME_WINDOWS);
        assert!(actions(&steps).contains(&ActionId::ClearSiteData));

        let network = verdict(VerdictKind::NetworkOrDns, Confidence::Medium, vec![]);
        let dns_agrees_no_proxy = Evidence {
            dns: Some(DnsComparison::Agrees),
            proxy_configured: Some(false),
            connectivity: fetch(Some(204)),
            ..Default::default()
        };
        let steps = steps_for(&d, &network, &dns_agrees_no_proxy, CHROME_WINDOWS);
        assert_eq!(
            keys(&steps),
            [
                "stepTryOtherNetwork",
                "stepDisableVpn",
                "stepCheckDownForEveryone",
                "stepOpenArchive"
            ]
        );
        assert!(!actions(&steps).contains(&ActionId::CheckProxy));
    }

    #[test]
    fn dns_steps_fit_the_system() {
        let d = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        let v = verdict(
            VerdictKind::NetworkOrDns,
            Confidence::High,
            vec![Reason::DnsDiffers],
        );
        let e = Evidence {
            dns: Some(DnsComparison::Differs),
            ..Default::default()
        };
        let cases = [
            (
                Os::Windows,
                "stepFlushDnsWindows",
                Some("ipconfig /flushdns"),
            ),
            (
                Os::MacOs,
                "stepFlushDnsMac",
                Some("sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder"),
            ),
            (
                Os::Linux,
                "stepFlushDnsLinux",
                Some("resolvectl flush-caches"),
            ),
            (Os::ChromeOs, "stepRenewNetworkChromeOs", None),
            (Os::Android, "stepRenewNetworkPhone", None),
            (Os::Ios, "stepRenewNetworkPhone", None),
            (Os::Other, "stepFlushDns", None),
        ];
        for (os, key, command) in cases {
            let steps = steps_for(&d, &v, &e, Platform::new(Browser::Firefox, os));
            assert_eq!(steps[0].text.key, key, "{os:?}");
            assert_eq!(steps[0].command.as_deref(), command, "{os:?}");
            let copy = command.map(|_| ActionId::CopyDnsCommand);
            assert_eq!(steps[0].action, copy, "{os:?}");
        }
    }

    #[test]
    fn private_window_shortcuts_and_menus_fit_the_browser() {
        let cases = [
            (Browser::Chrome, Os::Windows, Some("Ctrl+Shift+N")),
            (Browser::Chrome, Os::MacOs, Some("Cmd+Shift+N")),
            (Browser::Edge, Os::Windows, Some("Ctrl+Shift+N")),
            (Browser::Brave, Os::Linux, Some("Ctrl+Shift+N")),
            (Browser::Opera, Os::MacOs, Some("Cmd+Shift+N")),
            (Browser::Vivaldi, Os::ChromeOs, Some("Ctrl+Shift+N")),
            (Browser::Firefox, Os::Linux, Some("Ctrl+Shift+P")),
            (Browser::Firefox, Os::MacOs, Some("Cmd+Shift+P")),
            (Browser::Firefox, Os::Android, None),
            (Browser::Chrome, Os::Ios, None),
            (Browser::Other, Os::Windows, None),
        ];
        for (browser, os, shortcut) in cases {
            let platform = Platform::new(browser, os);
            assert_eq!(
                private_window_shortcut(platform),
                shortcut,
                "{browser:?} {os:?}"
            );
        }
        let menu = |browser, os| site_data_menu(Platform::new(browser, os)).map(|m| m.key);
        assert_eq!(
            menu(Browser::Firefox, Os::Windows),
            Some("menuSiteDataFirefox")
        );
        assert_eq!(menu(Browser::Edge, Os::MacOs), Some("menuSiteDataEdge"));
        assert_eq!(
            menu(Browser::Brave, Os::Linux),
            Some("menuSiteDataChromium")
        );
        assert_eq!(
            menu(Browser::Chrome, Os::Android),
            Some("menuSiteDataChromeAndroid")
        );
        assert_eq!(menu(Browser::Chrome, Os::Ios), None);

        let d = diagnosis(Kind::BadGateway, Side::VisitorDevice);
        let v = verdict(VerdictKind::Unknown, Confidence::Low, vec![]);
        let edge = steps_for(
            &d,
            &v,
            &Evidence::default(),
            Platform::new(Browser::Edge, Os::Windows),
        );
        assert_eq!(
            keys(&edge)[..2],
            ["stepClearStaleCopy", "stepInPrivateWindow"]
        );
        let firefox = steps_for(
            &d,
            &v,
            &Evidence::default(),
            Platform::new(Browser::Firefox, Os::Windows),
        );
        assert_eq!(keys(&firefox)[1], "stepPrivateWindow");
        assert_eq!(firefox[1].shortcut.as_deref(), Some("Ctrl+Shift+P"));
    }

    #[test]
    fn firefox_on_android_names_its_own_menus() {
        let android = Platform::new(Browser::Firefox, Os::Android);
        let cookies = steps_for(
            &diagnosis(Kind::BadGateway, Side::OriginUpstream),
            &verdict(VerdictKind::CookiesOrSession, Confidence::High, vec![]),
            &Evidence::default(),
            android,
        );
        let clear = &cookies[0];
        assert_eq!(clear.action, Some(ActionId::ClearSiteData));
        assert_eq!(
            clear.menu_path.as_ref().map(|m| m.key),
            Some("menuSiteDataFirefoxAndroidMenu")
        );
        let private = cookies
            .iter()
            .find(|s| s.action == Some(ActionId::OpenPrivateWindow))
            .expect("a private tab step");
        assert_eq!(private.text.key, "stepPrivateTabFirefoxAndroid");
        assert_eq!(private.shortcut, None, "no keyboard on a phone");
        let dns = steps_for(
            &diagnosis(Kind::BadGateway, Side::OriginUpstream),
            &verdict(
                VerdictKind::NetworkOrDns,
                Confidence::High,
                vec![Reason::DnsDiffers],
            ),
            &Evidence::default(),
            android,
        );
        assert_eq!(dns[0].text.key, "stepRenewNetworkPhone");
        assert_eq!(dns[0].command, None, "no terminal on a phone");
    }

    #[test]
    fn outside_services_never_hear_of_private_hosts() {
        let d = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        let v = verdict(VerdictKind::Unknown, Confidence::Low, vec![]);
        let e = Evidence::default();
        let steps = visitor_steps(&StepContext {
            host: "nas.local",
            diagnosis: &d,
            verdict: &v,
            evidence: &e,
            platform: CHROME_WINDOWS,
        });
        let acts = actions(&steps);
        assert!(!acts.contains(&ActionId::OpenArchive));
        assert!(!acts.contains(&ActionId::OpenCheckerPage));
    }

    #[test]
    fn unknown_verdicts_follow_the_diagnosis() {
        let v = verdict(VerdictKind::Unknown, Confidence::Low, vec![]);
        let e = Evidence::default();
        let dns = steps_for(
            &diagnosis(Kind::DnsFailure, Side::VisitorNetwork),
            &v,
            &e,
            CHROME_WINDOWS,
        );
        assert_eq!(keys(&dns)[..2], ["stepCheckAddress", "stepFlushDnsWindows"]);
        let offline = steps_for(
            &diagnosis(Kind::Offline, Side::VisitorDevice),
            &v,
            &e,
            CHROME_WINDOWS,
        );
        assert_eq!(offline[0].text.key, "stepCheckConnection");
        // A refused connection points at the site, but the visitor's network is not ruled out.
        let refused = steps_for(
            &diagnosis(Kind::ConnectionRefused, Side::Origin),
            &v,
            &e,
            CHROME_WINDOWS,
        );
        assert_eq!(refused[0].text.key, "stepNotYourSide");
        assert!(keys(&refused).contains(&"stepDisableVpnOrProxy"));
        assert!(!keys(&refused).contains(&"stepClearSiteCache"));
    }

    #[test]
    fn every_step_is_unique_and_args_name_the_host() {
        let d = diagnosis(Kind::BadGateway, Side::OriginUpstream);
        for kind in [
            VerdictKind::DownForEveryone,
            VerdictKind::CachedCopy,
            VerdictKind::CookiesOrSession,
            VerdictKind::NetworkOrDns,
            VerdictKind::ProxyOrVpn,
            VerdictKind::WorksAgain,
            VerdictKind::Unknown,
        ] {
            let steps = steps_for(
                &d,
                &verdict(kind, Confidence::Medium, vec![]),
                &Evidence::default(),
                CHROME_WINDOWS,
            );
            assert!(!steps.is_empty(), "{kind:?}");
            let mut seen = keys(&steps);
            seen.dedup();
            assert_eq!(seen.len(), steps.len(), "{kind:?}");
            for s in &steps {
                assert!(s.text.args.iter().all(|a| a == "shop.example"));
            }
        }
    }

    #[test]
    fn action_names_round_trip() {
        for id in ActionId::ALL {
            assert_eq!(ActionId::parse(id.as_str()), Some(id));
        }
        assert_eq!(ActionId::parse("format"), None);
    }
}

/// The Wayback Machine's most recent copy of the page (without its fragment).
/// The archive's copy of the page. The query (tokens, ids, search terms) goes to the archive only
/// when the visitor ticked "include the part after ?", as for the report; never the fragment.
pub fn archive_url(page_url: &str, include_query: bool) -> String {
    let page = page_url.split('#').next().unwrap_or_default();
    let page = if include_query {
        page
    } else {
        page.split('?').next().unwrap_or_default()
    };
    format!("https://web.archive.org/web/2/{page}")
}

#[cfg(test)]
mod archive_tests {
    #[test]
    fn archive_links_keep_the_query_only_when_asked() {
        let cases = [
            (
                "https://shop.example/a?token=s3cret#top",
                false,
                "https://web.archive.org/web/2/https://shop.example/a",
            ),
            (
                "https://shop.example/a?b=1#top",
                true,
                "https://web.archive.org/web/2/https://shop.example/a?b=1",
            ),
            (
                "https://shop.example/#x?y",
                false,
                "https://web.archive.org/web/2/https://shop.example/",
            ),
            (
                "https://shop.example/a",
                true,
                "https://web.archive.org/web/2/https://shop.example/a",
            ),
        ];
        for (url, include_query, expected) in cases {
            assert_eq!(super::archive_url(url, include_query), expected, "{url}");
        }
    }
}
