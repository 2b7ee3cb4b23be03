//! Test helpers: run the built binary (always with a timeout), build temporary trees, and
//! parse findings (JSON Lines) and inventories (JSON) into test-owned types.
//!
//! The types here mirror the contract loosely (unknown fields are ignored, since the contract
//! allows additions); `contract.rs` has its own, stricter mirror.

#![allow(dead_code)]

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pimap");

/// How long any single run may take before the test fails (a hang is a bug too).
pub const TIMEOUT: Duration = Duration::from_secs(180);

/// The crate root (fixtures live under it).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ------------------------------------------------------------------------------------------
// Running the binary.

/// A `pimap` invocation being built.
pub struct Cmd {
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    timeout: Duration,
    env: Vec<(OsString, OsString)>,
    env_removed: Vec<OsString>,
    address_space: Option<u64>,
    stdin: Option<PathBuf>,
}

/// Starts a `pimap` command line.
pub fn pimap() -> Cmd {
    Cmd {
        args: Vec::new(),
        dir: None,
        timeout: TIMEOUT,
        env: Vec::new(),
        env_removed: Vec::new(),
        address_space: None,
        stdin: None,
    }
}

impl Cmd {
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.args.push(a.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Sets an environment variable for the run (`PIMAP_KEY` is removed unless set here).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().into(), value.as_ref().into()));
        self
    }

    /// Removes an environment variable of the test process from the run.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env_removed.push(key.as_ref().into());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Caps the process's address space (RLIMIT_AS, inherited by its children): a run that
    /// tries to allocate past it aborts, so a test can require bounded memory.
    /// Feeds the file at `path` to standard input (default: none).
    pub fn stdin_file(mut self, path: impl AsRef<Path>) -> Self {
        self.stdin = Some(path.as_ref().to_path_buf());
        self
    }

    pub fn address_space(mut self, bytes: u64) -> Self {
        self.address_space = Some(bytes);
        self
    }

    /// Runs to completion; panics (after killing the process) if it exceeds the timeout.
    pub fn run(self) -> Output {
        let mut cmd = Command::new(BIN);
        // A key in the developer's environment must not change what tests see.
        cmd.env_remove("PIMAP_KEY");
        for key in &self.env_removed {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let stdin = match &self.stdin {
            Some(path) => Stdio::from(std::fs::File::open(path).expect("stdin file")),
            None => Stdio::null(),
        };
        cmd.args(&self.args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        if let Some(bytes) = self.address_space {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
            unsafe {
                cmd.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: bytes as libc::rlim_t,
                        rlim_max: bytes as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        // Reaped by the wait4 loop below, which clippy cannot see.
        #[allow(clippy::zombie_processes)]
        let mut child = cmd.spawn().expect("spawn pimap");
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            buf
        });
        let deadline = Instant::now() + self.timeout;
        // wait4 rather than `try_wait`: it also tells the child's own peak memory.
        let pid = child.id() as libc::pid_t;
        let (status, peak_rss) = loop {
            let mut raw = 0;
            // SAFETY: plain system call on our own child; `usage` is written by the kernel.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            let reaped = unsafe { libc::wait4(pid, &mut raw, libc::WNOHANG, &mut usage) };
            if reaped == pid {
                use std::os::unix::process::ExitStatusExt;
                // ru_maxrss is in KiB on Linux.
                break (
                    std::process::ExitStatus::from_raw(raw),
                    usage.ru_maxrss as u64 * 1024,
                );
            }
            assert!(reaped == 0, "wait for pimap: {}", std::io::Error::last_os_error());
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("pimap {:?} did not finish within {:?}", self.args, self.timeout);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            args: self.args,
            peak_rss,
            code: status.code(),
            stdout: out_reader.join().expect("stdout reader"),
            stderr: err_reader.join().expect("stderr reader"),
        }
    }
}

/// What a finished run left behind.
pub struct Output {
    pub args: Vec<OsString>,
    /// Largest resident set of the process, or of a child it waited for, in bytes.
    pub peak_rss: u64,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics with the command line and stderr unless the exit status is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "pimap {:?}: exit status {:?}, expected {code}\nstderr:\n{}",
            self.args,
            self.code,
            self.stderr_str()
        );
        self
    }

    /// stdout parsed as findings (JSON Lines).
    #[track_caller]
    pub fn findings(&self) -> Vec<Finding> {
        parse_findings(&self.stdout_str())
    }
}

/// Permission bits of `path` itself (not of a link's target).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

// ------------------------------------------------------------------------------------------
// Temporary trees.

/// A fresh temporary directory holding `tree/` (what is scanned) and `out/` (where outputs
/// go, outside the scanned tree). Removed on drop.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("pimap-test-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir(tmp.path().join("tree")).expect("mkdir tree");
        std::fs::create_dir(tmp.path().join("out")).expect("mkdir out");
        Dir { tmp }
    }

    /// The scanned root.
    pub fn root(&self) -> PathBuf {
        self.tmp.path().join("tree")
    }

    /// A path inside the scanned tree.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// A path for outputs, outside the scanned tree.
    pub fn out(&self, name: &str) -> PathBuf {
        self.tmp.path().join("out").join(name)
    }

    /// Writes a file inside the tree, creating parent folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir -p");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(&path).expect("mkdir -p");
        path
    }

    /// Creates a symbolic link `rel` (inside the tree) pointing at `target` (as given).
    #[cfg(unix)]
    pub fn symlink(&self, target: &str, rel: &str) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir -p");
        }
        std::os::unix::fs::symlink(target, &path).expect("symlink");
        path
    }

    /// Copies the committed fixtures (not their expectation files) into `rel`.
    pub fn copy_fixtures(&self, rel: &str, formats: &[&str]) {
        for format in formats {
            let src = manifest_dir().join("fixtures").join(format);
            for entry in std::fs::read_dir(&src).expect("fixtures dir") {
                let path = entry.expect("fixture entry").path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.ends_with(".expect.jsonl") {
                    continue;
                }
                let data = std::fs::read(&path).expect("read fixture");
                self.write(&format!("{rel}/{format}/{name}"), data);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// A complete scan of a tree with both outputs.

/// The outputs of `pimap scan <root> --findings F -o I -q [extra]`.
pub struct Scan {
    pub output: Output,
    pub findings_text: String,
    pub findings: Vec<Finding>,
    pub inventory_text: String,
    pub inventory: Inventory,
}

/// Scans the tree's root with both outputs written under `out/` (tagged by `tag`).
#[track_caller]
pub fn scan_tree(dir: &Dir, tag: &str, extra: &[&str]) -> Scan {
    let root = dir.root();
    scan_paths(dir, tag, &[root.as_os_str()], extra)
}

/// Scans `paths` with both outputs written under `out/` (tagged by `tag`).
#[track_caller]
pub fn scan_paths(dir: &Dir, tag: &str, paths: &[&OsStr], extra: &[&str]) -> Scan {
    let findings_path = dir.out(&format!("{tag}.findings.jsonl"));
    let inventory_path = dir.out(&format!("{tag}.inventory.json"));
    let output = pimap()
        .arg("scan")
        .args(paths)
        .arg("--findings")
        .arg(&findings_path)
        .arg("-o")
        .arg(&inventory_path)
        .arg("-q")
        .args(extra)
        .run();
    assert!(
        matches!(output.code, Some(0) | Some(1)),
        "pimap {:?} failed with {:?}:\n{}",
        output.args,
        output.code,
        output.stderr_str()
    );
    let findings_text = std::fs::read_to_string(&findings_path).expect("findings file");
    let inventory_text = std::fs::read_to_string(&inventory_path).expect("inventory file");
    Scan {
        findings: parse_findings(&findings_text),
        inventory: parse_inventory(&inventory_text),
        output,
        findings_text,
        inventory_text,
    }
}

impl Scan {
    /// Findings reported for `path` (as written in the output).
    pub fn findings_for(&self, path: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.path == path).collect()
    }

    /// A short human listing of the inventory's lists, for assertion messages.
    pub fn describe(&self) -> String {
        let inv = &self.inventory;
        format!(
            "files: {:?}\nskipped: {:?}\nerrors: {:?}\nfindings:\n{}",
            inv.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
            inv.skipped
                .iter()
                .map(|s| (&s.path, &s.reason))
                .collect::<Vec<_>>(),
            inv.errors
                .iter()
                .map(|e| (&e.path, &e.kind, &e.error))
                .collect::<Vec<_>>(),
            self.findings_text
        )
    }
}

// ------------------------------------------------------------------------------------------
// Test-owned output types.

/// One finding (contract: Findings).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Finding {
    pub path: String,
    pub detector: String,
    pub category: String,
    pub confidence: f64,
    pub location: BTreeMap<String, Value>,
    pub masked: String,
    /// The finding's stable id (issue 16).
    pub id: String,
    #[serde(default)]
    pub value: Option<String>,
    /// Addresses: what they resolve to.
    #[serde(default)]
    pub parts: Option<BTreeMap<String, String>>,
    /// An address joined from several fields of one record: their names.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

impl Finding {
    /// A location field as an integer.
    pub fn loc_u64(&self, key: &str) -> Option<u64> {
        self.location.get(key).and_then(Value::as_u64)
    }

    /// A location field as a string.
    pub fn loc_str(&self, key: &str) -> Option<&str> {
        self.location.get(key).and_then(Value::as_str)
    }
}

/// Parses JSON Lines into findings, panicking with the offending line; every line must match
/// `docs/schema/findings.schema.json`.
#[track_caller]
pub fn parse_findings(text: &str) -> Vec<Finding> {
    crate::schema_check::findings(text, "pimap's findings");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a finding ({e}): {l}")))
        .collect()
}

/// The data inventory (contract: Inventory), plus `skipped` (a pimap addition).
#[derive(Debug, Clone, Deserialize)]
pub struct Inventory {
    pub schema: String,
    pub scanned_at: String,
    pub roots: Vec<String>,
    pub totals: Totals,
    pub files: Vec<FileEntry>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ErrorEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub files_with_findings: u64,
    pub findings: u64,
    pub by_category: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    #[serde(default)]
    pub modified: Option<String>,
    pub format: String,
    #[serde(default)]
    pub encoding: Option<String>,
    pub findings: u64,
    pub by_detector: BTreeMap<String, u64>,
    #[serde(default)]
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub name: String,
    pub detector: String,
    pub hits: u64,
    pub rows: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Skipped {
    pub path: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorEntry {
    pub path: String,
    pub error: String,
    /// Added: the kind of problem (`io`, `corrupt`, `bomb`, ...).
    #[serde(default)]
    pub kind: Option<String>,
}

impl Inventory {
    pub fn file(&self, path: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn skipped(&self, path: &str) -> Option<&Skipped> {
        self.skipped.iter().find(|s| s.path == path)
    }

    pub fn error(&self, path: &str) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.path == path)
    }

    /// The `kind` of the error entry of `path`; panics if there is none.
    #[track_caller]
    pub fn error_kind(&self, path: &str) -> &str {
        let e = self
            .error(path)
            .unwrap_or_else(|| panic!("no error entry for {path}: {:?}", self.errors));
        e.kind
            .as_deref()
            .unwrap_or_else(|| panic!("error entry without kind: {e:?}"))
    }

    /// Whether `path` appears anywhere in the inventory's lists.
    pub fn mentions(&self, path: &str) -> bool {
        self.file(path).is_some() || self.skipped(path).is_some() || self.error(path).is_some()
    }
}

/// Parses an inventory, which must match `docs/schema/inventory.schema.json`.
#[track_caller]
pub fn parse_inventory(text: &str) -> Inventory {
    let value = crate::schema_check::inventory(text, "pimap's inventory");
    serde_json::from_value(value).unwrap_or_else(|e| panic!("not an inventory ({e}):\n{text}"))
}

/// Reads an inventory pimap wrote (`scan -o`, `merge -o`) as JSON, checked against
/// `docs/schema/inventory.schema.json`.
#[track_caller]
pub fn read_inventory_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("inventory {} not written: {e}", path.display()));
    crate::schema_check::inventory(&text, &format!("inventory {}", path.display()))
}

/// An inventory pimap printed (`-o -`), checked against the schema.
#[track_caller]
pub fn inventory_json(text: &str) -> Value {
    crate::schema_check::inventory(text, "pimap's inventory")
}

/// The output of `pimap diff --json`, checked against `docs/schema/diff.schema.json`.
#[track_caller]
pub fn diff_json(text: &str) -> Value {
    crate::schema_check::diff(text, "pimap diff --json")
}

/// Checks findings (JSON Lines) against `docs/schema/findings.schema.json` and parses each
/// line as JSON.
#[track_caller]
pub fn findings_json(text: &str) -> Vec<Value> {
    crate::schema_check::findings(text, "pimap's findings");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("checked as JSON"))
        .collect()
}

// ------------------------------------------------------------------------------------------
// Inventories as JSON values (for fields the typed mirror above leaves out).

/// `pimap scan ROOT -q -o out/TAG.json [extra]`, with `PIMAP_KEY` set to `key` when given:
/// the run, and the inventory it wrote (Null unless the scan finished, status 0 or 1).
pub fn scan_json(dir: &Dir, tag: &str, key: Option<&str>, extra: &[&str]) -> (Output, Value) {
    let out = dir.out(&format!("{tag}.json"));
    let mut cmd = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-q")
        .arg("-o")
        .arg(&out)
        .args(extra);
    if let Some(key) = key {
        cmd = cmd.env("PIMAP_KEY", key);
    }
    let run = cmd.run();
    let inventory = if matches!(run.code, Some(0 | 1)) {
        read_inventory_json(&out)
    } else {
        Value::Null
    };
    (run, inventory)
}

/// `pimap report INVENTORY --format FORMAT --lang LANG -o OUT`, which must succeed silently
/// and write a private file.
#[track_caller]
pub fn write_report(inventory: &Path, format: &str, lang: &str, out: &Path) {
    let output = pimap()
        .arg("report")
        .arg(inventory)
        .args(["--format", format, "--lang", lang, "-o"])
        .arg(out)
        .run();
    output.expect_code(0);
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{}",
        output.stderr_str()
    );
    assert_eq!(mode(out), 0o600, "{} is readable by others", out.display());
}

/// Removes every `first_seen` (of files and columns) from an inventory: like `scanned_at`,
/// it is the time of a run, which two runs compared for equality do not share.
pub fn strip_first_seen(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.remove("first_seen");
            object.values_mut().for_each(strip_first_seen);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_first_seen),
        _ => {}
    }
}

/// Sets the file's modification time to `days` days ago.
pub fn set_age(path: &Path, days: u64) {
    let t = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// A file's entry in an inventory read as JSON; panics if it is not there.
#[track_caller]
pub fn file_json<'a>(inv: &'a Value, path: &str) -> &'a Value {
    inv["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the inventory"))
}

// ------------------------------------------------------------------------------------------
// Small helpers for values.

/// Digits with the MOD 11-2 check character appended (GB 11643-1999).
pub fn with_id_check(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// Digits with the Luhn check digit appended.
pub fn with_luhn(body: &str) -> String {
    for d in 0..10u32 {
        let candidate = format!("{body}{d}");
        let sum: u32 = candidate
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let mut v = u32::from(b - b'0');
                if i % 2 == 1 {
                    v *= 2;
                    if v > 9 {
                        v -= 9;
                    }
                }
                v
            })
            .sum();
        if sum.is_multiple_of(10) {
            return candidate;
        }
    }
    unreachable!()
}

/// A snapshot of a tree: relative path → (kind, size, mtime, permissions, content hash).
#[cfg(unix)]
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let kind = if meta.file_type().is_symlink() {
                format!("link->{}", std::fs::read_link(&path).unwrap().to_string_lossy())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if meta.is_file() {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).expect("read").hash(&mut h);
                format!("file#{:016x}", h.finish())
            } else {
                "special".to_string()
            };
            out.insert(
                rel,
                format!(
                    "{kind} size={} mtime={}.{} mode={:o}",
                    meta.len(),
                    meta.mtime(),
                    meta.mtime_nsec(),
                    meta.mode()
                ),
            );
        }
    }
    out
}
