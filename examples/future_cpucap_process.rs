//! A CPU-hungry closure in a transient unit capped by `CPUQuota=`, as
//! pystemd's `examples/future_cpucap_process.py`: while it runs, the unit's
//! CPU usage is printed once a second, growing at the quota's pace.
//!
//! ```sh
//! sandbox/run cargo run --example future_cpucap_process            # 25%
//! sandbox/run cargo run --example future_cpucap_process -- 50      # 50%
//! ```
//!
//! As root it uses the system manager, otherwise the user's (inside the
//! sandbox both are its private manager).

use std::collections::HashMap;
use std::error::Error;
use std::time::{Duration, Instant};

use sdbus::futures::Options;
use sdbus::systemd1::{Unit, SERVICE_INTERFACE};

/// Naive Fibonacci: plenty of CPU for a small argument.
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let quota: u32 = std::env::args().nth(1).map_or(Ok(25), |q| q.parse())?;
    let options = Options::new()
        .parse(&format!("CPUQuota={quota}%"))?
        .parse("CPUAccounting=yes")?;
    let process = options.spawn(|| {
        let start = Instant::now();
        let value = fib(std::hint::black_box(40));
        (value, start.elapsed().as_millis() as u64)
    })?;
    println!(
        "fib(40) runs as pid {} in {} with CPUQuota={quota}%",
        process.pid(),
        process.unit_name()
    );
    let unit = process.unit()?;
    let mut meter = CpuMeter::default();
    let start = Instant::now();
    while process.is_alive() {
        std::thread::sleep(Duration::from_secs(1));
        if let Some((usage, source)) = meter.usage(&unit) {
            let elapsed = start.elapsed().as_secs_f64();
            println!(
                "{elapsed:5.1} s: the unit used {:.2} s of CPU ({:.0}% of one CPU; from {source})",
                usage.as_secs_f64(),
                100.0 * usage.as_secs_f64() / elapsed
            );
        }
    }
    drop(unit);
    let (value, millis) = process.join()?;
    println!("fib(40) = {value}, in {:.1} s", millis as f64 / 1000.0);
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
