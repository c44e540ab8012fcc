import Foundation
import Tensor

/// Ranks and Recall@k for retrieval and top-k classification, computed from one similarity GEMM.
///
/// Ranking convention: candidates are ordered by decreasing similarity, ties broken by the lower
/// candidate index first (a stable descending sort). The rank of a query's answer is the number of
/// candidates ordered ahead of its best-ranked positive; the query is a hit at `k` when that rank is
/// below `k` — exactly "a positive is among the top k" of that order. Counting the candidates ahead of
/// the best positive is one pass over the row (no sort, no Double copy), so all `k` come at once.
/// A NaN similarity never ranks ahead of anything; a NaN positive is never a hit.
public enum RankingMetrics {
    /// Above this many similarity entries the bidirectional retrieval works in row blocks (two GEMMs of
    /// blocks) instead of one full matrix: 2^27 floats = 512 MiB.
    public static let defaultMaxSimilarityEntries = 1 << 27

    /// The rank of the best-ranked positive in one row of `n` similarities (`n` when there is none).
    @inline(__always)
    public static func bestRank(_ row: UnsafePointer<Float>, count n: Int, positives: [Int]) -> Int {
        var best = -1
        var bestScore = -Float.infinity
        for p in positives where p >= 0 && p < n {
            let s = row[p]
            if s.isNaN { continue }
            if best < 0 || s > bestScore || (s == bestScore && p < best) { best = p; bestScore = s }
        }
        if best < 0 { return n }
        // Ahead: a higher score, or an equal one at a lower index (Int32 lanes so the loops vectorise).
        var ahead: Int32 = 0
        var j = 0
        while j < best { ahead &+= row[j] >= bestScore ? 1 : 0; j += 1 }
        j = best + 1
        while j < n { ahead &+= row[j] > bestScore ? 1 : 0; j += 1 }
        return Int(ahead)
    }

    /// The rank of each row's best positive in a row-major `[rows, cols]` similarity matrix.
    public static func rowRanks(_ s: UnsafePointer<Float>, rows: Int, cols: Int, positives: [[Int]]) -> [Int] {
        precondition(positives.count == rows, "rowRanks: \(positives.count) positive lists for \(rows) rows")
        var ranks = [Int](repeating: 0, count: rows)
        ranks.withUnsafeMutableBufferPointer { out in
            let out = out
            Engine.parallelFor(rows, minChunk: max(1, (1 << 15) / max(cols, 1))) { range in
                for r in range { out[r] = bestRank(s + r * cols, count: cols, positives: positives[r]) }
            }
        }
        return ranks
    }

    /// Column-wise ranks in a full `[rows, cols]` matrix where column `c`'s single positive is row
    /// `positiveRow[c]`: the number of rows ordered ahead of it (ties: lower row first).
    public static func columnRanks(_ s: UnsafePointer<Float>, rows: Int, cols: Int, positiveRow: [Int]) -> [Int] {
        precondition(positiveRow.count == cols, "columnRanks: \(positiveRow.count) positives for \(cols) columns")
        precondition(rows < Int(Int32.max), "columnRanks: too many rows")
        var ranks = [Int](repeating: 0, count: cols)
        ranks.withUnsafeMutableBufferPointer { out in
            let out = out
            // Each chunk owns a range of columns and sweeps all rows over it (row-major, cache friendly,
            // branch-free so the inner loop vectorises): a row is ahead when it scores higher, or equal
            // with a lower row index.
            Engine.parallelFor(cols, minChunk: 256) { range in
                let width = range.count, c0 = range.lowerBound
                let pos = UnsafeMutablePointer<Float>.allocate(capacity: width)
                let prow = UnsafeMutablePointer<Int32>.allocate(capacity: width)
                let count = UnsafeMutablePointer<Int32>.allocate(capacity: width)
                defer { pos.deallocate(); prow.deallocate(); count.deallocate() }
                count.initialize(repeating: 0, count: width)
                for o in 0..<width {
                    let p = positiveRow[c0 + o]
                    let valid = p >= 0 && p < rows
                    pos[o] = valid ? s[p * cols + c0 + o] : .nan
                    prow[o] = Int32(valid ? p : 0)
                }
                for r in 0..<rows {
                    let row = s + r * cols + c0, r32 = Int32(r)
                    for o in 0..<width {
                        let v = row[o], t = pos[o]
                        let gt: Int32 = v > t ? 1 : 0, eq: Int32 = v == t ? 1 : 0, before: Int32 = r32 < prow[o] ? 1 : 0
                        count[o] &+= gt | (eq & before)
                    }
                }
                for o in 0..<width { out[c0 + o] = pos[o].isNaN ? rows : Int(count[o]) }
            }
        }
        return ranks
    }

    /// The fraction of ranks below each `k`.
    public static func recall(ranks: [Int], ks: [Int]) -> [Int: Double] {
        var out: [Int: Double] = [:]
        for k in ks {
            let hits = ranks.reduce(0) { $0 + ($1 < k ? 1 : 0) }
            out[k] = ranks.isEmpty ? 0 : Double(hits) / Double(ranks.count)
        }
        return out
    }

    /// Ranks of each query's best positive among candidates, similarity `queries · candidatesᵀ`
    /// computed by GEMM in blocks of query rows (`[Q, D]` and `[C, D]` features).
    public static func ranks(queries: Tensor, candidates: Tensor, positives: [[Int]],
                             maxSimilarityEntries: Int = defaultMaxSimilarityEntries) -> [Int] {
        precondition(queries.rank == 2 && candidates.rank == 2 && queries.shape[1] == candidates.shape[1],
                     "ranks: features \(queries.shape) and \(candidates.shape) differ in width")
        let q = queries.shape[0], c = candidates.shape[0]
        if q == 0 { return [] }
        let block = max(1, min(q, maxSimilarityEntries / max(c, 1)))
        var out: [Int] = []
        out.reserveCapacity(q)
        var r0 = 0
        while r0 < q {
            let r1 = min(q, r0 + block)
            let qb = (r0 == 0 && r1 == q) ? queries : queries.slice(axis: 0, r0..<r1)
            let sim = withoutGradients { Tensor.matmul(qb, candidates, transposeB: true) }
            out += sim.withPointer { rowRanks($0, rows: r1 - r0, cols: c, positives: Array(positives[r0..<r1])) }
            r0 = r1
        }
        return out
    }

    /// Bidirectional retrieval ranks between images `[I, D]` and texts `[T, D]`, where text `t`
    /// describes image `textImage[t]` (several texts may share an image).
    ///
    /// - i2t: per image, the rank of its best caption among all texts.
    /// - t2i: per text, the rank of its image among all images.
    ///
    /// Up to `maxSimilarityEntries` entries this is one GEMM, read by rows and by columns; beyond it,
    /// image-row blocks and text-row blocks (same results, bounded memory).
    public static func retrievalRanks(images: Tensor, texts: Tensor, textImage: [Int],
                                      maxSimilarityEntries: Int = defaultMaxSimilarityEntries) -> (i2t: [Int], t2i: [Int]) {
        precondition(images.rank == 2 && texts.rank == 2 && images.shape[1] == texts.shape[1],
                     "retrievalRanks: features \(images.shape) and \(texts.shape) differ in width")
        let ni = images.shape[0], nt = texts.shape[0]
        precondition(textImage.count == nt, "retrievalRanks: \(textImage.count) text→image links for \(nt) texts")
        var captions = [[Int]](repeating: [], count: ni)
        for (t, i) in textImage.enumerated() where i >= 0 && i < ni { captions[i].append(t) }
        if ni * nt <= maxSimilarityEntries {
            let sim = withoutGradients { Tensor.matmul(images, texts, transposeB: true) }
            return sim.withPointer { p in
                (rowRanks(p, rows: ni, cols: nt, positives: captions),
                 columnRanks(p, rows: ni, cols: nt, positiveRow: textImage))
            }
        }
        let i2t = ranks(queries: images, candidates: texts, positives: captions, maxSimilarityEntries: maxSimilarityEntries)
        let t2i = ranks(queries: texts, candidates: images, positives: textImage.map { [$0] },
                        maxSimilarityEntries: maxSimilarityEntries)
        return (i2t, t2i)
    }
}
