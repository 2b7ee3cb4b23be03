//! Archives (issue 3): zip, gzip, tar and tar.gz members are read as their own formats and
//! reported as `archive!member`; nested archives are opened; hostile archives (truncated,
//! encrypted members, decompression bombs) become error entries and the scan goes on.
//! Every archive is built here, from generated values.

use crate::util::{scan_tree, with_id_check, Dir};
use std::io::{Cursor, Write};

fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn tar_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, name, *data).unwrap();
    }
    tar.into_inner().unwrap()
}

const PHONE: &str = "13812345678";

#[test]
fn members_are_scanned_as_their_own_formats() {
    let dir = Dir::new();
    let id = with_id_check("11010519491231002");
    let csv = format!("姓名,手机号,身份证号\n张三,{PHONE},{id}\n");
    let inner = zip_bytes(&[("notes.txt", b"call 13912345678 please")]);
    dir.write(
        "backup.zip",
        zip_bytes(&[("2024/orders.csv", csv.as_bytes()), ("inner.zip", &inner)]),
    );
    let sql = "CREATE TABLE `u` (\n  `id` int,\n  `mobile` varchar(20)\n);\nINSERT INTO `u` VALUES (1,'13712345678');\n";
    dir.write("dump.sql.gz", gzip(sql.as_bytes()));
    dir.write(
        "logs.tgz",
        gzip(&tar_bytes(&[("app/app.log", b"user email li.na@example.com\n")])),
    );
    let scan = scan_tree(&dir, "members", &[]);
    let csv_findings = scan.findings_for("backup.zip!2024/orders.csv");
    assert_eq!(csv_findings.len(), 3, "{}", scan.describe());
    assert!(csv_findings
        .iter()
        .any(|f| f.detector == "cn_name" && f.masked == "张*"));
    assert!(csv_findings
        .iter()
        .any(|f| f.detector == "cn_mobile" && f.loc_str("column") == Some("手机号")));
    let nested = scan.findings_for("backup.zip!inner.zip!notes.txt");
    assert_eq!(nested.len(), 1, "{}", scan.describe());
    let dump = scan.findings_for("dump.sql.gz!dump.sql");
    assert_eq!(dump.len(), 1, "{}", scan.describe());
    assert_eq!(dump[0].loc_str("table"), Some("u"));
    assert_eq!(dump[0].loc_str("column"), Some("mobile"));
    let logs = scan.findings_for("logs.tgz!app/app.log");
    assert_eq!(logs.len(), 1, "{}", scan.describe());
    assert_eq!(logs[0].detector, "email");
    // The archives themselves are listed, and so is every member.
    let inv = &scan.inventory;
    for path in [
        "backup.zip",
        "backup.zip!2024/orders.csv",
        "backup.zip!inner.zip",
        "backup.zip!inner.zip!notes.txt",
        "dump.sql.gz!dump.sql",
    ] {
        assert!(inv.file(path).is_some(), "{path} missing\n{}", scan.describe());
    }
    assert_eq!(inv.file("backup.zip").unwrap().format, "zip");
    assert!(inv.errors.is_empty(), "{}", scan.describe());
}

#[test]
fn a_decompression_bomb_is_an_error_and_the_scan_goes_on() {
    let dir = Dir::new();
    let zeros = vec![b'0'; 64 << 20];
    let bomb = zip_bytes(&[("zeros.txt", &zeros)]);
    assert!(bomb.len() < 200 << 10, "the bomb is small: {}", bomb.len());
    dir.write("bomb.zip", bomb);
    dir.write("ok.txt", format!("手机 {PHONE}"));
    let scan = scan_tree(&dir, "bomb", &[]);
    assert_eq!(scan.output.code, Some(1));
    let err = scan
        .inventory
        .error("bomb.zip!zeros.txt")
        .unwrap_or_else(|| panic!("no error entry\n{}", scan.describe()));
    assert!(err.error.contains("decompression bomb"), "{}", err.error);
    assert_eq!(err.kind.as_deref(), Some("bomb"), "{err:?}");
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}

#[test]
fn truncated_archives_are_errors() {
    let dir = Dir::new();
    let csv = format!("手机号\n{PHONE}\n").repeat(200);
    let zip = zip_bytes(&[("orders.csv", csv.as_bytes())]);
    dir.write("cut.zip", &zip[..zip.len() / 2]);
    let gz = gzip(csv.as_bytes());
    dir.write("cut.csv.gz", &gz[..gz.len() / 2]);
    let tar = tar_bytes(&[("a.txt", csv.as_bytes())]);
    dir.write("cut.tar", &tar[..700]);
    dir.write("ok.txt", format!("手机 {PHONE}"));
    let scan = scan_tree(&dir, "cut", &[]);
    assert_eq!(scan.output.code, Some(1));
    let inv = &scan.inventory;
    // Each starts as its format should and then ends: cut, not garbled.
    assert_eq!(inv.error_kind("cut.zip"), "truncated", "{}", scan.describe());
    assert_eq!(
        inv.error_kind("cut.csv.gz!cut.csv"),
        "truncated",
        "{}",
        scan.describe()
    );
    assert_eq!(inv.error_kind("cut.tar"), "truncated", "{}", scan.describe());
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}

/// Sets the "encrypted" flag (bit 0 of the general-purpose flags) in a zip's local and
/// central headers: readers must then refuse the member without a password.
fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let find = |zip: &[u8], sig: &[u8]| zip.windows(4).position(|w| w == sig).unwrap();
    let local = find(&zip, b"PK\x03\x04");
    zip[local + 6] |= 1;
    let central = find(&zip, b"PK\x01\x02");
    zip[central + 8] |= 1;
    zip
}

#[test]
fn encrypted_members_are_reported() {
    let dir = Dir::new();
    let zip = zip_bytes(&[("secret.csv", format!("手机号\n{PHONE}\n").as_bytes())]);
    dir.write("locked.zip", mark_encrypted(zip));
    let scan = scan_tree(&dir, "encrypted", &[]);
    let err = scan
        .inventory
        .error("locked.zip!secret.csv")
        .unwrap_or_else(|| panic!("no error entry\n{}", scan.describe()));
    assert!(err.error.contains("encrypted"), "{}", err.error);
    assert_eq!(err.kind.as_deref(), Some("encrypted"), "{err:?}");
    assert!(scan.findings.is_empty());
}

#[test]
fn damaged_archives_are_corrupt() {
    let dir = Dir::new();
    let csv = format!("手机号\n{PHONE}\n").repeat(200);
    let mut gz = gzip(csv.as_bytes());
    for b in &mut gz[20..60] {
        *b ^= 0xA5;
    }
    dir.write("damaged.csv.gz", gz);
    let mut zip = zip_bytes(&[("orders.csv", csv.as_bytes())]);
    // The central directory's signature: the directory cannot be found, though the file
    // is whole.
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[central..central + 4].copy_from_slice(b"XXXX");
    dir.write("damaged.zip", zip);
    let scan = scan_tree(&dir, "damaged", &[]);
    let inv = &scan.inventory;
    assert_eq!(
        inv.error_kind("damaged.csv.gz!damaged.csv"),
        "corrupt",
        "{}",
        scan.describe()
    );
    assert_eq!(inv.error_kind("damaged.zip"), "corrupt", "{}", scan.describe());
}

/// The first bytes of a 7z and of a RAR 5 archive.
const SEVEN_ZIP: &[u8] = b"7z\xBC\xAF\x27\x1C\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00";
const RAR5: &[u8] = b"Rar!\x1A\x07\x01\x00\x00\x00\x00\x00";

#[test]
fn a_7z_or_rar_named_zip_is_unsupported_not_a_corrupt_zip() {
    let dir = Dir::new();
    dir.write("backup.zip", SEVEN_ZIP);
    dir.write("photos.tar.gz", RAR5);
    dir.write("honest.7z", SEVEN_ZIP);
    dir.write("honest.rar", RAR5);
    dir.write("ok.txt", format!("手机 {PHONE}"));
    let scan = scan_tree(&dir, "foreign", &[]);
    scan.output.expect_code(1);
    let inv = &scan.inventory;
    for (path, found) in [("backup.zip", "7z"), ("photos.tar.gz", "rar")] {
        assert_eq!(inv.error_kind(path), "unsupported", "{}", scan.describe());
        let e = inv.error(path).unwrap();
        assert!(e.error.contains(found) && !e.error.contains("corrupt"), "{e:?}");
    }
    // Named for what they are, they are skipped, as the README says of 7z and rar.
    for path in ["honest.7z", "honest.rar"] {
        assert!(inv.skipped(path).is_some(), "{}", scan.describe());
        assert!(inv.error(path).is_none(), "{}", scan.describe());
    }
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}

#[test]
fn gbk_member_names_are_decoded() {
    let dir = Dir::new();
    // A zip written by a Chinese Windows tool: GBK name bytes, no UTF-8 flag.
    let mut zip = zip_bytes(&[("ab.txt", format!("手机 {PHONE}").as_bytes())]);
    let gbk_name = [0xB6, 0xA9]; // 订 in GBK, same length as "ab"
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let at = zip.windows(4).position(|w| w == sig).unwrap();
        let name_at = at + if sig[2] == 3 { 30 } else { 46 };
        zip[name_at..name_at + 2].copy_from_slice(&gbk_name);
    }
    dir.write("gbk.zip", zip);
    let scan = scan_tree(&dir, "gbk", &[]);
    assert_eq!(
        scan.findings_for("gbk.zip!订.txt").len(),
        1,
        "{}",
        scan.describe()
    );
}
