//! The popup's checks block: each check's line as its result arrives (a polite live region, so
//! screen readers hear them), the verdict decided from what has arrived, and the buttons that go
//! with it (check for a proxy, run the checks again, reload when the site works again).

use super::actions::ActionContext;
use super::api::{message, ExtensionApi};
use super::check_store;
use super::dom::{append, element, text};
use super::popup_steps::{render_first_actions, render_steps};
use gateway_doctor::checks::record::CheckRecord;
use gateway_doctor::checks::verdict::VerdictKind;
use gateway_doctor::diagnosis::Diagnosis;
use gateway_doctor::incident::Incident;
use gateway_doctor::session_keys::SessionKey;
use gateway_doctor::view::checks::{
    check_lines, check_state_id, current_verdict, verdict_names, verdict_view,
};
use gateway_doctor::view::steps::{visitor_steps, StepContext, StepView};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

/// The checks block's parts, placed apart: the verdict on the first screen, the first actions
/// under who can fix it, the check lines in a disclosure.
pub struct ChecksParts {
    pub verdict: Element,
    pub first_actions: Element,
    pub checks: Element,
}

/// Builds the block and keeps it current while the popup is open.
pub async fn checks_block(
    api: &Rc<ExtensionApi>,
    doc: &Document,
    tab_id: i64,
    incident: &Incident,
    steps: Option<StepsTarget>,
) -> Result<ChecksParts, JsValue> {
    let say = |key: &str| message(api, key, &[]);
    let verdict_block = element(doc, "div", "verdict-block")?;
    let verdict = element(doc, "div", "verdict")?;
    verdict.set_attribute("aria-live", "polite")?;
    append(
        &verdict_block,
        &[&text(doc, "h2", "", &say("headingVerdict"))?, &verdict],
    )?;
    let block = super::popup::disclosure(doc, "checks-block", &say("headingChecks"))?;
    let reasons = element(doc, "ul", "verdict-reasons")?;
    reasons.set_attribute("hidden", "")?;
    let list = element(doc, "ul", "checks")?;
    list.set_attribute("aria-live", "polite")?;
    list.set_attribute("aria-label", &say("headingChecks"))?;
    let buttons = element(doc, "p", "check-buttons")?;
    let proxy = button(doc, "check-proxy", &say("checkProxyButton"))?;
    let again = button(doc, "run-checks", &say("runChecksAgain"))?;
    append(&buttons, &[&proxy, &again])?;
    append(&block, &[&reasons, &list, &buttons])?;
    let first_actions = match &steps {
        Some(steps) => steps.first.clone(),
        None => element(doc, "div", "first-actions")?,
    };

    let view = Rc::new(LiveView {
        api: Rc::clone(api),
        doc: doc.clone(),
        verdict,
        reasons,
        list,
        tab_id,
        incident: incident.clone(),
        steps,
        shown_steps: RefCell::new(None),
        refreshes: Cell::new(0),
    });
    // Listening first: a check that answers while the first read is on its way is then heard
    // (the other way round, its answer could land between the read and the listener, and the
    // popup would say "checking" for good).
    view.listen_for_changes()?;
    view.refresh().await?;
    // Its click is the popup's second build's (`popup_proxy`).
    on_click(&again, {
        let view = Rc::clone(&view);
        move || view.run_again()
    })?;
    Ok(ChecksParts {
        verdict: verdict_block,
        first_actions,
        checks: block,
    })
}

fn button(doc: &Document, id: &str, label: &str) -> Result<Element, JsValue> {
    let button = text(doc, "button", id, label)?;
    button.set_attribute("type", "button")?;
    Ok(button)
}

fn on_click(target: &Element, handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    let closure = Closure::<dyn FnMut()>::new(handler);
    target.add_event_listener_with_callback("click", closure.as_ref().unchecked_ref())?;
    // The popup lives as long as its buttons.
    closure.forget();
    Ok(())
}

struct LiveView {
    api: Rc<ExtensionApi>,
    doc: Document,
    verdict: Element,
    /// Why the verdict says what it says: with the check lines, on demand.
    reasons: Element,
    list: Element,
    tab_id: i64,
    incident: Incident,
    steps: Option<StepsTarget>,
    /// The steps on screen: re-rendered only when they change, so focus and action results stay.
    shown_steps: RefCell<Option<Vec<StepView>>>,
    /// Refreshes started so far: only the latest one's read is drawn, never an older one's that
    /// came back after it.
    refreshes: Cell<u64>,
}

/// Where the tailored steps go, and what they are chosen from.
pub struct StepsTarget {
    pub list: Element,
    /// The first one or two actions, on the first screen.
    pub first: Element,
    pub diagnosis: Diagnosis,
    pub actions: Rc<ActionContext>,
}

impl LiveView {
    fn say(&self, key: &str, args: &[String]) -> String {
        message(&self.api, key, args)
    }

    async fn refresh(&self) -> Result<(), JsValue> {
        let this_one = self.refreshes.get() + 1;
        self.refreshes.set(this_one);
        let records = check_store::load(&self.api, self.tab_id).await?;
        if self.refreshes.get() != this_one {
            return Ok(());
        }
        self.render(&records)
    }

    fn render(&self, records: &[CheckRecord]) -> Result<(), JsValue> {
        self.render_steps(records)?;
        let doc = &self.doc;
        self.list.set_text_content(None);
        for line in check_lines(records, self.incident.at_ms) {
            let item = element(doc, "li", "")?;
            item.set_attribute("data-check", line.id.as_str())?;
            item.set_attribute("data-state", check_state_id(line.state))?;
            let label = text(doc, "span", "", &self.say(line.label.key, &line.label.args))?;
            label.set_class_name("check-label");
            let status = text(
                doc,
                "span",
                "",
                &self.say(line.status.key, &line.status.args),
            )?;
            append(&item, &[&label, &status])?;
            append(&self.list, &[&item])?;
        }
        self.verdict.set_text_content(None);
        let Some(verdict) = verdict_view(&self.incident, records) else {
            self.reasons.set_text_content(None);
            self.reasons.set_attribute("hidden", "")?;
            append(
                &self.verdict,
                &[&text(doc, "p", "", &self.say("verdictPending", &[]))?],
            )?;
            return Ok(());
        };
        self.follow_verdict(verdict.kind)?;
        self.verdict
            .set_attribute("data-verdict", verdict_names(verdict.kind).attribute)?;
        self.verdict.set_attribute(
            "data-settled",
            if verdict.settled { "true" } else { "false" },
        )?;
        let title = text(
            doc,
            "p",
            "verdict-title",
            &self.say(verdict.title.key, &verdict.title.args),
        )?;
        let mut confidence = self.say(verdict.confidence.key, &[]);
        if !verdict.settled {
            confidence = format!("{confidence} · {}", self.say("verdictStillChecking", &[]));
        }
        append(
            &self.verdict,
            &[
                &title,
                &text(doc, "p", "verdict-confidence", &confidence)?,
                &text(
                    doc,
                    "p",
                    "verdict-explanation",
                    &self.say(verdict.explanation.key, &verdict.explanation.args),
                )?,
            ],
        )?;
        self.reasons.set_text_content(None);
        for reason in &verdict.reasons {
            append(
                &self.reasons,
                &[&text(doc, "li", "", &self.say(reason.key, &[]))?],
            )?;
        }
        if verdict.reasons.is_empty() {
            self.reasons.set_attribute("hidden", "")?;
        } else {
            self.reasons.remove_attribute("hidden")?;
        }
        if verdict.kind == VerdictKind::WorksAgain {
            let reload = button(doc, "reload-page", &self.say("reloadNow", &[]))?;
            let api = Rc::clone(&self.api);
            let tab_id = self.tab_id;
            on_click(&reload, move || {
                let promise = api.tabs().reload(tab_id as f64, &JsValue::UNDEFINED);
                wasm_bindgen_futures::spawn_local(async move {
                    let _reloaded = JsFuture::from(promise).await;
                });
            })?;
            append(&self.verdict, &[&reload])?;
        }
        Ok(())
    }

    /// "Where it broke", "What happened", "Who can fix it" and the reassurance follow the verdict: on the visitor's
    /// side, they say so; otherwise what the page's diagnosis said is shown (again).
    fn follow_verdict(&self, kind: VerdictKind) -> Result<(), JsValue> {
        let doc = self.verdict.owner_document().ok_or("no document")?;
        let names = verdict_names(kind);
        let side = names.visitor_side;
        let site = names.site_side;
        for (id, key) in [
            ("side", side.map(|s| s.side).or(site.and_then(|s| s.side))),
            ("meaning", side.map(|s| s.meaning)),
            ("fixer", side.map(|s| s.fixer).or(site.map(|s| s.fixer))),
            (
                "outlook",
                side.map(|s| s.outlook).or(site.and_then(|s| s.outlook)),
            ),
        ] {
            let Some(element) = doc.get_element_by_id(id) else {
                continue;
            };
            // The diagnosis' own words are kept to come back to when the verdict changes.
            if element.get_attribute("data-diagnosis").is_none() {
                element.set_attribute(
                    "data-diagnosis",
                    &element.text_content().unwrap_or_default(),
                )?;
            }
            let text = match key {
                Some(key) => self.say(key, &[]),
                None => element.get_attribute("data-diagnosis").unwrap_or_default(),
            };
            element.set_text_content(Some(&text));
        }
        // The owner's part opens with what the verdict means for them.
        if let Some(note) = doc.get_element_by_id("owner-verdict") {
            match gateway_doctor::view::owner::verdict_note(kind) {
                Some(msg) => {
                    note.set_text_content(Some(&self.say(msg.key, &msg.args)));
                    note.remove_attribute("hidden")?;
                }
                None => note.set_attribute("hidden", "")?,
            }
        }
        if let Some(reassurance) = doc.get_element_by_id("reassurance") {
            if side.is_some() {
                reassurance.set_attribute("hidden", "")?;
            } else {
                reassurance.remove_attribute("hidden")?;
            }
        }
        Ok(())
    }

    fn render_steps(&self, records: &[CheckRecord]) -> Result<(), JsValue> {
        let Some(target) = &self.steps else {
            return Ok(());
        };
        let (evidence, verdict) = current_verdict(&self.incident, records);
        let steps = visitor_steps(&StepContext {
            host: &self.incident.host,
            diagnosis: &target.diagnosis,
            verdict: &verdict,
            evidence: &evidence,
            platform: target.actions.platform,
        });
        if self.shown_steps.borrow().as_ref() == Some(&steps) {
            return Ok(());
        }
        render_steps(&self.api, &self.doc, &target.list, &steps, &target.actions)?;
        // "Reload now" is already the verdict's own button when the site works again.
        let skip_reload = verdict.kind == VerdictKind::WorksAgain;
        render_first_actions(
            &self.api,
            &self.doc,
            &target.first,
            &steps,
            &target.actions,
            skip_reload,
        )?;
        *self.shown_steps.borrow_mut() = Some(steps);
        Ok(())
    }

    /// Re-renders whenever one of this tab's check results changes.
    fn listen_for_changes(self: &Rc<Self>) -> Result<(), JsValue> {
        let tab_id = self.tab_id;
        let view = Rc::clone(self);
        let listener = Closure::<dyn FnMut(JsValue, JsValue)>::new(
            move |changes: JsValue, area: JsValue| {
                if area.as_string().as_deref() != Some("session") {
                    return;
                }
                let ours = js_sys::Object::keys(changes.unchecked_ref::<js_sys::Object>())
                    .iter()
                    .filter_map(|k| k.as_string())
                    .any(|k| {
                        matches!(SessionKey::parse(&k), Some(SessionKey::Check(tab, _)) if tab == tab_id)
                    });
                if ours {
                    let view = Rc::clone(&view);
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Err(error) = view.refresh().await {
                            web_sys::console::warn_2(
                                &"Gateway Doctor: checks not shown".into(),
                                &error,
                            );
                        }
                    });
                }
            },
        );
        self.api
            .storage()
            .on_changed()
            .add_listener(listener.as_ref().unchecked_ref());
        listener.forget();
        Ok(())
    }

    fn run_again(self: &Rc<Self>) {
        let view = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let request = super::js_ser::to_value(&gateway_doctor::messages::Message::RunChecks {
                tab_id: view.tab_id,
            });
            let sent = match request {
                Ok(request) => JsFuture::from(view.api.runtime().send_message(&request)).await,
                Err(error) => Err(error.into()),
            };
            if let Err(error) = sent {
                web_sys::console::warn_2(&"Gateway Doctor: checks not restarted".into(), &error);
            }
        });
    }
}

/// The live view against a stand-in storage whose reads the test answers when and in the order it
/// chooses.
#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use crate::held_storage::{settle, spawned, HeldStorage};
    use gateway_doctor::checks::record::{CheckId, CheckState};
    use gateway_doctor::failure::Failure;
    use gateway_doctor::incident::RequestDetails;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn incident() -> Incident {
        let details = RequestDetails {
            url: "http://shop.example/cart".into(),
            time_stamp: Some(1_700_000_000_000.0),
            ..RequestDetails::default()
        };
        Incident::from_details(&details, Failure::Http { status: 502 })
    }

    #[wasm_bindgen_test]
    async fn a_check_that_answers_while_the_first_read_is_on_its_way_is_shown() {
        let storage = HeldStorage::new("session");
        let doc = web_sys::window()
            .expect("a window")
            .document()
            .expect("a document");
        let (incident, tab_id) = (incident(), 7);
        let built = spawned({
            let (api, doc, incident) = (storage.api(), doc.clone(), incident.clone());
            async move {
                checks_block(&api, &doc, tab_id, &incident, None)
                    .await
                    .map(|parts| parts.checks)
            }
        });
        settle().await;
        assert_eq!(storage.reads(), 1.0, "the first read");

        // A check answers while that read is on its way: the view must hear it.
        let record = CheckRecord::skipped(
            CheckId::Fresh,
            incident.at_ms,
            incident.at_ms + 5.0,
            "skipTurnedOff",
        );
        let key = check_store::check_key(tab_id, CheckId::Fresh);
        storage.write(
            &key,
            crate::js_ser::to_value(&record).expect("a stored record"),
        );
        settle().await;
        assert_eq!(storage.reads(), 2.0, "read again");

        // The second read comes back first, the first one (without the record) after it.
        storage.answer(1);
        settle().await;
        storage.answer(0);
        settle().await;
        let checks = built
            .borrow()
            .clone()
            .expect("the block is built")
            .expect("without an error");
        let line = checks
            .query_selector(&format!("[data-check={}]", CheckId::Fresh.as_str()))
            .expect("a selector")
            .expect("the check's line");
        assert_eq!(
            line.get_attribute("data-state").as_deref(),
            Some(check_state_id(CheckState::Skipped))
        );
    }
}
