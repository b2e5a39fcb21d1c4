//! Where auto-retry keeps its state in `storage.session`, shared by the background (which writes
//! it) and the popup (which shows it).

use serde::{Deserialize, Serialize};

/// The watchers' snapshot (`crate::retry::WatchersState`).
pub const STATE_KEY: &str = "retry:state";

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
}

pub fn note_key(tab_id: i64) -> String {
    format!("retry:note:{tab_id}")
}
