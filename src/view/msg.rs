//! A localised message: a `_locales` key and its substitutions. Every view speaks in these; the
//! web layer translates them and renders them as text.

/// A localised message: a `_locales` key and its substitutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<String>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }

    pub fn with(key: &'static str, args: Vec<String>) -> Msg {
        Msg { key, args }
    }
}
