//! Why a failed tab is not (or no longer) retried: decided by the engine, kept per tab in session
//! storage, shown by the popup and the banner.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryNote {
    NotGet,
    NotRetryable,
    Off,
    Excepted,
    GaveUpTimeLimit,
    GaveUpUnfixable,
    Cancelled,
    /// The checks found that the page fails only with the visitor's cookies: waiting won't help.
    YourCookies,
    /// A bot protection answered for the site (`crate::retry::policy::held_back`).
    BotProtection,
}

impl RetryNote {
    pub const ALL: [RetryNote; 9] = [
        RetryNote::NotGet,
        RetryNote::NotRetryable,
        RetryNote::Off,
        RetryNote::Excepted,
        RetryNote::GaveUpTimeLimit,
        RetryNote::GaveUpUnfixable,
        RetryNote::Cancelled,
        RetryNote::YourCookies,
        RetryNote::BotProtection,
    ];

    /// The `_locales` message that says it.
    pub fn message_key(self) -> &'static str {
        match self {
            RetryNote::NotGet => "retryNoteNotGet",
            RetryNote::NotRetryable => "retryNoteNotRetryable",
            RetryNote::Off => "retryNoteOff",
            RetryNote::Excepted => "retryNoteExcepted",
            RetryNote::GaveUpTimeLimit => "retryNoteTimeLimit",
            RetryNote::GaveUpUnfixable => "retryNoteUnfixable",
            RetryNote::Cancelled => "retryNoteCancelled",
            RetryNote::YourCookies => "retryNoteYourCookies",
            RetryNote::BotProtection => "retryNoteBotProtection",
        }
    }
}
