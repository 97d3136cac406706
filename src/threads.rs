//! Work spread over threads that may not start: a limit on a host's threads (`ulimit -u`, a
//! cgroup's `pids.max`) makes `std::thread::Scope::spawn` panic. Here the work then runs on the
//! calling thread, with the same result, only slower.

use std::thread::{Scope, ScopedJoinHandle};

/// Work handed to a thread, or already done on this one.
pub enum Share<'scope, T> {
    Running(ScopedJoinHandle<'scope, T>),
    Done(T),
}

impl<T> Share<'_, T> {
    /// The work's result; `Err` when its thread panicked.
    pub fn join(self) -> std::thread::Result<T> {
        match self {
            Share::Running(handle) => handle.join(),
            Share::Done(result) => Ok(result),
        }
    }
}

/// `job(arg)` on a new thread of `scope`, or on this one when no thread can be made.
pub fn share<'scope, A: Clone + Send + 'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    job: &'scope (impl Fn(A) -> T + Sync),
    arg: A,
) -> Share<'scope, T> {
    share_on(std::thread::Builder::new(), scope, job, arg)
}

fn share_on<'scope, 'env, A, T, F>(
    builder: std::thread::Builder,
    scope: &'scope Scope<'scope, 'env>,
    job: &'scope F,
    arg: A,
) -> Share<'scope, T>
where
    A: Clone + Send + 'scope,
    T: Send + 'scope,
    F: Fn(A) -> T + Sync,
{
    let here = arg.clone();
    match builder.spawn_scoped(scope, move || job(arg)) {
        Ok(handle) => Share::Running(handle),
        Err(_) => Share::Done(job(here)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_work_gives_each_share_its_own_result() {
        let job = |n: usize| n * 2;
        let results: Vec<usize> = std::thread::scope(|scope| {
            let shares: Vec<_> = (0..4).map(|n| share(scope, &job, n)).collect();
            shares.into_iter().map(|s| s.join().unwrap()).collect()
        });
        assert_eq!(results, vec![0, 2, 4, 6]);
    }

    #[test]
    fn work_whose_thread_cannot_start_is_done_on_this_one() {
        let job = |n: usize| (n * 2, std::thread::current().id());
        let here = std::thread::current().id();
        let (result, ran_on) = std::thread::scope(|scope| {
            // A stack no machine can map: the thread cannot be made.
            let impossible = std::thread::Builder::new().stack_size(usize::MAX / 2);
            let share = share_on(impossible, scope, &job, 21);
            assert!(matches!(share, Share::Done(_)));
            share.join().unwrap()
        });
        assert_eq!((result, ran_on), (42, here));
    }

    #[test]
    fn work_that_panics_on_its_thread_is_an_error_to_join() {
        // Also unwinds through the unwinder the build links (build.rs).
        let job = |n: usize| {
            if n == 1 {
                panic!("share {n} stops");
            }
            n
        };
        std::thread::scope(|scope| {
            let shares: Vec<_> = (0..2).map(|n| share(scope, &job, n)).collect();
            let joined: Vec<bool> = shares.into_iter().map(|s| s.join().is_ok()).collect();
            assert_eq!(joined, vec![true, false]);
        });
    }
}
