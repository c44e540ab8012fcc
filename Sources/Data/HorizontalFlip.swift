import Components
import Tensor

/// Mirrors the image left–right with probability `p` (not in open_clip's default pipelines; available
/// for recipes).
public struct HorizontalFlip: ImageTransform, Component {
    public static let typeName = "horizontal-flip"
    public static let summary = "mirror left–right with probability p"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("p", .float, default: .double(0.5), range: 0...1, doc: "flip probability"),
    ]

    /// Flip probability.
    public let p: Float

    /// A flip with probability `p`.
    public init(p: Float = 0.5) { self.p = p }

    public init(config: ComponentConfig, context: BuildContext) throws { self.init(p: config.float("p")) }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        guard rng.nextUniform() < p else { return }
        let w = image.width
        for c in 0..<image.channels {
            for r in 0..<image.height {
                let row = (c * image.height + r) * w
                for j in 0..<(w / 2) { image.pixels.swapAt(row + j, row + w - 1 - j) }
            }
        }
    }
}
