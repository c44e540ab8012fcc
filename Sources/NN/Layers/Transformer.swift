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
}
