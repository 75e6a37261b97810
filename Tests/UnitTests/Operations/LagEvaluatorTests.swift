import Foundation
import MinshengKafka
import Testing
@testable import MinshengCtl

/// Burrow's rules over synthetic offset histories: one history per status, built sample by sample as
/// the exporter sees them (committed offset, end offset, whether a live member holds the partition).
@Suite("Burrow-style lag evaluation")
struct LagEvaluatorTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let evaluator = LagEvaluator(rules: .init(allowedLag: 0, minimumSilence: 2, minimumSamples: 3))

    /// Samples one second apart: (committed, end, held).
    func history(_ samples: [(Int64?, Int64, Bool)], capacity: Int = 10) -> (PartitionHistory, Date, Int64) {
        var history = PartitionHistory(capacity: capacity)
        for (index, sample) in samples.enumerated() {
            history.record(at: t0.addingTimeInterval(Double(index)), committed: sample.0, start: 0, end: sample.1, held: sample.2)
        }
        let last = samples[samples.count - 1]
        return (history, t0.addingTimeInterval(Double(samples.count - 1)), max(0, last.1 - (last.0 ?? 0)))
    }

    func verdict(_ samples: [(Int64?, Int64, Bool)]) -> LagEvaluator.Verdict {
        let (history, now, lag) = history(samples)
        return evaluator.evaluate(history, currentLag: lag, now: now)
    }

    @Test func caughtUpIsOK() {
        #expect(verdict([(10, 10, true), (12, 12, true), (15, 15, true), (15, 15, true)]).status == .ok)
    }

    @Test func catchingUpIsOK() {
        // Lag above zero throughout, but it shrinks.
        #expect(verdict([(10, 50, true), (20, 52, true), (30, 54, true), (40, 55, true)]).status == .ok)
    }

    @Test func lagThatWasZeroInTheWindowIsOK() {
        // Rule 1: a moment of zero lag in the window clears the rest.
        #expect(verdict([(10, 10, true), (11, 14, true), (12, 18, true), (13, 22, true)]).status == .ok)
    }

    @Test func growingLagWhileConsumingIsWarning() {
        let result = verdict([(10, 20, true), (15, 30, true), (20, 42, true), (25, 60, true)])
        #expect(result.status == .warning)
        #expect(result.reason?.contains("grew from 10 to 35") == true)
    }

    @Test func liveMemberWhoseOffsetDoesNotMoveIsStalled() {
        let result = verdict([(10, 20, true), (10, 21, true), (10, 22, true), (10, 22, true)])
        #expect(result.status == .stalled)
        #expect(result.reason?.contains("stays at 10") == true)
    }

    @Test func nobodyHoldingThePartitionAndNoCommitIsStopped() {
        // The consumer is gone: no member holds the partition, the offset never moves, messages wait.
        let result = verdict([(10, 20, false), (10, 20, false), (10, 21, false), (10, 21, false)])
        #expect(result.status == .stopped)
        #expect(result.reason?.contains("no commit for 3.0s") == true)
    }

    @Test func stoppedAfterAUsualRhythmOfCommits() {
        // Commits every second for five seconds, then the consumer dies: stopped once the silence is
        // longer than those five seconds, not before.
        var samples: [(Int64?, Int64, Bool)] = []
        for second in 0..<6 {
            let offset = Int64(10 * second)
            samples.append((offset, offset + 100, true))
        }
        samples += Array(repeating: (50, 200, false), count: 5)
        #expect(verdict(samples).status != .stopped)
        samples += Array(repeating: (50, 200, false), count: 2)
        #expect(verdict(samples).status == .stopped)
    }

    @Test func recentlyCaughtUpIsNotStoppedYet() {
        // Burrow's checkIfRecentLagZero: the end offset was at the committed offset a moment ago.
        let result = verdict([(10, 10, false), (10, 10, false), (10, 10, false), (10, 10, false), (10, 13, false)])
        #expect(result.status != .stopped)
    }

    @Test func rewindThatDoesNotRecoverIsError() {
        let result = verdict([(100, 120, true), (110, 130, true), (40, 140, true), (45, 150, true)])
        #expect(result.status == .error)
        #expect(result.reason?.contains("went back from 110 to 40") == true)
    }

    @Test func rewindThatRecoversIsNotError() {
        #expect(verdict([(100, 120, true), (90, 121, true), (115, 122, true), (121, 122, true)]).status == .ok)
    }

    @Test func tooFewSamplesAreNotJudged() {
        let result = verdict([(10, 20, false), (10, 20, false)])
        #expect(result.status == .ok)
        #expect(!result.complete)
    }

    @Test func noCommitCountsFromTheFirstOffset() {
        // A group that never committed starts at the partition's first offset: lag is the whole partition.
        var history = PartitionHistory()
        for index in 0..<4 {
            history.record(at: t0.addingTimeInterval(Double(index)), committed: nil, start: 3, end: 9, held: false)
        }
        #expect(history.commits.map(\.lag) == [6])
        #expect(evaluator.evaluate(history, currentLag: 6, now: t0.addingTimeInterval(3)).status == .stopped)
    }

    @Test func windowKeepsTheLastCommitsOnly() {
        let samples: [(Int64?, Int64, Bool)] = (0..<25).map { (index: Int) -> (Int64?, Int64, Bool) in (Int64(index), Int64(index) + 1, true) }
        let (history, _, _) = history(samples, capacity: 10)
        #expect(history.commits.count == 10)
        #expect(history.commits.first?.offset == 15)
        #expect(history.endOffsets.count == 10)
    }

    @Test func statusesOrderFromOKToError() {
        #expect(LagStatus.allCases.sorted() == [.ok, .warning, .stalled, .stopped, .error])
        #expect(LagStatus.allCases.map(\.code) == [0, 1, 2, 3, 4])
    }

    @Test func monitorMarksAnOffsetBeyondTheEndAsError() {
        var monitor = LagMonitor(evaluator: evaluator)
        let reading = LagReading(at: t0, groups: [
            .init(groupId: "minsheng-dispatch", state: "Stable", members: 1, partitions: [
                .init(topicPartition: TopicPartition(topic: "events.classified", partition: 0), committed: 50, start: 0, end: 20, owner: nil),
                .init(topicPartition: TopicPartition(topic: "events.classified", partition: 1), committed: 20, start: 0, end: 20, owner: nil),
            ], error: nil),
        ])
        let report = monitor.observe(reading)
        #expect(report.groups[0].partitions[0].status == .error)
        #expect(report.groups[0].partitions[1].status == .ok)
        #expect(report.groups[0].status == .error)
    }

    @Test func monitorKeepsWindowsAcrossReadingsAndJudgesTheGroupByItsWorstPartition() {
        var monitor = LagMonitor(evaluator: evaluator)
        var report: LagReport?
        for second in 0..<5 {
            report = monitor.observe(LagReading(at: t0.addingTimeInterval(Double(second)), groups: [
                .init(groupId: "minsheng-notification", state: "Empty", members: 0, partitions: [
                    .init(topicPartition: TopicPartition(topic: "workorders.updates", partition: 0), committed: 7, start: 0, end: 12, owner: nil),
                    .init(topicPartition: TopicPartition(topic: "workorders.updates", partition: 1), committed: 3, start: 0, end: 3, owner: nil),
                ], error: nil),
            ]))
        }
        let group = try! #require(report?.groups.first)
        #expect(group.status == .stopped)
        #expect(group.totalLag == 5)
        #expect(group.partitions.map(\.status) == [.stopped, .ok])
    }
}
