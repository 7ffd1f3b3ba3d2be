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

use std::error::Error;
use std::time::{Duration, Instant};

use sdbus::futures::Options;

mod cpucap;

use cpucap::{fib, CpuMeter};

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
