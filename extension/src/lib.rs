//! The thin browser layer: wasm-bindgen entry points and the browser APIs they need.
//! Decisions are made in the pure modules; this layer only reads events and carries out actions.
//!
//! Three builds of it ship: `first` (a failed page's badge, at once) and `background` (events,
//! badge, auto-retry) for the background script, and `ui` (popup, options) for the extension
//! pages, so the background, which starts again and again, loads only its own code. Tests build
//! all three.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "ui")]
mod actions;
mod api;
#[cfg(feature = "background")]
mod background;
#[cfg(any(feature = "background", feature = "first"))]
mod badge;
#[cfg(feature = "background")]
mod banner;
#[cfg(any(feature = "background", feature = "ui"))]
mod check_store;
#[cfg(feature = "background")]
mod checks;
#[cfg(feature = "ui")]
mod dom;
#[cfg(feature = "background")]
mod edge_status;
#[cfg(feature = "background")]
mod failed_page;
#[cfg(feature = "first")]
mod first;
#[cfg(any(feature = "background", feature = "ui"))]
mod history_store;
#[cfg(any(feature = "background", feature = "ui"))]
mod js_de;
#[cfg(any(feature = "background", feature = "ui"))]
mod js_ser;
#[cfg(all(test, feature = "background", feature = "ui"))]
mod js_serde_tests;
mod net;
#[cfg(feature = "ui")]
mod options;
#[cfg(feature = "background")]
mod polite;
#[cfg(feature = "ui")]
mod popup;
#[cfg(feature = "ui")]
mod popup_checks;
#[cfg(feature = "ui")]
mod popup_owner;
#[cfg(feature = "ui")]
mod popup_retry;
#[cfg(feature = "ui")]
mod popup_rules;
#[cfg(feature = "ui")]
mod popup_steps;
#[cfg(feature = "background")]
mod retry;
#[cfg(any(feature = "background", feature = "ui"))]
mod retry_state;
#[cfg(any(feature = "background", feature = "ui"))]
mod settings_store;
#[cfg(any(feature = "background", feature = "ui"))]
mod storage;

pub use api::extension_api;
#[cfg(feature = "background")]
pub use background::{handle_event, parse_event};
#[cfg(feature = "first")]
pub use first::first_badge;
#[cfg(feature = "ui")]
pub use options::render_options;
#[cfg(feature = "ui")]
pub use popup::{render_incident, render_popup};
#[cfg(any(feature = "background", feature = "ui"))]
pub use storage::{from_stored, to_stored};
