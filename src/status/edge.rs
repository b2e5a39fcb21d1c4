//! Whether an answer came from a CDN's edge cache: the cache-status headers each CDN writes.
//! A static asset answered from the edge's cache while the page fails says the edge is up and
//! the site's own server behind it is not (for CDNs without Cloudflare's `/cdn-cgi/trace`).
//!
//! Header names are lowercase (as the incident stores them). Sources:
//! - Cloudflare `cf-cache-status: HIT`: https://developers.cloudflare.com/cache/concepts/cache-responses/
//! - Fastly `x-cache: HIT` (one entry per cache with shielding, "HIT, MISS"; "any entries in
//!   this header except MISS indicate that the request was satisfied from cache"):
//!   https://www.fastly.com/documentation/reference/http/http-headers/X-Cache/ ; named Fastly
//!   only with Fastly's own `x-served-by: cache-…` next to it (a bare `x-cache: HIT` is any
//!   Varnish or Squid, perhaps the site's own).
//! - Amazon CloudFront `x-cache: Hit from cloudfront` (also "RefreshHit from cloudfront"):
//!   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-hit-ratio.html ,
//!   as captured in public answers ("X-Cache:Hit from cloudfront").
//! - Akamai `x-cache: TCP_HIT from a….deploy.akamaitechnologies.com` (debug pragma) and the
//!   Return Cache Status behaviour's `akamai-cache-status: Hit from child`:
//!   https://techdocs.akamai.com/property-mgr/reference/ga-return-cache-status
//! - Azure CDN (Microsoft) `x-cache: TCP_HIT` / `TCP_REMOTE_HIT`:
//!   https://learn.microsoft.com/azure/cdn/cdn-msft-http-debug-headers
//! - Vercel `x-vercel-cache: HIT` (also STALE, PRERENDER: served without the function):
//!   https://vercel.com/docs/headers/response-headers#x-vercel-cache
//! - Netlify `cache-status: "Netlify Edge"; hit` (RFC 9211 Cache-Status):
//!   https://docs.netlify.com/platform/caching/
//! - bunny.net `cdn-cache: HIT`: https://support.bunny.net/hc/en-us/articles/360000248231

/// The CDN that answered from its edge cache, when the headers say so.
pub fn served_by_edge_cache(headers: &[(String, String)]) -> Option<&'static str> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().chars().take(300).collect::<String>())
    };
    let upper = |name: &str| get(name).map(|v| v.to_ascii_uppercase());

    if upper("cf-cache-status").as_deref() == Some("HIT") {
        return Some("Cloudflare");
    }
    if let Some(v) = upper("x-vercel-cache") {
        if matches!(v.as_str(), "HIT" | "STALE" | "PRERENDER") {
            return Some("Vercel");
        }
    }
    if let Some(v) = get("cache-status") {
        // RFC 9211: comma-separated caches, each `"name"; hit` or `"name"; fwd=...`.
        let netlify_hit = v.split(',').any(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default().trim_matches('"');
            name.eq_ignore_ascii_case("Netlify Edge")
                && parts.any(|p| p.eq_ignore_ascii_case("hit"))
        });
        if netlify_hit {
            return Some("Netlify");
        }
    }
    if upper("cdn-cache").as_deref() == Some("HIT") {
        return Some("bunny.net");
    }
    if let Some(v) = upper("akamai-cache-status") {
        if v.starts_with("HIT") || v.starts_with("REFRESHHIT") {
            return Some("Akamai");
        }
    }
    let x_cache = upper("x-cache")?;
    if x_cache.ends_with(" FROM CLOUDFRONT") {
        let status = x_cache.trim_end_matches(" FROM CLOUDFRONT");
        return matches!(status, "HIT" | "REFRESHHIT").then_some("Amazon CloudFront");
    }
    if x_cache.starts_with("TCP_") {
        let status = x_cache.split_whitespace().next().unwrap_or_default();
        if !status.ends_with("_HIT") {
            return None;
        }
        return Some(if x_cache.contains("AKAMAI") {
            "Akamai"
        } else {
            "Azure CDN"
        });
    }
    let entries: Vec<&str> = x_cache.split(',').map(str::trim).collect();
    let fastly = get("x-served-by").is_some_and(|v| v.trim_start().starts_with("cache-"));
    let all_known = entries.iter().all(|e| matches!(*e, "HIT" | "MISS"));
    (fastly && all_known && entries.contains(&"HIT")).then_some("Fastly")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_cdn_s_hit() {
        for (headers, expected) in [
            (h(&[("cf-cache-status", "HIT")]), Some("Cloudflare")),
            (h(&[("cf-cache-status", "MISS")]), None),
            (h(&[("cf-cache-status", "DYNAMIC")]), None),
            (
                h(&[("x-cache", "HIT"), ("x-served-by", "cache-fra19143-FRA")]),
                Some("Fastly"),
            ),
            (
                h(&[
                    ("x-cache", "HIT, HIT"),
                    ("x-served-by", "cache-iad-1, cache-fra-2"),
                ]),
                Some("Fastly"),
            ),
            (
                h(&[("x-cache", "MISS, HIT"), ("x-served-by", "cache-fra-2")]),
                Some("Fastly"),
            ),
            (
                h(&[("x-cache", "MISS, MISS"), ("x-served-by", "cache-fra-2")]),
                None,
            ),
            (h(&[("x-cache", "HIT")]), None),
            (
                h(&[("x-cache", "Hit from cloudfront")]),
                Some("Amazon CloudFront"),
            ),
            (
                h(&[("x-cache", "RefreshHit from cloudfront")]),
                Some("Amazon CloudFront"),
            ),
            (h(&[("x-cache", "Miss from cloudfront")]), None),
            (h(&[("x-cache", "Error from cloudfront")]), None),
            (
                h(&[(
                    "x-cache",
                    "TCP_MEM_HIT from a23-55-1-2.deploy.akamaitechnologies.com (AkamaiGHost/10.0)",
                )]),
                Some("Akamai"),
            ),
            (
                h(&[(
                    "x-cache",
                    "TCP_MISS from a23-55-1-2.deploy.akamaitechnologies.com",
                )]),
                None,
            ),
            (
                h(&[("akamai-cache-status", "Hit from child")]),
                Some("Akamai"),
            ),
            (
                h(&[("akamai-cache-status", "Miss from child, Miss from parent")]),
                None,
            ),
            (h(&[("x-cache", "TCP_REMOTE_HIT")]), Some("Azure CDN")),
            (h(&[("x-vercel-cache", "HIT")]), Some("Vercel")),
            (h(&[("x-vercel-cache", "MISS")]), None),
            (
                h(&[("cache-status", "\"Netlify Edge\"; hit")]),
                Some("Netlify"),
            ),
            (
                h(&[(
                    "cache-status",
                    "\"Netlify Durable\"; fwd=miss, \"Netlify Edge\"; fwd=miss",
                )]),
                None,
            ),
            (h(&[("cache-status", "\"Other\"; hit")]), None),
            (h(&[("cdn-cache", "HIT")]), Some("bunny.net")),
            (h(&[("cdn-cache", "MISS")]), None),
            (h(&[("CF-Cache-Status", "hit")]), Some("Cloudflare")),
            (h(&[]), None),
            (h(&[("x-cache", &"HIT,".repeat(10_000))]), None),
        ] {
            assert_eq!(served_by_edge_cache(&headers), expected, "{headers:?}");
        }
    }
}
