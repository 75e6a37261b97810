import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Deadline policy")
struct DeadlinePolicyTests {
    let shipped = try! DeadlinePolicy.load(directory: TestSupport.configDirectory)
    let calendar = try! WorkingCalendar.load(directory: TestSupport.configDirectory)

    func cst(_ text: String) -> Date { MessageCoding.parseTimestamp(text + "+08:00")! }

    @Test(arguments: [
        ("20s", DeadlineSpan.seconds(20)), ("5m", .minutes(5)), ("1.5h", .seconds(5400)), ("3d", .seconds(259_200)),
        ("5wd", .workingDays(5)), ("0.5wd", .workingDays(0.5)), (" 2H ", .hours(2)),
    ])
    func spansParse(text: String, span: DeadlineSpan) {
        #expect(DeadlineSpan(text) == span)
    }

    @Test(arguments: ["", "5", "m", "-5m", "0s", "5 m", "1e3s", "5w", "5wdd", "abc"])
    func nonsenseIsNotASpan(text: String) {
        #expect(DeadlineSpan(text) == nil)
    }

    @Test func theShippedDefaultsAreTheIssuesNumbers() {
        let expected: [Level: DeadlinePolicy.Spans] = [
            .critical: .init(sign: .minutes(5), onSite: .minutes(15), resolve: .hours(24)),
            .urgent: .init(sign: .minutes(30), onSite: nil, resolve: .seconds(3 * 86_400)),
            .normal: .init(sign: .hours(2), onSite: nil, resolve: .workingDays(5)),
            .low: .init(sign: .workingDays(1), onSite: nil, resolve: .workingDays(3)),
        ]
        for level in Level.allCases {
            #expect(shipped.spans(level: level, category: .market) == expected[level], "\(level)")
        }
        #expect(shipped.warningFraction == 0.8)
        #expect(shipped.feedbackPeriod == .workingDays(3))
    }

    @Test func aCategoryOverridesOneSpanOfOneLevel() {
        #expect(shipped.spans(level: .normal, category: .labor).resolve == .workingDays(10))
        #expect(shipped.spans(level: .normal, category: .labor).sign == .hours(2))
        #expect(shipped.spans(level: .urgent, category: .labor) == shipped.spans(level: .urgent, category: .market))
    }

    @Test func criticalDeadlinesAreClockTimeWithWarningsAtEightyPercent() {
        let start = cst("2026-11-28T03:00:00")  // a Saturday night: clock time does not care
        let deadlines = shipped.deadlines(level: .critical, category: .safety, from: start, calendar: calendar)
        #expect(deadlines.signBy == start.addingTimeInterval(300))
        #expect(deadlines.signWarningAt == start.addingTimeInterval(240))
        #expect(deadlines.onSiteBy == start.addingTimeInterval(900))
        #expect(deadlines.onSiteWarningAt == start.addingTimeInterval(720))
        #expect(deadlines.resolveBy == start.addingTimeInterval(86_400))
        #expect(deadlines.resolveWarningAt == start.addingTimeInterval(0.8 * 86_400))
        #expect(deadlines.timers.count == 6)
    }

    @Test func workingDayDeadlinesSkipTheWeekendAndWarnAtEightyPercentOfWorkingTime() {
        let start = cst("2026-11-26T10:00:00")  // Thursday
        let deadlines = shipped.deadlines(level: .normal, category: .market, from: start, calendar: calendar)
        #expect(deadlines.signBy == cst("2026-11-26T12:00:00"))
        #expect(deadlines.onSiteBy == nil)
        // 5 working days: Fri, Mon, Tue, Wed, Thu → Thursday 3 Dec 10:00; 80% = 4 working days → Wed 2 Dec 10:00.
        #expect(deadlines.resolveBy == cst("2026-12-03T10:00:00"))
        #expect(deadlines.resolveWarningAt == cst("2026-12-02T10:00:00"))
        #expect(deadlines.timers.map(\.kind).sorted { $0.rawValue < $1.rawValue }
                == [.resolveOverdue, .resolveWarning, .signOverdue, .signWarning])
        let low = shipped.deadlines(level: .low, category: .other, from: cst("2026-11-27T16:00:00"), calendar: calendar)
        #expect(low.signBy == cst("2026-11-30T16:00:00"))  // Friday 16:00 + 1 working day
    }

    @Test func theFeedbackPeriodCountsWorkingDays() {
        #expect(shipped.feedbackDue(resolvedAt: cst("2026-11-27T10:00:00"), calendar: calendar) == cst("2026-12-02T10:00:00"))
    }

    @Test func problemsNameTheirPlace() throws {
        let json = """
            {"warningAt": 1.2, "feedbackPeriod": "soon",
             "levels": {"critical": {"sign": "5m", "resolve": "1m"}, "urgent": {"sign": "30m"},
                        "normal": {"sign": "2h", "resolve": "5wd"}, "low": {"sign": "1wd", "resolve": "3wd"}, "extreme": {}},
             "categories": {"parking": {}, "labor": {"normal": {"resolve": "1h"}, "severe": {}}}}
            """
        var problems: [ConfigProblem] = []
        _ = DeadlinePolicy.build(try JSONDecoder().decode(DeadlinePolicy.File.self, from: Data(json.utf8)), problems: &problems)
        #expect(problems.contains(.init("warningAt", "must be between 0 and 1 (0.8: the warning at 80% of each deadline)")))
        #expect(problems.contains { $0.path == "feedbackPeriod" })
        #expect(problems.contains(.init("levels.extreme", "unknown level extreme (critical, urgent, normal, low)")))
        #expect(problems.contains(.init("levels.critical", "resolve (1m) is shorter than sign (5m)")))
        #expect(problems.contains(.init("levels.urgent", "resolve is missing")))
        #expect(problems.contains(.init("categories.parking", "unknown category parking")))
        #expect(problems.contains(.init("categories.labor.normal", "resolve (1h) is shorter than sign (2h)")))
        #expect(problems.contains { $0.path == "categories.labor.severe" })
    }
}
