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
        subcommands: [Serve.self, Train.self, Evaluate.self, TuneSimilarity.self, Benchmark.self],
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
        @Option(help: "Directory with region.json (its place names are left out of the topic weights).")
        var configDirectory = "deploy/config"
        @Option(help: "Also print each kind of model's category macro-F1 on this held-apart split (for the docs; it chooses nothing).")
        var heldApart: String?
        @Flag(help: "Refit with the recipes recorded in the current model file instead of choosing them again by cross-validation (after a change to the problem-type labels, which choose no model).")
        var refit = false
        @Option(help: "Instead of training: print the 5-fold cross-validated figures of these problem-type recipes (L2:epochs:step[:kept weight], comma-separated; e.g. 1e-5:25:0.5,1e-4:25:0.5).")
        var problemTypeRecipes: String?
        @Flag(help: "With --problem-type-recipes: leave out the texts written for the type model alone (problem_type_texts.tsv).")
        var withoutTypeTexts = false
        @Option(help: "With --problem-type-recipes: also print this many of the commonest confusions (a label taken for another type).")
        var confusions = 0

        func run() throws {
            let examples = try CorpusExample.load(path: corpus)
            let gazetteer = Gazetteer(region: try ConfigFile.region(directory: configDirectory))
            // The training texts' problem types sit beside the corpus (problem_types.txt, train_problem_types.tsv).
            let problemTypes = try ProblemTypeLabels.load(corpusDirectory: URL(fileURLWithPath: corpus).deletingLastPathComponent().path)
            if let problemTypeRecipes {
                let vocabulary = try ClassifierModel.load(directory: URL(fileURLWithPath: output).deletingLastPathComponent().path).vocabulary
                print("problem-type recipes, 5-fold cross-validation on \(problemTypes.labels.count) labelled texts"
                      + (withoutTypeTexts ? "" : ", \(problemTypes.typeTexts.count) texts for the type model alone in every fold's training part")
                      + " (shipped: \(ProblemTypeTrainer.parameters), kept weight \(ProblemTypeTrainer.keptWeight)):")
                for recipe in problemTypeRecipes.split(separator: ",") {
                    let parts = recipe.split(separator: ":").map { Float($0.trimmingCharacters(in: .whitespaces)) }
                    guard (3...4).contains(parts.count), parts.allSatisfy({ $0 != nil }), let epochs = parts[1], epochs >= 1 else {
                        throw ValidationError("--problem-type-recipes: expected L2:epochs:step[:kept weight], got \(recipe)")
                    }
                    let parameters = LogisticRegressionTrainer.Parameters(l2: parts[0]!, epochs: Int(epochs), learningRate: parts[2]!)
                    let kept = parts.count == 4 ? parts[3]! : ProblemTypeTrainer.keptWeight
                    let started = ContinuousClock.now
                    let figures = try ProblemTypeTrainer.crossValidate(problemTypes, vocabulary: vocabulary, examples: examples,
                                                                       withoutPlaceNames: gazetteer.withoutPlaceNames, parameters: parameters, kept: kept,
                                                                       typeTexts: !withoutTypeTexts)
                    print(String(format: "  %@ kept %g: accuracy %.3f, label among the %d likeliest %.3f, mean label probability %.3f (%@)",
                                 parameters.description, kept, figures.accuracy, SignatureMaker.problemTypesKept, figures.amongKept,
                                 figures.meanLabelProbability, "\(ContinuousClock.now - started)"))
                    for confusion in figures.confusions.prefix(confusions) {
                        print("    \(confusion.label) taken for \(confusion.taken): \(confusion.count)")
                    }
                }
                return
            }
            let started = ContinuousClock.now
            let source = URL(fileURLWithPath: corpus).lastPathComponent
            let model: ClassifierModel
            var comparison: [String: [ClassifierTrainer.CandidateScore]] = [:]
            if refit {
                let current = try ClassifierModel.load(directory: URL(fileURLWithPath: output).deletingLastPathComponent().path)
                model = try ProblemTypeTrainer.attach(problemTypes, to: ClassifierTrainer.fit(examples, recipes: current.recipes, source: source,
                                                                                          withoutPlaceNames: gazetteer.withoutPlaceNames),
                                                      examples: examples, withoutPlaceNames: gazetteer.withoutPlaceNames)
            } else {
                let result = ClassifierTrainer.train(examples, source: source, withoutPlaceNames: gazetteer.withoutPlaceNames) { line in
                    if verbose { print(line) }
                }
                model = try ProblemTypeTrainer.attach(problemTypes, to: result.model, examples: examples,
                                                      withoutPlaceNames: gazetteer.withoutPlaceNames)
                comparison = result.comparison
                print(result.report)
            }
            let bytes = model.serialized()
            try Data(bytes).write(to: URL(fileURLWithPath: output))
            print("trained on \(examples.count) examples in \(ContinuousClock.now - started); "
                  + "\(model.vocabulary.count) features; \(problemTypes.labels.count) texts labelled with \(problemTypes.types.count) problem types "
                  + "(\(model.problemTypeModel?.entryTypes.count ?? 0) weights kept); wrote \(bytes.count) bytes to \(output)")
            if let heldApart, !comparison.isEmpty {
                let test = try CorpusExample.load(path: heldApart)
                let prepared = ClassifierTrainer.prepare(examples, withoutPlaceNames: gazetteer.withoutPlaceNames)
                let task = ClassifierTrainer.tasks(examples)[0]
                let rows = test.map { prepared.vocabulary.rows(of: $0.input.features) }
                let truth = test.map { example in task.classes.firstIndex(of: example.category.rawValue) ?? -1 }
                print("category macro-F1 on \(URL(fileURLWithPath: heldApart).lastPathComponent) (\(test.count) examples), model alone, no rules:")
                for score in comparison["category"] ?? [] {
                    let model = ClassifierTrainer.fit(score.recipe, task: task, data: prepared.data)
                    let held = rows.map { model.scores($0) }
                    print("  " + score.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                          + ClassifierTrainer.format(ClassifierTrainer.macroF1(held, labels: truth, classes: task.classes.count)))
                }
            }
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
        static let configuration = CommandConfiguration(
            abstract: "Print accuracy, macro-F1, confusion matrix, critical recall and police figures on the held-apart split, and the repeat and hotspot figures on the held-apart cluster set.")

        @OptionGroup var input: HeldApartInput
        @Option(help: "Held-apart cluster set (JSON lines).")
        var clusters = "Services/Classification/Corpus/clusters/test.jsonl"
        @Flag(help: "Also list the critical examples missed and the false alarms.")
        var criticalErrors = false
        @Option(help: "The order the cluster set's reports reach the detector: occurred (as they occurred), source (one channel after another), reversed, or shuffled:<seed> (replayed in one batch).")
        var arrival = "occurred"

        func run() throws {
            guard let order = SignedClusterSet.Arrival(arrival) else {
                throw ValidationError("--arrival: expected occurred, source, reversed or shuffled:<seed>, got \(arrival)")
            }
            let parts = try ClassificationService.makeParts(configDirectory: input.configDirectory)
            let evaluation = ClassificationEvaluation(classifier: parts.classifier, examples: try CorpusExample.load(path: input.corpus))
            print(evaluation.report)
            if criticalErrors { print(evaluation.criticalErrors) }
            print("")
            if order != .asOccurred { print("reports arriving \(order)") }
            print(try ClusterEvaluation(parts: parts, reports: try ClusterReport.load(path: clusters), arrival: order).report)
        }
    }

    struct TuneSimilarity: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tune-similarity",
            abstract: "Search the report-similarity weights and thresholds on the tuning cluster set; print the best.")

        @Option(help: "Directory with the model, region and settings files.")
        var configDirectory = "deploy/config"
        @Option(help: "Tuning cluster sets (JSON lines; comma-separated: each is run on its own, the figures pooled).")
        var clusters = "Services/Classification/Corpus/clusters/tune.jsonl,Services/Classification/Corpus/clusters/tune2.jsonl"
        @Option(help: "How many of the best settings to print.")
        var top = 12
        @Option(help: "Print the similarity parts of every pair of this cluster's reports (and distractors at its places) instead.")
        var explain: String?
        @Option(help: "With --explain: terms kept per report.")
        var explainTerms: Int?
        @Option(help: "With --explain: IDF floor.")
        var explainFloor: Double?
        @Option(help: "With --explain: topic exponent.")
        var explainTopic: Double?
        @Option(help: "With --explain: informativeness of unknown n-grams.")
        var explainUnknown: Double?
        @Option(help: "With --explain: neighbours kept.")
        var explainNeighbours: Int?
        @Option(help: "With --explain: expansion.")
        var explainExpansion: Double?
        @Option(help: "With --explain: unigrams (true/false).")
        var explainUnigrams: Bool?
        @Option(help: "With --explain: weight of the problem concepts.")
        var explainConcepts: Double?
        @Option(help: "With --explain: weight of the problem types (above 0: the signatures hold them).")
        var explainProblemTypes: Double?
        @Option(help: "With --explain: the problem types' bound (as a multiple of what the words give; 3 when neither this nor the settings set one).")
        var explainProblemTypeBound: Double?
        @Option(help: "Expansions to search (comma-separated).")
        var expansions = "0.5,1"
        @Option(help: "Neighbour weights to search (comma-separated).")
        var neighbourWeights = "0.5,1"
        @Option(help: "Place weights to search (comma-separated).")
        var placeWeights = "0.75,1"
        @Option(help: "Category weights to search (comma-separated).")
        var categoryWeights = "0.25,0.5,0.75"
        @Option(help: "Problem-concept weights to search (comma-separated).")
        var conceptWeights = "0,0.25,0.5,0.75,1"
        @Option(help: "Concept-mismatch shares to search (comma-separated).")
        var conceptMismatches = "0"
        @Option(help: "Problem-type weights to search (comma-separated; 0: the problem types add nothing).")
        var problemTypeWeights = "0"
        @Flag(help: "Compare each report with every report of its town instead of the candidate index's (slower; a setting whose figures differ is one the index cannot serve: check `evaluate`'s index line).")
        var fullScan = false
        @Option(help: "Problem-type bounds to search (comma-separated): the most the types add, as a multiple of what the words give.")
        var problemTypeBounds = "3"
        @Option(help: "Matter support: members from which a matter asks for support, to search (comma-separated; 0: no matter support).")
        var supportMembers = "0"
        @Option(help: "Matter support: the second best member's score to search (comma-separated; 0: not asked).")
        var supportSecondBests = "0"
        @Option(help: "Matter support: the mean score over the members to search (comma-separated; 0: not asked).")
        var supportMeans = "0"
        @Option(help: "Matter support: best scores from which one member suffices, to search (comma-separated; 0: never).")
        var soleMatches = "0"
        @Option(help: "Hotspot support: members from which a hotspot asks each report it takes in for support, to search (comma-separated; 0: no hotspot support).")
        var hotspotSupportMembers = "0"
        @Option(help: "Hotspot support: the second best score against the hotspot's other reports, to search (comma-separated; 0: not asked).")
        var hotspotSecondBests = "0"
        @Option(help: "Hotspot support: the mean score against the hotspot's other reports, to search (comma-separated; 0: not asked).")
        var hotspotMeans = "0"
        @Option(help: "Repeat thresholds to search (comma-separated).")
        var thresholds = "0.1,0.125,0.15,0.175,0.2,0.225,0.25,0.275,0.3,0.325,0.35,0.375,0.4"
        @Option(help: "What the hotspot threshold adds to the repeat threshold, to search (comma-separated).")
        var hotspotOffsets = "0,0.1"
        @Flag(help: "Also print the planted clusters the best setting does not link or raise whole, and the matters it mixes.")
        var showMisses = false

        func run() throws {
            let base = try ClassificationService.makeParts(configDirectory: configDirectory)
            let sets = try clusters.split(separator: ",").map { try ClusterReport.load(path: String($0)) }
            let reports = sets.flatMap { $0 }
            if let explain {
                var settings = base.settings
                if let terms = explainTerms { settings.similarity.maximumTerms = terms }
                if let floor = explainFloor { settings.similarity.idfFloor = floor }
                if let rare = explainTopic { settings.similarity.topicExponent = rare }
                if let unknown = explainUnknown { settings.similarity.unknownInformativeness = unknown }
                if let neighbours = explainNeighbours { settings.similarity.neighbours = neighbours }
                if let expansion = explainExpansion { settings.similarity.expansion = expansion }
                if let unigrams = explainUnigrams { settings.similarity.unigrams = unigrams }
                if let concepts = explainConcepts { settings.similarity.conceptWeight = concepts }
                if let types = explainProblemTypes { settings.similarity.problemTypeWeight = types }
                if let bound = explainProblemTypeBound { settings.similarity.problemTypeBound = bound }
                if settings.similarity.problemTypeBound == 0 { settings.similarity.problemTypeBound = 3 }
                let region = try ConfigFile.region(directory: configDirectory)
                let maker = SignatureMaker(model: base.classifier.model, gazetteer: Gazetteer(region: region), parameters: settings.similarity)
                let members = reports.filter { $0.cluster == explain }
                let towns = Set(members.compactMap { base.classifier.classify($0.accepted).place?.town })
                let chosen = members + reports.filter { $0.cluster == nil && towns.contains(base.classifier.classify($0.accepted).place?.town ?? "") }
                let signed = chosen.map { report -> (ClusterReport, ReportSignature) in
                    let event = report.accepted
                    let decision = base.classifier.classify(event)
                    return (report, maker.signature(text: event.text, address: event.address, village: decision.place?.village,
                                                              categoryProbabilities: decision.categoryProbabilities))
                }
                for (report, signature) in signed {
                    print(report.id, signature.terms.count, signature.places, signature.categories.map { "\($0.index):\($0.probability)" })
                    print("   ", maker.describe(report.text).prefix(14).map { "\($0.term) \(String(format: "%.1f", $0.weight))" }.joined(separator: ", "))
                    print("    problem types:", maker.describe(problemTypes: signature.problemTypes))
                }
                let similarity = ReportSimilarity(settings.similarity)
                for i in signed.indices {
                    for j in signed.indices where j > i {
                        let (a, b) = (signed[i].1, signed[j].1)
                        print(String(format: "%@%@ %@ text %.3f place %.0f category %.3f neighbours %.3f types %@ score %.3f", signed[i].0.cluster == signed[j].0.cluster ? "= " : "  ", signed[i].0.id, signed[j].0.id,
                                     a.textSimilarity(to: b), a.placeAgreement(with: b), a.categoryAffinity(with: b), a.neighbourSimilarity(to: b),
                                     a.problemTypeAgreement(with: b).map { String(format: "%.3f", $0) } ?? "-",
                                     similarity.score(a, b)))
                    }
                }
                return
            }
            let region = try ConfigFile.region(directory: configDirectory)
            let gazetteer = Gazetteer(region: region)
            func values(_ list: String, _ name: String) throws -> [Double] {
                let parsed = list.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw ValidationError("--\(name): expected numbers separated by commas") }
                return parsed.compactMap { $0 }
            }
            let grid = (expansions: try values(expansions, "expansions"), neighbours: try values(neighbourWeights, "neighbour-weights"),
                        places: try values(placeWeights, "place-weights"), categories: try values(categoryWeights, "category-weights"),
                        concepts: try values(conceptWeights, "concept-weights"), mismatches: try values(conceptMismatches, "concept-mismatches"),
                        thresholds: try values(thresholds, "thresholds"), offsets: try values(hotspotOffsets, "hotspot-offsets"),
                        types: try values(problemTypeWeights, "problem-type-weights"),
                        typeBounds: try values(problemTypeBounds, "problem-type-bounds"))
            // Every pair of a problem-type weight and bound.
            let typeSettings = grid.types.flatMap { weight in grid.typeBounds.map { (weight: weight, bound: $0) } }
            // Every support rule of the grid from its axes (members below 2: none; a bound of 0: not asked).
            func rules(members: String, _ membersName: String, secondBests: String, _ secondName: String, means: String,
                       _ meanName: String, soleMatches: String = "0", _ soleName: String = "") throws -> [MatterSupport?] {
                var rules: [MatterSupport?] = []
                for count in try values(members, membersName) {
                    guard count >= 2 else { rules.append(nil); continue }
                    for second in try values(secondBests, secondName) {
                        for mean in try values(means, meanName) where second > 0 || mean > 0 {
                            for sole in try values(soleMatches, soleName) {
                                rules.append(MatterSupport(fromMembers: Int(count), secondBest: second, meanScore: mean,
                                                           soleMatch: sole > 0 ? sole : nil))
                            }
                        }
                    }
                }
                return rules
            }
            // Matter support (nil: the single linkage shipped before) and hotspot support (nil: none).
            let supports = try rules(members: supportMembers, "support-members", secondBests: supportSecondBests, "support-second-bests",
                                     means: supportMeans, "support-means", soleMatches: soleMatches, "sole-matches")
            let hotspotSupports = try rules(members: hotspotSupportMembers, "hotspot-support-members", secondBests: hotspotSecondBests,
                                            "hotspot-second-bests", means: hotspotMeans, "hotspot-means")
            // Every pair of a matter-support rule and a hotspot-support rule.
            let linkages = supports.flatMap { support in hotspotSupports.map { (matter: support, hotspot: $0) } }
            var results: [(ClusterEvaluation, ClassificationSettings)] = []
            // The signatures depend only on the maker's parameters (expansion, concept weight): each report
            // is classified and signed once per maker, then every setting of the rest is evaluated on them.
            for expansion in grid.expansions {
                for concept in grid.concepts {
                    var similarity = base.settings.similarity
                    similarity.expansion = expansion
                    similarity.conceptWeight = concept
                    // The signatures hold the problem types when any setting of the grid uses them.
                    similarity.problemTypeWeight = grid.types.max() ?? 0
                    similarity.problemTypeBound = grid.typeBounds.max() ?? 0
                    let maker = SignatureMaker(model: base.classifier.model, gazetteer: gazetteer, parameters: similarity)
                    let signed = sets.map { SignedClusterSet(reports: $0, classifier: base.classifier, signatures: maker) }
                    for neighbour in grid.neighbours {
                        for place in grid.places {
                            for category in grid.categories {
                                for mismatch in grid.mismatches {
                                    for threshold in grid.thresholds {
                                        for hotspotOffset in grid.offsets {
                                            for (linkage, types) in linkages.flatMap({ linkage in typeSettings.map { (linkage, $0) } }) {
                                                var settings = base.settings
                                                settings.matterSupport = linkage.matter
                                                settings.hotspotSupport = linkage.hotspot
                                                settings.similarity = maker.parameters
                                                settings.similarity.neighbourWeight = neighbour
                                                settings.similarity.placeWeight = place
                                                settings.similarity.categoryWeight = category
                                                settings.similarity.conceptMismatch = mismatch
                                                settings.similarity.problemTypeWeight = types.weight
                                                settings.similarity.problemTypeBound = types.bound
                                                settings.duplicates.minSimilarity = threshold
                                                settings.hotspots.minSimilarity = threshold + hotspotOffset
                                                let evaluations = try signed.map {
                                                    try ClusterEvaluation(settings: settings, signed: $0, compareWithFullScan: false, fullScan: fullScan)
                                                }
                                                results.append((ClusterEvaluation(pooling: evaluations), settings))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            results.sort { (a: (ClusterEvaluation, ClassificationSettings), b: (ClusterEvaluation, ClassificationSettings)) -> Bool in
                if a.0.pairF1 != b.0.pairF1 { return a.0.pairF1 > b.0.pairF1 }
                if a.0.clustersRaised != b.0.clustersRaised { return a.0.clustersRaised > b.0.clustersRaised }
                if a.0.falseHotspots != b.0.falseHotspots { return a.0.falseHotspots < b.0.falseHotspots }
                // A tie goes to the stricter thresholds (fewer links and alerts on what the set does not show).
                if a.1.hotspots.minSimilarity != b.1.hotspots.minSimilarity { return a.1.hotspots.minSimilarity > b.1.hotspots.minSimilarity }
                return a.1.duplicates.minSimilarity > b.1.duplicates.minSimilarity
            }
            func line(_ evaluation: ClusterEvaluation, _ settings: ClassificationSettings) -> String {
                let s = settings.similarity
                return String(format: "F1 %.4f  P %.3f  R %.3f  linked %d/%d  raised %d/%d (together %d)  false %d  |  expansion %.2f neighbours %.2f place %.2f category %.2f threshold %.3f hotspot %.3f concepts %.2f mismatch %.2f types %.2f type bound %.2f",
                              evaluation.pairF1, evaluation.pairPrecision, evaluation.pairRecall, evaluation.clustersLinked,
                              evaluation.clusters, evaluation.clustersRaised, evaluation.raisable, evaluation.clustersRaisedTogether, evaluation.falseHotspots,
                              s.expansion, s.neighbourWeight, s.placeWeight, s.categoryWeight, settings.duplicates.minSimilarity,
                              settings.hotspots.minSimilarity, s.conceptWeight, s.conceptMismatch, s.problemTypeWeight, s.problemTypeBound)
                    + (settings.matterSupport.map { String(format: " support from %d second %.3f mean %.3f sole %@", $0.fromMembers, $0.secondBest,
                                                                 $0.meanScore, $0.soleMatch.map { String(format: "%.3f", $0) } ?? "-") } ?? " no support")
                    + (settings.hotspotSupport.map { String(format: " | hotspot support from %d second %.3f mean %.3f", $0.fromMembers,
                                                                  $0.secondBest, $0.meanScore) } ?? "")
            }
            print("\(results.count) settings; the best:")
            for (evaluation, settings) in results.prefix(top) { print(line(evaluation, settings)) }
            // The best setting for each value of one axis (results are sorted best first).
            func printBest<Key: Hashable>(for title: String, when searched: Bool, _ key: (ClassificationSettings) -> Key) {
                guard searched else { return }
                print("the best for each \(title):")
                var seen = Set<Key>()
                for (evaluation, settings) in results where seen.insert(key(settings)).inserted { print(line(evaluation, settings)) }
            }
            printBest(for: "concept weight and mismatch", when: grid.concepts.count > 1 || grid.mismatches.count > 1) {
                [$0.similarity.conceptWeight, $0.similarity.conceptMismatch]
            }
            printBest(for: "problem-type weight and bound", when: typeSettings.count > 1) {
                [$0.similarity.problemTypeWeight, $0.similarity.problemTypeBound]
            }
            printBest(for: "matter-support rule", when: supports.count > 1) { $0.matterSupport }
            printBest(for: "hotspot-support rule", when: hotspotSupports.count > 1) { $0.hotspotSupport }
            if showMisses, let (best, _) = results.first {
                if !best.misses.isEmpty { print("not whole with the best: " + best.misses.joined(separator: "\n    ")) }
                if !best.mixedMatters.isEmpty { print("matters mixing clusters with the best: " + best.mixedMatters.joined(separator: "\n    ")) }
            }
        }
    }

    struct Benchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print model load time, classification throughput on one core, and what repeats and hotspots cost per event with 10k and 100k reports in the window.")

        @OptionGroup var input: HeldApartInput
        @Option(help: "Seconds to run each throughput measurement.")
        var seconds: Double = 3
        @Option(help: "Reports in the window for the detector measurements (comma-separated; empty to skip).")
        var windows = "10000,100000"
        @Option(help: "New reports measured per window.")
        var measured = 1000
        @Flag(help: "Measure the detector without hotspots (to see what they cost).")
        var withoutHotspots = false

        func run() throws {
            let clock = ContinuousClock()
            var loads: [Duration] = []
            for _ in 0..<5 {
                let started = clock.now
                _ = try ClassifierModel.load(directory: input.configDirectory)
                loads.append(clock.now - started)
            }
            let parts = try ClassificationService.makeParts(configDirectory: input.configDirectory)
            let classifier = parts.classifier
            let examples = try CorpusExample.load(path: input.corpus)
            let events = examples.enumerated().map { index, example in
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
            let signed = measure { event in
                let decision = classifier.classify(event)
                sink &+= parts.signatures.signature(text: event.text, address: nil, village: decision.place?.village,
                                                    categoryProbabilities: decision.categoryProbabilities).terms.count
            }
            print("model load (median of 5):        \(loads.sorted()[2])")
            print("category model alone:            \(Int(modelsOnly)) events/s on one core")
            print("whole classifier (4 models, rules, place, explanation): \(Int(whole)) events/s on one core")
            print("classifier and similarity signature: \(Int(signed)) events/s on one core")
            print("(\(events.count) distinct texts, \(sink % 2))")

            let sizes = windows.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty else { return }
            var benchParts = parts
            if withoutHotspots { benchParts.settings.hotspots.minEvents = 1_000_000; benchParts.settings.hotspots.minReporters = 1 }
            let benchmark = DetectorBenchmark(parts: benchParts, texts: examples.map(\.text),
                                              region: try ConfigFile.region(directory: input.configDirectory))
            print("")
            print("repeats and hotspots per event (µs), database file, \(measured) new reports per window:")
            print("  window   in index  candidates  detector  whole handler  scan of the town's window (before)")
            for (index, size) in sizes.enumerated() {
                let figures = try benchmark.run(size: size, measured: measured, seed: UInt64(20_261_129 + index))
                print(String(format: "  %7d  %8d  %10.1f  %8.0f  %13.0f  %10.0f", figures.window, figures.resident, figures.candidates,
                             figures.detector, figures.handler, figures.scan))
            }
        }
    }
}
