//! GNU sparse members ('S'): the map of stored regions is in the header and, past four
//! regions, in extension blocks right after it; between the regions are holes, which read as
//! zeros, as the member would extract. The extension blocks are always read, to stay in step
//! with the stream, and the map is held in memory up to `MAX_REGIONS` regions.

use super::{Data, Listed, Stream, TarError, BLOCK};
use crate::source::archive::guard::{Guarded, Packed};
use crate::source::archive::{ArchiveError, Budget, Member};
use std::io::{self, Read};

/// Most regions a GNU sparse member's map may list (16 bytes each in memory).
pub(super) const MAX_REGIONS: usize = 1 << 16;

/// A stretch of a sparse file that is stored in the archive; the rest is holes (zeros).
struct Region {
    offset: u64,
    len: u64,
}

/// A GNU sparse member ('S'): its map of regions is in its header and, past four regions,
/// in extension blocks right after it, which are read (to stay in step with the stream)
/// even when the map is unusable: then the member is reported and its data skipped.
pub(super) fn sparse_member(
    stream: &mut Stream<'_>,
    gnu: Option<&::tar::GnuHeader>,
    stored: u64,
    member: Listed,
    budget: &Budget,
    visit: &mut dyn FnMut(Member<'_>),
) -> Result<(), ArchiveError> {
    let map = match gnu {
        Some(gnu) => sparse_map(stream, gnu, stored)?,
        None => Err(TarError::SparseMap("its header is not a GNU header")),
    };
    match map {
        Ok((regions, size)) => {
            let data = Data { stream, left: stored };
            let sparse = Sparse {
                data,
                regions,
                next: 0,
                pos: 0,
                size,
            };
            // Holes expand from nothing: the ratio is over the stored bytes and the header.
            let packed = Packed::Known(stored.saturating_add(BLOCK));
            let mut guarded = Guarded::new(sparse, budget, packed);
            visit(Member {
                name: member.name,
                size,
                modified: member.modified,
                reader: Some(&mut guarded),
                problem: None,
                warning: member.warning,
            });
            let left = guarded.get_mut().data.left;
            Ok(stream.skip(left, "a member's data")?)
        }
        Err(problem) => {
            visit(Member::unreadable(
                member.name,
                stored,
                member.modified,
                ArchiveError::Tar(problem),
            ));
            Ok(stream.skip(stored, "a member's data")?)
        }
    }
}

/// Reads a GNU sparse member's map: Err if the stream fails, Ok(Err) if the map cannot
/// describe the member's data, else its regions and its size once extracted.
#[allow(clippy::type_complexity)]
fn sparse_map(
    stream: &mut Stream<'_>,
    gnu: &::tar::GnuHeader,
    stored: u64,
) -> Result<Result<(Vec<Region>, u64), TarError>, TarError> {
    let mut regions = Vec::new();
    let mut problem = None;
    let mut add = |entry: &::tar::GnuSparseHeader| {
        if problem.is_some() || entry.is_empty() {
            return;
        }
        match (entry.offset(), entry.length()) {
            (Ok(_), Ok(0)) => {}
            _ if regions.len() >= MAX_REGIONS => problem = Some(TarError::SparseTooLong),
            (Ok(offset), Ok(len)) => regions.push(Region { offset, len }),
            _ => problem = Some(TarError::Field("sparse region")),
        }
    };
    gnu.sparse.iter().for_each(&mut add);
    let mut extension = ::tar::GnuExtSparseHeader::new();
    let mut extended = gnu.is_extended();
    while extended {
        if !stream.block(extension.as_mut_bytes(), "a sparse member's map")? {
            return Err(TarError::Cut("a sparse member's map"));
        }
        extension.sparse().iter().for_each(&mut add);
        extended = extension.is_extended();
    }
    if let Some(problem) = problem {
        return Ok(Err(problem));
    }
    let Ok(size) = gnu.real_size() else {
        return Ok(Err(TarError::Field("sparse real size")));
    };
    let (mut end, mut total) = (0u64, 0u64);
    for region in &regions {
        if region.offset < end {
            return Ok(Err(TarError::SparseMap(
                "its regions overlap or are out of order",
            )));
        }
        let (Some(region_end), Some(sum)) = (
            region.offset.checked_add(region.len),
            total.checked_add(region.len),
        ) else {
            return Ok(Err(TarError::SparseMap("a region lies past 2^64 bytes")));
        };
        (end, total) = (region_end, sum);
    }
    if end > size {
        return Ok(Err(TarError::SparseMap("its regions reach past its size")));
    }
    if total != stored {
        return Ok(Err(TarError::SparseMap(
            "its regions do not add up to the data stored",
        )));
    }
    Ok(Ok((regions, size)))
}

/// A sparse member as it would be extracted: its regions' data in place, zeros between
/// them and up to its size.
struct Sparse<'s, 'a> {
    data: Data<'s, 'a>,
    /// In order, apart, within `size` (checked by `sparse_map`).
    regions: Vec<Region>,
    /// The first region not read to its end.
    next: usize,
    /// Bytes given so far.
    pos: u64,
    size: u64,
}

impl Read for Sparse<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(region) = self.regions.get(self.next) {
            if self.pos < region.offset + region.len {
                break;
            }
            self.next += 1;
        }
        let (until, stored) = match self.regions.get(self.next) {
            Some(region) if self.pos >= region.offset => (region.offset + region.len, true),
            Some(region) => (region.offset, false),
            None => (self.size, false),
        };
        let want = usize::try_from(until - self.pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        let n = if stored {
            self.data.read(&mut buf[..want])?
        } else {
            buf[..want].fill(0);
            want
        };
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{gnu_header, names, tar_of};
    use crate::error::ErrorKind;
    use crate::source::archive::tests::collect;
    use crate::source::ArchiveKind;

    /// A GNU sparse header of `size` bytes with `regions` (offset, length): four in the header,
    /// the rest in extension blocks, returned after it.
    fn sparse_entry(name: &str, size: u64, regions: &[(u64, u64)]) -> Vec<u8> {
        let stored: u64 = regions.iter().map(|r| r.1).sum();
        let mut header = gnu_header(name, b'S', stored);
        let gnu = header.as_gnu_mut().unwrap();
        gnu.set_real_size(size);
        for (slot, &(offset, len)) in gnu.sparse.iter_mut().zip(regions) {
            slot.set_offset(offset);
            slot.set_length(len);
        }
        gnu.set_is_extended(regions.len() > 4);
        header.set_cksum();
        let mut out = header.as_bytes().to_vec();
        let mut rest = regions.iter().skip(4).peekable();
        while rest.peek().is_some() {
            let mut extension = ::tar::GnuExtSparseHeader::new();
            for slot in extension.sparse_mut().iter_mut() {
                if let Some(&(offset, len)) = rest.next() {
                    slot.set_offset(offset);
                    slot.set_length(len);
                }
            }
            extension.set_is_extended(rest.peek().is_some());
            out.extend_from_slice(extension.as_bytes());
        }
        out
    }

    #[test]
    fn a_gnu_sparse_member_reads_as_extracted() {
        // Six regions (two in an extension block), a hole at the start and one at the end.
        let regions: Vec<(u64, u64)> = (0..6).map(|i| (1000 + i * 5000, 512)).collect();
        let size = 40_000;
        let data: Vec<u8> = (0..6 * 512).map(|i| b'a' + (i / 512) as u8).collect();
        let mut expected = vec![0u8; size as usize];
        for (i, &(offset, len)) in regions.iter().enumerate() {
            let at = offset as usize;
            expected[at..at + len as usize].copy_from_slice(&data[i * 512..(i + 1) * 512]);
        }
        let entry = sparse_entry("sparse.csv", size, &regions);
        let tar = tar_of(&[&entry, &data, gnu_header("after.csv", b'0', 2).as_bytes(), b"ok"]);
        let (members, result) = collect(ArchiveKind::Tar, tar, 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(names(&members), ["sparse.csv", "after.csv"]);
        assert!(
            members[0].1.as_deref() == Ok(&expected[..]),
            "sparse content differs"
        );
        assert_eq!(members[1].1.as_deref(), Ok(&b"ok"[..]));
    }

    #[test]
    fn a_sparse_member_whose_map_is_wrong_is_an_error_and_the_next_is_read() {
        // The regions add up to 1024 bytes; 512 are stored.
        let mut entry = sparse_entry("bad.csv", 10_000, &[(0, 512), (4096, 512)]);
        let header = ::tar::Header::from_byte_slice(&entry[..512]).clone();
        let mut header = header;
        header.set_size(512);
        header.set_cksum();
        entry[..512].copy_from_slice(header.as_bytes());
        let tar = tar_of(&[
            &entry,
            &[b'x'; 512],
            gnu_header("after.csv", b'0', 2).as_bytes(),
            b"ok",
        ]);
        let (members, result) = collect(ArchiveKind::Tar, tar, 1 << 30);
        assert!(result.is_ok(), "{result:?}");
        let (kind, message) = members[0].1.as_ref().unwrap_err();
        assert_eq!(*kind, ErrorKind::Corrupt, "{message}");
        assert!(message.contains("sparse"), "{message}");
        assert_eq!(members[1].1.as_deref(), Ok(&b"ok"[..]));
    }

    #[test]
    fn sparse_holes_count_as_expansion() {
        // 4 KiB stored, 1 GiB once extracted: the ratio guard stops the holes.
        let entry = sparse_entry("holes.bin", 1 << 30, &[(0, 4096)]);
        let tar = tar_of(&[&entry, &[b'x'; 4096]]);
        let (members, _) = collect(ArchiveKind::Tar, tar, 1 << 40);
        assert_eq!(members[0].1.as_ref().unwrap_err().0, ErrorKind::Bomb);
    }
}
