import Foundation

extension Kernels {
    /// Multi-head attention of one query row per batch entry over that entry's keys and values:
    /// per (batch b, head h) `p = softmax(scale · K q)` over the first `keyCounts[b]` keys (all `t` when
    /// nil), `o = pᵀ V` (Vaswani et al. 2017, Eq. 1, for a single query). `q` is `[B, d]`, `kv` the packed
    /// `[B, T, 2d]` key | value projection, `out` `[B, d]` (heads merged); `p` receives the `[B·H, T]`
    /// probabilities (0 past a row's key count) for the backward. This is the last block of a tower
    /// whose output is pooled at one token: only that token's query is needed.
    public static func queryAttentionForward(_ q: UnsafePointer<Float>, _ kv: UnsafePointer<Float>,
                                             _ out: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                             batch: Int, t: Int, heads: Int, dh: Int, scale: Float,
                                             keyCounts: [Int]?) {
        let d = heads * dh, ld2 = 2 * d
        Engine.parallelFor(batch * heads, minChunk: 1) { r in
            for bh in r {
                let b = bh / heads, h = bh % heads
                let n = keyCounts?[b] ?? t
                let qb = q + b * d + h * dh, k = kv + b * t * ld2 + h * dh, v = k + d
                let row = p + bh * t
                for j in 0..<n { row[j] = scale * dot(qb, k + j * ld2, dh) }
                let m = maximum(row, n)
                for j in 0..<n { row[j] = expFast(row[j] - m) }
                let inv = 1 / sum(row, n)
                for j in 0..<n { row[j] *= inv }
                for j in n..<t { row[j] = 0 }
                let o = out + b * d + h * dh
                o.update(repeating: 0, count: dh)
                for j in 0..<n {
                    let pj = row[j], vj = v + j * ld2
                    for c in 0..<dh { o[c] += pj * vj[c] }
                }
            }
        }
    }

    /// Backward of `queryAttentionForward`: from the output gradient `g` (`[B, d]`) and the saved `p`,
    /// writes `dq` (`[B, d]`) and `dkv` (`[B, T, 2d]`, every element; 0 past a row's key count):
    /// `dv_j = p_j g`, `dp_j = g·v_j`, `ds_j = p_j (dp_j − Σ_i p_i dp_i)`, `dq = scale · Σ_j ds_j k_j`,
    /// `dk_j = scale · ds_j q`.
    public static func queryAttentionBackward(_ q: UnsafePointer<Float>, _ kv: UnsafePointer<Float>,
                                              _ p: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                                              _ dq: UnsafeMutablePointer<Float>, _ dkv: UnsafeMutablePointer<Float>,
                                              batch: Int, t: Int, heads: Int, dh: Int, scale: Float,
                                              keyCounts: [Int]?) {
        let d = heads * dh, ld2 = 2 * d
        Engine.parallelFor(batch * heads, minChunk: 1) { r in
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: t)
            defer { ds.deallocate() }
            for bh in r {
                let b = bh / heads, h = bh % heads
                let n = keyCounts?[b] ?? t
                let off = b * t * ld2 + h * dh
                let qb = q + b * d + h * dh, k = kv + off, v = k + d
                let dqb = dq + b * d + h * dh, dk = dkv + off, dv = dk + d
                let gb = g + b * d + h * dh, pb = p + bh * t
                for j in 0..<n {
                    let pj = pb[j], dvj = dv + j * ld2
                    for c in 0..<dh { dvj[c] = pj * gb[c] }
                    ds[j] = dot(gb, v + j * ld2, dh)
                }
                let mean = dot(pb, ds, n)
                dqb.update(repeating: 0, count: dh)
                for j in 0..<n {
                    let s = scale * pb[j] * (ds[j] - mean), kj = k + j * ld2, dkj = dk + j * ld2
                    for c in 0..<dh { dqb[c] += s * kj[c]; dkj[c] = s * qb[c] }
                }
                for j in n..<t {
                    (dk + j * ld2).update(repeating: 0, count: dh)
                    (dv + j * ld2).update(repeating: 0, count: dh)
                }
            }
        }
    }
}
