import MinshengKafka
import Testing
@testable import MinshengCtl

@Suite("minsheng-ctl tail's message format")
struct MessageFormatTests {
    let message = KafkaMessage(topic: "workorders.updates", partition: 3, offset: 41, key: Array("ev-1".utf8),
                               value: Array(#"{"change":"created"}"#.utf8), timestamp: 1_796_000_000_123)

    func printed(_ format: String, _ message: KafkaMessage? = nil) throws -> String {
        var output: [UInt8] = []
        try MessageFormat(format).write(message ?? self.message, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func tokensAreReplacedAndANewlineEndsEachMessage() throws {
        #expect(try printed("%T\\t%k\\t%s") == "1796000000123\tev-1\t{\"change\":\"created\"}\n")
        #expect(try printed("%t/%p/%o") == "workorders.updates/3/41\n")
        #expect(try printed("100%% %k\\n") == "100% ev-1\n")
        #expect(try printed("停车 %k") == "停车 ev-1\n")
        #expect(try printed("a\\\\b") == "a\\b\n")
    }

    @Test func aMessageWithoutKeyOrTimestampPrintsEmptyAndMinusOne() throws {
        let bare = KafkaMessage(topic: "t", partition: 0, offset: 0, key: nil, value: Array("v".utf8))
        #expect(try printed("[%k] %T %s", bare) == "[] -1 v\n")
    }

    @Test func unknownTokensAndLoneEscapesAreRefused() {
        #expect(throws: MessageFormat.Invalid.self) { try MessageFormat("%x") }
        #expect(throws: MessageFormat.Invalid.self) { try MessageFormat("%k %") }
        #expect(throws: MessageFormat.Invalid.self) { try MessageFormat("%k\\") }
        #expect(throws: MessageFormat.Invalid.self) { try MessageFormat("\\q") }
    }
}
