//! Hostile archives (the attack on the build of 2026-11-29: D1, D2, H6, M2, M7, E5, L7): every
//! member is read or accounted for, in bounded time and memory. Each archive sits in a tree
//! next to an ordinary CSV holding a phone number, which must be found whatever the archive
//! does; runs are capped at 2 GiB of address space and a minute. The small samples of the
//! attack are in `tests/fixtures/hostile/`; the large ones are generated here.

use crate::util::{manifest_dir, parse_inventory, pimap, Dir, Inventory};
use std::io::Write;
use std::time::Duration;

/// Address space a run may take: the samples took 2.2 to 8.4 GB before.
const ADDRESS_SPACE: u64 = 2 << 30;

/// Time a run may take: `zip_overlap.zip` took 19 minutes before.
const TIME: Duration = Duration::from_secs(60);

/// The phone number of the ordinary CSV next to each archive.
const NEIGHBOUR_PHONE: &str = "13912345678";

/// A finished scan of a tree: its exit status and inventory (findings are counted there:
/// `overlap.zip` has three million).
struct Run {
    code: Option<i32>,
    stderr: String,
    inventory: Inventory,
}

/// Scans a tree holding `files` and `contacts.csv` (a phone number) with two threads,
/// within the caps, with `extra` arguments.
fn scan(files: &[(&str, &[u8])], extra: &[&str]) -> Run {
    let dir = Dir::new();
    for (name, bytes) in files {
        dir.write(name, bytes);
    }
    dir.write("contacts.csv", format!("姓名,手机号\n张三,{NEIGHBOUR_PHONE}\n"));
    let inventory = dir.out("inventory.json");
    let output = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&inventory)
        .args(["-q", "-j", "2"])
        .args(extra)
        .address_space(ADDRESS_SPACE)
        .timeout(TIME)
        .run();
    let stderr = output.stderr_str();
    let text = std::fs::read_to_string(&inventory).unwrap_or_else(|e| panic!("{e}; stderr:\n{stderr}"));
    let run = Run {
        code: output.code,
        inventory: parse_inventory(&text),
        stderr,
    };
    run.the_rest_of_the_tree_was_scanned();
    run
}

/// A sample of the attack.
fn sample(name: &str) -> Vec<u8> {
    std::fs::read(manifest_dir().join("tests/fixtures/hostile").join(name)).expect("sample")
}

impl Run {
    fn describe(&self) -> String {
        let inv = &self.inventory;
        format!(
            "exit {:?}\nfiles: {:?}\nskipped: {:?}\nerrors: {:?}\nstderr: {}",
            self.code,
            inv.files
                .iter()
                .map(|f| (&f.path, f.size, f.findings))
                .collect::<Vec<_>>(),
            inv.skipped
                .iter()
                .map(|s| (&s.path, &s.reason))
                .collect::<Vec<_>>(),
            inv.errors
                .iter()
                .map(|e| (&e.path, &e.kind, &e.error))
                .collect::<Vec<_>>(),
            self.stderr
        )
    }

    /// Findings in the file of the inventory at `path`; panics if it is not there.
    #[track_caller]
    fn findings_for(&self, path: &str) -> u64 {
        match self.inventory.file(path) {
            Some(f) => f.findings,
            None => panic!("{path} is not in files\n{}", self.describe()),
        }
    }

    /// What every run must show: the neighbouring CSV's phone found, and no value (a phone
    /// number, a resident ID) in any error message.
    #[track_caller]
    fn the_rest_of_the_tree_was_scanned(&self) {
        assert!(matches!(self.code, Some(0) | Some(1)), "{}", self.describe());
        let contacts = self.inventory.file("contacts.csv");
        let phones = contacts.and_then(|f| f.by_detector.get("cn_mobile").copied());
        assert_eq!(phones, Some(1), "{}", self.describe());
        let value = regex::Regex::new(r"1[3-9]\d{9}|\d{17}[\dX]").unwrap();
        for e in &self.inventory.errors {
            assert!(!value.is_match(&e.error), "a raw value in {e:?}");
        }
    }

    /// The only error entry: its path, kind and message.
    #[track_caller]
    fn only_error(&self) -> (&str, &str, &str) {
        let errors = &self.inventory.errors;
        assert_eq!(errors.len(), 1, "{}", self.describe());
        let e = &errors[0];
        (&e.path, e.kind.as_deref().unwrap_or(""), &e.error)
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// A GNU tar header for an entry of type `kind` declaring `size` bytes.
fn tar_header(name: &str, kind: u8, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_path(name).unwrap();
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    header
}

#[test]
fn contiguous_tar_members_are_read_like_regular_ones() {
    // D1: `regular.csv` ('0') and `contiguous.csv` ('7') hold the same 100 phone numbers.
    let run = scan(&[("types.tar", &sample("tar_contiguous.tar"))], &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(
        run.findings_for("types.tar!regular.csv"),
        100,
        "{}",
        run.describe()
    );
    assert_eq!(
        run.findings_for("types.tar!contiguous.csv"),
        100,
        "{}",
        run.describe()
    );
}

#[test]
fn gnu_sparse_members_are_read_as_they_extract() {
    // D1: the sample's sparse CSV has a 10 MiB hole after its first 4 KiB: extracted, it is
    // a file with NULs near its start, which pimap skips as binary on disk as well.
    let run = scan(&[("sparse.tar", &sample("tar_sparse_gnu.tar"))], &[]);
    let skipped = run
        .inventory
        .skipped("sparse.tar!sparse.csv")
        .unwrap_or_else(|| panic!("the sparse member is not listed\n{}", run.describe()));
    assert_eq!(skipped.reason, "binary file", "{}", run.describe());
    // One whose first regions are text is read, hole and all: the phone number stored past
    // a 1 MiB hole is found.
    let text = "手机号\n".repeat(3000);
    let regions = [(0u64, text.len() as u64), (1 << 20, 512)];
    let mut tail = format!("\n{}\n", "13812345678");
    tail.push_str(&" ".repeat(512 - tail.len()));
    let mut header = tar_header("notes.txt", b'S', regions.iter().map(|r| r.1).sum());
    let gnu = header.as_gnu_mut().unwrap();
    gnu.set_real_size((1 << 20) + 512);
    for (slot, &(offset, len)) in gnu.sparse.iter_mut().zip(&regions) {
        slot.set_offset(offset);
        slot.set_length(len);
    }
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.extend_from_slice(text.as_bytes());
    tar.extend_from_slice(tail.as_bytes());
    tar.resize(tar.len().next_multiple_of(512) + 1024, 0);
    let run = scan(&[("sparse.tar", &tar)], &[]);
    assert_eq!(run.findings_for("sparse.tar!notes.txt"), 1, "{}", run.describe());
    assert_eq!(
        run.inventory.file("sparse.tar!notes.txt").unwrap().size,
        (1 << 20) + 512
    );
}

#[test]
fn both_zip_members_of_one_name_are_read() {
    // D2: two members named `orders.csv`; the first holds two phone numbers.
    let run = scan(&[("dup.zip", &sample("zip_dup_hidden.zip"))], &[]);
    assert_eq!(run.findings_for("dup.zip!orders.csv"), 2, "{}", run.describe());
    assert!(
        run.inventory.file("dup.zip!orders.csv~2").is_some(),
        "{}",
        run.describe()
    );
    let (path, kind, message) = run.only_error();
    assert_eq!((path, kind), ("dup.zip!orders.csv~2", "corrupt"), "{message}");
    assert!(message.contains("same name"), "{message}");
    assert_eq!(run.code, Some(1));
}

#[test]
fn zip_members_sharing_their_data_are_refused_as_a_bomb() {
    // H6: 400 entries over one 40 MB deflate stream. The first is read; the second would
    // read the same bytes again.
    let run = scan(&[("overlap.zip", &sample("zip_overlap.zip"))], &[]);
    let (path, kind, message) = run.only_error();
    assert_eq!((path, kind), ("overlap.zip", "bomb"), "{message}");
    let members: Vec<_> = run
        .inventory
        .files
        .iter()
        .filter(|f| f.path.starts_with("overlap.zip!"))
        .collect();
    assert_eq!(members.len(), 1, "{}", run.describe());
    assert!(members[0].findings > 1_000_000, "{}", run.describe());
}

/// A .tar.gz whose first header is an extension header of type `kind` claiming 8 GiB of
/// 'A's, which follow (concatenated gzip members of 16 MiB each: about 8 MB in all).
fn oversized_extension(kind: u8) -> Vec<u8> {
    let size = 8u64 << 30;
    let mut tgz = gzip(tar_header("././@LongLink", kind, size).as_bytes());
    let block = gzip(&vec![b'A'; 16 << 20]);
    for _ in 0..size / (16 << 20) {
        tgz.extend_from_slice(&block);
    }
    tgz
}

#[test]
fn tar_extension_headers_are_capped() {
    // M2: the tar crate read them whole, 8.4 GB for an 8 MB file.
    for (kind, what) in [(b'L', "GNU long name"), (b'x', "PAX extended header")] {
        let run = scan(&[("names.tar.gz", &oversized_extension(kind))], &[]);
        let (path, error_kind, message) = run.only_error();
        assert_eq!((path, error_kind), ("names.tar.gz", "corrupt"), "{message}");
        assert!(message.contains(what), "{message}");
    }
}

#[test]
fn gzip_and_tar_gz_have_a_ratio_guard() {
    // M7: 64 MiB of one digit compress over 1000x; only zip members were held to 500x.
    let text = vec![b'0'; 64 << 20];
    let mut tar = tar_header("zeros.txt", b'0', text.len() as u64)
        .as_bytes()
        .to_vec();
    tar.extend_from_slice(&text);
    tar.resize(tar.len() + 1024, 0);
    let run = scan(&[("zeros.txt.gz", &gzip(&text)), ("zeros.tgz", &gzip(&tar))], &[]);
    let inv = &run.inventory;
    assert_eq!(
        inv.error_kind("zeros.txt.gz!zeros.txt"),
        "bomb",
        "{}",
        run.describe()
    );
    assert_eq!(
        inv.error_kind("zeros.tgz!zeros.txt"),
        "bomb",
        "{}",
        run.describe()
    );
    for e in &inv.errors {
        assert!(e.error.contains("500x"), "{e:?}");
    }
}

#[test]
fn member_sizes_are_what_the_members_held() {
    // E5: the central directory declares 4 GiB for each 4.8 MB member.
    let text = "13812345678\n".repeat(400_000);
    let mut zip = {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for name in ["a.csv", "b.csv"] {
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    };
    let mut at = 0;
    while let Some(found) = zip[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let entry = at + found;
        zip[entry + 24..entry + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        at = entry + 4;
    }
    let run = scan(&[("lying.zip", &zip)], &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let inv = &run.inventory;
    for member in ["lying.zip!a.csv", "lying.zip!b.csv"] {
        assert_eq!(
            inv.file(member).unwrap().size,
            text.len() as u64,
            "{}",
            run.describe()
        );
    }
    let neighbour = inv.file("contacts.csv").unwrap().size;
    assert_eq!(inv.totals.bytes, 2 * text.len() as u64 + neighbour);
}

#[test]
fn tar_header_fields_are_not_quoted() {
    // L7: the sample's size field holds a phone number.
    let run = scan(&[("leak.tar", &sample("leak_tar_sizefield.tar"))], &[]);
    let (path, kind, message) = run.only_error();
    assert_eq!((path, kind), ("leak.tar", "corrupt"), "{message}");
    assert!(message.contains("size field"), "{message}");
}

#[test]
fn what_an_archive_member_holds_in_memory_is_within_the_budget() {
    // A SQLite file inside a zip is read into memory: 4 MiB, with 1 MiB allowed.
    let mut db = b"SQLite format 3\0".to_vec();
    db.resize(4 << 20, 0);
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    w.start_file("app.db", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(&db).unwrap();
    w.finish().unwrap();
    let run = scan(&[("backup.zip", &out.into_inner())], &["--max-memory", "1M"]);
    let (path, kind, message) = run.only_error();
    assert_eq!((path, kind), ("backup.zip!app.db", "too_large"), "{message}");
    assert!(message.contains("SQLite file inside an archive"), "{message}");
}
