//! The demo's risk register: what an estate like this really accepts — devices that cannot move
//! off Windows 7 or XP until their supplier does, one old program a clinical system needs — and
//! one acceptance whose review date has passed, so the summary shows all three of its headline's
//! parts: no accepted risk, risk accepted, and acceptance expired.
//!
//! Each record is entered through `admin::save_risk`, as the risk page does (checked and audited),
//! on the day it would have been entered: the seeding clock is set back to that day, which is how
//! an acceptance can be recorded with a review date that has passed since.

use chrono::{DateTime, Duration, Utc};
use sunset_catalog::evaluate::Status;

use super::machines::Machine;
use super::roles::Role;
use crate::admin::{self, Admin, RiskEntry};
use crate::clock::ManualClock;
use crate::state::Shared;
use crate::store::{self, FindingListRow, Scope};

/// One acceptance the demo records.
struct Story {
    /// Roles whose hosts it may be about, in order of preference.
    roles: &'static [Role],
    /// The whole host (`true`) or its one unsupported finding.
    whole_host: bool,
    owner: &'static str,
    mitigation: &'static str,
    /// Entered this many days before today…
    entered_days_ago: i64,
    /// …to be reviewed this many days after today (negative: the review date has passed).
    review_in_days: i64,
}

const STORIES: &[Story] = &[
    Story {
        roles: &[Role::Laboratory],
        whole_host: true,
        owner: "Pathology Services Manager",
        mitigation: "Analyser PC on the isolated laboratory VLAN: no internet, no email, USB \
                     storage blocked. Replaced with the analyser in the 2027/28 capital plan.",
        entered_days_ago: 40,
        review_in_days: 120,
    },
    Story {
        roles: &[Role::Imaging],
        whole_host: true,
        owner: "PACS Manager, Radiology",
        mitigation: "Reporting workstation firewalled to the PACS servers only; the supplier \
                     certifies its Windows 11 build in spring 2027.",
        entered_days_ago: 75,
        review_in_days: 90,
    },
    Story {
        roles: &[Role::Consulting, Role::Reception, Role::WardPc],
        whole_host: false,
        owner: "Practice Manager",
        mitigation: "Needed by a clinical system until its supplier's upgrade, booked for next \
                     quarter; the program is blocked from the internet.",
        entered_days_ago: 12,
        review_in_days: 60,
    },
    Story {
        roles: &[Role::WardPc, Role::Consulting, Role::Reception],
        whole_host: false,
        owner: "Emergency Department Matron",
        mitigation: "Kept for the department's bed-board screen until its replacement arrived; \
                     replacement was due in November.",
        entered_days_ago: 130,
        review_in_days: -9,
    },
];

/// Records the stories' acceptances on hosts that fit them (skipping a story no host fits, which
/// only a very small estate can cause); returns how many were recorded.
pub(super) async fn enter(
    state: &Shared,
    clock: &ManualClock,
    admin: &Admin,
    machines: &[&Machine],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut taken: Vec<String> = Vec::new();
    let mut recorded = 0;
    for story in STORIES {
        let Some((host, finding)) = candidate(state, story, machines, &taken).await? else {
            tracing::warn!(owner = story.owner, "demo: no host fits this risk story");
            continue;
        };
        clock.set(now - Duration::days(story.entered_days_ago));
        let review = (now + Duration::days(story.review_in_days))
            .date_naive()
            .to_string();
        let entry = RiskEntry {
            finding_key: &finding,
            owner: story.owner,
            mitigation: story.mitigation,
            review_date: &review,
        };
        admin::save_risk(state, admin, &host, entry)
            .await
            .map_err(|e| anyhow::anyhow!("demo risk on {host}: {e}"))?;
        taken.push(host);
        recorded += 1;
    }
    clock.set(now);
    Ok(recorded)
}

/// The first host of the story's roles (in their order) not yet taken with an unsupported finding,
/// and the finding key to accept (empty for the whole host). A finding-level story needs a host
/// with exactly one unsupported finding, so that accepting it covers the host.
async fn candidate(
    state: &Shared,
    story: &Story,
    machines: &[&Machine],
    taken: &[String],
) -> anyhow::Result<Option<(String, String)>> {
    for role in story.roles {
        for machine in machines.iter().filter(|m| m.role == *role) {
            let host = machine.inventory.host.host_id.to_string();
            if taken.contains(&host) {
                continue;
            }
            let Some(detail) = store::host(&state.db, &Scope::estate(), &host).await? else {
                continue;
            };
            let unsupported: Vec<&FindingListRow> = detail
                .findings
                .iter()
                .map(|(f, _)| f)
                .filter(|f| f.status == Status::Unsupported)
                .collect();
            match (story.whole_host, unsupported.as_slice()) {
                (true, [_, ..]) => return Ok(Some((host, String::new()))),
                (false, [only]) => return Ok(Some((host, only.finding_key.clone()))),
                _ => {}
            }
        }
    }
    Ok(None)
}
