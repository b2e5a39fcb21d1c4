//! What is kept of an error page in session storage: enough for the diagnosis, little else. Style
//! sheets, inline SVG and comments carry no gateway's words but can make up most of a page's
//! bytes; runs of white space become one space. Script text is kept (a bot challenge names
//! itself there). Linear, bounded, never fails.

/// At most this much of the compacted page is kept.
pub const MAX_KEPT: usize = 32 * 1024;

/// Elements whose content is dropped (the tags themselves stay, empty).
const DROPPED: [(&str, &str); 2] = [("<style", "</style"), ("<svg", "</svg")];

pub fn compact(raw: &str) -> String {
    let raw = crate::incident::truncate(raw, crate::diagnosis::page::MAX_SCAN);
    let lower = raw.to_ascii_lowercase();
    let mut kept = String::with_capacity(raw.len().min(MAX_KEPT));
    let mut at = 0;
    let mut last_was_space = false;
    while at < raw.len() && kept.len() < MAX_KEPT {
        let rest = &lower[at..];
        if rest.starts_with("<!--") {
            at += rest.find("-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        if let Some((_, close)) = DROPPED.iter().find(|(open, _)| starts_tag(rest, open)) {
            // Keep the opening tag, skip to the closing one (or the end).
            let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
            kept.push_str(&raw[at..at + tag_end]);
            let body = &rest[tag_end..];
            at += tag_end + body.find(close).unwrap_or(body.len());
            continue;
        }
        let Some(c) = raw[at..].chars().next() else {
            break;
        };
        at += c.len_utf8();
        if c.is_whitespace() {
            if !last_was_space {
                kept.push(' ');
            }
            last_was_space = true;
        } else {
            kept.push(c);
            last_was_space = false;
        }
    }
    crate::incident::truncate(&kept, MAX_KEPT)
}

/// `rest` starts with the tag `open` (`<style`), not a longer name (`<styles`).
fn starts_tag(rest: &str, open: &str) -> bool {
    rest.starts_with(open)
        && rest[open.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_styles_svg_comments_and_white_space() {
        let page = "<html><head><title>502  Bad\n\nGateway</title><STYLE type=x>body{color:red}\n.a{}</STYLE>\
                    <!-- a comment --></head><body><svg viewBox=\"0 0 1 1\"><path d=\"M0 0\"/></svg>\
                    <center>nginx</center><styles>kept</styles></body></html>";
        assert_eq!(
            compact(page),
            "<html><head><title>502 Bad Gateway</title><STYLE type=x></STYLE></head><body>\
             <svg viewBox=\"0 0 1 1\"></svg><center>nginx</center><styles>kept</styles></body></html>"
        );
    }

    #[test]
    fn bounded_whatever_comes_in() {
        let huge = format!("<p>{}</p>", "é".repeat(100_000));
        assert!(compact(&huge).len() <= MAX_KEPT);
        let unclosed = format!("<style>{}", "x".repeat(100_000));
        assert_eq!(compact(&unclosed), "<style>");
        assert_eq!(compact("<!-- never closed"), "");
        assert_eq!(compact(""), "");
        assert_eq!(compact("<svg"), "<svg");
    }
}
