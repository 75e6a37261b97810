import Foundation
import MinshengModel

/// The API's commands as messages on `dispatch.commands`, and back: the instance that takes a request
/// writes one, the owner of the order's partition reads it.
extension WorkOrderCommand {
    /// The message for `command` on `workOrderId` by `caller`.
    init(_ command: WorkOrderDesk.Command, on workOrderId: String, by caller: Caller, commandId: String,
         replyTo: ReplyTo?, issuedAt: Date) {
        self.init(commandId: commandId, action: command.wireAction, workOrderId: workOrderId, issuer: Issuer(caller),
                  replyTo: replyTo, issuedAt: issuedAt)
        switch command {
        case .sign(let note), .arriveOnSite(let note): self.note = note
        case .addProgress(let note): self.note = note
        case .resolve(let result, let note):
            self.result = result
            self.note = note
        case .returnOrder(let reason), .reopen(let reason): self.reason = reason
        case .reassign(let unitId, let coUnitIds, let note):
            self.unitId = unitId
            self.coUnitIds = coUnitIds
            self.note = note
        case .recordFeedback(let satisfied, let comment):
            self.satisfied = satisfied
            self.comment = comment
        case .release(let correction, let unitId, let coUnitIds, let note):
            self.correction = Correction(correction)
            self.unitId = unitId
            self.coUnitIds = coUnitIds
            self.note = note
        case .answer(let correction, let answer):
            self.correction = Correction(correction)
            self.answer = answer
        case .merge(let into, let note):
            self.into = into
            self.note = note
        case .approveReturn(let unitId, let coUnitIds, let note):
            self.unitId = unitId
            self.coUnitIds = coUnitIds
            self.note = note
        case .refuseReturn(let note): self.note = note
        }
    }

    /// The message for a hotspot task.
    init(_ task: WorkOrderDesk.HotspotTask, by caller: Caller, commandId: String, replyTo: ReplyTo?, issuedAt: Date) {
        self.init(commandId: commandId, action: Self.hotspotTask, workOrderId: nil, issuer: Issuer(caller), replyTo: replyTo,
                  task: HotspotTask(alertId: task.alertId, source: task.source, category: task.category, level: task.level,
                                    town: task.town, village: task.village, text: task.text, unitId: task.unitId,
                                    coUnitIds: task.coUnitIds, resolveBy: task.resolveBy, note: task.note),
                  issuedAt: issuedAt)
    }

    static let hotspotTask = "hotspot_task"
    static let attachMerged = "attach_merged"

    /// The desk's command this message asks for; a message that does not say it completely is unprocessable.
    func deskCommand() throws -> WorkOrderDesk.Command {
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw UnprocessableCommand("\(action) without \(field)") }
            return value
        }
        switch action {
        case "sign": return .sign(note: note)
        case "on_site": return .arriveOnSite(note: note)
        case "progress": return .addProgress(note: try need(note, "note"))
        case "resolve": return .resolve(result: try need(result, "result"), note: note)
        case "return": return .returnOrder(reason: try need(reason, "reason"))
        case "reassign": return .reassign(unitId: try need(unitId, "unitId"), coUnitIds: coUnitIds, note: note)
        case "feedback": return .recordFeedback(satisfied: try need(satisfied, "satisfied"), comment: comment)
        case "reopen": return .reopen(reason: try need(reason, "reason"))
        case "release": return .release(correction?.desk ?? .none, unitId: unitId, coUnitIds: coUnitIds, note: note)
        case "answer": return .answer(correction?.desk ?? .none, answer: try need(answer, "answer"))
        case "merge": return .merge(into: try need(into, "into"), note: note)
        case "approve_return": return .approveReturn(unitId: unitId, coUnitIds: coUnitIds, note: note)
        case "refuse_return": return .refuseReturn(note: try need(note, "note"))
        default: throw UnprocessableCommand("unknown action \(action)")
        }
    }

    /// The desk's hotspot task this message asks for.
    func deskTask() throws -> WorkOrderDesk.HotspotTask {
        guard let task else { throw UnprocessableCommand("\(action) without task") }
        return WorkOrderDesk.HotspotTask(
            alertId: task.alertId, source: task.source, category: task.category, level: task.level, town: task.town,
            village: task.village, text: task.text, unitId: task.unitId, coUnitIds: task.coUnitIds, resolveBy: task.resolveBy,
            note: task.note)
    }
}

/// A command message that cannot be applied as it is (a bug in the sender, or a newer sender).
struct UnprocessableCommand: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension WorkOrderDesk.Command {
    /// The action's name on `dispatch.commands`.
    var wireAction: String {
        switch self {
        case .sign: "sign"
        case .arriveOnSite: "on_site"
        case .addProgress: "progress"
        case .resolve: "resolve"
        case .returnOrder: "return"
        case .reassign: "reassign"
        case .recordFeedback: "feedback"
        case .reopen: "reopen"
        case .release: "release"
        case .answer: "answer"
        case .merge: "merge"
        case .approveReturn: "approve_return"
        case .refuseReturn: "refuse_return"
        }
    }
}

extension WorkOrderCommand.Issuer {
    init(_ caller: Caller) { self.init(unitId: caller.unitId, person: caller.person, via: caller.via) }
}

extension WorkOrderCommand.Correction {
    init?(_ correction: WorkOrderDesk.Correction) {
        guard correction != .none else { return nil }
        self.init(category: correction.category, level: correction.level, town: correction.town, village: correction.village)
    }

    var desk: WorkOrderDesk.Correction {
        WorkOrderDesk.Correction(category: category, level: level, town: town, village: village)
    }
}
