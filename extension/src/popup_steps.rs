//! "What you can try": the steps that fit this visitor's case, browser and system, each with
//! its one-click action, command (with a copy button) or keyboard shortcut.

use super::actions::{perform, ActionContext, Click};
use super::api::{message, ExtensionApi};
use super::dom::{append, element, text};
use gateway_doctor::view::steps::{ActionId, StepView};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// Replaces the items of `list` with `steps`.
pub fn render_steps(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    list: &Element,
    steps: &[StepView],
    context: &Rc<ActionContext>,
) -> Result<(), JsValue> {
    list.set_text_content(None);
    for step in steps {
        let item = element(doc, "li", "")?;
        if let Some(action) = step.action {
            item.set_attribute("data-action", action.as_str())?;
        }
        append(
            &item,
            &[&text(
                doc,
                "span",
                "",
                &message(api, step.text.key, &step.text.args),
            )?],
        )?;
        if let Some(menu) = &step.menu_path {
            append(
                &item,
                &[&text(doc, "span", "", &message(api, menu.key, &menu.args))?],
            )?;
            if let Some(last) = item.last_element_child() {
                last.set_class_name("menu-path");
            }
        }
        if let Some(shortcut) = &step.shortcut {
            let keys = element(doc, "p", "")?;
            keys.set_class_name("shortcut");
            append(
                &keys,
                &[
                    &text(doc, "span", "", &message(api, "shortcutLabel", &[]))?,
                    &text(doc, "kbd", "", shortcut)?,
                ],
            )?;
            append(&item, &[&keys])?;
        }
        if let Some(command) = &step.command {
            let line = element(doc, "p", "")?;
            line.set_class_name("command");
            append(&line, &[&text(doc, "code", "", command)?])?;
            append(&item, &[&line])?;
        }
        if let Some(action) = step.action {
            let for_step = Rc::new(ActionContext {
                command: step.command.clone(),
                shortcut: step.shortcut.clone(),
                link: step.link.clone(),
                ..ActionContext::clone(context)
            });
            append(&item, &[&action_button(api, doc, action, &for_step)?])?;
        }
        append(list, &[&item])?;
    }
    Ok(())
}

/// Replaces the first screen's actions with those of the first steps that have one (at most
/// two): the same buttons as in the steps, so the visitor can act without scrolling.
pub fn render_first_actions(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    container: &Element,
    steps: &[StepView],
    context: &Rc<ActionContext>,
    skip_reload: bool,
) -> Result<(), JsValue> {
    container.set_text_content(None);
    let first: Vec<&StepView> = steps
        .iter()
        .filter(|step| {
            step.action
                .is_some_and(|action| !(skip_reload && action == ActionId::RetryNow))
        })
        .take(2)
        .collect();
    if first.is_empty() {
        container.set_attribute("hidden", "")?;
        return Ok(());
    }
    container.remove_attribute("hidden")?;
    append(
        container,
        &[&text(
            doc,
            "h2",
            "",
            &message(api, "headingFirstActions", &[]),
        )?],
    )?;
    for step in first {
        let Some(action) = step.action else {
            continue;
        };
        let for_step = Rc::new(ActionContext {
            command: step.command.clone(),
            shortcut: step.shortcut.clone(),
            link: step.link.clone(),
            ..ActionContext::clone(context)
        });
        append(container, &[&action_button(api, doc, action, &for_step)?])?;
    }
    Ok(())
}

/// Writes what an action did next to its buttons: the first screen's and the step's.
fn tell(doc: &Document, action: ActionId, said: &str) {
    let selector = format!("button[data-action=\"{}\"]", action.as_str());
    for container in ["first-actions", "steps"] {
        let status = doc
            .get_element_by_id(container)
            .and_then(|c| c.query_selector(&selector).ok().flatten())
            .and_then(|button| button.parent_element())
            .and_then(|wrapper| wrapper.query_selector(".action-status").ok().flatten());
        if let Some(status) = status {
            status.set_text_content(Some(said));
        }
    }
}

/// A button for the action, with a status line (a polite live region) saying what it did.
fn action_button(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    action: ActionId,
    context: &Rc<ActionContext>,
) -> Result<Element, JsValue> {
    let wrapper = element(doc, "p", "")?;
    wrapper.set_class_name("action");
    let button = text(doc, "button", "", &message(api, action.label_key(), &[]))?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-action", action.as_str())?;
    let status = element(doc, "span", "")?;
    status.set_class_name("action-status");
    status.set_attribute("role", "status")?;
    append(&wrapper, &[&button, &status])?;
    if action == ActionId::CheckProxy {
        // The checks block's own button asks for the permission within this click.
        let on_click = Closure::<dyn FnMut()>::new({
            let doc = doc.clone();
            move || {
                // Its result is a check line: show them.
                if let Some(checks) = doc.get_element_by_id("checks-block") {
                    let _opened = checks.set_attribute("open", "");
                }
                if let Some(proxy) = doc
                    .get_element_by_id("check-proxy")
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    proxy.click();
                }
            }
        });
        button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
        on_click.forget();
        return Ok(wrapper);
    }
    let api = Rc::clone(api);
    let context = Rc::clone(context);
    // The clipboard accepts a write shortly after the click, so every action, the copy among
    // them, goes through `perform`.
    let doc = doc.clone();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        // Within the click itself: a permission prompt needs the gesture, and the box is read as
        // the visitor left it.
        let click = Click::now(&api, &doc, action);
        let (api, context, doc) = (Rc::clone(&api), Rc::clone(&context), doc.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let said = perform(&api, action, &context, click).await;
            tell(&doc, action, &said);
        });
    });
    button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    Ok(wrapper)
}
