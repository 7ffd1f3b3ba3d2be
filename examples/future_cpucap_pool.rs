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

use std::error::Error;
use std::time::{Duration, Instant};

use sdbus::futures::Options;
use sdbus::systemd1::Manager;
use sdbus::{Bus, ManagerScope};

mod cpucap;

use cpucap::{fib, CpuMeter};

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
