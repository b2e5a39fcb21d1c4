//! The toolbar popup: finds the tab, loads its incident and renders the view as text.

use super::actions::ActionContext;
use super::api::{extension_api, message};
use super::dom::{append, element, set_language, text};
use super::popup_checks;
use super::popup_checks::StepsTarget;
use super::popup_page::{detect_platform, target_tab};
use super::settings_store;
use super::storage::{self, tab_key};
use gateway_doctor::diagnosis::diagnose;
use gateway_doctor::incident::Incident;
use gateway_doctor::view::incident::{incident_view, IncidentView};
use gateway_doctor::view::msg::Msg;
use js_sys::Reflect;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

/// Renders the popup into `root`: for the tab named by `?tab=<id>`, else the active tab.
#[wasm_bindgen]
pub async fn render_popup(root: Element) -> Result<(), JsValue> {
    let api = Rc::new(extension_api()?);
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("popup root is not in a document"))?;
    let translate = |key: &str, args: &[String]| message(&api, key, args);
    let tab_id = target_tab(&api).await?;
    let incident = match tab_id {
        Some(tab_id) => storage::load(&api, &tab_key(tab_id)).await?,
        None => None,
    };
    let locale = api.i18n().get_ui_language();
    set_language(&doc, &locale);
    let Some(incident) = incident else {
        return render_nothing_wrong(&doc, &root, &translate);
    };
    render_view(&doc, &root, &incident_view(&incident), &locale, &translate)?;
    if let Some(tab_id) = tab_id {
        let header = root.query_selector("#incident > header")?;
        let diagnosis = diagnose(&incident);
        let platform = detect_platform();
        let settings = settings_store::load(&api).await;
        let owner = match root.query_selector("#owner-block")? {
            Some(owner) => owner,
            None => {
                let owner = disclosure(&doc, "owner-block", &translate("headingOwner", &[]))?;
                if let Some(section) = root.query_selector("#incident")? {
                    section.append_child(&owner)?;
                }
                owner
            }
        };
        // The owner's part opens with what the verdict means for them (the checks block keeps
        // it current); the checklist and the report follow from the popup's second build.
        let verdict_note = element(&doc, "p", "owner-verdict")?;
        verdict_note.set_attribute("hidden", "")?;
        append(&owner, &[&verdict_note])?;
        let first = element(&doc, "div", "first-actions")?;
        let steps = root.query_selector("#steps")?.map(|list| StepsTarget {
            list,
            first,
            diagnosis,
            actions: Rc::new(ActionContext {
                tab_id,
                url: incident.url.clone(),
                host: incident.host.clone(),
                platform,
                provider: settings.provider(),
                command: None,
                shortcut: None,
                sign_in_url: (!settings.connectivity_url.is_empty())
                    .then(|| settings.connectivity_url.clone()),
                link: None,
            }),
        });
        // The first screen: the headline, the verdict, who can fix it, the first actions and the
        // retry countdown; then the check lines, the steps, the details and the owner's part.
        let parts = popup_checks::checks_block(&api, &doc, tab_id, &incident, steps).await?;
        let fixer = root.query_selector("#fixer-block")?;
        if let (Some(header), Some(fixer)) = (&header, &fixer) {
            header.after_with_node_1(&parts.verdict)?;
            fixer.after_with_node_1(&parts.first_actions)?;
            parts.first_actions.after_with_node_1(&parts.checks)?;
        }
    }
    Ok(())
}

/// Renders a stored incident (as `storage.session` holds it) without the extension API, for
/// tests and previews; `messages` maps keys to texts.
#[wasm_bindgen]
pub fn render_incident(root: Element, incident: JsValue, messages: JsValue) -> Result<(), JsValue> {
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("root is not in a document"))?;
    let incident: Incident = super::js_de::from_value(incident)?;
    let translate = |key: &str, args: &[String]| {
        let template = Reflect::get(&messages, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| key.to_string());
        args.iter().enumerate().fold(template, |text, (i, arg)| {
            text.replace(&format!("${}", i + 1), arg)
        })
    };
    render_view(&doc, &root, &incident_view(&incident), "en", &translate)
}

type Translate<'a> = &'a dyn Fn(&str, &[String]) -> String;

fn say(translate: Translate<'_>, msg: &Msg) -> String {
    translate(msg.key, &msg.args)
}

fn render_nothing_wrong(
    doc: &Document,
    root: &Element,
    translate: Translate<'_>,
) -> Result<(), JsValue> {
    root.set_text_content(None);
    let section = element(doc, "section", "no-incident")?;
    append(
        &section,
        &[
            &text(doc, "h1", "", &translate("noIncidentTitle", &[]))?,
            &text(doc, "p", "", &translate("noIncidentBody", &[]))?,
        ],
    )?;
    root.append_child(&section)?;
    doc.set_title(&translate("extName", &[]));
    Ok(())
}

pub fn render_view(
    doc: &Document,
    root: &Element,
    view: &IncidentView,
    locale: &str,
    translate: Translate<'_>,
) -> Result<(), JsValue> {
    root.set_text_content(None);
    let section = element(doc, "section", "incident")?;
    let title = say(translate, &view.title);
    let when = js_sys::Date::new(&JsValue::from_f64(view.at_ms)).to_locale_time_string(locale);
    let seen = translate("seenOnHostAt", &[view.host.clone(), String::from(when)]);

    // The first screen: what happened in one line, then (from the checks block) the verdict,
    // who can fix it and the first actions. Everything else opens on demand.
    let head = element(doc, "header", "")?;
    let headline = element(doc, "div", "headline")?;
    append(
        &headline,
        &[
            &text(doc, "p", "code", &view.code)?,
            &text(doc, "h1", "title", &title)?,
        ],
    )?;
    append(&head, &[&headline, &text(doc, "p", "seen", &seen)?])?;

    let fixer = block(doc, "fixer-block", &translate("headingFixer", &[]))?;
    append(
        &fixer,
        &[
            &text(doc, "p", "fixer", &say(translate, &view.fixer))?,
            &text(doc, "p", "outlook", &say(translate, &view.outlook))?,
        ],
    )?;
    if let Some(retry) = &view.retry {
        append(
            &fixer,
            &[&text(doc, "p", "retry-after", &say(translate, retry))?],
        )?;
    }

    let steps_block = disclosure(doc, "steps-block", &translate("headingSteps", &[]))?;
    let steps = element(doc, "ol", "steps")?;
    for step in &view.steps {
        append(&steps, &[&text(doc, "li", "", &say(translate, step))?])?;
    }
    append(&steps_block, &[&steps])?;

    // "Details": where it broke, the facts, what it means.
    let details = disclosure(doc, "details-block", &translate("headingDetails", &[]))?;
    let side = block(doc, "side-block", &translate("headingSide", &[]))?;
    append(
        &side,
        &[
            &text(doc, "p", "side", &say(translate, &view.side))?,
            &text(doc, "p", "generator", &say(translate, &view.generator))?,
        ],
    )?;
    if !view.clues.is_empty() {
        let clues = element(doc, "ul", "clues")?;
        for clue in &view.clues {
            append(&clues, &[&text(doc, "li", "", &say(translate, clue))?])?;
        }
        append(&side, &[&clues])?;
    }

    let facts = element(doc, "dl", "facts")?;
    for fact in &view.facts {
        append(
            &facts,
            &[
                &text(doc, "dt", "", &say(translate, &fact.label))?,
                &text(doc, "dd", "", &fact.value)?,
            ],
        )?;
    }

    let meaning = block(doc, "meaning-block", &translate("headingMeaning", &[]))?;
    append(
        &meaning,
        &[&text(doc, "p", "meaning", &say(translate, &view.meaning))?],
    )?;
    if let Some(reassurance) = &view.reassurance {
        append(
            &meaning,
            &[&text(
                doc,
                "p",
                "reassurance",
                &say(translate, reassurance),
            )?],
        )?;
    }
    // Per-site history and rules mount here (`popup_rules`, from the popup's second build).
    let site_rules = element(doc, "div", "site-rules")?;
    append(&details, &[&meaning, &side, &facts, &site_rules])?;

    append(&section, &[&head, &fixer, &steps_block, &details])?;
    if !view.references.is_empty() || !view.stack.is_empty() {
        append(&section, &[&owner_block(doc, view, translate)?])?;
    }
    root.append_child(&section)?;
    doc.set_title(&format!("{} · {}", view.code, title));
    Ok(())
}

/// A titled block: `<div id=…><h2>…</h2></div>`.
fn block(doc: &Document, id: &str, heading: &str) -> Result<Element, JsValue> {
    let div = element(doc, "div", id)?;
    append(&div, &[&text(doc, "h2", "", heading)?])?;
    Ok(div)
}

/// A part of the popup that opens on demand: `<details id=…><summary>…</summary></details>`,
/// open from the start when the popup has the room of a whole tab.
pub fn disclosure(doc: &Document, id: &str, summary: &str) -> Result<Element, JsValue> {
    let details = element(doc, "details", id)?;
    append(&details, &[&text(doc, "summary", "", summary)?])?;
    if has_room() {
        details.set_attribute("open", "")?;
    }
    Ok(details)
}

/// Opened as a tab (the banner's "details", or a visitor who opens it full size) rather than
/// as a toolbar popup or on a phone: wide enough to show everything at once.
fn has_room() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|width| width >= 500.0)
}

/// "For the site owner": the reference ids (each with a copy button) and stack hints.
fn owner_block(
    doc: &Document,
    view: &IncidentView,
    translate: Translate<'_>,
) -> Result<Element, JsValue> {
    let owner = disclosure(doc, "owner-block", &translate("headingOwner", &[]))?;
    if !view.references.is_empty() {
        append(
            &owner,
            &[&text(doc, "p", "", &translate("referencesIntro", &[]))?],
        )?;
        let list = element(doc, "dl", "references")?;
        let copy_label = translate("copy", &[]);
        let copied_label = translate("copied", &[]);
        for reference in &view.references {
            let value = element(doc, "dd", "")?;
            let code = text(doc, "code", "", &reference.value)?;
            let button = copy_button(doc, &reference.value, &copy_label, &copied_label)?;
            button.set_attribute("aria-label", &format!("{copy_label}: {}", reference.label))?;
            append(&value, &[&code, &button])?;
            append(&list, &[&text(doc, "dt", "", &reference.label)?, &value])?;
        }
        append(&owner, &[&list])?;
    }
    if !view.stack.is_empty() {
        let stack = element(doc, "ul", "stack")?;
        for hint in &view.stack {
            append(&stack, &[&text(doc, "li", "", &say(translate, hint))?])?;
        }
        append(&owner, &[&stack])?;
    }
    Ok(owner)
}

/// A button that copies `value` to the clipboard and says so.
fn copy_button(doc: &Document, value: &str, label: &str, done: &str) -> Result<Element, JsValue> {
    let button = text(doc, "button", "", label)?;
    button.set_attribute("type", "button")?;
    button.set_class_name("copy");
    let value = value.to_string();
    let done = done.to_string();
    let target = button.clone();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        let promise = window.navigator().clipboard().write_text(&value);
        let target = target.clone();
        let done = done.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = JsFuture::from(promise).await;
            if outcome.is_ok() {
                target.set_text_content(Some(&done));
            }
        });
    });
    button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    // The popup lives as long as its buttons: let the closure live with it.
    on_click.forget();
    Ok(button)
}
