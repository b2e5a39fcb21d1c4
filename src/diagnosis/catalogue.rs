//! The boxes that write error pages, as static tables compiled by `build.rs` from
//! `catalogue.toml` (their markers, reference ids, status pages and the owner's first checks).
//! Adding a box is adding an entry there and a fixture in `tests/fixtures/boxes/`.

use serde::{Deserialize, Serialize};

/// What sort of box it is; the failing side follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoxKind {
    Cdn,
    Waf,
    LoadBalancer,
    Proxy,
    Platform,
    WebServer,
}

/// How a header's value (compared in lowercase) names a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueTest {
    Present,
    Equals(&'static str),
    Prefix(&'static str),
    Contains(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderMarker {
    pub name: &'static str,
    pub test: ValueTest,
}

impl HeaderMarker {
    /// Whether `value` (any case) passes the test.
    pub fn matches(&self, value: &str) -> bool {
        let value = value.trim();
        let lower = |needle: &str| value.to_ascii_lowercase().contains(needle);
        match self.test {
            ValueTest::Present => true,
            ValueTest::Equals(expected) => value.eq_ignore_ascii_case(expected),
            ValueTest::Prefix(prefix) => value
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix)),
            ValueTest::Contains(needle) => lower(needle),
        }
    }
}

/// Which part of a found value is the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Whole,
    /// "123 456" -> "123"; "trace/span;o=1" -> "trace".
    FirstWord,
    /// The last of a comma-separated chain: the one that answered.
    LastEntry,
    /// "8f1c2a3b4c5d6e7f-FRA" -> "8f1c2a3b4c5d6e7f".
    RayId,
    /// "8f1c2a3b4c5d6e7f-FRA" -> "FRA".
    RayColo,
    /// "cache-fra19143-FRA" (last entry) -> "FRA".
    FastlyPop,
}

impl Take {
    pub fn apply(self, value: &str) -> Option<&str> {
        let value = value.trim();
        let ray = value
            .rsplit_once('-')
            .filter(|(_, colo)| colo.len() == 3 && colo.chars().all(|c| c.is_ascii_alphabetic()));
        let last = value.rsplit(',').next().unwrap_or_default().trim();
        match self {
            Take::Whole => Some(value),
            Take::FirstWord => value.split([' ', '/', ';', ',']).next(),
            Take::LastEntry => Some(last),
            Take::RayId => Some(ray.map_or(value, |(id, _)| id)),
            Take::RayColo => ray.map(|(_, colo)| colo),
            Take::FastlyPop => last
                .strip_prefix("cache-")
                .and_then(|node| node.rsplit('-').next()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefSource {
    Header(&'static str),
    /// The token after `marker` on the page, after `skip` tokens.
    Page {
        marker: &'static str,
        skip: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefPattern {
    pub kind: ReferenceKind,
    pub source: RefSource,
    pub take: Take,
}

/// An owner checklist message; `named` ones get the box's name as $1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub key: &'static str,
    pub named: bool,
}

#[derive(Debug)]
pub struct BoxEntry {
    pub id: &'static str,
    pub name: &'static str,
    pub vendor: &'static str,
    pub kind: BoxKind,
    pub status_page: Option<&'static str>,
    /// The provider's machine-readable status: where, and which API it speaks.
    pub status_feed: Option<(&'static str, crate::status::StatusApi)>,
    /// Boxes whose markers this one's explain: not named when this one is seen.
    pub absorbs: &'static [Generator],
    pub headers: &'static [HeaderMarker],
    pub page: &'static [&'static str],
    pub references: &'static [RefPattern],
    pub checks: &'static [Check],
    pub checks_bad_gateway: &'static [Check],
    pub checks_timeout: &'static [Check],
    pub checks_unavailable: &'static [Check],
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

impl Generator {
    pub fn entry(self) -> &'static BoxEntry {
        &BOXES[self as usize]
    }

    /// The product's name as its makers write it.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn vendor(self) -> &'static str {
        self.entry().vendor
    }

    pub fn kind(self) -> BoxKind {
        self.entry().kind
    }

    pub fn status_page(self) -> Option<&'static str> {
        self.entry().status_page
    }

    /// The provider's machine-readable status feed and its API, when it publishes one the
    /// `status` readers understand.
    pub fn status_feed(self) -> Option<(&'static str, crate::status::StatusApi)> {
        self.entry().status_feed
    }

    /// CDNs and edge firewalls sit in front of the site's own servers.
    pub fn is_edge(self) -> bool {
        matches!(self.kind(), BoxKind::Cdn | BoxKind::Waf)
    }

    /// Hosting platforms run the site's code for its owner.
    pub fn is_platform(self) -> bool {
        self.kind() == BoxKind::Platform
    }

    /// The catalogue's id: "cloud_front".
    pub fn id(self) -> &'static str {
        self.entry().id
    }

    pub fn from_id(id: &str) -> Option<Generator> {
        Generator::ALL.into_iter().find(|g| g.id() == id)
    }
}

impl ReferenceKind {
    /// The label as the provider itself calls it.
    pub fn label(self) -> &'static str {
        REFERENCE_LABELS[self as usize]
    }
}
