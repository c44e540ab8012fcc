import Foundation
import Testing
import Tensor
@testable import ALIP

/// Ranks by brute force: a stable descending sort of the row, position of the first positive.
private func bruteRank(_ row: [Float], positives: Set<Int>) -> Int {
    let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
    return order.firstIndex { positives.contains($0) } ?? row.count
}

/// A feature matrix with repeated rows (so exact ties occur), from a seeded generator.
private func features(_ n: Int, _ d: Int, distinct: Int, seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let base = (0..<(distinct * d)).map { _ in Float(rng.nextInt(below: 5)) - 2 }
    var data: [Float] = []
    for _ in 0..<n { let r = rng.nextInt(below: distinct); data += base[(r * d)..<((r + 1) * d)] }
    return Tensor(shape: [n, d], data: data)
}

@Suite struct EvalRankingTests {
    // 3 images × 6 captions (image 0: t0, t1; image 1: t2, t3; image 2: t4, t5), with ties.
    let s: [Float] = [
        0.9, 0.1, 0.8, 0.2, 0.3, 0.0,
        0.5, 0.4, 0.3, 0.6, 0.7, 0.2,
        0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
    ]
    let textImage = [0, 0, 1, 1, 2, 2]

    @Test func imageToTextRanksWithSeveralCaptionsAndTies() {
        let ranks = s.withUnsafeBufferPointer {
            RankingMetrics.rowRanks($0.baseAddress!, rows: 3, cols: 6, positives: [[0, 1], [2, 3], [4, 5]])
        }
        // image 0: t0 first; image 1: t3 behind t4; image 2: all tied, t4 behind t0…t3 (lower index first).
        #expect(ranks == [0, 1, 4])
        let r = RankingMetrics.recall(ranks: ranks, ks: [1, 2, 5])
        #expect(r[1] == 1.0 / 3 && r[2] == 2.0 / 3 && r[5] == 1)
    }

    @Test func textToImageColumnRanksWithTies() {
        let ranks = s.withUnsafeBufferPointer {
            RankingMetrics.columnRanks($0.baseAddress!, rows: 3, cols: 6, positiveRow: textImage)
        }
        // t5's column is [0.0, 0.2, 0.2]: image 1 ties image 2 and ranks first (lower index).
        #expect(ranks == [0, 2, 1, 0, 2, 1])
        let r = RankingMetrics.recall(ranks: ranks, ks: [1, 2, 3])
        #expect(r[1] == 2.0 / 6 && r[2] == 4.0 / 6 && r[3] == 1)
    }

    @Test func nanNeverRanksAheadAndANanPositiveIsAMiss() {
        let row: [Float] = [.nan, 0.5, 0.1, .nan]
        row.withUnsafeBufferPointer { p in
            #expect(RankingMetrics.bestRank(p.baseAddress!, count: 4, positives: [1]) == 0)
            #expect(RankingMetrics.bestRank(p.baseAddress!, count: 4, positives: [2]) == 1)
            #expect(RankingMetrics.bestRank(p.baseAddress!, count: 4, positives: [3]) == 4)
            #expect(RankingMetrics.bestRank(p.baseAddress!, count: 4, positives: []) == 4)
        }
    }

    @Test func gemmRanksMatchBruteForceInFullAndBlockedModes() {
        let ni = 120, nt = 300, d = 4
        let images = features(ni, d, distinct: 40, seed: 1)
        let texts = features(nt, d, distinct: 60, seed: 2)
        var rng = RandomGenerator(seed: 3)
        let textImage = (0..<nt).map { $0 < ni ? $0 : rng.nextInt(below: ni) }  // every image has a caption
        let sim = Tensor.matmul(images, texts, transposeB: true)
        var captions = [Set<Int>](repeating: [], count: ni)
        for (t, i) in textImage.enumerated() { captions[i].insert(t) }
        let i2t = (0..<ni).map { bruteRank(Array(sim.data[($0 * nt)..<(($0 + 1) * nt)]), positives: captions[$0]) }
        let t2i = (0..<nt).map { t in bruteRank((0..<ni).map { sim.data[$0 * nt + t] }, positives: [textImage[t]]) }
        #expect(Set(i2t).count > 3 && Set(t2i).count > 3)  // the case is not degenerate
        let full = RankingMetrics.retrievalRanks(images: images, texts: texts, textImage: textImage)
        #expect(full.i2t == i2t)
        #expect(full.t2i == t2i)
        let blocked = RankingMetrics.retrievalRanks(images: images, texts: texts, textImage: textImage,
                                                    maxSimilarityEntries: 7 * nt)
        #expect(blocked.i2t == i2t)
        #expect(blocked.t2i == t2i)
    }
}

@Suite struct EvalDetectionTests {
    @Test func aucOnAHandCaseWithATie() {
        // Pairs (pos, neg): (0.9,0.8)=1, (0.9,0.3)=1, (0.8,0.8)=½, (0.8,0.3)=1 → 3.5/4.
        let auc = DetectionMetrics.rocAUC(scores: [0.9, 0.8, 0.8, 0.3], positives: [true, false, true, false])
        #expect(auc == 0.875)
        #expect(DetectionMetrics.rocAUC(scores: [1, 2], positives: [true, true]) == nil)
        #expect(DetectionMetrics.rocAUC(scores: [.nan, 2], positives: [true, false]) == nil)
    }

    @Test func aucMatchesABruteForcePairCount() {
        var rng = RandomGenerator(seed: 7)
        for trial in 0..<5 {
            let n = 50 + 17 * trial
            let positives = (0..<n).map { _ in rng.nextUniform() < 0.3 }
            let scores = (0..<n).map { i in Double(rng.nextInt(below: 8)) + (positives[i] ? 1.5 : 0) }  // many ties
            var pairs = 0.0, count = 0.0
            for i in 0..<n where positives[i] {
                for j in 0..<n where !positives[j] {
                    count += 1
                    pairs += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
                }
            }
            let auc = try! #require(DetectionMetrics.rocAUC(scores: scores, positives: positives))
            #expect(abs(auc - pairs / count) < 1e-12)
        }
    }

    @Test func precisionAndRecallShareTiesAtTheCut() {
        // Flag 2: 0.9 (positive) plus one of three tied 0.5s (one of them positive) → TP = 1 + 1/3.
        let pr = DetectionMetrics.precisionRecall(scores: [0.9, 0.5, 0.5, 0.5, 0.1],
                                                  positives: [true, true, false, false, true], flagged: 2)
        #expect(abs(pr.precision - 2.0 / 3) < 1e-12)
        #expect(abs(pr.recall - 4.0 / 9) < 1e-12)
        let none = DetectionMetrics.precisionRecall(scores: [1, 0], positives: [true, false], flagged: 0)
        #expect(none.precision == 0 && none.recall == 0)
    }
}

@Suite struct EvalLogisticRegressionTests {
    @Test func separatesASeparableToySet() throws {
        // Three clusters in 2-D, one per class.
        var rng = RandomGenerator(seed: 11)
        let centres: [[Double]] = [[2, 0], [-1, 1.7], [-1, -1.7]]
        var x: [Double] = [], y: [Int] = []
        for i in 0..<90 {
            let c = i % 3
            x += [centres[c][0] + 0.3 * Double(rng.nextNormal()), centres[c][1] + 0.3 * Double(rng.nextNormal())]
            y.append(c)
        }
        let model = try LogisticRegression.fit(features: x, dimension: 2, labels: y, classes: 3, weightDecay: 1e-4)
        #expect(model.predict(features: x) == y)
        #expect(model.gradientNorm < 1e-6)
        // Unseen points near each centre.
        #expect(model.predict(features: [1.8, 0.1, -0.9, 1.5, -1.1, -1.6]) == [0, 1, 2])
    }

    @Test func matchesTheKnownSymmetricSolution() throws {
        // x = +1 (class 1), x = −1 (class 0): by symmetry W = [−a, a], b = [0, 0], and the objective
        // log(1 + e^{−2a}) + λa² is stationary where λ·a = σ(−2a).
        let lambda = 0.1
        var lo = 0.0, hi = 10.0
        for _ in 0..<200 {
            let a = (lo + hi) / 2
            if lambda * a < 1 / (1 + exp(2 * a)) { lo = a } else { hi = a }
        }
        let a = (lo + hi) / 2
        for method in LogisticRegression.Method.allCases {
            let m = try LogisticRegression.fit(features: [1, -1], dimension: 1, labels: [1, 0], classes: 2, weightDecay: lambda,
                                               method: method, maxIterations: 20_000, tolerance: 1e-10)
            #expect(abs(m.weights[0] + a) < 1e-8, "\(method)")
            #expect(abs(m.weights[1] - a) < 1e-8, "\(method)")
            #expect(abs(m.bias[0]) < 1e-8 && abs(m.bias[1]) < 1e-8, "\(method)")
            #expect(abs(m.objective - (log(1 + exp(-2 * a)) + lambda * a * a)) < 1e-12, "\(method)")
        }
    }

    @Test func lbfgsAndGradientDescentReachTheSameOptimum() throws {
        var rng = RandomGenerator(seed: 5)
        let n = 40, d = 3
        let x = (0..<(n * d)).map { _ in Double(rng.nextNormal()) }
        let y = (0..<n).map { _ in rng.nextInt(below: 4) }
        let a = try LogisticRegression.fit(features: x, dimension: d, labels: y, classes: 4, weightDecay: 0.05, tolerance: 1e-10)
        let b = try LogisticRegression.fit(features: x, dimension: d, labels: y, classes: 4, weightDecay: 0.05, method: .gradientDescent,
                                           maxIterations: 100_000, tolerance: 1e-10)
        #expect(a.iterations < 200)
        for (u, v) in zip(a.weights + a.bias, b.weights + b.bias) { #expect(abs(u - v) < 1e-7) }
        // Deterministic: the same fit twice gives bit-identical weights.
        let again = try LogisticRegression.fit(features: x, dimension: d, labels: y, classes: 4, weightDecay: 0.05, tolerance: 1e-10)
        #expect(again.weights == a.weights && again.bias == a.bias)
    }

    @Test func badInputThrows() {
        #expect(throws: EvaluationError.self) {
            try LogisticRegression.fit(features: [1, 2], dimension: 1, labels: [0, 3], classes: 2, weightDecay: 0)
        }
        #expect(throws: EvaluationError.self) {
            try LogisticRegression.fit(features: [1, 2, 3], dimension: 1, labels: [0, 1], classes: 2, weightDecay: 0)
        }
        #expect(throws: EvaluationError.self) {
            try LogisticRegression.fit(features: [1, .nan], dimension: 1, labels: [0, 1], classes: 2, weightDecay: 0)
        }
    }
}
