import Components
import Tensor

/// Resizes so the shorter side is `size`, keeping the aspect ratio (torchvision's `Resize(int)`: the
/// longer side becomes `floor(size · long / short)`).
public struct Resize: ImageTransform, Component {
    public static let typeName = "resize"
    public static let summary = "resize so the shorter side is `size` (aspect ratio kept)"
    public static let parameters: [ParameterSpec] = [
        TransformSupport.sizeSpec,
        ParameterSpec("interpolation", .choice(Resampling.Filter.allCases.map(\.rawValue)), default: .string("bicubic"),
                      doc: "resampling filter (open_clip: bicubic)"),
    ]

    /// Target length of the shorter side.
    public let size: Int
    /// Resampling filter.
    public let filter: Resampling.Filter

    /// A resize to shorter side `size`.
    public init(size: Int, filter: Resampling.Filter = .bicubic) {
        precondition(size > 0, "Resize: size must be positive")
        self.size = size
        self.filter = filter
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(size: try TransformSupport.size(config, context),
                  filter: Resampling.Filter(rawValue: config.string("interpolation")) ?? .bicubic)
    }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        let w = image.width, h = image.height
        let (ow, oh) = w <= h ? (size, max(1, size * h / w)) : (max(1, size * w / h), size)
        if ow == w && oh == h { return }
        image = Resampling.cropResize(image, x: 0, y: 0, width: w, height: h, outWidth: ow, outHeight: oh, filter: filter)
    }
}
