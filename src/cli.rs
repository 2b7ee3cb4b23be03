//! The command line (`../shared/findings-contract.md`): raw arguments (`Args`), then the
//! validated `ScanConfig` built from them.

pub use crate::detect::{load_detectors, DetectorsError};
use crate::fingerprint::Key;
use crate::inventory::policy::Policy;
pub use crate::report::{Lang, ReportFormat};
use crate::scan::{Baseline, ScanConfig};
use crate::source::CHUNK;
use crate::walk::WalkOptions;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const SCAN_EXAMPLES: &str = "\
Examples:
  pimap scan /mnt/shop-share -o inventory.json
      Scan a file share and write the data inventory.
  pimap scan exports/ --findings findings.jsonl --exclude '*.bak' -j 4
      Also write every finding (masked) as JSON Lines, skip backups, use 4 threads.
  pimap scan exports/ --findings - --reveal | jq .
      Print findings with their raw values (handle with care).
  PGPASSWORD=... pimap scan 'postgres://reader@db1:5432/shop' 'mysql://reader@db2:3306/crm' -o inv.json
      Scan live databases, read-only: 10,000 rows of every table (--db-sample; see
      docs/live-databases.md; passwords from PGPASSWORD/~/.pgpass, MYSQL_PWD/~/.my.cnf).
  AWS_PROFILE=shop pimap scan s3://shop-exports/orders /mnt/share -o inv.json
      Scan a bucket (S3, OSS, COS, MinIO: AWS_ENDPOINT_URL) beside a share; credentials
      from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws (docs/object-storage.md).

Exit status: 0 scan finished, 1 finished but some inputs could not be read (see the
inventory's \"errors\"), 2 usage error or nothing could be scanned.";

#[derive(Debug, Parser)]
#[command(
    name = "pimap",
    version,
    about = "Finds personal data (PRC resident IDs, phones, bank cards, addresses, e-mails) in files and writes a data inventory",
    after_help = SCAN_EXAMPLES
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: boxing `ScanArgs` would only move the bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders for personal data.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// List the detectors: id, category, PIPL class, description, a masked example.
    Detectors {
        /// Also load detector definitions (*.toml) from this folder.
        #[arg(long, value_name = "DIR")]
        detectors: Option<PathBuf>,
    },
    /// Turn an inventory into a report for people: HTML, CSV, Markdown or an Excel workbook.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Show what changed between two inventories.
    Diff(DiffArgs),
    /// Find every file and column holding given values (a person's ID, phone, card, e-mail),
    /// from an inventory made with --fingerprints, without rescanning.
    #[command(after_help = LOCATE_EXAMPLES)]
    Locate(LocateArgs),
    /// Join the parts of one scan (`scan --shard K/N`, `--files-from`) into the inventory a
    /// single scan would have written.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Print the JSON Schema (draft 2020-12) of an output, for tools that read or validate
    /// pimap's outputs: the inventory, one findings line, or `diff --json`.
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema {
        /// Which output's schema.
        #[arg(value_enum, value_name = "OUTPUT")]
        output: SchemaName,
    },
}

const SCHEMA_EXAMPLES: &str = "\
Examples:
  pimap schema inventory > inventory.schema.json
  pimap schema findings > findings.schema.json

The same files are in docs/schema/. Changes are additive: later versions add properties
(and values of open sets), never rename or remove one.";

/// An output with a schema (`schema::Schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaName {
    /// The inventory (`scan -o`, `merge -o`).
    Inventory,
    /// One line of `scan --findings` (JSON Lines).
    Findings,
    /// What `diff --json` prints.
    Diff,
}

impl SchemaName {
    pub fn schema(self) -> crate::schema::Schema {
        use crate::schema::Schema;
        match self {
            SchemaName::Inventory => Schema::Inventory,
            SchemaName::Findings => Schema::Findings,
            SchemaName::Diff => Schema::Diff,
        }
    }
}

const MERGE_EXAMPLES: &str = "\
Examples:
  export PIMAP_KEY=...   # the same stable key on every machine
  pimap scan /mnt/share --shard 1/3 -o part-1.json   # on three machines, K = 1, 2, 3
  pimap merge part-1.json part-2.json part-3.json -o inventory.json
  pimap scan /mnt/share --shard 2/3 --baseline part-2.json -o part-2.json   # next week
  pimap merge part-*.json --baseline inventory.json -o inventory.json

Exit status: 0 merged, 1 merged but some inputs could not be read (see \"errors\"),
2 the parts cannot be merged (nothing written).";

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The part inventories (`pimap scan --shard K/N -o FILE` or `--files-from`).
    #[arg(value_name = "PART", required = true)]
    pub parts: Vec<PathBuf>,
    /// Write the merged inventory to FILE (created with mode 0600; `-` for stdout).
    #[arg(short = 'o', long = "inventory", value_name = "FILE", required = true)]
    pub inventory: PathBuf,
    /// The policy the parts were scanned with (`scan --policy FILE`); it judges the whole.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The extra detector definitions the parts were scanned with (`scan --detectors DIR`).
    #[arg(long, value_name = "DIR")]
    pub detectors: Option<PathBuf>,
    /// The previous merged inventory: record what changed since (`changes`), as
    /// `scan --baseline` does.
    #[arg(long, value_name = "INVENTORY")]
    pub baseline: Option<PathBuf>,
    /// Write even if, against the baseline, more than half of the files or every file of a
    /// root are gone.
    #[arg(long, requires = "baseline")]
    pub allow_shrink: bool,
    /// No summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

const REPORT_EXAMPLES: &str = "\
Examples:
  pimap report inventory.json --format html -o report.html --lang zh
  pimap report inventory.json --format csv -o inventory.csv
  pimap report inventory.json --format md > assessment.md
  pimap report inventory.json --format xlsx --lang zh -o assessment.xlsx";

const LOCATE_EXAMPLES: &str = "\
Examples:
  export PIMAP_KEY=...   # the key the inventory was made with
  pimap scan /mnt/share --fingerprints -o inventory.json
  pimap locate --inventory inventory.json 11010519491231002X 13812345678

Exit status: 0 some value was found, 1 none was found, 2 usage error.";

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The inventory (JSON) written by `pimap scan -o`.
    #[arg(value_name = "INVENTORY")]
    pub inventory: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Write the report to FILE (created with mode 0600); default: standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Language of the report (default: from the locale, else English).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older inventory.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The newer inventory.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Print the changes as JSON (the inventory's `changes` section) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 3, after printing the changes, when NEW holds what OLD did not:
    /// `new-sensitive` (more ID, passport or bank card numbers in some file, or a new
    /// suspected ID image), `new-data` (more values of any category in some file), `actions`
    /// (more policy actions of some kind). Repeatable, or comma-separated; each triggering
    /// file or action goes to stderr as `pimap: fail-on CONDITION: ...`.
    #[arg(long, value_enum, value_name = "CONDITION", value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
}

/// A `diff --fail-on` condition (`inventory::alerts::Condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    NewSensitive,
    NewData,
    Actions,
}

impl FailOn {
    pub fn condition(self) -> crate::inventory::alerts::Condition {
        use crate::inventory::alerts::Condition;
        match self {
            FailOn::NewSensitive => Condition::NewSensitive,
            FailOn::NewData => Condition::NewData,
            FailOn::Actions => Condition::Actions,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct LocateArgs {
    /// The inventory, made with `scan --fingerprints` and a stable key.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    /// Values to look for: resident ID, phone, bank card, e-mail (any usual spelling), passport,
    /// permit or HK/MO/TW ID, online id; a bare number that can be several of them is looked
    /// for as each; a name is shown only in files that also hold another value given (else how
    /// many files hold it).
    #[arg(value_name = "VALUE", required = true)]
    pub values: Vec<String>,
    /// Read the fingerprint key from FILE (default: the PIMAP_KEY environment variable).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Print the matches as JSON.
    #[arg(long)]
    pub json: bool,
    /// The extra detector definitions the inventory was made with (`scan --detectors DIR`).
    #[arg(long, value_name = "DIR")]
    pub detectors: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or folders to scan (default: the current folder), buckets (`s3://BUCKET/PREFIX`),
    /// or live databases: `postgres://USER@HOST:PORT/DB`, `mysql://USER@HOST:PORT/DB` (MySQL or
    /// MariaDB).
    #[arg(value_name = "PATH|URL")]
    pub paths: Vec<PathBuf>,
    /// Rows read from each table of a live database (no sort: the server stops after N), or
    /// `all` for every row.
    #[arg(long, value_name = "N|all", default_value_t = crate::source::live_db::Sample::Rows(crate::source::live_db::DEFAULT_SAMPLE))]
    pub db_sample: crate::source::live_db::Sample,
    /// Longest the read of one live database table may take, in seconds; a table that takes
    /// longer is an error (kind timeout) and its rows read so far stand.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub db_timeout: u64,
    /// Scan the folder ROOT as the store NAME (repeatable, instead of PATHs): paths stay
    /// relative to their store, every entry names its store, totals are also given per store.
    #[arg(long, value_name = "NAME=ROOT")]
    pub store: Vec<String>,
    /// Write the data inventory (JSON) to FILE.
    #[arg(short = 'o', long = "inventory", value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Write one JSON object per finding to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub findings: Option<PathBuf>,
    /// Include raw matched values in findings, and show file and member names unmasked
    /// (otherwise values in names and error texts are masked too).
    #[arg(long)]
    pub reveal: bool,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// Skip paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Load extra detector definitions (*.toml) from DIR; they are checked first.
    #[arg(long, value_name = "DIR")]
    pub detectors: Option<PathBuf>,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Report findings with at least this confidence (0.0-1.0).
    #[arg(long, value_name = "C", default_value_t = crate::DEFAULT_MIN_CONFIDENCE)]
    pub min_confidence: f32,
    /// Honour .gitignore/.ignore files (a file share is not a repository: off by default).
    #[arg(long)]
    pub respect_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow: bool,
    /// Skip files larger than SIZE (bytes, or with K/M/G suffix); they are listed as skipped.
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_filesize: u64,
    /// Reuse the results of an earlier inventory for files that did not change, and record
    /// what changed (`changes`).
    #[arg(long, value_name = "INVENTORY")]
    pub baseline: Option<PathBuf>,
    /// Write the inventory even if, against the baseline, more than half of the files or
    /// every file of a root are gone (without it such a refresh is refused: an unmounted
    /// share must not replace a good inventory with an empty one).
    #[arg(long, requires = "baseline")]
    pub allow_shrink: bool,
    /// Judge files by this retention and minimization policy (TOML; see docs/policy.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Read the fingerprint key from FILE (default: the PIMAP_KEY environment variable; with
    /// neither, a random key is used and cross-scan features are off).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Store every distinct value's keyed fingerprint in the inventory (for `pimap locate`).
    #[arg(long)]
    pub fingerprints: bool,
    /// Memory that readers may hold at once, all threads together: workbooks, archive
    /// members and long cells read into memory, per-column state. A file that needs more is
    /// an error (kind too_large) and the scan goes on.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_memory: u64,
    /// With more than one thread, big delimited files (CSV, TSV) are read in parts of about
    /// this size side by side, so that one big file keeps every thread busy; the output is
    /// the same for any size. 0: read every file whole.
    #[arg(long, value_name = "SIZE", default_value_t = crate::scan::DEFAULT_PART, value_parser = parse_size)]
    pub split_size: u64,
    /// Read only the paths listed in FILE (`-`: standard input), one per line or separated
    /// by NUL bytes, relative to the one folder scanned; a listed folder is read whole. The
    /// inventory is marked as a part, for `pimap merge`.
    #[arg(long, value_name = "FILE|-")]
    pub files_from: Option<PathBuf>,
    /// Read only shard K of N: the files whose path hashes to K (an archive's members go
    /// with it). Run K = 1..N (on as many machines) and join the parts with `pimap merge`;
    /// needs a stable key (PIMAP_KEY or --key-file).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Size of the text chunks read at a time (bytes or K/M/G); mainly for testing.
    #[arg(long, value_name = "SIZE", default_value_t = CHUNK as u64, value_parser = parse_size, hide = true)]
    pub chunk_size: u64,
}

/// `-j` above this many threads per core is capped: files are read and parsed, not waited
/// on, so more threads than that only contend.
const MAX_THREADS_PER_CORE: usize = 4;

/// Why the command line cannot make a scan.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Roots(#[from] crate::walk::WalkError),
    #[error("--min-confidence must be within 0..1, not {0}")]
    MinConfidence(f32),
    #[error(transparent)]
    Key(#[from] crate::fingerprint::KeyError),
    #[error(
        "--fingerprints needs a stable key: set {} or pass --key-file (fingerprints made with a random key could never be matched)",
        crate::fingerprint::KEY_VAR
    )]
    FingerprintsNeedKey,
    #[error(transparent)]
    Policy(#[from] crate::inventory::policy::PolicyError),
    #[error(transparent)]
    Baseline(#[from] crate::InventoryError),
    #[error("--threads must be at least 1")]
    NoThreads,
    #[error(transparent)]
    Detectors(#[from] DetectorsError),
    #[error(
        "--shard needs a stable key: set {} or pass --key-file (parts made with random keys cannot be merged)",
        crate::fingerprint::KEY_VAR
    )]
    ShardNeedsKey,
    #[error("--files-from needs exactly one folder to scan, the one the listed paths are relative to")]
    ListNeedsOneFolder,
    #[error(transparent)]
    StoreName(#[from] crate::inventory::stores::StoreNameError),
    #[error("--store and PATH arguments cannot be mixed: give every folder as --store NAME=ROOT")]
    StoresAndPaths,
    #[error("--store {0:?}: a store is a folder")]
    StoreNotAFolder(String),
    #[error("stores overlap ({0}): each file must belong to one store")]
    StoresOverlap(String),
    #[error("cannot read the --files-from list {path}: {source}")]
    List { path: String, source: std::io::Error },
    #[error(transparent)]
    Database(#[from] crate::source::live_db::UrlError),
    #[error("{0}: --store, --files-from and --shard are for folders; give live databases as URL arguments")]
    DatabaseNotHere(String),
    #[error("--db-timeout must be from 1 second to 7 days (604800 seconds)")]
    DbTimeout,
    #[error(transparent)]
    Bucket(#[from] crate::source::bucket::UrlError),
    #[error("S3 set-up: {0}")]
    S3Settings(#[from] crate::source::bucket::SettingsError),
    #[error("{0}: --store, --files-from and --shard are for folders; give buckets as s3:// arguments")]
    BucketNotHere(String),
}

/// A size that `parse_size` cannot read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("not a size: {0:?} (use e.g. 500M or 4G)")]
    NotASize(String),
    #[error("size too large: {0:?}")]
    TooLarge(String),
}

/// Parses `123`, `64K`, `10M`, `4G` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        Some('T') => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| SizeError::NotASize(s.to_string()))?;
    n.checked_mul(mult)
        .ok_or_else(|| SizeError::TooLarge(s.to_string()))
}

impl ScanArgs {
    /// Checks the arguments and builds the scan configuration; the notes say what was
    /// adjusted (a root named twice).
    pub fn config(&self) -> Result<(ScanConfig, Vec<String>), ConfigError> {
        let (databases, db_notes) = self.databases()?;
        let buckets = self.buckets()?;
        let (stores, asked) = self.stores(!databases.is_empty() || !buckets.is_empty())?;
        let (roots, mut notes) = crate::walk::check_roots(&asked)?;
        notes.extend(db_notes);
        let db_timeout = db_timeout(self.db_timeout)?;
        if !stores.is_empty() && roots.len() != asked.len() {
            // Two stores over the same files would list them twice under two names.
            return Err(ConfigError::StoresOverlap(notes.join("; ")));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(ConfigError::MinConfidence(self.min_confidence));
        }
        let key = Key::from_user(self.key_file.as_deref())?;
        if self.fingerprints && !key.is_stable() {
            return Err(ConfigError::FingerprintsNeedKey);
        }
        let policy = match &self.policy {
            Some(path) => Policy::load(path)?,
            None => Policy::builtin(),
        };
        if self.shard.is_some() && !key.is_stable() {
            return Err(ConfigError::ShardNeedsKey);
        }
        let listed = match &self.files_from {
            Some(_) if roots.len() != 1 || !roots[0].is_dir() => return Err(ConfigError::ListNeedsOneFolder),
            Some(list) => Some(read_list(list)?),
            None => None,
        };
        let baseline = match &self.baseline {
            Some(path) => {
                let mut inventory = crate::read_inventory(path)?;
                if let Some(shard) = self.shard {
                    // The previous run's same part, or a whole (merged) inventory: either way
                    // only this shard's entries are this part's baseline.
                    inventory.keep_only(|path| shard.owns(path));
                }
                Some(Baseline {
                    file: path.clone(),
                    inventory,
                })
            }
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = match self.threads {
            Some(0) => return Err(ConfigError::NoThreads),
            // More threads than this only contend (and -j 10000 spun 2,400 threads for minutes).
            Some(n) if n > cores * MAX_THREADS_PER_CORE => {
                notes.push(format!(
                    "-j {n} is more than {MAX_THREADS_PER_CORE} threads per core: using {}",
                    cores * MAX_THREADS_PER_CORE
                ));
                cores * MAX_THREADS_PER_CORE
            }
            Some(n) => n,
            None => cores,
        };
        let config = ScanConfig {
            roots,
            walk: WalkOptions {
                follow: self.follow,
                respect_ignore: self.respect_ignore,
                excludes: self.exclude.clone(),
                max_filesize: self.max_filesize,
                threads,
                own_outputs: Vec::new(),
            },
            threads,
            min_confidence: self.min_confidence,
            detectors: load_detectors(self.detectors.as_deref())?,
            chunk: self.chunk_size.clamp(64, 1 << 30) as usize,
            progress: !self.quiet,
            reveal: self.reveal,
            key,
            fingerprints: self.fingerprints,
            policy,
            baseline,
            now: std::time::SystemTime::now(),
            memory: std::sync::Arc::new(crate::budget::MemoryBudget::new(self.max_memory)),
            isolate_with: std::env::current_exe().ok(),
            split: self.split_size,
            selection: crate::scan::Selection {
                listed,
                shard: self.shard,
            },
            stores,
            databases,
            db: crate::source::live_db::Settings {
                sample: self.db_sample,
                timeout: db_timeout,
            },
            s3: match buckets.is_empty() {
                true => Default::default(),
                false => crate::source::bucket::S3Settings::from_environment()?,
            },
            buckets,
        };
        Ok((config, notes))
    }
}

impl ScanArgs {
    /// The live databases among the roots (URL arguments), and notes (a password in a URL).
    fn databases(&self) -> Result<(Vec<crate::source::live_db::Target>, Vec<String>), ConfigError> {
        use crate::source::live_db::{is_database_url, without_password, Target};
        let mut notes = Vec::new();
        let mut databases = Vec::new();
        for arg in self.paths.iter().filter(|p| is_database_url(p.as_os_str())) {
            let url = arg.to_string_lossy();
            if self.files_from.is_some() || self.shard.is_some() {
                return Err(ConfigError::DatabaseNotHere(without_password(&url)));
            }
            databases.push(Target::parse(&url, &mut notes)?);
        }
        for spec in &self.store {
            if let Some((_, root)) = spec.split_once('=') {
                if is_database_url(root.as_ref()) {
                    return Err(ConfigError::DatabaseNotHere(without_password(root)));
                }
            }
        }
        Ok((databases, notes))
    }

    /// The bucket roots among the roots (`s3://` arguments).
    fn buckets(&self) -> Result<Vec<crate::source::bucket::BucketRoot>, ConfigError> {
        use crate::source::bucket::{is_bucket_url, BucketRoot};
        let mut buckets: Vec<BucketRoot> = Vec::new();
        for arg in self.paths.iter().filter(|p| is_bucket_url(p.as_os_str())) {
            let url = arg.to_string_lossy();
            if self.files_from.is_some() || self.shard.is_some() {
                return Err(ConfigError::BucketNotHere(url.into_owned()));
            }
            let root = BucketRoot::parse(&url)?;
            // The same root twice would list its objects twice.
            if !buckets.contains(&root) {
                buckets.push(root);
            }
        }
        for spec in &self.store {
            if let Some((_, root)) = spec.split_once('=') {
                if is_bucket_url(root.as_ref()) {
                    return Err(ConfigError::BucketNotHere(root.to_string()));
                }
            }
        }
        Ok(buckets)
    }

    /// The stores' names (none without `--store`) and the roots to scan (`databases`: some
    /// roots are live databases, so no folder is scanned by default).
    fn stores(&self, databases: bool) -> Result<(Vec<String>, Vec<PathBuf>), ConfigError> {
        use crate::inventory::stores::{check_name, StoreNameError};
        let paths: Vec<PathBuf> = self
            .paths
            .iter()
            .filter(|p| {
                !crate::source::live_db::is_database_url(p.as_os_str())
                    && !crate::source::bucket::is_bucket_url(p.as_os_str())
            })
            .cloned()
            .collect();
        if self.store.is_empty() {
            let paths = match paths.is_empty() && !databases {
                true => vec![PathBuf::from(".")],
                false => paths,
            };
            return Ok((Vec::new(), paths));
        }
        if !self.paths.is_empty() {
            return Err(ConfigError::StoresAndPaths);
        }
        let _ = databases;
        let mut names = Vec::new();
        let mut roots = Vec::new();
        for spec in &self.store {
            let (name, root) = spec
                .split_once('=')
                .filter(|(_, root)| !root.is_empty())
                .ok_or_else(|| StoreNameError::Syntax(spec.clone()))?;
            check_name(name)?;
            if names.iter().any(|n| n == name) {
                return Err(StoreNameError::Twice(name.to_string()).into());
            }
            let root = PathBuf::from(root);
            if !root.is_dir() && root.exists() {
                return Err(ConfigError::StoreNotAFolder(spec.clone()));
            }
            names.push(name.to_string());
            roots.push(root);
        }
        Ok((names, roots))
    }
}

/// The paths of a `--files-from` list: NUL-separated if it holds a NUL byte (`find -print0`),
/// else one per line (a trailing CR is dropped); empty entries are ignored.
fn read_list(list: &std::path::Path) -> Result<Vec<PathBuf>, ConfigError> {
    let failed = |source| ConfigError::List {
        path: crate::walk::display_name(list),
        source,
    };
    let bytes = if list.as_os_str() == "-" {
        let cap = crate::settings_file::LIST_CAP;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), cap + 1),
            &mut bytes,
        )
        .map_err(failed)?;
        if bytes.len() as u64 > cap {
            return Err(failed(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("is larger than {cap} bytes"),
            )));
        }
        bytes
    } else {
        crate::settings_file::read(list, crate::settings_file::LIST_CAP).map_err(failed)?
    };
    let separator = if bytes.contains(&0) { b'\0' } else { b'\n' };
    Ok(bytes
        .split(|&b| b == separator)
        .map(|p| p.strip_suffix(b"\r").unwrap_or(p))
        .filter(|p| !p.is_empty())
        .map(path_of_bytes)
        .collect())
}

#[cfg(unix)]
fn path_of_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_of_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// The longest `--db-timeout`: 7 days.
const MAX_DB_TIMEOUT: u64 = 7 * 24 * 3600;

/// `--db-timeout`, from 1 second to 7 days (a larger one would overflow deadlines).
fn db_timeout(seconds: u64) -> Result<std::time::Duration, ConfigError> {
    match seconds {
        1..=MAX_DB_TIMEOUT => Ok(std::time::Duration::from_secs(seconds)),
        _ => Err(ConfigError::DbTimeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("500m"), Ok(500 << 20));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn db_timeouts_are_capped() {
        assert!(matches!(db_timeout(0), Err(ConfigError::DbTimeout)));
        assert_eq!(db_timeout(300).unwrap().as_secs(), 300);
        assert_eq!(db_timeout(604_800).unwrap().as_secs(), 604_800);
        assert!(matches!(db_timeout(604_801), Err(ConfigError::DbTimeout)));
        assert!(matches!(db_timeout(u64::MAX), Err(ConfigError::DbTimeout)));
    }
}
