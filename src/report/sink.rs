//! The JSON Lines findings output as the scan's `FindingSink`: the formatter is the encoder
//! (one per worker thread), the writer takes the bytes in path order. Kept apart from
//! `FindingsFormatter::format` so the two can change independently.

use super::{FindingsFormatter, FindingsWriter};
use crate::detect::DetectorSet;
use crate::finding::{FindingEncoder, FindingSink, Found};
use crate::identity::Ids;
use std::io;

/// Findings as JSON Lines into `writer`; raw values only with `reveal` (`--reveal`).
pub struct JsonLines<'w> {
    writer: &'w mut FindingsWriter,
    reveal: bool,
    stores: bool,
    ids: Ids,
}

impl<'w> JsonLines<'w> {
    pub fn new(writer: &'w mut FindingsWriter, reveal: bool) -> Self {
        JsonLines {
            writer,
            reveal,
            stores: false,
            ids: Ids::default(),
        }
    }

    /// The findings' ids under the scan's key (`Ids::of`).
    pub fn with_ids(mut self, ids: Ids) -> Self {
        self.ids = ids;
        self
    }

    /// Paths are `STORE/path` (`scan --store`): each finding names its store.
    pub fn with_stores(mut self, stores: bool) -> Self {
        self.stores = stores;
        self
    }
}

impl FindingSink for JsonLines<'_> {
    fn encoder(&self) -> Option<Box<dyn FindingEncoder>> {
        // Nobody reads the findings (only an inventory is wanted, or the reader went away):
        // the workers need not format them.
        let encoder: Box<dyn FindingEncoder> = Box::new(
            FindingsFormatter::new(self.reveal)
                .with_stores(self.stores)
                .with_ids(self.ids.clone()),
        );
        self.writer.wanted().then_some(encoder)
    }

    fn write(&mut self, encoded: &[u8]) -> io::Result<()> {
        self.writer.write(encoded)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl FindingEncoder for FindingsFormatter {
    fn encode(&mut self, path: &str, detectors: &DetectorSet, batch: &[Found], out: &mut Vec<u8>) {
        self.format(path, detectors, batch, out);
    }

    fn fresh(&self) -> Box<dyn FindingEncoder> {
        Box::new(
            FindingsFormatter::new(self.reveal)
                .with_stores(self.stores)
                .with_ids(self.ids.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    fn found(value: &str) -> Found {
        Found {
            detector: 0,
            confidence: 0.9,
            location: Location::Text {
                line: 1,
                column: 1,
                offset: 0,
            },
            value: value.to_string(),
            parts: None,
            fields: None,
        }
    }

    #[test]
    fn no_encoder_when_nobody_wants_the_findings() {
        let mut writer = FindingsWriter::new(None, false);
        assert!(JsonLines::new(&mut writer, false).encoder().is_none());
    }

    #[test]
    fn the_encoder_writes_what_the_formatter_writes_and_keeps_reveal() {
        let detectors = DetectorSet::builtin();
        let dir = tempfile::tempdir().unwrap();
        let out = super::super::output::Output::open(&dir.path().join("f.jsonl")).unwrap();
        let mut writer = FindingsWriter::new(Some(out), false);
        let batch = [found("13812345678")];
        for reveal in [false, true] {
            let sink = JsonLines::new(&mut writer, reveal);
            let mut encoder = sink.encoder().expect("findings are wanted").fresh();
            let mut encoded = Vec::new();
            encoder.encode("a.txt", &detectors, &batch, &mut encoded);
            let mut formatted = Vec::new();
            FindingsFormatter::new(reveal).format("a.txt", &detectors, &batch, &mut formatted);
            assert_eq!(encoded, formatted);
            let line = String::from_utf8(encoded).unwrap();
            assert_eq!(line.contains("\"value\":\"13812345678\""), reveal, "{line}");
        }
    }

    /// A findings destination whose reader has gone away: a pipe with its read end closed,
    /// named as `/dev/fd/N` (written through the descriptor itself).
    #[cfg(unix)]
    fn closed_pipe() -> super::super::output::Output {
        let mut fds = [0; 2];
        // SAFETY: pipe fills two descriptors; the read end is closed at once, the write end
        // is duplicated by Output::open and then closed here too.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        unsafe { libc::close(fds[0]) };
        let out = super::super::output::Output::open(std::path::Path::new(&format!("/dev/fd/{}", fds[1])));
        unsafe { libc::close(fds[1]) };
        out.unwrap()
    }

    /// Without an inventory to write, a reader that went away ends the scan: the sink says
    /// so by the error's kind (the scan passes the error on, `ScanError::is_broken_pipe`).
    #[cfg(unix)]
    #[test]
    fn a_closed_pipe_is_a_broken_pipe_error_only_when_it_ends_the_scan() {
        let detectors = DetectorSet::builtin();
        for stop_when_reader_gone in [true, false] {
            let mut writer = FindingsWriter::new(Some(closed_pipe()), stop_when_reader_gone);
            let mut sink = JsonLines::new(&mut writer, false);
            let mut encoded = Vec::new();
            let mut encoder = sink.encoder().unwrap();
            // More than the writer buffers, so that it reaches the pipe.
            let batch = vec![found("13812345678"); 4096];
            encoder.encode("a.txt", &detectors, &batch, &mut encoded);
            let written = sink.write(&encoded).and_then(|()| sink.flush());
            match stop_when_reader_gone {
                true => assert_eq!(written.unwrap_err().kind(), io::ErrorKind::BrokenPipe),
                false => {
                    assert!(written.is_ok());
                    assert!(writer.reader_gone());
                }
            }
        }
    }
}
