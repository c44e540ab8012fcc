import Tensor

/// One step of an image pipeline (slot `.transform`). Random steps draw from the generator they are
/// given, which the loader seeds per (run seed, epoch, row), so a sample's augmentation does not
/// depend on thread timing or batch composition.
public protocol ImageTransform: Sendable {
    /// Transforms `image` in place (steps that change the size replace it).
    func apply(_ image: inout Image, rng: inout RandomGenerator) throws
}

extension ImageTransform {
    /// The transformed copy of `image`.
    public func applied(_ image: Image, rng: inout RandomGenerator) throws -> Image {
        var x = image
        try apply(&x, rng: &rng)
        return x
    }
}

/// An ordered list of transforms, and open_clip's default train and eval pipelines.
public struct TransformPipeline: Sendable {
    /// The steps, applied in order.
    public var steps: [any ImageTransform]

    /// A pipeline of the given steps.
    public init(_ steps: [any ImageTransform]) { self.steps = steps }

    /// open_clip's training pipeline: grayscale→RGB, random resized crop to `size` (scale (0.9, 1.0),
    /// ratio (3/4, 4/3), bicubic), normalise with CLIP's mean and std.
    public static func train(imageSize size: Int) -> TransformPipeline {
        TransformPipeline([GrayscaleToRGB(), RandomResizedCrop(size: size), Normalize()])
    }

    /// open_clip's evaluation pipeline: grayscale→RGB, resize the shorter side to `size` (bicubic),
    /// center crop `size × size`, normalise.
    public static func eval(imageSize size: Int) -> TransformPipeline {
        TransformPipeline([GrayscaleToRGB(), Resize(size: size), CenterCrop(size: size), Normalize()])
    }

    /// Runs every step, in place.
    public func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        for s in steps { try s.apply(&image, rng: &rng) }
    }

    /// The transformed copy of `image`.
    public func applied(_ image: Image, rng: inout RandomGenerator) throws -> Image {
        var x = image
        try apply(&x, rng: &rng)
        return x
    }
}
