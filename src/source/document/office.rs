//! Word documents (.docx) and PowerPoint decks (.pptx): zip packages of XML. Each paragraph
//! (`w:p`, `a:p`) is a record, its runs' text (`w:t`, `a:t`) joined, tabs and breaks as
//! spaces. A Word document's paragraphs are numbered through `word/document.xml` in order,
//! table cells included; a deck's slides are `ppt/slides/slideN.xml` by N, their paragraphs
//! numbered per slide. Headers, footers, comments and speaker notes are not read.
//!
//! Parts are streamed out of the zip and read event by event: what is held at once (the
//! XML reader's buffer, the paragraph) is reserved from the memory budget, and a part may
//! inflate to `MAX_PART` at most.

use super::{DocumentError, DocumentKind};
use crate::budget::{MemoryBudget, Reservation};
use crate::source::{FileFacts, Origin, Record};
use quick_xml::events::Event;
use std::io::{BufReader, Read, Seek};

/// Bytes one XML part may inflate to (a 10,000-page document is about 50 MB of XML).
const MAX_PART: u64 = 1 << 30;

/// A paragraph longer than this is passed on in pieces of about this size.
const MAX_PARAGRAPH: usize = 1 << 20;

fn corrupt(what: &'static str, reason: impl std::fmt::Display) -> DocumentError {
    let reason = crate::source::redact(&reason.to_string());
    let end = crate::source::floor_char(&reason, 160);
    DocumentError::Corrupt {
        what,
        reason: reason[..end].replace(['\n', '\r'], " "),
    }
}

/// Reads a DOCX or PPTX package.
pub fn read<R: Read + Seek>(
    kind: DocumentKind,
    reader: R,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, DocumentError> {
    let what = match kind {
        DocumentKind::Docx => "Word document",
        DocumentKind::Pptx => "PowerPoint deck",
        DocumentKind::Pdf => return Err(corrupt("document", "not an office package")),
    };
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| corrupt(what, e))?;
    let parts: Vec<(u64, String)> = match kind {
        DocumentKind::Docx => vec![(0, "word/document.xml".into())],
        _ => {
            let mut slides: Vec<(u64, String)> = zip
                .file_names()
                .filter_map(|name| {
                    let name = name.ok()?;
                    let n = name.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?;
                    Some((n.parse().ok()?, name.to_string()))
                })
                .collect();
            slides.sort();
            slides
        }
    };
    if parts.is_empty() || (kind == DocumentKind::Docx && zip.index_for_name(&parts[0].1).is_none()) {
        return Err(corrupt(what, "the package has no document part"));
    }
    let mut held = memory.start("a document part");
    for (slide, name) in &parts {
        let part = match zip.by_name(name) {
            Ok(part) => part,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(DocumentError::Encrypted("office document"))
            }
            Err(e) => return Err(corrupt(what, e)),
        };
        if part.encrypted() {
            return Err(DocumentError::Encrypted("office document"));
        }
        let slide = (kind == DocumentKind::Pptx).then_some(*slide);
        paragraphs(part.take(MAX_PART), slide, &mut held, emit).map_err(|e| match e {
            PartError::Xml(reason) => corrupt(what, reason),
            PartError::Memory(e) => DocumentError::Memory(e),
        })?;
    }
    Ok(FileFacts::default())
}

enum PartError {
    Xml(String),
    Memory(crate::budget::OverBudget),
}

/// Emits the paragraphs of one XML part (`slide` for a deck's).
fn paragraphs(
    part: impl Read,
    slide: Option<u64>,
    held: &mut Reservation<'_>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), PartError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut number = 0u64;
    let mut in_text = false;
    let mut flush = |text: &mut String, number: u64| {
        if !text.trim().is_empty() {
            emit(Record {
                text,
                origin: Origin::Paragraph {
                    slide,
                    paragraph: number,
                },
            });
        }
        text.clear();
    };
    loop {
        buf.clear();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| PartError::Xml(e.to_string()))?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => {
                    // A paragraph inside another (a text box): the outer one's text so far
                    // goes first.
                    flush(&mut text, number);
                    number += 1;
                }
                "t" => in_text = true,
                "tab" | "br" | "cr" => text.push(' '),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" | "br" | "cr" => text.push(' '),
                "p" => number += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "p" => flush(&mut text, number),
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => text.push_str(&t),
            Event::CData(t) if in_text => text.push_str(t.as_ref()),
            Event::GeneralRef(r) if in_text => {
                if let Some(s) = quick_xml::escape::resolve_xml_entity(&r) {
                    text.push_str(s);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        held.grow_to((buf.capacity() + text.capacity()) as u64)
            .map_err(PartError::Memory)?;
        if text.len() > MAX_PARAGRAPH {
            flush(&mut text, number);
        }
    }
    flush(&mut text, number);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn read_all(
        kind: DocumentKind,
        bytes: Vec<u8>,
    ) -> Result<Vec<(String, Option<u64>, u64)>, DocumentError> {
        let memory = MemoryBudget::new(64 << 20);
        let mut out = Vec::new();
        read(kind, std::io::Cursor::new(bytes), &memory, &mut |r| {
            if let Origin::Paragraph { slide, paragraph } = r.origin {
                out.push((r.text.to_owned(), slide, paragraph));
            }
        })?;
        assert_eq!(memory.in_use(), 0);
        Ok(out)
    }

    #[test]
    fn docx_paragraphs_join_their_runs_and_are_numbered_in_order() {
        let body = r#"<?xml version="1.0"?><w:document xmlns:w="w"><w:body>
            <w:p><w:r><w:t>手机 138</w:t></w:r><w:r><w:t xml:space="preserve"> 1234 </w:t></w:r><w:r><w:t>5678</w:t></w:r></w:p>
            <w:p/>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>a&amp;b</w:t><w:tab/><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        let got = read_all(DocumentKind::Docx, package(&[("word/document.xml", body)])).unwrap();
        assert_eq!(
            got,
            vec![
                ("手机 138 1234 5678".to_string(), None, 1),
                ("a&b x".to_string(), None, 3)
            ]
        );
    }

    #[test]
    fn pptx_slides_are_read_by_number_with_their_paragraphs() {
        let slide = |t: &str| {
            format!(
                r#"<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>title</a:t></a:r></a:p><a:p><a:r><a:t>{t}</a:t></a:r></a:p></p:sld>"#
            )
        };
        let bytes = package(&[
            ("ppt/slides/slide10.xml", &slide("ten")),
            ("ppt/slides/slide2.xml", &slide("two")),
            ("ppt/slides/_rels/slide2.xml.rels", "<x/>"),
        ]);
        let got = read_all(DocumentKind::Pptx, bytes).unwrap();
        let texts: Vec<_> = got
            .iter()
            .map(|(t, s, p)| format!("{t}@{}/{p}", s.unwrap()))
            .collect();
        assert_eq!(texts, ["title@2/1", "two@2/2", "title@10/1", "ten@10/2"]);
    }

    #[test]
    fn damaged_packages_are_corrupt() {
        use crate::error::{Classified, ErrorKind};
        let cut = package(&[("word/document.xml", "<w:p><w:t>x</w:t></w:p>")]);
        let e = read_all(DocumentKind::Docx, cut[..cut.len() / 2].to_vec()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
        let e = read_all(DocumentKind::Docx, package(&[("other.xml", "<x/>")])).unwrap_err();
        assert!(e.to_string().contains("no document part"), "{e}");
        let e = read_all(
            DocumentKind::Docx,
            package(&[("word/document.xml", "<w:p><w:t>x</w:p></w:t>")]),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
        assert!(!e.to_string().contains('\n'));
    }
}
