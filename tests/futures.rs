//! `sdbus::futures` against the sandbox's manager: closures run in
//! transient units, their values, limits, sandboxing and failures, and a
//! pool sharing one unit.
//!
//! The tests run in parallel threads of one process, so every `fork` here
//! happens in a multi-threaded caller; `fork_with_busy_threads` adds
//! threads that allocate, print and read the environment all the time.
//!
//! CPU is measured by the workers themselves (`getrusage` of the worker
//! over its wall time): the sandbox's cgroup v1 has `cpuacct` apart from
//! `cpu`, so the manager has no `CPUUsageNSec` for the unit there.

use std::collections::HashMap;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sdbus::futures::{self, FutureError, Options, UnitPool, UnitProcess};
use sdbus::systemd1::{ActiveState, JobResult};
use sdbus::transient::UnitProperty;
use sdbus::{BusErrorKind, Error, InvalidKind};

/// Options on the default manager, inside the sandbox only: as root
/// outside it, they would start units on the host's manager.
fn options() -> Options {
    assert_eq!(
        std::env::var("SDBUS_SANDBOX").as_deref(),
        Ok("1"),
        "run the tests inside the sandbox: sandbox/run cargo test --test futures"
    );
    Options::new()
}

/// Options with the properties of unit-file assignments.
fn with(assignments: &[&str]) -> Options {
    assignments.iter().fold(options(), |options, assignment| {
        options.parse(assignment).expect("a valid assignment")
    })
}

/// This process's CPU time (user and system) in microseconds.
fn cpu_usec() -> u64 {
    // SAFETY: `usage` is a valid out pointer; RUSAGE_SELF always exists.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let usec = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    usec(usage.ru_utime) + usec(usage.ru_stime)
}

/// Spins for `wall` of wall time; returns the CPU time and wall time
/// spent, in microseconds. In a worker, `getrusage` counts the worker
/// alone: usage starts at zero after `fork`.
fn spin(wall: Duration) -> (u64, u64) {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < wall {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    (cpu_usec(), start.elapsed().as_micros() as u64)
}

/// The worker's own control group lines.
fn own_cgroup() -> String {
    std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default()
}

#[test]
fn a_struct_like_tuple_comes_back_intact() {
    let sent = (
        "text with ünïcode".to_owned(),
        42u32,
        -7i64,
        vec!["a".to_owned(), "b".to_owned()],
        (true, 2.5f64),
        HashMap::from([("k".to_owned(), 1u8)]),
    );
    let expected = sent.clone();
    let borrowed = &sent;
    // The closure borrows the caller's data: it runs on a copy of it.
    let got = options()
        .run(|| borrowed.clone())
        .expect("the closure's value");
    assert_eq!(got, expected);
}

#[test]
fn the_worker_runs_in_the_unit() {
    let process = options()
        .spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            own_cgroup()
        })
        .expect("spawn");
    assert!(process.is_alive());
    let unit = process.unit().expect("the unit");
    assert_eq!(unit.active_state().expect("its state"), ActiveState::Active);
    let pids: Vec<u32> = unit
        .get_processes()
        .expect("its processes")
        .iter()
        .map(|p| p.pid)
        .collect();
    assert!(
        pids.contains(&process.pid()),
        "{pids:?} lacks {}",
        process.pid()
    );
    drop(unit);
    let name = process.unit_name().to_owned();
    let cgroup = process.join().expect("the cgroup");
    assert!(cgroup.contains(&format!("/{name}")), "{cgroup}");
}

#[test]
fn user_nobody_is_the_closures_user() {
    let ids = with(&["User=nobody"])
        .run(|| {
            // SAFETY: these getters cannot fail; getgroups gets a buffer
            // of the size it is told.
            unsafe {
                let mut groups = [0 as libc::gid_t; 32];
                let n = libc::getgroups(32, groups.as_mut_ptr());
                let groups = groups[..n.max(0) as usize].to_vec();
                (
                    libc::getuid(),
                    libc::geteuid(),
                    libc::getgid(),
                    libc::getegid(),
                    groups,
                )
            }
        })
        .expect("the ids");
    assert_eq!(ids, (65534, 65534, 65534, 65534, vec![65534]));
}

#[test]
fn private_network_shows_only_lo() {
    let names = with(&["PrivateNetwork=yes"])
        .run(|| {
            let mut names = Vec::new();
            // SAFETY: if_nameindex returns an array ended by a zero index,
            // freed with if_freenameindex; its names are C strings.
            unsafe {
                let list = libc::if_nameindex();
                if !list.is_null() {
                    let mut entry = list;
                    while (*entry).if_index != 0 {
                        names.push(
                            CStr::from_ptr((*entry).if_name)
                                .to_string_lossy()
                                .into_owned(),
                        );
                        entry = entry.add(1);
                    }
                    libc::if_freenameindex(list);
                }
            }
            names
        })
        .expect("the interfaces");
    assert_eq!(names, ["lo"]);
}

#[test]
fn cpu_quota_caps_a_busy_loop() {
    let (cpu, wall) = with(&["CPUQuota=20%"])
        .run(|| spin(Duration::from_secs(2)))
        .expect("the usage");
    let share = cpu as f64 / wall as f64;
    println!(
        "CPUQuota=20%: {cpu} µs of CPU in {wall} µs: {:.1}%",
        share * 100.0
    );
    assert!(share <= 0.30, "{:.1}% of a CPU", share * 100.0);
    assert!(share > 0.05, "the loop hardly ran: {:.1}%", share * 100.0);
}

#[test]
fn memory_max_kills_the_worker_and_the_caller_survives() {
    // On cgroup v1 (the sandbox), systemd applies MemoryMax= as the
    // memory controller's limit_in_bytes.
    let outcome = with(&["MemoryMax=50M"]).run(|| {
        let mut hog = vec![0u8; 200 << 20];
        for byte in hog.iter_mut().step_by(4096) {
            *byte = 1;
        }
        hog.iter().map(|&b| u64::from(b)).sum::<u64>()
    });
    assert_eq!(
        outcome,
        Err(FutureError::Killed {
            signal: libc::SIGKILL,
            core_dumped: false
        })
    );
    assert_eq!(options().run(|| 1u8), Ok(1));
}

#[test]
fn stopping_the_unit_mid_run_is_reported_by_join() {
    let process = options()
        .spawn(|| {
            std::thread::sleep(Duration::from_secs(60));
            0u32
        })
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(200));
    assert!(process.is_alive());
    let started = Instant::now();
    process.stop().expect("stop the unit");
    assert!(!process.is_alive());
    assert_eq!(
        process.join(),
        Err(FutureError::Killed {
            signal: libc::SIGTERM,
            core_dumped: false
        })
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn kill_ends_the_worker_and_the_unit_goes_on_join() {
    let process = options()
        .spawn(|| {
            std::thread::sleep(Duration::from_secs(60));
            0u32
        })
        .expect("spawn");
    let name = process.unit_name().to_owned();
    process.kill().expect("kill");
    let bus = sdbus::Bus::open_system().expect("the bus");
    assert_eq!(
        process.join(),
        Err(FutureError::Killed {
            signal: libc::SIGKILL,
            core_dumped: false
        })
    );
    let manager = sdbus::systemd1::Manager::new(&bus);
    let state = manager.unit(&name).and_then(|unit| unit.active_state());
    assert!(
        matches!(state, Ok(ActiveState::Inactive)),
        "{name} after join: {state:?}"
    );
}

#[test]
fn a_panic_is_reported_with_its_message() {
    let outcome: Result<u32, _> = options().run(|| panic!("boom {}", 42));
    match outcome {
        Err(FutureError::Panicked { message, location }) => {
            assert_eq!(message, "boom 42");
            let location = location.expect("a location");
            assert!(location.starts_with("tests/futures.rs:"), "{location}");
        }
        other => panic!("not a panic: {other:?}"),
    }
}

#[test]
fn exiting_without_a_value_is_reported() {
    let outcome: Result<u32, _> = options().run(|| std::process::exit(3));
    assert_eq!(outcome, Err(FutureError::Exited { code: 3 }));
}

#[test]
fn a_pool_of_ten_shares_one_cpu_quota() {
    let pool = with(&["CPUQuota=25%"]).pool(10).expect("the pool");
    assert_eq!(pool.max_workers(), 10);
    let unit = pool.unit_name().to_owned();
    let start = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|_| pool.submit(|| (spin(Duration::from_secs(2)), own_cgroup())))
        .collect();
    let mut cpu = 0;
    for task in tasks {
        let ((task_cpu, _), cgroup) = task.join().expect("a task's usage");
        assert!(cgroup.contains(&format!("/{unit}")), "{cgroup}");
        cpu += task_cpu;
    }
    let wall = start.elapsed().as_micros() as u64;
    let share = cpu as f64 / wall as f64;
    println!(
        "10 workers, CPUQuota=25%: {cpu} µs of CPU in {wall} µs: {:.1}%",
        share * 100.0
    );
    assert!(share <= 0.30, "{:.1}% of a CPU", share * 100.0);
    pool.shutdown().expect("shutdown");
    let bus = sdbus::Bus::open_system().expect("the bus");
    let manager = sdbus::systemd1::Manager::new(&bus);
    let state = manager.unit(&unit).and_then(|unit| unit.active_state());
    assert!(
        matches!(state, Ok(ActiveState::Inactive)),
        "{unit}: {state:?}"
    );
}

#[test]
fn a_pool_runs_more_tasks_than_workers_and_each_gets_its_value() {
    let pool = options().pool(3).expect("the pool");
    let tasks: Vec<_> = (0..12u64)
        .map(|i| {
            pool.submit(move || {
                std::thread::sleep(Duration::from_millis(50));
                // SAFETY: getpid cannot fail.
                (i * i, unsafe { libc::getpid() } as u32)
            })
        })
        .collect();
    let mut pids = Vec::new();
    for (i, task) in (0..12u64).zip(tasks) {
        let (square, pid) = task.join().expect("a value");
        assert_eq!(square, i * i);
        pids.push(pid);
    }
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 12, "one worker per task");
    let failing = pool.submit(|| -> u8 { panic!("task failed") });
    assert!(matches!(
        failing.join(),
        Err(FutureError::Panicked { message, .. }) if message == "task failed"
    ));
    drop(pool); // a graceful shutdown
}

#[test]
fn terminating_a_pool_kills_running_tasks_and_cancels_queued_ones() {
    let pool = options().pool(1).expect("the pool");
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            pool.submit(|| {
                std::thread::sleep(Duration::from_secs(60));
                0u8
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while tasks[0].pid().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(tasks[0].pid().is_some(), "the first task never started");
    assert_eq!(pool.load(), (1, 2));
    pool.terminate().expect("terminate");
    let outcomes: Vec<_> = tasks.into_iter().map(|t| t.join()).collect();
    assert_eq!(
        outcomes,
        [
            Err(FutureError::Killed {
                signal: libc::SIGTERM,
                core_dumped: false
            }),
            Err(FutureError::Cancelled),
            Err(FutureError::Cancelled),
        ]
    );
}

#[test]
fn a_pool_task_can_be_killed() {
    let pool = options().pool(2).expect("the pool");
    let task = pool.submit(|| {
        std::thread::sleep(Duration::from_secs(60));
        0u8
    });
    let quick = pool.submit(|| 7u8);
    assert_eq!(quick.join(), Ok(7));
    while task.pid().is_none() {
        std::thread::sleep(Duration::from_millis(10));
    }
    task.kill().expect("kill");
    assert!(matches!(
        task.join(),
        Err(FutureError::Killed {
            signal: libc::SIGKILL,
            ..
        })
    ));
    pool.shutdown().expect("shutdown");
}

#[test]
fn a_property_the_manager_refuses_is_unit_failed() {
    let bogus = UnitProperty::new_raw("NoSuchSetting", 1u32).expect("a valid name");
    let outcome = options().property(bogus).run(|| 0u8);
    match outcome {
        Err(FutureError::UnitFailed { unit, error }) => {
            assert!(unit.starts_with("sdbus-run-"), "{unit}");
            assert_eq!(
                error.bus_error_kind(),
                Some(BusErrorKind::PropertyReadOnly),
                "{error}"
            );
        }
        other => panic!("not a refusal: {other:?}"),
    }
}

#[test]
fn a_unit_that_cannot_start_is_start_failed() {
    let outcome = with(&["User=no-such-user-sdbus"]).run(|| 0u8);
    match outcome {
        Err(FutureError::StartFailed {
            result,
            service_result,
            ..
        }) => {
            assert_eq!(result, JobResult::Failed);
            assert_eq!(service_result, "exit-code");
        }
        other => panic!("not a start failure: {other:?}"),
    }
}

#[test]
fn properties_the_placeholder_needs_are_refused() {
    let outcome = with(&["ExecStart=/bin/true"]).run(|| 0u8);
    assert!(
        matches!(
            outcome,
            Err(FutureError::Sdbus(Error::Invalid {
                kind: InvalidKind::Property,
                ref value,
                ..
            })) if value == "ExecStart"
        ),
        "{outcome:?}"
    );
    let outcome = options().pool(0).map(drop);
    assert!(matches!(
        outcome,
        Err(FutureError::Sdbus(Error::Invalid { .. }))
    ));
}

#[test]
fn fork_with_busy_threads() {
    // Threads that keep taking the allocator's, stderr's and the
    // environment's locks while workers are forked.
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..3)
        .map(|i| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let text = format!("{i}:{n}").repeat(64);
                    let _ = std::env::var("PATH");
                    if n % 1000 == 0 {
                        eprint!("{}", &text[..0]);
                    }
                    n = n.wrapping_add(text.len() as u64);
                }
            })
        })
        .collect();
    let options = options();
    for round in 0..20u32 {
        let value = options
            .run(move || {
                let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
                (round, words.join(",").len() as u64)
            })
            .expect("a worker forked among busy threads");
        assert_eq!(value.0, round);
    }
    let process: UnitProcess<u32> = options.spawn(|| 5).expect("spawn");
    assert_eq!(process.join(), Ok(5));
    let pool = UnitPool::new([], 4).expect("the pool");
    let tasks: Vec<_> = (0..8u32).map(|i| pool.submit(move || i + 1)).collect();
    let sum: u32 = tasks.into_iter().map(|t| t.join().expect("a value")).sum();
    assert_eq!(sum, 36);
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().expect("a busy thread");
    }
}

#[test]
fn run_free_function_takes_properties() {
    let quota = UnitProperty::parse("CPUQuota=50%").expect("valid");
    assert_eq!(futures::run(quota, || "ok".to_owned()), Ok("ok".to_owned()));
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<UnitPool>();
    send::<sdbus::futures::PoolTask<u32>>();
    send::<UnitProcess<String>>();
    send_sync::<FutureError>();
}
