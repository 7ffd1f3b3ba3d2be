//! The main demo: a guided tour of the bus and the systemd manager behind
//! it, seen through `sdbus`, in eight steps: the peers on the bus, the
//! manager's object tree, a unit introspected, its properties read and the
//! unit restarted, the units processes live in, transient units, Rust
//! closures in units, and a notify-aware service.
//!
//! Run it with `scripts/demo`, which uses the host's systemd when one runs
//! (as root: the tour talks to the system manager) and the project's
//! sandbox (a private manager and bus) otherwise. Every unit it creates is
//! stopped before it exits; it exits non-zero if any step fails.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use sdbus::futures::Options;
use sdbus::introspect::{Access, EmitsChange};
use sdbus::names::ObjectPath;
use sdbus::object::Object;
use sdbus::systemd1::{
    JobMode, Manager, DESTINATION as SYSTEMD, MANAGER_INTERFACE as MANAGER, MANAGER_PATH,
    SERVICE_INTERFACE as SERVICE, UNIT_INTERFACE as UNIT, UNIT_PATH_PREFIX,
};
use sdbus::transient::{Run, ServiceType, Stdio};
use sdbus::types::Variant;
use sdbus::{path, Bus, ManagerScope};

type StepResult = Result<(), Box<dyn Error>>;

/// A step of the tour: its heading and what it does.
type Step = (&'static str, fn(&Bus) -> StepResult);

/// The unit of steps 3 and 4.
const MY_SERVICE: &str = "myfirstservice.service";

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("notify-child") {
        return notify_child();
    }
    let bus = match Bus::open_system() {
        Ok(bus) => bus,
        Err(err) => {
            eprintln!("tour: cannot open the system bus: {err}");
            return ExitCode::FAILURE;
        }
    };
    match (bus.unique_name(), bus.bus_id_hex()) {
        (Ok(name), Ok(id)) => println!("connected to the system bus as {name} (bus id {id})"),
        (Err(err), _) | (_, Err(err)) => println!("connected to the system bus ({err})"),
    }

    let steps: [Step; 8] = [
        ("1. Peers on the bus (as `busctl list`)", peers),
        (
            "2. The object tree of org.freedesktop.systemd1",
            object_tree,
        ),
        (
            "3. Introspecting a unit: myfirstservice.service",
            introspect_unit,
        ),
        ("4. MainPID, Restart and its job", restart),
        ("5. Processes and their units", processes),
        ("6. Transient units", transient_units),
        ("7. Rust code in units", rust_in_units),
        ("8. A notify-aware service", notify_service),
    ];
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        println!("note: not root; the system manager may refuse to create units (run as root)");
    }
    let start = Instant::now();
    let mut failed = Vec::new();
    for (title, step) in steps {
        println!("\n== {title} ==");
        if let Err(err) = step(&bus) {
            println!("!! step failed: {err}");
            failed.push(title);
        }
        let _ = std::io::stdout().flush();
    }
    sweep(&bus);
    println!("\n== Done in {:.1} s ==", start.elapsed().as_secs_f64());
    if failed.is_empty() {
        println!("all steps passed");
        ExitCode::SUCCESS
    } else {
        eprintln!("tour failed: {}", failed.join("; "));
        ExitCode::FAILURE
    }
}

/// Stops a unit the tour created when dropped, and forgets it if it failed.
struct Stopper<'b> {
    bus: &'b Bus,
    name: String,
}

/// Every unit a `Stopper` was made for, for the final sweep.
static CREATED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl<'b> Stopper<'b> {
    fn new(bus: &'b Bus, name: &str) -> Self {
        if let Ok(mut created) = CREATED.lock() {
            created.push(name.to_owned());
        }
        Stopper {
            bus,
            name: name.to_owned(),
        }
    }
}

impl Drop for Stopper<'_> {
    fn drop(&mut self) {
        stop_quietly(self.bus, &self.name);
    }
}

/// Clears the failed state of the tour's units that failed only after
/// their step stopped them (a unit's final state can arrive after its stop
/// job): the tour leaves no unit behind, failed ones included.
fn sweep(bus: &Bus) {
    let created = CREATED.lock().map(|c| c.clone()).unwrap_or_default();
    let manager = Manager::new(bus);
    for name in created {
        if manager
            .unit(&name)
            .and_then(|unit| unit.active_state())
            .is_ok_and(|state| state.to_string() == "failed")
        {
            let _ = manager.reset_failed_unit(&name);
        }
    }
}

fn stop_quietly(bus: &Bus, name: &str) {
    let manager = Manager::new(bus);
    if let Ok(job) = manager.stop_unit(name, JobMode::Replace) {
        let _ = job.wait_timeout(Duration::from_secs(10));
    }
    let _ = manager.reset_failed_unit(name);
}

fn check(ok: bool, what: &str) -> StepResult {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

// 1 ---------------------------------------------------------------------

fn peers(bus: &Bus) -> StepResult {
    let dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus");
    let names: Vec<String> = bus
        .call_method(dbus.0, dbus.1, dbus.0, "ListNames", &())?
        .read()?;
    let activatable: Vec<String> = bus
        .call_method(dbus.0, dbus.1, dbus.0, "ListActivatableNames", &())?
        .read()?;
    let mut all: Vec<&str> = names
        .iter()
        .chain(&activatable)
        .map(String::as_str)
        .collect();
    all.sort_unstable();
    all.dedup();

    println!(
        "{:<34} {:>6} {:<16} {:<12} {:<26}",
        "NAME", "PID", "PROCESS", "CONNECTION", "UNIT"
    );
    for name in all {
        if !names.iter().any(|n| n == name) {
            println!(
                "{name:<34} {:>6} {:<16} {:<12} {:<26}",
                "-", "-", "(activatable)", "-"
            );
            continue;
        }
        match bus.name_creds(name) {
            Ok(creds) => println!(
                "{name:<34} {:>6} {:<16} {:<12} {:<26}",
                creds.pid().map_or("-".into(), |p| p.to_string()),
                creds.comm().unwrap_or("-"),
                creds.unique_name().unwrap_or("-"),
                creds.unit().or(creds.user_unit()).unwrap_or("-"),
            ),
            // A peer may leave between ListNames and the lookup.
            Err(err) => println!("{name:<34} ({err})"),
        }
    }
    check(names.iter().any(|n| n == SYSTEMD), "systemd is on the bus")
}

// 2 ---------------------------------------------------------------------

fn object_tree(bus: &Bus) -> StepResult {
    // The first levels, as `busctl tree` draws them; the manager's own
    // children (units, jobs) only counted.
    tree(bus, "/", 0)?;
    let manager = bus.introspect(SYSTEMD, MANAGER_PATH)?;
    let units = bus.introspect(SYSTEMD, UNIT_PATH_PREFIX)?;
    println!(
        "{} objects under {UNIT_PATH_PREFIX}/, such as:",
        units.children.len()
    );
    for child in units.children.iter().take(5) {
        let decoded = path::path_decode(&format!("{UNIT_PATH_PREFIX}/{child}"), UNIT_PATH_PREFIX)?;
        println!("  unit/{child:<36} = {}", decoded.as_deref().unwrap_or("?"));
    }
    // The unit this very process runs in is one of them.
    let own = Manager::new(bus).get_unit_by_pid(std::process::id())?;
    let leaf = own.path().as_str().rsplit('/').next().unwrap_or_default();
    println!("this tour runs in {}, listed as unit/{leaf}", own.name());
    check(
        units.children.iter().any(|c| c == leaf),
        "the tour's unit appears under /org/freedesktop/systemd1/unit/",
    )?;
    check(
        manager.children.iter().any(|c| c == "unit"),
        "the manager has a unit/ child",
    )
}

fn tree(bus: &Bus, path: &str, depth: usize) -> StepResult {
    let node = bus.introspect(SYSTEMD, path)?;
    let indent = "  ".repeat(depth);
    if depth == 4 {
        println!("{indent}{path}/ ({} objects)", node.children.len());
        return Ok(());
    }
    println!("{indent}{path}");
    for child in &node.children {
        tree(
            bus,
            &format!("{}/{child}", path.trim_end_matches('/')),
            depth + 1,
        )?;
    }
    Ok(())
}

// 3 ---------------------------------------------------------------------

/// Starts `myfirstservice.service` (`sleep infinity`), as a transient unit
/// so that the tour needs no unit file on the host.
fn start_my_service(bus: &Bus) -> Result<Stopper<'_>, Box<dyn Error>> {
    // A previous tour that was killed may have left it behind.
    stop_quietly(bus, MY_SERVICE);
    let mut unit = Run::new(["/bin/sleep", "infinity"])
        .bus(bus)
        .name(MY_SERVICE)
        .description("My first service")
        .start()?;
    let stopper = Stopper::new(bus, MY_SERVICE);
    unit.wait_for_activation()?;
    Ok(stopper)
}

fn introspect_unit(bus: &Bus) -> StepResult {
    let _stopper = start_my_service(bus)?;
    let path = path::path_encode(UNIT_PATH_PREFIX, MY_SERVICE)?;
    println!("started {MY_SERVICE} (`sleep infinity`), object {path}");
    let object = Object::new(bus, SYSTEMD, &path)?;
    let names: Vec<&str> = object
        .interfaces()?
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    println!("interfaces:");
    for name in &names {
        println!("  {name}");
    }
    check(
        names.contains(&SERVICE),
        "the unit has the Service interface",
    )?;

    let unit = object.interface(UNIT)?;
    println!("some methods of {UNIT}:");
    println!("  {:<22} {:<10} RESULT", "NAME", "SIGNATURE");
    for name in ["Start", "Stop", "Restart", "Kill", "SetProperties"] {
        let method = unit.definition().method(name).ok_or(name)?;
        println!(
            "  .{:<21} {:<10} {}",
            method.name,
            method.in_signature(),
            method.out_signature()
        );
    }

    println!("some properties, with values and flags:");
    println!("  {:<24} {:<5} {:<32} FLAGS", "NAME", "TYPE", "VALUE");
    for (interface, names) in [
        (UNIT, &["Id", "Description", "ActiveState", "SubState"][..]),
        (SERVICE, &["Type", "MainPID", "ExecStart", "Restart"][..]),
    ] {
        let proxy = object.interface(interface)?;
        for name in names {
            let property = proxy.definition().property(name).ok_or(*name)?;
            let mut value = proxy.get(name)?.to_string();
            if value.len() > 32 {
                value.truncate(29);
                value.push_str("...");
            }
            let mut flags = vec!["property"];
            flags.push(match property.emits_change() {
                EmitsChange::True => "emits-change",
                EmitsChange::Invalidates => "emits-invalidation",
                EmitsChange::Const => "const",
                EmitsChange::False => "",
            });
            if matches!(property.access, Access::Write | Access::ReadWrite) {
                flags.push("writable");
            }
            println!(
                "  .{:<23} {:<5} {value:<32} {}",
                property.name,
                property.signature,
                flags.join(" ").trim_end()
            );
        }
    }
    Ok(())
}

// 4 ---------------------------------------------------------------------

fn restart(bus: &Bus) -> StepResult {
    let _stopper = start_my_service(bus)?;
    let manager = Manager::new(bus);
    let service = manager.service(MY_SERVICE)?;
    let typed = service.main_pid()?;
    println!("MainPID (typed property)        {typed}");
    let Variant(raw): Variant<u32> = bus
        .call_method(
            SYSTEMD,
            service.path(),
            "org.freedesktop.DBus.Properties",
            "Get",
            &(SERVICE, "MainPID"),
        )?
        .read()?;
    println!("MainPID (Properties.Get, v)     u {raw}");
    check(typed == raw && typed != 0, "both reads agree")?;

    let reply = bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "RestartUnit",
        &(MY_SERVICE, "replace"),
    )?;
    let job_path: ObjectPath = reply.read()?;
    println!("RestartUnit(\"{MY_SERVICE}\", \"replace\") -> o \"{job_path}\"");
    // The same restart through the typed API, which awaits its job.
    let job = service.restart(JobMode::Replace)?;
    println!("Unit.Restart -> job {} ({})", job.id(), job.path());
    let result = job
        .wait_timeout(Duration::from_secs(10))?
        .ok_or("the job never ended")?;
    println!("job {} ended: {result:?}", job.id());
    let new = service.main_pid()?;
    println!(
        "MainPID now                     {new} ({})",
        service.active_state()?
    );
    check(new != 0 && new != typed, "a new main process")
}

// 5 ---------------------------------------------------------------------

fn processes(bus: &Bus) -> StepResult {
    let manager = Manager::new(bus);
    let pid = std::process::id();
    let reply = bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnitByPID", &(pid,))?;
    let unit_path: ObjectPath = reply.read()?;
    let decoded = path::path_decode(&unit_path, UNIT_PATH_PREFIX)?;
    println!("GetUnitByPID({pid}) -> o \"{unit_path}\"");
    println!(
        "path_decode -> {}",
        decoded.as_deref().unwrap_or("(not under the unit prefix)")
    );
    let unit = decoded.ok_or("a unit path")?;
    println!("GetUnitProcesses(\"{unit}\"):");
    let procs = manager.get_unit_processes(&unit)?;
    for p in procs.iter().take(6) {
        println!("  {:>7} {:<40} {}", p.pid, p.cgroup, p.cmdline);
    }
    check(procs.iter().any(|p| p.pid == pid), "the tour is among them")?;

    // A service that delegates its cgroup, and a child of ours moved in.
    let delegate = Run::new(["/bin/sleep", "infinity"])
        .bus(bus)
        .property("Delegate=yes")
        .description("the tour's delegate");
    let mut running = delegate.start()?;
    let name = running.name().to_owned();
    let _stopper = Stopper::new(bus, &name);
    running.wait_for_activation()?;
    let mut child = std::process::Command::new("/bin/sleep")
        .arg("infinity")
        .spawn()?;
    let child_pid = child.id();
    let attached = manager.attach_processes_to_unit(&name, "/", &[child_pid]);
    if let Err(err) = attached {
        let _ = child.kill();
        let _ = child.wait();
        return Err(err.into());
    }
    let cgroup = std::fs::read_to_string(format!("/proc/{child_pid}/cgroup"))?;
    let line = cgroup
        .lines()
        .find(|l| l.contains(&name))
        .unwrap_or("(not in the unit's cgroup)");
    println!("forked {child_pid} and attached it to {name} (Delegate=yes): {line}");
    let in_unit = manager
        .get_unit_processes(&name)?
        .iter()
        .any(|p| p.pid == child_pid);
    println!("GetUnitProcesses(\"{name}\") lists {child_pid}: {in_unit}");
    check(in_unit, "the child is in the delegate's cgroup")?;
    running.stop()?;
    let status = child.wait()?;
    println!("stopped {name}; our child ended with {status}");
    check(!status.success(), "the stop killed the child")
}

// 6 ---------------------------------------------------------------------

fn transient_units(bus: &Bus) -> StepResult {
    let manager = Manager::new(bus);

    let mut sleeper = Run::new(["/bin/sleep", "infinity"]).bus(bus).start()?;
    let sleeper_name = sleeper.name().to_owned();
    let _stop_sleeper = Stopper::new(bus, &sleeper_name);
    sleeper.wait_for_activation()?;
    let service = manager.service(&sleeper_name)?;
    println!(
        "{sleeper_name}: {}, MainPID {}",
        service.active_state()?,
        service.main_pid()?
    );
    for p in service.get_processes()? {
        println!(
            "  GetProcesses: {:>7} {:<44} {}",
            p.pid, p.cgroup, p.cmdline
        );
    }
    sleeper.stop()?;

    println!("/usr/bin/env with FOO=bar, its output on this terminal:");
    let _ = std::io::stdout().flush();
    let outcome = Run::new(["/usr/bin/env"])
        .bus(bus)
        .env("FOO", "bar")
        .stdout(Stdio::Inherit)
        .stderr(Stdio::Inherit)
        .start()?
        .wait()?;
    println!("env ended: {outcome}");
    check(outcome.success(), "env succeeded")?;

    let mut busy = Run::new(["/bin/sh", "-c", "while :; do :; done"])
        .bus(bus)
        .property("CPUQuota=10%")
        .start()?;
    let busy_name = busy.name().to_owned();
    let _stop_busy = Stopper::new(bus, &busy_name);
    busy.wait_for_activation()?;
    let pid = manager.service(&busy_name)?.main_pid()?;
    let (cpu0, t0) = (cpu_time(pid).ok_or("no /proc stat")?, Instant::now());
    std::thread::sleep(Duration::from_millis(1500));
    let (cpu1, t1) = (cpu_time(pid).ok_or("no /proc stat")?, Instant::now());
    let share = (cpu1 - cpu0).as_secs_f64() / (t1 - t0).as_secs_f64();
    println!(
        "busy loop {busy_name} with CPUQuota=10%: {:.0}% of one CPU over {:.1} s",
        share * 100.0,
        (t1 - t0).as_secs_f64()
    );
    busy.stop()?;
    check(share <= 0.2, "the quota caps the busy loop")
}

/// The CPU time (user + system) process `pid` used so far, from
/// `/proc/PID/stat` (the sandbox's manager has no `CPUUsageNSec`).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let ticks = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_sec = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / per_sec.max(1)))
}

// 7 ---------------------------------------------------------------------

/// Spins for `wall` and returns this process's CPU time in microseconds.
fn spin(wall: Duration) -> u64 {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < wall {
        x = std::hint::black_box(x.wrapping_add(1));
    }
    // SAFETY: `usage` is a valid out pointer; RUSAGE_SELF always exists.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let usec = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    usec(usage.ru_utime) + usec(usage.ru_stime)
}

fn rust_in_units(_bus: &Bus) -> StepResult {
    let wall = Duration::from_secs(1);
    let options = Options::new()
        .manager(ManagerScope::System)
        .parse("User=nobody")?
        .parse("CPUQuota=20%")?;
    let (uid, cpu) = options.run(move || {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        (uid, spin(wall))
    })?;
    println!(
        "a closure ran as uid {uid} with CPUQuota=20%: {:.2} s of CPU in {:.1} s ({:.0}%)",
        cpu as f64 / 1e6,
        wall.as_secs_f64(),
        cpu as f64 / 1e4 / wall.as_secs_f64()
    );
    check(uid == 65534, "the closure ran as nobody")?;
    check(
        cpu as f64 / 1e6 <= 0.35 * wall.as_secs_f64(),
        "the quota held",
    )?;

    let pool = Options::new()
        .manager(ManagerScope::System)
        .parse("CPUQuota=30%")?
        .pool(3)?;
    println!(
        "a pool of {} workers in {} sharing CPUQuota=30%:",
        pool.max_workers(),
        pool.unit_name()
    );
    let start = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|i| pool.submit(move || (i, spin(wall))))
        .collect();
    let mut total = 0;
    for task in tasks {
        let (i, cpu) = task.join()?;
        total += cpu;
        println!("  task {i}: {:.2} s of CPU", cpu as f64 / 1e6);
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "  together {:.2} s of CPU in {elapsed:.1} s ({:.0}% of one CPU)",
        total as f64 / 1e6,
        total as f64 / 1e4 / elapsed
    );
    pool.shutdown()?;
    check(
        total as f64 / 1e6 <= 0.5 * elapsed,
        "the pool shares one quota",
    )
}

// 8 ---------------------------------------------------------------------

/// The `notify-child` subcommand: a `Type=notify` service that reports its
/// progress with `STATUS=` and then `READY=1`, and idles until stopped.
fn notify_child() -> ExitCode {
    use sdbus::daemon::Notify;
    let steps = ["reading the configuration", "warming the caches"];
    for status in steps {
        if Notify::new().status(status).send().is_err() {
            return ExitCode::FAILURE;
        }
        std::thread::sleep(Duration::from_millis(400));
    }
    if Notify::new()
        .ready()
        .status("ready to serve")
        .send()
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn notify_service(bus: &Bus) -> StepResult {
    let exe = std::env::current_exe()?;
    let exe = exe.to_str().ok_or("a UTF-8 path")?.to_owned();
    let mut unit = Run::new([exe.as_str(), "notify-child"])
        .bus(bus)
        .service_type(ServiceType::Notify)
        .description("the tour's notify-aware service")
        .start()?;
    let name = unit.name().to_owned();
    let _stopper = Stopper::new(bus, &name);
    println!("started {name} (Type=notify): `tour notify-child`");
    let service = Manager::new(bus).service(&name)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = (String::new(), String::new());
    let mut seen_status = false;
    loop {
        let state = service.active_state()?.to_string();
        let status = service.status_text()?;
        if (&state, &status) != (&last.0, &last.1) {
            println!("  {state:<11} StatusText={status:?}");
            seen_status |= !status.is_empty() && state == "activating";
            last = (state.clone(), status);
        }
        if state == "active" || state == "failed" || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result = unit.wait_for_activation()?;
    println!("start job: {result:?}; the unit is {}", last.0);
    check(last.0 == "active", "READY=1 made the unit active")?;
    check(seen_status, "STATUS= was seen while activating")?;
    Ok(())
}
