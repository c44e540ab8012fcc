import Tensor

/// Multi-head self-attention with a packed input projection, as `torch.nn.MultiheadAttention` and
/// open_clip's `Attention` store it: `in_proj_weight [3d, d]` (rows: query, key, value),
/// `in_proj_bias [3d]`, and `out_proj` (a `Linear(d, d)`).
///
/// Forward: one GEMM for Q, K and V together (bias fused), the fused `Tensor.packedAttention` that reads
/// the heads straight from the packed `[B, T, 3d]` projection and writes them merged as `[B, T, d]`
/// (scale 1/√Dh, optional causal mask; no split/merge copies), then `out_proj`.
public final class MultiheadAttention: Module {
    /// `[3d, d]`.
    public let inProjWeight: Tensor
    /// `[3d]`.
    public let inProjBias: Tensor
    /// `Linear(d, d)`.
    public let outProj: Linear
    /// Number of heads.
    public let heads: Int
    public var isTraining = true

    /// Model width d.
    public var width: Int { inProjWeight.shape[1] }

    /// Attention over `width` features split into `heads` heads (`width % heads == 0`), with PyTorch's
    /// init: `in_proj_weight` Xavier-uniform, both biases zero, `out_proj.weight` U(±1/√d).
    public init(width: Int, heads: Int, generator: inout RandomGenerator) {
        precondition(heads > 0 && width % heads == 0, "MultiheadAttention: width \(width) is not divisible by \(heads) heads")
        self.heads = heads
        inProjWeight = Initialization.xavierUniform([3 * width, width], generator: &generator)
        inProjBias = Initialization.zeros([3 * width])
        outProj = Linear(inFeatures: width, outFeatures: width, generator: &generator)
        Initialization.rezero(outProj.bias!)
    }

    public func visit(_ v: ParameterVisitor) {
        v.param("in_proj_weight", inProjWeight)
        v.param("in_proj_bias", inProjBias)
        v.child("out_proj", outProj)
    }

    /// `[B, T, d]` → `[B, T, d]`; with `causal`, position i attends only to positions j ≤ i. With `norm`
    /// the attention is of `norm(x)` (a pre-norm block's `ln_1`, fused into the input projection); a
    /// `residual` (`[B, T, d]`) is added to the result (in `out_proj`'s GEMM with the fused kernels).
    public func callAsFunction(_ x: Tensor, normalizedBy norm: LayerNorm? = nil, causal: Bool = false,
                               residual: Tensor? = nil) -> Tensor {
        precondition(x.rank == 3 && x.shape[2] == width, "MultiheadAttention: input \(x.shape) must be [B, T, \(width)]")
        guard Engine.useFusedKernels else { return unfused(norm.map { $0(x) } ?? x, causal: causal, residual: residual) }
        let qkv = norm?.projected(x, weight: inProjWeight, bias: inProjBias)               // [B, T, 3d]
            ?? Tensor.linear(x, weight: inProjWeight, bias: inProjBias)
        let o = Tensor.packedAttention(qkv, heads: heads, causal: causal)                 // [B, T, d]
        return outProj(o, residual: residual)
    }

    /// The rows `positions[b]` of `self(x, normalizedBy:, causal:, residual:)` as `[B, d]` (`residual`
    /// is then `[B, d]`, those rows of the full residual), computing only what they depend on: keys and
    /// values of every position, the query of the pooled position only (`Tensor.queryAttention`, which
    /// sees positions `0…positions[b]` when `causal`), and `out_proj` of the B pooled rows. A tower pooled
    /// at one token runs its last block this way (`Transformer.pooled`).
    public func pooled(_ x: Tensor, at positions: [Int], normalizedBy norm: LayerNorm? = nil, causal: Bool = false,
                       residual: Tensor? = nil) -> Tensor {
        let d = width
        precondition(x.rank == 3 && x.shape[2] == d, "MultiheadAttention: input \(x.shape) must be [B, T, \(d)]")
        let project = { (input: Tensor, rows: Range<Int>) -> Tensor in
            let w = self.inProjWeight.slice(axis: 0, rows), bias = self.inProjBias.slice(axis: 0, rows)
            return norm?.projected(input, weight: w, bias: bias) ?? Tensor.linear(input, weight: w, bias: bias)
        }
        let q = project(Transformer.rows(x, at: positions), 0..<d)                        // [B, d]
        let kv = project(x, d..<(3 * d))                                                  // [B, T, 2d]
        let o = Tensor.queryAttention(q, kv, heads: heads, keyCounts: causal ? positions.map { $0 + 1 } : nil)
        return outProj(o, residual: residual)
    }

    /// The composed reference path (`Engine.useFusedKernels == false`): split heads by permute + slices,
    /// `Tensor.attention` on `[B, H, T, Dh]`, merge heads by permute.
    func unfused(_ x: Tensor, causal: Bool, residual: Tensor?) -> Tensor {
        let (b, t, d) = (x.shape[0], x.shape[1], width)
        let dh = d / heads
        let qkv = Tensor.matmul(x, inProjWeight, transposeB: true) + inProjBias           // [B, T, 3d]
        let split = qkv.reshaped([b, t, 3, heads, dh]).permuted([2, 0, 3, 1, 4])         // [3, B, H, T, Dh]
        let q = split.slice(axis: 0, 0..<1).reshaped([b, heads, t, dh])
        let k = split.slice(axis: 0, 1..<2).reshaped([b, heads, t, dh])
        let v = split.slice(axis: 0, 2..<3).reshaped([b, heads, t, dh])
        let o = Tensor.attention(q, k, v, causal: causal)                                 // [B, H, T, Dh]
        return outProj(o.permuted([0, 2, 1, 3]).reshaped([b, t, d]), residual: residual)
    }
}
