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

/// Which checks a run starts for a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksRun {
    /// The automatic checks, the moment a page fails.
    First,
    /// The same again, at the visitor's request: each refetch is its own, never one shared
    /// with another tab's recent refetch of the site.
    Again,
    /// The proxy check alone, at the visitor's click (its permission can only be asked in one).
    Proxy,
}

impl ChecksRun {
    /// How the background hands a run to the failure module: a number.
    pub fn code(self) -> u32 {
        match self {
            ChecksRun::First => 0,
            ChecksRun::Again => 1,
            ChecksRun::Proxy => 2,
        }
    }

    /// The run a code names; none for any other number.
    pub fn from_code(code: u32) -> Option<ChecksRun> {
        [ChecksRun::First, ChecksRun::Again, ChecksRun::Proxy]
            .into_iter()
            .find(|run| run.code() == code)
    }
}

#[cfg(test)]
mod run_tests {
    use super::ChecksRun;

    #[test]
    fn each_run_has_its_own_code_and_other_codes_name_none() {
        for run in [ChecksRun::First, ChecksRun::Again, ChecksRun::Proxy] {
            assert_eq!(ChecksRun::from_code(run.code()), Some(run));
        }
        assert_eq!(ChecksRun::from_code(3), None);
        assert_eq!(ChecksRun::from_code(u32::MAX), None);
    }
}

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
