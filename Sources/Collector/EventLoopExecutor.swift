import NIOCore

/// Runs the collector's tasks on the one NIO event loop that also carries its gRPC connection and its timers.
///
/// The collector wakes once a second to sample, append and send. On the default executors each wake-up crossed
/// three threads (a dispatch timer, the cooperative pool, NIO's event loop), each hop a futex and a context
/// switch: about a third of its CPU. On one loop, a tick is one thread's work.
final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension EventLoop {
    /// Sleeps on the loop's own timer (`Task.sleep` would start libdispatch's timer thread and its once-a-second
    /// worker monitor); returns early when the task is cancelled.
    func sleep(for duration: TimeAmount) async {
        let scheduled = scheduleTask(in: duration) {}
        await withTaskCancellationHandler {
            _ = try? await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
