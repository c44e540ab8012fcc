/// Binary detection metrics over scores where a higher score means "more likely positive".
public enum DetectionMetrics {
    /// ROC-AUC: the probability that a random positive scores above a random negative, ties counting
    /// one half (the Mann–Whitney U statistic over P·N pairs, computed from mid-ranks in O(n log n)).
    /// Nil when either class is empty or a score is NaN.
    public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "rocAUC: \(scores.count) scores for \(positives.count) flags")
        let p = positives.reduce(0) { $0 + ($1 ? 1 : 0) }, n = positives.count - p
        guard p > 0, n > 0, !scores.contains(where: \.isNaN) else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the (1-based, mid-rank for ties) ranks of the positives.
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let midRank = Double(i + j + 2) / 2
            for t in i...j where positives[order[t]] { rankSum += midRank }
            i = j + 1
        }
        let u = rankSum - Double(p) * Double(p + 1) / 2
        return u / (Double(p) * Double(n))
    }

    /// Precision and recall when the `k` highest-scoring samples are flagged. Ties at the cut-off are
    /// shared out fractionally (the expected counts under a random order of the tied samples), so the
    /// result does not depend on the samples' order.
    public static func precisionRecall(scores: [Double], positives: [Bool], flagged k: Int) -> (precision: Double, recall: Double) {
        precondition(scores.count == positives.count, "precisionRecall: \(scores.count) scores for \(positives.count) flags")
        let total = positives.reduce(0) { $0 + ($1 ? 1 : 0) }
        let k = min(max(k, 0), scores.count)
        guard k > 0 else { return (0, 0) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0.0, taken = 0, i = 0
        while taken < k && i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let group = j - i + 1
            let groupPositives = (i...j).reduce(0) { $0 + (positives[order[$1]] ? 1 : 0) }
            let take = min(group, k - taken)
            truePositives += Double(groupPositives) * Double(take) / Double(group)
            taken += take
            i = j + 1
        }
        return (truePositives / Double(k), total == 0 ? 0 : truePositives / Double(total))
    }
}
