//! `sdbus` side by side with raw C sd-bus and zbus, on the same bus, in one
//! process. Run it inside the sandbox with `scripts/bench` (which runs
//! `sandbox/run cargo bench --bench calls`).
//!
//! Three passes, in this order:
//! 1. **The ratio table**: every workload for a fixed count of operations,
//!    the three clients interleaved (their order rotating), in `ROUNDS`
//!    rounds; wall time and CPU time (`getrusage`: the thread's for C and
//!    sdbus, the process's for zbus, so that its runtime threads count)
//!    around each timed loop; medians over rounds. Printed as Markdown.
//! 2. **Criterion**: wall time per operation of each workload and client,
//!    with short warm-up and measurement times (criterion's command-line
//!    arguments, such as a filter, apply to this pass only).
//! 3. **The fleet**: transient services created until `N` are loaded, then
//!    `ListUnits` + `GetAll` of every unit, for each `N`.
//!
//! Environment knobs: `SDBUS_BENCH_ROUNDS` (5), `SDBUS_BENCH_SCALE` (1.0,
//! multiplies the counts of pass 1), `SDBUS_BENCH_TABLE=0` and
//! `SDBUS_BENCH_CRITERION=0` (skip a pass), `SDBUS_BENCH_FLEET` (the sizes,
//! `1000`; `0` skips), `SDBUS_BENCH_FLEET_ROUNDS` (3), `SDBUS_BENCH_OUT` (a
//! file that receives the tables too).
//!
//! Without `--bench` (`cargo test --benches`) every workload runs once per
//! client, as a check.

#[path = "calls/clients.rs"]
mod clients;

use std::ffi::CString;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};

use clients::{
    Client, Kind, Res, Workload, GET_ALL_UNIT, MANAGER, MANAGER_PATH, PIPELINE, SYSTEMD,
};

/// The connections: the three clients on the bus, and on the manager's
/// private socket.
struct Clients {
    c: Client,
    sdbus: Client,
    zbus: Client,
    c_direct: Client,
    sdbus_direct: Client,
    /// zbus on the private socket, if it can read the manager's replies
    /// there (else why not).
    zbus_direct: Result<Client, String>,
}

impl Clients {
    fn open() -> Res<Clients> {
        let bus = sdbus::Bus::open_user()?;
        let unit_path: sdbus::names::ObjectPath = bus
            .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &(GET_ALL_UNIT,))?
            .read()?;
        let unit_path = unit_path.as_str();
        Ok(Clients {
            c: Client::open(Kind::C, false, unit_path)?,
            sdbus: Client::open(Kind::Sdbus, false, unit_path)?,
            zbus: Client::open(Kind::Zbus, false, unit_path)?,
            c_direct: Client::open(Kind::C, true, unit_path)?,
            sdbus_direct: Client::open(Kind::Sdbus, true, unit_path)?,
            zbus_direct: Client::open(Kind::Zbus, true, unit_path)
                .and_then(|mut client| {
                    client.run(Workload::GetVersionDirect, 1)?;
                    Ok(client)
                })
                .map_err(|e| e.to_string()),
        })
    }

    /// The client of `kind` for `workload`, if it runs it.
    fn get(&mut self, workload: Workload, kind: Kind) -> Option<&mut Client> {
        match (workload, kind) {
            (Workload::GetVersionDirect, Kind::C) => Some(&mut self.c_direct),
            (Workload::GetVersionDirect, Kind::Sdbus) => Some(&mut self.sdbus_direct),
            (Workload::GetVersionDirect, Kind::Zbus) => self.zbus_direct.as_mut().ok(),
            // zbus has no transient-unit API to compare.
            (Workload::RunWait, Kind::Zbus) => None,
            (_, Kind::C) => Some(&mut self.c),
            (_, Kind::Sdbus) => Some(&mut self.sdbus),
            (_, Kind::Zbus) => Some(&mut self.zbus),
        }
    }
}

const KINDS: [Kind; 3] = [Kind::C, Kind::Sdbus, Kind::Zbus];

/// CPU time used so far, user and system: by the calling thread (`C` and
/// `sdbus` do all their work on it) or, for zbus, by the whole process, whose
/// runtime threads do part of its work. A thread's count leaves out what
/// other threads do meanwhile, such as zbus's helper thread tending its idle
/// connection while the other clients run.
fn cpu_time(kind: Kind) -> Duration {
    let who = match kind {
        Kind::C | Kind::Sdbus => libc::RUSAGE_THREAD,
        Kind::Zbus => libc::RUSAGE_SELF,
    };
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// One timed run: `n` operations, wall and CPU seconds.
#[derive(Clone, Copy)]
struct Run {
    n: u64,
    wall: f64,
    cpu: f64,
}

impl Run {
    fn ops_per_sec(self) -> f64 {
        self.n as f64 / self.wall
    }

    fn cpu_us_per_op(self) -> f64 {
        self.cpu * 1e6 / self.n as f64
    }
}

fn measure(client: &mut Client, workload: Workload, n: u64) -> Res<Run> {
    let kind = client.kind();
    client.drain()?;
    let (wall0, cpu0) = (Instant::now(), cpu_time(kind));
    client.run(workload, n)?;
    let (wall, cpu) = (wall0.elapsed(), cpu_time(kind) - cpu0);
    Ok(Run {
        n,
        wall: wall.as_secs_f64(),
        cpu: cpu.as_secs_f64(),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs every workload once per client and checks that they agree.
fn check_agreement(clients: &mut Clients) -> Res<()> {
    for workload in Workload::ALL {
        let mut seen: Vec<(Kind, u64)> = Vec::new();
        for kind in KINDS {
            let Some(client) = clients.get(workload, kind) else {
                continue;
            };
            let n = if workload == Workload::PipelinedGet {
                PIPELINE
            } else {
                1
            };
            let check = client
                .run(workload, n)
                .map_err(|e| format!("{} {kind}: {e}", workload.id()))?;
            seen.push((kind, check));
        }
        if seen.windows(2).any(|w| w[0].1 != w[1].1) {
            return Err(format!("{}: the clients disagree: {seen:?}", workload.id()).into());
        }
        println!("check {:<20} ok {seen:?}", workload.id());
    }
    Ok(())
}

/// Pass 1: the fixed-count, interleaved rounds and the ratio table.
fn table_pass(clients: &mut Clients, rounds: usize, scale: f64) -> Res<String> {
    let mut runs: Vec<(Workload, Kind, usize, Run)> = Vec::new();
    let count = |w: Workload| {
        let n = ((w.count() as f64 * scale) as u64).max(1);
        if w == Workload::PipelinedGet {
            n.div_ceil(PIPELINE).max(1) * PIPELINE
        } else {
            n
        }
    };
    // `systemd-run --user [--wait] /bin/true`: runs per second, per round.
    let mut systemd_run: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    // Warm up every client and workload (caches, allocator, the daemons).
    for workload in Workload::ALL {
        for kind in KINDS {
            if let Some(client) = clients.get(workload, kind) {
                client.run(workload, count(workload).div_ceil(10))?;
            }
        }
    }
    for round in 0..rounds {
        for workload in Workload::ALL {
            for k in 0..KINDS.len() {
                let kind = KINDS[(k + round) % KINDS.len()];
                let Some(client) = clients.get(workload, kind) else {
                    continue;
                };
                let run = measure(client, workload, count(workload))?;
                runs.push((workload, kind, round, run));
            }
        }
        for (i, wait) in [false, true].into_iter().enumerate() {
            let n = count(Workload::Transient).div_ceil(6);
            systemd_run[i].push(systemd_run_rate(n, wait)?);
        }
        eprintln!("table: round {} of {rounds} done", round + 1);
    }

    let find = |w: Workload, k: Kind, r: usize| {
        runs.iter()
            .find(|(rw, rk, rr, _)| *rw == w && *rk == k && *rr == r)
            .map(|run| run.3)
    };
    let ops = |w: Workload, k: Kind| {
        median(
            (0..rounds)
                .filter_map(|r| find(w, k, r))
                .map(Run::ops_per_sec)
                .collect(),
        )
    };
    let cpu = |w: Workload, k: Kind| {
        median(
            (0..rounds)
                .filter_map(|r| find(w, k, r))
                .map(Run::cpu_us_per_op)
                .collect(),
        )
    };
    // Medians of the per-round ratios: each pair ran back to back.
    let ratio = |w1: Workload, k1: Kind, w2: Workload, k2: Kind, f: fn(Run) -> f64| {
        median(
            (0..rounds)
                .filter_map(|r| Some(f(find(w1, k1, r)?) / f(find(w2, k2, r)?)))
                .collect(),
        )
    };
    let time_per_op = |run: Run| run.wall / run.n as f64;
    let cpu_per_op = |run: Run| run.cpu / run.n as f64;
    let rate = |run: Run| run.ops_per_sec();

    let mut out = String::new();
    let fmt_ops = |v: f64| {
        if v.is_nan() {
            "—".to_owned()
        } else if v >= 10_000.0 {
            format!("{:.1}k", v / 1000.0)
        } else {
            format!("{v:.0}")
        }
    };
    let fmt_ratio = |v: f64| {
        if v.is_nan() {
            "—".to_owned()
        } else {
            format!("{v:.3}")
        }
    };
    let fmt_us = |v: f64| {
        if v.is_nan() {
            "—".to_owned()
        } else {
            format!("{v:.1}")
        }
    };
    writeln!(
        out,
        "| workload | C ops/s | sdbus ops/s | zbus ops/s | sdbus/C time | sdbus/C CPU | zbus/C CPU |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    for w in Workload::ALL {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            w.title(),
            fmt_ops(ops(w, Kind::C)),
            fmt_ops(ops(w, Kind::Sdbus)),
            fmt_ops(ops(w, Kind::Zbus)),
            fmt_ratio(ratio(w, Kind::Sdbus, w, Kind::C, time_per_op)),
            fmt_ratio(ratio(w, Kind::Sdbus, w, Kind::C, cpu_per_op)),
            fmt_ratio(ratio(w, Kind::Zbus, w, Kind::C, cpu_per_op)),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "| client CPU µs/op | C | sdbus | zbus |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for w in Workload::ALL {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            w.title(),
            fmt_us(cpu(w, Kind::C)),
            fmt_us(cpu(w, Kind::Sdbus)),
            fmt_us(cpu(w, Kind::Zbus)),
        )?;
    }
    writeln!(out)?;
    let (get, piped, direct) = (
        Workload::GetVersion,
        Workload::PipelinedGet,
        Workload::GetVersionDirect,
    );
    writeln!(
        out,
        "- pipelining, `Get` ×{PIPELINE} in flight vs serial `Get`: sdbus {}×, C {}×, zbus {}× (target ≥ 3×); sdbus/zbus rate {}×",
        fmt_ratio(ratio(piped, Kind::Sdbus, get, Kind::Sdbus, rate)),
        fmt_ratio(ratio(piped, Kind::C, get, Kind::C, rate)),
        fmt_ratio(ratio(piped, Kind::Zbus, get, Kind::Zbus, rate)),
        fmt_ratio(ratio(piped, Kind::Sdbus, piped, Kind::Zbus, rate)),
    )?;
    let zbus_direct = match &clients.zbus_direct {
        Ok(_) => format!(
            "zbus {}×; sdbus/zbus rate on the socket {}×",
            fmt_ratio(ratio(direct, Kind::Zbus, get, Kind::Zbus, rate)),
            fmt_ratio(ratio(direct, Kind::Sdbus, direct, Kind::Zbus, rate)),
        ),
        Err(why) => format!(
            "zbus cannot use the socket (`p2p` connection, first call: {why}; the manager names itself `org.freedesktop.systemd1` as sender there, which zbus takes for a unique name)"
        ),
    };
    writeln!(
        out,
        "- manager's private socket vs the bus, `Get` `Version` rate: sdbus {}×, C {}× (target ≥ 1.8×); {zbus_direct}",
        fmt_ratio(ratio(direct, Kind::Sdbus, get, Kind::Sdbus, rate)),
        fmt_ratio(ratio(direct, Kind::C, get, Kind::C, rate)),
    )?;
    // Runs per second over `systemd-run`'s, `wait` saying which.
    let vs_systemd_run = |w: Workload, k: Kind, wait: bool| {
        median(
            (0..rounds)
                .filter_map(|r| {
                    Some(find(w, k, r)?.ops_per_sec() / systemd_run[usize::from(wait)].get(r)?)
                })
                .collect(),
        )
    };
    writeln!(
        out,
        "- transient, StartTransientUnit + JobRemoved vs spawning `systemd-run --user /bin/true` (which waits for the same job; {} runs/s): sdbus {}×, C {}×, zbus {}×",
        fmt_ops(median(systemd_run[0].clone())),
        fmt_ratio(vs_systemd_run(Workload::Transient, Kind::Sdbus, false)),
        fmt_ratio(vs_systemd_run(Workload::Transient, Kind::C, false)),
        fmt_ratio(vs_systemd_run(Workload::Transient, Kind::Zbus, false)),
    )?;
    writeln!(
        out,
        "- run and wait, `transient::Run` + `wait()` vs spawning `systemd-run --user --wait /bin/true` ({} runs/s): sdbus {}×, C (same protocol) {}× (target ≥ 3×; sdbus/C time ≤ 1.05 in the table)",
        fmt_ops(median(systemd_run[1].clone())),
        fmt_ratio(vs_systemd_run(Workload::RunWait, Kind::Sdbus, true)),
        fmt_ratio(vs_systemd_run(Workload::RunWait, Kind::C, true)),
    )?;
    writeln!(
        out,
        "- {rounds} interleaved rounds, medians; CPU per operation from getrusage: the calling thread's for C and sdbus, the whole process's for zbus (its runtime threads)"
    )?;
    Ok(out)
}

/// Spawns `systemd-run --user --quiet [--wait] /bin/true` `n` times;
/// returns runs per second.
fn systemd_run_rate(n: u64, wait: bool) -> Res<f64> {
    let start = Instant::now();
    for _ in 0..n {
        let mut command = std::process::Command::new("systemd-run");
        command.args(["--user", "--quiet"]);
        if wait {
            command.arg("--wait");
        }
        let status = command.arg("/bin/true").status()?;
        if !status.success() {
            return Err(format!("systemd-run failed: {status}").into());
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Pass 2: criterion, wall time per operation.
fn criterion_pass(clients: &mut Clients) {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .sample_size(10)
        .configure_from_args();
    for workload in Workload::ALL {
        let mut group = criterion.benchmark_group(workload.id());
        let per_iter = match workload {
            Workload::PipelinedGet => {
                group.throughput(Throughput::Elements(PIPELINE));
                PIPELINE
            }
            _ => 1,
        };
        if matches!(
            workload,
            Workload::PipelinedGet | Workload::Transient | Workload::RunWait
        ) {
            group.sampling_mode(SamplingMode::Flat);
        }
        for kind in KINDS {
            let Some(client) = clients.get(workload, kind) else {
                continue;
            };
            group.bench_function(kind.to_string(), |b| {
                b.iter_custom(|iters| {
                    if let Err(e) = client.drain() {
                        panic!("{} {kind}: {e}", workload.id());
                    }
                    let start = Instant::now();
                    if let Err(e) = client.run(workload, iters * per_iter) {
                        panic!("{} {kind}: {e}", workload.id());
                    }
                    start.elapsed()
                })
            });
        }
        group.finish();
    }
    criterion.final_summary();
}

/// Pass 3: `ListUnits` + `GetAll` of every unit with `sizes` units loaded.
fn fleet_pass(clients: &mut Clients, sizes: &[u64], rounds: usize) -> Res<String> {
    let mut out = String::new();
    writeln!(
        out,
        "| units loaded | C serial | sdbus serial | zbus serial | sdbus pipelined | zbus concurrent | sdbus/C | sdbus/zbus | sdbus µs/unit | zbus µs/unit |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    let Client::C(c) = &mut clients.c else {
        unreachable!()
    };
    let mut loaded = u64::from(c.conn.list_units(1)?);
    for &target in sizes {
        if target > loaded {
            let prefix = CString::new(format!("fleet-{target}-"))?;
            let start = Instant::now();
            c_conn(clients).fleet_create(&prefix, target - loaded, 256)?;
            eprintln!(
                "fleet: created {} transient services in {:.1} s",
                target - loaded,
                start.elapsed().as_secs_f64()
            );
        }
        // The manager is still busy right after creating units: one
        // untimed snapshot first.
        clients.c.fleet_snapshot(false)?;
        // (client, pipelined) in the table's column order.
        let columns: [(Kind, bool); 5] = [
            (Kind::C, false),
            (Kind::Sdbus, false),
            (Kind::Zbus, false),
            (Kind::Sdbus, true),
            (Kind::Zbus, true),
        ];
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
        let mut units = 0;
        for round in 0..rounds {
            for i in 0..columns.len() {
                let col = (i + round) % columns.len();
                let (kind, pipelined) = columns[col];
                let client = clients.get(Workload::GetAll, kind).expect("bus client");
                client.drain()?;
                let start = Instant::now();
                units = client.fleet_snapshot(pipelined)?;
                let secs = start.elapsed().as_secs_f64();
                times[col].push(secs);
                let how = if pipelined { "pipelined" } else { "serial" };
                eprintln!(
                    "fleet: round {}: {kind} {how}: {units} units in {secs:.3} s",
                    round + 1
                );
            }
        }
        loaded = units;
        let t: Vec<f64> = times.into_iter().map(median).collect();
        writeln!(
            out,
            "| {units} | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.3} | {:.3} | {:.0} | {:.0} |",
            t[0],
            t[1],
            t[2],
            t[3],
            t[4],
            t[1] / t[0],
            t[1] / t[2],
            t[1] * 1e6 / units as f64,
            t[2] * 1e6 / units as f64,
        )?;
        eprintln!("fleet: {units} units measured");
    }
    writeln!(
        out,
        "- serial: `GetAll` one unit after the other, as a plain client does; pipelined/concurrent: every `GetAll` in flight at once; medians of {rounds} rounds"
    )?;
    Ok(out)
}

fn c_conn(clients: &mut Clients) -> &mut sdbus_c_baseline::Conn {
    match &mut clients.c {
        Client::C(c) => &mut c.conn,
        _ => unreachable!("clients.c is the C client"),
    }
}

/// `SDBUS_BENCH_ONLY=WORKLOAD:CLIENT:N` (such as `get_version:sdbus:20000`):
/// opens only that client and runs `N` operations, for profilers
/// (`valgrind --tool=callgrind`, `perf record`, `strace -c`) and for the
/// process's peak resident memory with one client (`scripts/bench --rss`).
fn run_only(spec: &str) -> Res<()> {
    let mut parts = spec.split(':');
    let (Some(workload), Some(kind), n) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("SDBUS_BENCH_ONLY={spec}: expected WORKLOAD:CLIENT[:N]").into());
    };
    let workload = Workload::ALL
        .into_iter()
        .find(|w| w.id() == workload)
        .ok_or_else(|| format!("no workload {workload}"))?;
    let kind = KINDS
        .into_iter()
        .find(|k| k.to_string() == kind)
        .ok_or_else(|| format!("no client {kind}"))?;
    let n = n.map_or(Ok(workload.count()), str::parse)?;
    let unit_path: sdbus::names::ObjectPath = sdbus::Bus::open_user()?
        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &(GET_ALL_UNIT,))?
        .read()?;
    let direct = workload == Workload::GetVersionDirect;
    let mut client = Client::open(kind, direct, unit_path.as_str())?;
    let run = measure(&mut client, workload, n)?;
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let peak_kb = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_maxrss
    };
    println!(
        "{} {kind}: {n} ops, {:.0} ops/s, {:.1} µs CPU/op, peak RSS {peak_kb} KB",
        workload.id(),
        run.ops_per_sec(),
        run.cpu_us_per_op()
    );
    Ok(())
}

fn main() -> Res<()> {
    let bench_mode = std::env::args().any(|arg| arg == "--bench");
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && std::env::var_os("SDBUS_SANDBOX").is_none()
    {
        eprintln!("calls: no session bus; run inside the sandbox (scripts/bench)");
        if bench_mode {
            std::process::exit(1);
        }
        return Ok(());
    }
    if let Ok(spec) = std::env::var("SDBUS_BENCH_ONLY") {
        return run_only(&spec);
    }
    let mut clients = Clients::open()?;
    check_agreement(&mut clients)?;
    if !bench_mode {
        // `cargo test --benches`: criterion runs each benchmark once.
        criterion_pass(&mut clients);
        return Ok(());
    }

    let mut report = String::new();
    if env_or("SDBUS_BENCH_TABLE", 1) != 0 {
        let rounds = env_or("SDBUS_BENCH_ROUNDS", 5usize).max(1);
        let scale = env_or("SDBUS_BENCH_SCALE", 1.0f64);
        let table = table_pass(&mut clients, rounds, scale)?;
        println!("\n{table}");
        report.push_str(&table);
    }
    if env_or("SDBUS_BENCH_CRITERION", 1) != 0 {
        criterion_pass(&mut clients);
    }
    let sizes: Vec<u64> = std::env::var("SDBUS_BENCH_FLEET")
        .unwrap_or_else(|_| "1000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    if !sizes.is_empty() {
        let rounds = env_or("SDBUS_BENCH_FLEET_ROUNDS", 3usize).max(1);
        let fleet = fleet_pass(&mut clients, &sizes, rounds)?;
        println!("\n{fleet}");
        report.push('\n');
        report.push_str(&fleet);
    }
    if let Ok(path) = std::env::var("SDBUS_BENCH_OUT") {
        std::fs::write(path, &report)?;
    }
    Ok(())
}
