//! Hostile inputs to the scanner's own reading (`../shared/hostile/README.md`, C4, C6, H5,
//! M3): each one ends as an error or a degraded count for its file, in bounded time and
//! memory, and the rest of the tree is scanned. Runs are capped with RLIMIT_AS, so an
//! unbounded allocation fails the test instead of the machine.

use crate::util::{manifest_dir, parse_findings, parse_inventory, pimap, Dir, Finding, Inventory, Output};
use std::time::Duration;

const PHONE: &str = "13812345678";

/// Address space a run may use: far below what the unbounded readers took (GBs), above what
/// a scan needs (threads' stacks and allocator arenas count here, not only what is used).
const CAP: u64 = 2 << 30;

/// A tree holding `name` (with `contents`) and an ordinary CSV with a phone beside it.
fn tree_with(name: &str, contents: impl AsRef<[u8]>) -> Dir {
    let dir = Dir::new();
    dir.write(name, contents);
    dir.write("ok/orders.csv", format!("name,phone\nA,{PHONE}\n"));
    dir
}

/// Scans the tree under the memory cap; checks the CSV beside the hostile file was scanned.
#[track_caller]
fn capped_scan(dir: &Dir, extra: &[&str]) -> (Output, Inventory, Vec<Finding>) {
    let inventory = dir.out("inv.json");
    let findings = dir.out("findings.jsonl");
    let output = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&inventory)
        .arg("--findings")
        .arg(&findings)
        .args(["-q", "-j", "2"])
        .args(extra)
        .address_space(CAP)
        .timeout(Duration::from_secs(120))
        .run();
    assert!(
        matches!(output.code, Some(0 | 1)),
        "exit {:?}: {}",
        output.code,
        output.stderr_str()
    );
    let inv = parse_inventory(&std::fs::read_to_string(&inventory).expect("inventory written"));
    let found = parse_findings(&std::fs::read_to_string(&findings).expect("findings written"));
    assert!(
        found.iter().any(|f| f.path == "ok/orders.csv"),
        "the rest of the tree was not scanned"
    );
    for e in &inv.errors {
        assert!(!e.error.contains(PHONE), "raw value in an error: {}", e.error);
    }
    (output, inv, found)
}

/// `count` phones separated by one space: 12 bytes each, so values fall across every cut.
fn phones(count: usize) -> String {
    let mut s = String::with_capacity(count * 12);
    for i in 0..count {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(PHONE);
    }
    s
}

#[test]
fn a_cell_of_a_million_phones_is_scanned_in_pieces_and_each_is_found_once() {
    // 3.4 MB in one CSV cell: the record is checked in 1 MiB pieces; a phone cut by a piece
    // boundary must be found exactly once.
    let count = 300_001;
    let dir = tree_with("big.csv", format!("note,id\n\"{}\",1\n", phones(count)));
    let (output, inv, found) = capped_scan(&dir, &[]);
    assert_eq!(output.code, Some(0), "{}", output.stderr_str());
    let hits = found.iter().filter(|f| f.path == "big.csv").count();
    assert_eq!(hits, count);
    let file = inv.file("big.csv").expect("big.csv listed");
    assert_eq!(file.columns.iter().map(|c| c.hits).sum::<u64>(), count as u64);
}

#[test]
fn a_long_text_record_keeps_exact_offsets_across_pieces() {
    // A JSON string scanned as one record: its findings' pointer is the same, and a text
    // file of the same content reports offsets that land on each phone.
    let count = 200_000;
    let body = phones(count);
    let dir = tree_with("one.txt", &body);
    let (_, _, found) = capped_scan(&dir, &["--chunk-size", "4M"]);
    let offsets: Vec<u64> = found
        .iter()
        .filter(|f| f.path == "one.txt")
        .map(|f| f.location["offset"].as_u64().expect("offset"))
        .collect();
    assert_eq!(offsets.len(), count);
    for (i, &at) in offsets.iter().enumerate() {
        assert_eq!(at, i as u64 * 12, "finding {i}");
    }
}

#[test]
fn a_megabyte_long_json_key_is_cut_in_pointers_and_column_names() {
    // Hostile C6: an 8 MB key over 100k phones; every finding copied the pointer. Scaled
    // down here (2 MB, 20k phones) with the same shape; it used to take minutes.
    let key = "k".repeat(2 << 20);
    let values: Vec<String> = (0..20_000).map(|_| format!("\"{PHONE}\"")).collect();
    let dir = tree_with("long.json", format!("{{\"{key}\":[{}]}}", values.join(",")));
    let started = std::time::Instant::now();
    let (_, inv, found) = capped_scan(&dir, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let mine: Vec<&Finding> = found.iter().filter(|f| f.path == "long.json").collect();
    assert_eq!(mine.len(), 20_000);
    let pointer = mine[5].location["pointer"].as_str().expect("pointer");
    assert!(pointer.len() < 400, "pointer of {} bytes", pointer.len());
    assert!(
        pointer.starts_with("/kkk") && pointer.ends_with("…/5"),
        "{pointer}"
    );
    let column = &inv.file("long.json").expect("listed").columns[0];
    assert!(
        column.name.len() < 400 && column.name.ends_with('…'),
        "{}",
        column.name
    );
}

#[test]
fn a_row_of_a_hundred_thousand_columns_counts_the_rest_together() {
    // Hostile M3 (wide.csv.gz: 8.3M fields in a row took 7 GB): column state is capped at
    // 4,096 per file and the rest counted as one column; the file says so.
    let mut row: Vec<String> = vec!["1".to_string(); 100_000];
    row[10] = PHONE.to_string();
    row[90_000] = PHONE.to_string();
    let dir = tree_with("wide.csv", format!("{}\n", row.join(",")));
    let (output, inv, found) = capped_scan(&dir, &[]);
    assert_eq!(output.code, Some(1));
    let mine: Vec<&Finding> = found.iter().filter(|f| f.path == "wide.csv").collect();
    assert_eq!(mine.len(), 2);
    let columns: Vec<&str> = mine
        .iter()
        .map(|f| f.location["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["11", "(more columns)"]);
    let error = inv.error("wide.csv").expect("the cap is reported");
    assert_eq!(error.kind.as_deref(), Some("too_large"));
    assert!(error.error.contains("4096 columns"), "{}", error.error);
}

#[test]
fn a_dump_of_many_tables_remembers_the_first_and_reads_the_rest() {
    // Hostile M3 (a dump of 500k tables took 706 MB, then 264 MB): the walker remembers
    // 10,000 tables; every value of the others is still read and located in its table.
    let mut dump = String::new();
    for t in 0..12_000 {
        dump.push_str(&format!(
            "CREATE TABLE t_{t} (note text, phone varchar(20));\nINSERT INTO t_{t} VALUES ('x','{PHONE}');\n"
        ));
    }
    let dir = tree_with("many.sql", dump);
    let (output, inv, found) = capped_scan(&dir, &[]);
    assert_eq!(output.code, Some(1));
    let mine: Vec<&Finding> = found.iter().filter(|f| f.path == "many.sql").collect();
    assert_eq!(mine.len(), 12_000);
    let last = mine
        .iter()
        .find(|f| f.location["table"] == "t_11999")
        .expect("the last table's value is found");
    assert_eq!(last.location["row"], 1);
    let error = inv.error("many.sql").expect("the cap is reported");
    assert_eq!(error.kind.as_deref(), Some("too_large"));
    assert!(error.error.contains("10000 tables"), "{}", error.error);
}

#[test]
fn a_json_document_larger_than_the_memory_budget_is_scanned_as_text() {
    // The document is held against --max-memory; past it, it is still scanned, as text.
    let count = 400_000;
    let dir = tree_with("doc.json", format!("{{\"note\":\"{}\"}}", phones(count)));
    let (output, inv, found) = capped_scan(&dir, &["--max-memory", "2M"]);
    assert_eq!(output.code, Some(1));
    assert_eq!(found.iter().filter(|f| f.path == "doc.json").count(), count);
    let error = inv.error("doc.json").expect("reported");
    assert_eq!(error.kind.as_deref(), Some("too_large"));
    assert!(
        error.error.contains("memory budget") && error.error.contains("scanned as text"),
        "{}",
        error.error
    );
}

#[test]
fn a_sqlite_generated_column_bomb_is_refused_quickly() {
    // Hostile C4/H5 (sqlite_genbomb.db, 8 KB): each of 20 rows computes ~960 MB of phones
    // on read. SQLite's value length is capped, so the row fails fast and is reported.
    let sample = std::fs::read(manifest_dir().join("tests/fixtures/hostile/sqlite_genbomb.db")).unwrap();
    let dir = tree_with("bomb.db", sample);
    let started = std::time::Instant::now();
    let (output, inv, _) = capped_scan(&dir, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.code, Some(1));
    let error = inv.error("bomb.db").expect("reported");
    assert_eq!(error.kind.as_deref(), Some("too_large"), "{}", error.error);
    assert!(error.error.contains("too big"), "{}", error.error);
}

#[test]
fn an_archive_of_many_members_lists_the_first_and_counts_the_clean_rest() {
    // Hostile M4 (tgz_2m_members.tar.gz: 2M empty members took 2.2 GB in summaries): past
    // 10,000 members, those with nothing to report are counted on the archive; a member
    // with a finding is still listed wherever it sits.
    let total = 12_000u64;
    let mut tar = tar::Builder::new(Vec::new());
    for i in 0..total {
        let body = if i == 11_500 {
            format!("phone {PHONE}\n")
        } else {
            String::new()
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("f{i}.txt"), body.as_bytes())
            .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
    let dir = tree_with("many.tar.gz", gz.finish().unwrap());
    let (output, inv, found) = capped_scan(&dir, &[]);
    assert_eq!(output.code, Some(0), "{}", output.stderr_str());
    assert!(found.iter().any(|f| f.path == "many.tar.gz!f11500.txt"));
    let listed = inv
        .files
        .iter()
        .filter(|f| f.path.starts_with("many.tar.gz!"))
        .count() as u64;
    assert!(inv.file("many.tar.gz!f11500.txt").is_some());
    let json = crate::util::read_inventory_json(&dir.out("inv.json"));
    let archive = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "many.tar.gz")
        .unwrap();
    let clean = archive["unlisted_members"]["clean"]
        .as_u64()
        .expect("unlisted_members.clean");
    assert_eq!(listed, 10_001);
    assert_eq!(listed + clean, total);
    // Counted members are still files of the scan: the archive, its members, the CSV.
    assert_eq!(json["totals"]["files"].as_u64(), Some(total + 2));
}
