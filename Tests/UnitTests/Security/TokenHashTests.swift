import Foundation
import MinshengPlatform
import Testing

/// Token hashes (docs/security.md): the stored form, the comparison, the demo tokens, and agreement with
/// the command operators use to make hashes (scripts/tools/hash-token.py).
@Suite("Security: token hashes")
struct TokenHashTests {
    @Test func aHashMatchesItsTokenOnly() throws {
        let token = TokenHash.newToken()
        #expect(token.count == 48)
        let hash = TokenHash.make(token: token)
        #expect(hash.matches(token))
        #expect(!hash.matches(token + "x"))
        #expect(!hash.matches(String(token.dropLast())))
        let parsed = try #require(TokenHash(stored: hash.description))
        #expect(parsed == hash)
        #expect(!hash.description.contains(token))
        // A new salt each time: the same token never gives the same stored text.
        #expect(TokenHash.make(token: token).description != hash.description)
    }

    @Test(arguments: ["", "sha256:00:11", "hmac-sha256:zz112233445566778899aabbccddeeff:" + String(repeating: "ab", count: 32),
                      "hmac-sha256:00112233445566778899aabbccddeeff:abcd", "demo-c799ab4ba5c38f6fe2118d55e70b0606"])
    func malformedStoredHashesAreRefused(stored: String) {
        #expect(TokenHash(stored: stored) == nil)
        #expect(TokenHash.problem(stored: stored) != nil)
    }

    @Test func theHashCommandMakesHashesTheServicesAccept() throws {
        let token = TokenHash.newToken()
        let output = try run("/usr/bin/env", ["python3", TestSupport.root + "/scripts/tools/hash-token.py", "--token", token])
        let stored = try #require(output.split(separator: "\n").first { $0.hasPrefix("hash:") }?.split(separator: " ").last)
        #expect(TokenHash(stored: String(stored))?.matches(token) == true)
        // Without --token it makes a token too.
        let fresh = try run("/usr/bin/env", ["python3", TestSupport.root + "/scripts/tools/hash-token.py"])
        let newToken = try #require(fresh.split(separator: "\n").first { $0.hasPrefix("token:") }?.split(separator: " ").last)
        let newHash = try #require(fresh.split(separator: "\n").first { $0.hasPrefix("hash:") }?.split(separator: " ").last)
        #expect(TokenHash(stored: String(newHash))?.matches(String(newToken)) == true)
        #expect(newToken.count >= TokenHash.minimumTokenLength)
    }

    @Test func demoTokensAreDerivedAsTheScriptsDeriveThem() throws {
        let script = "import sys; sys.path.insert(0, sys.argv[1]); from demo_tokens import *; "
            + "print(demo_token('centre')); print(demo_sender_token('police110'))"
        let output = try run("/usr/bin/env", ["python3", "-c", script, TestSupport.root + "/scripts/tools"])
        #expect(output.split(separator: "\n").map(String.init) == [DemoToken.unit("centre"), DemoToken.sender("police110")])
        #expect(DemoToken.unit("centre") == "demo-c799ab4ba5c38f6fe2118d55e70b0606")  // the token the demo always had
    }

    @Test func bearerHeadersAreReadStrictly() throws {
        let hash = TokenHash.make(token: "a-token-of-more-than-thirty-two-characters")
        let holders = [(holder: "x", hash: hash)]
        func check(_ header: String?, demo: Bool = false) -> Result<String, BearerAuthentication.Failure> {
            BearerAuthentication.holder(authorization: header, among: holders, demoMode: demo)
        }
        #expect(try check("Bearer a-token-of-more-than-thirty-two-characters").get() == "x")
        #expect(throws: BearerAuthentication.Failure.missing) { try check(nil).get() }
        #expect(throws: BearerAuthentication.Failure.malformed) { try check("Basic eDp5").get() }
        #expect(throws: BearerAuthentication.Failure.malformed) { try check("Bearer a b").get() }
        #expect(throws: BearerAuthentication.Failure.unknownToken) { try check("Bearer a-token-of-more-than-thirty-two-character").get() }
        let demo = [(holder: "d", hash: TokenHash.make(token: DemoToken.unit("centre")))]
        #expect(throws: BearerAuthentication.Failure.demoTokenRefused) {
            try BearerAuthentication.holder(authorization: "Bearer \(DemoToken.unit("centre"))", among: demo, demoMode: false).get()
        }
        #expect(try BearerAuthentication.holder(authorization: "Bearer \(DemoToken.unit("centre"))", among: demo, demoMode: true).get() == "d")
    }

    @Test func aClientIsLimitedByItsBucket() {
        let limiter = ClientRateLimiter(.init(perSecond: 2, burst: 3))
        let start = Date(timeIntervalSince1970: 1000)
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) == 0.5)
        #expect(limiter.acquire("b", now: start) == nil)
        #expect(limiter.acquire("a", now: start.addingTimeInterval(0.5)) == nil)
        #expect(limiter.wait("a", now: start.addingTimeInterval(0.5)) == 0.5)
        #expect(ClientRateLimiter.retryAfterHeader(0.2) == "1")
        #expect(ClientRateLimiter.retryAfterHeader(2.1) == "3")
    }

    func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }
}
