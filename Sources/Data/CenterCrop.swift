import Components
import Tensor

/// Crops the central `size × size` region (torchvision's `CenterCrop`: offsets rounded half to even
/// of `(side − size) / 2`; an image smaller than `size` is padded with zeros first).
public struct CenterCrop: ImageTransform, Component {
    public static let typeName = "center-crop"
    public static let summary = "crop the central size × size region"
    public static let parameters: [ParameterSpec] = [TransformSupport.sizeSpec]

    /// Output side.
    public let size: Int

    /// A center crop to `size × size`.
    public init(size: Int) {
        precondition(size > 0, "CenterCrop: size must be positive")
        self.size = size
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(size: try TransformSupport.size(config, context))
    }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        if image.width < size || image.height < size { image = Self.pad(image, toAtLeast: size) }
        let top = Int((Double(image.height - size) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - size) / 2).rounded(.toNearestOrEven))
        image = Self.crop(image, x: left, y: top, width: size, height: size)
    }

    /// The box (`x`, `y`, `width`, `height`) of `image`, which must lie inside it.
    static func crop(_ image: Image, x: Int, y: Int, width: Int, height: Int) -> Image {
        if x == 0 && y == 0 && width == image.width && height == image.height { return image }
        var out = [Float](repeating: 0, count: image.channels * width * height)
        for c in 0..<image.channels {
            for r in 0..<height {
                let s = (c * image.height + y + r) * image.width + x
                let d = (c * height + r) * width
                for j in 0..<width { out[d + j] = image.pixels[s + j] }
            }
        }
        return Image(width: width, height: height, channels: image.channels, pixels: out)
    }

    /// Zero padding on both sides (as torchvision pads before cropping).
    static func pad(_ image: Image, toAtLeast size: Int) -> Image {
        let w = max(size, image.width), h = max(size, image.height)
        let left = (w - image.width) / 2, top = (h - image.height) / 2
        var out = [Float](repeating: 0, count: image.channels * w * h)
        for c in 0..<image.channels {
            for r in 0..<image.height {
                for j in 0..<image.width {
                    out[(c * h + top + r) * w + left + j] = image.pixels[(c * image.height + r) * image.width + j]
                }
            }
        }
        return Image(width: w, height: h, channels: image.channels, pixels: out)
    }
}
