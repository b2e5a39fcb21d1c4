//! Which box generated the error response: a CDN, a hosting platform, or the site's own gateway,
//! from the markers of the catalogue (`catalogue.toml`). The page (when read) outranks headers,
//! since a CDN passes an origin's page through with its own headers on top; among boxes named
//! only by headers, the innermost one (not a CDN) wrote the response.

use super::catalogue::BOXES;
use super::page::Page;
use super::Headers;
use serde::{Deserialize, Serialize};

pub use super::catalogue::{BoxKind, Generator};

/// One reason for a conclusion, shown to the visitor: "header server: cloudflare".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clue {
    pub source: ClueSource,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClueSource {
    Header,
    Page,
}

/// Who generated the response, who stands in front of the site, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// The box that wrote the error page.
    pub generator: Option<Generator>,
    /// A CDN or edge seen in the headers that did not write the page itself.
    pub edge: Option<Generator>,
    pub clues: Vec<Clue>,
    /// Every box whose markers were seen, named or absorbed, in catalogue order: their reference
    /// ids are read (a Cloudflare Worker's error still carries Cloudflare's Ray ID).
    pub seen: Vec<Generator>,
}

/// How a box was seen: the first page marker and the first header that named it.
#[derive(Clone, Copy, Default)]
struct Hit {
    page: Option<&'static str>,
    header: Option<&'static str>,
}

pub fn fingerprint(headers: &Headers<'_>, page: Option<&Page>) -> Fingerprint {
    let mut hits = [Hit::default(); BOXES.len()];
    for (entry, hit) in BOXES.iter().zip(hits.iter_mut()) {
        hit.page = page.and_then(|page| entry.page.iter().copied().find(|m| page.has(m)));
        hit.header = entry
            .headers
            .iter()
            .find(|marker| headers.get(marker.name).is_some_and(|v| marker.matches(v)))
            .map(|marker| marker.name);
    }
    // A box whose markers another seen box explains is not named at all (Fastly runs Varnish).
    let mut absorbed = [false; BOXES.len()];
    for (entry, hit) in BOXES.iter().zip(&hits) {
        if hit.page.is_some() || hit.header.is_some() {
            for other in entry.absorbs {
                absorbed[*other as usize] = true;
            }
        }
    }
    let live = |g: &Generator| !absorbed[*g as usize];
    let by_page = Generator::ALL
        .into_iter()
        .filter(live)
        .find(|g| hits[*g as usize].page.is_some());
    let by_headers: Vec<Generator> = Generator::ALL
        .into_iter()
        .filter(live)
        .filter(|g| hits[*g as usize].header.is_some())
        .collect();
    let generator = by_page.or_else(|| {
        by_headers
            .iter()
            .copied()
            .find(|g| !g.is_edge())
            .or_else(|| by_headers.first().copied())
    });
    let edge = by_headers
        .iter()
        .copied()
        .find(|g| g.is_edge() && Some(*g) != generator);

    let mut clues = Vec::new();
    if let Some(g) = generator {
        let hit = hits[g as usize];
        if let Some(marker) = hit.page {
            clues.push(Clue {
                source: ClueSource::Page,
                detail: words_of(marker),
            });
        }
        if let Some(name) = hit.header {
            clues.push(header_clue(headers, name));
        }
    }
    if let Some(name) = edge.and_then(|e| hits[e as usize].header) {
        clues.push(header_clue(headers, name));
    }
    let seen = Generator::ALL
        .into_iter()
        .filter(|g| {
            let hit = hits[*g as usize];
            hit.page.is_some() || hit.header.is_some()
        })
        .collect();
    Fingerprint {
        generator,
        edge,
        clues,
        seen,
    }
}

/// The words of a marker, not the markup around them: "<center>nginx" reads as "nginx",
/// "<title>kong error</title>" as "kong error".
fn words_of(marker: &str) -> String {
    let mut words = String::new();
    let mut in_tag = false;
    for c in marker.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => words.push(c),
            _ => {}
        }
    }
    let words = words.trim();
    if words.is_empty() {
        marker.to_string()
    } else {
        words.to_string()
    }
}

fn header_clue(headers: &Headers<'_>, name: &str) -> Clue {
    let value = headers.get(name).unwrap_or_default();
    Clue {
        source: ClueSource::Header,
        detail: format!("{name}: {}", crate::incident::truncate(value, 80)),
    }
}

#[cfg(test)]
mod tests {
    use super::words_of;

    #[test]
    fn clues_show_words_not_markup() {
        assert_eq!(words_of("<center>nginx"), "nginx");
        assert_eq!(words_of("<title>kong error</title>"), "kong error");
        assert_eq!(words_of("no healthy upstream"), "no healthy upstream");
        assert_eq!(words_of("<br>"), "<br>");
    }
}
