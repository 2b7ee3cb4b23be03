//! Live databases: `pimap scan 'postgres://USER@HOST:PORT/DB'` and `'mysql://USER@HOST:PORT/DB'`
//! (MySQL and MariaDB). See docs/live-databases.md.
//!
//! A root of this kind is not walked: the scan connects, lists every table and column from the
//! catalog (`tables`), and each table becomes a task of the worker pool, read on a connection
//! of the worker's own (`Conn::read_table`) in a read-only transaction of its own, with a
//! timeout of its own, `--db-sample N` rows at most (`LIMIT N` without `ORDER BY`: no sort, the
//! server stops after N rows; PostgreSQL tables much larger than N are read through
//! `TABLESAMPLE SYSTEM ... REPEATABLE`, pages spread over the whole table). Every non-NULL
//! value becomes a `Record` located like a dump's (`Origin::Table`) plus the row's primary
//! key, so the column machinery, the look-alike rule and fingerprints are those of dumps.
//!
//! Nothing is ever written: the session is read-only (PostgreSQL
//! `default_transaction_read_only`, MySQL `SET SESSION TRANSACTION READ ONLY`), every table
//! is read in a `READ ONLY` transaction, and the only statements sent are `SET` of session
//! settings, `BEGIN`/`START TRANSACTION`, catalog `SELECT`s, the table `SELECT`s and
//! `ROLLBACK`. A user with SELECT on the tables is all pimap needs.
//!
//! Passwords never come from the inventory: from `PGPASSWORD` or `~/.pgpass` (PostgreSQL),
//! `MYSQL_PWD` or `~/.my.cnf` `[client]` (MySQL), or, with a warning, from the URL. The
//! address shown everywhere (`Target::address`) has no password.

mod mysql;
mod postgres;

use super::{Origin, Record};
use crate::error::{Classified, ErrorKind, Problem};
use std::path::PathBuf;
use std::time::Duration;

/// The kind of a live database root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mysql,
}

impl Kind {
    /// The inventory's name of the kind (`sources[].kind`, `files[].format`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Postgres => "postgres",
            Kind::Mysql => "mysql",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Kind::Postgres => 5432,
            Kind::Mysql => 3306,
        }
    }
}

/// The URL schemes taken for live databases; anything else is a path.
const SCHEMES: [(&str, Kind); 4] = [
    ("postgres://", Kind::Postgres),
    ("postgresql://", Kind::Postgres),
    ("mysql://", Kind::Mysql),
    ("mariadb://", Kind::Mysql),
];

/// Whether a root argument names a live database (`postgres://`, `postgresql://`, `mysql://`,
/// `mariadb://`). A folder of such a name is given as `./postgres:/...`.
pub fn is_database_url(arg: &std::ffi::OsStr) -> bool {
    arg.to_str().is_some_and(|s| scheme_of(s).is_some())
}

fn scheme_of(s: &str) -> Option<(usize, Kind)> {
    SCHEMES.iter().find_map(|(scheme, kind)| {
        s.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| (scheme.len(), *kind))
    })
}

/// A live database to scan, as the URL gave it plus what the environment adds.
#[derive(Clone)]
pub struct Target {
    pub kind: Kind,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub database: String,
    /// `?socket=PATH`: a Unix socket (PostgreSQL: the folder holding it) instead of TCP.
    pub socket: Option<PathBuf>,
    password: Option<String>,
    /// Where the password came from (for messages), or None.
    pub password_from: Option<&'static str>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.write_str(&self.address())
    }
}

/// A URL that does not name a database pimap can scan.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("{0}: not a database URL (postgres://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB)")]
    Syntax(String),
    #[error("{0}: a MySQL URL must name the database (mysql://USER@HOST:PORT/DB)")]
    NoDatabase(String),
    #[error("{url}: invalid port {port:?}")]
    Port { url: String, port: String },
    #[error("{url}: unknown parameter {name:?} (known: socket, sslmode=disable|prefer)")]
    Parameter { url: String, name: String },
    #[error("{url}: TLS (sslmode={mode}) is not supported yet: connect over loopback, a Unix socket (?socket=PATH) or an SSH tunnel")]
    Tls { url: String, mode: String },
}

/// A URL's parts after the scheme: the user information is everything up to the LAST `@` of
/// the whole remainder (a password may hold `/`, `?`, `#`, `:` or `@`; an `@` in a database
/// name or parameter must be written `%40`), then the host and port up to the first `/` or `?`,
/// the path, and the query.
struct UrlParts<'a> {
    userinfo: Option<&'a str>,
    hostport: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

fn split_url(rest: &str) -> UrlParts<'_> {
    let (userinfo, after) = match rest.rfind('@') {
        Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
        None => (None, rest),
    };
    let (after, query) = match after.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (after, None),
    };
    let (hostport, path) = after.split_once('/').unwrap_or((after, ""));
    UrlParts {
        userinfo,
        hostport,
        path,
        query,
    }
}

/// A URL's text with any password replaced: safe for messages.
pub fn without_password(url: &str) -> String {
    let Some((at, _)) = scheme_of(url) else {
        return url.to_string();
    };
    let rest = &url[at..];
    match split_url(rest).userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, _)) => format!("{}{user}:***@{}", &url[..at], &rest[info.len() + 1..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A URL that could not be parsed, for its error message: whatever precedes the last `@`
/// (user and password, however malformed) is never shown.
fn masked(url: &str) -> String {
    let Some((at, _)) = scheme_of(url) else {
        return "***".to_string();
    };
    match split_url(&url[at..]).userinfo {
        Some(info) => format!("{}***@{}", &url[..at], &url[at + info.len() + 1..]),
        None => url.to_string(),
    }
}

impl Target {
    /// Parses `scheme://[USER[:PASSWORD]@]HOST[:PORT][/DB][?socket=PATH&sslmode=disable]`;
    /// `notes` get the warnings (a password in the URL). The password is taken from the
    /// environment or the client's files when the URL has none.
    pub fn parse(url: &str, notes: &mut Vec<String>) -> Result<Target, UrlError> {
        let shown = masked(url);
        let (at, kind) = scheme_of(url).ok_or_else(|| UrlError::Syntax(shown.clone()))?;
        let UrlParts {
            userinfo,
            hostport,
            path,
            query,
        } = split_url(&url[at..]);
        let (user, url_password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (decode(u), Some(decode(p))),
                None => (decode(info), None),
            },
            None => (String::new(), None),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| UrlError::Syntax(shown.clone()))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (decode(h), Some(p)),
                None => (decode(hostport), None),
            }
        };
        let port = match port.filter(|p| !p.is_empty()) {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| UrlError::Port {
                    url: shown.clone(),
                    port: p.to_string(),
                })?,
            None => kind.default_port(),
        };
        let mut socket = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "socket" | "host" if value.starts_with("%2F") || value.starts_with('/') => {
                    socket = Some(PathBuf::from(decode(value)))
                }
                "sslmode" | "ssl-mode" => match value.to_ascii_lowercase().as_str() {
                    "disable" | "disabled" | "prefer" | "preferred" | "allow" => {}
                    mode => {
                        return Err(UrlError::Tls {
                            url: shown,
                            mode: mode.to_string(),
                        })
                    }
                },
                _ => {
                    return Err(UrlError::Parameter {
                        url: shown,
                        name: name.to_string(),
                    })
                }
            }
        }
        let host = if host.is_empty() {
            "localhost".to_string()
        } else {
            host
        };
        let files = ClientFiles::from_env();
        let user = match (user.is_empty(), kind) {
            (false, _) => user,
            (true, Kind::Postgres) => env("PGUSER")
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "postgres".into()),
            (true, Kind::Mysql) => files
                .my_cnf_client(notes)
                .and_then(|c| c.user)
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "root".into()),
        };
        let database = decode(path.trim_end_matches('/'));
        let database = match (database.is_empty(), kind) {
            (false, _) => database,
            (true, Kind::Postgres) => user.clone(),
            (true, Kind::Mysql) => return Err(UrlError::NoDatabase(shown)),
        };
        let mut target = Target {
            kind,
            user,
            host,
            port,
            database,
            socket,
            password: None,
            password_from: None,
        };
        match url_password {
            Some(p) => {
                notes.push(format!(
                    "{}: a password in the URL can be seen by other users of this machine (ps, shell history); use {} instead",
                    target.address(),
                    match kind {
                        Kind::Postgres => "PGPASSWORD or ~/.pgpass",
                        Kind::Mysql => "MYSQL_PWD or ~/.my.cnf",
                    }
                ));
                target.password = Some(p);
                target.password_from = Some("the URL");
            }
            None => {
                let (password, from) = files.password(&target, notes);
                target.password = password;
                target.password_from = from;
            }
        }
        Ok(target)
    }

    /// The address shown in the inventory, findings and messages: never a password.
    pub fn address(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut shown = format!(
            "{}://{}@{host}:{}/{}",
            self.kind.name(),
            encode(&self.user),
            self.port,
            encode(&self.database)
        );
        if let Some(socket) = &self.socket {
            shown.push_str("?socket=");
            shown.push_str(&socket.display().to_string());
        }
        shown
    }

    /// Opens a read-only session, within `CONNECT_TIMEOUT` in all (TCP connect, startup,
    /// authentication and the session's settings): a server that accepts the connection and
    /// then says nothing must not hold the scan. The attempt runs on a thread of its own,
    /// left to end by itself when it takes too long.
    pub fn connect(&self, timeout: Duration) -> Result<Conn, DbError> {
        let (send, receive) = std::sync::mpsc::channel();
        let target = self.clone();
        let spawned = std::thread::Builder::new()
            .name("pimap-db-connect".into())
            .spawn(move || {
                let conn = match target.kind {
                    Kind::Postgres => {
                        postgres::connect(&target, timeout).map(|c| Conn::Postgres(Box::new(c)))
                    }
                    Kind::Mysql => {
                        mysql::connect(&target, timeout).map(|(c, mariadb)| Conn::Mysql(c, mariadb))
                    }
                };
                let _ = send.send(conn);
            });
        if let Err(e) = spawned {
            return Err(DbError::new(ErrorKind::Connect, format!("cannot connect: {e}")));
        }
        match receive.recv_timeout(CONNECT_TIMEOUT) {
            Ok(conn) => conn,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(DbError::new(
                ErrorKind::Connect,
                format!(
                    "cannot connect: no session within {} s (the server does not answer)",
                    CONNECT_TIMEOUT.as_secs()
                ),
            )),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(DbError::new(
                ErrorKind::Internal,
                "cannot connect: internal error (a bug, please report it)",
            )),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `%XX` escapes decoded (user names, passwords and database names in URLs).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What must be escaped to keep an address one URL.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '@' | ':' | '/' | '?' | '%' | '#' | '!') || c.is_control() || c == ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The client files that may hold a password: `~/.pgpass` (or `PGPASSFILE`) and `~/.my.cnf`.
struct ClientFiles {
    home: Option<PathBuf>,
}

/// The `[client]` section of `~/.my.cnf`.
#[derive(Default)]
struct MyCnf {
    user: Option<String>,
    password: Option<String>,
}

impl ClientFiles {
    fn from_env() -> ClientFiles {
        ClientFiles {
            home: env("HOME").map(PathBuf::from),
        }
    }

    /// The password, and where it came from.
    fn password(&self, target: &Target, notes: &mut Vec<String>) -> (Option<String>, Option<&'static str>) {
        match target.kind {
            Kind::Postgres => {
                if let Some(p) = env("PGPASSWORD") {
                    return (Some(p), Some("PGPASSWORD"));
                }
                let file = env("PGPASSFILE")
                    .map(PathBuf::from)
                    .or_else(|| self.home.as_ref().map(|h| h.join(".pgpass")));
                match file.and_then(|f| private_file(&f, notes)) {
                    Some(text) => {
                        // Named only when a line matched: a refusal then blames the file.
                        let password = pgpass_lookup(&text, target);
                        let from = password.as_ref().map(|_| "~/.pgpass");
                        (password, from)
                    }
                    None => (None, None),
                }
            }
            Kind::Mysql => {
                if let Some(p) = env("MYSQL_PWD") {
                    return (Some(p), Some("MYSQL_PWD"));
                }
                match self.my_cnf_client(notes).and_then(|c| c.password) {
                    Some(p) => (Some(p), Some("~/.my.cnf")),
                    None => (None, None),
                }
            }
        }
    }

    fn my_cnf_client(&self, notes: &mut Vec<String>) -> Option<MyCnf> {
        let path = self.home.as_ref()?.join(".my.cnf");
        let text = private_file(&path, notes)?;
        Some(parse_my_cnf(&text))
    }
}

/// A client file's text, if it exists and only its owner may read it (as libpq and the MySQL
/// client insist for files with passwords; otherwise a note says it was ignored).
fn private_file(path: &std::path::Path, notes: &mut Vec<String>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            notes.push(format!(
                "{} is readable by group or others: ignored (chmod 0600 it)",
                path.display()
            ));
            return None;
        }
    }
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The password of the first `~/.pgpass` line (`host:port:db:user:password`, `*` matches
/// anything, `\:` and `\\` are escapes) that matches the target, as libpq looks it up. A Unix
/// socket connection matches the host `localhost`.
fn pgpass_lookup(text: &str, target: &Target) -> Option<String> {
    let host = match target.socket {
        Some(_) => "localhost".to_string(),
        None => target.host.clone(),
    };
    let port = target.port.to_string();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = |field: &str, value: &str| field == "*" || field == value;
        if matches(&fields[0], &host)
            && matches(&fields[1], &port)
            && matches(&fields[2], &target.database)
            && matches(&fields[3], &target.user)
        {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// `user` and `password` of the `[client]` section of a MySQL option file.
fn parse_my_cnf(text: &str) -> MyCnf {
    let mut out = MyCnf::default();
    let mut in_client = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_client = section.trim().eq_ignore_ascii_case("client");
            continue;
        }
        if !in_client {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value)
            .to_string();
        match name.trim().replace('-', "_").as_str() {
            "user" => out.user = Some(value),
            "password" => out.password = Some(value),
            _ => {}
        }
    }
    out
}

/// How many rows of each table are read (`--db-sample`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    Rows(u64),
    All,
}

impl std::str::FromStr for Sample {
    type Err = String;
    fn from_str(s: &str) -> Result<Sample, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(Sample::All);
        }
        s.replace('_', "")
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            // More rows than a table can hold (and than PostgreSQL's bigint LIMIT takes): all.
            .map(|n| match n > i64::MAX as u64 {
                true => Sample::All,
                false => Sample::Rows(n),
            })
            .ok_or_else(|| format!("not a row count: {s:?} (a number of rows, or `all`)"))
    }
}

impl std::fmt::Display for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sample::Rows(n) => write!(f, "{n}"),
            Sample::All => f.write_str("all"),
        }
    }
}

/// The default `--db-sample`.
pub const DEFAULT_SAMPLE: u64 = 10_000;

/// How tables are read.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub sample: Sample,
    /// Longest a table's read may take (`--db-timeout`).
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sample: Sample::Rows(DEFAULT_SAMPLE),
            timeout: Duration::from_secs(300),
        }
    }
}

/// Longest a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A table of a live database, from its catalog.
#[derive(Debug, Clone)]
pub struct Table {
    /// PostgreSQL schema, or the MySQL database.
    pub schema: String,
    pub name: String,
    /// The name in locations and entry paths: `name` (PostgreSQL: `schema.name` outside the
    /// `public` schema).
    pub shown: String,
    pub columns: Vec<Column>,
    /// The primary key's columns (indexes into `columns`), in key order.
    pub key: Vec<usize>,
    /// The catalog's estimate of its rows (None: unknown, never analyzed).
    pub estimated_rows: Option<u64>,
    /// PostgreSQL: read `FROM ONLY` (an ordinary table or materialized view: its inheritance
    /// children are tables of their own, read on their own); false for a partitioned parent,
    /// which holds its partitions' rows, and for MySQL.
    pub only: bool,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Binary (bytea, BLOB, VARBINARY): read as text only when it is valid UTF-8.
    pub binary: bool,
    /// MySQL: a TEXT or BLOB type (up to 4 GB a value), read cut at `MAX_CELL`.
    pub long: bool,
}

/// The most of one value that is read (PostgreSQL: characters or bytes of every column;
/// MySQL: of TEXT and BLOB columns): a value may be up to 1 GB (4 GB on MySQL), and a worker
/// must not hold that much. Values this long are not personal data of any kind pimap knows.
pub const MAX_CELL: u32 = 16 << 20;

/// What reading a table found out.
#[derive(Debug, Default)]
pub struct TableFacts {
    pub rows: u64,
    /// Bytes of text scanned.
    pub bytes: u64,
    /// Read with `TABLESAMPLE` (pages spread over the table) rather than its first rows.
    pub sampled_pages: bool,
}

/// An open, read-only session.
pub enum Conn {
    Postgres(Box<::postgres::Client>),
    /// The connection, and whether the server is MariaDB.
    Mysql(::mysql::Conn, bool),
}

impl Conn {
    /// Every table (and PostgreSQL materialized view) of the database, with its columns and
    /// primary key, in schema then name order.
    pub fn tables(&mut self, target: &Target) -> Result<Vec<Table>, DbError> {
        match self {
            Conn::Postgres(c) => postgres::tables(c),
            Conn::Mysql(c, _) => mysql::tables(c, &target.database),
        }
    }

    /// Reads one table: each non-NULL value becomes a record. On `Err`, the records already
    /// emitted stand.
    pub fn read_table(
        &mut self,
        table: &Table,
        settings: &Settings,
        facts: &mut TableFacts,
        emit: &mut dyn FnMut(Record<'_>),
    ) -> Result<(), DbError> {
        match self {
            Conn::Postgres(c) => postgres::read_table(c, table, settings, facts, emit),
            Conn::Mysql(c, mariadb) => mysql::read_table(c, *mariadb, table, settings, facts, emit),
        }
    }

    /// Still usable for the next table (a timeout or a refused table leaves it so; a broken
    /// connection does not).
    pub fn is_usable(&self) -> bool {
        match self {
            Conn::Postgres(c) => !c.is_closed(),
            Conn::Mysql(..) => true,
        }
    }
}

/// What a database said, classified.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    pub kind: ErrorKind,
    pub message: String,
}

impl Classified for DbError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl DbError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> DbError {
        DbError {
            kind,
            message: one_line(&message.into()),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem::new(self.kind, self.message.clone())
    }
}

/// A server message on one line, with what looks like values masked (a server may quote a
/// value it refused).
fn one_line(message: &str) -> String {
    super::redact(&message.replace(['\r', '\n'], " "))
}

/// Turns one row's cells into records. `cells[i]` is column `i`'s text (None: NULL or a
/// binary value that is not text).
pub(crate) fn emit_row(
    table: &Table,
    row: u64,
    cells: &[Option<&str>],
    facts: &mut TableFacts,
    emit: &mut dyn FnMut(Record<'_>),
) {
    let mut key: Vec<(&str, &str)> = Vec::with_capacity(table.key.len());
    for &k in &table.key {
        if let Some(Some(v)) = cells.get(k) {
            key.push((table.columns[k].name.as_str(), v));
        }
    }
    // A key part that is not text (a BINARY(16) UUID): a partial key would point at other
    // rows, so there is none.
    if key.len() != table.key.len() {
        key.clear();
    }
    for (column, cell) in table.columns.iter().zip(cells) {
        let Some(text) = cell else { continue };
        if text.is_empty() {
            continue;
        }
        facts.bytes += text.len() as u64;
        emit(Record {
            text,
            origin: Origin::Table {
                table: &table.shown,
                row,
                column: &column.name,
                key: &key,
            },
        });
    }
}

/// The text in a binary value, if it is text (see `sqlite::blob_text`).
pub(crate) fn binary_text(bytes: &[u8]) -> Option<&str> {
    super::sqlite::blob_text(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> (Target, Vec<String>) {
        let mut notes = Vec::new();
        let t = Target::parse(url, &mut notes).unwrap();
        (t, notes)
    }

    #[test]
    fn urls_are_parsed_and_shown_without_password() {
        let (t, notes) = parse("postgres://reader:s3cr%40t@127.0.0.1:5433/shop");
        assert_eq!(t.kind, Kind::Postgres);
        assert_eq!(
            (t.user.as_str(), t.host.as_str(), t.port),
            ("reader", "127.0.0.1", 5433)
        );
        assert_eq!(t.database, "shop");
        assert_eq!(t.password.as_deref(), Some("s3cr@t"));
        assert_eq!(t.address(), "postgres://reader@127.0.0.1:5433/shop");
        assert!(!format!("{t:?}").contains("s3cr"));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("ps"), "{notes:?}");
        let (t, _) = parse("MariaDB://app@db.internal/crm");
        assert_eq!((t.kind, t.port), (Kind::Mysql, 3306));
        assert_eq!(t.address(), "mysql://app@db.internal:3306/crm");
        let (t, _) = parse("postgresql://u@[::1]:6000/x?socket=/tmp/pg&sslmode=disable");
        assert_eq!((t.host.as_str(), t.port), ("::1", 6000));
        assert_eq!(t.socket, Some(PathBuf::from("/tmp/pg")));
        let mut notes = Vec::new();
        assert!(matches!(
            Target::parse("mysql://u@h:3306/", &mut notes),
            Err(UrlError::NoDatabase(_))
        ));
        assert!(matches!(
            Target::parse("mysql://u:pw@h:99999/x", &mut notes),
            Err(UrlError::Port { .. })
        ));
        let e = Target::parse("postgres://u:topsecret@h/x?sslmode=require", &mut notes).unwrap_err();
        assert!(!e.to_string().contains("topsecret"), "{e}");
        assert_eq!(without_password("mysql://u:pw@h:1/db"), "mysql://u:***@h:1/db");
        assert!(is_database_url("postgres://x".as_ref()));
        assert!(!is_database_url("./postgres://x".as_ref()));
    }

    #[test]
    fn passwords_with_url_delimiters_never_leak() {
        for password in ["ab/cd", "1234/x", "p?q", "a@b", "x:y", "h#sh", "/?@:#"] {
            let raw = format!("postgres://reader:{password}@db.internal:5433/shop");
            let (t, _) = parse(&raw);
            assert_eq!(t.password.as_deref(), Some(password), "{raw}");
            assert_eq!(
                (t.user.as_str(), t.host.as_str(), t.port, t.database.as_str()),
                ("reader", "db.internal", 5433, "shop"),
                "{raw}"
            );
            assert_eq!(t.address(), "postgres://reader@db.internal:5433/shop");
            assert_eq!(
                without_password(&raw),
                "postgres://reader:***@db.internal:5433/shop"
            );
            // Errors show neither the password nor any part of it.
            let mut notes = Vec::new();
            for bad in [
                format!("mysql://reader:{password}@db:99999/shop"),
                format!("mysql://reader:{password}@db/"),
                format!("postgres://reader:{password}@db/shop?what=1"),
                format!("postgres://reader:{password}@db/shop?sslmode=require"),
                format!("postgres://reader:{password}@[::1/shop"),
            ] {
                let e = Target::parse(&bad, &mut notes).unwrap_err().to_string();
                assert!(!e.contains(password) && !e.contains("reader:"), "{e}");
                assert!(e.contains("://***@"), "{e}");
            }
        }
        // Without a port, a password like `1234/x` is not read as a port.
        let (t, _) = parse("postgres://reader:1234/x@db/shop");
        assert_eq!((t.host.as_str(), t.port), ("db", 5432));
        assert_eq!(t.password.as_deref(), Some("1234/x"));
        // An `@` in a database name is `%40`.
        let (t, _) = parse("mysql://u:p@h/a%40b");
        assert_eq!(t.database, "a@b");
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let target = Target {
            kind: Kind::Postgres,
            user: "reader".into(),
            host: "127.0.0.1".into(),
            port: 5432,
            database: "shop".into(),
            socket: None,
            password: None,
            password_from: None,
        };
        let text =
            "# comment\nother:5432:shop:reader:no\n127.0.0.1:*:shop:reader:a\\:b:c\n*:*:*:*:fallback\n";
        assert_eq!(pgpass_lookup(text, &target).as_deref(), Some("a:b:c"));
        assert_eq!(
            pgpass_lookup("*:*:*:*:fallback\n", &target).as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("h:1:d:u:p\n", &target), None);
    }

    #[test]
    fn my_cnf_client_section() {
        let cnf =
            parse_my_cnf("[mysqld]\npassword=no\n[client]\nuser = app\npassword=\"p w\"\n[mysql]\nuser=x\n");
        assert_eq!(cnf.user.as_deref(), Some("app"));
        assert_eq!(cnf.password.as_deref(), Some("p w"));
    }

    #[test]
    fn a_key_with_a_part_that_is_not_text_is_left_out() {
        let column = |name: &str, binary| Column {
            name: name.into(),
            binary,
            long: false,
        };
        let table = Table {
            schema: "s".into(),
            name: "t".into(),
            shown: "t".into(),
            columns: vec![column("id", true), column("n", false), column("phone", false)],
            key: vec![0, 1],
            estimated_rows: None,
            only: false,
        };
        let keys = |cells: &[Option<&str>]| {
            let mut keys = Vec::new();
            emit_row(&table, 1, cells, &mut TableFacts::default(), &mut |r| {
                if let Origin::Table { key, .. } = r.origin {
                    keys.push(key.iter().map(|(c, v)| format!("{c}={v}")).collect::<Vec<_>>());
                }
            });
            keys
        };
        assert_eq!(
            keys(&[Some("a"), Some("7"), Some("x")]),
            [vec!["id=a", "n=7"], vec!["id=a", "n=7"], vec!["id=a", "n=7"]]
        );
        assert_eq!(
            keys(&[None, Some("7"), Some("x")]),
            [Vec::<String>::new(), Vec::new()]
        );
    }

    #[test]
    fn samples() {
        assert_eq!("all".parse::<Sample>(), Ok(Sample::All));
        assert_eq!("10_000".parse::<Sample>(), Ok(Sample::Rows(10_000)));
        assert!("0".parse::<Sample>().is_err());
        assert!("many".parse::<Sample>().is_err());
        assert_eq!(
            "9223372036854775807".parse::<Sample>(),
            Ok(Sample::Rows(i64::MAX as u64))
        );
        assert_eq!("9223372036854775808".parse::<Sample>(), Ok(Sample::All));
        assert_eq!("18446744073709551615".parse::<Sample>(), Ok(Sample::All));
    }
}
