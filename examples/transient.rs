//! Transient units with `sdbus::transient::Run`, the walk-through of the
//! seed (pystemd's `run`):
//!
//! 1. `sleep infinity` as a transient service: its main PID and processes
//!    (`GetUnitProcesses`), then stopped;
//! 2. `/usr/bin/env` with `FOO=bar`, its output on this terminal;
//! 3. a busy loop capped at 20% of a CPU, its use measured.
//!
//! It talks to the system manager, or with `--user` to the user's. Inside
//! the project's sandbox both are its private manager:
//! `cargo build --example transient && sandbox/run target/debug/examples/transient`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use sdbus::transient::{Run, ServiceType, Stdio};
use sdbus::Bus;

fn main() -> ExitCode {
    let user = std::env::args().any(|arg| arg == "--user");
    let bus = if user {
        Bus::open_user()
    } else {
        Bus::open_system()
    };
    match bus.and_then(|bus| walk_through(&bus)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("transient: {err}");
            ExitCode::FAILURE
        }
    }
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn walk_through(bus: &Bus) -> sdbus::Result<()> {
    heading("sleep infinity, as a transient service");
    let mut sleeper = Run::new(["/bin/sleep", "infinity"])
        .bus(bus)
        .description("sdbus example: sleep infinity")
        // Started once `sleep` is executed, so its processes show it.
        .service_type(ServiceType::Exec)
        .start()?;
    sleeper.wait_for_activation()?;
    {
        let unit = sleeper.unit()?;
        println!("{} is {}", unit.name(), unit.active_state()?);
        println!("MainPID: {}", unit.clone().service()?.main_pid()?);
        for process in unit.get_processes()? {
            println!(
                "process {} in {}: {}",
                process.pid, process.cgroup, process.cmdline
            );
        }
    }
    sleeper.stop()?;
    println!("stopped:\n{}", sleeper.wait()?);

    heading("/usr/bin/env with FOO=bar, on this terminal");
    let outcome = Run::new(["/usr/bin/env"])
        .bus(bus)
        .env("FOO", "bar")
        .stdout(Stdio::Inherit)
        .start()?
        .wait()?;
    println!("{outcome}");

    heading("a busy loop capped at 20% CPU");
    let mut busy = Run::new(["/bin/sh", "-c", "while :; do :; done"])
        .bus(bus)
        .property("CPUQuota=20%")
        .property("CPUAccounting=yes")
        .runtime_max(Duration::from_secs(3))
        .start()?;
    busy.wait_for_activation()?;
    let pid = busy.unit()?.service()?.main_pid()?;
    let (cpu0, t0) = (cpu_time(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    let (cpu1, t1) = (cpu_time(pid), Instant::now());
    if let (Some(cpu0), Some(cpu1)) = (cpu0, cpu1) {
        let share = cpu1.saturating_sub(cpu0).as_secs_f64() / (t1 - t0).as_secs_f64();
        println!(
            "pid {pid} used {:.0}% of a CPU over {:.1}s",
            share * 100.0,
            (t1 - t0).as_secs_f64()
        );
    }
    println!("ended by RuntimeMaxSec=3s:\n{}", busy.wait()?);
    Ok(())
}

/// The CPU time (user and system) process `pid` used so far, from
/// `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses), utime and stime are the
    // 12th and 13th fields.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    Some(Duration::from_millis(ticks * 1000 / hz.max(1)))
}
