//! A throw-away S3 server: moto's server mode (`python3 -m moto.server`, from PyPI:
//! `pip install 'moto[server]'`, which .ci/run does), on 127.0.0.1 and a free port, its
//! working folder and log in a temporary folder, killed when the guard is dropped. Buckets
//! are filled with boto3 through `s3_fixture.py` (beside this file).

use crate::util::manifest_dir;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The dummy credentials every test uses (moto accepts any until auth is enforced); neither
/// may ever appear in pimap's outputs.
pub const KEY_ID: &str = "testing-key-id";
pub const SECRET: &str = "s3cr3t-Do-Not-Print-4a7c9e";

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

pub struct Moto {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Moto {
    pub fn start() -> Moto {
        let check = Command::new("python3")
            .args(["-c", "import moto.server, boto3, flask"])
            .stdin(Stdio::null())
            .output();
        let ok = matches!(&check, Ok(out) if out.status.success());
        assert!(
            ok,
            "moto's S3 server is not installed (python3 -c 'import moto.server, boto3' failed: {}): \
             install it with `pip install 'moto[server]==5.2.1'` (.ci/run does)",
            match &check {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            }
        );
        let dir = tempfile::Builder::new()
            .prefix("pimap-moto-")
            .tempdir()
            .expect("temp dir");
        let log = std::fs::File::create(dir.path().join("moto.log")).expect("moto log");
        let port = free_port();
        use std::os::unix::process::CommandExt;
        // Its own process group: the guard kills the group, whatever python3 (a pyenv shim,
        // a wrapper) runs under it.
        let child = Command::new("python3")
            .process_group(0)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .current_dir(dir.path())
            .env_remove("INITIAL_NO_AUTH_ACTION_COUNT")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start python3 -m moto.server");
        let mut moto = Moto { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto.server exited ({status}):\n{}", moto.log());
            }
            assert!(
                Instant::now() < deadline,
                "moto.server did not listen on {port} within 60 s:\n{}",
                moto.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // Listening, and ours (not another test's server on a port both were given).
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(Some(status)) = moto.child.try_wait() {
            panic!("moto.server exited ({status}):\n{}", moto.log());
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// Runs `s3_fixture.py ARGS` against this server with the dummy credentials; its stdout.
    #[track_caller]
    pub fn fixture(&self, args: &[&str]) -> String {
        let script = manifest_dir().join("tests/object_storage/s3_fixture.py");
        let out = Command::new("python3")
            .arg(script)
            .args(args)
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("no-credentials"),
            )
            .env("AWS_CONFIG_FILE", self.dir.path().join("no-config"))
            .stdin(Stdio::null())
            .output()
            .expect("python3 s3_fixture.py");
        assert!(
            out.status.success(),
            "s3_fixture.py {args:?} failed:\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn mkbucket(&self, bucket: &str) {
        self.fixture(&["mkbucket", bucket]);
    }

    /// Every file under `dir` as `prefix/REL`; returns how many.
    pub fn upload(&self, bucket: &str, prefix: &str, dir: &Path) -> usize {
        let n = self.fixture(&["upload", bucket, prefix, dir.to_str().unwrap()]);
        n.trim().parse().expect("upload count")
    }

    /// One object with these bytes.
    pub fn put(&self, bucket: &str, key: &str, data: impl AsRef<[u8]>) {
        let file = self.dir.path().join("put.bin");
        std::fs::write(&file, data).unwrap();
        self.fixture(&["put", bucket, key, file.to_str().unwrap()]);
    }

    pub fn delete(&self, bucket: &str, key: &str) {
        self.fixture(&["delete", bucket, key]);
    }

    /// An IAM user allowed s3:* (create it before `enforce_auth`): (key id, secret).
    pub fn user(&self, name: &str) -> (String, String) {
        let out = self.fixture(&["user", name]);
        let mut words = out.split_whitespace();
        (
            words.next().expect("key id").to_string(),
            words.next().expect("secret").to_string(),
        )
    }

    /// From now on every request must be signed by an IAM user's key.
    pub fn enforce_auth(&self) {
        self.fixture(&["enforce-auth"]);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: a signal to the process group this guard started (still running).
            unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
