//! `sunset-catalog`: keeps the end-of-support catalogue current and ships it signed.
//!
//! Thin glue over `sunset_catalog_tool::import` and `sunset_catalog::bundle`: this file reads and writes files and maps
//! outcomes to exit codes (0 ok, 1 problems found or verification failed, 2 could not run).
//! Every problem it prints names a file and line.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use sunset_catalog::Catalog;
use sunset_catalog::bundle::{self, Bundle};
use sunset_catalog::catalog::LoadError;
use sunset_catalog_tool::import::{self, SourcePage, endoflife_date};

/// Largest catalogue file read.
const MAX_CATALOG_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Largest key file read.
const MAX_KEY_FILE_BYTES: u64 = 4096;

#[derive(Parser)]
#[command(
    name = "sunset-catalog",
    version,
    about = "Import, check, diff and sign the Sunset end-of-support catalogue"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Update the catalogue's dates from an upstream source (match rules and ranges are kept).
    #[command(subcommand)]
    Import(Source),
    /// Validate a catalogue directory, with overlay directories laid over it in the order given
    /// (as the collector's `catalog_overlay_dir`); every problem is printed with file:line.
    Check {
        /// The catalogue directory (`*.toml`).
        dir: PathBuf,
        /// An overlay directory (`*.toml`: new products, `[[override]]`, `[[reviewed]]`).
        #[arg(long = "overlay", value_name = "DIR")]
        overlays: Vec<PathBuf>,
    },
    /// Show what changes for findings between two catalogue directories.
    Diff {
        /// The catalogue before.
        old: PathBuf,
        /// The catalogue after.
        new: PathBuf,
        /// Judge statuses on this day (YYYY-MM-DD) instead of today.
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Exit with 1 when there are differences.
        #[arg(long)]
        exit_code: bool,
    },
    /// Make an Ed25519 key pair: `<out>.key` (secret, mode 0600) and `<out>.pub`.
    Keygen {
        /// Path prefix of the two files.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a catalogue directory and write it as one signed bundle.
    Sign {
        /// The catalogue directory.
        dir: PathBuf,
        /// The secret key file.
        #[arg(long)]
        key: PathBuf,
        /// The bundle file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a bundle's signature and its catalogue.
    Verify {
        /// The bundle file.
        bundle: PathBuf,
        /// The public key file.
        #[arg(long = "pub")]
        public: PathBuf,
    },
}

#[derive(Subcommand)]
enum Source {
    /// Import from endoflife.date: the repository's product pages (`products/<id>.md`) or the
    /// public API's JSON, one file per product (`<id>.json`, saved from
    /// `https://endoflife.date/api/v1/products/<id>` or `https://endoflife.date/api/<id>.json`).
    #[command(name = "endoflife-date")]
    EndoflifeDate {
        /// The directory of product pages or API files (`<id>.json` is read when present, else
        /// `<id>.md`).
        products_dir: PathBuf,
        /// The catalogue directory to update.
        #[arg(long, default_value = "catalog/data")]
        catalog: PathBuf,
        /// The upstream commit to record (default: the one `<products-dir>/../SOURCE.md` names).
        #[arg(long)]
        revision: Option<String>,
        /// Report only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Import(Source::EndoflifeDate {
            products_dir,
            catalog,
            revision,
            dry_run,
        }) => import_endoflife_date(&products_dir, &catalog, revision, dry_run),
        Command::Check { dir, overlays } => check(&dir, &overlays),
        Command::Diff {
            old,
            new,
            today,
            exit_code,
        } => diff(&old, &new, today, exit_code),
        Command::Keygen { out } => keygen(&out),
        Command::Sign { dir, key, out } => sign(&dir, &key, &out),
        Command::Verify { bundle, public } => verify(&bundle, &public),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sunset-catalog: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads a file of at most `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!("{}: larger than {limit} bytes", path.display());
    }
    Ok(bytes)
}

fn read_text(path: &Path, limit: u64) -> Result<String> {
    String::from_utf8(read_bounded(path, limit)?)
        .with_context(|| format!("{}: not UTF-8", path.display()))
}

/// The `*.toml` files of a catalogue directory in name order, as `(path, text)`.
fn read_catalog(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir)
        .with_context(|| format!("cannot read catalogue directory {}", dir.display()))?
    {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| Ok((p.clone(), read_text(&p, MAX_CATALOG_FILE_BYTES)?)))
        .collect()
}

fn named(files: &[(PathBuf, String)]) -> Vec<(String, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.display().to_string(), t.as_str()))
        .collect()
}

/// Prints a catalogue's load problems (each `file:line:column: field: message`).
fn print_problems(error: &LoadError) {
    match error {
        LoadError::Invalid(problems) => {
            for problem in problems {
                println!("{problem}");
            }
            println!("{} problem(s)", problems.len());
        }
        other => println!("{other}"),
    }
}

/// Writes a file through a temporary file in the same directory, so a reader never sees half.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut file =
        fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

fn import_endoflife_date(
    products_dir: &Path,
    catalog_dir: &Path,
    revision: Option<String>,
    dry_run: bool,
) -> Result<ExitCode> {
    let files = read_catalog(catalog_dir)?;
    let named_files = named(&files);
    let mut pages = std::collections::BTreeMap::new();
    let mut markdown = false;
    for id in import::endoflife_date_products(&named_files) {
        let json = products_dir.join(format!("{id}.json"));
        let page = products_dir.join(format!("{id}.md"));
        let path = if json.is_file() {
            json
        } else if page.is_file() {
            markdown = true;
            page
        } else {
            continue;
        };
        let text = read_text(&path, endoflife_date::MAX_PAGE_BYTES as u64)?;
        let name = path.display().to_string();
        pages.insert(id, SourcePage { name, text });
    }
    let notes = products_dir.join("..").join("SOURCE.md");
    let notes = if markdown && notes.is_file() {
        Some(read_text(&notes, 1024 * 1024)?)
    } else {
        None
    };
    let revision = revision.or_else(|| {
        notes
            .as_deref()
            .and_then(endoflife_date::revision_from_source_notes)
    });
    let pages_date = notes
        .as_deref()
        .and_then(endoflife_date::committed_date_from_source_notes);
    let imported =
        import::import_endoflife_date_as_of(&named_files, &pages, revision.as_deref(), pages_date);
    print!("{}", imported.report);
    if revision.is_none() {
        println!(
            "note: no revision given and none found in SOURCE.md: source.revision left as it is"
        );
    }
    if imported.report.data_date.is_none() {
        println!(
            "note: the data's date is not known for every product (API files carry it; pages need \
             a SOURCE.md with the commit date): the catalogue's date is left as it is"
        );
    }
    let new_files: Vec<(&str, &str)> = imported
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.text.as_str()))
        .collect();
    if let Err(error) = Catalog::from_files(&new_files) {
        println!("\nthe updated catalogue does not load; nothing written:");
        print_problems(&error);
        return Ok(ExitCode::from(1));
    }
    // `imported.files` is in input order: pair each with the path it was read from.
    let changed: Vec<_> = files
        .iter()
        .zip(&imported.files)
        .filter(|(_, f)| f.changed)
        .collect();
    if dry_run {
        println!("\ndry run: {} file(s) would change", changed.len());
    } else {
        for (path, file) in &changed {
            write_atomic(&path.0, file.text.as_bytes())?;
        }
        println!("\n{} file(s) written", changed.len());
    }
    Ok(if imported.report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check(dir: &Path, overlay_dirs: &[PathBuf]) -> Result<ExitCode> {
    let files = read_catalog(dir)?;
    let mut overlays = Vec::new();
    for overlay in overlay_dirs {
        overlays.extend(read_catalog(overlay)?);
    }
    match Catalog::from_layers(&named(&files), &named(&overlays)) {
        Ok(catalog) => {
            let cycles: usize = catalog.entries().iter().map(|e| e.releases.len()).sum();
            let layered = if overlays.is_empty() {
                String::new()
            } else {
                let local = catalog
                    .entries()
                    .iter()
                    .filter(|e| e.releases.iter().any(|r| !r.layer.is_built_in()))
                    .count();
                format!(
                    " with {} overlay file(s) ({local} product(s) from or changed by overlays)",
                    overlays.len()
                )
            };
            println!(
                "ok: {}: catalogue {}: {} file(s), {} product(s), {cycles} cycle(s){layered}",
                dir.display(),
                catalog.version(),
                files.len(),
                catalog.entries().len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            print_problems(&error);
            Ok(ExitCode::from(1))
        }
    }
}

fn diff(old: &Path, new: &Path, today: Option<NaiveDate>, exit_code: bool) -> Result<ExitCode> {
    let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (old_files, new_files) = (read_catalog(old)?, read_catalog(new)?);
    match import::diff::diff(&named(&old_files), &named(&new_files), today) {
        Ok(diff) => {
            print!("{diff}");
            Ok(if exit_code && !diff.lines.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(import::diff::DiffError::Old(error)) => {
            println!("old catalogue {} does not load:", old.display());
            print_problems(&error);
            Ok(ExitCode::from(2))
        }
        Err(import::diff::DiffError::New(error)) => {
            println!("new catalogue {} does not load:", new.display());
            print_problems(&error);
            Ok(ExitCode::from(2))
        }
    }
}

fn keygen(prefix: &Path) -> Result<ExitCode> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = bundle::signing_key_from_seed(&seed);
    seed.fill(0);
    let secret_path = with_suffix(prefix, "key");
    let public_path = with_suffix(prefix, "pub");
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&secret_path).with_context(|| {
        format!(
            "cannot create {} (it must not exist yet)",
            secret_path.display()
        )
    })?;
    file.write_all(bundle::encode_signing_key(&key).as_bytes())
        .with_context(|| format!("cannot write {}", secret_path.display()))?;
    let public = bundle::encode_verifying_key(&key.verifying_key());
    fs::write(&public_path, &public)
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    println!(
        "secret key: {} (keep it off agents and collectors)",
        secret_path.display()
    );
    println!("public key: {} = {}", public_path.display(), public.trim());
    Ok(ExitCode::SUCCESS)
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn sign(dir: &Path, key_path: &Path, out: &Path) -> Result<ExitCode> {
    let files = read_catalog(dir)?;
    let catalog = match Catalog::from_files(&named(&files)) {
        Ok(catalog) => catalog,
        Err(error) => {
            print_problems(&error);
            println!("not signed: {} does not check", dir.display());
            return Ok(ExitCode::from(1));
        }
    };
    let key_text = read_text(key_path, MAX_KEY_FILE_BYTES)?;
    let key =
        bundle::decode_signing_key(&key_text).with_context(|| key_path.display().to_string())?;
    let mut bundle_files = Vec::new();
    for (path, text) in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        bundle_files.push((name, text));
    }
    let bundle = Bundle::from_dir_files(catalog.version(), bundle_files)?;
    let bytes = bundle.sign(&key)?;
    write_atomic(out, &bytes)?;
    println!(
        "signed: {}: catalogue {}, {} file(s), {} bytes",
        out.display(),
        bundle.version(),
        bundle.files().len(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(bundle_path: &Path, public_path: &Path) -> Result<ExitCode> {
    let key_text = read_text(public_path, MAX_KEY_FILE_BYTES)?;
    let key = bundle::decode_verifying_key(&key_text)
        .with_context(|| public_path.display().to_string())?;
    let bytes = read_bounded(bundle_path, bundle::MAX_BUNDLE_BYTES as u64)?;
    let bundle = match Bundle::parse_and_verify(&bytes, &key) {
        Ok(bundle) => bundle,
        Err(error) => {
            println!("{}: rejected: {error}", bundle_path.display());
            return Ok(ExitCode::from(1));
        }
    };
    match bundle.catalog() {
        Ok(catalog) => {
            let cycles: usize = catalog.entries().iter().map(|e| e.releases.len()).sum();
            println!(
                "ok: {}: signature verifies with {}; catalogue {} ({} file(s), {} product(s), {cycles} cycle(s))",
                bundle_path.display(),
                public_path.display(),
                bundle.version(),
                bundle.files().len(),
                catalog.entries().len()
            );
            if catalog.version() != bundle.version() {
                println!(
                    "warning: bundle version {} differs from the catalogue's [catalog] version {}",
                    bundle.version(),
                    catalog.version()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!(
                "{}: signature verifies but the catalogue does not load:",
                bundle_path.display()
            );
            print_problems(&error);
            Ok(ExitCode::from(1))
        }
    }
}
