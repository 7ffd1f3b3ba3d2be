//! A tiny notify-aware daemon: it reports its progress through `STATUS=`
//! while it starts ("procrastinating"), says `READY=1`, pings the watchdog
//! if the unit has one, and says `STOPPING=1` before it exits.
//!
//! Run it as a `Type=notify` service and watch the manager follow along:
//!
//! ```sh
//! cargo build --example notify_daemon
//! systemd-run --user --unit=procrastinator -p Type=notify -p WatchdogSec=2s \
//!     "$PWD/target/debug/examples/notify_daemon" 5
//! systemctl --user status procrastinator  # activating, "procrastinating (2 of 5)"…
//! ```
//!
//! `systemd-run` returns once the daemon is ready. On a machine without
//! systemd, run the commands inside the project's sandbox:
//! `sandbox/run sh -c '…'`. Started from a shell, the daemon runs the same
//! way and says that nobody was listening.

use std::process::ExitCode;
use std::time::Duration;

use sdbus::daemon::{Notify, Watchdog};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("notify_daemon: {err}");
            // Tell the manager why, if it listens (best effort: we are failing anyway).
            let failed = Notify::new().status(format!("failed: {err}"));
            let _ = match err.errno() {
                Some(errno) => failed.errno(errno).send(),
                None => failed.send(),
            };
            ExitCode::FAILURE
        }
    }
}

fn run() -> sdbus::Result<()> {
    let steps: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| sdbus::Error::Invalid {
            kind: sdbus::InvalidKind::Argument,
            value: arg,
            reason: "the number of start-up steps is a whole number",
        })?,
        None => 3,
    };

    // The watchdog runs from the start: ping it while starting, too.
    let pinger = Watchdog::from_env()?.map(Watchdog::spawn).transpose()?;

    // `send` returns whether a notification socket exists: outside systemd
    // (or without Type=notify) there is none, which is not an error.
    let supervised = Notify::new().status("waking up").send()?;
    if !supervised {
        println!("no service manager is listening; carrying on anyway");
    }

    for step in 1..=steps {
        let status = format!("procrastinating ({step} of {steps})");
        println!("{status}");
        Notify::new().status(&status).send()?;
        std::thread::sleep(Duration::from_secs(1));
    }

    Notify::new()
        .ready()
        .status("ready; doing nothing in particular")
        .send()?;
    println!("ready");
    std::thread::sleep(Duration::from_secs(u64::from(steps)));

    Notify::new()
        .stopping()
        .status("going back to bed")
        .send()?;
    println!("stopping");
    if let Some(pinger) = pinger {
        pinger.stop()?;
    }
    Ok(())
}
