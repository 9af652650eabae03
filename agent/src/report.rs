//! The human report of `sunset-agent scan`: findings grouped by status, most urgent first, then a
//! one-line summary. Colour only when asked (the caller decides from whether stdout is a terminal).

use std::fmt::Write;

use sunset_catalog::ScanResult;
use sunset_catalog::catalog::{SupportEnd, Target};
use sunset_catalog::evaluate::{Finding, Status};
use sunset_catalog::patch::PatchState;

/// Renders the report as text.
pub fn render(result: &ScanResult, colour: bool) -> String {
    let mut out = String::new();
    let os = &result.inventory.os;
    let host = &result.inventory.host;
    let data = result
        .catalog_freshness
        .and_then(|f| f.date)
        .map(|date| format!(" (data of {date})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} — {} {} — catalogue {}{data}",
        host.hostname, os.name, os.version, result.catalog_version
    );
    if let Some(warning) = result.catalog_freshness.and_then(|f| f.warning()) {
        let _ = writeln!(out, "  warning: {warning}");
    }
    for status in Status::ALL {
        let group: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.status == status)
            .collect();
        if group.is_empty() || status == Status::Supported {
            continue;
        }
        let title = format!("{} ({})", status.as_str().to_uppercase(), group.len());
        let _ = writeln!(out, "\n{}", paint(&title, status, colour));
        for finding in group {
            let _ = writeln!(out, "  {}", line(finding));
            for note in &finding.evidence.notes {
                let _ = writeln!(out, "      · {note}");
            }
            if let Some(patch) = &finding.patch
                && patch.state != PatchState::Current
            {
                let _ = writeln!(out, "      · patch: {}", patch.note);
            }
            if matches!(
                status,
                Status::Unsupported | Status::Extended | Status::Expiring
            ) && let Some(advice) = &finding.replacement
            {
                let _ = writeln!(out, "      → {advice}");
            }
        }
    }
    // Supported findings are not listed, except those missing updates.
    let behind: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Supported)
        .filter(|f| {
            f.patch
                .as_ref()
                .is_some_and(|p| p.state == PatchState::Behind)
        })
        .collect();
    if !behind.is_empty() {
        let _ = writeln!(out, "\nSUPPORTED BUT BEHIND ON UPDATES ({})", behind.len());
        for finding in behind {
            let _ = writeln!(out, "  {}", line(finding));
            if let Some(patch) = &finding.patch {
                let _ = writeln!(out, "      · patch: {}", patch.note);
            }
        }
    }
    let count = |s: Status| result.findings.iter().filter(|f| f.status == s).count();
    let software = &result.software;
    let _ = writeln!(
        out,
        "\nSummary: {} unsupported, {} extended support, {} expiring, {} unknown, {} supported; \
         {} software entries: {} judged, {} distribution packages covered by the OS verdict, \
         {} not in the catalogue (not judged); {} warning(s)",
        count(Status::Unsupported),
        count(Status::Extended),
        count(Status::Expiring),
        count(Status::Unknown),
        count(Status::Supported),
        software.total,
        software.judged,
        software.distribution,
        software.unknown,
        result.inventory.warnings.len(),
    );
    for warning in &result.inventory.warnings {
        let _ = writeln!(out, "  warning: {}: {}", warning.source, warning.message);
    }
    out
}

fn line(finding: &Finding) -> String {
    let what = match finding.target {
        Target::Os => "OS",
        Target::Software => "Software",
        Target::Hardware => "Hardware",
    };
    let version = finding.installed_version.as_deref().unwrap_or("");
    let release = finding
        .cycle_label
        .clone()
        .or_else(|| {
            finding
                .cycle
                .as_ref()
                .map(|c| format!("{} {c}", finding.product_name))
        })
        .unwrap_or_else(|| format!("{} (no matching release)", finding.product_name));
    let when = match (finding.dates.security_support_end, finding.days_until_eol) {
        (Some(SupportEnd::On(date)), Some(days)) if days < 0 => {
            format!("support ended {date} ({} days ago)", -days)
        }
        (Some(SupportEnd::On(date)), Some(days)) => format!("support ends {date} (in {days} days)"),
        (Some(SupportEnd::Ended), _) => "support ended (date unknown)".to_string(),
        (Some(SupportEnd::NotAnnounced), _) => "no end announced".to_string(),
        _ => String::new(),
    };
    format!(
        "{what:<8} {} {version} — {release} — {when}",
        finding.subject
    )
    .trim_end_matches([' ', '—'])
    .to_string()
}

fn paint(text: &str, status: Status, colour: bool) -> String {
    if !colour {
        return text.to_string();
    }
    let code = match status {
        Status::Unsupported => "1;31",
        Status::Extended => "1;35",
        Status::Expiring => "1;33",
        Status::Unknown => "1;36",
        Status::Supported => "1;32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
