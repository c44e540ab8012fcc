import Components
import Foundation
import Tensor

/// torchvision's `RandomResizedCrop`: a random box with area fraction in `scale` and aspect ratio
/// (log-uniform) in `ratio`, up to 10 tries, else the central box with the ratio clamped; the box is
/// resized to `size × size`. open_clip trains with scale (0.9, 1.0).
public struct RandomResizedCrop: ImageTransform, Component {
    public static let typeName = "random-resized-crop"
    public static let summary = "random crop (area fraction in scale, aspect in ratio) resized to size × size"
    public static let parameters: [ParameterSpec] = [
        TransformSupport.sizeSpec,
        ParameterSpec("scale", .floats, default: .list([.double(0.9), .double(1.0)]), range: 0.0001...1,
                      doc: "[min, max] fraction of the image area (open_clip's default 0.9, 1.0)"),
        ParameterSpec("ratio", .floats, default: .list([.double(0.75), .double(4.0 / 3.0)]), range: 0.01...100,
                      doc: "[min, max] aspect ratio (width / height)"),
        ParameterSpec("interpolation", .choice(Resampling.Filter.allCases.map(\.rawValue)), default: .string("bicubic"),
                      doc: "resampling filter"),
    ]

    public let size: Int
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let filter: Resampling.Filter

    /// A random resized crop to `size × size`.
    public init(size: Int, scale: ClosedRange<Double> = 0.9...1.0, ratio: ClosedRange<Double> = 0.75...(4.0 / 3.0),
                filter: Resampling.Filter = .bicubic) {
        precondition(size > 0 && scale.lowerBound > 0 && ratio.lowerBound > 0, "RandomResizedCrop: bad arguments")
        self.size = size
        self.scale = scale
        self.ratio = ratio
        self.filter = filter
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        let s = config.floats("scale"), r = config.floats("ratio")
        guard s.count == 2, s[0] <= s[1] else { throw ComponentError(path: config.path + ".scale", "expected [min, max] with min ≤ max") }
        guard r.count == 2, r[0] <= r[1] else { throw ComponentError(path: config.path + ".ratio", "expected [min, max] with min ≤ max") }
        self.init(size: try TransformSupport.size(config, context), scale: Double(s[0])...Double(s[1]),
                  ratio: Double(r[0])...Double(r[1]),
                  filter: Resampling.Filter(rawValue: config.string("interpolation")) ?? .bicubic)
    }

    /// The crop box (x, y, width, height) torchvision's `get_params` would choose.
    public func box(width W: Int, height H: Int, rng: inout RandomGenerator) -> (Int, Int, Int, Int) {
        let area = Double(W * H)
        let logR = (log(ratio.lowerBound), log(ratio.upperBound))
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.nextDouble())
            let aspect = exp(logR.0 + (logR.1 - logR.0) * rng.nextDouble())
            let w = Int((target * aspect).squareRoot().rounded())
            let h = Int((target / aspect).squareRoot().rounded())
            if w > 0 && h > 0 && w <= W && h <= H {
                let y = rng.nextInt(below: H - h + 1)
                let x = rng.nextInt(below: W - w + 1)
                return (x, y, w, h)
            }
        }
        let inRatio = Double(W) / Double(H)
        var w = W, h = H
        if inRatio < ratio.lowerBound { w = W; h = Int((Double(w) / ratio.lowerBound).rounded()) }
        else if inRatio > ratio.upperBound { h = H; w = Int((Double(h) * ratio.upperBound).rounded()) }
        w = max(1, min(W, w)); h = max(1, min(H, h))
        return ((W - w) / 2, (H - h) / 2, w, h)
    }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        let (x, y, w, h) = box(width: image.width, height: image.height, rng: &rng)
        image = Resampling.cropResize(image, x: x, y: y, width: w, height: h, outWidth: size, outHeight: size, filter: filter)
    }
}
