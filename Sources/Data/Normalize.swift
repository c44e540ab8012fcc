import Components
import Tensor

/// Per-channel `(x − mean) / std`; defaults are CLIP's (open_clip's OPENAI_DATASET_MEAN/STD).
public struct Normalize: ImageTransform, Component {
    public static let typeName = "normalize"
    public static let summary = "per-channel (x − mean) / std (CLIP's mean and std by default)"
    /// CLIP's channel means.
    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// CLIP's channel standard deviations.
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("mean", .floats, default: .list(clipMean.map { .double(Double($0)) }), doc: "per-channel mean (RGB)"),
        ParameterSpec("std", .floats, default: .list(clipStd.map { .double(Double($0)) }), range: 1e-6...1e6,
                      doc: "per-channel standard deviation (RGB)"),
    ]

    public let mean: [Float]
    public let std: [Float]

    /// Normalisation with the given statistics (3 values each).
    public init(mean: [Float] = Normalize.clipMean, std: [Float] = Normalize.clipStd) {
        precondition(mean.count == 3 && std.count == 3, "Normalize: mean and std need 3 values")
        self.mean = mean
        self.std = std
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        let m = config.floats("mean"), s = config.floats("std")
        guard m.count == 3 else { throw ComponentError(path: config.path + ".mean", "expected 3 values (R, G, B), got \(m.count)") }
        guard s.count == 3 else { throw ComponentError(path: config.path + ".std", "expected 3 values (R, G, B), got \(s.count)") }
        self.init(mean: m, std: s)
    }

    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        guard image.channels == 3 else {
            throw ImageDecodeError(problem: .unsupportedFormat,
                                   message: "normalize needs an RGB image but got \(image.channels) channel(s); put grayscale-to-rgb before it")
        }
        let plane = image.width * image.height
        image.pixels.withUnsafeMutableBufferPointer { px in
            for c in 0..<3 {
                let m = mean[c], inv = 1 / std[c]
                for i in c * plane..<(c + 1) * plane { px[i] = (px[i] - m) * inv }
            }
        }
    }
}
