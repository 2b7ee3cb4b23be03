//! Live databases (issue 15 item 2): real PostgreSQL 15 and MariaDB servers, started by the
//! tests in temporary folders of their own on 127.0.0.1 (free ports, Unix sockets in the
//! temporary folder) and stopped by a drop guard, never a system path or service. The same
//! synthetic rows are loaded into each server and written as a `.sql` dump; the live scan
//! must find exactly what the dump scan finds, table by table, column by column, row by row.
//! A user with SELECT only is enough, the server logs show pimap sent nothing that writes,
//! a table without SELECT is an error of its own, and a wrong password or closed port is an
//! error of the root while the other roots are scanned (exit 1).
//!
//! The servers' binaries are required: CI installs them (`.ci/run`), and a machine without
//! them fails these tests with what to install, rather than passing them unseen.

use crate::util::{findings_json, inventory_json, pimap, with_id_check, with_luhn, Dir};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const KEY: &str = "live-db-test-key-0123456789abcdef";

// ------------------------------------------------------------------------------------------
// Throw-away servers.

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

fn is_root() -> bool {
    // SAFETY: a plain system call without arguments.
    unsafe { libc::geteuid() == 0 }
}

/// `program args` run as `user` when we are root (PostgreSQL refuses to run as root).
fn command_as(user: Option<&str>, program: impl AsRef<std::ffi::OsStr>) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.arg("-u").arg(user).arg("--").arg(program);
            c
        }
        None => Command::new(program),
    }
}

#[track_caller]
fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A PostgreSQL 15 cluster in a temporary folder: password authentication, an `admin`
/// superuser, statement logging to `log` tagged with each session's application name.
struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
    user: Option<&'static str>,
}

impl Postgres {
    fn start() -> Postgres {
        let bin = Path::new(PG_BIN);
        assert!(
            bin.join("initdb").exists() && bin.join("pg_ctl").exists() && Path::new("/usr/bin/psql").exists(),
            "PostgreSQL 15 is not installed ({PG_BIN}/initdb, pg_ctl, psql): install it with \
             `apt-get install -y postgresql-15` (.ci/run does)"
        );
        let dir = tempfile::Builder::new()
            .prefix("pimap-pg-")
            .tempdir()
            .expect("temp dir");
        let user = is_root().then_some("postgres");
        if user.is_some() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let home = dir.path().join("pg");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("pw"), "adminpw\n").unwrap();
        if let Some(user) = user {
            run_ok(
                Command::new("chown").arg("-R").arg(format!("{user}:")).arg(&home),
                "chown",
            );
        }
        run_ok(
            command_as(user, bin.join("initdb"))
                .arg("-D")
                .arg(home.join("data"))
                .args(["-U", "admin", "--auth=scram-sha-256", "-E", "UTF8", "--locale=C"])
                .arg(format!("--pwfile={}", home.join("pw").display())),
            "initdb",
        );
        let port = free_port();
        let server = Postgres { dir, port, user };
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c log_statement=all \
             -c log_line_prefix='%a|' -c autovacuum=off",
            home.display()
        );
        run_ok(
            command_as(user, bin.join("pg_ctl"))
                .arg("-D")
                .arg(home.join("data"))
                .arg("-l")
                .arg(home.join("log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        );
        server
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("pg")
    }

    /// Runs SQL as the superuser in `db`.
    fn sql(&self, db: &str, sql: &str) -> String {
        let file = self.dir.path().join("input.sql");
        std::fs::write(&file, sql).unwrap();
        run_ok(
            Command::new("/usr/bin/psql")
                .env("PGPASSWORD", "adminpw")
                .args([
                    "-X",
                    "-q",
                    "-A",
                    "-t",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "admin",
                ])
                .arg("-p")
                .arg(self.port.to_string())
                .arg("-d")
                .arg(db)
                .arg("-f")
                .arg(&file),
            "psql",
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.home().join("log")).unwrap_or_default()
    }

    fn url(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = command_as(self.user, Path::new(PG_BIN).join("pg_ctl"))
            .arg("-D")
            .arg(self.home().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A MariaDB server in a temporary folder, the general query log on.
struct Mariadb {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Mariadb {
    fn start() -> Mariadb {
        let (server, install, client) = (
            "/usr/sbin/mariadbd",
            "/usr/bin/mariadb-install-db",
            "/usr/bin/mariadb",
        );
        assert!(
            [server, install, client].iter().all(|p| Path::new(p).exists()),
            "MariaDB is not installed ({server}, {install}, {client}): install it with \
             `apt-get install -y mariadb-server` (.ci/run does)"
        );
        let dir = tempfile::Builder::new()
            .prefix("pimap-mariadb-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        let mut install_cmd = Command::new(install);
        install_cmd
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if is_root() {
            install_cmd.arg("--user=root");
        }
        run_ok(&mut install_cmd, "mariadb-install-db");
        let port = free_port();
        let mut cmd = Command::new(server);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--port={port}"))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg("--bind-address=127.0.0.1")
            .args([
                "--skip-log-bin",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=32M",
                "--general-log=1",
            ])
            .arg(format!(
                "--general-log-file={}",
                dir.path().join("general.log").display()
            ))
            .arg(format!("--log-error={}", dir.path().join("error.log").display()))
            .arg("--character-set-server=utf8mb4")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if is_root() {
            cmd.arg("--user=root");
        }
        let child = cmd.spawn().expect("start mariadbd");
        let server = Mariadb { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ping = server
                .client()
                .arg("-e")
                .arg("SELECT 1")
                .output()
                .expect("mariadb client");
            if ping.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "MariaDB did not start:\n{}",
                std::fs::read_to_string(server.dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    fn client(&self) -> Command {
        let mut c = Command::new("/usr/bin/mariadb");
        c.arg("--no-defaults")
            .arg("--default-character-set=utf8mb4")
            .arg(format!("--socket={}", self.dir.path().join("sock").display()))
            .args(["-uroot", "-N", "-B"])
            .stdin(Stdio::null());
        c
    }

    fn sql(&self, db: Option<&str>, sql: &str) -> String {
        let file = self.dir.path().join("input.sql");
        std::fs::write(&file, sql).unwrap();
        let mut c = self.client();
        if let Some(db) = db {
            c.arg(db);
        }
        c.arg("-e").arg(format!("source {}", file.display()));
        run_ok(&mut c, "mariadb")
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.dir.path().join("general.log")).unwrap_or_default())
            .into_owned()
    }

    fn url(&self, user: &str, db: &str) -> String {
        format!("mysql://{user}@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        // SAFETY: a signal to the server process this guard started.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A child process of the test's (a session holding a lock), killed when the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ------------------------------------------------------------------------------------------
// The data: synthetic people with valid check digits, nobody real.

const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强"];
const STREETS: [&str; 4] = ["建国路", "中山路", "人民路", "解放大道"];

/// Customer `i`'s resident ID (born 1975).
fn customer_id(i: u32) -> String {
    with_id_check(&format!(
        "3301061975{:02}{:02}{:03}",
        1 + i % 12,
        1 + i % 28,
        i % 1000
    ))
}

/// The tables as portable SQL (PostgreSQL and MariaDB take it as it is; pimap reads it as
/// a dump). Rows are inserted in primary key order, so every server returns them in the
/// dump's order.
fn shop_sql() -> String {
    let mut sql = String::new();
    sql.push_str(
        "CREATE TABLE customers (id integer PRIMARY KEY, name varchar(32), id_card varchar(20), \
         phone varchar(20), bank_card varchar(24), email varchar(64), address varchar(128), \
         order_ref varchar(20), created date);\n",
    );
    for chunk in (1..=240u32).collect::<Vec<_>>().chunks(60) {
        sql.push_str("INSERT INTO customers VALUES\n");
        let rows: Vec<String> = chunk
            .iter()
            .map(|&i| {
                let id = customer_id(i);
                let phone = format!("139{:08}", (i * 7_919_113) % 100_000_000);
                let card = with_luhn(&format!("622848{:09}", i * 104_729));
                // 18-digit order references: most fail the resident-ID check, so the few
                // that pass by chance are look-alikes, dropped by the column rule.
                let order_ref = format!("2024{:014}", u64::from(i) * 982_451_653);
                format!(
                    "({i}, '{}{}', '{id}', '{phone}', '{card}', 'buyer{i}@example.com', \
                     '浙江省杭州市西湖区{}{}号', '{order_ref}', '2024-{:02}-{:02}')",
                    SURNAMES[i as usize % 8],
                    GIVEN[(i as usize / 8) % 8],
                    STREETS[i as usize % 4],
                    i % 300 + 1,
                    1 + i % 12,
                    1 + i % 28
                )
            })
            .collect();
        sql.push_str(&rows.join(",\n"));
        sql.push_str(";\n");
    }
    sql.push_str(
        "CREATE TABLE orders (shop_id integer NOT NULL, order_no varchar(24) NOT NULL, \
         buyer_phone varchar(20), ship_to varchar(128), remark text, PRIMARY KEY (shop_id, order_no));\n",
    );
    sql.push_str("INSERT INTO orders VALUES\n");
    let rows: Vec<String> = (1..=120u32)
        .map(|i| {
            format!(
                "({}, 'SO{:08}', '137{:08}', '广东省深圳市南山区科技园{}栋', '{}')",
                1 + i / 60,
                i,
                (i * 4_447_321) % 100_000_000,
                i % 40 + 1,
                if i % 10 == 0 {
                    format!("请联系 158{:08}", i * 1_234_567 % 100_000_000)
                } else {
                    "包装好".into()
                }
            )
        })
        .collect();
    sql.push_str(&rows.join(",\n"));
    sql.push_str(";\n");
    sql.push_str("CREATE TABLE audit_log (at date, message text);\n");
    sql.push_str("INSERT INTO audit_log VALUES\n");
    let rows: Vec<String> = (1..=50u32)
        .map(|i| {
            format!(
                "('2024-05-{:02}', '用户 {} 修改了手机号 186{:08}')",
                1 + i % 28,
                i,
                i * 2_718_281 % 100_000_000
            )
        })
        .collect();
    sql.push_str(&rows.join(",\n"));
    sql.push_str(";\n");
    sql
}

/// A table the limited user may not SELECT.
const SECRET_SQL: &str = "CREATE TABLE secret (id integer PRIMARY KEY, phone varchar(20));\n\
     INSERT INTO secret VALUES (1, '13912345678');\n";

// ------------------------------------------------------------------------------------------
// Comparing scans.

struct Scanned {
    code: Option<i32>,
    stderr: String,
    findings: Vec<Value>,
    inventory: Value,
}

fn scan(dir: &Dir, tag: &str, roots: &[&str], env: &[(&str, &str)], extra: &[&str]) -> Scanned {
    let findings = dir.out(&format!("{tag}.jsonl"));
    let inventory = dir.out(&format!("{tag}.json"));
    let mut cmd = pimap()
        .arg("scan")
        .args(roots)
        .arg("--findings")
        .arg(&findings)
        .arg("-o")
        .arg(&inventory)
        .arg("-q")
        .args(extra)
        .env("PIMAP_KEY", KEY)
        // Nothing from the developer's environment.
        .env("HOME", dir.out(""))
        .env("PGPASSWORD", "")
        .env("MYSQL_PWD", "");
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let out = cmd.run();
    let text = std::fs::read_to_string(&findings).unwrap_or_default();
    Scanned {
        code: out.code,
        stderr: out.stderr_str(),
        findings: findings_json(&text),
        // Not written when the scan failed.
        inventory: std::fs::read_to_string(&inventory)
            .ok()
            .map(|t| inventory_json(&t))
            .unwrap_or(Value::Null),
    }
}

/// Every finding as (table, row, column, detector, masked), sorted.
fn by_place(findings: &[Value]) -> Vec<(String, u64, String, String, String)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            let loc = &f["location"];
            (
                loc["table"].as_str().unwrap_or("?").to_string(),
                loc["row"].as_u64().unwrap_or(0),
                loc["column"].as_str().unwrap_or("?").to_string(),
                f["detector"].as_str().unwrap().to_string(),
                f["masked"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every inventory column as (table, column, detector) → (hits, rows, distinct).
fn columns(inventory: &Value) -> BTreeMap<(String, String, String), (u64, u64, u64)> {
    let mut out = BTreeMap::new();
    for file in inventory["files"].as_array().expect("files") {
        for c in file["columns"].as_array().expect("columns") {
            out.insert(
                (
                    c["table"].as_str().unwrap_or("").to_string(),
                    c["name"].as_str().unwrap().to_string(),
                    c["detector"].as_str().unwrap().to_string(),
                ),
                (
                    c["hits"].as_u64().unwrap(),
                    c["rows"].as_u64().unwrap(),
                    c["distinct"].as_u64().unwrap_or(0),
                ),
            );
        }
    }
    out
}

fn errors(inventory: &Value) -> Vec<(String, String, String)> {
    inventory["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap().to_string(),
                        e["kind"].as_str().unwrap_or("").to_string(),
                        e["error"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The live scan finds what the dump scan finds, table by table; paths are the address
/// plus `!table`, locations carry the primary key; the inventory records the root's kind.
fn assert_same_as_dump(live: &Scanned, dump: &Scanned, address: &str, kind: &str) {
    assert_eq!(
        live.code,
        Some(0),
        "{}\n{:?}",
        live.stderr,
        errors(&live.inventory)
    );
    assert_eq!(dump.code, Some(0), "{}", dump.stderr);
    assert!(live.findings.len() > 600, "{}", live.findings.len());
    assert_eq!(by_place(&live.findings), by_place(&dump.findings));
    assert_eq!(columns(&live.inventory), columns(&dump.inventory));
    // The look-alike rule held the same way: no resident ID reported in order_ref.
    assert!(!columns(&live.inventory)
        .keys()
        .any(|(t, c, d)| t == "customers" && c == "order_ref" && d == "cn_resident_id"));
    for f in &live.findings {
        let path = f["path"].as_str().unwrap();
        let table = f["location"]["table"].as_str().unwrap();
        assert_eq!(path, format!("{address}!{table}"));
        let key = &f["location"]["key"];
        match table {
            "customers" => assert_eq!(key["id"], Value::from(f["location"]["row"].to_string())),
            "orders" => assert!(key["shop_id"].is_string() && key["order_no"].is_string(), "{f}"),
            _ => assert!(key.is_null(), "a table without primary key: {f}"),
        }
    }
    let paths: Vec<&str> = live.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["audit_log", "customers", "orders"].map(|t| format!("{address}!{t}"))
    );
    assert!(live.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["format"] == kind));
    assert_eq!(live.inventory["roots"], serde_json::json!([address]));
    assert_eq!(live.inventory["sources"][0]["kind"], kind);
    assert_eq!(live.inventory["sources"][0]["address"], address);
    assert_eq!(live.inventory["sources"][0]["tables"], 3);
}

/// `pimap locate` finds a resident ID of the live table in that table's column.
fn assert_locate(dir: &Dir, inventory: &str, address: &str) {
    let id = customer_id(7);
    let out = pimap()
        .arg("locate")
        .arg("--inventory")
        .arg(dir.out(inventory))
        .arg("--json")
        .arg(&id)
        .env("PIMAP_KEY", KEY)
        .run();
    out.expect_code(0);
    let json: Value = serde_json::from_str(&out.stdout_str()).expect("locate JSON");
    let found = &json["queries"][0]["found"];
    assert_eq!(found[0]["path"], format!("{address}!customers"), "{json}");
    assert_eq!(found[0]["column"], "id_card", "{json}");
}

/// Statements a session sent that are not reads: anything but SELECT, SET, SHOW, BEGIN,
/// START TRANSACTION, ROLLBACK (and the client's own session queries).
fn writes(statements: &[String]) -> Vec<&String> {
    statements
        .iter()
        .filter(|s| {
            let upper = s.trim_start().to_ascii_uppercase();
            ![
                "SELECT",
                "SET ",
                "SHOW",
                "BEGIN",
                "START TRANSACTION",
                "ROLLBACK",
                "COMMIT",
            ]
            .iter()
            .any(|ok| upper.starts_with(ok))
                || upper.contains("INSERT ")
                || upper.contains("UPDATE ")
                || upper.contains("DELETE ")
                || upper.contains("CREATE ")
                || upper.contains(" LOCK ")
                || upper.contains("FOR UPDATE")
        })
        .collect()
}

/// MariaDB's general log as (connection id, command, argument): lines are
/// `[time]\t\t    ID Command\tArgument`.
fn general_log(log: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for line in log.lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        for (j, part) in parts.iter().enumerate() {
            let words: Vec<&str> = part.split_whitespace().collect();
            if let [id, command] = words[..] {
                if id.bytes().all(|b| b.is_ascii_digit()) && matches!(command, "Connect" | "Query") {
                    out.push((id.to_string(), command.to_string(), parts[j + 1..].join("\t")));
                    break;
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The tests.

#[test]
fn postgres_live_scan_equals_the_dump_scan_read_only() {
    let pg = Postgres::start();
    let dir = Dir::new();
    let dump = dir.write("shop.sql", shop_sql());
    pg.sql("postgres", "CREATE DATABASE shop;");
    pg.sql("shop", &shop_sql());
    pg.sql("shop", SECRET_SQL);
    pg.sql(
        "shop",
        "CREATE ROLE reader LOGIN PASSWORD 'readerpw';\n\
         GRANT SELECT ON customers, orders, audit_log TO reader;\n",
    );
    let before = pg.sql(
        "shop",
        "SELECT string_agg(md5(t::text), ',' ORDER BY 1) FROM (SELECT c::text AS t FROM customers c \
         UNION ALL SELECT o::text FROM orders o UNION ALL SELECT s::text FROM secret s) x;",
    );

    // The reader may SELECT the three tables and nothing else: the live scan equals the dump's.
    let address = pg.url("reader", "shop");
    let dump_scan = scan(
        &dir,
        "pg-dump",
        &[dump.to_str().unwrap()],
        &[],
        &["--fingerprints"],
    );
    let live = scan(
        &dir,
        "pg-live",
        &[&address],
        &[("PGPASSWORD", "readerpw")],
        &["--fingerprints"],
    );
    pg.sql(
        "shop",
        "CREATE SCHEMA crm; CREATE TABLE crm.contacts (id integer PRIMARY KEY, mobile varchar(20), photo bytea, memo bytea);\n\
         INSERT INTO crm.contacts VALUES (1, '13752468013', '\\x89504e470d0a1a0a0000', convert_to('电话 18693572046', 'UTF8'));\n\
         CREATE ROLE other LOGIN PASSWORD 'otherpw'; GRANT USAGE ON SCHEMA crm TO other;\n\
         GRANT SELECT ON customers, orders, audit_log, crm.contacts TO other;\n",
    );
    // `secret` is listed (the catalog is public) but not readable: its own error, exit 1.
    assert_eq!(live.code, Some(1), "{}", live.stderr);
    let errs = errors(&live.inventory);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, format!("{address}!secret"));
    assert_eq!(errs[0].1, "permission");
    assert!(errs[0].2.contains("permission denied"), "{errs:?}");
    // Apart from it, the same as the dump (the dump has no `secret` table).
    let mut live_ok = Scanned {
        code: Some(0),
        stderr: live.stderr.clone(),
        findings: live.findings.clone(),
        inventory: live.inventory.clone(),
    };
    live_ok.inventory["sources"][0]["tables"] = Value::from(3);
    assert_same_as_dump(&live_ok, &dump_scan, &address, "postgres");
    assert_locate(&dir, "pg-live.json", &address);

    // Nothing was written: the reader's session sent only reads (server statement log), and
    // the data is unchanged.
    let log = pg.log();
    let statements: Vec<String> = log
        .lines()
        .filter_map(|l| l.strip_prefix("pimap|LOG:  "))
        .filter(|l| l.starts_with("statement: ") || l.starts_with("execute "))
        .filter_map(|l| l.split_once(": ").map(|(_, s)| s.to_string()))
        .collect();
    assert!(
        statements.len() >= 4,
        "pimap's statements were not logged:\n{log}"
    );
    assert!(writes(&statements).is_empty(), "{:?}", writes(&statements));
    assert!(
        statements.iter().any(|s| s.contains("READ ONLY")),
        "{statements:?}"
    );
    let after = pg.sql(
        "shop",
        "SELECT string_agg(md5(t::text), ',' ORDER BY 1) FROM (SELECT c::text AS t FROM customers c \
         UNION ALL SELECT o::text FROM orders o UNION ALL SELECT s::text FROM secret s) x;",
    );
    assert_eq!(before, after);

    // Another schema's table is `schema.table`; bytea that is text is read, binary is not.
    let other = scan(
        &dir,
        "pg-other",
        &[&pg.url("other", "shop")],
        &[("PGPASSWORD", "otherpw")],
        &[],
    );
    let contacts: Vec<&Value> = other
        .findings
        .iter()
        .filter(|f| f["location"]["table"] == "crm.contacts")
        .collect();
    let found: Vec<(&str, &str)> = contacts
        .iter()
        .map(|f| {
            (
                f["location"]["column"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("mobile", "cn_mobile"), ("memo", "cn_mobile")],
        "{contacts:?}"
    );

    // A parent of inheritance children is read FROM ONLY: each row once. A table far larger
    // than the sample is read through TABLESAMPLE, N rows all the same; and when its estimate
    // is stale (most rows deleted since ANALYZE), the sampled pages are too few and its first
    // N rows are read instead.
    pg.sql(
        "shop",
        "CREATE TABLE crm.parent (id integer PRIMARY KEY, mobile varchar(20));\n\
         CREATE TABLE crm.child (note text) INHERITS (crm.parent);\n\
         INSERT INTO crm.parent VALUES (1, '13752468013');\n\
         INSERT INTO crm.child VALUES (2, '18693572046', 'x');\n\
         CREATE TABLE crm.big (id integer PRIMARY KEY, memo text) WITH (autovacuum_enabled = false);\n\
         INSERT INTO crm.big SELECT g, '137' || lpad(g::text, 8, '0') || ' ' || repeat('x', 900) \
         FROM generate_series(1, 20000) g;\n\
         CREATE TABLE crm.stale (id integer PRIMARY KEY, memo text) WITH (autovacuum_enabled = false);\n\
         INSERT INTO crm.stale SELECT g, '137' || lpad(g::text, 8, '0') || ' ' || repeat('x', 900) \
         FROM generate_series(1, 20000) g;\n\
         ANALYZE crm.big; ANALYZE crm.stale; DELETE FROM crm.stale WHERE id > 100;\n\
         GRANT SELECT ON crm.parent, crm.child, crm.big, crm.stale TO other;\n",
    );
    let only = scan(
        &dir,
        "pg-only",
        &[&pg.url("other", "shop")],
        &[("PGPASSWORD", "otherpw")],
        &["--db-sample", "50"],
    );
    let rows_of = |table: &str| -> std::collections::BTreeSet<u64> {
        only.findings
            .iter()
            .filter(|f| f["location"]["table"] == table)
            .map(|f| f["location"]["row"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(rows_of("crm.parent").len(), 1, "{}", only.stderr);
    assert_eq!(rows_of("crm.child").len(), 1, "{}", only.stderr);
    assert_eq!(rows_of("crm.big").len(), 50, "{}", only.stderr);
    assert_eq!(rows_of("crm.stale").len(), 50, "{}", only.stderr);
    let log = pg.log();
    assert!(
        log.contains("FROM ONLY \"crm\".\"big\" TABLESAMPLE SYSTEM"),
        "{log}"
    );
    assert!(log.contains("FROM ONLY \"crm\".\"parent\""), "{log}");

    // --db-sample N: the first N rows of each table, no more.
    let sampled = scan(
        &dir,
        "pg-sampled",
        &[&address],
        &[("PGPASSWORD", "readerpw")],
        &["--db-sample", "5"],
    );
    let rows: std::collections::BTreeSet<u64> = sampled
        .findings
        .iter()
        .map(|f| f["location"]["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);

    // A table held by another session (a schema change's lock): pimap waits no longer than
    // --db-timeout; that table is an error of kind `timeout`, the others are read.
    let holder = KillOnDrop(
        Command::new("/usr/bin/psql")
            .env("PGPASSWORD", "adminpw")
            .args(["-X", "-q", "-h", "127.0.0.1", "-U", "admin", "-d", "shop", "-p"])
            .arg(pg.port.to_string())
            .arg("-c")
            .arg("BEGIN; LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT;")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("psql"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while pg.sql(
        "shop",
        "SELECT count(*) FROM pg_locks WHERE relation = 'audit_log'::regclass AND mode = 'AccessExclusiveLock' AND granted;",
    )
    .trim()
        != "1"
    {
        assert!(Instant::now() < deadline, "the lock was not taken");
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    let held = scan(
        &dir,
        "pg-held",
        &[&address],
        &[("PGPASSWORD", "readerpw")],
        &["--db-timeout", "1"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // The server side of the holding session sleeps on: end it, and its lock with it.
    pg.sql(
        "shop",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid();",
    );
    drop(holder);
    assert_eq!(held.code, Some(1), "{}", held.stderr);
    let errs = errors(&held.inventory);
    let audit: Vec<_> = errs.iter().filter(|e| e.0.ends_with("!audit_log")).collect();
    assert_eq!(audit.len(), 1, "{errs:?}");
    assert_eq!(audit[0].1, "timeout", "{errs:?}");
    assert!(held
        .findings
        .iter()
        .any(|f| f["location"]["table"] == "customers"));

    // A password in ~/.pgpass (0600) is used; one readable by others is ignored with a note.
    let home = dir.out("");
    let pgpass = home.join(".pgpass");
    std::fs::write(&pgpass, format!("127.0.0.1:{}:shop:reader:readerpw\n", pg.port)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let via_file = scan(&dir, "pg-pgpass", &[&address], &[], &[]);
    assert_eq!(via_file.code, Some(1), "{}", via_file.stderr);
    // Connected: only the tables it may not read (`secret`, `crm.contacts`) are errors.
    let errs = errors(&via_file.inventory);
    assert!(errs.iter().all(|e| e.1 == "permission"), "{errs:?}");
    assert!(via_file.findings.len() > 600);
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let ignored = pimap()
        .args(["scan", &address, "-o"])
        .arg(dir.out("pg-ignored.json"))
        .env("HOME", &home)
        .env("PGPASSWORD", "")
        .run();
    assert!(
        ignored.stderr_str().contains("readable by group or others"),
        "{}",
        ignored.stderr_str()
    );
    std::fs::remove_file(&pgpass).unwrap();

    // A wrong password, a closed port: an error of that root (kind connect), the other
    // roots scanned, exit 1; a password given in the URL is never shown.
    let folder = dir.root();
    let closed = format!("postgres://reader@127.0.0.1:{}/shop", free_port());
    let with_password = format!("postgres://reader:wrongpw@127.0.0.1:{}/shop", pg.port);
    let bad = scan(
        &dir,
        "pg-bad",
        &[folder.to_str().unwrap(), &with_password, &closed],
        &[],
        &[],
    );
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
    let errs = errors(&bad.inventory);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().all(|e| e.1 == "connect"), "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.0 == address && e.2.contains("password authentication failed")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.0 == closed), "{errs:?}");
    assert!(bad.stderr.contains("password in the URL"), "{}", bad.stderr);
    let inventory_text = std::fs::read_to_string(dir.out("pg-bad.json")).unwrap();
    assert!(!inventory_text.contains("wrongpw"));
    assert!(!bad.stderr.contains("wrongpw"), "{}", bad.stderr);
    assert!(
        bad.inventory["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "shop.sql"),
        "the folder was scanned"
    );
}

#[test]
fn mariadb_live_scan_equals_the_dump_scan_read_only() {
    let db = Mariadb::start();
    let dir = Dir::new();
    let dump = dir.write("shop.sql", shop_sql());
    db.sql(None, "CREATE DATABASE shop CHARACTER SET utf8mb4;");
    db.sql(Some("shop"), &shop_sql());
    db.sql(Some("shop"), SECRET_SQL);
    db.sql(
        Some("shop"),
        "CREATE TABLE files (id integer PRIMARY KEY, body blob, raw varbinary(16));\n\
         INSERT INTO files VALUES (1, CONVERT('电话 18693572046' USING utf8mb4), 0x89504e470d0a1a0a);\n\
         CREATE USER reader@'%' IDENTIFIED BY 'readerpw';\n\
         GRANT SELECT ON shop.customers TO reader@'%';\n\
         GRANT SELECT ON shop.orders TO reader@'%';\n\
         GRANT SELECT ON shop.audit_log TO reader@'%';\n\
         CREATE USER limited@'%' IDENTIFIED BY 'limitedpw';\n\
         GRANT SELECT ON shop.customers TO limited@'%';\n\
         GRANT SELECT ON shop.files TO limited@'%';\n\
         GRANT REFERENCES ON shop.secret TO limited@'%';\n",
    );
    let status = |db: &Mariadb| {
        db.sql(
            None,
            "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN \
             ('COM_INSERT','COM_UPDATE','COM_DELETE','COM_CREATE_TABLE','COM_LOCK_TABLES','COM_REPLACE','COM_ALTER_TABLE') \
             ORDER BY 1;",
        )
    };
    let checksum = "CHECKSUM TABLE shop.customers, shop.orders, shop.audit_log, shop.secret;";
    let before_sum = db.sql(None, checksum);
    let before = status(&db);

    let address = db.url("reader", "shop");
    let dump_scan = scan(
        &dir,
        "my-dump",
        &[dump.to_str().unwrap()],
        &[],
        &["--fingerprints"],
    );
    let live = scan(
        &dir,
        "my-live",
        &[&address],
        &[("MYSQL_PWD", "readerpw")],
        &["--fingerprints"],
    );
    assert_same_as_dump(&live, &dump_scan, &address, "mysql");
    assert_locate(&dir, "my-live.json", &address);

    // Nothing was written: the server's counters of writes did not move, the data's checksum
    // is the same, and the reader's statements in the general log are reads only.
    let after = status(&db);
    assert_eq!(before, after);
    assert_eq!(before_sum, db.sql(None, checksum));
    let log = db.log();
    let entries = general_log(&log);
    let readers: Vec<&str> = entries
        .iter()
        .filter(|(_, command, argument)| command == "Connect" && argument.starts_with("reader@"))
        .map(|(id, _, _)| id.as_str())
        .collect();
    assert!(!readers.is_empty(), "{log}");
    let statements: Vec<String> = entries
        .iter()
        .filter(|(id, command, _)| command == "Query" && readers.contains(&id.as_str()))
        .map(|(_, _, argument)| argument.clone())
        .collect();
    assert!(
        statements.len() >= 4,
        "pimap's statements were not logged:\n{log}"
    );
    assert!(writes(&statements).is_empty(), "{:?}", writes(&statements));
    assert!(
        statements.iter().any(|s| s.contains("READ ONLY")),
        "{statements:?}"
    );

    // A table the user may not SELECT (but sees: REFERENCES) is an error of its own; blobs
    // holding text are read, binary ones are not.
    let limited_address = db.url("limited", "shop");
    let limited = scan(
        &dir,
        "my-limited",
        &[&limited_address],
        &[("MYSQL_PWD", "limitedpw")],
        &[],
    );
    assert_eq!(limited.code, Some(1), "{}", limited.stderr);
    let errs = errors(&limited.inventory);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, format!("{limited_address}!secret"));
    assert_eq!(errs[0].1, "permission");
    let files: Vec<(&str, &str)> = limited
        .findings
        .iter()
        .filter(|f| f["location"]["table"] == "files")
        .map(|f| {
            (
                f["location"]["column"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(files, [("body", "cn_mobile")]);
    assert!(limited
        .findings
        .iter()
        .any(|f| f["location"]["table"] == "customers"));

    // --db-sample N: the first N rows of each table (InnoDB: by key), no more.
    let sampled = scan(
        &dir,
        "my-sampled",
        &[&address],
        &[("MYSQL_PWD", "readerpw")],
        &["--db-sample", "5"],
    );
    assert_eq!(sampled.code, Some(0), "{}", sampled.stderr);
    let rows: std::collections::BTreeSet<u64> = sampled
        .findings
        .iter()
        .map(|f| f["location"]["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(sampled.inventory["sources"][0]["sample"], "5");

    // A table held by another session (LOCK TABLES ... WRITE): pimap does not wait past
    // --db-timeout; that table is an error of kind `timeout`, the others are read.
    let holder = KillOnDrop({
        let mut c = db.client();
        c.arg("-e")
            .arg("LOCK TABLES shop.audit_log WRITE; SELECT SLEEP(120);")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c.spawn().expect("mariadb client")
    });
    let holding = "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(120)%';";
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let id = db.sql(None, holding);
        if !id.trim().is_empty() {
            break id.trim().to_string();
        }
        assert!(Instant::now() < deadline, "the lock was not taken");
        std::thread::sleep(Duration::from_millis(100));
    };
    let started = Instant::now();
    let held = scan(
        &dir,
        "my-held",
        &[&address],
        &[("MYSQL_PWD", "readerpw")],
        &["--db-timeout", "1"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    db.sql(None, &format!("KILL {id};"));
    drop(holder);
    assert_eq!(held.code, Some(1), "{}", held.stderr);
    let errs = errors(&held.inventory);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, format!("{address}!audit_log"));
    assert_eq!(errs[0].1, "timeout", "{errs:?}");
    assert!(held
        .findings
        .iter()
        .any(|f| f["location"]["table"] == "customers"));

    // A password from ~/.my.cnf [client].
    let home = dir.out("");
    let cnf = home.join(".my.cnf");
    std::fs::write(&cnf, "[client]\npassword = \"readerpw\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cnf, std::fs::Permissions::from_mode(0o600)).unwrap();
    let via_file = scan(&dir, "my-cnf", &[&address], &[], &[]);
    assert_eq!(
        via_file.code,
        Some(0),
        "{}\n{:?}",
        via_file.stderr,
        errors(&via_file.inventory)
    );
    std::fs::remove_file(&cnf).unwrap();

    // A wrong password, a closed port: errors of their roots, the folder scanned, exit 1.
    let folder = dir.root();
    let closed = format!("mysql://reader@127.0.0.1:{}/shop", free_port());
    let bad = scan(
        &dir,
        "my-bad",
        &[folder.to_str().unwrap(), &address, &closed],
        &[("MYSQL_PWD", "wrongpw")],
        &[],
    );
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
    let errs = errors(&bad.inventory);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().all(|e| e.1 == "connect"), "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.0 == address && e.2.contains("Access denied") && e.2.contains("came from MYSQL_PWD")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.0 == closed), "{errs:?}");
    assert!(bad.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "shop.sql"));
}
