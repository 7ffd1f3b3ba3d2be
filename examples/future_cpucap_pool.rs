//! A pool of CPU-hungry closures sharing one transient unit capped by
//! `CPUQuota=`, as pystemd's `examples/future_cpucap_pool.py`: all the
//! workers live in the same unit, so they share its quota; while they run,
//! the unit's CPU usage is printed once a second.
//!
//! ```sh
//! sandbox/run cargo run --example future_cpucap_pool              # 4 workers, 8 tasks, 50%
//! sandbox/run cargo run --example future_cpucap_pool -- 10 20 25  # 10 workers, 20 tasks, 25%
//! ```
//!
//! As root it uses the system manager, otherwise the user's (inside the
//! sandbox both are its private manager).

use std::collections::HashMap;
use std::error::Error;
use std::time::{Duration, Instant};

use sdbus::futures::Options;
use sdbus::systemd1::{Manager, Unit, SERVICE_INTERFACE};
use sdbus::{Bus, ManagerScope};

/// Naive Fibonacci: plenty of CPU for a small argument.
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u32>());
    let workers = args.next().unwrap_or(Ok(4))?;
    let tasks = args.next().unwrap_or(Ok(8))?;
    let quota = args.next().unwrap_or(Ok(50))?;

    // SAFETY: geteuid cannot fail.
    let scope = if unsafe { libc::geteuid() } == 0 {
        ManagerScope::System
    } else {
        ManagerScope::User
    };
    let options = Options::new()
        .manager(scope)
        .parse(&format!("CPUQuota={quota}%"))?
        .parse("CPUAccounting=yes")?;
    let pool = options.pool(workers as usize)?;
    println!(
        "{tasks} tasks, {workers} workers in {} with CPUQuota={quota}%",
        pool.unit_name()
    );
    let handles: Vec<_> = (0..tasks)
        .map(|i| pool.submit(move || (i, fib(std::hint::black_box(36)))))
        .collect();

    let bus = match scope {
        ManagerScope::System => Bus::open_system()?,
        ManagerScope::User => Bus::open_user()?,
    };
    let manager = Manager::new(&bus);
    let unit = manager.unit(pool.unit_name())?;
    let mut meter = CpuMeter::default();
    let start = Instant::now();
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(Duration::from_secs(1));
        let (running, queued) = pool.load();
        if let Some((usage, source)) = meter.usage(&unit) {
            let elapsed = start.elapsed().as_secs_f64();
            println!(
                "{elapsed:5.1} s: {running} running, {queued} queued; the unit used {:.2} s of CPU ({:.0}% of one CPU; from {source})",
                usage.as_secs_f64(),
                100.0 * usage.as_secs_f64() / elapsed
            );
        }
    }
    for handle in handles {
        let (i, value) = handle.join()?;
        println!("task {i}: fib(36) = {value}");
    }
    pool.shutdown()?;
    Ok(())
}

/// The unit's CPU time: its `CPUUsageNSec`, or, where the manager has none
/// (cgroup v1 with `cpuacct` mounted apart from `cpu`, as in the sandbox),
/// the CPU time of the unit's processes read from `/proc`, each counted
/// with the last value seen, so that workers that ended still count (up
/// to their last second).
#[derive(Default)]
struct CpuMeter {
    /// Clock ticks of every process seen in the unit.
    seen: HashMap<u32, u64>,
}

impl CpuMeter {
    fn usage(&mut self, unit: &Unit<'_>) -> Option<(Duration, &'static str)> {
        let nsec: u64 = unit.get_property(SERVICE_INTERFACE, "CPUUsageNSec").ok()?;
        if nsec != u64::MAX {
            return Some((Duration::from_nanos(nsec), "CPUUsageNSec"));
        }
        for process in unit.get_processes().ok()? {
            if let Some(ticks) = process_ticks(process.pid) {
                let seen = self.seen.entry(process.pid).or_default();
                *seen = ticks.max(*seen);
            }
        }
        // SAFETY: sysconf has no preconditions.
        let per_sec = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
        let ticks: u64 = self.seen.values().sum();
        let usage = Duration::from_nanos(ticks * 1_000_000_000 / per_sec.max(1));
        Some((usage, "its processes in /proc"))
    }
}

/// A process's user and system time in clock ticks, from `/proc/PID/stat`.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // utime and stime are the 14th and 15th fields; the 2nd, the command
    // name in parentheses, may contain spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    Some(fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?)
}
