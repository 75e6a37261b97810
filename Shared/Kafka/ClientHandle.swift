/// A librdkafka client handle (`rd_kafka_t *`). librdkafka's API is thread-safe, so the pointer may
/// cross threads; its owner (producer or consumer) decides when it is destroyed.
struct ClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
