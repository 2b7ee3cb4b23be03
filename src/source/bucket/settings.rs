//! Where the S3 endpoint, region and credentials come from, in the order the AWS command
//! line tools use, so that a user's existing set-up works unchanged:
//!
//! 1. the environment: `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `AWS_REGION` /
//!    `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+
//!    `AWS_SESSION_TOKEN`);
//! 2. the profile `AWS_PROFILE` (else `default`) of the shared credentials file
//!    (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) and config file
//!    (`AWS_CONFIG_FILE`, else `~/.aws/config`, `[profile NAME]` sections, `endpoint_url` at
//!    the top of the section or under `s3 =`);
//! 3. what the S3 client finds itself: container and web-identity credentials, the
//!    instance metadata service.
//!
//! Alibaba Cloud OSS and Tencent COS serve buckets on their own host names only
//! (virtual-hosted style); their endpoints get that style unless
//! `AWS_VIRTUAL_HOSTED_STYLE_REQUEST` says otherwise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Keys and token: never printed (`Debug` shows the key id's first characters only).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.key_id.chars().take(4).collect();
        write!(f, "Credentials({shown}…)")
    }
}

/// The S3 set-up of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// None: left to the client (container, web identity, instance metadata).
    pub credentials: Option<Credentials>,
    pub virtual_hosted: Option<bool>,
    /// Where the credentials came from, for messages (`environment`, `profile NAME`).
    pub credentials_from: Option<String>,
}

/// A set-up that cannot be used: the scan does not start (exit 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("AWS_PROFILE={0}: no such profile in {1}")]
    NoProfile(String, String),
    #[error("{0} is set but {1} is not: give both, or neither and a profile")]
    HalfKey(&'static str, &'static str),
    #[error("profile {0}: aws_access_key_id without aws_secret_access_key, or the reverse")]
    HalfProfileKey(String),
    #[error("{0}: not an http:// or https:// URL")]
    Endpoint(String),
}

impl S3Settings {
    /// The settings from this process's environment and the user's profile files.
    pub fn from_environment() -> Result<S3Settings, SettingsError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self::resolve(
            &|name| std::env::var(name).ok().filter(|v| !v.is_empty()),
            home.as_deref(),
        )
    }

    /// `env` looks a variable up; `home` is where `~/.aws` is.
    pub fn resolve(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<S3Settings, SettingsError> {
        let explicit_profile = env("AWS_PROFILE");
        let profile_name = explicit_profile.clone().unwrap_or_else(|| "default".to_string());
        let file_of = |var: &str, default: &str| {
            env(var)
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(default)))
        };
        let credentials_file = file_of("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
        let config_file = file_of("AWS_CONFIG_FILE", ".aws/config");
        let from_credentials = credentials_file
            .as_deref()
            .and_then(|p| section(p, &profile_name, false));
        let from_config = config_file
            .as_deref()
            .and_then(|p| section(p, &profile_name, true));
        if let Some(name) = &explicit_profile {
            if from_credentials.is_none() && from_config.is_none() {
                let files = [&credentials_file, &config_file]
                    .iter()
                    .filter_map(|f| f.as_deref().map(crate::walk::display_name))
                    .collect::<Vec<_>>()
                    .join(" or ");
                return Err(SettingsError::NoProfile(name.clone(), files));
            }
        }
        let profile = |key: &str| {
            from_credentials
                .as_ref()
                .and_then(|s| s.get(key))
                .or_else(|| from_config.as_ref().and_then(|s| s.get(key)))
                .cloned()
        };
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(key_id), Some(secret)) => Some((
                Credentials {
                    key_id,
                    secret,
                    token: env("AWS_SESSION_TOKEN"),
                },
                "the environment".to_string(),
            )),
            (Some(_), None) => {
                return Err(SettingsError::HalfKey(
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                ))
            }
            (None, Some(_)) => {
                return Err(SettingsError::HalfKey(
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_ACCESS_KEY_ID",
                ))
            }
            (None, None) => match (profile("aws_access_key_id"), profile("aws_secret_access_key")) {
                (Some(key_id), Some(secret)) => Some((
                    Credentials {
                        key_id,
                        secret,
                        token: profile("aws_session_token"),
                    },
                    format!("profile {profile_name}"),
                )),
                (None, None) => None,
                _ => return Err(SettingsError::HalfProfileKey(profile_name)),
            },
        };
        let endpoint = env("AWS_ENDPOINT_URL_S3")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"))
            .or_else(|| profile("s3.endpoint_url"))
            .or_else(|| profile("endpoint_url"));
        if let Some(url) = &endpoint {
            let lower = url.to_ascii_lowercase();
            if !lower.starts_with("http://") && !lower.starts_with("https://") {
                return Err(SettingsError::Endpoint(url.clone()));
            }
        }
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile("region"));
        let virtual_hosted = match env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST") {
            Some(v) => Some(matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes")),
            None => endpoint
                .as_deref()
                .and_then(|e| needs_virtual_hosted(e).then_some(true)),
        };
        let (credentials, credentials_from) = credentials.unzip();
        Ok(S3Settings {
            endpoint,
            region,
            credentials,
            virtual_hosted,
            credentials_from,
        })
    }

    /// Strings that must never be shown: the secret key and the session token.
    pub fn secrets(&self) -> Vec<String> {
        self.credentials
            .iter()
            .flat_map(|c| std::iter::once(c.secret.clone()).chain(c.token.clone()))
            .filter(|s| s.len() >= 4)
            .collect()
    }
}

/// Alibaba Cloud OSS and Tencent COS endpoints: buckets are served on their own host names.
fn needs_virtual_hosted(endpoint: &str) -> bool {
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or(endpoint)
        .split(['/', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    host.ends_with(".aliyuncs.com") || host.ends_with(".myqcloud.com")
}

/// One profile's keys from an INI-style AWS file: `[NAME]` in the credentials file,
/// `[profile NAME]` (or `[default]`) in the config file. Keys under a nested `s3 =` block are
/// returned as `s3.KEY`. None when the file or the section does not exist.
fn section(path: &Path, name: &str, config: bool) -> Option<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let wanted = |header: &str| {
        let header = header.trim();
        match config && name != "default" {
            true => header.strip_prefix("profile").map(str::trim) == Some(name),
            false => header == name,
        }
    };
    let mut found: Option<HashMap<String, String>> = None;
    let mut inside = false;
    let mut nested: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            inside = wanted(header);
            nested = None;
            if inside {
                found.get_or_insert_with(HashMap::new);
            }
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_string());
        let indented = line.starts_with([' ', '\t']);
        let map = found.as_mut().expect("inside a found section");
        match (indented, &nested) {
            (true, Some(block)) => {
                map.insert(format!("{block}.{key}"), value);
            }
            _ if value.is_empty() => nested = Some(key),
            _ => {
                nested = None;
                map.insert(key, value);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(vars: &[(&str, &str)], home: Option<&Path>) -> Result<S3Settings, SettingsError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        S3Settings::resolve(&|name| vars.get(name).cloned(), home)
    }

    #[test]
    fn the_environment_comes_first() {
        let s = resolve(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
                ("AWS_DEFAULT_REGION", "cn-north-1"),
            ],
            None,
        )
        .unwrap();
        let c = s.credentials.as_ref().unwrap();
        assert_eq!(
            (c.key_id.as_str(), c.secret.as_str()),
            ("AKIDEXAMPLE", "wJalrXUtnFEMI")
        );
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.region.as_deref(), Some("cn-north-1"));
        assert_eq!(s.virtual_hosted, None);
        assert_eq!(s.secrets(), vec!["wJalrXUtnFEMI".to_string()]);
        assert!(!format!("{s:?}").contains("wJalrXUtnFEMI"));
    }

    #[test]
    fn a_profile_gives_keys_region_and_endpoint() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".aws")).unwrap();
        std::fs::write(
            home.path().join(".aws/credentials"),
            "[default]\naws_access_key_id = D\naws_secret_access_key = Dsecret\n\n[shop]\naws_access_key_id = S\naws_secret_access_key = Ssecret\naws_session_token = Stoken\n",
        )
        .unwrap();
        std::fs::write(
            home.path().join(".aws/config"),
            "[default]\nregion = us-east-1\n[profile shop]\nregion = oss-cn-hangzhou\ns3 =\n  endpoint_url = https://oss-cn-hangzhou.aliyuncs.com\n",
        )
        .unwrap();
        let s = resolve(&[("AWS_PROFILE", "shop")], Some(home.path())).unwrap();
        let c = s.credentials.as_ref().unwrap();
        assert_eq!((c.key_id.as_str(), c.token.as_deref()), ("S", Some("Stoken")));
        assert_eq!(s.region.as_deref(), Some("oss-cn-hangzhou"));
        assert_eq!(
            s.endpoint.as_deref(),
            Some("https://oss-cn-hangzhou.aliyuncs.com")
        );
        assert_eq!(
            s.virtual_hosted,
            Some(true),
            "OSS serves buckets on their own host names"
        );
        assert_eq!(s.credentials_from.as_deref(), Some("profile shop"));
        let d = resolve(&[], Some(home.path())).unwrap();
        assert_eq!(d.credentials.unwrap().key_id, "D");
        assert!(matches!(
            resolve(&[("AWS_PROFILE", "nope")], Some(home.path())),
            Err(SettingsError::NoProfile(..))
        ));
    }

    #[test]
    fn half_a_key_and_odd_endpoints_are_refused() {
        assert!(matches!(
            resolve(&[("AWS_ACCESS_KEY_ID", "A")], None),
            Err(SettingsError::HalfKey(..))
        ));
        assert!(matches!(
            resolve(&[("AWS_ENDPOINT_URL", "minio:9000")], None),
            Err(SettingsError::Endpoint(_))
        ));
        let none = resolve(&[], None).unwrap();
        assert_eq!(none.credentials, None);
    }
}
