//! Gateway Doctor's core. The pure modules know nothing of the browser and are tested natively;
//! `web` is the thin layer that talks to the browser through wasm-bindgen.

pub mod advice;
pub mod checks;
pub mod checks_view;
pub mod diagnosis;
pub mod failure;
pub mod incident;
pub mod json;
pub mod messages;
pub mod owner;
pub mod page_excerpt;
pub mod platform;
pub mod popup_view;
pub mod report;
pub mod retry;
pub mod settings;
pub mod steps;
pub mod tracker;

#[cfg(target_arch = "wasm32")]
pub mod web;
