//! The ids a site owner or their provider needs to find this exact request in their logs, read
//! as the catalogue says (`catalogue.toml`, `references`) for every box that was seen.

use super::catalogue::{RefSource, BOXES};
use super::fingerprint::Generator;
use super::page::Page;
use super::Headers;
use serde::{Deserialize, Serialize};

pub use super::catalogue::ReferenceKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub value: String,
}

/// Longest id we keep: real ones are far shorter; anything longer is noise or an attack.
const MAX_ID: usize = 96;

/// The references of the boxes in `seen` (catalogue order), each kind once: headers before the
/// page, as the catalogue lists them.
pub fn references(
    headers: &Headers<'_>,
    page: Option<&Page>,
    seen: &[Generator],
) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut add = |kind: ReferenceKind, value: &str| {
        let value = value.trim();
        let plausible = !value.is_empty()
            && value.len() <= MAX_ID
            && value.chars().all(|c| c.is_ascii_graphic());
        if plausible && !found.iter().any(|r: &Reference| r.kind == kind) {
            found.push(Reference {
                kind,
                value: value.to_string(),
            });
        }
    };
    for generator in seen {
        for pattern in BOXES[*generator as usize].references {
            let raw = match pattern.source {
                RefSource::Header(name) => headers.get(name).map(str::to_string),
                RefSource::Page { marker, skip } => {
                    page.and_then(|page| page.value_after_skipping(marker, skip.into()))
                }
            };
            if let Some(value) = raw.as_deref().and_then(|v| pattern.take.apply(v)) {
                add(pattern.kind, value);
            }
        }
    }
    found
}
