//! Shared set-up of the integration tests. They run inside the sandbox
//! (`sandbox/run cargo test`, or `scripts/test`), where both bus addresses
//! point at the private manager's bus.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use sdbus::{Bus, BusBuilder, Message, Value};

pub const SYSTEMD: &str = "org.freedesktop.systemd1";
pub const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
pub const MANAGER: &str = "org.freedesktop.systemd1.Manager";
pub const UNIT: &str = "org.freedesktop.systemd1.Unit";
pub const ECHO_IFACE: &str = "com.example.Echo";

/// The user bus of the sandbox, with a clear message outside it.
pub fn user_bus() -> Bus {
    Bus::open_user().unwrap_or_else(|err| {
        panic!("cannot open the user bus ({err}); run the tests with scripts/test or sandbox/run")
    })
}

/// A peer-to-peer connection to an echo server running on its own thread
/// (a `Bus` is `Send`). The server answers on any path:
/// - `com.example.Echo.Echo`: the call's whole body, copied back;
/// - `com.example.Echo.EchoValues`: every argument read as a dynamic
///   `Value` and appended back, so it exercises `Value` both ways;
/// - `com.example.Echo.Fail(ss)`: an error reply with that name and text;
/// - `com.example.Echo.Never`: no reply at all.
pub struct EchoPeer {
    pub client: Bus,
    stop: Arc<AtomicBool>,
    server: Option<JoinHandle<()>>,
}

impl EchoPeer {
    pub fn start() -> EchoPeer {
        let (server_end, client_end) = UnixStream::pair().expect("socketpair");
        let stop = Arc::new(AtomicBool::new(false));
        let server_stop = Arc::clone(&stop);
        let server = std::thread::spawn(move || {
            let bus = BusBuilder::new()
                .fd(server_end.into())
                .server([0x42; 16])
                .anonymous(true)
                .start()
                .expect("start the echo server");
            let _object = bus
                .add_object("/", true, echo_handler)
                .expect("register the echo object");
            while !server_stop.load(Ordering::Relaxed) && bus.is_open() {
                match bus.process() {
                    Ok(true) => continue,
                    Ok(false) => {
                        let _ = bus.wait(Some(Duration::from_millis(50)));
                    }
                    Err(_) => break,
                }
            }
        });
        let client = BusBuilder::new()
            .fd(client_end.into())
            .anonymous(true)
            .start()
            .expect("start the echo client");
        EchoPeer {
            client,
            stop,
            server: Some(server),
        }
    }

    /// Calls `member` of the echo interface with a body built by `fill`.
    pub fn call<'b>(
        &'b self,
        member: &str,
        fill: impl FnOnce(&mut Message<'b>) -> sdbus::Result<()>,
    ) -> sdbus::Result<Message<'b>> {
        let mut call = self
            .client
            .new_method_call(None, "/echo", ECHO_IFACE, member)?;
        fill(&mut call)?;
        self.client.call(&call, Some(Duration::from_secs(10)))
    }
}

impl EchoPeer {
    /// Stops the server thread; its end of the connection closes.
    pub fn stop_server(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(server) = self.server.take() {
            server.join().expect("the echo server panicked");
        }
    }
}

impl Drop for EchoPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(server) = self.server.take() {
            // A server panic was already printed; panicking again in drop
            // would abort the test binary.
            let _ = server.join();
        }
    }
}

fn echo_handler(call: &Message<'_>) -> bool {
    let reply = || -> sdbus::Result<bool> {
        match call.member() {
            Some("Echo") => {
                let mut reply = call.new_method_return()?;
                reply.append_from(call, true)?;
                reply.send()?;
            }
            Some("EchoValues") => {
                let mut values = Vec::new();
                while !call.at_end(false)? {
                    values.push(Value::read_bare(call)?);
                }
                let mut reply = call.new_method_return()?;
                for value in &values {
                    value.append_bare(&mut reply)?;
                }
                reply.send()?;
            }
            Some("Fail") => {
                let (name, text): (String, String) = call.read_args()?;
                call.new_method_error(&sdbus::BusError::new(name, text))?
                    .send()?;
            }
            Some("Never") => {}
            _ => return Ok(false),
        }
        Ok(true)
    };
    reply().unwrap_or(false)
}

/// The binary of example `name`, built once per test binary with the
/// profile and features this test was built with (so that the library is
/// not built again).
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = built.get_or_insert_with(HashMap::new).get(name) {
        return path.clone();
    }
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test>-<hash>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["build", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if cfg!(feature = "tokio") {
        cargo.args(["--features", "tokio"]);
    }
    match profile_dir.file_name().and_then(|dir| dir.to_str()) {
        Some("debug") | None => {}
        Some(profile) => {
            cargo.args(["--profile", profile]);
        }
    }
    let status = cargo.status().expect("run cargo");
    assert!(status.success(), "cargo build --example {name} failed");
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} was not built", path.display());
    built
        .get_or_insert_with(HashMap::new)
        .insert(name.to_owned(), path.clone());
    path
}
