//! Writing the evidence pack's sections as they are read: each section's CSV text, in chunks of
//! a batch of rows, goes through a small bounded channel ([`Out`]) to whoever sends it on — the
//! HTTP body of one CSV download, or the zip writer (`zip_body`). Rows are read from one snapshot
//! (`store::PackReader`) as the database produces them, and the CPU work of a batch (decoding a
//! host's stored inventory, a finding's detail, the risk rule, CSV) runs on the blocking pool, so a
//! pack of 100,000 hosts neither holds more than a few batches nor stalls the other requests.

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::mpsc;

use super::html::{self, About};
use super::requirements::{REQUIREMENTS, Wording};
use super::rows::{
    AssetCsvRow, AssetExtras, Item, ItemCsvRow, ProductTotalRow, RequirementCsvRow, SiteTotalRow,
    Tallies, product_totals, site_totals,
};
use super::section::Section;
use crate::csv::{CsvError, CsvWriter};
use crate::state::Shared;
use crate::store::{AssetRow, ItemKey, ItemRow, PackReader, Selection};

/// Rows handed to the blocking pool at a time: big enough that the hand-over costs nothing, small
/// enough that a batch of hosts with their stored inventories (~10 KB each) stays a few MB.
const BATCH: usize = 256;

/// Pieces waiting to be sent on; with the batch size, what bounds the pack's memory.
pub const PIECES_IN_FLIGHT: usize = 4;

/// How long a download may take nothing before it is given up: a client that stops reading must
/// not hold a pack's turn (`admission`) and database connection for ever.
pub const STALLED: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a pack could not be written to the end.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A row could not be written as CSV (a programming error).
    #[error("{0}")]
    Csv(#[from] CsvError),
    /// A batch's work on the blocking pool failed.
    #[error("evidence pack worker: {0}")]
    Worker(#[from] tokio::task::JoinError),
    /// The reader went away (the download was cancelled, or stalled for [`STALLED`]): nothing
    /// more to write.
    #[error("the download was cancelled or stalled")]
    Gone,
}

/// A piece of the pack on its way out.
#[derive(Debug)]
pub enum Piece {
    /// A new file of the zip begins (ignored by a single CSV download).
    File(&'static str),
    /// Text of the current file.
    Text(String),
}

/// Where sections are written: pieces, in order, through a bounded channel.
pub struct Out {
    pieces: mpsc::Sender<Piece>,
}

impl Out {
    /// An output and the receiving end of its pieces.
    pub fn channel() -> (Out, mpsc::Receiver<Piece>) {
        let (pieces, receiver) = mpsc::channel(PIECES_IN_FLIGHT);
        (Out { pieces }, receiver)
    }

    async fn send(&self, piece: Piece) -> Result<(), PackError> {
        match tokio::time::timeout(STALLED, self.pieces.send(piece)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(PackError::Gone),
        }
    }

    async fn file(&self, name: &'static str) -> Result<(), PackError> {
        self.send(Piece::File(name)).await
    }

    async fn text(&self, text: String) -> Result<(), PackError> {
        if text.is_empty() {
            return Ok(());
        }
        self.send(Piece::Text(text)).await
    }
}

/// What every section of one pack shares.
pub struct Pack {
    /// The collector.
    pub state: Shared,
    /// What the pack is about (the caller's organisations, or `?org=`'s, and filters).
    pub selection: Selection,
    /// The organisation it is for, as people refer to it.
    pub organisation: String,
    /// The day it is made (the collector's clock).
    pub today: NaiveDate,
    /// When it is made.
    pub now: DateTime<Utc>,
    /// Hosts last seen before this are stale.
    pub stale_cutoff: String,
    /// The catalogue the verdicts rest on.
    pub catalog_version: String,
    /// Where that catalogue came from.
    pub catalog_origin: String,
    /// Its turn among the packs being made (`admission`), held until it is written.
    pub _turn: tokio::sync::OwnedSemaphorePermit,
}

impl Pack {
    /// What its pages say about it.
    pub fn about(&self) -> About<'_> {
        About {
            organisation: &self.organisation,
            now: self.now,
            today: self.today,
            catalog_version: &self.catalog_version,
            catalog_origin: &self.catalog_origin,
        }
    }

    /// The header row of a CSV section.
    fn header<'de, T: serde::Deserialize<'de>>() -> String {
        CsvWriter::for_rows::<T>().finish()
    }

    /// Writes the asset register: every host, in batches decoded off the runtime while the next
    /// batch is read.
    pub async fn write_assets(&self, reader: &mut PackReader, out: &Out) -> Result<(), PackError> {
        out.text(Self::header::<AssetCsvRow>()).await?;
        let (batches, mut received) = mpsc::channel::<Vec<AssetRow>>(1);
        let read = async move {
            reader
                .each_asset(&self.selection, &self.stale_cutoff, BATCH, &batches)
                .await
        };
        let write = async {
            while let Some(rows) = received.recv().await {
                let cutoff = self.stale_cutoff.clone();
                let text = tokio::task::spawn_blocking(move || -> Result<String, CsvError> {
                    let mut w = CsvWriter::default();
                    for row in &rows {
                        w.serialize(&AssetExtras::of(row, &cutoff).csv_row(row))?;
                    }
                    Ok(w.finish())
                })
                .await??;
                out.text(text).await?;
            }
            Ok::<(), PackError>(())
        };
        let (read, write) = tokio::join!(read, write);
        // The write's error first: it is why a read stops early.
        write?;
        Ok(read?)
    }

    /// Writes every item with its risk record, and counts them by site and product.
    pub async fn write_items(
        &self,
        reader: &mut PackReader,
        out: &Out,
    ) -> Result<Tallies, PackError> {
        out.text(Self::header::<ItemCsvRow>()).await?;
        let (batches, mut received) = mpsc::channel::<Vec<ItemRow>>(1);
        let read = async move {
            reader
                .each_item(&self.selection, &self.stale_cutoff, true, BATCH, &batches)
                .await
        };
        let write = async {
            let mut tallies = Tallies::default();
            while let Some(rows) = received.recv().await {
                let (today, version) = (self.today, self.catalog_version.clone());
                let open = tallies.hand_on();
                let (text, counted) =
                    tokio::task::spawn_blocking(move || -> Result<(String, Tallies), CsvError> {
                        let report_date = today.to_string();
                        let mut w = CsvWriter::default();
                        let mut tallies = Tallies::continuing(open);
                        for row in rows {
                            let item = Item::of(row, today);
                            tallies.add_item(&item);
                            w.serialize(&item.csv_row(&report_date, &version))?;
                        }
                        Ok((w.finish(), tallies))
                    })
                    .await??;
                tallies.merge(counted);
                out.text(text).await?;
            }
            tallies.finish();
            Ok::<Tallies, PackError>(tallies)
        };
        let (read, write) = tokio::join!(read, write);
        let tallies = write?;
        read?;
        Ok(tallies)
    }

    /// Counts the items by site and product without writing them (for the totals alone): only
    /// their keys and risk records' review dates are read.
    pub async fn count_items(&self, reader: &mut PackReader) -> Result<Tallies, PackError> {
        let (batches, mut received) = mpsc::channel::<Vec<ItemKey>>(1);
        let read = async move {
            reader
                .each_item_key(&self.selection, &self.stale_cutoff, BATCH * 4, &batches)
                .await
        };
        let count = async {
            let mut tallies = Tallies::default();
            while let Some(keys) = received.recv().await {
                let today = self.today;
                let open = tallies.hand_on();
                let counted = tokio::task::spawn_blocking(move || {
                    let mut tallies = Tallies::continuing(open);
                    for key in &keys {
                        tallies.add_key(key, today);
                    }
                    tallies
                })
                .await?;
                tallies.merge(counted);
            }
            tallies.finish();
            Ok::<Tallies, PackError>(tallies)
        };
        let (read, count) = tokio::join!(read, count);
        let tallies = count?;
        read?;
        Ok(tallies)
    }

    /// The totals by site and by product, given the items' tallies.
    pub async fn totals(
        &self,
        reader: &mut PackReader,
        tallies: &Tallies,
    ) -> Result<(Vec<SiteTotalRow>, Vec<ProductTotalRow>), PackError> {
        let sites = reader
            .site_hosts(&self.selection, &self.stale_cutoff, self.today)
            .await?;
        let products = reader
            .product_installs(&self.selection, &self.stale_cutoff)
            .await?;
        Ok((
            site_totals(sites, tallies),
            product_totals(products, tallies),
        ))
    }

    /// One section as a CSV download of its own.
    pub async fn write_section(&self, section: Section, out: &Out) -> Result<(), PackError> {
        let mut reader = PackReader::open(&self.state.db).await?;
        match section {
            Section::Assets => self.write_assets(&mut reader, out).await?,
            Section::Items => {
                self.write_items(&mut reader, out).await?;
            }
            Section::Sites | Section::Products => {
                let tallies = self.count_items(&mut reader).await?;
                let (sites, products) = self.totals(&mut reader, &tallies).await?;
                let text = if section == Section::Sites {
                    csv_of(&sites)?
                } else {
                    csv_of(&products)?
                };
                out.text(text).await?;
            }
            Section::Requirements => out.text(requirements_csv()?).await?,
        }
        reader.close().await?;
        Ok(())
    }

    /// The whole pack as the files of the zip: `README.txt`, one CSV per section, and
    /// `index.html` (last: it shows the totals, known only once every item has been read).
    pub async fn write_zip_files(&self, out: &Out) -> Result<(), PackError> {
        let mut reader = PackReader::open(&self.state.db).await?;
        out.file("README.txt").await?;
        out.text(self.readme()).await?;
        out.file(Section::Requirements.file_name()).await?;
        out.text(requirements_csv()?).await?;
        out.file(Section::Assets.file_name()).await?;
        self.write_assets(&mut reader, out).await?;
        out.file(Section::Items.file_name()).await?;
        let tallies = self.write_items(&mut reader, out).await?;
        let (sites, products) = self.totals(&mut reader, &tallies).await?;
        reader.close().await?;
        out.file(Section::Sites.file_name()).await?;
        out.text(csv_of(&sites)?).await?;
        out.file(Section::Products.file_name()).await?;
        out.text(csv_of(&products)?).await?;
        out.file("index.html").await?;
        let page = html::standalone(&self.about(), &sites, &products, &tallies);
        out.text(page).await
    }

    /// `README.txt`: what the pack is, for whom, when, on which catalogue, and what answers which
    /// requirement.
    pub fn readme(&self) -> String {
        let mut text = format!(
            "Sunset evidence pack\r\n\r\nOrganisation: {}\r\nDate: {}\r\nGenerated: {}\r\n\
             Catalogue version: {} ({})\r\n\r\n\
             Hosts are the computers that report to Sunset's agent; verdicts rest on the catalogue above.\r\n\
             index.html is the printable summary; the CSV files hold every row.\r\n\r\nFiles:\r\n",
            self.organisation,
            self.today,
            self.now.format("%Y-%m-%d %H:%M UTC"),
            self.catalog_version,
            self.catalog_origin,
        );
        for section in Section::ALL {
            text.push_str(&format!(
                "  {}: {}\r\n",
                section.file_name(),
                section.title()
            ));
        }
        text.push_str("\r\nRequirement mapping:\r\n");
        for r in REQUIREMENTS {
            let files: Vec<&str> = r.answered_by.iter().map(|s| s.file_name()).collect();
            text.push_str(&format!(
                "\r\n{} {}: {}\r\n  Answered by: {}\r\n  How: {}\r\n",
                r.framework.name(),
                r.id,
                r.topic,
                files.join(", "),
                r.how
            ));
            match r.wording {
                Wording::Quoted {
                    text: words,
                    source,
                    url,
                    read_on,
                } => text.push_str(&format!(
                    "  Wording: \"{words}\"\r\n  Source: {source}, {url} (read {read_on})\r\n"
                )),
                Wording::NotFound => {
                    text.push_str("  Wording: the exact 2025-26 wording was not found.\r\n")
                }
            }
            text.push_str(&format!("  Note: {}\r\n", r.note));
        }
        text
    }
}

/// Rows as CSV text with their header.
pub fn csv_of<T>(rows: &[T]) -> Result<String, CsvError>
where
    T: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let mut w = CsvWriter::for_rows::<T>();
    for row in rows {
        w.serialize(row)?;
    }
    Ok(w.finish())
}

/// `requirements.csv`.
pub fn requirements_csv() -> Result<String, CsvError> {
    let mut w = CsvWriter::for_rows::<RequirementCsvRow>();
    for r in REQUIREMENTS {
        w.serialize(&RequirementCsvRow::of(r))?;
    }
    Ok(w.finish())
}
