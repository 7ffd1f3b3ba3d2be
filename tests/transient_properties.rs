//! The property table against the sandbox's manager: every entry's sample
//! value is accepted by `StartTransientUnit` for every unit type it lists,
//! the values read back as sent, parsed properties take effect in a running
//! service, and bad names and values give their errors.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::*;
use sdbus::names::ObjectPath;
use sdbus::transient::{PropertyError, PropertyInfo, UnitProperty, UnitType};
use sdbus::{Bus, BusErrorKind, Error, InvalidKind, Value};

/// Serialises the tests that start units with the samples: two services
/// with the same `BusName=` may not be loaded at once.
fn samples_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A unit name unique to this test process.
fn unit_name(what: &str, unit: UnitType) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "sdbus-tp-{}-{what}-{}.{unit}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn unit_path(name: &str) -> ObjectPath {
    sdbus::path::path_encode("/org/freedesktop/systemd1/unit", name).unwrap()
}

/// Parses assignments that must be valid.
fn parse_all(unit: UnitType, assignments: &[&str]) -> Vec<UnitProperty> {
    assignments
        .iter()
        .flat_map(|a| UnitProperty::parse_for(unit, a).unwrap_or_else(|e| panic!("{a}: {e}")))
        .collect()
}

type Aux = Vec<(String, Vec<UnitProperty>)>;

fn start_transient(
    bus: &Bus,
    name: &str,
    properties: &[UnitProperty],
    aux: &Aux,
) -> sdbus::Result<ObjectPath> {
    bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "StartTransientUnit",
        &(name, "replace", properties, aux),
    )?
    .read()
}

/// Stops and forgets units, whatever state they are in.
fn stop_units<'a>(bus: &Bus, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        let _ = bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "StopUnit",
            &(name, "replace"),
        );
        let _ = bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "ResetFailedUnit", &(name,));
    }
}

/// Waits (polling, at most ten seconds) until the manager has unloaded
/// the units.
fn wait_unloaded(bus: &Bus, names: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for name in names {
        while bus
            .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &(*name,))
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "{name} is still loaded after 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A oneshot service that stays "activating" for ten minutes: units
/// ordered after it wait in their start job with every property applied,
/// so nothing the samples describe ever runs.
struct Blocker<'b> {
    bus: &'b Bus,
    name: String,
}

impl<'b> Blocker<'b> {
    fn start(bus: &'b Bus) -> Blocker<'b> {
        let name = unit_name("blocker", UnitType::Service);
        let props = parse_all(
            UnitType::Service,
            &["Type=oneshot", "ExecStart=/bin/sleep 600"],
        );
        start_transient(bus, &name, &props, &Vec::new()).expect("start the blocker service");
        Blocker { bus, name }
    }
}

impl Drop for Blocker<'_> {
    fn drop(&mut self) {
        stop_units(self.bus, [self.name.as_str()]);
    }
}

/// A sleeping child process for scopes to adopt.
struct Sleeper(Child);

impl Sleeper {
    fn spawn() -> Sleeper {
        Sleeper(
            Command::new("/bin/sleep")
                .arg("600")
                .spawn()
                .expect("spawn sleep"),
        )
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Entries whose samples read back differently by design.
const READ_BACK_DIFFERS: &[&str] = &[
    // `StandardInputText=` and `StandardInputData=` set it to `data`.
    "StandardInput",
    // Syscall groups such as `@system-service` read back expanded.
    "SystemCallFilter",
    "SystemCallLog",
    // Debian's systemd 252 is built without the BPF framework, so the
    // manager accepts and drops file system restrictions.
    "RestrictFileSystems",
    // `WatchdogUSec` reads the value in force, copied when the service
    // starts (these units never do).
    "WatchdogSec",
];

/// Whether a property read back holds what was sent: arrays may have
/// gained elements (implicit dependencies, device nodes) and changed
/// order, byte arrays (CPU sets) may have gained trailing zeros.
fn covers(sent: &Value, read: &Value) -> bool {
    match (sent, read) {
        (Value::Array(s), Value::Array(r)) if s.element_signature() == "y" => {
            let trim = |a: &[Value]| {
                let end = a
                    .iter()
                    .rposition(|b| b.as_u8() != Some(0))
                    .map_or(0, |i| i + 1);
                a[..end].to_vec()
            };
            trim(s) == trim(r)
        }
        (Value::Array(s), Value::Array(r)) => s.iter().all(|x| r.contains(x)),
        (Value::Struct(s), Value::Struct(r)) => {
            s.len() == r.len() && s.iter().zip(r.iter()).all(|(s, r)| covers(s, r))
        }
        _ => sent == read,
    }
}

/// Entries that cannot share a unit with the others: `ExecStartEx=` adds a
/// second start command to the sample of `ExecStart=`, which only oneshot
/// services may have (and the samples of `ExitType=` and
/// `RestartForceExitStatus=` are refused for oneshot services).
const SOLO: &[&str] = &["ExecStartEx", "Symlinks"];

/// Starts transient units of one type with table entries' samples, all
/// waiting behind the blocker.
struct Batcher<'b> {
    bus: &'b Bus,
    unit: UnitType,
    blocker: &'b str,
    scope_pid: u32,
    /// Properties read back that differ from what was sent: (entry, sent,
    /// read).
    mismatches: Vec<(&'static str, String, String)>,
    /// How many properties were read back and compared.
    compared: usize,
}

impl Batcher<'_> {
    /// What every unit of the type needs besides the samples of
    /// `entries`, and its auxiliary units.
    fn base(&self, name: &str, entries: &[&'static PropertyInfo]) -> (Vec<UnitProperty>, Aux) {
        let mut props = vec![UnitProperty::after([self.blocker])];
        let mut aux = Vec::new();
        let service_for = |name: &str| {
            let service = name.rsplit_once('.').unwrap().0.to_owned() + ".service";
            let props = parse_all(UnitType::Service, &["ExecStart=/bin/true"]);
            vec![(service, props)]
        };
        let has = |n: &str| entries.iter().any(|e| e.name() == n);
        match self.unit {
            UnitType::Service if !has("ExecStart") && !has("ExecStartEx") => {
                props.push(UnitProperty::exec_start(["/bin/true"]));
            }
            UnitType::Socket => {
                props.extend(parse_all(
                    UnitType::Socket,
                    &[&format!("ListenStream=/tmp/{name}")],
                ));
                aux = service_for(name);
            }
            UnitType::Timer => {
                props.push(UnitProperty::on_active(Duration::from_secs(3600)));
                aux = service_for(name);
            }
            UnitType::Path => {
                props.extend(parse_all(
                    UnitType::Path,
                    &["PathExists=/run/sdbus-tp-nonexistent"],
                ));
                aux = service_for(name);
            }
            UnitType::Scope => props.push(UnitProperty::pids([self.scope_pid])),
            _ => {}
        }
        (props, aux)
    }

    /// Starts one unit with the samples of `entries`; the manager's
    /// refusal if it refuses.
    fn attempt(&mut self, entries: &[&'static PropertyInfo]) -> Result<(), String> {
        let name = unit_name("batch", self.unit);
        let (mut props, aux) = self.base(&name, entries);
        let base_count = props.len();
        let mut sent: Vec<(&'static str, UnitProperty)> = Vec::new();
        for entry in entries {
            let parsed = entry
                .parse(entry.sample())
                .unwrap_or_else(|e| panic!("sample of {}: {e}", entry.name()));
            sent.extend(parsed.iter().cloned().map(|p| (entry.name(), p)));
            props.extend(parsed);
        }
        let result = start_transient(self.bus, &name, &props, &aux);
        let outcome = match result {
            Ok(_) => {
                self.compare(&name, &props[..base_count], &sent);
                Ok(())
            }
            Err(err) => Err(err.to_string()),
        };
        stop_units(
            self.bus,
            std::iter::once(name.as_str()).chain(aux.iter().map(|(n, _)| n.as_str())),
        );
        outcome
    }

    /// Reads the unit's properties back and records those that differ
    /// from what was sent: only properties set once, by one entry, to a
    /// value of the signature the unit reports.
    fn compare(
        &mut self,
        name: &str,
        base: &[UnitProperty],
        sent: &[(&'static str, UnitProperty)],
    ) {
        let path = unit_path(name);
        let interface = match self.unit {
            UnitType::Service => "Service",
            UnitType::Socket => "Socket",
            UnitType::Timer => "Timer",
            UnitType::Path => "Path",
            UnitType::Slice => "Slice",
            _ => "Scope",
        };
        let mut read: HashMap<String, Value> = HashMap::new();
        for iface in [
            "org.freedesktop.systemd1.Unit".to_owned(),
            format!("org.freedesktop.systemd1.{interface}"),
        ] {
            let all = self
                .bus
                .get_all(SYSTEMD, &path, &iface)
                .unwrap_or_else(|e| panic!("GetAll {iface} of {name}: {e}"));
            read.extend(all.into_inner());
        }
        let count = |n: &str| {
            sent.iter().filter(|(_, p)| p.name() == n).count()
                + base.iter().filter(|p| p.name() == n).count()
        };
        for (entry, prop) in sent {
            if count(prop.name()) != 1 {
                continue;
            }
            let Some(value) = read.get(prop.name()) else {
                continue;
            };
            if value.signature() != prop.signature() {
                continue;
            }
            self.compared += 1;
            if !covers(prop.value(), value) && !READ_BACK_DIFFERS.contains(entry) {
                self.mismatches
                    .push((entry, prop.to_string(), value.display_busctl().to_string()));
            }
        }
    }

    /// The entries the manager refuses, with its error: found by halving
    /// refused batches down to single entries. Entries of [`SOLO`] get a
    /// unit each.
    fn refused_all(&mut self, entries: &[&'static PropertyInfo]) -> Vec<(String, String)> {
        let (solo, batch): (Vec<_>, Vec<_>) =
            entries.iter().partition(|e| SOLO.contains(&e.name()));
        let mut out = self.refused(&batch);
        for entry in solo {
            out.extend(self.refused(&[entry]));
        }
        out
    }

    /// Two entries of a refused batch whose halves are accepted that the
    /// manager refuses together: the entry that makes the shortest
    /// refused prefix fail, and the last entry before it it needs.
    fn conflict(&mut self, entries: &[&'static PropertyInfo]) -> (&'static str, &'static str) {
        let fails = |this: &mut Self, batch: &[&'static PropertyInfo]| this.attempt(batch).is_err();
        let (mut lo, mut hi) = (1, entries.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if fails(self, &entries[..mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let last = entries[lo - 1];
        let before = &entries[..lo - 1];
        let (mut lo, mut hi) = (0, before.len().saturating_sub(1));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let mut batch = before[mid..].to_vec();
            batch.push(last);
            if fails(self, &batch) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        (before.get(lo).map_or("?", |e| e.name()), last.name())
    }

    fn refused(&mut self, entries: &[&'static PropertyInfo]) -> Vec<(String, String)> {
        match self.attempt(entries) {
            Ok(()) => Vec::new(),
            Err(err) if entries.len() == 1 => vec![(entries[0].name().to_owned(), err)],
            Err(err) => {
                let (a, b) = entries.split_at(entries.len() / 2);
                let mut out = self.refused(a);
                out.extend(self.refused(b));
                if out.is_empty() {
                    let (a, b) = self.conflict(entries);
                    out.push((format!("{a} together with {b}"), err));
                }
                out
            }
        }
    }
}

#[test]
fn every_table_entry_is_accepted_by_the_manager() {
    let _serial = samples_lock();
    let bus = user_bus();
    let blocker = Blocker::start(&bus);
    let sleeper = Sleeper::spawn();
    let mut refused = Vec::new();
    let mut mismatches = Vec::new();
    let mut tested = 0;
    let mut compared = 0;
    for unit in UnitType::ALL {
        let entries: Vec<&'static PropertyInfo> = PropertyInfo::all()
            .iter()
            .filter(|e| e.applies_to(unit))
            .collect();
        tested += entries.len();
        let mut batcher = Batcher {
            bus: &bus,
            unit,
            blocker: &blocker.name,
            scope_pid: sleeper.0.id(),
            mismatches: Vec::new(),
            compared: 0,
        };
        for (name, err) in batcher.refused_all(&entries) {
            refused.push(format!("{unit}: {name}: {err}"));
        }
        compared += batcher.compared;
        mismatches.extend(
            batcher
                .mismatches
                .into_iter()
                .map(|(entry, sent, read)| format!("{unit}: {entry}: sent {sent}, read {read}")),
        );
    }
    assert!(tested > 1000, "only {tested} entry and unit type pairs");
    // Most properties read back under the name and type they were sent.
    assert!(compared > 800, "only {compared} properties read back");
    assert!(
        refused.is_empty(),
        "the manager refused {} of {tested} entries:\n{}",
        refused.len(),
        refused.join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} properties read back differently:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Waits (polling, at most ten seconds) until the service is active (for
/// `Type=exec`: its main process has executed its program), and returns
/// its main process.
fn main_pid(bus: &Bus, name: &str) -> u32 {
    let path = unit_path(name);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state: String = bus
            .get_property(SYSTEMD, &path, UNIT, "ActiveState")
            .unwrap();
        if state == "active" {
            return bus
                .get_property(
                    SYSTEMD,
                    &path,
                    "org.freedesktop.systemd1.Service",
                    "MainPID",
                )
                .unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{name} not active within 10 s: {state}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn parsed_properties_take_effect() {
    let bus = user_bus();
    let name = unit_name("effect", UnitType::Service);
    let mut props = parse_all(
        UnitType::Service,
        &[
            "Description=sdbus property effects",
            "Type=exec",
            "ExecStartPre=-/bin/true",
            "ExecStart=/bin/sleep 60",
            r#"Environment=A=1 "B=two words" C=\x41"#,
            "WorkingDirectory=/tmp",
            "LimitNOFILE=1234:2345",
            "Nice=7",
            "CPUQuota=20%",
            "MemoryMax=64M",
            "TasksMax=77",
            "TimeoutStopSec=5s",
            "RuntimeMaxSec=1min",
        ],
    );
    props.push(UnitProperty::cpu_weight(42));
    start_transient(&bus, &name, &props, &Vec::new()).expect("start the service");
    let pid = main_pid(&bus, &name);

    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let environ: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    for var in ["A=1", "B=two words", "C=A"] {
        assert!(
            environ.contains(&var.as_bytes()),
            "{var} missing from {environ:?}"
        );
    }
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap();
    assert_eq!(cwd, std::path::Path::new("/tmp"));
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert_eq!(
        open_files.split_whitespace().collect::<Vec<_>>()[3..5],
        ["1234", "2345"],
        "{open_files}"
    );
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = stat.rsplit_once(") ").unwrap().1;
    let nice = after_comm.split_whitespace().nth(16).unwrap();
    assert_eq!(nice, "7", "{stat}");

    let path = unit_path(&name);
    let service = "org.freedesktop.systemd1.Service";
    let get = |prop: &str| -> u64 { bus.get_property(SYSTEMD, &path, service, prop).unwrap() };
    assert_eq!(get("CPUQuotaPerSecUSec"), 200_000);
    assert_eq!(get("MemoryMax"), 64 << 20);
    assert_eq!(get("TasksMax"), 77);
    assert_eq!(get("CPUWeight"), 42);
    assert_eq!(get("TimeoutStopUSec"), 5_000_000);
    assert_eq!(get("RuntimeMaxUSec"), 60_000_000);
    let cgroup: String = bus
        .get_property(SYSTEMD, &path, service, "ControlGroup")
        .unwrap();
    // The limits in the unit's cgroup, on the unified hierarchy or on the
    // controllers' own (v1) ones.
    let read_first = |files: [String; 2]| {
        files
            .iter()
            .find_map(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_else(|| panic!("none of {files:?} exists"))
    };
    let memory = read_first([
        format!("/sys/fs/cgroup{cgroup}/memory.max"),
        format!("/sys/fs/cgroup/memory{cgroup}/memory.limit_in_bytes"),
    ]);
    assert_eq!(memory.trim(), (64u64 << 20).to_string());
    let tasks = read_first([
        format!("/sys/fs/cgroup{cgroup}/pids.max"),
        format!("/sys/fs/cgroup/pids{cgroup}/pids.max"),
    ]);
    assert_eq!(tasks.trim(), "77");
    stop_units(&bus, [name.as_str()]);
}

#[test]
fn raw_properties_reach_the_manager_as_given() {
    let bus = user_bus();
    let blocker = Blocker::start(&bus);
    let base = || {
        vec![
            UnitProperty::after([blocker.name.as_str()]),
            UnitProperty::exec_start(["/bin/true"]),
        ]
    };

    let name = unit_name("raw", UnitType::Service);
    let mut props = base();
    props.push(UnitProperty::new_raw("CPUQuotaPerSecUSec", 300_000u64).unwrap());
    props.push(UnitProperty::new_raw_as("Nice", "i", Value::from(3u8)).unwrap());
    start_transient(&bus, &name, &props, &Vec::new()).expect("raw properties");
    let path = unit_path(&name);
    let quota: u64 = bus
        .get_property(
            SYSTEMD,
            &path,
            "org.freedesktop.systemd1.Service",
            "CPUQuotaPerSecUSec",
        )
        .unwrap();
    assert_eq!(quota, 300_000);
    let nice: i32 = bus
        .get_property(SYSTEMD, &path, "org.freedesktop.systemd1.Service", "Nice")
        .unwrap();
    assert_eq!(nice, 3);
    stop_units(&bus, [name.as_str()]);

    // A name the manager does not know, and a value of the wrong type,
    // are its errors.
    let refused = |raw: UnitProperty| {
        let name = unit_name("refused", UnitType::Service);
        let mut props = base();
        props.push(raw);
        let err = start_transient(&bus, &name, &props, &Vec::new()).unwrap_err();
        stop_units(&bus, [name.as_str()]);
        err.bus_error()
            .cloned()
            .unwrap_or_else(|| panic!("{err:?}"))
    };
    let err = refused(UnitProperty::new_raw("Frobnicate", 1u32).unwrap());
    assert_eq!(err.kind(), BusErrorKind::PropertyReadOnly, "{err}");
    assert!(err.message().contains("Frobnicate"), "{err}");
    let err = refused(UnitProperty::new_raw("CPUQuotaPerSecUSec", "lots").unwrap());
    assert!(
        err.message().contains("Unexpected message contents"),
        "{err}"
    );
}

#[test]
fn unknown_and_malformed_properties_give_their_errors() {
    let err = UnitProperty::parse("CPUQuta=20%").unwrap_err();
    assert_eq!(
        err,
        PropertyError::UnknownName {
            name: "CPUQuta".into(),
            suggestions: vec!["CPUQuota"],
        }
    );
    let err = Error::from(err);
    assert_eq!(
        err,
        Error::Invalid {
            kind: InvalidKind::Property,
            value: "CPUQuta (did you mean CPUQuota?)".into(),
            reason: "is not a known property",
        }
    );

    let err = UnitProperty::parse("MemoryMax=1Q").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value \"1Q\" for property MemoryMax: expected a size in bytes with an \
         optional K, M, G, T, P or E suffix (1024-based), a percentage of physical memory \
         such as 50%, or infinity"
    );
    let err = UnitProperty::parse("TimeoutStopSec=5 parsecs").unwrap_err();
    assert!(
        matches!(&err, PropertyError::BadValue { name, value, .. }
            if name == "TimeoutStopSec" && value == "5 parsecs"),
        "{err:?}"
    );
    let err = UnitProperty::parse_for(UnitType::Slice, "ExecStart=/bin/true").unwrap_err();
    assert_eq!(
        err.to_string(),
        "property ExecStart does not apply to slice units"
    );
    assert!(matches!(
        UnitProperty::parse("no assignment"),
        Err(PropertyError::NotAssignment { .. })
    ));
}

/// Settings `systemd-run -p` of systemd 252 gets wrong, so that its manager
/// refuses them: the table sends what the manager understands instead.
const SYSTEMD_RUN_FAILS: &[&str] = &[
    // Sent as `StandardInputText`; the manager takes the text as
    // `StandardInputData`.
    "StandardInputText",
    // Sent as `SmackLabelIPIn`; the manager spells it `SmackLabelIPin`.
    "SmackLabelIPIn",
];

/// All properties of a unit on its generic and type interfaces.
fn read_unit(bus: &Bus, name: &str, unit: UnitType) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for iface in ["Unit", interface_of(unit)] {
        let iface = format!("org.freedesktop.systemd1.{iface}");
        out.extend(
            bus.get_all(SYSTEMD, &unit_path(name), &iface)
                .unwrap()
                .into_inner(),
        );
    }
    out
}

/// Whether two units' values are the same but for their names (`stems`,
/// the unit names without suffix) and the order of array elements (the
/// manager keeps dependencies in hash tables).
fn same_value(a: &Value, b: &Value, stems: (&str, &str)) -> bool {
    match (a, b) {
        (Value::Str(a), Value::Str(b)) => a.replace(stems.0, "STEM") == b.replace(stems.1, "STEM"),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| same_value(x, y, stems)))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| same_value(x, y, stems))
        }
        (Value::Variant(a), Value::Variant(b)) => same_value(a, b, stems),
        _ => a == b,
    }
}

fn interface_of(unit: UnitType) -> &'static str {
    match unit {
        UnitType::Service => "Service",
        UnitType::Socket => "Socket",
        UnitType::Timer => "Timer",
        UnitType::Path => "Path",
        UnitType::Slice => "Slice",
        _ => "Scope",
    }
}

/// Starts a unit of type `unit` with `systemd-run` and one from the table's
/// parse of the same `assignments`, both waiting behind the blocker, and
/// lists the properties the assignments set whose values differ.
fn compare_with_systemd_run(
    bus: &Bus,
    blocker: &str,
    unit: UnitType,
    assignments: &[(&'static str, String)],
) -> Vec<String> {
    let flag = match unit {
        UnitType::Service => "--property",
        UnitType::Socket => "--socket-property",
        UnitType::Timer => "--timer-property",
        _ => "--path-property",
    };
    let after = format!("After={blocker}");
    let theirs = unit_name("theirs", unit);
    let stem = theirs.rsplit_once('.').unwrap().0;
    let mut command = Command::new("systemd-run");
    command.args(["--user", "--no-block", "--quiet", "--unit", stem]);
    command.args(["--property", &after]);
    if unit != UnitType::Service {
        command.arg(format!("{flag}={after}"));
    }
    for (name, value) in assignments {
        command.arg(format!("{flag}={name}={value}"));
    }
    // For a triggering unit, systemd-run waits for its start job, which
    // waits for the blocker: read the unit while it waits, then stop it,
    // which ends systemd-run.
    let mut child = command
        .arg("/bin/true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run systemd-run");
    let deadline = Instant::now() + Duration::from_secs(10);
    while bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "GetUnit",
            &(theirs.as_str(),),
        )
        .is_err()
    {
        if let Some(status) = child.try_wait().unwrap() {
            // It may have made the unit since the last look.
            let made = bus
                .call_method(
                    SYSTEMD,
                    MANAGER_PATH,
                    MANAGER,
                    "GetUnit",
                    &(theirs.as_str(),),
                )
                .is_ok();
            if made && status.success() {
                break;
            }
            let mut stderr = String::new();
            let mut pipe = child.stderr.take().unwrap();
            pipe.read_to_string(&mut stderr).unwrap();
            panic!("systemd-run for a {unit} exited with {status}: {stderr}");
        }
        assert!(Instant::now() < deadline, "systemd-run made no {theirs}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let theirs_read = read_unit(bus, &theirs, unit);
    // Two units may not share some settings (BusName=): theirs goes before
    // ours comes.
    let theirs_service = format!("{stem}.service");
    stop_units(bus, [theirs.as_str(), &theirs_service]);
    let _ = child.wait();
    wait_unloaded(bus, &[&theirs, &theirs_service]);

    let ours = unit_name("ours", unit);
    let ours_stem = ours.rsplit_once('.').unwrap().0;
    let mut props = vec![UnitProperty::after([blocker])];
    let mut produced = Vec::new();
    for (name, value) in assignments {
        let parsed = UnitProperty::parse_for(unit, &format!("{name}={value}"))
            .unwrap_or_else(|e| panic!("{e}"));
        produced.extend(parsed.iter().map(|p| (*name, p.name().to_owned())));
        props.extend(parsed);
    }
    let mut aux = Vec::new();
    let service = UnitProperty::exec_start(["/bin/true"]);
    if unit == UnitType::Service {
        props.push(service);
    } else {
        aux.push((format!("{ours_stem}.service"), vec![service]));
    }
    start_transient(bus, &ours, &props, &aux).expect("start our unit");
    let ours_read = read_unit(bus, &ours, unit);
    stop_units(bus, [ours.as_str(), &format!("{ours_stem}.service")]);

    let mut differences = Vec::new();
    for (entry, prop) in &produced {
        if unit == UnitType::Timer && prop == "RemainAfterElapse" {
            // systemd-run sets it to `no` after the user's settings.
            continue;
        }
        let (a, b) = (ours_read.get(prop), theirs_read.get(prop));
        let same = match (a, b) {
            (Some(a), Some(b)) => same_value(a, b, (ours_stem, stem)),
            _ => a.is_none() && b.is_none(),
        };
        if !same {
            let show = |v: Option<&Value>| v.map(|v| v.display_busctl().to_string());
            differences.push(format!(
                "{unit}: {entry} ({prop}): ours {:?}, systemd-run {:?}",
                show(a),
                show(b)
            ));
        }
    }
    differences
}

/// Every sample, parsed by the table and by systemd 252's own
/// `systemd-run`, gives the manager the same settings, for each unit type
/// `systemd-run` can make (all but slices and scopes).
#[test]
fn samples_parse_as_systemd_run_parses_them() {
    let _serial = samples_lock();
    let bus = user_bus();
    let blocker = Blocker::start(&bus);
    let mut differences = Vec::new();
    for unit in [
        UnitType::Service,
        UnitType::Socket,
        UnitType::Timer,
        UnitType::Path,
    ] {
        // systemd-run adds the command as ExecStart= itself.
        let assignments: Vec<(&'static str, String)> = PropertyInfo::all()
            .iter()
            .filter(|e| e.applies_to(unit))
            .filter(|e| !SYSTEMD_RUN_FAILS.contains(&e.name()) && !SOLO.contains(&e.name()))
            .filter(|e| !matches!(e.name(), "ExecStart" | "ExecStartEx"))
            .map(|e| (e.name(), e.sample().to_owned()))
            .collect();
        differences.extend(compare_with_systemd_run(
            &bus,
            &blocker.name,
            unit,
            &assignments,
        ));
    }
    assert!(
        differences.is_empty(),
        "{} properties differ from systemd-run's:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// Values beyond the samples, for the syntaxes with the most forms, parse
/// as `systemd-run` parses them.
#[test]
fn other_values_parse_as_systemd_run_parses_them() {
    let _serial = samples_lock();
    let service = [
        "CPUQuota=20.5%",
        "MemoryHigh=25%",
        "MemoryMax=1G 512M",
        "MemoryLow=",
        "MemorySwapMax=infinity",
        "TasksMax=10%",
        "IPAddressAllow=link-local",
        "IPAddressDeny=localhost",
        "CPUWeight=idle",
        "IOWeight=",
        "StartupCPUShares=",
        "LimitNICE=-5",
        "LimitCPU=1500ms",
        "LimitRTTIME=50",
        "LimitNOFILE=infinity",
        "LimitCORE=1M:infinity",
        "LimitMSGQUEUE=1.5K",
        "Nice=-5",
        "RestartSec=1min 30s",
        "TimeoutSec=90",
        r#"Environment=A=1 "B=two words" C=\x41 'D=\'q\''"#,
        "UnsetEnvironment=A B=2",
        "ExecStartPre=-@/bin/sh sh -c 'exit 0'",
        "ExecStartPost=+/bin/true",
        "ExecStop=-:/bin/echo $HOME",
        "ExecStopPost=!!/bin/true",
        "ExecReload=!/bin/true",
        "ExecCondition=",
        "SuccessExitStatus=0 143 SIGTERM NOTINSTALLED",
        "RestartPreventExitStatus=",
        "StandardOutput=file:/tmp/sdbus-out",
        "StandardError=append:/tmp/sdbus-err",
        "SyslogFacility=local3",
        "SyslogLevel=7",
        "CPUSchedulingPolicy=idle",
        "IOSchedulingClass=idle",
        "SecureBits=keep-caps noroot-locked",
        "MountFlags=shared",
        "CoredumpFilter=default 0x100",
        "SystemCallErrorNumber=ENOSYS",
        "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW",
        "AmbientCapabilities=",
        "RestrictNamespaces=no",
        "RestrictAddressFamilies=~AF_INET6",
        "BindPaths=/a:/b -/c /d:/e:norbind",
        "TemporaryFileSystem=/var:ro /srv",
        "RootImageOptions=ro home:rw,nosuid",
        "MountImages=-/img.raw:/mnt:ro /x.raw:/y:home:rw",
        "ExtensionImages=/e.raw -/f.raw:ro",
        "RootHash=/root.hash",
        "RootHashSignature=/root.hash.p7s",
        "StateDirectory=a b//c/",
        "RuntimeDirectory=run:link",
        "CacheDirectory=x y:z",
        "AllowedCPUs=0-2,4",
        "CPUAffinity=numa",
        "NUMAMask=all",
        "Delegate=cpu memory",
        "DeviceAllow=char-pts r",
        "IOReadBandwidthMax=/dev/null 5M",
        "IOWriteIOPSMax=/dev/null infinity",
        "SocketBindAllow=ipv6:udp:5000-5009",
        "SocketBindDeny=ipv4",
        "ConditionPathExists=|!/etc/sdbus-example",
        "AssertUser=",
        "EnvironmentFile=/etc/sdbus-example.env",
        "LogExtraFields=A=b",
        "AppArmorProfile=profile",
        "KillSignal=RTMIN+3",
        "StartLimitBurst=0x10",
        "SuccessActionExitStatus=",
        "FailureActionExitStatus=3",
        "ProtectSystem=yes",
        "ProtectHome=tmpfs",
        "RuntimeDirectoryPreserve=no",
        "PrivateTmp=off",
        "TimerSlackNSec=50us",
        "LogRateLimitIntervalSec=1min",
        "ManagedOOMMemoryPressureLimit=50.5%",
        "CPUQuotaPeriodSec=",
        "OOMScoreAdjust=-100",
        "Wants=a.service b.service",
    ];
    let socket = [
        "ListenStream=8080",
        "ListenFIFO=/run/sdbus-example-2.fifo",
        "TimeoutSec=90",
        "IPTOS=throughput",
        "SocketProtocol=udplite",
        "ReceiveBuffer=4K",
        "BindIPv6Only=ipv6-only",
        "DeferAcceptSec=infinity",
    ];
    let timer = [
        "OnCalendar=daily",
        "OnBootSec=30",
        "OnUnitActiveSec=1h 30min",
        "AccuracySec=1us",
        "RandomizedDelaySec=0",
    ];
    let path = [
        "PathChanged=/run/x",
        "DirectoryMode=0700",
        "MakeDirectory=no",
    ];
    let bus = user_bus();
    let blocker = Blocker::start(&bus);
    let mut differences = Vec::new();
    for (unit, list) in [
        (UnitType::Service, &service[..]),
        (UnitType::Socket, &socket[..]),
        (UnitType::Timer, &timer[..]),
        (UnitType::Path, &path[..]),
    ] {
        let assignments: Vec<(&'static str, String)> = list
            .iter()
            .map(|a| {
                let (name, value) = a.split_once('=').unwrap();
                (name, value.to_owned())
            })
            .collect();
        differences.extend(compare_with_systemd_run(
            &bus,
            &blocker.name,
            unit,
            &assignments,
        ));
    }
    assert!(
        differences.is_empty(),
        "{} properties differ from systemd-run's:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
