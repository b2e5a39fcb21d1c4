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

    append(
        &form,
        &[
            &checkbox(
                &doc,
                "keepHistory",
                &say("optionKeepHistory"),
                settings.keep_history,
            )?,
            &text(&doc, "p", "", &say("optionKeepHistoryNote"))?,
        ],
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
    // Outside the form: their changes are saved on their own, never with the form's.
    let rules = element(&doc, "section", "rules-section")?;
    let history = element(&doc, "section", "history-section")?;
    append(&root, &[&rules, &history])?;
    render_rules(&api, &doc, &rules).await?;
    render_history(&api, &doc, &history).await?;
    doc.set_title(&say("optionsTitle"));
    super::dom::set_language(&doc, &api.i18n().get_ui_language());

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
            let answer = super::api::request_permission(&api, "notifications");
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
            &checkbox(
                doc,
                "checkPortal",
                &say("optionCheckPortal"),
                settings.check_portal,
            )?,
            &checkbox(
                doc,
                "checkEdge",
                &say("optionCheckEdge"),
                settings.check_edge,
            )?,
            &checkbox(
                doc,
                "checkCdnStatus",
                &say("optionCheckCdnStatus"),
                settings.check_cdn_status,
            )?,
            &url_input(
                doc,
                "statusFeedUrl",
                &say("optionStatusFeedUrl"),
                &settings.status_feed_url,
                &say("optionEachProvidersOwn"),
            )?,
            &checkbox(
                doc,
                "checkSiteStatus",
                &say("optionCheckSiteStatus"),
                settings.check_site_status,
            )?,
            &text(doc, "p", "", &say("optionStatusPrivacy"))?,
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
    let status_feed_url = url_field("statusFeedUrl", &previous.status_feed_url);
    let settings = Settings {
        check_portal: checked("checkPortal"),
        check_edge: checked("checkEdge"),
        check_cdn_status: checked("checkCdnStatus"),
        check_site_status: checked("checkSiteStatus"),
        status_feed_url,
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
        keep_history: checked("keepHistory"),
        // Edited in their own section and saved on their own.
        site_rules: previous.site_rules.clone(),
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

// ---- Per-site rules ---------------------------------------------------------------------------

use gateway_doctor::rules::{self as site_rules, RuleFlags, Rules};

/// The four flags of a rule: element id suffix, message key, and how to read and set them.
const FLAGS: [(&str, &str); 4] = [
    ("never-retry", "ruleNeverRetry"),
    ("no-outside", "ruleNoOutside"),
    ("no-banner", "ruleNoBanner"),
    ("ignore", "ruleIgnore"),
];

fn flag_of(flags: &RuleFlags, index: usize) -> bool {
    [
        flags.never_retry,
        flags.no_outside,
        flags.no_banner,
        flags.ignore,
    ][index]
}

fn flags_from(values: [bool; 4]) -> RuleFlags {
    RuleFlags {
        never_retry: values[0],
        no_outside: values[1],
        no_banner: values[2],
        ignore: values[3],
    }
}

/// Registers `f` for `event` on `target` for the page's lifetime.
fn on(target: &Element, event: &str, f: impl FnMut() + 'static) -> Result<(), JsValue> {
    let closure = Closure::<dyn FnMut()>::new(f);
    target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
    closure.forget();
    Ok(())
}

fn button(doc: &Document, id: &str, label: &str) -> Result<Element, JsValue> {
    let b = text(doc, "button", id, label)?;
    b.set_attribute("type", "button")?;
    Ok(b)
}

fn rules_status(doc: &Document, note: &str) {
    if let Some(status) = doc.get_element_by_id("rules-status") {
        status.set_text_content(Some(note));
    }
}

/// A host as typed (Unicode or ASCII, an address, `*.` for subdomains) in the ASCII form the
/// browser reports: the browser's own URL parser converts an IDN to punycode.
fn typed_host(typed: &str) -> Option<(String, bool)> {
    let typed = typed.trim();
    let (typed, subdomains) = match typed.strip_prefix("*.") {
        Some(rest) => (rest, true),
        None => (typed, false),
    };
    let address = if typed.contains("://") {
        typed.to_string()
    } else {
        format!("http://{typed}")
    };
    let ctor: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"URL".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let url = js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&address.into())).ok()?;
    let hostname = js_sys::Reflect::get(&url, &"hostname".into())
        .ok()?
        .as_string()?;
    Some((site_rules::normalise_host(&hostname)?, subdomains))
}

/// Saves `rules`, then shows them again with `note` (or the reason they were not saved).
async fn save_and_show(api: &Rc<ExtensionApi>, doc: &Document, rules: &Rules, note: String) {
    let note = match settings_store::save_rules(api, rules).await {
        Ok(()) => note,
        Err(error) => error,
    };
    if let Some(section) = doc.get_element_by_id("rules-section") {
        if let Err(error) = render_rules(api, doc, &section).await {
            web_sys::console::warn_2(&"Gateway Doctor: rules".into(), &error);
        }
    }
    rules_status(doc, &note);
}

/// The rules section: the list (each flag editable, each rule removable), a form to add one,
/// export and import.
async fn render_rules(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    section: &Element,
) -> Result<(), JsValue> {
    let rules = settings_store::load(api).await.site_rules;
    let say = |key: &str| message(api, key, &[]);
    section.set_text_content(None);
    append(
        section,
        &[
            &text(doc, "h2", "", &say("optionsRulesTitle"))?,
            &text(doc, "p", "", &say("optionsRulesIntro"))?,
        ],
    )?;
    let table = element(doc, "table", "rules-list")?;
    let head = element(doc, "tr", "")?;
    append(&head, &[&text(doc, "th", "", &say("ruleHost"))?])?;
    for (_, key) in FLAGS {
        append(&head, &[&text(doc, "th", "", &say(key))?])?;
    }
    append(&head, &[&element(doc, "th", "")?])?;
    append(&table, &[&head])?;
    for (index, rule) in rules.0.iter().enumerate() {
        let row = element(doc, "tr", "")?;
        row.set_class_name("rule");
        row.set_attribute("data-pattern", &rule.pattern())?;
        append(&row, &[&text(doc, "td", "", &rule.pattern())?])?;
        for (flag, (suffix, key)) in FLAGS.iter().enumerate() {
            let cell = element(doc, "td", "")?;
            let input: HtmlInputElement = element(doc, "input", "")?.dyn_into()?;
            input.set_type("checkbox");
            input.set_class_name(&format!("rule-{suffix}"));
            input.set_checked(flag_of(&rule.flags, flag));
            input.set_attribute("aria-label", &format!("{}: {}", rule.pattern(), say(key)))?;
            append(&cell, &[&input])?;
            append(&row, &[&cell])?;
            let (api, doc, input2) = (Rc::clone(api), doc.clone(), input.clone());
            on(&input, "change", move || {
                let (api, doc, on) = (Rc::clone(&api), doc.clone(), input2.checked());
                wasm_bindgen_futures::spawn_local(async move {
                    let mut rules = settings_store::load(&api).await.site_rules;
                    if let Some(rule) = rules.0.get(index) {
                        let mut values = [0, 1, 2, 3].map(|i| flag_of(&rule.flags, i));
                        values[flag] = on;
                        let (host, subdomains) = (rule.host.clone(), rule.subdomains);
                        rules.set(&host, subdomains, flags_from(values));
                    }
                    save_and_show(&api, &doc, &rules, message(&api, "rulesSaved", &[])).await;
                });
            })?;
        }
        let cell = element(doc, "td", "")?;
        let remove = button(doc, "", &say("ruleRemove"))?;
        remove.set_class_name("rule-remove");
        append(&cell, &[&remove])?;
        append(&row, &[&cell])?;
        let (api2, doc2) = (Rc::clone(api), doc.clone());
        on(&remove, "click", move || {
            let (api, doc) = (Rc::clone(&api2), doc2.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let mut rules = settings_store::load(&api).await.site_rules;
                if index < rules.0.len() {
                    rules.0.remove(index);
                }
                save_and_show(&api, &doc, &rules, message(&api, "rulesSaved", &[])).await;
            });
        })?;
        append(&table, &[&row])?;
    }
    if rules.0.is_empty() {
        append(
            section,
            &[&text(doc, "p", "rules-empty", &say("rulesEmpty"))?],
        )?;
    } else {
        append(section, &[&table])?;
    }

    // Add a rule.
    let add = element(doc, "fieldset", "rule-add")?;
    append(&add, &[&text(doc, "legend", "", &say("ruleAdd"))?])?;
    let host_row = element(doc, "p", "")?;
    let label = text(doc, "label", "", &say("ruleHost"))?;
    label.set_attribute("for", "new-rule-host")?;
    let host: HtmlInputElement = element(doc, "input", "new-rule-host")?.dyn_into()?;
    host.set_type("text");
    host.set_placeholder("shop.example");
    host.set_attribute("spellcheck", "false")?;
    append(&host_row, &[&label, &host])?;
    append(&add, &[&host_row])?;
    append(
        &add,
        &[&checkbox(
            doc,
            "new-rule-subdomains",
            &say("ruleSubdomains"),
            false,
        )?],
    )?;
    for (suffix, key) in FLAGS {
        append(
            &add,
            &[&checkbox(
                doc,
                &format!("new-rule-{suffix}"),
                &say(key),
                suffix == "never-retry",
            )?],
        )?;
    }
    let add_button = button(doc, "new-rule-add", &say("ruleAddButton"))?;
    append(&add, &[&add_button])?;
    append(section, &[&add])?;
    let (api2, doc2) = (Rc::clone(api), doc.clone());
    on(&add_button, "click", move || {
        let (api, doc) = (Rc::clone(&api2), doc2.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let checked = |id: &str| {
                doc.get_element_by_id(id)
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                    .is_some_and(|input| input.checked())
            };
            let typed = doc
                .get_element_by_id("new-rule-host")
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                .map(|input| input.value())
                .unwrap_or_default();
            let Some((host, star)) = typed_host(&typed) else {
                let shown = gateway_doctor::incident::truncate(typed.trim(), 100);
                rules_status(&doc, &message(&api, "ruleBadHost", &[shown]));
                return;
            };
            let flags = flags_from(FLAGS.map(|(suffix, _)| checked(&format!("new-rule-{suffix}"))));
            if !flags.any() {
                rules_status(&doc, &message(&api, "ruleNoFlag", &[]));
                return;
            }
            let mut rules = settings_store::load(&api).await.site_rules;
            if !rules.set(&host, star || checked("new-rule-subdomains"), flags) {
                let args = [rules.0.len().to_string(), site_rules::MAX_RULES.to_string()];
                rules_status(&doc, &message(&api, "rulesFull", &args));
                return;
            }
            save_and_show(&api, &doc, &rules, message(&api, "rulesSaved", &[])).await;
        });
    })?;

    // Export and import.
    let files = element(doc, "p", "rules-files")?;
    let export = button(doc, "rules-export", &say("rulesExport"))?;
    let import_label = text(doc, "label", "", &say("rulesImport"))?;
    import_label.set_attribute("for", "rules-import")?;
    let import: HtmlInputElement = element(doc, "input", "rules-import")?.dyn_into()?;
    import.set_type("file");
    import.set_accept("application/json,.json");
    // The export's link, kept so that the file can be saved again (and read by the tests).
    let link = element(doc, "a", "rules-export-link")?;
    link.set_attribute("hidden", "")?;
    append(&files, &[&export, &import_label, &import, &link])?;
    append(section, &[&files])?;
    let status = element(doc, "p", "rules-status")?;
    status.set_attribute("role", "status")?;
    append(section, &[&status])?;

    let (api2, link2) = (Rc::clone(api), link.clone());
    on(&export, "click", move || {
        let api = Rc::clone(&api2);
        let link = link2.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let rules = settings_store::load(&api).await.site_rules;
            let json = site_rules::export_json(&rules);
            let href = format!(
                "data:application/json;charset=utf-8,{}",
                String::from(js_sys::encode_uri_component(&json))
            );
            let ready = link
                .set_attribute("href", &href)
                .and_then(|_| link.set_attribute("download", "gateway-doctor-rules.json"));
            if ready.is_ok() {
                if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
                    link.click();
                }
            }
        });
    })?;
    let (api2, doc2, import2) = (Rc::clone(api), doc.clone(), import.clone());
    on(&import, "change", move || {
        let (api, doc, input) = (Rc::clone(&api2), doc2.clone(), import2.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let note = match read_import(&api, &input).await {
                Ok(rules) => {
                    let count = rules.0.len().to_string();
                    save_and_show(&api, &doc, &rules, message(&api, "rulesImported", &[count]))
                        .await;
                    return;
                }
                Err(note) => note,
            };
            input.set_value("");
            rules_status(&doc, &note);
        });
    })?;
    Ok(())
}

/// Reads the chosen file and checks it whole; the error is the visitor's message.
async fn read_import(api: &ExtensionApi, input: &HtmlInputElement) -> Result<Rules, String> {
    let refused = |error: site_rules::ImportError| {
        let msg = error.message();
        message(api, msg.key, &msg.args)
    };
    let file = js_sys::Reflect::get(input, &"files".into())
        .and_then(|files| js_sys::Reflect::get(&files, &"0".into()))
        .ok()
        .filter(|file| file.is_object())
        .ok_or_else(|| refused(site_rules::ImportError::WrongShape))?;
    let size = js_sys::Reflect::get(&file, &"size".into())
        .ok()
        .and_then(|size| size.as_f64())
        .unwrap_or(f64::INFINITY);
    if size > site_rules::MAX_IMPORT_BYTES as f64 {
        return Err(refused(site_rules::ImportError::TooBig));
    }
    let read = js_sys::Reflect::get(&file, &"text".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>())
        .and_then(|f| f.call0(&file))
        .and_then(|p| p.dyn_into::<js_sys::Promise>());
    let text = match read {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .ok_or_else(|| refused(site_rules::ImportError::NotJson))?;
    site_rules::import_json(&text).map_err(refused)
}

// ---- History ----------------------------------------------------------------------------------

/// The history section: each site's failures of the last 30 days as a small bar chart (built
/// with DOM elements; the host is text), with a button to forget one site or everything.
async fn render_history(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    section: &Element,
) -> Result<(), JsValue> {
    use gateway_doctor::history::per_site;
    let now = js_sys::Date::now();
    let entries = super::history_store::load(api, now).await;
    let say = |key: &str, args: &[String]| message(api, key, args);
    section.set_text_content(None);
    append(
        section,
        &[
            &text(doc, "h2", "", &say("optionsHistoryTitle", &[]))?,
            &text(doc, "p", "", &say("optionsHistoryIntro", &[]))?,
        ],
    )?;
    let sites = per_site(&entries, now);
    if sites.is_empty() {
        append(
            section,
            &[&text(doc, "p", "history-empty", &say("historyEmpty", &[]))?],
        )?;
        return Ok(());
    }
    let list = element(doc, "ul", "history-list")?;
    for site in &sites {
        let item = element(doc, "li", "")?;
        item.set_class_name("history-site");
        item.set_attribute("data-host", &site.host)?;
        let minutes = ((site.longest_ms / 60_000.0).ceil().max(1.0) as u64).to_string();
        let summary = say("historySiteSummary", &[site.count.to_string(), minutes]);
        let host = text(doc, "strong", "", &site.host)?;
        host.set_class_name("history-host");
        let chart = element(doc, "div", "")?;
        chart.set_class_name("history-chart");
        chart.set_attribute("role", "img")?;
        chart.set_attribute(
            "aria-label",
            &say("historyChartLabel", std::slice::from_ref(&site.host)),
        )?;
        chart.set_attribute(
            "style",
            "display:flex;align-items:flex-end;gap:1px;height:32px;border-bottom:1px solid currentColor;max-width:320px",
        )?;
        for (day, count) in site.per_day.iter().enumerate() {
            let bar = element(doc, "span", "")?;
            bar.set_class_name("history-bar");
            let height = if *count == 0 {
                0
            } else {
                (6 + 6 * count).min(32)
            };
            bar.set_attribute(
                "style",
                &format!("flex:1;height:{height}px;background:#b3261e"),
            )?;
            let ago = (29 - day).to_string();
            bar.set_attribute("title", &say("historyBarTitle", &[ago, count.to_string()]))?;
            append(&chart, &[&bar])?;
        }
        let forget = button(doc, "", &say("historyForgetSite", &[]))?;
        forget.set_class_name("history-forget");
        append(
            &item,
            &[
                &host,
                &text(doc, "span", "", &format!(" {summary}"))?,
                &chart,
                &forget,
            ],
        )?;
        let (api2, doc2, host) = (Rc::clone(api), doc.clone(), site.host.clone());
        on(&forget, "click", move || {
            let (api, doc, host) = (Rc::clone(&api2), doc2.clone(), host.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(error) = super::history_store::clear_host(&api, &host).await {
                    web_sys::console::warn_2(&"Gateway Doctor: history".into(), &error);
                }
                rerender_history(&api, &doc).await;
            });
        })?;
        append(&list, &[&item])?;
    }
    let clear = button(doc, "history-clear-all", &say("historyClearAll", &[]))?;
    append(section, &[&list, &clear])?;
    let (api2, doc2) = (Rc::clone(api), doc.clone());
    on(&clear, "click", move || {
        let (api, doc) = (Rc::clone(&api2), doc2.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = super::history_store::clear_all(&api).await {
                web_sys::console::warn_2(&"Gateway Doctor: history".into(), &error);
            }
            rerender_history(&api, &doc).await;
        });
    })?;
    Ok(())
}

async fn rerender_history(api: &Rc<ExtensionApi>, doc: &Document) {
    if let Some(section) = doc.get_element_by_id("history-section") {
        if let Err(error) = render_history(api, doc, &section).await {
            web_sys::console::warn_2(&"Gateway Doctor: history".into(), &error);
        }
    }
}
