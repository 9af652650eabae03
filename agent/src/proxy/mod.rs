//! Which proxy, if any, carries the agent's HTTPS to the collector. Hospital networks often reach
//! central services only through a proxy, set in one of several places; the first that applies wins:
//!
//! 1. `proxy` in the configuration (the MSI's `PROXY` property, registry value `Proxy`, over
//!    `agent.toml`): a URL, or `none` for a direct connection whatever the machine says;
//! 2. `HTTPS_PROXY` (`HTTP_PROXY` for a plain-http loopback collector), lower case accepted, unless the
//!    collector's host is in `NO_PROXY`;
//! 3. on Windows, the machine's WinHTTP proxy (`netsh winhttp set proxy`, see [`winhttp`]), unless the
//!    host is in its bypass list;
//! 4. otherwise a direct connection.
//!
//! The agent talks to one host, so the route is decided once, here, from values: [`route`] is pure and
//! tested on Linux; gathering the environment and the registry value is the caller's job
//! ([`SystemProxy::detect`], `platform`). Proxy authentication is HTTP Basic (credentials in the proxy
//! URL); NTLM, Kerberos/Negotiate and PAC/WPAD auto-configuration are not supported.

pub mod winhttp;

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

/// The configured `proxy` value: a proxy URL, or `none`. `Debug` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub enum Configured {
    /// Always connect directly (the machine's proxy settings are ignored).
    Direct,
    /// Always use this proxy.
    Via(Url),
}

/// What the machine says about proxies, gathered once at start. `Debug` masks passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SystemProxy {
    /// `(variable, value)` of each proxy variable that is set, e.g. `("HTTPS_PROXY", "http://p:3128")`.
    pub env: Vec<(String, String)>,
    /// The WinHTTP setting (Windows only), already decoded; `None` when absent or unreadable.
    pub winhttp: Option<winhttp::Settings>,
}

/// The variables read by [`SystemProxy::detect`], upper case first (as curl does for `HTTPS_PROXY`).
const ENV_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

impl SystemProxy {
    /// The proxy variables of this process's environment, and the WinHTTP setting the platform read.
    pub fn detect(winhttp: Option<winhttp::Settings>) -> SystemProxy {
        let env = ENV_VARS
            .iter()
            .filter_map(|name| {
                let value = std::env::var(name).ok()?;
                (!value.trim().is_empty()).then(|| (name.to_string(), value))
            })
            .collect();
        SystemProxy { env, winhttp }
    }

    fn var(&self, names: &[&str]) -> Option<(&str, &str)> {
        names.iter().find_map(|name| {
            self.env
                .iter()
                .find(|(n, _)| n == name)
                .map(|(n, v)| (n.as_str(), v.trim()))
        })
    }
}

/// Where the chosen route came from, for `config check` and the logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The `proxy` setting.
    Configured,
    /// An environment variable.
    Environment(String),
    /// The WinHTTP machine setting.
    WinHttp,
    /// Nothing set.
    Default,
}

/// How the agent reaches the collector. `Debug` is `Display`, which masks the password.
#[derive(Clone, PartialEq, Eq)]
pub enum Route {
    /// A direct connection, and why.
    Direct {
        /// What decided it.
        source: Source,
        /// Why a proxy that is set does not apply (the host is in a bypass list), if so.
        bypassed: Option<String>,
    },
    /// Through this proxy.
    Via {
        /// The proxy URL (credentials, if any, in its user info).
        proxy: Url,
        /// Where it was set.
        source: Source,
    },
}

/// A proxy value that is not usable, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} {value:?}: {message}")]
pub struct RouteError {
    /// `HTTPS_PROXY`, `WinHTTP proxy`, …
    pub source_name: String,
    /// The value, with any password masked.
    pub value: String,
    /// What is wrong.
    pub message: String,
}

/// Decides the route to `target` (the collector URL); see the module documentation for the order.
pub fn route(
    configured: Option<&Configured>,
    system: &SystemProxy,
    target: &Url,
) -> Result<Route, RouteError> {
    match configured {
        Some(Configured::Direct) => {
            return Ok(Route::Direct {
                source: Source::Configured,
                bypassed: None,
            });
        }
        Some(Configured::Via(proxy)) => {
            return Ok(Route::Via {
                proxy: proxy.clone(),
                source: Source::Configured,
            });
        }
        None => {}
    }
    let host = target.host_str().unwrap_or_default();
    let names: &[&str] = if target.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    if let Some((name, value)) = system.var(names) {
        if let Some((no_proxy_name, list)) = system.var(&["NO_PROXY", "no_proxy"])
            && no_proxy_matches(list, host)
        {
            return Ok(Route::Direct {
                source: Source::Environment(name.to_string()),
                bypassed: Some(format!("{host} is in {no_proxy_name}")),
            });
        }
        let proxy = parse_proxy_url(value).map_err(|message| RouteError {
            source_name: name.to_string(),
            value: mask(value),
            message,
        })?;
        return Ok(Route::Via {
            proxy,
            source: Source::Environment(name.to_string()),
        });
    }
    if let Some(settings) = &system.winhttp
        && let Some(entry) = settings.proxy_for(target.scheme())
    {
        if settings.bypasses(host) {
            return Ok(Route::Direct {
                source: Source::WinHttp,
                bypassed: Some(format!("{host} is in the WinHTTP bypass list")),
            });
        }
        let proxy = parse_proxy_url(&entry).map_err(|message| RouteError {
            source_name: "WinHTTP proxy".into(),
            value: entry.clone(),
            message,
        })?;
        return Ok(Route::Via {
            proxy,
            source: Source::WinHttp,
        });
    }
    Ok(Route::Direct {
        source: Source::Default,
        bypassed: None,
    })
}

/// Parses the configured `proxy` value: `none`, or an `http://` / `https://` proxy URL.
pub fn parse_configured(text: &str) -> Result<Configured, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("direct") {
        return Ok(Configured::Direct);
    }
    let url = Url::parse(text)
        .map_err(|e| format!("not a URL ({e}); expected http://host:port or none"))?;
    check_proxy_url(&url)?;
    Ok(Configured::Via(url))
}

/// A proxy URL from the environment or WinHTTP, where `host:port` without a scheme means `http://`.
fn parse_proxy_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("not a proxy address ({e})"))?;
    check_proxy_url(&url)?;
    Ok(url)
}

fn check_proxy_url(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "unsupported proxy scheme {other:?}; expected http:// or https:// (SOCKS is not supported)"
            ));
        }
    }
    if url.host().is_none() {
        return Err("has no host".into());
    }
    if url.path() != "/" || url.query().is_some() {
        return Err("a proxy URL has no path or query".into());
    }
    Ok(())
}

/// Whether `host` is in a `NO_PROXY` list (curl's rules): comma- or space-separated entries; `*` alone
/// matches everything; a name matches itself and its subdomains (a leading dot is optional); an IP
/// address matches itself, a CIDR block (`10.0.0.0/8`) every address in it. Ports are ignored.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_matches(['[', ']'])
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host_ip = host.parse::<IpAddr>().ok();
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((network, bits)) = entry.split_once('/') {
                return match (host_ip, network.parse::<IpAddr>(), bits.parse::<u8>()) {
                    (Some(ip), Ok(network), Ok(bits)) => in_cidr(ip, network, bits),
                    _ => false,
                };
            }
            let entry = strip_port(entry).trim_matches(['[', ']']);
            if let (Some(ip), Ok(other)) = (host_ip, entry.parse::<IpAddr>()) {
                return ip == other;
            }
            let name = entry
                .trim_start_matches('.')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
        })
}

/// `host:port` → `host`; an IPv6 address (several colons) is left alone unless bracketed.
fn strip_port(entry: &str) -> &str {
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host
        }
        _ => entry,
    }
}

fn in_cidr(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// A proxy address with its password replaced by `****`, for messages.
pub fn mask(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("****"));
            url.to_string()
        }
        Ok(_) => text.to_string(),
        // Not a URL: hide whatever sits between "://" and the last '@'.
        Err(_) => match (text.find("://"), text.rfind('@')) {
            (Some(start), Some(end)) if end > start => {
                format!("{}****{}", &text[..start + 3], &text[end..])
            }
            _ => text.to_string(),
        },
    }
}

impl fmt::Debug for Configured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Configured::Direct => f.write_str("Direct"),
            Configured::Via(url) => write!(f, "Via({})", mask(url.as_str())),
        }
    }
}

impl fmt::Debug for SystemProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env: Vec<(&str, String)> = self
            .env
            .iter()
            .map(|(n, v)| (n.as_str(), mask(v)))
            .collect();
        f.debug_struct("SystemProxy")
            .field("env", &env)
            .field("winhttp", &self.winhttp)
            .finish()
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Configured => f.write_str("the proxy setting"),
            Source::Environment(name) => write!(f, "environment {name}"),
            Source::WinHttp => f.write_str(r"WinHTTP (netsh winhttp set proxy)"),
            Source::Default => f.write_str("no proxy set"),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Direct {
                source,
                bypassed: Some(why),
            } => write!(f, "direct ({why}; {source})"),
            Route::Direct {
                source,
                bypassed: None,
            } => write!(f, "direct ({source})"),
            Route::Via { proxy, source } => write!(f, "via {} ({source})", mask(proxy.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn collector() -> Url {
        Url::parse("https://sunset.trust.nhs.uk/").unwrap()
    }

    fn system(env: &[(&str, &str)], winhttp: Option<winhttp::Settings>) -> SystemProxy {
        SystemProxy {
            env: env
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            winhttp,
        }
    }

    fn winhttp(proxy: &str, bypass: &str) -> winhttp::Settings {
        winhttp::Settings {
            version: 0x28,
            counter: 1,
            flags: 3,
            proxy: proxy.into(),
            bypass: bypass.into(),
        }
    }

    fn via(route: &Route) -> Option<(String, Source)> {
        match route {
            Route::Via { proxy, source } => Some((proxy.to_string(), source.clone())),
            Route::Direct { .. } => None,
        }
    }

    #[test]
    fn configured_proxy_wins_over_everything() {
        let configured = parse_configured("http://proxy.trust.nhs.uk:8080").unwrap();
        let machine = system(
            &[("HTTPS_PROXY", "http://env:3128")],
            Some(winhttp("win:80", "")),
        );
        let route = route(Some(&configured), &machine, &collector()).unwrap();
        assert_eq!(
            via(&route),
            Some(("http://proxy.trust.nhs.uk:8080/".into(), Source::Configured))
        );
        let none = parse_configured(" None ").unwrap();
        assert_eq!(
            super::route(Some(&none), &machine, &collector()).unwrap(),
            Route::Direct {
                source: Source::Configured,
                bypassed: None
            }
        );
    }

    #[test]
    fn environment_then_winhttp_then_direct() {
        let both = system(
            &[("https_proxy", "env.proxy:3128")],
            Some(winhttp("win.proxy:8080", "")),
        );
        assert_eq!(
            via(&route(None, &both, &collector()).unwrap()),
            Some((
                "http://env.proxy:3128/".into(),
                Source::Environment("https_proxy".into())
            ))
        );
        let upper_first = system(
            &[("https_proxy", "lower:1"), ("HTTPS_PROXY", "upper:2")],
            None,
        );
        assert_eq!(
            via(&route(None, &upper_first, &collector()).unwrap())
                .unwrap()
                .0,
            "http://upper:2/"
        );
        let only_winhttp = system(
            &[("HTTP_PROXY", "plain:1")],
            Some(winhttp("win.proxy:8080", "")),
        );
        assert_eq!(
            via(&route(None, &only_winhttp, &collector()).unwrap()),
            Some(("http://win.proxy:8080/".into(), Source::WinHttp)),
            "HTTP_PROXY does not apply to an https collector"
        );
        assert_eq!(
            route(None, &SystemProxy::default(), &collector()).unwrap(),
            Route::Direct {
                source: Source::Default,
                bypassed: None
            }
        );
    }

    #[test]
    fn bypass_lists_send_the_collector_direct() {
        let env = system(
            &[
                ("HTTPS_PROXY", "http://env:3128"),
                ("NO_PROXY", "localhost,.nhs.uk"),
            ],
            None,
        );
        let direct = route(None, &env, &collector()).unwrap();
        assert!(
            matches!(&direct, Route::Direct { bypassed: Some(why), .. } if why.contains("NO_PROXY")),
            "{direct:?}"
        );
        // A NO_PROXY match does not fall through to WinHTTP: the environment decided.
        let win = system(&[], Some(winhttp("win:8080", "<local>;*.trust.nhs.uk")));
        assert!(matches!(
            route(None, &win, &collector()).unwrap(),
            Route::Direct {
                source: Source::WinHttp,
                bypassed: Some(_)
            }
        ));
    }

    #[test]
    fn bad_values_say_where_they_came_from_without_the_password() {
        let env = system(&[("HTTPS_PROXY", "socks5://user:secret@p:1080")], None);
        let error = route(None, &env, &collector()).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("HTTPS_PROXY"), "{text}");
        assert!(text.contains("SOCKS"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        assert!(parse_configured("ftp://proxy").is_err());
        assert!(parse_configured("http://proxy:8080/path").is_err());
        assert!(
            parse_configured("proxy:8080").is_err(),
            "the setting needs a scheme"
        );
    }

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "anything.example"));
        assert!(no_proxy_matches("nhs.uk", "sunset.trust.nhs.uk"));
        assert!(no_proxy_matches(".nhs.uk", "nhs.uk"));
        assert!(!no_proxy_matches("nhs.uk", "notnhs.uk"));
        assert!(no_proxy_matches(
            "sunset.trust.nhs.uk:443",
            "SUNSET.trust.nhs.uk"
        ));
        assert!(no_proxy_matches("10.0.0.0/8, 192.168.1.5", "10.20.30.40"));
        assert!(no_proxy_matches("10.0.0.0/8, 192.168.1.5", "192.168.1.5"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(no_proxy_matches("fd00::/8", "fd12::1"));
        assert!(!no_proxy_matches("", "host"));
    }

    #[test]
    fn routes_print_without_passwords() {
        let route = Route::Via {
            proxy: Url::parse("http://ward7:hunter2@proxy:8080").unwrap(),
            source: Source::Environment("HTTPS_PROXY".into()),
        };
        let text = route.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ward7:****@proxy:8080"), "{text}");
        assert_eq!(mask("not a url user:pw@x"), "not a url user:pw@x");
    }
}
