//! Gateway Doctor's core: pure modules that know nothing of the browser (this crate has no web
//! dependency on any target) and are tested natively. The browser layer is the
//! `gateway-doctor-web` crate in `extension/`, which only carries out what these decide.

pub mod checks;
pub mod diagnosis;
pub mod engine;
pub mod event_read;
pub mod failure;
pub mod history;
pub mod incident;
pub mod json;
pub mod messages;
pub mod page_excerpt;
pub mod page_url;
pub mod platform;
pub mod politeness;
pub mod retry;
pub mod rules;
pub mod session_keys;
pub mod settings;
pub mod small_sort;
pub mod status;
pub mod tracker;
pub mod utc;
pub mod view;
