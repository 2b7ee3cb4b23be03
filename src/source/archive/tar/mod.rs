//! tar streams (plain, or the output of a gzip decoder), read header by header.
//!
//! The tar crate parses the fields of each header; the stream is framed here, so that every
//! header is seen and nothing is held in memory but a capped extension header. The crate's
//! iterator reads GNU long names and PAX headers whole whatever size they declare (an 8 GiB
//! "name" in an 8 MB .tar.gz, hostile M2), and its raw mode, which would show them, neither
//! applies a PAX `size` nor steps over the extension blocks of a GNU sparse member: either
//! loses its place in the stream.
//!
//! What each entry type becomes:
//! - regular files ('0', NUL), contiguous files ('7') and the types this reader does not know
//!   (POSIX says to extract those as regular files) are members;
//! - GNU sparse files ('S') are members whose holes read as zeros, as they would extract;
//! - GNU long names ('L') and long link names ('K'), PAX headers ('x', and 'g' for the whole
//!   archive) describe what follows; a name over 64 KiB or a PAX header over 1 MiB ends the
//!   archive as corrupt;
//! - links, directories, devices, FIFOs and volume labels have no content and are passed
//!   over; one that declares content anyway is read as a member, so no data goes unseen.
//!
//! Messages never quote a header: a size field may hold a phone number (hostile L7).

mod sparse;

use super::guard::tag_decoding;
use super::{member_name, ArchiveError, Budget, Member, MemberNames};
use crate::error::{Classified, ErrorKind};
use sparse::MAX_REGIONS;
use std::io::{self, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const BLOCK: u64 = 512;

/// Longest GNU long name or long link name accepted (Linux paths are at most 4 KiB).
const MAX_NAME: u64 = 64 << 10;

/// Largest PAX extended header accepted (a path, times, a few attributes: a few hundred bytes).
const MAX_PAX: u64 = 1 << 20;

/// Why a tar stream, or a member of one, cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// The input ends inside a header or inside a member's data.
    #[error("truncated tar archive: it ends inside {0}")]
    Cut(&'static str),
    #[error("corrupt tar archive: a header's checksum does not match its content")]
    Checksum,
    /// A numeric field of a header is not a number (its text is not quoted).
    #[error("corrupt tar archive: the {0} field of a header is not a number")]
    Field(&'static str),
    /// An extension header larger than any real one.
    #[error("corrupt tar archive: a {what} of {size} bytes, over the {} KiB accepted: the rest of the archive was not read", .cap >> 10)]
    Oversized { what: &'static str, size: u64, cap: u64 },
    #[error("corrupt tar archive: a PAX extended header is malformed")]
    Pax,
    /// A GNU sparse member's map of regions cannot describe its data.
    #[error("corrupt sparse member: {0}")]
    SparseMap(&'static str),
    #[error("sparse member listing more than {MAX_REGIONS} regions: not read")]
    SparseTooLong,
    /// Reading the input failed (the system, the decompressor underneath, a bomb guard).
    #[error("{}", read_message(.0))]
    Read(io::Error),
}

impl Classified for TarError {
    fn kind(&self) -> ErrorKind {
        match self {
            TarError::Cut(_) => ErrorKind::Truncated,
            TarError::Checksum
            | TarError::Field(_)
            | TarError::Oversized { .. }
            | TarError::Pax
            | TarError::SparseMap(_) => ErrorKind::Corrupt,
            TarError::SparseTooLong => ErrorKind::TooLarge,
            TarError::Read(e) => ErrorKind::of_decoding(e),
        }
    }
}

/// An error of the input under the tar stream: quoted when it comes from the system or from
/// pimap's own readers (which say what they mean), else described.
fn read_message(e: &io::Error) -> String {
    if e.raw_os_error().is_some() || ErrorKind::of_io(e) != ErrorKind::Io {
        format!("cannot read tar archive: {e}")
    } else {
        "cannot read tar archive: the data under it is invalid".to_string()
    }
}

pub(super) fn tar_members(
    input: &mut dyn Read,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), ArchiveError> {
    let mut stream = Stream { input };
    let mut names = MemberNames::new(budget.memory());
    let mut described = Described::default();
    let mut block = [0u8; BLOCK as usize];
    loop {
        // The end of the input between entries ends the archive, as it does for tar itself.
        if !stream.block(&mut block, "a header")? || block.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let header = ::tar::Header::from_byte_slice(&block);
        check_sum(&block, header)?;
        let declared = header.entry_size().map_err(|_| TarError::Field("size"))?;
        let kind = header.entry_type().as_byte();
        match kind {
            b'L' => {
                let mut name = stream.extension(declared, MAX_NAME, "GNU long name")?;
                name.truncate(memchr::memchr(0, &name).unwrap_or(name.len()));
                described.long_name = Some(name);
                continue;
            }
            b'K' => {
                stream.pass_extension(declared, MAX_NAME, "GNU long link name")?;
                continue;
            }
            b'x' | b'X' => {
                let records = stream.extension(declared, MAX_PAX, "PAX extended header")?;
                described.read_pax(&records)?;
                continue;
            }
            // Defaults for the whole archive (a comment, a charset): nothing a member needs.
            b'g' => {
                stream.pass_extension(declared, MAX_PAX, "PAX global header")?;
                continue;
            }
            _ => {}
        }
        let about = std::mem::take(&mut described);
        let stored = about.size.unwrap_or(declared);
        let raw_name = about
            .sparse_name
            .or(about.long_name)
            .or(about.path)
            .unwrap_or_else(|| header.path_bytes().into_owned());
        let name = member_name(&raw_name);
        // A time past what the system can represent is no time.
        let modified = about
            .mtime
            .or_else(|| header.mtime().ok())
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)));
        let has_content = match kind {
            // Links, devices, directories, FIFOs, volume labels, GNU directory listings.
            b'1'..=b'6' | b'V' | b'D' => false,
            // Before ustar, a directory was a regular entry whose name ends in '/'.
            b'0' | 0 => !name.ends_with('/'),
            _ => true,
        };
        if !has_content && stored == 0 {
            continue;
        }
        let (name, warning) = names.list(name)?;
        let member = Listed {
            name,
            modified,
            warning,
        };
        if kind == b'S' {
            sparse::sparse_member(&mut stream, header.as_gnu(), stored, member, budget, visit)?;
        } else {
            let mut data = Data {
                stream: &mut stream,
                left: stored,
            };
            visit(Member {
                name: member.name,
                size: stored,
                modified: member.modified,
                reader: Some(&mut data),
                problem: None,
                warning: member.warning,
            });
            let left = data.left;
            stream.skip(left, "a member's data")?;
        }
        stream.skip(padding(stored), "a member's data")?;
    }
}

/// A member's name as listed, and what else is known of it before its data.
struct Listed {
    name: String,
    modified: Option<SystemTime>,
    warning: Option<ArchiveError>,
}

/// What extension headers said of the entry that follows them.
#[derive(Default)]
struct Described {
    long_name: Option<Vec<u8>>,
    path: Option<Vec<u8>>,
    /// Bytes stored: replaces the header's, which cannot hold 8 GiB and more.
    size: Option<u64>,
    mtime: Option<u64>,
    /// The real name of a sparse file in GNU's PAX formats (its `path` is made up).
    sparse_name: Option<Vec<u8>>,
}

impl Described {
    /// Takes what matters from a PAX extended header: records of the form
    /// "LENGTH KEY=VALUE\n", LENGTH counting the whole record (a value may hold a newline).
    fn read_pax(&mut self, mut records: &[u8]) -> Result<(), TarError> {
        while !records.iter().all(|&b| b == 0) {
            let space = memchr::memchr(b' ', records).ok_or(TarError::Pax)?;
            let length = decimal(&records[..space])
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n > space + 1 && n <= records.len())
                .ok_or(TarError::Pax)?;
            let (record, rest) = records.split_at(length);
            records = rest;
            let record = record[space + 1..].strip_suffix(b"\n").ok_or(TarError::Pax)?;
            let equals = memchr::memchr(b'=', record).ok_or(TarError::Pax)?;
            let (key, value) = (&record[..equals], &record[equals + 1..]);
            match key {
                b"path" => self.path = Some(value.to_vec()),
                b"size" => self.size = Some(decimal(value).ok_or(TarError::Field("PAX size"))?),
                // Seconds, maybe with a fraction: the whole seconds are enough.
                b"mtime" => {
                    let whole = value.split(|&b| b == b'.').next().unwrap_or(value);
                    self.mtime = decimal(whole);
                }
                b"GNU.sparse.name" => self.sparse_name = Some(value.to_vec()),
                _ => {}
            }
        }
        Ok(())
    }
}

/// A non-negative decimal number, or None.
fn decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Whether the header's checksum field matches its bytes (summed with the field as spaces,
/// as unsigned bytes, or as signed ones as some old tars did).
fn check_sum(block: &[u8; BLOCK as usize], header: &::tar::Header) -> Result<(), TarError> {
    let recorded = header.cksum().map_err(|_| TarError::Field("checksum"))?;
    let outside = || block[..148].iter().chain(&block[156..]);
    let unsigned: u32 = outside().map(|&b| u32::from(b)).sum::<u32>() + 8 * u32::from(b' ');
    let signed: i64 = outside().map(|&b| i64::from(b as i8)).sum::<i64>() + 8 * i64::from(b' ');
    if recorded == unsigned || i64::from(recorded) == signed {
        Ok(())
    } else {
        Err(TarError::Checksum)
    }
}

/// Bytes after `size` bytes of data up to the next block.
fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

/// The input, read in blocks and runs of data.
struct Stream<'a> {
    input: &'a mut dyn Read,
}

impl Stream<'_> {
    /// Fills `block`; false if the input ended before its first byte. `inside` names what
    /// is cut if it ends later.
    fn block(&mut self, block: &mut [u8], inside: &'static str) -> Result<bool, TarError> {
        let mut got = 0;
        while got < block.len() {
            match self.input.read(&mut block[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TarError::Read(e)),
            }
        }
        match got {
            0 => Ok(false),
            n if n == block.len() => Ok(true),
            _ => Err(TarError::Cut(inside)),
        }
    }

    /// Reads and drops `n` bytes.
    fn skip(&mut self, n: u64, inside: &'static str) -> Result<(), TarError> {
        let skipped = io::copy(&mut (&mut *self.input).take(n), &mut io::sink()).map_err(TarError::Read)?;
        if skipped < n {
            return Err(TarError::Cut(inside));
        }
        Ok(())
    }

    /// An extension header's content, read whole when it is at most `cap` bytes.
    fn extension(&mut self, size: u64, cap: u64, what: &'static str) -> Result<Vec<u8>, TarError> {
        if size > cap {
            return Err(TarError::Oversized { what, size, cap });
        }
        let mut content = Vec::with_capacity(size as usize);
        (&mut *self.input)
            .take(size)
            .read_to_end(&mut content)
            .map_err(TarError::Read)?;
        if (content.len() as u64) < size {
            return Err(TarError::Cut("an extension header"));
        }
        self.skip(padding(size), "an extension header")?;
        Ok(content)
    }

    /// Steps over an extension header that says nothing a member needs, within the same cap.
    fn pass_extension(&mut self, size: u64, cap: u64, what: &'static str) -> Result<(), TarError> {
        if size > cap {
            return Err(TarError::Oversized { what, size, cap });
        }
        self.skip(size + padding(size), "an extension header")
    }
}

/// The stored bytes of one member. If the input ends inside them, the member ends there:
/// what it held so far is read as usual (an error would cost its first 64 KiB, which the
/// scanner reads whole), and the archive reports that it is cut when it moves past them.
struct Data<'s, 'a> {
    stream: &'s mut Stream<'a>,
    /// Bytes not read yet.
    left: u64,
}

impl Read for Data<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(self.left).unwrap_or(usize::MAX).min(buf.len());
        let n = self.stream.input.read(&mut buf[..want]).map_err(tag_decoding)?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{collect, collect_within};
    use super::*;
    use crate::budget::MemoryBudget;
    use crate::source::ArchiveKind;

    /// A GNU header for an entry of type `kind` storing `size` bytes.
    pub(super) fn gnu_header(name: &str, kind: u8, size: u64) -> ::tar::Header {
        let mut header = ::tar::Header::new_gnu();
        header.set_path(name).unwrap();
        header.set_entry_type(::tar::EntryType::new(kind));
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        header
    }

    /// Blocks in order (headers, data padded to a block), then the end-of-archive marker.
    pub(super) fn tar_of(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            out.extend_from_slice(part);
            out.resize(out.len() + padding(part.len() as u64) as usize, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    pub(super) fn names(members: &super::super::tests::Members) -> Vec<&str> {
        members.iter().map(|m| m.0.as_str()).collect()
    }

    const PHONES: &[u8] = b"phone\n13812345678\n";

    #[test]
    fn every_entry_type_is_read_or_has_no_content() {
        let entry =
            |name: &str, kind: u8, data: &'static [u8]| (gnu_header(name, kind, data.len() as u64), data);
        let entries = [
            entry("regular.csv", b'0', PHONES),
            entry("contiguous.csv", b'7', PHONES),
            entry("vendor.csv", b'Z', PHONES),
            entry("dir/", b'5', b""),
            entry("olddir/", b'0', b""),
            entry("link", b'2', b""),
            entry("hard", b'1', b""),
            entry("fifo", b'6', b""),
            // A directory that carries data anyway: read, not dropped.
            entry("hiding/", b'5', PHONES),
        ];
        let mut parts: Vec<&[u8]> = Vec::new();
        for (header, data) in &entries {
            parts.push(header.as_bytes());
            parts.push(data);
        }
        let (members, result) = collect(ArchiveKind::Tar, tar_of(&parts), 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            names(&members),
            ["regular.csv", "contiguous.csv", "vendor.csv", "hiding/"]
        );
        assert!(
            members.iter().all(|m| m.1.as_deref() == Ok(PHONES)),
            "{members:?}"
        );
    }

    /// A PAX record: its length counts itself.
    fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
        let body = key.len() + value.len() + 3;
        let mut length = body + 1;
        while length != body + length.to_string().len() {
            length = body + length.to_string().len();
        }
        let mut record = format!("{length} {key}=").into_bytes();
        record.extend_from_slice(value);
        record.push(b'\n');
        record
    }

    #[test]
    fn long_names_and_pax_headers_describe_the_next_member() {
        let long = format!("{}/orders.csv\0", "d".repeat(150));
        let mut pax = pax_record("path", "pax/名单.csv".as_bytes());
        pax.extend(pax_record("size", b"18"));
        pax.extend(pax_record("mtime", b"1700000000.25"));
        let tar = tar_of(&[
            gnu_header("././@LongLink", b'L', long.len() as u64).as_bytes(),
            long.as_bytes(),
            gnu_header("short", b'0', PHONES.len() as u64).as_bytes(),
            PHONES,
            gnu_header("PaxHeaders/x", b'x', pax.len() as u64).as_bytes(),
            &pax,
            // The header's own size field says 0: the PAX size is the one to follow.
            gnu_header("ignored", b'0', 0).as_bytes(),
            PHONES,
            gnu_header("after.csv", b'0', 5).as_bytes(),
            b"12345",
        ]);
        let (members, result) = collect(ArchiveKind::Tar, tar, 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            names(&members),
            [long.trim_end_matches('\0'), "pax/名单.csv", "after.csv"]
        );
        assert_eq!(members[0].1.as_deref(), Ok(PHONES));
        assert_eq!(members[1].1.as_deref(), Ok(PHONES));
        assert_eq!(members[2].1.as_deref(), Ok(&b"12345"[..]));
    }

    #[test]
    fn an_oversized_extension_header_ends_the_archive_unread() {
        for (kind, what) in [
            (b'L', "GNU long name"),
            (b'K', "GNU long link name"),
            (b'x', "PAX extended header"),
        ] {
            // It claims 8 GiB; nothing of it is read, so its absence is not noticed either.
            let header = gnu_header("././@LongLink", kind, 8 << 30);
            let (members, result) = collect(ArchiveKind::Tar, header.as_bytes().to_vec(), 1 << 30);
            assert!(members.is_empty());
            let (error_kind, message) = result.unwrap_err();
            assert_eq!(error_kind, ErrorKind::Corrupt, "{message}");
            assert!(
                message.contains(what) && message.contains("8589934592"),
                "{message}"
            );
        }
        // Within the cap, a long name is fine.
        let name = "n".repeat(60 << 10);
        let tar = tar_of(&[
            gnu_header("././@LongLink", b'L', name.len() as u64).as_bytes(),
            name.as_bytes(),
            gnu_header("short", b'0', 2).as_bytes(),
            b"ok",
        ]);
        let (members, result) = collect(ArchiveKind::Tar, tar, 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(members[0].0, name);
    }

    #[test]
    fn a_time_past_what_the_system_can_hold_is_no_time() {
        let mut header = gnu_header("late.csv", b'0', PHONES.len() as u64);
        header.set_mtime(u64::MAX);
        header.set_cksum();
        let (members, result) = collect(ArchiveKind::Tar, tar_of(&[header.as_bytes(), PHONES]), 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(members[0].1.as_deref(), Ok(PHONES));
    }

    #[test]
    fn a_repeated_tar_name_gets_a_suffix() {
        let tar = tar_of(&[
            gnu_header("a.csv", b'0', 2).as_bytes(),
            b"v1",
            gnu_header("a.csv", b'0', 2).as_bytes(),
            b"v2",
        ]);
        let memory = MemoryBudget::new(1 << 20);
        let budget = Budget::new(1 << 30, &memory);
        let (members, warnings, result) = collect_within(ArchiveKind::Tar, tar, &budget);
        assert!(result.is_ok());
        assert_eq!(names(&members), ["a.csv", "a.csv~2"]);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn a_cut_tar_is_truncated_and_its_header_text_is_not_quoted() {
        let data = "手机号\n13812345678\n".repeat(300);
        let tar = tar_of(&[
            gnu_header("a.txt", b'0', data.len() as u64).as_bytes(),
            data.as_bytes(),
            gnu_header("b.txt", b'0', data.len() as u64).as_bytes(),
            data.as_bytes(),
        ]);
        // Cut inside the second member's header.
        let second = 512 + data.len().div_ceil(512) * 512;
        let (_, result) = collect(ArchiveKind::Tar, tar[..second + 100].to_vec(), 1 << 30);
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Truncated, "{message}");
        // Cut inside the first member's data: what is there is read, the archive is cut.
        let (members, result) = collect(ArchiveKind::Tar, tar[..700].to_vec(), 1 << 30);
        assert_eq!(members[0].1.as_deref(), Ok(&data.as_bytes()[..188]));
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Truncated, "{message}");
        assert!(message.contains("member's data"), "{message}");
        // A size field holding a value: tar's own message would quote it.
        let mut bad = tar.clone();
        bad[124..136].copy_from_slice(b"13812345678 ");
        bad[148..156].copy_from_slice(b"        ");
        let sum: u32 = bad[..512].iter().map(|&b| u32::from(b)).sum();
        bad[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let (_, result) = collect(ArchiveKind::Tar, bad.clone(), 1 << 30);
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Corrupt, "{message}");
        assert!(!message.contains("13812345678"), "{message}");
        // A checksum that does not match.
        bad[0] ^= 1;
        let (_, result) = collect(ArchiveKind::Tar, bad, 1 << 30);
        assert!(result.unwrap_err().1.contains("checksum"));
    }

    #[test]
    fn pax_records_are_read_by_their_length() {
        let mut described = Described::default();
        let value = "a\nb.csv";
        let record = format!("path={value}\n");
        let records = format!("{} {record}13 mtime=1.5\n", record.len() + 3);
        described.read_pax(records.as_bytes()).unwrap();
        assert_eq!(described.path.as_deref(), Some(value.as_bytes()));
        assert_eq!(described.mtime, Some(1));
        for broken in [
            "5 path=x\n",
            "x path=a\n",
            "9 pathxyz\n",
            "99999999999999999999 a=b\n",
        ] {
            assert!(
                Described::default().read_pax(broken.as_bytes()).is_err(),
                "{broken:?}"
            );
        }
    }
}
