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
//! It also writes `data/cn_places.tsv`, the place-name gazetteer for the address detector: every
//! name each code ever had (not only the newest), the `cpca` crate's current names, and short
//! forms; see `places.rs`.
//!
//! Usage: `cargo run --release [-- REGIONS_OUT [PLACES_OUT]]` (defaults:
//! `../../data/cn_regions.tsv`, `../../data/cn_places.tsv`). Set `SOURCE_DATE_EPOCH` to fix the
//! date written in the headers.

mod places;

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Must match the exact versions pinned in Cargo.toml.
const CPCA: &str = "0.3.0";
/// Must match the exact versions pinned in Cargo.toml.
const CRATES: &str = "gb2260 0.1.2 (MIT), id-card 0.1.4 (Apache-2.0), \
                      china-citizen-id 0.0.1 (MIT)";

/// First two digits of every province-level division: 31 mainland, Taiwan (71), and the
/// residence-permit codes for Hong Kong, Macao and Taiwan residents (81, 82, 83).
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82, 83,
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
    /// Every name the code had in either crate, with the newest year of each.
    names: BTreeMap<&'static str, u16>,
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
        let mut path: Vec<&str> = [r.province, r.city, r.district].into_iter().flatten().collect();
        path.dedup();
        Some((year, own?, path.join("/")))
    })
}

/// Every name china-citizen-id gives `code` itself, with the newest snapshot year of each.
fn cci_names(code: u32, names: &mut BTreeMap<&'static str, u16>) {
    for year in CCI_YEARS {
        let Ok(parsed) = china_citizen_id::parse_v2(&synthetic_id(code, year)) else {
            continue;
        };
        let r = parsed.region();
        let own = if code.is_multiple_of(10000) {
            r.province
        } else {
            r.district
        };
        if let Some(n) = own {
            let y = names.entry(n).or_insert(year);
            *y = (*y).max(year);
        }
    }
}

/// Every name gb2260 gives `code` in any revision, with the newest revision year of each.
fn gb2260_names(code: u32, names: &mut BTreeMap<&'static str, u16>) {
    let code = format!("{code:06}");
    for rev in gb2260::Division::revisions() {
        if let Some(d) = gb2260::Division::get_by_revision(&code, rev) {
            let year: u16 = rev.rsplit('-').next().unwrap()[..4].parse().unwrap();
            let y = names.entry(d.name).or_insert(year);
            *y = (*y).max(year);
        }
    }
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
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs());
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
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cn_regions.tsv").to_string());
    let places_out = std::env::args()
        .nth(2)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cn_places.tsv").to_string());

    let mut table = BTreeMap::new();
    for code in PROVINCES.iter().flat_map(|p| p * 10000..p * 10000 + 10000) {
        let mut e = Entry {
            idcard: id_card::validate(&synthetic_id(code, IDCARD_YEAR)),
            cci: probe_cci(code),
            gb2260: probe_gb2260(code),
            names: BTreeMap::new(),
        };
        if e.cci.is_some() {
            cci_names(code, &mut e.names);
        }
        if e.gb2260.is_some() {
            gb2260_names(code, &mut e.names);
        }
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
    drop(w);

    let names: BTreeMap<u32, BTreeMap<&'static str, u16>> =
        table.iter().map(|(c, e)| (*c, e.names.clone())).collect();
    let places = places::build(&names);
    let header = format!(
        "# name<TAB>level<TAB>code<TAB>province_code<TAB>prefecture_code<TAB>kind. Administrative \
         place names for address matching; generated {} by tools/gen-regions. level: province, \
         prefecture or county (GB/T 2260 level when the code is known, else cpca's; the county \
         level also holds cpca's towns of the cities without districts, 东莞 中山 儋州 嘉峪关, and \
         Taiwan's townships). code: 6-digit GB/T 2260 code, - if unknown. province_code, \
         prefecture_code: parents' codes, - if none or unknown (a municipality's districts have \
         the municipality's own xx0000 code as prefecture; county-level units directly under a \
         province have -). kind: full (official name, current or historical) or short (form \
         written in addresses: suffix dropped; county stems only when unambiguous and not a \
         common word). Sources: every name each code had in the public APIs of crates.io \
         gb2260 0.1.2 (MIT) and china-citizen-id 0.0.1 (MIT); current names from the public API \
         of cpca {CPCA} (MIT). See \
         data/ATTRIBUTION.md.",
        date_today()
    );
    places::write(&places, &header, &places_out)?;
    let mut per: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for ((_, level, ..), kind) in &places.rows {
        let l = match level {
            places::Level::Province => "province",
            places::Level::Prefecture => "prefecture",
            places::Level::County => "county",
        };
        let k = if *kind == places::Kind::Full {
            "full"
        } else {
            "short"
        };
        *per.entry((l, k)).or_default() += 1;
    }
    eprintln!(
        "wrote {places_out}: {} rows {per:?}; cpca names {} ({} without a code), skipped {:?}; \
         county stems {:?}",
        places.rows.len(),
        places.cpca_names,
        places.cpca_uncoded,
        places.cpca_skipped,
        places.stems,
    );

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
