import Foundation
import Logging
import MinshengPlatform
import Synchronization

/// The configuration in force. Readers take a snapshot per message, request or timer, so a reload
/// (SIGHUP) never changes the rules in the middle of one.
final class ConfigStore: Sendable {
    private let state: Mutex<DispatchConfiguration>
    let directory: String

    init(_ configuration: DispatchConfiguration, directory: String) {
        state = Mutex(configuration)
        self.directory = directory
    }

    var current: DispatchConfiguration { state.withLock { $0 } }

    /// Loads the files again. A problem in any of them keeps the configuration in force and is returned.
    @discardableResult
    func reload(logger: Logger) -> Result<DispatchConfiguration, ConfigurationError> {
        let result = Result { () throws(ConfigurationError) in try DispatchConfiguration.load(directory: directory) }
        switch result {
        case .success(let configuration):
            state.withLock { $0 = configuration }
            logger.notice("Configuration reloaded", metadata: [
                "config.dir": "\(directory)", "config.units": "\(configuration.units.units.count)",
                "config.rules": "\(configuration.routing.rules.count)",
            ])
        case .failure(let error):
            logger.error("Configuration not reloaded; the previous one stays in force", metadata: [
                "config.dir": "\(directory)", "error": "\(error)",
            ])
        }
        return result
    }
}
