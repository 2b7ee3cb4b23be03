//! Archives and compressed files (zip, gzip, tar, tar.gz): their members are handed back one
//! at a time as readers, to be read as their own formats by the caller.
//!
//! Every member is accounted for: read, or reported with the reason it cannot be (an
//! encrypted zip member, a damaged entry); only entries without content (directories,
//! links, devices) are passed over. Two members of the same name are both read, the second
//! listed as `name~2` with a warning.
//!
//! Guards against decompression bombs: the output of every decompressor (a zip member, a
//! gzip stream, the gzip stream under a tar, the holes of a sparse tar member) counts
//! towards a total for the whole top-level archive and must stay within an expansion ratio
//! of what it was decompressed from. Zip members that share bytes with each other or with
//! the central directory are refused as a bomb; tar headers that carry names or attributes
//! are capped. Nothing is extracted to disk, and what is held in memory in proportion to the
//! archive (the names of its members, the zip's byte ranges) is reserved in the scan's
//! memory budget.
//!
//! A member's reader fails with an `io::Error` (the format reader above it knows no other);
//! the error carries its kind (`error::tag`): a tripped guard is a `bomb`, an error of the
//! decompressor is about the data (`corrupt`, or `truncated` when the data ends early).

mod guard;
mod tar;
mod zip;

pub use guard::Measured;
pub use tar::TarError;

use crate::budget::{MemoryBudget, OverBudget, Reservation};
use crate::error::{Classified, ErrorKind};
use ::zip::result::ZipError;
use guard::{Counting, Guarded, Packed};
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{Read, Seek};
use std::time::SystemTime;

/// Why an archive, or one of its members, cannot be read (or, for `DuplicateName`, what to
/// know about a member that was read).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The zip's directory cannot be read.
    #[error("{} zip archive: {}", if *.cut { "truncated" } else { "corrupt" }, zip_message(.source))]
    Zip {
        source: ZipError,
        /// It starts like a zip but its end (the central directory) is missing.
        cut: bool,
    },
    /// A member cannot be opened for reading (unknown compression method, damaged header).
    #[error("cannot read archive member: {}", zip_message(.0))]
    ZipMember(#[source] ZipError),
    #[error("encrypted archive member: cannot be read without its password")]
    EncryptedMember,
    /// A member's bytes overlap another's or the central directory.
    #[error("zip members overlap each other or the central directory (possible decompression bomb): the rest of the archive was not read")]
    OverlappingMembers,
    #[error(transparent)]
    Tar(#[from] TarError),
    /// An earlier member has the same name: this one is listed as `name~suffix`.
    #[error("an earlier member of this archive has the same name (extracting it would keep only one): this one is listed with the suffix ~{suffix}")]
    DuplicateName { suffix: u32 },
    /// What the reader must hold in memory for this archive is over the memory budget.
    #[error(transparent)]
    Memory(#[from] OverBudget),
    /// A caller asked for a zip without giving random access: a bug.
    #[error("a zip archive needs random access")]
    NeedsRandomAccess,
}

impl Classified for ArchiveError {
    fn kind(&self) -> ErrorKind {
        match self {
            ArchiveError::Zip { cut: true, .. } => ErrorKind::Truncated,
            ArchiveError::Zip { source, .. } | ArchiveError::ZipMember(source) => zip_kind(source),
            ArchiveError::EncryptedMember => ErrorKind::Encrypted,
            ArchiveError::OverlappingMembers => ErrorKind::Bomb,
            ArchiveError::Tar(e) => e.kind(),
            // A zip or tar may hold two members of one name, but nothing writes one on purpose.
            ArchiveError::DuplicateName { .. } => ErrorKind::Corrupt,
            ArchiveError::Memory(e) => e.kind(),
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
        super::Format::Archive(self).name()
    }
}

/// Limits that stop decompression bombs. Shared by all members (and nested archives) of one
/// top-level archive, with the scan's memory budget.
#[derive(Debug)]
pub struct Budget<'m> {
    /// Bytes all members together may expand to.
    pub max_total: u64,
    /// Largest expansion ratio (expanded / compressed) accepted once a member is past
    /// `ratio_floor` bytes.
    pub max_ratio: u64,
    /// Below this many expanded bytes the ratio is not checked (tiny, very repetitive files
    /// compress extremely well and are harmless).
    pub ratio_floor: u64,
    used: Cell<u64>,
    memory: &'m MemoryBudget,
}

impl<'m> Budget<'m> {
    pub fn new(max_total: u64, memory: &'m MemoryBudget) -> Self {
        Budget {
            max_total,
            max_ratio: 500,
            ratio_floor: 16 << 20,
            used: Cell::new(0),
            memory,
        }
    }

    /// The scan's memory budget, for whatever a reader holds in proportion to its input.
    pub fn memory(&self) -> &'m MemoryBudget {
        self.memory
    }
}

/// A member of an archive.
pub struct Member<'a> {
    /// Path inside the archive (`dir/orders.csv`; `dir/orders.csv~2` for the second of
    /// that name).
    pub name: String,
    /// Declared size (0 when unknown): what the member holds is what its reader gives.
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// Its content; None when it cannot be read (`problem` says why).
    pub reader: Option<&'a mut dyn Read>,
    pub problem: Option<ArchiveError>,
    /// Something to record about a member that is read (its name repeats an earlier one's).
    pub warning: Option<ArchiveError>,
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
            warning: None,
        }
    }
}

/// Anything that reads and seeks (zip needs both).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Calls `visit` for each file member of a seekable archive (zip, or any kind).
pub fn for_each_member_seekable(
    kind: ArchiveKind,
    input: &mut dyn ReadSeek,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), ArchiveError> {
    match kind {
        ArchiveKind::Zip => zip::zip_members(input, budget, visit),
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
    // Compressed bytes the gzip decoder has taken, for its expansion ratio.
    let taken = Cell::new(0);
    let counted = Counting {
        inner: input,
        taken: &taken,
    };
    match kind {
        ArchiveKind::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(counted);
            let mut guarded = Guarded::new(decoder, budget, Packed::Counted(&taken));
            visit(Member {
                name: gzip_member_name(name),
                size: 0,
                modified: None,
                reader: Some(&mut guarded),
                problem: None,
                warning: None,
            });
            Ok(())
        }
        ArchiveKind::Tar => tar::tar_members(counted.inner, budget, visit),
        ArchiveKind::TarGz => {
            // The whole tar stream is the decompressor's output: headers and the members
            // nobody reads count as much as the members that are read.
            let decoder = flate2::read::MultiGzDecoder::new(counted);
            let mut stream = Guarded::new(decoder, budget, Packed::Counted(&taken));
            tar::tar_members(&mut stream, budget, visit)
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

/// A member path as text: UTF-8, else GB18030 (zip tools on Chinese Windows write GBK names).
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

/// The names an archive's members are listed under so far, so that a repeated name gets a
/// suffix of its own (`orders.csv~2`) and each member stays an entry of the inventory.
///
/// Held as keyed 64-bit hashes (unknown to whoever wrote the archive, so names cannot be
/// made to collide), with the next suffix to try for each: its memory grows with the number
/// of members, and is reserved.
struct MemberNames<'m> {
    next_suffix: rustc_hash::FxHashMap<u64, u32>,
    keys: RandomState,
    held: Reservation<'m>,
}

/// Memory reserved per name held (a hash table slot: key, value, control byte, slack).
const NAME_COST: u64 = 24;

impl<'m> MemberNames<'m> {
    fn new(memory: &'m MemoryBudget) -> Self {
        MemberNames {
            next_suffix: rustc_hash::FxHashMap::default(),
            keys: RandomState::new(),
            held: memory.start("the names of an archive's members"),
        }
    }

    /// The name to list a member under: its own, or for a name listed before, the first
    /// `name~N` (N from 2) not listed yet, with the warning to record.
    fn list(&mut self, name: String) -> Result<(String, Option<ArchiveError>), ArchiveError> {
        let key = self.keys.hash_one(&name);
        let listed = match self.next_suffix.get(&key).copied() {
            None => (name, None),
            Some(from) => {
                let mut suffix = from;
                let unique = loop {
                    let candidate = format!("{name}~{suffix}");
                    let taken = self.next_suffix.contains_key(&self.keys.hash_one(&candidate));
                    if !taken || suffix == u32::MAX {
                        break candidate;
                    }
                    suffix += 1;
                };
                self.next_suffix.insert(key, suffix.saturating_add(1));
                (unique, Some(ArchiveError::DuplicateName { suffix }))
            }
        };
        self.next_suffix.insert(self.keys.hash_one(&listed.0), 2);
        self.held
            .grow_to(self.next_suffix.capacity() as u64 * NAME_COST)?;
        Ok(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    pub(super) fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = ::zip::ZipWriter::new(&mut out);
        for (name, data) in files {
            w.start_file(*name, ::zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    /// A problem's kind and message.
    pub(super) type Failure = (ErrorKind, String);

    /// Each member's name, and its content or why it could not be read (the warnings that
    /// came with it after a read member).
    pub(super) type Members = Vec<(String, Result<Vec<u8>, Failure>)>;

    /// Reads every member as the scanner would, with the default memory budget.
    pub(super) fn collect(
        kind: ArchiveKind,
        bytes: Vec<u8>,
        max_total: u64,
    ) -> (Members, Result<(), Failure>) {
        let memory = MemoryBudget::new(crate::budget::DEFAULT_LIMIT);
        let (members, _, result) = collect_within(kind, bytes, &Budget::new(max_total, &memory));
        (members, result)
    }

    /// Reads every member within `budget`: the members, the warnings given with read ones,
    /// and how the archive ended.
    pub(super) fn collect_within(
        kind: ArchiveKind,
        bytes: Vec<u8>,
        budget: &Budget,
    ) -> (Members, Vec<(String, Failure)>, Result<(), Failure>) {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
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
            if let Some(w) = m.warning {
                warnings.push((m.name.clone(), (w.kind(), w.to_string())));
            }
            out.push((m.name, content));
        };
        let result = match kind {
            ArchiveKind::Zip => for_each_member_seekable(kind, &mut Cursor::new(bytes), budget, &mut visit),
            _ => for_each_member_stream(kind, "orders.csv.gz", &mut Cursor::new(bytes), budget, &mut visit),
        };
        (out, warnings, result.map_err(|e| (e.kind(), e.to_string())))
    }

    #[test]
    fn bomb_guard_trips_on_total_and_ratio() {
        let zeros = vec![0u8; 40 << 20];
        let bytes = zip_bytes(&[("zeros.txt", &zeros)]);
        assert!(bytes.len() < 1 << 20, "compresses well");
        let (members, _) = collect(ArchiveKind::Zip, bytes.clone(), 8 << 20);
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("in total"), "{err}");
        assert_eq!(*kind, ErrorKind::Bomb);
        let (members, _) = collect(ArchiveKind::Zip, bytes, 1 << 30);
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert!(err.contains("expands more than"), "{err}");
        assert_eq!(*kind, ErrorKind::Bomb);
    }

    #[test]
    fn gzip_and_tar_gz_have_the_ratio_guard_too() {
        let zeros = vec![0u8; 40 << 20];
        let gz = gzip(&zeros);
        assert!(gz.len() < 100 << 10, "compresses well");
        let (members, result) = collect(ArchiveKind::Gzip, gz, 1 << 30);
        assert!(result.is_ok());
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert_eq!(*kind, ErrorKind::Bomb, "{err}");
        assert!(err.contains("expands more than 500x"), "{err}");

        let mut tar = ::tar::Builder::new(Vec::new());
        let mut header = ::tar::Header::new_gnu();
        header.set_size(zeros.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "zeros.bin", &zeros[..]).unwrap();
        let tgz = gzip(&tar.into_inner().unwrap());
        let (members, result) = collect(ArchiveKind::TarGz, tgz, 1 << 30);
        let (kind, err) = members[0].1.as_ref().unwrap_err();
        assert_eq!(*kind, ErrorKind::Bomb, "{err}");
        // The rest of the stream is the same bomb.
        assert_eq!(result.unwrap_err().0, ErrorKind::Bomb);
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
        let inner = gzip(&noise);
        let outer = zip_bytes(&[("logs.txt.gz", &inner)]);
        let memory = MemoryBudget::new(1 << 30);
        let budget = Budget::new(1 << 20, &memory);
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
        let gz = gzip("手机号\n13812345678\n".repeat(500).as_bytes());
        let (members, _) = collect(ArchiveKind::Gzip, gz[..gz.len() / 2].to_vec(), 1 << 30);
        assert_eq!(members[0].1.as_ref().unwrap_err().0, ErrorKind::Truncated);
        let mut damaged = gz.clone();
        for b in &mut damaged[20..60] {
            *b ^= 0xA5;
        }
        let (members, _) = collect(ArchiveKind::Gzip, damaged, 1 << 30);
        assert_eq!(members[0].1.as_ref().unwrap_err().0, ErrorKind::Corrupt);
    }

    #[test]
    fn gzip_and_tar_gz() {
        let (members, result) = collect(ArchiveKind::Gzip, gzip(b"13812345678\n"), 1 << 30);
        assert!(result.is_ok());
        assert_eq!(members[0].0, "orders.csv");
        assert_eq!(members[0].1.as_deref().unwrap(), b"13812345678\n");

        let mut tar = ::tar::Builder::new(Vec::new());
        let data = b"email a@example.com\n";
        let mut header = ::tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, "dir/notes.txt", &data[..]).unwrap();
        let tgz = gzip(&tar.into_inner().unwrap());
        let (members, result) = collect(ArchiveKind::TarGz, tgz, 1 << 30);
        assert!(result.is_ok());
        assert_eq!(members[0].0, "dir/notes.txt");
        assert_eq!(members[0].1.as_deref().unwrap(), data);
    }

    #[test]
    fn a_repeated_name_gets_the_next_free_suffix() {
        let memory = MemoryBudget::new(1 << 20);
        let mut names = MemberNames::new(&memory);
        let mut list = |name: &str| {
            let (listed, warning) = names.list(name.to_string()).unwrap();
            (listed, warning.map(|w| w.to_string()))
        };
        assert_eq!(list("a.csv"), ("a.csv".to_string(), None));
        // A member that happens to be named like a suffixed one keeps its name...
        assert_eq!(list("a.csv~2"), ("a.csv~2".to_string(), None));
        // ...and the next repeat of a.csv takes the next free suffix.
        let (listed, warning) = list("a.csv");
        assert_eq!(listed, "a.csv~3");
        assert!(warning.unwrap().contains("~3"));
        assert_eq!(list("a.csv").0, "a.csv~4");
        assert_eq!(list("a.csv~2").0, "a.csv~2~2");
        assert!(memory.in_use() > 0);
        drop(names);
        assert_eq!(memory.in_use(), 0);
    }

    #[test]
    fn the_names_held_are_within_the_memory_budget() {
        let memory = MemoryBudget::new(100);
        let mut names = MemberNames::new(&memory);
        let mut outcome = Ok(());
        for i in 0..100 {
            if let Err(e) = names.list(format!("{i}.csv")) {
                outcome = Err(e);
                break;
            }
        }
        let e = outcome.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
        assert!(e.to_string().contains("names of an archive's members"), "{e}");
    }

    #[test]
    fn gbk_member_names() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("订单.csv");
        assert_eq!(member_name(&gbk), "订单.csv");
        assert_eq!(member_name("订单.csv".as_bytes()), "订单.csv");
    }
}
