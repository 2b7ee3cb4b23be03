//! Archives and compressed files (zip, gzip, tar, tar.gz): their members are handed back one
//! at a time as readers, to be read as their own formats by the caller.
//!
//! Guards against decompression bombs: every member's reader counts what it expands to and
//! fails (an I/O error the caller records as the member's error) past a total for the whole
//! top-level archive or past an expansion ratio. Nothing is extracted to disk. Encrypted zip
//! members are reported, not read.
//!
//! A member's reader fails with an `io::Error` (the format reader above it knows no other);
//! the error carries its kind (`error::tag`): a tripped guard is a `bomb`, an error of the
//! decompressor is about the data (`corrupt`, or `truncated` when the data ends early).

use crate::error::{self, Classified, ErrorKind};
use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zip::result::ZipError;

/// Why an archive, or one of its members, cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The zip's directory cannot be read.
    #[error("{} zip archive: {}", if *.cut { "truncated" } else { "corrupt" }, zip_message(.source))]
    Zip {
        source: ZipError,
        /// It starts like a zip but its end (the central directory) is missing.
        cut: bool,
    },
    /// A member's entry in the zip's directory is broken.
    #[error("corrupt zip entry: {}", zip_message(.0))]
    ZipEntry(#[source] ZipError),
    /// A member cannot be opened for reading (unknown compression method, damaged header).
    #[error("cannot read archive member: {}", zip_message(.0))]
    ZipMember(#[source] ZipError),
    #[error("encrypted archive member: cannot be read without its password")]
    EncryptedMember,
    /// The tar stream breaks off (`cut`: it ended early) or holds an invalid header.
    #[error("{}", tar_message(.source, *.cut))]
    Tar { source: io::Error, cut: bool },
    /// A caller asked for a zip without giving random access: a bug.
    #[error("a zip archive needs random access")]
    NeedsRandomAccess,
}

impl Classified for ArchiveError {
    fn kind(&self) -> ErrorKind {
        match self {
            ArchiveError::Zip { cut: true, .. } => ErrorKind::Truncated,
            ArchiveError::Zip { source, .. }
            | ArchiveError::ZipEntry(source)
            | ArchiveError::ZipMember(source) => zip_kind(source),
            ArchiveError::EncryptedMember => ErrorKind::Encrypted,
            ArchiveError::Tar { source, cut } => match ErrorKind::of_decoding(source) {
                // tar reports a cut stream in words only; that the input had ended says it.
                ErrorKind::Corrupt if *cut => ErrorKind::Truncated,
                kind => kind,
            },
            ArchiveError::NeedsRandomAccess => ErrorKind::Internal,
        }
    }
}

/// The kind of a zip library error, by its variant.
pub fn zip_kind(e: &ZipError) -> ErrorKind {
    match e {
        ZipError::Io(io) => ErrorKind::of_decoding(io),
        ZipError::InvalidPassword => ErrorKind::Encrypted,
        ZipError::UnsupportedArchive(what) if *what == ZipError::PASSWORD_REQUIRED => ErrorKind::Encrypted,
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            ErrorKind::Unsupported
        }
        ZipError::DecompressedSizeLimitExceeded { .. } => ErrorKind::TooLarge,
        _ => ErrorKind::Corrupt,
    }
}

/// The zip library's reason. Its own texts name structures, never content, except an I/O
/// error's, which may come from a member's data: passed through `redact`.
fn zip_message(e: &ZipError) -> String {
    super::redact(&e.to_string())
}

/// tar's own messages quote header fields as they are (a size field holding a phone number):
/// only errors of the system or of pimap's own readers are quoted.
fn tar_message(e: &io::Error, cut: bool) -> String {
    let quotable = e.raw_os_error().is_some() || ErrorKind::of_io(e) != ErrorKind::Io;
    let what = if cut || e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated tar archive"
    } else {
        "corrupt tar archive"
    };
    if quotable {
        format!("{what}: {e}")
    } else {
        format!("{what}: a header is invalid or the data ends early")
    }
}

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
    pub problem: Option<ArchiveError>,
}

impl Member<'_> {
    /// A member that cannot be read, and why.
    fn unreadable(name: String, size: u64, modified: Option<SystemTime>, problem: ArchiveError) -> Self {
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
        let n = self.inner.read(buf).map_err(tag_decoding)?;
        self.expanded += n as u64;
        let used = self.budget.used.get() + n as u64;
        self.budget.used.set(used);
        if used > self.budget.max_total {
            return Err(error::tag(
                ErrorKind::Bomb,
                format!(
                    "archive guard: members expand to more than {} MiB in total (possible decompression bomb)",
                    self.budget.max_total >> 20
                ),
            ));
        }
        if let Some(c) = self.compressed {
            if self.expanded > self.budget.ratio_floor && self.expanded / c.max(1) > self.budget.max_ratio {
                return Err(error::tag(
                    ErrorKind::Bomb,
                    format!(
                        "archive guard: member expands more than {}x (possible decompression bomb)",
                        self.budget.max_ratio
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// An error of a member's reader, with its kind: the decompressor's errors are about the
/// data; a system error, or one already tagged (by a guard of an enclosing archive), keeps
/// its own.
fn tag_decoding(e: io::Error) -> io::Error {
    let kind = ErrorKind::of_decoding(&e);
    if e.kind() == io::ErrorKind::Interrupted || kind == ErrorKind::of_io(&e) {
        e
    } else {
        error::tag(kind, e)
    }
}

/// A decompressor whose errors carry their kind (see `tag_decoding`).
struct Decoding<R>(R);

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(tag_decoding)
    }
}

/// Notes whether the stream under an archive parser has ended, which tells a cut archive
/// from a corrupt one when the parser's error says so only in words.
struct NoteEnd<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for NoteEnd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
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
) -> Result<(), ArchiveError> {
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
) -> Result<(), ArchiveError> {
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
            let mut decoder = Decoding(flate2::read::MultiGzDecoder::new(input));
            tar_members(&mut decoder, budget, visit)
        }
        ArchiveKind::Zip => Err(ArchiveError::NeedsRandomAccess),
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
) -> Result<(), ArchiveError> {
    let mut archive = match zip::ZipArchive::new(&mut *input) {
        Ok(archive) => archive,
        Err(source) => {
            let cut = matches!(source, ZipError::InvalidArchive(_)) && lacks_its_end(input);
            return Err(ArchiveError::Zip { source, cut });
        }
    };
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
                    ArchiveError::ZipEntry(e),
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
                ArchiveError::EncryptedMember,
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
                ArchiveError::ZipMember(e),
            )),
        }
    }
    Ok(())
}

/// Whether a zip whose directory cannot be found starts like one: then its end is missing.
/// The end of central directory record is in the last 64 KiB + 22 bytes.
fn lacks_its_end(input: &mut dyn ReadSeek) -> bool {
    let mut look = || -> io::Result<bool> {
        let mut magic = [0u8; 4];
        input.seek(SeekFrom::Start(0))?;
        input.read_exact(&mut magic)?;
        if &magic != b"PK\x03\x04" {
            return Ok(false);
        }
        let len = input.seek(SeekFrom::End(0))?;
        let from = len.saturating_sub((64 << 10) + 22);
        input.seek(SeekFrom::Start(from))?;
        let mut tail = Vec::new();
        input.read_to_end(&mut tail)?;
        Ok(memchr::memmem::find(&tail, b"PK\x05\x06").is_none())
    };
    look().unwrap_or(false)
}

fn tar_members(
    input: &mut dyn Read,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), ArchiveError> {
    let mut input = NoteEnd {
        inner: input,
        ended: false,
    };
    let mut archive = tar::Archive::new(&mut input);
    let mut entries = match archive.entries() {
        Ok(entries) => entries,
        Err(source) => return Err(ArchiveError::Tar { source, cut: false }),
    };
    loop {
        let mut entry = match entries.next() {
            None => break,
            Some(Ok(entry)) => entry,
            Some(Err(source)) => {
                return Err(ArchiveError::Tar {
                    source,
                    cut: input.ended,
                });
            }
        };
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

    /// A problem's kind and message.
    type Failure = (ErrorKind, String);

    /// Each member's name and content (or why it could not be read).
    type Members = Vec<(String, Result<Vec<u8>, Failure>)>;

    fn collect(kind: ArchiveKind, bytes: Vec<u8>, budget: &Budget) -> (Members, Result<(), Failure>) {
        let mut out = Vec::new();
        let mut visit = |m: Member<'_>| {
            let content = match (m.reader, m.problem) {
                (Some(r), _) => {
                    let mut v = Vec::new();
                    r.read_to_end(&mut v)
                        .map(|_| v)
                        .map_err(|e| (ErrorKind::of_io(&e), e.to_string()))
                }
                (None, Some(p)) => Err((p.kind(), p.to_string())),
                (None, None) => panic!("a member without reader nor problem"),
            };
            out.push((m.name, content));
        };
        let result = match kind {
            ArchiveKind::Zip => for_each_member_seekable(kind, &mut Cursor::new(bytes), budget, &mut visit),
            _ => for_each_member_stream(kind, "orders.csv.gz", &mut Cursor::new(bytes), budget, &mut visit),
        };
        (out, result.map_err(|e| (e.kind(), e.to_string())))
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
        let (kind, message) = result.unwrap_err();
        assert!(message.contains("zip"), "{message}");
        // It starts like a zip and its end is missing: cut, not garbled.
        assert_eq!(kind, ErrorKind::Truncated, "{message}");
        let mut garbled = zip_bytes(&[("orders.csv", &[b'x'; 5000])]);
        let n = garbled.len();
        garbled[n - 22..n - 18].copy_from_slice(b"XXXX");
        garbled[0] = b'Q';
        let (_, result) = collect(ArchiveKind::Zip, garbled, &Budget::new(1 << 30));
        assert_eq!(result.unwrap_err().0, ErrorKind::Corrupt);
    }

    #[test]
    fn bomb_guard_trips_on_total_and_ratio() {
        let zeros = vec![0u8; 40 << 20];
        let bytes = zip_bytes(&[("zeros.txt", &zeros)]);
        assert!(bytes.len() < 1 << 20, "compresses well");
        let (members, _) = collect(ArchiveKind::Zip, bytes.clone(), &Budget::new(8 << 20));
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("in total"), "{err}");
        assert_eq!(*kind, ErrorKind::Bomb);
        let (members, _) = collect(ArchiveKind::Zip, bytes, &Budget::new(1 << 30));
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("expands more than"), "{err}");
        assert_eq!(*kind, ErrorKind::Bomb);
    }

    #[test]
    fn a_bomb_inside_a_nested_archive_stays_a_bomb() {
        // Incompressible, so the outer member's reads (the compressed bytes) reach the
        // shared budget before the inner member's expanded ones do.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let noise: Vec<u8> = (0..4 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&noise).unwrap();
        let inner = gz.finish().unwrap();
        let outer = zip_bytes(&[("logs.txt.gz", &inner)]);
        let budget = Budget::new(1 << 20);
        let mut kinds = Vec::new();
        let mut visit = |m: Member<'_>| {
            let mut outer_member = m.reader.expect("readable");
            for_each_member_stream(
                ArchiveKind::Gzip,
                &m.name,
                &mut outer_member,
                &budget,
                &mut |inner| {
                    let mut sink = Vec::new();
                    let e = inner
                        .reader
                        .expect("readable")
                        .read_to_end(&mut sink)
                        .unwrap_err();
                    kinds.push(ErrorKind::of_io(&e));
                },
            )
            .unwrap();
        };
        for_each_member_seekable(ArchiveKind::Zip, &mut Cursor::new(outer), &budget, &mut visit).unwrap();
        assert_eq!(kinds, [ErrorKind::Bomb]);
    }

    #[test]
    fn a_cut_or_damaged_gzip_member_is_truncated_or_corrupt() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all("手机号\n13812345678\n".repeat(500).as_bytes())
            .unwrap();
        let gz = gz.finish().unwrap();
        let (members, _) = collect(
            ArchiveKind::Gzip,
            gz[..gz.len() / 2].to_vec(),
            &Budget::new(1 << 30),
        );
        assert_eq!(members[0].1.as_ref().unwrap_err().0, ErrorKind::Truncated);
        let mut damaged = gz.clone();
        for b in &mut damaged[20..60] {
            *b ^= 0xA5;
        }
        let (members, _) = collect(ArchiveKind::Gzip, damaged, &Budget::new(1 << 30));
        assert_eq!(members[0].1.as_ref().unwrap_err().0, ErrorKind::Corrupt);
    }

    #[test]
    fn a_cut_tar_is_truncated_and_its_header_text_is_not_quoted() {
        let mut tar = tar::Builder::new(Vec::new());
        let data = "手机号\n13812345678\n".repeat(300);
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "a.txt", data.as_bytes()).unwrap();
        tar.append_data(&mut header, "b.txt", data.as_bytes()).unwrap();
        let tar = tar.into_inner().unwrap();
        // Cut inside the second member's header.
        let second = 512 + data.len().div_ceil(512) * 512;
        let (_, result) = collect(
            ArchiveKind::Tar,
            tar[..second + 100].to_vec(),
            &Budget::new(1 << 30),
        );
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Truncated, "{message}");
        // A size field holding a value: tar's message would quote it.
        let mut bad = tar.clone();
        bad[124..136].copy_from_slice(b"13812345678 ");
        bad[148..156].copy_from_slice(b"        ");
        let sum: u32 = bad[..512].iter().map(|&b| u32::from(b)).sum();
        bad[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let (_, result) = collect(ArchiveKind::Tar, bad, &Budget::new(1 << 30));
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Corrupt, "{message}");
        assert!(!message.contains("13812345678"), "{message}");
    }

    #[test]
    fn an_encrypted_member_is_reported_as_encrypted() {
        let mut zip = zip_bytes(&[("secret.csv", b"13812345678")]);
        let find = |zip: &[u8], sig: &[u8]| zip.windows(4).position(|w| w == sig).unwrap();
        let local = find(&zip, b"PK\x03\x04");
        zip[local + 6] |= 1;
        let central = find(&zip, b"PK\x01\x02");
        zip[central + 8] |= 1;
        let (members, result) = collect(ArchiveKind::Zip, zip, &Budget::new(1 << 30));
        assert!(result.is_ok());
        let (kind, message) = members[0].1.as_ref().unwrap_err();
        assert_eq!(*kind, ErrorKind::Encrypted, "{message}");
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
