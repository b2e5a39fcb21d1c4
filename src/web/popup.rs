//! The toolbar popup: finds the tab, loads its incident and renders the view as text.

use super::api::{extension_api, message, object};
use super::dom::{append, element, text};
use super::storage::{self, tab_key};
use crate::incident::Incident;
use crate::popup_view::{incident_view, IncidentView, Msg};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

/// Renders the popup into `root`: for the tab named by `?tab=<id>`, else the active tab.
#[wasm_bindgen]
pub async fn render_popup(root: Element) -> Result<(), JsValue> {
    let api = extension_api()?;
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("popup root is not in a document"))?;
    let translate = |key: &str, args: &[String]| message(&api, key, args);
    let incident = match target_tab(&api).await? {
        Some(tab_id) => storage::load(&api, &tab_key(tab_id)).await?,
        None => None,
    };
    let locale = api.i18n().get_ui_language();
    match incident {
        Some(incident) => render_view(&doc, &root, &incident_view(&incident), &locale, &translate),
        None => render_nothing_wrong(&doc, &root, &translate),
    }
}

/// Renders a stored incident (as `storage.session` holds it) without the extension API, for
/// tests and previews; `messages` maps keys to texts.
#[wasm_bindgen]
pub fn render_incident(root: Element, incident: JsValue, messages: JsValue) -> Result<(), JsValue> {
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("root is not in a document"))?;
    let incident: Incident = serde_wasm_bindgen::from_value(incident)?;
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

async fn target_tab(api: &super::api::ExtensionApi) -> Result<Option<i64>, JsValue> {
    let search = web_sys::window()
        .map(|w| w.location().search().unwrap_or_default())
        .unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search)?;
    if let Some(tab) = params.get("tab").and_then(|t| t.parse::<i64>().ok()) {
        return Ok(Some(tab));
    }
    let query = object(&[("active", true.into()), ("currentWindow", true.into())])?;
    let tabs: Array = JsFuture::from(api.tabs().query(&query)).await?.into();
    let id = Reflect::get(&tabs.get(0), &"id".into())
        .ok()
        .and_then(|v| v.as_f64());
    Ok(id.map(|id| id as i64))
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

    let head = element(doc, "header", "")?;
    append(
        &head,
        &[
            &text(doc, "p", "code", &view.code)?,
            &text(doc, "h1", "title", &title)?,
            &text(doc, "p", "seen", &seen)?,
        ],
    )?;

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

    let meaning = element(doc, "div", "meaning-block")?;
    append(
        &meaning,
        &[
            &text(doc, "h2", "", &translate("headingMeaning", &[]))?,
            &text(doc, "p", "meaning", &say(translate, &view.meaning))?,
        ],
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

    let fixer = element(doc, "div", "fixer-block")?;
    append(
        &fixer,
        &[
            &text(doc, "h2", "", &translate("headingFixer", &[]))?,
            &text(doc, "p", "fixer", &say(translate, &view.fixer))?,
            &text(doc, "p", "outlook", &say(translate, &view.outlook))?,
        ],
    )?;

    let steps = element(doc, "ol", "steps")?;
    for step in &view.steps {
        append(&steps, &[&text(doc, "li", "", &say(translate, step))?])?;
    }
    let steps_block = element(doc, "div", "steps-block")?;
    append(
        &steps_block,
        &[
            &text(doc, "h2", "", &translate("headingSteps", &[]))?,
            &steps,
        ],
    )?;

    append(&section, &[&head, &facts, &meaning, &fixer, &steps_block])?;
    root.append_child(&section)?;
    doc.set_title(&format!("{} · {}", view.code, title));
    Ok(())
}
