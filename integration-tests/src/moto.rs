//! The AWS emulator: a moto server with eksharden's package (`moto/eksharden_moto`), on a
//! free loopback port, stopped when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::python::PythonEnv;

/// A running moto server.
pub struct Moto {
    child: Child,
    address: SocketAddr,
}

/// How to start the emulator.
#[derive(Debug, Default, Clone)]
pub struct MotoOptions {
    /// `LogicalId:reason`: every resource with that logical id fails to create.
    pub fail_resource: Option<String>,
    /// Seconds each new stack stays CREATE_IN_PROGRESS after its resources exist.
    pub stack_seconds: Option<f64>,
}

impl Moto {
    /// Starts a server with default options.
    pub fn start() -> Self {
        Self::start_with(&MotoOptions::default())
    }

    /// Starts a server; panics with the server's output if it does not come up.
    pub fn start_with(options: &MotoOptions) -> Self {
        let python = PythonEnv::ensure().expect("the Python tools install");
        let plugin_dir = crate::cli::crate_dir().join("moto");
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = tempfile_path(port);
            let mut command = Command::new(python.bin("python"));
            command
                .arg(plugin_dir.join("serve.py"))
                .arg(port.to_string())
                .env("PYTHONPATH", &plugin_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("a log file for moto"));
            match &options.fail_resource {
                Some(failure) => command.env("EKSHARDEN_MOTO_FAIL_RESOURCE", failure),
                None => command.env_remove("EKSHARDEN_MOTO_FAIL_RESOURCE"),
            };
            match options.stack_seconds {
                Some(seconds) => command.env("EKSHARDEN_MOTO_STACK_SECONDS", seconds.to_string()),
                None => command.env_remove("EKSHARDEN_MOTO_STACK_SECONDS"),
            };
            let child = command.spawn().expect("python starts");
            let mut moto = Self { child, address: SocketAddr::from(([127, 0, 0, 1], port)) };
            if moto.wait_ready(Duration::from_secs(30)) {
                return moto;
            }
            last_error = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = moto.child.kill();
        }
        panic!("the moto server did not start:\n{last_error}");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The endpoint URL to give AWS clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The server's address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn tempfile_path(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("eksharden-moto-{}-{port}.log", std::process::id()))
}
