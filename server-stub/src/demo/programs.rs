//! The demo's software: Add/Remove Programs entries as Windows lists them on GP-practice and
//! hospital machines — real display names, versions and publishers, never names made up for the
//! demo — grouped into the choices a machine's role draws from.
//!
//! Where the strings come from: the held-out estate the catalogue is measured against
//! (`catalog/tests/data/estate-gp-hospital.txt`, written from real installed names, the project's
//! own file), the load generator's table (`tools/loadgen/src/fake.rs`), and the per-user entries of
//! regipy's real user hives (MIT; listed in `../shared/fixtures/PROVENANCE.md`: Zoom
//! `5.9.3 (3169)`, OneDrive, Visual Studio Code (User), Python 3.10.2). Only these facts are
//! copied, no file: the demo needs nothing outside the binary at run time. The catalogue judges
//! them as it judges an agent's report; which are unsupported on the day the demo runs is its
//! verdict, not this table's.

/// Where Windows lists a program (the agent's `Source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum View {
    /// `HKLM\…\Uninstall`, 64-bit view.
    Hklm,
    /// `HKLM\SOFTWARE\WOW6432Node\…\Uninstall` (32-bit programs).
    Wow,
    /// A user's own `Uninstall` key (per-user installs).
    User,
    /// `HKLM\SOFTWARE\Microsoft\Internet Explorer` (IE is not in Uninstall).
    Ie,
}

/// One installed program as Add/Remove Programs shows it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Program {
    /// DisplayName.
    pub name: &'static str,
    /// DisplayVersion.
    pub version: &'static str,
    /// Publisher.
    pub publisher: &'static str,
    /// Where it is listed.
    pub view: View,
}

const fn p(
    name: &'static str,
    version: &'static str,
    publisher: &'static str,
    view: View,
) -> Program {
    Program {
        name,
        version,
        publisher,
        view,
    }
}

/// One choice a machine makes: each option with its weight; `None` is "not installed". The first
/// option is what a well-managed machine has (the current release, or nothing): a managed machine
/// draws only it or nothing ([`super::machines`]); the others are what the rest may have instead.
pub(super) type Choice = &'static [(u32, Option<Program>)];

use View::{Hklm, Ie, User, Wow};

const MS: &str = "Microsoft Corporation";

// Browsers: the current release of December 2026 beside ones left behind by a broken updater, a
// locked-down image or Windows 7 (Chrome 109 was its last).
pub(super) const CHROME: Choice = &[
    (
        55,
        Some(p("Google Chrome", "155.0.7779.110", "Google LLC", Hklm)),
    ),
    (
        10,
        Some(p("Google Chrome", "131.0.6778.86", "Google LLC", Hklm)),
    ),
    (
        5,
        Some(p("Google Chrome", "126.0.6478.127", "Google LLC", Wow)),
    ),
    (30, None),
];
pub(super) const CHROME_WINDOWS_7: Choice = &[(
    1,
    Some(p("Google Chrome", "109.0.5414.120", "Google LLC", Wow)),
)];
pub(super) const EDGE: Choice = &[
    (85, Some(p("Microsoft Edge", "155.0.3650.52", MS, Hklm))),
    (15, Some(p("Microsoft Edge", "126.0.2592.87", MS, Hklm))),
];
pub(super) const FIREFOX: Choice = &[
    (
        10,
        Some(p("Mozilla Firefox (x64 en-GB)", "157.0", "Mozilla", Hklm)),
    ),
    (
        6,
        Some(p("Mozilla Firefox (x64 en-GB)", "128.0.3", "Mozilla", Hklm)),
    ),
    (
        4,
        Some(p(
            "Mozilla Firefox 52.9.0 ESR (x86 en-GB)",
            "52.9.0",
            "Mozilla",
            Wow,
        )),
    ),
    (80, None),
];
/// Firefox ESR 115, the last Firefox for Windows 7 (supported to March 2027).
pub(super) const FIREFOX_ESR_115: Choice = &[
    (
        60,
        Some(p(
            "Mozilla Firefox 115.18.0 ESR (x64 en-GB)",
            "115.18.0",
            "Mozilla",
            Hklm,
        )),
    ),
    (40, None),
];
/// IE 11's key on a Windows 10 PC whose image still reports it.
pub(super) const IE_WINDOWS_10: Choice = &[
    (60, None),
    (40, Some(p("Internet Explorer", "11.1790.19041.0", MS, Ie))),
];
pub(super) const IE_WINDOWS_7: Choice =
    &[(1, Some(p("Internet Explorer", "11.0.9600.19596", MS, Ie)))];

// Office: perpetual 2016 and 2019 (ended October 2025) and 2021 (ended October 2026) beside
// Microsoft 365 Apps, which has no fixed end.
pub(super) const OFFICE: Choice = &[
    (
        64,
        Some(p(
            "Microsoft 365 Apps for enterprise - en-gb",
            "16.0.19328.20190",
            MS,
            Hklm,
        )),
    ),
    (
        12,
        Some(p(
            "Microsoft Office Standard 2016",
            "16.0.4266.1001",
            MS,
            Wow,
        )),
    ),
    (
        12,
        Some(p(
            "Microsoft Office Professional Plus 2019 - en-gb",
            "16.0.10416.20058",
            MS,
            Hklm,
        )),
    ),
    (
        12,
        Some(p(
            "Microsoft Office Home and Business 2021 - en-gb",
            "16.0.14332.20812",
            MS,
            Hklm,
        )),
    ),
];
/// Kept beside a newer Office for one old spreadsheet or database (the practice manager's PC).
pub(super) const OFFICE_OLD: Choice = &[
    (60, None),
    (
        20,
        Some(p(
            "Microsoft Office Standard 2010",
            "14.0.7015.1000",
            MS,
            Wow,
        )),
    ),
    (
        20,
        Some(p(
            "Microsoft Office Professional Plus 2013",
            "15.0.4569.1506",
            MS,
            Wow,
        )),
    ),
];

// Java, Acrobat and the runtimes line-of-business software drags along.
pub(super) const JAVA: Choice = &[
    (
        15,
        Some(p(
            "Eclipse Temurin JRE with Hotspot 17.0.13+11 (x64)",
            "17.0.13.11",
            "Eclipse Adoptium",
            Hklm,
        )),
    ),
    (
        7,
        Some(p(
            "Java 8 Update 202",
            "8.0.2020.8",
            "Oracle Corporation",
            Wow,
        )),
    ),
    (
        6,
        Some(p(
            "Java 8 Update 341 (64-bit)",
            "8.0.3410.10",
            "Oracle Corporation",
            Hklm,
        )),
    ),
    (
        6,
        Some(p(
            "Java 8 Update 411 (64-bit)",
            "8.0.4110.9",
            "Oracle Corporation",
            Hklm,
        )),
    ),
    (
        6,
        Some(p(
            "Java 8 Update 471 (64-bit)",
            "8.0.4710.11",
            "Oracle Corporation",
            Hklm,
        )),
    ),
    (60, None),
];
pub(super) const ACROBAT: Choice = &[
    (
        65,
        Some(p("Adobe Acrobat Reader DC", "24.002.20933", "Adobe", Wow)),
    ),
    (
        8,
        Some(p(
            "Adobe Reader XI (11.0.23)",
            "11.0.23",
            "Adobe Systems Incorporated",
            Wow,
        )),
    ),
    (
        7,
        Some(p("Adobe Acrobat 2020", "20.005.30655", "Adobe", Hklm)),
    ),
    (20, None),
];
pub(super) const VC_REDIST: Program = p(
    "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.44.35211",
    "14.44.35211.0",
    MS,
    Hklm,
);
/// An older runtime an older program installed and nobody removed.
pub(super) const VC_REDIST_OLD: Choice = &[
    (65, None),
    (
        20,
        Some(p(
            "Microsoft Visual C++ 2013 Redistributable (x64) - 12.0.30501",
            "12.0.30501.0",
            MS,
            Hklm,
        )),
    ),
    (
        15,
        Some(p(
            "Microsoft Visual C++ 2010  x86 Redistributable - 10.0.40219",
            "10.0.40219",
            MS,
            Wow,
        )),
    ),
];
pub(super) const DOTNET: Choice = &[
    (
        25,
        Some(p(
            "Microsoft .NET Runtime - 10.0.0 (x64)",
            "80.0.25523",
            MS,
            Hklm,
        )),
    ),
    (
        12,
        Some(p(
            "Microsoft .NET Runtime - 8.0.11 (x64)",
            "64.44.23191",
            MS,
            Hklm,
        )),
    ),
    (63, None),
];

// Communication and the small things every desktop has.
pub(super) const TEAMS: Choice = &[
    (80, None),
    (
        20,
        Some(p("Teams Machine-Wide Installer", "1.7.0.3653", MS, Wow)),
    ),
];
pub(super) const ZOOM: Choice = &[
    (85, None),
    (
        8,
        Some(p(
            "Zoom",
            "5.13.5 (12053)",
            "Zoom Video Communications, Inc.",
            Wow,
        )),
    ),
    (
        7,
        Some(p(
            "Zoom",
            "5.9.3 (3169)",
            "Zoom Video Communications, Inc.",
            User,
        )),
    ),
];
pub(super) const SEVEN_ZIP: Choice = &[
    (
        50,
        Some(p("7-Zip 19.00 (x64)", "19.00", "Igor Pavlov", Hklm)),
    ),
    (
        30,
        Some(p("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov", Hklm)),
    ),
    (20, None),
];
pub(super) const ONEDRIVE: Choice = &[
    (
        60,
        Some(p("Microsoft OneDrive", "25.214.1102.0001", MS, User)),
    ),
    (
        20,
        Some(p("Microsoft OneDrive", "21.220.1024.0005", MS, User)),
    ),
    (20, None),
];
pub(super) const LEGACY_PLUGINS: Choice = &[
    (78, None),
    (10, Some(p("Microsoft Silverlight", "5.1.50907.0", MS, Wow))),
    (
        8,
        Some(p(
            "MSXML 4.0 SP3 Parser (KB2758694)",
            "4.30.2117.0",
            MS,
            Wow,
        )),
    ),
    (
        4,
        Some(p(
            "Adobe Flash Player 32 ActiveX",
            "32.0.0.465",
            "Adobe",
            Wow,
        )),
    ),
];

// Clinical and business applications (no public lifecycle: the catalogue leaves them unjudged).
pub(super) const GP_CLINICAL: &[Program] = &[
    p("Docman 10", "10.2.3.0", "Docman", Wow),
    p("Accurx Desktop", "2.271.0", "Accurx Ltd", User),
    p("NHS Digital Identity Agent", "2.3.2.0", "NHS Digital", Hklm),
];
pub(super) const DICTATION: Choice = &[
    (40, Some(p("Lexacom 4", "4.6.2.0", "Lexacom Ltd", Wow))),
    (
        30,
        Some(p(
            "Philips SpeechExec Pro Dictate",
            "11.5.105.0",
            "Speech Processing Solutions GmbH",
            Wow,
        )),
    ),
    (30, None),
];
pub(super) const PRACTICE_OFFICE: &[Program] = &[
    p("Sage 50cloud Payroll", "27.1.120", "Sage (UK) Limited", Wow),
    p("HP Support Assistant", "9.26.31.0", "HP Inc.", Hklm),
];
pub(super) const WARD_CLINICAL: &[Program] = &[
    p("Imprivata OneSign Agent", "7.11.002.0012", "Imprivata", Wow),
    p(
        "Citrix Workspace 2402",
        "24.2.0.187",
        "Citrix Systems, Inc.",
        Hklm,
    ),
    p("NHS Digital Identity Agent", "2.3.2.0", "NHS Digital", Hklm),
];
pub(super) const KIOSK: &[Program] = &[
    p("Microsoft Edge", "155.0.3650.52", MS, Hklm),
    p(
        "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810",
        "14.40.33810.0",
        MS,
        Hklm,
    ),
    p("Jayex Kiosk Client", "3.4.1", "Jayex Technology Ltd", Wow),
];
pub(super) const IMAGING: &[Program] = &[
    p("Sectra IDS7", "24.2.11.5620", "Sectra AB", Hklm),
    p(
        "Agfa HealthCare IMPAX Client",
        "6.6.1.5004",
        "Agfa HealthCare",
        Wow,
    ),
    p("Microsoft .NET Framework 4.8", "4.8.03761", MS, Hklm),
];
pub(super) const IMAGING_WINDOWS_7: &[Program] = &[
    p("Java(TM) 6 Update 31", "6.0.310", "Oracle", Wow),
    p(
        "Adobe Reader X (10.1.16)",
        "10.1.16",
        "Adobe Systems Incorporated",
        Wow,
    ),
    p("Microsoft Security Essentials", "4.10.209.0", MS, Hklm),
];
pub(super) const LABORATORY: &[Program] = &[
    p("Sysmex WorkArea", "3.0.2", "Sysmex Corporation", Wow),
    p("Microsoft .NET Framework 3.5 SP1", "3.5.30729.01", MS, Wow),
    p(
        "Microsoft Visual C++ 2005 Redistributable",
        "8.0.59193",
        MS,
        Wow,
    ),
    p(
        "Java(TM) 6 Update 29",
        "6.0.290",
        "Sun Microsystems, Inc.",
        Wow,
    ),
    p(
        "Adobe Reader 9.5.5",
        "9.5.5",
        "Adobe Systems Incorporated",
        Wow,
    ),
];
pub(super) const PHARMACY: &[Program] = &[
    p(
        "Microsoft Office Standard 2019 - en-gb",
        "16.0.10417.20059",
        MS,
        Hklm,
    ),
    p(
        "McAfee VirusScan Enterprise",
        "8.8.0.1804",
        "McAfee, Inc.",
        Wow,
    ),
    p("JAC Pharmacy", "5.12.0", "JAC Computer Services", Wow),
];

// Servers.
pub(super) const PRACTICE_SERVER: &[Program] = &[
    p(
        "Microsoft SQL Server 2014 Express LocalDB",
        "12.2.5000.0",
        MS,
        Hklm,
    ),
    p(
        "Microsoft SQL Server 2012 Native Client",
        "11.4.7462.6",
        MS,
        Wow,
    ),
    p(
        "Java 8 Update 151",
        "8.0.1510.12",
        "Oracle Corporation",
        Wow,
    ),
    p(
        "Apache Tomcat 8.5 Tomcat8 (remove only)",
        "8.5.57",
        "The Apache Software Foundation",
        Hklm,
    ),
    p("Microsoft Monitoring Agent", "10.20.18069.0", MS, Hklm),
    p(
        "Veeam Agent for Microsoft Windows",
        "6.1.2.134",
        "Veeam Software Group GmbH",
        Hklm,
    ),
];
pub(super) const DATABASE_SERVER: Choice = &[
    (
        50,
        Some(p(
            "SQL Server 2019 Database Engine Services",
            "15.0.4430.1",
            MS,
            Hklm,
        )),
    ),
    (
        25,
        Some(p(
            "SQL Server 2014 Database Engine Services",
            "12.3.6024.0",
            MS,
            Hklm,
        )),
    ),
    (
        25,
        Some(p(
            "SQL Server 2016 Database Engine Services",
            "13.2.5026.0",
            MS,
            Hklm,
        )),
    ),
];
pub(super) const SERVER_EXTRAS: Choice = &[
    (30, None),
    (20, Some(p("FSLogix Apps", "2.9.8884.27471", MS, Hklm))),
    (
        15,
        Some(p(
            "Microsoft Exchange Server 2016 Cumulative Update 23",
            "15.1.2507.6",
            MS,
            Hklm,
        )),
    ),
    (
        15,
        Some(p(
            "PaperCut MF",
            "20.1.4",
            "PaperCut Software Pty Ltd",
            Hklm,
        )),
    ),
    (
        15,
        Some(p(
            "PostgreSQL 14",
            "14.15-1",
            "PostgreSQL Global Development Group",
            Hklm,
        )),
    ),
    (
        15,
        Some(p(
            "Apache Tomcat 9.0 Tomcat9 (remove only)",
            "9.0.97",
            "The Apache Software Foundation",
            Hklm,
        )),
    ),
    (
        20,
        Some(p("VMware Tools", "12.3.5.22544099", "VMware, Inc.", Hklm)),
    ),
];
pub(super) const SERVER_JAVA: Choice = &[
    (
        30,
        Some(p(
            "Eclipse Temurin JDK with Hotspot 21.0.5+11 (x64)",
            "21.0.5.11",
            "Eclipse Adoptium",
            Hklm,
        )),
    ),
    (
        40,
        Some(p(
            "Java 8 Update 281 (64-bit)",
            "8.0.2810.9",
            "Oracle Corporation",
            Hklm,
        )),
    ),
    (30, None),
];

// The IT team's own laptops.
pub(super) const IT_TOOLS: &[Program] = &[
    p(
        "Python 3.11.9 (64-bit)",
        "3.11.9150.0",
        "Python Software Foundation",
        Hklm,
    ),
    p(
        "Python 3.10.2 (64-bit)",
        "3.10.2150.0",
        "Python Software Foundation",
        User,
    ),
    p("Node.js", "18.20.4", "Node.js Foundation", Hklm),
    p(
        "PuTTY release 0.78 (64-bit)",
        "0.78.0.0",
        "Simon Tatham",
        Hklm,
    ),
    p("Microsoft Visual Studio Code (User)", "1.33.1", MS, User),
    p("PowerShell 7-x64", "7.2.24.0", MS, Hklm),
    p(
        "Win64 OpenSSL v3.0.15",
        "3.0.15",
        "OpenSSL Win64 Installer Team",
        Hklm,
    ),
    p("Git", "2.46.0", "The Git Development Community", Hklm),
];
