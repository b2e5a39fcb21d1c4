//! The static pages: files directly named by a safe path under one root, nothing else.

use std::path::{Path, PathBuf};

use crate::query::percent_decode;
use crate::request::{Request, Response};

/// Files larger than this are not served (the pages are a few KB).
const MAX_FILE: u64 = 4 * 1024 * 1024;

/// Serves `req.path` from `root` (already canonical).
pub fn serve(root: &Path, req: &Request) -> Response {
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Response::text(405, "method not allowed").header("Allow", "GET, HEAD");
    }
    let Some(file) = resolve(root, &req.path) else {
        return not_found();
    };
    let body = match std::fs::metadata(&file) {
        Ok(meta) if meta.len() <= MAX_FILE => std::fs::read(&file),
        _ => return not_found(),
    };
    match body {
        Ok(body) => Response::new(200, content_type(&file), body)
            .header("Cache-Control", "public, max-age=300")
            .header("X-Content-Type-Options", "nosniff")
            .header("Referrer-Policy", "no-referrer")
            .header(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                 base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    Response::text(404, "not found")
}

/// The file a URL path names, or None. `/` is `index.html`, `/privacy` is `privacy.html`.
/// Every decoded segment must be a plain name (A-Z a-z 0-9 - _ . and not starting with a
/// dot), so `..`, `%2e%2e`, `%2f`, backslashes and hidden files never reach the file system;
/// the canonical result must still lie under `root` (no symlink escapes) and be a file.
pub fn resolve(root: &Path, raw_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(raw_path, false)?;
    let rel = decoded.strip_prefix('/')?;
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let mut path = root.to_path_buf();
    for segment in rel.split('/') {
        let plain = !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !plain {
            return None;
        }
        path.push(segment);
    }
    if path.extension().is_none() {
        path.set_extension("html");
    }
    let canonical = path.canonicalize().ok()?;
    (canonical.starts_with(root) && canonical.is_file()).then_some(canonical)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("static")
            .canonicalize()
            .unwrap()
    }

    #[test]
    fn serves_the_pages() {
        let root = root();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/index.html"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/privacy"), Some(root.join("privacy.html")));
        assert_eq!(
            resolve(&root, "/privacy.html"),
            Some(root.join("privacy.html"))
        );
        assert_eq!(
            resolve(&root, "/%70rivacy.html"),
            Some(root.join("privacy.html"))
        );
    }

    #[test]
    fn refuses_traversal_and_odd_paths() {
        let root = root();
        for path in [
            "/../Cargo.toml",
            "/..",
            "/../",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/Cargo.toml",
            "/%2e%2e%2fCargo.toml",
            "/..%2fCargo.toml",
            "/..%5cCargo.toml",
            "/.%2e/Cargo.toml",
            "/static/../../Cargo.toml",
            "/./index.html",
            "//etc/passwd",
            "/%2fetc%2fpasswd",
            "/index.html/",
            "/index.html%00",
            "/nope.html",
            "/.hidden",
            "/%",
            "/a\\..\\Cargo.toml",
            "",
            "index.html",
        ] {
            assert_eq!(resolve(&root, path), None, "{path}");
        }
    }
}
