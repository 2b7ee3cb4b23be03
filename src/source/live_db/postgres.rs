//! PostgreSQL: rust-postgres's synchronous client, no TLS.
//!
//! The session starts with `default_transaction_read_only=on` (a startup option, before any
//! statement can run); each table is read in `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
//! with `SET LOCAL statement_timeout` and `lock_timeout`, then rolled back. Every column is
//! read as `::text` (the server's own output format for every type), `bytea` as bytes.

use super::{emit_row, DbError, Sample, Settings, Table, TableFacts, Target, CONNECT_TIMEOUT, MAX_CELL};
use crate::error::ErrorKind;
use crate::source::Record;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls};
use std::collections::HashMap;
use std::time::Duration;

/// Longest a table's read waits for a lock (another session's `ALTER TABLE`): pimap must not
/// queue behind one, nor make every later query queue behind its own wait.
const LOCK_TIMEOUT_MS: u64 = 5_000;

/// Longest the catalog's queries may take.
const CATALOG_TIMEOUT_MS: u64 = 60_000;

/// A table this many times larger than the sample is read through `TABLESAMPLE SYSTEM`.
const TABLESAMPLE_FACTOR: f64 = 20.0;

pub(super) fn connect(target: &Target, _timeout: Duration) -> Result<Client, DbError> {
    let mut config = Config::new();
    config
        .user(&target.user)
        .dbname(&target.database)
        .port(target.port)
        .application_name("pimap")
        .connect_timeout(CONNECT_TIMEOUT)
        // A server or network that goes silent mid-read is noticed within a minute or two,
        // not after the system's two hours of keepalive idle.
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .keepalives_interval(Duration::from_secs(10))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(60))
        // Read-only before any statement runs; idle transactions do not linger.
        .options("-c default_transaction_read_only=on -c idle_in_transaction_session_timeout=600000");
    match &target.socket {
        Some(dir) => config.host_path(dir),
        None => config.host(&target.host),
    };
    if let Some(password) = &target.password {
        config.password(password);
    }
    let mut client = config.connect(NoTls).map_err(|e| connect_error(&e, target))?;
    client
        // The text of dates, intervals, timestamps with time zone, floats and bytea is the
        // server's settings' (a role or database may set them): fixed here, so a live scan
        // finds what a scan of the dump finds. SET rather than startup options: PgBouncer
        // passes SET through.
        .batch_execute(
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; \
             SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; \
             SET extra_float_digits = 1; SET bytea_output = 'hex'",
        )
        .map_err(|e| connect_error(&e, target))?;
    Ok(client)
}

fn connect_error(e: &postgres::Error, target: &Target) -> DbError {
    let mut message = format!("cannot connect: {}", reason(e));
    if e.code() == Some(&SqlState::INVALID_PASSWORD) {
        message.push_str(&match target.password_from {
            Some(from) => format!(" (the password came from {from})"),
            None => " (no password was given: set PGPASSWORD or add a ~/.pgpass line)".to_string(),
        });
    }
    DbError::new(ErrorKind::Connect, message)
}

/// The server's message, or the client's (a refused connection, a timeout).
fn reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

fn table_error(e: &postgres::Error, table: &Table, rows: u64) -> DbError {
    let kind = match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => ErrorKind::Permission,
        Some(c) if *c == SqlState::QUERY_CANCELED => ErrorKind::Timeout,
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => ErrorKind::Timeout,
        Some(_) => ErrorKind::Io,
        None if e.is_closed() => ErrorKind::Connect,
        None => ErrorKind::Io,
    };
    let what = if rows == 0 {
        "not read".to_string()
    } else {
        format!("stopped after {rows} rows")
    };
    DbError::new(
        kind,
        format!("table {}: {what}: {}", quote_shown(&table.shown), reason(e)),
    )
}

fn quote_shown(name: &str) -> String {
    if crate::source::looks_like_value(name) {
        "*".into()
    } else {
        format!("\"{name}\"")
    }
}

fn catalog_error(e: postgres::Error) -> DbError {
    DbError::new(ErrorKind::Io, format!("cannot list the tables: {}", reason(&e)))
}

/// Schemas of the system, never read.
const SYSTEM_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

pub(super) fn tables(client: &mut Client) -> Result<Vec<Table>, DbError> {
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
             SET LOCAL statement_timeout = {CATALOG_TIMEOUT_MS}; SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"
        ))
        .map_err(catalog_error)?;
    let listed = list(client);
    let _ = client.batch_execute("ROLLBACK");
    listed.map_err(catalog_error)
}

fn list(client: &mut Client) -> Result<Vec<Table>, postgres::Error> {
    // Ordinary and partitioned tables (not their partitions: the parent reads them) and
    // materialized views (copies of data). Views and foreign tables hold no data here.
    let relations = client.query(
        &format!(
            "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.reltuples::float8, \
             c.relkind <> 'p' \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND {SYSTEM_SCHEMAS} \
             ORDER BY n.nspname, c.relname"
        ),
        &[],
    )?;
    let columns = client.query(
        &format!(
            "SELECT a.attrelid::int8, a.attname::text, t.typname::text = 'bytea' \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
             WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm') \
             AND {SYSTEM_SCHEMAS} ORDER BY a.attrelid, a.attnum"
        ),
        &[],
    )?;
    let keys = client.query(
        "SELECT i.indrelid::int8, a.attname::text \
         FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indisprimary \
         ORDER BY i.indrelid, array_position(i.indkey::int2[], a.attnum)",
        &[],
    )?;
    let mut by_oid: HashMap<i64, Table> = HashMap::new();
    let mut order = Vec::new();
    for r in &relations {
        let oid: i64 = r.get(0);
        let schema: String = r.get(1);
        let name: String = r.get(2);
        let tuples: f64 = r.get(3);
        let only: bool = r.get(4);
        let shown = if schema == "public" {
            name.clone()
        } else {
            format!("{schema}.{name}")
        };
        order.push(oid);
        by_oid.insert(
            oid,
            Table {
                schema,
                name,
                shown,
                columns: Vec::new(),
                key: Vec::new(),
                // -1 (PostgreSQL 14+) or 0 before: never vacuumed or analyzed.
                estimated_rows: (tuples > 0.0).then_some(tuples as u64),
                only,
            },
        );
    }
    for r in &columns {
        if let Some(t) = by_oid.get_mut(&r.get::<_, i64>(0)) {
            t.columns.push(super::Column {
                name: r.get(1),
                binary: r.get(2),
                long: false,
            });
        }
    }
    for r in &keys {
        if let Some(t) = by_oid.get_mut(&r.get::<_, i64>(0)) {
            let name: String = r.get(1);
            if let Some(i) = t.columns.iter().position(|c| c.name == name) {
                t.key.push(i);
            }
        }
    }
    Ok(order.into_iter().filter_map(|oid| by_oid.remove(&oid)).collect())
}

/// `"name"` with inner quotes doubled.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The table's SELECT: every column as text (bytea as bytes), at most the sample's rows.
/// No `ORDER BY`: the server stops after the rows asked for, whatever the table's size. A
/// table much larger than the sample is read through `TABLESAMPLE SYSTEM` (whole pages chosen
/// over the table, the same ones each time: `REPEATABLE`), so the sample is not only its
/// oldest rows; with `pages_allowed` false (the sampled pages held too few rows) it never does.
fn select(table: &Table, sample: Sample, pages_allowed: bool) -> (String, bool) {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.binary {
            true => format!("substring({} FROM 1 FOR {MAX_CELL})", ident(&c.name)),
            false => format!("left({}::text, {MAX_CELL})", ident(&c.name)),
        })
        .collect();
    let mut sql = format!(
        "SELECT {} FROM {}{}.{}",
        if columns.is_empty() {
            "NULL".to_string()
        } else {
            columns.join(", ")
        },
        if table.only { "ONLY " } else { "" },
        ident(&table.schema),
        ident(&table.name)
    );
    let mut pages = false;
    if let Sample::Rows(n) = sample {
        if let Some(rows) = table
            .estimated_rows
            .filter(|&r| pages_allowed && r as f64 > n as f64 * TABLESAMPLE_FACTOR)
        {
            // A little more than the share needed (page sizes vary), not much more: the read
            // stops at LIMIT n, so a larger share would see only the front of the table. Too
            // few rows (an old estimate) are made up for by `read_rows`.
            let percent = (120.0 * n as f64 / rows as f64).clamp(0.0001, 100.0);
            sql.push_str(&format!(" TABLESAMPLE SYSTEM ({percent:.6}) REPEATABLE (0)"));
            pages = true;
        }
        sql.push_str(&format!(" LIMIT {n}"));
    }
    (sql, pages)
}

pub(super) fn read_table(
    client: &mut Client,
    table: &Table,
    settings: &Settings,
    facts: &mut TableFacts,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), DbError> {
    let ms = settings.timeout.as_millis().clamp(1, i32::MAX as u128);
    let begin = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
         SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"
    );
    client
        .batch_execute(&begin)
        .map_err(|e| table_error(&e, table, 0))?;
    let read = read_rows(client, table, settings.sample, facts, emit);
    // Nothing to commit: the transaction only read. A failed one must be ended too.
    let _ = client.batch_execute("ROLLBACK");
    read.map_err(|e| table_error(&e, table, facts.rows))
}

fn read_rows(
    client: &mut Client,
    table: &Table,
    sample: Sample,
    facts: &mut TableFacts,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), postgres::Error> {
    let none: [&str; 0] = [];
    let (mut sql, pages) = select(table, sample, true);
    if let (true, Sample::Rows(n)) = (pages, sample) {
        // The pages sampled must hold the rows asked for (the estimate of the table's size may
        // be old, too high): otherwise its first rows are read instead. Same snapshot, same
        // pages (REPEATABLE), so the count is what the read would get.
        let count: i64 = client
            .query_one(format!("SELECT count(*) FROM ({sql}) s").as_str(), &[])?
            .get(0);
        if (count as u64) < n {
            sql = select(table, sample, false).0;
        } else {
            facts.sampled_pages = true;
        }
    }
    // Rows arrive as the server sends them: a full scan never holds the table.
    let mut rows = client.query_raw(sql.as_str(), none.iter())?;
    while let Some(row) = rows.next()? {
        facts.rows += 1;
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(table.columns.len());
        for (i, column) in table.columns.iter().enumerate() {
            let cell = match column.binary {
                true => row
                    .try_get::<_, Option<&[u8]>>(i)
                    .ok()
                    .flatten()
                    .and_then(super::binary_text),
                false => row.try_get::<_, Option<&str>>(i).ok().flatten(),
            };
            cells.push(cell);
        }
        emit_row(table, facts.rows, &cells, facts, emit);
    }
    Ok(())
}
