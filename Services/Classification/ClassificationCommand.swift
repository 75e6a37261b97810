import ArgumentParser
import Foundation
import MinshengModel
import MinshengPlatform

/// `minsheng-classification`: what an event is, how urgent, police or not, where (精准分流).
/// Runs the service by default; `train`, `evaluate` and `benchmark` work on the model.
@main
struct ClassificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.classification.executableName,
        abstract: "Minsheng classification: reads events.accepted, publishes events.classified, police110.returns and alerts.hotspots.",
        discussion: ServiceSettings.help(for: .classification),
        subcommands: [Serve.self, Train.self, Evaluate.self, Benchmark.self],
        defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the service (the default).", discussion: ServiceSettings.help(for: .classification))

        func run() async throws {
            try await ServiceLauncher.launch(.classification) { settings in
                try await ClassificationService.build(settings: settings).run()
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the models by cross-validation on the labelled corpus, train the best and write the model file.")

        @Option(help: "Training split (JSON lines).")
        var corpus = "Services/Classification/Corpus/train.jsonl"
        @Option(help: "Where to write the model.")
        var output = "deploy/config/\(ClassifierModel.fileName)"
        @Flag(help: "Print each candidate's cross-validated figure as it is measured.")
        var verbose = false

        func run() throws {
            let examples = try CorpusExample.load(path: corpus)
            let started = ContinuousClock.now
            let result = ClassifierTrainer.train(examples, source: URL(fileURLWithPath: corpus).lastPathComponent) { line in
                if verbose { print(line) }
            }
            let bytes = result.model.serialized()
            try Data(bytes).write(to: URL(fileURLWithPath: output))
            print("trained on \(examples.count) examples in \(ContinuousClock.now - started); "
                  + "\(result.model.vocabulary.count) features; wrote \(bytes.count) bytes to \(output)")
            print(result.report)
        }
    }

    /// The labelled texts and the model files `evaluate` and `benchmark` work on.
    struct HeldApartInput: ParsableArguments {
        @Option(help: "Held-apart split (JSON lines).")
        var corpus = "Services/Classification/Corpus/test.jsonl"
        @Option(help: "Directory with the model, region and settings files.")
        var configDirectory = "deploy/config"
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print accuracy, macro-F1, confusion matrix, critical recall and police figures on the held-apart split.")

        @OptionGroup var input: HeldApartInput

        func run() throws {
            let (classifier, _) = try ClassificationService.makeClassifier(configDirectory: input.configDirectory)
            let evaluation = ClassificationEvaluation(classifier: classifier, examples: try CorpusExample.load(path: input.corpus))
            print(evaluation.report)
        }
    }

    struct Benchmark: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print model load time and classification throughput on one core.")

        @OptionGroup var input: HeldApartInput
        @Option(help: "Seconds to run each measurement.")
        var seconds: Double = 3

        func run() throws {
            let clock = ContinuousClock()
            var loads: [Duration] = []
            for _ in 0..<5 {
                let started = clock.now
                _ = try ClassifierModel.load(directory: input.configDirectory)
                loads.append(clock.now - started)
            }
            let (classifier, _) = try ClassificationService.makeClassifier(configDirectory: input.configDirectory)
            let events = try CorpusExample.load(path: input.corpus).enumerated().map { index, example in
                AcceptedEvent(eventId: "bench-\(index)", source: example.channel, sourceId: example.id,
                              occurredAt: Date(timeIntervalSince1970: 0), receivedAt: Date(timeIntervalSince1970: 0),
                              text: example.text, requestType: example.requestType)
            }
            func measure(_ body: (AcceptedEvent) -> Void) -> Double {
                var count = 0
                let started = clock.now
                let budget = Duration.milliseconds(Int(seconds * 1000))
                while clock.now - started < budget {
                    for event in events { body(event) }
                    count += events.count
                }
                let elapsed = clock.now - started
                return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            var sink = 0
            let modelsOnly = measure { event in
                let rows = classifier.model.vocabulary.rows(of: ModelInput(text: event.text, source: event.source, requestType: event.requestType).features)
                sink &+= classifier.model.category.predict(rows).best
            }
            let whole = measure { event in sink &+= classifier.classify(event).confidence > 0.5 ? 1 : 0 }
            print("model load (median of 5):        \(loads.sorted()[2])")
            print("category model alone:            \(Int(modelsOnly)) events/s on one core")
            print("whole classifier (3 models, rules, place, explanation): \(Int(whole)) events/s on one core")
            print("(\(events.count) distinct texts, \(sink % 2) )")
        }
    }
}
