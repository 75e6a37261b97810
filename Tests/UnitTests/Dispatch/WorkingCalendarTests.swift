import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Working calendar")
struct WorkingCalendarTests {
    let shipped = try! WorkingCalendar.load(directory: TestSupport.configDirectory)

    /// An instant given in China Standard Time.
    func cst(_ text: String) -> Date { MessageCoding.parseTimestamp(text + "+08:00")! }

    func day(_ text: String) -> WorkingCalendar.Day { WorkingCalendar.day(from: text)! }

    @Test(arguments: [
        ("2026-11-23", true),  // Monday
        ("2026-11-28", false),  // Saturday
        ("2026-11-29", false),  // Sunday
        ("2026-01-01", false),  // 元旦, Thursday
        ("2026-01-04", true),  // Sunday worked for 元旦 (调休)
        ("2026-02-16", false),  // 春节, Monday
        ("2026-02-14", true),  // Saturday worked for 春节
        ("2026-02-28", true),  // Saturday worked for 春节
        ("2026-10-07", false),  // 国庆节, Wednesday
        ("2026-10-08", true),  // Thursday after 国庆节
        ("2026-10-10", true),  // Saturday worked for 国庆节
        ("2027-10-01", false),  // 2027 estimate
    ])
    func workingDaysFollowTheShippedFile(date: String, working: Bool) {
        #expect(shipped.isWorkingDay(day(date)) == working)
    }

    @Test func weekdaysAreCountedFromThursdayTheFirstOfJanuary1970() {
        #expect(WorkingCalendar.weekday(of: 0) == 4)
        #expect(WorkingCalendar.weekday(of: day("2026-11-23")) == 1)  // Monday
        #expect(WorkingCalendar.weekday(of: day("1969-12-31")) == 3)  // before the epoch too
    }

    @Test func datesRoundTripAndImpossibleOnesAreRefused() {
        for text in ["1970-01-01", "2026-02-28", "2028-02-29", "2027-12-31"] {
            let civil = WorkingCalendar.civil(from: day(text))
            #expect(String(format: "%04d-%02d-%02d", civil.year, civil.month, civil.day) == text)
        }
        for text in ["2026-02-30", "2027-02-29", "2026-13-01", "2026-1-01", "26-01-01", "x"] {
            #expect(WorkingCalendar.day(from: text) == nil, "\(text)")
        }
    }

    @Test func oneWorkingDayFromFridayMorningIsMondayMorning() {
        #expect(shipped.adding(workingSeconds: 86_400, to: cst("2026-11-27T10:00:00")) == cst("2026-11-30T10:00:00"))
    }

    @Test func fromAWeekendTheClockStartsOnTheNextWorkingDay() {
        // Saturday 10:00 + 1 working day = all of Monday = Tuesday 00:00.
        #expect(shipped.adding(workingSeconds: 86_400, to: cst("2026-11-28T10:00:00")) == cst("2026-12-01T00:00:00"))
        #expect(shipped.adding(workingSeconds: 3600, to: cst("2026-11-29T23:30:00")) == cst("2026-11-30T01:00:00"))
    }

    @Test func theSpringFestivalIsSkippedAndItsAdjustedSaturdaysCount() {
        // Friday 13 Feb 2026 09:00 + 1 working day: Saturday 14 Feb is worked (调休) → Saturday 09:00.
        #expect(shipped.adding(workingSeconds: 86_400, to: cst("2026-02-13T09:00:00")) == cst("2026-02-14T09:00:00"))
        // Saturday 14 Feb 09:00 + 1 working day: 15–23 Feb are the holiday → Tuesday 24 Feb 09:00.
        #expect(shipped.adding(workingSeconds: 86_400, to: cst("2026-02-14T09:00:00")) == cst("2026-02-24T09:00:00"))
    }

    @Test func fiveWorkingDaysOverTheNationalDayHoliday() {
        // Tuesday 29 Sep 2026 10:00: Wed 30 Sep is the 1st working day, 1–7 Oct off, Thu 8, Fri 9, Sat 10
        // (调休), Mon 12 → the 5th ends Monday 12 Oct 10:00.
        #expect(shipped.adding(workingSeconds: 5 * 86_400, to: cst("2026-09-29T10:00:00")) == cst("2026-10-12T10:00:00"))
    }

    @Test func workingTimeBetweenInstantsIsTheInverse() {
        let start = cst("2026-09-29T10:00:00")
        for seconds: Double in [0, 1, 3600, 86_400, 2.5 * 86_400, 5 * 86_400, 12 * 86_400] {
            let end = shipped.adding(workingSeconds: seconds, to: start)
            #expect(abs(shipped.workingSeconds(from: start, to: end) - seconds) < 0.001, "\(seconds)")
        }
        #expect(shipped.workingSeconds(from: cst("2026-11-28T00:00:00"), to: cst("2026-11-30T00:00:00")) == 0)
    }

    @Test func theShippedFileCoversItsYearsOnly() {
        #expect(shipped.covers(cst("2026-06-01T12:00:00")))
        #expect(shipped.covers(cst("2027-12-31T23:00:00")))
        #expect(!shipped.covers(cst("2028-01-01T00:00:00")))
        // Outside the covered years only the weekend rule applies.
        #expect(shipped.isWorkingDay(day("2028-01-03")))
        #expect(!shipped.isWorkingDay(day("2028-01-01")))
    }

    @Test func problemsNameTheirPlace() throws {
        let json = """
            {"utcOffsetMinutes": 480, "weekend": ["saturday", "sundy"], "years": [2026],
             "holidays": [{"name": "a", "from": "2026-02-30"}, {"name": "b", "from": "2026-05-05", "to": "2026-05-01"},
                          {"name": "c", "from": "2029-01-01"}],
             "workingDays": [{"date": "2026-11-24"}]}
            """
        var problems: [ConfigProblem] = []
        _ = WorkingCalendar.build(try JSONDecoder().decode(WorkingCalendar.File.self, from: Data(json.utf8)), problems: &problems)
        let paths = problems.map(\.path)
        #expect(paths == ["weekend[1]", "holidays[0].from", "holidays[1].to", "holidays[2].from", "workingDays[0].date"])
        #expect(problems.last?.message.contains("not a weekend day") == true)
    }

    @Test func aBrokenFileIsRefusedWithItsLine() throws {
        let directory = try TestSupport.configCopy(replacing: [
            "calendar.json": """
                {"utcOffsetMinutes": 480,
                 "weekend": ["saturday", "sunday"],
                 "years": [2026],
                 "holidays": [
                   {"name": "元旦", "from": "2026-01-01", "to": "2026-01-03"},
                   {"name": "坏", "from": "2026-01-32"}
                 ],
                 "workingDays": []}
                """,
        ])
        let error = #expect(throws: ConfigurationError.self) { try WorkingCalendar.load(directory: directory) }
        #expect(error?.description == "\(directory)/calendar.json line 6, holidays[1].from: 2026-01-32 is not a date yyyy-MM-dd")
    }
}
