import Foundation
import GRDB
import Logging
import MinshengModel
import MinshengPlatform

/// What the owner of an order's partition does with a command from `dispatch.commands` (docs/scaling.md):
/// the same desk action the API did in one process before, in the owner's transaction, with the answer
/// the caller gets. A command applied before (redelivered to a new owner after a hand-over) is answered
/// with the order as it is, not applied again. A refusal changes nothing (a savepoint is rolled back).
struct CommandApplier: Sendable {
    let configuration: ConfigStore
    let logger: Logger

    /// Applies `command` as the owner of `partition`; the reply says what the HTTP caller gets.
    func apply(_ command: WorkOrderCommand, partition: Int32, instanceId: String = "", requestId: String = "",
               db: Database, now: Date) throws -> WorkOrderCommandReply {
        func reply(_ status: Int, _ order: WorkOrder?, _ refusal: WorkOrderCommandReply.Refusal? = nil) -> WorkOrderCommandReply {
            WorkOrderCommandReply(instanceId: command.replyTo?.instanceId ?? instanceId,
                                  requestId: command.replyTo?.requestId ?? requestId, commandId: command.commandId,
                                  status: status, order: order, refusal: refusal, decidedAt: now)
        }
        let created = command.action == WorkOrderCommand.hotspotTask ? 201 : 200
        if let applied = try String.fetchOne(db, sql: "SELECT work_order_id FROM work_order_command WHERE command_id = ?",
                                             arguments: [command.commandId]) {
            let id = try String.fetchOne(db, sql: "SELECT work_order_id FROM work_order WHERE hotspot_alert_id = ?",
                                         arguments: [applied]) ?? applied
            return reply(created, try WorkOrderStore.find(id: id, db: db, now: now))
        }
        let current = configuration.current
        guard let unit = current.units.unit(id: command.issuer.unitId) else {
            return reply(403, nil, Self.refusal(.forbidden("\(command.issuer.unitId) is not a unit in units.json")))
        }
        let caller = Caller(unit: unit, person: command.issuer.person, via: command.issuer.via)
        let desk = WorkOrderDesk(configuration: current, logger: logger)
        var outcome = reply(500, nil)
        try db.inSavepoint {
            do {
                // Recorded first, so that the order's changelog record written by the change carries it.
                let matter = command.workOrderId ?? command.task?.alertId ?? ""
                try db.execute(sql: "INSERT INTO work_order_command (command_id, work_order_id, applied_at) VALUES (?, ?, ?)",
                               arguments: [command.commandId, matter, WorkOrderStore.ts(now)])
                let order: WorkOrder
                switch command.action {
                case WorkOrderCommand.hotspotTask:
                    order = try desk.createTask(try command.deskTask(), by: caller, partition: partition, db: db, now: now)
                case WorkOrderCommand.attachMerged:
                    guard let merged = command.merged, let target = command.workOrderId else {
                        throw UnprocessableCommand("attach_merged without merged events or workOrderId")
                    }
                    order = try desk.attachMerged(merged, to: target, by: caller, db: db, now: now)
                default:
                    order = try desk.perform(try command.deskCommand(), on: command.workOrderId ?? "", by: caller, db: db, now: now)
                }
                outcome = reply(created, order)
                return .commit
            } catch let error as WorkOrderError {
                outcome = reply(Self.status(of: error), nil, Self.refusal(error))
                return .rollback
            } catch let error as UnprocessableCommand {
                outcome = reply(400, nil, .init(error: "invalid_command", message: error.description, field: nil))
                return .rollback
            }
        }
        return outcome
    }

    static func status(of error: WorkOrderError) -> Int {
        switch error {
        case .notFound: 404
        case .forbidden: 403
        case .illegalTransition, .conflict: 409
        case .invalidField: 400
        }
    }

    /// The JSON error the API answers `error` with (DispatchAPI.response(for:)).
    static func refusal(_ error: WorkOrderError) -> WorkOrderCommandReply.Refusal {
        switch error {
        case .notFound: .init(error: "not_found", message: error.description, field: nil)
        case .forbidden: .init(error: "forbidden", message: error.description, field: nil)
        case .illegalTransition: .init(error: "illegal_transition", message: error.description, field: nil)
        case .invalidField(let field, let message): .init(error: "invalid_field", message: message, field: field)
        case .conflict(let message): .init(error: "conflict", message: message, field: nil)
        }
    }
}
