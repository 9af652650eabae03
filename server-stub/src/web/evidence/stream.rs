//! The evidence pack's downloads as HTTP bodies written while they are produced: a CSV section's
//! pieces go straight to the body; the zip's go through the `zip` crate's streaming writer
//! (`ZipWriter::new_stream`: local headers with data descriptors, no seeking back), which runs on a
//! thread of the blocking pool, as the crate advises for async servers, and hands the body
//! compressed chunks through a bounded channel. A slow client therefore slows the database read
//! instead of filling memory; a client that goes away, or reads nothing for `STALLED` (a minute),
//! stops it, so it cannot keep a pack's turn and connection.
//!
//! A pack that fails half-way must not look complete: the body ends with an error, so the client
//! sees a broken download (and the zip has no central directory), never a short file that opens.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{Datelike, Timelike};
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::pack::{Out, PIECES_IN_FLIGHT, Pack, PackError, Piece, STALLED};
use super::section::Section;

/// Bytes of compressed zip gathered before they are handed to the body.
const ZIP_CHUNK: usize = 64 * 1024;

/// DEFLATE level: 1, the fastest. CSV compresses several times over even so, and the pack is
/// written while the client waits (the 100,000-host pack in seconds, not tens of seconds).
const DEFLATE_LEVEL: i64 = 1;

type Chunk = Result<Bytes, io::Error>;

/// A body fed by a channel.
struct ChannelBody(mpsc::Receiver<Chunk>);

impl futures_core::Stream for ChannelBody {
    type Item = Chunk;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        self.0.poll_recv(cx)
    }
}

/// A download's response: `content_type`, named `file_name`, its body from `chunks`.
fn download(content_type: &str, file_name: &str, chunks: mpsc::Receiver<Chunk>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(ChannelBody(chunks)),
    )
        .into_response()
}

/// Logs a pack that stopped, unless it stopped because the client went away.
fn log_failure(what: &str, error: &PackError) {
    if !matches!(error, PackError::Gone) {
        tracing::error!(error = %error, download = what, "evidence pack failed half-way");
    }
}

/// One section as a CSV download, written as it is read.
pub fn csv_body(pack: Pack, section: Section, file_name: String) -> Response {
    let (out, mut pieces) = Out::channel();
    let (chunks, body) = mpsc::channel::<Chunk>(PIECES_IN_FLIGHT);
    let failed = chunks.clone();
    tokio::spawn(async move {
        if let Err(e) = pack.write_section(section, &out).await {
            log_failure(section.file_name(), &e);
            let error = Err(io::Error::other(e.to_string()));
            let _ = tokio::time::timeout(STALLED, failed.send(error)).await;
        }
    });
    tokio::spawn(async move {
        while let Some(piece) = pieces.recv().await {
            if let Piece::Text(text) = piece {
                let sent = tokio::time::timeout(STALLED, chunks.send(Ok(Bytes::from(text)))).await;
                if !matches!(sent, Ok(Ok(()))) {
                    return;
                }
            }
        }
    });
    download("text/csv; charset=utf-8", &file_name, body)
}

/// The whole pack as one zip, written as it is read.
pub fn zip_body(pack: Pack, file_name: String) -> Response {
    let (out, pieces) = Out::channel();
    let (chunks, body) = mpsc::channel::<Chunk>(PIECES_IN_FLIGHT);
    let modified = zip_time(&pack);
    let (failures, failed) = tokio::sync::oneshot::channel::<String>();
    tokio::spawn(async move {
        if let Err(e) = pack.write_zip_files(&out).await {
            log_failure("evidence.zip", &e);
            let _ = failures.send(e.to_string());
        }
    });
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let on_error = runtime.clone();
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(modified);
        let sink = ChunkWriter {
            chunks: chunks.clone(),
            buffer: Vec::with_capacity(ZIP_CHUNK),
            runtime,
        };
        match write_zip(sink, pieces, failed, options) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                let _ = on_error.block_on(tokio::time::timeout(STALLED, chunks.send(Err(e))));
            }
        }
    });
    download("application/zip", &file_name, body)
}

/// The zip's entries' time: when the pack was made, by the collector's clock (the format has no
/// time zone; this is UTC, and before 1980 it cannot say).
fn zip_time(pack: &Pack) -> zip::DateTime {
    let now = pack.now;
    u16::try_from(now.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                now.month() as u8,
                now.day() as u8,
                now.hour() as u8,
                now.minute() as u8,
                now.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Writes the pieces into a streaming zip until they end; a failure of the writer of the pieces
/// (`failed`) is an error, so the zip is never finished.
fn write_zip(
    sink: ChunkWriter,
    mut pieces: mpsc::Receiver<Piece>,
    mut failed: tokio::sync::oneshot::Receiver<String>,
    options: SimpleFileOptions,
) -> io::Result<()> {
    let mut zip = ZipWriter::new_stream(sink);
    while let Some(piece) = pieces.blocking_recv() {
        match piece {
            Piece::File(name) => zip.start_file(name, options).map_err(io::Error::other)?,
            Piece::Text(text) => zip.write_all(text.as_bytes())?,
        }
    }
    // The pieces ended: finished, or failed (the sender is dropped after it reports).
    if let Ok(error) = failed.try_recv() {
        return Err(io::Error::other(error));
    }
    let mut sink = zip.finish().map_err(io::Error::other)?.into_inner();
    sink.flush()
}

/// The zip's output: gathered into chunks and handed to the body, waiting while the body is full
/// (at most [`STALLED`]: the thread is the blocking pool's, and must come back).
struct ChunkWriter {
    chunks: mpsc::Sender<Chunk>,
    buffer: Vec<u8>,
    runtime: tokio::runtime::Handle,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(ZIP_CHUNK));
        let sent = self.runtime.block_on(tokio::time::timeout(
            STALLED,
            self.chunks.send(Ok(Bytes::from(chunk))),
        ));
        match sent {
            Ok(Ok(())) => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "download cancelled or stalled",
            )),
        }
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= ZIP_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send()
    }
}
