//! Signals for schedulers (`pimap diff OLD NEW --fail-on ...`): whether the changes between
//! two inventories hold something a person must look at, and the lines that say what.
//!
//! A condition holds on growth only: a file that now holds fewer values, or that went away,
//! never triggers, so a weekly job alerts on what appeared since last week and stays quiet
//! after a clean-up.

use super::{Changes, FileChange};
use crate::detect::DetectorSet;
use crate::finding::Sensitivity;
use std::collections::BTreeSet;

/// What `--fail-on` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// Values of a sensitive category (PIPL Art. 28: identity documents, bank cards) appeared
    /// in a file, or a new suspected ID image.
    NewSensitive,
    /// Values of any category appeared in a file, or a new suspected ID image.
    NewData,
    /// The policy asks for more actions of some kind than before.
    Actions,
}

impl Condition {
    pub fn name(self) -> &'static str {
        match self {
            Condition::NewSensitive => "new-sensitive",
            Condition::NewData => "new-data",
            Condition::Actions => "actions",
        }
    }
}

/// Categories whose every detector is sensitive (`national_id`, `bank_card`, `passport` with
/// the built-in detectors): growth in them is `new-sensitive`.
pub fn sensitive_categories(detectors: &DetectorSet) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let mut general = BTreeSet::new();
    for d in detectors.detectors().iter().filter(|d| d.report) {
        let category = d.category.as_str().to_string();
        if d.sensitivity != Sensitivity::Sensitive {
            general.insert(category.clone());
        }
        all.insert(category);
    }
    all.difference(&general).cloned().collect()
}

/// One line per file, image or action kind that makes a condition hold (`CONDITION: what`),
/// in the order of `conditions`; empty when none holds.
pub fn triggered(changes: &Changes, conditions: &[Condition], sensitive: &BTreeSet<String>) -> Vec<String> {
    let mut conditions = conditions.to_vec();
    conditions.sort();
    conditions.dedup();
    let mut lines = Vec::new();
    for condition in conditions {
        let name = condition.name();
        match condition {
            Condition::NewSensitive | Condition::NewData => {
                let counts = |c: &str| condition == Condition::NewData || sensitive.contains(c);
                let files = changes
                    .new
                    .iter()
                    .map(|f| (f, "new file"))
                    .chain(changes.changed.iter().map(|f| (f, "changed")));
                for (file, how) in files {
                    if let Some(grown) = grown(file, &counts) {
                        lines.push(format!("{name}: {} ({how}): {grown}", file.path));
                    }
                }
                for image in &changes.new_suspected_id_images {
                    lines.push(format!(
                        "{name}: {} (new suspected ID image, {})",
                        image.path,
                        image.kind.as_str()
                    ));
                }
            }
            Condition::Actions => {
                for (kind, delta) in changes.actions.iter().filter(|(_, &d)| d > 0) {
                    lines.push(format!("{name}: {kind} +{delta}"));
                }
            }
        }
    }
    lines
}

/// `+3 national_id, +1 bank_card`: the categories that grew in a file and that `counts`.
fn grown(file: &FileChange, counts: &dyn Fn(&str) -> bool) -> Option<String> {
    let parts: Vec<String> = file
        .by_category
        .iter()
        .filter(|(category, &delta)| delta > 0 && counts(category))
        .map(|(category, delta)| format!("+{delta} {category}"))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{ImageChange, ImageKind};

    fn file(path: &str, deltas: &[(&str, i64)]) -> FileChange {
        FileChange {
            path: path.to_string(),
            by_category: deltas.iter().map(|(c, d)| (c.to_string(), *d)).collect(),
            ..FileChange::default()
        }
    }

    #[test]
    fn the_sensitive_categories_come_from_the_detectors() {
        let sensitive = sensitive_categories(&DetectorSet::builtin());
        let names: Vec<&str> = sensitive.iter().map(String::as_str).collect();
        assert_eq!(names, ["bank_card", "national_id", "passport"]);
    }

    #[test]
    fn only_growth_triggers_and_each_condition_names_its_lines() {
        let sensitive = sensitive_categories(&DetectorSet::builtin());
        let mut changes = Changes {
            new: vec![file("new.csv", &[("phone", 4)])],
            changed: vec![
                file("ids.csv", &[("national_id", 2), ("phone", -1)]),
                file("less.csv", &[("bank_card", -5)]),
            ],
            ..Changes::default()
        };
        changes.actions.insert("mask_column".into(), 1);
        changes.actions.insert("duplicate_copy".into(), -2);
        assert_eq!(
            triggered(&changes, &[Condition::NewSensitive], &sensitive),
            ["new-sensitive: ids.csv (changed): +2 national_id"]
        );
        assert_eq!(
            triggered(&changes, &[Condition::NewData], &sensitive),
            [
                "new-data: new.csv (new file): +4 phone",
                "new-data: ids.csv (changed): +2 national_id"
            ]
        );
        assert_eq!(
            triggered(&changes, &[Condition::Actions], &sensitive),
            ["actions: mask_column +1"]
        );
        let quiet = Changes {
            changed: vec![file("less.csv", &[("bank_card", -5)])],
            removed: vec![file("gone.csv", &[("national_id", -9)])],
            ..Changes::default()
        };
        let all = [Condition::NewSensitive, Condition::NewData, Condition::Actions];
        assert!(triggered(&quiet, &all, &sensitive).is_empty());
        let image = Changes {
            new_suspected_id_images: vec![ImageChange {
                store: None,
                path: "scans/x.jpg".into(),
                kind: ImageKind::IdCard,
            }],
            ..Changes::default()
        };
        assert_eq!(triggered(&image, &[Condition::NewSensitive], &sensitive).len(), 1);
    }
}
