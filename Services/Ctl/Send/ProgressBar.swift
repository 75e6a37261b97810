import Foundation

/// A one-line progress bar on standard error (only when it is a terminal, or forced): done/total,
/// percent, rate.
final class ProgressBar {
    private let total: Int
    private let enabled: Bool
    private let started = Date()
    private var lastDrawn = Date.distantPast

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) == 1 && total > 0
    }

    func update(_ done: Int) {
        guard enabled, Date().timeIntervalSince(lastDrawn) >= 0.1 || done == total else { return }
        lastDrawn = Date()
        FileHandle.standardError.write(Data(("\r" + Self.line(done: done, total: total, elapsed: Date().timeIntervalSince(started))).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func line(done: Int, total: Int, elapsed: TimeInterval, width: Int = 30) -> String {
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            + "\(done)/\(total) \(Int((fraction * 100).rounded(.down)))% \(Int(rate))/s"
    }
}
