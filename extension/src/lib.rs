//! The thin browser layer: wasm-bindgen entry points and the browser APIs they need.
//! Decisions are made in the pure modules; this layer only reads events and carries out actions.
//!
//! Six builds of it ship, so that each script loads only its own code. The background script,
//! which the browser starts again and again, has three: `first` (a failed page's badge, at once),
//! `background` (events, badge, auto-retry) and `failure` (compiled only once a page fails: the
//! checks, and what takes the full diagnosis; `link` is its seam with `background`). The popup
//! has two: `popup` (its first screen) and `popup-more` (what is below it, loaded once the first
//! screen is drawn). `options` serves the options page. Tests build them all in one.
#![cfg(target_arch = "wasm32")]

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "popup")]
mod actions;
mod api;
#[cfg(feature = "background")]
mod background;
#[cfg(any(feature = "background", feature = "first"))]
mod badge;
#[cfg(feature = "background")]
mod banner;
#[cfg(feature = "failure")]
mod banner_draw;
#[cfg(any(feature = "popup", feature = "popup-more", feature = "failure"))]
mod check_store;
#[cfg(feature = "failure")]
mod checks;
#[cfg(any(feature = "popup", feature = "popup-more", feature = "options"))]
mod dom;
#[cfg(feature = "failure")]
mod edge_status;
#[cfg(any(feature = "background", feature = "failure"))]
mod failed_page;
#[cfg(feature = "first")]
mod first;
#[cfg(test)]
mod held_storage;
#[cfg(any(feature = "failure", feature = "popup-more", feature = "options"))]
mod history_store;
#[cfg(feature = "background")]
mod incident_index;
#[cfg(any(
    feature = "background",
    feature = "popup",
    feature = "popup-more",
    feature = "failure"
))]
mod js_de;
#[cfg(feature = "js-values")]
mod js_ser;
#[cfg(all(test, feature = "background", feature = "popup", feature = "options"))]
mod js_serde_tests;
#[cfg(feature = "js-values")]
mod js_shape;
#[cfg(any(feature = "background", feature = "failure"))]
mod link;
mod net;
#[cfg(feature = "options")]
mod options;
#[cfg(feature = "background")]
mod page_read;
#[cfg(feature = "background")]
mod polite;
#[cfg(feature = "popup")]
mod popup;
#[cfg(feature = "popup")]
mod popup_checks;
#[cfg(feature = "popup-more")]
mod popup_more;
#[cfg(feature = "popup-more")]
mod popup_owner;
#[cfg(any(feature = "popup", feature = "popup-more"))]
mod popup_page;
#[cfg(feature = "popup-more")]
mod popup_proxy;
#[cfg(feature = "popup-more")]
mod popup_retry;
#[cfg(feature = "popup-more")]
mod popup_rules;
#[cfg(feature = "popup")]
mod popup_steps;
#[cfg(feature = "failure")]
mod proxy_check;
#[cfg(feature = "background")]
mod retry;
#[cfg(any(feature = "background", feature = "popup-more"))]
mod retry_state;
#[cfg(any(
    feature = "background",
    feature = "popup",
    feature = "popup-more",
    feature = "options"
))]
mod settings_store;
#[cfg(any(
    feature = "background",
    feature = "popup",
    feature = "popup-more",
    feature = "failure"
))]
mod storage;

pub use api::extension_api;
#[cfg(feature = "background")]
pub use background::{drops_unread, handle_event, parse_event};
#[cfg(feature = "first")]
pub use first::{first_event, ordinary_navigation, start_needs_full};
#[cfg(feature = "options")]
pub use options::render_options;
#[cfg(feature = "popup")]
pub use popup::{render_incident, render_popup};
#[cfg(feature = "popup-more")]
pub use popup_more::render_popup_more;
#[cfg(any(feature = "background", feature = "popup"))]
pub use storage::{failure_time, from_stored, to_stored};
