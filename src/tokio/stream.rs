//! Matches whose messages wake tasks: [`SignalStream`], and the machinery
//! the systemd watchers share with it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use libsystemd_sys as sys;

use super::{release_rc, AsyncBus, OnClose, RawMessage};
use crate::callback;
use crate::cstr::CStrBuf;
use crate::error::{Error, InvalidKind, Result};
use crate::message::Message;
pub(super) use crate::slot::signal_rule;

/// What a match delivers its messages to.
pub(super) trait MatchTarget: 'static {
    /// A matching message, while the driver processes the bus.
    fn on_message(&self, message: &Message<'_>);
    /// The driver stopped: nothing more will come.
    fn on_close(&self);
}

/// A match's state: shared by its owner and its sd-bus slot, whose
/// reference is released by the slot's destroy callback.
pub(super) struct MatchState<T> {
    pub(super) target: T,
    /// The bus daemon's refusal of the `AddMatch`, if it refused.
    refused: RefCell<Option<Error>>,
}

impl<T: MatchTarget> OnClose for MatchState<T> {
    fn closed(&self) {
        self.target.on_close();
    }
}

/// An owned reference to an sd-bus slot, released on drop.
struct OwnedSlot(NonNull<sys::sd_bus_slot>);

impl Drop for OwnedSlot {
    fn drop(&mut self) {
        // SAFETY: we own one reference, released exactly once.
        unsafe { sys::sd_bus_slot_unref(self.0.as_ptr()) };
    }
}

/// An installed match; dropping it removes the match.
pub(super) struct Match<T: MatchTarget> {
    // Declared first: the slot goes before the handle that keeps the bus.
    _slot: OwnedSlot,
    pub(super) state: Rc<MatchState<T>>,
    pub(super) bus: AsyncBus,
}

impl<T: MatchTarget> Match<T> {
    /// Installs a match for `rule` delivering to `target`. On a bus, it
    /// returns once the bus daemon has the match: anything sent after that
    /// matches it.
    pub(super) async fn install(bus: &AsyncBus, rule: &str, target: T) -> Result<Match<T>> {
        if let Some(error) = bus.closed_error() {
            return Err(error);
        }
        if rule.contains('\n') {
            return Err(Error::invalid(
                InvalidKind::MatchRule,
                rule,
                "contains a newline",
            ));
        }
        let rule_c = CStrBuf::new(rule, InvalidKind::MatchRule)?;
        let state = Rc::new(MatchState {
            target,
            refused: RefCell::new(None),
        });
        // The slot's own reference, released by `release_rc`.
        let userdata = Rc::into_raw(Rc::clone(&state)).cast_mut().cast::<c_void>();
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, out pointer and NUL-terminated rule; both
        // callbacks get `userdata`, a `MatchState<T>` alive until the slot's
        // destroy callback.
        let ret = unsafe {
            sys::sd_bus_add_match_async(
                bus.bus().as_ptr(),
                &mut raw,
                rule_c.as_ptr(),
                Some(match_trampoline::<T>),
                Some(install_trampoline::<T>),
                userdata,
            )
        };
        let Some(slot) = NonNull::new(raw).filter(|_| ret >= 0) else {
            // SAFETY: no slot holds `userdata`: take its reference back.
            drop(unsafe { Rc::from_raw(userdata.cast::<MatchState<T>>()) });
            return Err(match ret {
                ret if ret == -libc::EINVAL => Error::invalid(
                    InvalidKind::MatchRule,
                    rule,
                    "refused by sd-bus (bad key or value)",
                ),
                ret if ret < 0 => Error::from_negative_errno("sd_bus_add_match_async", ret),
                _ => Error::no_object("sd_bus_add_match_async"),
            });
        };
        // SAFETY: valid slot; sd-bus releases `userdata` when it destroys it.
        unsafe {
            sys::sd_bus_slot_set_destroy_callback(slot.as_ptr(), Some(release_rc::<MatchState<T>>))
        };
        let installed = Match {
            _slot: OwnedSlot(slot),
            state,
            bus: bus.clone(),
        };
        let watcher: Rc<dyn OnClose> = installed.state.clone();
        bus.shared.watch_close(Rc::downgrade(&watcher));
        bus.kick();
        if bus.bus().is_bus_client() {
            // The bus daemon answers in order: once the reply to this call
            // is in, the answer to `AddMatch` was processed before it.
            bus.call_method(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "GetId",
                &(),
            )
            .await?;
            if let Some(error) = installed.state.refused.borrow_mut().take() {
                return Err(error);
            }
        }
        Ok(installed)
    }
}

/// Delivers a matching message to the target.
unsafe extern "C" fn match_trampoline<T: MatchTarget>(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    callback::catch(0, || {
        // SAFETY: `userdata` is the `MatchState<T>` the slot holds a
        // reference to until its destroy callback.
        let state = unsafe { &*userdata.cast::<MatchState<T>>() };
        // SAFETY: sd-bus passes a valid message of the bus being
        // processed on this thread, alive during the callback.
        if let Some(message) = unsafe { Message::from_raw_borrowed(m) } {
            state.target.on_message(&message);
        }
        // 0: let other matches see the message too.
        0
    })
}

/// Records the bus daemon's refusal of `AddMatch`.
unsafe extern "C" fn install_trampoline<T: MatchTarget>(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    callback::catch(0, || {
        // SAFETY: as for `match_trampoline`: sd-bus calls this with the
        // match's own userdata.
        let state = unsafe { &*userdata.cast::<MatchState<T>>() };
        // SAFETY: as for `match_trampoline`.
        let error = unsafe { Message::from_raw_borrowed(m) }.and_then(|reply| reply.error());
        if let Some(error) = error {
            *state.refused.borrow_mut() = Some(Error::Bus(error));
        }
        0
    })
}

/// Matching messages, queued for the task that waits for them.
#[derive(Default)]
pub(super) struct Queue {
    messages: RefCell<VecDeque<RawMessage>>,
    waker: Cell<Option<Waker>>,
    closed: Cell<bool>,
}

impl MatchTarget for Queue {
    fn on_message(&self, message: &Message<'_>) {
        // SAFETY: a valid message; the queue owns the new reference.
        if let Some(message) = unsafe { RawMessage::from_raw_borrowed(message.as_ptr()) } {
            self.messages.borrow_mut().push_back(message);
        }
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    fn on_close(&self) {
        self.closed.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

impl Match<Queue> {
    /// The next queued message, without waiting.
    pub(super) fn try_recv_raw(&self) -> Option<RawMessage> {
        self.state.target.messages.borrow_mut().pop_front()
    }

    /// The next message; `None` once the driver stopped and the queue is
    /// empty.
    pub(super) fn poll_recv_raw(&self, cx: &mut Context<'_>) -> Poll<Option<RawMessage>> {
        let queue = &self.state.target;
        if let Some(message) = self.try_recv_raw() {
            return Poll::Ready(Some(message));
        }
        if queue.closed.get() || self.bus.closed_error().is_some() {
            return Poll::Ready(None);
        }
        let waker = match queue.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        queue.waker.set(Some(waker));
        Poll::Pending
    }
}

/// The messages matching a rule, as they arrive: made with
/// [`AsyncBus::subscribe`]; dropping it removes the match.
///
/// It is a [`futures_core::Stream`] (so `StreamExt` adapters work on it)
/// and has [`recv`](SignalStream::recv) for a plain `while let` loop. It
/// ends (`None`) when the connection does.
///
/// ```no_run
/// # async fn demo(bus: &sdbus::tokio::AsyncBus) -> sdbus::Result<()> {
/// let mut jobs = bus
///     .subscribe_signal(
///         Some("org.freedesktop.systemd1"),
///         Some("/org/freedesktop/systemd1"),
///         Some("org.freedesktop.systemd1.Manager"),
///         Some("JobRemoved"),
///     )
///     .await?;
/// while let Some(signal) = jobs.recv().await {
///     let (id, _job, unit, result): (u32, sdbus::names::ObjectPath, String, String) =
///         signal.read_args()?;
///     println!("job {id} of {unit}: {result}");
/// }
/// # Ok(()) }
/// ```
pub struct SignalStream<'a> {
    inner: Match<Queue>,
    _bus: PhantomData<&'a AsyncBus>,
}

impl<'a> SignalStream<'a> {
    /// The next matching message, waiting for it; `None` once the
    /// connection ended.
    pub async fn recv(&mut self) -> Option<Message<'a>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next message already received, without waiting.
    pub fn try_recv(&mut self) -> Option<Message<'a>> {
        // SAFETY: the message belongs to the bus of the `AsyncBus` borrowed
        // for `'a`, used on this thread.
        self.inner
            .try_recv_raw()
            .and_then(|raw| unsafe { raw.into_message::<'a>() })
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message<'a>>> {
        self.inner.poll_recv_raw(cx).map(|raw| {
            // SAFETY: as in `try_recv`.
            raw.and_then(|raw| unsafe { raw.into_message::<'a>() })
        })
    }
}

impl<'a> futures_core::Stream for SignalStream<'a> {
    type Item = Message<'a>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message<'a>>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for SignalStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalStream")
            .field("queued", &self.inner.state.target.messages.borrow().len())
            .field("closed", &self.inner.state.target.closed.get())
            .finish()
    }
}

impl AsyncBus {
    /// Streams every message matching `rule` (D-Bus match rule syntax,
    /// as for [`Bus::subscribe`](crate::Bus::subscribe)). On a bus, the
    /// match is installed with the bus daemon without blocking, and this
    /// returns once the daemon has it: whatever is sent after that cannot
    /// be missed. A rule the daemon refuses is an error.
    pub async fn subscribe(&self, rule: &str) -> Result<SignalStream<'_>> {
        Ok(SignalStream {
            inner: Match::install(self, rule, Queue::default()).await?,
            _bus: PhantomData,
        })
    }

    /// Streams the signals matching the given parts (`None` matches
    /// anything), as [`AsyncBus::subscribe`].
    pub async fn subscribe_signal(
        &self,
        sender: Option<&str>,
        path: Option<&str>,
        interface: Option<&str>,
        member: Option<&str>,
    ) -> Result<SignalStream<'_>> {
        self.subscribe(&signal_rule(sender, path, interface, member)?)
            .await
    }
}
