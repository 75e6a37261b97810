import Dispatch

/// Waits `duration` even in a cancelled task, for the waits of a shutdown (until the outbox confirms what
/// was written): there `Task.sleep` throws at once, and a wait loop around it would spin on a thread of
/// the cooperative pool (two on a 2-core machine), starving the very tasks it waits for.
public func pauseEvenIfCancelled(for duration: Duration) async {
    let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(max(0, nanoseconds)))) { continuation.resume() }
    }
}
