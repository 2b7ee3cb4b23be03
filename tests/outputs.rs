//! Issue 9: a scheduled run never loses, damages or leaks. Roots that are missing or empty,
//! refreshes that would shrink the inventory, outputs onto links, FIFOs, descriptors, hard
//! links and the scanned tree, names that hold values or drive the terminal.

#[cfg(unix)]
use crate::util::mode;
use crate::util::{parse_findings, parse_inventory, pimap, Dir};
use std::path::Path;

/// Fails with the whole stderr unless it contains `needle`.
#[track_caller]
fn said(out: &crate::util::Output, needle: &str) {
    assert!(out.stderr_str().contains(needle), "{}", out.stderr_str());
}

/// `pimap scan ROOT -o INVENTORY -q`, expected to exit 0.
#[track_caller]
fn scan_into(root: &Path, inventory: &Path) {
    pimap()
        .arg("scan")
        .arg(root)
        .arg("-o")
        .arg(inventory)
        .arg("-q")
        .run()
        .expect_code(0);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Files in `folder` (names), sorted: shows leftovers such as temporary files.
fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_missing_root_is_a_usage_error_and_nothing_is_written() {
    let dir = Dir::new();
    let inv = dir.out("w.json");
    std::fs::write(&inv, "earlier inventory").unwrap();
    let out = pimap()
        .arg("scan")
        .arg(dir.path("not-mounted"))
        .arg("-o")
        .arg(&inv)
        .arg("-q")
        .run();
    out.expect_code(2);
    let err = out.stderr_str();
    assert!(err.contains("no such file or folder"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(read(&inv), "earlier inventory");
    assert_eq!(listing(&dir.out("")), vec!["w.json"], "no temp file left");
}

#[cfg(unix)]
#[test]
fn a_root_that_is_a_fifo_is_a_usage_error() {
    let dir = Dir::new();
    let fifo = dir.path("pipe");
    make_fifo(&fifo);
    let out = pimap().arg("scan").arg(&fifo).arg("-q").run();
    out.expect_code(2);
    said(&out, "not a file or folder");
}

#[test]
fn an_empty_root_is_said_even_with_quiet() {
    let dir = Dir::new();
    let out = pimap().arg("scan").arg(dir.root()).arg("-q").run();
    out.expect_code(0);
    said(&out, "holds no files");
}

#[test]
fn the_same_root_twice_is_scanned_once() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let inv = dir.out("inv.json");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg(dir.root().join("."))
        .arg(dir.path("a.txt"))
        .arg("-o")
        .arg(&inv)
        .arg("-q")
        .run();
    out.expect_code(0);
    let inventory = parse_inventory(&read(&inv));
    assert_eq!(inventory.totals.files, 1, "{:?}", inventory.files);
    said(&out, "scanned once");
}

/// The scheduled refresh of an unmounted share (an empty mount point) must not replace the
/// inventory: more than half of the baseline's files gone is refused without --allow-shrink.
#[test]
fn a_refresh_that_loses_most_files_is_refused() {
    let dir = Dir::new();
    for i in 0..4 {
        dir.write(&format!("orders-{i}.csv"), format!("phone\n1381234567{i}\n"));
    }
    let inv = dir.out("w.json");
    let scan = |extra: &[&str]| {
        pimap()
            .arg("scan")
            .arg(dir.root())
            .arg("--baseline")
            .arg(&inv)
            .arg("-o")
            .arg(&inv)
            .arg("--findings")
            .arg(dir.out("f.jsonl"))
            .arg("-q")
            .args(extra)
            .run()
    };
    scan_into(&dir.root(), &inv);
    let before = read(&inv);
    for i in 0..3 {
        std::fs::remove_file(dir.path(&format!("orders-{i}.csv"))).unwrap();
    }
    let refused = scan(&[]);
    refused.expect_code(2);
    let err = refused.stderr_str();
    assert!(
        err.contains("--allow-shrink") && err.contains("3 of the baseline's 4 files"),
        "{err}"
    );
    assert_eq!(read(&inv), before, "the baseline is untouched");
    assert_eq!(
        listing(&dir.out("")),
        vec!["w.json"],
        "no findings file, no temp file"
    );
    scan(&["--allow-shrink"]).expect_code(0);
    assert_eq!(parse_inventory(&read(&inv)).totals.files, 1);
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// W1/W2: a FIFO given as output receives the data and stays a FIFO with its mode; one
/// nobody reads is an error after a short wait, not a hang.
#[cfg(unix)]
#[test]
fn a_fifo_output_is_written_in_place_and_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let fifo = dir.out("findings.fifo");
    make_fifo(&fifo);
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read_to_string(reader_path).unwrap());
    pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--findings")
        .arg(&fifo)
        .arg("-q")
        .run()
        .expect_code(0);
    let received = reader.join().unwrap();
    assert_eq!(parse_findings(&received).len(), 1, "{received}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(mode(&fifo), 0o644, "never chmod'ed");

    let started = std::time::Instant::now();
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&fifo)
        .arg("-q")
        .run();
    out.expect_code(2);
    said(&out, "no process is reading");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// W2/W3: links as outputs are refused; the link's target keeps its content and mode, and
/// a dangling link's target is not created.
#[cfg(unix)]
#[test]
fn outputs_onto_symlinks_are_refused_and_targets_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let victim = dir.out("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.out("link.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let dangling = dir.out("dangling.json");
    std::os::unix::fs::symlink(dir.out("created.txt"), &dangling).unwrap();
    let inv = dir.out("inv.json");
    scan_into(&dir.root(), &inv);
    let attempts: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["scan".into(), dir.root().into(), "-o".into(), link.clone().into()],
        vec![
            "scan".into(),
            dir.root().into(),
            "--findings".into(),
            link.clone().into(),
        ],
        vec![
            "scan".into(),
            dir.root().into(),
            "-o".into(),
            dangling.clone().into(),
        ],
        vec![
            "report".into(),
            inv.clone().into(),
            "-o".into(),
            link.clone().into(),
        ],
    ];
    for args in attempts {
        let out = pimap().args(&args).arg("-q").run();
        // report has no -q: a usage error either way.
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr_str());
        assert!(
            out.stderr_str().contains("symbolic link") || out.stderr_str().contains("unexpected argument"),
            "{args:?}: {}",
            out.stderr_str()
        );
    }
    let out = pimap().arg("report").arg(&inv).arg("-o").arg(&link).run();
    out.expect_code(2);
    said(&out, "symbolic link");
    assert_eq!(read(&victim), "precious");
    assert_eq!(mode(&victim), 0o644);
    assert!(!dir.out("created.txt").exists());
}

/// W5: a hard link of the inventory is the inventory.
#[cfg(unix)]
#[test]
fn a_report_onto_a_hard_link_of_its_inventory_is_refused() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let inv = dir.out("inv.json");
    scan_into(&dir.root(), &inv);
    let before = read(&inv);
    let hard = dir.out("hard.json");
    std::fs::hard_link(&inv, &hard).unwrap();
    let out = pimap()
        .arg("report")
        .arg(&inv)
        .args(["--format", "md", "-o"])
        .arg(&hard)
        .run();
    out.expect_code(2);
    said(&out, "inventory itself");
    assert_eq!(read(&inv), before);
}

#[test]
fn outputs_that_collide_with_each_other_or_an_input_are_refused() {
    let dir = Dir::new();
    let a = dir.write("a.csv", "phone\n13812345678\n");
    let inv = dir.out("inv.json");
    let collisions: Vec<Vec<std::ffi::OsString>> = vec![
        vec![
            "-o".into(),
            inv.clone().into(),
            "--findings".into(),
            inv.clone().into(),
        ],
        vec!["-o".into(), "-".into(), "--findings".into(), "-".into()],
        vec!["--findings".into(), a.clone().into()],
    ];
    for extra in collisions {
        let out = pimap().arg("scan").arg(dir.root()).args(&extra).arg("-q").run();
        assert_eq!(out.code, Some(2), "{extra:?}: {}", out.stderr_str());
    }
    // The file scanned as a root is not replaced by the inventory.
    let out = pimap().arg("scan").arg(&a).arg("-o").arg(&a).arg("-q").run();
    out.expect_code(2);
    assert_eq!(read(&a), "phone\n13812345678\n");
    // The baseline is an input of the findings, but the inventory may replace it.
    scan_into(&dir.root(), &inv);
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--baseline")
        .arg(&inv)
        .arg("--findings")
        .arg(&inv)
        .arg("-q")
        .run();
    out.expect_code(2);
    pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--baseline")
        .arg(&inv)
        .arg("-o")
        .arg(&inv)
        .arg("-q")
        .run()
        .expect_code(0);
}

#[test]
fn an_inventory_to_stdout_is_not_a_file_named_dash() {
    let dir = Dir::new();
    dir.write("a.csv", "phone\n13812345678\n");
    let out = pimap()
        .current_dir(dir.out(""))
        .arg("scan")
        .arg(dir.root())
        .args(["-o", "-", "-q"])
        .run();
    out.expect_code(0);
    let inventory = parse_inventory(&out.stdout_str());
    assert_eq!(inventory.totals.files, 1);
    assert!(!dir.out("-").exists());
}

/// E2/D3: outputs are excluded by identity: a name with glob characters is not a pattern,
/// an invalid glob is no error, and another root's file of the same name is scanned.
#[test]
fn outputs_are_excluded_by_identity_not_by_pattern() {
    let dir = Dir::new();
    dir.write("r1/a.csv", "phone\n13812345678\n");
    dir.write("r1/inv1.json.csv", "phone\n13912345679\n");
    dir.write("r2/report.json", "{\"phone\": \"13712345670\"}\n");
    let inv = dir.path("r1/inv[1].json");
    let fnd = dir.path("r1/f[1].jsonl");
    for _ in 0..2 {
        pimap()
            .arg("scan")
            .arg(dir.path("r1"))
            .arg("-o")
            .arg(&inv)
            .arg("--findings")
            .arg(&fnd)
            .args(["--reveal", "-q"])
            .run()
            .expect_code(0);
        let inventory = parse_inventory(&read(&inv));
        let paths: Vec<&str> = inventory.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["a.csv", "inv1.json.csv"]);
        assert_eq!(parse_findings(&read(&fnd)).len(), 2);
    }
    scan_into(&dir.path("r1"), &dir.path("r1/inv{.json"));
    let two = dir.path("r1/report.json");
    pimap()
        .arg("scan")
        .arg(dir.path("r1"))
        .arg(dir.path("r2"))
        .arg("-o")
        .arg(&two)
        .arg("-q")
        .run()
        .expect_code(0);
    let inventory = parse_inventory(&read(&two));
    assert!(
        inventory.files.iter().any(|f| f.path.ends_with("r2/report.json")),
        "{:?}",
        inventory.files
    );
}

/// `--exclude` applies inside archives too (it was ignored for members).
#[test]
fn exclude_applies_to_archive_members() {
    let dir = Dir::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("keep.csv", options).unwrap();
    std::io::Write::write_all(&mut zip, b"phone\n13812345678\n").unwrap();
    zip.start_file("old/x.bak", options).unwrap();
    std::io::Write::write_all(&mut zip, b"phone\n13912345679\n").unwrap();
    dir.write("a.zip", zip.finish().unwrap().into_inner());
    let inv = dir.out("inv.json");
    pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--exclude", "*.bak", "-o"])
        .arg(&inv)
        .arg("-q")
        .run()
        .expect_code(0);
    let inventory = parse_inventory(&read(&inv));
    let paths: Vec<&str> = inventory.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["a.zip", "a.zip!keep.csv"]);
}

/// L8: names that hold values are masked like values unless --reveal; two names masked
/// alike stay two entries.
#[test]
fn names_holding_values_are_masked_unless_revealed() {
    let dir = Dir::new();
    dir.write("李娜_13812345678_发票.txt", "nothing\n");
    dir.write("13899995678.txt", "手机 13700001111\n");
    dir.write("13812345678.txt", "nothing\n");
    let run = |extra: &[&str]| {
        let inv = dir.out("inv.json");
        let fnd = dir.out("f.jsonl");
        let out = pimap()
            .arg("scan")
            .arg(dir.root())
            .arg("-o")
            .arg(&inv)
            .arg("--findings")
            .arg(&fnd)
            .args(extra)
            .run();
        out.expect_code(0);
        (read(&inv), read(&fnd), out.stderr_str())
    };
    let (inv, fnd, err) = run(&[]);
    for text in [&inv, &fnd, &err] {
        assert!(
            !text.contains("13812345678") && !text.contains("13899995678"),
            "{text}"
        );
    }
    let inventory = parse_inventory(&inv);
    let paths: Vec<&str> = inventory.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "138****5678.txt",
            "138****5678.txt~2",
            "李娜_138****5678_发票.txt"
        ]
    );
    // The content's phone is the file's of the masked name that came second.
    let findings = parse_findings(&fnd);
    let content: Vec<&str> = findings
        .iter()
        .filter(|f| f.location.contains_key("line"))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(content, ["138****5678.txt~2"]);
    // The names' own phones are findings located at the names (issue 14), masked too.
    let mut in_names: Vec<&str> = findings
        .iter()
        .filter(|f| f.location.contains_key("path_component") && f.detector == "cn_mobile")
        .map(|f| f.path.as_str())
        .collect();
    in_names.sort();
    assert_eq!(
        in_names,
        [
            "138****5678.txt",
            "138****5678.txt~2",
            "李娜_138****5678_发票.txt"
        ]
    );
    let (inv, fnd, _) = run(&["--reveal"]);
    assert!(inv.contains("李娜_13812345678_发票.txt"));
    assert!(fnd.contains("\"path\":\"13899995678.txt\""), "{fnd}");
}

/// E4: names that are not UTF-8 stay distinct.
#[cfg(unix)]
#[test]
fn non_utf8_names_do_not_collide() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    for name in [&b"\xff.csv"[..], &b"\xfe.csv"[..]] {
        let path = dir.root().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, "phone\n13812345678\n").unwrap();
    }
    let inv = dir.out("inv.json");
    scan_into(&dir.root(), &inv);
    let inventory = parse_inventory(&read(&inv));
    let paths: Vec<&str> = inventory.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["\\xFE.csv", "\\xFF.csv"]);
}

/// E3: names with escape sequences and line breaks are escaped on the terminal.
#[cfg(unix)]
#[test]
fn the_summary_escapes_control_characters_in_names() {
    let dir = Dir::new();
    dir.write("evil\x1b]0;owned\x07\nline.json", "{\"a\": 1");
    let out = pimap().arg("scan").arg(dir.root()).run();
    out.expect_code(1);
    let err = out.stderr_str();
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(err.contains("evil\\u{1b}]0;owned\\u{7}\\nline.json"), "{err}");
}

/// Item 6: a reader that goes away ends a findings-only scan quietly; with an inventory to
/// write, the inventory is still complete.
#[test]
fn a_findings_reader_that_goes_away_is_not_a_failure() {
    use std::process::{Command, Stdio};
    let dir = Dir::new();
    let line = "手机 13812345678\n".repeat(20_000);
    for i in 0..20 {
        dir.write(&format!("f{i:02}.txt"), &line);
    }
    let inv = dir.out("inv.json");
    for with_inventory in [false, true] {
        let mut cmd = Command::new(crate::util::BIN);
        cmd.arg("scan").arg(dir.root()).args(["--findings", "-", "-q"]);
        if with_inventory {
            cmd.arg("-o").arg(&inv);
        }
        let mut child = cmd
            .env_remove("PIMAP_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(parse_inventory(&read(&inv)).totals.findings, 20 * 20_000);
}

#[test]
fn reveal_without_findings_says_what_it_does() {
    let dir = Dir::new();
    dir.write("a.txt", "x\n");
    let out = pimap().arg("scan").arg(dir.root()).arg("--reveal").run();
    out.expect_code(0);
    said(&out, "--reveal without --findings");
}

#[test]
fn the_summary_points_to_an_inventory_only_when_one_was_written() {
    let dir = Dir::new();
    dir.write("bad.json", "{\"a\": 1");
    let out = pimap().arg("scan").arg(dir.root()).run();
    out.expect_code(1);
    assert!(
        !out.stderr_str().contains("the inventory's"),
        "{}",
        out.stderr_str()
    );
    said(&out, "-o FILE");
    let inv = dir.out("inv.json");
    let out = pimap().arg("scan").arg(dir.root()).arg("-o").arg(&inv).run();
    out.expect_code(1);
    said(&out, "inv.json");
}

/// W1/W2: a device node given as an output (a private copy of /dev/null, made here; never
/// the real one) is written in place: still a device, its mode unchanged. Making a device
/// node needs root (CI runs as root); elsewhere the test says so and checks nothing.
#[cfg(unix)]
#[test]
fn a_device_output_is_never_replaced_or_chmoded() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::FileTypeExt;
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let null = dir.out("null");
    let c = std::ffi::CString::new(null.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; (1, 3) is the null device.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        eprintln!(
            "a_device_output_is_never_replaced_or_chmoded: cannot make a device node (not root); not checked"
        );
        return;
    }
    // SAFETY: as above; mknod's mode is filtered by the umask.
    unsafe { libc::chmod(c.as_ptr(), 0o666) };
    let inv = dir.out("inv.json");
    for extra in [vec!["-o"], vec!["--findings"]] {
        pimap()
            .arg("scan")
            .arg(dir.root())
            .args(&extra)
            .arg(&null)
            .arg("-q")
            .run()
            .expect_code(0);
    }
    scan_into(&dir.root(), &inv);
    pimap()
        .arg("report")
        .arg(&inv)
        .args(["--format", "md", "-o"])
        .arg(&null)
        .run()
        .expect_code(0);
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "replaced by {:?}",
        meta.file_type()
    );
    assert_eq!(mode(&null), 0o666);
}
