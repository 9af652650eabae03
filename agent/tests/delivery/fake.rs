//! A scripted fake collector on 127.0.0.1: plain HTTP/1.1 over a raw `TcpListener`, one request per
//! connection, so each failure mode (5xx, 429 with Retry-After, a slow answer, a closed connection) is
//! exactly what the test says. It stores reports by report id like the real collector (a duplicate is
//! acknowledged, not stored twice) and records every attempt.

use std::collections::VecDeque;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sunset_catalog::inventory::Inventory;
use sunset_catalog::wire::{self, Ack, AckStatus, ErrorBody};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use uuid::Uuid;

/// How the fake answers one report.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Store and acknowledge.
    Ok,
    /// Answer with this status (not stored).
    Status(u16),
    /// 429 (or another status) with `Retry-After: secs` (not stored).
    RetryAfter(u16, u64),
    /// Store, then wait before answering (the client times out first).
    Slow(Duration),
    /// Close the connection without answering (not stored).
    Close,
    /// Store, then close without answering (the acknowledgement is lost).
    StoreThenClose,
}

/// One POST the fake saw.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The report id in the body.
    pub report_id: Uuid,
    /// The host id in the body.
    pub host_id: Uuid,
    /// When it arrived.
    pub at: Instant,
    /// The Authorization header.
    pub authorization: String,
    /// The Content-Encoding header.
    pub encoding: String,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Reply>,
    default: Option<Reply>,
    seen: Vec<Seen>,
    stored: Vec<Uuid>,
    catalog_version: String,
    catalog: Option<Vec<u8>>,
    catalog_fetches: usize,
}

/// A running fake collector.
pub struct Fake {
    /// Where it listens.
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl Fake {
    /// Starts on a free port.
    pub fn start() -> Fake {
        Fake::start_on("127.0.0.1:0".parse().unwrap())
    }

    /// Starts on `addr` (to bring a "down" collector back on the same port).
    pub fn start_on(addr: SocketAddr) -> Fake {
        Fake::serve(addr, None)
    }

    /// Starts an HTTPS fake with this TLS configuration.
    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> Fake {
        Fake::serve("127.0.0.1:0".parse().unwrap(), Some(tls))
    }

    fn serve(addr: SocketAddr, tls: Option<Arc<rustls::ServerConfig>>) -> Fake {
        let listener = std::net::TcpListener::bind(addr).expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            catalog_version: "0".into(),
            default: Some(Reply::Ok),
            ..Inner::default()
        }));
        let shared = Arc::clone(&inner);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let shared = Arc::clone(&shared);
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            None => {
                                let _ = handle(stream, shared).await;
                            }
                            Some(config) => {
                                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ = handle(stream, shared).await;
                                }
                            }
                        }
                    });
                }
            });
        });
        Fake { addr, inner }
    }

    /// The base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL over HTTPS.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Answers the next reports with these replies, then with the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    /// The reply once the script is used up.
    pub fn set_default(&self, reply: Reply) {
        self.inner.lock().unwrap().default = Some(reply);
    }

    /// The catalogue version announced in acknowledgements and the bundle served.
    pub fn set_catalog(&self, version: &str, bundle: Option<Vec<u8>>) {
        let mut inner = self.inner.lock().unwrap();
        inner.catalog_version = version.to_string();
        inner.catalog = bundle;
    }

    /// Every POST, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Stored report ids, in the order first stored.
    pub fn stored(&self) -> Vec<Uuid> {
        self.inner.lock().unwrap().stored.clone()
    }

    /// How often the catalogue was downloaded.
    pub fn catalog_fetches(&self) -> usize {
        self.inner.lock().unwrap().catalog_fetches
    }
}

/// A port on 127.0.0.1 where nothing listens (a collector that is down).
pub fn dead_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    shared: Arc<Mutex<Inner>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }

    if request_line.starts_with(&format!("GET {} ", wire::path::CATALOG)) {
        let bundle = {
            let mut inner = shared.lock().unwrap();
            inner.catalog_fetches += 1;
            inner.catalog.clone()
        };
        return match bundle {
            Some(bytes) => respond(&mut stream, 200, &[], &bytes).await,
            None => respond(&mut stream, 404, &[], &error("no catalogue")).await,
        };
    }
    if !request_line.starts_with(&format!("POST {} ", wire::path::REPORTS)) {
        return respond(&mut stream, 404, &[], &error("not found")).await;
    }

    let json = if header("content-encoding") == "gzip" {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body.as_slice()).read_to_end(&mut out)?;
        out
    } else {
        body
    };
    let Ok(inventory) = serde_json::from_slice::<Inventory>(&json) else {
        return respond(&mut stream, 400, &[], &error("malformed")).await;
    };
    let (report_id, host_id) = (inventory.host.report_id, inventory.host.host_id);
    let (reply, version) = {
        let mut inner = shared.lock().unwrap();
        inner.seen.push(Seen {
            report_id,
            host_id: inventory.host.host_id,
            at: Instant::now(),
            authorization: header("authorization"),
            encoding: header("content-encoding"),
        });
        let reply = inner
            .script
            .pop_front()
            .or_else(|| inner.default.clone())
            .unwrap_or(Reply::Ok);
        (reply, inner.catalog_version.clone())
    };
    let store = |shared: &Arc<Mutex<Inner>>| {
        let mut inner = shared.lock().unwrap();
        if inner.stored.contains(&report_id) {
            AckStatus::Duplicate
        } else {
            inner.stored.push(report_id);
            AckStatus::Accepted
        }
    };
    let ack = |status: AckStatus| {
        let stored = status != AckStatus::Duplicate;
        serde_json::to_string(&Ack {
            status,
            report_id,
            host_id,
            site: "Fake".into(),
            catalog_version: version.clone(),
            host_status: None,
            findings: stored.then_some(0),
        })
        .unwrap()
    };
    match reply {
        Reply::Ok => {
            let status = store(&shared);
            respond(&mut stream, 200, &[], ack(status).as_bytes()).await
        }
        Reply::Status(code) => {
            respond(&mut stream, code, &[], &error(&format!("scripted {code}"))).await
        }
        Reply::RetryAfter(code, secs) => {
            let value = secs.to_string();
            respond(
                &mut stream,
                code,
                &[("Retry-After", value.as_str())],
                &error("slow down"),
            )
            .await
        }
        Reply::Slow(delay) => {
            let status = store(&shared);
            tokio::time::sleep(delay).await;
            respond(&mut stream, 200, &[], ack(status).as_bytes()).await
        }
        Reply::Close => Ok(()),
        Reply::StoreThenClose => {
            store(&shared);
            Ok(())
        }
    }
}

/// A collector's error body.
fn error(message: &str) -> Vec<u8> {
    serde_json::to_vec(&ErrorBody {
        error: message.to_string(),
        field: None,
    })
    .unwrap()
}

async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    extra: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}
