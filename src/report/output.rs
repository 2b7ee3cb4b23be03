//! Output files that never damage what is there.
//!
//! pimap runs unattended, often as root, with output paths that a scheduler or another user
//! chose. So an output is written to a fresh private temporary file beside its target
//! (created exclusively, never through a link) and renamed over the target only when
//! complete and only if the target is a regular file: a failed or refused run leaves the
//! earlier inventory as it was. Devices, FIFOs, terminals and standard output are written
//! in place: never replaced, truncated through a link or chmod'ed. A symbolic link as an
//! output is refused (it may have been planted in a shared folder to redirect the write).

use crate::walk::{display_name, FileId};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How long opening a FIFO waits for a process to read from it.
const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Why an output cannot be written. Each message names the path as given.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0}: is a symbolic link; pimap does not write through links (give the real path)")]
    Symlink(String),
    #[error("{0}: is a disk (block device); pimap never writes to one")]
    BlockDevice(String),
    #[error("{0}: is a folder")]
    Directory(String),
    #[error("{0}: the folder it would go in does not exist")]
    NoFolder(String),
    #[error("{0}: no process is reading from this FIFO (waited {secs} s)", secs = FIFO_WAIT.as_secs())]
    FifoWithoutReader(String),
    #[error("{path}: is the same file as {other}")]
    SameFile { path: String, other: String },
    #[error(
        "{path}: changed into a link or special file during the scan; not replaced (the output is in {temp})"
    )]
    TargetChanged { path: String, temp: String },
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
}

impl OutputError {
    /// The I/O error behind this one, if any (a reader that went away is not a failure).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            OutputError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

/// An output being written.
pub struct Output {
    shown: String,
    sink: Sink,
    /// Set once the output is complete (or given up); Drop removes an uncommitted temp file.
    done: bool,
}

enum Sink {
    Stdout(io::Stdout),
    /// An open descriptor named by `/dev/fd/N` (process substitution, `/dev/stderr`):
    /// written through a duplicate, so that appending and offsets stay the shell's.
    Descriptor(File),
    /// A device, FIFO, socket or terminal, written where it is.
    InPlace(File),
    /// A regular file (or a new one): `temp` is renamed over `target` on commit.
    Replace {
        temp: File,
        temp_path: PathBuf,
        target: PathBuf,
    },
}

/// Whether `path` means standard output: `-`, `/dev/stdout` or fd 1's other names.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-" || descriptor(path) == Some(1)
}

/// The open descriptor a path names: `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
/// `/proc/self/fd/N`. Writing to its duplicate keeps the shell's redirection as it is
/// (`--findings /dev/stdout >> app.log` appends; opening the name anew would overwrite
/// the log from its start).
fn descriptor(path: &Path) -> Option<i32> {
    let name = path.to_str()?;
    match name {
        "/dev/stdout" => Some(1),
        "/dev/stderr" => Some(2),
        _ => {
            let n = name
                .strip_prefix("/dev/fd/")
                .or_else(|| name.strip_prefix("/proc/self/fd/"))?;
            n.parse().ok().filter(|&n: &i32| n >= 0)
        }
    }
}

impl Output {
    /// Opens `path` for writing (see the module comment). A regular target is untouched
    /// until `commit`.
    pub fn open(path: &Path) -> Result<Output, OutputError> {
        let shown = display_name(path);
        let io_error = |source: io::Error| OutputError::Io {
            path: shown.clone(),
            source,
        };
        if path.as_os_str() == "-" {
            return Ok(Output {
                shown: "standard output".into(),
                sink: Sink::Stdout(io::stdout()),
                done: false,
            });
        }
        if let Some(fd) = descriptor(path) {
            return Ok(Output {
                sink: Sink::Descriptor(duplicate(fd).map_err(io_error)?),
                shown,
                done: false,
            });
        }
        let sink = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(OutputError::Symlink(shown)),
            Ok(meta) if meta.is_dir() => return Err(OutputError::Directory(shown)),
            Ok(meta) if is_block_device(&meta) => return Err(OutputError::BlockDevice(shown)),
            Ok(meta) if !meta.is_file() => Sink::InPlace(open_in_place(path).map_err(|e| match e {
                InPlaceError::NoReader => OutputError::FifoWithoutReader(shown.clone()),
                InPlaceError::Io(e) => io_error(e),
            })?),
            Ok(_) => Self::temp_beside(path, &shown)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::temp_beside(path, &shown)?,
            Err(e) => return Err(io_error(e)),
        };
        Ok(Output {
            shown,
            sink,
            done: false,
        })
    }

    fn temp_beside(path: &Path, shown: &str) -> Result<Sink, OutputError> {
        let Some(name) = path.file_name() else {
            return Err(OutputError::Directory(shown.to_string()));
        };
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match std::fs::metadata(&folder) {
            Ok(m) if m.is_dir() => {}
            _ => return Err(OutputError::NoFolder(shown.to_string())),
        }
        // A name nobody can guess, created exclusively: a link planted under it cannot
        // redirect the write (O_EXCL fails on an existing name, links included).
        let (temp, temp_path) = loop {
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).map_err(|e| OutputError::Io {
                path: shown.to_string(),
                source: io::Error::other(e.to_string()),
            })?;
            let tag: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".pimap-{tag}.tmp"));
            let temp_path = folder.join(temp_name);
            match create_exclusive(&temp_path) {
                Ok(f) => break (f, temp_path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(OutputError::Io {
                        path: shown.to_string(),
                        source,
                    })
                }
            }
        };
        Ok(Sink::Replace {
            temp,
            temp_path,
            target: path.to_path_buf(),
        })
    }

    /// The path as the user gave it, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether this output is a file that appears only on commit (not stdout, a device or
    /// a FIFO, which receive the data as it is written).
    pub fn is_replaced(&self) -> bool {
        matches!(self.sink, Sink::Replace { .. })
    }

    /// The identities of the files this output writes or will replace: the scan must not
    /// read them as inputs.
    pub fn identities(&self) -> Vec<FileId> {
        match &self.sink {
            Sink::Stdout(_) => Vec::new(),
            Sink::InPlace(f) | Sink::Descriptor(f) => file_id(f).into_iter().collect(),
            Sink::Replace {
                temp,
                temp_path,
                target,
            } => file_id(temp)
                .or_else(|| FileId::of_path(temp_path))
                .into_iter()
                .chain(FileId::of_path(target))
                .collect(),
        }
    }

    /// Refuses an output that is the same file as `other` (an input being read, another
    /// output), by identity, not by name.
    pub fn must_differ(&self, other: &Path) -> Result<(), OutputError> {
        let target = match &self.sink {
            Sink::Replace { target, .. } => target.as_path(),
            _ => return Ok(()),
        };
        let same = match (FileId::of_path(target), FileId::of_path(other)) {
            (Some(a), Some(b)) => a == b,
            // The target does not exist yet: the same name in the same folder.
            _ => same_new_name(target, other),
        };
        if same {
            return Err(OutputError::SameFile {
                path: self.shown.clone(),
                other: display_name(other),
            });
        }
        Ok(())
    }

    /// Makes the output final: flushed and synced, then (a regular file) renamed over the
    /// target if that is still a regular file or absent.
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.done = true;
        let shown = self.shown.clone();
        let io_error = |source: io::Error| OutputError::Io {
            path: shown.clone(),
            source,
        };
        match &mut self.sink {
            Sink::Stdout(out) => out.flush().map_err(io_error),
            Sink::InPlace(file) | Sink::Descriptor(file) => file.flush().map_err(io_error),
            Sink::Replace {
                temp,
                temp_path,
                target,
            } => {
                let written = temp.flush().and_then(|()| temp.sync_all());
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&*temp_path);
                    return Err(io_error(e));
                }
                match std::fs::symlink_metadata(&*target) {
                    Ok(meta) if !meta.is_file() => {
                        return Err(OutputError::TargetChanged {
                            path: shown.clone(),
                            temp: display_name(temp_path),
                        })
                    }
                    _ => {}
                }
                std::fs::rename(&*temp_path, &*target).map_err(|e| {
                    let _ = std::fs::remove_file(&*temp_path);
                    io_error(e)
                })
            }
        }
    }

    /// Gives the output up: a temporary file is removed, the target stays as it was.
    pub fn discard(mut self) {
        self.done = true;
        if let Sink::Replace { temp_path, .. } = &self.sink {
            let _ = std::fs::remove_file(temp_path);
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write(buf),
            Sink::InPlace(file) | Sink::Descriptor(file) => file.write(buf),
            Sink::Replace { temp, .. } => temp.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write_all(buf),
            Sink::InPlace(file) | Sink::Descriptor(file) => file.write_all(buf),
            Sink::Replace { temp, .. } => temp.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::InPlace(file) | Sink::Descriptor(file) => file.flush(),
            Sink::Replace { temp, .. } => temp.flush(),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if !self.done {
            if let Sink::Replace { temp_path, .. } = &self.sink {
                let _ = std::fs::remove_file(temp_path);
            }
        }
    }
}

fn file_id(file: &File) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata().ok()?;
        Some(FileId::Inode {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// Whether two paths, at least one of them not existing yet, name the same entry.
fn same_new_name(a: &Path, b: &Path) -> bool {
    let folder = |p: &Path| {
        let parent = p
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent).ok()
    };
    a.file_name() == b.file_name() && folder(a).is_some() && folder(a) == folder(b)
}

/// A new private file (0600 on Unix) that did not exist before and is not reached through
/// a link.
fn create_exclusive(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options.open(path)
}

#[cfg(unix)]
fn is_block_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_block_device(_meta: &std::fs::Metadata) -> bool {
    false
}

/// A descriptor of this process, duplicated into a `File` of its own.
#[cfg(unix)]
fn duplicate(fd: i32) -> io::Result<File> {
    use std::os::unix::io::FromRawFd;
    // SAFETY: dup/fcntl(F_DUPFD_CLOEXEC) returns a new descriptor (or -1), which the File
    // then owns alone.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { File::from_raw_fd(new) })
}

#[cfg(not(unix))]
fn duplicate(_fd: i32) -> io::Result<File> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "descriptor names exist on Unix only",
    ))
}

enum InPlaceError {
    NoReader,
    Io(io::Error),
}

/// Opens a device, FIFO or socket for writing without creating, truncating or chmod'ing
/// it. A FIFO nobody reads would block forever: it is opened without blocking, waiting a
/// little for a reader to come.
#[cfg(unix)]
fn open_in_place(path: &Path) -> Result<File, InPlaceError> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    use std::os::unix::io::AsRawFd;
    let started = std::time::Instant::now();
    let file = loop {
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path);
        match opened {
            Ok(f) => break f,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if started.elapsed() >= FIFO_WAIT {
                    return Err(InPlaceError::NoReader);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(InPlaceError::Io(e)),
        }
    };
    // What was opened is what counts (the path may have been swapped since it was looked at).
    let meta = file.metadata().map_err(InPlaceError::Io)?;
    let kind = meta.file_type();
    if meta.is_file() || meta.is_dir() {
        return Err(InPlaceError::Io(io::Error::other(
            "changed into a regular file while being opened",
        )));
    }
    if kind.is_fifo() || kind.is_socket() || kind.is_char_device() || kind.is_block_device() {
        // Writes block again from here on, as for any output.
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns, with flags read from it.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_in_place(path: &Path) -> Result<File, InPlaceError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(InPlaceError::Io)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn replaces_a_regular_file_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("inv.json");
        std::fs::write(&target, "old").unwrap();
        let mut out = Output::open(&target).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(read(&target), "old", "the target is untouched until commit");
        out.commit().unwrap();
        assert_eq!(read(&target), "new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_dropped_or_discarded_output_leaves_the_target_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("inv.json");
        std::fs::write(&target, "old").unwrap();
        let mut out = Output::open(&target).unwrap();
        out.write_all(b"half").unwrap();
        drop(out);
        let out = Output::open(&target).unwrap();
        out.discard();
        assert_eq!(read(&target), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A new target that was never committed does not appear at all (no 0-byte file).
        let fresh = dir.path().join("fresh.json");
        drop(Output::open(&fresh).unwrap());
        assert!(!fresh.exists());
    }

    #[test]
    fn refuses_symlinks_folders_and_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(matches!(Output::open(&link), Err(OutputError::Symlink(_))));
        assert!(matches!(Output::open(&dangling), Err(OutputError::Symlink(_))));
        assert!(!dir.path().join("nowhere").exists());
        assert!(matches!(Output::open(dir.path()), Err(OutputError::Directory(_))));
        assert!(matches!(
            Output::open(&dir.path().join("no/such/inv.json")),
            Err(OutputError::NoFolder(_))
        ));
        assert_eq!(read(&victim), "precious");
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "the link's target keeps its mode");
    }

    #[test]
    fn a_planted_link_under_a_temp_name_cannot_redirect_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.conf");
        std::fs::write(&victim, "victim").unwrap();
        // Whatever names an attacker plants, the temp file is created exclusively.
        let target = dir.path().join("inv.json");
        for i in 0..50 {
            let _ = std::os::unix::fs::symlink(&victim, dir.path().join(format!(".inv.json.pimap-{i}.tmp")));
        }
        let mut out = Output::open(&target).unwrap();
        out.write_all(b"inventory").unwrap();
        out.commit().unwrap();
        assert_eq!(read(&victim), "victim");
        assert_eq!(read(&target), "inventory");
    }

    #[test]
    fn a_fifo_is_written_in_place_and_one_without_reader_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || std::fs::read_to_string(reader_path).unwrap());
        let mut out = Output::open(&fifo).unwrap();
        assert!(!out.is_replaced());
        out.write_all(b"through the fifo").unwrap();
        out.commit().unwrap();
        assert_eq!(reader.join().unwrap(), "through the fifo");
        let meta = std::fs::symlink_metadata(&fifo).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(meta.file_type().is_fifo(), "still a FIFO");
    }

    #[test]
    fn same_file_is_found_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        let inv = dir.path().join("inv.json");
        std::fs::write(&inv, "{}").unwrap();
        let hard = dir.path().join("hard.json");
        std::fs::hard_link(&inv, &hard).unwrap();
        let out = Output::open(&hard).unwrap();
        assert!(matches!(out.must_differ(&inv), Err(OutputError::SameFile { .. })));
        let other = Output::open(&dir.path().join("other.json")).unwrap();
        assert!(other.must_differ(&inv).is_ok());
        assert!(other.must_differ(&dir.path().join("./other.json")).is_err());
    }

    #[test]
    fn descriptor_names() {
        assert!(is_stdout(Path::new("-")));
        assert!(is_stdout(Path::new("/dev/stdout")));
        assert!(is_stdout(Path::new("/proc/self/fd/1")));
        assert!(!is_stdout(Path::new("./-x")));
        assert_eq!(descriptor(Path::new("/dev/fd/63")), Some(63));
        assert_eq!(descriptor(Path::new("/dev/stderr")), Some(2));
        assert_eq!(descriptor(Path::new("/dev/fd/x")), None);
    }

    #[test]
    fn a_descriptor_name_appends_through_the_open_descriptor() {
        use std::os::unix::io::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        std::fs::write(&log, "earlier lines\n").unwrap();
        let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let name = format!("/dev/fd/{}", appending.as_raw_fd());
        let mut out = Output::open(Path::new(&name)).unwrap();
        assert!(!out.is_replaced());
        out.write_all(b"findings\n").unwrap();
        out.commit().unwrap();
        assert_eq!(read(&log), "earlier lines\nfindings\n");
    }
}
