import Tensor

/// A stack of `ResidualAttentionBlock`s, named `resblocks.0`, `resblocks.1`, … as in open_clip.
public final class Transformer: Module {
    /// The blocks, first to last.
    public let resblocks: [ResidualAttentionBlock]
    public var isTraining = true

    /// Model width.
    public let width: Int
    /// Number of blocks.
    public var layers: Int { resblocks.count }

    /// `layers` blocks of `width` features and `heads` heads.
    public init(width: Int, layers: Int, heads: Int, mlpRatio: Double = 4, activation: Activation = .gelu,
                generator: inout RandomGenerator) {
        self.width = width
        var blocks: [ResidualAttentionBlock] = []
        for _ in 0..<layers {
            blocks.append(ResidualAttentionBlock(width: width, heads: heads, mlpRatio: mlpRatio,
                                                 activation: activation, generator: &generator))
        }
        resblocks = blocks
    }

    public func visit(_ v: ParameterVisitor) { v.children("resblocks", resblocks) }

    /// `[B, T, d]` → `[B, T, d]` through every block (`causal` for the text tower).
    public func callAsFunction(_ x: Tensor, causal: Bool = false) -> Tensor {
        var h = x
        for block in resblocks { h = block(h, causal: causal) }
        return h
    }

    /// `x[b, positions[b], :]` for every b: `[B, T, d]` → `[B, d]` (differentiable; one position per row).
    public static func rows(_ x: Tensor, at positions: [Int]) -> Tensor {
        precondition(x.rank == 3, "Transformer.rows: input \(x.shape) must be [B, T, d]")
        let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(positions.count == b && positions.allSatisfy { (0..<t).contains($0) },
                     "Transformer.rows: need one position in 0..<\(t) per row of \(x.shape), got \(positions)")
        return Tensor.gatherRows(x.reshaped([b * t, d]), positions.enumerated().map { $0.offset * t + $0.element })
    }

    /// `Transformer.rows(self(x, causal:), at: positions)` (`[B, d]`): a tower pooled at one token. Every
    /// block but the last runs in full; the last computes only the pooled rows
    /// (`ResidualAttentionBlock.pooled`): the same values and gradients up to float32 round-off, for ≈ 1/6
    /// of that block's work. On the composed path (`Engine.useFusedKernels` off) it is the full stack,
    /// then the gather.
    public func pooled(_ x: Tensor, at positions: [Int], causal: Bool = false) -> Tensor {
        guard Engine.useFusedKernels, let last = resblocks.last else {
            return Transformer.rows(self(x, causal: causal), at: positions)
        }
        var h = x
        for block in resblocks.dropLast() { h = block(h, causal: causal) }
        return last.pooled(h, at: positions, causal: causal)
    }
}
