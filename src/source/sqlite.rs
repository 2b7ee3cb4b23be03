//! SQLite database files: every table and column, opened read-only and immutable.
//!
//! A file on disk is opened through a `file:` URI with `mode=ro&immutable=1`. Read-only alone is not
//! enough: SQLite would still take locks, read a hot journal or `-wal` file, and for a WAL-mode
//! database create the `-shm` file next to it. `immutable=1` tells SQLite the file cannot change, so
//! it takes no locks and opens nothing but the file itself, and the scanned folder is left exactly
//! as it was. The price is that a database another program is writing right now is read as it
//! stands in the main file: a locked database is read anyway (a scanner must neither wait for nor
//! get in the way of the application that owns the file), pages caught mid-write may read as
//! corrupt (that table gets a warning), and changes still in a `-wal` file are not seen (a warning
//! says so).
//!
//! A database found inside an archive (`read_bytes`) is deserialized into memory; nothing is
//! written to disk.
//!
//! Every ordinary table is read with `SELECT *`, one row at a time, and every non-NULL cell becomes
//! a `Record` located by table, 1-based row (the row's position in the table as read, not its
//! rowid, which a table may not have) and column name. Views are not read (their rows come
//! from tables that are), nor are SQLite's own `sqlite_*` tables.

use super::{FileFacts, Origin, Record};
use crate::budget::MemoryBudget;
use crate::error::{Classified, ErrorKind, Problem};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags, MAIN_DB};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Reads a SQLite database file on disk without changing it or writing anything next to it.
pub fn read_path(
    path: &Path,
    size: u64,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SqliteError> {
    let flags =
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(uri(path), flags)?;
    let mut facts = read_connection(&mut conn, size, memory, emit)?;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        // Reading it would mean writing next to the database (see the module docs).
        facts.warnings.push(Problem::new(
            ErrorKind::Unsupported,
            "a -wal file lies next to the database: changes not yet checkpointed into the main file were not read",
        ));
    }
    Ok(facts)
}

/// Reads a SQLite database held in memory (a member of an archive).
pub fn read_bytes(
    mut bytes: Vec<u8>,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SqliteError> {
    if bytes.is_empty() {
        // What SQLite makes of an empty file on disk: a database without tables.
        return Ok(FileFacts::default());
    }
    // Header bytes 18 and 19 are 2 in a WAL-mode database. The in-memory VFS cannot do WAL (SQLite
    // fails with "unable to open database file"), and an archive member has no `-wal` beside it
    // anyway: marking our copy as a rollback-journal database reads exactly the pages it holds.
    if bytes.len() >= 100 && bytes.starts_with(b"SQLite format 3\0") && bytes[18] == 2 && bytes[19] == 2 {
        bytes[18] = 1;
        bytes[19] = 1;
    }
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // SQLite must own the buffer it reads from (it frees it on close), so the bytes are copied once
    // into SQLite's allocation and ours are dropped before reading.
    let len = bytes.len();
    conn.deserialize_read_exact(MAIN_DB, &bytes[..], len, true)?;
    drop(bytes);
    read_connection(&mut conn, len as u64, memory, emit)
}

/// Longest text or blob SQLite may return or build, in bytes. A generated column computes
/// its value on every read, so an 8 KB file can ask for gigabytes per row (hostile C4/H5);
/// past this SQLite fails the row with "string or blob too big" instead.
const MAX_VALUE: i32 = 256 << 20;

/// Cells at least this long are held against the memory budget while they are scanned.
const BIG_CELL: usize = 1 << 20;

/// Time a database may take: generated columns are evaluated on read, so a small file can
/// cost unbounded CPU (hostile H5). Generous for real databases (read at tens of MB/s).
fn time_allowed(size: u64) -> Duration {
    Duration::from_secs(120 + size / (5 << 20))
}

/// Puts the limits on an untrusted database: value length, and a deadline after which every
/// statement is interrupted. Returns the flag that says the deadline passed.
fn limit(conn: &mut Connection, allowed: Duration) -> Result<Arc<AtomicBool>, SqliteError> {
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE)?;
    let deadline = Instant::now() + allowed;
    let expired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&expired);
    // Called every 10,000 virtual-machine steps: cheap next to the steps themselves.
    conn.progress_handler(
        10_000,
        Some(move || {
            let over = Instant::now() > deadline;
            if over {
                flag.store(true, Ordering::Relaxed);
            }
            over
        }),
    )?;
    Ok(expired)
}

/// A `file:` URI for `path` that opens it read-only and immutable.
///
/// Everything but unreserved characters and `/` is percent-encoded: `?` and `#` would otherwise end
/// the path, `%` would start an escape, and SQLite decodes `%XX` back to the raw bytes, so a UTF-8
/// (e.g. Chinese) name arrives byte for byte.
fn uri(path: &Path) -> String {
    let (bytes, absolute) = path_bytes(path);
    let mut uri = String::with_capacity(bytes.len() * 3 + 32);
    // An absolute path gets an empty authority (`file:///...`), so one starting with `//` is never
    // taken for a host name.
    uri.push_str(if absolute { "file://" } else { "file:" });
    for &b in bytes.iter() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(b as char);
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// The path's bytes as SQLite's default VFS will open them, and whether it is absolute.
#[cfg(unix)]
fn path_bytes(path: &Path) -> (Cow<'_, [u8]>, bool) {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    (Cow::Borrowed(bytes), bytes.starts_with(b"/"))
}

/// The path's bytes as SQLite's default VFS will open them, and whether it is absolute.
/// Windows: SQLite's URIs use `/` and want a drive path as `/C:/...`.
#[cfg(not(unix))]
fn path_bytes(path: &Path) -> (Cow<'_, [u8]>, bool) {
    let mut s = path.to_string_lossy().replace('\\', "/");
    let drive = s.len() >= 2 && s.as_bytes()[0].is_ascii_alphabetic() && s.as_bytes()[1] == b':';
    if drive {
        s.insert(0, '/');
    }
    let absolute = s.starts_with('/');
    (Cow::Owned(s.into_bytes()), absolute)
}

/// Why a database cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read SQLite file: {}", fatal_reason(.0))]
pub struct SqliteError(#[from] rusqlite::Error);

impl Classified for SqliteError {
    fn kind(&self) -> ErrorKind {
        sqlite_kind(&self.0)
    }
}

/// The kind of a SQLite error, by its result code.
fn sqlite_kind(e: &rusqlite::Error) -> ErrorKind {
    match e.sqlite_error_code() {
        // An encrypted database (SQLCipher) is indistinguishable from random bytes.
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => ErrorKind::Corrupt,
        Some(ErrorCode::PermissionDenied) => ErrorKind::Permission,
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::FileLockingProtocolFailed
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::NoLargeFileSupport,
        ) => ErrorKind::Io,
        Some(ErrorCode::TooBig | ErrorCode::OutOfMemory) => ErrorKind::TooLarge,
        // SQLITE_ERROR once the file has opened: the schema asks for what this SQLite lacks
        // (a virtual table module, a function in a generated column).
        Some(ErrorCode::Unknown) => ErrorKind::Unsupported,
        Some(ErrorCode::InternalMalfunction | ErrorCode::ApiMisuse) => ErrorKind::Internal,
        _ => ErrorKind::Corrupt,
    }
}

/// The one-line reason a database cannot be read at all.
fn fatal_reason(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "file is not a database (encrypted or corrupt)".to_string(),
        Some(ErrorCode::DatabaseCorrupt) => "database disk image is malformed (corrupt)".to_string(),
        // rusqlite appends the URI to this message; the scanner already names the file.
        Some(ErrorCode::CannotOpen) => "unable to open database file".to_string(),
        _ => one_line(e),
    }
}

/// SQLite's message on one line. It quotes the schema's names (a table, a module, a
/// function), which a hostile file can make values: those are redacted.
fn one_line(e: &rusqlite::Error) -> String {
    super::redact(&e.to_string().replace(['\r', '\n'], " "))
}

/// A table name as the inventory may show it.
fn shown(table: &str) -> String {
    if super::looks_like_value(table) {
        "*".to_string()
    } else {
        quote(table)
    }
}

/// A table to read, in schema order.
struct Table {
    name: String,
    /// Backs a virtual table (e.g. FTS `t_content`): read only when the virtual table itself
    /// could not be, so its text is neither lost nor reported twice.
    shadow: bool,
    virtual_table: bool,
}

fn read_connection(
    conn: &mut Connection,
    size: u64,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SqliteError> {
    let allowed = time_allowed(size);
    let expired = limit(conn, allowed)?;
    let conn = &*conn;
    // An untrusted file's schema may hold generated columns or virtual tables calling SQL
    // functions; only those SQLite marks harmless may run. Sorting or temporary b-trees (none are
    // expected for a plain SELECT) stay in memory so nothing is written to a temp directory.
    conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA temp_store = MEMORY;")?;
    let tables = list_tables(conn)?;
    let mut facts = FileFacts::default();
    let mut failed_virtual = Vec::new();
    let out_of_time = || {
        Problem::new(
            ErrorKind::TooLarge,
            format!(
                "reading took longer than the {} s allowed for a database of this size (generated columns?): the rest was not read",
                allowed.as_secs()
            ),
        )
    };
    for table in tables.iter().filter(|t| !t.shadow) {
        if expired.load(Ordering::Relaxed) {
            facts.warnings.push(out_of_time());
            return Ok(facts);
        }
        if let Err(warning) = read_table(conn, &table.name, memory, &mut facts, emit) {
            if table.virtual_table {
                failed_virtual.push(format!("{}_", table.name));
            }
            facts.warnings.push(warning);
        }
    }
    // The storage of a virtual table that could not be read (e.g. an FTS table with an option
    // this SQLite does not know) still holds its text.
    for table in tables.iter().filter(|t| t.shadow) {
        if failed_virtual
            .iter()
            .any(|prefix| table.name.starts_with(prefix.as_str()))
        {
            if let Err(warning) = read_table(conn, &table.name, memory, &mut facts, emit) {
                facts.warnings.push(warning);
            }
        }
    }
    Ok(facts)
}

/// The tables of the main schema in the order they were created. Reading `sqlite_master` is the
/// first access to the file, so this is where "not a database" shows up.
fn list_tables(conn: &Connection) -> rusqlite::Result<Vec<Table>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM main.sqlite_master \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    )?;
    let mut tables = stmt
        .query_map([], |row| {
            let name: String = row.get(0)?;
            let sql: Option<String> = row.get(1)?;
            let virtual_table = sql.is_some_and(|s| {
                s.trim_start()
                    .get(..20)
                    .is_some_and(|head| head.eq_ignore_ascii_case("CREATE VIRTUAL TABLE"))
            });
            Ok(Table {
                name,
                shadow: false,
                virtual_table,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Only `PRAGMA table_list` knows which tables are a virtual table's storage (SQLite asks the
    // module). If it fails, every table is read: duplicates beat losses.
    if let Ok(mut stmt) =
        conn.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'")
    {
        if let Ok(names) = stmt.query_map([], |row| row.get::<_, String>(0)) {
            let shadows: Vec<String> = names.filter_map(Result::ok).collect();
            for t in &mut tables {
                t.shadow = shadows.contains(&t.name);
            }
        }
    }
    Ok(tables)
}

/// Streams one table's cells into `emit`. `Err` is the warning to record; rows already emitted
/// stand.
fn read_table(
    conn: &Connection,
    table: &str,
    memory: &MemoryBudget,
    facts: &mut FileFacts,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), Problem> {
    let warn = |e: rusqlite::Error| {
        Problem::new(
            sqlite_kind(&e),
            format!("table {}: not read: {}", shown(table), one_line(&e)),
        )
    };
    let sql = format!("SELECT * FROM main.{}", quote(table));
    let mut stmt = conn.prepare(&sql).map_err(warn)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([]).map_err(warn)?;
    let mut number = String::new();
    let mut row_no = 0u64;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(Problem::new(
                    sqlite_kind(&e),
                    format!(
                        "table {}: stopped after {row_no} rows: {}",
                        shown(table),
                        one_line(&e)
                    ),
                ))
            }
        };
        row_no += 1;
        for (i, column) in columns.iter().enumerate() {
            let value = match row.get_ref(i) {
                Ok(v) => v,
                Err(_) => continue,
            };
            let text: Cow<'_, str> = match value {
                ValueRef::Null => continue,
                ValueRef::Text(bytes) => match simdutf8::basic::from_utf8(bytes) {
                    Ok(text) => Cow::Borrowed(text),
                    // SQLite does not check that TEXT is UTF-8.
                    Err(_) => {
                        facts.lossy = true;
                        String::from_utf8_lossy(bytes)
                    }
                },
                ValueRef::Integer(n) => {
                    number.clear();
                    let _ = write!(number, "{n}");
                    Cow::Borrowed(number.as_str())
                }
                ValueRef::Real(x) => {
                    number.clear();
                    write_real(&mut number, x);
                    Cow::Borrowed(number.as_str())
                }
                // Some applications (and drivers that bind every string as bytes) keep text in
                // BLOB cells; such a blob is scanned as the text it is. Binary blobs (images,
                // compressed or serialized data) are skipped.
                ValueRef::Blob(bytes) => match blob_text(bytes) {
                    Some(text) => Cow::Borrowed(text),
                    None => continue,
                },
            };
            if text.is_empty() {
                continue;
            }
            // SQLite holds the value already; holding it against the budget keeps other
            // workers from taking what it uses.
            let _held = if text.len() >= BIG_CELL {
                match memory.reserve(text.len() as u64, "a table cell") {
                    Ok(r) => Some(r),
                    Err(e) => {
                        facts.warnings.push(Problem::new(
                            e.kind(),
                            format!("table {}, row {row_no}: {e}; cell not read", shown(table)),
                        ));
                        continue;
                    }
                }
            } else {
                None
            };
            emit(Record {
                text: &text,
                origin: Origin::Table {
                    table,
                    row: row_no,
                    column,
                    key: &[],
                },
            });
        }
    }
}

/// `"name"` with inner quotes doubled: safe for any table name (spaces, Chinese, quotes).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A REAL as a person reads it: integral values below 1e15 (exact in an f64) without a fraction,
/// so a phone number stored as REAL reads `13812345678`; everything else in Rust's shortest
/// round-trip form, whose `.0` or exponent shows that digits beyond 15 may be lost.
fn write_real(out: &mut String, x: f64) {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let _ = write!(out, "{}", x as i64);
    } else {
        let _ = write!(out, "{x:?}");
    }
}

/// The text in a BLOB cell, if it is text: valid UTF-8 (trailing NULs of a C string ignored), no
/// NUL inside and mostly printable.
pub(crate) fn blob_text(bytes: &[u8]) -> Option<&str> {
    let end = bytes.iter().rposition(|&b| b != 0)? + 1;
    let bytes = &bytes[..end];
    if memchr::memchr(0, bytes).is_some() {
        return None;
    }
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let control = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    (control * 10 <= bytes.len()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> MemoryBudget {
        MemoryBudget::new(crate::budget::DEFAULT_LIMIT)
    }

    #[test]
    fn a_generated_column_that_builds_gigabytes_is_refused_and_other_tables_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE a(phone TEXT); INSERT INTO a VALUES ('13812345678');
                 CREATE TABLE t(n INTEGER, note TEXT GENERATED ALWAYS AS
                   (replace(printf('%.*c', 80000000, 'x'), 'x', '13812345678 ')) VIRTUAL);
                 INSERT INTO t(n) VALUES (1), (2), (3);",
            )
            .unwrap();
        }
        let started = Instant::now();
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(records.iter().any(|r| r.3 == "13812345678"), "{records:?}");
        let warning = facts
            .warnings
            .iter()
            .find(|w| w.message.starts_with("table \"t\""))
            .unwrap_or_else(|| panic!("no warning for t: {:?}", facts.warnings));
        assert_eq!(warning.kind, ErrorKind::TooLarge, "{warning:?}");
        assert!(!warning.message.contains("13812345678"), "{warning:?}");
    }

    #[test]
    fn statements_past_the_deadline_are_interrupted() {
        let mut conn = Connection::open_in_memory().unwrap();
        let expired = limit(&mut conn, Duration::from_millis(50)).unwrap();
        let started = Instant::now();
        let result: rusqlite::Result<i64> = conn.query_row(
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c",
            [],
            |row| row.get(0),
        );
        assert!(result.is_err());
        assert!(expired.load(Ordering::Relaxed));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
    use rusqlite::params;
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::SystemTime;

    type Rec = (String, u64, String, String);

    fn collect(
        result: impl FnOnce(&mut dyn FnMut(Record<'_>)) -> Result<FileFacts, SqliteError>,
    ) -> (Vec<Rec>, FileFacts) {
        let mut out = Vec::new();
        let facts = result(&mut |r: Record<'_>| match r.origin {
            Origin::Table {
                table, row, column, ..
            } => out.push((table.to_string(), row, column.to_string(), r.text.to_string())),
            other => panic!("unexpected origin {other:?}"),
        })
        .unwrap();
        (out, facts)
    }

    fn rec(table: &str, row: u64, column: &str, text: &str) -> Rec {
        (table.into(), row, column.into(), text.into())
    }

    /// Names, sizes, modification times and contents of every file in `dir`.
    fn snapshot(dir: &Path) -> BTreeMap<String, (u64, SystemTime, Vec<u8>)> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let meta = e.metadata().unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (
                    name,
                    (
                        meta.len(),
                        meta.modified().unwrap(),
                        std::fs::read(e.path()).unwrap(),
                    ),
                )
            })
            .collect()
    }

    const TABLE: &str = "会员 \"VIP\"";

    /// The main fixture: a Chinese table name with quotes, a column name with a space, TEXT,
    /// INTEGER, REAL, BLOB (binary and UTF-8), NULLs, invalid UTF-8 text, a view, an empty table,
    /// an FTS5 table and `sqlite_sequence`.
    fn build(conn: &Connection) {
        conn.execute_batch(
            "CREATE TABLE \"会员 \"\"VIP\"\"\" (id INTEGER PRIMARY KEY AUTOINCREMENT, \"手机 号码\" TEXT, \
                 身份证 TEXT, email TEXT, phone_int INTEGER, score REAL, note BLOB);
             CREATE TABLE empty (a TEXT);
             CREATE VIEW v AS SELECT * FROM \"会员 \"\"VIP\"\"\";
             CREATE VIRTUAL TABLE notes USING fts5(body);
             INSERT INTO notes (body) VALUES ('客服回访 13700001111');",
        )
        .unwrap();
        let sql = format!("INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", quote(TABLE));
        conn.execute(
            &sql,
            params![
                1,
                "13812345678",
                "11010519491231002X",
                "zhang.san@example.com",
                13912345678i64,
                12.5,
                vec![0u8, 0xFF, 0x10, 0x89]
            ],
        )
        .unwrap();
        conn.execute(
            &sql,
            params![
                2,
                None::<String>,
                None::<String>,
                None::<String>,
                None::<i64>,
                13512345678.0f64,
                "备注 电话 13900001111".as_bytes().to_vec()
            ],
        )
        .unwrap();
        conn.execute(
            &sql,
            params![
                3,
                None::<String>,
                None::<String>,
                None::<String>,
                -7,
                1.1010519491231002e17,
                None::<Vec<u8>>
            ],
        )
        .unwrap();
        // Invalid UTF-8 stored as TEXT: "中" then a stray byte.
        conn.execute(
            &format!(
                "UPDATE {} SET email = CAST(X'E4B8ADFF' AS TEXT) WHERE id = 3",
                quote(TABLE)
            ),
            [],
        )
        .unwrap();
    }

    fn expected() -> Vec<Rec> {
        vec![
            rec(TABLE, 1, "id", "1"),
            rec(TABLE, 1, "手机 号码", "13812345678"),
            rec(TABLE, 1, "身份证", "11010519491231002X"),
            rec(TABLE, 1, "email", "zhang.san@example.com"),
            rec(TABLE, 1, "phone_int", "13912345678"),
            rec(TABLE, 1, "score", "12.5"),
            rec(TABLE, 2, "id", "2"),
            rec(TABLE, 2, "score", "13512345678"),
            rec(TABLE, 2, "note", "备注 电话 13900001111"),
            rec(TABLE, 3, "id", "3"),
            rec(TABLE, 3, "email", "中\u{FFFD}"),
            rec(TABLE, 3, "phone_int", "-7"),
            rec(TABLE, 3, "score", "1.1010519491231002e17"),
            rec("notes", 1, "body", "客服回访 13700001111"),
        ]
    }

    fn make_db(path: &Path) {
        let conn = Connection::open(path).unwrap();
        build(&conn);
    }

    #[test]
    fn reads_every_cell_of_every_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.db");
        make_db(&path);
        let before = snapshot(dir.path());
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(records, expected());
        assert!(facts.lossy);
        assert_eq!(facts.encoding, None);
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
        assert_eq!(snapshot(dir.path()), before);
    }

    #[test]
    fn reads_bytes_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.db");
        make_db(&path);
        let bytes = std::fs::read(&path).unwrap();
        let (records, facts) = collect(|emit| read_bytes(bytes, &memory(), emit));
        assert_eq!(records, expected());
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    }

    #[test]
    fn odd_characters_in_the_path() {
        let base = tempfile::tempdir().unwrap();
        let dir: PathBuf = base.path().join("客户 数据?x=1#frag%20&100%");
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("会员 #1?.db");
        make_db(&path);
        let before = snapshot(&dir);
        let (records, _) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(records, expected());
        assert_eq!(snapshot(&dir), before);
        // Nothing was created beside the odd directory either (a mis-encoded URI would open or
        // create some other file).
        assert_eq!(std::fs::read_dir(base.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn relative_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rel.db");
        make_db(&path);
        let cwd = std::env::current_dir().unwrap();
        let relative = pathdiff(&path, &cwd);
        let (records, _) = collect(|emit| read_path(&relative, 0, &memory(), emit));
        assert_eq!(records, expected());
    }

    #[cfg(unix)]
    /// `path` relative to `base` via `..` steps (both absolute).
    fn pathdiff(path: &Path, base: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for _ in base.components().skip(1) {
            out.push("..");
        }
        out.join(path.strip_prefix("/").unwrap())
    }

    #[test]
    fn wal_database_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        {
            let conn = Connection::open(&path).unwrap();
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            build(&conn);
        }
        // Closing the last connection checkpointed and removed -wal and -shm.
        assert_eq!(snapshot(dir.path()).keys().collect::<Vec<_>>(), ["wal.db"]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[18..20], &[2, 2], "header says WAL mode");
        let before = snapshot(dir.path());
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(records, expected());
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
        assert_eq!(snapshot(dir.path()), before);
        // In memory, too.
        let (records, _) = collect(|emit| read_bytes(bytes, &memory(), emit));
        assert_eq!(records, expected());
    }

    #[test]
    fn database_in_use_is_read_without_touching_its_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
                 CREATE TABLE t (phone TEXT); INSERT INTO t VALUES ('13800000001');
                 PRAGMA wal_checkpoint(TRUNCATE);
                 INSERT INTO t VALUES ('13800000002');",
            )
            .unwrap();
        // The writer holds an open read transaction and a lock on the file while we read.
        writer.execute_batch("BEGIN; SELECT count(*) FROM t;").unwrap();
        let before = snapshot(dir.path());
        assert!(before.contains_key("live.db-wal") && before.contains_key("live.db-shm"));
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        // Only the checkpointed row is in the main file.
        assert_eq!(records, vec![rec("t", 1, "phone", "13800000001")]);
        assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
        assert!(facts.warnings[0].message.contains("-wal"));
        assert_eq!(facts.warnings[0].kind, ErrorKind::Unsupported);
        assert_eq!(snapshot(dir.path()), before);
        writer.execute_batch("COMMIT").unwrap();
    }

    #[test]
    fn exclusively_locked_database_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE t (email TEXT); INSERT INTO t VALUES ('a@example.com'); BEGIN EXCLUSIVE;",
            )
            .unwrap();
        let (records, _) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(records, vec![rec("t", 1, "email", "a@example.com")]);
        writer.execute_batch("COMMIT").unwrap();
    }

    #[test]
    fn virtual_table_without_its_module_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vt.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE a (phone TEXT); INSERT INTO a VALUES ('13800000001');
                 CREATE TABLE b (phone TEXT); INSERT INTO b VALUES ('13800000002');
                 PRAGMA writable_schema = ON;
                 INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)
                   VALUES ('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING no_such_module(x)');
                 PRAGMA writable_schema = OFF;",
            )
            .unwrap();
        }
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(
            records,
            vec![
                rec("a", 1, "phone", "13800000001"),
                rec("b", 1, "phone", "13800000002")
            ]
        );
        assert_eq!(
            facts.warnings,
            [Problem::new(
                ErrorKind::Unsupported,
                "table \"vt\": not read: no such module: no_such_module"
            )]
        );
    }

    #[test]
    fn names_that_look_like_values_are_not_quoted_in_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vt.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE a (phone TEXT);
                 PRAGMA writable_schema = ON;
                 INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)
                   VALUES ('table', '13812345678', '13812345678', 0,
                           'CREATE VIRTUAL TABLE \"13812345678\" USING m_13912345678(x)');
                 PRAGMA writable_schema = OFF;",
            )
            .unwrap();
        }
        let (_, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
        let warning = &facts.warnings[0];
        assert_eq!(warning.kind, ErrorKind::Unsupported);
        assert!(!warning.message.contains("1381234"), "{warning}");
        assert!(!warning.message.contains("1391234"), "{warning}");
        assert!(warning.message.contains("no such module"), "{warning}");
    }

    #[test]
    fn unreadable_fts_table_falls_back_to_its_storage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fts.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE VIRTUAL TABLE notes USING fts5(body);
                 INSERT INTO notes (body) VALUES ('客服回访 13700001111');
                 PRAGMA writable_schema = ON;
                 UPDATE sqlite_master SET sql = 'CREATE VIRTUAL TABLE notes USING fts5(body, bogus_option=1)'
                   WHERE name = 'notes';
                 PRAGMA writable_schema = OFF;",
            )
            .unwrap();
        }
        let (records, facts) = collect(|emit| read_path(&path, 0, &memory(), emit));
        assert_eq!(
            facts.warnings,
            [Problem::new(
                ErrorKind::Unsupported,
                "table \"notes\": not read: unrecognized option: \"bogus_option\""
            )]
        );
        // The rest of the storage is FTS internals whose layout is SQLite's business.
        assert!(
            records.contains(&rec("notes_content", 1, "c0", "客服回访 13700001111")),
            "{records:?}"
        );
        assert!(records.iter().all(|r| r.0.starts_with("notes_")), "{records:?}");
    }

    #[test]
    fn corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corrupt.db");
        let mut bytes = b"SQLite format 3\0".to_vec();
        // Deterministic garbage (xorshift).
        let mut x = 0x2545F4914F6CDD1Du64;
        for _ in 0..8192 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push(x as u8);
        }
        std::fs::write(&path, &bytes).unwrap();
        let before = snapshot(dir.path());
        let err = read_path(&path, 0, &memory(), &mut |_| panic!("no records")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
        let err = err.to_string();
        assert!(err.starts_with("cannot read SQLite file: "), "{err}");
        assert!(!err.contains('\n'));
        assert_eq!(snapshot(dir.path()), before);
        let err = read_bytes(bytes, &memory(), &mut |_| panic!("no records")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
        assert!(err.to_string().starts_with("cannot read SQLite file: "), "{err}");
    }

    #[test]
    fn non_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(&path, "姓名,手机\n张三,13812345678\n".repeat(100)).unwrap();
        let expected = "cannot read SQLite file: file is not a database (encrypted or corrupt)";
        let err = read_path(&path, 0, &memory(), &mut |_| panic!("no records")).unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.kind()),
            (expected, ErrorKind::Corrupt)
        );
        let bytes = std::fs::read(&path).unwrap();
        let err = read_bytes(bytes, &memory(), &mut |_| panic!("no records")).unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.kind()),
            (expected, ErrorKind::Corrupt)
        );
        let missing = dir.path().join("missing.db");
        let err = read_path(&missing, 0, &memory(), &mut |_| panic!("no records")).unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.kind()),
            (
                "cannot read SQLite file: unable to open database file",
                ErrorKind::Io
            )
        );
        assert!(!missing.exists(), "read-only open must not create the file");
    }

    #[test]
    fn real_rendering() {
        let show = |x: f64| {
            let mut s = String::new();
            write_real(&mut s, x);
            s
        };
        assert_eq!(show(3.0), "3");
        assert_eq!(show(-2.0), "-2");
        assert_eq!(show(-0.0), "0");
        assert_eq!(show(12.5), "12.5");
        assert_eq!(show(0.1), "0.1");
        assert_eq!(show(13812345678.0), "13812345678");
        assert_eq!(show(999999999999999.0), "999999999999999");
        assert_eq!(show(1e15), "1000000000000000.0");
        assert_eq!(show(1.1010519491231002e17), "1.1010519491231002e17");
    }

    #[test]
    fn blob_text_rules() {
        assert_eq!(blob_text("张三 13812345678".as_bytes()), Some("张三 13812345678"));
        assert_eq!(blob_text(b"a@example.com\0\0"), Some("a@example.com"));
        assert_eq!(blob_text(b"ab\0cd"), None);
        assert_eq!(blob_text(&[0xFF, 0xD8, 0xFF, 0xE0]), None);
        assert_eq!(blob_text(&[1, 2, 3, 4, 5]), None);
        assert_eq!(blob_text(b""), None);
        assert_eq!(blob_text(b"\0\0"), None);
    }

    #[cfg(unix)]
    #[test]
    fn uri_encoding() {
        assert_eq!(
            uri(Path::new("/tmp/客 ?#%/a.db")),
            "file:///tmp/%E5%AE%A2%20%3F%23%25/a.db?mode=ro&immutable=1"
        );
        assert_eq!(
            uri(Path::new("//srv/x.db")),
            "file:////srv/x.db?mode=ro&immutable=1"
        );
        assert_eq!(uri(Path::new("d:x/y.db")), "file:d%3Ax/y.db?mode=ro&immutable=1");
    }
}
