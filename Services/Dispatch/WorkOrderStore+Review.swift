import Foundation
import GRDB
import MinshengModel

/// What the centre's review writes besides the usual changes: corrections of a held order's verdict,
/// and the events a merged report moves to the order it joins.
extension WorkOrderStore {
    /// Writes a corrected category, level and place (town, village, grid).
    static func correct(_ order: WorkOrder, db: Database) throws {
        try db.run("""
            UPDATE work_order SET category = ?, level = ?, town = ?, village = ?, grid = ? WHERE work_order_id = ?
            """, [order.category.rawValue, order.level.rawValue, order.town, order.village, order.grid,
                             order.workOrderId])
    }

    /// Moves every event of one order to another (并案).
    static func moveEvents(of workOrderId: String, to targetId: String, db: Database) throws {
        try db.run("UPDATE work_order_event SET work_order_id = ? WHERE work_order_id = ?",
                       [targetId, workOrderId])
    }
}
