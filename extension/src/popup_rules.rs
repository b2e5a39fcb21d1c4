//! The popup's part for this site: its failure history ("failed 3 times in the last 7 days...")
//! with what that says of the verdict, and the per-site rules, one click each.

use super::api::{message, ExtensionApi};
use super::dom::{append, element, text};
use super::{check_store, history_store, settings_store};
use gateway_doctor::history::{summary_line, verdict_hints};
use gateway_doctor::incident::Incident;
use gateway_doctor::rules::RuleFlags;
use gateway_doctor::view::checks::current_verdict;
use gateway_doctor::view::msg::Msg;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

thread_local! {
    /// The history line shown, for the owner's report.
    static HISTORY_LINE: RefCell<Option<Msg>> = const { RefCell::new(None) };
}

/// The site's history line, once the popup has read it (for the owner's report).
pub fn history_line() -> Option<Msg> {
    HISTORY_LINE.with(|h| h.borrow().clone())
}

/// Fills `#site-rules` (made at the end of the incident section when the layout has none).
/// Never fails the popup: what goes wrong is logged.
pub async fn mount(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    root: &Element,
    tab_id: i64,
    incident: &Incident,
) {
    if let Err(error) = try_mount(api, doc, root, tab_id, incident).await {
        web_sys::console::warn_2(&"Gateway Doctor: site rules".into(), &error);
    }
}

async fn try_mount(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    root: &Element,
    tab_id: i64,
    incident: &Incident,
) -> Result<(), JsValue> {
    let container = match root.query_selector("#site-rules")? {
        Some(container) => container,
        None => {
            let container = element(doc, "div", "site-rules")?;
            match root.query_selector("#incident")? {
                Some(section) => section.append_child(&container)?,
                None => root.append_child(&container)?,
            };
            container
        }
    };
    let now = js_sys::Date::now();
    let entries = history_store::load(api, now).await;
    let records = check_store::load(api, tab_id).await.unwrap_or_default();
    let (_, verdict) = current_verdict(incident, &records);
    let say = |msg: &Msg| message(api, msg.key, &msg.args);

    let history = element(doc, "div", "site-history")?;
    append(
        &history,
        &[&text(
            doc,
            "h2",
            "",
            &message(api, "headingSiteHistory", &[]),
        )?],
    )?;
    let line = summary_line(&entries, &incident.host, now);
    HISTORY_LINE.with(|h| *h.borrow_mut() = line.clone());
    let line_text = match &line {
        Some(line) => say(line),
        None => message(api, "historyNone", std::slice::from_ref(&incident.host)),
    };
    append(&history, &[&text(doc, "p", "history-line", &line_text)?])?;
    let hints = verdict_hints(&entries, &incident.host, &verdict, now);
    if !hints.is_empty() {
        let list = element(doc, "ul", "history-hints")?;
        for hint in &hints {
            append(&list, &[&text(doc, "li", "", &say(hint))?])?;
        }
        append(&history, &[&list])?;
    }

    let rules_block = element(doc, "div", "site-rules-block")?;
    let host = gateway_doctor::rules::host_key(&incident.host);
    append(
        &rules_block,
        &[&text(
            doc,
            "h2",
            "",
            &message(api, "headingSiteRules", std::slice::from_ref(&host)),
        )?],
    )?;
    let settings = settings_store::load(api).await;
    let current = settings
        .site_rules
        .get(&host, false)
        .map(|rule| rule.flags)
        .unwrap_or_default();
    let status = element(doc, "p", "rules-status")?;
    status.set_attribute("role", "status")?;
    for (id, key, on) in [
        ("rule-never-retry", "ruleNeverRetry", current.never_retry),
        ("rule-no-outside", "ruleNoOutside", current.no_outside),
        ("rule-no-banner", "ruleNoBanner", current.no_banner),
        ("rule-ignore", "ruleIgnore", current.ignore),
    ] {
        let row = element(doc, "p", "")?;
        let input: HtmlInputElement = element(doc, "input", id)?.dyn_into()?;
        input.set_type("checkbox");
        input.set_checked(on);
        let label = text(doc, "label", "", &message(api, key, &[]))?;
        label.set_attribute("for", id)?;
        append(&row, &[&input, &label])?;
        append(&rules_block, &[&row])?;
        let (api, doc, host, status) = (api.clone(), doc.clone(), host.clone(), status.clone());
        let on_change = Closure::<dyn FnMut()>::new(move || {
            let (api, doc, host, status) = (api.clone(), doc.clone(), host.clone(), status.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let note = match save_from_boxes(&api, &doc, &host).await {
                    Ok(stop) => {
                        // The rule holds for this failure too: its watch stops now.
                        if stop {
                            stop_retrying(&api, tab_id).await;
                        }
                        message(&api, "rulesSaved", &[])
                    }
                    Err(error) => error,
                };
                status.set_text_content(Some(&note));
            });
        });
        input.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref())?;
        // Lives as long as the popup.
        on_change.forget();
    }
    append(&rules_block, &[&status])?;
    container.set_text_content(None);
    append(&container, &[&history, &rules_block])?;
    Ok(())
}

/// Asks the background to stop auto-retry for the tab (as "stop retrying" does).
async fn stop_retrying(api: &ExtensionApi, tab_id: i64) {
    let request =
        super::js_ser::to_value(&gateway_doctor::messages::Message::CancelRetry { tab_id });
    if let Ok(request) = request {
        if let Err(error) =
            wasm_bindgen_futures::JsFuture::from(api.runtime().send_message(&request)).await
        {
            web_sys::console::debug_2(&"Gateway Doctor: retry not stopped".into(), &error);
        }
    }
}

/// Saves the rule for exactly `host` from the popup's four boxes; true when it says not to
/// retry the site (never retry, or ignore).
async fn save_from_boxes(api: &ExtensionApi, doc: &Document, host: &str) -> Result<bool, String> {
    let checked = |id: &str| {
        doc.get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked())
    };
    let flags = RuleFlags {
        never_retry: checked("rule-never-retry"),
        no_outside: checked("rule-no-outside"),
        no_banner: checked("rule-no-banner"),
        ignore: checked("rule-ignore"),
    };
    // Read again: the options page or another popup may have changed the list meanwhile.
    let mut rules = settings_store::load(api).await.site_rules;
    if !rules.set(host, false, flags) {
        return Err(message(
            api,
            "rulesFull",
            &[
                rules.0.len().to_string(),
                gateway_doctor::rules::MAX_RULES.to_string(),
            ],
        ));
    }
    settings_store::save_rules(api, &rules).await?;
    Ok(flags.never_retry || flags.ignore)
}
