//! Delivery through a real HTTP proxy on 127.0.0.1: Debian's `tinyproxy`, speaking CONNECT to the HTTPS
//! fake collector (private CA). The proxy is set in `agent.toml`, in `HTTPS_PROXY`, or as the WinHTTP
//! machine proxy; basic authentication works; a proxy that refuses (403 to CONNECT, 407 without
//! credentials, nothing listening) leaves the report in the spool, and it goes out once the route works.
//!
//! `tinyproxy` is installed by `ci/test.sh`; without it these tests fail (they are not skipped).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sunset_agent::proxy::{SystemProxy, winhttp};
use sunset_agent::service::ReportOutcome;

use crate::fake::Fake;
use crate::tls::private_pki;
use crate::util::{Install, block_on, fast};

/// A tinyproxy in the foreground, on a free loopback port, with its own config and log.
struct Tinyproxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Allows CONNECT to `connect_port` only; with `auth`, requires those basic credentials.
    fn start(connect_port: u16, auth: Option<(&str, &str)>) -> Tinyproxy {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("tinyproxy.log");
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Connect\nMaxClients 16\n\
             Allow 127.0.0.1\nConnectPort {connect_port}\nLogFile \"{}\"\n",
            log.display()
        );
        if let Some((user, password)) = auth {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf, config).unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start tinyproxy ({e}): install it (apt-get install tinyproxy; ci/test.sh does)")
            });
        let proxy = Tinyproxy {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tinyproxy did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        proxy
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CONNECT requests it logged.
    fn connects(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("): CONNECT "))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTPS fake collector and an installation that trusts its CA, with `extra` TOML lines.
fn collector_and_install(extra: &str) -> (Fake, Install) {
    let (ca_pem, tls) = private_pki();
    let fake = Fake::start_tls(tls);
    let install = Install::new(&fake.https_url(), "t", "");
    let ca_file = install.dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    install.write_config(
        &fake.https_url(),
        "t",
        &format!("ca_file = {ca_file:?}\n{extra}"),
    );
    (fake, install)
}

fn env(vars: &[(&str, &str)]) -> SystemProxy {
    SystemProxy {
        env: vars
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        winhttp: None,
    }
}

/// The `WinHttpSettings` value `netsh winhttp set proxy <proxy> <bypass>` leaves (Windows 10 layout).
fn netsh_value(proxy: &str, bypass: &str) -> Vec<u8> {
    let mut data = Vec::new();
    for n in [0x28u32, 1, 3] {
        data.extend(n.to_le_bytes());
    }
    for text in [proxy, bypass] {
        data.extend(u32::try_from(text.len()).unwrap().to_le_bytes());
        data.extend(text.as_bytes());
    }
    data
}

#[test]
fn delivers_through_the_configured_proxy() {
    let (fake, install) = collector_and_install("");
    let proxy = Tinyproxy::start(fake.addr.port(), None);
    install.write_config(
        &fake.https_url(),
        "t",
        &format!(
            "ca_file = {:?}\nproxy = \"{}\"",
            install.dir.path().join("ca.pem"),
            proxy.url()
        ),
    );
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.stored().len(), 1);
    let connects = proxy.connects();
    assert!(
        connects
            .iter()
            .any(|l| l.contains(&format!("CONNECT 127.0.0.1:{}", fake.addr.port()))),
        "the report did not go through the proxy: {connects:?}"
    );
}

#[test]
fn basic_authentication_and_a_proxy_that_wants_it() {
    let (fake, install) = collector_and_install("");
    let proxy = Tinyproxy::start(fake.addr.port(), Some(("ward7", "s3cretw0rd")));
    let ca = install.dir.path().join("ca.pem");
    let without = format!("ca_file = {ca:?}\nproxy = \"{}\"", proxy.url());
    install.write_config(&fake.https_url(), "t", &without);
    let outcome = block_on(install.agent(fast()).report_once());
    assert!(
        matches!(&outcome, ReportOutcome::Queued(_)),
        "without credentials the proxy answers 407: {outcome:?}"
    );
    assert_eq!(
        install.spooled(),
        1,
        "the refused report stays in the spool"
    );
    assert!(fake.seen().is_empty());

    let with = format!(
        "ca_file = {ca:?}\nproxy = \"http://ward7:s3cretw0rd@127.0.0.1:{}\"",
        proxy.port
    );
    install.write_config(&fake.https_url(), "t", &with);
    let check = install.run_bin(&["config", "check"]);
    let shown = String::from_utf8_lossy(&check.stdout);
    assert!(
        !shown.contains("s3cretw0rd"),
        "config check shows the proxy password:\n{shown}"
    );
    assert!(shown.contains("ward7:****@127.0.0.1"), "{shown}");
    assert_eq!(
        block_on(install.agent(fast()).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(fake.stored().len(), 2, "the spooled report and the new one");
    assert_eq!(install.spooled(), 0);
}

/// tinyproxy accepts only plain passwords; real ones have symbols. This small CONNECT proxy checks that
/// a percent-encoded password in the proxy URL reaches the proxy decoded, as `Proxy-Authorization: Basic`.
#[test]
fn percent_encoded_proxy_password_is_sent_decoded() {
    let (fake, install) = collector_and_install("");
    // base64("ward7:p@ss:w0rd %")
    let proxy = AuthProxy::start("Basic d2FyZDc6cEBzczp3MHJkICU=");
    let ca = install.dir.path().join("ca.pem");
    install.write_config(
        &fake.https_url(),
        "t",
        &format!(
            "ca_file = {ca:?}\nproxy = \"http://ward7:p%40ss%3Aw0rd%20%25@127.0.0.1:{}\"",
            proxy.port
        ),
    );
    assert_eq!(
        block_on(install.agent(fast()).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(fake.stored().len(), 1);
}

/// A minimal CONNECT proxy that requires one `Proxy-Authorization` value (407 otherwise).
struct AuthProxy {
    port: u16,
}

impl AuthProxy {
    fn start(expected: &'static str) -> AuthProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                std::thread::spawn(move || tunnel(client, expected));
            }
        });
        AuthProxy { port }
    }
}

fn tunnel(mut client: std::net::TcpStream, expected: &str) {
    use std::io::{Read, Write};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if client.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("CONNECT "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    let authorized = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("proxy-authorization") && value.trim() == expected
        })
    });
    if !authorized {
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
        );
        return;
    }
    let Ok(upstream) = std::net::TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut u_read, mut c_write) = (upstream, client);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

#[test]
fn a_refusing_or_absent_proxy_keeps_the_report_until_the_route_works() {
    let (fake, install) = collector_and_install("");
    let ca = install.dir.path().join("ca.pem");
    // CONNECT allowed to 443 only: tinyproxy answers 403 for the collector's port.
    let refusing = Tinyproxy::start(443, None);
    install.write_config(
        &fake.https_url(),
        "t",
        &format!("ca_file = {ca:?}\nproxy = \"{}\"", refusing.url()),
    );
    let outcome = block_on(install.agent(fast()).report_once());
    assert!(matches!(&outcome, ReportOutcome::Queued(_)), "{outcome:?}");
    assert!(!refusing.connects().is_empty(), "tinyproxy saw no CONNECT");
    drop(refusing);

    let nothing = free_port();
    install.write_config(
        &fake.https_url(),
        "t",
        &format!("ca_file = {ca:?}\nproxy = \"http://127.0.0.1:{nothing}\""),
    );
    let outcome = block_on(install.agent(fast()).report_once());
    assert!(matches!(&outcome, ReportOutcome::Queued(_)), "{outcome:?}");
    assert_eq!(install.spooled(), 2, "both reports kept");
    assert!(fake.seen().is_empty(), "nothing reached the collector");

    let working = Tinyproxy::start(fake.addr.port(), None);
    install.write_config(
        &fake.https_url(),
        "t",
        &format!("ca_file = {ca:?}\nproxy = \"{}\"", working.url()),
    );
    assert_eq!(
        block_on(install.agent(fast()).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(fake.stored().len(), 3);
    assert_eq!(install.spooled(), 0);
}

#[test]
fn https_proxy_from_the_environment_and_no_proxy() {
    let (fake, install) = collector_and_install("");
    let proxy = Tinyproxy::start(fake.addr.port(), None);
    let via_env = env(&[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(
        block_on(install.agent_with_proxy(fast(), via_env).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(proxy.connects().len(), 1);

    let bypassed = env(&[
        ("HTTPS_PROXY", &proxy.url()),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ]);
    assert_eq!(
        block_on(install.agent_with_proxy(fast(), bypassed).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(
        proxy.connects().len(),
        1,
        "NO_PROXY: the second report went direct"
    );
    assert_eq!(fake.stored().len(), 2);

    // `proxy = "none"` wins over the environment.
    install.write_config(
        &fake.https_url(),
        "t",
        &format!(
            "ca_file = {:?}\nproxy = \"none\"",
            install.dir.path().join("ca.pem")
        ),
    );
    let ignored = env(&[("HTTPS_PROXY", "http://127.0.0.1:9")]);
    assert_eq!(
        block_on(install.agent_with_proxy(fast(), ignored).report_once()),
        ReportOutcome::Delivered
    );
}

#[test]
fn winhttp_machine_proxy_and_its_bypass_list() {
    let (fake, install) = collector_and_install("");
    let proxy = Tinyproxy::start(fake.addr.port(), None);
    let entry = format!("127.0.0.1:{}", proxy.port);
    let settings = winhttp::parse(&netsh_value(&entry, "<local>;*.nhs.uk")).unwrap();
    let machine = SystemProxy {
        env: Vec::new(),
        winhttp: Some(settings),
    };
    assert_eq!(
        block_on(install.agent_with_proxy(fast(), machine).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(
        proxy.connects().len(),
        1,
        "the WinHTTP proxy carried the report"
    );

    let settings = winhttp::parse(&netsh_value(&entry, "<local>;127.0.0.*")).unwrap();
    let bypassed = SystemProxy {
        env: Vec::new(),
        winhttp: Some(settings),
    };
    assert_eq!(
        block_on(install.agent_with_proxy(fast(), bypassed).report_once()),
        ReportOutcome::Delivered
    );
    assert_eq!(
        proxy.connects().len(),
        1,
        "bypass list: the second report went direct"
    );
    assert_eq!(fake.stored().len(), 2);
}
