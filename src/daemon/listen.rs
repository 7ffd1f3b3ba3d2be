//! Socket activation: the fds passed by the manager, checks of what they
//! are, and conversions into the standard library's socket types.

use std::ffi::{c_char, c_int, CStr};
use std::fmt;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::Path;
use std::ptr;
use std::sync::{Mutex, PoisonError};

use libsystemd_sys as sys;

use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};

/// Whether the passed fds were taken: they can be owned only once.
static TAKEN: Mutex<bool> = Mutex::new(false);

/// The variables of the socket activation protocol.
const LISTEN_VARIABLES: [&str; 3] = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"];

/// Takes the file descriptors passed to this process by socket activation
/// or the fd store (`$LISTEN_FDS`, checked against `$LISTEN_PID`), as
/// `sd_listen_fds`, in the order the manager passed them (the order of the
/// `.socket` unit's `Listen…=` lines). They are marked close-on-exec.
///
/// Returns no fds when none were passed to this process (including outside
/// systemd, and in a child that inherited the variables). The fds can be
/// taken only once: a later call of this function or of
/// [`listen_fds_with_names`] fails with `EALREADY` (an [`Error::Os`])
/// rather than hand out a second owner of the same fds. Do not take them
/// through another library as well.
///
/// ```no_run
/// use std::net::TcpListener;
///
/// let listener = match sdbus::daemon::listen_fds()?.pop() {
///     Some(fd) => sdbus::daemon::into_tcp_listener(fd)?,
///     None => TcpListener::bind("127.0.0.1:8080").expect("bind"),
/// };
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn listen_fds() -> Result<Vec<OwnedFd>> {
    let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    refuse_if_taken(*taken)?;
    // SAFETY: plain call; 0 leaves the environment alone.
    let count = check("sd_listen_fds", unsafe { sys::sd_listen_fds(0) })?;
    // SAFETY: sd_listen_fds checked `count` open fds from 3 on, and the
    // flag in `taken` guarantees they were not taken before.
    Ok(unsafe { own(&mut taken, count) })
}

/// Like [`listen_fds`], with each fd's name: the `FileDescriptorName=` of
/// its `.socket` unit (by default the unit's name), the `FDNAME=` it was
/// stored under in the fd store, or `"unknown"` when the manager passed no
/// names (`$LISTEN_FDNAMES`). A name list that does not match the fds is
/// an error (`EINVAL`).
///
/// ```no_run
/// let mut fds = sdbus::daemon::listen_fds_with_names()?;
/// if let Some(at) = fds.iter().position(|(name, _)| name == "http") {
///     let (_, fd) = fds.swap_remove(at);
///     let http = sdbus::daemon::into_tcp_listener(fd)?;
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn listen_fds_with_names() -> Result<Vec<(String, OwnedFd)>> {
    let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    refuse_if_taken(*taken)?;
    let mut names: *mut *mut c_char = ptr::null_mut();
    // SAFETY: valid out pointer; 0 leaves the environment alone.
    let ret = unsafe { sys::sd_listen_fds_with_names(0, &mut names) };
    // SAFETY: `names` is NULL or a NULL-terminated array that sd-daemon
    // allocated with malloc and handed over to us.
    let names = unsafe { take_strv(names) };
    let count = check("sd_listen_fds_with_names", ret)?;
    // SAFETY: as in `listen_fds`.
    let fds = unsafe { own(&mut taken, count) };
    // sd-daemon returns exactly one name per fd.
    Ok(names.into_iter().zip(fds).collect())
}

/// Removes `$LISTEN_PID`, `$LISTEN_FDS` and `$LISTEN_FDNAMES` from the
/// environment, as `sd_listen_fds`'s `unset_environment` argument does, so
/// that child processes do not see them.
///
/// The variables are harmless in children (they name this process's pid),
/// and removing them from a [`Command`](std::process::Command) with
/// `env_remove` is always sound; this is for code that must clear them in
/// the process itself.
///
/// # Safety
/// As [`std::env::remove_var`]: no other thread may read or write the
/// environment at the same time, including C code calling `getenv` (which
/// sd-bus does when opening a bus). Call it while the process has a single
/// thread.
///
/// ```no_run
/// let fds = sdbus::daemon::listen_fds()?;
/// // SAFETY: still single-threaded, early in `main`.
/// unsafe { sdbus::daemon::unset_listen_environment() };
/// # Ok::<(), sdbus::Error>(())
/// ```
pub unsafe fn unset_listen_environment() {
    for name in LISTEN_VARIABLES {
        std::env::remove_var(name);
    }
}

fn refuse_if_taken(taken: bool) -> Result<()> {
    if taken {
        return Err(Error::Os {
            operation: "sd_listen_fds",
            errno: libc::EALREADY,
        });
    }
    Ok(())
}

/// Owns the `count` fds from `SD_LISTEN_FDS_START` on and records that they
/// were taken.
///
/// # Safety
/// Those fds must be open and owned by nobody else.
unsafe fn own(taken: &mut bool, count: c_int) -> Vec<OwnedFd> {
    if count > 0 {
        *taken = true;
    }
    let start = sys::SD_LISTEN_FDS_START as c_int;
    (start..start.saturating_add(count))
        // SAFETY: the caller guarantees that each fd is open and unowned.
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .collect()
}

/// Copies and frees a malloc'd, NULL-terminated array of malloc'd strings.
///
/// # Safety
/// `strv` must be NULL or such an array, owned by the caller.
unsafe fn take_strv(strv: *mut *mut c_char) -> Vec<String> {
    let mut strings = Vec::new();
    if strv.is_null() {
        return strings;
    }
    let mut at = strv;
    loop {
        // SAFETY: `at` stays within the array, up to its NULL terminator.
        let item = unsafe { *at };
        if item.is_null() {
            break;
        }
        // SAFETY: each item is a NUL-terminated string we now own.
        strings.push(
            unsafe { CStr::from_ptr(item) }
                .to_string_lossy()
                .into_owned(),
        );
        // SAFETY: allocated with malloc, freed once.
        unsafe { libc::free(item.cast()) };
        // SAFETY: the terminator has not been reached, so the next slot exists.
        at = unsafe { at.add(1) };
    }
    // SAFETY: the array itself was allocated with malloc, freed once.
    unsafe { libc::free(strv.cast()) };
    strings
}

/// The type of a socket, to check for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketKind {
    /// `SOCK_STREAM`: TCP, stream Unix sockets (`ListenStream=`).
    Stream,
    /// `SOCK_DGRAM`: UDP, datagram Unix sockets (`ListenDatagram=`).
    Datagram,
    /// `SOCK_SEQPACKET` (`ListenSequentialPacket=`).
    SeqPacket,
    /// `SOCK_RAW`.
    Raw,
}

impl SocketKind {
    fn raw(self) -> c_int {
        match self {
            SocketKind::Stream => libc::SOCK_STREAM,
            SocketKind::Datagram => libc::SOCK_DGRAM,
            SocketKind::SeqPacket => libc::SOCK_SEQPACKET,
            SocketKind::Raw => libc::SOCK_RAW,
        }
    }
}

/// An Internet address family, to check for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InetFamily {
    /// `AF_INET`.
    V4,
    /// `AF_INET6`.
    V6,
}

/// `sd_is_*`'s listening argument: negative for "either".
fn listening_arg(listening: Option<bool>) -> c_int {
    listening.map_or(-1, c_int::from)
}

fn kind_arg(kind: Option<SocketKind>) -> c_int {
    kind.map_or(0, SocketKind::raw)
}

fn path_arg(path: Option<&Path>) -> Result<Option<CStrBuf>> {
    path.map(|p| CStrBuf::from_bytes(p.as_os_str().as_bytes(), InvalidKind::Argument))
        .transpose()
}

/// Whether `fd` is a socket of any family, of `kind` (`None`: any) that is
/// listening or not (`None`: either), as `sd_is_socket`. An fd that is not
/// open is an [`Error::Os`] (`EBADF`).
///
/// ```
/// use std::os::fd::AsFd;
/// use sdbus::daemon::{is_socket, SocketKind};
///
/// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
/// assert!(is_socket(a.as_fd(), Some(SocketKind::Stream), Some(false))?);
/// assert!(!is_socket(a.as_fd(), Some(SocketKind::Datagram), None)?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_socket(
    fd: BorrowedFd<'_>,
    kind: Option<SocketKind>,
    listening: Option<bool>,
) -> Result<bool> {
    // SAFETY: `fd` is borrowed, so open; family 0 is "any".
    let ret =
        unsafe { sys::sd_is_socket(fd.as_raw_fd(), 0, kind_arg(kind), listening_arg(listening)) };
    Ok(check("sd_is_socket", ret)? > 0)
}

/// Whether `fd` is an Internet socket of `family` (`None`: IPv4 or IPv6),
/// of `kind`, listening or not, bound to `port` (`None` or `Some(0)`: any
/// port), as `sd_is_socket_inet`.
///
/// ```
/// use std::os::fd::AsFd;
/// use sdbus::daemon::{is_socket_inet, InetFamily, SocketKind};
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
/// let port = listener.local_addr().expect("address").port();
/// let fd = listener.as_fd();
/// assert!(is_socket_inet(fd, Some(InetFamily::V4), Some(SocketKind::Stream), Some(true), Some(port))?);
/// assert!(!is_socket_inet(fd, Some(InetFamily::V6), None, None, None)?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_socket_inet(
    fd: BorrowedFd<'_>,
    family: Option<InetFamily>,
    kind: Option<SocketKind>,
    listening: Option<bool>,
    port: Option<u16>,
) -> Result<bool> {
    let family = match family {
        None => 0,
        Some(InetFamily::V4) => libc::AF_INET,
        Some(InetFamily::V6) => libc::AF_INET6,
    };
    // SAFETY: `fd` is borrowed, so open; the family is 0, AF_INET or AF_INET6.
    let ret = unsafe {
        sys::sd_is_socket_inet(
            fd.as_raw_fd(),
            family,
            kind_arg(kind),
            listening_arg(listening),
            port.unwrap_or(0),
        )
    };
    Ok(check("sd_is_socket_inet", ret)? > 0)
}

/// Whether `fd` is a Unix socket of `kind`, listening or not, bound to
/// `path` (`None`: any address; an empty path: an unnamed socket), as
/// `sd_is_socket_unix`. Abstract socket names are not supported here. A
/// path with a NUL byte is an [`Error::Invalid`].
///
/// ```
/// use std::os::fd::AsFd;
/// use std::path::Path;
/// use sdbus::daemon::{is_socket_unix, SocketKind};
///
/// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
/// assert!(is_socket_unix(a.as_fd(), Some(SocketKind::Stream), Some(false), Some(Path::new("")))?);
/// assert!(!is_socket_unix(a.as_fd(), None, None, Some(Path::new("/run/other.sock")))?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_socket_unix(
    fd: BorrowedFd<'_>,
    kind: Option<SocketKind>,
    listening: Option<bool>,
    path: Option<&Path>,
) -> Result<bool> {
    let path = path_arg(path)?;
    let (path_ptr, length) = match &path {
        Some(p) => (p.as_ptr(), p.as_cstr().to_bytes().len()),
        None => (ptr::null(), 0),
    };
    // SAFETY: `fd` is borrowed, so open; `path_ptr` is NULL or a
    // NUL-terminated string of `length` bytes that outlives the call.
    let ret = unsafe {
        sys::sd_is_socket_unix(
            fd.as_raw_fd(),
            kind_arg(kind),
            listening_arg(listening),
            path_ptr,
            length,
        )
    };
    Ok(check("sd_is_socket_unix", ret)? > 0)
}

/// Whether `fd` is a FIFO (named pipe) or pipe, at `path` if given (the
/// same file, compared by device and inode), as `sd_is_fifo`.
///
/// ```
/// use std::os::fd::AsFd;
/// let file = std::fs::File::open("/dev/null").expect("open");
/// assert!(!sdbus::daemon::is_fifo(file.as_fd(), None)?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_fifo(fd: BorrowedFd<'_>, path: Option<&Path>) -> Result<bool> {
    let path = path_arg(path)?;
    // SAFETY: `fd` is borrowed, so open; the path is NULL or NUL-terminated.
    let ret = unsafe {
        sys::sd_is_fifo(
            fd.as_raw_fd(),
            path.as_ref().map_or(ptr::null(), CStrBuf::as_ptr),
        )
    };
    Ok(check("sd_is_fifo", ret)? > 0)
}

/// Whether `fd` is a special file (a character device, or a regular file
/// in `/proc` or `/sys`), at `path` if given, as `sd_is_special`
/// (`ListenSpecial=`).
///
/// ```
/// use std::os::fd::AsFd;
/// use std::path::Path;
/// let null = std::fs::File::open("/dev/null").expect("open");
/// assert!(sdbus::daemon::is_special(null.as_fd(), Some(Path::new("/dev/null")))?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_special(fd: BorrowedFd<'_>, path: Option<&Path>) -> Result<bool> {
    let path = path_arg(path)?;
    // SAFETY: `fd` is borrowed, so open; the path is NULL or NUL-terminated.
    let ret = unsafe {
        sys::sd_is_special(
            fd.as_raw_fd(),
            path.as_ref().map_or(ptr::null(), CStrBuf::as_ptr),
        )
    };
    Ok(check("sd_is_special", ret)? > 0)
}

/// Whether `fd` is a POSIX message queue, named `name` (such as
/// `"/jobs"`) if given, as `sd_is_mq` (`ListenMessageQueue=`).
///
/// ```
/// use std::os::fd::AsFd;
/// let null = std::fs::File::open("/dev/null").expect("open");
/// assert!(!sdbus::daemon::is_mq(null.as_fd(), None)?);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn is_mq(fd: BorrowedFd<'_>, name: Option<&str>) -> Result<bool> {
    let name = name
        .map(|n| CStrBuf::new(n, InvalidKind::Argument))
        .transpose()?;
    // SAFETY: `fd` is borrowed, so open; the name is NULL or NUL-terminated.
    let ret = unsafe {
        sys::sd_is_mq(
            fd.as_raw_fd(),
            name.as_ref().map_or(ptr::null(), CStrBuf::as_ptr),
        )
    };
    Ok(check("sd_is_mq", ret)? > 0)
}

/// A conversion of an fd into a socket type that failed: the fd is not that
/// kind of socket (an [`Error::Invalid`] describing what it is instead), or
/// the check itself failed. The fd is handed back, so it is not lost.
///
/// It converts into [`Error`], so `?` works in functions returning
/// [`crate::Result`].
///
/// ```
/// use sdbus::daemon::into_tcp_listener;
///
/// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
/// let err = into_tcp_listener(a.into()).unwrap_err();
/// assert!(err.to_string().contains("is not a listening TCP socket"), "{err}");
/// let fd = err.into_fd(); // still open, to try something else
/// assert!(sdbus::daemon::into_unix_stream(fd).is_ok());
/// ```
#[derive(Debug)]
pub struct IntoSocketError {
    error: Error,
    fd: OwnedFd,
}

impl IntoSocketError {
    /// Why the conversion failed.
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    /// let err = sdbus::daemon::into_udp_socket(a.into()).unwrap_err();
    /// assert!(matches!(err.error(), sdbus::Error::Invalid { .. }));
    /// ```
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The fd, unchanged.
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    /// let raw = a.as_raw_fd();
    /// let err = sdbus::daemon::into_unix_listener(a.into()).unwrap_err();
    /// assert_eq!(err.into_fd().as_raw_fd(), raw);
    /// ```
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// The error and the fd.
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    /// let (error, fd) = sdbus::daemon::into_unix_datagram(a.into()).unwrap_err().into_parts();
    /// eprintln!("{error}; closing {fd:?}");
    /// ```
    pub fn into_parts(self) -> (Error, OwnedFd) {
        (self.error, self.fd)
    }
}

impl fmt::Display for IntoSocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for IntoSocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<IntoSocketError> for Error {
    fn from(err: IntoSocketError) -> Error {
        err.error
    }
}

/// Converts `fd` into `T` if `is_expected` says it is one.
fn convert<T: From<OwnedFd>>(
    fd: OwnedFd,
    expected: &'static str,
    is_expected: impl FnOnce(BorrowedFd<'_>) -> Result<bool>,
) -> Result<T, IntoSocketError> {
    match is_expected(fd.as_fd()) {
        Ok(true) => Ok(T::from(fd)),
        Ok(false) => Err(IntoSocketError {
            error: Error::invalid(InvalidKind::Argument, describe(fd.as_fd()), expected),
            fd,
        }),
        Err(error) => Err(IntoSocketError { error, fd }),
    }
}

/// What `fd` is, for error messages: `fd 3 (unix stream socket,
/// listening)`, `fd 4 (not a socket)`.
fn describe(fd: BorrowedFd<'_>) -> String {
    let raw = fd.as_raw_fd();
    let option = |name: c_int| -> Option<c_int> {
        let mut value: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: `raw` is open (borrowed); `value` and `len` are valid out
        // pointers for an int option.
        let ret = unsafe {
            libc::getsockopt(
                raw,
                libc::SOL_SOCKET,
                name,
                (&mut value as *mut c_int).cast(),
                &mut len,
            )
        };
        (ret == 0).then_some(value)
    };
    let Some(domain) = option(libc::SO_DOMAIN) else {
        return format!("fd {raw} (not a socket)");
    };
    let family = match domain {
        libc::AF_UNIX => "unix",
        libc::AF_INET => "IPv4",
        libc::AF_INET6 => "IPv6",
        libc::AF_NETLINK => "netlink",
        _ => "other",
    };
    let kind = match option(libc::SO_TYPE) {
        Some(libc::SOCK_STREAM) => "stream",
        Some(libc::SOCK_DGRAM) => "datagram",
        Some(libc::SOCK_SEQPACKET) => "seqpacket",
        Some(libc::SOCK_RAW) => "raw",
        _ => "other",
    };
    let listening = match option(libc::SO_ACCEPTCONN) {
        Some(0) => ", not listening",
        Some(_) => ", listening",
        None => "",
    };
    format!("fd {raw} ({family} {kind} socket{listening})")
}

/// Turns a passed fd into a [`TcpListener`] after checking that it is a
/// listening IPv4 or IPv6 stream socket (`ListenStream=` with a port or
/// address).
///
/// ```no_run
/// for fd in sdbus::daemon::listen_fds()? {
///     let listener = sdbus::daemon::into_tcp_listener(fd)?;
///     println!("serving on {:?}", listener.local_addr());
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_tcp_listener(fd: OwnedFd) -> Result<TcpListener, IntoSocketError> {
    convert(fd, "is not a listening TCP socket", |fd| {
        is_socket_inet(fd, None, Some(SocketKind::Stream), Some(true), None)
    })
}

/// Turns a passed fd into a [`TcpStream`] after checking that it is a
/// connected (not listening) IPv4 or IPv6 stream socket, as a service of an
/// `Accept=yes` socket gets.
///
/// ```no_run
/// if let Some(fd) = sdbus::daemon::listen_fds()?.pop() {
///     let connection = sdbus::daemon::into_tcp_stream(fd)?;
///     println!("client {:?}", connection.peer_addr());
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_tcp_stream(fd: OwnedFd) -> Result<TcpStream, IntoSocketError> {
    convert(fd, "is not a connected TCP socket", |fd| {
        is_socket_inet(fd, None, Some(SocketKind::Stream), Some(false), None)
    })
}

/// Turns a passed fd into a [`UdpSocket`] after checking that it is an
/// IPv4 or IPv6 datagram socket (`ListenDatagram=` with a port or address).
///
/// ```
/// use std::os::fd::OwnedFd;
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
/// let again = sdbus::daemon::into_udp_socket(OwnedFd::from(socket))?;
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_udp_socket(fd: OwnedFd) -> Result<UdpSocket, IntoSocketError> {
    convert(fd, "is not a UDP socket", |fd| {
        is_socket_inet(fd, None, Some(SocketKind::Datagram), None, None)
    })
}

/// Turns a passed fd into a [`UnixListener`] after checking that it is a
/// listening Unix stream socket (`ListenStream=` with a path).
///
/// ```no_run
/// let mut fds = sdbus::daemon::listen_fds_with_names()?;
/// if let Some((name, fd)) = fds.pop() {
///     let listener = sdbus::daemon::into_unix_listener(fd)?;
///     println!("{name}: {:?}", listener.local_addr());
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_unix_listener(fd: OwnedFd) -> Result<UnixListener, IntoSocketError> {
    convert(fd, "is not a listening Unix stream socket", |fd| {
        is_socket_unix(fd, Some(SocketKind::Stream), Some(true), None)
    })
}

/// Turns a passed fd into a [`UnixStream`] after checking that it is a
/// connected (not listening) Unix stream socket, as a service of an
/// `Accept=yes` socket gets.
///
/// ```
/// let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
/// let stream = sdbus::daemon::into_unix_stream(a.into())?;
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_unix_stream(fd: OwnedFd) -> Result<UnixStream, IntoSocketError> {
    convert(fd, "is not a connected Unix stream socket", |fd| {
        is_socket_unix(fd, Some(SocketKind::Stream), Some(false), None)
    })
}

/// Turns a passed fd into a [`UnixDatagram`] after checking that it is a
/// Unix datagram socket (`ListenDatagram=` with a path).
///
/// ```
/// let socket = std::os::unix::net::UnixDatagram::unbound().expect("socket");
/// let again = sdbus::daemon::into_unix_datagram(socket.into())?;
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn into_unix_datagram(fd: OwnedFd) -> Result<UnixDatagram, IntoSocketError> {
    convert(fd, "is not a Unix datagram socket", |fd| {
        is_socket_unix(fd, Some(SocketKind::Datagram), None, None)
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn checks_tell_sockets_apart() {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        let fd = tcp.as_fd();
        assert!(is_socket(fd, Some(SocketKind::Stream), Some(true)).unwrap());
        assert!(!is_socket(fd, None, Some(false)).unwrap());
        assert!(is_socket_inet(fd, None, None, None, Some(port)).unwrap());
        assert!(!is_socket_inet(fd, None, None, None, Some(port.wrapping_add(1))).unwrap());
        assert!(!is_socket_unix(fd, None, None, None).unwrap());
        assert!(!is_fifo(fd, None).unwrap());

        let dir = std::env::temp_dir().join(format!("sdbus-listen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let _ = std::fs::remove_file(&path);
        let unix = UnixListener::bind(&path).unwrap();
        let fd = unix.as_fd();
        assert!(is_socket_unix(fd, Some(SocketKind::Stream), Some(true), Some(&path)).unwrap());
        assert!(!is_socket_unix(fd, None, None, Some(&dir.join("other"))).unwrap());
        assert!(!is_socket_unix(fd, None, None, Some(Path::new(""))).unwrap());
        assert!(!is_socket_inet(fd, None, None, None, None).unwrap());
        let err = is_socket_unix(fd, None, None, Some(Path::new("a\0b"))).unwrap_err();
        assert_eq!(
            err,
            Error::invalid(InvalidKind::Argument, "a\0b", "contains a NUL byte")
        );
        drop(unix);
        std::fs::remove_dir_all(&dir).unwrap();

        let dgram = UnixDatagram::unbound().unwrap();
        assert!(is_socket(dgram.as_fd(), Some(SocketKind::Datagram), None).unwrap());
        assert!(!is_mq(dgram.as_fd(), None).unwrap());
        assert!(!is_special(dgram.as_fd(), None).unwrap());
    }

    #[test]
    fn conversions_check_the_socket_type() {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = tcp.local_addr().unwrap();
        let tcp = into_tcp_listener(OwnedFd::from(tcp)).unwrap();
        assert_eq!(tcp.local_addr().unwrap(), address);

        // A connected TCP socket is no listener, and the fd comes back.
        let client = TcpStream::connect(address).unwrap();
        let raw = client.as_raw_fd();
        let err = into_tcp_listener(OwnedFd::from(client)).unwrap_err();
        let (error, fd) = err.into_parts();
        assert_eq!(fd.as_raw_fd(), raw);
        assert_eq!(
            error,
            Error::invalid(
                InvalidKind::Argument,
                format!("fd {raw} (IPv4 stream socket, not listening)"),
                "is not a listening TCP socket"
            )
        );
        let client = into_tcp_stream(fd).unwrap();
        assert!(into_udp_socket(OwnedFd::from(client)).is_err());

        let (a, _b) = UnixStream::pair().unwrap();
        let err = into_unix_listener(OwnedFd::from(a)).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is not a listening Unix stream socket"),
            "{err}"
        );
        let a = into_unix_stream(err.into_fd()).unwrap();
        let error: Error = into_unix_datagram(OwnedFd::from(a)).unwrap_err().into();
        assert!(matches!(error, Error::Invalid { .. }));

        if let Ok(udp) = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)) {
            let fd = OwnedFd::from(udp);
            assert!(is_socket_inet(fd.as_fd(), Some(InetFamily::V6), None, None, None).unwrap());
            assert!(into_udp_socket(fd).is_ok());
        }

        let file = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let raw = file.as_raw_fd();
        let err = into_unix_datagram(file).unwrap_err();
        assert_eq!(
            err.error(),
            &Error::invalid(
                InvalidKind::Argument,
                format!("fd {raw} (not a socket)"),
                "is not a Unix datagram socket"
            )
        );
    }
}
