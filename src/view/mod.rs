//! What the extension shows, as `_locales` keys and plain strings: the web layer only renders
//! these, always as text. No view module imports one that imports it back: `msg`, `advice` and
//! `report` import no other view, `checks`, `steps` and `owner` only `msg` and `advice`, and
//! `incident` those and `steps`.

/// The diagnosis in message keys: what happened, what it means, where it failed, who can fix it.
pub mod advice;
/// The checks' lines and the verdict as the popup shows them, and each verdict's names.
pub mod checks;
/// The popup's incident view: the failure, its facts and clues, and the first steps.
pub mod incident;
/// A message key with its substitutions, the one type every view returns.
pub mod msg;
/// The site owner's checklist, tailored by the diagnosis.
pub mod owner;
/// The report for the site's owner, as text and JSON.
pub mod report;
/// The visitor's steps, tailored by the verdict, the evidence and the platform.
pub mod steps;
