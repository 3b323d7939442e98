//! A background thread owned by a value: dropping the value stops the thread and waits
//! for it, so pins are released and devices ungrabbed before anyone opens them again.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

/// The thread waits on the receiving end of a channel; dropping the `Worker` closes
/// the channel, which the thread takes as its signal to finish.
// Used by the Pi's pins and Linux's event devices; a build with neither has no threads.
#[cfg_attr(not(any(target_os = "linux", feature = "rpi")), allow(dead_code))]
pub(crate) struct Worker<T> {
    sender: Option<Sender<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Worker<T> {
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(Receiver<T>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || body(receiver))?;
        Ok(Worker {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Hands a message to the thread; false if the thread has already finished.
    #[cfg(feature = "rpi")]
    pub(crate) fn send(&self, message: T) -> bool {
        self.sender
            .as_ref()
            .is_some_and(|sender| sender.send(message).is_ok())
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            // A thread that panicked has nothing left to clean up; the panic was
            // already printed.
            let _ = thread.join();
        }
    }
}
