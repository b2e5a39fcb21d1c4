//! Why a failed tab is not (or no longer) retried: decided by the engine, kept per tab in session
//! storage, shown by the popup and the banner.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryNote {
    NotGet,
    NotRetryable,
    /// Auto-retry is off in the settings.
    Off,
    /// Auto-retry is on, but off for this kind of failure (server errors or network errors).
    OffForKind,
    Excepted,
    GaveUpTimeLimit,
    GaveUpUnfixable,
    Cancelled,
    /// The checks found that the page fails only with the visitor's cookies: waiting won't help.
    YourCookies,
    /// A bot protection answered for the site (`crate::retry::policy::held_back`).
    BotProtection,
    /// The checks found a broken copy kept by the browser: reloading without the cache fixes it.
    YourCache,
    /// The checks found the way from the visitor to the site broken (DNS, a filter): the site
    /// answers others.
    YourNetwork,
    /// The checks found the visitor's proxy or VPN failing.
    YourProxy,
}

impl RetryNote {
    /// The checks pinned the failure on the visitor's side: waiting will not fix it, a step will.
    pub fn is_visitors_side(self) -> bool {
        matches!(
            self,
            RetryNote::YourCookies
                | RetryNote::YourCache
                | RetryNote::YourNetwork
                | RetryNote::YourProxy
        )
    }

    pub const ALL: [RetryNote; 13] = [
        RetryNote::NotGet,
        RetryNote::NotRetryable,
        RetryNote::Off,
        RetryNote::OffForKind,
        RetryNote::Excepted,
        RetryNote::GaveUpTimeLimit,
        RetryNote::GaveUpUnfixable,
        RetryNote::Cancelled,
        RetryNote::YourCookies,
        RetryNote::BotProtection,
        RetryNote::YourCache,
        RetryNote::YourNetwork,
        RetryNote::YourProxy,
    ];

    /// The `_locales` message that says it.
    pub fn message_key(self) -> &'static str {
        match self {
            RetryNote::NotGet => "retryNoteNotGet",
            RetryNote::NotRetryable => "retryNoteNotRetryable",
            RetryNote::Off => "retryNoteOff",
            RetryNote::OffForKind => "retryNoteOffForKind",
            RetryNote::Excepted => "retryNoteExcepted",
            RetryNote::GaveUpTimeLimit => "retryNoteTimeLimit",
            RetryNote::GaveUpUnfixable => "retryNoteUnfixable",
            RetryNote::Cancelled => "retryNoteCancelled",
            RetryNote::YourCookies => "retryNoteYourCookies",
            RetryNote::BotProtection => "retryNoteBotProtection",
            RetryNote::YourCache => "retryNoteYourCache",
            RetryNote::YourNetwork => "retryNoteYourNetwork",
            RetryNote::YourProxy => "retryNoteYourProxy",
        }
    }
}
