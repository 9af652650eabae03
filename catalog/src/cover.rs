//! Extended support needs cover: who has it, and how a finding shows it.
//!
//! A release past its end of security support but inside a paid extended window is only `extended`
//! when the machine is really covered. The catalogue says, per window, what gives cover
//! ([`CoverKind`]): automatic (Debian LTS), an enrolment the agent can see on the machine
//! (`Inventory.cover`: a Windows 10 ESU licence, an Ubuntu Pro attachment) or a contract only the
//! organisation knows (Oracle Java SE Subscription, RHEL ELS), which it declares to the evaluation
//! with [`DeclaredCover`]. Without evidence of cover the verdict is `unsupported`, and the advice says
//! what extended support could be bought and until when.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{CompiledCover, CoverKind};
use crate::inventory::{CoverState, Inventory};

/// Contract cover an organisation declares, as an input to evaluation.
///
/// The collector builds it from its configuration (per product and cycle, optionally per site) and
/// passes it in [`crate::finding::Options`]; the agent passes none. A declaration counts for windows
/// whose cover is a contract, and for enrolments the agent could not check (`not-collected`, or no
/// report at all); it never overrides an agent that looked and found no licence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredCover {
    /// The declarations, in any order.
    #[serde(default)]
    pub declarations: Vec<Declaration>,
}

/// One declared contract: "we have Oracle Java SE Subscription for Java 8 at every site until 2027".
/// Written by people in configuration files, so an unknown (misspelt) key is an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Catalogue product id (`oracle-jdk`, `rhel`, `mssqlserver`).
    pub product: String,
    /// Cycle id (`8`, `7`, `2014`); `None` covers every cycle of the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// Site tag (as in `Host.site`); `None` covers every site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Last day the contract covers; `None` until the extended window's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// What a reviewer can check (`Oracle order 1234567`, `RHEL ELS subscription 998`).
    pub reference: String,
}

impl DeclaredCover {
    /// The declaration that covers `product`'s `cycle` at `site` on `today`, if any.
    pub fn find(
        &self,
        product: &str,
        cycle: &str,
        site: Option<&str>,
        today: NaiveDate,
    ) -> Option<&Declaration> {
        self.declarations.iter().find(|d| {
            d.product == product
                && d.cycle.as_deref().is_none_or(|c| c == cycle)
                && d.site.as_deref().is_none_or(|s| site == Some(s))
                && d.until.is_none_or(|until| today <= until)
        })
    }
}

/// What the evaluation found about cover for a release in its extended window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverCheck {
    /// What gives cover in this window.
    pub kind: CoverKind,
    /// The enrolment programme looked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// What was found.
    pub found: CoverFound,
    /// Last day the cover found lasts (a licence's year, a contract's end, the window's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Where it was read (the agent's evidence, or the declaration's reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// The outcome of a cover check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverFound {
    /// Every machine has it (Debian LTS).
    Automatic,
    /// The agent found an active licence or subscription that covers today.
    Licensed,
    /// The organisation declared a contract that covers this machine today.
    Declared,
    /// The agent found a licence, but for years that have ended.
    Expired,
    /// The agent looked and found no licence.
    NotLicensed,
    /// The agent could not look (offline scan), and nothing was declared.
    NotCollected,
    /// No evidence at all: not reported by the agent, not declared.
    None,
}

impl CoverFound {
    /// Whether the machine is covered.
    pub fn covers(self) -> bool {
        matches!(
            self,
            CoverFound::Automatic | CoverFound::Licensed | CoverFound::Declared
        )
    }
}

/// Checks a release's extended-window cover for this machine. `window_end` is the extended
/// support end; `today` is inside the window.
pub(crate) fn check(
    cover: &CompiledCover,
    window_end: NaiveDate,
    product: &str,
    cycle: &str,
    inventory: &Inventory,
    declared: &DeclaredCover,
    today: NaiveDate,
) -> CoverCheck {
    let mut result = CoverCheck {
        kind: cover.kind,
        program: cover.program.clone(),
        found: CoverFound::None,
        until: None,
        evidence: None,
    };
    if cover.kind == CoverKind::Automatic {
        result.found = CoverFound::Automatic;
        result.until = Some(window_end);
        return result;
    }
    if cover.kind == CoverKind::Enrolment {
        let program = cover.program.as_deref().unwrap_or_default();
        let reports = inventory.cover.iter().filter(|c| c.program == program);
        let mut expired = None;
        let mut not_licensed = None;
        let mut not_collected = None;
        for report in reports {
            match report.state {
                CoverState::Licensed => {
                    let until = cover.year_end(report.year).unwrap_or(window_end);
                    if today <= until {
                        result.found = CoverFound::Licensed;
                        result.until = Some(until.min(window_end));
                        result.evidence = report.evidence.clone();
                        return result;
                    }
                    expired = Some(report);
                }
                CoverState::NotLicensed => not_licensed = Some(report),
                CoverState::NotCollected | CoverState::Other => not_collected = Some(report),
            }
        }
        // An agent that looked and found no current licence is the ground truth for an enrolment.
        if let Some(report) = expired.or(not_licensed) {
            result.found = if expired.is_some() {
                CoverFound::Expired
            } else {
                CoverFound::NotLicensed
            };
            result.evidence = report.evidence.clone();
            return result;
        }
        if let Some(report) = not_collected {
            result.found = CoverFound::NotCollected;
            result.evidence = report.evidence.clone();
        }
    }
    let site = inventory.host.site.as_deref();
    if let Some(declaration) = declared.find(product, cycle, site, today) {
        result.found = CoverFound::Declared;
        result.until = Some(declaration.until.unwrap_or(window_end).min(window_end));
        result.evidence = Some(declaration.reference.clone());
    }
    result
}

/// The advice for a machine without cover: what could be bought, and until when.
pub(crate) fn offer_advice(
    cover: &CompiledCover,
    check: &CoverCheck,
    window_end: NaiveDate,
) -> String {
    let offer = cover.offer.as_deref().unwrap_or("extended support");
    let why = match check.found {
        CoverFound::Expired => "the licence found covers only years that have ended".to_string(),
        CoverFound::NotLicensed => "the agent found no active licence".to_string(),
        CoverFound::NotCollected => "the agent could not check for a licence".to_string(),
        CoverFound::None if cover.kind == CoverKind::Enrolment => {
            "no licence was reported".to_string()
        }
        CoverFound::None => "no contract is declared for this machine".to_string(),
        CoverFound::Automatic | CoverFound::Licensed | CoverFound::Declared => String::new(),
    };
    format!("Extended support available to {window_end} (paid: {offer}); {why}.")
}
