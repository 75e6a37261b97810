import Foundation

/// Multinomial logistic regression (softmax) over binary features, L2-regularised, trained by
/// stochastic gradient descent with a decaying step and a seeded shuffle (deterministic). The L2 decay
/// is applied to all weights at once through a common scale factor (as in Pegasos), so each step
/// touches only the rows present in the example.
enum LogisticRegressionTrainer {
    struct Parameters: Sendable, Equatable, CustomStringConvertible {
        var l2: Float
        var epochs: Int
        var learningRate: Float
        var seed: UInt64 = 12

        var description: String { "L2 \(l2), \(epochs) epochs, step \(learningRate)" }
    }

    static func train(_ data: TrainingData, labels: [Int], classes: [String], parameters: Parameters) -> LinearTextModel {
        let width = classes.count
        let n = data.rows.count
        var v = [Float](repeating: 0, count: data.vocabularySize * width)
        var bias = [Float](repeating: 0, count: width)
        var scale: Float = 1
        var order = Array(0..<n)
        var generator = SeededGenerator(seed: parameters.seed)
        var step = 0
        let total = Float(parameters.epochs * max(1, n))
        var scores = [Float](repeating: 0, count: width)
        v.withUnsafeMutableBufferPointer { v in
            for _ in 0..<parameters.epochs {
                order.shuffle(using: &generator)
                for index in order {
                    let rate = parameters.learningRate / (1 + 4 * Float(step) / total)
                    step += 1
                    let rows = data.rows[index]
                    for c in 0..<width { scores[c] = bias[c] }
                    for row in rows {
                        let base = Int(row) * width
                        for c in 0..<width { scores[c] += scale * v[base + c] }
                    }
                    let top = scores.max()!
                    var sum: Float = 0
                    for c in 0..<width {
                        scores[c] = expf(scores[c] - top)
                        sum += scores[c]
                    }
                    // L2 decay of every weight: shrink the common scale.
                    scale *= 1 - rate * parameters.l2
                    if scale < 1e-4 {
                        for i in v.indices { v[i] *= scale }
                        scale = 1
                    }
                    let label = labels[index]
                    for c in 0..<width {
                        let gradient = scores[c] / sum - (c == label ? 1 : 0)
                        if gradient == 0 { continue }
                        bias[c] -= rate * gradient
                        let delta = rate * gradient / scale
                        for row in rows { v[Int(row) * width + c] -= delta }
                    }
                }
            }
            for i in v.indices { v[i] *= scale }
        }
        return LinearTextModel(classes: classes, bias: bias, weights: v)
    }
}
