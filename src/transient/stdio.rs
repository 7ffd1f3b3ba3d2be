//! [`Stdio`]: where a transient unit's standard input, output and error go.

use std::fs::OpenOptions;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::property::UnitProperty;
use crate::error::{Error, InvalidKind, Result};
use crate::types::Value;

/// Where one standard stream of a transient unit's command goes: set with
/// [`Run::stdin`](super::Run::stdin), [`Run::stdout`](super::Run::stdout)
/// and [`Run::stderr`](super::Run::stderr).
///
/// For a service, each choice becomes the unit's `StandardInput=`,
/// `StandardOutput=` or `StandardError=` setting; file descriptors (the
/// caller's own with [`Stdio::Inherit`], or any with [`Stdio::Fd`]) are sent
/// with D-Bus file descriptor passing as `Standard*FileDescriptor`, so the
/// connection must support it (local connections do). For a scope, whose
/// command runs as a child of the caller, the child's descriptors are set
/// up directly. Streams left unset keep the manager's defaults (for a
/// service: input from `/dev/null`, output and errors to the journal).
///
/// ```no_run
/// use sdbus::transient::{Run, Stdio};
///
/// let outcome = Run::new(["/usr/bin/env"])
///     .env("FOO", "bar")
///     .stdout(Stdio::Inherit)
///     .stderr(Stdio::Append("/tmp/env.log".into()))
///     .start()?
///     .wait()?;
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Stdio {
    /// The caller's own descriptor (0, 1 or 2), as `systemd-run --pipe`
    /// passes them.
    Inherit,
    /// `/dev/null`.
    Null,
    /// The journal (services only; not for standard input).
    Journal,
    /// A file, by absolute path: read for standard input; for output,
    /// written from its start without truncating it, created if missing
    /// (`file:`).
    File(PathBuf),
    /// A file appended to, created if missing (`append:`; not for standard
    /// input).
    Append(PathBuf),
    /// A file truncated first, created if missing (`truncate:`; not for
    /// standard input).
    Truncate(PathBuf),
    /// Any open file descriptor: a pipe, a socket, a file…
    Fd(OwnedFd),
}

/// One of the three standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    Input,
    Output,
    Error,
}

impl Stream {
    /// The three streams, in descriptor order.
    pub(super) const ALL: [Stream; 3] = [Stream::Input, Stream::Output, Stream::Error];

    /// The word in the settings' names: `StandardInput`, `StandardOutput`…
    fn word(self) -> &'static str {
        match self {
            Stream::Input => "Input",
            Stream::Output => "Output",
            Stream::Error => "Error",
        }
    }

    /// The caller's descriptor for this stream.
    fn inherited(self) -> Result<OwnedFd> {
        let dup = match self {
            Stream::Input => std::io::stdin().as_fd().try_clone_to_owned(),
            Stream::Output => std::io::stdout().as_fd().try_clone_to_owned(),
            Stream::Error => std::io::stderr().as_fd().try_clone_to_owned(),
        };
        dup.map_err(|e| os_error("dup", &e))
    }
}

/// An [`Error::Os`] from an I/O error.
pub(super) fn os_error(operation: &'static str, err: &std::io::Error) -> Error {
    Error::Os {
        operation,
        errno: err.raw_os_error().unwrap_or(libc::EIO),
    }
}

/// Refuses a choice that does not apply to `stream`.
fn refuse(stream: Stream, what: &str, reason: &'static str) -> Error {
    Error::invalid(
        InvalidKind::Argument,
        format!("Standard{}={what}", stream.word()),
        reason,
    )
}

/// A path the manager (or the child) can open: absolute, and for the
/// manager UTF-8.
fn checked_path(stream: Stream, path: &Path) -> Result<&str> {
    match path.to_str() {
        Some(text) if path.is_absolute() => Ok(text),
        Some(text) => Err(refuse(stream, text, "needs an absolute path")),
        None => Err(refuse(
            stream,
            &path.to_string_lossy(),
            "needs a path in UTF-8",
        )),
    }
}

impl Stdio {
    /// The service properties for this choice on `stream`.
    pub(super) fn service_properties(self, stream: Stream) -> Result<Vec<UnitProperty>> {
        let word = stream.word();
        let setting = |value: &str| UnitProperty::new_raw(format!("Standard{word}"), value);
        let file = |suffix: &str, path: &Path| -> Result<UnitProperty> {
            let path = checked_path(stream, path)?;
            UnitProperty::new_raw(format!("Standard{word}{suffix}"), path)
        };
        let fd = |fd: OwnedFd| {
            UnitProperty::new_raw(format!("Standard{word}FileDescriptor"), Value::from(fd))
        };
        let property = match (self, stream) {
            (Stdio::Inherit, _) => fd(stream.inherited()?)?,
            (Stdio::Fd(owned), _) => fd(owned)?,
            (Stdio::Null, _) => setting("null")?,
            (Stdio::Journal, Stream::Input) => {
                return Err(refuse(stream, "journal", "is not an input"))
            }
            (Stdio::Journal, _) => setting("journal")?,
            (Stdio::File(path), _) => file("File", &path)?,
            (Stdio::Append(path), Stream::Input) | (Stdio::Truncate(path), Stream::Input) => {
                return Err(refuse(
                    stream,
                    &path.to_string_lossy(),
                    "cannot append to or truncate an input",
                ))
            }
            (Stdio::Append(path), _) => file("FileToAppend", &path)?,
            (Stdio::Truncate(path), _) => file("FileToTruncate", &path)?,
        };
        Ok(vec![property])
    }

    /// The descriptor a scope's child gets for `stream`: `None` to keep the
    /// caller's.
    pub(super) fn child_fd(self, stream: Stream) -> Result<Option<OwnedFd>> {
        let open = |options: &mut OpenOptions, path: &Path| -> Result<Option<OwnedFd>> {
            let path_text = checked_path(stream, path)?;
            let file = options
                .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY)
                .mode(0o666)
                .open(path)
                .map_err(|e| match e.raw_os_error() {
                    Some(errno) => Error::Os {
                        operation: "open",
                        errno,
                    },
                    None => refuse(stream, path_text, "cannot be opened"),
                })?;
            Ok(Some(OwnedFd::from(file)))
        };
        let input = stream == Stream::Input;
        match self {
            Stdio::Inherit => Ok(None),
            Stdio::Fd(fd) => Ok(Some(fd)),
            Stdio::Journal => Err(refuse(
                stream,
                "journal",
                "is only available to services, not scopes",
            )),
            Stdio::Null => open(
                OpenOptions::new().read(input).write(!input),
                Path::new("/dev/null"),
            ),
            Stdio::File(path) if input => open(OpenOptions::new().read(true), &path),
            Stdio::File(path) => open(OpenOptions::new().write(true).create(true), &path),
            Stdio::Append(path) | Stdio::Truncate(path) if input => Err(refuse(
                stream,
                &path.to_string_lossy(),
                "cannot append to or truncate an input",
            )),
            Stdio::Append(path) => open(OpenOptions::new().append(true).create(true), &path),
            Stdio::Truncate(path) => open(
                OpenOptions::new().write(true).create(true).truncate(true),
                &path,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(stdio: Stdio, stream: Stream) -> Vec<String> {
        match stdio.service_properties(stream) {
            Ok(props) => props.iter().map(ToString::to_string).collect(),
            Err(err) => vec![err.to_string()],
        }
    }

    #[test]
    fn service_settings() {
        assert_eq!(
            show(Stdio::Null, Stream::Input),
            [r#"StandardInput s "null""#]
        );
        assert_eq!(
            show(Stdio::Journal, Stream::Error),
            [r#"StandardError s "journal""#]
        );
        assert_eq!(
            show(Stdio::File("/tmp/in".into()), Stream::Input),
            [r#"StandardInputFile s "/tmp/in""#]
        );
        assert_eq!(
            show(Stdio::Append("/tmp/log".into()), Stream::Output),
            [r#"StandardOutputFileToAppend s "/tmp/log""#]
        );
        assert_eq!(
            show(Stdio::Truncate("/tmp/log".into()), Stream::Error),
            [r#"StandardErrorFileToTruncate s "/tmp/log""#]
        );
        let inherit = Stdio::Inherit.service_properties(Stream::Output).unwrap();
        assert_eq!(inherit[0].name(), "StandardOutputFileDescriptor");
        assert_eq!(inherit[0].signature(), "h");
    }

    #[test]
    fn refused_choices() {
        assert!(show(Stdio::Journal, Stream::Input)[0].contains("is not an input"));
        assert!(show(Stdio::Append("/x".into()), Stream::Input)[0].contains("cannot append"));
        assert!(show(Stdio::File("relative".into()), Stream::Output)[0].contains("absolute"));
        let err = Stdio::Journal.child_fd(Stream::Output).unwrap_err();
        assert!(err.to_string().contains("only available to services"));
    }

    #[test]
    fn child_descriptors() {
        assert!(Stdio::Inherit.child_fd(Stream::Input).unwrap().is_none());
        assert!(Stdio::Null.child_fd(Stream::Output).unwrap().is_some());
        let missing = Stdio::File("/nonexistent/dir/file".into()).child_fd(Stream::Input);
        assert!(
            matches!(missing, Err(Error::Os { operation: "open", errno }) if errno == libc::ENOENT)
        );
    }
}
