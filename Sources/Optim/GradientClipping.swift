import Tensor

/// Scales all gradients together so their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: `coef = min(1, maxNorm / (‖g‖ + 1e-6))`, every gradient ×= coef.
/// Returns the total norm *before* clipping (the value to log). Parameters without a gradient are
/// skipped. Like torch (`error_if_nonfinite=False`), a non-finite norm is returned, not thrown; the
/// trainer checks `isFinite`.
@discardableResult
public func clipGradNorm(_ parameters: NamedParameters, maxNorm: Float) -> Float {
    clipGradNorm(parameters.map(\.tensor), maxNorm: maxNorm)
}

/// `clipGradNorm` over plain tensors.
@discardableResult
public func clipGradNorm(_ tensors: [Tensor], maxNorm: Float) -> Float {
    var sq: Double = 0
    for t in tensors { if let g = t.grad { for v in g.data { sq += Double(v) * Double(v) } } }
    let total = Float(sq.squareRoot())
    let coef = Swift.min(1, maxNorm / (total + 1e-6))
    for t in tensors {
        guard let g = t.grad else { continue }
        t.grad = Tensor(shape: g.shape, data: g.data.map { $0 * coef })
    }
    return total
}

/// The global L2 norm of the gradients (no clipping).
public func gradNorm(_ parameters: NamedParameters) -> Float {
    var sq: Double = 0
    for p in parameters { if let g = p.tensor.grad { for v in g.data { sq += Double(v) * Double(v) } } }
    return Float(sq.squareRoot())
}
