//! What the two `future_cpucap_*` examples share: a CPU-hungry function
//! and a meter of a unit's CPU time.

use std::collections::HashMap;
use std::time::Duration;

use sdbus::systemd1::{Unit, SERVICE_INTERFACE};

/// Naive Fibonacci: plenty of CPU for a small argument.
pub fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

/// The unit's CPU time: its `CPUUsageNSec`, or, where the manager has none
/// (cgroup v1 with `cpuacct` mounted apart from `cpu`, as in the sandbox),
/// the CPU time of the unit's processes read from `/proc`, each counted
/// with the last value seen, so that workers that ended still count (up
/// to their last second).
#[derive(Default)]
pub struct CpuMeter {
    /// Clock ticks of every process seen in the unit.
    seen: HashMap<u32, u64>,
}

impl CpuMeter {
    pub fn usage(&mut self, unit: &Unit<'_>) -> Option<(Duration, &'static str)> {
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
