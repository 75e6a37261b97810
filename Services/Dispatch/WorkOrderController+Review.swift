import Foundation
import Hummingbird
import MinshengModel
import MinshengPlatform

/// The centre's review over the API (docs/openapi.yaml): release a held order to a unit (审核派发),
/// answer it on the spot (即时办结), merge it into another order (并案), and approve or refuse a
/// return (退回审核). Only the centre may; each is one transaction with its timeline entry and message.
extension WorkOrderController {
    struct ReleaseBody: Decodable {
        var category: String?
        var level: String?
        var town: String?
        var village: String?
        var unitId: String?
        var coUnitIds: [String]?
        var note: String?
    }

    struct AnswerBody: Decodable {
        var answer: String
        var category: String?
        var level: String?
        var town: String?
        var village: String?
    }

    struct MergeBody: Decodable {
        var into: String
        var note: String?
    }

    struct ApproveReturnBody: Decodable {
        var unitId: String?
        var coUnitIds: [String]?
        var note: String?
    }

    struct RefuseReturnBody: Decodable {
        var note: String
    }

    func addReviewRoutes(to router: Router<HTTPServer.Context>) {
        action("release", on: router) { (body: ReleaseBody) in
            .release(try Self.correction(category: body.category, level: body.level, town: body.town, village: body.village),
                     unitId: try Self.text(body.unitId, "unitId"), coUnitIds: body.coUnitIds, note: try Self.text(body.note, "note"))
        }
        action("answer", on: router) { (body: AnswerBody) in
            .answer(try Self.correction(category: body.category, level: body.level, town: body.town, village: body.village),
                    answer: try Self.required(body.answer, "answer"))
        }
        action("merge", on: router) { (body: MergeBody) in
            .merge(into: try Self.required(body.into, "into"), note: try Self.text(body.note, "note"))
        }
        action("approve-return", on: router) { (body: ApproveReturnBody) in
            .approveReturn(unitId: try Self.text(body.unitId, "unitId"), coUnitIds: body.coUnitIds, note: try Self.text(body.note, "note"))
        }
        action("refuse-return", on: router) { (body: RefuseReturnBody) in
            .refuseReturn(note: try Self.required(body.note, "note"))
        }
    }

    /// The centre's corrections, each checked: a category or level code, a town (and village) of the region.
    static func correction(category: String?, level: String?, town: String?, village: String?) throws(WorkOrderError)
        -> WorkOrderDesk.Correction
    {
        var correction = WorkOrderDesk.Correction()
        if let raw = try text(category, "category") {
            guard let value = Category(rawValue: raw) else {
                throw .invalidField(field: "category", message: "category must be a category code, e.g. market")
            }
            correction.category = value
        }
        if let raw = try text(level, "level") {
            guard let value = Level(rawValue: raw) else {
                throw .invalidField(field: "level", message: "level must be one of critical, urgent, normal, low")
            }
            correction.level = value
        }
        correction.town = try text(town, "town")
        correction.village = try text(village, "village")
        return correction
    }
}
