//! The S3 client of a scan: the Apache Arrow project's `object_store` on a small tokio
//! runtime of its own, driven from the scan's worker threads (`block_on`), so the rest of
//! pimap stays synchronous.
//!
//! Requests are retried with exponential backoff (throttling, 5xx answers, dropped
//! connections; a body cut off mid-read is resumed from where it stopped, if the object is
//! still the same version); what still fails is a `BucketError` of the root (listing) or of
//! the object (reading), and the scan goes on.

use super::{BucketError, BucketRoot, S3Settings};
use crate::error::ErrorKind;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Prefixes listed at once when a root is listed folder by folder.
const LISTING_CONCURRENCY: usize = 8;

/// An object as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: Key,
    pub size: u64,
    pub modified: SystemTime,
    pub etag: Option<String>,
}

/// One scan's connection to object storage: a client per bucket root.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    stores: Vec<Arc<AmazonS3>>,
    /// Never shown: scrubbed from every message (`scrub`).
    secrets: Vec<String>,
}

impl Client {
    /// Clients for `roots` (one per root, same settings). Fails only if the runtime cannot
    /// start or the settings cannot make a client at all (a malformed endpoint).
    pub fn new(roots: &[BucketRoot], settings: &S3Settings) -> Result<Client, BucketError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pimap-s3")
            .enable_all()
            .build()
            .map_err(|e| BucketError::new(ErrorKind::Internal, format!("cannot start the S3 client: {e}")))?;
        let secrets = settings.secrets();
        let mut stores = Vec::with_capacity(roots.len());
        for root in roots {
            let store = builder(settings)
                .with_bucket_name(&root.bucket)
                .build()
                .map_err(|e| BucketError::new(ErrorKind::Connect, scrub(&secrets, &e.to_string())))?;
            stores.push(Arc::new(store));
        }
        Ok(Client {
            runtime,
            stores,
            secrets,
        })
    }

    /// The runtime handle, for work scheduled ahead (`scan::objects` prefetching).
    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }

    /// Every object under root `i`'s prefix, or the one object the prefix names. Folders
    /// right under the prefix are listed side by side.
    pub fn list(&self, i: usize, root: &BucketRoot) -> Result<Vec<Listed>, BucketError> {
        let store = self.stores[i].clone();
        let prefix = (!root.prefix.is_empty()).then(|| Key::from(root.prefix.as_str()));
        let listed = self.runtime.block_on(async move {
            let top = store.list_with_delimiter(prefix.as_ref()).await?;
            let mut objects: Vec<Listed> = top.objects.into_iter().map(listed).collect();
            let mut below = futures::stream::iter(top.common_prefixes)
                .map(|folder| {
                    let store = store.clone();
                    async move {
                        store
                            .list(Some(&folder))
                            .map_ok(listed)
                            .try_collect::<Vec<_>>()
                            .await
                    }
                })
                .buffer_unordered(LISTING_CONCURRENCY);
            while let Some(folder) = below.next().await {
                objects.extend(folder?);
            }
            if objects.is_empty() {
                // `s3://bucket/exports/a.csv`: the prefix is an object's key.
                if let Some(prefix) = &prefix {
                    match store.head(prefix).await {
                        Ok(meta) => objects.push(listed(meta)),
                        Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok::<_, object_store::Error>(objects)
        });
        let mut objects = listed.map_err(|e| self.error(&e, Some(&root.bucket)))?;
        // Folder markers (`exports/`, zero bytes) are not objects to read.
        objects.retain(|o| !(o.size == 0 && o.key.as_ref().ends_with('/')));
        objects.sort_by(|a, b| a.key.as_ref().cmp(b.key.as_ref()));
        Ok(objects)
    }

    /// The whole object (small objects, fetched ahead of the workers).
    pub async fn fetch(store: Arc<AmazonS3>, key: Key) -> object_store::Result<Bytes> {
        store.get(&key).await?.bytes().await
    }

    /// Root `i`'s store, for `fetch`.
    pub fn store(&self, i: usize) -> Arc<AmazonS3> {
        self.stores[i].clone()
    }

    /// The object as a blocking reader, streamed as it is read.
    pub fn open(&self, i: usize, key: &Key) -> Result<ObjectReader<'_>, BucketError> {
        let store = self.stores[i].clone();
        let key = key.clone();
        let got = self.runtime.block_on(async move { store.get(&key).await });
        match got {
            Ok(got) => Ok(ObjectReader {
                client: self,
                stream: got.into_stream(),
                pending: Bytes::new(),
            }),
            Err(e) => Err(self.error(&e, None)),
        }
    }

    /// A one-line message for the inventory, with a kind, from a client error; `bucket`:
    /// the error is of a listing (a missing bucket is named as such).
    pub fn error(&self, e: &object_store::Error, bucket: Option<&str>) -> BucketError {
        describe(&self.secrets, e, bucket)
    }
}

/// The client settings shared by every bucket.
fn builder(settings: &S3Settings) -> AmazonS3Builder {
    // `from_env` keeps what the client itself knows of the environment (container and
    // web-identity credentials, AWS_SKIP_SIGNATURE...); what pimap resolved comes on top.
    let mut b = AmazonS3Builder::from_env();
    if let Some(endpoint) = &settings.endpoint {
        b = b.with_endpoint(endpoint);
        if endpoint.to_ascii_lowercase().starts_with("http://") {
            b = b.with_allow_http(true);
        }
    }
    b = b.with_region(settings.region.as_deref().unwrap_or("us-east-1"));
    if let Some(c) = &settings.credentials {
        b = b.with_access_key_id(&c.key_id).with_secret_access_key(&c.secret);
        if let Some(token) = &c.token {
            b = b.with_token(token);
        }
    }
    if let Some(virtual_hosted) = settings.virtual_hosted {
        b = b.with_virtual_hosted_style_request(virtual_hosted);
    }
    let options = ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(10))
        // A big object may take long to stream: no limit on the whole request, but each read
        // must make progress.
        .with_timeout_disabled()
        .with_read_timeout(Duration::from_secs(60))
        .with_allow_http(
            settings
                .endpoint
                .as_deref()
                .is_some_and(|e| e.to_ascii_lowercase().starts_with("http://")),
        );
    let retry = RetryConfig {
        max_retries: 5,
        retry_timeout: Duration::from_secs(120),
        ..RetryConfig::default()
    };
    b.with_client_options(options).with_retry(retry)
}

fn listed(meta: object_store::ObjectMeta) -> Listed {
    Listed {
        size: meta.size,
        modified: SystemTime::from(meta.last_modified),
        etag: meta.e_tag,
        key: meta.location,
    }
}

/// A kind and a one-line message for a client error. The client's own text names the
/// request (`Error performing GET http://host/bucket/key`) and quotes the server's XML: the
/// S3 error code is kept, the rest is cut, and no secret survives.
pub fn describe(secrets: &[String], e: &object_store::Error, bucket: Option<&str>) -> BucketError {
    let mut full = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        full.push_str(": ");
        full.push_str(&s.to_string());
        source = s.source();
    }
    let code = s3_code(&full);
    // The retry summary names its settings (`retry_timeout: 120s`): not a cause.
    let lower = full.to_ascii_lowercase().replace("retry_timeout", "");
    let has = |what: &str| lower.contains(what);
    let (kind, what) = match e {
        object_store::Error::NotFound { .. }
            if bucket.is_some() || code.as_deref() == Some("NoSuchBucket") =>
        {
            (ErrorKind::NotFound, "the bucket does not exist".to_string())
        }
        object_store::Error::NotFound { .. } => (
            ErrorKind::NotFound,
            "not found (deleted since it was listed?)".to_string(),
        ),
        object_store::Error::PermissionDenied { .. } => (ErrorKind::Permission, "access denied".to_string()),
        object_store::Error::Unauthenticated { .. } => (
            ErrorKind::Permission,
            "not signed in: the credentials were refused".to_string(),
        ),
        _ => match code.as_deref() {
            Some("NoSuchBucket") => (ErrorKind::NotFound, "the bucket does not exist".to_string()),
            Some("NoSuchKey") => (
                ErrorKind::NotFound,
                "not found (deleted since it was listed?)".to_string(),
            ),
            Some(
                "InvalidAccessKeyId"
                | "SignatureDoesNotMatch"
                | "InvalidToken"
                | "ExpiredToken"
                | "TokenRefreshRequired",
            ) => (ErrorKind::Permission, "the credentials were refused".to_string()),
            Some("AccessDenied" | "AllAccessDisabled") => {
                (ErrorKind::Permission, "access denied".to_string())
            }
            Some("SlowDown" | "Throttling" | "RequestLimitExceeded") => (
                ErrorKind::Timeout,
                "throttled by the server, still after retries".to_string(),
            ),
            _ if has("connection refused")
                || has("dns error")
                || has("error trying to connect")
                || has("tcp connect") =>
            {
                (
                    ErrorKind::Connect,
                    "cannot reach the endpoint, after retries".to_string(),
                )
            }
            _ if has("timed out") || has("timeout") => {
                (ErrorKind::Timeout, "timed out, after retries".to_string())
            }
            _ if has("status 403") => (ErrorKind::Permission, "access denied".to_string()),
            _ if has("status 404") => (ErrorKind::NotFound, "not found".to_string()),
            _ => (ErrorKind::Io, "request failed".to_string()),
        },
    };
    let detail = match &code {
        Some(code) => format!("S3 error {code}"),
        None => last_cause(&full),
    };
    BucketError::new(kind, scrub(secrets, &format!("{what} ({detail})")))
}

/// `<Code>NoSuchBucket</Code>` in a server's answer.
fn s3_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    let code = &text[start..end];
    (!code.is_empty() && code.len() < 64 && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| code.to_string())
}

/// The innermost cause of a `: `-joined chain, on one line and short.
fn last_cause(full: &str) -> String {
    let one_line: String = full.split_whitespace().collect::<Vec<_>>().join(" ");
    let last = one_line
        .rsplit(": ")
        .find(|s| !s.trim().is_empty())
        .unwrap_or(&one_line);
    let mut cut: String = last.chars().take(160).collect();
    if cut.len() < last.len() {
        cut.push('…');
    }
    cut
}

/// `text` with every secret replaced.
pub fn scrub(secrets: &[String], text: &str) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// An object's body as a blocking `Read`, chunk by chunk from the client's stream.
pub struct ObjectReader<'c> {
    client: &'c Client,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    pending: Bytes,
}

impl Read for ObjectReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            match self.client.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => self.pending = chunk,
                Some(Err(e)) => {
                    let e = self.client.error(&e, None);
                    return Err(std::io::Error::other(e.message));
                }
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        let _ = self.pending.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_the_s3_code_and_drop_secrets() {
        let e = object_store::Error::Generic {
            store: "S3",
            source: "Error performing GET http://127.0.0.1/b/k: Client error with status 403 Forbidden: <Error><Code>InvalidAccessKeyId</Code><Message>key s3cr3t-value</Message></Error>".into(),
        };
        let d = describe(&["s3cr3t-value".to_string()], &e, None);
        assert_eq!(d.kind, ErrorKind::Permission);
        assert_eq!(
            d.message,
            "the credentials were refused (S3 error InvalidAccessKeyId)"
        );
        let missing = object_store::Error::Generic {
            store: "S3",
            source: "list: <Code>NoSuchBucket</Code>".into(),
        };
        assert_eq!(describe(&[], &missing, Some("b")).kind, ErrorKind::NotFound);
        assert_eq!(scrub(&["abcd".into()], "x abcd y abcd"), "x *** y ***");
    }

    #[test]
    fn a_refused_connection_is_not_a_timeout() {
        let e = object_store::Error::Generic {
            store: "S3",
            source: "Error performing GET http://127.0.0.1:9/b in 1s, after 5 retries, max_retries: 5, retry_timeout: 120s - error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        };
        let d = describe(&[], &e, Some("b"));
        assert_eq!(d.kind, ErrorKind::Connect, "{}", d.message);
        assert!(
            d.message.ends_with("(Connection refused (os error 111))"),
            "{}",
            d.message
        );
    }

    #[test]
    fn an_unknown_cause_is_one_short_line() {
        let long = format!("a: b: {}\nmore", "x".repeat(500));
        let cause = last_cause(&long);
        assert!(!cause.contains('\n') && cause.chars().count() <= 161, "{cause}");
    }
}
