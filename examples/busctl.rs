//! `busctl`, rebuilt on `sdbus`: the bus tool of systemd, command for
//! command, printing the same text so that the two can be compared line by
//! line.
//!
//! ```text
//! cargo run --example busctl -- [--system|--user|--address=ADDRESS] COMMAND …
//!
//! busctl list                                         peers: names, PIDs, units
//! busctl tree [SERVICE…]                              object paths, as a tree (--list: flat)
//! busctl introspect SERVICE PATH [INTERFACE]          members, signatures, values, flags
//! busctl get-property SERVICE PATH INTERFACE NAME…    `s "252.38-1~deb12u1"`
//! busctl set-property SERVICE PATH INTERFACE NAME SIGNATURE ARGUMENT…
//! busctl call SERVICE PATH INTERFACE METHOD [SIGNATURE [ARGUMENT…]]
//! busctl monitor [SERVICE…]                           traffic, until --limit N messages
//! ```
//!
//! For example, against the host's manager and the project's sandbox:
//!
//! ```text
//! cargo run --example busctl -- get-property org.freedesktop.systemd1 \
//!     /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version
//! sandbox/run cargo run --example busctl -- --user call org.freedesktop.systemd1 \
//!     /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s dbus.socket
//! ```
//!
//! # What each command shows of the library
//!
//! - `list`: a plain method call (`ListNames`, read as `Vec<String>`) and
//!   [`Bus::name_creds`] for each peer's PID, process, user and unit.
//! - `tree`: [`Bus::introspect`] from `/` down, following each
//!   [`Node`](sdbus::introspect::Node)'s children.
//! - `introspect`: the parsed interfaces, methods, signals and properties,
//!   their annotations, and every value at once with [`Bus::get_all`].
//! - `get-property`/`set-property`: [`Bus::get_property_value`] and
//!   [`Bus::set_property_value`] with dynamic [`Value`]s.
//! - `call`: a message built with [`Bus::new_method_call`], arguments
//!   appended with [`Value::append_bare`], the reply read back with
//!   [`Value::read_all`].
//! - `monitor`: a [`Monitor`] (`BecomeMonitor`), each message's headers and
//!   body.
//!
//! Values print with [`Value::display_busctl`], busctl's own format.
//!
//! # Arguments of `call` and `set-property`
//!
//! As busctl: the signature says how many words to take and how to read
//! them. Basic types are one word each (booleans as `true`/`false`,
//! `yes`/`no`, `1`/`0`, `on`/`off`; integers in decimal, `0x` hex or
//! `0` octal, as C's `strtol`); an array is its length, then its items
//! (`as 2 a b`); a dict its number of entries, then keys and values
//! (`a{sv} 1 Description s hello`); a struct just its fields; a variant
//! the signature of its contents, then the contents (`v u 7`). Options may
//! come anywhere; `--` ends them.
//!
//! # Output
//!
//! As busctl's with its output piped (as when tests capture it): tables
//! never ellipsized, no colours, no pager. `introspect` lists interfaces
//! sorted by name and in each, methods, properties then signals, each
//! sorted by name, with the flags busctl derives from annotations
//! (`deprecated`, `no-reply`, `const`, `emits-change`,
//! `emits-invalidation`, `writable`).
//!
//! # Differences from busctl
//!
//! - `monitor` prints each message's type, cookies, headers and body in
//!   busctl's layout, but without the `Endian`, `Flags`, `Version` and
//!   `Timestamp` fields and without the sender's credentials: the library
//!   does not expose those. `--limit N` stops after N messages.
//! - `introspect` shows the values of struct-typed properties (a unit's
//!   `LoadError`, `(ss)`, say), where busctl 252 shows `-`: it looks them
//!   up under a wrong signature.
//! - A negative number is an argument, where busctl takes it for an option
//!   unless `--` comes before it.
//! - The tree is always drawn with Unicode lines (busctl falls back to
//!   ASCII outside UTF-8 locales).
//! - Object paths and names are checked before anything is sent, so a bad
//!   one is a usage error (exit status 2) rather than a failed call (1);
//!   so are arguments that do not fit their signature, and an empty
//!   signature followed by arguments. Doubles are read as Rust reads them
//!   (no C hex floats). Errors of `tree` go to standard error.
//! - The options not listed by `--help` (JSON output, `--verbose`, remote
//!   hosts, machines, `capture`, `emit`, `status`) are not implemented.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::process::ExitCode;

use sdbus::introspect::Annotation;
use sdbus::monitor::Monitor;
use sdbus::names::{BusName, InterfaceName, MemberName, ObjectPath, Signature};
use sdbus::types::{Array, Dict};
use sdbus::{Bus, Message, MessageType, Value};

const HELP: &str = "\
busctl [OPTIONS...] COMMAND ...

Introspect the D-Bus IPC bus (an example of the sdbus crate).

Commands:
  list                     List bus names
  monitor [SERVICE...]     Show bus traffic
  tree [SERVICE...]        Show object tree of service
  introspect SERVICE OBJECT [INTERFACE]
  call SERVICE OBJECT INTERFACE METHOD [SIGNATURE [ARGUMENT...]]
                           Call a method
  get-property SERVICE OBJECT INTERFACE PROPERTY...
                           Get property value
  set-property SERVICE OBJECT INTERFACE PROPERTY SIGNATURE ARGUMENT...
                           Set property value
  help                     Show this help

Options:
  -h --help                Show this help
     --system              Connect to system bus (the default)
     --user                Connect to user bus
     --address=ADDRESS     Connect to bus specified by address
     --no-legend           Do not show the headers
     --list                Don't show tree, but simple object path list
     --xml-interface       Dump the XML description in introspect command
  -q --quiet               Don't show method call reply
     --match=MATCH         Only show matching messages (monitor)
     --limit=N             Stop after N messages (monitor)
  -l --full, --no-pager    Accepted; output is never ellipsized or paged
";

const DBUS: &str = "org.freedesktop.DBus";
const DBUS_PATH: &str = "/org/freedesktop/DBus";
const EMITS_CHANGED_SIGNAL: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

fn main() -> ExitCode {
    let mut out = io::stdout().lock();
    let result = std::env::args_os()
        .skip(1)
        .map(|arg| {
            arg.into_string()
                .map_err(|bad| usage(format!("argument {bad:?} is not valid UTF-8")))
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|args| run(args, &mut out));
    let result = result.and_then(|()| out.flush().map_err(Failure::from));
    match result {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("busctl: {message}");
            eprintln!("Try 'busctl --help'.");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
        Err(Failure::Reported) => ExitCode::FAILURE,
    }
}

/// Why a command did not succeed.
enum Failure {
    /// Bad command line: exit status 2.
    Usage(String),
    /// The bus or a peer refused: exit status 1.
    Failed(String),
    /// Failed, and already said why: exit status 1.
    Reported,
    /// Whoever reads the output is gone (a closed pipe): nothing to say.
    Closed,
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Failure::Closed
        } else {
            Failure::Failed(format!("Failed to write output: {err}"))
        }
    }
}

type Outcome<T = ()> = Result<T, Failure>;

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A failed operation, with the peer's message as busctl prints it.
fn failed(context: impl std::fmt::Display, err: &sdbus::Error) -> Failure {
    Failure::Failed(format!("{context}: {}", describe(err)))
}

/// The text of an error: a D-Bus error's message alone, as busctl's
/// `bus_error_message`, else the whole error.
fn describe(err: &sdbus::Error) -> String {
    match err.bus_error() {
        Some(bus_error) if !bus_error.message().is_empty() => bus_error.message().to_owned(),
        _ => err.to_string(),
    }
}

/// Which bus to talk to.
enum Target {
    System,
    User,
    Address(String),
}

struct Options {
    target: Target,
    legend: bool,
    list: bool,
    xml: bool,
    quiet: bool,
    matches: Vec<String>,
    limit: Option<u64>,
    help: bool,
}

impl Options {
    fn open(&self) -> Outcome<Bus> {
        match &self.target {
            Target::System => Bus::open_system(),
            Target::User => Bus::open_user(),
            Target::Address(address) => Bus::open_address(address),
        }
        .map_err(|err| failed("Failed to connect to bus", &err))
    }
}

/// Splits the command line into options and the command with its
/// arguments. Options may come anywhere, as with getopt; `--` ends them.
fn parse_command_line(args: Vec<String>) -> Outcome<(Options, Vec<String>)> {
    let mut options = Options {
        target: Target::System,
        legend: true,
        list: false,
        xml: false,
        quiet: false,
        matches: Vec::new(),
        limit: None,
        help: false,
    };
    let mut positional = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // `--name=value` or `--name value`.
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if arg.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| usage(format!("option {name} needs a value")))
        };
        match name {
            "--" => {
                positional.extend(args.by_ref());
                break;
            }
            "-h" | "--help" => options.help = true,
            "--system" => options.target = Target::System,
            "--user" => options.target = Target::User,
            "--address" => options.target = Target::Address(value(name)?),
            "--no-legend" => options.legend = false,
            "--list" => options.list = true,
            "--xml-interface" => options.xml = true,
            "-q" | "--quiet" => options.quiet = true,
            "-l" | "--full" | "--no-pager" => {}
            "--match" => options.matches.push(value(name)?),
            "--limit" => {
                let text = value(name)?;
                let limit = text
                    .parse()
                    .map_err(|_| usage(format!("invalid --limit {text:?}: not a count")))?;
                options.limit = Some(limit);
            }
            _ if arg.starts_with('-') && arg.len() > 1 && parse_integer(&arg).is_none() => {
                return Err(usage(format!("unknown option {arg}")));
            }
            _ => positional.push(arg),
        }
    }
    Ok((options, positional))
}

fn run(args: Vec<String>, out: &mut impl Write) -> Outcome {
    let (options, positional) = parse_command_line(args)?;
    let Some((command, args)) = positional.split_first() else {
        if options.help {
            out.write_all(HELP.as_bytes())?;
            return Ok(());
        }
        return Err(usage("a command is needed"));
    };
    if options.help || command == "help" {
        out.write_all(HELP.as_bytes())?;
        return Ok(());
    }
    let arity = |min: usize, max: usize| {
        if (min..=max).contains(&args.len()) {
            Ok(())
        } else {
            Err(usage(format!("wrong number of arguments for {command}")))
        }
    };
    match command.as_str() {
        "list" => {
            arity(0, 0)?;
            list(&options.open()?, &options, out)
        }
        "tree" => {
            for service in args {
                check_service(service)?;
            }
            tree(&options.open()?, args, &options, out)
        }
        "introspect" => {
            arity(2, 3)?;
            check_object(&args[0], &args[1])?;
            if let Some(interface) = args.get(2) {
                check_interface(interface)?;
            }
            introspect(&options.open()?, args, &options, out)
        }
        "get-property" => {
            arity(4, usize::MAX)?;
            check_object(&args[0], &args[1])?;
            check_interface(&args[2])?;
            get_property(&options.open()?, args, out)
        }
        "set-property" => {
            arity(6, usize::MAX)?;
            check_object(&args[0], &args[1])?;
            check_interface(&args[2])?;
            set_property(args, &options)
        }
        "call" => {
            arity(4, usize::MAX)?;
            check_object(&args[0], &args[1])?;
            check_interface(&args[2])?;
            if !MemberName::is_valid(&args[3]) {
                return Err(usage(format!("Invalid method name: {}", args[3])));
            }
            call(args, &options, out)
        }
        "monitor" => {
            for service in args {
                check_service(service)?;
            }
            monitor(args, &options, out)
        }
        other => Err(usage(format!("unknown command {other:?}"))),
    }
}

fn check_service(service: &str) -> Outcome {
    if BusName::is_valid(service) {
        Ok(())
    } else {
        Err(usage(format!("Invalid bus service name: {service}")))
    }
}

fn check_object(service: &str, path: &str) -> Outcome {
    check_service(service)?;
    if ObjectPath::is_valid(path) {
        Ok(())
    } else {
        Err(usage(format!("Invalid object path: {path}")))
    }
}

fn check_interface(interface: &str) -> Outcome {
    if InterfaceName::is_valid(interface) {
        Ok(())
    } else {
        Err(usage(format!("Invalid interface name: {interface}")))
    }
}

/// Calls a method of the bus daemon without arguments; reads a string list.
fn dbus_names(bus: &Bus, method: &str) -> Outcome<Vec<String>> {
    bus.call_method(DBUS, DBUS_PATH, DBUS, method, &())
        .and_then(|reply| reply.read())
        .map_err(|err| failed("Failed to list names", &err))
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

const LIST_COLUMNS: [&str; 8] = [
    "NAME",
    "PID",
    "PROCESS",
    "USER",
    "CONNECTION",
    "UNIT",
    "SESSION",
    "DESCRIPTION",
];

fn list(bus: &Bus, options: &Options, out: &mut impl Write) -> Outcome {
    let acquired = dbus_names(bus, "ListNames")?;
    let activatable = dbus_names(bus, "ListActivatableNames")?;
    let owned: HashSet<&str> = acquired.iter().map(String::as_str).collect();
    let mut rows: Vec<[String; 8]> = acquired.iter().map(|name| peer_row(bus, name)).collect();
    for name in activatable
        .iter()
        .filter(|name| !owned.contains(name.as_str()))
    {
        let mut row = LIST_COLUMNS.map(|_| "-".to_owned());
        row[0].clone_from(name);
        row[4] = "(activatable)".to_owned();
        rows.push(row);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    print_table(out, options.legend.then_some(LIST_COLUMNS), &rows, &[1])?;
    Ok(())
}

/// A `list` row: what the bus and `/proc` tell about the owner of `name`.
fn peer_row(bus: &Bus, name: &str) -> [String; 8] {
    let text = |value: Option<&str>| match value {
        Some(value) if !value.is_empty() => value.to_owned(),
        _ => "-".to_owned(),
    };
    let mut row = LIST_COLUMNS.map(|_| "-".to_owned());
    row[0] = name.to_owned();
    // A peer may leave between ListNames and this: its row stays empty.
    if let Ok(creds) = bus.name_creds(name) {
        if let Some(pid) = creds.pid() {
            row[1] = pid.to_string();
            row[2] = creds.comm().unwrap_or("n/a").to_owned();
        }
        if let Some(euid) = creds.euid() {
            row[3] = user_name(euid);
        }
        row[4] = text(creds.unique_name());
        row[5] = text(creds.unit());
        row[6] = text(creds.session());
        row[7] = text(creds.description());
    }
    row
}

/// The name of a user, from `/etc/passwd`, else the number.
fn user_name(uid: u32) -> String {
    if uid == 0 {
        return "root".to_owned();
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id: u32 = fields.nth(1)?.parse().ok()?;
            (id == uid).then(|| name.to_owned())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// Prints a table as systemd's format-table does: columns as wide as their
/// widest cell, one space apart, the last one unpadded; columns in `right`
/// aligned to the right.
fn print_table<const N: usize>(
    out: &mut impl Write,
    header: Option<[&str; N]>,
    rows: &[[String; N]],
    right: &[usize],
) -> io::Result<()> {
    let width = |cell: &str| cell.chars().count();
    let mut widths = header.map_or([0; N], |header| header.map(width));
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut line = |cells: [&str; N]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(cell));
            if i > 0 {
                text.push(' ');
            }
            if right.contains(&i) {
                text.push_str(&pad);
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if i + 1 < N {
                    text.push_str(&pad);
                }
            }
        }
        writeln!(out, "{text}")
    };
    if let Some(header) = header {
        line(header)?;
    }
    for row in rows {
        line(row.each_ref().map(String::as_str))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// tree
// ---------------------------------------------------------------------------

fn tree(bus: &Bus, services: &[String], options: &Options, out: &mut impl Write) -> Outcome {
    let all;
    let names = if services.is_empty() {
        all = dbus_names(bus, "ListNames")?
            .into_iter()
            .filter(|name| !name.starts_with(':'))
            .collect::<Vec<_>>();
        &all
    } else {
        services
    };
    let headed = services.len() != 1;
    let mut complete = true;
    for (i, service) in names.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if headed {
            writeln!(out, "Service {service}:")?;
        }
        complete &= tree_one(bus, service, options.list, out)?;
    }
    if complete {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

/// Prints the objects of `service`; `false` if some could not be
/// introspected (each said on standard error).
fn tree_one(bus: &Bus, service: &str, list: bool, out: &mut impl Write) -> Outcome<bool> {
    let mut pending = vec!["/".to_owned()];
    // Sorted as busctl sorts them: by bytes.
    let mut done = BTreeSet::new();
    let mut failed = HashSet::new();
    while let Some(path) = pending.pop() {
        if done.contains(&path) || failed.contains(&path) {
            continue;
        }
        match bus.introspect(service, &path) {
            Ok(node) => {
                pending.extend(node.children.iter().map(|child| join_path(&path, child)));
                done.insert(path);
            }
            Err(err) => {
                eprintln!(
                    "Failed to introspect object {path} of service {service}: {}",
                    describe(&err)
                );
                failed.insert(path);
            }
        }
    }
    let paths: Vec<String> = done.into_iter().collect();
    if list {
        for path in &paths {
            writeln!(out, "{path}")?;
        }
    } else if paths.is_empty() {
        writeln!(out, "No objects discovered.")?;
    } else if paths == ["/"] {
        writeln!(out, "Only root object discovered.")?;
    } else {
        print_subtree(out, "", "/", &paths)?;
    }
    Ok(failed.is_empty())
}

/// A child node's path: its name below `parent`, or itself if absolute.
fn join_path(parent: &str, child: &str) -> String {
    if child.starts_with('/') {
        child.to_owned()
    } else if parent.ends_with('/') {
        format!("{parent}{child}")
    } else {
        format!("{parent}/{child}")
    }
}

/// Whether `path` is `prefix` or below it.
fn is_under(path: &str, prefix: &str) -> bool {
    prefix == "/"
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Prints the paths of sorted `paths` below `path` as busctl's tree.
fn print_subtree(
    out: &mut impl Write,
    prefix: &str,
    path: &str,
    paths: &[String],
) -> io::Result<()> {
    let mut i = paths.iter().take_while(|p| *p == path).count();
    while let Some(current) = paths.get(i).filter(|p| is_under(p, path)) {
        // The entries below `current`, and whether a sibling follows them.
        let below = paths[i + 1..]
            .iter()
            .take_while(|p| is_under(p, path) && is_under(p, current))
            .count();
        let next = i + 1 + below;
        let has_more = paths.get(next).is_some_and(|p| is_under(p, path));
        let (glyph, indent) = if has_more {
            ("├─", "│ ")
        } else {
            ("└─", "  ")
        };
        writeln!(out, "{prefix}{glyph}{current}")?;
        print_subtree(out, &format!("{prefix}{indent}"), current, &paths[i..next])?;
        i = next;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// introspect
// ---------------------------------------------------------------------------

/// The flags busctl derives from annotations.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    deprecated: bool,
    no_reply: bool,
    constant: bool,
    emits_change: bool,
    emits_invalidation: bool,
}

impl Flags {
    /// A property's starting point: changes are announced unless annotated.
    fn property() -> Flags {
        Flags {
            emits_change: true,
            ..Flags::default()
        }
    }

    /// Applies annotations in order, as busctl reads them.
    fn with(mut self, annotations: &[Annotation]) -> Flags {
        for annotation in annotations {
            match (annotation.name.as_str(), annotation.value.as_str()) {
                ("org.freedesktop.DBus.Deprecated", "true") => self.deprecated = true,
                ("org.freedesktop.DBus.Method.NoReply", "true") => self.no_reply = true,
                (EMITS_CHANGED_SIGNAL, emits @ ("const" | "invalidates" | "false")) => {
                    self.constant = emits == "const";
                    self.emits_invalidation = emits == "invalidates";
                    self.emits_change = false;
                }
                _ => {}
            }
        }
        self
    }

    fn any(self) -> bool {
        self.deprecated
            || self.no_reply
            || self.constant
            || self.emits_change
            || self.emits_invalidation
    }
}

/// One row of `introspect`.
struct Member {
    interface: String,
    kind: &'static str,
    /// `None` for the interface's own row.
    name: Option<String>,
    signature: Option<String>,
    result: Option<String>,
    value: Option<String>,
    writable: bool,
    flags: Flags,
}

fn introspect(bus: &Bus, args: &[String], options: &Options, out: &mut impl Write) -> Outcome {
    let (service, path, only) = (&args[0], &args[1], args.get(2));
    let context = || format!("Failed to introspect object {path} of service {service}");
    if options.xml {
        let reply = bus
            .call_method(
                service,
                path,
                "org.freedesktop.DBus.Introspectable",
                "Introspect",
                &(),
            )
            .map_err(|err| failed(context(), &err))?;
        let xml: &str = reply.read().map_err(|err| failed(context(), &err))?;
        writeln!(out, "{xml}")?;
        return Ok(());
    }
    let node = bus
        .introspect(service, path)
        .map_err(|err| failed(context(), &err))?;

    let mut members = Vec::new();
    for interface in &node.interfaces {
        if only.is_some_and(|only| *only != interface.name) {
            continue;
        }
        let member = |kind, name: &str, flags| Member {
            interface: interface.name.clone(),
            kind,
            name: Some(name.to_owned()),
            signature: None,
            result: None,
            value: None,
            writable: false,
            flags,
        };
        members.push(Member {
            name: None,
            ..member(
                "interface",
                "",
                Flags::default().with(&interface.annotations),
            )
        });
        for method in &interface.methods {
            let flags = Flags::default().with(&method.annotations);
            members.push(Member {
                signature: Some(method.in_signature()),
                result: Some(method.out_signature()),
                ..member("method", &method.name, flags)
            });
        }
        for signal in &interface.signals {
            let flags = Flags::default().with(&signal.annotations);
            members.push(Member {
                signature: Some(signal.signature()),
                ..member("signal", &signal.name, flags)
            });
        }
        let first_property = members.len();
        for property in &interface.properties {
            let flags = Flags::property().with(&property.annotations);
            members.push(Member {
                signature: Some(property.signature.clone()),
                writable: property.access.is_writable(),
                ..member("property", &property.name, flags)
            });
        }
        if interface.properties.is_empty() {
            continue;
        }
        let values = bus.get_all(service, path, &interface.name).map_err(|err| {
            let context = format!(
                "Failed to get all properties on interface {}",
                interface.name
            );
            failed(context, &err)
        })?;
        for (name, value) in &values {
            let signature = value.signature();
            let property = members[first_property..].iter_mut().find(|m| {
                m.name.as_deref() == Some(name) && m.signature.as_deref() == Some(&signature)
            });
            if let Some(property) = property {
                property.value = Some(busctl_parts(value));
            }
        }
    }

    // Widths in bytes, as printf pads.
    let mut name_width = "NAME".len();
    let mut type_width = "TYPE".len();
    let mut signature_width = "SIGNATURE".len();
    let mut result_width = "RESULT/VALUE".len();
    for m in &members {
        name_width = name_width.max(m.interface.len());
        if let Some(name) = &m.name {
            name_width = name_width.max(name.len() + 1);
        }
        type_width = type_width.max(m.kind.len());
        if let Some(signature) = &m.signature {
            signature_width = signature_width.max(signature.len());
        }
        for text in [&m.result, &m.value].into_iter().flatten() {
            result_width = result_width.max(text.len());
        }
    }
    members.sort_by(|a, b| {
        (&a.interface, a.kind, &a.name, &a.signature).cmp(&(
            &b.interface,
            b.kind,
            &b.name,
            &b.signature,
        ))
    });

    if options.legend {
        writeln!(
            out,
            "{} {} {} {} FLAGS",
            pad("NAME", name_width),
            pad("TYPE", type_width),
            pad("SIGNATURE", signature_width),
            pad("RESULT/VALUE", result_width),
        )?;
    }
    for m in &members {
        let is_interface = m.name.is_none();
        if is_interface && only.is_some() {
            continue;
        }
        let (dot, label, width) = match &m.name {
            None => ("", m.interface.as_str(), name_width),
            Some(name) => (".", name.as_str(), name_width - 1),
        };
        let value = m.value.as_deref().or(m.result.as_deref());
        writeln!(
            out,
            "{dot}{} {} {} {}{}",
            pad(label, width),
            pad(m.kind, type_width),
            pad(dash(m.signature.as_deref()), signature_width),
            pad(dash(value), result_width),
            flag_words(m),
        )?;
    }
    Ok(())
}

/// The FLAGS column, each word preceded by a space.
fn flag_words(m: &Member) -> String {
    let f = m.flags;
    let mut words = String::new();
    if f.deprecated {
        words.push_str(" deprecated");
    } else if !f.any() && !m.writable {
        words.push_str(" -");
    }
    for (set, word) in [
        (f.no_reply, " no-reply"),
        (f.constant, " const"),
        (f.emits_change, " emits-change"),
        (f.emits_invalidation, " emits-invalidation"),
        (m.writable, " writable"),
    ] {
        if set {
            words.push_str(word);
        }
    }
    words
}

/// `text` padded with spaces to `width` bytes.
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.len())))
}

fn dash(text: Option<&str>) -> &str {
    match text {
        Some(text) if !text.is_empty() => text,
        _ => "-",
    }
}

/// A value in busctl's format without its leading signature: `"a" "b"`
/// for the `as 2 "a" "b"` of [`Value::display_busctl`].
fn busctl_parts(value: &Value) -> String {
    let text = value.display_busctl().to_string();
    let signature_len = value.signature().len();
    text.get(signature_len + 1..).unwrap_or_default().to_owned()
}

// ---------------------------------------------------------------------------
// get-property, set-property, call
// ---------------------------------------------------------------------------

fn get_property(bus: &Bus, args: &[String], out: &mut impl Write) -> Outcome {
    let (service, path, interface) = (&args[0], &args[1], &args[2]);
    for name in &args[3..] {
        let value = bus
            .get_property_value(service, path, interface, name)
            .map_err(|err| {
                failed(
                    format_args!("Failed to get property {name} on interface {interface}"),
                    &err,
                )
            })?;
        writeln!(out, "{}", value.display_busctl())?;
    }
    Ok(())
}

fn set_property(args: &[String], options: &Options) -> Outcome {
    let (service, path, interface, name, signature) =
        (&args[0], &args[1], &args[2], &args[3], &args[4]);
    if !is_single_type(signature) {
        return Err(usage(format!(
            "Invalid signature {signature}: a property has one complete type"
        )));
    }
    let value = parse_arguments(signature, &args[5..])?
        .pop()
        .ok_or_else(|| usage("no value"))?;
    let bus = options.open()?;
    bus.set_property_value(service, path, interface, name, &value)
        .map_err(|err| {
            failed(
                format_args!("Failed to set property {name} on interface {interface}"),
                &err,
            )
        })
}

fn call(args: &[String], options: &Options, out: &mut impl Write) -> Outcome {
    let (service, path, interface, method) = (&args[0], &args[1], &args[2], &args[3]);
    let values = match args.get(4) {
        Some(signature) if !signature.is_empty() => parse_arguments(signature, &args[5..])?,
        _ if args.len() > 5 => return Err(usage("Too many parameters for signature.")),
        _ => Vec::new(),
    };
    let bus = options.open()?;
    let creating = |err: sdbus::Error| failed("Failed to create bus message", &err);
    let mut message = bus
        .new_method_call(service.as_str(), path, interface, method)
        .map_err(creating)?;
    for value in &values {
        value.append_bare(&mut message).map_err(creating)?;
    }
    let reply = bus
        .call(&message, None)
        .map_err(|err| failed("Call failed", &err))?;
    let results = Value::read_all(&reply).map_err(|err| failed("Failed to parse reply", &err))?;
    if !results.is_empty() && !options.quiet {
        let parts: Vec<String> = results.iter().map(busctl_parts).collect();
        writeln!(out, "{} {}", reply.signature(), parts.join(" "))?;
    }
    Ok(())
}

/// Whether `signature` is exactly one complete type.
fn is_single_type(signature: &str) -> bool {
    Signature::try_from(signature).is_ok_and(|sig| sig.split_complete_types().count() == 1)
}

/// Builds the values of `signature` from busctl-style words: see the
/// module documentation.
fn parse_arguments(signature: &str, words: &[String]) -> Outcome<Vec<Value>> {
    let signature = Signature::try_from(signature)
        .map_err(|_| usage(format!("Invalid signature: {signature}")))?;
    let mut words = words.iter();
    let values = signature
        .split_complete_types()
        .map(|ty| parse_value(ty, &mut words))
        .collect::<Outcome<Vec<_>>>()?;
    if words.next().is_some() {
        return Err(usage("Too many parameters for signature."));
    }
    Ok(values)
}

type Words<'a> = std::slice::Iter<'a, String>;

fn next_word<'a>(words: &mut Words<'a>) -> Outcome<&'a str> {
    words
        .next()
        .map(String::as_str)
        .ok_or_else(|| usage("Too few parameters for signature."))
}

/// Reads one value of the complete type `ty`, walking the signature.
fn parse_value(ty: &str, words: &mut Words<'_>) -> Outcome<Value> {
    // Only reached with complete types of a valid signature.
    let malformed = || usage(format!("Invalid signature: {ty}"));
    match ty.as_bytes() {
        [b'a', b'{', ..] => {
            let count = parse_count(next_word(words)?)?;
            let entry = ty.get(2..ty.len() - 1).ok_or_else(malformed)?;
            let (key, value) = (entry.get(..1), entry.get(1..));
            let (Some(key), Some(value)) = (key, value) else {
                return Err(malformed());
            };
            let mut entries = Vec::new();
            for _ in 0..count {
                entries.push((parse_value(key, words)?, parse_value(value, words)?));
            }
            Dict::new(key, value, entries)
                .map(Value::from)
                .map_err(|err| usage(err.to_string()))
        }
        [b'a', ..] => {
            let count = parse_count(next_word(words)?)?;
            let element = ty.get(1..).ok_or_else(malformed)?;
            let mut items = Vec::new();
            for _ in 0..count {
                items.push(parse_value(element, words)?);
            }
            Array::new(element, items)
                .map(Value::from)
                .map_err(|err| usage(err.to_string()))
        }
        [b'(', ..] => {
            let inner = ty.get(1..ty.len() - 1).ok_or_else(malformed)?;
            let fields = Signature::try_from(inner).map_err(|_| malformed())?;
            let fields = fields
                .split_complete_types()
                .map(|field| parse_value(field, words))
                .collect::<Outcome<Vec<_>>>()?;
            Ok(Value::Struct(fields))
        }
        b"v" => {
            let contents = next_word(words)?;
            if !is_single_type(contents) {
                return Err(usage(format!(
                    "Invalid variant signature {contents:?}: not one complete type"
                )));
            }
            Ok(Value::Variant(Box::new(parse_value(contents, words)?)))
        }
        b"h" => Err(usage("UNIX file descriptor not supported as type.")),
        &[code] => parse_basic(code, next_word(words)?),
        _ => Err(malformed()),
    }
}

fn parse_count(word: &str) -> Outcome<u32> {
    parse_integer(word)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| usage(format!("Failed to parse '{word}' number of array entries.")))
}

/// A basic value from one word.
fn parse_basic(code: u8, word: &str) -> Outcome<Value> {
    let invalid = |what: &str| usage(format!("Failed to parse '{word}' as {what}."));
    let integer = parse_integer(word);
    macro_rules! int {
        ($ty:ty, $what:literal) => {
            integer
                .and_then(|n| <$ty>::try_from(n).ok())
                .map(Value::from)
                .ok_or_else(|| invalid($what))
        };
    }
    match code {
        b'b' => parse_boolean(word)
            .map(Value::Bool)
            .ok_or_else(|| invalid("boolean")),
        b'y' => int!(u8, "byte (unsigned 8bit integer)"),
        b'n' => int!(i16, "signed 16bit integer"),
        b'q' => int!(u16, "unsigned 16bit integer"),
        b'i' => int!(i32, "signed 32bit integer"),
        b'u' => int!(u32, "unsigned 32bit integer"),
        b'x' => int!(i64, "signed 64bit integer"),
        b't' => int!(u64, "unsigned 64bit integer"),
        b'd' => word
            .trim_start_matches(C_SPACE)
            .parse::<f64>()
            .map(Value::Double)
            .map_err(|_| invalid("double precision floating point")),
        b's' => Ok(Value::from(word)),
        b'o' => ObjectPath::try_from(word)
            .map(Value::ObjectPath)
            .map_err(|_| invalid("object path")),
        b'g' => Signature::try_from(word)
            .map(Value::Signature)
            .map_err(|_| invalid("signature")),
        other => Err(usage(format!(
            "Unknown signature type {}.",
            char::from(other)
        ))),
    }
}

/// What C's `isspace` accepts.
const C_SPACE: [char; 6] = [' ', '\t', '\n', '\x0b', '\x0c', '\r'];

/// An integer as `strtol` with base 0 reads it (leading blanks, a sign,
/// `0x` hex, `0` octal), the whole word or nothing.
fn parse_integer(word: &str) -> Option<i128> {
    let text = word.trim_start_matches(C_SPACE);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) =
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (16, hex)
        } else if text.len() > 1 && text.starts_with('0') {
            (8, &text[1..])
        } else {
            (10, text)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::try_from(u128::from_str_radix(digits, radix).ok()?).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// A boolean as systemd's `parse_boolean` reads it.
fn parse_boolean(word: &str) -> Option<bool> {
    let word = word.to_ascii_lowercase();
    match word.as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// monitor
// ---------------------------------------------------------------------------

fn monitor(services: &[String], options: &Options, out: &mut impl Write) -> Outcome {
    let mut rules = Vec::new();
    for service in services {
        rules.push(format!("sender='{service}'"));
        rules.push(format!("destination='{service}'"));
    }
    rules.extend(options.matches.iter().cloned());
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let monitor = match &options.target {
        Target::System => Monitor::open_system(&rules),
        Target::User => Monitor::open_user(&rules),
        Target::Address(address) => Monitor::open_address(address, &rules),
    }
    .map_err(|err| {
        failed(
            "Call to org.freedesktop.DBus.Monitoring.BecomeMonitor failed",
            &err,
        )
    })?;
    let own_name = monitor.unique_name().unwrap_or_default().to_owned();
    eprintln!("Monitoring bus message stream.");

    let mut shown = 0u64;
    while options.limit.is_none_or(|limit| shown < limit) {
        let message = monitor
            .recv()
            .map_err(|err| failed("Failed to process bus", &err))?;
        // What the daemon told this connection before it became a monitor.
        if message.sender() == Some(DBUS)
            && message.destination() == Some(own_name.as_str())
            && message.is_signal(Some(DBUS), None)
        {
            continue;
        }
        dump_message(out, &message)?;
        out.flush()?;
        shown += 1;
        if message.is_signal(Some("org.freedesktop.DBus.Local"), Some("Disconnected")) {
            eprintln!("Connection terminated, exiting.");
            break;
        }
    }
    Ok(())
}

/// Prints a message as busctl's monitor does (without the fields the
/// library does not expose: endianness, flags, version, timestamp, creds).
fn dump_message(out: &mut impl Write, message: &Message<'_>) -> io::Result<()> {
    let kind = match message.message_type() {
        MessageType::MethodCall => "method_call",
        MessageType::MethodReturn => "method_return",
        MessageType::MethodError => "error",
        MessageType::Signal => "signal",
    };
    let mut line = format!("‣ Type={kind}");
    match message.cookie() {
        Some(0xFFFF_FFFF) => line.push_str("  Cookie=-1"),
        Some(cookie) => {
            let _ = write!(line, "  Cookie={cookie}");
        }
        None => {}
    }
    if let Some(reply_cookie) = message.reply_cookie().filter(|&c| c != 0) {
        let _ = write!(line, "  ReplyCookie={reply_cookie}");
    }
    writeln!(out, "{line}")?;

    let mut headers = String::new();
    for (field, value) in [
        ("Sender", message.sender()),
        ("Destination", message.destination()),
        ("Path", message.path()),
        ("Interface", message.interface()),
        ("Member", message.member()),
    ] {
        if let Some(value) = value {
            let _ = write!(headers, "  {field}={value}");
        }
    }
    if !headers.is_empty() {
        writeln!(out, "{headers}")?;
    }
    if let Some(error) = message.error() {
        writeln!(
            out,
            "  ErrorName={}  ErrorMessage=\"{}\"",
            error.name(),
            error.message()
        )?;
    }

    writeln!(out, "  MESSAGE \"{}\" {{", message.signature())?;
    match Value::read_all(message) {
        Ok(values) => {
            for value in &values {
                dump_value(out, value, 1)?;
            }
        }
        Err(err) => writeln!(out, "          (unreadable body: {err})")?,
    }
    writeln!(out, "  }};\n")
}

/// Prints a value as `sd_bus_message_dump` does, `level` deep.
fn dump_value(out: &mut impl Write, value: &Value, level: usize) -> io::Result<()> {
    let indent = format!("  {}", " ".repeat(8 * level));
    let container = |out: &mut dyn Write, kind: &str, contents: &str| {
        writeln!(out, "{indent}{kind} \"{contents}\" {{")
    };
    let close = |out: &mut dyn Write| writeln!(out, "{indent}}};");
    match value {
        Value::Byte(v) => writeln!(out, "{indent}BYTE {v};"),
        Value::Bool(v) => writeln!(out, "{indent}BOOLEAN {v};"),
        Value::Int16(v) => writeln!(out, "{indent}INT16 {v};"),
        Value::UInt16(v) => writeln!(out, "{indent}UINT16 {v};"),
        Value::Int32(v) => writeln!(out, "{indent}INT32 {v};"),
        Value::UInt32(v) => writeln!(out, "{indent}UINT32 {v};"),
        Value::Int64(v) => writeln!(out, "{indent}INT64 {v};"),
        Value::UInt64(v) => writeln!(out, "{indent}UINT64 {v};"),
        Value::Double(_) => writeln!(out, "{indent}DOUBLE {};", busctl_parts(value)),
        Value::Str(v) => writeln!(out, "{indent}STRING \"{v}\";"),
        Value::ObjectPath(v) => writeln!(out, "{indent}OBJECT_PATH \"{v}\";"),
        Value::Signature(v) => writeln!(out, "{indent}SIGNATURE \"{v}\";"),
        Value::Fd(fd) => writeln!(out, "{indent}UNIX_FD {};", fd.as_raw_fd()),
        Value::Array(array) => {
            container(out, "ARRAY", array.element_signature())?;
            for item in array.iter() {
                dump_value(out, item, level + 1)?;
            }
            close(out)
        }
        Value::Dict(dict) => {
            let entry = format!("{}{}", dict.key_signature(), dict.value_signature());
            container(out, "ARRAY", &format!("{{{entry}}}"))?;
            let inner = format!("  {}", " ".repeat(8 * (level + 1)));
            for (key, item) in dict.iter() {
                writeln!(out, "{inner}DICT_ENTRY \"{entry}\" {{")?;
                dump_value(out, key, level + 2)?;
                dump_value(out, item, level + 2)?;
                writeln!(out, "{inner}}};")?;
            }
            close(out)
        }
        Value::Struct(fields) => {
            let signature = value.signature();
            let contents = signature
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .unwrap_or(&signature);
            container(out, "STRUCT", contents)?;
            for field in fields {
                dump_value(out, field, level + 1)?;
            }
            close(out)
        }
        Value::Variant(inner) => {
            container(out, "VARIANT", &inner.signature())?;
            dump_value(out, inner, level + 1)?;
            close(out)
        }
    }
}
