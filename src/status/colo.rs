//! Cloudflare data centres by the IATA code that ends a Ray ID (`…-FRA`) and names a trace's
//! `colo`: the city, for the largest ~80 of them, and the needle that finds the data centre's
//! component on Cloudflare's status page.
//!
//! Source: the component names of https://www.cloudflarestatus.com/ ("Frankfurt, Germany -
//! (FRA)", "Ashburn, VA, United States - (IAD)", "Tokyo, Japan - (NRT)", …), as captured in
//! public copies of that page; the city is the name's first part.

/// (code, city), sorted by code.
const COLOS: &[(&str, &str)] = &[
    ("AKL", "Auckland"),
    ("AMS", "Amsterdam"),
    ("ARN", "Stockholm"),
    ("ATH", "Athens"),
    ("ATL", "Atlanta"),
    ("BCN", "Barcelona"),
    ("BKK", "Bangkok"),
    ("BNE", "Brisbane"),
    ("BOG", "Bogotá"),
    ("BOM", "Mumbai"),
    ("BOS", "Boston"),
    ("BRU", "Brussels"),
    ("BUD", "Budapest"),
    ("CAI", "Cairo"),
    ("CDG", "Paris"),
    ("CGK", "Jakarta"),
    ("CPH", "Copenhagen"),
    ("CPT", "Cape Town"),
    ("DEL", "New Delhi"),
    ("DEN", "Denver"),
    ("DFW", "Dallas"),
    ("DME", "Moscow"),
    ("DUB", "Dublin"),
    ("DUS", "Düsseldorf"),
    ("DXB", "Dubai"),
    ("EWR", "Newark"),
    ("EZE", "Buenos Aires"),
    ("FCO", "Rome"),
    ("FRA", "Frankfurt"),
    ("GIG", "Rio de Janeiro"),
    ("GRU", "São Paulo"),
    ("HAM", "Hamburg"),
    ("HEL", "Helsinki"),
    ("HKG", "Hong Kong"),
    ("HNL", "Honolulu"),
    ("IAD", "Ashburn"),
    ("IAH", "Houston"),
    ("ICN", "Seoul"),
    ("IST", "Istanbul"),
    ("JNB", "Johannesburg"),
    ("KBP", "Kyiv"),
    ("KIX", "Osaka"),
    ("KUL", "Kuala Lumpur"),
    ("LAS", "Las Vegas"),
    ("LAX", "Los Angeles"),
    ("LHR", "London"),
    ("LIS", "Lisbon"),
    ("LOS", "Lagos"),
    ("MAA", "Chennai"),
    ("MAD", "Madrid"),
    ("MAN", "Manchester"),
    ("MEL", "Melbourne"),
    ("MEX", "Mexico City"),
    ("MIA", "Miami"),
    ("MNL", "Manila"),
    ("MRS", "Marseille"),
    ("MSP", "Minneapolis"),
    ("MUC", "Munich"),
    ("MXP", "Milan"),
    ("NBO", "Nairobi"),
    ("NRT", "Tokyo"),
    ("ORD", "Chicago"),
    ("OSL", "Oslo"),
    ("OTP", "Bucharest"),
    ("PDX", "Portland"),
    ("PER", "Perth"),
    ("PHX", "Phoenix"),
    ("PRG", "Prague"),
    ("SCL", "Santiago"),
    ("SEA", "Seattle"),
    ("SFO", "San Francisco"),
    ("SIN", "Singapore"),
    ("SJC", "San Jose"),
    ("SOF", "Sofia"),
    ("SYD", "Sydney"),
    ("TLV", "Tel Aviv"),
    ("TPE", "Taipei"),
    ("VIE", "Vienna"),
    ("WAW", "Warsaw"),
    ("YUL", "Montréal"),
    ("YVR", "Vancouver"),
    ("YYZ", "Toronto"),
    ("ZRH", "Zürich"),
];

/// The city of a Cloudflare data centre ("FRA" -> "Frankfurt"); `None` for codes not in the
/// table (shown as the bare code then) and for anything that is not three ASCII letters.
pub fn colo_city(code: &str) -> Option<&'static str> {
    let code = code.trim();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let code = code.to_ascii_uppercase();
    COLOS
        .binary_search_by(|(known, _)| (*known).cmp(code.as_str()))
        .ok()
        .map(|i| COLOS[i].1)
}

/// What finds the data centre's component among Cloudflare's status page components:
/// `"(FRA)"`, for `StatusReport::incident_for`. Only ASCII letters are kept, uppercased, so the
/// needle is never anything but a code.
pub fn colo_component_needle(code: &str) -> String {
    let code: String = code
        .trim()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(3)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    format!("({code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_sized() {
        assert!(COLOS.windows(2).all(|w| w[0].0 < w[1].0), "sorted, unique");
        assert!(COLOS.len() >= 80);
        assert!(COLOS.iter().all(|(code, city)| code.len() == 3
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && !city.is_empty()));
    }

    #[test]
    fn cities_and_needles() {
        for (code, city) in [
            ("FRA", Some("Frankfurt")),
            ("fra", Some("Frankfurt")),
            ("IAD", Some("Ashburn")),
            ("GRU", Some("São Paulo")),
            ("BOM", Some("Mumbai")),
            ("XYZ", None),
            ("FRAN", None),
            ("", None),
            ("F-A", None),
        ] {
            assert_eq!(colo_city(code), city, "{code}");
        }
        assert_eq!(colo_component_needle("FRA"), "(FRA)");
        assert_eq!(colo_component_needle(" fra "), "(FRA)");
        assert_eq!(colo_component_needle("F)R(A"), "(FRA)");
    }
}
