import Foundation

/// Where dispatch's logic gets the time: the system clock in production, a hand-set one in tests. Domain
/// functions take `now` as a parameter; only the edges (API handlers, the deadline watcher) ask a clock.
protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's clock.
struct SystemWallClock: WallClock {
    func now() -> Date { Date() }
}
