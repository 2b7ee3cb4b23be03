//! Keyed fingerprints: how the inventory can count, compare and find values without holding
//! them.
//!
//! A fingerprint is HMAC-SHA256(key, detector id ‖ 0x00 ‖ normalized value) cut to 64 bits.
//! Without the key nobody can test a guess (a phone number has only ~10^10 candidates, so an
//! unkeyed hash would be a leak). The key comes from `PIMAP_KEY` or `--key-file`; without
//! one a random key is drawn for the scan and forgotten, so fingerprints still count
//! distinct values and find copies within the scan but mean nothing afterwards.

use crate::detect::spec::NormalForm;
use crate::inventory::{KeyInfo, KeyKind};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::borrow::Cow;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Shortest key accepted: 16 bytes (128 bits) of whatever the user chose.
const MIN_KEY_LEN: usize = 16;

/// The environment variable holding a stable key.
pub const KEY_VAR: &str = "PIMAP_KEY";

#[derive(Clone)]
pub struct Key {
    mac: HmacSha256,
    kind: KeyKind,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({:?})", self.kind)
    }
}

/// Why the user's key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {}: {source}", .path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the fingerprint key must be at least {MIN_KEY_LEN} bytes (e.g. `openssl rand -hex 32`)")]
    TooShort,
}

impl Key {
    /// The key from `--key-file`, else `PIMAP_KEY`, else a random per-scan key.
    pub fn from_user(key_file: Option<&Path>) -> Result<Key, KeyError> {
        match Key::stable(key_file)? {
            Some(key) => Ok(key),
            None => Ok(Key::per_scan()),
        }
    }

    /// The key from `--key-file` or `PIMAP_KEY`, if either is given.
    pub fn stable(key_file: Option<&Path>) -> Result<Option<Key>, KeyError> {
        let secret = match key_file {
            Some(path) => {
                let text =
                    crate::settings_file::read(path, crate::settings_file::KEY_CAP).map_err(|source| {
                        KeyError::Read {
                            path: path.to_path_buf(),
                            source,
                        }
                    })?;
                warn_if_shared(path);
                Some(trim_newline(text))
            }
            // An empty variable is unset (`PIMAP_KEY= pimap scan ...`).
            None => std::env::var_os(KEY_VAR)
                .filter(|v| !v.is_empty())
                .map(|v| v.into_encoded_bytes()),
        };
        let Some(secret) = secret else { return Ok(None) };
        if secret.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort);
        }
        Ok(Some(Key::with_secret(&secret, KeyKind::Stable)))
    }

    /// A random key for this scan only.
    pub fn per_scan() -> Key {
        let mut secret = [0u8; 32];
        if getrandom::fill(&mut secret).is_err() {
            // No OS randomness: still unguessable enough for one scan's in-memory counting.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            secret[..16].copy_from_slice(&t.as_nanos().to_le_bytes());
            secret[16..24].copy_from_slice(&u64::from(std::process::id()).to_le_bytes());
        }
        Key::with_secret(&secret, KeyKind::PerScan)
    }

    pub fn with_secret(secret: &[u8], kind: KeyKind) -> Key {
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        Key { mac, kind }
    }

    pub fn is_stable(&self) -> bool {
        self.kind == KeyKind::Stable
    }

    /// Fingerprint of a detector's normalized value.
    pub fn fingerprint(&self, detector: &str, value: &str) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(detector.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        first_u64(&mac.finalize().into_bytes())
    }

    /// Names the key without revealing it: the first 8 bytes of HMAC(key, a fixed label).
    pub fn id(&self) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"pimap key id v1");
        format!("{:016x}", first_u64(&mac.finalize().into_bytes()))
    }

    /// A keyed hash of content samples (see `scan`); 128 bits as hex.
    pub fn content_hash(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"pimap content v1");
        for p in parts {
            mac.update(&(p.len() as u64).to_le_bytes());
            mac.update(p);
        }
        let bytes = mac.finalize().into_bytes();
        bytes[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// 128 bits derived from the key for one purpose (`label`), e.g. the key of the finding
    /// and column ids (`identity`).
    pub fn subkey(&self, label: &[u8]) -> [u8; 16] {
        let mut mac = self.mac.clone();
        mac.update(label);
        let mut key = [0u8; 16];
        key.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        key
    }

    /// What the inventory says about this key.
    pub fn info(&self, fingerprints: bool) -> KeyInfo {
        KeyInfo {
            kind: self.kind,
            key_id: self.is_stable().then(|| self.id()),
            cross_scan: self.is_stable(),
            fingerprints,
        }
    }
}

/// Whoever reads the key can test guesses against every inventory made with it: say so when
/// the key file is readable by others.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "pimap: warning: the key file {} is readable by other users (chmod 600 it)",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn first_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(b)
}

fn trim_newline(mut text: Vec<u8>) -> Vec<u8> {
    while text.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
        text.pop();
    }
    text
}

/// `value` as its detector's `normal_form` writes it before fingerprinting: spellings of
/// one value (`Zhang@Example.com`, `王 芳`) give one fingerprint.
pub fn normal_form(form: NormalForm, value: &str) -> Cow<'_, str> {
    match form {
        NormalForm::AsFound => Cow::Borrowed(value),
        NormalForm::Lowercase if value.bytes().any(|b| b.is_ascii_uppercase()) || !value.is_ascii() => {
            Cow::Owned(value.to_lowercase())
        }
        NormalForm::NoSpaces | NormalForm::NoSpacesLowercase if value.contains(char::is_whitespace) => {
            let kept = value.chars().filter(|c| !c.is_whitespace());
            Cow::Owned(match form {
                NormalForm::NoSpacesLowercase => kept.flat_map(char::to_lowercase).collect(),
                _ => kept.collect(),
            })
        }
        NormalForm::NoSpacesLowercase if value.bytes().any(|b| b.is_ascii_uppercase()) => {
            Cow::Owned(value.to_lowercase())
        }
        NormalForm::Compact
            if value.chars().any(|c| {
                c.is_whitespace() || matches!(c, '·' | '•' | '・' | '-' | '.') || c.is_ascii_lowercase()
            }) =>
        {
            Cow::Owned(
                value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '・' | '-' | '.'))
                    .map(|c| c.to_ascii_uppercase())
                    .collect(),
            )
        }
        _ => Cow::Borrowed(value),
    }
}

/// Fingerprints as stored in the inventory: 16 lower-case hex digits each, concatenated.
pub fn encode_prints(prints: &[u64]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(prints.len() * 16);
    for p in prints {
        out.extend((0..16).rev().map(|i| HEX[((p >> (i * 4)) & 0xf) as usize]));
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// The inverse of `encode_prints`; None if the text is not such a list.
pub fn decode_prints(text: &str) -> Option<Vec<u64>> {
    // `from_str_radix` alone would also take a sign (`+00000000000001f`).
    if !text.len().is_multiple_of(16) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(16)
        .map(|i| u64::from_str_radix(text.get(i..i + 16)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_fingerprint_other_key_other() {
        let a = Key::with_secret(b"0123456789abcdef-one", KeyKind::Stable);
        let a2 = Key::with_secret(b"0123456789abcdef-one", KeyKind::Stable);
        let b = Key::with_secret(b"0123456789abcdef-two", KeyKind::Stable);
        let v = "13812345678";
        assert_eq!(a.fingerprint("cn_mobile", v), a2.fingerprint("cn_mobile", v));
        assert_ne!(a.fingerprint("cn_mobile", v), b.fingerprint("cn_mobile", v));
        assert_ne!(a.fingerprint("cn_mobile", v), a.fingerprint("cn_landline", v));
        assert_eq!(a.id(), a2.id());
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn per_scan_keys_differ_and_say_so() {
        let a = Key::per_scan();
        let b = Key::per_scan();
        assert_ne!(
            a.fingerprint("email", "a@example.com"),
            b.fingerprint("email", "a@example.com")
        );
        let info = a.info(false);
        assert!(!info.cross_scan);
        assert!(info.key_id.is_none());
    }

    #[test]
    fn normal_forms_join_the_spellings_of_one_value() {
        assert_eq!(
            normal_form(NormalForm::AsFound, "Zhang@Example.com"),
            "Zhang@Example.com"
        );
        assert_eq!(
            normal_form(NormalForm::Lowercase, "Zhang@Example.com"),
            "zhang@example.com"
        );
        assert_eq!(
            normal_form(NormalForm::NoSpaces, "浙江省 杭州市 Xihu"),
            "浙江省杭州市Xihu"
        );
        assert_eq!(normal_form(NormalForm::NoSpacesLowercase, "王 芳"), "王芳");
        assert_eq!(
            normal_form(NormalForm::NoSpacesLowercase, "ZHANG Wei"),
            "zhangwei"
        );
        assert_eq!(normal_form(NormalForm::NoSpacesLowercase, "Zhang"), "zhang");
        assert!(matches!(
            normal_form(NormalForm::NoSpaces, "王芳"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn hex_round_trip() {
        let v = 0x0123_4567_89ab_cdefu64;
        assert_eq!(decode_prints(&format!("{v:016x}")), Some(vec![v]));
        assert_eq!(encode_prints(&[v, 1]), format!("{v:016x}{:016x}", 1));
        let set = crate::inventory::FingerprintSet {
            detector: "cn_mobile".into(),
            table: None,
            column: None,
            values: encode_prints(&[1, 5, v]),
            complete: true,
        };
        assert!(set.contains(&format!("{v:016x}")) && set.contains(&format!("{:016x}", 1)));
        assert!(!set.contains(&format!("{:016x}", 4)) && !set.contains("zz"));
        assert_eq!(decode_prints("xyz"), None);
    }
}
