//! State changes as they happen: [`UnitWatch`] for one unit's state,
//! [`ManagerEvents`] for the manager's signals. Both block on the bus until
//! the manager sends something; neither polls.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::manager::Manager;
use super::types::{ActiveState, JobResult};
use super::unit::Unit;
use super::{signal_sender, MANAGER_INTERFACE, MANAGER_PATH, UNIT_INTERFACE};
use crate::error::Result;
use crate::message::Message;
use crate::names::ObjectPath;
use crate::properties::PropertiesChanged;
use crate::slot::Subscription;
use crate::types::Value;

/// A unit's state: its `ActiveState` and `SubState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStateChange {
    /// The high-level state.
    pub active_state: ActiveState,
    /// The type-specific state, such as `running`, `start` or `exited`.
    pub sub_state: String,
}

/// The `ActiveState`/`SubState` changes of one unit, received from the
/// unit's `PropertiesChanged` signals as the manager sends them.
///
/// Made with [`Unit::watch`] or [`Manager::watch_unit`], which install the
/// match, call `Subscribe` on the manager (which sends units' signals only
/// to subscribed clients) and read the current state, in that order, so no
/// change after [`UnitWatch::state`] is missed. Signals that change neither
/// property are skipped, and so are those older than the state read (by
/// their `StateChangeTimestampMonotonic`, which the manager updates with
/// `ActiveState`): a signal still on its way while the watch was being set
/// up cannot take the watch back to an earlier `ActiveState`.
/// Dropping the watch removes the match (the connection stays subscribed;
/// see [`Manager::subscribe`]).
///
/// The manager reports the state it is in when it sends its signals, once
/// per turn of its event loop, so a state that lasts less than that may
/// never be seen.
///
/// ```no_run
/// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
/// use sdbus::systemd1::{ActiveState, JobMode};
///
/// let watch = manager.watch_unit("foo.service")?;
/// manager.start_unit("foo.service", JobMode::Replace)?;
/// for change in &watch {
///     let change = change?;
///     println!("{} {}", change.active_state, change.sub_state);
///     if change.active_state == ActiveState::Active {
///         break;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct UnitWatch<'bus> {
    unit: Unit<'bus>,
    signals: Subscription<'bus>,
    state: RefCell<Known>,
}

/// The last state known, and when the manager says it was entered; shared
/// with the async watch of the `tokio` module.
#[derive(Debug)]
pub(crate) struct Known {
    pub(crate) state: UnitStateChange,
    /// `StateChangeTimestampMonotonic`, 0 if the manager has none.
    pub(crate) since: u64,
}

impl Known {
    /// The state after `signal`, if it changed: signals older than the
    /// state known (by `StateChangeTimestampMonotonic`) and those that
    /// change neither state are skipped. (The manager always sends
    /// `ActiveState` and `SubState` with their values, never as
    /// invalidated.)
    pub(crate) fn apply(&mut self, signal: &Message<'_>) -> Option<UnitStateChange> {
        let change = PropertiesChanged::from_message(signal).ok()?;
        if change.interface != UNIT_INTERFACE {
            return None;
        }
        if let Some(since) = change
            .changed
            .get(STATE_CHANGE_TIMESTAMP)
            .and_then(Value::as_u64)
        {
            if since < self.since {
                return None;
            }
            self.since = since;
        }
        let mut state = self.state.clone();
        if let Some(active) = change.changed.get("ActiveState").and_then(Value::as_str) {
            state.active_state = ActiveState::from(active);
        }
        if let Some(sub) = change.changed.get("SubState").and_then(Value::as_str) {
            sub.clone_into(&mut state.sub_state);
        }
        if state == self.state {
            return None;
        }
        self.state = state.clone();
        Some(state)
    }
}

/// The property that orders a unit's state changes.
const STATE_CHANGE_TIMESTAMP: &str = "StateChangeTimestampMonotonic";

impl<'bus> UnitWatch<'bus> {
    pub(super) fn new(unit: Unit<'bus>) -> Result<UnitWatch<'bus>> {
        let bus = unit.bus();
        let sender = signal_sender(bus)
            .map(|sender| format!("sender='{sender}',"))
            .unwrap_or_default();
        // Paths are validated object paths: no quote can end the value.
        let rule = format!(
            "type='signal',{sender}path='{}',interface='org.freedesktop.DBus.Properties',\
             member='PropertiesChanged',arg0='{UNIT_INTERFACE}'",
            unit.path()
        );
        let signals = bus.subscribe(&rule)?;
        unit.manager().ensure_subscribed()?;
        // One `GetAll`: the state and its timestamp must come together.
        let properties = unit.properties(UNIT_INTERFACE)?;
        let known = Known {
            state: UnitStateChange {
                active_state: ActiveState::from(properties.get::<&str>("ActiveState")?),
                sub_state: properties.get::<&str>("SubState")?.to_owned(),
            },
            since: properties.get(STATE_CHANGE_TIMESTAMP).unwrap_or(0),
        };
        Ok(UnitWatch {
            unit,
            signals,
            state: RefCell::new(known),
        })
    }

    /// The unit watched.
    pub fn unit(&self) -> &Unit<'bus> {
        &self.unit
    }

    /// The last state known: read when the watch was made, then updated
    /// by every change received.
    pub fn state(&self) -> UnitStateChange {
        self.state.borrow().state.clone()
    }

    /// The state after `signal`, if it changed (see [`Known::apply`]).
    fn apply(&self, signal: &Message<'_>) -> Option<UnitStateChange> {
        self.state.borrow_mut().apply(signal)
    }

    /// The next change, without processing the bus.
    pub fn try_recv(&self) -> Option<UnitStateChange> {
        while let Some(signal) = self.signals.try_recv() {
            if let Some(change) = self.apply(&signal) {
                return Some(change);
            }
        }
        None
    }

    /// Processes the bus until the state changes or `deadline` passes
    /// (`Ok(None)`); `None` waits as long as it takes.
    pub fn recv_until(&self, deadline: Option<Instant>) -> Result<Option<UnitStateChange>> {
        loop {
            let Some(signal) = self.signals.recv_until(deadline)? else {
                return Ok(None);
            };
            if let Some(change) = self.apply(&signal) {
                return Ok(Some(change));
            }
        }
    }

    /// Processes the bus until the state changes or `timeout` passes
    /// (`Ok(None)`).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<UnitStateChange>> {
        self.recv_until(Instant::now().checked_add(timeout))
    }

    /// Processes the bus until the state changes.
    pub fn recv(&self) -> Result<UnitStateChange> {
        loop {
            if let Some(change) = self.recv_until(None)? {
                return Ok(change);
            }
        }
    }

    /// Processes the bus until the state satisfies `done` (checking the
    /// last known state first) or `timeout` passes (`Ok(None)`), and returns
    /// that state.
    ///
    /// ```no_run
    /// # fn demo(unit: &sdbus::systemd1::Unit) -> sdbus::Result<()> {
    /// use std::time::Duration;
    /// use sdbus::systemd1::ActiveState;
    /// let watch = unit.watch()?;
    /// let state = watch.wait_for(Duration::from_secs(10), |s| s.active_state == ActiveState::Failed)?;
    /// # Ok(()) }
    /// ```
    pub fn wait_for(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&UnitStateChange) -> bool,
    ) -> Result<Option<UnitStateChange>> {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.state();
        loop {
            if done(&state) {
                return Ok(Some(state));
            }
            match self.recv_until(deadline)? {
                Some(change) => state = change,
                None => return Ok(None),
            }
        }
    }
}

/// Blocks for each change in turn, as [`UnitWatch::recv`] does.
impl Iterator for &UnitWatch<'_> {
    type Item = Result<UnitStateChange>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.recv())
    }
}

/// A signal of the manager, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagerEvent {
    /// A unit was loaded into memory (`UnitNew`).
    UnitNew {
        /// Its name.
        name: String,
        /// Its object path.
        path: ObjectPath,
    },
    /// A unit was unloaded (`UnitRemoved`).
    UnitRemoved {
        /// Its name.
        name: String,
        /// Its object path.
        path: ObjectPath,
    },
    /// A job was queued (`JobNew`).
    JobNew {
        /// Its number.
        id: u32,
        /// Its object path.
        path: ObjectPath,
        /// The name of its unit.
        unit: String,
    },
    /// A job finished (`JobRemoved`).
    JobRemoved {
        /// Its number.
        id: u32,
        /// Its object path.
        path: ObjectPath,
        /// The name of its unit.
        unit: String,
        /// How it finished.
        result: JobResult,
    },
    /// The manager starts (`true`) or finished (`false`) reloading its
    /// configuration (`Reloading`).
    Reloading(bool),
    /// Unit files were enabled, disabled, masked… (`UnitFilesChanged`).
    UnitFilesChanged,
    /// Startup finished (`StartupFinished`); times in microseconds.
    StartupFinished {
        /// Time spent in the firmware.
        firmware: u64,
        /// Time spent in the boot loader.
        loader: u64,
        /// Time spent in the kernel.
        kernel: u64,
        /// Time spent in the initrd.
        initrd: u64,
        /// Time spent in user space.
        userspace: u64,
        /// The total.
        total: u64,
    },
}

impl ManagerEvent {
    /// Decodes a signal of the manager interface; `Ok(None)` for any other
    /// message, or a signal this crate does not know.
    pub fn from_message(signal: &Message<'_>) -> Result<Option<ManagerEvent>> {
        if !signal.is_signal(Some(MANAGER_INTERFACE), None) {
            return Ok(None);
        }
        // Every match of the bus shares the message and its read position.
        signal.rewind()?;
        Ok(Some(match signal.member() {
            Some("UnitNew") => {
                let (name, path) = signal.read_args()?;
                ManagerEvent::UnitNew { name, path }
            }
            Some("UnitRemoved") => {
                let (name, path) = signal.read_args()?;
                ManagerEvent::UnitRemoved { name, path }
            }
            Some("JobNew") => {
                let (id, path, unit) = signal.read_args()?;
                ManagerEvent::JobNew { id, path, unit }
            }
            Some("JobRemoved") => {
                let (id, path, unit, result) = signal.read_args()?;
                ManagerEvent::JobRemoved {
                    id,
                    path,
                    unit,
                    result,
                }
            }
            Some("Reloading") => ManagerEvent::Reloading(signal.read()?),
            Some("UnitFilesChanged") => ManagerEvent::UnitFilesChanged,
            Some("StartupFinished") => {
                let (firmware, loader, kernel, initrd, userspace, total) = signal.read_args()?;
                ManagerEvent::StartupFinished {
                    firmware,
                    loader,
                    kernel,
                    initrd,
                    userspace,
                    total,
                }
            }
            _ => return Ok(None),
        }))
    }
}

/// The manager's signals as [`ManagerEvent`]s: units loaded and unloaded,
/// jobs queued and finished, reloads.
///
/// Made with [`Manager::events`], which installs the match and then calls
/// `Subscribe` on the manager. Dropping it removes the match (the
/// connection stays subscribed; see [`Manager::subscribe`]).
///
/// ```no_run
/// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
/// use sdbus::systemd1::ManagerEvent;
/// let events = manager.events()?;
/// for event in &events {
///     match event? {
///         ManagerEvent::UnitNew { name, .. } => println!("+ {name}"),
///         ManagerEvent::JobRemoved { unit, result, .. } => println!("{unit}: {result}"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ManagerEvents<'bus> {
    signals: Subscription<'bus>,
}

impl<'bus> ManagerEvents<'bus> {
    pub(super) fn new(manager: &Manager<'bus>) -> Result<ManagerEvents<'bus>> {
        let bus = manager.bus();
        let signals = bus.subscribe_signal(
            signal_sender(bus),
            Some(MANAGER_PATH),
            Some(MANAGER_INTERFACE),
            None,
        )?;
        manager.ensure_subscribed()?;
        Ok(ManagerEvents { signals })
    }

    /// The next event, without processing the bus.
    pub fn try_recv(&self) -> Result<Option<ManagerEvent>> {
        while let Some(signal) = self.signals.try_recv() {
            if let Some(event) = ManagerEvent::from_message(&signal)? {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// Processes the bus until an event arrives or `deadline` passes
    /// (`Ok(None)`); `None` waits as long as it takes.
    pub fn recv_until(&self, deadline: Option<Instant>) -> Result<Option<ManagerEvent>> {
        loop {
            let Some(signal) = self.signals.recv_until(deadline)? else {
                return Ok(None);
            };
            if let Some(event) = ManagerEvent::from_message(&signal)? {
                return Ok(Some(event));
            }
        }
    }

    /// Processes the bus until an event arrives or `timeout` passes
    /// (`Ok(None)`).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<ManagerEvent>> {
        self.recv_until(Instant::now().checked_add(timeout))
    }

    /// Processes the bus until an event arrives.
    pub fn recv(&self) -> Result<ManagerEvent> {
        loop {
            if let Some(event) = self.recv_until(None)? {
                return Ok(event);
            }
        }
    }
}

/// Blocks for each event in turn, as [`ManagerEvents::recv`] does.
impl Iterator for &ManagerEvents<'_> {
    type Item = Result<ManagerEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.recv())
    }
}
