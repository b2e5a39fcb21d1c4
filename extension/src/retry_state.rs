//! Where auto-retry keeps its state in `storage.session`, shared by the background (which writes
//! it) and the popup (which shows it).

use gateway_doctor::session_keys::SessionKey;
use serde::{Deserialize, Serialize};

/// Where the watchers' snapshot (`gateway_doctor::retry::WatchersState`) is kept.
pub fn state_key() -> String {
    SessionKey::RetryState.name()
}

/// What the popup shows about a tab that is not (or no longer) being retried.
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
    /// A bot protection answered for the site (`gateway_doctor::retry::policy::held_back`).
    BotProtection,
}

impl RetryNote {
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

pub fn note_key(tab_id: i64) -> String {
    SessionKey::RetryNote(tab_id).name()
}
