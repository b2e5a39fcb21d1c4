//! The options page: the auto-retry settings, saved to `storage.sync` on every change.

use super::api::{extension_api, message, ExtensionApi};
use super::dom::{append, element, text};
use super::settings_store;
use gateway_doctor::settings::{
    parse_exceptions, service_url, CheckerChoice, Settings, MAX_LIMIT_MINUTES, MIN_LIMIT_MINUTES,
};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

thread_local! {
    /// The last save started: the next one waits for it.
    static SAVES: std::cell::RefCell<js_sys::Promise> =
        std::cell::RefCell::new(js_sys::Promise::resolve(&JsValue::UNDEFINED));
}

#[wasm_bindgen]
pub async fn render_options(root: Element) -> Result<(), JsValue> {
    let api = Rc::new(extension_api()?);
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("options root is not in a document"))?;
    let settings = settings_store::load(&api).await;
    let say = |key: &str| message(&api, key, &[]);
    root.set_text_content(None);

    let form = element(&doc, "form", "settings")?;
    append(&form, &[&text(&doc, "h1", "", &say("optionsTitle"))?])?;
    append(
        &form,
        &[&checkbox(
            &doc,
            "autoRetry",
            &say("optionAutoRetry"),
            settings.auto_retry,
        )?],
    )?;
    let which = element(&doc, "fieldset", "")?;
    append(
        &which,
        &[
            &text(&doc, "legend", "", &say("optionRetryWhich"))?,
            &checkbox(
                &doc,
                "retryServerErrors",
                &say("optionRetryServerErrors"),
                settings.retry_server_errors,
            )?,
            &checkbox(
                &doc,
                "retryNetworkErrors",
                &say("optionRetryNetworkErrors"),
                settings.retry_network_errors,
            )?,
        ],
    )?;
    append(&form, &[&which])?;

    let limit = element(&doc, "p", "")?;
    let label = text(&doc, "label", "", &say("optionRetryLimit"))?;
    label.set_attribute("for", "retryLimitMinutes")?;
    let input = element(&doc, "input", "retryLimitMinutes")?;
    input.set_attribute("type", "number")?;
    input.set_attribute("min", &MIN_LIMIT_MINUTES.to_string())?;
    input.set_attribute("max", &MAX_LIMIT_MINUTES.to_string())?;
    input.set_attribute("value", &settings.retry_limit_minutes.to_string())?;
    append(&limit, &[&label, &input])?;
    append(&form, &[&limit])?;

    append(
        &form,
        &[&checkbox(
            &doc,
            "notifyWhenBack",
            &say("optionNotify"),
            settings.notify_when_back,
        )?],
    )?;

    let exceptions = element(&doc, "p", "")?;
    let label = text(&doc, "label", "", &say("optionNeverRetry"))?;
    label.set_attribute("for", "neverRetry")?;
    let area = text(
        &doc,
        "textarea",
        "neverRetry",
        &settings.never_retry.join("\n"),
    )?;
    area.set_attribute("rows", "4")?;
    area.set_attribute("spellcheck", "false")?;
    append(&exceptions, &[&label, &area])?;
    append(&form, &[&exceptions])?;

    append(&form, &[&checks_fieldset(&doc, &settings, &say)?])?;
    append(
        &form,
        &[&checkbox(
            &doc,
            "showBanner",
            &say("optionShowBanner"),
            settings.show_banner,
        )?],
    )?;

    let privacy = element(&doc, "p", "")?;
    let link = text(&doc, "a", "privacy-link", &say("optionPrivacyLink"))?;
    link.set_attribute("href", "privacy.txt")?;
    link.set_attribute("target", "_blank")?;
    append(&privacy, &[&link])?;
    append(&form, &[&privacy])?;

    let status = element(&doc, "p", "status")?;
    status.set_attribute("role", "status")?;
    append(&form, &[&status])?;
    append(&root, &[&form])?;
    doc.set_title(&say("optionsTitle"));
    super::popup::set_language(&doc, &api.i18n().get_ui_language());

    let on_change = {
        let api = Rc::clone(&api);
        let doc = doc.clone();
        Closure::<dyn FnMut()>::new(move || {
            let api = Rc::clone(&api);
            let doc = doc.clone();
            // One save at a time, in order: the status always speaks of the latest change.
            let previous = SAVES.with(|saves| saves.borrow().clone());
            let save = wasm_bindgen_futures::future_to_promise(async move {
                let _ignored = wasm_bindgen_futures::JsFuture::from(previous).await;
                if let Err(error) = save_from_form(&api, &doc).await {
                    web_sys::console::error_2(&"Gateway Doctor: settings not saved".into(), &error);
                    set_status(&doc, &message(&api, "optionsNotSaved", &[]));
                }
                Ok(JsValue::UNDEFINED)
            });
            SAVES.with(|saves| *saves.borrow_mut() = save);
        })
    };
    form.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref())?;
    // The page lives as long as its form.
    on_change.forget();
    ask_for_notifications_when_ticked(&api, &doc)?;
    Ok(())
}

/// Notifications are an optional permission, asked for when the visitor ticks the box (the
/// click is the gesture the prompt needs); refused, the box is unticked again and saved so.
fn ask_for_notifications_when_ticked(
    api: &Rc<ExtensionApi>,
    doc: &Document,
) -> Result<(), JsValue> {
    let Some(input) = doc
        .get_element_by_id("notifyWhenBack")
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    else {
        return Ok(());
    };
    let on_click = {
        let (api, doc, box_) = (Rc::clone(api), doc.clone(), input.clone());
        Closure::<dyn FnMut()>::new(move || {
            if !box_.checked() {
                return;
            }
            let answer = super::actions::request_permission(&api, "notifications");
            let (api, doc, box_) = (Rc::clone(&api), doc.clone(), box_.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let granted = match answer {
                    Some(answer) => wasm_bindgen_futures::JsFuture::from(answer)
                        .await
                        .is_ok_and(|yes| yes.as_bool() == Some(true)),
                    None => false,
                };
                if !granted {
                    box_.set_checked(false);
                    let _ignored = save_from_form(&api, &doc).await;
                    set_status(&doc, &message(&api, "optionNotifyRefused", &[]));
                }
            });
        })
    };
    input.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    Ok(())
}

/// The checks: which down-for-everyone provider (or none), the DNS and connectivity checks.
fn checks_fieldset(
    doc: &Document,
    settings: &Settings,
    say: &dyn Fn(&str) -> String,
) -> Result<Element, JsValue> {
    let set = element(doc, "fieldset", "")?;
    append(&set, &[&text(doc, "legend", "", &say("optionChecks"))?])?;
    let row = element(doc, "p", "")?;
    let label = text(doc, "label", "", &say("optionChecker"))?;
    label.set_attribute("for", "checker")?;
    let select = element(doc, "select", "checker")?;
    for choice in CheckerChoice::ALL {
        let key = match choice {
            CheckerChoice::DownForEveryone => "optionCheckerDownForEveryone",
            CheckerChoice::IsItUp => "optionCheckerIsItUp",
            CheckerChoice::Own => "optionCheckerOwn",
            CheckerChoice::Off => "optionCheckerOff",
        };
        let option = text(doc, "option", "", &say(key))?;
        option.set_attribute("value", choice.as_str())?;
        if choice == settings.checker {
            option.set_attribute("selected", "")?;
        }
        append(&select, &[&option])?;
    }
    append(&row, &[&label, &select])?;
    append(
        &set,
        &[
            &checkbox(
                doc,
                "refetchPage",
                &say("optionRefetchPage"),
                settings.refetch_page,
            )?,
            &row,
            &url_input(
                doc,
                "checkerUrl",
                &say("optionCheckerUrl"),
                &settings.checker_url,
                "https://",
            )?,
            &text(doc, "p", "", &say("optionCheckerPrivacy"))?,
            &checkbox(doc, "checkDns", &say("optionCheckDns"), settings.check_dns)?,
            &url_input(
                doc,
                "dnsResolver",
                &say("optionDnsResolver"),
                &settings.dns_resolver,
                &say("optionAutomatic"),
            )?,
            &url_input(
                doc,
                "connectivityUrl",
                &say("optionConnectivityUrl"),
                &settings.connectivity_url,
                &say("optionOff"),
            )?,
        ],
    )?;
    Ok(set)
}

fn url_input(
    doc: &Document,
    id: &str,
    label_text: &str,
    value: &str,
    placeholder: &str,
) -> Result<Element, JsValue> {
    let row = element(doc, "p", "")?;
    let label = text(doc, "label", "", label_text)?;
    label.set_attribute("for", id)?;
    let input: HtmlInputElement = element(doc, "input", id)?.dyn_into()?;
    input.set_type("url");
    input.set_value(value);
    input.set_placeholder(placeholder);
    input.set_attribute("spellcheck", "false")?;
    append(&row, &[&label, &input])?;
    Ok(row)
}

fn checkbox(doc: &Document, id: &str, label_text: &str, checked: bool) -> Result<Element, JsValue> {
    let row = element(doc, "p", "")?;
    let input: HtmlInputElement = element(doc, "input", id)?.dyn_into()?;
    input.set_type("checkbox");
    input.set_checked(checked);
    let label = text(doc, "label", "", label_text)?;
    label.set_attribute("for", id)?;
    append(&row, &[&input, &label])?;
    Ok(row)
}

async fn save_from_form(api: &ExtensionApi, doc: &Document) -> Result<(), JsValue> {
    let checked = |id: &str| {
        doc.get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked())
    };
    let limit_text = doc
        .get_element_by_id("retryLimitMinutes")
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .unwrap_or_default();
    let exceptions_text = doc
        .get_element_by_id("neverRetry")
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
        .map(|area| area.value())
        .unwrap_or_default();
    let (never_retry, rejected) = parse_exceptions(&exceptions_text);
    let previous = settings_store::load(api).await;
    let limit = limit_text
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (MIN_LIMIT_MINUTES..=MAX_LIMIT_MINUTES).contains(m));
    let value = |id: &str| {
        doc.get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    };
    let checker = doc
        .get_element_by_id("checker")
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
        .and_then(|select| CheckerChoice::parse(&select.value()))
        .unwrap_or(previous.checker);
    // An address that is not an http(s) URL keeps the one saved before, and says so.
    let mut kept_urls = Vec::new();
    let mut url_field = |id: &str, before: &str| {
        let typed = value(id);
        if typed.trim().is_empty() {
            return String::new();
        }
        service_url(&typed).unwrap_or_else(|| {
            kept_urls.push(gateway_doctor::incident::truncate(typed.trim(), 100));
            before.to_string()
        })
    };
    let checker_url = url_field("checkerUrl", &previous.checker_url);
    let dns_resolver = url_field("dnsResolver", &previous.dns_resolver);
    let connectivity_url = url_field("connectivityUrl", &previous.connectivity_url);
    let settings = Settings {
        refetch_page: checked("refetchPage"),
        checker,
        checker_url,
        check_dns: checked("checkDns"),
        dns_resolver,
        connectivity_url,
        show_banner: checked("showBanner"),
        auto_retry: checked("autoRetry"),
        retry_server_errors: checked("retryServerErrors"),
        retry_network_errors: checked("retryNetworkErrors"),
        retry_limit_minutes: limit.unwrap_or(previous.retry_limit_minutes),
        notify_when_back: checked("notifyWhenBack"),
        never_retry,
    };
    settings_store::save(api, &settings).await?;
    let mut note = message(api, "optionsSaved", &[]);
    if limit.is_none() {
        let range = [MIN_LIMIT_MINUTES.to_string(), MAX_LIMIT_MINUTES.to_string()];
        note = format!("{note} {}", message(api, "optionsLimitKept", &range));
    }
    if !kept_urls.is_empty() {
        note = format!(
            "{note} {}",
            message(api, "optionsUrlKept", &[kept_urls.join(", ")])
        );
    }
    if settings.checker == CheckerChoice::Own && settings.provider().is_none() {
        note = format!("{note} {}", message(api, "optionsCheckerNeedsUrl", &[]));
    }
    if !rejected.is_empty() {
        note = format!(
            "{note} {}",
            message(api, "optionsNotUnderstood", &[rejected.join(", ")])
        );
    }
    set_status(doc, &note);
    Ok(())
}

fn set_status(doc: &Document, note: &str) {
    if let Some(status) = doc.get_element_by_id("status") {
        status.set_text_content(Some(note));
    }
}
