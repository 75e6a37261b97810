import Foundation
import Logging
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Configuration reload (SIGHUP)")
struct ConfigReloadTests {
    @Test func aGoodChangeIsTakenAndABadFileKeepsTheConfigurationInForce() throws {
        let directory = try TestSupport.configCopy()
        let store = ConfigStore(try DispatchConfiguration.load(directory: directory), directory: directory)
        let logger = Logger(label: "test")
        let unitsPath = directory + "/units.json"
        let original = try String(contentsOfFile: unitsPath, encoding: .utf8)
        let oldToken = try #require(store.current.units.unit(id: "centre")?.apiToken)

        // Rotate the centre's token.
        try original.replacingOccurrences(of: oldToken, with: "rotated-centre-token-0001")
            .write(toFile: unitsPath, atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { try store.reload(logger: logger).get() }
        #expect(store.current.units.unit(id: "centre")?.apiToken == "rotated-centre-token-0001")
        #expect(APITokenAuthenticator.caller(authorization: "Bearer rotated-centre-token-0001", units: store.current.units)?.isCentre == true)
        #expect(APITokenAuthenticator.caller(authorization: "Bearer \(oldToken)", units: store.current.units) == nil)

        // A rule naming a unit that does not exist: refused, the rotated configuration stays.
        let before = store.current
        let routingPath = directory + "/routing.json"
        let routing = try String(contentsOfFile: routingPath, encoding: .utf8)
        try routing.replacingOccurrences(of: "\"unit\": \"city-market\"", with: "\"unit\": \"city-mrket\"")
            .write(toFile: routingPath, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigurationError.self) { try store.reload(logger: logger).get() }
        #expect(error?.description.contains("city-mrket is not in units.json") == true)
        #expect(store.current == before)

        // A file that is not even JSON: the same.
        try "{".write(toFile: directory + "/deadlines.json", atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try store.reload(logger: logger).get() }
        #expect(store.current == before)
    }
}

@Suite("API tokens")
struct APITokenTests {
    let units = try! DispatchConfiguration.load(directory: TestSupport.configDirectory).units

    @Test func aBearerTokenNamesItsUnitAndTheCentreRole() throws {
        let token = try #require(units.unit(id: "danghu-team")?.apiToken)
        #expect(APITokenAuthenticator.caller(authorization: "Bearer \(token)", units: units)
                == Caller(unit: units.unit(id: "danghu-team")!))
        #expect(APITokenAuthenticator.caller(authorization: "bearer \(token)", units: units)?.unitId == "danghu-team")
        #expect(APITokenAuthenticator.caller(authorization: "Bearer \(token)", units: units)?.isCentre == false)
        let centre = try #require(units.unit(id: "centre")?.apiToken)
        #expect(APITokenAuthenticator.caller(authorization: "Bearer \(centre)", units: units)?.isCentre == true)
    }

    @Test(arguments: [nil, "", "Bearer", "Token abc", "Bearer demo-", "Bearer  ", "demo-c799ab4ba5c38f6fe2118d55e70b0606"])
    func anythingElseIsNobody(header: String?) {
        #expect(APITokenAuthenticator.caller(authorization: header, units: units) == nil)
    }

    @Test func theComparisonLooksAtEveryByte() {
        #expect(APITokenAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!APITokenAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!APITokenAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!APITokenAuthenticator.constantTimeEquals(Array("".utf8), Array("a".utf8)))
        #expect(!APITokenAuthenticator.constantTimeEquals([0], []))
    }
}
