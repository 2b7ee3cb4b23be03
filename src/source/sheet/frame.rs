//! What the child process that reads a workbook tells its parent, on its standard output: a
//! header, then one frame per event and a final result. Integers are little-endian; strings
//! are a length and UTF-8 bytes.
//!
//! ```text
//! header     b"pimapSH1"
//! sheet      1  index:u32  name_len:u32 name
//! cell       2  sheet:u32  row:u32 col:u32  text_len:u64 text
//! sheet end  3  sheet:u32  0                                  (read)
//!            3  sheet:u32  1  kind:u8  reason_len:u32 reason  (failed)
//! result     4  0                                             (the workbook was read)
//!            4  1 | 3                                         (encrypted | the parser panicked)
//!            4  2 | 4  kind:u8  reason_len:u32 reason         (unreadable | another error)
//! ```
//!
//! The parent trusts none of it: a child parsing a hostile file may be cut off anywhere, and
//! a garbled stream is an error, never a panic or an allocation the frame asks for. A cell's
//! text is read only once the caller has room for it (`FrameReader::text`); names and reasons
//! are short (`MAX_LABEL`).

use super::book::MAX_SHEET_NAME;
use super::parse::Events;
use super::{truncated, Failure, SheetError};
use crate::error::{Classified, ErrorKind, Problem};
use std::io::{self, Read, Write};

const MAGIC: [u8; 8] = *b"pimapSH1";

const SHEET: u8 = 1;
const CELL: u8 = 2;
const SHEET_END: u8 = 3;
const RESULT: u8 = 4;

const READ: u8 = 0;
const FAILED: u8 = 1;

const OK: u8 = 0;
const ENCRYPTED: u8 = 1;
const UNREADABLE: u8 = 2;
const PANICKED: u8 = 3;
const OTHER: u8 = 4;

/// Longest name or reason in a frame. The child sends less (sheet names are cut to
/// `MAX_SHEET_NAME` bytes, reasons to 1 KiB); a longer one means the stream is garbled.
const MAX_LABEL: usize = 64 << 10;

/// Why the child's output cannot be read. The texts quote nothing of the stream.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("it ends inside a frame")]
    Truncated,
    #[error("it does not start like the spreadsheet reader's output")]
    Header,
    #[error("unknown frame type {0}")]
    Tag(u8),
    #[error("a name or reason of {0} bytes")]
    Oversized(u32),
    #[error("text that is not UTF-8")]
    NotUtf8,
    #[error("unknown error kind {0}")]
    Kind(u8),
    #[error("unknown result code {0}")]
    Code(u8),
    #[error("frames out of order")]
    Order,
    #[error("{0}")]
    Read(#[source] io::Error),
}

fn kind_code(kind: ErrorKind) -> u8 {
    ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .map_or(u8::MAX, |i| i as u8)
}

fn kind_of(code: u8) -> Result<ErrorKind, FrameError> {
    ErrorKind::ALL
        .get(usize::from(code))
        .copied()
        .ok_or(FrameError::Kind(code))
}

/// Writes a workbook's events as frames (the child's side).
pub(super) struct FrameWriter<W: Write> {
    out: W,
    sheets: u32,
    /// The first write that failed; later ones are not tried (the parent has gone).
    failed: Option<io::Error>,
}

impl<W: Write> FrameWriter<W> {
    pub(super) fn new(mut out: W) -> io::Result<Self> {
        out.write_all(&MAGIC)?;
        Ok(FrameWriter {
            out,
            sheets: 0,
            failed: None,
        })
    }

    fn put(&mut self, write: impl FnOnce(&mut W) -> io::Result<()>) {
        if self.failed.is_none() {
            if let Err(e) = write(&mut self.out) {
                self.failed = Some(e);
            }
        }
    }

    /// Writes the final result and flushes.
    pub(super) fn finish(&mut self, result: &Result<(), SheetError>) -> io::Result<()> {
        self.put(|out| {
            out.write_all(&[RESULT])?;
            match result {
                Ok(()) => out.write_all(&[OK]),
                Err(SheetError::Encrypted) => out.write_all(&[ENCRYPTED]),
                Err(SheetError::Panicked) => out.write_all(&[PANICKED]),
                Err(SheetError::Unreadable(f)) => {
                    out.write_all(&[UNREADABLE, kind_code(f.kind)])?;
                    put_label(out, &f.reason)
                }
                Err(e) => {
                    out.write_all(&[OTHER, kind_code(e.kind())])?;
                    put_label(out, &e.to_string())
                }
            }
        });
        self.flush()
    }

    /// Sends what is buffered; the kind of the first write that failed, if one did.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.put(|out| out.flush());
        match &self.failed {
            Some(e) => Err(io::Error::from(e.kind())),
            None => Ok(()),
        }
    }
}

fn put_label(out: &mut impl Write, text: &str) -> io::Result<()> {
    let text = truncated(text, MAX_LABEL);
    out.write_all(&(text.len() as u32).to_le_bytes())?;
    out.write_all(text.as_bytes())
}

impl<W: Write> Events for FrameWriter<W> {
    fn sheet(&mut self, name: &str) {
        let index = self.sheets;
        self.sheets = self.sheets.saturating_add(1);
        self.put(|out| {
            out.write_all(&[SHEET])?;
            out.write_all(&index.to_le_bytes())?;
            put_label(out, &truncated(name, MAX_SHEET_NAME))
        });
    }

    fn cell(&mut self, row: u32, col: u32, text: &str) {
        let sheet = self.sheets.saturating_sub(1);
        self.put(|out| {
            let mut head = [0u8; 21];
            head[0] = CELL;
            head[1..5].copy_from_slice(&sheet.to_le_bytes());
            head[5..9].copy_from_slice(&row.to_le_bytes());
            head[9..13].copy_from_slice(&col.to_le_bytes());
            head[13..21].copy_from_slice(&(text.len() as u64).to_le_bytes());
            out.write_all(&head)?;
            out.write_all(text.as_bytes())
        });
    }

    fn sheet_end(&mut self, outcome: Result<(), Failure>) {
        let sheet = self.sheets.saturating_sub(1);
        self.put(|out| {
            out.write_all(&[SHEET_END])?;
            out.write_all(&sheet.to_le_bytes())?;
            match &outcome {
                Ok(()) => out.write_all(&[READ]),
                Err(f) => {
                    out.write_all(&[FAILED, kind_code(f.kind)])?;
                    put_label(out, &f.reason)
                }
            }
        });
    }
}

/// One decoded frame.
#[derive(Debug)]
pub(super) enum Frame {
    Sheet {
        index: u32,
        name: String,
    },
    /// A cell whose `len` bytes of text follow: read them with `FrameReader::text`, or the
    /// next `FrameReader::next` passes over them.
    Cell {
        sheet: u32,
        row: u32,
        col: u32,
        len: u64,
    },
    SheetEnd {
        sheet: u32,
        outcome: Result<(), Failure>,
    },
    Result(Result<(), SheetError>),
}

/// Reads frames (the parent's side).
pub(super) struct FrameReader<R: Read> {
    input: R,
    started: bool,
    /// Bytes of a cell's text not read yet.
    pending: u64,
    text: Vec<u8>,
}

/// A text buffer above this size is freed after use, not kept for the next cell.
const KEEP_TEXT: usize = 1 << 20;

impl<R: Read> FrameReader<R> {
    pub(super) fn new(input: R) -> Self {
        FrameReader {
            input,
            started: false,
            pending: 0,
            text: Vec::new(),
        }
    }

    /// The next frame, or `None` where the stream ends between frames.
    pub(super) fn next(&mut self) -> Result<Option<Frame>, FrameError> {
        self.pass_over_text()?;
        if !self.started {
            let mut magic = [0u8; 8];
            if !self.fill_or_end(&mut magic)? {
                return Ok(None);
            }
            if magic != MAGIC {
                return Err(FrameError::Header);
            }
            self.started = true;
        }
        let mut tag = [0u8; 1];
        if !self.fill_or_end(&mut tag)? {
            return Ok(None);
        }
        let frame = match tag[0] {
            SHEET => Frame::Sheet {
                index: self.u32()?,
                name: self.label()?,
            },
            CELL => {
                let (sheet, row, col, len) = (self.u32()?, self.u32()?, self.u32()?, self.u64()?);
                self.pending = len;
                Frame::Cell { sheet, row, col, len }
            }
            SHEET_END => {
                let sheet = self.u32()?;
                let outcome = match self.u8()? {
                    READ => Ok(()),
                    FAILED => Err(self.failure()?),
                    code => return Err(FrameError::Code(code)),
                };
                Frame::SheetEnd { sheet, outcome }
            }
            RESULT => Frame::Result(match self.u8()? {
                OK => Ok(()),
                ENCRYPTED => Err(SheetError::Encrypted),
                PANICKED => Err(SheetError::Panicked),
                UNREADABLE => Err(SheetError::Unreadable(self.failure()?)),
                OTHER => {
                    let kind = kind_of(self.u8()?)?;
                    Err(SheetError::Relayed(Problem::new(kind, self.label()?)))
                }
                code => return Err(FrameError::Code(code)),
            }),
            tag => return Err(FrameError::Tag(tag)),
        };
        Ok(Some(frame))
    }

    /// The text of the cell `next` returned last; `None` when this process cannot allocate
    /// it (the next `next` passes over it).
    pub(super) fn text(&mut self) -> Result<Option<&str>, FrameError> {
        let Ok(len) = usize::try_from(self.pending) else {
            return Ok(None);
        };
        self.text.clear();
        if self.text.try_reserve_exact(len).is_err() {
            return Ok(None);
        }
        let got = (&mut self.input)
            .take(self.pending)
            .read_to_end(&mut self.text)
            .map_err(read_error)?;
        self.pending = 0;
        if got != len {
            return Err(FrameError::Truncated);
        }
        std::str::from_utf8(&self.text)
            .map(Some)
            .map_err(|_| FrameError::NotUtf8)
    }

    /// Frees the buffer of a large cell once it has been used.
    pub(super) fn release_text(&mut self) {
        if self.text.capacity() > KEEP_TEXT {
            self.text = Vec::new();
        }
    }

    fn pass_over_text(&mut self) -> Result<(), FrameError> {
        if self.pending > 0 {
            let want = std::mem::take(&mut self.pending);
            let got = io::copy(&mut (&mut self.input).take(want), &mut io::sink()).map_err(read_error)?;
            if got != want {
                return Err(FrameError::Truncated);
            }
        }
        Ok(())
    }

    /// Fills `buf`; `false` if the stream ended before its first byte.
    fn fill_or_end(&mut self, buf: &mut [u8]) -> Result<bool, FrameError> {
        let mut n = 0;
        while n < buf.len() {
            match self.input.read(&mut buf[n..]) {
                Ok(0) if n == 0 => return Ok(false),
                Ok(0) => return Err(FrameError::Truncated),
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(FrameError::Read(e)),
            }
        }
        Ok(true)
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<(), FrameError> {
        self.input.read_exact(buf).map_err(read_error)
    }

    fn u8(&mut self) -> Result<u8, FrameError> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    fn u32(&mut self) -> Result<u32, FrameError> {
        let mut b = [0u8; 4];
        self.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, FrameError> {
        let mut b = [0u8; 8];
        self.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn label(&mut self) -> Result<String, FrameError> {
        let len = self.u32()?;
        if len as usize > MAX_LABEL {
            return Err(FrameError::Oversized(len));
        }
        let mut bytes = vec![0u8; len as usize];
        self.fill(&mut bytes)?;
        String::from_utf8(bytes).map_err(|_| FrameError::NotUtf8)
    }

    fn failure(&mut self) -> Result<Failure, FrameError> {
        let kind = kind_of(self.u8()?)?;
        Ok(Failure {
            kind,
            reason: self.label()?,
        })
    }
}

fn read_error(e: io::Error) -> FrameError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => FrameError::Truncated,
        _ => FrameError::Read(e),
    }
}

/// Checks that frames come in the order the child writes them: sheets numbered from 0, each
/// one's cells and end after its start.
#[derive(Default)]
pub(super) struct Sequence {
    next_sheet: u32,
    open: Option<u32>,
}

impl Sequence {
    pub(super) fn check(&mut self, frame: &Frame) -> Result<(), FrameError> {
        match *frame {
            Frame::Sheet { index, .. } if self.open.is_none() && index == self.next_sheet => {
                self.open = Some(index);
                self.next_sheet = index.saturating_add(1);
            }
            Frame::Cell { sheet, .. } if self.open == Some(sheet) => {}
            Frame::SheetEnd { sheet, .. } if self.open == Some(sheet) => self.open = None,
            Frame::Result(_) => {}
            _ => return Err(FrameError::Order),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook's events as the child writes them.
    fn stream(result: &Result<(), SheetError>) -> Vec<u8> {
        let mut w = FrameWriter::new(Vec::new()).unwrap();
        w.sheet("客户");
        w.cell(0, 0, "手机号");
        w.cell(1, 0, "13812345678");
        w.cell(u32::MAX, u32::MAX, "");
        w.sheet_end(Ok(()));
        w.sheet("坏表");
        w.sheet_end(Err(Failure {
            kind: ErrorKind::Corrupt,
            reason: "Unknown cell 't' attribute: *".into(),
        }));
        finished(w, result)
    }

    fn finished(mut w: FrameWriter<Vec<u8>>, result: &Result<(), SheetError>) -> Vec<u8> {
        w.finish(result).unwrap();
        w.out
    }

    /// Every frame of a stream, as text, cells with their text.
    fn decode(bytes: &[u8]) -> Result<Vec<String>, FrameError> {
        let mut r = FrameReader::new(bytes);
        let mut order = Sequence::default();
        let mut out = Vec::new();
        while let Some(frame) = r.next()? {
            order.check(&frame)?;
            let line = match &frame {
                Frame::Cell { sheet, row, col, .. } => {
                    format!("cell {sheet} {row} {col} {:?}", r.text()?.unwrap_or("?"))
                }
                other => format!("{other:?}"),
            };
            out.push(line);
        }
        Ok(out)
    }

    #[test]
    fn frames_round_trip() {
        let got = decode(&stream(&Ok(()))).unwrap();
        assert_eq!(
            got,
            [
                r#"Sheet { index: 0, name: "客户" }"#,
                r#"cell 0 0 0 "手机号""#,
                r#"cell 0 1 0 "13812345678""#,
                r#"cell 0 4294967295 4294967295 """#,
                r#"SheetEnd { sheet: 0, outcome: Ok(()) }"#,
                r#"Sheet { index: 1, name: "坏表" }"#,
                r#"SheetEnd { sheet: 1, outcome: Err(Failure { kind: Corrupt, reason: "Unknown cell 't' attribute: *" }) }"#,
                r#"Result(Ok(()))"#,
            ]
        );
    }

    #[test]
    fn every_result_round_trips_with_its_kind_and_text() {
        let results = [
            SheetError::Encrypted,
            SheetError::Panicked,
            SheetError::Unreadable(Failure {
                kind: ErrorKind::Truncated,
                reason: "zip: unexpected end".into(),
            }),
            SheetError::Read(io::Error::from_raw_os_error(5)),
        ];
        for sent in results {
            let bytes = stream(&Err(sent));
            let mut r = FrameReader::new(&bytes[..]);
            let mut last = None;
            while let Some(frame) = r.next().unwrap() {
                last = Some(frame);
            }
            let Some(Frame::Result(Err(got))) = last else {
                panic!("no result: {last:?}");
            };
            // Re-encoding what arrived gives the same kind and text as what was sent.
            let sent_again = stream(&Err(got));
            assert_eq!(decode(&sent_again).unwrap(), decode(&bytes).unwrap());
        }
        let bytes = stream(&Err(SheetError::Read(io::Error::from_raw_os_error(5))));
        let text = decode(&bytes).unwrap().pop().unwrap();
        assert!(
            text.contains("kind: Io") && text.contains("read failed"),
            "{text}"
        );
    }

    #[test]
    fn a_stream_cut_anywhere_is_an_error_or_an_early_end_never_a_panic() {
        let full = stream(&Ok(()));
        let whole = decode(&full).unwrap();
        for cut in 0..full.len() {
            match decode(&full[..cut]) {
                // Cut between frames: fewer frames, and no result.
                Ok(frames) => {
                    assert!(frames.len() < whole.len(), "cut at {cut}");
                    assert!(!frames.iter().any(|f| f.starts_with("Result")), "cut at {cut}");
                }
                Err(FrameError::Truncated) => {}
                Err(e) => panic!("cut at {cut}: {e}"),
            }
        }
    }

    #[test]
    fn garbled_streams_are_errors() {
        let full = stream(&Ok(()));
        assert!(matches!(decode(b"not frames"), Err(FrameError::Header)));
        let mut bad = full.clone();
        bad[8] = 99;
        assert!(matches!(decode(&bad), Err(FrameError::Tag(99))));
        // A label claiming 4 GiB is refused before anything is allocated for it.
        let mut bad = full.clone();
        bad[13..17].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&bad), Err(FrameError::Oversized(u32::MAX))));
        // Cells of a sheet that was never started.
        let mut bad = full.clone();
        bad[9..13].copy_from_slice(&7u32.to_le_bytes());
        assert!(matches!(decode(&bad), Err(FrameError::Order)));
        // A cell claiming more text than any process could hold is passed over, not allocated.
        let mut w = FrameWriter::new(Vec::new()).unwrap();
        w.sheet("s");
        let mut bytes = finished(w, &Ok(()));
        bytes.pop();
        bytes.pop();
        bytes.push(CELL);
        bytes.extend_from_slice(&[0; 12]);
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        let mut r = FrameReader::new(&bytes[..]);
        assert!(matches!(r.next(), Ok(Some(Frame::Sheet { .. }))));
        assert!(matches!(r.next(), Ok(Some(Frame::Cell { len: u64::MAX, .. }))));
        assert!(matches!(r.text(), Ok(None)));
        assert!(matches!(r.next(), Err(FrameError::Truncated)));
        // Invalid UTF-8 in a cell.
        let mut w = FrameWriter::new(Vec::new()).unwrap();
        w.sheet("s");
        w.cell(0, 0, "ab");
        let mut bytes = finished(w, &Ok(()));
        let at = bytes.len() - 4;
        bytes[at] = 0xFF;
        assert!(matches!(decode(&bytes), Err(FrameError::NotUtf8)));
    }

    #[test]
    fn a_cell_not_read_is_passed_over() {
        let full = stream(&Ok(()));
        let mut r = FrameReader::new(&full[..]);
        let mut names = Vec::new();
        while let Some(frame) = r.next().unwrap() {
            if let Frame::Sheet { name, .. } = frame {
                names.push(name);
            }
        }
        assert_eq!(names, ["客户", "坏表"]);
    }
}
