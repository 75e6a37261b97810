import Foundation
import MinshengModel

/// The instruction sheet (指令单) a handling unit receives for a new work order: the webhook body.
/// Documented in docs/messages.md.
struct InstructionSheet: Codable, Sendable, Equatable {
    static let currentSchemaVersion = 1

    var schemaVersion: Int
    var notificationId: String
    var kind: String
    var workOrderId: String
    var eventId: String
    /// The channel and the outside system's own id (e.g. the 12345 ticket number), for the unit's records.
    var source: Source
    var sourceId: String
    var unitId: String
    var unitName: String
    var level: Level
    var category: Category
    var town: String?
    var village: String?
    var grid: String?
    var address: String?
    var reporterName: String?
    var reporterPhone: String?
    var text: String
    var occurredAt: Date
    var signBy: Date
    var resolveBy: Date
    /// The sheet as a person reads it, in Chinese.
    var title: String
    var message: String

    /// - Parameter message: the sheet as rendered from `new_work_order.text.mustache`.
    init(notificationId: String, update: WorkOrderUpdate, message: String) {
        schemaVersion = Self.currentSchemaVersion
        self.notificationId = notificationId
        kind = NotificationKind.newWorkOrder.rawValue
        workOrderId = update.workOrderId
        eventId = update.eventId
        source = update.source
        sourceId = update.sourceId
        unitId = update.unitId
        unitName = update.unitName
        level = update.level
        category = update.category
        town = update.town
        village = update.village
        grid = update.grid
        address = update.address
        reporterName = update.reporter?.name
        reporterPhone = update.reporter?.phone
        text = update.text
        occurredAt = update.occurredAt
        signBy = update.signBy
        resolveBy = update.resolveBy
        title = "【民声工单】\(update.workOrderId)（\(update.level.chineseName)）"
        self.message = message
    }

    /// `2026-11-23 10:05` in China Standard Time.
    static func localTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}
