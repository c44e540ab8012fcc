/// A dense, row-major Float32 tensor that can take part in reverse-mode automatic differentiation.
///
/// Storage is a Swift `[Float]`, so it is shared copy-on-write: `reshaped(_:)` and other free views share
/// the buffer until one side writes. A tensor is a reference (like `torch.Tensor`), so a parameter and
/// the graph nodes that use it keep one identity, and `grad` accumulates on that identity.
///
/// Ops that need gradients (see `Derivatives.swift`) record their inputs and a backward closure when
/// gradient recording is on (`GradMode`) and any input has `requiresGrad`.
public final class Tensor {
    /// The extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The elements in row-major order (`count == shape.product`).
    public var data: [Float]
    /// Whether gradients flow to (and accumulate on) this tensor.
    public var requiresGrad: Bool
    /// The accumulated gradient (same shape), set by `backward()` on leaves that require gradients.
    public var grad: Tensor?

    /// Autodiff: the recorded op that produced this tensor (nil for leaves). The node holds the op's
    /// inputs as nodes, not as tensors, so an intermediate result is freed as soon as nothing but the
    /// graph refers to it, unless a backward closure saved it (as `grad_fn` in PyTorch).
    var node: GraphNode?
    /// Autodiff: the op's name, for debugging and profiles.
    public internal(set) var opName: String = "leaf"

    /// Creates a tensor from elements in row-major order. The element count must match the shape.
    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        check(data.count == shape.reduce(1, *),
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    /// A scalar (shape `[]`).
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], data: [value], requiresGrad: requiresGrad)
    }

    /// Number of elements.
    @inlinable public var count: Int { data.count }
    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Whether this tensor was produced by a recorded op (it is not a leaf of the graph).
    public var isLeaf: Bool { node == nil }

    /// The single element of a one-element tensor.
    public var item: Float {
        check(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return data[0]
    }

    /// A copy detached from the graph: same values, no gradient history, `requiresGrad == false`.
    public func detached() -> Tensor { Tensor(shape: shape, data: data) }

    /// Resets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Resolves a possibly negative axis against this tensor's rank.
    public func axis(_ a: Int) -> Int {
        let r = a < 0 ? a + rank : a
        check(r >= 0 && r < rank, "axis \(a) out of range for shape \(shape)")
        return r
    }
}

// MARK: - Creation

extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// A tensor filled with one value.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// `[start, start+step, …]` below `end`, as a 1-D tensor.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        check(step != 0, "arange: step must not be 0")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], data: (0..<n).map { start + Float($0) * step })
    }

    /// Samples from N(mean, std²) with a seeded generator (reproducible for a given seed).
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1,
                             generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        var d = [Float](repeating: 0, count: n)
        d.withUnsafeMutableBufferPointer { generator.fillNormal($0, mean: mean, std: std) }
        return Tensor(shape: shape, data: d, requiresGrad: requiresGrad)
    }

    /// Samples from U[low, high) with a seeded generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, data: d, requiresGrad: requiresGrad)
    }
}

extension Tensor: CustomStringConvertible {
    /// A short summary: shape and the first few values.
    public var description: String {
        let head = data.prefix(8).map { String(format: "%.5g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
