//! Zip archives: every entry of the central directory, in its order, one at a time.
//!
//! The zip crate's `ZipArchive` keys its entries by name, so of two members named alike only
//! one can be read (hostile D2); its `ZipIterable` walks the central directory instead and
//! holds one entry at a time. A member's bytes are checked against those already read before
//! it is decompressed: entries that share compressed data are how a 164 KB zip expands to
//! 16 GiB under every ratio guard (hostile H6).

use super::guard::{Guarded, Packed};
use super::{member_name, ArchiveError, Budget, Member, MemberNames, ReadSeek};
use crate::budget::{MemoryBudget, OverBudget, Reservation};
use ::zip::result::ZipError;
use ::zip::unstable::read::ZipIterable;
use std::collections::BTreeMap;
use std::io::{self, SeekFrom};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) fn zip_members(
    input: &mut dyn ReadSeek,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), ArchiveError> {
    let length = input.seek(SeekFrom::End(0)).map_err(ZipError::Io);
    let opened = length.and_then(|length| {
        ZipIterable::try_new(&mut *input, ::zip::read::Config::default()).map(|zip| (zip, length))
    });
    let (mut archive, length) = match opened {
        Ok(opened) => opened,
        Err(source) => {
            let cut = matches!(source, ZipError::InvalidArchive(_)) && lacks_its_end(input);
            return Err(ArchiveError::Zip { source, cut });
        }
    };
    let mut names = MemberNames::new(budget.memory());
    let mut cover = Cover::new(budget.memory());
    let entries = archive
        .files()
        .map_err(|source| ArchiveError::Zip { source, cut: false })?;
    let mut first = true;
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            // The directory cannot be followed past a broken entry.
            Err(source) => return Err(ArchiveError::Zip { source, cut: false }),
        };
        if std::mem::take(&mut first) {
            // From the first entry of the central directory to the end of the file: the
            // directory and the records after it, which no member's data may reach into.
            cover.claim(
                entry.central_header_start(),
                length.max(entry.central_header_start()),
            )?;
        }
        // Names: UTF-8 when flagged, else most Chinese tools write GBK.
        let name = member_name(entry.name_raw());
        let size = entry.size();
        let compressed = entry.compressed_size();
        let modified = entry.last_modified().and_then(zip_time);
        // A directory has nothing to read, unless it declares content anyway.
        if entry.is_dir() && size == 0 {
            continue;
        }
        let (name, warning) = names.list(name)?;
        if entry.encrypted() {
            visit(Member::unreadable(
                name,
                size,
                modified,
                ArchiveError::EncryptedMember,
            ));
            continue;
        }
        let header_start = entry.header_start();
        let file = match entry.with_reader(entries.reader_mut(), ::zip::ZipReadOptions::new()) {
            Ok(file) => file,
            Err(e) => {
                visit(Member::unreadable(
                    name,
                    size,
                    modified,
                    ArchiveError::ZipMember(e),
                ));
                continue;
            }
        };
        // Where its data ends; not knowing (which opening it rules out) counts as reaching
        // the end of the file, which the directory holds.
        let end = file
            .data_start()
            .and_then(|start| start.checked_add(compressed))
            .unwrap_or(u64::MAX);
        if !cover.claim(header_start, end)? {
            return Err(ArchiveError::OverlappingMembers);
        }
        let mut guarded = Guarded::new(file, budget, Packed::Known(compressed));
        visit(Member {
            name,
            size,
            modified,
            reader: Some(&mut guarded),
            problem: None,
            warning,
        });
    }
    Ok(())
}

/// The byte ranges of a zip taken by the central directory and by the members read so far
/// (local header and compressed data). A member reaching into one of them shares bytes with
/// another: modern unzip refuses such a zip as a bomb, and so does this reader.
///
/// Ranges that touch, or lie fewer bytes apart than the smallest member (a 30-byte local
/// header), are merged: no member fits between them, so the answer is the same, and a
/// well-formed zip (members back to back, data descriptors between them) is one range however
/// many members it has. What gaps remain are held in memory, reserved.
struct Cover<'m> {
    /// Start to end (exclusive), disjoint and apart by at least `MIN_MEMBER`.
    ranges: BTreeMap<u64, u64>,
    held: Reservation<'m>,
}

/// Bytes of the smallest member: its local header without name or extra field.
const MIN_MEMBER: u64 = 30;

/// Memory reserved per range held (a B-tree entry with its share of a node).
const RANGE_COST: u64 = 64;

impl<'m> Cover<'m> {
    fn new(memory: &'m MemoryBudget) -> Self {
        Cover {
            ranges: BTreeMap::new(),
            held: memory.start("the byte ranges of a zip's members"),
        }
    }

    /// Takes `start..end`; false (and nothing taken) if part of it is taken already.
    fn claim(&mut self, start: u64, end: u64) -> Result<bool, OverBudget> {
        if start >= end {
            return Ok(true);
        }
        // The ranges are disjoint and sorted, so the one starting last before `end` also
        // ends last: only it can overlap.
        let before = self.ranges.range(..end).next_back().map(|(&s, &e)| (s, e));
        if let Some((_, e)) = before {
            if e > start {
                return Ok(false);
            }
        }
        let (mut start, mut end) = (start, end);
        if let Some((s, e)) = before {
            if start - e < MIN_MEMBER {
                self.ranges.remove(&s);
                start = s;
            }
        }
        let after = self.ranges.range(end..).next().map(|(&s, &e)| (s, e));
        if let Some((s, e)) = after {
            if s - end < MIN_MEMBER {
                self.ranges.remove(&s);
                end = e;
            }
        }
        self.ranges.insert(start, end);
        self.held.grow_to(self.ranges.len() as u64 * RANGE_COST)?;
        Ok(true)
    }
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

fn zip_time(t: ::zip::DateTime) -> Option<SystemTime> {
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
    use super::super::tests::{collect, zip_bytes};
    use super::*;
    use crate::error::ErrorKind;
    use crate::source::ArchiveKind;
    use std::io::{Cursor, Write};

    /// Every occurrence of `from` replaced by `to` (of the same length).
    fn patched(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
        assert_eq!(from.len(), to.len());
        let mut at = 0;
        while let Some(found) = memchr::memmem::find(&bytes[at..], from) {
            bytes[at + found..at + found + to.len()].copy_from_slice(to);
            at += found + to.len();
        }
        bytes
    }

    /// The zip with its central directory's entries repeated `times` times: every copy points
    /// at the same local header and data.
    fn repeated_entries(zip: &[u8], times: u16) -> Vec<u8> {
        let cd = memchr::memmem::find(zip, b"PK\x01\x02").unwrap();
        let end = memchr::memmem::rfind(zip, b"PK\x05\x06").unwrap();
        let (entries, directory) = (zip[end + 10], &zip[cd..end]);
        let mut out = zip[..end].to_vec();
        for _ in 1..times {
            out.extend_from_slice(directory);
        }
        let mut record = zip[end..].to_vec();
        let count = u16::from(entries) * times;
        record[8..10].copy_from_slice(&count.to_le_bytes());
        record[10..12].copy_from_slice(&count.to_le_bytes());
        let size = u32::try_from(directory.len() * usize::from(times)).unwrap();
        record[12..16].copy_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&record);
        out
    }

    #[test]
    fn zip_members_are_read_in_order() {
        let bytes = zip_bytes(&[("a/orders.csv", b"phone\n13812345678\n"), ("b.txt", b"hi")]);
        let (members, result) = collect(ArchiveKind::Zip, bytes, 1 << 30);
        assert!(result.is_ok());
        assert_eq!(members[0].0, "a/orders.csv");
        assert_eq!(members[0].1.as_deref().unwrap(), b"phone\n13812345678\n");
        assert_eq!(members[1].0, "b.txt");
    }

    #[test]
    fn both_members_of_one_name_are_read() {
        let zip = zip_bytes(&[("orders.csv", b"phone\n13812345678\n"), ("orderz.csv", b"note\n")]);
        let zip = patched(zip, b"orderz.csv", b"orders.csv");
        let memory = MemoryBudget::new(1 << 20);
        let budget = Budget::new(1 << 30, &memory);
        let (members, warnings, result) = super::super::tests::collect_within(ArchiveKind::Zip, zip, &budget);
        assert!(result.is_ok());
        assert_eq!(members[0].0, "orders.csv");
        assert_eq!(members[0].1.as_deref().unwrap(), b"phone\n13812345678\n");
        assert_eq!(members[1].0, "orders.csv~2");
        assert_eq!(members[1].1.as_deref().unwrap(), b"note\n");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].0, "orders.csv~2");
        assert_eq!(warnings[0].1 .0, ErrorKind::Corrupt);
    }

    #[test]
    fn members_sharing_their_data_are_refused_as_a_bomb() {
        let zip = zip_bytes(&[("k.csv", "13812345678\n".repeat(1000).as_bytes())]);
        let (members, result) = collect(ArchiveKind::Zip, repeated_entries(&zip, 400), 1 << 30);
        // The first is read; the second would read the same bytes again.
        assert_eq!(members.len(), 1, "{members:?}");
        assert!(members[0].1.is_ok());
        let (kind, message) = result.unwrap_err();
        assert_eq!(kind, ErrorKind::Bomb, "{message}");
        assert!(message.contains("overlap"), "{message}");
    }

    #[test]
    fn a_member_reaching_into_the_central_directory_is_refused() {
        let zip = zip_bytes(&[("k.csv", b"13812345678\n")]);
        let options =
            ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Stored);
        let mut out = Cursor::new(Vec::new());
        let mut w = ::zip::ZipWriter::new(&mut out);
        w.start_file("k.csv", options).unwrap();
        w.write_all(b"13812345678\n").unwrap();
        w.finish().unwrap();
        let mut stored = out.into_inner();
        // The directory says 60 bytes are stored where 12 are.
        let cd = memchr::memmem::find(&stored, b"PK\x01\x02").unwrap();
        stored[cd + 20..cd + 24].copy_from_slice(&60u32.to_le_bytes());
        stored[cd + 24..cd + 28].copy_from_slice(&60u32.to_le_bytes());
        let (members, result) = collect(ArchiveKind::Zip, stored, 1 << 30);
        assert!(members.is_empty(), "{members:?}");
        assert_eq!(result.unwrap_err().0, ErrorKind::Bomb);
        // The untouched zip is fine.
        assert!(collect(ArchiveKind::Zip, zip, 1 << 30).1.is_ok());
    }

    #[test]
    fn members_with_data_descriptors_are_not_an_overlap() {
        let mut w = ::zip::ZipWriter::new_stream(Vec::new());
        for name in ["a.csv", "b.csv", "c.csv"] {
            w.start_file(name, ::zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(b"phone\n13812345678\n").unwrap();
        }
        let zip = w.finish().unwrap().into_inner();
        let (members, result) = collect(ArchiveKind::Zip, zip, 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(members.len(), 3);
        assert!(members.iter().all(|m| m.1.is_ok()), "{members:?}");
    }

    #[test]
    fn the_cover_merges_ranges_no_member_fits_between() {
        let memory = MemoryBudget::new(1 << 20);
        let mut cover = Cover::new(&memory);
        assert!(cover.claim(1000, 2000).unwrap());
        assert!(cover.claim(0, 100).unwrap());
        assert!(cover.claim(100, 400).unwrap());
        // 29 bytes apart: merged; 30 apart: a member could lie between.
        assert!(cover.claim(429, 900).unwrap());
        assert_eq!(cover.ranges.len(), 2);
        assert!(cover.claim(930, 960).unwrap());
        assert_eq!(cover.ranges.len(), 3);
        assert!(!cover.claim(899, 905).unwrap());
        assert!(!cover.claim(1999, 3000).unwrap());
        assert!(!cover.claim(50, 5000).unwrap());
        assert!(cover.claim(2000, 2100).unwrap());
        assert!(memory.in_use() > 0);
        drop(cover);
        assert_eq!(memory.in_use(), 0);
    }

    #[test]
    fn truncated_zip_is_an_error() {
        let bytes = zip_bytes(&[("orders.csv", &[b'x'; 5000])]);
        let cut = bytes[..bytes.len() / 2].to_vec();
        let (_, result) = collect(ArchiveKind::Zip, cut, 1 << 30);
        let (kind, message) = result.unwrap_err();
        assert!(message.contains("zip"), "{message}");
        // It starts like a zip and its end is missing: cut, not garbled.
        assert_eq!(kind, ErrorKind::Truncated, "{message}");
        let mut garbled = zip_bytes(&[("orders.csv", &[b'x'; 5000])]);
        let n = garbled.len();
        garbled[n - 22..n - 18].copy_from_slice(b"XXXX");
        garbled[0] = b'Q';
        let (_, result) = collect(ArchiveKind::Zip, garbled, 1 << 30);
        assert_eq!(result.unwrap_err().0, ErrorKind::Corrupt);
    }

    #[test]
    fn an_encrypted_member_is_reported_as_encrypted() {
        let mut zip = zip_bytes(&[("secret.csv", b"13812345678")]);
        let find = |zip: &[u8], sig: &[u8]| zip.windows(4).position(|w| w == sig).unwrap();
        let local = find(&zip, b"PK\x03\x04");
        zip[local + 6] |= 1;
        let central = find(&zip, b"PK\x01\x02");
        zip[central + 8] |= 1;
        let (members, result) = collect(ArchiveKind::Zip, zip, 1 << 30);
        assert!(result.is_ok());
        let (kind, message) = members[0].1.as_ref().unwrap_err();
        assert_eq!(*kind, ErrorKind::Encrypted, "{message}");
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
