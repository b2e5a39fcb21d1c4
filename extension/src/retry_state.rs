//! Where auto-retry keeps its state in `storage.session`, shared by the background (which writes
//! it) and the popup (which shows it).

use gateway_doctor::session_keys::SessionKey;

/// Where the watchers' snapshot (`gateway_doctor::retry::WatchersState`) is kept.
pub fn state_key() -> String {
    SessionKey::RetryState.name()
}

pub use gateway_doctor::retry::RetryNote;

pub fn note_key(tab_id: i64) -> String {
    SessionKey::RetryNote(tab_id).name()
}
