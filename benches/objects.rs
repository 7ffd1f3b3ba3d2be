//! The cost of loading N unit objects (introspecting them, through
//! `sdbus::object`) with the introspection cache shared between units of a
//! type, and without sharing (a per-path cache: one introspection per unit).
//!
//! Runs against the sandbox's manager, which gets N transient services:
//!
//! ```text
//! sandbox/run cargo bench --bench objects
//! ```
//!
//! Criterion measures each case; a fixed-count pass then prints the ratios
//! and the number of `Introspect` calls each case made.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use sdbus::names::ObjectPath;
use sdbus::object::{IntrospectionCache, Object};
use sdbus::path::path_encode;
use sdbus::{Bus, Value};

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const UNIT_PREFIX: &str = "/org/freedesktop/systemd1/unit";

/// The numbers of units loaded.
const SIZES: [usize; 2] = [100, 500];

/// Rounds of the fixed-count pass.
const ROUNDS: u32 = 5;

/// How a round gets its cache.
#[derive(Clone, Copy)]
enum Case {
    /// A fresh cache grouping units by type: one introspection per round.
    Shared,
    /// A fresh per-path cache: one introspection per unit.
    PerPath,
    /// A cache that already knows the services: no introspection at all.
    Warm,
}

impl Case {
    const ALL: [Case; 3] = [Case::Shared, Case::PerPath, Case::Warm];

    fn name(self) -> &'static str {
        match self {
            Case::Shared => "shared_cache",
            Case::PerPath => "per_path",
            Case::Warm => "warm_cache",
        }
    }

    fn cache(self, warm: &Arc<IntrospectionCache>) -> Arc<IntrospectionCache> {
        match self {
            Case::Shared => Arc::new(IntrospectionCache::new()),
            Case::PerPath => Arc::new(IntrospectionCache::per_path()),
            Case::Warm => Arc::clone(warm),
        }
    }
}

/// Starts `count` transient oneshot services that stay active without a
/// process, and returns their object paths.
fn start_units(bus: &Bus, count: usize) -> sdbus::Result<Vec<ObjectPath>> {
    let props = vec![
        ("Type".to_owned(), Value::from("oneshot")),
        ("RemainAfterExit".to_owned(), Value::from(true)),
        (
            "ExecStart".to_owned(),
            Value::from(vec![("/bin/true", vec!["/bin/true"], false)]),
        ),
    ];
    let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    (0..count)
        .map(|n| {
            let name = format!("sdbus-bench-objects-{}-{n}.service", std::process::id());
            bus.call_method(
                SYSTEMD,
                MANAGER_PATH,
                MANAGER,
                "StartTransientUnit",
                &(name.as_str(), "replace", &props, &aux),
            )?;
            path_encode(UNIT_PREFIX, &name)
        })
        .collect()
}

/// Loads every unit at `paths` through `cache` and reads nothing: the cost
/// of knowing each unit's interfaces.
fn load(bus: &Bus, paths: &[ObjectPath], cache: &Arc<IntrospectionCache>) -> sdbus::Result<()> {
    for path in paths {
        let unit = Object::with_cache(bus, SYSTEMD, path, Arc::clone(cache))?;
        black_box(unit.interface("Service")?);
    }
    Ok(())
}

fn run() -> sdbus::Result<()> {
    let bus = Bus::open_user()?;
    let max = SIZES.iter().copied().max().unwrap_or(0);
    let paths = start_units(&bus, max)?;
    let warm = Arc::new(IntrospectionCache::new());
    load(&bus, &paths, &warm)?;

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("load_units");
    for n in SIZES {
        for case in Case::ALL {
            group.bench_with_input(BenchmarkId::new(case.name(), n), &n, |b, &n| {
                b.iter(|| {
                    let cache = case.cache(&warm);
                    load(&bus, &paths[..n], &cache).expect("loading the units");
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();

    println!();
    println!("fixed-count pass: mean of {ROUNDS} rounds of loading N units");
    println!(
        "{:>5}  {:>14} {:>8}  {:>14} {:>8}  {:>14}  {:>9}  {:>9}",
        "N", "shared", "intro.", "per-path", "intro.", "warm", "per/shr", "shr/warm"
    );
    for n in SIZES {
        let mut results = Vec::new();
        for case in Case::ALL {
            let mut total = Duration::ZERO;
            let mut introspections = 0;
            for _ in 0..ROUNDS {
                let cache = case.cache(&warm);
                let before = cache.introspections();
                let start = Instant::now();
                load(&bus, &paths[..n], &cache)?;
                total += start.elapsed();
                introspections = cache.introspections() - before;
            }
            results.push((total / ROUNDS, introspections));
        }
        let [(shared, shared_calls), (per_path, per_path_calls), (warm_time, _)] = results[..]
        else {
            continue;
        };
        println!(
            "{n:>5}  {:>14?} {shared_calls:>8}  {:>14?} {per_path_calls:>8}  {:>14?}  {:>8.1}x  {:>8.1}x",
            shared,
            per_path,
            warm_time,
            per_path.as_secs_f64() / shared.as_secs_f64(),
            shared.as_secs_f64() / warm_time.as_secs_f64(),
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("benches/objects: {err} (run it inside the sandbox: sandbox/run cargo bench --bench objects)");
            ExitCode::FAILURE
        }
    }
}
