//! What kind of problem an input had: the `kind` of the inventory's `errors[]`, so that
//! assessment tooling can group them (every encrypted archive member, every permission
//! problem) without parsing the human-readable reason.
//!
//! Each library error type says its kind (`Classified`). Readers that can only speak
//! `io::Error` (a decompressor under a text decoder under a CSV parser) carry a kind that is
//! already known inside the error (`tag`), so the kind survives the layers without anyone
//! matching message text.

use serde::{Deserialize, Deserializer, Serialize};
use std::error::Error as StdError;
use std::fmt;
use std::io;

/// Why an input could not be read, or only in part. Serialized in snake_case; the set may
/// grow (readers treat a kind they do not know as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Reading failed for a reason of the system (a device error, a file that changed type).
    Io,
    /// Not allowed to read it.
    Permission,
    /// Gone between listing and reading, or a link to nothing.
    NotFound,
    /// The content is malformed for its format.
    Corrupt,
    /// Encrypted or password-protected: cannot be read without the password.
    Encrypted,
    /// Over a size or depth limit of pimap's.
    TooLarge,
    /// An archive that expands far beyond its size (a decompression bomb): reading stopped.
    Bomb,
    /// Bytes that are not valid in the detected text encoding.
    Encoding,
    /// The data ends early (a cut archive or dump).
    Truncated,
    /// A format, or a part of one, that pimap does not read.
    Unsupported,
    /// A bug in pimap: the input was not (fully) scanned.
    Internal,
    /// A live database could not be reached or refused the login (wrong password, unknown
    /// user or database, unreachable host): none of its tables were read.
    Connect,
    /// A live database's table took longer than `--db-timeout`: what was read before stands.
    Timeout,
}

impl ErrorKind {
    /// Every kind, in documentation order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Io,
        ErrorKind::Permission,
        ErrorKind::NotFound,
        ErrorKind::Corrupt,
        ErrorKind::Encrypted,
        ErrorKind::TooLarge,
        ErrorKind::Bomb,
        ErrorKind::Encoding,
        ErrorKind::Truncated,
        ErrorKind::Unsupported,
        ErrorKind::Internal,
        ErrorKind::Connect,
        ErrorKind::Timeout,
    ];

    /// The inventory's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Encrypted => "encrypted",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Bomb => "bomb",
            ErrorKind::Encoding => "encoding",
            ErrorKind::Truncated => "truncated",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Internal => "internal",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
        }
    }

    /// The kind of an I/O error: the kind carried inside it (see `tag`), else by the
    /// system's error kind. Message text is never looked at: it is localized on some
    /// systems and worded differently by every library.
    pub fn of_io(e: &io::Error) -> ErrorKind {
        if let Some(kind) = tag_of(e) {
            return kind;
        }
        match e.kind() {
            io::ErrorKind::PermissionDenied => ErrorKind::Permission,
            io::ErrorKind::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Io,
        }
    }

    /// The kind of an error from a reader that decodes a container (a decompressor, an
    /// archive parser) while it reads. An error that did not come from the operating system
    /// was made by the decoder, so it is about the data: ending early is `truncated`,
    /// anything else `corrupt`.
    pub fn of_decoding(e: &io::Error) -> ErrorKind {
        if let Some(kind) = tag_of(e) {
            return kind;
        }
        if e.raw_os_error().is_some() {
            return ErrorKind::of_io(e);
        }
        match e.kind() {
            io::ErrorKind::UnexpectedEof => ErrorKind::Truncated,
            io::ErrorKind::Interrupted => ErrorKind::Io,
            _ => ErrorKind::Corrupt,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error type that knows its kind.
pub trait Classified: fmt::Display {
    fn kind(&self) -> ErrorKind;
}

/// A problem as the inventory records it: its kind and a one-line reason. Readers note
/// problems that did not stop them (a broken sheet, invalid JSON scanned as text) as these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ErrorKind,
    pub message: String,
}

impl Problem {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            message: message.into(),
        }
    }

    /// A typed error as the inventory records it.
    pub fn of(error: &(impl Classified + ?Sized)) -> Problem {
        Problem::new(error.kind(), error.to_string())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An `io::Error` whose kind is already known, for readers that can only return
/// `io::Error`. Displays as the error it wraps.
#[derive(Debug)]
pub struct Tagged {
    kind: ErrorKind,
    inner: Box<dyn StdError + Send + Sync>,
}

impl fmt::Display for Tagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl StdError for Tagged {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.inner)
    }
}

/// `error` as an `io::Error` that carries `kind` (`ErrorKind::of_io` finds it however many
/// readers pass it on). The `io::ErrorKind` stays that of `error` when it is an
/// `io::Error`, so callers that retry on `Interrupted` still do.
pub fn tag(kind: ErrorKind, error: impl Into<Box<dyn StdError + Send + Sync>>) -> io::Error {
    let inner = error.into();
    let io_kind = inner
        .downcast_ref::<io::Error>()
        .map_or(io::ErrorKind::Other, io::Error::kind);
    io::Error::new(io_kind, Tagged { kind, inner })
}

/// The kind tagged inside `e`, looking through errors that wrap it (a tar entry wraps the
/// reader's error in its own).
fn tag_of(e: &io::Error) -> Option<ErrorKind> {
    let mut next: Option<&(dyn StdError + 'static)> = e.get_ref().map(|r| r as &(dyn StdError + 'static));
    while let Some(err) = next {
        if let Some(t) = err.downcast_ref::<Tagged>() {
            return Some(t.kind);
        }
        if let Some(kind) = err.downcast_ref::<io::Error>().and_then(tag_of) {
            return Some(kind);
        }
        next = err.source();
    }
    None
}

/// Reads an inventory's `kind`: absent (inventories written before kinds existed) and kinds
/// this version does not know (written by a later one) are both `None`, never a failure to
/// read the inventory.
pub fn lenient_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorKind>, D::Error> {
    let raw: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(raw.and_then(|v| ErrorKind::deserialize(v).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_by_their_kind_not_their_text() {
        let e = |k| io::Error::new(k, "Broken pipe: No such file or directory (permission denied)");
        assert_eq!(
            ErrorKind::of_io(&e(io::ErrorKind::PermissionDenied)),
            ErrorKind::Permission
        );
        assert_eq!(ErrorKind::of_io(&e(io::ErrorKind::NotFound)), ErrorKind::NotFound);
        assert_eq!(ErrorKind::of_io(&e(io::ErrorKind::Other)), ErrorKind::Io);
        assert_eq!(ErrorKind::of_io(&e(io::ErrorKind::UnexpectedEof)), ErrorKind::Io);
        assert_eq!(ErrorKind::of_io(&e(io::ErrorKind::InvalidData)), ErrorKind::Io);
        // What the operating system says, as it says it.
        assert_eq!(
            ErrorKind::of_io(&io::Error::from_raw_os_error(libc_errno::EACCES)),
            ErrorKind::Permission
        );
        assert_eq!(
            ErrorKind::of_io(&io::Error::from_raw_os_error(libc_errno::ENOENT)),
            ErrorKind::NotFound
        );
        assert_eq!(
            ErrorKind::of_io(&io::Error::from_raw_os_error(libc_errno::EIO)),
            ErrorKind::Io
        );
    }

    /// errno values shared by Linux and the BSDs (macOS).
    mod libc_errno {
        pub const ENOENT: i32 = 2;
        pub const EIO: i32 = 5;
        pub const EACCES: i32 = 13;
    }

    #[test]
    fn decoder_errors_are_about_the_data_unless_the_system_made_them() {
        let made = |k| io::Error::new(k, "corrupt deflate stream");
        assert_eq!(
            ErrorKind::of_decoding(&made(io::ErrorKind::UnexpectedEof)),
            ErrorKind::Truncated
        );
        assert_eq!(
            ErrorKind::of_decoding(&made(io::ErrorKind::InvalidInput)),
            ErrorKind::Corrupt
        );
        assert_eq!(
            ErrorKind::of_decoding(&made(io::ErrorKind::InvalidData)),
            ErrorKind::Corrupt
        );
        assert_eq!(
            ErrorKind::of_decoding(&made(io::ErrorKind::Other)),
            ErrorKind::Corrupt
        );
        assert_eq!(
            ErrorKind::of_decoding(&io::Error::from_raw_os_error(libc_errno::EIO)),
            ErrorKind::Io
        );
        assert_eq!(
            ErrorKind::of_decoding(&io::Error::from_raw_os_error(libc_errno::EACCES)),
            ErrorKind::Permission
        );
    }

    #[test]
    fn a_tag_survives_wrapping_and_keeps_the_io_kind() {
        let bomb = tag(ErrorKind::Bomb, "archive guard: too much");
        assert_eq!(bomb.to_string(), "archive guard: too much");
        assert_eq!(ErrorKind::of_io(&bomb), ErrorKind::Bomb);
        // A reader further up wraps it in an error of its own, then in an io::Error again.
        #[derive(Debug)]
        struct Wrapper(io::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "failed to iterate: {}", self.0)
            }
        }
        impl StdError for Wrapper {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = io::Error::other(Wrapper(bomb));
        assert_eq!(ErrorKind::of_io(&wrapped), ErrorKind::Bomb);
        assert_eq!(ErrorKind::of_decoding(&wrapped), ErrorKind::Bomb);
        // The inner io::ErrorKind is kept.
        let cut = tag(
            ErrorKind::Truncated,
            io::Error::from(io::ErrorKind::UnexpectedEof),
        );
        assert_eq!(cut.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(ErrorKind::of_io(&cut), ErrorKind::Truncated);
        // Untagged errors nested the same way fall back to the outer io::ErrorKind.
        let plain = io::Error::other(Wrapper(io::Error::from(io::ErrorKind::PermissionDenied)));
        assert_eq!(ErrorKind::of_io(&plain), ErrorKind::Io);
    }

    #[test]
    fn kinds_serialize_in_snake_case_and_unknown_ones_read_as_absent() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), kind);
        }
        assert_eq!(
            serde_json::to_string(&ErrorKind::NotFound).unwrap(),
            "\"not_found\""
        );
        assert_eq!(
            serde_json::to_string(&ErrorKind::TooLarge).unwrap(),
            "\"too_large\""
        );
        #[derive(Deserialize)]
        struct Entry {
            #[serde(default, deserialize_with = "lenient_kind")]
            kind: Option<ErrorKind>,
        }
        let read = |json: &str| serde_json::from_str::<Entry>(json).unwrap().kind;
        assert_eq!(read(r#"{}"#), None);
        assert_eq!(read(r#"{"kind":null}"#), None);
        assert_eq!(read(r#"{"kind":"bomb"}"#), Some(ErrorKind::Bomb));
        assert_eq!(read(r#"{"kind":"quantum"}"#), None);
        assert_eq!(read(r#"{"kind":7}"#), None);
    }
}
