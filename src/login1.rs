//! systemd-logind (`org.freedesktop.login1`): its manager, sessions, users
//! and seats as typed-path helpers over the dynamic [`Object`].
//!
//! Each type builds its object path as logind does (session and seat ids
//! path-encoded, users by uid as `_<uid>`) and dereferences to the
//! [`Object`], so every interface stays reachable; `interface()` is its main
//! one. Nothing is sent until the object is used.
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! use sdbus::login1::{Manager, Session, User};
//!
//! let bus = sdbus::Bus::open_system()?;
//! let sessions = Manager::new(&bus)?.interface()?.call("ListSessions", &[])?;
//! println!("{}", sessions[0]);
//! let mine = Session::by_id(&bus, "auto")?;
//! println!("{}", mine.interface()?.get("Type")?);
//! let me = User::by_uid(&bus, 1000)?;
//! println!("{}", me.interface()?.get("Name")?);
//! # Ok(()) }
//! ```
//!
//! logind does not run in the project's sandbox: the tests only check the
//! paths built here (the dynamic [`Object`] is tested against systemd).

use crate::bus::Bus;
use crate::error::Result;
use crate::names::ObjectPath;
use crate::object::{typed_object, Object};
use crate::path::path_encode;

/// logind's bus name.
pub const DESTINATION: &str = "org.freedesktop.login1";

/// The manager's object path.
pub const MANAGER_PATH: &str = "/org/freedesktop/login1";

/// The prefix of sessions' object paths.
const SESSION_PREFIX: &str = "/org/freedesktop/login1/session";

/// The prefix of users' object paths.
const USER_PREFIX: &str = "/org/freedesktop/login1/user";

/// The prefix of seats' object paths.
const SEAT_PREFIX: &str = "/org/freedesktop/login1/seat";

typed_object! {
    /// logind's manager, `/org/freedesktop/login1`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::login1::Manager::new(bus)?;
    /// let path = manager.interface()?.call("GetSessionByPID", &[std::process::id().into()])?;
    /// # Ok(()) }
    /// ```
    Manager {
        module: "login1",
        destination: DESTINATION,
        interface: "org.freedesktop.login1.Manager",
        example_path: "/org/freedesktop/login1",
    }
}

impl<'bus> Manager<'bus> {
    /// The manager on `bus`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let idle = sdbus::login1::Manager::new(bus)?.interface()?.get("IdleHint")?;
    /// # Ok(()) }
    /// ```
    pub fn new(bus: &'bus Bus) -> Result<Self> {
        Object::new(bus, DESTINATION, MANAGER_PATH).map(Manager)
    }
}

typed_object! {
    /// A login session.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let session = sdbus::login1::Session::by_id(bus, "c1")?;
    /// session.interface()?.call("Lock", &[])?;
    /// # Ok(()) }
    /// ```
    Session {
        module: "login1",
        destination: DESTINATION,
        interface: "org.freedesktop.login1.Session",
        example_path: "/org/freedesktop/login1/session/c1",
    }
}

impl<'bus> Session<'bus> {
    /// The session with id `id` (logind also resolves `self`, the caller's
    /// session, and `auto`, the caller's or else its user's display
    /// session).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let session = sdbus::login1::Session::by_id(bus, "self")?;
    /// # Ok(()) }
    /// ```
    pub fn by_id(bus: &'bus Bus, id: &str) -> Result<Self> {
        Self::from_path(bus, &Self::path(id)?)
    }

    /// The object path of session `id`, as logind encodes it. Fails only
    /// for an id with a NUL byte.
    ///
    /// ```
    /// use sdbus::login1::Session;
    ///
    /// assert_eq!(Session::path("c1")?, "/org/freedesktop/login1/session/c1");
    /// assert_eq!(Session::path("2")?, "/org/freedesktop/login1/session/_32");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn path(id: &str) -> Result<ObjectPath> {
        path_encode(SESSION_PREFIX, id)
    }
}

typed_object! {
    /// A user known to logind.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let user = sdbus::login1::User::by_uid(bus, 1000)?;
    /// println!("{}", user.interface()?.get("State")?);
    /// # Ok(()) }
    /// ```
    User {
        module: "login1",
        destination: DESTINATION,
        interface: "org.freedesktop.login1.User",
        example_path: "/org/freedesktop/login1/user/_1000",
    }
}

impl<'bus> User<'bus> {
    /// The user with uid `uid`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let root = sdbus::login1::User::by_uid(bus, 0)?;
    /// # Ok(()) }
    /// ```
    pub fn by_uid(bus: &'bus Bus, uid: u32) -> Result<Self> {
        Self::from_path(bus, &Self::path(uid)?)
    }

    /// The caller's user (`/org/freedesktop/login1/user/self`).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let me = sdbus::login1::User::current(bus)?;
    /// # Ok(()) }
    /// ```
    pub fn current(bus: &'bus Bus) -> Result<Self> {
        Self::from_path(bus, &format!("{USER_PREFIX}/self"))
    }

    /// The object path of the user with uid `uid`: logind names users
    /// `_<uid>`, in decimal.
    ///
    /// ```
    /// use sdbus::login1::User;
    ///
    /// assert_eq!(User::path(1000)?, "/org/freedesktop/login1/user/_1000");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn path(uid: u32) -> Result<ObjectPath> {
        ObjectPath::try_from(format!("{USER_PREFIX}/_{uid}"))
    }
}

typed_object! {
    /// A seat.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let seat = sdbus::login1::Seat::by_id(bus, "seat0")?;
    /// println!("{}", seat.interface()?.get("ActiveSession")?);
    /// # Ok(()) }
    /// ```
    Seat {
        module: "login1",
        destination: DESTINATION,
        interface: "org.freedesktop.login1.Seat",
        example_path: "/org/freedesktop/login1/seat/seat0",
    }
}

impl<'bus> Seat<'bus> {
    /// The seat with id `id` (logind also resolves `self` and `auto`, as
    /// for sessions).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let seat = sdbus::login1::Seat::by_id(bus, "seat0")?;
    /// # Ok(()) }
    /// ```
    pub fn by_id(bus: &'bus Bus, id: &str) -> Result<Self> {
        Self::from_path(bus, &Self::path(id)?)
    }

    /// The object path of seat `id`, as logind encodes it. Fails only for an
    /// id with a NUL byte.
    ///
    /// ```
    /// use sdbus::login1::Seat;
    ///
    /// assert_eq!(Seat::path("seat0")?, "/org/freedesktop/login1/seat/seat0");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn path(id: &str) -> Result<ObjectPath> {
        path_encode(SEAT_PREFIX, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_logind_builds_them() {
        assert_eq!(
            Session::path("c1").unwrap(),
            "/org/freedesktop/login1/session/c1"
        );
        assert_eq!(
            Session::path("self").unwrap(),
            "/org/freedesktop/login1/session/self"
        );
        // Numeric session ids (as from pam_systemd) start with a digit.
        assert_eq!(
            Session::path("42").unwrap(),
            "/org/freedesktop/login1/session/_342"
        );
        assert_eq!(User::path(0).unwrap(), "/org/freedesktop/login1/user/_0");
        assert_eq!(
            User::path(u32::MAX).unwrap(),
            "/org/freedesktop/login1/user/_4294967295"
        );
        assert_eq!(
            Seat::path("seat-1").unwrap(),
            "/org/freedesktop/login1/seat/seat_2d1"
        );
        assert!(Session::path("a\0").is_err());
    }
}
