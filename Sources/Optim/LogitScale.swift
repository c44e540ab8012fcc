import Foundation
import Tensor

/// The upper bound of `logit_scale`: ln 100, so the temperature `exp(logit_scale)` stays ≤ 100.
public let maxLogitScale = Float(Foundation.log(100.0))

/// Clamps `logit_scale` in place to `[min, max]` (default `[0, ln 100]`), as the authors' and open_clip's
/// training loops do after every optimizer step (`logit_scale.clamp_(0, math.log(100))`).
public func clampLogitScale(_ logitScale: Tensor, min lo: Float = 0, max hi: Float = maxLogitScale) {
    logitScale.data.withUnsafeMutableBufferPointer { x in
        for i in x.indices { x[i] = Swift.min(Swift.max(x[i], lo), hi) }
    }
}

/// Clamps the parameter named `logit_scale` (if present) in `parameters`; returns whether one was found.
@discardableResult
public func clampLogitScale(in parameters: NamedParameters, min lo: Float = 0, max hi: Float = maxLogitScale) -> Bool {
    guard let p = parameters.first(where: { $0.name == "logit_scale" }) else { return false }
    clampLogitScale(p.tensor, min: lo, max: hi)
    return true
}
