//! The thin browser layer: wasm-bindgen entry points and the browser APIs they need.
//! Decisions are made in the pure modules; this layer only reads events and carries out actions.
//!
//! Two builds of it ship: `background` (events, badge, auto-retry) for the background script and
//! `ui` (popup, options) for the extension pages, so the background, which starts again and again,
//! loads only its own code. Tests build both.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "ui")]
mod actions;
mod api;
#[cfg(feature = "background")]
mod background;
#[cfg(feature = "background")]
mod banner;
mod check_store;
#[cfg(feature = "background")]
mod checks;
#[cfg(feature = "ui")]
mod dom;
#[cfg(feature = "background")]
mod edge_status;
#[cfg(feature = "background")]
mod failed_page;
mod history_store;
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
mod retry_state;
mod settings_store;
mod storage;

pub use api::extension_api;
#[cfg(feature = "background")]
pub use background::{handle_event, parse_event};
#[cfg(feature = "ui")]
pub use options::render_options;
#[cfg(feature = "ui")]
pub use popup::{render_incident, render_popup};
pub use storage::{from_stored, to_stored};
