//! Bounded, backtracking-free scanning of an error page: every search is a linear substring
//! search over at most `MAX_SCAN` bytes.

/// How much of an error page is ever looked at. Gateway and CDN markers sit in the first few KB.
pub const MAX_SCAN: usize = 64 * 1024;

/// A page prepared for marker searches: a bounded prefix with numeric and common named HTML
/// entities decoded (Akamai encodes its reference), a lowercase copy for matching, and where
/// each known marker first occurs, found in one pass.
pub struct Page {
    text: String,
    lower: String,
    markers: Vec<&'static str>,
    first_at: Vec<Option<usize>>,
}

impl Page {
    /// A page whose searches are for `markers` (lowercase); other needles still work, by a
    /// plain search each.
    pub fn new(raw: &str, markers: Vec<&'static str>) -> Page {
        let text = decode_entities(bounded(raw, MAX_SCAN));
        let lower = text.to_ascii_lowercase();
        let first_at = first_occurrences(lower.as_bytes(), &markers);
        Page {
            text,
            lower,
            markers,
            first_at,
        }
    }

    /// Where `needle` (lowercase) first occurs.
    fn find(&self, needle: &str) -> Option<usize> {
        match self.markers.iter().position(|m| *m == needle) {
            Some(index) => self.first_at[index],
            None => self.lower.find(needle),
        }
    }

    /// Case-insensitive: `needle` must be lowercase.
    pub fn has(&self, needle: &str) -> bool {
        self.find(needle).is_some()
    }

    /// The token that follows `marker` (case-insensitive, lowercase marker), skipping white space,
    /// tags and punctuation such as `:` or `#`: for "Ray ID: <strong>8f1c…</strong>".
    pub fn value_after(&self, marker: &str) -> Option<String> {
        self.value_after_skipping(marker, 0)
    }

    /// The token after `marker` once `skip` tokens are passed over: for a plain-text page that
    /// lists an error code, then an id.
    pub fn value_after_skipping(&self, marker: &str, skip: usize) -> Option<String> {
        let mut at = self.find(marker)? + marker.len();
        for _ in 0..skip {
            at = token_at(&self.text, at)?.1;
        }
        token_at(&self.text, at).map(|(token, _)| token)
    }

    /// The text of `<title>`, trimmed, at most 200 bytes.
    pub fn title(&self) -> Option<String> {
        let open = self.lower.find("<title")?;
        let body = open + self.lower[open..].find('>')? + 1;
        let end = body + self.lower[body..].find("</title")?;
        let title = self.text[body..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (!title.is_empty()).then(|| crate::incident::truncate(&title, 200))
    }

    /// Whether the opening tag carrying `id="<id>"` also has `class_name` in it.
    pub fn tag_with_id_has(&self, id: &str, class_name: &str) -> bool {
        let Some(at) = self.lower.find(&format!("id=\"{id}\"")) else {
            return false;
        };
        let open = self.lower[..at].rfind('<').unwrap_or(0);
        let close = self.lower[at..]
            .find('>')
            .map_or(self.lower.len(), |i| at + i);
        self.lower[open..close].contains(class_name)
    }
}

/// The first position of every marker, in a single pass over `text`: each position's first two
/// bytes are looked up in a bitmap of the markers' first two bytes, then its first three in a
/// bitmap of their hashed first three (so ordinary prose, "re", "co", "in", rarely gets further),
/// and only then are the markers that start so compared. Linear in the text, whatever the number
/// of markers.
fn first_occurrences(text: &[u8], markers: &[&str]) -> Vec<Option<usize>> {
    let mut first_at = vec![None; markers.len()];
    let key2 = |a: u8, b: u8| (usize::from(a) << 8) | usize::from(b);
    let key3 = |a: u8, b: u8, c: u8| {
        let packed = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
        (packed.wrapping_mul(0x9E37_79B1) >> 16) as usize
    };
    let mut starts2 = vec![0u64; 65536 / 64];
    let mut starts3 = vec![0u64; 65536 / 64];
    let mut by_key: Vec<(usize, usize)> = Vec::with_capacity(markers.len());
    for (index, marker) in markers.iter().enumerate() {
        match marker.as_bytes() {
            [a, b, c, ..] => {
                let k = key2(*a, *b);
                starts2[k / 64] |= 1 << (k % 64);
                let k = key3(*a, *b, *c);
                starts3[k / 64] |= 1 << (k % 64);
                by_key.push((k, index));
            }
            // Markers this short are not worth a pass of their own: search them plainly.
            _ => first_at[index] = find_bytes(text, marker.as_bytes()),
        }
    }
    if by_key.is_empty() {
        return first_at;
    }
    crate::small_sort::sort_by(&mut by_key, |a, b| a < b);
    let mut missing = by_key.len();
    for (i, window) in text.windows(3).enumerate() {
        let k = key2(window[0], window[1]);
        if starts2[k / 64] & (1 << (k % 64)) == 0 {
            continue;
        }
        let k = key3(window[0], window[1], window[2]);
        if starts3[k / 64] & (1 << (k % 64)) == 0 {
            continue;
        }
        let from = by_key.partition_point(|(kk, _)| *kk < k);
        for &(_, index) in by_key[from..].iter().take_while(|(kk, _)| *kk == k) {
            if first_at[index].is_none() && text[i..].starts_with(markers[index].as_bytes()) {
                first_at[index] = Some(i);
                missing -= 1;
            }
        }
        if missing == 0 {
            break;
        }
    }
    first_at
}

fn find_bytes(text: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    text.windows(needle.len()).position(|w| w == needle)
}

fn bounded(raw: &str, max: usize) -> &str {
    if raw.len() <= max {
        return raw;
    }
    let mut end = max;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    &raw[..end]
}

/// Skips white space, tags and separators after a marker, then takes an identifier-like token
/// (letters, digits and `. - _ : =`: CloudFront's ids end in base64 padding); also returns where
/// the token ends.
fn token_at(text: &str, mut at: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let mut limit = (at + 400).min(bytes.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    while at < limit {
        match bytes[at] {
            b'<' => match text[at..limit].find('>') {
                Some(end) => at += end + 1,
                None => return None,
            },
            b' ' | b'\t' | b'\r' | b'\n' | b':' | b'#' | b'=' | b'"' | b'\'' => at += 1,
            _ => break,
        }
    }
    let token: String = text[at..limit]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '='))
        .take(96)
        .collect();
    let end = at + token.len();
    let token = token.trim_end_matches(['.', ':']).to_string();
    (!token.is_empty()).then_some((token, end))
}

/// Decodes `&#NN;`, `&#xHH;` and a few named entities in one linear pass.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Entities are short: look for the `;` in the next few bytes only (bytes, not chars,
        // so a multi-byte character there cannot split a slice).
        let entity_end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|b| *b == b';');
        let decoded = entity_end.and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKERS: &[&str] = &["ray id:", "reference", "guru meditation", "x"];

    #[test]
    fn the_one_pass_index_agrees_with_plain_search() {
        let text = "aa <center>nginx</center> ray id: 1 the proxy server the request x";
        let markers: &[&str] = &[
            "<center>nginx",
            "the request",
            "the proxy",
            "ray id:",
            "zz",
            "a",
            "x",
            "id",
            "aa ",
        ];
        let found = first_occurrences(text.as_bytes(), markers);
        for (marker, at) in markers.iter().zip(found) {
            assert_eq!(at, text.find(marker), "{marker}");
        }
    }

    #[test]
    fn finds_values_after_markers_through_tags_and_entities() {
        let page = Page::new(
            "<p>Cloudflare Ray ID: <strong class=\"x\">8f1c2a3b4c5d6e7f</strong></p>\
             <p>Reference&#32;&#35;18&#46;2d3e4f5&#46;1700000000&#46;abc</p>",
            MARKERS.to_vec(),
        );
        assert_eq!(
            page.value_after("ray id:").as_deref(),
            Some("8f1c2a3b4c5d6e7f")
        );
        assert_eq!(
            page.value_after("reference").as_deref(),
            Some("18.2d3e4f5.1700000000.abc")
        );
        assert_eq!(page.value_after("missing"), None);
    }

    #[test]
    fn reads_titles_and_tag_classes() {
        let page = Page::new(
            "<html><head><TITLE>\n 502  Bad Gateway </TITLE></head>\
             <div id=\"cf-host-status\" class=\"cf-status-item cf-error-source\"></div>\
             <div id=\"cf-cloudflare-status\" class=\"cf-status-item\"></div>",
            MARKERS.to_vec(),
        );
        assert_eq!(page.title().as_deref(), Some("502 Bad Gateway"));
        assert!(page.tag_with_id_has("cf-host-status", "cf-error-source"));
        assert!(!page.tag_with_id_has("cf-cloudflare-status", "cf-error-source"));
        assert!(!page.tag_with_id_has("cf-browser-status", "cf-error-source"));
    }

    #[test]
    fn scans_only_a_bounded_prefix() {
        let mut raw = "é".repeat(MAX_SCAN); // two bytes each: the cut lands inside a character
        raw.push_str("guru meditation");
        let page = Page::new(&raw, MARKERS.to_vec());
        assert!(!page.has("guru meditation"));
        assert!(page.text.len() <= MAX_SCAN);
    }

    #[test]
    fn odd_entities_stay_as_they_were() {
        let page = Page::new(
            "a &bogus; b &#0; c &#xZZ; d &#999999999; e &",
            MARKERS.to_vec(),
        );
        assert!(page.has("&bogus;"));
        assert!(page.has("&#0;"));
    }
}
