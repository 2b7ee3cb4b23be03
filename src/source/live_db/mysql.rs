//! MySQL and MariaDB: blackbeam's synchronous client, text protocol, no TLS.
//!
//! The session is made read-only (`SET SESSION TRANSACTION READ ONLY`) before anything else
//! runs; each table is read in `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` and
//! rolled back. The per-table timeout is MariaDB's `SET STATEMENT max_statement_time=S FOR`
//! or MySQL's `MAX_EXECUTION_TIME(ms)` hint. Rows are read one at a time off the socket
//! (`query_iter`): a full scan never holds the table. In the text protocol every value
//! arrives as the server's text for it; binary columns (BLOB, VARBINARY) are kept only when
//! they are valid UTF-8 text.

use super::{emit_row, DbError, Sample, Settings, Table, TableFacts, Target, CONNECT_TIMEOUT, MAX_CELL};
use crate::error::ErrorKind;
use crate::source::Record;
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Seconds a table's read waits for a metadata lock (another session's `ALTER TABLE`).
const LOCK_WAIT_SECONDS: u32 = 5;

// Server error codes (mysqld_error.h).
const ER_DBACCESS_DENIED: u16 = 1044;
const ER_ACCESS_DENIED: u16 = 1045;
const ER_BAD_DB: u16 = 1049;
const ER_TABLEACCESS_DENIED: u16 = 1142;
const ER_COLUMNACCESS_DENIED: u16 = 1143;
const ER_QUERY_INTERRUPTED: u16 = 1317;
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;
/// MariaDB's max_statement_time, and MySQL's MAX_EXECUTION_TIME.
const ER_STATEMENT_TIMEOUT: u16 = 1969;
const ER_QUERY_TIMEOUT: u16 = 3024;

pub(super) fn connect(target: &Target, timeout: Duration) -> Result<(Conn, bool), DbError> {
    let mut opts = OptsBuilder::new()
        .user(Some(target.user.clone()))
        .pass(target.password.clone())
        .db_name(Some(target.database.clone()))
        .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
        // A row may take a while when the server reads far to find it; a table's read is
        // bounded by the statement timeout, the socket by this.
        .read_timeout(Some(timeout.saturating_add(Duration::from_secs(60))))
        .write_timeout(Some(Duration::from_secs(60)))
        // Otherwise the client reconnects through the server's Unix socket when it runs on
        // this machine: what was asked for is what is used.
        .prefer_socket(false)
        .stmt_cache_size(0)
        .init(vec![
            "SET SESSION TRANSACTION READ ONLY".to_string(),
            "SET NAMES utf8mb4".to_string(),
            // TIMESTAMP values in UTC, whatever the server's default (as in mysqldump's output).
            "SET time_zone = '+00:00'".to_string(),
            format!("SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"),
        ]);
    opts = match &target.socket {
        Some(socket) => opts.socket(Some(socket.display().to_string())),
        None => opts
            .ip_or_hostname(Some(target.host.clone()))
            .tcp_port(target.port),
    };
    let mut conn = Conn::new(opts).map_err(|e| connect_error(&e, target))?;
    let version: Vec<Option<String>> = query_rows(&mut conn, "SELECT VERSION()").map_err(|e| {
        e.map_or_else(
            || {
                DbError::new(
                    ErrorKind::Connect,
                    "cannot connect: the server's version is not text",
                )
            },
            |e| connect_error(&e, target),
        )
    })?;
    let mariadb = version
        .into_iter()
        .flatten()
        .next()
        .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
    Ok((conn, mariadb))
}

fn connect_error(e: &mysql::Error, target: &Target) -> DbError {
    let mut message = format!("cannot connect: {}", reason(e));
    if code(e) == Some(ER_ACCESS_DENIED) {
        message.push_str(&match target.password_from {
            Some(from) => format!(" (the password came from {from})"),
            None => " (no password was given: set MYSQL_PWD or add password= to [client] in ~/.my.cnf)"
                .to_string(),
        });
    }
    DbError::new(ErrorKind::Connect, message)
}

fn code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

fn reason(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => m.message.clone(),
        e => e.to_string(),
    }
}

fn table_error(e: &mysql::Error, table: &Table, rows: u64) -> DbError {
    let kind = match code(e) {
        Some(ER_TABLEACCESS_DENIED | ER_COLUMNACCESS_DENIED | ER_DBACCESS_DENIED | ER_ACCESS_DENIED) => {
            ErrorKind::Permission
        }
        Some(ER_STATEMENT_TIMEOUT | ER_QUERY_TIMEOUT | ER_QUERY_INTERRUPTED | ER_LOCK_WAIT_TIMEOUT) => {
            ErrorKind::Timeout
        }
        Some(ER_BAD_DB) => ErrorKind::NotFound,
        Some(_) => ErrorKind::Io,
        None => ErrorKind::Connect,
    };
    let what = if rows == 0 {
        "not read".to_string()
    } else {
        format!("stopped after {rows} rows")
    };
    let shown = if crate::source::looks_like_value(&table.shown) {
        "*".to_string()
    } else {
        format!("`{}`", table.shown)
    };
    DbError::new(kind, format!("table {shown}: {what}: {}", reason(e)))
}

/// A query's rows converted without panicking (`Queryable::query` panics, printing the row,
/// when a value does not convert): Err(None) when one does not.
fn query_rows<T: mysql::prelude::FromRow>(
    conn: &mut Conn,
    sql: &str,
) -> Result<Vec<T>, Option<mysql::Error>> {
    let mut out = Vec::new();
    for row in conn.query_iter(sql).map_err(Some)? {
        out.push(mysql::from_row_opt::<T>(row.map_err(Some)?).map_err(|_| None)?);
    }
    Ok(out)
}

fn catalog_error(e: Option<mysql::Error>) -> DbError {
    match e {
        Some(e) => DbError::new(ErrorKind::Io, format!("cannot list the tables: {}", reason(&e))),
        None => DbError::new(
            ErrorKind::Io,
            "cannot list the tables: the catalog returned a value of an unexpected type",
        ),
    }
}

/// The database's base tables (views hold no data of their own). A table on which the user
/// has no privilege at all is not in `information_schema`: MySQL does not show it, so it is
/// neither read nor reported (see docs/live-databases.md).
pub(super) fn tables(conn: &mut Conn, database: &str) -> Result<Vec<Table>, DbError> {
    let names: Vec<(String, Option<u64>)> = query_rows(
        conn,
        "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .map_err(catalog_error)?;
    let columns: Vec<(String, String, String)> = query_rows(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .map_err(catalog_error)?;
    let keys: Vec<(String, String)> = query_rows(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .map_err(catalog_error)?;
    let mut by_name: HashMap<String, Table> = names
        .iter()
        .map(|(name, rows)| {
            (
                name.clone(),
                Table {
                    schema: database.to_string(),
                    name: name.clone(),
                    shown: name.clone(),
                    columns: Vec::new(),
                    key: Vec::new(),
                    estimated_rows: *rows,
                    only: false,
                },
            )
        })
        .collect();
    for (table, column, data_type) in columns {
        if let Some(t) = by_name.get_mut(&table) {
            let binary = matches!(
                data_type.to_ascii_lowercase().as_str(),
                "binary"
                    | "varbinary"
                    | "tinyblob"
                    | "blob"
                    | "mediumblob"
                    | "longblob"
                    | "bit"
                    | "geometry"
                    | "point"
                    | "linestring"
                    | "polygon"
                    | "multipoint"
                    | "multilinestring"
                    | "multipolygon"
                    | "geometrycollection"
            );
            let long = matches!(
                data_type.to_ascii_lowercase().as_str(),
                "text" | "mediumtext" | "longtext" | "blob" | "mediumblob" | "longblob"
            );
            t.columns.push(super::Column {
                name: column,
                binary,
                long,
            });
        }
    }
    for (table, column) in keys {
        if let Some(t) = by_name.get_mut(&table) {
            if let Some(i) = t.columns.iter().position(|c| c.name == column) {
                t.key.push(i);
            }
        }
    }
    Ok(names
        .into_iter()
        .filter_map(|(name, _)| by_name.remove(&name))
        .collect())
}

/// `` `name` `` with inner backticks doubled.
fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The table's SELECT, bounded in time, at most the sample's rows, no `ORDER BY` (the
/// server stops after N rows: InnoDB's first N in primary-key order).
fn select(table: &Table, mariadb: bool, settings: &Settings) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.long {
            // Only where needed: LEFT of a FLOAT or a DATE is not its text.
            true => format!("LEFT({0}, {MAX_CELL}) AS {0}", ident(&c.name)),
            false => ident(&c.name),
        })
        .collect();
    let list = if columns.is_empty() {
        "NULL".to_string()
    } else {
        columns.join(", ")
    };
    let from = format!("{}.{}", ident(&table.schema), ident(&table.name));
    let limit = match settings.sample {
        Sample::Rows(n) => format!(" LIMIT {n}"),
        Sample::All => String::new(),
    };
    if mariadb {
        let seconds = settings.timeout.as_secs_f64().max(0.001);
        format!("SET STATEMENT max_statement_time = {seconds:.3} FOR SELECT {list} FROM {from}{limit}")
    } else {
        let ms = settings.timeout.as_millis().clamp(1, u32::MAX as u128);
        format!("SELECT /*+ MAX_EXECUTION_TIME({ms}) */ {list} FROM {from}{limit}")
    }
}

pub(super) fn read_table(
    conn: &mut Conn,
    mariadb: bool,
    table: &Table,
    settings: &Settings,
    facts: &mut TableFacts,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), DbError> {
    conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        .map_err(|e| table_error(&e, table, 0))?;
    let read = read_rows(conn, mariadb, table, settings, facts, emit);
    let _ = conn.query_drop("ROLLBACK");
    read.map_err(|e| table_error(&e, table, facts.rows))
}

fn read_rows(
    conn: &mut Conn,
    mariadb: bool,
    table: &Table,
    settings: &Settings,
    facts: &mut TableFacts,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), mysql::Error> {
    let sql = select(table, mariadb, settings);
    let mut result = conn.query_iter(sql)?;
    let mut error = None;
    for row in result.by_ref() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        facts.rows += 1;
        let mut cells: Vec<Option<std::borrow::Cow<'_, str>>> = Vec::with_capacity(table.columns.len());
        for (i, column) in table.columns.iter().enumerate() {
            let cell = match row.as_ref(i) {
                Some(Value::Bytes(bytes)) => match column.binary {
                    true => super::binary_text(bytes).map(std::borrow::Cow::Borrowed),
                    false => Some(String::from_utf8_lossy(bytes)),
                },
                // The text protocol sends every value as bytes; others only in the binary one.
                Some(Value::NULL) | None => None,
                Some(other) => Some(std::borrow::Cow::Owned(other.as_sql(true))),
            };
            cells.push(cell);
        }
        let borrowed: Vec<Option<&str>> = cells.iter().map(|c| c.as_deref()).collect();
        emit_row(table, facts.rows, &borrowed, facts, emit);
    }
    drop(result);
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
