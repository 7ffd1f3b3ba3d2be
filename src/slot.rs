//! Slots: registrations in a bus that last as long as their handle.
//!
//! A [`Slot`] owns one reference to an `sd_bus_slot`: a match rule, a
//! pending asynchronous call, a served object… Dropping it undoes the
//! registration (removes the match, cancels the call). Closures given to
//! sd-bus are freed when their slot goes away, and a panic inside one is
//! re-raised from the `Bus` method that ran it ([`Bus::process`],
//! [`Bus::call`], …).
//!
//! Three ways to receive what the bus delivers:
//! - a closure: [`Bus::add_match`], [`Bus::match_signal`], [`Bus::call_async`];
//! - a blocking queue: [`Bus::subscribe`] returns a [`Subscription`] with
//!   [`Subscription::recv_timeout`] and an iterator ([`Bus::subscribe_nowait`]
//!   saves the round trip to the bus daemon);
//! - a handle for a reply: [`Bus::call_pending`] returns a [`PendingReply`],
//!   so many calls can be in flight on one connection.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ffi::{c_int, c_void};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::task::Waker;
#[cfg(feature = "tokio")]
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use libsystemd_sys as sys;

use crate::bus::{duration_usec, Bus};
use crate::callback;
use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::{BusName, InterfaceName, MemberName, ObjectPath};

/// An owned reference to an `sd_bus_slot`; dropping it unregisters.
pub struct Slot<'bus> {
    raw: NonNull<sys::sd_bus_slot>,
    _bus: PhantomData<&'bus Bus>,
}

impl Slot<'_> {
    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be a valid slot whose reference the caller hands over, of a
    /// bus that outlives `'bus` and stays on the current thread meanwhile.
    pub unsafe fn from_raw(raw: *mut sys::sd_bus_slot) -> Option<Self> {
        NonNull::new(raw).map(|raw| Slot {
            raw,
            _bus: PhantomData,
        })
    }

    /// The underlying pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::sd_bus_slot {
        self.raw.as_ptr()
    }

    /// Gives up ownership; the caller must `sd_bus_slot_unref` it (until
    /// then the registration stays).
    pub fn into_raw(self) -> *mut sys::sd_bus_slot {
        let raw = self.raw.as_ptr();
        std::mem::forget(self);
        raw
    }

    /// Hands the registration over to the bus: it lasts as long as the bus
    /// instead of this handle.
    pub fn detach(self) -> Result<()> {
        // SAFETY: valid slot; a floating slot is owned by its bus, so our
        // reference is released right after.
        check("sd_bus_slot_set_floating", unsafe {
            sys::sd_bus_slot_set_floating(self.as_ptr(), 1)
        })?;
        Ok(())
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        // SAFETY: we own one reference, released exactly once.
        unsafe { sys::sd_bus_slot_unref(self.as_ptr()) };
    }
}

impl std::fmt::Debug for Slot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Slot").field(&self.raw).finish()
    }
}

/// Frees a boxed closure when sd-bus destroys its slot.
unsafe extern "C" fn drop_boxed<F>(userdata: *mut c_void) {
    callback::catch((), || {
        // SAFETY: `userdata` came from `Box::<F>::into_raw` and sd-bus calls
        // the destroy callback exactly once.
        let boxed = unsafe { Box::from_raw(userdata.cast::<F>()) };
        drop(boxed);
    });
}

/// Calls a boxed `FnMut(&Message)` for a match.
unsafe extern "C" fn match_trampoline<F>(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int
where
    F: FnMut(&Message<'_>),
{
    callback::catch(0, || {
        // SAFETY: `userdata` is the live `Box<F>` of this slot; sd-bus
        // never runs a slot's callback re-entrantly.
        let f = unsafe { &mut *userdata.cast::<F>() };
        // SAFETY: sd-bus passes a valid message it keeps a reference to.
        if let Some(message) = unsafe { Message::from_raw_borrowed(m) } {
            f(&message);
        }
        0
    })
}

/// Calls a boxed `FnMut(&Message) -> bool` for an object's method call.
unsafe extern "C" fn object_trampoline<F>(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int
where
    F: FnMut(&Message<'_>) -> bool,
{
    callback::catch(-libc::EIO, || {
        // SAFETY: `userdata` is the live `Box<F>` of this slot.
        let f = unsafe { &mut *userdata.cast::<F>() };
        // SAFETY: sd-bus passes a valid message it keeps a reference to.
        match unsafe { Message::from_raw_borrowed(m) } {
            Some(message) => c_int::from(f(&message)),
            None => 0,
        }
    })
}

/// Calls a boxed `FnOnce(Result<&Message>)` for an asynchronous reply.
unsafe extern "C" fn reply_trampoline<F>(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int
where
    F: FnOnce(Result<&Message<'_>>),
{
    callback::catch(0, || {
        // SAFETY: `userdata` is the live `Option<F>` of this slot.
        let slot = unsafe { &mut *userdata.cast::<Option<F>>() };
        // SAFETY: sd-bus passes a valid message it keeps a reference to.
        if let (Some(f), Some(message)) = (slot.take(), unsafe { Message::from_raw_borrowed(m) }) {
            match message.error() {
                Some(error) => f(Err(Error::Bus(error))),
                None => f(Ok(&message)),
            }
        }
        0
    })
}

/// Registers a boxed closure as `userdata` of a new slot created by
/// `register`, with a destroy callback that frees it.
fn register_boxed<'bus, F>(
    operation: &'static str,
    value: F,
    register: impl FnOnce(*mut *mut sys::sd_bus_slot, *mut c_void) -> c_int,
) -> Result<Slot<'bus>> {
    let userdata = Box::into_raw(Box::new(value)).cast::<c_void>();
    let mut raw = ptr::null_mut();
    let ret = register(&mut raw, userdata);
    if ret < 0 {
        // SAFETY: registration failed, so sd-bus does not own the box.
        drop(unsafe { Box::from_raw(userdata.cast::<F>()) });
        return Err(Error::from_negative_errno(operation, ret));
    }
    // SAFETY: on success the slot's reference is handed to us.
    let slot = unsafe { Slot::from_raw(raw) }.ok_or_else(|| Error::no_object(operation))?;
    // SAFETY: valid slot; from now on sd-bus frees the box with the slot.
    unsafe { sys::sd_bus_slot_set_destroy_callback(slot.as_ptr(), Some(drop_boxed::<F>)) };
    Ok(slot)
}

/// A match rule built from its parts, each validated.
pub(crate) fn signal_rule(
    sender: Option<&str>,
    path: Option<&str>,
    interface: Option<&str>,
    member: Option<&str>,
) -> Result<String> {
    let mut rule = String::from("type='signal'");
    type Validate = fn(&str) -> Result<()>;
    let parts: [(&str, Option<&str>, Validate); 4] = [
        ("sender", sender, BusName::validate),
        ("path", path, ObjectPath::validate),
        ("interface", interface, InterfaceName::validate),
        ("member", member, MemberName::validate),
    ];
    for (key, value, validate) in parts {
        if let Some(value) = value {
            validate(value)?;
            rule.push_str(&format!(",{key}='{value}'"));
        }
    }
    Ok(rule)
}

fn check_match_rule(rule: &str) -> Result<()> {
    if rule.contains('\n') {
        return Err(Error::invalid(
            InvalidKind::MatchRule,
            rule,
            "contains a newline",
        ));
    }
    Ok(())
}

impl Bus {
    /// Calls `callback` for every message matching `rule` (D-Bus match rule
    /// syntax, such as `type='signal',interface='org.freedesktop.DBus'`)
    /// until the returned slot is dropped. The match is installed on the bus
    /// daemon synchronously.
    pub fn add_match<F>(&self, rule: &str, callback: F) -> Result<Slot<'_>>
    where
        F: FnMut(&Message<'_>) + Send + 'static,
    {
        check_match_rule(rule)?;
        let rule = CStrBuf::new(rule, InvalidKind::MatchRule)?;
        let slot = register_boxed("sd_bus_add_match", callback, |out, userdata| {
            // SAFETY: valid bus, out pointer and NUL-terminated rule;
            // `userdata` is a `Box<F>` matching the trampoline.
            unsafe {
                sys::sd_bus_add_match(
                    self.as_ptr(),
                    out,
                    rule.as_ptr(),
                    Some(match_trampoline::<F>),
                    userdata,
                )
            }
        });
        callback::resume_panic();
        slot.map_err(|e| match e {
            Error::Os { errno, .. } if errno == libc::EINVAL => Error::invalid(
                InvalidKind::MatchRule,
                rule.to_str(),
                "refused by sd-bus (bad key or value)",
            ),
            other => other,
        })
    }

    /// Calls `callback` for each signal matching the given parts (`None`
    /// matches anything).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let _slot = bus.match_signal(
    ///     Some("org.freedesktop.systemd1"),
    ///     None,
    ///     Some("org.freedesktop.DBus.Properties"),
    ///     Some("PropertiesChanged"),
    ///     |signal| println!("{:?} changed", signal.path()),
    /// )?;
    /// loop {
    ///     if !bus.process()? {
    ///         bus.wait(None)?;
    ///     }
    /// }
    /// # }
    /// ```
    pub fn match_signal<F>(
        &self,
        sender: Option<&str>,
        path: Option<&str>,
        interface: Option<&str>,
        member: Option<&str>,
        callback: F,
    ) -> Result<Slot<'_>>
    where
        F: FnMut(&Message<'_>) + Send + 'static,
    {
        self.add_match(&signal_rule(sender, path, interface, member)?, callback)
    }

    /// Calls `handler` for every method call to `path` (and, with
    /// `fallback`, to paths below it) that no more specific handler took.
    /// The handler returns whether it handled the call; a call nobody
    /// handles gets an `UnknownMethod`/`UnknownObject` error reply from
    /// sd-bus. Replies are sent with [`Message::new_method_return`] and
    /// [`Message::send`].
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let _slot = bus.add_object("/com/example/Echo", false, |call| {
    ///     if !call.is_method_call(Some("com.example.Echo"), Some("Echo")) {
    ///         return false;
    ///     }
    ///     let echo = || -> sdbus::Result<()> {
    ///         let text: String = call.read()?;
    ///         call.new_method_return()?.append(&text)?.send()?;
    ///         Ok(())
    ///     };
    ///     echo().is_ok()
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn add_object<F>(&self, path: &str, fallback: bool, handler: F) -> Result<Slot<'_>>
    where
        F: FnMut(&Message<'_>) -> bool + Send + 'static,
    {
        let path = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        register_boxed("sd_bus_add_object", handler, |out, userdata| {
            // SAFETY: valid bus, out pointer and NUL-terminated path;
            // `userdata` is a `Box<F>` matching the trampoline.
            unsafe {
                if fallback {
                    sys::sd_bus_add_fallback(
                        self.as_ptr(),
                        out,
                        path.as_ptr(),
                        Some(object_trampoline::<F>),
                        userdata,
                    )
                } else {
                    sys::sd_bus_add_object(
                        self.as_ptr(),
                        out,
                        path.as_ptr(),
                        Some(object_trampoline::<F>),
                        userdata,
                    )
                }
            }
        })
    }

    /// Sends a method call and returns at once; `callback` gets the reply
    /// (or the error) from [`Bus::process`] later. Dropping the slot
    /// cancels the call.
    pub fn call_async<F>(
        &self,
        call: &Message<'_>,
        timeout: Option<Duration>,
        callback: F,
    ) -> Result<Slot<'_>>
    where
        F: FnOnce(Result<&Message<'_>>) + Send + 'static,
    {
        register_boxed("sd_bus_call_async", Some(callback), |out, userdata| {
            // SAFETY: valid bus, message and out pointer; `userdata` is an
            // `Option<F>` box matching the trampoline.
            unsafe {
                sys::sd_bus_call_async(
                    self.as_ptr(),
                    out,
                    call.as_ptr(),
                    Some(reply_trampoline::<F>),
                    userdata,
                    duration_usec(timeout),
                )
            }
        })
    }

    /// Sends a method call and returns a handle for its reply, so many calls
    /// can be in flight on one connection.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let calls = (0..100)
    ///     .map(|_| {
    ///         let call = bus.new_method_call(
    ///             "org.freedesktop.DBus",
    ///             "/org/freedesktop/DBus",
    ///             "org.freedesktop.DBus.Peer",
    ///             "Ping",
    ///         )?;
    ///         bus.call_pending(&call, None)
    ///     })
    ///     .collect::<sdbus::Result<Vec<_>>>()?;
    /// for pending in calls {
    ///     pending.wait()?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn call_pending(
        &self,
        call: &Message<'_>,
        timeout: Option<Duration>,
    ) -> Result<PendingReply<'_>> {
        let state = CallbackData::new(PendingState { reply: None });
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, message and out pointer; `state_ptr` stays
        // valid until the slot is gone (see `PendingReply::drop`).
        let ret = unsafe {
            sys::sd_bus_call_async(
                self.as_ptr(),
                &mut raw,
                call.as_ptr(),
                Some(pending_trampoline),
                state.as_ptr().cast(),
                duration_usec(timeout),
            )
        };
        check("sd_bus_call_async", ret)?;
        // SAFETY: on success the slot's reference is handed to us.
        let slot =
            unsafe { Slot::from_raw(raw) }.ok_or_else(|| Error::no_object("sd_bus_call_async"))?;
        Ok(PendingReply {
            bus: self,
            slot: Some(slot),
            state,
        })
    }

    /// Queues every message matching `rule`, for blocking reception with
    /// [`Subscription::recv_timeout`] or as an iterator. The match is
    /// installed on the bus daemon before this returns.
    pub fn subscribe(&self, rule: &str) -> Result<Subscription<'_>> {
        self.subscribe_with(rule, false)
    }

    /// Like [`Bus::subscribe`], without waiting for the bus daemon to
    /// confirm the match: it saves a round trip.
    ///
    /// The bus daemon handles each connection's messages in order, so the
    /// match is in place before anything this connection sends afterwards
    /// reaches a peer: whatever a later call on this `Bus` makes a peer
    /// emit is received. Signals that other clients cause may be missed
    /// until the daemon has handled the match. If the daemon refuses it
    /// (too many matches, say), the subscription's next `recv…` returns
    /// the error, as does [`Subscription::status`].
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let jobs = bus.subscribe_nowait(
    ///     "type='signal',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'",
    /// )?;
    /// // A job started now is seen by `jobs`.
    /// # Ok(()) }
    /// ```
    pub fn subscribe_nowait(&self, rule: &str) -> Result<Subscription<'_>> {
        self.subscribe_with(rule, true)
    }

    fn subscribe_with(&self, rule: &str, nowait: bool) -> Result<Subscription<'_>> {
        check_match_rule(rule)?;
        let rule_c = CStrBuf::new(rule, InvalidKind::MatchRule)?;
        let queue = CallbackData::new(Queue::default());
        let mut raw = ptr::null_mut();
        let userdata = queue.as_ptr().cast();
        let (operation, ret) = if nowait {
            // SAFETY: valid bus, out pointer and rule; both callbacks get
            // the queue, which outlives the slot (see `Subscription::drop`).
            let ret = unsafe {
                sys::sd_bus_add_match_async(
                    self.as_ptr(),
                    &mut raw,
                    rule_c.as_ptr(),
                    Some(queue_trampoline),
                    Some(queue_install_trampoline),
                    userdata,
                )
            };
            ("sd_bus_add_match_async", ret)
        } else {
            // SAFETY: valid bus, out pointer and rule; the queue outlives
            // the slot (see `Subscription::drop`).
            let ret = unsafe {
                sys::sd_bus_add_match(
                    self.as_ptr(),
                    &mut raw,
                    rule_c.as_ptr(),
                    Some(queue_trampoline),
                    userdata,
                )
            };
            ("sd_bus_add_match", ret)
        };
        if ret == -libc::EINVAL {
            return Err(Error::invalid(
                InvalidKind::MatchRule,
                rule,
                "refused by sd-bus (bad key or value)",
            ));
        }
        check(operation, ret)?;
        // SAFETY: on success the slot's reference is handed to us.
        let slot = unsafe { Slot::from_raw(raw) }.ok_or_else(|| Error::no_object(operation))?;
        Ok(Subscription {
            bus: self,
            slot: Some(slot),
            queue,
        })
    }

    /// Like [`Bus::subscribe`], for signals matching the given parts.
    pub fn subscribe_signal(
        &self,
        sender: Option<&str>,
        path: Option<&str>,
        interface: Option<&str>,
        member: Option<&str>,
    ) -> Result<Subscription<'_>> {
        self.subscribe(&signal_rule(sender, path, interface, member)?)
    }

    /// Like [`Bus::subscribe_nowait`], for signals matching the given
    /// parts.
    pub fn subscribe_signal_nowait(
        &self,
        sender: Option<&str>,
        path: Option<&str>,
        interface: Option<&str>,
        member: Option<&str>,
    ) -> Result<Subscription<'_>> {
        self.subscribe_nowait(&signal_rule(sender, path, interface, member)?)
    }

    /// Processes the bus until `done` returns true or `deadline` passes
    /// (then returns `false`).
    pub(crate) fn process_until(
        &self,
        deadline: Option<Instant>,
        mut done: impl FnMut() -> bool,
    ) -> Result<bool> {
        loop {
            if done() {
                return Ok(true);
            }
            if self.process()? {
                continue;
            }
            if done() {
                return Ok(true);
            }
            let remaining = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(false);
                    }
                    Some(deadline - now)
                }
                None => None,
            };
            self.wait(remaining)?;
        }
    }
}

/// Heap data that C callbacks write through a raw pointer. Kept as a raw
/// pointer rather than a `Box` so that Rust never asserts unique access to
/// it while sd-bus may hold the pointer; freed on drop, which owners order
/// after their slot is gone.
struct CallbackData<T>(NonNull<T>);

impl<T> CallbackData<T> {
    fn new(value: T) -> Self {
        CallbackData(NonNull::from(Box::leak(Box::new(value))))
    }

    fn as_ptr(&self) -> *mut T {
        self.0.as_ptr()
    }

    fn get(&self) -> &T {
        // SAFETY: the pointer is valid until drop; C writes only happen
        // inside sd-bus calls, never while this borrow is in use.
        unsafe { self.0.as_ref() }
    }

    fn get_mut(&mut self) -> &mut T {
        // SAFETY: as for `get`, and `&mut self` excludes other Rust borrows.
        unsafe { self.0.as_mut() }
    }
}

impl<T> Drop for CallbackData<T> {
    fn drop(&mut self) {
        // SAFETY: allocated by `Box` in `new`, freed exactly once here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

struct PendingState {
    reply: Option<NonNull<sys::sd_bus_message>>,
}

unsafe extern "C" fn pending_trampoline(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: `userdata` is the `PendingState` of a live `PendingReply`.
    let state = unsafe { &mut *userdata.cast::<PendingState>() };
    if let Some(m) = NonNull::new(m) {
        // SAFETY: valid message; the reference taken here is owned by
        // `state` until taken out or dropped.
        unsafe { sys::sd_bus_message_ref(m.as_ptr()) };
        state.reply = Some(m);
    }
    0
}

/// A method call in flight, made with [`Bus::call_pending`]. Dropping it
/// cancels the call.
pub struct PendingReply<'bus> {
    bus: &'bus Bus,
    // Declared before `state`: the slot must go first so that sd-bus never
    // calls back into freed state.
    slot: Option<Slot<'bus>>,
    state: CallbackData<PendingState>,
}

impl<'bus> PendingReply<'bus> {
    /// Whether the reply (or an error) has arrived.
    pub fn is_ready(&self) -> bool {
        self.state.get().reply.is_some()
    }

    /// Takes the reply if it arrived, without processing the bus.
    pub fn try_take(&mut self) -> Option<Result<Message<'bus>>> {
        let raw = self.state.get_mut().reply.take()?;
        self.slot = None;
        // SAFETY: we own the reference taken in the trampoline.
        let message = unsafe { Message::from_raw(raw.as_ptr()) }?;
        Some(match message.error() {
            Some(error) => Err(Error::Bus(error)),
            None => Ok(message),
        })
    }

    /// Processes the bus until the reply arrives and returns it.
    pub fn wait(mut self) -> Result<Message<'bus>> {
        let bus = self.bus;
        bus.process_until(None, || self.state.get().reply.is_some())?;
        self.try_take().unwrap_or(Err(Error::Os {
            operation: "sd_bus_call_async",
            errno: libc::EIO,
        }))
    }
}

impl Drop for PendingReply<'_> {
    fn drop(&mut self) {
        self.slot = None;
        if let Some(raw) = self.state.get_mut().reply.take() {
            // SAFETY: we own the reference taken in the trampoline.
            unsafe { sys::sd_bus_message_unref(raw.as_ptr()) };
        }
    }
}

impl std::fmt::Debug for PendingReply<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingReply")
            .field("ready", &self.is_ready())
            .finish()
    }
}

/// What a [`Subscription`] received: the matching messages, and the bus
/// daemon's refusal of a match installed without waiting.
#[derive(Default)]
struct Queue {
    messages: RefCell<VecDeque<NonNull<sys::sd_bus_message>>>,
    refused: RefCell<Option<Error>>,
    /// The task waiting for either (an async driver processes the bus).
    waker: Cell<Option<Waker>>,
}

impl Queue {
    fn wake(&self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

unsafe extern "C" fn queue_trampoline(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: `userdata` is the queue of a live `Subscription`.
    let queue = unsafe { &*userdata.cast::<Queue>() };
    if let Some(m) = NonNull::new(m) {
        // SAFETY: valid message; the queue owns the new reference.
        unsafe { sys::sd_bus_message_ref(m.as_ptr()) };
        queue.messages.borrow_mut().push_back(m);
        callback::catch((), || queue.wake());
    }
    0
}

/// The bus daemon's answer to the `AddMatch` of
/// [`Bus::subscribe_nowait`]: an error is kept for the subscription.
unsafe extern "C" fn queue_install_trampoline(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    callback::catch(0, || {
        // SAFETY: `userdata` is the queue of a live `Subscription`.
        let queue = unsafe { &*userdata.cast::<Queue>() };
        // SAFETY: sd-bus passes the reply, valid for this call.
        let error = unsafe { Message::from_raw_borrowed(m) }.and_then(|reply| reply.error());
        if let Some(error) = error {
            *queue.refused.borrow_mut() = Some(Error::Bus(error));
            queue.wake();
        }
        0
    })
}

/// Messages matching a rule, queued for blocking reception. Made with
/// [`Bus::subscribe`]; dropping it removes the match.
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// let jobs = bus.subscribe(
///     "type='signal',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'",
/// )?;
/// if let Some(signal) = jobs.recv_timeout(std::time::Duration::from_secs(5))? {
///     let (id, job, unit, result): (u32, sdbus::names::ObjectPath, String, String) = signal.read_args()?;
/// }
/// # Ok(()) }
/// ```
pub struct Subscription<'bus> {
    bus: &'bus Bus,
    // Declared before `queue`: the match must go first.
    slot: Option<Slot<'bus>>,
    queue: CallbackData<Queue>,
}

impl<'bus> Subscription<'bus> {
    /// The next queued message, without processing the bus.
    pub fn try_recv(&self) -> Option<Message<'bus>> {
        let raw = self.queue.get().messages.borrow_mut().pop_front()?;
        // SAFETY: the queue owned this reference.
        unsafe { Message::from_raw(raw.as_ptr()) }
    }

    /// Processes the bus until a matching message arrives or `timeout`
    /// passes (`Ok(None)`).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Message<'bus>>> {
        let deadline = Instant::now().checked_add(timeout);
        self.recv_until(deadline)
    }

    /// Processes the bus until a matching message arrives or the deadline
    /// passes (`Ok(None)`); `None` waits forever.
    pub fn recv_until(&self, deadline: Option<Instant>) -> Result<Option<Message<'bus>>> {
        let queue = self.queue.get();
        self.bus.process_until(deadline, || {
            !queue.messages.borrow().is_empty() || queue.refused.borrow().is_some()
        })?;
        self.status()?;
        Ok(self.try_recv())
    }

    /// Ready once a message is queued or the match was refused; until then
    /// the task of `cx` is woken when one arrives, the bus being processed
    /// by someone else (the async driver).
    #[cfg(feature = "tokio")]
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        let queue = self.queue.get();
        if !queue.messages.borrow().is_empty() || queue.refused.borrow().is_some() {
            return Poll::Ready(());
        }
        let waker = match queue.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        queue.waker.set(Some(waker));
        Poll::Pending
    }

    /// Whether the match stands: `Err` with the bus daemon's answer if it
    /// refused a match of [`Bus::subscribe_nowait`] (then nothing will be
    /// received). Once reported, the error is not repeated.
    pub fn status(&self) -> Result<()> {
        match self.queue.get().refused.borrow_mut().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Processes the bus until a matching message arrives.
    pub fn recv(&self) -> Result<Message<'bus>> {
        loop {
            if let Some(message) = self.recv_until(None)? {
                return Ok(message);
            }
        }
    }
}

impl<'bus> Iterator for &Subscription<'bus> {
    type Item = Result<Message<'bus>>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.recv())
    }
}

impl Drop for Subscription<'_> {
    fn drop(&mut self) {
        self.slot = None;
        for raw in self.queue.get().messages.borrow_mut().drain(..) {
            // SAFETY: the queue owned these references.
            unsafe { sys::sd_bus_message_unref(raw.as_ptr()) };
        }
    }
}

impl std::fmt::Debug for Subscription<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("queued", &self.queue.get().messages.borrow().len())
            .finish()
    }
}
