//! What the edge and status checks found, as stored in their records and read by the verdict:
//! whether the CDN's edge answered for itself, and what a status feed or page reports.

use crate::status::report::{StatusEvent, StatusReport};
use serde::{Deserialize, Serialize};

/// The CDN's edge, asked apart from the site behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeFinding {
    /// The CDN, as the catalogue names it.
    pub cdn: String,
    /// The edge answered for itself: Cloudflare's trace, or an asset served from its cache.
    pub answered: bool,
    /// The data centre that answered (an IATA code), when the edge said.
    #[serde(default)]
    pub place: Option<String>,
}

/// A status feed's or page's report, with whose it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusFinding {
    /// Whose status: the provider's name, or the site's status host.
    pub source: String,
    /// The page a visitor can open to read it first-hand (https only).
    #[serde(default)]
    pub page: Option<String>,
    pub report: StatusReport,
    /// What the failed request went through, to match against the report's components (for
    /// Cloudflare, its data centre: `(FRA)`).
    #[serde(default)]
    pub component: Option<String>,
}

impl StatusFinding {
    /// The incident that concerns this failure: one on the component it went through, or, when
    /// that is not known, any unresolved incident.
    pub fn relevant_incident(&self) -> Option<&StatusEvent> {
        match &self.component {
            Some(component) => self.report.incident_for(component),
            None => self.report.events.iter().find(|event| !event.maintenance),
        }
    }

    /// Maintenance going on now.
    pub fn maintenance_now(&self) -> Option<&StatusEvent> {
        self.report
            .events
            .iter()
            .find(|event| event.maintenance && event.in_progress)
    }
}
