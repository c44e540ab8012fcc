import Tensor

/// A pre-norm transformer block as open_clip's `ResidualAttentionBlock` (no layer scale):
/// `x = x + attn(ln_1(x))`, then `x = x + mlp(ln_2(x))`.
public final class ResidualAttentionBlock: Module {
    /// Norm before attention.
    public let ln1: LayerNorm
    /// Self-attention.
    public let attn: MultiheadAttention
    /// Norm before the MLP.
    public let ln2: LayerNorm
    /// Feed-forward network (hidden width = `Int(width · mlpRatio)`).
    public let mlp: MLP
    public var isTraining = true

    /// A block of `width` features, `heads` heads and an MLP of `Int(width · mlpRatio)` hidden units.
    public init(width: Int, heads: Int, mlpRatio: Double = 4, activation: Activation = .gelu,
                generator: inout RandomGenerator) {
        ln1 = LayerNorm(width)
        attn = MultiheadAttention(width: width, heads: heads, generator: &generator)
        ln2 = LayerNorm(width)
        mlp = MLP(width: width, hidden: Int(Double(width) * mlpRatio), activation: activation, generator: &generator)
    }

    public func visit(_ v: ParameterVisitor) {
        v.child("ln_1", ln1)
        v.child("attn", attn)
        v.child("ln_2", ln2)
        v.child("mlp", mlp)
    }

    /// `[B, T, d]` → `[B, T, d]`. With the fused kernels each norm runs inside the projection after it
    /// (`ln_1` in `in_proj`, `ln_2` in `c_fc`) and each residual add inside `out_proj` and `c_proj`
    /// (their GEMMs start from the residual).
    public func callAsFunction(_ x: Tensor, causal: Bool = false) -> Tensor {
        let h = attn(x, normalizedBy: ln1, causal: causal, residual: x)
        return mlp(h, normalizedBy: ln2, residual: h)
    }

    /// The rows `positions[b]` of `self(x, causal:)` as `[B, d]`, computing attention's query, `out_proj`
    /// and the MLP for those rows only (`MultiheadAttention.pooled`): the same values, for far less work
    /// in a tower's last block when its output is pooled at one token.
    public func pooled(_ x: Tensor, at positions: [Int], causal: Bool = false) -> Tensor {
        let h = attn.pooled(x, at: positions, normalizedBy: ln1, causal: causal,
                            residual: Transformer.rows(x, at: positions))                  // [B, d]
        return mlp(h, normalizedBy: ln2, residual: h)
    }
}
