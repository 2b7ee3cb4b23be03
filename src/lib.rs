//! pimap finds personal data in file shares and writes a data inventory.
//!
//! ```text
//!  walk ──► source/ ──► detect/ ──► scan (per-thread workers) ──► report/ + inventory
//!  paths    formats     tokens →      findings batches in          JSON Lines, JSON,
//!           → records   validators →  path order, column stats     stderr summary
//!           with        context
//!           locations
//! ```
//!
//! Data flows one way. `detect` never sees files; `source` never sees detectors; `scan` is
//! the only module that knows them all. Detector definitions are data (`detectors/*.toml`,
//! embedded at build time).

pub mod cli;
pub mod detect;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod inventory;
pub mod locate;
pub mod report;
pub mod scan;
pub mod source;
pub mod terminal;
pub mod walk;

use cli::{Command, DiffArgs, ScanArgs};
use report::FindingsWriter;
use std::io::Write;

/// Findings below this confidence are not reported unless `--min-confidence` says otherwise.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.5;

/// The contract's exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The scan finished (whether or not personal data was found).
    Ok = 0,
    /// The scan finished, but some inputs could not be read.
    Partial = 1,
    /// Usage error, or nothing could be scanned.
    Failed = 2,
}

/// Runs a parsed command line; messages go to stderr.
pub fn run(args: cli::Args) -> Exit {
    let result = match args.command {
        Command::Scan(scan) => run_scan(&scan),
        Command::Detectors { detectors } => list_detectors(detectors.as_ref()),
        Command::Report(report) => report::document::run(&report).map_err(|e| e.to_string()),
        Command::Diff(diff) => run_diff(&diff),
        Command::Locate(locate) => locate::run(&locate).map_err(|e| e.to_string()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("pimap: {message}");
        Exit::Failed
    })
}

fn run_scan(args: &ScanArgs) -> Result<Exit, String> {
    let mut config = args.config()?;
    // Never scan our own output files, wherever they are written.
    let mut outputs = Vec::new();
    let findings_out: Option<Box<dyn Write + Send>> = match args.findings.as_deref() {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let file = report::create_private(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            outputs.push(path);
            Some(Box::new(file))
        }
    };
    if let Some(path) = &args.inventory {
        // Fail early (before a long scan) if the inventory cannot be written.
        report::check_writable(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        outputs.push(path.clone());
    }
    // The baseline is pimap's own output too (often next to the new inventory).
    outputs.extend(args.baseline.iter().cloned());
    for out in &outputs {
        if let Ok(abs) = std::fs::canonicalize(out) {
            for root in &config.roots {
                if let (Ok(root), Some(_)) = (std::fs::canonicalize(root), abs.file_name()) {
                    if let Ok(rel) = abs.strip_prefix(&root) {
                        config.walk.excludes.push(format!("/{}", rel.to_string_lossy()));
                    }
                }
            }
        }
    }
    if config.baseline.is_some() && args.findings.is_some() && !args.quiet {
        eprintln!("pimap: note: with --baseline, --findings lists the findings of files read again, not of reused ones");
    }
    let mut writer = FindingsWriter::new(findings_out);
    let inventory = match scan::run(&config, &mut writer) {
        Ok(inv) => inv,
        Err(e) if e.is_broken_pipe() => return Ok(Exit::Ok),
        Err(e) => return Err(e.to_string()),
    };
    if let Some(path) = &args.inventory {
        report::write_inventory(path, &inventory)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if !args.quiet {
        eprintln!("{}", report::summary(&inventory));
    }
    Ok(if inventory.totals.files == 0 && !inventory.errors.is_empty() {
        // Nothing could be scanned: say why even with -q.
        for e in &inventory.errors {
            eprintln!("pimap: {}: {}", e.path, e.error);
        }
        Exit::Failed
    } else if inventory.errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    })
}

/// Reads an inventory written by `pimap scan -o` (any schema version: later fields default).
pub fn read_inventory(path: &std::path::Path) -> Result<inventory::Inventory, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // serde's message may quote a value of the file (which might be anything): say only where.
    let inventory: inventory::Inventory = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a pimap inventory ({:?} error at line {}, column {})",
            path.display(),
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if !inventory.schema.starts_with("pimap.inventory/") {
        return Err(format!(
            "{} is not a pimap inventory (schema {:?})",
            path.display(),
            inventory.schema
        ));
    }
    Ok(inventory)
}

fn run_diff(args: &DiffArgs) -> Result<Exit, String> {
    let old = read_inventory(&args.old)?;
    let new = read_inventory(&args.new)?;
    let mut changes = inventory::changes::compare(&old, &new);
    changes.baseline_file = Some(args.old.display().to_string());
    let text = if args.json {
        serde_json::to_string_pretty(&changes).map_err(|e| e.to_string())? + "\n"
    } else {
        inventory::changes::render_text(&changes)
    };
    // Deltas between scans with other detectors say more about the scanner than the data.
    if old.tool.detectors != new.tool.detectors || old.tool.min_confidence != new.tool.min_confidence {
        eprintln!("pimap: note: the two inventories were made with other detectors or thresholds; some changes come from that");
    }
    // A reader that stops early (`pimap diff a b | head`) is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write the changes: {e}")),
        _ => Ok(Exit::Ok),
    }
}

fn list_detectors(dir: Option<&std::path::PathBuf>) -> Result<Exit, String> {
    let set = cli::load_detectors(dir)?;
    let mut rows = vec![[
        "ID".to_string(),
        "CATEGORY".into(),
        "PIPL".into(),
        "EXAMPLE (masked)".into(),
        "DESCRIPTION".into(),
    ]];
    let mut scratch = detect::Scratch::default();
    for (d, det) in set.detectors().iter().enumerate() {
        let mut hits = Vec::new();
        let mut rejected = vec![0; set.detectors().len()];
        let example = det.examples.iter().find_map(|ex| {
            hits.clear();
            set.scan(ex, None, &mut scratch, &mut hits, &mut rejected);
            hits.iter().find(|h| h.detector == d).map(|h| {
                let mut masked = String::new();
                detect::mask::mask_finding(&h.value, h.parts.as_ref(), &det.mask, &mut masked);
                masked
            })
        });
        rows.push([
            det.id.clone(),
            det.category.as_str().into(),
            det.sensitivity.as_str().into(),
            example.unwrap_or_else(|| "-".into()),
            det.description.clone(),
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = std::io::stdout().lock();
    for r in &rows {
        let mut line = String::new();
        for (i, w) in widths.iter().enumerate() {
            line.push_str(&r[i]);
            line.push_str(&" ".repeat(w - r[i].chars().count() + 2));
        }
        line.push_str(&r[4]);
        if writeln!(out, "{}", line.trim_end()).is_err() {
            break;
        }
    }
    Ok(Exit::Ok)
}
