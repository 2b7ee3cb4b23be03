//! The retention and minimization policy (stub: filled in by the policy work).

use super::{Action, Inventory, PolicyInfo};
use std::path::Path;
use std::time::SystemTime;

/// A parsed policy file, or the built-in default.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub file: Option<String>,
}

impl Policy {
    /// The policy used without `--policy`.
    pub fn builtin() -> Policy {
        Policy::default()
    }

    /// Reads and checks a policy file; problems are one readable message.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut policy = Policy::parse(&text)?;
        policy.file = Some(path.display().to_string());
        Ok(policy)
    }

    pub fn parse(text: &str) -> Result<Policy, String> {
        let _ = text;
        Ok(Policy::default())
    }

    pub fn info(&self) -> PolicyInfo {
        PolicyInfo {
            file: self.file.clone(),
            rules: Vec::new(),
        }
    }

    /// Duplicate detection settings: minimum overlap and minimum distinct values.
    pub fn duplicate_settings(&self) -> (f64, u64) {
        (0.9, 10)
    }

    /// The actions for an inventory whose files, risk and duplicates are filled in.
    pub fn evaluate(&self, inventory: &Inventory, now: SystemTime) -> Vec<Action> {
        let _ = (inventory, now);
        Vec::new()
    }
}
