//! Generates `data/cn_regions.tsv`: every GB/T 2260 administrative division code that three
//! crates.io crates know, with names, for pimap's `cn_resident_id` and address detectors.
//!
//! Why a historical union: the first six digits of a resident ID number are the region code of
//! the holder's registration when the number was assigned, and a number never changes when its
//! county is later renamed, merged or abolished. Millions of valid IDs therefore carry codes
//! that no longer exist (412723 商水县, 342401 六安市, 110223 通县, ...), so validation needs
//! every code that was ever in use, not the current list. No single crate has them all:
//!
//! * `id-card` has 5,893 county-level codes up to 2025, but no names and no xxxx00 codes;
//! * `china-citizen-id` has yearly snapshots 1980–2022 with names;
//! * `gb2260` has the 2002–2016 revisions with names, plus Hong Kong and Macao.
//!
//! Only the crates' public APIs are used: every candidate code under the province prefixes is
//! put into a synthetic 18-digit ID (or looked up directly in `gb2260`) and the crates are asked
//! about it. The output is the crates' answers, sorted; see `data/ATTRIBUTION.md`.
//!
//! Usage: `cargo run --release [-- OUTPUT]` (default: `../../data/cn_regions.tsv`). Set
//! `SOURCE_DATE_EPOCH` to fix the date written in the header.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Must match the exact versions pinned in Cargo.toml.
const CRATES: &str = "gb2260 0.1.2 (MIT), id-card 0.1.4 (Apache-2.0), \
                      china-citizen-id 0.0.1 (MIT)";

/// First two digits of every province-level division: 31 mainland, Taiwan (71), and the
/// residence-permit codes for Hong Kong, Macao and Taiwan residents (81, 82, 83).
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// The years covered by china-citizen-id's snapshots; it looks names up by birth year.
const CCI_YEARS: std::ops::RangeInclusive<u16> = 1980..=2022;

/// Fixed birth date and sequence for id-card's probe; only the region code matters.
const IDCARD_YEAR: u16 = 1990;

/// Builds `code` + `year`0101 + sequence 001 + the ISO 7064 MOD 11-2 check character.
fn synthetic_id(code: u32, year: u16) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let mut id = format!("{code:06}{year:04}0101001");
    let sum: u32 = id
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    id.push(b"10X98765432"[(sum % 11) as usize] as char);
    id
}

/// What the crates said about one code.
#[derive(Default)]
struct Entry {
    idcard: bool,
    /// Latest snapshot year, name in that year, and province/city/district path.
    cci: Option<(u16, &'static str, String)>,
    /// Newest revision year that has the code, and its name there.
    gb2260: Option<(u16, &'static str)>,
}

/// china-citizen-id: the newest snapshot that names `code` itself (not just its parents).
fn probe_cci(code: u32) -> Option<(u16, &'static str, String)> {
    CCI_YEARS.rev().find_map(|year| {
        let parsed = china_citizen_id::parse_v2(&synthetic_id(code, year)).ok()?;
        let r = parsed.region();
        // For xx0000 only `province` is filled; for xxxx00 `city` and `district` are the same.
        let own = if code.is_multiple_of(10000) {
            r.province
        } else {
            r.district
        };
        let mut path: Vec<&str> = [r.province, r.city, r.district]
            .into_iter()
            .flatten()
            .collect();
        path.dedup();
        Some((year, own?, path.join("/")))
    })
}

/// gb2260: `search` walks all revisions, newest first ("201607", ..., "hongkong-201512").
fn probe_gb2260(code: u32) -> Option<(u16, &'static str)> {
    let d = gb2260::Division::search(&format!("{code:06}"))?;
    let rev = d.revision.rsplit('-').next()?;
    Some((rev[..4].parse().ok()?, d.name))
}

/// Today's date (or `SOURCE_DATE_EPOCH`'s) as YYYY-MM-DD, from days since 1970-01-01.
fn date_today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (d, m) = (
        doy - (153 * mp + 2) / 5 + 1,
        if mp < 10 { mp + 3 } else { mp - 9 },
    );
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

fn main() -> std::io::Result<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cn_regions.tsv").to_string()
    });

    let mut table = BTreeMap::new();
    for code in PROVINCES.iter().flat_map(|p| p * 10000..p * 10000 + 10000) {
        let e = Entry {
            idcard: id_card::validate(&synthetic_id(code, IDCARD_YEAR)),
            cci: probe_cci(code),
            gb2260: probe_gb2260(code),
        };
        if e.idcard || e.cci.is_some() || e.gb2260.is_some() {
            table.insert(code, e);
        }
    }

    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    writeln!(
        w,
        "# GB/T 2260 region codes, historical union; generated {} by tools/gen-regions from the \
         public APIs of crates.io {CRATES}. Columns: code, name (newest known; - if none), \
         sources, full (china-citizen-id's province/city/district path for that name; - if none). \
         See data/ATTRIBUTION.md.",
        date_today()
    )?;
    for (code, e) in &table {
        // Newest name wins, china-citizen-id on a tie. Codes are sometimes reused (139001 was
        // 武安市 in 1988-94 and 定州市 in gb2260), so the path is kept only with its own name.
        let (name, full) = match (&e.cci, e.gb2260) {
            (Some((cy, _, _)), Some((gy, gn))) if gy > *cy => (gn, "-"),
            (Some((_, cn, path)), _) => (*cn, path.as_str()),
            (None, Some((_, gn))) => (gn, "-"),
            (None, None) => ("-", "-"),
        };
        let sources: Vec<&str> = [
            e.idcard.then_some("idcard"),
            e.cci.is_some().then_some("cci"),
            e.gb2260.is_some().then_some("gb2260"),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert!(!format!("{name}{full}").contains(['\t', '\n']));
        writeln!(w, "{code:06}\t{name}\t{}\t{full}", sources.join(","))?;
    }
    w.flush()?;

    let count = |f: &dyn Fn(&Entry) -> bool| table.values().filter(|e| f(e)).count();
    let level = |f: &dyn Fn(u32) -> bool| table.keys().filter(|c| f(**c)).count();
    eprintln!(
        "wrote {out}: {} codes (idcard {}, cci {}, gb2260 {}); province xx0000 {}, \
         prefecture xxxx00 {}, county-level {}",
        table.len(),
        count(&|e| e.idcard),
        count(&|e| e.cci.is_some()),
        count(&|e| e.gb2260.is_some()),
        level(&|c| c.is_multiple_of(10000)),
        level(&|c| c.is_multiple_of(100) && !c.is_multiple_of(10000)),
        level(&|c| !c.is_multiple_of(100)),
    );
    Ok(())
}
