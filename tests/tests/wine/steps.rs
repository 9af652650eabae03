//! The steps of the whole cycle, each a check that returns what went wrong (`whole_cycle` collects
//! them): installed, scan, configuration, service stop, upgrade, downgrade refused, uninstalled, and
//! the x86 MSI refused on 64-bit Windows.

use super::*;

/// Fails the step with a message (steps return `Result<(), String>`).
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+));
        }
    };
}

/// Program Files, ProgramData, the settings key and the running service, right after the install.
pub(super) fn check_installed(wine: &Prefix, exe: &Path, version: &str) -> Result<(), String> {
    let program_files = wine.drive_c().join("Program Files/Sunset");
    let installed = names_in(&program_files);
    ensure!(
        installed == ["sunset-agent.exe"],
        "Program Files\\Sunset holds {installed:?}, expected only sunset-agent.exe"
    );
    ensure!(
        same_bytes(&program_files.join("sunset-agent.exe"), exe),
        "the installed sunset-agent.exe differs from {}",
        exe.display()
    );
    let config = wine.program_data().join("agent.toml");
    ensure!(
        same_bytes(&config, &workspace().join("packaging/agent.toml.example")),
        "{} is not packaging/agent.toml.example",
        config.display()
    );
    let values = wine
        .reg_values(SETTINGS_KEY)
        .ok_or(format!("{SETTINGS_KEY} is missing"))?;
    let expected = [
        ("CollectorUrl", COLLECTOR_URL),
        ("EnrollToken", ENROLL_TOKEN),
        ("Site", SITE),
        ("ScheduleWindow", ""),
        ("CaFile", ""),
        ("Proxy", PROXY),
        ("InstalledVersion", version),
    ];
    for (name, want) in expected {
        ensure!(
            values.get(name).map(String::as_str) == Some(want),
            "{SETTINGS_KEY}\\{name} = {:?}, expected {want:?} (all: {values:?})",
            values.get(name)
        );
    }
    wine.wait_for_service("RUNNING")
}

/// The live registry adapter: exactly the visible test entries, each from its view.
pub(super) fn check_scan(
    wine: &Prefix,
    flavour: Flavour,
    exe: &str,
    version: &str,
) -> Result<(), String> {
    for entry in entries(flavour) {
        for (name, kind, data) in entry.values {
            let key = format!(r"{}\{}", entry.place.key, entry.subkey);
            let mut args = vec!["reg", "add", &key, "/v", name, "/t", kind, "/d", data, "/f"];
            args.extend(entry.place.view);
            let added = wine.run(&args);
            ensure!(added.ok(), "reg add {key} {name}: {added}");
        }
    }
    let scan = wine.run(&[exe, "scan", "--format", "json"]);
    if scan.stderr.contains("GetFirmwareType") {
        let wine_says: Vec<&str> = scan
            .stderr
            .lines()
            .filter(|l| l.contains("GetFirmwareType"))
            .collect();
        return Err(format!(
            "the scan aborted (exit {:?}): the agent calls GetFirmwareType, which Wine 8's kernel32 exports \
             only as a stub that kills the process (packaging/WINE.md, \"What Wine cannot do\"):\n{}",
            scan.code,
            wine_says.join("\n")
        ));
    }
    ensure!(scan.ok(), "scan failed: {scan}");
    let result: Value =
        serde_json::from_str(&scan.stdout).map_err(|e| format!("scan JSON: {e}: {scan}"))?;
    let software = result["inventory"]["software"]
        .as_array()
        .ok_or("no inventory.software in the scan")?;

    let mut found: BTreeMap<String, Vec<(String, String, Option<String>)>> = BTreeMap::new();
    for s in software {
        let name = s["name"].as_str().unwrap_or_default();
        if name.starts_with(TEST_NAME_PREFIX) || name == "Sunset agent" {
            found.entry(name.to_string()).or_default().push((
                s["source"]["kind"].as_str().unwrap_or_default().to_string(),
                s["version"].as_str().unwrap_or_default().to_string(),
                s["architecture"].as_str().map(str::to_string),
            ));
        }
    }
    let mut problems = Vec::new();
    for entry in entries(flavour) {
        let name = entry.values[0].2;
        let got = found.remove(name).unwrap_or_default();
        match entry.expect {
            Some((kind, version, arch)) => {
                let want = (
                    kind.to_string(),
                    version.to_string(),
                    arch.map(str::to_string),
                );
                if got != [want.clone()] {
                    problems.push(format!("{name:?}: got {got:?}, expected [{want:?}]"));
                }
            }
            None if !got.is_empty() => {
                problems.push(format!("{name:?} must not be listed: {got:?}"))
            }
            None => {}
        }
    }
    // Windows Installer's own Add/Remove Programs entry for the agent.
    let own = found.remove("Sunset agent").unwrap_or_default();
    let want = (
        "hklm-uninstall".to_string(),
        version.to_string(),
        Some(flavour.native().to_string()),
    );
    if own != [want.clone()] {
        problems.push(format!(
            "the MSI's own entry \"Sunset agent\": got {own:?}, expected [{want:?}]"
        ));
    }
    problems.extend(
        found
            .into_iter()
            .map(|(name, got)| format!("unexpected {name:?}: {got:?}")),
    );
    if let Some(user) = software
        .iter()
        .find(|s| s["source"]["kind"] == "user-uninstall")
    {
        let sid = user["source"]["user_sid"].as_str().unwrap_or_default();
        if !sid.starts_with("S-1-5-21-") {
            problems.push(format!("per-user entry without the user's SID: {user}"));
        }
    }
    // The prefix claims Windows 7 SP1 (ci/wine.sh): the agent must see it as such.
    let os = &result["inventory"]["os"];
    if !os["version"]
        .as_str()
        .unwrap_or_default()
        .starts_with("6.1.7601")
    {
        problems.push(format!(
            "the prefix is not Windows 7 SP1 to the agent: {os}"
        ));
    }
    // Not asserted: Wine cannot answer these like Windows (packaging/WINE.md).
    let hardware = &result["inventory"]["hardware"];
    say(&format!(
        "{exe}: os = {} {}; not asserted under Wine: uefi = {}, tpm = {}, secure_boot = {}",
        os["name"], os["version"], hardware["uefi"], hardware["tpm"], hardware["secure_boot"]
    ));
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// `config check` after adding conflicting values to the installed file.
pub(super) fn check_config(wine: &Prefix) -> Result<(), String> {
    let config = wine.program_data().join("agent.toml");
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .map_err(|e| format!("{}: {e}", config.display()))?;
    file.write_all(FILE_SETTINGS.as_bytes())
        .map_err(|e| format!("{}: {e}", config.display()))?;
    let line_of = |key: &str| {
        let text = fs::read_to_string(&config).unwrap_or_default();
        text.lines()
            .position(|l| l.starts_with(&format!("{key} = ")))
            .map_or(0, |i| i + 1)
    };

    let check = wine.run(&[&wine.program_files_exe(), "config", "check"]);
    ensure!(check.ok(), "config check failed: {check}");
    let out = &check.stdout;
    ensure!(
        out.lines()
            .next()
            .is_some_and(|l| l.contains(r"C:\ProgramData\Sunset\agent.toml")),
        "config check did not read C:\\ProgramData\\Sunset\\agent.toml:\n{out}"
    );
    // `key = value # origin`, one per line.
    let effective: BTreeMap<&str, (&str, &str)> = out
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (key, rest) = l.split_once(" = ")?;
            let (value, origin) = rest.rsplit_once(" # ")?;
            Some((key.trim(), (value.trim(), origin.trim())))
        })
        .collect();
    let registry = |name: &str| format!(r"registry HKLM\SOFTWARE\Sunset\Agent\{name}");
    let token_masked = format!("******** ({} characters)", ENROLL_TOKEN.chars().count());
    let expected = [
        (
            "collector_url",
            format!("\"{COLLECTOR_URL}/\""),
            registry("CollectorUrl"),
        ),
        ("enroll_token", token_masked, registry("EnrollToken")),
        ("site", format!("\"{SITE}\""), registry("Site")),
        // The MSI wrote an empty ScheduleWindow: it counts as unset, so the file wins.
        (
            "schedule_window",
            "\"02:00-04:00\"".to_string(),
            format!("file, line {}", line_of("schedule_window")),
        ),
        (
            "log_level",
            "\"info\"".to_string(),
            format!("file, line {}", line_of("log_level")),
        ),
    ];
    let mut problems = Vec::new();
    for (key, value, origin) in &expected {
        let got = effective.get(key);
        if got != Some(&(value.as_str(), origin.as_str())) {
            problems.push(format!(
                "{key}: got {got:?}, expected ({value:?}, {origin:?})"
            ));
        }
    }
    let proxy_masked = format!("\"{}/\"", PROXY.replace("Proxy-Secret-1", "****"));
    match effective.get("proxy") {
        Some((value, origin)) if *value == proxy_masked && *origin == registry("Proxy") => {}
        other => problems.push(format!(
            "proxy: got {other:?}, expected ({proxy_masked:?}, {:?})",
            registry("Proxy")
        )),
    }
    for secret in [ENROLL_TOKEN, "sst_from_the_file", "Proxy-Secret-1"] {
        if out.contains(secret) || check.stderr.contains(secret) {
            problems.push(format!("config check printed the secret {secret:?}"));
        }
    }
    ensure!(
        problems.is_empty(),
        "{}\n--- config check\n{out}",
        problems.join("\n")
    );
    Ok(())
}

/// Restarts the service (so it reads `log_level = "info"`), stops it, and reads its log.
pub(super) fn check_service_stop(wine: &Prefix) -> Result<(), String> {
    let log = wine.program_data().join("logs/agent.log");
    wine.sc("stop")?;
    wine.wait_for_service("STOPPED")?;
    let from = fs::metadata(&log).map_or(0, |m| m.len());
    wine.sc("start")?;
    wine.wait_for_service("RUNNING")?;
    wait_for_log(&log, from, &["agent running"])?;
    wine.sc("stop")?;
    wine.wait_for_service("STOPPED")?;
    let text = wait_for_log(&log, from, &["service stop requested", "agent stopped"])?;
    ensure!(
        !text.contains(" ERROR "),
        "the service logged errors:\n{text}"
    );
    say(&format!(
        "service log (C:\\ProgramData\\Sunset\\logs\\agent.log):\n{}",
        text.trim_end()
    ));
    Ok(())
}

/// After installing the newer MSI without properties.
pub(super) fn check_upgraded(wine: &Prefix, flavour: Flavour, newer: &str) -> Result<(), String> {
    let values = wine
        .reg_values(SETTINGS_KEY)
        .ok_or(format!("{SETTINGS_KEY} is gone after the upgrade"))?;
    for (name, want) in [
        ("CollectorUrl", COLLECTOR_URL),
        ("EnrollToken", ENROLL_TOKEN),
        ("Site", SITE),
        ("Proxy", PROXY),
        ("InstalledVersion", newer),
    ] {
        ensure!(
            values.get(name).map(String::as_str) == Some(want),
            "after the upgrade {SETTINGS_KEY}\\{name} = {:?}, expected {want:?}",
            values.get(name)
        );
    }
    let config = fs::read_to_string(wine.program_data().join("agent.toml")).unwrap_or_default();
    ensure!(
        config.ends_with(FILE_SETTINGS),
        "the upgrade replaced the edited agent.toml"
    );
    let programs = wine.arp_entries("Sunset agent", flavour.native_view());
    ensure!(
        programs == [newer],
        "Add/Remove Programs lists the agent as {programs:?}, expected only [{newer:?}]"
    );
    ensure!(
        wine.drive_c()
            .join("Program Files/Sunset/sunset-agent.exe")
            .is_file(),
        "sunset-agent.exe is gone after the upgrade"
    );
    wine.wait_for_service("RUNNING")
}

/// The older MSI over the newer one: refused, nothing changed.
pub(super) fn check_downgrade_refused(
    wine: &Prefix,
    older: &Path,
    newer: &str,
) -> Result<(), String> {
    let (code, log) = wine.msiexec_exit_code(older, "downgrade.log")?;
    ensure!(
        matches!(code, 1603 | 1638),
        "the downgrade exited with {code}, expected 1603 or 1638\n{log}"
    );
    say(&format!(
        "downgrade refused by msiexec with exit code {code}"
    ));
    // Windows shows the DowngradeErrorMessage; Wine's msi logs only the launch condition failing.
    let refused = log.contains("A newer version of the Sunset agent is already installed")
        || (log.contains("WIX_DOWNGRADE_DETECTED = {")
            && log.contains("LaunchConditions. Return value 0"));
    ensure!(refused, "the downgrade log shows no refusal:\n{log}");
    let values = wine.reg_values(SETTINGS_KEY).unwrap_or_default();
    ensure!(
        values.get("InstalledVersion").map(String::as_str) == Some(newer),
        "after the refused downgrade InstalledVersion = {:?}",
        values.get("InstalledVersion")
    );
    wine.wait_for_service("RUNNING")
}

/// `msiexec /x`: what goes and what stays.
pub(super) fn check_uninstalled(wine: &Prefix, flavour: Flavour, msi: &Path) -> Result<(), String> {
    let removed = wine.msiexec("/x", msi, "uninstall.log", &[]);
    ensure!(removed.code == Some(0), "uninstall failed: {removed}");
    ensure!(
        wine.service_state().is_none(),
        "the SunsetAgent service is still registered: {:?}",
        wine.service_state()
    );
    let program_files = wine.drive_c().join("Program Files/Sunset");
    ensure!(
        !program_files.exists(),
        "Program Files\\Sunset is still there: {:?}",
        names_in(&program_files)
    );
    ensure!(
        wine.reg_values(SETTINGS_KEY).is_none(),
        "{SETTINGS_KEY} is still there"
    );
    ensure!(
        wine.reg_values(r"HKLM\SOFTWARE\Sunset").is_none(),
        r"HKLM\SOFTWARE\Sunset is still there"
    );
    let programs = wine.arp_entries("Sunset agent", flavour.native_view());
    ensure!(
        programs.is_empty(),
        "Add/Remove Programs still lists the agent: {programs:?}"
    );
    // What stays, by design (packaging/WINE.md): the Permanent agent.toml, and what the agent itself wrote.
    let data = wine.program_data();
    ensure!(
        data.join("agent.toml").is_file(),
        "agent.toml (Permanent) was removed"
    );
    say(&format!(
        "left in C:\\ProgramData\\Sunset after the uninstall: {:?}",
        files_below(&data)
    ));
    Ok(())
}

/// The x86 MSI on 64-bit Windows: refused by its launch condition, nothing installed beside the x64 agent.
pub(super) fn check_x86_msi_refused(wine: &Prefix, msi: &Path) -> Result<(), String> {
    let (code, log) = wine.msiexec_exit_code(msi, "x86-on-x64.log")?;
    ensure!(
        code == 1603,
        "the x86 MSI exited with {code} on 64-bit Windows, expected 1603\n{log}"
    );
    // Windows logs the condition's message; Wine's msi, with /qn, ends LaunchConditions with "Return
    // value 0" and the install with 1603 (as for the refused downgrade; packaging/WINE.md).
    let refused = log.contains("This is the Sunset agent for 32-bit Windows")
        || (log.contains("VersionNT64 = ") && log.contains("LaunchConditions. Return value 0"));
    ensure!(
        refused,
        "the x86 MSI's log shows no launch-condition refusal:\n{log}"
    );
    let x86_dir = wine.drive_c().join("Program Files (x86)/Sunset");
    ensure!(
        !x86_dir.exists(),
        "the refused x86 MSI installed files in {}",
        x86_dir.display()
    );
    let programs = wine.arp_entries("Sunset agent", Some("/reg:32"));
    ensure!(
        programs.is_empty(),
        "a 32-bit Sunset agent was registered: {programs:?}"
    );
    Ok(())
}
