//! SIGINT/SIGTERM: set a flag instead of dying, so a submit in progress can roll back.
//!
//! The handlers are registered at start; a small thread runs a single-threaded tokio runtime that
//! waits for either signal. Work in
//! progress checks [`interrupted`]; a thread waiting for a stage registers a wake-up with
//! [`wake_on_signal`], so it kills the running child as soon as the signal arrives. A second signal while rolling back is recorded too, but rollback finishes:
//! leaving half a topology behind is worse than a slow exit.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static ROLLING_BACK: AtomicBool = AtomicBool::new(false);

type Wake = Box<dyn Fn() + Send>;
/// Wake-ups to call when a signal arrives, by registration id.
static WAKERS: Mutex<Vec<(u64, Wake)>> = Mutex::new(Vec::new());
static NEXT_WAKER: AtomicU64 = AtomicU64::new(0);

fn wakers() -> std::sync::MutexGuard<'static, Vec<(u64, Wake)>> {
    // A waker that panicked cannot leave the list half-changed: take it as it is.
    WAKERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Calls `wake` on every SIGINT/SIGTERM until the returned guard is dropped. Check
/// [`should_stop`] after registering: a signal that came before was not seen by `wake`.
pub fn wake_on_signal(wake: impl Fn() + Send + 'static) -> WakeGuard {
    let id = NEXT_WAKER.fetch_add(1, Ordering::SeqCst);
    wakers().push((id, Box::new(wake)));
    WakeGuard(id)
}

/// Unregisters its wake-up when dropped.
#[derive(Debug)]
pub struct WakeGuard(u64);

impl Drop for WakeGuard {
    fn drop(&mut self) {
        wakers().retain(|(id, _)| *id != self.0);
    }
}

/// True when running children should be stopped: a signal arrived and no rollback is under way
/// (rollback must run to the end even after Ctrl-C).
pub fn should_stop() -> bool {
    interrupted() && !ROLLING_BACK.load(Ordering::SeqCst)
}

/// Marks the start of a rollback: children are no longer stopped on a signal.
pub fn begin_rollback() {
    ROLLING_BACK.store(true, Ordering::SeqCst);
}

/// True once SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The name of the signal that arrived, if any.
pub fn signal_name() -> &'static str {
    match SIGNAL.load(Ordering::SeqCst) {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// Marks the process interrupted (tests, and the handler thread).
pub fn set_interrupted(signal: i32) {
    SIGNAL.store(signal, Ordering::SeqCst);
    INTERRUPTED.store(true, Ordering::SeqCst);
    for (_, wake) in wakers().iter() {
        wake();
    }
}

/// Installs the handlers. Failing to install them is not fatal: the default action (exit) stays.
///
/// The handlers are registered on the calling thread before this returns, so a signal right
/// after start is not lost; only waiting for them moves to a thread. (A handshake with a thread
/// that registered them itself cost ~0.1 ms per command, and a whole millisecond whenever that
/// thread did not get a core at once.)
pub fn install() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    else {
        return;
    };
    let registered = {
        let _in_runtime = rt.enter();
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    let (Ok(mut int), Ok(mut term)) = registered else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            rt.block_on(async move {
                loop {
                    tokio::select! {
                        _ = int.recv() => set_interrupted(2),
                        _ = term.recv() => set_interrupted(15),
                    }
                }
            });
        });
}
