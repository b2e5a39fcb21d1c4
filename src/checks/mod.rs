//! Client-side checks and the verdict, pure: what each check found, read from plain data, and
//! "down for everyone, or just me?" decided from it. The browser layer runs the checks (a fresh
//! refetch, a refetch without cookies, an outside checker, DNS, connectivity, proxy) and hands
//! their results here.

pub mod dns;
pub mod findings;
pub mod plan;
pub mod portal;
pub mod providers;
pub mod record;
pub mod scope;
pub mod verdict;

use serde::{Deserialize, Serialize};

/// What a refetch (or a connectivity probe) got back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchResult {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The browser's error when none did (network error, timeout).
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// The server answered with a redirect, which was not followed (a check never sends the
    /// visitor's request on to another address): it answers, so the way to it works.
    #[serde(default)]
    pub redirected: bool,
}

impl FetchResult {
    /// The server answered with a page (below 500) or a redirect: whatever failed before works
    /// now.
    pub fn works(&self) -> bool {
        self.redirected || self.status.is_some_and(|s| s < 500)
    }

    pub fn fails(&self) -> bool {
        !self.works()
    }
}
