//! Stable identities: an id for each finding and each column entry, derived from what it is
//! (its path, where in the file, which detector), so a consumer can follow one finding or
//! column from one scan or refresh to the next.
//!
//! An id is SipHash-1-3 of those parts under a 128-bit key, as 16 hex digits. With a stable
//! key (`PIMAP_KEY`, `--key-file`) the id key is derived from it, so an id cannot be
//! recomputed (or a guessed path confirmed) without the key. Without one, ids use a fixed,
//! public key: still identical from run to run, but anyone holding a path can compute its
//! ids. A random per-scan key would make them useless across runs, which is their point.
//! SipHash rather than the fingerprints' HMAC-SHA256: ids are computed for every finding,
//! and a keyed 64-bit PRF over a few dozen bytes costs a fraction of an HMAC.

use crate::fingerprint::Key;
use siphasher::sip::SipHasher13;
use std::hash::Hasher;

/// The label the id key is derived under (`Key::subkey`).
const ID_LABEL: &[u8] = b"pimap ids v1";
/// The id key without a stable key: public, fixed, so ids stay the same across runs.
const PUBLIC_ID_KEY: [u8; 16] = *b"pimap-public-ids";

/// Computes ids under one key.
#[derive(Debug, Clone)]
pub struct Ids {
    key: [u8; 16],
}

impl Default for Ids {
    /// The public id key (no stable key given).
    fn default() -> Self {
        Ids { key: PUBLIC_ID_KEY }
    }
}

impl Ids {
    /// The ids of a scan made with `key`: keyed by it when it is stable, public otherwise.
    pub fn of(key: &Key) -> Ids {
        match key.is_stable() {
            true => Ids {
                key: key.subkey(ID_LABEL),
            },
            false => Ids::default(),
        }
    }

    /// The hasher state of one file's findings (path as the inventory shows it, with its
    /// store when there is one), to be finished by `finding`.
    pub fn file(&self, path: &str) -> FileIds {
        let mut h = SipHasher13::new_with_key(&self.key);
        h.write(b"finding");
        part(&mut h, path.as_bytes());
        FileIds { hasher: h }
    }

    /// The id of a column entry: the file, the table (sheet or dump table) if any, the
    /// column's name and the detector.
    pub fn column(&self, path: &str, table: Option<&str>, column: &str, detector: &str) -> String {
        let mut h = SipHasher13::new_with_key(&self.key);
        h.write(b"column");
        part(&mut h, path.as_bytes());
        match table {
            Some(table) => {
                h.write_u8(1);
                part(&mut h, table.as_bytes());
            }
            None => h.write_u8(0),
        }
        part(&mut h, column.as_bytes());
        part(&mut h, detector.as_bytes());
        hex(h.finish())
    }
}

/// One file's part of the finding ids.
#[derive(Debug, Clone)]
pub struct FileIds {
    hasher: SipHasher13,
}

impl FileIds {
    /// The id of a finding: its detector, its location as the findings line writes it (JSON),
    /// and its ordinal among the findings of the same detector at the same location (two
    /// phone numbers in one cell), 0 for the first.
    pub fn finding(&self, detector: &str, location_json: &[u8], ordinal: u32) -> [u8; 16] {
        let mut h = self.hasher;
        part(&mut h, detector.as_bytes());
        part(&mut h, location_json);
        h.write_u32(ordinal);
        hex_bytes(h.finish())
    }
}

/// A part with its length first, so that ("ab", "c") and ("a", "bc") hash apart.
fn part(h: &mut SipHasher13, bytes: &[u8]) {
    h.write_u64(bytes.len() as u64);
    h.write(bytes);
}

fn hex_bytes(id: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = DIGITS[((id >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

fn hex(id: u64) -> String {
    // The digits are ASCII.
    String::from_utf8_lossy(&hex_bytes(id)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::KeyKind;

    /// An id as this module writes it: 16 lowercase hex digits.
    fn is_id(id: &str) -> bool {
        id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn ids_are_16_hex_digits_and_depend_on_every_part() {
        let ids = Ids::default();
        let file = ids.file("exports/orders.csv");
        let base = file.finding("cn_mobile", br#"{"row":1,"column":"phone"}"#, 0);
        let base = std::str::from_utf8(&base).unwrap();
        assert!(is_id(base), "{base}");
        let others = [
            ids.file("exports/orders2.csv")
                .finding("cn_mobile", br#"{"row":1,"column":"phone"}"#, 0),
            file.finding("cn_landline", br#"{"row":1,"column":"phone"}"#, 0),
            file.finding("cn_mobile", br#"{"row":2,"column":"phone"}"#, 0),
            file.finding("cn_mobile", br#"{"row":1,"column":"phone"}"#, 1),
        ];
        for other in others {
            assert_ne!(std::str::from_utf8(&other).unwrap(), base);
        }
        let column = ids.column("a.csv", None, "phone", "cn_mobile");
        assert!(is_id(&column));
        assert_ne!(column, ids.column("a.csv", Some("phone"), "", "cn_mobile"));
        assert_ne!(column, ids.column("a.csv", None, "phone", "email"));
    }

    #[test]
    fn the_same_parts_give_the_same_id_and_the_key_changes_it() {
        let stable = Key::with_secret(b"0123456789abcdef-secret", KeyKind::Stable);
        let again = Key::with_secret(b"0123456789abcdef-secret", KeyKind::Stable);
        let other = Key::with_secret(b"another key of 16+ bytes", KeyKind::Stable);
        let column = |key: &Key| Ids::of(key).column("a.csv", None, "phone", "cn_mobile");
        assert_eq!(column(&stable), column(&again));
        assert_ne!(column(&stable), column(&other));
        // Without a stable key, ids are the public ones: the same in every run.
        assert_eq!(column(&Key::per_scan()), column(&Key::per_scan()));
        assert_eq!(
            column(&Key::per_scan()),
            Ids::default().column("a.csv", None, "phone", "cn_mobile")
        );
        assert_ne!(column(&stable), column(&Key::per_scan()));
    }
}
