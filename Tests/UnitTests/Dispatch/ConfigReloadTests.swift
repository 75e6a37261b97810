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
        let oldToken = DemoToken.unit("centre")
        let oldHash = try #require(store.current.units.unit(id: "centre")?.apiTokenHash)

        // Rotate the centre's token: a new token, its hash in the file.
        let newToken = TokenHash.newToken()
        try original.replacingOccurrences(of: oldHash.description, with: TokenHash.make(token: newToken).description)
            .write(toFile: unitsPath, atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { try store.reload(logger: logger).get() }
        #expect(store.current.units.unit(id: "centre")?.apiTokenHash?.matches(newToken) == true)
        #expect(try APITokenAuthenticator.caller(authorization: "Bearer \(newToken)", units: store.current.units, demoMode: false).get().isCentre)
        #expect(throws: BearerAuthentication.Failure.unknownToken) {
            try APITokenAuthenticator.caller(authorization: "Bearer \(oldToken)", units: store.current.units, demoMode: true).get()
        }

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

    func caller(_ header: String?, demoMode: Bool = true) -> Result<Caller, BearerAuthentication.Failure> {
        APITokenAuthenticator.caller(authorization: header, units: units, demoMode: demoMode)
    }

    @Test func aBearerTokenNamesItsUnitAndTheCentreRole() throws {
        let token = DemoToken.unit("danghu-team")
        #expect(try caller("Bearer \(token)").get() == Caller(unit: units.unit(id: "danghu-team")!))
        #expect(try caller("bearer \(token)").get().unitId == "danghu-team")
        #expect(try caller("Bearer \(token)").get().isCentre == false)
        #expect(try caller("Bearer \(DemoToken.unit("centre"))").get().isCentre == true)
    }

    @Test(arguments: [(nil, BearerAuthentication.Failure.missing), ("", .malformed), ("Bearer", .malformed), ("Token abc", .malformed),
                      ("Bearer  ", .malformed), ("Bearer demo-", .unknownToken), (DemoToken.unit("centre"), .malformed),
                      ("Bearer \(DemoToken.unit("centre"))x", .unknownToken), ("Bearer \(DemoToken.unit("nobody"))", .unknownToken)])
    func anythingElseIsNobody(header: String?, failure: BearerAuthentication.Failure) {
        #expect(throws: failure) { try caller(header).get() }
    }

    /// The shipped units.json carries hashes of public demo tokens: they must not work outside demo mode.
    @Test func demoTokensAreRefusedOutsideDemoMode() throws {
        #expect(throws: BearerAuthentication.Failure.demoTokenRefused) {
            try caller("Bearer \(DemoToken.unit("centre"))", demoMode: false).get()
        }
        #expect(throws: BearerAuthentication.Failure.demoTokenRefused) {
            try caller("Bearer \(DemoToken.unit("danghu-team"))", demoMode: false).get()
        }
    }

    /// The files hold hashes only: no unit's demo token appears in units.json.
    @Test func theUnitsFileHoldsNoToken() throws {
        let text = try String(contentsOfFile: TestSupport.configDirectory + "/units.json", encoding: .utf8)
        #expect(!text.contains("\"apiToken\""))
        for unit in units.units {
            #expect(!text.contains(DemoToken.unit(unit.id)))
            #expect(unit.apiTokenHash?.matches(DemoToken.unit(unit.id)) == true, "\(unit.id)")
        }
    }
}
