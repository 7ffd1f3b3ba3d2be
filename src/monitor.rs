//! Bus monitors: connections that see the messages other peers exchange.
//!
//! A [`Monitor`] is a connection that called
//! `org.freedesktop.DBus.Monitoring.BecomeMonitor` on the bus daemon, as
//! `busctl monitor` and `dbus-monitor` do. From then on the daemon copies it
//! every message matching its rules (all messages without rules) and it may
//! no longer send anything. Becoming a monitor needs privileges on the bus
//! (root, or the bus's own user on a session bus).
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! use std::time::Duration;
//!
//! let monitor = sdbus::monitor::Monitor::open_system(&["type='method_call',interface='org.freedesktop.systemd1.Manager'"])?;
//! while let Some(message) = monitor.recv_timeout(Duration::from_secs(10))? {
//!     println!("{:?} called {:?}", message.sender(), message.member());
//! }
//! # Ok(()) }
//! ```

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_int, c_void};
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

use libsystemd_sys as sys;

use crate::bus::{escape_address_value, Bus, BusBuilder};
use crate::error::{Error, InvalidKind, Result};
use crate::message::Message;
use crate::BusErrorKind;

type Queue = RefCell<VecDeque<NonNull<sys::sd_bus_message>>>;

/// A connection that became a bus monitor: every message the bus daemon
/// copies to it is queued until taken with [`Monitor::recv_timeout`],
/// [`Monitor::try_recv`] or iteration.
///
/// The first messages are usually the daemon's own `NameAcquired` and
/// `NameLost` signals for the monitor's unique name. When the connection
/// closes, a local `org.freedesktop.DBus.Local.Disconnected` signal is the
/// last message.
///
/// ```no_run
/// # fn demo() -> sdbus::Result<()> {
/// let monitor = sdbus::monitor::Monitor::open_user(&[])?;
/// for message in &monitor {
///     let message = message?;
///     println!("{:?} {:?}.{:?}", message.message_type(), message.interface(), message.member());
/// }
/// # Ok(()) }
/// ```
pub struct Monitor {
    /// The filter that feeds `queue`, owned; released first in `drop`.
    filter: NonNull<sys::sd_bus_slot>,
    /// Messages the filter took a reference to; freed in `drop`, after the
    /// filter is gone.
    queue: NonNull<Queue>,
    /// Dropped last, after `Drop::drop` released everything of it above.
    bus: Bus,
}

// SAFETY: as for `Bus`: the filter slot, the queued messages and the bus are
// owned by this `Monitor` alone (messages handed out borrow it), so moving it
// moves every user of the `sd_bus` at once. `NonNull` keeps it `!Sync`.
unsafe impl Send for Monitor {}

impl Monitor {
    /// Connects to the bus daemon at `address` and becomes a monitor of the
    /// messages matching any of `rules` (D-Bus match rules; none: every
    /// message).
    ///
    /// A rule the daemon refuses is an [`Error::Invalid`] of kind
    /// [`InvalidKind::MatchRule`]; without the privilege to monitor the
    /// bus, the daemon's `AccessDenied` is returned.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let monitor = sdbus::monitor::Monitor::open_address(
    ///     "unix:path=/run/dbus/system_bus_socket",
    ///     &["type='signal',sender='org.freedesktop.systemd1'"],
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn open_address(address: &str, rules: &[&str]) -> Result<Monitor> {
        for rule in rules {
            if rule.contains(['\0', '\n']) {
                return Err(Error::invalid(
                    InvalidKind::MatchRule,
                    *rule,
                    "contains a NUL byte or a newline",
                ));
            }
        }
        let bus = BusBuilder::new()
            .address(address)?
            .bus_client(true)
            .monitor(true)
            .start()?;
        let queue = NonNull::from(Box::leak(Box::<Queue>::default()));
        let mut filter = ptr::null_mut();
        // SAFETY: valid bus and out pointer; `queue` stays valid until the
        // filter is released (in `Monitor::drop`, or just below on failure).
        let ret = unsafe {
            sys::sd_bus_add_filter(
                bus.as_ptr(),
                &mut filter,
                Some(queue_filter),
                queue.as_ptr().cast(),
            )
        };
        let Some(filter) = NonNull::new(filter).filter(|_| ret >= 0) else {
            // SAFETY: no filter refers to the queue, which is still empty.
            drop(unsafe { Box::from_raw(queue.as_ptr()) });
            return Err(Error::from_negative_errno(
                "sd_bus_add_filter",
                if ret < 0 { ret } else { -libc::EINVAL },
            ));
        };
        // From here on, dropping `monitor` releases everything on failure.
        let monitor = Monitor { filter, queue, bus };
        monitor.become_monitor(rules)?;
        Ok(monitor)
    }

    /// Monitors the session bus (`$DBUS_SESSION_BUS_ADDRESS`, else
    /// `$XDG_RUNTIME_DIR/bus`), as [`Monitor::open_address`].
    pub fn open_user(rules: &[&str]) -> Result<Monitor> {
        let address = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            Ok(address) if !address.is_empty() => address,
            _ => {
                let runtime = std::env::var("XDG_RUNTIME_DIR").map_err(|_| {
                    Error::invalid(
                        InvalidKind::Address,
                        "$XDG_RUNTIME_DIR",
                        "is not set or not UTF-8",
                    )
                })?;
                format!("unix:path={}/bus", escape_address_value(&runtime))
            }
        };
        Self::open_address(&address, rules)
    }

    /// Monitors the system bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else
    /// `/run/dbus/system_bus_socket`), as [`Monitor::open_address`].
    pub fn open_system(rules: &[&str]) -> Result<Monitor> {
        let address = match std::env::var("DBUS_SYSTEM_BUS_ADDRESS") {
            Ok(address) if !address.is_empty() => address,
            _ => "unix:path=/run/dbus/system_bus_socket".to_owned(),
        };
        Self::open_address(&address, rules)
    }

    fn become_monitor(&self, rules: &[&str]) -> Result<()> {
        let mut call = self.bus.new_method_call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.Monitoring",
            "BecomeMonitor",
        )?;
        call.append_args(&(rules, 0u32))?;
        match self.bus.call(&call, None) {
            Ok(_) => Ok(()),
            Err(err) if err.bus_error_kind() == Some(BusErrorKind::MatchRuleInvalid) => {
                Err(Error::invalid(
                    InvalidKind::MatchRule,
                    rules.join("; "),
                    "refused by the bus daemon",
                ))
            }
            Err(err) => Err(err),
        }
    }

    /// The next queued message, without processing the connection.
    pub fn try_recv(&self) -> Option<Message<'_>> {
        let raw = self.queue().borrow_mut().pop_front()?;
        // SAFETY: the queue owned this reference, which now goes to the
        // message; it belongs to `self.bus`, which the message borrows.
        unsafe { Message::from_raw(raw.as_ptr()) }
    }

    /// Processes the connection until a message arrives or `timeout` passes
    /// (`Ok(None)`).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Message<'_>>> {
        let deadline = Instant::now().checked_add(timeout);
        self.bus
            .process_until(deadline, || !self.queue().borrow().is_empty())?;
        Ok(self.try_recv())
    }

    /// Processes the connection until a message arrives. Fails once the
    /// connection is closed and its `Disconnected` message was taken.
    pub fn recv(&self) -> Result<Message<'_>> {
        self.bus
            .process_until(None, || !self.queue().borrow().is_empty())?;
        self.try_recv().ok_or(Error::Os {
            operation: "sd_bus_process",
            errno: libc::EIO,
        })
    }

    /// This connection's unique name on the bus.
    pub fn unique_name(&self) -> Result<&str> {
        self.bus.unique_name()
    }

    fn queue(&self) -> &Queue {
        // SAFETY: the queue lives until `drop`; sd-bus only touches it inside
        // `sd_bus_process` (through `Bus::process_until`), which never runs
        // while a borrow taken here is alive.
        unsafe { self.queue.as_ref() }
    }
}

impl<'m> Iterator for &'m Monitor {
    type Item = Result<Message<'m>>;

    /// The next message, waiting as long as needed; `None` once the
    /// connection is closed.
    fn next(&mut self) -> Option<Self::Item> {
        match self.recv() {
            Err(Error::Os { errno, .. })
                if errno == libc::ECONNRESET || errno == libc::ENOTCONN =>
            {
                None
            }
            other => Some(other),
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        // SAFETY: we own the filter slot's only reference; releasing it
        // removes the filter, so nothing refers to the queue afterwards.
        unsafe { sys::sd_bus_slot_unref(self.filter.as_ptr()) };
        // SAFETY: allocated by `Box` in `open_address`, freed once here.
        let queue: Queue = *unsafe { Box::from_raw(self.queue.as_ptr()) };
        for raw in queue.into_inner() {
            // SAFETY: the queue owned these references.
            unsafe { sys::sd_bus_message_unref(raw.as_ptr()) };
        }
    }
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("bus", &self.bus)
            .field("queued", &self.queue().borrow().len())
            .finish()
    }
}

/// The filter: queues every message and reports it handled, so sd-bus never
/// answers a monitored method call itself.
unsafe extern "C" fn queue_filter(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: `userdata` is the queue of a live `Monitor`, which frees it
    // only after removing this filter.
    let queue = unsafe { &*userdata.cast::<Queue>() };
    if let Some(m) = NonNull::new(m) {
        // SAFETY: sd-bus passes a valid message; the queue owns the new
        // reference.
        unsafe { sys::sd_bus_message_ref(m.as_ptr()) };
        queue.borrow_mut().push_back(m);
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_never_reach_the_bus() {
        for rule in ["type='signal'\n", "type='signal'\0"] {
            let err = Monitor::open_address("unix:path=/nonexistent", &["type='signal'", rule])
                .unwrap_err();
            assert_eq!(
                err,
                Error::invalid(
                    InvalidKind::MatchRule,
                    rule,
                    "contains a NUL byte or a newline"
                )
            );
        }
        let err = Monitor::open_address("", &[]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    kind: InvalidKind::Address,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn no_daemon_is_an_os_error() {
        let err =
            Monitor::open_address("unix:path=/nonexistent/sdbus-monitor-test", &[]).unwrap_err();
        assert_eq!(err.errno(), Some(libc::ENOENT), "{err:?}");
    }
}
