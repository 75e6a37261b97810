/// When to try a failed delivery again: exponential backoff with jitter, up to a number of attempts.
struct RetryPolicy: Sendable {
    /// 12 attempts span about 17 minutes: a unit's webhook may be down for a while.
    var maximumAttempts = 12
    var baseDelay: Duration = .seconds(1)
    var maximumDelay: Duration = .seconds(300)

    init(maximumAttempts: Int = 12, baseDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(300)) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }
    /// ± this fraction of the delay, so many failed deliveries do not retry in step.
    var jitter = 0.2

    /// The wait after the `attempt`-th failed attempt (1-based); nil when no attempt is left.
    func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        let exponential = baseDelay * Double(1 << min(attempt - 1, 20))
        let capped = min(exponential, maximumDelay)
        return capped * (1 + jitter * (2 * random - 1))
    }

    /// Whether an HTTP status means "do not try again": 4xx other than 408 and 429.
    static func isPermanentFailure(httpStatus: Int) -> Bool {
        (400..<500).contains(httpStatus) && httpStatus != 408 && httpStatus != 429
    }
}
