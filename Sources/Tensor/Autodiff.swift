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

extension Tensor {
    /// Makes `out` a node of the graph with `inputs` as parents, when recording is on and any input needs
    /// a gradient. `vjp` maps d(loss)/d(out) to one d(loss)/d(input) per input (nil where none flows).
    @inline(__always)
    static func record(_ out: Tensor, _ op: String, _ inputs: [Tensor],
                       _ vjp: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        out.opName = op
        if OpProfiler.isOn { OpProfiler.forwardRecorded(op) }
        guard GradMode.enabled, inputs.contains(where: { $0.requiresGrad }) else { return out }
        out.requiresGrad = true
        out.parents = inputs
        out.backwardFn = vjp
        return out
    }

    /// Reverse-mode differentiation from this tensor: accumulates d(self)/d(leaf) into `grad` of every
    /// leaf that requires gradients. `seed` defaults to ones (so `self` is usually a scalar loss).
    /// Unless `retainGraph`, the graph below `self` is released afterwards, as in PyTorch.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) {
        check(requiresGrad, "backward: tensor does not require gradients (no parameter reached it)")
        let seed = seed ?? Tensor.ones(shape)
        check(seed.shape == shape, "backward: seed shape \(seed.shape) != tensor shape \(shape)")

        // Reverse topological order by iterative DFS (the graph can be thousands of nodes deep).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        let profiling = OpProfiler.isOn
        if profiling { OpProfiler.inBackward = true }
        defer { if profiling { OpProfiler.inBackward = false; OpProfiler.mark() } }
        withoutGradients {
            // Popping (rather than iterating `order`) drops the walk's reference to each node once it is
            // done, so an activation is freed as soon as the backward has used it, not when it ends, and
            // the early layers' gradients reuse that memory. (The peak is reached at the end of the
            // forward, so this shrinks the backward's footprint, not the peak RSS.)
            while let node = order.popLast() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                check(!node.graphReleased,
                             "backward: the graph through '\(node.opName)' (shape \(node.shape)) was already freed by an "
                             + "earlier backward(); pass retainGraph: true to that call to differentiate it again")
                guard let fn = node.backwardFn else {
                    // A leaf: accumulate across backward calls until zeroed.
                    if let old = node.grad { node.grad = accumulate(old, g) } else { node.grad = g.detached() }
                    continue
                }
                let inputGrads: [Tensor?]
                if OpProfiler.isOn {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    inputGrads = fn(g)
                    OpProfiler.backwardTimed(node.opName, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
                } else {
                    inputGrads = fn(g)
                }
                check(inputGrads.count == node.parents.count, "backward of \(node.opName): arity mismatch")
                for (p, pg) in zip(node.parents, inputGrads) where p.requiresGrad {
                    guard let pg else { continue }
                    check(pg.shape == p.shape,
                                 "backward of \(node.opName): gradient shape \(pg.shape) != input shape \(p.shape)")
                    let key = ObjectIdentifier(p)
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
                if !retainGraph { node.parents = []; node.backwardFn = nil; node.graphReleased = true }
            }
        }
    }

    /// `a + b` as a new tensor (for partial sums that are shared, see the caller).
    private func accumulate(_ a: Tensor, _ b: Tensor) -> Tensor { a.zipValues(b, +) }
}
