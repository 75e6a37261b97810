import Foundation
import MinshengModel
import MinshengPlatform

/// Paths and fixtures shared by the unit tests.
enum TestSupport {
    /// The repository root (this file is Tests/UnitTests/TestSupport.swift).
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let configDirectory = root + "/deploy/config"

    static func region() throws -> Region { try ConfigFile.region(directory: configDirectory) }
    static func units() throws -> UnitsDirectory { try ConfigFile.units(directory: configDirectory) }

    static func accepted(
        _ text: String, source: Source = .hotline12345, requestType: RequestType? = nil, address: String? = nil,
        sourceId: String = UUID().uuidString
    ) -> AcceptedEvent {
        AcceptedEvent(
            eventId: "ev-\(UUID().uuidString.lowercased())", source: source, sourceId: sourceId,
            occurredAt: Date(timeIntervalSince1970: 1_795_398_060), receivedAt: Date(timeIntervalSince1970: 1_795_398_070),
            text: text, requestType: requestType, reporter: Reporter(name: "王女士", phone: "13800000000"),
            address: address)
    }
}
