//! `pimap locate`: where a person's values are, from an inventory's fingerprints.

use crate::cli::LocateArgs;
use crate::Exit;

pub fn run(args: &LocateArgs) -> Result<Exit, String> {
    let _ = args;
    Err("pimap locate: not built yet".into())
}
