import Foundation
import MinshengModel
import MinshengPlatform

/// What the console reads from `MINSHENG_CONFIG_DIR`: the units (names, tiers, towns), the region and
/// its map, the centre's time zone (`calendar.json`), when a deadline is nearly due (`deadlines.json`),
/// and the demo accounts to create on first start (`console-accounts.json`, optional).
struct ConsoleConfiguration: Sendable {
    var units: UnitsDirectory
    var region: Region
    var map: TownMap
    /// The centre's offset from UTC: days and months start at its midnight.
    var utcOffset: TimeInterval
    /// The share of a deadline after which it is nearly due (yellow).
    var warningFraction: Double
    let directory: String

    private struct Calendar: Decodable { var utcOffsetMinutes: Int }
    private struct Deadlines: Decodable { var warningAt: Double }

    static func load(directory: String) throws(ConfigurationError) -> ConsoleConfiguration {
        let region = try ConfigFile.region(directory: directory)
        let units = try ConfigFile.units(directory: directory)
        let calendar = try ConfigFile.load(Calendar.self, file: "calendar.json", directory: directory)
        let deadlines = try ConfigFile.load(Deadlines.self, file: "deadlines.json", directory: directory)
        guard deadlines.warningAt > 0 && deadlines.warningAt < 1 else {
            throw ConfigurationError("\(directory)/deadlines.json: warningAt must be between 0 and 1")
        }
        return ConsoleConfiguration(
            units: units, region: region, map: try TownMap.load(directory: directory, region: region),
            utcOffset: TimeInterval(calendar.utcOffsetMinutes * 60), warningFraction: deadlines.warningAt, directory: directory)
    }

    var centre: HandlingUnit? { units.units.first { $0.tier == .centre } }

    func unitName(_ id: String) -> String { units.unit(id: id)?.name ?? id }

    /// The centre's calendar (Gregorian in its time zone).
    var calendar: Foundation.Calendar {
        var calendar = Foundation.Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Int(utcOffset))!
        return calendar
    }
}
