//! The ids a site owner or their provider needs to find this exact request in their logs.

use super::page::Page;
use super::Headers;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    CloudflareRayId,
    CloudflareDataCenter,
    CloudFrontRequestId,
    CloudFrontPop,
    FastlyPop,
    FastlyRequestId,
    VarnishXid,
    AkamaiReference,
    SucuriId,
    VercelId,
    VercelErrorCode,
    NetlifyRequestId,
    RenderRequestId,
    FlyRequestId,
}

impl ReferenceKind {
    /// The label as the provider itself calls it.
    pub fn label(self) -> &'static str {
        match self {
            ReferenceKind::CloudflareRayId => "Cloudflare Ray ID",
            ReferenceKind::CloudflareDataCenter => "Cloudflare data centre",
            ReferenceKind::CloudFrontRequestId => "CloudFront request ID",
            ReferenceKind::CloudFrontPop => "CloudFront edge location",
            ReferenceKind::FastlyPop => "Fastly POP",
            ReferenceKind::FastlyRequestId => "Fastly request ID",
            ReferenceKind::VarnishXid => "Varnish XID",
            ReferenceKind::AkamaiReference => "Akamai reference",
            ReferenceKind::SucuriId => "Sucuri ID",
            ReferenceKind::VercelId => "Vercel ID",
            ReferenceKind::VercelErrorCode => "Vercel error code",
            ReferenceKind::NetlifyRequestId => "Netlify request ID",
            ReferenceKind::RenderRequestId => "Render request ID",
            ReferenceKind::FlyRequestId => "Fly.io request ID",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub value: String,
}

/// Words on an error page that come right before a reference id.
pub(super) const PAGE_MARKERS: [(&str, ReferenceKind); 4] = [
    ("ray id:", ReferenceKind::CloudflareRayId),
    ("request id:", ReferenceKind::CloudFrontRequestId),
    ("xid:", ReferenceKind::VarnishXid),
    ("reference #", ReferenceKind::AkamaiReference),
];

/// Longest id we keep: real ones are far shorter; anything longer is noise or an attack.
const MAX_ID: usize = 96;

pub fn references(headers: &Headers<'_>, page: Option<&Page>) -> Vec<Reference> {
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

    if let Some(ray) = headers.get("cf-ray") {
        // "8f1c2a3b4c5d6e7f-FRA": the Ray ID, then the data centre's airport code.
        match ray.rsplit_once('-') {
            Some((id, colo))
                if colo.len() == 3 && colo.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                add(ReferenceKind::CloudflareRayId, id);
                add(ReferenceKind::CloudflareDataCenter, colo);
            }
            _ => add(ReferenceKind::CloudflareRayId, ray),
        }
    }
    if let Some(id) = headers.get("x-amz-cf-id") {
        add(ReferenceKind::CloudFrontRequestId, id);
    }
    if let Some(pop) = headers.get("x-amz-cf-pop") {
        add(ReferenceKind::CloudFrontPop, pop);
    }
    if let Some(served_by) = headers.get("x-served-by") {
        // "cache-fra19143-FRA" (a chain of caches is comma-separated: the last one answered).
        let last = served_by.rsplit(',').next().unwrap_or_default().trim();
        if let Some(pop) = last
            .strip_prefix("cache-")
            .and_then(|c| c.rsplit('-').next())
        {
            add(ReferenceKind::FastlyPop, pop);
        }
    }
    if let Some(id) = headers.get("x-fastly-request-id") {
        add(ReferenceKind::FastlyRequestId, id);
    }
    if let Some(xid) = headers.get("x-varnish") {
        // "123 456": the first number is this request's XID.
        add(
            ReferenceKind::VarnishXid,
            xid.split_whitespace().next().unwrap_or_default(),
        );
    }
    for (name, kind) in [
        ("x-sucuri-id", ReferenceKind::SucuriId),
        ("x-vercel-id", ReferenceKind::VercelId),
        ("x-vercel-error", ReferenceKind::VercelErrorCode),
        ("x-nf-request-id", ReferenceKind::NetlifyRequestId),
        ("rndr-id", ReferenceKind::RenderRequestId),
        ("fly-request-id", ReferenceKind::FlyRequestId),
    ] {
        if let Some(value) = headers.get(name) {
            add(kind, value);
        }
    }

    if let Some(page) = page {
        for (marker, kind) in PAGE_MARKERS {
            if let Some(value) = page.value_after(marker) {
                add(kind, &value);
            }
        }
    }
    found
}
