//! Object storage buckets: `pimap scan s3://BUCKET/PREFIX` (AWS S3, and Alibaba Cloud OSS,
//! Tencent COS, MinIO and others through their S3 API). See docs/object-storage.md.
//!
//! A root of this kind is not walked: its objects are listed (`client::Client::list`), each
//! object becomes an input like a file of the walk, named `s3://BUCKET/KEY`, and is read
//! through the same formats and archives as on disk (`scan::objects`). Where the endpoint,
//! region and credentials come from is `settings`; nothing of them but the endpoint's address
//! is ever shown.

pub mod client;
pub mod settings;

pub use client::{Client, Listed, ObjectReader};
pub use settings::{S3Settings, SettingsError};

use crate::error::ErrorKind;

/// The URL scheme of bucket roots.
const SCHEME: &str = "s3://";

/// Whether a root argument names a bucket (`s3://...`). A folder of such a name is given as
/// `./s3:/...`.
pub fn is_bucket_url(arg: &std::ffi::OsStr) -> bool {
    arg.to_str()
        .and_then(|s| s.get(..SCHEME.len()))
        .is_some_and(|head| head.eq_ignore_ascii_case(SCHEME))
}

/// A bucket root: a bucket and the key prefix under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRoot {
    pub bucket: String,
    /// Without a leading slash; empty for the whole bucket. A prefix is a folder
    /// (`exports` holds `exports/a.csv`, not `exports-old/b.csv`) or one object's key.
    pub prefix: String,
}

/// A bucket URL that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("{0}: a bucket root is s3://BUCKET or s3://BUCKET/PREFIX")]
    NoBucket(String),
    #[error("{0}: not a valid bucket name (3 to 63 letters, digits, dots and hyphens)")]
    BucketName(String),
    #[error("{0}: credentials go in the environment or a profile (AWS_ACCESS_KEY_ID, AWS_PROFILE), never in the URL")]
    Credentials(String),
}

impl BucketRoot {
    pub fn parse(url: &str) -> Result<BucketRoot, UrlError> {
        let rest = &url[SCHEME.len()..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.contains('@') {
            // Not echoed: what comes before the @ may be a secret.
            return Err(UrlError::Credentials("s3://...@...".into()));
        }
        if bucket.is_empty() {
            return Err(UrlError::NoBucket(url.to_string()));
        }
        // S3's naming rules, loosely (OSS and COS add an app id with a hyphen): enough to
        // refuse what cannot be a bucket before a request is made for it.
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_');
        if !valid {
            return Err(UrlError::BucketName(url.to_string()));
        }
        Ok(BucketRoot {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    /// The root as the inventory shows it (`sources[].address`, `roots`).
    pub fn address(&self) -> String {
        match self.prefix.is_empty() {
            true => format!("{SCHEME}{}", self.bucket),
            false => format!("{SCHEME}{}/{}", self.bucket, self.prefix),
        }
    }

    /// An object's name in the inventory.
    pub fn object_url(&self, key: &str) -> String {
        format!("{SCHEME}{}/{key}", self.bucket)
    }
}

/// Why a bucket, a listing or an object could not be read: a kind for the inventory and a
/// one-line message without secrets.
#[derive(Debug, Clone)]
pub struct BucketError {
    pub kind: ErrorKind,
    pub message: String,
}

impl BucketError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        BucketError {
            kind,
            message: message.into(),
        }
    }

    pub fn problem(&self) -> crate::error::Problem {
        crate::error::Problem::new(self.kind, self.message.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_urls_are_told_from_paths() {
        assert!(is_bucket_url("s3://shop-exports/2026".as_ref()));
        assert!(is_bucket_url("S3://shop-exports".as_ref()));
        assert!(!is_bucket_url("./s3:/shop-exports".as_ref()));
        assert!(!is_bucket_url("s3:shop".as_ref()));
    }

    #[test]
    fn a_root_is_a_bucket_and_a_prefix_without_slashes() {
        let root = BucketRoot::parse("s3://shop-exports/orders/2026/").unwrap();
        assert_eq!(root.bucket, "shop-exports");
        assert_eq!(root.prefix, "orders/2026");
        assert_eq!(root.address(), "s3://shop-exports/orders/2026");
        assert_eq!(
            root.object_url("orders/2026/a.csv"),
            "s3://shop-exports/orders/2026/a.csv"
        );
        let whole = BucketRoot::parse("s3://shop-exports").unwrap();
        assert_eq!(
            (whole.prefix.as_str(), whole.address().as_str()),
            ("", "s3://shop-exports")
        );
    }

    #[test]
    fn bad_roots_are_refused_without_echoing_credentials() {
        assert!(matches!(BucketRoot::parse("s3://"), Err(UrlError::NoBucket(_))));
        assert!(matches!(BucketRoot::parse("s3:///x"), Err(UrlError::NoBucket(_))));
        assert!(matches!(
            BucketRoot::parse("s3://Has Space"),
            Err(UrlError::BucketName(_))
        ));
        let e = BucketRoot::parse("s3://AKIAXXXX:secretvalue@bucket/x").unwrap_err();
        assert!(!e.to_string().contains("secretvalue"), "{e}");
    }
}
