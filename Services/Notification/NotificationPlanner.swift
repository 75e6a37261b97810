import Foundation
import MinshengModel
import Mustache

/// One notification to store and deliver: who, over which channel, what exactly is sent, and from when.
struct PlannedNotification: Sendable, Equatable {
    var id: String
    var kind: NotificationKind
    /// The work order or hotspot it is about.
    var subjectId: String
    var eventId: String
    var workOrderId: String?
    /// `unit:<id>` or `citizen:<phone>`.
    var recipient: String
    var unitId: String?
    /// webhook, dingtalk, wecom, sms, or none (nothing configured: logged, undeliverable).
    var channel: String
    var target: String?
    var payload: [UInt8]
    var urgent: Bool
    var notBefore: Date
    /// The same message to the same recipient over the same channel is sent once.
    var dedupeKey: String
    /// The message as a person reads it.
    var text: String
}

/// Decides who hears what about a work-order change or a hotspot, and renders the messages.
struct NotificationPlanner: Sendable {
    let units: UnitsDirectory
    let settings: ChannelSettings
    let templates: TemplateLibrary
    /// The SMS gateway's body template, parsed once (not per message).
    private let smsBody: MustacheTemplate?

    init(units: UnitsDirectory, settings: ChannelSettings, templates: TemplateLibrary) {
        self.units = units
        self.settings = settings
        self.templates = templates
        self.smsBody = try? MustacheTemplate(string: settings.sms.bodyTemplate)
    }

    /// Who hears what about a work-order change (docs/notifications.md has the table).
    func plan(_ update: WorkOrderUpdate, now: Date) throws -> [PlannedNotification] {
        let urgent = update.level == .critical || update.level == .urgent
        let link = settings.workOrderLinkBase + update.workOrderId
        let context = context(update, link: link)
        let perChange = "\(update.workOrderId):\(update.sequence)"

        /// The lead unit's instruction sheet (a new order, or one that came to it).
        func sheet(_ kind: NotificationKind) throws -> [PlannedNotification] {
            try unitMessages(kind: kind, unitId: update.unitId, update: update, dedupe: perChange, urgent: urgent,
                             context: context, link: link, now: now) { id in
                try MessageCoding.encode(InstructionSheet(notificationId: id, update: update,
                                                          message: templates.render(kind, "text", context), kind: kind))
            }
        }
        /// A notice about the order to some unit (its lead unit or a supervisor).
        func notice(_ kind: NotificationKind, to unitId: String, dedupe: String) throws -> [PlannedNotification] {
            let unitName = units.unit(id: unitId)?.name ?? unitId
            return try unitMessages(kind: kind, unitId: unitId, update: update, dedupe: dedupe, urgent: true,
                                    context: context, link: link, now: now) { id in
                let message = templates.render(kind, "text", context)
                return try MessageCoding.encode(Notice(
                    notificationId: id, kind: kind.rawValue, unitId: unitId, unitName: unitName, eventId: update.eventId,
                    title: message.split(separator: "\n").first.map(String.init) ?? kind.rawValue, message: message,
                    workOrder: update))
            }
        }
        /// An SMS to the person who reported.
        func citizen(_ kind: NotificationKind, phone: String?, urgent: Bool, dedupe: String) -> [PlannedNotification] {
            guard let phone else { return [] }
            return [citizenMessage(kind: kind, phone: phone, subjectId: update.workOrderId, eventId: update.eventId,
                                   workOrderId: update.workOrderId, dedupe: dedupe, urgent: urgent, context: context, now: now)]
        }
        let supervisor = update.supervisorUnitId ?? units.unit(id: update.unitId)?.supervisor

        switch update.change {
        case .created:
            return try sheet(.newWorkOrder)
                + citizen(.citizenReceipt, phone: update.reporter?.phone, urgent: urgent, dedupe: update.workOrderId)
        case .reassigned:
            return try sheet(.reassigned)
        case .held:
            // Held for the centre's review: the citizen is told it was received; no unit yet.
            return citizen(.citizenReceipt, phone: update.reporter?.phone, urgent: urgent, dedupe: update.workOrderId)
        case .released:
            return try sheet(.newWorkOrder)
        case .answered:
            return citizen(.citizenResolved, phone: update.reporter?.phone, urgent: urgent, dedupe: perChange)
        case .returned:
            // The centre decides on returns: its duty group hears of each one.
            guard let centre = update.supervisorUnitId else { return [] }
            return try notice(.returnedNotice, to: centre, dedupe: perChange)
        case .returnRefused:
            return try notice(.returnRefused, to: update.unitId, dedupe: perChange)
        case .escalated:
            let previousSupervisor = update.previousUnitId.flatMap { units.unit(id: $0)?.supervisor }
            return try sheet(.escalated)
                + (previousSupervisor.map { try notice(.escalationNotice, to: $0, dedupe: perChange) } ?? [])
        case .warning, .overdue:
            // Once per order, deadline and handling unit, however often the change is published.
            guard let supervisor else { return [] }
            let kind: NotificationKind = update.change == .warning ? .warning : .overdue
            return try notice(kind, to: supervisor,
                              dedupe: "\(update.workOrderId):\(update.deadline?.rawValue ?? "-"):\(update.unitId)")
        case .signed:
            return citizen(.citizenSigned, phone: update.reporter?.phone, urgent: urgent, dedupe: perChange)
        case .resolved:
            return citizen(.citizenResolved, phone: update.reporter?.phone, urgent: urgent, dedupe: perChange)
                + citizen(.citizenSurvey, phone: update.reporter?.phone, urgent: false, dedupe: perChange)
        case .closed:
            return update.feedback == nil ? [] : try notice(.feedback, to: update.unitId, dedupe: perChange)
        case .reopened:
            return try notice(.reopened, to: update.unitId, dedupe: perChange)
        case .attached:
            // The repeat's reporter gets a receipt naming the work order it joined.
            return citizen(.citizenReceipt, phone: update.attachedEvent?.reporter?.phone, urgent: urgent,
                           dedupe: "\(update.workOrderId):\(update.attachedEvent?.eventId ?? "")")
        case .onSite, .progress, .merged:
            return []
        }
    }

    func plan(_ alert: HotspotAlert, now: Date) throws -> [PlannedNotification] {
        let context = Self.context(alert)
        return try supervisors(ofTown: alert.town).flatMap { unit in
            try unitMessages(
                kind: .hotspot, unitId: unit.id, subjectId: alert.alertId, eventId: alert.eventId, workOrderId: nil,
                dedupe: alert.alertId, urgent: true, context: context, link: nil, now: now
            ) { id in
                try MessageCoding.encode(Notice(notificationId: id, kind: NotificationKind.hotspot.rawValue, unitId: unit.id,
                                                unitName: unit.name, eventId: alert.eventId, title: "【民声预警】\(alert.town)",
                                                message: templates.render(.hotspot, "text", context), hotspot: alert))
            }
        }
    }

    /// The units that supervise a town: its units whose own supervisor is outside the town (the town's
    /// social-governance centre); the command centre when the town has none.
    func supervisors(ofTown town: String) -> [HandlingUnit] {
        let inTown = units.units.filter { $0.town == town }
        let ids = Set(inTown.map(\.id))
        let top = inTown.filter { unit in unit.supervisor.map { !ids.contains($0) } ?? true }
        if !top.isEmpty { return top }
        return units.units.filter { $0.tier == .centre }
    }

    // MARK: Channels

    private func unitMessages(
        kind: NotificationKind, unitId: String, update: WorkOrderUpdate, dedupe: String, urgent: Bool,
        context: MessageContext, link: String?, now: Date, webhookBody: (String) throws -> [UInt8]
    ) throws -> [PlannedNotification] {
        try unitMessages(kind: kind, unitId: unitId, subjectId: update.workOrderId, eventId: update.eventId,
                         workOrderId: update.workOrderId, dedupe: dedupe, urgent: urgent, context: context, link: link,
                         now: now, webhookBody: webhookBody)
    }

    private func unitMessages(
        kind: NotificationKind, unitId: String, subjectId: String, eventId: String, workOrderId: String?, dedupe: String,
        urgent: Bool, context: MessageContext, link: String?, now: Date, webhookBody: (String) throws -> [UInt8]
    ) throws -> [PlannedNotification] {
        let unit = units.unit(id: unitId)
        let text = templates.render(kind, "text", context)
        func make(_ channel: String, target: String?, payload: [UInt8]) -> PlannedNotification {
            let id = Self.notificationId(subjectId: subjectId, kind: kind, recipient: unitId, channel: channel, dedupe: dedupe)
            return PlannedNotification(
                id: id, kind: kind, subjectId: subjectId, eventId: eventId, workOrderId: workOrderId, recipient: "unit:\(unitId)",
                unitId: unitId, channel: channel, target: target, payload: payload, urgent: urgent, notBefore: now,
                dedupeKey: "\(kind.rawValue):\(dedupe):unit:\(unitId):\(channel)", text: context.masked(text))
        }
        var planned: [PlannedNotification] = []
        if let webhook = unit?.webhook {
            let id = Self.notificationId(subjectId: subjectId, kind: kind, recipient: unitId, channel: "webhook", dedupe: dedupe)
            planned.append(make("webhook", target: webhook, payload: try webhookBody(id)))
        }
        if let robot = settings.units[unitId]?.robot {
            let title = text.split(separator: "\n").first.map(String.init) ?? kind.rawValue
            let markdown = templates.render(kind, "markdown", context)
            planned.append(make(robot.kind.rawValue, target: robot.url,
                                payload: try Self.robotBody(robot.kind, title: title, markdown: markdown, link: link)))
        }
        if planned.isEmpty { planned.append(make("none", target: nil, payload: Array(text.utf8))) }
        return planned
    }

    private func citizenMessage(
        kind: NotificationKind, phone: String, subjectId: String, eventId: String, workOrderId: String?, dedupe: String,
        urgent: Bool, context: MessageContext, now: Date
    ) -> PlannedNotification {
        let text = settings.sms.signature + templates.render(kind, "sms", context)
        let channel = settings.sms.url == nil ? "none" : "sms"
        let id = Self.notificationId(subjectId: subjectId, kind: kind, recipient: "citizen", channel: channel, dedupe: dedupe)
        let body = smsBody?.render([
            "phone": Self.jsonEscaped(phone), "text": Self.jsonEscaped(text), "segments": String(SmsSegments.count(text)),
            "notificationId": Self.jsonEscaped(id),
        ]) ?? ""
        return PlannedNotification(
            id: id, kind: kind, subjectId: subjectId, eventId: eventId,
            workOrderId: workOrderId, recipient: "citizen:\(phone)", unitId: nil, channel: channel, target: settings.sms.url,
            payload: channel == "sms" ? Array(body.utf8) : Array(text.utf8), urgent: urgent,
            notBefore: settings.quietHours.earliestDelivery(at: now, urgent: urgent),
            dedupeKey: "\(kind.rawValue):\(dedupe):citizen:\(phone)", text: context.masked(text))
    }

    /// The robots' own message formats: DingTalk action card (with a link) or markdown; WeCom markdown.
    static func robotBody(_ kind: ChannelSettings.Robot.Kind, title: String, markdown: String, link: String?) throws -> [UInt8] {
        let body: [String: Any]
        switch kind {
        case .dingtalk:
            if let link {
                body = ["msgtype": "actionCard",
                        "actionCard": ["title": title, "text": markdown, "singleTitle": "查看工单", "singleURL": link]]
            } else {
                body = ["msgtype": "markdown", "markdown": ["title": title, "text": markdown]]
            }
        case .wecom:
            body = ["msgtype": "markdown", "markdown": ["content": link.map { markdown + "\n[查看工单](\($0))" } ?? markdown]]
        }
        return Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// `nt-<subject>-<kind>-<recipient>-<channel>`, plus a short hash of the de-duplication key when a
    /// subject can have several of the kind (changes of one work order): stable across restarts, so it
    /// serves as the Idempotency-Key.
    /// A citizen receipt has one per reporter: the first reporter's is plain, a repeat reporter's (an
    /// attached report) carries the hash, or it would collide with the first and be dropped.
    static func notificationId(subjectId: String, kind: NotificationKind, recipient: String, channel: String, dedupe: String) -> String {
        let base = "nt-\(subjectId)-\(kind.rawValue)-\(recipient)-\(channel)"
        if [.newWorkOrder, .hotspot, .citizenReceipt].contains(kind), dedupe == subjectId { return base }
        return base + "-" + String(FNV1a.hash(dedupe), radix: 16)
    }

    static func jsonEscaped(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst(2).dropLast(2), as: UTF8.self)
    }

    // MARK: Template values

    func context(_ update: WorkOrderUpdate, link: String) -> MessageContext {
        var context = Self.context(update, link: link)
        let deadlineNames: [WorkOrderUpdate.Deadline: String] = [.sign: "签收", .onSite: "到场", .resolve: "办结", .review: "审核"]
        let deadlineDates: [WorkOrderUpdate.Deadline: Date?] = [.sign: update.signBy, .onSite: update.onSiteBy, .resolve: update.resolveBy,
                                                                .review: update.reviewBy]
        if let deadline = update.deadline {
            context.values["deadlineName"] = deadlineNames[deadline]
            context.values["deadlineAt"] = (deadlineDates[deadline] ?? nil).map(InstructionSheet.localTime)
        }
        if let previous = update.previousUnitId { context.values["previousUnitName"] = units.unit(id: previous)?.name ?? previous }
        if let reason = update.reason { context.values["reason"] = reason }
        if let result = update.result { context.values["result"] = result }
        if let note = update.note { context.values["note"] = note }
        if let proposed = update.proposedUnitId { context.values["proposedUnitName"] = units.unit(id: proposed)?.name ?? proposed }
        if let reviewBy = update.reviewBy { context.values["reviewBy"] = InstructionSheet.localTime(reviewBy) }
        if let feedback = update.feedback {
            context.values["feedbackVerdict"] = feedback.satisfied ? "满意" : "不满意"
            if let comment = feedback.comment, !comment.isEmpty { context.values["feedbackComment"] = comment }
        }
        return context
    }

    static func context(_ update: WorkOrderUpdate, link: String) -> MessageContext {
        let place = ([update.town, update.village].compactMap { $0 }.filter { !(update.address ?? "").contains($0) }
            + [update.address].compactMap { $0 }).joined(separator: " ")
        let reporter = [update.reporter?.name, update.reporter?.phone].compactMap { $0 }.joined(separator: " ")
        let reporters = [update.reporter, update.attachedEvent?.reporter].compactMap { $0 }
        return MessageContext(personalNames: reporters.compactMap(\.name), personalPhones: reporters.compactMap(\.phone), values: [
            "workOrderId": update.workOrderId, "levelName": update.level.chineseName,
            "categoryName": update.category.chineseName, "unitName": update.unitName,
            "place": place.isEmpty ? "未知" : place, "reporter": reporter.isEmpty ? "未留" : reporter, "text": update.text,
            "signBy": InstructionSheet.localTime(update.signBy), "resolveBy": InstructionSheet.localTime(update.resolveBy),
            "link": link,
        ])
    }

    static func context(_ alert: HotspotAlert) -> MessageContext {
        let sourceNames: [Source: String] = [.hotline12345: "12345", .police110: "110", .web: "网络", .grid: "网格", .walkin: "来访"]
        var values = [
            "town": alert.town, "categoryName": alert.category.chineseName, "theme": alert.theme.joined(separator: "、"),
            "reporterCount": String(alert.reporterCount), "eventCount": String(alert.eventIds.count),
            "windowHours": String(Int(alert.windowHours)),
            "sources": alert.sources.map { sourceNames[$0] ?? $0.rawValue }.joined(separator: "、"),
            "firstReportedAt": InstructionSheet.localTime(alert.firstReportedAt),
            "lastReportedAt": InstructionSheet.localTime(alert.lastReportedAt),
        ]
        if let village = alert.village { values["village"] = village }
        return MessageContext(values: values)
    }
}

/// The webhook body of notifications other than the instruction sheet (docs/messages.md).
struct Notice: Codable, Sendable, Equatable {
    var schemaVersion = 1
    var notificationId: String
    var kind: String
    var unitId: String
    var unitName: String
    var eventId: String
    var title: String
    var message: String
    /// The hotspot, for `hotspot` notices.
    var hotspot: HotspotAlert?
    /// The work-order change, for notices about a work order.
    var workOrder: WorkOrderUpdate?
}
