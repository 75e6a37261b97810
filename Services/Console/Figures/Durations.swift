/// Durations in seconds over the orders (or hand-overs) that have one: how many, the median and the
/// 90th percentile by the nearest-rank method (the same as dispatch's `/v1/stats`).
struct Durations: Codable, Sendable, Equatable {
    var count: Int
    var medianSeconds: Double?
    var p90Seconds: Double?

    init(count: Int, medianSeconds: Double?, p90Seconds: Double?) {
        self.count = count
        self.medianSeconds = medianSeconds
        self.p90Seconds = p90Seconds
    }

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        self.init(count: sorted.count, medianSeconds: percentile(0.5), p90Seconds: percentile(0.9))
    }
}
