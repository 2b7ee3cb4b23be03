//! pimap finds personal data in file shares and writes a data inventory.
//!
//! ```text
//!  walk ──► source/ ──► detect/ ──► scan/ (rayon tasks) ──► FindingSink + inventory
//!  paths    formats     tokens →      pool: tasks in order    report/: JSON Lines,
//!           → records   validators →  worker: file dispatch   JSON, reports,
//!           with        context       record, columns,        stderr summary
//!           locations                 values, refresh, judge
//! ```
//!
//! Data flows one way. `detect` never sees files; `source` never sees detectors; `scan` is
//! the only module that knows them all. Detector definitions are data (`detectors/*.toml`,
//! embedded at build time).

pub mod budget;
pub mod cli;
pub mod detect;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod identity;
pub mod inventory;
pub mod locate;
pub mod merge;
pub mod progress;
pub mod report;
pub mod scan;
pub mod schema;
pub mod settings_file;
pub mod shard;
pub mod source;
pub mod terminal;
pub mod walk;

use cli::{Command, DiffArgs, MergeArgs, ScanArgs};
use report::output::{self, Output};
use report::FindingsWriter;
use std::io::Write;
use std::path::Path;

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
    /// `pimap diff --fail-on`: a condition asked for holds (the lines are on stderr).
    Alert = 3,
}

/// Why a command could not do its work (exit 2). Each prints as what to tell the user.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] cli::ConfigError),
    #[error(transparent)]
    Detectors(#[from] cli::DetectorsError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error(transparent)]
    Scan(#[from] scan::ScanError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Report(#[from] report::document::ReportError),
    #[error(transparent)]
    Locate(#[from] locate::LocateError),
    #[error(transparent)]
    Merge(#[from] merge::MergeError),
    #[error(transparent)]
    Policy(#[from] inventory::policy::PolicyError),
    #[error("--findings and -o cannot both go to standard output")]
    BothToStdout,
    #[error("{}: a file of the scanned tree that pimap did not write; it is not replaced (choose another output)", terminal::printable(.0))]
    TreeFile(String),
    #[error(
        "nothing written: {why} (baseline {}). Is the share mounted? If the files really are gone, pass --allow-shrink",
        terminal::printable(.baseline)
    )]
    Shrink { why: String, baseline: String },
    #[error("cannot write the changes: {0}")]
    Changes(#[source] std::io::Error),
    #[error("cannot write the schema: {0}")]
    Schema(#[source] std::io::Error),
    #[error("cannot encode the changes: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why an inventory cannot be read. Never quotes the file's content (it may be anything).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read {}: {source}", terminal::printable(.path))]
    Read { path: String, source: std::io::Error },
    #[error("{} is not a pimap inventory ({category} error at line {line}, column {column})", terminal::printable(.path))]
    Json {
        path: String,
        category: String,
        line: usize,
        column: usize,
    },
    #[error("{} is not a pimap inventory (schema {schema:?})", terminal::printable(.path))]
    Schema { path: String, schema: String },
}

/// Runs a parsed command line; messages go to stderr.
pub fn run(args: cli::Args) -> Exit {
    let result = match args.command {
        Command::Scan(scan) => run_scan(&scan),
        Command::Detectors { detectors } => list_detectors(detectors.as_ref()),
        Command::Report(report) => report::document::run(&report::document::ReportRequest {
            inventory: &report.inventory,
            format: report.format,
            output: report.output.as_deref(),
            lang: report.lang,
        })
        .map_err(CommandError::from),
        Command::Diff(diff) => run_diff(&diff),
        Command::Locate(locate) => locate::run(&locate::LocateRequest {
            inventory: &locate.inventory,
            values: &locate.values,
            key_file: locate.key_file.as_deref(),
            json: locate.json,
            detectors: locate.detectors.as_deref(),
        })
        .map_err(CommandError::from),
        Command::Merge(merge) => run_merge(&merge),
        Command::Schema { output } => print_schema(output.schema()),
    };
    result.unwrap_or_else(|e| {
        eprintln!("pimap: {e}");
        Exit::Failed
    })
}

/// A policy rule naming a category no detector reports can never fire: say so, once per
/// rule and category, before the scan (the scan still runs: the rule may be meant for
/// detectors added later).
fn warn_of_rules_matching_nothing(policy: &inventory::policy::Policy, detectors: &detect::DetectorSet) {
    let reported: Vec<finding::Category> = detectors
        .detectors()
        .iter()
        .filter(|d| d.report)
        .map(|d| d.category)
        .collect();
    for (rule, category) in policy.categories_not_reported(&reported) {
        eprintln!(
            "pimap: warning: policy rule {:?} names category {} but no detector reports it: the rule matches nothing for it",
            terminal::printable(rule),
            category.as_str()
        );
    }
}

fn run_scan(args: &ScanArgs) -> Result<Exit, CommandError> {
    let (mut config, notes) = args.config()?;
    for note in &notes {
        eprintln!("pimap: note: {}", terminal::printable(note));
    }
    warn_of_rules_matching_nothing(&config.policy, &config.detectors);
    let outputs = ScanOutputs::open(args, &config.roots)?;
    // Our own outputs are never inputs: excluded by identity, so no name or glob pattern can
    // make the scan read its own growing findings file, or hide another root's file.
    config.walk.own_outputs = outputs.identities();
    config
        .walk
        .own_outputs
        .extend(args.baseline.as_deref().and_then(walk::FileId::of_path));
    if args.reveal && args.findings.is_none() && !args.quiet {
        eprintln!("pimap: note: --reveal without --findings only shows file and member names unmasked");
    }
    if config.baseline.is_some() && args.findings.is_some() && !args.quiet {
        eprintln!("pimap: note: with --baseline, --findings lists the findings of files read again, not of reused ones");
    }
    // Without an inventory to write, a findings reader that goes away (`| head`) ends the scan.
    let mut writer = FindingsWriter::new(outputs.findings, outputs.inventory.is_none());
    let mut sink = report::sink::JsonLines::new(&mut writer, config.reveal)
        .with_stores(!config.stores.is_empty())
        .with_ids(identity::Ids::of(&config.key));
    let inventory = match scan::run(&config, &mut sink) {
        Ok(inv) => inv,
        Err(e) if e.is_broken_pipe() => return Ok(Exit::Ok),
        Err(e) => return Err(e.into()),
    };
    if writer.reader_gone() && !args.quiet {
        eprintln!("pimap: note: the findings' reader went away before the end; the inventory is complete");
    }
    let findings_out = writer.into_output()?;
    if let (Some(baseline), false) = (&config.baseline, args.allow_shrink) {
        if let Some(why) = inventory::shrink::refusal(&baseline.inventory, &inventory) {
            // Dropping the outputs removes their temporary files: nothing is replaced.
            return Err(CommandError::Shrink {
                why,
                baseline: walk::display_name(&baseline.file),
            });
        }
    }
    // A shard may well hold nothing of a small root.
    let whole_roots = config.selection.shard.is_none();
    for root in inventory::shrink::empty_roots(&inventory)
        .into_iter()
        .filter(|_| whole_roots)
    {
        eprintln!(
            "pimap: warning: {} holds no files (is the share mounted?)",
            terminal::printable(root)
        );
    }
    if let Some(out) = findings_out {
        out.commit()?;
    }
    let written = match outputs.inventory {
        Some(out) => {
            let shown = out.shown().to_string();
            report::write_inventory(out, &inventory)?;
            Some(shown)
        }
        None => None,
    };
    if !args.quiet {
        eprintln!("{}", report::summary(&inventory, written.as_deref()));
    }
    Ok(exit_of(&inventory))
}

/// The exit status of a scan (or of the merge of its parts) that wrote `inventory`.
fn exit_of(inventory: &inventory::Inventory) -> Exit {
    if inventory.totals.files == 0 && !inventory.errors.is_empty() {
        // Nothing could be scanned: say why even with -q.
        for e in &inventory.errors {
            eprintln!(
                "pimap: {}: {}",
                terminal::printable(&e.path),
                terminal::printable(&e.error)
            );
        }
        Exit::Failed
    } else if inventory.errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    }
}

/// `pimap merge`: every part is read and checked before the output is written.
fn run_merge(args: &MergeArgs) -> Result<Exit, CommandError> {
    let named = |path: &Path| -> Result<merge::Named, CommandError> {
        Ok(merge::Named {
            // Shown in messages: a name cannot drive the terminal.
            shown: terminal::printable(&walk::display_name(path)).into_owned(),
            inventory: read_inventory(path)?,
        })
    };
    let parts = args
        .parts
        .iter()
        .map(|p| named(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Recorded as `changes.baseline_file`, as a refresh records its baseline.
    let baseline = match args.baseline.as_deref() {
        Some(path) => Some(merge::Named {
            shown: path.display().to_string(),
            inventory: read_inventory(path)?,
        }),
        None => None,
    };
    let policy = match &args.policy {
        Some(path) => inventory::policy::Policy::load(path)?,
        None => inventory::policy::Policy::builtin(),
    };
    let detectors = cli::load_detectors(args.detectors.as_deref())?;
    warn_of_rules_matching_nothing(&policy, &detectors);
    let out = Output::open(&args.inventory)?;
    for part in &args.parts {
        out.must_differ(part)?;
    }
    let settings = merge::MergeSettings {
        policy: &policy,
        detectors: &detectors,
        baseline: baseline.as_ref(),
    };
    let notes = merge::notes(&parts);
    let had_changes = parts.iter().any(|p| p.inventory.changes.is_some());
    let merged = merge::merge(parts, &settings)?;
    if !args.quiet {
        for note in notes {
            eprintln!("pimap: note: {}", terminal::printable(&note));
        }
    }
    if let (Some(b), false) = (&baseline, args.allow_shrink) {
        if let Some(why) = inventory::shrink::refusal(&b.inventory, &merged) {
            return Err(CommandError::Shrink {
                why,
                baseline: walk::display_name(Path::new(&b.shown)),
            });
        }
    }
    if baseline.is_none() && had_changes && !args.quiet {
        eprintln!("pimap: note: the parts were refreshes against baselines; give the previous merged inventory with --baseline to record what changed");
    }
    let shown = out.shown().to_string();
    report::write_inventory(out, &merged)?;
    if !args.quiet {
        eprintln!("{}", report::summary(&merged, Some(&shown)));
    }
    Ok(exit_of(&merged))
}

/// Refuses an output that would replace a file of the scanned tree that pimap did not write
/// (an earlier inventory or findings file may be replaced): the scanned tree is never
/// written to, and a mistyped `--findings exports/orders.csv` must not destroy an export.
fn not_a_tree_file(path: &Path, roots: &[std::path::PathBuf]) -> Result<(), CommandError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() || meta.len() == 0 {
        return Ok(());
    }
    let Ok(target) = std::fs::canonicalize(path) else {
        return Ok(());
    };
    let in_tree = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .any(|root| target.starts_with(root));
    if !in_tree {
        return Ok(());
    }
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.starts_with("{\"path\":") || compact.contains("\"schema\":\"pimap.inventory/") {
        return Ok(());
    }
    Err(CommandError::TreeFile(walk::display_name(path)))
}

/// The files a scan writes, opened before the scan so that a wrong path fails at once.
struct ScanOutputs {
    findings: Option<Output>,
    inventory: Option<Output>,
}

impl ScanOutputs {
    fn open(args: &ScanArgs, roots: &[std::path::PathBuf]) -> Result<ScanOutputs, CommandError> {
        let findings_path = args.findings.as_deref();
        if let (Some(f), Some(i)) = (findings_path, args.inventory.as_deref()) {
            if output::is_stdout(f) && output::is_stdout(i) {
                return Err(CommandError::BothToStdout);
            }
        }
        let open = |p: &Path| {
            if !output::is_stdout(p) {
                not_a_tree_file(p, roots)?;
            }
            Ok::<_, CommandError>(Output::open(p)?)
        };
        let outputs = ScanOutputs {
            findings: findings_path.map(open).transpose()?,
            inventory: args.inventory.as_deref().map(open).transpose()?,
        };
        // What an output must never replace: the inputs of this run and the other output
        // (the inventory may replace the baseline: that is what a refresh does).
        let inputs = [args.policy.as_deref(), args.key_file.as_deref()];
        let file_roots = roots.iter().map(|r| Some(r.as_path()));
        let must_differ = |out: &Option<Output>, others: &mut dyn Iterator<Item = Option<&Path>>| {
            let Some(out) = out else { return Ok(()) };
            others
                .flatten()
                .try_for_each(|other| out.must_differ(other))
                .map_err(CommandError::from)
        };
        must_differ(
            &outputs.findings,
            &mut inputs
                .into_iter()
                .chain(file_roots.clone())
                .chain([args.baseline.as_deref(), args.inventory.as_deref()]),
        )?;
        must_differ(&outputs.inventory, &mut inputs.into_iter().chain(file_roots))?;
        Ok(outputs)
    }

    fn identities(&self) -> Vec<walk::FileId> {
        [&self.findings, &self.inventory]
            .into_iter()
            .flatten()
            .flat_map(Output::identities)
            .collect()
    }
}

/// Reads an inventory written by `pimap scan -o` (any schema version: later fields default).
pub fn read_inventory(path: &std::path::Path) -> Result<inventory::Inventory, InventoryError> {
    let shown = || walk::display_name(path);
    let text =
        settings_file::read(path, settings_file::INVENTORY_CAP).map_err(|source| InventoryError::Read {
            path: shown(),
            source,
        })?;
    parse_inventory(&text, &shown)
}

/// The inventory in `text`, as `read_inventory` judges it; `shown` names the file in errors.
/// Public for the fuzz targets.
#[doc(hidden)]
pub fn parse_inventory(
    text: &[u8],
    shown: &dyn Fn() -> String,
) -> Result<inventory::Inventory, InventoryError> {
    // serde's message may quote a value of the file (which might be anything): say only where.
    let inventory: inventory::Inventory = serde_json::from_slice(text).map_err(|e| InventoryError::Json {
        path: shown(),
        category: format!("{:?}", e.classify()),
        line: e.line(),
        column: e.column(),
    })?;
    if !inventory.schema.starts_with("pimap.inventory/") {
        return Err(InventoryError::Schema {
            path: shown(),
            schema: inventory.schema,
        });
    }
    let mut inventory = inventory;
    inventory.join_paths();
    Ok(inventory)
}

fn run_diff(args: &DiffArgs) -> Result<Exit, CommandError> {
    let old = read_inventory(&args.old)?;
    let new = read_inventory(&args.new)?;
    let mut changes = inventory::changes::compare(&old, &new);
    changes.baseline_file = Some(args.old.display().to_string());
    if args.json && !new.stores.is_empty() {
        inventory::stores::split_change_paths(&mut changes);
    }
    let text = if args.json {
        serde_json::to_string_pretty(&changes)? + "\n"
    } else {
        inventory::changes::render_text(&changes)
    };
    // Deltas between scans with other detectors say more about the scanner than the data.
    if old.tool.detectors != new.tool.detectors || old.tool.min_confidence != new.tool.min_confidence {
        eprintln!("pimap: note: the two inventories were made with other detectors or thresholds; some changes come from that");
    }
    // A reader that stops early (`pimap diff a b | head`) is not an error.
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CommandError::Changes(e));
        }
    }
    let conditions: Vec<_> = args.fail_on.iter().map(|f| f.condition()).collect();
    let sensitive = inventory::alerts::sensitive_categories(&detect::DetectorSet::builtin());
    let alerts = inventory::alerts::triggered(&changes, &conditions, &sensitive);
    for line in &alerts {
        eprintln!("pimap: fail-on {}", terminal::printable(line));
    }
    Ok(match alerts.is_empty() {
        true => Exit::Ok,
        false => Exit::Alert,
    })
}

/// Prints a schema document as it is in `docs/schema/`.
fn print_schema(schema: schema::Schema) -> Result<Exit, CommandError> {
    // A reader that stops early (`pimap schema inventory | head`) is not an error.
    match std::io::stdout().lock().write_all(schema.text().as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CommandError::Schema(e)),
        _ => Ok(Exit::Ok),
    }
}

fn list_detectors(dir: Option<&std::path::PathBuf>) -> Result<Exit, CommandError> {
    let set = cli::load_detectors(dir.map(std::path::PathBuf::as_path))?;
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
            set.recognise(ex, None, &mut scratch, &mut hits, &mut rejected);
            hits.iter().find(|h| h.detector == d).map(|h| {
                let mut masked = String::new();
                detect::mask::mask_finding(&h.value, h.parts.as_ref(), &det.mask, &mut masked);
                masked
            })
        });
        rows.push([
            det.id.clone(),
            det.category.as_str().into(),
            match det.report {
                true => det.sensitivity.as_str().into(),
                false => "-".into(),
            },
            example.unwrap_or_else(|| "-".into()),
            match det.report {
                true => det.description.clone(),
                false => format!("(not reported) {}", det.description),
            },
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
