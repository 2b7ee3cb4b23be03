//! `pimap report`: an inventory turned into HTML, CSV or Markdown (stub: filled in by the
//! reports work).

use crate::cli::ReportArgs;
use crate::Exit;

pub fn run(args: &ReportArgs) -> Result<Exit, String> {
    let _ = args;
    Err("pimap report: not built yet".into())
}
