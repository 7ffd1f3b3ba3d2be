//! [`UnitProperty`]: one property of a transient unit, with the exact D-Bus
//! name and type the manager expects, from unit-file syntax or typed Rust.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::parse::{self, Extract, Words, INFINITY, WHITESPACE};
use super::table::{self, Kind, LimitValue, PropertyInfo};
use crate::error::{Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::MemberName;
use crate::types::{Append, SignatureBuf, Type, Value};

/// The unit types whose properties the table knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnitType {
    /// `.service`
    Service,
    /// `.socket`
    Socket,
    /// `.timer`
    Timer,
    /// `.path`
    Path,
    /// `.slice`
    Slice,
    /// `.scope`
    Scope,
}

impl UnitType {
    /// Every unit type, in declaration order.
    pub const ALL: [UnitType; 6] = [
        UnitType::Service,
        UnitType::Socket,
        UnitType::Timer,
        UnitType::Path,
        UnitType::Slice,
        UnitType::Scope,
    ];

    /// The unit name suffix without its dot, such as `"service"`.
    pub fn suffix(self) -> &'static str {
        match self {
            UnitType::Service => "service",
            UnitType::Socket => "socket",
            UnitType::Timer => "timer",
            UnitType::Path => "path",
            UnitType::Slice => "slice",
            UnitType::Scope => "scope",
        }
    }

    /// The type of a unit name by its suffix.
    ///
    /// ```
    /// use sdbus::transient::UnitType;
    ///
    /// assert_eq!(UnitType::from_unit_name("web.socket"), Some(UnitType::Socket));
    /// assert_eq!(UnitType::from_unit_name("local-fs.target"), None);
    /// ```
    pub fn from_unit_name(name: &str) -> Option<UnitType> {
        let (_, suffix) = name.rsplit_once('.')?;
        UnitType::ALL.into_iter().find(|t| t.suffix() == suffix)
    }
}

impl fmt::Display for UnitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.suffix())
    }
}

/// Why a unit-file assignment could not be turned into [`UnitProperty`]s.
///
/// Converts into [`Error::Invalid`] of kind [`InvalidKind::Property`]: its
/// `value` is the offending input (with the suggestions of
/// [`PropertyError::UnknownName`] appended as `"(did you mean …?)"`) and
/// its `reason` says what was wrong, for a bad value the expected form.
///
/// ```
/// use sdbus::transient::{PropertyError, UnitProperty};
///
/// let err = UnitProperty::parse("CPUQuta=20%").unwrap_err();
/// assert_eq!(err.to_string(), r#"unknown property "CPUQuta" (did you mean CPUQuota?)"#);
///
/// let err = UnitProperty::parse("MemoryMax=lots").unwrap_err();
/// assert!(matches!(err, PropertyError::BadValue { ref name, .. } if name == "MemoryMax"));
/// let err = sdbus::Error::from(err);
/// assert!(err.to_string().starts_with(r#"invalid property "MemoryMax=lots": a size in bytes"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PropertyError {
    /// The input has no `=`.
    #[error("{assignment:?} is not a property assignment NAME=VALUE")]
    NotAssignment {
        /// The input.
        assignment: String,
    },
    /// No known setting has this name.
    #[error("unknown property {name:?}{}", DidYouMean(suggestions))]
    UnknownName {
        /// The name given.
        name: String,
        /// Up to three known names close to it, nearest first.
        suggestions: Vec<&'static str>,
    },
    /// The setting exists, but not for this unit type.
    #[error("property {name} does not apply to {unit_type} units")]
    NotApplicable {
        /// The name given.
        name: String,
        /// The unit type asked for.
        unit_type: UnitType,
    },
    /// The value does not have the setting's syntax.
    #[error("invalid value {value:?} for property {name}: expected {expected}")]
    BadValue {
        /// The setting's name.
        name: String,
        /// The value given.
        value: String,
        /// The form the value should have.
        expected: &'static str,
    },
}

/// Formats suggestions as `" (did you mean A, B or C?)"`, or nothing.
struct DidYouMean<'a>(&'a [&'static str]);

impl fmt::Display for DidYouMean<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => Ok(()),
            [one] => write!(f, " (did you mean {one}?)"),
            [init @ .., last] => write!(f, " (did you mean {} or {last}?)", init.join(", ")),
        }
    }
}

impl From<PropertyError> for Error {
    fn from(err: PropertyError) -> Error {
        let (value, reason) = match err {
            PropertyError::NotAssignment { assignment } => {
                (assignment, "is not a NAME=VALUE assignment")
            }
            PropertyError::UnknownName { name, suggestions } => (
                format!("{name}{}", DidYouMean(&suggestions)),
                "is not a known property",
            ),
            PropertyError::NotApplicable { name, unit_type } => (
                format!("{name} ({unit_type} unit)"),
                "does not apply to this unit type",
            ),
            PropertyError::BadValue {
                name,
                value,
                expected,
            } => (format!("{name}={value}"), expected),
        };
        Error::Invalid {
            kind: InvalidKind::Property,
            value,
            reason,
        }
    }
}

/// One property of a transient unit: its exact D-Bus name and a [`Value`]
/// of the type the manager expects, as `StartTransientUnit` takes them in
/// its `a(sv)` argument.
///
/// Make one from unit-file syntax with [`UnitProperty::parse`] (exactly as
/// `systemd-run -p` reads it: `*Sec` settings become `*USec` in
/// microseconds, `CPUQuota=` becomes `CPUQuotaPerSecUSec`, `Listen*=`
/// become `Listen` entries…), with the typed constructors
/// ([`UnitProperty::cpu_quota`], [`UnitProperty::memory_max`],
/// [`UnitProperty::timeout_stop`]…), or, for anything the table does not
/// know, with [`UnitProperty::new_raw`].
///
/// A `UnitProperty` appends as a `(sv)` struct, so a `Vec<UnitProperty>` is
/// the `a(sv)` of `StartTransientUnit` and `SetUnitProperties`. `Display`
/// shows it as `busctl` would: `CPUQuotaPerSecUSec t 200000`.
///
/// ```
/// use std::time::Duration;
/// use sdbus::transient::UnitProperty;
///
/// let quota = UnitProperty::parse("CPUQuota=20%")?;
/// assert_eq!(quota[0].to_string(), "CPUQuotaPerSecUSec t 200000");
/// assert_eq!(quota[0], UnitProperty::cpu_quota(20));
///
/// let stop = UnitProperty::parse("TimeoutStopSec=5s")?;
/// assert_eq!(stop, [UnitProperty::timeout_stop(Duration::from_secs(5))]);
///
/// let env = UnitProperty::parse("Environment=A=1 B=2")?;
/// assert_eq!(env[0].to_string(), r#"Environment as 2 "A=1" "B=2""#);
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UnitProperty {
    name: String,
    value: Value,
}

impl UnitProperty {
    /// A property from a name valid for the table's entries.
    fn known(name: &str, value: impl Into<Value>) -> UnitProperty {
        UnitProperty {
            name: name.to_owned(),
            value: value.into(),
        }
    }

    /// A property with any name and value, sent as they are: the escape
    /// hatch for properties the table does not know (newer systemd
    /// versions, D-Bus-only properties). The value must have the type the
    /// manager expects for the property; see
    /// [`UnitProperty::new_raw_as`] to convert it to a signature.
    ///
    /// Fails with an [`Error::Invalid`] of kind [`InvalidKind::Property`]
    /// if `name` is not a valid D-Bus member name.
    ///
    /// ```
    /// use sdbus::transient::UnitProperty;
    ///
    /// let prop = UnitProperty::new_raw("MemoryZSwapMax", 0u64)?;
    /// assert_eq!(prop.to_string(), "MemoryZSwapMax t 0");
    /// assert!(UnitProperty::new_raw("Not-A-Name", 0u64).is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn new_raw(name: impl Into<String>, value: impl Into<Value>) -> Result<UnitProperty> {
        let name = name.into();
        if !MemberName::is_valid(&name) {
            return Err(Error::invalid(
                InvalidKind::Property,
                name,
                "is not a valid property name",
            ));
        }
        Ok(UnitProperty {
            name,
            value: value.into(),
        })
    }

    /// As [`UnitProperty::new_raw`], with the value converted to
    /// `signature` by [`Value::coerce`] (for instance a list of tuples to
    /// `a(ss)`).
    ///
    /// ```
    /// use sdbus::transient::UnitProperty;
    /// use sdbus::Value;
    ///
    /// let prop = UnitProperty::new_raw_as("TasksMax", "t", Value::from(64u32))?;
    /// assert_eq!(prop.signature(), "t");
    /// assert!(UnitProperty::new_raw_as("TasksMax", "t", Value::from("many")).is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn new_raw_as(
        name: impl Into<String>,
        signature: &str,
        value: impl Into<Value>,
    ) -> Result<UnitProperty> {
        UnitProperty::new_raw(name, value.into().coerce(signature)?)
    }

    /// Parses a unit-file assignment `NAME=VALUE` as `systemd-run -p` does
    /// for a service, or, for settings services do not have (such as
    /// `OnCalendar=` or `ListenStream=`), for the unit type that has them.
    /// Use [`UnitProperty::parse_for`] to parse for a given unit type.
    ///
    /// One assignment can make several properties (`LimitNOFILE=` sets the
    /// hard and the soft limit) or, rarely, none.
    ///
    /// ```
    /// use sdbus::transient::UnitProperty;
    ///
    /// let show = |s: &str| -> Vec<String> {
    ///     UnitProperty::parse(s).unwrap().iter().map(ToString::to_string).collect()
    /// };
    /// assert_eq!(show("MemoryMax=1G"), ["MemoryMax t 1073741824"]);
    /// assert_eq!(show("MemoryMax=50%"), ["MemoryMaxScale u 2147483648"]);
    /// assert_eq!(show("LimitNOFILE=1024:4096"), ["LimitNOFILE t 4096", "LimitNOFILESoft t 1024"]);
    /// assert_eq!(show("ExecStartPre=-/bin/true x"), [r#"ExecStartPre a(sasb) 1 "/bin/true" 2 "/bin/true" "x" true"#]);
    /// assert_eq!(show("DeviceAllow=/dev/null rw"), [r#"DeviceAllow a(ss) 1 "/dev/null" "rw""#]);
    /// assert_eq!(show("IPAddressDeny=any"), [r#"IPAddressDeny a(iayu) 2 2 4 0 0 0 0 0 10 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"#]);
    /// assert_eq!(show("ListenStream=8080"), [r#"Listen a(ss) 1 "Stream" "8080""#]);
    /// ```
    pub fn parse(assignment: &str) -> Result<Vec<UnitProperty>, PropertyError> {
        let (name, value) = split_assignment(assignment)?;
        match table::find_any(name) {
            Some(info) => info.parse(value),
            None => Err(unknown(name)),
        }
    }

    /// Parses a unit-file assignment `NAME=VALUE` for a unit of type
    /// `unit`, as `systemd-run -p` does (and `--socket-property`,
    /// `--timer-property`, `--path-property` for the other types). Some
    /// names mean different things for different types: `TimeoutSec=` sets
    /// both start and stop timeouts of a service but `TimeoutUSec` of a
    /// socket.
    ///
    /// ```
    /// use sdbus::transient::{PropertyError, UnitProperty, UnitType};
    ///
    /// let socket = UnitProperty::parse_for(UnitType::Socket, "TimeoutSec=1min")?;
    /// assert_eq!(socket[0].to_string(), "TimeoutUSec t 60000000");
    /// let service = UnitProperty::parse_for(UnitType::Service, "TimeoutSec=1min")?;
    /// assert_eq!(service.len(), 2);
    ///
    /// let err = UnitProperty::parse_for(UnitType::Timer, "MemoryMax=1G").unwrap_err();
    /// assert_eq!(err.to_string(), "property MemoryMax does not apply to timer units");
    /// # Ok::<(), PropertyError>(())
    /// ```
    pub fn parse_for(unit: UnitType, assignment: &str) -> Result<Vec<UnitProperty>, PropertyError> {
        let (name, value) = split_assignment(assignment)?;
        match table::find(name, unit) {
            Some(info) => info.parse(value),
            None if table::is_known(name) => Err(PropertyError::NotApplicable {
                name: name.to_owned(),
                unit_type: unit,
            }),
            None => Err(unknown(name)),
        }
    }

    /// The D-Bus property name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value's D-Bus signature, such as `"a(sasb)"`.
    pub fn signature(&self) -> String {
        self.value.signature()
    }

    /// The name and the value.
    pub fn into_parts(self) -> (String, Value) {
        (self.name, self.value)
    }
}

fn split_assignment(assignment: &str) -> Result<(&str, &str), PropertyError> {
    assignment
        .split_once('=')
        .ok_or_else(|| PropertyError::NotAssignment {
            assignment: assignment.to_owned(),
        })
}

fn unknown(name: &str) -> PropertyError {
    PropertyError::UnknownName {
        name: name.to_owned(),
        suggestions: table::suggestions(name),
    }
}

impl fmt::Display for UnitProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.value.display_busctl())
    }
}

/// `(sv)`.
impl Type for UnitProperty {
    fn write_signature(sig: &mut SignatureBuf) {
        sig.push_str("(sv)");
    }
}

impl Append for UnitProperty {
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        // A `Value` appends as a variant holding it.
        (self.name.as_str(), &self.value).append_to(msg)
    }
}

impl From<UnitProperty> for (String, Value) {
    fn from(prop: UnitProperty) -> (String, Value) {
        prop.into_parts()
    }
}

impl PropertyInfo {
    /// Every setting of the table.
    ///
    /// ```
    /// use sdbus::transient::{PropertyInfo, UnitType};
    ///
    /// let for_timers = PropertyInfo::all().iter().filter(|p| p.applies_to(UnitType::Timer));
    /// assert!(for_timers.clone().any(|p| p.name() == "OnCalendar"));
    /// assert!(PropertyInfo::all().len() > 400);
    /// ```
    pub fn all() -> &'static [PropertyInfo] {
        table::TABLE
    }

    /// The setting `name` (unit-file syntax) of units of type `unit`.
    pub fn find(name: &str, unit: UnitType) -> Option<&'static PropertyInfo> {
        table::find(name, unit)
    }

    /// The unit-file name, such as `"CPUQuota"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The D-Bus property the value goes to, such as `"CPUQuotaPerSecUSec"`.
    /// Settings that add to a shared list name the list: `Listen`,
    /// `TimersMonotonic`, `TimersCalendar`, `Paths`, `Conditions`,
    /// `Asserts`, `EnvironmentFiles`. Some values go to a related property
    /// instead (`MemoryMax=50%` to `MemoryMaxScale`; `StandardOutput=file:…`
    /// to `StandardOutputFile`; `ExecStart=+…` to `ExecStartEx`).
    pub fn dbus_name(&self) -> &'static str {
        self.dbus
    }

    /// Whether the setting applies to units of type `unit`.
    pub fn applies_to(&self, unit: UnitType) -> bool {
        self.units.contains(unit)
    }

    /// The unit types the setting applies to.
    pub fn unit_types(&self) -> impl Iterator<Item = UnitType> + '_ {
        UnitType::ALL.into_iter().filter(|t| self.applies_to(*t))
    }

    /// A valid example value, accepted by systemd 252's manager for every
    /// unit type of [`PropertyInfo::unit_types`].
    pub fn sample(&self) -> &'static str {
        self.sample
    }

    /// The form a value must have, as error messages describe it.
    pub fn expected(&self) -> &'static str {
        self.kind.expected()
    }

    /// Parses a value of this setting in unit-file syntax.
    pub fn parse(&'static self, value: &str) -> Result<Vec<UnitProperty>, PropertyError> {
        if value.contains('\0') {
            return Err(self.bad(value));
        }
        convert(self, value).ok_or_else(|| self.bad(value))
    }

    fn bad(&self, value: &str) -> PropertyError {
        PropertyError::BadValue {
            name: self.name.to_owned(),
            value: value.to_owned(),
            expected: self.kind.expected(),
        }
    }
}

/// One property named after the entry's D-Bus name.
fn one(info: &PropertyInfo, value: impl Into<Value>) -> Option<Vec<UnitProperty>> {
    Some(vec![UnitProperty::known(info.dbus, value)])
}

fn words(s: &str) -> Option<Vec<String>> {
    parse::words(s, Extract::UNQUOTE)
}

/// An `a(ss)` value.
fn pairs(items: Vec<(String, String)>) -> Value {
    Value::from(items)
}

/// `path_simplify`: repeated and trailing slashes and `.` components
/// removed.
fn simplify_path(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else if joined.is_empty() {
        path.to_owned()
    } else {
        joined
    }
}

/// `extract_many_words` for two words separated by `sep`, C escapes and
/// escaped separators resolved: the words found (0 to 2) and what is left.
fn colon_words(s: &str, flags: Extract) -> Option<(Vec<String>, Option<&str>)> {
    let mut cursor = Words::new(s);
    let mut found = Vec::new();
    while found.len() < 2 {
        match cursor.next(":", flags).ok()? {
            Some(w) => found.push(w),
            None => break,
        }
    }
    Some((found, cursor.rest()))
}

const COLON_ESCAPED: Extract = Extract {
    unquote: false,
    cunescape: true,
    dont_coalesce: false,
    retain_escape: false,
    unescape_separators: true,
};

/// `[PARTITION:]OPTIONS` pairs after the first fields of a
/// `MountImages=`/`ExtensionImages=` entry.
fn partition_options(rest: Option<&str>) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = rest;
    while let Some(s) = rest {
        let (found, left) = colon_words(s, COLON_ESCAPED)?;
        match found.as_slice() {
            [] => break,
            [options] => {
                out.push(("root".to_owned(), options.clone()));
                break;
            }
            [partition, options, ..] => out.push((partition.clone(), options.clone())),
        }
        rest = left;
    }
    Some(out)
}

/// The value of one resource limit (`rlimit_parse_one`).
fn limit_value(kind: LimitValue, s: &str) -> Option<u64> {
    if s == "infinity" {
        return Some(INFINITY);
    }
    let v = match kind {
        LimitValue::Count => parse::unsigned(s)?,
        LimitValue::Bytes => parse::size(s, 1024)?,
        LimitValue::Seconds => parse::sec_rounded_up(s)?,
        LimitValue::Microseconds => parse::usec(s)?,
        LimitValue::Nice => {
            if let Some(n) = s.strip_prefix('+') {
                20 - parse::unsigned(n).filter(|n| *n < 20)?
            } else if let Some(n) = s.strip_prefix('-') {
                20 + parse::unsigned(n).filter(|n| *n <= 20)?
            } else {
                parse::unsigned(s).filter(|n| *n <= 40)?
            }
        }
    };
    match kind {
        LimitValue::Seconds | LimitValue::Microseconds => Some(v),
        _ => (v != INFINITY).then_some(v),
    }
}

/// `parse_socket_bind_item`: `[ipv4|ipv6:][tcp|udp:](PORT|FIRST-LAST|any)`
/// as family, protocol, number of ports and first port.
fn socket_bind(s: &str) -> Option<(i32, i32, u16, u16)> {
    let port = |p: &str| {
        parse::unsigned(p)
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n > 0)
    };
    let mut item = (libc::AF_UNSPEC, 0, 0u16, 0u16);
    let mut stage = 0;
    let mut cursor = Words::new(s);
    while let Some(token) = cursor.next(":", Extract::SPLIT).ok()? {
        if token.is_empty() || stage == 3 {
            return None;
        }
        // Each token is the family, the protocol or the ports, in this
        // order; a token that is not the next one may be a later one.
        loop {
            match (stage, token.as_str()) {
                (0, "ipv4") => item.0 = libc::AF_INET,
                (0, "ipv6") => item.0 = libc::AF_INET6,
                (1, "tcp") => item.1 = libc::IPPROTO_TCP,
                (1, "udp") => item.1 = libc::IPPROTO_UDP,
                (0 | 1, _) => {
                    stage += 1;
                    continue;
                }
                (_, "any") => {}
                (_, ports) => {
                    let (lo, hi) = match ports.split_once('-') {
                        Some((lo, hi)) => (port(lo)?, port(hi)?),
                        None => (port(ports)?, port(ports)?),
                    };
                    if lo > hi {
                        return None;
                    }
                    item.2 = hi - lo + 1;
                    item.3 = lo;
                }
            }
            stage += 1;
            break;
        }
    }
    Some(item)
}

/// Secure bits by name (`secure_bits_from_string`).
const SECURE_BITS: [(&str, u64); 6] = [
    ("noroot", 1 << 0),
    ("noroot-locked", 1 << 1),
    ("no-setuid-fixup", 1 << 2),
    ("no-setuid-fixup-locked", 1 << 3),
    ("keep-caps", 1 << 4),
    ("keep-caps-locked", 1 << 5),
];

/// `MS_REC`, the default flag of `BindPaths=` entries.
const MS_REC: u64 = 16_384;

/// The flags of an `Exec*=` prefix, in the order of their `Ex` names.
const EXEC_FLAG_NAMES: [&str; 5] = [
    "ignore-failure",
    "privileged",
    "no-setuid",
    "ambient",
    "no-env-expand",
];

/// `bus_append_exec_command`: the prefixes `-` (ignore failure), `@`
/// (explicit `argv[0]`), `:` (no variable expansion), `+` (privileged),
/// `!` (no setuid) and `!!` (ambient capabilities), then the command line.
fn exec_command(info: &PropertyInfo, value: &str) -> Option<Vec<UnitProperty>> {
    let [mut ignore, mut explicit_path, mut no_env, mut privileged, mut no_setuid, mut ambient] =
        [false; 6];
    let mut rest = value;
    loop {
        let flag = match rest.chars().next() {
            Some('-') if !ignore => &mut ignore,
            Some('@') if !explicit_path => &mut explicit_path,
            Some(':') if !no_env => &mut no_env,
            Some('+') if !(privileged || no_setuid || ambient) => &mut privileged,
            Some('!') if !(privileged || ambient) && no_setuid => {
                no_setuid = false;
                &mut ambient
            }
            Some('!') if !(privileged || ambient) => &mut no_setuid,
            _ => break,
        };
        *flag = true;
        rest = &rest[1..];
    }
    let mut is_ex = info.name.ends_with("Ex");
    let name = if !is_ex && (no_env || privileged || no_setuid || ambient) {
        is_ex = true;
        format!("{}Ex", info.dbus)
    } else {
        info.dbus.to_owned()
    };
    let mut cursor = Words::new(rest);
    let path = if explicit_path {
        cursor.next(WHITESPACE, Extract::UNQUOTE_CUNESCAPE).ok()?
    } else {
        None
    };
    let argv = parse::words(cursor.rest().unwrap_or(""), Extract::UNQUOTE_CUNESCAPE)?;
    let path = path.or_else(|| argv.first().cloned());
    let value = match (is_ex, path) {
        (false, path) => Value::from(
            path.filter(|_| !argv.is_empty())
                .map(|p| (p, argv, ignore))
                .into_iter()
                .collect::<Vec<_>>(),
        ),
        (true, path) => {
            let flags = [ignore, privileged, no_setuid, ambient, no_env];
            let options: Vec<String> = EXEC_FLAG_NAMES
                .iter()
                .zip(flags)
                .filter(|(_, set)| *set)
                .map(|(n, _)| (*n).to_owned())
                .collect();
            Value::from(
                path.filter(|_| !argv.is_empty())
                    .map(|p| (p, argv, options))
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
        }
    };
    Some(vec![UnitProperty { name, value }])
}

/// Turns a value into the properties it sets; `None` if it does not parse.
fn convert(info: &'static PropertyInfo, value: &str) -> Option<Vec<UnitProperty>> {
    let name = info.dbus;
    match info.kind {
        Kind::String => one(info, value),
        Kind::Choice(c) => c.values.contains(&value).then(|| one(info, value))?,
        Kind::BoolOrChoice(c) => (parse::boolean(value).is_some() || c.values.contains(&value))
            .then(|| one(info, value))?,
        Kind::Bool => one(info, parse::boolean(value)?),
        Kind::Strv => one(info, words(value)?),
        Kind::StrvEscaped => one(info, parse::words(value, Extract::UNQUOTE_CUNESCAPE)?),
        Kind::Environment => {
            let assignments = parse::words(value, Extract::UNQUOTE_CUNESCAPE)?;
            let valid = |a: &String| a.split_once('=').is_some_and(|(k, _)| !k.is_empty());
            assignments
                .iter()
                .all(valid)
                .then(|| one(info, assignments))?
        }
        Kind::Sec => one(info, parse::sec(value)?),
        Kind::SecEmptyInfinity if value.is_empty() => one(info, INFINITY),
        Kind::SecEmptyInfinity => one(info, parse::sec(value)?),
        Kind::NSec => one(info, parse::nsec(value)?),
        Kind::Size => one(info, parse::size(value, 1024)?),
        Kind::Memory { empty_is_max } if value.is_empty() => {
            one(info, if empty_is_max { INFINITY } else { 0 })
        }
        Kind::TasksMax if value.is_empty() => one(info, INFINITY),
        Kind::Memory { .. } | Kind::TasksMax if value == "infinity" => one(info, INFINITY),
        Kind::Memory { .. } | Kind::TasksMax => match parse::permyriad(value) {
            Some(p) => Some(vec![UnitProperty::known(
                &format!("{name}Scale"),
                parse::scale_from_permyriad(p),
            )]),
            None if matches!(info.kind, Kind::TasksMax) => one(info, parse::unsigned(value)?),
            None => one(info, parse::size(value, 1024)?),
        },
        Kind::CpuQuota if value.is_empty() => one(info, INFINITY),
        Kind::CpuQuota => {
            let p = parse::permyriad_unbounded(value).filter(|p| *p > 0)?;
            one(info, u64::from(p) * 1_000_000 / 10_000)
        }
        Kind::Weight { .. } if value.is_empty() => one(info, INFINITY),
        Kind::Weight { idle: true, .. } if value == "idle" => one(info, 0u64),
        Kind::Weight { min, max, .. } => one(
            info,
            parse::unsigned(value).filter(|w| (min..=max).contains(w))?,
        ),
        Kind::Int32 => one(info, i32::try_from(parse::signed(value)?).ok()?),
        Kind::IntRange { min, max } => {
            let v = i32::try_from(parse::signed(value)?).ok()?;
            (min..=max).contains(&v).then(|| one(info, v))?
        }
        Kind::UInt32 => one(info, u32::try_from(parse::unsigned(value)?).ok()?),
        Kind::Int64 => one(info, parse::signed(value)?),
        Kind::Mode => one(info, parse::mode(value)?),
        Kind::Named { names, max, .. } => one(info, parse::name_or_number(value, names, max)?),
        Kind::SecureBits => {
            let bits = parse::flag_words(value, &SECURE_BITS)?;
            one(info, i32::try_from(bits).ok()?)
        }
        Kind::MountFlags => one(
            info,
            match value {
                "" => 0u64,
                "shared" => 1 << 20,
                "slave" => 1 << 19,
                "private" => 1 << 18,
                _ => return None,
            },
        ),
        Kind::Signal => one(info, parse::signal(value)?),
        Kind::CoredumpFilter => one(info, parse::coredump_filter(value)?),
        Kind::SeccompErrno => one(info, parse::errno_or_action(value)?),
        Kind::ScaledPercent => one(info, parse::scale_from_permyriad(parse::permyriad(value)?)),
        Kind::CpuSet => one(info, parse::cpu_set(value)?),
        Kind::CpuAffinity if value == "numa" => {
            Some(vec![UnitProperty::known("CPUAffinityFromNUMA", true)])
        }
        Kind::CpuAffinity => one(info, parse::cpu_set(value)?),
        Kind::NumaMask if value == "all" => {
            one(info, parse::all_numa_nodes().unwrap_or_else(|| vec![1]))
        }
        Kind::NumaMask => one(info, parse::cpu_set(value)?),
        Kind::Delegate => match parse::boolean(value) {
            Some(b) => one(info, b),
            None => Some(vec![UnitProperty::known(
                "DelegateControllers",
                words(value)?,
            )]),
        },
        Kind::DeviceAllow => {
            let entries = if value.is_empty() {
                Vec::new()
            } else {
                let (path, access) = value.split_once(' ').unwrap_or((value, ""));
                vec![(path.to_owned(), access.to_owned())]
            };
            one(info, pairs(entries))
        }
        Kind::IoDeviceLimit | Kind::IoDeviceWeight | Kind::IoDeviceLatency => {
            let mut entries: Vec<(String, u64)> = Vec::new();
            if !value.is_empty() {
                let (path, amount) = value.split_once(' ')?;
                let amount = match info.kind {
                    Kind::IoDeviceLimit if amount == "infinity" => INFINITY,
                    Kind::IoDeviceLimit => parse::size(amount, 1000)?,
                    Kind::IoDeviceWeight => parse::unsigned(amount)?,
                    _ => parse::sec(amount)?,
                };
                entries.push((path.to_owned(), amount));
            }
            one(info, entries)
        }
        Kind::IpAddresses => one(info, ip_addresses(value)?),
        Kind::SinglePath if value.is_empty() => one(info, Vec::<String>::new()),
        Kind::SinglePath => one(info, vec![value.to_owned()]),
        Kind::BpfProgram if value.is_empty() => one(info, pairs(Vec::new())),
        Kind::BpfProgram => {
            let mut cursor = Words::new(value);
            let kind = cursor.next(":", Extract::default()).ok()??;
            let path = cursor.rest().unwrap_or("").to_owned();
            one(info, pairs(vec![(kind, path)]))
        }
        Kind::SocketBind if value.is_empty() => one(info, Vec::<(i32, i32, u16, u16)>::new()),
        Kind::SocketBind => one(info, vec![socket_bind(value)?]),
        Kind::EnvironmentFile if value.is_empty() => one(info, Vec::<(String, bool)>::new()),
        Kind::EnvironmentFile => {
            let (path, optional) = match value.strip_prefix('-') {
                Some(path) => (path, true),
                None => (value, false),
            };
            one(info, vec![(path.to_owned(), optional)])
        }
        Kind::SetCredential { .. } if value.is_empty() => {
            one(info, Vec::<(String, Vec<u8>)>::new())
        }
        Kind::SetCredential { encrypted } => {
            let mut cursor = Words::new(value);
            let id = cursor.next(":", Extract::SPLIT).ok()??;
            let data = cursor.rest()?;
            let bytes = if encrypted {
                parse::base64(data)?
            } else {
                parse::cunescape(data, true)?
            };
            one(info, vec![(id, bytes)])
        }
        Kind::LoadCredential if value.is_empty() => one(info, pairs(Vec::new())),
        Kind::LoadCredential => {
            let mut cursor = Words::new(value);
            let id = cursor.next(":", Extract::SPLIT).ok()??;
            let path = cursor.rest().filter(|p| !p.is_empty()).unwrap_or(value);
            one(info, pairs(vec![(id, path.to_owned())]))
        }
        Kind::LogExtraFields => one(info, vec![value.as_bytes().to_vec()]),
        Kind::Stdio => {
            let forms = [
                ("fd:", "FileDescriptorName"),
                ("file:", "File"),
                ("append:", "FileToAppend"),
                ("truncate:", "FileToTruncate"),
            ];
            match forms
                .iter()
                .find_map(|(prefix, suffix)| Some((value.strip_prefix(prefix)?, suffix)))
            {
                Some((rest, suffix)) => {
                    Some(vec![UnitProperty::known(&format!("{name}{suffix}"), rest)])
                }
                None => one(info, value),
            }
        }
        Kind::StdinText => {
            let mut text = parse::cunescape(value, false)?;
            text.push(b'\n');
            one(info, text)
        }
        Kind::StdinData => one(info, parse::base64(value)?),
        Kind::Limit(kind) => {
            let mut cursor = Words::new(value);
            let soft = limit_value(kind, &cursor.next(":", Extract::SPLIT).ok()??)?;
            let hard = match cursor.next(":", Extract::SPLIT).ok()? {
                Some(h) => limit_value(kind, &h)?,
                None => soft,
            };
            if cursor.rest().is_some_and(|r| !r.is_empty()) || soft > hard {
                return None;
            }
            Some(vec![
                UnitProperty::known(name, hard),
                UnitProperty::known(&format!("{name}Soft"), soft),
            ])
        }
        Kind::SecurityLabel => {
            let (ignore, label) = match value.strip_prefix('-') {
                Some(label) => (true, label),
                None => (false, value),
            };
            one(info, (ignore, label))
        }
        Kind::Capabilities => one(info, parse::capabilities(value)?),
        Kind::FilterList => {
            let (allow, list) = match value.strip_prefix('~') {
                Some(list) => (false, list),
                None => (true, value),
            };
            one(info, (allow, words(list)?))
        }
        Kind::RestrictNamespaces => one(info, parse::namespace_flags(value)?),
        Kind::BindPaths => one(info, bind_paths(value)?),
        Kind::TemporaryFileSystem => {
            let mut entries = Vec::new();
            for word in words(value)? {
                let mut cursor = Words::new(&word);
                let path = cursor.next(":", Extract::SPLIT).ok()??;
                entries.push((path, cursor.rest().unwrap_or("").to_owned()));
            }
            one(info, pairs(entries))
        }
        Kind::RootHash if value.starts_with('/') => {
            Some(vec![UnitProperty::known("RootHashPath", value)])
        }
        Kind::RootHash => one(info, parse::hex(value).filter(|h| h.len() >= 16)?),
        Kind::RootHashSignature if value.starts_with('/') => {
            Some(vec![UnitProperty::known("RootHashSignaturePath", value)])
        }
        Kind::RootHashSignature => one(info, parse::base64(value.strip_prefix("base64:")?)?),
        Kind::RootImageOptions => {
            let mut entries = Vec::new();
            let flags = Extract {
                retain_escape: true,
                ..Extract::UNQUOTE
            };
            for tuple in parse::words(value, flags)? {
                let (found, rest) = colon_words(&tuple, COLON_ESCAPED)?;
                if rest.is_some_and(|r| !r.is_empty()) {
                    return None;
                }
                match found.as_slice() {
                    [] => {}
                    [options] => entries.push(("root".to_owned(), options.clone())),
                    [partition, options, ..] => entries.push((partition.clone(), options.clone())),
                }
            }
            one(info, pairs(entries))
        }
        Kind::MountImages | Kind::ExtensionImages => images(info, value),
        Kind::Directories => directories(info, value),
        Kind::Exec => exec_command(info, value),
        Kind::ExitStatusSet => {
            let (mut statuses, mut signals) = (Vec::new(), Vec::new());
            for word in words(value)? {
                if let Some(status) = parse::exit_status(&word) {
                    statuses.push(status);
                } else {
                    signals.push(parse::signal(&word)?);
                }
            }
            one(info, (statuses, signals))
        }
        Kind::TimeoutBoth => {
            let usec = parse::sec(value)?;
            Some(vec![
                UnitProperty::known("TimeoutStartUSec", usec),
                UnitProperty::known("TimeoutStopUSec", usec),
            ])
        }
        Kind::Listen | Kind::TimerCalendar | Kind::PathSpec if value.is_empty() => {
            one(info, pairs(Vec::new()))
        }
        Kind::Listen => {
            let socket_type = info.name.strip_prefix("Listen").unwrap_or(info.name);
            one(
                info,
                pairs(vec![(socket_type.to_owned(), value.to_owned())]),
            )
        }
        Kind::TimerCalendar | Kind::PathSpec => {
            one(info, pairs(vec![(info.name.to_owned(), value.to_owned())]))
        }
        Kind::TimerMonotonic if value.is_empty() => one(info, Vec::<(String, u64)>::new()),
        Kind::TimerMonotonic => one(info, vec![(info.name.to_owned(), parse::sec(value)?)]),
        Kind::ActionExitStatus if value.is_empty() => one(info, -1i32),
        Kind::ActionExitStatus => {
            let status = parse::unsigned(value).filter(|s| *s <= 255)?;
            one(info, status as i32)
        }
        Kind::Condition if value.is_empty() => {
            one(info, Vec::<(String, bool, bool, String)>::new())
        }
        Kind::Condition => {
            let (trigger, rest) = match value.strip_prefix('|') {
                Some(rest) => (true, rest),
                None => (false, value),
            };
            let (negate, parameter) = match rest.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, rest),
            };
            one(
                info,
                vec![(info.name.to_owned(), trigger, negate, parameter.to_owned())],
            )
        }
    }
}

/// `IPAddressAllow=`/`IPAddressDeny=` entries: family, address bytes,
/// prefix length.
fn ip_addresses(value: &str) -> Option<Vec<(i32, Vec<u8>, u32)>> {
    let v4 = |a: [u8; 4], len| (libc::AF_INET, a.to_vec(), len);
    let v6 = |a: std::net::Ipv6Addr, len| (libc::AF_INET6, a.octets().to_vec(), len);
    Some(match value {
        "" => Vec::new(),
        "any" => vec![v4([0; 4], 0), v6(std::net::Ipv6Addr::UNSPECIFIED, 0)],
        "link-local" => vec![
            v4([169, 254, 0, 0], 16),
            v6(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 64),
        ],
        "multicast" => vec![
            v4([224, 0, 0, 0], 4),
            v6(std::net::Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
        ],
        s if parse::is_localhost(s) => {
            vec![
                v4([127, 0, 0, 0], 8),
                v6(std::net::Ipv6Addr::LOCALHOST, 128),
            ]
        }
        s => parse::words(s, Extract::default())?
            .iter()
            .map(|w| parse::ip_prefix(w))
            .collect::<Option<Vec<_>>>()?,
    })
}

/// `BindPaths=`/`BindReadOnlyPaths=` entries.
fn bind_paths(value: &str) -> Option<Vec<(String, String, bool, u64)>> {
    let separators = ": \t\n\r";
    let flags = Extract {
        dont_coalesce: true,
        ..Extract::UNQUOTE
    };
    let mut entries = Vec::new();
    let mut cursor = Words::new(value);
    while let Some(source) = cursor.next(separators, flags).ok()? {
        let (ignore, source) = match source.strip_prefix('-') {
            Some(s) => (true, s.to_owned()),
            None => (false, source),
        };
        let mut mount_flags = MS_REC;
        let destination = if cursor.ended_by(':') {
            let destination = cursor.next(separators, flags).ok()??;
            if cursor.ended_by(':') {
                match cursor.next(WHITESPACE, Extract::UNQUOTE).ok()?.as_deref() {
                    None | Some("") | Some("rbind") => {}
                    Some("norbind") => mount_flags = 0,
                    Some(_) => return None,
                }
            }
            destination
        } else {
            source.clone()
        };
        entries.push((source, destination, ignore, mount_flags));
    }
    Some(entries)
}

/// `MountImages=` (`a(ssba(ss))`) and `ExtensionImages=` (`a(sba(ss))`).
fn images(info: &PropertyInfo, value: &str) -> Option<Vec<UnitProperty>> {
    let mount = matches!(info.kind, Kind::MountImages);
    let flags = Extract {
        retain_escape: true,
        ..Extract::UNQUOTE
    };
    let mut mounts = Vec::new();
    let mut extensions = Vec::new();
    for tuple in parse::words(value, flags)? {
        let mut cursor = Words::new(&tuple);
        let Some(first) = cursor.next(":", COLON_ESCAPED).ok()? else {
            continue;
        };
        let (permissive, source) = match first.strip_prefix('-') {
            Some(s) => (true, s.to_owned()),
            None => (false, first),
        };
        if mount {
            let destination = cursor
                .next(":", COLON_ESCAPED)
                .ok()?
                .filter(|d| !d.is_empty())?;
            let options = partition_options(cursor.rest())?;
            mounts.push((source, destination, permissive, options));
        } else {
            let options = partition_options(cursor.rest())?;
            extensions.push((source, permissive, options));
        }
    }
    if mount {
        one(info, mounts)
    } else {
        one(info, extensions)
    }
}

/// `StateDirectory=` and the like: names, and `SOURCE:LINK` pairs as
/// `{name}Symlink`. An empty value resets the list.
fn directories(info: &PropertyInfo, value: &str) -> Option<Vec<UnitProperty>> {
    let mut sources = Vec::new();
    let mut links: Vec<(String, String, u64)> = Vec::new();
    let flags = Extract {
        dont_coalesce: true,
        ..Extract::UNQUOTE
    };
    for tuple in words(value)? {
        let (found, _) = colon_words(&tuple, flags)?;
        match found.as_slice() {
            [] => return None,
            [source] => sources.push(simplify_path(source)),
            [source, link, ..] if link.is_empty() => sources.push(simplify_path(source)),
            [source, link, ..] => links.push((simplify_path(source), simplify_path(link), 0)),
        }
    }
    let mut out = Vec::new();
    if !sources.is_empty() || links.is_empty() {
        out.push(UnitProperty::known(info.dbus, sources));
    }
    if !links.is_empty() {
        out.push(UnitProperty::known(&format!("{}Symlink", info.dbus), links));
    }
    Some(out)
}

/// A service's `Type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceType {
    /// `simple`: started once forked.
    Simple,
    /// `exec`: started once the binary was executed.
    Exec,
    /// `forking`: started when the command exits, leaving a daemon.
    Forking,
    /// `oneshot`: runs to completion during start-up.
    Oneshot,
    /// `dbus`: started once it owns its `BusName=`.
    Dbus,
    /// `notify`: started when it sends `READY=1`.
    Notify,
    /// `idle`: as `simple`, delayed until jobs are dispatched.
    Idle,
}

impl ServiceType {
    /// The unit-file spelling, such as `"oneshot"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Simple => "simple",
            ServiceType::Exec => "exec",
            ServiceType::Forking => "forking",
            ServiceType::Oneshot => "oneshot",
            ServiceType::Dbus => "dbus",
            ServiceType::Notify => "notify",
            ServiceType::Idle => "idle",
        }
    }
}

/// When an inactive unit is unloaded (`CollectMode=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CollectMode {
    /// `inactive`: when inactive, but a failed unit stays until reset.
    Inactive,
    /// `inactive-or-failed`: also when failed, so its result must be read
    /// while it is still loaded.
    InactiveOrFailed,
}

/// Microseconds of a duration, saturating at `u64::MAX` (infinity).
fn usec(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(INFINITY)
}

/// One command line as an `a(sasb)` list; empty when `argv` is (which
/// clears the setting).
fn exec_list(argv: impl IntoIterator<Item = impl Into<String>>) -> Value {
    let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
    let entry = argv.first().cloned().map(|path| (path, argv, false));
    Value::from(entry.into_iter().collect::<Vec<_>>())
}

fn strings(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::from(items.into_iter().map(Into::into).collect::<Vec<String>>())
}

fn addresses(prefixes: impl IntoIterator<Item = (IpAddr, u8)>) -> Value {
    let entries: Vec<(i32, Vec<u8>, u32)> = prefixes
        .into_iter()
        .map(|(addr, len)| match addr {
            IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec(), u32::from(len)),
            IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec(), u32::from(len)),
        })
        .collect();
    Value::from(entries)
}

/// Typed constructors for common properties. Values are sent as given; the
/// manager refuses those out of range (a nice level of 40, a weight of 0).
impl UnitProperty {
    /// `Description=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::description("Backup").to_string(), r#"Description s "Backup""#);
    /// ```
    pub fn description(text: &str) -> UnitProperty {
        UnitProperty::known("Description", text)
    }

    /// `Slice=`: the slice the unit's cgroup goes into.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::slice("batch.slice").signature(), "s");
    /// ```
    pub fn slice(slice: &str) -> UnitProperty {
        UnitProperty::known("Slice", slice)
    }

    /// A service's `Type=`.
    ///
    /// ```
    /// # use sdbus::transient::{ServiceType, UnitProperty};
    /// assert_eq!(UnitProperty::service_type(ServiceType::Oneshot).to_string(), r#"Type s "oneshot""#);
    /// ```
    pub fn service_type(service_type: ServiceType) -> UnitProperty {
        UnitProperty::known("Type", service_type.as_str())
    }

    /// `RemainAfterExit=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::remain_after_exit(true).to_string(), "RemainAfterExit b true");
    /// ```
    pub fn remain_after_exit(remain: bool) -> UnitProperty {
        UnitProperty::known("RemainAfterExit", remain)
    }

    /// `CollectMode=`.
    ///
    /// ```
    /// # use sdbus::transient::{CollectMode, UnitProperty};
    /// let prop = UnitProperty::collect_mode(CollectMode::InactiveOrFailed);
    /// assert_eq!(prop.to_string(), r#"CollectMode s "inactive-or-failed""#);
    /// ```
    pub fn collect_mode(mode: CollectMode) -> UnitProperty {
        let mode = match mode {
            CollectMode::Inactive => "inactive",
            CollectMode::InactiveOrFailed => "inactive-or-failed",
        };
        UnitProperty::known("CollectMode", mode)
    }

    /// `User=`: a user name or numeric id.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::user("nobody").to_string(), r#"User s "nobody""#);
    /// ```
    pub fn user(user: &str) -> UnitProperty {
        UnitProperty::known("User", user)
    }

    /// `Group=`: a group name or numeric id.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::group("nogroup").name(), "Group");
    /// ```
    pub fn group(group: &str) -> UnitProperty {
        UnitProperty::known("Group", group)
    }

    /// `WorkingDirectory=`: an absolute path, `~` for the user's home, and
    /// with a leading `-` a missing directory is no error.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::working_directory("/tmp").name(), "WorkingDirectory");
    /// ```
    pub fn working_directory(path: &str) -> UnitProperty {
        UnitProperty::known("WorkingDirectory", path)
    }

    /// `Nice=`, from -20 (favoured) to 19.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::nice(10), UnitProperty::parse("Nice=10")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn nice(nice: i32) -> UnitProperty {
        UnitProperty::known("Nice", nice)
    }

    /// `Environment=`: variables for the unit's processes.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// let env = UnitProperty::environment([("FOO", "bar"), ("EMPTY", "")]);
    /// assert_eq!(env.to_string(), r#"Environment as 2 "FOO=bar" "EMPTY=""#);
    /// ```
    pub fn environment<K: AsRef<str>, V: AsRef<str>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> UnitProperty {
        let vars = vars
            .into_iter()
            .map(|(k, v)| format!("{}={}", k.as_ref(), v.as_ref()));
        UnitProperty::known("Environment", strings(vars))
    }

    /// `ExecStart=` with one command line, `argv[0]` being the program. An
    /// empty `argv` gives an empty list.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::exec_start(["/bin/sleep", "60"]);
    /// assert_eq!(prop, UnitProperty::parse("ExecStart=/bin/sleep 60")?[0]);
    /// assert_eq!(prop.signature(), "a(sasb)");
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn exec_start(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecStart", exec_list(argv))
    }

    /// `ExecStartPre=`: a command run before `ExecStart=`, as
    /// [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::exec_start_pre(["/bin/true"]);
    /// assert_eq!(prop.to_string(), r#"ExecStartPre a(sasb) 1 "/bin/true" 1 "/bin/true" false"#);
    /// ```
    pub fn exec_start_pre(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecStartPre", exec_list(argv))
    }

    /// `ExecStartPost=`, as [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::exec_start_post(["/bin/true"]).name(), "ExecStartPost");
    /// ```
    pub fn exec_start_post(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecStartPost", exec_list(argv))
    }

    /// `ExecCondition=`, as [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::exec_condition(["/bin/true"]).name(), "ExecCondition");
    /// ```
    pub fn exec_condition(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecCondition", exec_list(argv))
    }

    /// `ExecReload=`, as [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::exec_reload(["/bin/true"]).name(), "ExecReload");
    /// ```
    pub fn exec_reload(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecReload", exec_list(argv))
    }

    /// `ExecStop=`, as [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::exec_stop(["/bin/true"]).name(), "ExecStop");
    /// ```
    pub fn exec_stop(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecStop", exec_list(argv))
    }

    /// `ExecStopPost=`, as [`UnitProperty::exec_start`].
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::exec_stop_post(["/bin/true"]).name(), "ExecStopPost");
    /// ```
    pub fn exec_stop_post(argv: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("ExecStopPost", exec_list(argv))
    }

    /// `TimeoutStartSec=`; [`Duration::MAX`] means no timeout.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::timeout_start(Duration::from_secs(90));
    /// assert_eq!(prop.to_string(), "TimeoutStartUSec t 90000000");
    /// ```
    pub fn timeout_start(timeout: Duration) -> UnitProperty {
        UnitProperty::known("TimeoutStartUSec", usec(timeout))
    }

    /// `TimeoutStopSec=`; [`Duration::MAX`] means no timeout.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::timeout_stop(Duration::from_millis(2500));
    /// assert_eq!(prop.to_string(), "TimeoutStopUSec t 2500000");
    /// ```
    pub fn timeout_stop(timeout: Duration) -> UnitProperty {
        UnitProperty::known("TimeoutStopUSec", usec(timeout))
    }

    /// `RuntimeMaxSec=`: the unit is stopped (with result `timeout`) after
    /// running this long; [`Duration::MAX`] means no limit.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::runtime_max(Duration::from_secs(60));
    /// assert_eq!(prop, UnitProperty::parse("RuntimeMaxSec=1min")?[0]);
    /// assert_eq!(UnitProperty::runtime_max(Duration::MAX).value().as_u64(), Some(u64::MAX));
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn runtime_max(limit: Duration) -> UnitProperty {
        UnitProperty::known("RuntimeMaxUSec", usec(limit))
    }

    /// `RestartSec=`: the delay before a restart.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::restart_sec(Duration::from_secs(1)).name(), "RestartUSec");
    /// ```
    pub fn restart_sec(delay: Duration) -> UnitProperty {
        UnitProperty::known("RestartUSec", usec(delay))
    }

    /// `CPUQuota=`: CPU time per second of wall time, in percent of one CPU
    /// (more than 100 for several CPUs).
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::cpu_quota(150).to_string(), "CPUQuotaPerSecUSec t 1500000");
    /// ```
    pub fn cpu_quota(percent: u32) -> UnitProperty {
        UnitProperty::known("CPUQuotaPerSecUSec", u64::from(percent) * 10_000)
    }

    /// `CPUQuota=` as CPU time per second; [`Duration::MAX`] means no quota.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::cpu_quota_per_sec(Duration::from_millis(205));
    /// assert_eq!(prop, UnitProperty::parse("CPUQuota=20.5%")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn cpu_quota_per_sec(time: Duration) -> UnitProperty {
        UnitProperty::known("CPUQuotaPerSecUSec", usec(time))
    }

    /// `CPUWeight=`, from 1 to 10000 (default 100).
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::cpu_weight(50).to_string(), "CPUWeight t 50");
    /// ```
    pub fn cpu_weight(weight: u64) -> UnitProperty {
        UnitProperty::known("CPUWeight", weight)
    }

    /// `IOWeight=`, from 1 to 10000 (default 100).
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::io_weight(50).to_string(), "IOWeight t 50");
    /// ```
    pub fn io_weight(weight: u64) -> UnitProperty {
        UnitProperty::known("IOWeight", weight)
    }

    /// `MemoryMax=` in bytes; `None` means no limit (`infinity`).
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_max(Some(1 << 30)), UnitProperty::parse("MemoryMax=1G")?[0]);
    /// assert_eq!(UnitProperty::memory_max(None), UnitProperty::parse("MemoryMax=infinity")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn memory_max(bytes: Option<u64>) -> UnitProperty {
        UnitProperty::known("MemoryMax", bytes.unwrap_or(INFINITY))
    }

    /// `MemoryHigh=` in bytes; `None` means no limit.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_high(None).value().as_u64(), Some(u64::MAX));
    /// ```
    pub fn memory_high(bytes: Option<u64>) -> UnitProperty {
        UnitProperty::known("MemoryHigh", bytes.unwrap_or(INFINITY))
    }

    /// `MemorySwapMax=` in bytes; `None` means no limit.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_swap_max(Some(0)).to_string(), "MemorySwapMax t 0");
    /// ```
    pub fn memory_swap_max(bytes: Option<u64>) -> UnitProperty {
        UnitProperty::known("MemorySwapMax", bytes.unwrap_or(INFINITY))
    }

    /// `MemoryLow=`: memory protected from reclaim, in bytes.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_low(1 << 20).to_string(), "MemoryLow t 1048576");
    /// ```
    pub fn memory_low(bytes: u64) -> UnitProperty {
        UnitProperty::known("MemoryLow", bytes)
    }

    /// `MemoryMin=`: memory never reclaimed, in bytes.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_min(0).name(), "MemoryMin");
    /// ```
    pub fn memory_min(bytes: u64) -> UnitProperty {
        UnitProperty::known("MemoryMin", bytes)
    }

    /// `TasksMax=`; `None` means no limit.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::tasks_max(Some(64)), UnitProperty::parse("TasksMax=64")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn tasks_max(tasks: Option<u64>) -> UnitProperty {
        UnitProperty::known("TasksMax", tasks.unwrap_or(INFINITY))
    }

    /// `CPUAccounting=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::cpu_accounting(true).to_string(), "CPUAccounting b true");
    /// ```
    pub fn cpu_accounting(enabled: bool) -> UnitProperty {
        UnitProperty::known("CPUAccounting", enabled)
    }

    /// `MemoryAccounting=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::memory_accounting(true).name(), "MemoryAccounting");
    /// ```
    pub fn memory_accounting(enabled: bool) -> UnitProperty {
        UnitProperty::known("MemoryAccounting", enabled)
    }

    /// `TasksAccounting=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::tasks_accounting(true).name(), "TasksAccounting");
    /// ```
    pub fn tasks_accounting(enabled: bool) -> UnitProperty {
        UnitProperty::known("TasksAccounting", enabled)
    }

    /// `IOAccounting=`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::io_accounting(false).name(), "IOAccounting");
    /// ```
    pub fn io_accounting(enabled: bool) -> UnitProperty {
        UnitProperty::known("IOAccounting", enabled)
    }

    /// `DeviceAllow=`: one device node or class (`char-pts`) and its
    /// access, a combination of `r`, `w` and `m`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::device_allow("/dev/null", "rw");
    /// assert_eq!(prop, UnitProperty::parse("DeviceAllow=/dev/null rw")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn device_allow(device: &str, access: &str) -> UnitProperty {
        UnitProperty::known(
            "DeviceAllow",
            pairs(vec![(device.to_owned(), access.to_owned())]),
        )
    }

    /// `IPAddressAllow=`: address prefixes (address, prefix length) the
    /// unit may talk to despite `IPAddressDeny=`.
    ///
    /// ```
    /// # use std::net::{IpAddr, Ipv4Addr};
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::ip_address_allow([(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8)]);
    /// assert_eq!(prop, UnitProperty::parse("IPAddressAllow=10.0.0.0/8")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn ip_address_allow(prefixes: impl IntoIterator<Item = (IpAddr, u8)>) -> UnitProperty {
        UnitProperty::known("IPAddressAllow", addresses(prefixes))
    }

    /// `IPAddressDeny=`: address prefixes the unit may not talk to; `0.0.0.0/0`
    /// and `::/0` together are `any`.
    ///
    /// ```
    /// # use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    /// # use sdbus::transient::UnitProperty;
    /// let any = [(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0), (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)];
    /// assert_eq!(UnitProperty::ip_address_deny(any), UnitProperty::parse("IPAddressDeny=any")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn ip_address_deny(prefixes: impl IntoIterator<Item = (IpAddr, u8)>) -> UnitProperty {
        UnitProperty::known("IPAddressDeny", addresses(prefixes))
    }

    /// `KillSignal=`: the signal that stops the unit's processes, such as
    /// `libc::SIGINT`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::kill_signal(2), UnitProperty::parse("KillSignal=SIGINT")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn kill_signal(signal: i32) -> UnitProperty {
        UnitProperty::known("KillSignal", signal)
    }

    /// `LimitNOFILE=`: the soft and hard limits on open files, two
    /// properties (`LimitNOFILE` is the hard one).
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::limit_nofile(1024, 4096).to_vec(), UnitProperty::parse("LimitNOFILE=1024:4096")?);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn limit_nofile(soft: u64, hard: u64) -> [UnitProperty; 2] {
        [
            UnitProperty::known("LimitNOFILE", hard),
            UnitProperty::known("LimitNOFILESoft", soft),
        ]
    }

    /// `LimitCORE=`: the soft and hard limits on core dump size in bytes,
    /// two properties.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::limit_core(0, 0).to_vec(), UnitProperty::parse("LimitCORE=0")?);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn limit_core(soft: u64, hard: u64) -> [UnitProperty; 2] {
        [
            UnitProperty::known("LimitCORE", hard),
            UnitProperty::known("LimitCORESoft", soft),
        ]
    }

    /// `PIDs`: processes a scope adopts (a scope needs at least one). No
    /// unit-file syntax exists for it.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::pids([std::process::id()]).signature(), "au");
    /// ```
    pub fn pids(pids: impl IntoIterator<Item = u32>) -> UnitProperty {
        UnitProperty::known("PIDs", pids.into_iter().collect::<Vec<u32>>())
    }

    /// `Wants=`: units started along with this one.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::wants(["network-online.target"]).signature(), "as");
    /// ```
    pub fn wants(units: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("Wants", strings(units))
    }

    /// `Requires=`: units started along with this one, whose failure fails
    /// it.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::requires(["a.service"]), UnitProperty::parse("Requires=a.service")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn requires(units: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("Requires", strings(units))
    }

    /// `After=`: this unit starts after those.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::after(["a.service", "b.socket"]).to_string(), r#"After as 2 "a.service" "b.socket""#);
    /// ```
    pub fn after(units: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("After", strings(units))
    }

    /// `Before=`: this unit starts before those.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::before(["a.service"]).name(), "Before");
    /// ```
    pub fn before(units: impl IntoIterator<Item = impl Into<String>>) -> UnitProperty {
        UnitProperty::known("Before", strings(units))
    }

    /// `ListenStream=` of a socket unit: an address, port or path.
    ///
    /// ```
    /// # use sdbus::transient::{UnitProperty, UnitType};
    /// let prop = UnitProperty::listen_stream("127.0.0.1:8080");
    /// assert_eq!(prop, UnitProperty::parse_for(UnitType::Socket, "ListenStream=127.0.0.1:8080")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn listen_stream(address: &str) -> UnitProperty {
        UnitProperty::known(
            "Listen",
            pairs(vec![("Stream".to_owned(), address.to_owned())]),
        )
    }

    /// `ListenDatagram=` of a socket unit.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// assert_eq!(UnitProperty::listen_datagram("/run/example.sock").name(), "Listen");
    /// ```
    pub fn listen_datagram(address: &str) -> UnitProperty {
        UnitProperty::known(
            "Listen",
            pairs(vec![("Datagram".to_owned(), address.to_owned())]),
        )
    }

    /// `OnActiveSec=` of a timer unit: elapse this long after the timer
    /// starts.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::on_active(Duration::from_secs(30));
    /// assert_eq!(prop, UnitProperty::parse("OnActiveSec=30s")?[0]);
    /// # Ok::<(), sdbus::transient::PropertyError>(())
    /// ```
    pub fn on_active(delay: Duration) -> UnitProperty {
        UnitProperty::known(
            "TimersMonotonic",
            vec![("OnActiveSec".to_owned(), usec(delay))],
        )
    }

    /// `OnCalendar=` of a timer unit: a calendar event such as `daily`.
    ///
    /// ```
    /// # use sdbus::transient::UnitProperty;
    /// let prop = UnitProperty::on_calendar("*:0/15");
    /// assert_eq!(prop.to_string(), r#"TimersCalendar a(ss) 1 "OnCalendar" "*:0/15""#);
    /// ```
    pub fn on_calendar(event: &str) -> UnitProperty {
        UnitProperty::known(
            "TimersCalendar",
            pairs(vec![("OnCalendar".to_owned(), event.to_owned())]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property an assignment makes, as `busctl` shows it.
    fn show(assignment: &str) -> Vec<String> {
        match UnitProperty::parse(assignment) {
            Ok(props) => props.iter().map(ToString::to_string).collect(),
            Err(err) => panic!("{assignment}: {err}"),
        }
    }

    fn show_for(unit: UnitType, assignment: &str) -> Vec<String> {
        match UnitProperty::parse_for(unit, assignment) {
            Ok(props) => props.iter().map(ToString::to_string).collect(),
            Err(err) => panic!("{assignment}: {err}"),
        }
    }

    /// The error text for a bad assignment.
    fn error(assignment: &str) -> String {
        match UnitProperty::parse(assignment) {
            Ok(props) => panic!("{assignment} parsed as {props:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn strings_and_choices() {
        assert_eq!(show("Description=a b"), [r#"Description s "a b""#]);
        assert_eq!(show("Description="), [r#"Description s """#]);
        assert_eq!(show("Type=oneshot"), [r#"Type s "oneshot""#]);
        assert_eq!(
            error("Type=oneshoot"),
            r#"invalid value "oneshoot" for property Type: expected one of: simple, exec, forking, oneshot, dbus, notify, idle"#
        );
        assert_eq!(
            show("ProtectSystem=strict"),
            [r#"ProtectSystem s "strict""#]
        );
        assert_eq!(show("ProtectSystem=yes"), [r#"ProtectSystem s "yes""#]);
        assert!(error("ProtectHome=maybe").contains("one of: read-only, tmpfs"));
        assert!(error("Description=a\0b").contains("without NUL"));
    }

    #[test]
    fn booleans() {
        assert_eq!(show("RemainAfterExit=yes"), ["RemainAfterExit b true"]);
        assert_eq!(show("PrivateTmp=off"), ["PrivateTmp b false"]);
        assert_eq!(
            error("PrivateTmp=sure"),
            r#"invalid value "sure" for property PrivateTmp: expected a boolean: yes/no, true/false, on/off or 1/0"#
        );
    }

    #[test]
    fn string_lists() {
        assert_eq!(
            show("ReadWritePaths=/tmp '/var/my dir'"),
            [r#"ReadWritePaths as 2 "/tmp" "/var/my dir""#]
        );
        assert_eq!(show("Wants="), ["Wants as 0"]);
        assert_eq!(
            show(r#"Environment=A=1 "B=two words" C=\x41"#),
            [r#"Environment as 3 "A=1" "B=two words" "C=A""#]
        );
        assert!(error("Environment=NOEQUALS").contains("VAR=value"));
        assert!(error("Environment='open").contains("VAR=value"));
        assert_eq!(
            show("UnsetEnvironment=TERM"),
            [r#"UnsetEnvironment as 1 "TERM""#]
        );
    }

    #[test]
    fn time_spans() {
        assert_eq!(show("TimeoutStopSec=5s"), ["TimeoutStopUSec t 5000000"]);
        assert_eq!(
            show("RuntimeMaxSec=infinity"),
            ["RuntimeMaxUSec t 18446744073709551615"]
        );
        assert_eq!(show("RestartSec=1min 30s"), ["RestartUSec t 90000000"]);
        assert_eq!(
            show("TimeoutSec=10"),
            ["TimeoutStartUSec t 10000000", "TimeoutStopUSec t 10000000"]
        );
        assert_eq!(
            show("CPUQuotaPeriodSec="),
            ["CPUQuotaPeriodUSec t 18446744073709551615"]
        );
        assert_eq!(show("TimerSlackNSec=50us"), ["TimerSlackNSec t 50000"]);
        assert_eq!(
            error("TimeoutStopSec=soon"),
            r#"invalid value "soon" for property TimeoutStopSec: expected a time span such as 5s, 1min 30s, 100ms, 2h, or infinity"#
        );
    }

    #[test]
    fn sizes_and_limits() {
        assert_eq!(show("MemoryMax=1G"), ["MemoryMax t 1073741824"]);
        assert_eq!(
            show("MemoryMax=infinity"),
            ["MemoryMax t 18446744073709551615"]
        );
        assert_eq!(show("MemoryMax="), ["MemoryMax t 18446744073709551615"]);
        assert_eq!(show("MemoryLow="), ["MemoryLow t 0"]);
        assert_eq!(show("MemoryHigh=25%"), ["MemoryHighScale u 1073741824"]);
        assert_eq!(show("MemorySwapMax=512K"), ["MemorySwapMax t 524288"]);
        assert!(error("MemoryMax=101%").contains("percentage of physical memory"));
        assert!(error("MemoryMax=lots").contains("(1024-based)"));
        assert_eq!(show("TasksMax=50"), ["TasksMax t 50"]);
        assert_eq!(show("TasksMax=10%"), ["TasksMaxScale u 429496730"]);
        assert!(error("TasksMax=1K").contains("number of tasks"));
        assert_eq!(
            show_for(UnitType::Socket, "ReceiveBuffer=4K"),
            ["ReceiveBuffer t 4096"]
        );
        assert_eq!(
            show("LimitNOFILE=4096"),
            ["LimitNOFILE t 4096", "LimitNOFILESoft t 4096"]
        );
        assert_eq!(
            show("LimitCORE=1M:infinity"),
            [
                "LimitCORE t 18446744073709551615",
                "LimitCORESoft t 1048576"
            ]
        );
        assert_eq!(show("LimitCPU=90s"), ["LimitCPU t 90", "LimitCPUSoft t 90"]);
        assert_eq!(
            show("LimitRTTIME=50"),
            ["LimitRTTIME t 50", "LimitRTTIMESoft t 50"]
        );
        assert_eq!(
            show("LimitNICE=-5"),
            ["LimitNICE t 25", "LimitNICESoft t 25"]
        );
        assert_eq!(
            show("LimitNICE=+19"),
            ["LimitNICE t 1", "LimitNICESoft t 1"]
        );
        assert!(error("LimitNOFILE=8:4").contains("SOFT:HARD"));
        assert!(error("LimitNOFILE=1:2:3").contains("SOFT:HARD"));
        assert!(error("LimitNOFILE=").contains("SOFT:HARD"));
        assert!(error("LimitNICE=+20").contains("nice level"));
    }

    #[test]
    fn cpu_settings() {
        assert_eq!(show("CPUQuota=20%"), ["CPUQuotaPerSecUSec t 200000"]);
        assert_eq!(show("CPUQuota=250%"), ["CPUQuotaPerSecUSec t 2500000"]);
        assert_eq!(show("CPUQuota=0.5%"), ["CPUQuotaPerSecUSec t 5000"]);
        assert_eq!(
            show("CPUQuota="),
            ["CPUQuotaPerSecUSec t 18446744073709551615"]
        );
        assert_eq!(
            error("CPUQuota=0%"),
            r#"invalid value "0%" for property CPUQuota: expected a percentage of one CPU above 0%, such as 20% or 150%"#
        );
        assert!(error("CPUQuota=20").contains("percentage"));
        assert_eq!(show("CPUWeight=idle"), ["CPUWeight t 0"]);
        assert_eq!(show("CPUWeight="), ["CPUWeight t 18446744073709551615"]);
        assert!(error("CPUWeight=0").contains("from 1 to 10000, or idle"));
        assert!(error("IOWeight=idle").contains("from 1 to 10000"));
        assert!(error("CPUShares=1").contains("2 to 262144"));
        assert!(error("BlockIOWeight=5").contains("10 to 1000"));
        assert_eq!(show("AllowedCPUs=0-2,4"), ["AllowedCPUs ay 1 23"]);
        assert_eq!(show("CPUAffinity=numa"), ["CPUAffinityFromNUMA b true"]);
        assert_eq!(show("CPUAffinity=1"), ["CPUAffinity ay 1 2"]);
        assert!(error("CPUAffinity=x").contains("numa"));
        assert_eq!(show("NUMAMask=0"), ["NUMAMask ay 1 1"]);
        assert_eq!(show("NUMAPolicy=bind"), ["NUMAPolicy i 2"]);
        assert_eq!(
            show("ManagedOOMMemoryPressureLimit=50%"),
            ["ManagedOOMMemoryPressureLimit u 2147483648"]
        );
        assert!(error("ManagedOOMMemoryPressureLimit=150%").contains("0% to 100%"));
        assert_eq!(show("Delegate=yes"), ["Delegate b true"]);
        assert_eq!(
            show("Delegate=cpu memory"),
            [r#"DelegateControllers as 2 "cpu" "memory""#]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(show("Nice=-5"), ["Nice i -5"]);
        assert_eq!(
            error("Nice=20"),
            r#"invalid value "20" for property Nice: expected a nice level from -20 to 19"#
        );
        assert_eq!(show("IOSchedulingPriority=7"), ["IOSchedulingPriority i 7"]);
        assert!(error("IOSchedulingPriority=8").contains("0 to 7"));
        assert_eq!(show("OOMScoreAdjust=-100"), ["OOMScoreAdjust i -100"]);
        assert!(error("OOMScoreAdjust=4294967296").contains("an integer"));
        assert_eq!(
            show("FileDescriptorStoreMax=4"),
            ["FileDescriptorStoreMax u 4"]
        );
        assert!(error("FileDescriptorStoreMax=-1").contains("unsigned"));
        assert_eq!(
            show_for(UnitType::Socket, "MessageQueueMaxMessages=-1"),
            ["MessageQueueMaxMessages x -1"]
        );
        assert_eq!(show("UMask=0027"), ["UMask u 23"]);
        assert!(error("UMask=9").contains("octal"));
        assert_eq!(show("StartLimitBurst=0x10"), ["StartLimitBurst u 16"]);
        assert_eq!(
            show("SuccessActionExitStatus="),
            ["SuccessActionExitStatus i -1"]
        );
        assert_eq!(
            show("SuccessActionExitStatus=3"),
            ["SuccessActionExitStatus i 3"]
        );
        assert!(error("FailureActionExitStatus=256").contains("0 to 255"));
    }

    #[test]
    fn named_values() {
        assert_eq!(show("SyslogLevel=warning"), ["SyslogLevel i 4"]);
        assert_eq!(show("LogLevelMax=7"), ["LogLevelMax i 7"]);
        assert!(error("SyslogLevel=loud").contains("emerg, alert"));
        assert_eq!(show("SyslogFacility=local3"), ["SyslogFacility i 19"]);
        assert_eq!(
            show("CPUSchedulingPolicy=idle"),
            ["CPUSchedulingPolicy i 5"]
        );
        assert_eq!(show("IOSchedulingClass=idle"), ["IOSchedulingClass i 3"]);
        assert_eq!(
            show_for(UnitType::Socket, "IPTOS=throughput"),
            ["IPTOS i 8"]
        );
        assert_eq!(
            show_for(UnitType::Socket, "SocketProtocol=udplite"),
            ["SocketProtocol i 136"]
        );
        assert_eq!(
            show("SecureBits=keep-caps noroot-locked"),
            ["SecureBits i 18"]
        );
        assert!(error("SecureBits=nope").contains("keep-caps"));
        assert_eq!(show("MountFlags=shared"), ["MountFlags t 1048576"]);
        assert!(error("MountFlags=rshared").contains("shared, slave or private"));
        assert_eq!(show("KillSignal=SIGINT"), ["KillSignal i 2"]);
        assert!(error("KillSignal=SIGNOPE").contains("signal name"));
        assert_eq!(show("CoredumpFilter=default"), ["CoredumpFilter t 51"]);
        assert_eq!(
            show("SystemCallErrorNumber=EPERM"),
            ["SystemCallErrorNumber i 1"]
        );
        assert!(error("SystemCallErrorNumber=ENOPE").contains("errno"));
        assert_eq!(
            show("CapabilityBoundingSet=CAP_KILL cap_chown"),
            ["CapabilityBoundingSet t 33"]
        );
        assert_eq!(
            show("AmbientCapabilities=~"),
            ["AmbientCapabilities t 18446744073709551615"]
        );
        assert!(error("CapabilityBoundingSet=CAP_NOPE").contains("capability names"));
        assert_eq!(
            show("RestrictNamespaces=no"),
            ["RestrictNamespaces t 2114060288"]
        );
        assert_eq!(
            show("RestrictNamespaces=net"),
            ["RestrictNamespaces t 1073741824"]
        );
        assert!(error("RestrictNamespaces=planets").contains("namespace names"));
    }

    #[test]
    fn device_and_io_lists() {
        assert_eq!(
            show("DeviceAllow=/dev/null rw"),
            [r#"DeviceAllow a(ss) 1 "/dev/null" "rw""#]
        );
        assert_eq!(
            show("DeviceAllow=char-pts"),
            [r#"DeviceAllow a(ss) 1 "char-pts" """#]
        );
        assert_eq!(show("DeviceAllow="), ["DeviceAllow a(ss) 0"]);
        assert_eq!(
            show("IOReadBandwidthMax=/dev/sda 5M"),
            [r#"IOReadBandwidthMax a(st) 1 "/dev/sda" 5000000"#]
        );
        assert_eq!(
            show("IOWriteIOPSMax=/dev/sda infinity"),
            [r#"IOWriteIOPSMax a(st) 1 "/dev/sda" 18446744073709551615"#]
        );
        assert!(error("IOReadBandwidthMax=/dev/sda").contains("device path and a limit"));
        assert_eq!(
            show("IODeviceWeight=/dev/sda 200"),
            [r#"IODeviceWeight a(st) 1 "/dev/sda" 200"#]
        );
        assert_eq!(
            show("IODeviceLatencyTargetSec=/dev/sda 25ms"),
            [r#"IODeviceLatencyTargetUSec a(st) 1 "/dev/sda" 25000"#]
        );
    }

    #[test]
    fn ip_settings() {
        assert_eq!(
            show("IPAddressAllow=10.1.0.0/16 ::1"),
            [
                r#"IPAddressAllow a(iayu) 2 2 4 10 1 0 0 16 10 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 128"#
            ]
        );
        assert_eq!(
            show("IPAddressAllow=localhost"),
            [
                r#"IPAddressAllow a(iayu) 2 2 4 127 0 0 0 8 10 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 128"#
            ]
        );
        assert_eq!(show("IPAddressDeny="), ["IPAddressDeny a(iayu) 0"]);
        assert!(show("IPAddressDeny=link-local")[0].contains("2 4 169 254 0 0 16"));
        assert!(show("IPAddressDeny=multicast")[0].contains("2 4 224 0 0 0 4"));
        assert!(error("IPAddressDeny=10.0.0.0/40").contains("IP addresses"));
        assert_eq!(
            show("SocketBindAllow=ipv6:udp:5000-5009"),
            ["SocketBindAllow a(iiqq) 1 10 17 10 5000"]
        );
        assert_eq!(
            show("SocketBindAllow=tcp:80"),
            ["SocketBindAllow a(iiqq) 1 0 6 1 80"]
        );
        assert_eq!(
            show("SocketBindDeny=any"),
            ["SocketBindDeny a(iiqq) 1 0 0 0 0"]
        );
        assert_eq!(
            show("SocketBindDeny=ipv4"),
            ["SocketBindDeny a(iiqq) 1 2 0 0 0"]
        );
        assert!(error("SocketBindDeny=tcp:ipv4:80").contains("[ipv4:|ipv6:]"));
        assert!(error("SocketBindDeny=80:81").contains("[ipv4:|ipv6:]"));
        assert!(error("SocketBindDeny=0").contains("[ipv4:|ipv6:]"));
        assert_eq!(
            show("IPIngressFilterPath=/sys/fs/bpf/x"),
            [r#"IPIngressFilterPath as 1 "/sys/fs/bpf/x""#]
        );
        assert_eq!(
            show("BPFProgram=egress:/sys/fs/bpf/x"),
            [r#"BPFProgram a(ss) 1 "egress" "/sys/fs/bpf/x""#]
        );
        assert_eq!(
            show("RestrictAddressFamilies=~AF_INET AF_INET6"),
            [r#"RestrictAddressFamilies (bas) false 2 "AF_INET" "AF_INET6""#]
        );
    }

    #[test]
    fn exec_commands() {
        assert_eq!(
            show("ExecStart=/bin/echo 'a b' c"),
            [r#"ExecStart a(sasb) 1 "/bin/echo" 3 "/bin/echo" "a b" "c" false"#]
        );
        assert_eq!(
            show("ExecStartPre=-@/bin/busybox sh -c true"),
            [r#"ExecStartPre a(sasb) 1 "/bin/busybox" 3 "sh" "-c" "true" true"#]
        );
        assert_eq!(
            show("ExecStartPost=+/bin/true"),
            [r#"ExecStartPostEx a(sasas) 1 "/bin/true" 1 "/bin/true" 1 "privileged""#]
        );
        assert_eq!(
            show("ExecStop=-:/bin/true"),
            [
                r#"ExecStopEx a(sasas) 1 "/bin/true" 1 "/bin/true" 2 "ignore-failure" "no-env-expand""#
            ]
        );
        assert_eq!(
            show("ExecStopPost=!!/bin/true"),
            [r#"ExecStopPostEx a(sasas) 1 "/bin/true" 1 "/bin/true" 1 "ambient""#]
        );
        assert_eq!(
            show("ExecReload=!/bin/true"),
            [r#"ExecReloadEx a(sasas) 1 "/bin/true" 1 "/bin/true" 1 "no-setuid""#]
        );
        assert_eq!(
            show("ExecStartEx=/bin/true"),
            [r#"ExecStartEx a(sasas) 1 "/bin/true" 1 "/bin/true" 0"#]
        );
        assert_eq!(show("ExecStart="), ["ExecStart a(sasb) 0"]);
        assert_eq!(
            show("ExecStart=--/bin/true")[0],
            r#"ExecStart a(sasb) 1 "-/bin/true" 1 "-/bin/true" true"#
        );
        assert!(error("ExecStart=/bin/echo 'unterminated").contains("command line"));
        assert_eq!(
            show_for(UnitType::Socket, "ExecStartPre=/bin/true"),
            [r#"ExecStartPre a(sasb) 1 "/bin/true" 1 "/bin/true" false"#]
        );
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(
            show("SuccessExitStatus=0 143 SIGTERM NOTINSTALLED"),
            ["SuccessExitStatus (aiai) 3 0 143 5 1 15"]
        );
        assert!(error("SuccessExitStatus=999").contains("exit statuses"));
    }

    #[test]
    fn standard_streams() {
        assert_eq!(
            show("StandardOutput=journal"),
            [r#"StandardOutput s "journal""#]
        );
        assert_eq!(
            show("StandardOutput=file:/tmp/x"),
            [r#"StandardOutputFile s "/tmp/x""#]
        );
        assert_eq!(
            show("StandardError=append:/tmp/x"),
            [r#"StandardErrorFileToAppend s "/tmp/x""#]
        );
        assert_eq!(
            show("StandardOutput=truncate:/tmp/x"),
            [r#"StandardOutputFileToTruncate s "/tmp/x""#]
        );
        assert_eq!(
            show("StandardInput=fd:stdin"),
            [r#"StandardInputFileDescriptorName s "stdin""#]
        );
        assert_eq!(
            show(r"StandardInputText=a\tb"),
            ["StandardInputData ay 4 97 9 98 10"]
        );
        assert_eq!(
            show("StandardInputData=aGk="),
            ["StandardInputData ay 2 104 105"]
        );
        assert!(error("StandardInputData=!!").contains("Base64"));
    }

    #[test]
    fn credentials_and_files() {
        assert_eq!(
            show(r"SetCredential=tok:a\x00b"),
            [r#"SetCredential a(say) 1 "tok" 3 97 0 98"#]
        );
        assert_eq!(
            show("SetCredentialEncrypted=tok:aGk="),
            [r#"SetCredentialEncrypted a(say) 1 "tok" 2 104 105"#]
        );
        assert!(error("SetCredential=nodata").contains("ID:DATA"));
        assert_eq!(
            show("LoadCredential=tok:/etc/x"),
            [r#"LoadCredential a(ss) 1 "tok" "/etc/x""#]
        );
        assert_eq!(
            show("LoadCredential=tok"),
            [r#"LoadCredential a(ss) 1 "tok" "tok""#]
        );
        assert_eq!(
            show("EnvironmentFile=-/etc/env"),
            [r#"EnvironmentFiles a(sb) 1 "/etc/env" true"#]
        );
        assert_eq!(
            show("LogExtraFields=A=b"),
            ["LogExtraFields aay 1 3 65 61 98"]
        );
        assert_eq!(
            show("AppArmorProfile=-prof"),
            [r#"AppArmorProfile (bs) true "prof""#]
        );
    }

    #[test]
    fn mounts_and_images() {
        assert_eq!(
            show("BindPaths=/a:/b -/c /d:/e:norbind"),
            [r#"BindPaths a(ssbt) 3 "/a" "/b" false 16384 "/c" "/c" true 16384 "/d" "/e" false 0"#]
        );
        assert!(error("BindPaths=/a:").contains("SOURCE"));
        assert!(error("BindPaths=/a:/b:bogus").contains("SOURCE"));
        assert_eq!(
            show("TemporaryFileSystem=/var:ro /run"),
            [r#"TemporaryFileSystem a(ss) 2 "/var" "ro" "/run" """#]
        );
        assert_eq!(
            show("RootImageOptions=ro home:rw,nosuid"),
            [r#"RootImageOptions a(ss) 2 "root" "ro" "home" "rw,nosuid""#]
        );
        assert!(error("RootImageOptions=a:b:c").contains("PARTITION"));
        assert_eq!(
            show("MountImages=-/img.raw:/mnt:ro /x.raw:/y:home:rw"),
            [
                r#"MountImages a(ssba(ss)) 2 "/img.raw" "/mnt" true 1 "root" "ro" "/x.raw" "/y" false 1 "home" "rw""#
            ]
        );
        assert!(error("MountImages=/img.raw").contains("SOURCE:DESTINATION"));
        assert_eq!(
            show("ExtensionImages=/e.raw -/f.raw:ro"),
            [r#"ExtensionImages a(sba(ss)) 2 "/e.raw" false 0 "/f.raw" true 1 "root" "ro""#]
        );
        assert_eq!(
            show("RootHash=/root.hash"),
            [r#"RootHashPath s "/root.hash""#]
        );
        assert!(
            show("RootHash=00112233445566778899aabbccddeeff")[0].starts_with("RootHash ay 16 0 17")
        );
        assert!(error("RootHash=0011").contains("at least 16 bytes"));
        assert_eq!(
            show("RootHashSignature=base64:aGk="),
            ["RootHashSignature ay 2 104 105"]
        );
        assert_eq!(
            show("RootHashSignature=/sig"),
            [r#"RootHashSignaturePath s "/sig""#]
        );
        assert!(error("RootHashSignature=aGk=").contains("base64:"));
    }

    #[test]
    fn directories() {
        assert_eq!(
            show("StateDirectory=a b//c/"),
            [r#"StateDirectory as 2 "a" "b/c""#]
        );
        assert_eq!(
            show("RuntimeDirectory=a:link"),
            [r#"RuntimeDirectorySymlink a(sst) 1 "a" "link" 0"#]
        );
        assert_eq!(
            show("CacheDirectory=x y:z"),
            [
                r#"CacheDirectory as 1 "x""#,
                r#"CacheDirectorySymlink a(sst) 1 "y" "z" 0"#
            ]
        );
        assert_eq!(show("LogsDirectory="), ["LogsDirectory as 0"]);
    }

    #[test]
    fn unit_type_specific() {
        assert_eq!(
            show("ListenStream=8080"),
            [r#"Listen a(ss) 1 "Stream" "8080""#]
        );
        assert_eq!(
            show("ListenFIFO=/run/f"),
            [r#"Listen a(ss) 1 "FIFO" "/run/f""#]
        );
        assert_eq!(
            show("OnActiveSec=30"),
            [r#"TimersMonotonic a(st) 1 "OnActiveSec" 30000000"#]
        );
        assert_eq!(
            show("OnCalendar=daily"),
            [r#"TimersCalendar a(ss) 1 "OnCalendar" "daily""#]
        );
        assert_eq!(show("OnCalendar="), ["TimersCalendar a(ss) 0"]);
        assert_eq!(
            show("PathExists=/x"),
            [r#"Paths a(ss) 1 "PathExists" "/x""#]
        );
        assert_eq!(
            show_for(UnitType::Path, "TriggerLimitBurst=3"),
            ["TriggerLimitBurst u 3"]
        );
        assert_eq!(
            show_for(UnitType::Scope, "User=nobody"),
            [r#"User s "nobody""#]
        );
        assert_eq!(
            show_for(UnitType::Scope, "RuntimeMaxSec=2"),
            ["RuntimeMaxUSec t 2000000"]
        );
        assert_eq!(
            UnitProperty::parse_for(UnitType::Slice, "ExecStart=/bin/true").unwrap_err(),
            PropertyError::NotApplicable {
                name: "ExecStart".into(),
                unit_type: UnitType::Slice
            }
        );
    }

    #[test]
    fn conditions() {
        assert_eq!(
            show("ConditionPathExists=|!/etc/x"),
            [r#"Conditions a(sbbs) 1 "ConditionPathExists" true true "/etc/x""#]
        );
        assert_eq!(
            show("AssertUser=root"),
            [r#"Asserts a(sbbs) 1 "AssertUser" false false "root""#]
        );
        assert_eq!(show("ConditionUser="), ["Conditions a(sbbs) 0"]);
    }

    #[test]
    fn unknown_names_and_syntax() {
        assert_eq!(
            UnitProperty::parse("CPUQuta=20%").unwrap_err(),
            PropertyError::UnknownName {
                name: "CPUQuta".into(),
                suggestions: vec!["CPUQuota"]
            }
        );
        assert_eq!(
            error("memorymax=1G"),
            r#"unknown property "memorymax" (did you mean MemoryMax, MemoryMin or MemoryLow?)"#
        );
        assert_eq!(error("Frobnicate=1"), r#"unknown property "Frobnicate""#);
        assert_eq!(
            error("CPUQuota"),
            r#""CPUQuota" is not a property assignment NAME=VALUE"#
        );
        let err = Error::from(UnitProperty::parse("CPUQuta=20%").unwrap_err());
        assert_eq!(
            err,
            Error::Invalid {
                kind: InvalidKind::Property,
                value: "CPUQuta (did you mean CPUQuota?)".into(),
                reason: "is not a known property"
            }
        );
        let err = Error::from(UnitProperty::parse("Nice=high").unwrap_err());
        assert_eq!(
            err.to_string(),
            r#"invalid property "Nice=high": a nice level from -20 to 19"#
        );
        let err = Error::from(UnitProperty::parse_for(UnitType::Timer, "Nice=1").unwrap_err());
        assert_eq!(
            err.to_string(),
            r#"invalid property "Nice (timer unit)": does not apply to this unit type"#
        );
        let err = Error::from(UnitProperty::parse("Nice").unwrap_err());
        assert_eq!(
            err.to_string(),
            r#"invalid property "Nice": is not a NAME=VALUE assignment"#
        );
    }

    #[test]
    fn raw_properties() {
        let raw = UnitProperty::new_raw("Foo", 1u32).unwrap();
        assert_eq!(raw.into_parts(), ("Foo".to_owned(), Value::UInt32(1)));
        assert_eq!(
            UnitProperty::new_raw("9Foo", 1u32).unwrap_err(),
            Error::Invalid {
                kind: InvalidKind::Property,
                value: "9Foo".into(),
                reason: "is not a valid property name"
            }
        );
        let coerced = UnitProperty::new_raw_as(
            "DeviceAllow",
            "a(ss)",
            Value::from(vec![Value::from(("/dev/null", "r"))]),
        )
        .unwrap();
        assert_eq!(coerced, UnitProperty::device_allow("/dev/null", "r"));
        assert_eq!(<UnitProperty as Type>::signature(), "(sv)");
        assert_eq!(<Vec<UnitProperty> as Type>::signature(), "a(sv)");
    }

    #[test]
    fn unit_types() {
        assert_eq!(UnitType::from_unit_name("a.b.scope"), Some(UnitType::Scope));
        assert_eq!(UnitType::from_unit_name("noext"), None);
        assert_eq!(UnitType::Timer.to_string(), "timer");
        let info = PropertyInfo::find("OnCalendar", UnitType::Timer).unwrap();
        assert_eq!(info.unit_types().collect::<Vec<_>>(), [UnitType::Timer]);
        assert_eq!(info.expected(), Kind::TimerCalendar.expected());
    }
}
