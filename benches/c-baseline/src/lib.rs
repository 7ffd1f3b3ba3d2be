//! The raw C sd-bus baseline of sdbus's benchmarks: `raw.c` does each
//! workload the plain sd-bus way, `n` times per call, so that timing it costs
//! one FFI call per timed loop. See `raw.c` for what each function does.
//!
//! Every function returns a negative errno on failure (and prints the
//! D-Bus error, if any, to stderr); [`Conn`] wraps them into `Result`s.

use std::ffi::{c_char, c_int, CStr};
use std::ptr::NonNull;

/// The C side's connection and state (`struct cbase`).
#[repr(C)]
pub struct RawConn {
    _private: [u8; 0],
}

extern "C" {
    fn cbase_open(direct: c_int) -> *mut RawConn;
    fn cbase_close(c: *mut RawConn);
    fn cbase_drain(c: *mut RawConn) -> c_int;
    fn cbase_ping(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_get_version(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_get_all(c: *mut RawConn, path: *const c_char, n: u64) -> c_int;
    fn cbase_list_units(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_build_seal(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_pipelined_get(c: *mut RawConn, batch: u64, rounds: u64) -> c_int;
    fn cbase_transient(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_run_wait(c: *mut RawConn, n: u64) -> c_int;
    fn cbase_fleet_create(c: *mut RawConn, prefix: *const c_char, n: u64, window: u64) -> c_int;
    fn cbase_fleet_snapshot(c: *mut RawConn, n: u64) -> c_int;
}

/// A negative errno from the C side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", std::io::Error::from_raw_os_error(self.0))
    }
}

impl std::error::Error for Errno {}

fn check(ret: c_int) -> Result<u32, Errno> {
    u32::try_from(ret).map_err(|_| Errno(-ret))
}

/// A connection of the C baseline: the user bus, or the user manager's
/// private socket, with a match for `JobRemoved`.
pub struct Conn(NonNull<RawConn>);

impl Conn {
    /// Opens the user bus (`direct == false`) or the user manager's private
    /// socket (`$XDG_RUNTIME_DIR/systemd/private`).
    pub fn open(direct: bool) -> Option<Conn> {
        // SAFETY: plain C call; a NULL result is a failure.
        NonNull::new(unsafe { cbase_open(c_int::from(direct)) }).map(Conn)
    }

    fn raw(&mut self) -> *mut RawConn {
        self.0.as_ptr()
    }

    /// Handles what other clients' work sent this connection, until it
    /// has been quiet for 20 ms; returns how many messages.
    pub fn drain(&mut self) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_drain(self.raw()) })
    }

    /// `Peer.Ping` to the bus driver, `n` times.
    pub fn ping(&mut self, n: u64) -> Result<(), Errno> {
        // SAFETY (all calls below): a valid connection, used by one thread
        // (`&mut self`), and valid NUL-terminated strings.
        check(unsafe { cbase_ping(self.raw(), n) }).map(drop)
    }

    /// `Properties.Get` of the manager's `Version` (copied out), `n` times;
    /// returns the version's length.
    pub fn get_version(&mut self, n: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_get_version(self.raw(), n) })
    }

    /// `GetAll` of the `Unit` interface of `path`, fully decoded into a hash
    /// table of generic values, `n` times; returns the number of properties.
    pub fn get_all(&mut self, path: &CStr, n: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_get_all(self.raw(), path.as_ptr(), n) })
    }

    /// `ListUnits` decoded into an array of structs, `n` times; returns the
    /// number of units.
    pub fn list_units(&mut self, n: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_list_units(self.raw(), n) })
    }

    /// Builds and seals a call with a 64-entry `a{sv}`, `n` times.
    pub fn build_seal(&mut self, n: u64) -> Result<(), Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_build_seal(self.raw(), n) }).map(drop)
    }

    /// `rounds` times: `batch` `Get`s of `Version` in flight at once;
    /// returns the length of the last version read.
    pub fn pipelined_get(&mut self, batch: u64, rounds: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_pipelined_get(self.raw(), batch, rounds) })
    }

    /// `StartTransientUnit` of `/bin/true` and wait for its `JobRemoved`,
    /// `n` times.
    pub fn transient(&mut self, n: u64) -> Result<(), Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_transient(self.raw(), n) }).map(drop)
    }

    /// Runs `/bin/true` in a transient service and waits for its outcome
    /// (the protocol of `systemd-run --wait`, see `raw.c`), `n` times;
    /// returns the last exit status.
    pub fn run_wait(&mut self, n: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_run_wait(self.raw(), n) })
    }

    /// Creates `n` transient services `{prefix}{i}.service` that stay active
    /// without a process, at most `window` calls in flight.
    pub fn fleet_create(&mut self, prefix: &CStr, n: u64, window: u64) -> Result<(), Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_fleet_create(self.raw(), prefix.as_ptr(), n, window) }).map(drop)
    }

    /// `ListUnits`, then `GetAll` of every unit, one after the other, `n`
    /// times; returns the number of units.
    pub fn fleet_snapshot(&mut self, n: u64) -> Result<u32, Errno> {
        // SAFETY: see `ping`.
        check(unsafe { cbase_fleet_snapshot(self.raw(), n) })
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: we own the connection; closed exactly once.
        unsafe { cbase_close(self.raw()) }
    }
}
