import Foundation
import MinshengModel
import MinshengPlatform

/// Everything dispatch reads from `MINSHENG_CONFIG_DIR`, checked together: `region.json`, `units.json`,
/// `routing.json`, `deadlines.json` and `calendar.json`, and the optional `review.json` and `callers.json`.
/// Loaded at start-up, and again on SIGHUP.
struct DispatchConfiguration: Sendable, Equatable {
    var region: Region
    var units: UnitDirectory
    var routing: RoutingTable
    var deadlines: DeadlinePolicy
    var calendar: WorkingCalendar
    /// What the centre reviews before dispatch, and its review deadlines (`review.json`).
    var review: ReviewPolicy = .defaults
    /// Systems that act for people (`callers.json`): the console.
    var callers: TrustedCallers = .none

    /// Loads and checks every file; the first file with problems stops it, naming each problem's line.
    static func load(directory: String) throws(ConfigurationError) -> DispatchConfiguration {
        let region = try ConfigFile.region(directory: directory)
        let units = try UnitDirectory.load(directory: directory, region: region)
        return DispatchConfiguration(
            region: region, units: units,
            routing: try RoutingTable.load(directory: directory, units: units, region: region),
            deadlines: try DeadlinePolicy.load(directory: directory),
            calendar: try WorkingCalendar.load(directory: directory),
            review: try ReviewPolicy.load(directory: directory),
            callers: try TrustedCallers.load(directory: directory, units: units))
    }
}
