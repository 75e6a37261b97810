import Foundation

/// A work order's number (工单号), `WO<yyyyMMdd>-<p>-<nnnnnn>`: the command centre's day (UTC+8), the
/// partition whose owner gave it, and the count of that day's orders in that partition from 000001
/// (docs/messages.md). Unique across instances without coordination: only the owner of partition p
/// gives numbers with p, from a counter that is part of p's state. Numbers from before partitioned
/// state, `WO<yyyyMMdd>-<nnnnnn>`, are read as partition 0.
struct WorkOrderNumber: Sendable, Equatable {
    var day: String
    var partition: Int32
    var number: Int

    var id: String { "WO\(day)-\(partition)-" + String(format: "%06d", number) }

    /// The parts of `id`; nil when it is not a work-order number.
    init?(_ id: String) {
        guard id.hasPrefix("WO"), id.count <= 40 else { return nil }
        let parts = id.dropFirst(2).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              parts.first?.count == 8 else { return nil }
        switch parts.count {
        case 2:
            guard let number = Int(parts[1]) else { return nil }
            self.init(day: String(parts[0]), partition: 0, number: number)
        case 3:
            guard let partition = Int32(parts[1]), let number = Int(parts[2]) else { return nil }
            self.init(day: String(parts[0]), partition: partition, number: number)
        default:
            return nil
        }
    }

    init(day: String, partition: Int32, number: Int) {
        self.day = day
        self.partition = partition
        self.number = number
    }

    /// The command centre's day of `date` (UTC+8), `yyyyMMdd`.
    static func day(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let day = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d%02d%02d", day.year!, day.month!, day.day!)
    }
}
