//! The daemon side of systemd: what a service needs when it *is* the unit.
//!
//! - [`Notify`] tells the manager about the service's state (`READY=1`,
//!   `STATUS=…`, `RELOADING=1`, `STOPPING=1`, watchdog pings, the file
//!   descriptor store…) through `sd_pid_notify_with_fds`, and [`barrier`]
//!   waits until the manager has processed everything sent before it.
//! - [`watchdog_enabled`] reads the watchdog interval the manager expects,
//!   and [`Watchdog`] pings it at half that interval from a thread the
//!   caller owns.
//! - [`listen_fds`] and [`listen_fds_with_names`] take the sockets and
//!   other file descriptors passed by socket activation or the fd store, as
//!   [`OwnedFd`](std::os::fd::OwnedFd)s; [`is_socket`], [`is_socket_inet`],
//!   [`is_socket_unix`], [`is_fifo`], [`is_special`] and [`is_mq`] check
//!   what they are, and [`into_tcp_listener`], [`into_unix_listener`],
//!   [`into_udp_socket`]… turn them into the standard library's types after
//!   checking their type.
//! - [`booted`] says whether the system runs systemd.
//!
//! Nothing here is an error outside systemd: [`Notify::send`] returns
//! `Ok(false)` when there is no notification socket, [`listen_fds`] returns
//! no fds and [`watchdog_enabled`] returns `None`, so the same binary runs
//! under systemd and from a shell.
//!
//! None of these functions changes the environment (`sd_notify`'s
//! `unset_environment` argument is always 0): removing variables is only
//! sound while no other thread reads the environment. Children do not act
//! on the variables they inherit anyway, as `LISTEN_PID` and `WATCHDOG_PID`
//! name this process; to hide them, remove them from the child's
//! environment with [`std::process::Command::env_remove`], or see
//! [`unset_listen_environment`].
//!
//! ```no_run
//! use std::io::{BufRead, BufReader, Write};
//! use sdbus::daemon::{self, Notify, Watchdog};
//!
//! # fn demo() -> sdbus::Result<()> {
//! Notify::new().status("loading the configuration").send()?;
//! // A `.socket` unit with `FileDescriptorName=control` passed this one.
//! let listener = match daemon::listen_fds_with_names()?.into_iter().find(|(name, _)| name == "control") {
//!     Some((_, fd)) => daemon::into_unix_listener(fd)?,
//!     None => std::os::unix::net::UnixListener::bind("/tmp/control.sock").expect("bind"),
//! };
//! let _pinger = Watchdog::from_env()?.map(Watchdog::spawn).transpose()?;
//! Notify::new().ready().status("serving").send()?;
//! for stream in listener.incoming() {
//!     let mut stream = stream.expect("accept");
//!     let mut line = String::new();
//!     BufReader::new(&stream).read_line(&mut line).expect("read");
//!     stream.write_all(line.as_bytes()).expect("write");
//! }
//! # Ok(()) }
//! ```

use libsystemd_sys as sys;

use crate::error::{check, Result};

mod listen;
mod notify;
mod watchdog;

pub use listen::{
    into_tcp_listener, into_tcp_stream, into_udp_socket, into_unix_datagram, into_unix_listener,
    into_unix_stream, is_fifo, is_mq, is_socket, is_socket_inet, is_socket_unix, is_special,
    listen_fds, listen_fds_with_names, unset_listen_environment, InetFamily, IntoSocketError,
    SocketKind,
};
pub use notify::{barrier, Notify};
pub use watchdog::{watchdog_enabled, Watchdog, WatchdogThread};

/// Whether the system was booted with systemd as its init system (whether
/// `/run/systemd/system/` exists), as `sd_booted`.
///
/// ```
/// if sdbus::daemon::booted()? {
///     println!("running under systemd");
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn booted() -> Result<bool> {
    // SAFETY: no arguments; sd_booted only checks a directory.
    Ok(check("sd_booted", unsafe { sys::sd_booted() })? > 0)
}
