import MinshengPlatform
import Testing

/// The waits of a shutdown run in cancelled tasks, where `Task.sleep` returns at once: a loop around it
/// spun on the cooperative pool and starved the outbox it waited for (a flaky hand-over in CI).
@Suite("Pausing while shutting down")
struct ShutdownPauseTests {
    @Test func aCancelledTaskStillPauses() async {
        let clock = ContinuousClock()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            let started = clock.now
            try? await Task.sleep(for: .milliseconds(50))
            let slept = clock.now - started
            let pausedFrom = clock.now
            await pauseEvenIfCancelled(for: .milliseconds(50))
            return (slept, clock.now - pausedFrom, Task.isCancelled)
        }
        let (slept, paused, cancelled) = await task.value
        #expect(cancelled)
        #expect(slept < .milliseconds(50), "Task.sleep in a cancelled task returns at once")
        #expect(paused >= .milliseconds(50))
    }
}
