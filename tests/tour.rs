//! The main demo, `examples/tour.rs`, run end to end against the sandbox's
//! manager: it must pass every step, print each heading and the key
//! results, and finish in under a minute.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The tour example's binary, built once.
fn tour() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| common::example_binary("tour"))
}

#[test]
fn the_tour_passes_every_step() {
    let tour = tour();
    let start = Instant::now();
    let output = Command::new(tour).output().expect("run the tour");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the tour failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        elapsed < Duration::from_secs(60),
        "the tour took {elapsed:?}"
    );

    for expected in [
        "== 1. Peers on the bus",
        "== 2. The object tree of org.freedesktop.systemd1 ==",
        "== 3. Introspecting a unit: myfirstservice.service ==",
        "== 4. MainPID, Restart and its job ==",
        "== 5. Processes and their units ==",
        "== 6. Transient units ==",
        "== 7. Rust code in units ==",
        "== 8. A notify-aware service ==",
        // Step 1: systemd is among the peers.
        "org.freedesktop.systemd1",
        // Step 2: units live under unit/.
        "/org/freedesktop/systemd1/unit/",
        // Step 3: the unit's interfaces, a method and a property.
        "org.freedesktop.systemd1.Service",
        ".Restart ",
        ".MainPID ",
        // Step 4: the job awaited.
        "/org/freedesktop/systemd1/job/",
        "ended: Done",
        // Step 5.
        "path_decode -> ",
        "(Delegate=yes)",
        // Step 6: env's output reached the terminal.
        "FOO=bar",
        "CPUQuota=10%",
        // Step 7.
        "ran as uid 65534",
        "sharing CPUQuota=30%",
        // Step 8: STATUS= and READY=1.
        "StatusText=\"warming the caches\"",
        "active      StatusText=\"ready to serve\"",
        "all steps passed",
    ] {
        assert!(
            stdout.contains(expected),
            "the tour's output lacks {expected:?}:\n{stdout}"
        );
    }
    assert!(!stdout.contains("step failed"), "{stdout}");

    // Every unit the tour created is stopped: the ones it named in its
    // output (other tests sharing the sandbox may run units of their own).
    let created: Vec<&str> = stdout
        .split(|c: char| c.is_whitespace() || c == ':' || c == '(' || c == ')')
        .filter(|word| {
            word.ends_with(".service")
                && (word.starts_with("sdbus-run-")
                    || word.starts_with("sdbus-pool-")
                    || *word == "myfirstservice.service")
        })
        .collect();
    assert!(created.len() >= 5, "the tour named its units: {created:?}");
    let bus = sdbus::Bus::open_system().expect("the system bus");
    let manager = sdbus::systemd1::Manager::new(&bus);
    let units = manager.list_units().expect("ListUnits");
    let left: Vec<_> = units
        .iter()
        .filter(|u| created.contains(&u.name.as_str()))
        .filter(|u| u.active_state.to_string() != "inactive")
        .map(|u| format!("{} ({})", u.name, u.active_state))
        .collect();
    assert!(left.is_empty(), "units left behind: {left:?}");
}
