//! The thin browser layer: wasm-bindgen entry points and the browser APIs they need.
//! Decisions are made in the pure modules; this layer only reads events and carries out actions.

mod api;
mod background;
mod dom;
mod options;
mod popup;
mod popup_retry;
mod retry;
mod settings_store;
mod storage;

pub use api::extension_api;
pub use background::{handle_event, parse_event};
pub use options::render_options;
pub use popup::{render_incident, render_popup};
pub use storage::{from_stored, to_stored};
