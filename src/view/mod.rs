//! What the extension shows, as `_locales` keys and plain strings: the web layer only renders
//! these, always as text. No view module imports one that imports it back: `msg` and `advice`
//! import no other view; `checks`, `steps` and `owner` only those; `incident` those and
//! `steps`; `report` only `checks` (for the verdict's names) and `status`; `status` only `msg`.

/// The diagnosis in message keys: what happened, what it means, where it failed, who can fix it.
pub mod advice;
/// The checks' lines and the verdict for the popup, and every verdict's and confidence's names.
pub mod checks;
/// The popup's incident view: the failure, its facts and clues, and the first steps.
pub mod incident;
/// A message key with its substitutions, the one type every view returns.
pub mod msg;
/// The site owner's checklist, tailored by the diagnosis.
pub mod owner;
/// The report for the site's owner, as text and JSON.
pub mod report;
/// The words for what the edge and status checks found.
pub mod status;
/// The visitor's steps, tailored by the verdict, the evidence and the platform.
pub mod steps;
