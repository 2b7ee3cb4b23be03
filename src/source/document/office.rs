//! Word documents (.docx) and PowerPoint decks (.pptx): zip packages of XML. Each paragraph
//! (`w:p`, `a:p`) is a record, its runs' text (`w:t`, `a:t`) joined, tabs and breaks as
//! spaces. A Word document's paragraphs are numbered through `word/document.xml` in order,
//! table cells included, then those of each header, footer, the footnotes, endnotes and
//! comments, each numbered within its part (located with `part`); a deck's slides are
//! `ppt/slides/slideN.xml` by N, their paragraphs numbered per slide, each slide followed by
//! its speaker notes (`part` `notes`).
//!
//! Parts are streamed out of the zip and read event by event: what is held at once (the
//! XML reader's buffer, the paragraph) is reserved from the memory budget, and a part may
//! inflate to `MAX_PART` at most.

use super::{DocumentError, DocumentKind, MAX_PARAGRAPH};
use crate::budget::{MemoryBudget, Reservation};
use crate::source::{FileFacts, Origin, Record};
use quick_xml::events::Event;
use std::io::{BufReader, Read, Seek};
use std::time::Instant;

/// Bytes one XML part may inflate to (a 10,000-page document is about 50 MB of XML).
const MAX_PART: u64 = 1 << 30;

fn corrupt(what: &'static str, reason: impl std::fmt::Display) -> DocumentError {
    let reason = crate::source::redact(&reason.to_string());
    let end = crate::source::floor_char(&reason, 160);
    DocumentError::Corrupt {
        what,
        reason: reason[..end].replace(['\n', '\r'], " "),
    }
}

/// One XML part to read: of which slide (decks), under which name in locations (`None`:
/// the body or the slide itself), and its name in the package.
struct Part {
    slide: Option<u64>,
    label: Option<String>,
    name: String,
}

/// The number in a part's file name (`word/header12.xml` with `prefix` `word/header`).
fn numbered(name: &str, prefix: &str) -> Option<u64> {
    name.strip_prefix(prefix)?.strip_suffix(".xml")?.parse().ok()
}

/// A Word document's parts in reading order: the body, then headers and footers by number,
/// footnotes, endnotes and comments. What each holds is personal data as much as the body
/// is (a letterhead's phone, a reviewer's comment naming a customer).
fn docx_parts(names: &[&str]) -> Vec<Part> {
    let mut parts = vec![Part {
        slide: None,
        label: None,
        name: "word/document.xml".into(),
    }];
    for prefix in ["word/header", "word/footer"] {
        let mut found: Vec<(u64, &str)> = names
            .iter()
            .filter_map(|name| Some((numbered(name, prefix)?, *name)))
            .collect();
        found.sort();
        parts.extend(found.into_iter().map(|(_, name)| Part {
            slide: None,
            label: Some(name["word/".len()..name.len() - ".xml".len()].to_string()),
            name: name.to_string(),
        }));
    }
    for label in ["footnotes", "endnotes", "comments"] {
        let name = format!("word/{label}.xml");
        if names.contains(&name.as_str()) {
            parts.push(Part {
                slide: None,
                label: Some(label.into()),
                name,
            });
        }
    }
    parts
}

/// A deck's slides by number, each followed by its speaker notes (the slide's relationships
/// name its notes part; notes are not numbered as their slides are).
fn pptx_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, names: &[&str]) -> Vec<Part> {
    let mut slides: Vec<(u64, &str)> = names
        .iter()
        .filter_map(|name| Some((numbered(name, "ppt/slides/slide")?, *name)))
        .collect();
    slides.sort();
    let mut parts = Vec::new();
    for (number, name) in slides {
        parts.push(Part {
            slide: Some(number),
            label: None,
            name: name.to_string(),
        });
        if let Some(notes) = notes_of(zip, number) {
            parts.push(Part {
                slide: Some(number),
                label: Some("notes".into()),
                name: notes,
            });
        }
    }
    parts
}

/// The notes part of slide `number`, from `ppt/slides/_rels/slideN.xml.rels`. A missing or
/// unreadable relationships part means no notes (the slide itself is still read).
fn notes_of<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, number: u64) -> Option<String> {
    let rels = zip
        .by_name(&format!("ppt/slides/_rels/slide{number}.xml.rels"))
        .ok()?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(rels.take(MAX_RELS)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let attribute = |key: &str| {
                    e.try_get_attribute(key).ok().flatten().and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                };
                let is_notes = attribute("Type").is_some_and(|t| t.ends_with("/notesSlide"));
                if let (true, Some(target)) = (is_notes, attribute("Target")) {
                    let target = target.trim_start_matches('/');
                    let target = target.strip_prefix("../").map_or_else(
                        || {
                            if target.starts_with("ppt/") {
                                target.to_string()
                            } else {
                                format!("ppt/slides/{target}")
                            }
                        },
                        |rest| format!("ppt/{rest}"),
                    );
                    return Some(target);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Bytes a relationships part may inflate to (a slide's has a few lines).
const MAX_RELS: u64 = 1 << 20;

/// Reads a DOCX or PPTX package, giving up at `deadline` (the paragraphs read stand).
pub fn read<R: Read + Seek>(
    kind: DocumentKind,
    reader: R,
    memory: &MemoryBudget,
    deadline: Instant,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, DocumentError> {
    let what = match kind {
        DocumentKind::Docx => "Word document",
        DocumentKind::Pptx => "PowerPoint deck",
        DocumentKind::Pdf | DocumentKind::Rtf => return Err(corrupt("document", "not an office package")),
    };
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| corrupt(what, e))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|name| name.ok().map(|name| name.to_string()))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let parts = match kind {
        DocumentKind::Docx => docx_parts(&names),
        _ => pptx_parts(&mut zip, &names),
    };
    if parts.is_empty() || (kind == DocumentKind::Docx && zip.index_for_name(&parts[0].name).is_none()) {
        return Err(corrupt(what, "the package has no document part"));
    }
    let mut held = memory.start("a document part");
    for part in &parts {
        let file = match zip.by_name(&part.name) {
            Ok(file) => file,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(DocumentError::Encrypted("office document"))
            }
            // A notes part the relationships name but the package lacks: the slides stand.
            Err(zip::result::ZipError::FileNotFound) if part.label.is_some() => continue,
            Err(e) => return Err(corrupt(what, e)),
        };
        if file.encrypted() {
            return Err(DocumentError::Encrypted("office document"));
        }
        let at = Where {
            slide: part.slide,
            part: part.label.as_deref(),
        };
        paragraphs(file.take(MAX_PART), at, deadline, &mut held, emit).map_err(|e| match e {
            PartError::Xml(reason) => corrupt(what, reason),
            PartError::Memory(e) => DocumentError::Memory(e),
            PartError::Late => DocumentError::TimeLimit {
                what,
                read: format!("stopped in {}", at.describe()),
            },
        })?;
    }
    Ok(FileFacts::default())
}

/// Which part's paragraphs are being read.
#[derive(Clone, Copy)]
struct Where<'a> {
    slide: Option<u64>,
    part: Option<&'a str>,
}

impl Where<'_> {
    fn describe(&self) -> String {
        match (self.slide, self.part) {
            (Some(slide), Some(part)) => format!("slide {slide}'s {part}"),
            (Some(slide), None) => format!("slide {slide}"),
            (None, Some(part)) => format!("the {part} part"),
            (None, None) => "the body".into(),
        }
    }
}

enum PartError {
    Xml(String),
    Memory(crate::budget::OverBudget),
    /// The deadline passed.
    Late,
}

/// XML events between two looks at the clock (a few microseconds of work).
const EVENTS_PER_CLOCK: u32 = 4096;

/// Emits the paragraphs of one XML part.
fn paragraphs(
    part: impl Read,
    at: Where<'_>,
    deadline: Instant,
    held: &mut Reservation<'_>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), PartError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut number = 0u64;
    let mut in_text = false;
    let mut events = 0u32;
    let mut flush = |text: &mut String, number: u64| {
        if !text.trim().is_empty() {
            emit(Record {
                text,
                origin: Origin::Paragraph {
                    slide: at.slide,
                    part: at.part,
                    paragraph: number,
                },
            });
        }
        text.clear();
    };
    loop {
        events += 1;
        if events == EVENTS_PER_CLOCK {
            events = 0;
            if Instant::now() >= deadline {
                return Err(PartError::Late);
            }
        }
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
        Ok(read_parts(kind, bytes)?
            .into_iter()
            .filter(|(_, _, part, _)| part.is_none())
            .map(|(text, slide, _, paragraph)| (text, slide, paragraph))
            .collect())
    }

    type Read = (String, Option<u64>, Option<String>, u64);

    fn read_parts(kind: DocumentKind, bytes: Vec<u8>) -> Result<Vec<Read>, DocumentError> {
        let memory = MemoryBudget::new(64 << 20);
        let mut out = Vec::new();
        let deadline = Instant::now() + std::time::Duration::from_secs(600);
        read(kind, std::io::Cursor::new(bytes), &memory, deadline, &mut |r| {
            if let Origin::Paragraph {
                slide,
                part,
                paragraph,
            } = r.origin
            {
                out.push((r.text.to_owned(), slide, part.map(str::to_owned), paragraph));
            }
        })?;
        assert_eq!(memory.in_use(), 0);
        Ok(out)
    }

    fn para(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn docx_headers_footers_notes_and_comments_follow_the_body_each_numbered_within_its_part() {
        let doc = |body: &str| format!("<w:document><w:body>{body}</w:body></w:document>");
        let bytes = package(&[
            ("word/document.xml", &doc(&para("body"))),
            ("word/footer1.xml", &format!("<w:ftr>{}</w:ftr>", para("foot"))),
            ("word/header10.xml", &format!("<w:hdr>{}</w:hdr>", para("ten"))),
            (
                "word/header2.xml",
                &format!("<w:hdr>{}{}</w:hdr>", para("two-a"), para("two-b")),
            ),
            (
                "word/comments.xml",
                &format!("<w:comments>{}</w:comments>", para("said")),
            ),
            (
                "word/footnotes.xml",
                &format!("<w:footnotes>{}</w:footnotes>", para("note")),
            ),
            (
                "word/styles.xml",
                &format!("<w:styles>{}</w:styles>", para("not text")),
            ),
        ]);
        let got = read_parts(DocumentKind::Docx, bytes).unwrap();
        let shown: Vec<(String, Option<String>, u64)> =
            got.into_iter().map(|(t, _, part, n)| (t, part, n)).collect();
        let part = |s: &str| Some(s.to_string());
        assert_eq!(
            shown,
            vec![
                ("body".into(), None, 1),
                ("two-a".into(), part("header2"), 1),
                ("two-b".into(), part("header2"), 2),
                ("ten".into(), part("header10"), 1),
                ("foot".into(), part("footer1"), 1),
                ("note".into(), part("footnotes"), 1),
                ("said".into(), part("comments"), 1),
            ]
        );
    }

    #[test]
    fn a_slide_is_followed_by_the_notes_its_relationships_name() {
        let slide = |text: &str| format!("<p:sld><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:sld>");
        let rels = |target: &str| {
            format!(
                r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout" Target="../slideLayouts/slideLayout1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="{target}"/></Relationships>"#
            )
        };
        let bytes = package(&[
            ("ppt/slides/slide1.xml", &slide("one")),
            ("ppt/slides/slide2.xml", &slide("two")),
            (
                "ppt/slides/_rels/slide2.xml.rels",
                &rels("../notesSlides/notesSlide1.xml"),
            ),
            ("ppt/notesSlides/notesSlide1.xml", &slide("say this")),
            // Notes no slide names are not read as anyone's.
            ("ppt/notesSlides/notesSlide9.xml", &slide("orphan")),
            ("ppt/slides/slide3.xml", &slide("three")),
            (
                "ppt/slides/_rels/slide3.xml.rels",
                &rels("../notesSlides/notesSlide7.xml"),
            ),
        ]);
        let got = read_parts(DocumentKind::Pptx, bytes).unwrap();
        let notes = Some("notes".to_string());
        assert_eq!(
            got,
            vec![
                ("one".into(), Some(1), None, 1),
                ("two".into(), Some(2), None, 1),
                ("say this".into(), Some(2), notes, 1),
                ("three".into(), Some(3), None, 1),
            ]
        );
    }

    #[test]
    fn a_passed_deadline_stops_the_reading_with_a_time_limit_error() {
        let body: String = (0..5000).map(|i| para(&format!("p{i}"))).collect();
        let bytes = package(&[(
            "word/document.xml",
            &format!("<w:document><w:body>{body}</w:body></w:document>"),
        )]);
        let memory = MemoryBudget::new(64 << 20);
        let mut seen = 0;
        let result = read(
            DocumentKind::Docx,
            std::io::Cursor::new(bytes),
            &memory,
            Instant::now(),
            &mut |_| seen += 1,
        );
        assert!(
            matches!(result, Err(DocumentError::TimeLimit { .. })),
            "{result:?}"
        );
        assert!(seen < 5000, "{seen} paragraphs read past the deadline");
        assert_eq!(memory.in_use(), 0);
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
