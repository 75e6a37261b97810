import Foundation
import GRDB
import Logging
import MinshengModel

/// Everything the console's HTTP handlers use: its configuration and settings, its database (read model,
/// accounts, sessions), the change feed for the pages, the operations board, and dispatch's API.
struct ConsoleApp: Sendable {
    let configuration: ConsoleConfiguration
    let settings: ConsoleSettings
    let database: any DatabaseWriter
    let accounts: AccountStore
    let sessions: SessionStore
    let feed: ChangeFeed
    let operations: OperationsBoard
    let dispatch: DispatchClient
    let logger: Logger
    /// The clock of every handler (tests move it).
    let now: @Sendable () -> Date

    /// The unit a person acts for at dispatch: the centre for centre staff, their unit for a handler.
    func actingUnit(of account: Account) -> String? {
        switch account.role {
        case .staff, .supervisor: configuration.centre?.id
        case .unit: account.unitId
        case .viewer: nil
        }
    }

    func person(_ account: Account) -> ActingPerson { ActingPerson(id: account.accountId, name: account.name) }
}
