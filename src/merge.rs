//! Joining the parts of one scan (`scan --shard K/N`, `--files-from`) into the inventory a
//! single scan of the whole would have written (`pimap merge`).
//!
//! A part lists whole files (an archive with its members), so per-file and per-column
//! figures, distinct counts included, are taken over as they are; what spans files is
//! judged again over the whole: totals, duplicate copies (from the sketches every part
//! keeps), risk, the policy's actions, and the changes against a baseline. Parts that cannot
//! make one scan are refused before anything is written: another build, detectors,
//! threshold, key, policy or roots, a part that is not a part, overlapping parts, a missing
//! shard.

use crate::detect::DetectorSet;
use crate::fingerprint;
use crate::inventory::policy::Policy;
use crate::inventory::{self, changes, Inventory, KeyKind};
use crate::scan::judge::{self, Judges};
use crate::scan::refresh;
use crate::shard::Shard;
use crate::terminal::printable;
use rustc_hash::{FxHashMap, FxHashSet};
use std::time::SystemTime;

/// An inventory read from a file, with the name it is shown by in messages.
pub struct Named {
    pub shown: String,
    pub inventory: Inventory,
}

/// What a merge needs besides the parts: the policy and detectors the parts were made with
/// (their digests are checked), and the previous merged inventory for `changes`.
pub struct MergeSettings<'a> {
    pub policy: &'a Policy,
    pub detectors: &'a DetectorSet,
    pub baseline: Option<&'a Named>,
}

/// Why the parts cannot be merged. Nothing is written then.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error("no parts to merge")]
    NoParts,
    #[error("{0} is not a part (made without --shard or --files-from): merge joins the parts of one scan")]
    NotAPart(String),
    #[error("{0} was made without a stable key (PIMAP_KEY or --key-file): its fingerprints cannot be compared with other parts'")]
    NoStableKey(String),
    #[error("{part} and {first} differ in {what}: they are not parts of one scan")]
    Differ {
        part: String,
        first: String,
        what: &'static str,
    },
    #[error("the parts were made by another pimap build, other detectors or another --min-confidence than this merge uses (digest {parts}, here {here}): merge with the same pimap binary and the same --detectors")]
    Build { parts: String, here: String },
    #[error("the parts were judged by another policy (digest {parts}) than this merge's ({here}): give the same --policy file as the scans")]
    Policy { parts: String, here: String },
    #[error("{part} scanned other folders than the other inputs, and not as stores: only scans of different stores (--store NAME=ROOT) can be merged")]
    NotStores { part: String },
    #[error("the store {store} is in {part} and in {other}: each store must come from one scan")]
    StoreTwice {
        store: String,
        part: String,
        other: String,
    },
    #[error(
        "{part} mixes --shard parts with parts of no shard: merge the shards of one scan, or lists, not both"
    )]
    MixedShards { part: String },
    #[error("{part} is shard {shard} but {first} is a shard of {count}: parts of different splits")]
    ShardCount {
        part: String,
        shard: Shard,
        first: String,
        count: u32,
    },
    #[error("{part} and {other} are both shard {shard}")]
    SameShard {
        part: String,
        other: String,
        shard: Shard,
    },
    #[error("shard {missing} of {count} is missing ({given} of {count} given): the merged inventory would lack its files")]
    MissingShard { missing: u32, count: u32, given: usize },
    #[error("{part} lists {path}, which belongs to shard {owner}, not {shard}: a part of another split or another naming (--reveal)")]
    WrongShard {
        part: String,
        path: String,
        owner: u32,
        shard: Shard,
    },
    #[error("{part} and {other} both list {path}: parts must not overlap")]
    Overlap {
        part: String,
        other: String,
        path: String,
    },
}

/// Merges `parts` into one inventory, judged as one scan judges its files. The parts are
/// taken apart as their entries move into the merged inventory, so a merge holds each
/// entry once.
pub fn merge(mut parts: Vec<Named>, settings: &MergeSettings<'_>) -> Result<Inventory, MergeError> {
    if parts.is_empty() {
        return Err(MergeError::NoParts);
    }
    check_parts(&parts)?;
    let head = &parts[0].inventory;
    let here = refresh::digest_of(settings.detectors, head.tool.min_confidence);
    if head.tool.detector_digest != here {
        return Err(MergeError::Build {
            parts: head.tool.detector_digest.clone(),
            here,
        });
    }
    let policy_here = settings.policy.digest();
    if head.policy.digest.as_deref() != Some(policy_here.as_str()) {
        return Err(MergeError::Policy {
            parts: head.policy.digest.clone().unwrap_or_else(|| "none".into()),
            here: policy_here,
        });
    }
    let (tool, key, policy) = (head.tool.clone(), head.key.clone(), head.policy.clone());
    let (scanned_at, started) = earliest_start(&parts);
    let elapsed_seconds = elapsed(&parts, started);
    let reuse_note = parts
        .iter()
        .find_map(|p| p.inventory.changes.as_ref()?.reuse_note.clone());
    // The stores (and roots) of every scan, in the order given.
    let mut roots = Vec::new();
    let mut stores = Vec::new();
    let mut sources = Vec::new();
    for group in scans_of(&parts) {
        let inv = &parts[group[0]].inventory;
        roots.extend(inv.roots.iter().cloned());
        stores.extend(inv.stores.iter().cloned());
        sources.extend(inv.sources.iter().cloned());
    }

    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    let mut reused = 0;
    let mut names = Vec::new();
    let mut images = Vec::new();
    for part in &mut parts {
        let inv = std::mem::take(&mut part.inventory);
        files.extend(inv.files);
        skipped.extend(inv.skipped);
        errors.extend(inv.errors);
        names.extend(inv.names);
        images.extend(inv.suspected_id_images);
        reused += inv.totals.reused;
    }
    drop(parts);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    // A folder is listed by the shard its own path falls in; parts made from lists
    // (`--files-from`) with files in one folder each list it: it is counted once.
    names.sort_by(|a, b| (&a.path, a.path_component).cmp(&(&b.path, b.path_component)));
    names.dedup_by(|a, b| a.path == b.path && a.path_component == b.path_component);
    images.sort_by(|a, b| a.path.cmp(&b.path));
    images.dedup_by(|a, b| a.path == b.path);

    // Copies are found from the sketches the parts keep, as a scan finds them from the
    // sketches it holds in memory.
    let sketches: FxHashMap<String, (u64, Vec<u64>)> = files
        .iter()
        .filter_map(|f| {
            let prints = fingerprint::decode_prints(f.sketch.as_deref()?)?;
            Some((f.path.clone(), (f.distinct.values().sum(), prints)))
        })
        .collect();
    if !key.fingerprints {
        // One scan keeps sketches in the inventory only with --fingerprints.
        for f in &mut files {
            f.sketch = None;
        }
    }
    let mut merged = Inventory {
        schema: inventory::SCHEMA.to_string(),
        scanned_at,
        roots,
        stores,
        totals: judge::count_totals(&files, skipped.len(), errors.len(), reused, settings.detectors),
        files,
        skipped,
        errors,
        tool,
        key,
        policy,
        names,
        suspected_id_images: images,
        sources,
        ..Inventory::default()
    };
    let baseline = settings.baseline.map(|b| &b.inventory);
    // As a scan, copies among files taken over without a sketch are carried from a baseline
    // whose results could be reused.
    let reusable = baseline.filter(|b| {
        let key_id = merged.key.key_id.as_deref();
        refresh::why_not_reusable(b, key_id, &merged.tool.detector_digest, merged.key.fingerprints).is_none()
    });
    let judges = Judges {
        policy: settings.policy,
        detectors: settings.detectors,
        now: started,
    };
    judge::judge(&mut merged, &judges, &sketches, reusable);
    if let Some(b) = settings.baseline {
        let mut changes = changes::compare(&b.inventory, &merged);
        changes.baseline_file = Some(b.shown.clone());
        changes.reuse_note = reuse_note;
        merged.changes = Some(changes);
    }
    merged.totals.elapsed_seconds = elapsed_seconds;
    Ok(merged)
}

/// What the user should know about a merge that was made: inputs that are whole inventories
/// (not parts) bring no sketches, so copies between their files and other stores' are not
/// found unless they were made with `--fingerprints`.
pub fn notes(parts: &[Named]) -> Vec<String> {
    parts
        .iter()
        .filter(|p| p.inventory.part.is_none() && !p.inventory.key.fingerprints)
        .map(|p| {
            format!(
                "{} is a whole inventory, not a part: copies between its files and other stores' are not found (scan it with --shard 1/1, or with --fingerprints)",
                p.shown
            )
        })
        .collect()
}

/// Whether the inventories can be the parts of one scan: the same build, detectors, key and
/// policy throughout; inputs of the same roots are the parts of one scan of them (shards or
/// lists); inputs of other roots are scans of other stores (`--store`), each store in one
/// input's set only.
fn check_parts(parts: &[Named]) -> Result<(), MergeError> {
    let first = &parts[0];
    let head = &first.inventory;
    for part in parts {
        let inv = &part.inventory;
        if inv.key.kind != KeyKind::Stable || inv.key.key_id.is_none() {
            return Err(MergeError::NoStableKey(part.shown.clone()));
        }
        let differ = |what| {
            Err(MergeError::Differ {
                part: part.shown.clone(),
                first: first.shown.clone(),
                what,
            })
        };
        if inv.schema != head.schema {
            return differ("schema");
        }
        if inv.tool.detector_digest != head.tool.detector_digest
            || inv.tool.version != head.tool.version
            || inv.tool.detectors != head.tool.detectors
        {
            return differ("pimap build, detectors or --min-confidence");
        }
        if inv.key.key_id != head.key.key_id {
            return differ("fingerprint key");
        }
        if inv.key.fingerprints != head.key.fingerprints {
            return differ("--fingerprints");
        }
        if inv.policy != head.policy {
            return differ("policy");
        }
    }
    let groups = scans_of(parts);
    if groups.len() > 1 {
        for group in &groups {
            let part = &parts[group[0]];
            if part.inventory.stores.is_empty() {
                return Err(MergeError::NotStores {
                    part: part.shown.clone(),
                });
            }
        }
        let mut owner: FxHashMap<&str, usize> = FxHashMap::default();
        for (g, group) in groups.iter().enumerate() {
            for store in &parts[group[0]].inventory.stores {
                if let Some(&other) = owner.get(store.name.as_str()) {
                    return Err(MergeError::StoreTwice {
                        store: printable(&store.name).into_owned(),
                        part: parts[group[0]].shown.clone(),
                        other: parts[groups[other][0]].shown.clone(),
                    });
                }
                owner.insert(&store.name, g);
            }
        }
    }
    for group in &groups {
        let members: Vec<&Named> = group.iter().map(|&i| &parts[i]).collect();
        check_scan(&members, groups.len())?;
    }
    check_overlap(parts)
}

/// The inputs grouped by the scan they come from (the same roots and stores), in the order
/// given.
fn scans_of(parts: &[Named]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let same = |g: &Vec<usize>| {
            let other = &parts[g[0]].inventory;
            other.roots == part.inventory.roots
                && other
                    .stores
                    .iter()
                    .map(|s| &s.name)
                    .eq(part.inventory.stores.iter().map(|s| &s.name))
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// The inputs of one scan: its parts, or (merged with other stores) the whole inventory.
fn check_scan(members: &[&Named], scans: usize) -> Result<(), MergeError> {
    let first = members[0];
    if members.len() == 1 && first.inventory.part.is_none() && scans > 1 {
        return Ok(());
    }
    let Some(head_info) = &first.inventory.part else {
        return Err(MergeError::NotAPart(first.shown.clone()));
    };
    for part in members {
        let Some(info) = &part.inventory.part else {
            return Err(MergeError::NotAPart(part.shown.clone()));
        };
        if info.reveal != head_info.reveal {
            return Err(MergeError::Differ {
                part: part.shown.clone(),
                first: first.shown.clone(),
                what: "--reveal (names shown masked in one, unmasked in the other)",
            });
        }
        if info.shard.is_some() != head_info.shard.is_some() {
            return Err(MergeError::MixedShards {
                part: part.shown.clone(),
            });
        }
    }
    check_shards(members)
}

/// Shards must all be of one count, each once, none missing, each holding only its own files.
fn check_shards(parts: &[&Named]) -> Result<(), MergeError> {
    let shard_of = |p: &Named| p.inventory.part.as_ref().and_then(|i| i.shard);
    let Some(head) = shard_of(parts[0]) else {
        return Ok(());
    };
    let mut seen: FxHashMap<u32, &str> = FxHashMap::default();
    for part in parts {
        let shard = shard_of(part).expect("checked: all parts are shards");
        if shard.count != head.count {
            return Err(MergeError::ShardCount {
                part: part.shown.clone(),
                shard,
                first: parts[0].shown.clone(),
                count: head.count,
            });
        }
        if let Some(other) = seen.insert(shard.index, part.shown.as_str()) {
            return Err(MergeError::SameShard {
                part: part.shown.clone(),
                other: other.to_string(),
                shard,
            });
        }
        if let Some(path) = paths_of(&part.inventory).find(|p| !shard.owns(p)) {
            return Err(MergeError::WrongShard {
                part: part.shown.clone(),
                path: printable(path).into_owned(),
                owner: crate::shard::shard_of(path, shard.count),
                shard,
            });
        }
    }
    if let Some(missing) = (1..=head.count).find(|k| !seen.contains_key(k)) {
        return Err(MergeError::MissingShard {
            missing,
            count: head.count,
            given: parts.len(),
        });
    }
    Ok(())
}

/// No entry may be listed by two parts (a file scanned twice would count twice).
fn check_overlap(parts: &[Named]) -> Result<(), MergeError> {
    let mut owner: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, part) in parts.iter().enumerate() {
        let own: FxHashSet<&str> = paths_of(&part.inventory).collect();
        for path in own {
            if let Some(&j) = owner.get(path) {
                return Err(MergeError::Overlap {
                    part: part.shown.clone(),
                    other: parts[j].shown.clone(),
                    path: printable(path).into_owned(),
                });
            }
            owner.insert(path, i);
        }
    }
    Ok(())
}

/// Every path an inventory lists: files, archive members, skipped files, errors.
fn paths_of(inv: &Inventory) -> impl Iterator<Item = &str> {
    let files = inv.files.iter().map(|f| f.path.as_str());
    let skipped = inv.skipped.iter().map(|s| s.path.as_str());
    let errors = inv.errors.iter().map(|e| e.path.as_str());
    files.chain(skipped).chain(errors)
}

/// The earliest part's start: the merged scan's time, and its "today" for ages.
fn earliest_start(parts: &[Named]) -> (String, SystemTime) {
    let started = parts
        .iter()
        .filter_map(|p| humantime::parse_rfc3339(&p.inventory.scanned_at).ok())
        .min()
        .unwrap_or_else(SystemTime::now);
    (inventory::rfc3339(started).unwrap_or_default(), started)
}

/// From the earliest start to the latest end of a part, in seconds (3 decimals).
fn elapsed(parts: &[Named], started: SystemTime) -> f64 {
    let end = parts
        .iter()
        .filter_map(|p| {
            let at = humantime::parse_rfc3339(&p.inventory.scanned_at).ok()?;
            at.checked_add(std::time::Duration::try_from_secs_f64(p.inventory.totals.elapsed_seconds).ok()?)
        })
        .max()
        .unwrap_or(started);
    let seconds = end.duration_since(started).unwrap_or_default().as_secs_f64();
    (seconds * 1000.0).round() / 1000.0
}
