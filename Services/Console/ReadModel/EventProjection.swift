import Foundation
import GRDB
import MinshengModel

/// Keeps the `event` and `rejection` tables: accepted events, what classification said of them, the
/// 110 calls handed back, and intake's refusals. Each write is an upsert that only sets the fields its
/// message owns, so the messages of one event may arrive in any order and any number of times.
enum EventProjection {
    static func apply(_ event: AcceptedEvent, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO event (event_id, source, source_id, occurred_at, received_at, text, request_type, reporter_name,
                               reporter_phone, address)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id) DO UPDATE SET source = excluded.source, source_id = excluded.source_id,
                occurred_at = excluded.occurred_at, received_at = excluded.received_at, text = excluded.text,
                request_type = excluded.request_type, reporter_name = excluded.reporter_name,
                reporter_phone = excluded.reporter_phone, address = excluded.address
            """, arguments: [
                event.eventId, event.source.rawValue, event.sourceId, ts(event.occurredAt), ts(event.receivedAt), event.text,
                event.requestType?.rawValue, event.reporter?.name, event.reporter?.phone, event.address,
            ])
    }

    static func apply(_ event: ClassifiedEvent, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO event (event_id, source, source_id, occurred_at, text, request_type, reporter_name, reporter_phone,
                               address, category, level, police, shuangfei, town, village, grid, confidence, explanation,
                               needs_review, duplicate_of, classified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id) DO UPDATE SET
                source = COALESCE(event.source, excluded.source), source_id = COALESCE(event.source_id, excluded.source_id),
                occurred_at = COALESCE(event.occurred_at, excluded.occurred_at), text = COALESCE(event.text, excluded.text),
                request_type = COALESCE(event.request_type, excluded.request_type),
                reporter_name = COALESCE(event.reporter_name, excluded.reporter_name),
                reporter_phone = COALESCE(event.reporter_phone, excluded.reporter_phone),
                address = COALESCE(event.address, excluded.address),
                category = excluded.category, level = excluded.level, police = excluded.police,
                shuangfei = excluded.shuangfei, town = excluded.town, village = excluded.village, grid = excluded.grid,
                confidence = excluded.confidence, explanation = excluded.explanation, needs_review = excluded.needs_review,
                duplicate_of = excluded.duplicate_of, classified_at = excluded.classified_at
            """, arguments: [
                event.eventId, event.source.rawValue, event.sourceId, ts(event.occurredAt), event.text,
                event.requestType?.rawValue, event.reporter?.name, event.reporter?.phone, event.address,
                event.category.rawValue, event.level.rawValue, event.police, event.shuangfei, event.town, event.village,
                event.grid, event.confidence, event.explanation, event.needsReview ?? false, event.duplicateOf,
                ts(event.classifiedAt),
            ])
    }

    static func apply(_ policeReturn: PoliceReturn, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO event (event_id, source, source_id, text, category, level, police, returned_to_110_at, return_reason)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
            ON CONFLICT (event_id) DO UPDATE SET returned_to_110_at = excluded.returned_to_110_at,
                return_reason = excluded.return_reason, police = 1,
                source = COALESCE(event.source, excluded.source), source_id = COALESCE(event.source_id, excluded.source_id),
                text = COALESCE(event.text, excluded.text), category = COALESCE(event.category, excluded.category),
                level = COALESCE(event.level, excluded.level)
            """, arguments: [
                policeReturn.eventId, policeReturn.source.rawValue, policeReturn.sourceId, policeReturn.text,
                policeReturn.category.rawValue, policeReturn.level.rawValue, ts(policeReturn.returnedAt), policeReturn.reason,
            ])
    }

    static func apply(_ rejection: RejectedEvent, db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO rejection (rejection_id, source, source_id, origin, reason, field, message, rejected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                rejection.eventId, rejection.source.rawValue, rejection.sourceId, rejection.origin, rejection.reason,
                rejection.field, rejection.message, ts(rejection.rejectedAt),
            ])
    }

    static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
}
