//! PDF text layers through lopdf: each page's text-showing operators are placed where the
//! page draws them, then read as lines, top to bottom and left to right. So text a layout
//! tool drew in pieces (a phone number as `138`, `1234`, `5678` at three places on one
//! baseline) reads as one line, as a person sees it. Glyph codes are decoded by the font's
//! encoding or `/ToUnicode` map (Type0 fonts with two-byte codes: Chinese text).
//!
//! Widths come from an estimate (half the font size for a narrow character, all of it for a
//! wide one), not the font's metrics: enough to tell a gap between words from glyphs that
//! touch. Text inside form XObjects, annotations and form fields is not read.

use super::{DocumentError, MAX_INFLATED, NO_TEXT_LAYER};
use crate::budget::Reservation;
use crate::source::{FileFacts, Origin, Record};
use lopdf::content::Content;
use lopdf::{Document, Encoding, Object};
use std::collections::BTreeMap;
use std::time::Instant;

/// Graphics states saved (`q`) at once; a deeper stack is flattened.
const MAX_SAVED: usize = 64;

/// Reserved per piece of text held while a page is laid out (position, size, the String).
const RUN_COST: u64 = 64;

/// An affine matrix `[a b c d e f]` as PDF writes them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f32; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` then `then`: the product self × then.
    fn then(self, then: Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = then.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn translate(x: f32, y: f32) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    fn of(operands: &[Object]) -> Option<Matrix> {
        let mut m = [0.0; 6];
        for (slot, o) in m.iter_mut().zip(operands) {
            *slot = o.as_float().ok()?;
        }
        (operands.len() >= 6).then_some(Matrix(m))
    }
}

/// A piece of text as the page draws it: where it starts and ends on the baseline, its
/// height (the font size on the page) and the text.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    x: f32,
    y: f32,
    end: f32,
    size: f32,
    text: String,
}

/// The text state of a content stream, as far as where glyphs land.
struct Painter<'a> {
    encodings: &'a BTreeMap<Vec<u8>, Encoding<'a>>,
    font: Option<&'a Encoding<'a>>,
    size: f32,
    leading: f32,
    ctm: Matrix,
    saved: Vec<Matrix>,
    line: Matrix,
    text: Matrix,
    runs: Vec<Run>,
}

impl<'a> Painter<'a> {
    fn new(encodings: &'a BTreeMap<Vec<u8>, Encoding<'a>>) -> Self {
        Painter {
            encodings,
            font: None,
            size: 1.0,
            leading: 0.0,
            ctm: Matrix::IDENTITY,
            saved: Vec::new(),
            line: Matrix::IDENTITY,
            text: Matrix::IDENTITY,
            runs: Vec::new(),
        }
    }

    fn next_line(&mut self, x: f32, y: f32) {
        self.line = Matrix::translate(x, y).then(self.line);
        self.text = self.line;
    }

    /// Applies one operator. Malformed operands are passed over, as viewers do.
    fn apply(&mut self, operator: &str, operands: &[Object]) {
        let number = |i: usize| operands.get(i).and_then(|o| o.as_float().ok());
        match operator {
            "q" if self.saved.len() < MAX_SAVED => self.saved.push(self.ctm),
            "Q" => self.ctm = self.saved.pop().unwrap_or(Matrix::IDENTITY),
            "cm" => {
                if let Some(m) = Matrix::of(operands) {
                    self.ctm = m.then(self.ctm);
                }
            }
            "BT" => {
                self.line = Matrix::IDENTITY;
                self.text = Matrix::IDENTITY;
            }
            "Tf" => {
                self.font = operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|name| self.encodings.get(name));
                self.size = number(1).unwrap_or(1.0);
            }
            "TL" => self.leading = number(0).unwrap_or(0.0),
            "Td" | "TD" => {
                let (x, y) = (number(0).unwrap_or(0.0), number(1).unwrap_or(0.0));
                if operator == "TD" {
                    self.leading = -y;
                }
                self.next_line(x, y);
            }
            "Tm" => {
                if let Some(m) = Matrix::of(operands) {
                    self.line = m;
                    self.text = m;
                }
            }
            "T*" => self.next_line(0.0, -self.leading),
            "Tj" => self.show(operands.first()),
            "'" => {
                self.next_line(0.0, -self.leading);
                self.show(operands.first());
            }
            "\"" => {
                self.next_line(0.0, -self.leading);
                self.show(operands.get(2));
            }
            "TJ" => {
                let Some(Ok(parts)) = operands.first().map(Object::as_array) else {
                    return;
                };
                for part in parts {
                    match part {
                        // Thousandths of the font size, leftwards.
                        Object::Integer(_) | Object::Real(_) => {
                            let shift = -part.as_float().unwrap_or(0.0) / 1000.0 * self.size;
                            self.text = Matrix::translate(shift, 0.0).then(self.text);
                        }
                        string => self.show(Some(string)),
                    }
                }
            }
            _ => {}
        }
    }

    /// Draws a string at the current point and moves past it.
    fn show(&mut self, string: Option<&Object>) {
        let Some(Ok(bytes)) = string.map(Object::as_str) else {
            return;
        };
        let text = match self.font {
            Some(encoding) => encoding.bytes_to_string(bytes).unwrap_or_default(),
            // No font set, or one the page does not define: read the codes as Latin-1,
            // which is what a simple font without an encoding mostly means.
            None => bytes.iter().map(|&b| char::from(b)).collect(),
        };
        let advance: f32 = text
            .chars()
            .map(|c| if is_wide(c) { 1.0 } else { 0.5 })
            .sum::<f32>()
            * self.size;
        let on_page = self.text.then(self.ctm);
        let after = Matrix::translate(advance, 0.0).then(self.text);
        let end = after.then(self.ctm);
        let scale = (on_page.0[2].powi(2) + on_page.0[3].powi(2)).sqrt();
        self.text = after;
        if text.is_empty() {
            return;
        }
        self.runs.push(Run {
            x: on_page.0[4],
            y: on_page.0[5],
            end: end.0[4],
            size: (self.size * scale).abs().max(0.1),
            text,
        });
    }
}

/// CJK and other characters drawn about a font size wide.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// The page's lines in reading order: runs on one baseline (within half a font size) left
/// to right, a space where a gap shows, lines top to bottom.
fn lines(mut runs: Vec<Run>) -> Vec<String> {
    runs.retain(|r| r.x.is_finite() && r.y.is_finite() && r.end.is_finite());
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut grouped: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match grouped.last_mut() {
            Some(line) if (line[0].y - run.y).abs() <= line[0].size.max(run.size) / 2.0 => line.push(run),
            _ => grouped.push(vec![run]),
        }
    }
    grouped
        .into_iter()
        .map(|mut line| {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut text = String::new();
            let mut end: Option<f32> = None;
            for run in line {
                if let Some(end) = end {
                    let gap = run.x - end;
                    if gap > run.size * 0.2 && !text.ends_with(' ') && !run.text.starts_with(' ') {
                        text.push(' ');
                    }
                }
                end = Some(end.map_or(run.end, |e: f32| e.max(run.end)));
                text.push_str(&run.text);
            }
            text
        })
        .collect()
}

/// Whether an error of lopdf's is a stream that inflates past the limit.
fn is_bomb(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })
    )
}

fn corrupt(e: &lopdf::Error) -> DocumentError {
    if is_bomb(e) {
        return DocumentError::Bomb("PDF");
    }
    let reason = crate::source::redact(&e.to_string());
    let end = crate::source::floor_char(&reason, 160);
    DocumentError::Corrupt {
        what: "PDF",
        reason: reason[..end].replace(['\n', '\r'], " "),
    }
}

/// Drawing operations between two looks at the clock.
const OPERATIONS_PER_CLOCK: u32 = 4096;

/// Reads the text layer of the PDF in `bytes`, page by page, giving up at `deadline` (the
/// pages read stand); `held` holds `bytes` and grows by what parsing and laying out a page
/// hold.
pub fn read(
    bytes: &[u8],
    held: &mut Reservation<'_>,
    deadline: Instant,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, DocumentError> {
    let base = held.bytes();
    if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
        return Err(DocumentError::Corrupt {
            what: "PDF",
            reason: "no %PDF- header".into(),
        });
    }
    // lopdf's objects take about as much again as the file, its strings and streams copied.
    held.grow_to(base.saturating_add(bytes.len() as u64 * 2))?;
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_INFLATED),
        ..Default::default()
    };
    let encrypted_trailer = || memchr::memmem::find(bytes, b"/Encrypt").is_some();
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)) => {
            return Err(DocumentError::Encrypted("PDF"))
        }
        Err(e) if encrypted_trailer() && !is_bomb(&e) => return Err(DocumentError::Encrypted("PDF")),
        Err(e) => return Err(corrupt(&e)),
    };
    // Opened only with a password (an owner password alone still lets it be read).
    if doc.trailer.has(b"Encrypt") && doc.encryption_state.is_none() {
        return Err(DocumentError::Encrypted("PDF"));
    }
    let mut facts = FileFacts::default();
    let mut any_text = false;
    let pages = doc.get_pages();
    let mut unreadable = 0usize;
    let late = |number: u32| DocumentError::TimeLimit {
        what: "PDF",
        read: format!("stopped at page {number} of {}", pages.len()),
    };
    for (&number, &page) in &pages {
        if Instant::now() >= deadline {
            return Err(late(number));
        }
        let page_base = held.bytes();
        let fonts = doc.get_page_fonts(page).unwrap_or_default();
        let mut encodings = BTreeMap::new();
        for (name, font) in fonts {
            match font.get_font_encoding_with_limit(&doc, MAX_INFLATED) {
                Ok(encoding) => {
                    encodings.insert(name, encoding);
                }
                Err(e) if is_bomb(&e) => return Err(DocumentError::Bomb("PDF")),
                Err(_) => {}
            }
        }
        let content = match doc.get_page_content_with_limit(page, MAX_INFLATED) {
            Ok(content) => content,
            Err(e) if is_bomb(&e) => return Err(DocumentError::Bomb("PDF")),
            Err(_) => {
                unreadable += 1;
                continue;
            }
        };
        held.grow_to(page_base.saturating_add(content.len() as u64))?;
        let mut painter = Painter::new(&encodings);
        let mut broken = false;
        let mut operations = 0u32;
        for operation in Content::decode_iter(&content) {
            operations += 1;
            if operations == OPERATIONS_PER_CLOCK {
                operations = 0;
                if Instant::now() >= deadline {
                    return Err(late(number));
                }
            }
            let Ok(operation) = operation else {
                // What was drawn before the damage stands.
                broken = true;
                break;
            };
            let before = painter.runs.len();
            painter.apply(&operation.operator, &operation.operands);
            if painter.runs.len() > before {
                let text = painter.runs.last().map_or(0, |r| r.text.len()) as u64;
                held.grow(RUN_COST + text)?;
            }
        }
        if broken {
            facts.warnings.push(crate::error::Problem::new(
                crate::error::ErrorKind::Corrupt,
                format!("page {number}: its content is damaged; the text before the damage was read"),
            ));
        }
        drop(content);
        for (at, line) in lines(std::mem::take(&mut painter.runs)).iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            any_text = true;
            emit(Record {
                text: line,
                origin: Origin::Page {
                    page: u64::from(number),
                    line: at as u64 + 1,
                    column: 1,
                },
            });
        }
        held.shrink_to(page_base);
    }
    if !pages.is_empty() && unreadable == pages.len() {
        return Err(DocumentError::Corrupt {
            what: "PDF",
            reason: "no page's content can be read".into(),
        });
    }
    if unreadable > 0 {
        facts.warnings.push(crate::error::Problem::new(
            crate::error::ErrorKind::Corrupt,
            format!(
                "{unreadable} of {} pages have content that cannot be read",
                pages.len()
            ),
        ));
    }
    if !any_text {
        facts.skipped = Some(NO_TEXT_LAYER);
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of `pages` pages, each drawing `text` in Helvetica.
    fn pdf(pages: usize, text: &str) -> Vec<u8> {
        use lopdf::{dictionary, Stream};
        let mut doc = Document::with_version("1.4");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let kids: Vec<Object> = (0..pages)
            .map(|_| {
                let content = format!("BT /F1 12 Tf 72 700 Td ({text}) Tj ET");
                let content = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
                doc.add_object(dictionary! {
                    "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                    "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
                    "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                })
                .into()
            })
            .collect();
        doc.objects.insert(
            pages_id,
            dictionary! { "Type" => "Pages", "Count" => pages as i64, "Kids" => kids }.into(),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn read_until(bytes: &[u8], deadline: Instant) -> (Result<FileFacts, DocumentError>, Vec<String>) {
        let memory = crate::budget::MemoryBudget::new(64 << 20);
        let mut held = memory.start("test");
        let mut lines = Vec::new();
        let result = read(bytes, &mut held, deadline, &mut |r| lines.push(r.text.to_owned()));
        (result, lines)
    }

    #[test]
    fn pages_are_read_before_the_deadline_and_none_after_it() {
        let bytes = pdf(3, "tel 13812345678");
        let later = Instant::now() + std::time::Duration::from_secs(600);
        let (result, lines) = read_until(&bytes, later);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(lines.len(), 3);
        let (result, lines) = read_until(&bytes, Instant::now());
        match result {
            Err(e @ DocumentError::TimeLimit { .. }) => {
                assert!(e.to_string().contains("stopped at page 1 of 3"), "{e}");
                assert_eq!(
                    crate::error::Classified::kind(&e),
                    crate::error::ErrorKind::TooLarge
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(lines.is_empty());
    }

    fn run(x: f32, y: f32, text: &str) -> Run {
        Run {
            x,
            y,
            end: x + text.chars().count() as f32 * 5.0,
            size: 10.0,
            text: text.into(),
        }
    }

    #[test]
    fn runs_on_one_baseline_read_left_to_right_and_lines_top_to_bottom() {
        // Drawn out of order: the second line first, and the phone's parts right to left.
        let runs = vec![
            run(72.0, 680.0, "second line"),
            run(150.0, 700.2, "5678"),
            run(110.0, 699.8, "1234"),
            run(72.0, 700.0, "138"),
        ];
        assert_eq!(lines(runs), vec!["138 1234 5678", "second line"]);
        // Glyphs that touch are joined without a space.
        let touching = vec![run(72.0, 700.0, "138"), run(87.0, 700.0, "12345678")];
        assert_eq!(lines(touching), vec!["13812345678"]);
    }

    #[test]
    fn text_operators_place_and_decode_strings() {
        let encodings = BTreeMap::new();
        let mut painter = Painter::new(&encodings);
        let content =
            b"BT /F1 10 Tf 72 700 Td (Tel:) Tj 40 0 Td [(138) -300 (1234)] TJ 0 -20 Td (next) Tj ET";
        for op in Content::decode_iter(content) {
            let op = op.unwrap();
            painter.apply(&op.operator, &op.operands);
        }
        assert_eq!(lines(painter.runs), vec!["Tel: 138 1234", "next"]);
    }

    #[test]
    fn a_matrix_product_applies_the_first_then_the_second() {
        let scaled = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let moved = Matrix::translate(10.0, 5.0).then(scaled);
        assert_eq!(moved.0[4..], [20.0, 10.0]);
        assert!(is_wide('李') && !is_wide('1'));
    }
}
