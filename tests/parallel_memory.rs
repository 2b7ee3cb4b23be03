//! The memory budget (`--max-memory`) is one budget for the whole scan: inputs read into
//! memory on several threads at once share it, waiting for each other instead of adding up,
//! and none is lost for it.

use crate::util::{scan_tree, Dir};
use std::io::Write;

/// Bytes of each SQLite member: a zip member of a format that needs random access is read
/// into memory whole, against the budget.
const MEMBER: usize = 16 << 20;
const ARCHIVES: usize = 12;

/// A SQLite database of `MEMBER` bytes holding three generated mobile numbers.
fn database(dir: &Dir, n: usize) -> Vec<u8> {
    let path = dir.path(&format!("gen/{n}.db"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch("CREATE TABLE member (id INTEGER, phone TEXT); CREATE TABLE pad (b BLOB);")
        .unwrap();
    for i in 0..3 {
        let phone = format!("139{:04}{:04}", n, 1000 + i);
        db.execute("INSERT INTO member VALUES (?1, ?2)", rusqlite::params![i, phone])
            .unwrap();
    }
    let pad = (MEMBER as i64) - 64 * 1024;
    db.execute("INSERT INTO pad VALUES (zeroblob(?1))", [pad])
        .unwrap();
    drop(db);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, options).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap();
    out.into_inner()
}

// The peak bound counts on the allocator settings `main` makes for glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn members_read_into_memory_on_many_threads_share_one_budget() {
    let dir = Dir::new();
    for n in 0..ARCHIVES {
        let db = database(&dir, n);
        assert!(db.len() >= MEMBER - (128 << 10), "{}", db.len());
        dir.write(&format!("tree/backup{n:02}.zip"), zip_of("app.db", &db));
    }
    std::fs::remove_dir_all(dir.path("gen")).unwrap();
    let tree = dir.path("tree");
    let one = Dir::new();
    one.write("backup00.zip", std::fs::read(tree.join("backup00.zip")).unwrap());
    // One member alone: what the scan needs besides the budgeted memory.
    let alone = scan_tree(&one, "alone", &["-j1"]);
    // Eight threads, room for two members at a time: the others wait their turn.
    let budget = 2 * MEMBER as u64 + (4 << 20);
    let shared_dir = Dir::new();
    for n in 0..ARCHIVES {
        let name = format!("backup{n:02}.zip");
        shared_dir.write(&name, std::fs::read(tree.join(&name)).unwrap());
    }
    let max_memory = format!("{}M", budget >> 20);
    let shared = scan_tree(&shared_dir, "shared", &["-j8", "--max-memory", &max_memory]);
    assert_eq!(shared.output.code, Some(0), "{}", shared.describe());
    for n in 0..ARCHIVES {
        let member = format!("backup{n:02}.zip!app.db");
        assert_eq!(
            shared.findings_for(&member).len(),
            3,
            "{member}: {}",
            shared.describe()
        );
    }
    // Eight members at once take ~250 MB (measured without the budget); with it, the scan
    // holds at most what one member alone needs plus the budget, and a margin for the other
    // threads' buffers and what the allocator keeps.
    let limit = alone.output.peak_rss + budget + (24 << 20);
    assert!(
        shared.output.peak_rss <= limit,
        "peak {} MiB with the budget, {} MiB for one member alone",
        shared.output.peak_rss >> 20,
        alone.output.peak_rss >> 20
    );
}
