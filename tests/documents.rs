//! Issue 14's documents through the CLI: PDF text layers (page/line/column, values drawn in
//! pieces on one line, Chinese through a Type0 font's ToUnicode map), Word documents
//! (paragraph) and PowerPoint decks (slide/paragraph), a Word document inside a zip, and the
//! bad ones: encrypted, image-only, corrupt. Every document is written here, by hand.

use crate::util::{scan_tree, with_id_check, Dir};
use std::io::Write;

/// A minimal PDF: `pages` are content streams; font `/F1` is Helvetica, `/F2` a Type0 font
/// whose two-byte codes 1, 2, … are the characters of `cjk` (its ToUnicode map says so).
/// `extra_trailer` goes into the trailer dictionary (an `/Encrypt`).
pub fn pdf(pages: &[String], cjk: &str, extra_trailer: &str) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    let n = pages.len();
    // 1 catalog, 2 pages, 3 F1, 4 F2, 5 descendant, 6 ToUnicode, then page/content pairs.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into());
    objects.push("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>".into());
    objects.push("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>".into());
    let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /Test def /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
    let chars: Vec<char> = cjk.chars().collect();
    for block in chars.chunks(100).enumerate() {
        let (at, block) = block;
        cmap.push_str(&format!("{} beginbfchar\n", block.len()));
        for (i, c) in block.iter().enumerate() {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            cmap.push_str(&format!("<{:04X}> <{hex}>\n", at * 100 + i + 1));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
    objects.push(format!("<< /Length {} >>\nstream\n{cmap}endstream", cmap.len()));
    for (i, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            8 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len() + 1
        ));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {extra_trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// `text` as a hex string of `/F2` codes (each character's place in `cjk`, from 1).
pub fn cjk_codes(cjk: &str, text: &str) -> String {
    let chars: Vec<char> = cjk.chars().collect();
    let codes: String = text
        .chars()
        .map(|c| format!("{:04X}", chars.iter().position(|&k| k == c).expect("in cjk") + 1))
        .collect();
    format!("<{codes}>")
}

/// A zip package holding `parts`.
pub fn package(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A Word document of these paragraphs, each a run per piece.
pub fn docx(paragraphs: &[&[&str]]) -> Vec<u8> {
    let mut body = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for runs in paragraphs {
        body.push_str("<w:p>");
        for run in *runs {
            body.push_str(&format!(r#"<w:r><w:t xml:space="preserve">{run}</w:t></w:r>"#));
        }
        body.push_str("</w:p>");
    }
    body.push_str("</w:body></w:document>");
    package(&[("[Content_Types].xml", "<Types/>"), ("word/document.xml", &body)])
}

/// A PowerPoint deck: slide N holds the paragraphs of `slides[N-1]`.
pub fn pptx(slides: &[&[&str]]) -> Vec<u8> {
    let bodies: Vec<(String, String)> = slides
        .iter()
        .enumerate()
        .map(|(i, paragraphs)| {
            let mut body = String::from(r#"<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody>"#);
            for p in *paragraphs {
                body.push_str(&format!("<a:p><a:r><a:t>{p}</a:t></a:r></a:p>"));
            }
            body.push_str("</p:txBody></p:sp></p:spTree></p:cSld></p:sld>");
            (format!("ppt/slides/slide{}.xml", i + 1), body)
        })
        .collect();
    let mut parts: Vec<(&str, &str)> = vec![("[Content_Types].xml", "<Types/>")];
    parts.extend(bodies.iter().map(|(n, b)| (n.as_str(), b.as_str())));
    package(&parts)
}

const CJK: &str = "姓名：李娜手机0123456789";

#[test]
fn pdf_values_are_found_by_page_line_and_column_in_reading_order() {
    let dir = Dir::new();
    let id = with_id_check("11010519491231002");
    // Page 1: a phone drawn in three pieces, right piece first; the ID and an e-mail on a
    // line above it. Page 2: a Chinese line through the Type0 font.
    let page1 = format!(
        "BT /F1 12 Tf 1 0 0 1 150 700 Tm (5678) Tj 1 0 0 1 72 700 Tm (Tel 138) Tj 1 0 0 1 120 700 Tm (1234) Tj ET\n\
         BT /F1 12 Tf 72 740 Td (ID {id}  mail li.na@example.com) Tj ET"
    );
    let page2 = format!(
        "BT /F2 12 Tf 72 700 Td {} Tj ET",
        cjk_codes(CJK, "姓名：李娜手机13912345678")
    );
    dir.write("contracts/合同.pdf", pdf(&[page1, page2], CJK, ""));
    let scan = scan_tree(&dir, "pdf", &[]);
    let found = scan.findings_for("contracts/合同.pdf");
    let file = scan.inventory.file("contracts/合同.pdf").expect("listed");
    assert_eq!(file.format, "pdf");
    let at = |masked: &str| {
        let f = found
            .iter()
            .find(|f| f.masked == masked)
            .unwrap_or_else(|| panic!("{masked} not found: {}", scan.describe()));
        (f.loc_u64("page"), f.loc_u64("line"), f.loc_u64("column"))
    };
    // The ID's line is higher on the page: line 1; the phone's pieces make line 2.
    assert_eq!(
        at("138****5678"),
        (Some(1), Some(2), Some(5)),
        "{}",
        scan.describe()
    );
    let id_finding = found.iter().find(|f| f.detector == "cn_resident_id").expect("ID");
    assert_eq!(id_finding.loc_u64("line"), Some(1));
    assert_eq!(id_finding.loc_u64("column"), Some(4));
    assert!(found
        .iter()
        .any(|f| f.category == "email" && f.loc_u64("page") == Some(1)));
    assert_eq!(
        at("139****5678"),
        (Some(2), Some(1), Some(8)),
        "{}",
        scan.describe()
    );
    assert!(
        found
            .iter()
            .any(|f| f.category == "name" && f.loc_u64("page") == Some(2)),
        "the name decoded through ToUnicode: {}",
        scan.describe()
    );
}

#[test]
fn docx_and_pptx_values_are_found_by_paragraph_and_slide() {
    let dir = Dir::new();
    let id = with_id_check("33010619850612301");
    dir.write(
        "hr/员工.docx",
        docx(&[&["员工资料"], &["手机 138", "1234", "5678"], &["身份证 ", &id]]),
    );
    dir.write(
        "sales/deck.pptx",
        pptx(&[
            &["客户名单"],
            &["联系人", "邮箱 li.na@example.com 电话 13912345678"],
        ]),
    );
    let scan = scan_tree(&dir, "office", &[]);
    let word = scan.findings_for("hr/员工.docx");
    assert_eq!(scan.inventory.file("hr/员工.docx").unwrap().format, "docx");
    let phone = word
        .iter()
        .find(|f| f.masked == "138****5678")
        .unwrap_or_else(|| panic!("{}", scan.describe()));
    assert_eq!(phone.loc_u64("paragraph"), Some(2));
    assert_eq!(phone.location.len(), 1, "{:?}", phone.location);
    let id_finding = word.iter().find(|f| f.detector == "cn_resident_id").expect("ID");
    assert_eq!(id_finding.loc_u64("paragraph"), Some(3));
    let deck = scan.findings_for("sales/deck.pptx");
    assert_eq!(scan.inventory.file("sales/deck.pptx").unwrap().format, "pptx");
    let phone = deck.iter().find(|f| f.masked == "139****5678").expect("phone");
    assert_eq!(
        (phone.loc_u64("slide"), phone.loc_u64("paragraph")),
        (Some(2), Some(2))
    );
    assert!(deck
        .iter()
        .any(|f| f.category == "email" && f.loc_u64("slide") == Some(2)));
}

#[test]
fn headers_footnotes_comments_speaker_notes_and_rtf_are_read_with_their_parts() {
    let dir = Dir::new();
    let para = |t: &str| format!(r#"<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>"#);
    let word = package(&[
        ("[Content_Types].xml", "<Types/>"),
        (
            "word/document.xml",
            &format!("<w:document><w:body>{}</w:body></w:document>", para("合同正文")),
        ),
        (
            "word/header1.xml",
            &format!(
                "<w:hdr>{}{}</w:hdr>",
                para("某某贸易有限公司"),
                para("联系电话 13812345678")
            ),
        ),
        (
            "word/footnotes.xml",
            &format!(
                "<w:footnotes>{}</w:footnotes>",
                para("经办人邮箱 wang.fang@example.com")
            ),
        ),
        (
            "word/comments.xml",
            &format!(
                "<w:comments>{}</w:comments>",
                para("客户身份证 11010519491231002X 已核对")
            ),
        ),
    ]);
    dir.write("contracts/合同.docx", word);
    let slide = |t: &str| format!("<p:sld><p:txBody><a:p><a:r><a:t>{t}</a:t></a:r></a:p></p:txBody></p:sld>");
    let deck = package(&[
        ("ppt/slides/slide1.xml", &slide("季度回顾")),
        (
            "ppt/slides/_rels/slide1.xml.rels",
            r#"<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide3.xml"/></Relationships>"#,
        ),
        (
            "ppt/notesSlides/notesSlide3.xml",
            &format!("{}{}", slide("讲稿"), slide("回访客户 13912345678")),
        ),
    ]);
    dir.write("sales/review.pptx", deck);
    // GBK bytes for 手机 (ca d6 bb fa) under a GB2312 font, as WordPad writes them.
    let rtf = br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset134 SimSun;}}
{\*\generator Msftedit;}\pard\f1 \'ca\'d6\'bb\'fa\f0  137 0000 1111\par
\u36523?\u20221?\u35777? 330106198506123013\par}";
    dir.write("old/客户.rtf", rtf.as_slice());
    dir.write("old/saved-as.doc", rtf.as_slice());
    let scan = scan_tree(&dir, "parts", &[]);
    let contract = scan.findings_for("contracts/合同.docx");
    let at = |masked: &str| {
        contract
            .iter()
            .find(|f| f.masked == masked)
            .map(|f| (f.loc_str("part").map(str::to_owned), f.loc_u64("paragraph")))
            .unwrap_or_else(|| panic!("{masked}: {}", scan.describe()))
    };
    assert_eq!(at("138****5678"), (Some("header1".into()), Some(2)));
    assert_eq!(at("w***@example.com"), (Some("footnotes".into()), Some(1)));
    assert_eq!(at("110105********002X"), (Some("comments".into()), Some(1)));
    let notes = scan.findings_for("sales/review.pptx");
    assert_eq!(notes.len(), 1, "{}", scan.describe());
    assert_eq!(
        (
            notes[0].loc_u64("slide"),
            notes[0].loc_str("part"),
            notes[0].loc_u64("paragraph")
        ),
        (Some(1), Some("notes"), Some(2))
    );
    for path in ["old/客户.rtf", "old/saved-as.doc"] {
        assert_eq!(
            scan.inventory.file(path).map(|f| f.format.as_str()),
            Some("rtf"),
            "{path}"
        );
        let found = scan.findings_for(path);
        let shown: Vec<(&str, Option<u64>)> = found
            .iter()
            .map(|f| (f.masked.as_str(), f.loc_u64("paragraph")))
            .collect();
        assert_eq!(
            shown,
            vec![("137****1111", Some(1)), ("330106********3013", Some(2))],
            "{path}: {}",
            scan.describe()
        );
        // The label was decoded: 手机 and 身份证 raise the confidence.
        assert!(found.iter().all(|f| f.confidence >= 0.9), "{:?}", found);
    }
}

#[test]
fn a_docx_inside_a_zip_is_read_as_a_member() {
    let dir = Dir::new();
    let inner = docx(&[&["报关单"], &["收货人手机 13812345678"]]);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("customs/报关.docx", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&inner).unwrap();
    dir.write("share.zip", zip.finish().unwrap().into_inner());
    let scan = scan_tree(&dir, "zip", &[]);
    let found = scan.findings_for("share.zip!customs/报关.docx");
    assert_eq!(found.len(), 1, "{}", scan.describe());
    assert_eq!(found[0].loc_u64("paragraph"), Some(2));
    assert_eq!(
        scan.inventory.file("share.zip!customs/报关.docx").unwrap().format,
        "docx"
    );
}

#[test]
fn encrypted_image_only_and_corrupt_documents_are_errors_or_skipped_and_the_scan_goes_on() {
    let dir = Dir::new();
    let zeros = "0".repeat(64);
    let encrypted = pdf(
        &["BT /F1 12 Tf 72 700 Td (13812345678) Tj ET".into()],
        "",
        &format!("/Encrypt << /Filter /Standard /V 1 /R 2 /O <{zeros}> /U <{zeros}> /P -4 >> /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]"),
    );
    dir.write("locked.pdf", encrypted);
    dir.write(
        "scanned.pdf",
        pdf(&["q 500 0 0 700 50 50 cm /Im1 Do Q".into()], "", ""),
    );
    dir.write("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage");
    let word = docx(&[&["手机 13812345678"]]);
    dir.write("cut.docx", &word[..word.len() / 2]);
    dir.write("not-a-zip.pptx", "plain text named like a deck");
    dir.write("ok.txt", "手机 13912345678\n");
    let scan = scan_tree(&dir, "bad", &[]);
    let error = |path: &str| {
        scan.inventory
            .errors
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("no error for {path}: {}", scan.describe()))
    };
    let locked = error("locked.pdf");
    assert_eq!(locked.kind.as_deref(), Some("encrypted"), "{}", locked.error);
    for path in ["broken.pdf", "cut.docx", "not-a-zip.pptx"] {
        let e = error(path);
        assert_eq!(e.kind.as_deref(), Some("corrupt"), "{path}: {}", e.error);
        assert!(!e.error.contains('\n') && e.error.len() < 300, "{}", e.error);
    }
    let skipped = scan
        .inventory
        .skipped
        .iter()
        .find(|s| s.path == "scanned.pdf")
        .unwrap_or_else(|| panic!("{}", scan.describe()));
    assert_eq!(skipped.reason, "no text layer");
    // Nothing from the bad ones; the good file beside them is still read.
    assert!(
        scan.findings.iter().all(|f| f.path == "ok.txt"),
        "{}",
        scan.describe()
    );
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}
