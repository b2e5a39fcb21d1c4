//! What the popup shows for a tab, as message keys and plain strings. The web layer renders it,
//! always as text.

use crate::diagnosis::fingerprint::ClueSource;
use crate::diagnosis::{diagnose, Kind, Side};
use crate::failure::Failure;
use crate::incident::Incident;
use crate::view::advice::{advise, stack_key};
use crate::view::msg::Msg;
use crate::view::steps::{visitor_steps, StepContext};

/// One labelled fact ("Server address: 127.0.0.1").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: Msg,
    pub value: String,
}

/// A reference id for the site owner, labelled as its provider names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceView {
    pub label: String,
    pub value: String,
}

/// The failure in one line (the banner on a failed page): its code, what happened, the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub code: String,
    pub title: Msg,
    pub host: String,
}

/// The headline alone, without the rest of the view (the background draws only this). The
/// popup's view takes its own from the same piece.
pub fn headline(incident: &Incident) -> Headline {
    headline_with(
        incident,
        crate::view::advice::title_key(diagnose(incident).kind),
    )
}

fn headline_with(incident: &Incident, title_key: &'static str) -> Headline {
    Headline {
        code: crate::diagnosis::badge_text(incident),
        title: Msg::new(title_key),
        host: incident.host.clone(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    /// The badge text, repeated big in the popup.
    pub code: String,
    pub title: Msg,
    pub host: String,
    pub at_ms: f64,
    /// Which side failed.
    pub side: Msg,
    /// Which box wrote the error response.
    pub generator: Msg,
    /// How we know.
    pub clues: Vec<Msg>,
    pub facts: Vec<Fact>,
    pub meaning: Msg,
    /// Set when the site's side failed: "it is not your computer".
    pub reassurance: Option<Msg>,
    pub fixer: Msg,
    pub outlook: Msg,
    pub retry: Option<Msg>,
    pub references: Vec<ReferenceView>,
    pub stack: Vec<Msg>,
    pub steps: Vec<Msg>,
}

pub fn incident_view(incident: &Incident) -> IncidentView {
    let diagnosis = diagnose(incident);
    let advice = advise(&diagnosis);
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
    if let Some(title) = &diagnosis.page_title {
        facts.push(Fact {
            label: Msg::new("labelPageTitle"),
            value: title.clone(),
        });
    }
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
    let generator = match (diagnosis.generator, diagnosis.edge) {
        (Some(g), Some(edge)) => Msg::with(
            "answeredByBehind",
            vec![g.name().to_string(), edge.name().to_string()],
        ),
        (Some(g), None) => Msg::with("answeredBy", vec![g.name().to_string()]),
        (None, _) => Msg::new("answeredByUnknown"),
    };
    // (A bot protection's page is no outage: nothing to reassure about.) Nor is a refused
    // certificate or handshake "no security risk to you", and a loop may be a stale cookie.
    let site_side = matches!(
        diagnosis.side,
        Side::Origin | Side::OriginUpstream | Side::CdnEdge
    ) && !matches!(
        diagnosis.kind,
        Kind::Certificate | Kind::TlsHandshake | Kind::RedirectLoop
    );
    let Headline { code, title, host } = headline_with(incident, advice.title_key);
    IncidentView {
        code,
        title,
        host,
        at_ms: incident.at_ms,
        side: Msg::new(advice.side_key),
        generator,
        clues: diagnosis
            .clues
            .iter()
            .map(|clue| {
                let key = match clue.source {
                    ClueSource::Header => "clueHeader",
                    ClueSource::Page => "cluePage",
                };
                Msg::with(key, vec![clue.detail.clone()])
            })
            .collect(),
        facts,
        meaning: Msg::new(advice.meaning_key),
        reassurance: site_side.then(|| Msg::new("reassureNotYourDevice")),
        fixer: Msg::new(advice.fixer_key),
        outlook: Msg::new(if diagnosis.likely_temporary {
            "outlookTemporary"
        } else {
            "outlookNeedsFix"
        }),
        retry: diagnosis.retry_after.map(|retry| {
            let seconds = retry.wait_seconds(incident.at_ms);
            Msg::with("retryAfterSeconds", vec![seconds.to_string()])
        }),
        references: diagnosis
            .references
            .iter()
            .map(|r| ReferenceView {
                label: r.kind.label().to_string(),
                value: r.value.clone(),
            })
            .collect(),
        stack: diagnosis
            .stack
            .iter()
            .map(|hint| Msg::new(stack_key(*hint)))
            .collect(),
        steps: first_steps(incident, &diagnosis),
    }
}

/// The steps before any check has answered, for no particular browser: the popup replaces them
/// with the tailored ones (`super::steps`) as the checks come in.
fn first_steps(incident: &Incident, diagnosis: &crate::diagnosis::Diagnosis) -> Vec<Msg> {
    use crate::checks::verdict::{Confidence, Evidence, Verdict, VerdictKind};
    use crate::platform::{Browser, Os, Platform};
    let verdict = Verdict {
        kind: VerdictKind::Unknown,
        confidence: Confidence::Low,
        reasons: Vec::new(),
    };
    visitor_steps(&StepContext {
        host: &incident.host,
        diagnosis,
        verdict: &verdict,
        evidence: &Evidence::default(),
        platform: Platform::new(Browser::Other, Os::Other),
    })
    .into_iter()
    .map(|step| step.text)
    .collect()
}
