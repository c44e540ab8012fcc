import Foundation

/// Whether ops record the autodiff graph on the current thread/task (like `torch.is_grad_enabled()`).
public enum GradMode {
    @TaskLocal static var enabled = true

    /// Whether recording is on here.
    public static var isEnabled: Bool { enabled }
}

/// Runs `body` without recording gradients (like `torch.no_grad()`): gates, evaluation and optimizer
/// steps use it so their arithmetic never enters the graph.
@discardableResult
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(false) { try body() }
}

/// One recorded op of the autodiff graph (PyTorch's `grad_fn`): which inputs the gradient flows to and
/// the vector–Jacobian product that computes it. A node does not hold its output tensor or its inputs'
/// values; only what `backwardFn` captured stays alive, so results nobody saved are freed after the
/// forward instead of living until the backward reaches them.
final class GraphNode {
    /// The op's name, for errors and profiles.
    let op: String
    /// The output's shape.
    let shape: [Int]
    /// One entry per op input, in the order `backwardFn` returns gradients; nil where none is needed.
    var inputs: [GraphInput?]
    /// Maps d(loss)/d(output) to one d(loss)/d(input) per input (nil where none flows).
    var backwardFn: ((Tensor) -> [Tensor?])?
    /// Set once a `backward()` without `retainGraph` has run through this node and freed it; reaching it
    /// again is a programmer error (PyTorch: "backward through the graph a second time").
    var released = false

    init(op: String, shape: [Int], inputs: [GraphInput?], backwardFn: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.shape = shape
        self.inputs = inputs
        self.backwardFn = backwardFn
    }
}

/// Where a gradient goes: another op's node, or a leaf tensor that accumulates it in `grad`.
enum GraphInput {
    case node(GraphNode)
    case leaf(Tensor)

    /// The identity gradients are summed under.
    var id: ObjectIdentifier {
        switch self {
        case .node(let n): return ObjectIdentifier(n)
        case .leaf(let t): return ObjectIdentifier(t)
        }
    }

    /// The shape a gradient for this input must have.
    var shape: [Int] {
        switch self {
        case .node(let n): return n.shape
        case .leaf(let t): return t.shape
        }
    }

    /// The graph input for `t` when a gradient must reach it, else nil.
    init?(_ t: Tensor) {
        guard t.requiresGrad else { return nil }
        self = t.node.map(GraphInput.node) ?? .leaf(t)
    }
}

extension Tensor {
    /// Makes `out` the output of a graph node with `inputs` as parents, when recording is on and any
    /// input needs a gradient. `vjp` maps d(loss)/d(out) to one d(loss)/d(input) per input (nil where
    /// none flows); whatever it captures is what the backward keeps alive.
    @inline(__always)
    static func record(_ out: Tensor, _ op: String, _ inputs: [Tensor],
                       _ vjp: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        out.opName = op
        if OpProfiler.isOn { OpProfiler.forwardRecorded(op) }
        guard GradMode.enabled, inputs.contains(where: { $0.requiresGrad }) else { return out }
        out.requiresGrad = true
        out.node = GraphNode(op: op, shape: out.shape, inputs: inputs.map(GraphInput.init), backwardFn: vjp)
        return out
    }

    /// Reverse-mode differentiation from this tensor: accumulates d(self)/d(leaf) into `grad` of every
    /// leaf that requires gradients. `seed` defaults to ones (so `self` is usually a scalar loss).
    /// Unless `retainGraph`, the graph below `self` is released afterwards, as in PyTorch.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) {
        check(requiresGrad, "backward: tensor does not require gradients (no parameter reached it)")
        let seed = seed ?? Tensor.ones(shape)
        check(seed.shape == shape, "backward: seed shape \(seed.shape) != tensor shape \(shape)")
        let root = GraphInput(self)!

        // Reverse topological order by iterative DFS (the graph can be thousands of nodes deep).
        var order: [GraphInput] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GraphInput, Bool)] = [(root, false)]
        while let (entry, expanded) = stack.popLast() {
            if expanded { order.append(entry); continue }
            if !visited.insert(entry.id).inserted { continue }
            stack.append((entry, true))
            guard case .node(let n) = entry else { continue }
            for case let p? in n.inputs where !visited.contains(p.id) { stack.append((p, false)) }
        }

        var grads: [ObjectIdentifier: Tensor] = [root.id: seed]
        let profiling = OpProfiler.isOn
        if profiling { OpProfiler.inBackward = true }
        defer { if profiling { OpProfiler.inBackward = false; OpProfiler.mark() } }
        withoutGradients {
            // Popping (rather than iterating `order`) drops the walk's reference to each node once it is
            // done, so what a node saved is freed as soon as the backward has used it, and the early
            // layers' gradients reuse that memory.
            while let entry = order.popLast() {
                guard let g = grads.removeValue(forKey: entry.id) else { continue }
                let node: GraphNode
                switch entry {
                case .leaf(let leaf):
                    // Accumulate across backward calls until zeroed.
                    if let old = leaf.grad { leaf.grad = accumulate(old, g) } else { leaf.grad = g.detached() }
                    continue
                case .node(let n): node = n
                }
                check(!node.released,
                      "backward: the graph through '\(node.op)' (shape \(node.shape)) was already freed by an "
                      + "earlier backward(); pass retainGraph: true to that call to differentiate it again")
                guard let fn = node.backwardFn else { continue }
                let inputGrads: [Tensor?]
                if profiling {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    inputGrads = fn(g)
                    OpProfiler.backwardTimed(node.op, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
                } else {
                    inputGrads = fn(g)
                }
                check(inputGrads.count == node.inputs.count, "backward of \(node.op): arity mismatch")
                for (p, pg) in zip(node.inputs, inputGrads) {
                    guard let p, let pg else { continue }
                    check(pg.shape == p.shape,
                          "backward of \(node.op): gradient shape \(pg.shape) != input shape \(p.shape)")
                    let key = p.id
                    if var old = grads.removeValue(forKey: key) {
                        let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
                        // In place when nothing else holds the partial sum (a VJP may hand one gradient
                        // object to several inputs, or return its own incoming gradient); the element
                        // buffer is copy-on-write, so a buffer shared with a view is copied first.
                        if isKnownUniquelyReferenced(&old) {
                            let n = old.count
                            pg.withPointer { src in old.data.withUnsafeMutableBufferPointer { Kernels.addInPlace($0.baseAddress!, src, n) } }
                            grads[key] = old
                        } else {
                            grads[key] = accumulate(old, pg)
                        }
                        if profiling {
                            OpProfiler.backwardTimed("(gradient accumulation)",
                                                     seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
                        }
                    } else { grads[key] = pg }
                }
                if !retainGraph { node.inputs = []; node.backwardFn = nil; node.released = true }
            }
        }
    }

    /// `a + b` as a new tensor (for partial sums that are shared, see the caller).
    private func accumulate(_ a: Tensor, _ b: Tensor) -> Tensor { a.zipValues(b, +) }
}
