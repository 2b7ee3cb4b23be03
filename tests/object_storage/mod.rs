//! Object storage: `pimap scan s3://BUCKET[/PREFIX]` against a throw-away S3 server (moto's
//! server mode, see `server.rs`), started by each test on 127.0.0.1 and killed when it ends.
//! A tree uploaded to a bucket must be reported exactly as the same tree on disk (paths
//! `s3://BUCKET/KEY`): the dev store, generated formats (small ones fetched ahead, a big CSV
//! streamed, a big zip and SQLite file spilled to disk); roots that cannot be listed are one
//! error each while the other roots are scanned; refresh takes unchanged objects over;
//! credentials come from the environment or a profile and never appear in any output; keys
//! are scanned as names (folder markers are no files, an odd key costs only its folder).
//!
//! moto is required: CI installs it (`.ci/run`), and a machine without it fails these tests
//! with what to install, rather than passing them unseen.

mod server;
mod trees;

use crate::util::{diff_json, findings_json, inventory_json, manifest_dir, pimap, Dir};
use serde_json::Value;
use server::{free_port, Moto, KEY_ID, SECRET};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use trees::{formats_tree, zip_bytes};

const PIMAP_KEY: &str = "object-storage-test-key-0123456789";

/// What a scan left behind.
struct Scanned {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    findings_text: String,
    inventory_text: String,
    findings: Vec<Value>,
    inventory: Value,
}

/// How pimap reaches the server: the endpoint and credentials in the environment, no
/// profile, shared files in the test's own folder (never the real home).
fn s3_env(dir: &Dir, endpoint: &str, key_id: &str, secret: &str) -> Vec<(String, String)> {
    vec![
        ("AWS_ENDPOINT_URL".into(), endpoint.into()),
        ("AWS_ACCESS_KEY_ID".into(), key_id.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), secret.into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            dir.out("no-credentials").display().to_string(),
        ),
        (
            "AWS_CONFIG_FILE".into(),
            dir.out("no-config").display().to_string(),
        ),
        ("HOME".into(), dir.out("").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ]
}

/// Variables of the developer's that must not reach a run unless the test sets them.
const INHERITED: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL_S3",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
];

/// `pimap scan ROOTS --findings out/TAG.jsonl -o out/TAG.json -q EXTRA` with `env`.
fn scan(dir: &Dir, tag: &str, roots: &[&str], env: &[(String, String)], extra: &[&str]) -> Scanned {
    let findings = dir.out(&format!("{tag}.jsonl"));
    let inventory = dir.out(&format!("{tag}.json"));
    let _ = std::fs::remove_file(&findings);
    let _ = std::fs::remove_file(&inventory);
    let mut cmd = pimap()
        .arg("scan")
        .args(roots)
        .arg("--findings")
        .arg(&findings)
        .arg("-o")
        .arg(&inventory)
        .arg("-q")
        .args(extra)
        .env("PIMAP_KEY", PIMAP_KEY);
    for var in INHERITED {
        cmd = cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let out = cmd.run();
    let findings_text = std::fs::read_to_string(&findings).unwrap_or_default();
    let inventory_text = std::fs::read_to_string(&inventory).unwrap_or_default();
    Scanned {
        code: out.code,
        stdout: out.stdout_str(),
        stderr: out.stderr_str(),
        findings: findings_json(&findings_text),
        // Not written when the scan failed.
        inventory: match inventory_text.is_empty() {
            true => Value::Null,
            false => inventory_json(&inventory_text),
        },
        findings_text,
        inventory_text,
    }
}

/// Neither secret nor key id in the inventory, the findings, stdout or stderr.
#[track_caller]
fn assert_no_secrets(run: &Scanned, secrets: &[&str]) {
    for secret in secrets {
        for (what, text) in [
            ("inventory", &run.inventory_text),
            ("findings", &run.findings_text),
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
        ] {
            assert!(
                !text.contains(secret),
                "{secret:?} appears in the {what}:\n{text}"
            );
        }
    }
}

fn errors(inv: &Value) -> Vec<(String, String)> {
    inv["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap_or("?").to_string(),
                        e["kind"].as_str().unwrap_or("?").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `path` without `prefix` (the whole path when `prefix` is empty); panics when it is not
/// under it.
#[track_caller]
fn rel(path: &str, prefix: &str) -> String {
    path.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{path} is not under {prefix}"))
        .to_string()
}

/// Per file (path relative to `prefix`): the fields that must not depend on where the
/// bytes came from.
fn per_file(inv: &Value, prefix: &str) -> BTreeMap<String, Value> {
    inv["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let mut kept = serde_json::Map::new();
            for field in ["format", "size", "encoding", "findings", "by_detector", "columns"] {
                kept.insert(field.into(), f[field].clone());
            }
            // A column's id derives from its path, which differs between bucket and disk;
            // first_seen is the time of the run.
            for column in kept["columns"].as_array_mut().into_iter().flatten() {
                let column = column.as_object_mut().expect("column");
                column.remove("id");
                column.remove("first_seen");
            }
            (rel(f["path"].as_str().unwrap(), prefix), Value::Object(kept))
        })
        .collect()
}

/// (file, detector) → findings.
fn counts(findings: &[Value], prefix: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        let key = (
            rel(f["path"].as_str().unwrap(), prefix),
            f["detector"].as_str().unwrap().to_string(),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

/// Every finding as (file, detector, masked, location), sorted.
fn places(findings: &[Value], prefix: &str) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                rel(f["path"].as_str().unwrap(), prefix),
                f["detector"].as_str().unwrap().to_string(),
                f["masked"].as_str().unwrap_or("").to_string(),
                f["location"].to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The s3 scan (paths under `address/`) reports what the disk scan does, file by file.
#[track_caller]
fn assert_same_as_disk(s3: &Scanned, disk: &Scanned, address: &str) {
    assert!(matches!(disk.code, Some(0 | 1)), "disk scan: {}", disk.stderr);
    assert_eq!(
        s3.code,
        disk.code,
        "s3 scan: {}\nerrors: {:?}",
        s3.stderr,
        errors(&s3.inventory)
    );
    let prefix = format!("{address}/");
    let s3_errors: Vec<(String, String)> = errors(&s3.inventory)
        .into_iter()
        .map(|(p, k)| (rel(&p, &prefix), k))
        .collect();
    assert_eq!(s3_errors, errors(&disk.inventory), "the same error entries");
    let (s3_files, disk_files) = (per_file(&s3.inventory, &prefix), per_file(&disk.inventory, ""));
    assert_eq!(
        s3_files.keys().collect::<Vec<_>>(),
        disk_files.keys().collect::<Vec<_>>(),
        "the same files and members"
    );
    for (path, disk_file) in &disk_files {
        assert_eq!(
            &s3_files[path], disk_file,
            "{path}: s3 (left) and disk (right) differ"
        );
    }
    assert_eq!(counts(&s3.findings, &prefix), counts(&disk.findings, ""));
    assert_eq!(places(&s3.findings, &prefix), places(&disk.findings, ""));
    assert_eq!(
        s3.inventory["totals"]["by_category"],
        disk.inventory["totals"]["by_category"]
    );
    assert_eq!(s3.inventory["roots"], serde_json::json!([address]));
    assert_eq!(s3.inventory["sources"][0]["kind"], "s3");
    assert_eq!(s3.inventory["sources"][0]["address"], address);
}

// ------------------------------------------------------------------------------------------
// The tests.

#[test]
fn the_dev_store_in_a_bucket_is_reported_as_on_disk() {
    let corpus = manifest_dir().join("../shared/eval-dev/corpus");
    assert!(corpus.is_dir(), "{} is missing", corpus.display());
    let moto = Moto::start();
    moto.mkbucket("dev-store");
    assert!(moto.upload("dev-store", "eval/corpus", &corpus) > 10);
    let dir = Dir::new();
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let disk = scan(&dir, "disk", &[corpus.to_str().unwrap()], &[], &[]);
    let s3 = scan(&dir, "s3", &["s3://dev-store/eval/corpus"], &env, &[]);
    assert_same_as_disk(&s3, &disk, "s3://dev-store/eval/corpus");
    assert!(s3.findings.len() > 1000, "{}", s3.findings.len());
    assert_no_secrets(&s3, &[KEY_ID, SECRET]);
}

#[test]
fn every_format_small_and_big_is_read_from_a_bucket_as_from_disk() {
    let moto = Moto::start();
    let dir = Dir::new();
    formats_tree(&dir);
    moto.mkbucket("formats");
    moto.upload("formats", "tree", &dir.root());
    // One big object in a single PUT too (an ETag without a part count).
    let big = std::fs::read(dir.path("big/customers.csv")).unwrap();
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let disk = scan(&dir, "disk", &[dir.root().to_str().unwrap()], &[], &[]);
    // Big zip/SQLite objects are spilled to private temporary files, gone after the scan.
    let tmp = dir.out("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut spill_env = env.clone();
    spill_env.push(("TMPDIR".into(), tmp.display().to_string()));
    let s3 = scan(&dir, "s3", &["s3://formats/tree"], &spill_env, &[]);
    assert_same_as_disk(&s3, &disk, "s3://formats/tree");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    let formats: Vec<&str> = s3.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    for format in ["csv", "xlsx", "sqlite", "docx", "pdf", "zip"] {
        assert!(formats.contains(&format), "no {format} entry: {formats:?}");
    }
    for path in [
        "big/customers.csv",
        "big/export.zip!export/customers.csv",
        "big/members.db",
    ] {
        let f = s3.inventory["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("s3://formats/tree/{path}"))
            .unwrap_or_else(|| panic!("{path} not listed"));
        assert!(f["findings"].as_u64().unwrap() >= 5000, "{path}: {f}");
    }
    assert_no_secrets(&s3, &[KEY_ID, SECRET]);

    moto.mkbucket("single");
    moto.put("single", "customers.csv", &big);
    let single = scan(&dir, "single", &["s3://single"], &env, &[]);
    assert_eq!(single.code, Some(0), "{}", single.stderr);
    assert_eq!(
        per_file(&single.inventory, "s3://single/")["customers.csv"],
        per_file(&disk.inventory, "")["big/customers.csv"]
    );
}

#[test]
fn a_missing_bucket_is_one_error_and_the_other_roots_are_scanned() {
    let moto = Moto::start();
    let dir = Dir::new();
    dir.write("local/a.txt", "手机 13812345678\n");
    moto.mkbucket("mixed");
    moto.put("mixed", "a/x.csv", "手机号\n13900000001\n");
    moto.put("mixed", "a/deep/y.txt", "邮箱 li.na@example.com\n");
    moto.put("mixed", "b/other.csv", "手机号\n13900000002\n");
    // A prefix is a folder: `a` does not take `a-old/`.
    moto.put("mixed", "a-old/z.csv", "手机号\n13900000003\n");
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let local = dir.path("local");
    let local = local.to_str().unwrap();
    let roots = [local, "s3://mixed/a", "s3://missing-bucket"];
    let run = scan(&dir, "mixed", &roots, &env, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        errors(&run.inventory),
        [("s3://missing-bucket".to_string(), "not_found".to_string())]
    );
    let mut paths: Vec<&str> = run.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 3, "{paths:?}");
    // One folder among other roots keeps its relative paths (as with live databases).
    assert_eq!(paths[0], "a.txt", "{paths:?}");
    assert_eq!(paths[1..], ["s3://mixed/a/deep/y.txt", "s3://mixed/a/x.csv"]);
    let finding_paths: Vec<&str> = run.findings.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(finding_paths.contains(&"s3://mixed/a/x.csv"), "{finding_paths:?}");
    let sources: Vec<(&str, &str)> = run.inventory["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["address"].as_str().unwrap()))
        .collect();
    assert_eq!(sources.len(), 3, "{sources:?}");
    assert_eq!(sources[0].0, "path");
    assert_eq!(
        sources[1..],
        [("s3", "s3://mixed/a"), ("s3", "s3://missing-bucket")]
    );
    assert_eq!(
        run.inventory["sources"][1]["objects"], 2,
        "{}",
        run.inventory["sources"]
    );
    assert!(
        run.inventory["sources"][2].get("objects").is_none(),
        "not listed: {}",
        run.inventory["sources"]
    );
    assert_eq!(run.inventory["roots"].as_array().unwrap().len(), 3);
    assert_eq!(run.inventory["roots"][1], "s3://mixed/a");
    assert_eq!(run.inventory["roots"][2], "s3://missing-bucket");
    assert_no_secrets(&run, &[KEY_ID, SECRET]);
}

#[test]
fn an_unreachable_endpoint_is_a_root_error_soon() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let env = s3_env(&dir, &endpoint, KEY_ID, SECRET);
    let started = Instant::now();
    let run = scan(
        &dir,
        "closed",
        &[dir.root().to_str().unwrap(), "s3://nobody/home"],
        &env,
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        errors(&run.inventory),
        [("s3://nobody/home".to_string(), "connect".to_string())]
    );
    assert_eq!(
        run.findings.len(),
        1,
        "the folder is scanned: {}",
        run.findings_text
    );
    assert_no_secrets(&run, &[KEY_ID, SECRET]);
}

/// The key only in a profile of a temporary shared credentials file (`AWS_PROFILE`, no key
/// in the environment): the scan works and equals one with the key in the environment; a
/// profile that is not there is a clear error.
#[test]
fn credentials_from_a_profile() {
    let moto = Moto::start();
    let dir = Dir::new();
    moto.mkbucket("private");
    moto.put(
        "private",
        "crm/contacts.csv",
        "手机号\n13900000001\n13900000002\n",
    );
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let via_env = scan(&dir, "env", &["s3://private/crm"], &env, &[]);
    assert_eq!(via_env.code, Some(0), "{}", via_env.stderr);
    assert_eq!(via_env.findings.len(), 2, "{}", via_env.findings_text);

    let profile_secret = "s3cr3t-profile-Do-Not-Print-77e1";
    let (credentials, config) = profile_files(&dir, "pimap-test", "profile-key-id", profile_secret);
    let env = profile_env(&dir, &moto.endpoint(), "pimap-test", &credentials, &config);
    let via_profile = scan(&dir, "profile", &["s3://private/crm"], &env, &[]);
    assert_eq!(
        via_profile.code,
        Some(0),
        "{}\n{:?}",
        via_profile.stderr,
        errors(&via_profile.inventory)
    );
    assert_eq!(places(&via_profile.findings, ""), places(&via_env.findings, ""));
    assert_no_secrets(&via_profile, &["profile-key-id", profile_secret, SECRET]);

    let env = profile_env(&dir, &moto.endpoint(), "no-such-profile", &credentials, &config);
    let missing = scan(&dir, "no-profile", &["s3://private/crm"], &env, &[]);
    assert!(
        matches!(missing.code, Some(1 | 2)),
        "{:?}: {}",
        missing.code,
        missing.stderr
    );
    let said = format!("{}{}", missing.stderr, missing.inventory_text);
    assert!(
        said.contains("no-such-profile"),
        "the error names the profile:\n{said}"
    );
    assert!(missing.findings.is_empty(), "{}", missing.findings_text);
    assert_no_secrets(&missing, &["profile-key-id", profile_secret]);
}

/// Shared credentials and config files holding `[default]` (the dummy key) and `profile`.
fn profile_files(
    dir: &Dir,
    profile: &str,
    key_id: &str,
    secret: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let credentials = dir.out("aws-credentials");
    std::fs::write(
        &credentials,
        format!(
            "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n\
             [{profile}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
        ),
    )
    .unwrap();
    let config = dir.out("aws-config");
    std::fs::write(&config, format!("[profile {profile}]\nregion = us-east-1\n")).unwrap();
    (credentials, config)
}

/// The endpoint and a profile; no key in the environment.
fn profile_env(
    dir: &Dir,
    endpoint: &str,
    profile: &str,
    credentials: &std::path::Path,
    config: &std::path::Path,
) -> Vec<(String, String)> {
    vec![
        ("AWS_ENDPOINT_URL".into(), endpoint.into()),
        ("AWS_PROFILE".into(), profile.into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            credentials.display().to_string(),
        ),
        ("AWS_CONFIG_FILE".into(), config.display().to_string()),
        ("HOME".into(), dir.out("").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ]
}

/// With auth enforced (moto checks keys against its IAM users): an unknown key or a wrong
/// secret is a `permission` error of the root, the folder beside it is scanned (exit 1). The
/// key of a profile is the one sent. (moto 5.2.1 cannot verify the signature of a request
/// with `/` in its query, which every listing by pimap and boto3 with a delimiter has, so a
/// right key gets SignatureDoesNotMatch too: the test asks only that the key was known.)
#[test]
fn wrong_credentials_are_a_permission_error_of_the_root() {
    let moto = Moto::start();
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    moto.mkbucket("private");
    moto.put(
        "private",
        "crm/contacts.csv",
        "手机号\n13900000001\n13900000002\n",
    );
    let (key_id, secret) = moto.user("pimap-reader");
    moto.enforce_auth();
    let root = dir.root();
    let roots = [root.to_str().unwrap(), "s3://private/crm"];
    for (tag, sent_id, sent_secret) in [
        ("unknown-key", KEY_ID, SECRET),
        ("wrong-secret", key_id.as_str(), "s3cr3t-wrong-Do-Not-Print"),
    ] {
        let env = s3_env(&dir, &moto.endpoint(), sent_id, sent_secret);
        let run = scan(&dir, tag, &roots, &env, &[]);
        assert_eq!(run.code, Some(1), "{tag}: {}", run.stderr);
        assert_eq!(
            errors(&run.inventory),
            [("s3://private/crm".to_string(), "permission".to_string())],
            "{tag}: {}",
            run.stderr
        );
        assert_eq!(
            run.findings.len(),
            1,
            "{tag}: only the folder: {}",
            run.findings_text
        );
        let message = run.inventory["errors"][0]["error"].as_str().unwrap();
        assert_eq!(
            message.contains("InvalidAccessKeyId"),
            tag == "unknown-key",
            "{message}"
        );
        assert_no_secrets(&run, &[&key_id, &secret, sent_secret, KEY_ID, SECRET]);
    }
    // The profile's key (an IAM user's) is sent, not [default]'s (unknown to moto).
    let (credentials, config) = profile_files(&dir, "reader", &key_id, &secret);
    let env = profile_env(&dir, &moto.endpoint(), "reader", &credentials, &config);
    let run = scan(&dir, "profile", &["s3://private/crm"], &env, &[]);
    assert!(
        !format!("{}{}", run.stderr, run.inventory_text).contains("InvalidAccessKeyId"),
        "the key of [default] was sent: {}",
        run.stderr
    );
    assert_no_secrets(&run, &[&key_id, &secret, KEY_ID, SECRET]);
}

fn refresh_objects(moto: &Moto) {
    moto.mkbucket("refresh");
    moto.put("refresh", "p/a.csv", "手机号\n13800000001\n13800000002\n");
    moto.put(
        "refresh",
        "p/b/notes.txt",
        "客户电话 13900000003，邮箱 li@example.com\n",
    );
    moto.put("refresh", "p/c.json", r#"[{"mobile":"13700000004"}]"#);
    let zip = zip_bytes(
        &[("inner/orders.csv", "联系电话\n13600000005\n".as_bytes())],
        false,
    );
    moto.put("refresh", "p/d.zip", zip);
    moto.put("refresh", "other/x.csv", "手机号\n13500000001\n");
}

/// Paths of the entries read again (not taken over from the baseline), sorted.
fn read_again(inv: &Value) -> Vec<String> {
    let mut out: Vec<String> = inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["reused"] != true)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn change_paths(changes: &Value, list: &str) -> Vec<String> {
    changes[list]
        .as_array()
        .unwrap_or_else(|| panic!("changes.{list}: {changes}"))
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect()
}

/// Refresh: unchanged objects (ETag, size, last-modified) are taken over unread; a changed,
/// a new and a deleted object are changes; `pimap diff` and `pimap locate` take the s3
/// inventories.
#[test]
fn refresh_diff_and_locate_work_on_buckets() {
    let moto = Moto::start();
    let dir = Dir::new();
    refresh_objects(&moto);
    let key = dir.out("scan.key");
    std::fs::write(&key, "object-storage-refresh-key-000000001\n").unwrap();
    let key = key.to_str().unwrap();
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let root = "s3://refresh/p";
    let first = scan(
        &dir,
        "first",
        &[root],
        &env,
        &["--key-file", key, "--fingerprints"],
    );
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let mut listed: Vec<String> = first.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "a.csv",
            "b/notes.txt",
            "c.json",
            "d.zip",
            "d.zip!inner/orders.csv"
        ]
        .map(|p| format!("{root}/{p}"))
    );
    let base = dir.out("first.json");
    let base = base.to_str().unwrap();

    // Nothing changed: everything taken over.
    let same = scan(
        &dir,
        "same",
        &[root],
        &env,
        &["--key-file", key, "--fingerprints", "--baseline", base],
    );
    assert_eq!(same.code, Some(0), "{}", same.stderr);
    assert!(
        read_again(&same.inventory).is_empty(),
        "{:?}",
        read_again(&same.inventory)
    );
    assert_eq!(
        same.inventory["totals"]["reused"], 4,
        "{}",
        same.inventory["totals"]
    );
    assert_eq!(same.inventory["changes"]["reused"], 5);
    assert_eq!(
        same.inventory["totals"]["by_category"],
        first.inventory["totals"]["by_category"]
    );

    // One object rewritten (one more phone), one deleted, one new.
    moto.put(
        "refresh",
        "p/a.csv",
        "手机号\n13800000001\n13800000002\n13800000009\n",
    );
    moto.delete("refresh", "p/c.json");
    moto.put("refresh", "p/e.csv", "手机号\n13500000006\n13500000007\n");
    let second = scan(
        &dir,
        "second",
        &[root],
        &env,
        &["--key-file", key, "--fingerprints", "--baseline", base],
    );
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(
        read_again(&second.inventory),
        [format!("{root}/a.csv"), format!("{root}/e.csv")]
    );
    assert_eq!(
        second.inventory["totals"]["reused"], 2,
        "{}",
        second.inventory["totals"]
    );
    let changes = &second.inventory["changes"];
    assert_eq!(changes["reused"], 3, "{changes}");
    assert_eq!(changes["rescanned"], 2, "{changes}");
    assert_eq!(change_paths(changes, "new"), [format!("{root}/e.csv")]);
    assert_eq!(change_paths(changes, "removed"), [format!("{root}/c.json")]);
    assert_eq!(change_paths(changes, "changed"), [format!("{root}/a.csv")]);
    assert_eq!(
        changes["by_category"]["phone"], 2,
        "+1 in a.csv, +2 in e.csv, -1 with c.json"
    );
    assert_no_secrets(&second, &[KEY_ID, SECRET]);

    // What was taken over is what a fresh scan reports.
    let fresh = scan(
        &dir,
        "fresh",
        &[root],
        &env,
        &["--key-file", key, "--fingerprints"],
    );
    assert_eq!(per_file(&second.inventory, ""), per_file(&fresh.inventory, ""));
    // --findings after a refresh holds the findings of the objects read again only.
    let read: Vec<(String, String, String, String)> = places(&fresh.findings, "")
        .into_iter()
        .filter(|(path, ..)| path.ends_with("/a.csv") || path.ends_with("/e.csv"))
        .collect();
    assert_eq!(places(&second.findings, ""), read);

    // pimap diff between the two s3 inventories.
    let diff = pimap()
        .arg("diff")
        .arg(dir.out("first.json"))
        .arg(dir.out("second.json"))
        .arg("--json")
        .run();
    diff.expect_code(0);
    let diffed = diff_json(&diff.stdout_str());
    let changes = &diffed;
    assert_eq!(
        change_paths(changes, "new"),
        [format!("{root}/e.csv")],
        "{diffed}"
    );
    assert_eq!(
        change_paths(changes, "removed"),
        [format!("{root}/c.json")],
        "{diffed}"
    );
    assert_eq!(
        change_paths(changes, "changed"),
        [format!("{root}/a.csv")],
        "{diffed}"
    );
    let text = pimap()
        .arg("diff")
        .arg(dir.out("first.json"))
        .arg(dir.out("second.json"))
        .run();
    text.expect_code(0);
    assert!(text.stdout_str().contains("e.csv"), "{}", text.stdout_str());

    // pimap locate: a phone of an object is found at its s3:// path.
    let located = pimap()
        .args(["locate", "--inventory"])
        .arg(dir.out("second.json"))
        .args(["--key-file", key, "--json", "13900000003"])
        .run();
    located.expect_code(0);
    let json: Value = serde_json::from_slice(&located.stdout).expect("locate JSON");
    let found: Vec<&str> = json["queries"][0]["found"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(found, [format!("{root}/b/notes.txt")], "{json}");
}

#[test]
fn keys_are_names_markers_are_folders_and_an_odd_key_costs_its_folder_only() {
    let moto = Moto::start();
    let dir = Dir::new();
    moto.mkbucket("keys");
    // A console's folder marker, an empty object, values in key names, an image named as an
    // ID card, and a key the client refuses (an empty segment) in a folder of its own.
    moto.put("keys", "exports/", "");
    moto.put("keys", "exports/a.csv", "手机号\n13900000001\n");
    moto.put("keys", "empty.txt", "");
    moto.put("keys", "客户/李娜_13800005678/发票.txt", "无\n");
    moto.put("keys", "scans/王芳-手持身份证.png", "\u{89}PNG not really");
    moto.put("keys", "bad/x//y.txt", "手机 13900000002\n");
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let run = scan(&dir, "keys", &["s3://keys"], &env, &[]);
    assert_eq!(
        run.code,
        Some(1),
        "the folder that cannot be listed: {}",
        run.stderr
    );
    assert_eq!(
        errors(&run.inventory),
        [("s3://keys/bad".to_string(), "io".to_string())]
    );
    let paths: Vec<&str> = run.inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "s3://keys/empty.txt",
            "s3://keys/exports/a.csv",
            "s3://keys/客户/李娜_138****5678/发票.txt"
        ],
        "the marker is no file, the image is not read"
    );
    let folder = run.inventory["names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path_component"] == "directory")
        .expect("the folder named with a phone number");
    assert_eq!(folder["path"], "s3://keys/客户/李娜_138****5678");
    assert_eq!(folder["depth"], 2);
    assert_eq!(folder["by_category"]["phone"], 1);
    let image = &run.inventory["suspected_id_images"][0];
    assert_eq!(image["path"], "s3://keys/scans/王芳-手持身份证.png");
    assert_eq!(image["kind"], "handheld_id");
    let skipped: Vec<&str> = run.inventory["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["s3://keys/scans/王芳-手持身份证.png"]);
    assert!(
        !run.findings_text.contains("13800005678") && !run.inventory_text.contains("13800005678"),
        "values in keys are masked without --reveal"
    );
    assert_no_secrets(&run, &[KEY_ID, SECRET]);
}

/// Two objects whose names mask alike (`138****5678.csv`) and whose content is the same (so
/// is the ETag) stay two entries through a refresh, each taken over from its own.
#[test]
fn objects_masked_alike_keep_their_own_entries_through_a_refresh() {
    let moto = Moto::start();
    let dir = Dir::new();
    moto.mkbucket("alike");
    let body = "手机号\n13700000001\n";
    moto.put("alike", "13812345678.csv", body);
    moto.put("alike", "13899995678.csv", body);
    let env = s3_env(&dir, &moto.endpoint(), KEY_ID, SECRET);
    let first = scan(&dir, "alike1", &["s3://alike"], &env, &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let paths = |inv: &Value| {
        let mut p: Vec<String> = inv["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    assert_eq!(
        paths(&first.inventory),
        ["s3://alike/138****5678.csv", "s3://alike/138****5678.csv~2"]
    );
    let baseline = dir.out("alike1.json");
    let baseline = baseline.to_str().unwrap();
    let again = scan(&dir, "alike2", &["s3://alike"], &env, &["--baseline", baseline]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(paths(&again.inventory), paths(&first.inventory));
    assert_eq!(
        again.inventory["totals"]["reused"], 2,
        "{}",
        again.inventory["totals"]
    );
    assert!(read_again(&again.inventory).is_empty());
}
