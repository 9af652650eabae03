//! Which sections of the evidence pack answer which requirement of the assurance return: the Data
//! Security and Protection Toolkit (DSPT) 2025-26 evidence items 7.1.1, 8.1.4, 8.2.1 and 8.3.1,
//! and the NCSC Cyber Assessment Framework (CAF) outcomes A3.a and B4.d.
//!
//! The requirements' own words are quoted only where they were found, each with the page and the
//! day it was read (2026-12-04, by searching public pages for them). The wording of 8.1.4, 8.2.1
//! and 8.3.1 for 2025-26 was not found — the Toolkit publishes its assertions and evidence items
//! as a spreadsheet behind dsptoolkit.nhs.uk, which was not available — so for those the pack says
//! so, and gives only Sunset's own short description of what the item is about, marked as ours.
//! Sources found and quoted:
//! - 7.1.1: Digital Care Hub, "DSPT guidance updated and new templates" (18 September 2025),
//!   <https://www.digitalcarehub.co.uk/dspt-guidance-updated-and-new-templates>; NHS North East
//!   London ICB names the item "Digital Asset Register" and lists 8.3.1 among the GP IT evidence
//!   items (<https://primarycare.northeastlondon.icb.nhs.uk/news/data-security-and-protection-toolkit-2025-26-update/>).
//! - A3.a: NHS England's independent assessment framework guidance, Principle A3 (a pre-production
//!   copy of its site, the only one found); the same description is GOV.UK's Government Cyber
//!   Security Policy Handbook's for principle A3 (<https://www.security.gov.uk/policy/gcsph/a3>).
//! - B4.d: the NCSC CAF version 3.1 text as quoted by Ontolocy; the NCSC's own page was not found.

use super::section::Section;

/// The framework a requirement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    /// The Data Security and Protection Toolkit, 2025-26.
    Dspt2025,
    /// The NCSC Cyber Assessment Framework.
    Caf,
}

impl Framework {
    /// Its name as the pack writes it.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Dspt2025 => "DSPT 2025-26",
            Framework::Caf => "NCSC CAF",
        }
    }
}

/// What is known of a requirement's own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wording {
    /// Quoted from a page read on a given day.
    Quoted {
        /// The words, exactly as found.
        text: &'static str,
        /// Who published the page, and its title.
        source: &'static str,
        /// The page.
        url: &'static str,
        /// The day it was read.
        read_on: &'static str,
    },
    /// Not found: the pack says so rather than inventing it.
    NotFound,
}

/// One requirement and what in the pack answers it.
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    /// Framework.
    pub framework: Framework,
    /// Its number (`7.1.1`, `A3.a`).
    pub id: &'static str,
    /// Sunset's short name for what it is about (ours, not the framework's words).
    pub topic: &'static str,
    /// Its own words, when found.
    pub wording: Wording,
    /// The sections that answer it.
    pub answered_by: &'static [Section],
    /// How they answer it, and what they do not cover.
    pub how: &'static str,
    /// Anything a reader should know about the wording's source.
    pub note: &'static str,
}

/// The day the sources below were read.
const READ_ON: &str = "2026-12-04";

/// Every requirement the pack maps, in the order the pack lists them.
pub const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        framework: Framework::Dspt2025,
        id: "7.1.1",
        topic: "Asset register",
        wording: Wording::Quoted {
            text: "You have an asset register detailing your organisation’s hardware, software and data, which is kept up to date.",
            source: "Digital Care Hub, “DSPT guidance updated and new templates” (18 September 2025)",
            url: "https://www.digitalcarehub.co.uk/dspt-guidance-updated-and-new-templates",
            read_on: READ_ON,
        },
        answered_by: &[Section::Assets, Section::Sites],
        how: "Every computer that reports to Sunset in the organisation: host name, site, organisation, operating system and release, hardware manufacturer and model, last report and software counts, with hosts by site. Not covered: data assets, and devices without the Sunset agent.",
        note: "Wording as published for the 2025-26 Toolkit by Digital Care Hub (the adult social care programme's site); the Toolkit's own text was not read. NHS North East London ICB names the item “Digital Asset Register” (https://primarycare.northeastlondon.icb.nhs.uk/news/data-security-and-protection-toolkit-2025-26-update/).",
    },
    Requirement {
        framework: Framework::Dspt2025,
        id: "8.1.4",
        topic: "Unsupported systems are supported or their risk is managed (Sunset's summary)",
        wording: Wording::NotFound,
        answered_by: &[Section::Items, Section::Sites, Section::Products],
        how: "Every unsupported or extended-support operating system, program and hardware item, with its support dates, their source, and whether a risk acceptance is in force for it; totals by site and by product and release.",
        note: "The exact 2025-26 wording of this evidence item was not found; the topic is Sunset's summary, not the Toolkit's words.",
    },
    Requirement {
        framework: Framework::Dspt2025,
        id: "8.2.1",
        topic: "Each unsupported item's risk documented and accepted (Sunset's summary)",
        wording: Wording::NotFound,
        answered_by: &[Section::Items],
        how: "For each item: the risk record that applies (the item's own, else its host's), its owner, mitigation and review date, who accepted it and when, and whether it is in force (review date today or later) or overdue; items with no record say so.",
        note: "The exact 2025-26 wording of this evidence item was not found; the topic is Sunset's summary, not the Toolkit's words.",
    },
    Requirement {
        framework: Framework::Dspt2025,
        id: "8.3.1",
        topic: "Patching (Sunset's summary)",
        wording: Wording::NotFound,
        answered_by: &[Section::Assets, Section::Items],
        how: "Each host's operating system patch level against the latest update the catalogue knows (current, behind, or not known), and the same for unsupported items where the catalogue knows a latest version. Evidence of patch currency, not of the patching process.",
        note: "The exact 2025-26 wording of this evidence item was not found; the topic is Sunset's summary, not the Toolkit's words. NHS North East London ICB lists 8.3.1 among the 2025-26 evidence items (https://primarycare.northeastlondon.icb.nhs.uk/news/data-security-and-protection-toolkit-2025-26-update/).",
    },
    Requirement {
        framework: Framework::Caf,
        id: "A3.a",
        topic: "Asset management",
        wording: Wording::Quoted {
            text: "Everything required to deliver, maintain or support networks and information systems necessary for the operation of essential functions is determined and understood. This includes data, people and systems, as well as any supporting infrastructure (such as power or cooling).",
            source: "NHS England, “Principle A3: Asset management”, Strengthening assurance: independent assessment and audit framework guidance",
            url: "https://production-like.nhsd.io/cyber-and-data-security/guidance-and-assurance/strengthening-assurance-independent-assessment-and-audit-framework-guidance/objective-a-managing-risk/principle-a3-asset-management",
            read_on: READ_ON,
        },
        answered_by: &[Section::Assets, Section::Sites],
        how: "The computers and their software, by organisation and site. People, data and supporting infrastructure are not in it.",
        note: "Read on a pre-production copy of NHS England's site (the only copy found); the same text describes principle A3 in GOV.UK's Government Cyber Security Policy Handbook (https://www.security.gov.uk/policy/gcsph/a3).",
    },
    Requirement {
        framework: Framework::Caf,
        id: "B4.d",
        topic: "Vulnerability management",
        wording: Wording::Quoted {
            text: "You manage known vulnerabilities in your network and information systems to prevent adverse impact on the essential function.",
            source: "Ontolocy, “CAF Outcome B4.d: Vulnerability Management”, quoting the NCSC Cyber Assessment Framework version 3.1",
            url: "https://explore.ontolocy.com/controls-and-frameworks/caf-outcomes/aa1c332b-cda9-57ca-938b-e8cc0869ef81",
            read_on: READ_ON,
        },
        answered_by: &[Section::Items, Section::Products],
        how: "Software, operating systems and hardware past their vendor's security support — a known and lasting exposure — with the risk treatment of each. Not a vulnerability scan: no CVEs.",
        note: "A secondary source quoting CAF version 3.1; the wording of the CAF version the 2025-26 Toolkit is aligned with was not found.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quote_cites_its_page_and_day_and_every_gap_says_so() {
        for r in REQUIREMENTS {
            match r.wording {
                Wording::Quoted {
                    text,
                    source,
                    url,
                    read_on,
                } => {
                    assert!(!text.is_empty() && !source.is_empty(), "{}", r.id);
                    assert!(url.starts_with("https://"), "{}", r.id);
                    assert!(
                        chrono::NaiveDate::parse_from_str(read_on, "%Y-%m-%d").is_ok(),
                        "{}",
                        r.id
                    );
                }
                Wording::NotFound => {
                    assert!(r.note.contains("was not found"), "{}", r.id);
                    assert!(r.topic.contains("Sunset's summary"), "{}", r.id);
                }
            }
            assert!(!r.answered_by.is_empty(), "{}", r.id);
        }
        let ids: Vec<&str> = REQUIREMENTS.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["7.1.1", "8.1.4", "8.2.1", "8.3.1", "A3.a", "B4.d"]);
    }
}
