import Components
import Tensor

/// Repeats a one-channel image into three (open_clip's `_convert_to_rgb`); RGB passes through.
public struct GrayscaleToRGB: ImageTransform, Component {
    public static let typeName = "grayscale-to-rgb"
    public static let summary = "repeat a grayscale image into R, G and B (RGB passes through)"
    public static let parameters: [ParameterSpec] = []

    /// The conversion.
    public init() {}

    public init(config: ComponentConfig, context: BuildContext) throws { self.init() }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        guard image.channels == 1 else { return }
        image = Image(width: image.width, height: image.height, channels: 3, pixels: image.pixels + image.pixels + image.pixels)
    }
}
