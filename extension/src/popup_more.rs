//! The popup's second build, loaded once the first screen is drawn (`popup.js`): the auto-retry
//! countdown, the proxy check's click, the site owner's checklist and report, and this site's
//! history and rules. The first build leaves their places (`#checks-block`, `#check-proxy`,
//! `#owner-block`; `#site-rules` is made here when the layout has none).

use super::api::extension_api;
use super::popup_owner::{fill_owner_block, ReportSource};
use super::popup_page::{detect_platform, target_tab};
use super::storage::{self, tab_key};
use gateway_doctor::diagnosis::diagnose;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::Element;

/// Fills the owner's part and the site's part for the popup's tab; nothing when it has no
/// failure.
#[wasm_bindgen]
pub async fn render_popup_more(root: Element) -> Result<(), JsValue> {
    let api = Rc::new(extension_api()?);
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("popup root is not in a document"))?;
    let Some(tab_id) = target_tab(&api).await? else {
        return Ok(());
    };
    let Some(incident) = storage::load(&api, &tab_key(tab_id)).await? else {
        return Ok(());
    };
    if let Some(block) = super::popup_retry::retry_block(&api, &doc, tab_id).await? {
        if let Some(checks) = root.query_selector("#checks-block")? {
            checks.before_with_node_1(&block)?;
        }
    }
    if let Some(button) = root.query_selector("#check-proxy")? {
        super::popup_proxy::attach(&api, &button, tab_id, incident.at_ms)?;
    }
    if let Some(owner) = root.query_selector("#owner-block")? {
        let report = Rc::new(ReportSource {
            diagnosis: diagnose(&incident),
            incident: incident.clone(),
            platform: detect_platform(),
            tab_id,
        });
        fill_owner_block(&api, &doc, &owner, &report)?;
    }
    super::popup_rules::mount(&api, &doc, &root, tab_id, &incident).await;
    Ok(())
}
