//! Archives and compressed files (zip, gzip, tar, tar.gz): their members are handed back one
//! at a time as readers, to be read as their own formats by the caller.
//!
//! Guards against decompression bombs: every member's reader counts what it expands to and
//! fails (an I/O error the caller records as the member's error) past a total for the whole
//! top-level archive or past an expansion ratio. Nothing is extracted to disk. Encrypted zip
//! members are reported, not read.

use std::cell::Cell;
use std::io::{self, Read, Seek};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Archive container kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Gzip,
    Tar,
    TarGz,
}

impl ArchiveKind {
    /// The inventory's `format` name.
    pub fn name(self) -> &'static str {
        match self {
            ArchiveKind::Zip => "zip",
            ArchiveKind::Gzip => "gzip",
            ArchiveKind::Tar => "tar",
            ArchiveKind::TarGz => "tar.gz",
        }
    }
}

/// Limits that stop decompression bombs. Shared by all members (and nested archives) of one
/// top-level archive.
#[derive(Debug)]
pub struct Budget {
    /// Bytes all members together may expand to.
    pub max_total: u64,
    /// Largest expansion ratio (expanded / compressed) accepted once a member is past
    /// `ratio_floor` bytes.
    pub max_ratio: u64,
    /// Below this many expanded bytes the ratio is not checked (tiny, very repetitive files
    /// compress extremely well and are harmless).
    pub ratio_floor: u64,
    used: Cell<u64>,
}

impl Budget {
    pub fn new(max_total: u64) -> Self {
        Budget {
            max_total,
            max_ratio: 500,
            ratio_floor: 16 << 20,
            used: Cell::new(0),
        }
    }
}

/// A member of an archive.
pub struct Member<'a> {
    /// Path inside the archive (`dir/orders.csv`).
    pub name: String,
    /// Declared size (0 when unknown).
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// Its content; None when it cannot be read (`problem` says why).
    pub reader: Option<&'a mut dyn Read>,
    pub problem: Option<String>,
}

impl Member<'_> {
    /// A member that cannot be read, and why.
    fn unreadable(name: String, size: u64, modified: Option<SystemTime>, problem: String) -> Self {
        Member {
            name,
            size,
            modified,
            reader: None,
            problem: Some(problem),
        }
    }
}

/// Anything that reads and seeks (zip needs both).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Counts expanded bytes against the budget; fails when a guard trips.
struct Guarded<'a, R> {
    inner: R,
    budget: &'a Budget,
    /// Compressed size of this member when known (zip), for the ratio check.
    compressed: Option<u64>,
    expanded: u64,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.expanded += n as u64;
        let used = self.budget.used.get() + n as u64;
        self.budget.used.set(used);
        if used > self.budget.max_total {
            return Err(io::Error::other(format!(
                "archive guard: members expand to more than {} MiB in total (possible decompression bomb)",
                self.budget.max_total >> 20
            )));
        }
        if let Some(c) = self.compressed {
            if self.expanded > self.budget.ratio_floor && self.expanded / c.max(1) > self.budget.max_ratio {
                return Err(io::Error::other(format!(
                    "archive guard: member expands more than {}x (possible decompression bomb)",
                    self.budget.max_ratio
                )));
            }
        }
        Ok(n)
    }
}

/// Calls `visit` for each file member of a seekable archive (zip, or any kind).
pub fn for_each_member_seekable(
    kind: ArchiveKind,
    input: &mut dyn ReadSeek,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    match kind {
        ArchiveKind::Zip => zip_members(input, budget, visit),
        _ => for_each_member_stream(kind, "", input, budget, visit),
    }
}

/// Calls `visit` for each member of a streamed archive (gzip, tar, tar.gz). `name` is the
/// archive's own file name (a gzip member is named after it, without `.gz`).
pub fn for_each_member_stream(
    kind: ArchiveKind,
    name: &str,
    input: &mut dyn Read,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    match kind {
        ArchiveKind::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(input);
            let inner_name = gzip_member_name(name);
            let mut guarded = Guarded {
                compressed: None,
                inner: decoder,
                budget,
                expanded: 0,
            };
            visit(Member {
                name: inner_name,
                size: 0,
                modified: None,
                reader: Some(&mut guarded),
                problem: None,
            });
            Ok(())
        }
        ArchiveKind::Tar => tar_members(input, budget, visit),
        ArchiveKind::TarGz => {
            let mut decoder = flate2::read::MultiGzDecoder::new(input);
            tar_members(&mut decoder, budget, visit)
        }
        ArchiveKind::Zip => Err("a zip archive needs random access".into()),
    }
}

/// `orders.csv.gz` holds `orders.csv`; `dump.tgz` is handled as tar.gz before this.
fn gzip_member_name(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    if lower.ends_with(".gz") {
        base[..base.len() - 3].to_string()
    } else if lower.ends_with(".gzip") {
        base[..base.len() - 5].to_string()
    } else {
        format!("{base}.out")
    }
}

fn zip_members(
    input: &mut dyn ReadSeek,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    let mut archive =
        zip::ZipArchive::new(input).map_err(|e| format!("corrupt or truncated zip archive: {e}"))?;
    for i in 0..archive.len() {
        // Names: UTF-8 when flagged, else most Chinese tools write GBK.
        let (name, size, compressed, modified, encrypted, is_dir) = match archive.by_index_raw(i) {
            Ok(f) => (
                member_name(f.name_raw()),
                f.size(),
                f.compressed_size(),
                f.last_modified().and_then(zip_time),
                f.encrypted(),
                f.is_dir(),
            ),
            Err(e) => {
                visit(Member::unreadable(
                    format!("#{}", i + 1),
                    0,
                    None,
                    format!("corrupt zip entry: {e}"),
                ));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if encrypted {
            visit(Member::unreadable(
                name,
                size,
                modified,
                "encrypted archive member: cannot be read without its password".into(),
            ));
            continue;
        }
        match archive.by_index(i) {
            Ok(file) => {
                let mut guarded = Guarded {
                    inner: file,
                    budget,
                    compressed: Some(compressed),
                    expanded: 0,
                };
                visit(Member {
                    name,
                    size,
                    modified,
                    reader: Some(&mut guarded),
                    problem: None,
                });
            }
            Err(e) => visit(Member::unreadable(
                name,
                size,
                modified,
                format!("cannot read archive member: {e}"),
            )),
        }
    }
    Ok(())
}

fn tar_members(
    input: &mut dyn Read,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    let mut archive = tar::Archive::new(input);
    let entries = archive
        .entries()
        .map_err(|e| format!("corrupt tar archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("corrupt or truncated tar archive: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = member_name(&entry.path_bytes());
        let size = entry.header().size().unwrap_or(0);
        let modified = entry
            .header()
            .mtime()
            .ok()
            .map(|s| UNIX_EPOCH + Duration::from_secs(s));
        let mut guarded = Guarded {
            inner: &mut entry,
            budget,
            compressed: None,
            expanded: 0,
        };
        visit(Member {
            name,
            size,
            modified,
            reader: Some(&mut guarded),
            problem: None,
        });
    }
    Ok(())
}

/// A member path as text: UTF-8, else GB18030 (zip tools on Chinese Windows write GBK names).
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

fn zip_time(t: zip::DateTime) -> Option<SystemTime> {
    let days = days_from_civil(i64::from(t.year()), u32::from(t.month()), u32::from(t.day()));
    let secs =
        days * 86_400 + i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// Each member's name and content (or why it could not be read).
    type Members = Vec<(String, Result<Vec<u8>, String>)>;

    fn collect(kind: ArchiveKind, bytes: Vec<u8>, budget: &Budget) -> (Members, Result<(), String>) {
        let mut out = Vec::new();
        let mut visit = |m: Member<'_>| {
            let content = match (m.reader, m.problem) {
                (Some(r), _) => {
                    let mut v = Vec::new();
                    r.read_to_end(&mut v).map(|_| v).map_err(|e| e.to_string())
                }
                (None, p) => Err(p.unwrap_or_default()),
            };
            out.push((m.name, content));
        };
        let result = match kind {
            ArchiveKind::Zip => for_each_member_seekable(kind, &mut Cursor::new(bytes), budget, &mut visit),
            _ => for_each_member_stream(kind, "orders.csv.gz", &mut Cursor::new(bytes), budget, &mut visit),
        };
        (out, result)
    }

    #[test]
    fn zip_members_are_read_in_order() {
        let bytes = zip_bytes(&[("a/orders.csv", b"phone\n13812345678\n"), ("b.txt", b"hi")]);
        let (members, result) = collect(ArchiveKind::Zip, bytes, &Budget::new(1 << 30));
        assert!(result.is_ok());
        assert_eq!(members[0].0, "a/orders.csv");
        assert_eq!(members[0].1.as_deref().unwrap(), b"phone\n13812345678\n");
        assert_eq!(members[1].0, "b.txt");
    }

    #[test]
    fn truncated_zip_is_an_error() {
        let bytes = zip_bytes(&[("orders.csv", &[b'x'; 5000])]);
        let cut = bytes[..bytes.len() / 2].to_vec();
        let (_, result) = collect(ArchiveKind::Zip, cut, &Budget::new(1 << 30));
        assert!(result.unwrap_err().contains("zip"));
    }

    #[test]
    fn bomb_guard_trips_on_total_and_ratio() {
        let zeros = vec![0u8; 40 << 20];
        let bytes = zip_bytes(&[("zeros.txt", &zeros)]);
        assert!(bytes.len() < 1 << 20, "compresses well");
        let (members, _) = collect(ArchiveKind::Zip, bytes.clone(), &Budget::new(8 << 20));
        let err = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("in total"), "{err}");
        let (members, _) = collect(ArchiveKind::Zip, bytes, &Budget::new(1 << 30));
        let err = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("expands more than"), "{err}");
    }

    #[test]
    fn gzip_and_tar_gz() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"13812345678\n").unwrap();
        let gz = gz.finish().unwrap();
        let (members, result) = collect(ArchiveKind::Gzip, gz, &Budget::new(1 << 30));
        assert!(result.is_ok());
        assert_eq!(members[0].0, "orders.csv");
        assert_eq!(members[0].1.as_deref().unwrap(), b"13812345678\n");

        let mut tar = tar::Builder::new(Vec::new());
        let data = b"email a@example.com\n";
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, "dir/notes.txt", &data[..]).unwrap();
        let tar = tar.into_inner().unwrap();
        let mut tgz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        tgz.write_all(&tar).unwrap();
        let (members, result) = collect(ArchiveKind::TarGz, tgz.finish().unwrap(), &Budget::new(1 << 30));
        assert!(result.is_ok());
        assert_eq!(members[0].0, "dir/notes.txt");
        assert_eq!(members[0].1.as_deref().unwrap(), data);
    }

    #[test]
    fn gbk_member_names() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("订单.csv");
        assert_eq!(member_name(&gbk), "订单.csv");
        assert_eq!(member_name("订单.csv".as_bytes()), "订单.csv");
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
