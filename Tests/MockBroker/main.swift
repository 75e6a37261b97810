import CRdKafkaMock
import Foundation

// A Kafka broker for fault tests: librdkafka's mock cluster (rdkafka_mock.h) in a process of its own,
// reachable over TCP by the services under test. It prints `bootstrap <host:port,...>` once it listens,
// then reads commands, one per line, from standard input and answers `ok` or `error <why>`:
//
//   topic <name> <partitions>                      create a topic (the mock does not answer CreateTopics)
//   down <broker id> | up <broker id>              take a broker off the network and back (its log stays)
//   rtt <broker id> <ms>                           slow a broker's responses down
//   leader <topic> <partition> <broker id>         make a broker the partition's leader
//   errors <api key> <error code> <count>          the next <count> requests of that API fail with <code>
//   topic-error <name> <error code>                metadata requests for the topic fail (0 clears)
//   quit                                           stop
//
// Usage: minsheng-mockbroker [brokers (default 1)]

/// One line to whoever drives the broker, at once (no stdio buffering).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let brokers = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "1"
guard let conf = rd_kafka_conf_new() else { fatalError("rd_kafka_conf_new failed") }
var errstr = [CChar](repeating: 0, count: 512)
for (key, value) in [("test.mock.num.brokers", brokers), ("log_level", "3")] {
    guard rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) == RD_KAFKA_CONF_OK else {
        FileHandle.standardError.write(Data("minsheng-mockbroker: \(key): \(String(cString: errstr))\n".utf8))
        exit(2)
    }
}
guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count),
      let cluster = rd_kafka_handle_mock_cluster(handle)
else {
    FileHandle.standardError.write(Data("minsheng-mockbroker: cannot start the mock cluster: \(String(cString: errstr))\n".utf8))
    exit(2)
}
say("bootstrap \(String(cString: rd_kafka_mock_cluster_bootstraps(cluster)))")

func answer(_ err: rd_kafka_resp_err_t) {
    say(err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : "error \(String(cString: rd_kafka_err2name(err)))")
}

while let line = readLine() {
    let words = line.split(separator: " ").map(String.init)
    guard let command = words.first else { continue }
    func int(_ index: Int) -> Int32? { words.count > index ? Int32(words[index]) : nil }
    switch command {
    case "topic":
        guard words.count == 3, let partitions = int(2) else { say("error usage: topic <name> <partitions>"); continue }
        answer(rd_kafka_mock_topic_create(cluster, words[1], partitions, 1))
    case "down", "up":
        guard let broker = int(1) else { say("error usage: \(command) <broker id>"); continue }
        answer(command == "down" ? rd_kafka_mock_broker_set_down(cluster, broker) : rd_kafka_mock_broker_set_up(cluster, broker))
    case "rtt":
        guard let broker = int(1), let milliseconds = int(2) else { say("error usage: rtt <broker id> <ms>"); continue }
        answer(rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds))
    case "leader":
        guard words.count == 4, let partition = int(2), let broker = int(3) else {
            say("error usage: leader <topic> <partition> <broker id>")
            continue
        }
        answer(rd_kafka_mock_partition_set_leader(cluster, words[1], partition, broker))
    case "errors":
        guard let apiKey = int(1), let code = int(2), let count = int(3), count > 0 else {
            say("error usage: errors <api key> <error code> <count>")
            continue
        }
        var codes = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: code), count: Int(count))
        rd_kafka_mock_push_request_errors_array(cluster, Int16(apiKey), codes.count, &codes)
        say("ok")
    case "topic-error":
        guard words.count == 3, let code = int(2) else { say("error usage: topic-error <name> <error code>"); continue }
        rd_kafka_mock_topic_set_error(cluster, words[1], rd_kafka_resp_err_t(rawValue: code))
        say("ok")
    case "quit":
        rd_kafka_destroy(handle)
        exit(0)
    default:
        say("error unknown command \(command)")
    }
}
rd_kafka_destroy(handle)
