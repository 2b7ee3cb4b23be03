//! Live database roots in the scan: each database is listed on the writer's thread
//! (`list`: a root that cannot be reached is one error, kind `connect`), and each of its tables
//! becomes a task of the pool after the files' tasks. A worker reads a table on a connection
//! of its own, kept for its next table of the same database (`Worker::scan_table`); the table
//! is an entry `ADDRESS!table` of format `postgres` or `mysql`, its columns located like a
//! dump's.

use super::worker::{internal_error, FileSummary, Worker};
use super::ScanConfig;
use crate::detect::redact::Redactor;
use crate::error::{ErrorKind, Problem};
use crate::inventory::{ErrorEntry, SourceEntry};
use crate::source::live_db::{Conn, DbError, Table, TableFacts, Target};
use crate::walk::InputFile;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A table to read.
pub(super) struct DbTable {
    /// Index of its database in `ScanConfig::databases`.
    pub(super) root: usize,
    pub(super) table: Table,
    /// What the inventory calls it: `ADDRESS!table` (masked without `--reveal`).
    pub(super) file: InputFile,
    /// Shared by the tables of its database: set when a connection to it failed, so the
    /// remaining tables fail at once instead of each waiting for the connect timeout.
    pub(super) down: Arc<AtomicBool>,
}

/// Connects to each database and lists its tables; a database that cannot be reached or
/// listed is an error entry of its own, and the rest are scanned. Also returns each root's
/// `sources` entry.
pub(super) fn list(
    config: &ScanConfig,
    redactor: &mut Redactor<'_>,
    errors: &mut Vec<ErrorEntry>,
) -> (Vec<DbTable>, Vec<SourceEntry>) {
    let mut tables = Vec::new();
    let mut sources = Vec::new();
    for (root, target) in config.databases.iter().enumerate() {
        let address = target.address();
        // A bug in a client library must not end the scan: the database is one error.
        let listed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            target
                .connect(config.db.timeout)
                .and_then(|mut conn| conn.tables(target))
        }))
        .unwrap_or_else(|_| {
            let problem = internal_error();
            Err(DbError::new(problem.kind, problem.message))
        });
        let mut source = SourceEntry {
            kind: target.kind.name().to_string(),
            address: address.clone(),
            sample: Some(config.db.sample.to_string()),
            tables: None,
            objects: None,
        };
        match listed {
            Ok(listed) => {
                source.tables = Some(listed.len() as u64);
                let down = Arc::new(AtomicBool::new(false));
                for table in listed {
                    let name = match config.reveal {
                        true => table.shown.clone(),
                        false => redactor.redact(&table.shown).into_owned(),
                    };
                    let display = format!("{address}!{name}");
                    tables.push(DbTable {
                        root,
                        file: InputFile {
                            path: std::path::PathBuf::new(),
                            display,
                            size: 0,
                            modified: None,
                            mode: None,
                        },
                        table,
                        down: down.clone(),
                    });
                }
            }
            Err(e) => errors.push(ErrorEntry {
                store: None,
                path: address,
                error: e.message,
                kind: Some(e.kind),
            }),
        }
        sources.push(source);
    }
    // Two tables whose names mask alike stay entries of their own.
    let mut seen = rustc_hash::FxHashMap::<String, u32>::default();
    for t in &mut tables {
        let n = seen.entry(t.file.display.clone()).or_default();
        *n += 1;
        if *n > 1 {
            t.file.display = format!("{}~{n}", t.file.display);
        }
    }
    (tables, sources)
}

impl Worker<'_> {
    /// Reads one table of a live database; its summary is the table's entry.
    pub(super) fn scan_table(
        &mut self,
        task: &DbTable,
        config: &ScanConfig,
        send: &mut dyn FnMut(Vec<u8>),
    ) -> FileSummary {
        let target: &Target = &config.databases[task.root];
        let path: Arc<str> = task.file.display.as_str().into();
        let mut summary = FileSummary {
            path: path.clone(),
            format: Some(target.kind.name()),
            ..FileSummary::default()
        };
        if self.databases.len() < config.databases.len() {
            self.databases.resize_with(config.databases.len(), || None);
        }
        let connect = || match task.down.load(Ordering::Relaxed) {
            true => Err(DbError::new(
                ErrorKind::Connect,
                "an earlier connection to this database failed",
            )),
            false => target.connect(config.db.timeout),
        };
        let mut conn: Conn = match self.databases[task.root].take() {
            Some(conn) if conn.is_usable() => conn,
            _ => match connect() {
                Ok(conn) => conn,
                Err(e) => {
                    task.down.store(true, Ordering::Relaxed);
                    // Masked like the entry's path: a table's name may be a value.
                    let shown = match crate::source::looks_like_value(&task.table.shown) {
                        true => "*".to_string(),
                        false => format!("`{}`", task.table.shown),
                    };
                    summary.problems.push(Problem::new(
                        ErrorKind::Connect,
                        format!("table {shown}: not read: {}", e.message),
                    ));
                    summary.format = None;
                    return summary;
                }
            },
        };
        self.reset();
        let mut facts = TableFacts::default();
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut emit = |record: crate::source::Record<'_>| self.on_record(record, &path, send);
            conn.read_table(&task.table, &config.db, &mut facts, &mut emit)
        }));
        self.finish_input(&path, send);
        // A connection a panic left halfway through a read, or one that broke, is not used
        // again: the next table connects anew.
        let broken = matches!(&read, Ok(Err(e)) if e.kind == ErrorKind::Connect);
        if read.is_ok() && !broken {
            self.databases[task.root] = Some(conn);
        }
        match read {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                summary.problems.push(e.problem());
                // Not read at all (no SELECT permission): an error only, like a file that
                // cannot be opened; a read cut short (a timeout) keeps what it found.
                if facts.rows == 0 {
                    summary.format = None;
                }
            }
            Err(_) => summary.problems.push(internal_error()),
        }
        summary.size = facts.bytes;
        self.tally.summarize(&mut summary, self.keep_fingerprints);
        summary
    }
}
