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

    init(notificationId: String, update: WorkOrderUpdate) {
        schemaVersion = Self.currentSchemaVersion
        self.notificationId = notificationId
        kind = NotificationKind.newWorkOrder.rawValue
        workOrderId = update.workOrderId
        eventId = update.eventId
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
        // The address often names the town and village already.
        let place = ([update.town, update.village].compactMap { $0 }.filter { !(update.address ?? "").contains($0) }
            + [update.address].compactMap { $0 }).joined(separator: " ")
        let reporter = [update.reporter?.name, update.reporter?.phone].compactMap { $0 }.joined(separator: " ")
        message = [
            title,
            "承办单位：\(update.unitName)",
            "事件类别：\(update.category.chineseName)",
            "发生地点：\(place.isEmpty ? "未知" : place)",
            "反映人：\(reporter.isEmpty ? "未留" : reporter)",
            "事件内容：\(update.text)",
            "签收时限：\(Self.localTime(update.signBy))",
            "办结时限：\(Self.localTime(update.resolveBy))",
        ].joined(separator: "\n")
    }

    /// `2026-11-23 10:05` in China Standard Time.
    static func localTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}

/// What a notification is about.
enum NotificationKind: String, Sendable {
    /// A new work order for the handling unit.
    case newWorkOrder = "new_work_order"
}
