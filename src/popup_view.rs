//! What the popup shows for a tab, as message keys and plain strings. The web layer renders it,
//! always as text.

use crate::advice::{advise, Fixer};
use crate::failure::Failure;
use crate::incident::Incident;

/// A localised message: a `_locales` key and its substitutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<String>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }

    pub fn with(key: &'static str, args: Vec<String>) -> Msg {
        Msg { key, args }
    }
}

/// One labelled fact ("Server address: 127.0.0.1").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: Msg,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    /// The badge text, repeated big in the popup.
    pub code: String,
    pub title: Msg,
    pub host: String,
    pub at_ms: f64,
    pub facts: Vec<Fact>,
    pub meaning: Msg,
    pub fixer: Msg,
    /// Set when the site's side failed: "it is not your computer".
    pub reassurance: Option<Msg>,
    pub outlook: Msg,
    pub steps: Vec<Msg>,
}

pub fn incident_view(incident: &Incident) -> IncidentView {
    let advice = advise(&incident.failure);
    let mut facts = vec![Fact {
        label: Msg::new("labelAddress"),
        value: incident.url.clone(),
    }];
    let answer = match incident.failure {
        Failure::Http { status } => incident
            .status_line
            .clone()
            .filter(|line| !line.trim().is_empty())
            .unwrap_or_else(|| format!("HTTP {status}")),
        Failure::Network { .. } => incident.error_name.clone().unwrap_or_default(),
    };
    facts.push(Fact {
        label: Msg::new("labelAnswer"),
        value: answer,
    });
    if let Some(ip) = incident.server_ip.as_ref().filter(|ip| !ip.is_empty()) {
        facts.push(Fact {
            label: Msg::new("labelServerIp"),
            value: ip.clone(),
        });
    }
    if !incident.method.eq_ignore_ascii_case("GET") {
        facts.push(Fact {
            label: Msg::new("labelMethod"),
            value: incident.method.clone(),
        });
    }
    let site_side = matches!(advice.fixer, Fixer::SiteOwner | Fixer::SiteOwnerOrCdn);
    IncidentView {
        code: incident.failure.badge_text(),
        title: Msg::new(advice.title_key),
        host: incident.host.clone(),
        at_ms: incident.at_ms,
        facts,
        meaning: Msg::new(advice.meaning_key),
        fixer: Msg::new(advice.fixer.message_key()),
        reassurance: site_side.then(|| Msg::new("reassureNotYourDevice")),
        outlook: Msg::new(if advice.usually_temporary {
            "outlookTemporary"
        } else {
            "outlookNeedsFix"
        }),
        steps: advice
            .steps
            .iter()
            .map(|step| Msg::with(step.message_key(), vec![incident.host.clone()]))
            .collect(),
    }
}
