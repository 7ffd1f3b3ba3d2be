//! The tokio driver (`sdbus::tokio`, cargo feature `tokio`): many calls in
//! flight, signal streams, jobs and unit states, async served methods, and
//! cancellation, against the sandbox's bus and manager. Each test runs a
//! current-thread runtime with a `LocalSet`, as the driver requires.
#![cfg(feature = "tokio")]

mod common;

use std::future::Future;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use futures_util::StreamExt;
use sdbus::names::ObjectPath;
use sdbus::server::{Interface, RequestNameFlags};
use sdbus::systemd1::{ActiveState, JobMode, JobResult};
use sdbus::tokio::{AsyncBus, AsyncManager, InterfaceExt};
use sdbus::transient::Run;
use sdbus::{Bus, BusBuilder, BusError, PropertiesChanged, Value};

use common::{user_bus, MANAGER, MANAGER_PATH, SYSTEMD, UNIT};

const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
const SLOW: &str = "com.example.Slow";
const SLOW_PATH: &str = "/com/example/slow";
const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `future` on a current-thread runtime, inside a `LocalSet`.
fn local<F: Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio::task::LocalSet::new().block_on(&runtime, future)
}

/// `future`, or a panic naming `what` after [`TIMEOUT`].
async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing within {TIMEOUT:?}"))
}

fn async_user_bus() -> AsyncBus {
    AsyncBus::new(user_bus()).expect("AsyncBus::new")
}

fn unique_unit(kind: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "sdbus-tokio-{kind}-{}-{}.service",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn exec_start(argv: &[&str]) -> Value {
    Value::from(vec![(
        argv[0].to_owned(),
        argv.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
        false,
    )])
}

/// Stops a unit when dropped, whatever the test did.
struct StopOnDrop(String);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let bus = user_bus();
        let _ = bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "StopUnit",
            &(self.0.as_str(), "replace"),
        );
        let _ = bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "ResetFailedUnit",
            &(self.0.as_str(),),
        );
    }
}

#[test]
fn a_thousand_concurrent_property_gets_return_their_own_values() {
    // What each property is, read the blocking way first.
    let names = [
        "Version",
        "Architecture",
        "Features",
        "DefaultStandardOutput",
    ];
    let blocking = user_bus();
    let expected: Vec<String> = names
        .iter()
        .map(|name| {
            blocking
                .get_property(SYSTEMD, MANAGER_PATH, MANAGER, name)
                .unwrap()
        })
        .collect();
    local(async {
        let bus = async_user_bus();
        // All sent before the first is awaited: a thousand in flight.
        let calls: Vec<_> = (0..1000)
            .map(|i| {
                bus.call_method(
                    SYSTEMD,
                    MANAGER_PATH,
                    PROPERTIES,
                    "Get",
                    &(MANAGER, names[i % names.len()]),
                )
            })
            .collect();
        assert_eq!(bus.live_pending_calls(), 1000);
        let replies = within("1000 Gets", join_all(calls)).await;
        for (i, reply) in replies.into_iter().enumerate() {
            let reply = reply.unwrap_or_else(|e| panic!("Get #{i}: {e}"));
            let sdbus::Variant(value): sdbus::Variant<String> = reply.read().unwrap();
            assert_eq!(
                value,
                expected[i % names.len()],
                "Get #{i} of {}",
                names[i % names.len()]
            );
        }
        assert_eq!(bus.live_pending_calls(), 0);

        // The typed helper, concurrently too.
        let versions = join_all(
            (0..10).map(|_| bus.get_property::<String>(SYSTEMD, MANAGER_PATH, MANAGER, "Version")),
        )
        .await;
        for version in versions {
            assert_eq!(version.unwrap(), expected[0]);
        }
        // Errors come back as errors, without sending anything bad.
        let err = bus
            .get_property::<u32>(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
            .await
            .unwrap_err();
        assert!(matches!(err, sdbus::Error::TypeMismatch { .. }), "{err}");
        let err = bus
            .get_property::<u32>(SYSTEMD, MANAGER_PATH, MANAGER, "no-such-name!")
            .await
            .unwrap_err();
        assert!(matches!(err, sdbus::Error::Invalid { .. }), "{err}");
        let err = bus
            .call_method(SYSTEMD, "not a path", MANAGER, "GetUnit", &())
            .await
            .unwrap_err();
        assert!(matches!(err, sdbus::Error::Invalid { .. }), "{err}");
        let err = bus
            .call_method(
                SYSTEMD,
                MANAGER_PATH,
                MANAGER,
                "GetUnit",
                &("nope.service",),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.bus_error_kind(),
            Some(sdbus::BusErrorKind::NoSuchUnit),
            "{err}"
        );
        assert_eq!(bus.live_pending_calls(), 0);
    });
}

#[test]
fn a_signal_stream_sees_properties_changed_of_a_unit_started_from_another_task() {
    local(async {
        let bus = async_user_bus();
        bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "Subscribe", &())
            .await
            .expect("Subscribe");
        let name = unique_unit("signal");
        let _stop = StopOnDrop(name.clone());
        let unit_path = sdbus::path::path_encode("/org/freedesktop/systemd1/unit", &name).unwrap();
        let mut changes = bus
            .subscribe_signal(
                Some(SYSTEMD),
                Some(&unit_path),
                Some(PROPERTIES),
                Some("PropertiesChanged"),
            )
            .await
            .expect("subscribe");

        // Another task starts the unit, with a raw StartTransientUnit.
        let starter = {
            let bus = bus.clone();
            let name = name.clone();
            tokio::task::spawn_local(async move {
                let properties: Vec<(String, Value)> = vec![
                    ("ExecStart".into(), exec_start(&["/bin/sleep", "30"])),
                    ("Description".into(), Value::from("sdbus tokio signal test")),
                ];
                let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
                let reply = bus
                    .call_method(
                        SYSTEMD,
                        MANAGER_PATH,
                        MANAGER,
                        "StartTransientUnit",
                        &(name.as_str(), "fail", properties, aux),
                    )
                    .await
                    .expect("StartTransientUnit");
                reply.read::<ObjectPath>().unwrap()
            })
        };

        let mut seen = Vec::new();
        let active = within("PropertiesChanged with ActiveState=active", async {
            while let Some(signal) = changes.next().await {
                assert_eq!(signal.path(), Some(unit_path.as_str()));
                let change = PropertiesChanged::from_message(&signal).unwrap();
                let state = change.changed.get("ActiveState").cloned();
                seen.push((change.interface.clone(), state.clone()));
                if change.interface == UNIT
                    && state.as_ref().and_then(Value::as_str) == Some("active")
                {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(active, "the stream ended; saw {seen:?}");
        let job = starter.await.expect("the starter task");
        assert!(job.starts_with("/org/freedesktop/systemd1/job/"), "{job}");
        // Nothing else is queued that is not a PropertiesChanged of the unit.
        while let Some(signal) = changes.try_recv() {
            assert_eq!(signal.member(), Some("PropertiesChanged"));
        }
    });
}

#[test]
fn jobs_are_awaited_and_unit_states_streamed() {
    local(async {
        let bus = async_user_bus();
        let manager = AsyncManager::new(&bus);

        // A oneshot: its start job ends when it has run.
        let oneshot = unique_unit("oneshot");
        let _stop_oneshot = StopOnDrop(oneshot.clone());
        let job = manager
            .start_transient_unit(
                &oneshot,
                JobMode::Fail,
                &[
                    ("Type", Value::from("oneshot")),
                    ("ExecStart", exec_start(&["/bin/true"])),
                ],
            )
            .await
            .expect("StartTransientUnit");
        assert_eq!(job.unit(), oneshot);
        assert_eq!(
            within("the oneshot's job", job.wait()).await.unwrap(),
            JobResult::Done
        );
        assert_eq!(job.try_result(), Some(JobResult::Done));

        // One that fails: the job says so.
        let failing = unique_unit("failing");
        let _stop_failing = StopOnDrop(failing.clone());
        let job = manager
            .start_transient_unit(
                &failing,
                JobMode::Fail,
                &[
                    ("Type", Value::from("oneshot")),
                    ("ExecStart", exec_start(&["/bin/false"])),
                ],
            )
            .await
            .unwrap();
        assert_eq!(
            within("the failing job", job.wait()).await.unwrap(),
            JobResult::Failed
        );

        // Many jobs in flight at once, awaited in any order.
        let names: Vec<String> = (0..5).map(|_| unique_unit("many")).collect();
        let _stops: Vec<StopOnDrop> = names.iter().cloned().map(StopOnDrop).collect();
        let properties = [
            ("Type", Value::from("oneshot")),
            ("ExecStart", exec_start(&["/bin/true"])),
        ];
        let jobs = join_all(
            names
                .iter()
                .map(|name| manager.start_transient_unit(name, JobMode::Fail, &properties)),
        )
        .await;
        let jobs: Vec<_> = jobs.into_iter().map(|job| job.unwrap()).collect();
        for result in within(
            "five jobs",
            join_all(jobs.iter().rev().map(|job| job.wait())),
        )
        .await
        {
            assert_eq!(result.unwrap(), JobResult::Done);
        }

        // A service that stays: its states, streamed.
        let sleeper = unique_unit("sleeper");
        let _stop_sleeper = StopOnDrop(sleeper.clone());
        let job = manager
            .start_transient_unit(
                &sleeper,
                JobMode::Fail,
                &[("ExecStart", exec_start(&["/bin/sleep", "60"]))],
            )
            .await
            .unwrap();
        assert_eq!(
            within("the sleeper's job", job.wait()).await.unwrap(),
            JobResult::Done
        );
        let mut states = manager.watch_unit(&sleeper).await.expect("watch_unit");
        assert_eq!(states.unit(), sleeper);
        assert_eq!(states.state().active_state, ActiveState::Active);
        assert_eq!(states.state().sub_state, "running");
        let stop = manager.stop_unit(&sleeper, JobMode::Replace).await.unwrap();
        let inactive = within(
            "the sleeper's inactive state",
            states.wait_for(|s| s.active_state == ActiveState::Inactive),
        )
        .await
        .unwrap();
        assert_eq!(inactive.sub_state, "dead");
        assert_eq!(
            within("the stop job", stop.wait()).await.unwrap(),
            JobResult::Done
        );

        // Bad names never reach the manager.
        let err = manager
            .start_unit("no-suffix", JobMode::Replace)
            .await
            .unwrap_err();
        assert!(matches!(err, sdbus::Error::Invalid { .. }), "{err}");
        assert_eq!(bus.live_pending_calls(), 0);
    });
}

/// The slow interface: `Double(u) -> (u, s)` sleeps, then reads the
/// manager's version with a call of its own on the same connection;
/// `Fail` returns an error, `Panic` panics, `Never` never answers.
fn slow_interface() -> Interface {
    Interface::new(SLOW)
        .method_async("Double", |request, (x,): (u32,)| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let version: String = request
                .bus()
                .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
                .await?;
            assert_eq!(request.member(), "Double");
            assert_eq!(request.path(), SLOW_PATH);
            Ok((x * 2, version))
        })
        .method_async("Fail", |_, (): ()| async move {
            Err::<(), _>(BusError::new("com.example.Slow.Nope", "refused, later"))
        })
        .method_async("Panic", |_, (): ()| async move {
            tokio::task::yield_now().await;
            if true {
                panic!("an async handler panicked on purpose");
            }
            Ok(())
        })
        .method_async("Never", |_, (): ()| {
            std::future::pending::<Result<(), BusError>>()
        })
}

#[test]
fn a_served_object_answers_async_handlers_while_its_connection_makes_calls() {
    local(async {
        let server = async_user_bus();
        let _object = server
            .bus()
            .serve(SLOW_PATH, slow_interface())
            .expect("serve");
        let server_name = server.bus().unique_name().unwrap().to_owned();
        let client = async_user_bus();

        let start = Instant::now();
        // The server's own outgoing calls, while it serves.
        let server_calls = {
            let server = server.clone();
            tokio::task::spawn_local(async move {
                for _ in 0..50 {
                    let _: String = server
                        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
                        .await
                        .expect("the server's own call");
                }
            })
        };
        let calls =
            (0..20u32).map(|x| client.call_method(&server_name, SLOW_PATH, SLOW, "Double", &(x,)));
        let replies = within("20 Double calls", join_all(calls)).await;
        let elapsed = start.elapsed();
        let version: String = client
            .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
            .await
            .unwrap();
        for (x, reply) in replies.into_iter().enumerate() {
            let (doubled, got): (u32, String) = reply.expect("Double").read_args().unwrap();
            assert_eq!(doubled, 2 * x as u32);
            assert_eq!(got, version);
        }
        // Served concurrently: twenty 100 ms handlers in far less than 2 s.
        assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
        within("the server's own calls", server_calls)
            .await
            .unwrap();

        // Errors and panics reach the caller as error replies.
        let err = client
            .call_method(&server_name, SLOW_PATH, SLOW, "Fail", &())
            .await
            .unwrap_err();
        assert_eq!(
            err.bus_error().map(BusError::name),
            Some("com.example.Slow.Nope"),
            "{err}"
        );
        let err = within(
            "Panic",
            client.call_method(&server_name, SLOW_PATH, SLOW, "Panic", &()),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.bus_error_kind(),
            Some(sdbus::BusErrorKind::Failed),
            "{err}"
        );
        // Bad arguments are refused by sd-bus before the handler runs.
        let err = client
            .call_method(&server_name, SLOW_PATH, SLOW, "Double", &("x",))
            .await
            .unwrap_err();
        assert_eq!(
            err.bus_error_kind(),
            Some(sdbus::BusErrorKind::InvalidArgs),
            "{err}"
        );
        // And it still serves.
        let reply = client
            .call_method(&server_name, SLOW_PATH, SLOW, "Double", &(21u32,))
            .await
            .unwrap();
        assert_eq!(reply.read_args::<(u32, String)>().unwrap().0, 42);
    });
}

#[test]
fn async_methods_fail_cleanly_on_a_connection_not_driven_by_an_async_bus() {
    let server = user_bus();
    let _object = server.serve(SLOW_PATH, slow_interface()).unwrap();
    let owner = server
        .request_name("com.example.SlowBlocking", RequestNameFlags::empty())
        .unwrap();
    assert!(owner.is_owner());
    let serving = std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            let client = user_bus();
            let mut call = client
                .new_method_call("com.example.SlowBlocking", SLOW_PATH, SLOW, "Double")
                .unwrap();
            call.append(&1u32).unwrap();
            client.call(&call, Some(TIMEOUT)).map(drop)
        });
        while !client.is_finished() {
            if !server.process().unwrap() {
                server.wait(Some(Duration::from_millis(50))).unwrap();
            }
        }
        client.join().unwrap()
    });
    let err = serving.unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(sdbus::BusErrorKind::Failed),
        "{err}"
    );
    assert!(err.to_string().contains("AsyncBus"), "{err}");
}

#[test]
fn cancelling_pending_calls_releases_their_slots() {
    local(async {
        let server = async_user_bus();
        let _object = server.bus().serve(SLOW_PATH, slow_interface()).unwrap();
        let server_name = server.bus().unique_name().unwrap().to_owned();
        let client = async_user_bus();

        // Calls that are never answered, dropped while in flight.
        let never: Vec<_> = (0..100)
            .map(|_| client.call_method(&server_name, SLOW_PATH, SLOW, "Never", &()))
            .collect();
        assert_eq!(client.live_pending_calls(), 100);
        let waited = tokio::time::timeout(Duration::from_millis(200), join_all(never)).await;
        assert!(waited.is_err(), "Never answered");
        assert_eq!(
            client.live_pending_calls(),
            0,
            "dropping the futures released every slot"
        );

        // Calls answered after they were dropped: sd-bus discards the replies.
        let slow: Vec<_> = (0..10u32)
            .map(|x| client.call_method(&server_name, SLOW_PATH, SLOW, "Double", &(x,)))
            .collect();
        assert_eq!(client.live_pending_calls(), 10);
        drop(slow);
        assert_eq!(client.live_pending_calls(), 0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(client.live_pending_calls(), 0);

        // A future dropped without ever being polled is released too.
        drop(client.call_method(&server_name, SLOW_PATH, SLOW, "Never", &()));
        assert_eq!(client.live_pending_calls(), 0);

        // The connection works on.
        let reply = within(
            "Double after cancellations",
            client.call_method(&server_name, SLOW_PATH, SLOW, "Double", &(5u32,)),
        )
        .await
        .unwrap();
        assert_eq!(reply.read_args::<(u32, String)>().unwrap().0, 10);
        assert_eq!(client.live_pending_calls(), 0);

        // A call that times out is an error, and released.
        let mut call = client
            .bus()
            .new_method_call(server_name.as_str(), SLOW_PATH, SLOW, "Never")
            .unwrap();
        call.append_args(&()).unwrap();
        let err = within(
            "a timeout",
            client.call_with_timeout(&call, Some(Duration::from_millis(100))),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.bus_error_kind(),
            Some(sdbus::BusErrorKind::NoReply),
            "{err}"
        );
        assert_eq!(client.live_pending_calls(), 0);
    });
}

/// Two ends of a peer-to-peer connection, both driven on this thread.
fn peer_pair() -> (AsyncBus, AsyncBus) {
    let (a, b) = UnixStream::pair().expect("socketpair");
    let server = BusBuilder::new()
        .fd(a.into())
        .server([7; 16])
        .anonymous(true)
        .start()
        .expect("the server end");
    let client = BusBuilder::new()
        .fd(b.into())
        .anonymous(true)
        .start()
        .expect("the client end");
    (
        AsyncBus::new(server).unwrap(),
        AsyncBus::new(client).unwrap(),
    )
}

#[test]
fn when_the_peer_goes_pending_calls_fail_and_streams_end() {
    local(async {
        let (server, client) = peer_pair();
        let _object = server.bus().serve(SLOW_PATH, slow_interface()).unwrap();
        let mut signals = client
            .subscribe_signal(None, None, Some(SLOW), Some("Tick"))
            .await
            .unwrap();
        server
            .emit_signal(SLOW_PATH, SLOW, "Tick", &(1u32,))
            .unwrap();
        let tick = within("a signal over the peer connection", signals.recv())
            .await
            .unwrap();
        assert_eq!(tick.read::<u32>().unwrap(), 1);
        // A call the server takes and never answers. (Not an async method:
        // the task of one would keep the server's connection.)
        let _silent = server.bus().add_object("/silent", false, |_| true).unwrap();
        // No destination on a peer-to-peer connection.
        let call = client
            .bus()
            .new_method_call(None, "/silent", SLOW, "Never")
            .unwrap();
        let never = client.call(&call);
        tokio::time::sleep(Duration::from_millis(50)).await;

        drop((_object, _silent));
        drop(server);
        let err = within("the pending call", never).await.unwrap_err();
        assert!(err.errno().is_some(), "{err}");
        assert!(within("the end of the stream", signals.recv())
            .await
            .is_none());
        assert_eq!(client.live_pending_calls(), 0);
        let err = client.call(&call).await.unwrap_err();
        assert!(err.errno().is_some(), "{err}");
    });
}

#[test]
fn a_panicking_callback_stops_the_driver_without_leaving_calls_waiting() {
    local(async {
        let bus = async_user_bus();
        let server = async_user_bus();
        let _object = server.bus().serve(SLOW_PATH, slow_interface()).unwrap();
        let server_name = server.bus().unique_name().unwrap().to_owned();
        let unique = bus.bus().unique_name().unwrap().to_owned();
        let never = bus.call_method(&server_name, SLOW_PATH, SLOW, "Never", &());
        let mut stream = bus
            .subscribe_signal(None, None, Some(SLOW), Some("Tick"))
            .await
            .unwrap();
        let _panicking = bus
            .bus()
            .add_match(
                &format!("type='signal',sender='{unique}',interface='{SLOW}',member='Boom'"),
                |_| panic!("a match callback panicked on purpose"),
            )
            .unwrap();
        bus.emit_signal(SLOW_PATH, SLOW, "Boom", &()).unwrap();
        let err = within("the pending call", never).await.unwrap_err();
        assert!(err.errno().is_some(), "{err}");
        assert!(within("the end of the stream", stream.recv())
            .await
            .is_none());
        let err = bus
            .call_method(
                SYSTEMD,
                MANAGER_PATH,
                PROPERTIES,
                "Get",
                &(MANAGER, "Version"),
            )
            .await
            .unwrap_err();
        assert!(err.errno().is_some(), "{err}");
        assert_eq!(bus.live_pending_calls(), 0);
    });
}

#[test]
fn transient_runs_are_awaited() {
    local(async {
        let bus = async_user_bus();
        let outcome = within(
            "a run",
            bus.run(Run::new(["/bin/sh", "-c", "sleep 0.2; exit 3"])),
        )
        .await
        .expect("run");
        assert_eq!(outcome.exit_code(), Some(3), "{outcome}");
        assert!(!outcome.success());

        // While one runs, the same connection goes on with its calls.
        let (outcome, calls) = within(
            "a run beside calls",
            futures_util::future::join(bus.run(Run::new(["/bin/sleep", "0.5"])), async {
                let start = Instant::now();
                let mut calls = 0;
                while start.elapsed() < Duration::from_millis(300) {
                    let _: String = bus
                        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
                        .await
                        .unwrap();
                    calls += 1;
                }
                calls
            }),
        )
        .await;
        let outcome = outcome.expect("run");
        assert!(outcome.success(), "{outcome}");
        assert!(calls > 10, "only {calls} calls while the unit ran");

        // A unit started on another connection is refused.
        let other = user_bus();
        let mut unit = Run::new(["/bin/true"]).bus(&other).start().unwrap();
        let err = bus.wait_run(&mut unit).await.unwrap_err();
        assert!(matches!(err, sdbus::Error::Invalid { .. }), "{err}");
        assert!(unit.wait().unwrap().success());
    });
}

#[test]
fn a_run_awaited_on_a_connection_that_dies_ends_in_an_error() {
    local(async {
        let bus = async_user_bus();
        let name = unique_unit("dies");
        let mut unit = Run::new(["/bin/sleep", "30"])
            .name(&name)
            .bus(bus.bus())
            .start()
            .unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&bus.bus().fd().unwrap());
        let cut = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // SAFETY: shuts down the connection's socket, which stays open
            // (sd-bus still owns it): the driver then sees the connection
            // end, as when the bus daemon goes away.
            unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
        };
        let start = Instant::now();
        let (waited, ()) = within(
            "the wait on a connection cut under it",
            futures_util::future::join(bus.wait_run(&mut unit), cut),
        )
        .await;
        let err = waited.unwrap_err();
        assert!(err.errno().is_some(), "{err}");
        // Woken by the end of the connection, not by a timer.
        assert!(start.elapsed() < TIMEOUT / 2, "{:?}", start.elapsed());

        // The unit goes on without the connection's reference: stop it.
        let other = user_bus();
        let job = sdbus::systemd1::Manager::new(&other)
            .stop_unit(&name, JobMode::Replace)
            .unwrap();
        assert_eq!(
            job.wait_timeout(Duration::from_secs(30)).unwrap(),
            Some(JobResult::Done)
        );
    });
}

/// The calling thread's CPU time so far.
fn thread_cpu() -> Duration {
    // SAFETY: an all-zero `rusage` is valid, and getrusage fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid out pointer.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

#[test]
fn idle_drivers_sleep() {
    local(async {
        let server = async_user_bus();
        let _object = server.bus().serve(SLOW_PATH, slow_interface()).unwrap();
        let server_name = server.bus().unique_name().unwrap().to_owned();
        let client = async_user_bus();
        // Something to wait for on both sides: a call in flight (with its
        // 25 s timeout armed), its handler pending, a signal stream.
        let never = client.call_method(&server_name, SLOW_PATH, SLOW, "Never", &());
        let _stream = client
            .subscribe_signal(None, None, Some(SLOW), Some("Tick"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = thread_cpu();
        let waited = tokio::time::timeout(Duration::from_millis(1000), never).await;
        let used = thread_cpu() - before;
        assert!(waited.is_err(), "Never answered");
        // A busy loop would use the whole second.
        assert!(
            used < Duration::from_millis(50),
            "two idle drivers used {used:?} of CPU in 1 s"
        );
    });
}

#[test]
fn an_async_bus_needs_a_runtime() {
    let err = AsyncBus::new(Bus::open_user().expect("the user bus")).unwrap_err();
    assert!(err.to_string().contains("tokio runtime"), "{err}");
}
