import Testing

/// The integration suites that start whole stacks of service processes (and their brokers): they run one
/// at a time (`.serialized` applies to every suite nested here), beside the unit tests and the suites
/// that use the broker alone. Several stacks at once on a two-core machine starve each other: test
/// processes, brokers and the suites' own waits compete for the same cores, and a stack's webhook
/// receiver could not even bind within a minute.
@Suite(.serialized) enum ServiceStacks {}
