//! Auto-retry: bring a failed page back within a second or two of the site's recovery, without
//! hammering the server and without ever re-sending a form. Pure: the browser layer passes the
//! time in milliseconds and randomness as a number in `[0, 1)`.
//!
//! - `after_checks`: what the checks' verdict means for the watch (a cookie failure stops it).
//! - `policy`: which failures are retried (GET only) and the delay between two probes.
//! - `watchers`: one watcher per origin, whatever the number of waiting tabs; at most one probe
//!   in flight per origin; every waiting tab reloaded when a probe succeeds.
//! - `reload_order`: the tabs in front reloaded first, the others once those
//!   have loaded.
//! - `simulate`: a deterministic outage simulation comparing the policy with Chromium's
//!   auto-reload and a fixed-interval reloader (used by the tests and `cargo xtask bench`).

pub mod after_checks;
pub mod note;
pub mod policy;
pub mod reload_order;
pub mod simulate;
pub mod watchers;

pub use note::RetryNote;
pub use policy::{is_get, retry_decision, NoRetry, Pace, RetryDecision, RetryPolicy};
pub use reload_order::{reload_order, ReloadOrder};
pub use watchers::{
    origin_of, AddResult, GiveUpReason, ProbeOutcome, ProbeRequest, TabId, TabStatus, TabWaitState,
    WatcherAction, Watchers, WatchersState,
};
