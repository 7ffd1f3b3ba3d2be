//! The interface builder: members, their handlers, names and flags, and
//! their validation before anything reaches sd-bus.

use std::collections::HashSet;
use std::fmt;

use bitflags::bitflags;

use super::request::{PropertyContext, Request};
use crate::error::{BusError, Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::{InterfaceName, MemberName, Signature};
use crate::types::{Append, AppendArgs, Read, ReadArgs, SignatureBuf};

// The constants are `c_ulong`, 32 bits on some targets.
#[allow(clippy::unnecessary_cast)]
mod raw_flags {
    use libsystemd_sys as sys;

    pub(super) const DEPRECATED: u64 = sys::SD_BUS_VTABLE_DEPRECATED as u64;
    pub(super) const HIDDEN: u64 = sys::SD_BUS_VTABLE_HIDDEN as u64;
    pub(super) const UNPRIVILEGED: u64 = sys::SD_BUS_VTABLE_UNPRIVILEGED as u64;
    pub(super) const NO_REPLY: u64 = sys::SD_BUS_VTABLE_METHOD_NO_REPLY as u64;
    pub(super) const CONST: u64 = sys::SD_BUS_VTABLE_PROPERTY_CONST as u64;
    pub(super) const EMITS_CHANGE: u64 = sys::SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE as u64;
    pub(super) const EMITS_INVALIDATION: u64 =
        sys::SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION as u64;
    pub(super) const EXPLICIT: u64 = sys::SD_BUS_VTABLE_PROPERTY_EXPLICIT as u64;
    pub(super) const SENSITIVE: u64 = sys::SD_BUS_VTABLE_SENSITIVE as u64;
}

bitflags! {
    /// Flags of an interface member (sd-bus's `SD_BUS_VTABLE_*`), set with
    /// [`Interface::flags`] on the member added last, or with
    /// [`Interface::interface_flags`] on the whole interface. Which flags
    /// fit which member is checked when the interface is served.
    ///
    /// | flag | methods | properties | signals | interface | introspection |
    /// |---|---|---|---|---|---|
    /// | `DEPRECATED` | ✓ | ✓ | ✓ | ✓ | `org.freedesktop.DBus.Deprecated` |
    /// | `HIDDEN` | ✓ | ✓ | ✓ | ✓ | left out |
    /// | `UNPRIVILEGED` | ✓ | writable | | | no `org.freedesktop.systemd1.Privileged` |
    /// | `NO_REPLY` | ✓ | | | | `org.freedesktop.DBus.Method.NoReply` |
    /// | `SENSITIVE` | ✓ | | | | |
    /// | `CONST` | | read-only | | | `EmitsChangedSignal` `const` |
    /// | `EMITS_CHANGE` | | ✓ | | | `EmitsChangedSignal` `true` |
    /// | `EMITS_INVALIDATION` | | ✓ | | | `EmitsChangedSignal` `invalidates` |
    /// | `EXPLICIT` | | ✓ | | | `org.freedesktop.systemd1.Explicit` |
    ///
    /// A property has at most one of `CONST`, `EMITS_CHANGE` and
    /// `EMITS_INVALIDATION`; with none, introspection says its changes are
    /// not announced (`EmitsChangedSignal` `false`). `EXPLICIT` properties
    /// are left out of `GetAll` and cannot be `EMITS_CHANGE`.
    ///
    /// ```
    /// use sdbus::server::{Interface, MemberFlags};
    ///
    /// let iface = Interface::new("com.example.Thermometer")
    ///     .property_ro("Model", |_| Ok("T-1000".to_owned()))
    ///     .flags(MemberFlags::CONST)
    ///     .property_ro("Celsius", |_| Ok(21.5))
    ///     .flags(MemberFlags::EMITS_CHANGE);
    /// # let _ = iface;
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct MemberFlags: u64 {
        /// Deprecated: annotated so in introspection.
        const DEPRECATED = raw_flags::DEPRECATED;
        /// Left out of introspection (and, for properties, of `GetAll`).
        const HIDDEN = raw_flags::HIDDEN;
        /// Callable (or, for a property, writable) by anyone the bus lets
        /// through, on connections sd-bus does not trust (see the
        /// [module documentation](super#access-control)).
        const UNPRIVILEGED = raw_flags::UNPRIVILEGED;
        /// A method whose callers expect no reply.
        const NO_REPLY = raw_flags::NO_REPLY;
        /// A method whose calls carry secrets: sd-bus wipes their memory.
        const SENSITIVE = raw_flags::SENSITIVE;
        /// A property that never changes.
        const CONST = raw_flags::CONST;
        /// A property whose changes `PropertiesChanged` carries, with the
        /// new value.
        const EMITS_CHANGE = raw_flags::EMITS_CHANGE;
        /// A property whose changes `PropertiesChanged` announces without
        /// the value (it is expensive, or large).
        const EMITS_INVALIDATION = raw_flags::EMITS_INVALIDATION;
        /// A property only read when asked for by name: left out of
        /// `GetAll` and property listings.
        const EXPLICIT = raw_flags::EXPLICIT;
    }
}

/// A method handler, type-erased: it reads the call and sends the reply.
pub(super) type MethodHandler = Box<dyn FnMut(&Request<'_>) -> Result<(), BusError> + Send>;
/// A property getter, type-erased: it appends the value to the reply.
pub(super) type Getter =
    Box<dyn FnMut(&PropertyContext<'_>, &mut Message<'_>) -> Result<(), BusError> + Send>;
/// A property setter, type-erased: it reads the value from the message.
pub(super) type Setter =
    Box<dyn FnMut(&PropertyContext<'_>, &Message<'_>) -> Result<(), BusError> + Send>;

/// One member of an interface.
pub(super) struct Member {
    pub(super) name: String,
    pub(super) flags: MemberFlags,
    /// The argument names of a method (inputs then outputs) or a signal.
    pub(super) arg_names: Vec<String>,
    pub(super) kind: MemberKind,
}

pub(super) enum MemberKind {
    Method {
        input: String,
        output: String,
        handler: MethodHandler,
    },
    Property {
        signature: String,
        getter: Getter,
        setter: Option<Setter>,
    },
    Signal {
        signature: String,
    },
}

impl MemberKind {
    fn describe(&self) -> &'static str {
        match self {
            MemberKind::Method { .. } => "method",
            MemberKind::Property { setter: None, .. } => "read-only property",
            MemberKind::Property { .. } => "writable property",
            MemberKind::Signal { .. } => "signal",
        }
    }
}

/// A D-Bus interface built from Rust handlers, to serve with
/// [`Bus::serve`](crate::Bus::serve) or
/// [`Bus::serve_fallback`](crate::Bus::serve_fallback).
///
/// Members are added in order; [`arg_names`](Interface::arg_names) and
/// [`flags`](Interface::flags) apply to the member added last. Names,
/// signatures, argument names and flags are checked when the interface is
/// served, which fails with an [`Error::Invalid`] naming the first bad one;
/// nothing invalid ever reaches sd-bus. An `Interface` is [`Send`], as its
/// handlers are: it can be built on any thread and served on the bus's.
///
/// ```
/// use sdbus::server::{Interface, MemberFlags};
/// use sdbus::{BusError, Error, InvalidKind, Message};
///
/// let calculator = Interface::new("com.example.Calculator")
///     // Signatures from the types: `ii` in, `i` out.
///     .method("Add", |_, (a, b): (i32, i32)| Ok((a.wrapping_add(b),)))
///     .arg_names(["a", "b", "sum"])
///     .flags(MemberFlags::UNPRIVILEGED)
///     // Declared signatures, working on the messages.
///     .method_dynamic("Echo", "av", "av", |request, reply: &mut Message<'_>| {
///         reply.append_from(request.message(), true)?;
///         Ok(())
///     })
///     .signal::<(i32,)>("Overflowed");
/// # let _ = calculator;
///
/// // A bad name is reported when the interface is served:
/// let bad = Interface::new("com.example.Calculator").method("Not-A-Member", |_, (): ()| Ok(()));
/// assert!(matches!(bad.check(), Err(Error::Invalid { kind: InvalidKind::MemberName, .. })));
/// ```
pub struct Interface {
    pub(super) name: String,
    pub(super) flags: MemberFlags,
    pub(super) members: Vec<Member>,
    /// The first misuse of the builder, reported when served.
    error: Option<Error>,
}

impl Interface {
    /// An interface called `name` (such as `com.example.Calculator`), with
    /// no members yet. The name is checked when the interface is served.
    ///
    /// ```
    /// let empty = sdbus::server::Interface::new("com.example.Empty");
    /// assert!(empty.check().is_ok());
    /// assert!(sdbus::server::Interface::new("no.dots.at.end.").check().is_err());
    /// ```
    pub fn new(name: &str) -> Interface {
        Interface {
            name: name.to_owned(),
            flags: MemberFlags::empty(),
            members: Vec::new(),
            error: None,
        }
    }

    /// The interface's name.
    ///
    /// ```
    /// let iface = sdbus::server::Interface::new("com.example.Calculator");
    /// assert_eq!(iface.name(), "com.example.Calculator");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds a method whose input and output signatures come from its
    /// argument tuple `A` (read with [`ReadArgs`], `()` for none) and
    /// result tuple `R` (appended with [`AppendArgs`], `()` for none).
    /// Arguments are owned values (`String`, not `&str`): use
    /// [`method_dynamic`](Interface::method_dynamic) to borrow from the
    /// message. A [`BusError`] returned by the handler is the caller's error
    /// reply.
    ///
    /// ```
    /// use sdbus::server::{Interface, Request};
    /// use sdbus::BusError;
    ///
    /// let iface = Interface::new("com.example.Calculator").method(
    ///     "Div",
    ///     |_: &Request<'_>, (a, b): (i32, i32)| -> Result<(i32, i32), BusError> {
    ///         if b == 0 {
    ///             return Err(BusError::new("com.example.Calculator.DivisionByZero", format!("{a} / 0")));
    ///         }
    ///         Ok((a / b, a % b))
    ///     },
    /// );
    /// # let _ = iface;
    /// ```
    pub fn method<A, R, F>(mut self, name: &str, mut handler: F) -> Interface
    where
        A: for<'m> ReadArgs<'m>,
        R: AppendArgs,
        F: FnMut(&Request<'_>, A) -> Result<R, BusError> + Send + 'static,
    {
        let input = self.signature_of(name, <A as ReadArgs<'static>>::write_read_args_signature);
        let output = self.signature_of(name, R::write_args_signature);
        let handler: MethodHandler = Box::new(move |request| {
            let call = request.message();
            let args = call.read_args::<A>()?;
            let results = handler(request, args)?;
            let mut reply = call.new_method_return()?;
            reply.append_args(&results)?;
            reply.send()?;
            Ok(())
        });
        self.push(
            name,
            MemberKind::Method {
                input,
                output,
                handler,
            },
        )
    }

    /// Adds a method with declared input and output signatures. The handler
    /// gets the request (whose [`message`](Request::message) is the call,
    /// already checked by sd-bus to match `input`) and a method return to
    /// fill, which is sent when it returns `Ok`; its body must match
    /// `output`, or the caller gets a `Failed` error instead.
    ///
    /// ```
    /// use sdbus::server::Interface;
    /// use sdbus::{Message, Value};
    ///
    /// // Echoes a variant of any type, decoding it on the way.
    /// let iface = Interface::new("com.example.Echo").method_dynamic(
    ///     "EchoValue",
    ///     "v",
    ///     "v",
    ///     |request, reply: &mut Message<'_>| {
    ///         let value: Value = request.message().read()?;
    ///         reply.append(&value)?;
    ///         Ok(())
    ///     },
    /// );
    /// # let _ = iface;
    /// ```
    pub fn method_dynamic<F>(
        self,
        name: &str,
        input: &str,
        output: &str,
        mut handler: F,
    ) -> Interface
    where
        F: FnMut(&Request<'_>, &mut Message<'_>) -> Result<(), BusError> + Send + 'static,
    {
        let handler: MethodHandler = Box::new(move |request| {
            let mut reply = request.message().new_method_return()?;
            handler(request, &mut reply)?;
            reply.send()?;
            Ok(())
        });
        self.push(
            name,
            MemberKind::Method {
                input: input.to_owned(),
                output: output.to_owned(),
                handler,
            },
        )
    }

    /// Adds a read-only property of type `T`, read by `getter`.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// let count = Arc::new(AtomicU32::new(0));
    /// let iface = sdbus::server::Interface::new("com.example.Counter")
    ///     .property_ro("Count", move |_| Ok(count.load(Ordering::Relaxed)));
    /// # let _ = iface;
    /// ```
    pub fn property_ro<T, G>(mut self, name: &str, getter: G) -> Interface
    where
        T: Append,
        G: FnMut(&PropertyContext<'_>) -> Result<T, BusError> + Send + 'static,
    {
        let (signature, getter) = self.getter(name, getter);
        self.push(
            name,
            MemberKind::Property {
                signature,
                getter,
                setter: None,
            },
        )
    }

    /// Adds a writable property of type `T`, read by `getter` and written
    /// by `setter`, which may refuse a value with a [`BusError`].
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use sdbus::server::{Interface, MemberFlags};
    /// use sdbus::BusError;
    ///
    /// let greeting = Arc::new(Mutex::new(String::from("Hello")));
    /// let (get, set) = (Arc::clone(&greeting), greeting);
    /// let iface = Interface::new("com.example.Greeter")
    ///     .property_rw(
    ///         "Greeting",
    ///         move |_| Ok(get.lock().unwrap().clone()),
    ///         move |_, value: String| {
    ///             if value.is_empty() {
    ///                 return Err(BusError::new("org.freedesktop.DBus.Error.InvalidArgs", "empty greeting"));
    ///             }
    ///             *set.lock().unwrap() = value;
    ///             Ok(())
    ///         },
    ///     )
    ///     .flags(MemberFlags::EMITS_CHANGE);
    /// # let _ = iface;
    /// ```
    pub fn property_rw<T, G, S>(mut self, name: &str, getter: G, mut setter: S) -> Interface
    where
        T: Append + for<'m> Read<'m>,
        G: FnMut(&PropertyContext<'_>) -> Result<T, BusError> + Send + 'static,
        S: FnMut(&PropertyContext<'_>, T) -> Result<(), BusError> + Send + 'static,
    {
        let (signature, getter) = self.getter(name, getter);
        let setter: Setter = Box::new(move |context, value| {
            let value = value.read::<T>()?;
            setter(context, value)
        });
        self.push(
            name,
            MemberKind::Property {
                signature,
                getter,
                setter: Some(setter),
            },
        )
    }

    /// Declares a signal whose arguments have the types of the tuple `A`
    /// (for introspection: emit it with
    /// [`Bus::emit_signal`](crate::Bus::emit_signal)).
    ///
    /// ```
    /// let iface = sdbus::server::Interface::new("com.example.Calculator")
    ///     .signal::<(String, i32)>("Computed")
    ///     .arg_names(["expression", "result"]);
    /// # let _ = iface;
    /// ```
    pub fn signal<A: AppendArgs>(mut self, name: &str) -> Interface {
        let signature = self.signature_of(name, A::write_args_signature);
        self.push(name, MemberKind::Signal { signature })
    }

    /// Names the arguments of the member added last, for introspection:
    /// for a method, its inputs followed by its outputs; for a signal, its
    /// arguments. Either every argument is named or none is.
    ///
    /// ```
    /// use sdbus::server::Interface;
    /// use sdbus::{Error, InvalidKind};
    ///
    /// let iface = Interface::new("com.example.Calculator")
    ///     .method("Add", |_, (a, b): (i32, i32)| Ok((a + b,)))
    ///     .arg_names(["a", "b", "sum"]);
    /// assert!(iface.check().is_ok());
    ///
    /// let short = Interface::new("com.example.Calculator")
    ///     .method("Add", |_, (a, b): (i32, i32)| Ok((a + b,)))
    ///     .arg_names(["a", "b"]);
    /// assert!(matches!(short.check(), Err(Error::Invalid { kind: InvalidKind::Argument, .. })));
    /// ```
    pub fn arg_names<I, S>(mut self, names: I) -> Interface
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
        match self.members.last_mut() {
            Some(member) if !matches!(member.kind, MemberKind::Property { .. }) => {
                member.arg_names = names;
            }
            last => {
                let error = misplaced("arg_names", &names.join(", "), last);
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// Sets the flags of the member added last (see [`MemberFlags`] for
    /// which fit which member).
    ///
    /// ```
    /// use sdbus::server::{Interface, MemberFlags};
    ///
    /// let iface = Interface::new("com.example.Logger")
    ///     .method("Log", |_, (line,): (String,)| {
    ///         eprintln!("{line}");
    ///         Ok(())
    ///     })
    ///     .flags(MemberFlags::NO_REPLY | MemberFlags::UNPRIVILEGED);
    /// # let _ = iface;
    /// ```
    pub fn flags(mut self, flags: MemberFlags) -> Interface {
        match self.members.last_mut() {
            Some(member) => member.flags = flags,
            None => {
                let error = misplaced("flags", &format!("{flags:?}"), None);
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// Sets the flags of the interface as a whole: `DEPRECATED` and
    /// `HIDDEN`.
    ///
    /// ```
    /// use sdbus::server::{Interface, MemberFlags};
    ///
    /// let old = Interface::new("com.example.OldCalculator").interface_flags(MemberFlags::DEPRECATED);
    /// assert!(old.check().is_ok());
    /// ```
    pub fn interface_flags(mut self, flags: MemberFlags) -> Interface {
        self.flags = flags;
        self
    }

    /// Checks everything [`Bus::serve`](crate::Bus::serve) checks, without
    /// a bus: the interface name, each member's name, signatures, argument
    /// names and flags, and that no member name is used twice by members
    /// of the same kind.
    ///
    /// ```
    /// use sdbus::server::Interface;
    ///
    /// let iface = Interface::new("org.freedesktop.DBus.Properties");
    /// let err = iface.check().unwrap_err();
    /// assert!(err.to_string().contains("org.freedesktop.DBus.Properties"));
    /// ```
    pub fn check(&self) -> Result<()> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        InterfaceName::validate(&self.name)?;
        if STANDARD_INTERFACES.contains(&self.name.as_str()) {
            return Err(Error::invalid(
                InvalidKind::InterfaceName,
                &self.name,
                "is a standard interface, which sd-bus serves itself",
            ));
        }
        if !(MemberFlags::DEPRECATED | MemberFlags::HIDDEN).contains(self.flags) {
            return Err(Error::invalid(
                InvalidKind::Argument,
                format!("interface flags of {}: {:?}", self.name, self.flags),
                "only DEPRECATED and HIDDEN apply to a whole interface",
            ));
        }
        let mut seen = HashSet::new();
        for member in &self.members {
            MemberName::validate(&member.name)?;
            let namespace = match member.kind {
                MemberKind::Method { .. } => 0,
                MemberKind::Property { .. } => 1,
                MemberKind::Signal { .. } => 2,
            };
            if !seen.insert((namespace, member.name.as_str())) {
                return Err(Error::invalid(
                    InvalidKind::MemberName,
                    format!("{}.{}", self.name, member.name),
                    "is declared twice",
                ));
            }
            self.check_member(member)?;
        }
        Ok(())
    }

    fn check_member(&self, member: &Member) -> Result<()> {
        let signatures: [&str; 2] = match &member.kind {
            MemberKind::Method { input, output, .. } => [input, output],
            MemberKind::Property { signature, .. } => [signature, ""],
            MemberKind::Signal { signature } => [signature, ""],
        };
        let mut arity = 0;
        for signature in signatures {
            arity += Signature::try_from(signature)?
                .split_complete_types()
                .count();
        }
        if let MemberKind::Property { signature, .. } = &member.kind {
            if arity != 1 {
                return Err(Error::invalid(
                    InvalidKind::Signature,
                    format!("{signature} (of property {}.{})", self.name, member.name),
                    "a property has exactly one complete type",
                ));
            }
        }
        if !member.arg_names.is_empty() && member.arg_names.len() != arity {
            return Err(Error::invalid(
                InvalidKind::Argument,
                format!(
                    "argument names of {}.{}: {}",
                    self.name,
                    member.name,
                    member.arg_names.join(", ")
                ),
                "must name every argument (a method's inputs, then its outputs) or none",
            ));
        }
        if let Some(bad) = member.arg_names.iter().find(|n| !MemberName::is_valid(n)) {
            return Err(Error::invalid(
                InvalidKind::Argument,
                format!("argument name {bad:?} of {}.{}", self.name, member.name),
                "is not a valid name (A-Z a-z 0-9 _, not starting with a digit)",
            ));
        }
        let flags = member.flags;
        let (allowed, reason) = match &member.kind {
            MemberKind::Method { .. } => (
                MemberFlags::DEPRECATED
                    | MemberFlags::HIDDEN
                    | MemberFlags::UNPRIVILEGED
                    | MemberFlags::NO_REPLY
                    | MemberFlags::SENSITIVE,
                "a method takes only DEPRECATED, HIDDEN, UNPRIVILEGED, NO_REPLY and SENSITIVE",
            ),
            MemberKind::Property { setter: None, .. } => (
                PROPERTY_FLAGS | MemberFlags::CONST,
                "a read-only property takes only DEPRECATED, HIDDEN, CONST, EMITS_CHANGE, EMITS_INVALIDATION and EXPLICIT",
            ),
            MemberKind::Property { .. } => (
                PROPERTY_FLAGS | MemberFlags::UNPRIVILEGED,
                "a writable property takes only DEPRECATED, HIDDEN, UNPRIVILEGED, EMITS_CHANGE, EMITS_INVALIDATION and EXPLICIT",
            ),
            MemberKind::Signal { .. } => (
                MemberFlags::DEPRECATED | MemberFlags::HIDDEN,
                "a signal takes only DEPRECATED and HIDDEN",
            ),
        };
        let announce = flags
            & (MemberFlags::CONST | MemberFlags::EMITS_CHANGE | MemberFlags::EMITS_INVALIDATION);
        let reason = if !allowed.contains(flags) {
            Some(reason)
        } else if announce.bits().count_ones() > 1 {
            Some("CONST, EMITS_CHANGE and EMITS_INVALIDATION exclude each other")
        } else if flags.contains(MemberFlags::EXPLICIT | MemberFlags::EMITS_CHANGE) {
            Some("an EXPLICIT property cannot be EMITS_CHANGE")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::invalid(
                InvalidKind::Argument,
                format!(
                    "flags of {} {}.{}: {flags:?}",
                    member.kind.describe(),
                    self.name,
                    member.name
                ),
                reason,
            )),
            None => Ok(()),
        }
    }

    fn push(mut self, name: &str, kind: MemberKind) -> Interface {
        self.members.push(Member {
            name: name.to_owned(),
            flags: MemberFlags::empty(),
            arg_names: Vec::new(),
            kind,
        });
        self
    }

    /// A signature written by `write`, recording an error if it grew past
    /// 255 bytes.
    fn signature_of(&mut self, member: &str, write: fn(&mut SignatureBuf)) -> String {
        let mut signature = SignatureBuf::new();
        write(&mut signature);
        if let Err(error) = signature.as_cstr() {
            self.error.get_or_insert(match error {
                Error::Invalid { value, reason, .. } => Error::invalid(
                    InvalidKind::Signature,
                    format!("{value} (of {}.{member})", self.name),
                    reason,
                ),
                other => other,
            });
        }
        signature.as_str().to_owned()
    }

    fn getter<T, G>(&mut self, name: &str, mut getter: G) -> (String, Getter)
    where
        T: Append,
        G: FnMut(&PropertyContext<'_>) -> Result<T, BusError> + Send + 'static,
    {
        let signature = self.signature_of(name, T::write_signature);
        let getter: Getter = Box::new(move |context, reply| {
            let value = getter(context)?;
            reply.append(&value)?;
            Ok(())
        });
        (signature, getter)
    }
}

/// The flags every property takes.
const PROPERTY_FLAGS: MemberFlags = MemberFlags::DEPRECATED
    .union(MemberFlags::HIDDEN)
    .union(MemberFlags::EMITS_CHANGE)
    .union(MemberFlags::EMITS_INVALIDATION)
    .union(MemberFlags::EXPLICIT);

/// The interfaces sd-bus serves on every object itself.
const STANDARD_INTERFACES: [&str; 4] = [
    "org.freedesktop.DBus.Properties",
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.ObjectManager",
];

/// The error for a modifier that does not apply to the member added last.
fn misplaced(modifier: &str, value: &str, last: Option<&mut Member>) -> Error {
    let value = match last {
        Some(member) => format!(
            "{modifier}({value}) after {} {}",
            member.kind.describe(),
            member.name
        ),
        None => format!("{modifier}({value}) before any member"),
    };
    Error::invalid(
        InvalidKind::Argument,
        value,
        "arg_names applies to the method or signal added last, flags to the member added last",
    )
}

impl fmt::Debug for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let members: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("{} {}", m.kind.describe(), m.name))
            .collect();
        f.debug_struct("Interface")
            .field("name", &self.name)
            .field("flags", &self.flags)
            .field("members", &members)
            .finish()
    }
}
