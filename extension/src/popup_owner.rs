//! "If this is your site": the owner's checklist for the box that failed, and the report a
//! visitor can hand to the owner (plain text or JSON), built from what is known at the click.

use super::api::{message, ExtensionApi};
use super::dom::{append, copy_text, element, text};
use gateway_doctor::diagnosis::Diagnosis;
use gateway_doctor::incident::Incident;
use gateway_doctor::platform::Platform;
use gateway_doctor::view::checks::current_verdict;
use gateway_doctor::view::owner::owner_checklist;
use gateway_doctor::view::report::{build_report, report_document, report_text, ReportInput};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

/// What the report is built from, with the tab's check records as they are at the click.
pub struct ReportSource {
    pub incident: Incident,
    pub diagnosis: Diagnosis,
    pub platform: Platform,
    pub tab_id: i64,
}

/// Adds the checklist and the report buttons to `owner` (the owner block).
pub fn fill_owner_block(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    owner: &Element,
    source: &Rc<ReportSource>,
) -> Result<(), JsValue> {
    let checklist = owner_checklist(&source.diagnosis);
    if let Some(heading) = &checklist.heading {
        append(
            owner,
            &[&text(
                doc,
                "p",
                "owner-box",
                &message(api, heading.key, &heading.args),
            )?],
        )?;
    }
    if !checklist.items.is_empty() {
        let list = element(doc, "ul", "owner-checklist")?;
        for item in &checklist.items {
            append(
                &list,
                &[&text(doc, "li", "", &message(api, item.key, &item.args))?],
            )?;
        }
        append(owner, &[&list])?;
    }
    append(
        owner,
        &[&text(doc, "p", "", &message(api, "reportIntro", &[]))?],
    )?;
    let include = element(doc, "p", "")?;
    let checkbox: HtmlInputElement = element(doc, "input", "report-include-query")?.dyn_into()?;
    checkbox.set_type("checkbox");
    let label = text(doc, "label", "", &message(api, "reportIncludeQuery", &[]))?;
    label.set_attribute("for", "report-include-query")?;
    append(&include, &[&checkbox, &label])?;
    let buttons = element(doc, "p", "report-buttons")?;
    let status = element(doc, "span", "report-status")?;
    status.set_attribute("role", "status")?;
    for (id, key, as_json) in [
        ("copy-report", "reportCopyText", false),
        ("copy-report-json", "reportCopyJson", true),
    ] {
        let button = text(doc, "button", id, &message(api, key, &[]))?;
        button.set_attribute("type", "button")?;
        let (api, source, status, checkbox) = (
            Rc::clone(api),
            Rc::clone(source),
            status.clone(),
            checkbox.clone(),
        );
        let on_click = Closure::<dyn FnMut()>::new(move || {
            let include_query = checkbox.checked();
            let (api, source, status) = (Rc::clone(&api), Rc::clone(&source), status.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let report = report_for(&api, &source, include_query, as_json).await;
                let said = match copy_text(&report).await {
                    Ok(()) => message(&api, "reportCopied", &[]),
                    Err(error) => message(&api, "actionFailed", &[error]),
                };
                status.set_text_content(Some(&said));
            });
        });
        button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
        on_click.forget();
        append(&buttons, &[&button])?;
    }
    append(&buttons, &[&status])?;
    append(owner, &[&include, &buttons])?;
    Ok(())
}

async fn report_for(
    api: &ExtensionApi,
    source: &ReportSource,
    include_query: bool,
    as_json: bool,
) -> String {
    let records = super::check_store::load(api, source.tab_id)
        .await
        .unwrap_or_default();
    let (_, verdict) = current_verdict(&source.incident, &records);
    let version = js_sys::Reflect::get(&api.runtime().get_manifest(), &"version".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let mut report = build_report(&ReportInput {
        incident: &source.incident,
        diagnosis: &source.diagnosis,
        records: &records,
        verdict: &verdict,
        platform: source.platform,
        extension_version: &version,
        include_query,
    });
    report.history = super::popup_rules::history_line();
    if as_json {
        // Serialised in the browser: serde_json's writer stays out of the wasm build.
        super::js_ser::to_value(&report_document(&report))
            .ok()
            .and_then(|value| {
                js_sys::JSON::stringify_with_replacer_and_space(&value, &JsValue::NULL, &2.into())
                    .ok()
            })
            .and_then(|text| text.as_string())
            .unwrap_or_default()
    } else {
        report_text(&report, &|key: &str, args: &[String]| {
            message(api, key, args)
        })
    }
}
