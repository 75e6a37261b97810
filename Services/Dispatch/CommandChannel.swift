import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// How the API's writes reach the owner of the order's partition (docs/scaling.md): the instance that
/// took the request writes the command to its outbox for `dispatch.commands` (to the partition in the
/// order's number; a hotspot task by its alert id's key), waits for the owner's reply on
/// `dispatch.replies`, and answers the caller with it. When no reply comes in time (the broker or the
/// owner is away), the answer is 503: the command may still be applied later.
struct CommandChannel: Sendable {
    let database: any DatabaseWriter
    let instanceId: String
    let waiters: ReplyWaiters<WorkOrderCommandReply>
    let partitions: CommandPartitions
    /// How long to wait for the owner's reply.
    let timeout: Duration
    /// Wakes the outbox publisher after the command is written.
    let onCommit: @Sendable () -> Void

    /// Sends a command about the existing order `workOrderId` and answers with the owner's reply.
    func send(_ command: WorkOrderDesk.Command, on workOrderId: String, by caller: Caller, now: Date) async throws -> Response {
        // The order's number says its partition; one that cannot be an order's is not found.
        guard let number = WorkOrderNumber(workOrderId), let count = partitions.current, number.partition < count else {
            if partitions.current == nil { return Self.unavailable() }
            throw WorkOrderError.notFound(workOrderId)
        }
        let requestId = UUID().uuidString.lowercased()
        let message = WorkOrderCommand(command, on: workOrderId, by: caller, commandId: "cmd-" + requestId,
                                       replyTo: .init(instanceId: instanceId, requestId: requestId), issuedAt: now)
        return try await deliver(message, key: workOrderId, partition: number.partition, requestId: requestId)
    }

    /// Sends a hotspot task (keyed by its alert id) and answers with the owner's reply.
    func send(_ task: WorkOrderDesk.HotspotTask, by caller: Caller, now: Date) async throws -> Response {
        let requestId = UUID().uuidString.lowercased()
        let message = WorkOrderCommand(task, by: caller, commandId: "cmd-" + requestId,
                                       replyTo: .init(instanceId: instanceId, requestId: requestId), issuedAt: now)
        return try await deliver(message, key: task.alertId, partition: nil, requestId: requestId)
    }

    private func deliver(_ message: WorkOrderCommand, key: String, partition: Int32?, requestId: String) async throws -> Response {
        try await database.write { db in
            try Outbox.enqueue(db, topic: Topics.dispatchCommands, key: key, message: message, partition: partition,
                               now: message.issuedAt)
        }
        onCommit()
        guard let reply = await waiters.wait(for: requestId, timeout: timeout) else { return Self.unavailable() }
        return Self.response(reply)
    }

    /// The HTTP answer a reply stands for: the order, or the refusal with its status.
    static func response(_ reply: WorkOrderCommandReply) -> Response {
        let status = HTTPResponse.Status(code: reply.status)
        if let order = reply.order, reply.refusal == nil { return HTTPServer.jsonResponse(status, order) }
        let refusal = reply.refusal ?? .init(error: "internal_error", message: "the request failed; see the service log", field: nil)
        return HTTPServer.errorResponse(status, code: refusal.error, message: refusal.message, field: refusal.field)
    }

    static func unavailable() -> Response {
        var response = HTTPServer.errorResponse(
            .serviceUnavailable, code: "owner_unavailable",
            message: "the dispatch instance that owns this work order did not answer in time; the change may still be made: read the order before you retry")
        response.headers[.retryAfter] = "2"
        return response
    }
}
