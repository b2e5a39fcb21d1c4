//! The global "how many at once" limits, on tower's standard pieces: its concurrency limit
//! behind its load shedder, so a full checker answers at once (503) instead of queueing.

use std::convert::Infallible;
use std::future::Future;
use std::task::{Context, Poll};

use tower::limit::ConcurrencyLimit;
use tower::load_shed::LoadShed;
use tower::{Service, ServiceBuilder, ServiceExt};

/// At most `max` pieces of work run through it at once; more are refused straight away.
#[derive(Clone)]
pub struct Shed {
    service: LoadShed<ConcurrencyLimit<Run>>,
}

impl Shed {
    pub fn new(max: usize) -> Shed {
        Shed {
            service: ServiceBuilder::new()
                .load_shed()
                .concurrency_limit(max)
                .service(Run),
        }
    }

    /// `work`'s output, or None when `max` are running already. The slot is held until
    /// `work` ends (or is dropped).
    pub async fn run<F: Future>(&self, work: F) -> Option<F::Output> {
        // Each caller its own clone: the clone takes the caller's permit when polled ready.
        self.service
            .clone()
            .oneshot(async { Ok::<_, Infallible>(work.await) })
            .await
            .ok()
    }
}

/// The service the limits wrap: it runs the future it is handed.
#[derive(Clone, Copy)]
struct Run;

impl<T, F: Future<Output = Result<T, Infallible>>> Service<F> for Run {
    type Response = T;
    type Error = Infallible;
    type Future = F;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, work: F) -> F {
        work
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn refuses_past_the_limit_and_frees_the_slot_when_work_ends() {
        let shed = Shed::new(2);
        let hold = || {
            let shed = shed.clone();
            tokio::spawn(async move { shed.run(std::future::pending::<()>()).await })
        };
        let (first, second) = (hold(), hold());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(shed.run(async { 1 }).await, None);
        // Work dropped (a request cut at its deadline) gives its slot back.
        second.abort();
        let _ = second.await;
        assert_eq!(shed.run(async { 2 }).await, Some(2));
        first.abort();
    }
}
