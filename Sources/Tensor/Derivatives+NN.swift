import Foundation

// The fused neural-network ops and their VJPs (the continuation of Derivatives.swift): softmax family,
// layer norm, attention, cross-entropy, L2 normalisation and the patch-embedding convolution.

extension Tensor {
    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        let out = withPointer { x in Tensor.make(shape) { Kernels.softmaxRows(x, $0, rows: rows, n: n) } }
        let saved = out.detached()      // values only (capturing `out` would be a retain cycle)
        return Tensor.record(out, "softmax", [self]) { g in
            [saved.withPointer { y in g.withPointer { gy in Tensor.make(saved.shape) {
                Kernels.softmaxRowsBackward(y, gy, $0, rows: rows, n: n)
            } } }]
        }
    }

    /// Log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        let out = withPointer { x in Tensor.make(shape) { Kernels.logSoftmaxRows(x, $0, rows: rows, n: n) } }
        let saved = out.detached()
        return Tensor.record(out, "log_softmax", [self]) { g in
            // dx = g − softmax · Σ g
            var d = g.data
            for r in 0..<rows {
                var s: Float = 0
                for j in 0..<n { s += g.data[r * n + j] }
                for j in 0..<n { d[r * n + j] -= Foundation.exp(saved.data[r * n + j]) * s }
            }
            return [Tensor(shape: saved.shape, data: d)]
        }
    }

    /// Layer normalisation over the last axis with gain `weight` and `bias` (both `[D]`), fused forward
    /// and backward; biased variance as `torch.nn.LayerNorm`. The backward keeps the normalised input
    /// `x̂` and 1/σ per row, not `x` (so a residual stream feeding a layer norm need not stay alive).
    public static func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5) -> Tensor {
        let d = x.shape.last ?? 1
        check(weight.shape == [d] && bias.shape == [d],
                     "layerNorm: weight \(weight.shape) and bias \(bias.shape) must be [\(d)] for input \(x.shape)")
        guard GradMode.enabled, [x, weight, bias].contains(where: \.requiresGrad) else {
            return normalized(x, weight: weight, bias: bias, eps: eps, keepingNormalized: false).y
        }
        let (out, xhat, rstd) = normalized(x, weight: weight, bias: bias, eps: eps, keepingNormalized: true)
        let needs = (x.requiresGrad, weight.requiresGrad, bias.requiresGrad)     // flags, not `x` itself
        return record(out, "layer_norm", [x, weight, bias]) { g in
            layerNormBackward(g, xhat: xhat!, rstd: rstd, weight: weight, needs: needs)
        }
    }

    /// `linear(layerNorm(x, normWeight, normBias), weight, bias)` as one op — a pre-norm transformer
    /// block's `ln_1` + `in_proj` and `ln_2` + `c_fc`. It keeps `x̂` and 1/σ only: the layer norm's
    /// output `x̂·γ + β`, which the two separate ops keep as the linear's input, is freed after the
    /// forward GEMM and written again from `x̂` in the backward (one multiply-add per element). That
    /// saves one `[…, d]` tensor per use. Values and gradients equal the separate ops', bit for bit.
    public static func layerNormLinear(_ x: Tensor, normWeight: Tensor, normBias: Tensor, eps: Float = 1e-5,
                                       weight: Tensor, bias: Tensor?) -> Tensor {
        let inputs = [x, normWeight, normBias, weight] + (bias.map { [$0] } ?? [])
        guard GradMode.enabled, inputs.contains(where: \.requiresGrad) else {
            return linear(layerNorm(x, weight: normWeight, bias: normBias, eps: eps), weight: weight, bias: bias)
        }
        let d = x.shape.last ?? 1
        check(normWeight.shape == [d] && normBias.shape == [d],
              "layerNormLinear: norm weight \(normWeight.shape) and bias \(normBias.shape) must be [\(d)] for input \(x.shape)")
        let (u, xhatOrNil, rstd) = normalized(x, weight: normWeight, bias: normBias, eps: eps, keepingNormalized: true)
        let xhat = xhatOrNil!
        let y = withoutGradients { linear(u, weight: weight, bias: bias) }
        let normNeeds = (x.requiresGrad, normWeight.requiresGrad, normBias.requiresGrad)
        return record(y, "layer_norm_linear", inputs) { g in
            let rows = xhat.count / Swift.max(d, 1)
            // The linear's input again, for dW = gᵀ u (only when the weight needs it).
            let u = weight.requiresGrad
                ? xhat.withPointer { ph in normWeight.withPointer { pw in normBias.withPointer { pb in Tensor.make(xhat.shape) {
                    Kernels.layerNormAffine(ph, pw, pb, $0, rows: rows, d: d)
                } } } }
                : xhat
            let needsNorm = normNeeds.0 || normNeeds.1 || normNeeds.2
            let lin = linearBackward(g, x: u, weight: weight, bias: bias, inputGradient: needsNorm)
            let norm: [Tensor?] = needsNorm
                ? layerNormBackward(lin[0]!, xhat: xhat, rstd: rstd, weight: normWeight, needs: normNeeds)
                : [nil, nil, nil]
            return norm + lin.dropFirst()
        }
    }

    /// A layer norm's forward: the output, and when `keepingNormalized` the normalised input x̂ for the
    /// backward; 1/σ per row either way.
    private static func normalized(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, keepingNormalized: Bool)
        -> (y: Tensor, xhat: Tensor?, rstd: [Float]) {
        let d = x.shape.last ?? 1, rows = x.count / Swift.max(d, 1)
        var rstd = [Float](repeating: 0, count: rows)
        var xhat: Tensor? = nil
        let y = x.withPointer { px in weight.withPointer { pw in bias.withPointer { pb in
            rstd.withUnsafeMutableBufferPointer { pr in
                Tensor.make(x.shape) { py in
                    if keepingNormalized {
                        xhat = Tensor.make(x.shape) { ph in
                            Kernels.layerNorm(px, pw, pb, py, xhat: ph, pr.baseAddress!, rows: rows, d: d, eps: eps)
                        }
                    } else {
                        Kernels.layerNorm(px, pw, pb, py, xhat: nil, pr.baseAddress!, rows: rows, d: d, eps: eps)
                    }
                }
            }
        } } }
        return (y, xhat, rstd)
    }

    /// A layer norm's backward from x̂ and 1/σ: the gradients of its input, gain and bias (nil where
    /// `needs` says none is wanted).
    private static func layerNormBackward(_ g: Tensor, xhat: Tensor, rstd: [Float], weight: Tensor,
                                          needs: (Bool, Bool, Bool)) -> [Tensor?] {
        let d = xhat.shape.last ?? 1, rows = xhat.count / Swift.max(d, 1)
        var dw = [Float](repeating: 0, count: d), db = [Float](repeating: 0, count: d)
        let dx = xhat.withPointer { ph in weight.withPointer { pw in g.withPointer { pg in
            rstd.withUnsafeBufferPointer { pr in
                dw.withUnsafeMutableBufferPointer { pdw in db.withUnsafeMutableBufferPointer { pdb in
                    Tensor.make(xhat.shape) {
                        Kernels.layerNormBackward(ph, pw, pg, pr.baseAddress!, $0, pdw.baseAddress!, pdb.baseAddress!,
                                                  rows: rows, d: d)
                    }
                } }
            }
        } } }
        return [needs.0 ? dx : nil, needs.1 ? Tensor(shape: [d], data: dw) : nil, needs.2 ? Tensor(shape: [d], data: db) : nil]
    }

    /// Scaled dot-product attention, fused: `softmax(Q Kᵀ / √d + mask) V` for `[B, H, T, D]` inputs
    /// (`[B·H, T, D]` also accepted), with an optional causal mask (position i sees j ≤ i).
    public static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false) -> Tensor {
        check(q.shape == k.shape && q.shape == v.shape && q.rank >= 3,
                     "attention: q \(q.shape), k \(k.shape), v \(v.shape) must share one [B, H, T, D] shape")
        let t = q.shape[q.rank - 2], d = q.shape[q.rank - 1], bh = q.count / Swift.max(t * d, 1)
        let scale = 1 / Float(d).squareRoot()
        // P = softmax(scale · Q Kᵀ) per (batch, head)
        var p = [Float](repeating: 0, count: bh * t * t)
        p.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress!
            q.withPointer { pq in k.withPointer { pk in
                Kernels.batchedGemm(transA: false, transB: true, batch: bh, m: t, n: t, k: d, a: pq, b: pk, c: pb)
            } }
            Engine.parallelFor(bh * t, minChunk: Swift.max(1, Engine.parallelThreshold / Swift.max(t, 1))) { r in
                for row in r {
                    let i = row % t, s = pb + row * t
                    for j in 0..<t { s[j] = (causal && j > i) ? -.infinity : s[j] * scale }
                }
            }
            Kernels.softmaxRows(pb, pb, rows: bh * t, n: t)
        }
        let out = p.withUnsafeBufferPointer { pp in v.withPointer { pv in Tensor.make(q.shape) {
            Kernels.batchedGemm(transA: false, transB: false, batch: bh, m: t, n: d, k: t, a: pp.baseAddress!, b: pv, c: $0)
        } } }
        return record(out, "attention", [q, k, v]) { g in
            var dq: Tensor? = nil, dk: Tensor? = nil, dv: Tensor? = nil
            p.withUnsafeBufferPointer { pp in g.withPointer { pg in
                let P = pp.baseAddress!
                if v.requiresGrad {   // dV = Pᵀ dO
                    dv = Tensor.make(v.shape) {
                        Kernels.batchedGemm(transA: true, transB: false, batch: bh, m: t, n: d, k: t, a: P, b: pg, c: $0)
                    }
                }
                // dP = dO Vᵀ; dS = softmax'(dP) · scale
                var ds = [Float](repeating: 0, count: bh * t * t)
                ds.withUnsafeMutableBufferPointer { dsp in
                    let S = dsp.baseAddress!
                    v.withPointer { pv in
                        Kernels.batchedGemm(transA: false, transB: true, batch: bh, m: t, n: t, k: d, a: pg, b: pv, c: S)
                    }
                    Kernels.softmaxRowsBackward(P, S, S, rows: bh * t, n: t)
                    if q.requiresGrad {   // dQ = dS K · scale
                        dq = k.withPointer { pk in Tensor.make(q.shape) {
                            Kernels.batchedGemm(transA: false, transB: false, batch: bh, m: t, n: d, k: t, a: S, b: pk, c: $0)
                        } }.mapValues { $0 * scale }
                    }
                    if k.requiresGrad {   // dK = dSᵀ Q · scale
                        dk = q.withPointer { pq in Tensor.make(k.shape) {
                            Kernels.batchedGemm(transA: true, transB: false, batch: bh, m: t, n: d, k: t, a: S, b: pq, c: $0)
                        } }.mapValues { $0 * scale }
                    }
                }
            } }
            return [dq, dk, dv]
        }
    }

    /// Reduction of a per-sample loss.
    public enum Reduction: String, Sendable { case none, mean, sum }

    /// Softmax cross-entropy of `[N, C]` logits against integer targets (`F.cross_entropy`):
    /// `[N]` per-sample losses for `.none`, else a scalar.
    public static func crossEntropy(_ logits: Tensor, targets: [Int], reduction: Reduction = .mean) -> Tensor {
        check(logits.rank == 2 && logits.shape[0] == targets.count,
                     "crossEntropy: logits \(logits.shape) need [N, C] with N = \(targets.count) targets")
        let n = logits.shape[0], c = logits.shape[1]
        for t in targets { check(t >= 0 && t < c, "crossEntropy: target \(t) out of range 0..<\(c)") }
        var logp = [Float](repeating: 0, count: n * c)
        logits.withPointer { x in logp.withUnsafeMutableBufferPointer { Kernels.logSoftmaxRows(x, $0.baseAddress!, rows: n, n: c) } }
        let per = (0..<n).map { -logp[$0 * c + targets[$0]] }
        let out: Tensor
        switch reduction {
        case .none: out = Tensor(shape: [n], data: per)
        case .mean: out = Tensor(per.reduce(0, +) / Float(Swift.max(n, 1)))
        case .sum: out = Tensor(per.reduce(0, +))
        }
        return record(out, "cross_entropy", [logits]) { g in
            // d/dx_ij = g_i · (softmax_ij − [j = t_i])
            var d = [Float](repeating: 0, count: n * c)
            for i in 0..<n {
                let gi: Float = reduction == .none ? g.data[i] : (reduction == .mean ? g.data[0] / Float(n) : g.data[0])
                for j in 0..<c { d[i * c + j] = gi * Foundation.exp(logp[i * c + j]) }
                d[i * c + targets[i]] -= gi
            }
            return [Tensor(shape: [n, c], data: d)]
        }
    }

    /// Divides each row (last axis) by its L2 norm, floored at `eps` (`F.normalize(x, dim=-1)`).
    public func l2Normalized(eps: Float = 1e-12) -> Tensor {
        let d = shape.last ?? 1, rows = count / Swift.max(d, 1)
        var norms = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var s: Float = 0
            for j in 0..<d { let v = data[r * d + j]; s += v * v }
            norms[r] = Swift.max(s.squareRoot(), eps)
        }
        let inShape = shape, n = count          // the input's shape, not the input: its values are not needed
        let out = Tensor(shape: shape, data: (0..<count).map { data[$0] / norms[$0 / d] })
        let y = out.data
        return Tensor.record(out, "l2_normalize", [self]) { g in
            // dx = (g − y·⟨g, y⟩)/‖x‖ where the norm is above eps; g/eps otherwise
            var dx = [Float](repeating: 0, count: n)
            for r in 0..<rows {
                let nrm = norms[r]
                var dot: Float = 0
                for j in 0..<d { dot += g.data[r * d + j] * y[r * d + j] }
                let above = nrm > eps
                for j in 0..<d {
                    dx[r * d + j] = above ? (g.data[r * d + j] - y[r * d + j] * dot) / nrm : g.data[r * d + j] / eps
                }
            }
            return [Tensor(shape: inShape, data: dx)]
        }
    }

    /// Patch embedding: a stride-`P` convolution with a `[O, C, P, P]` kernel and no bias, on `[B, C, H, W]`
    /// images (H, W divisible by P), returned as `[B, L, O]` tokens with L = (H/P)·(W/P) in row-major patch
    /// order — exactly open_clip's `conv1` followed by `reshape(B, O, L).permute(0, 2, 1)`. im2col + GEMM.
    public static func patchEmbed(_ images: Tensor, weight: Tensor) -> Tensor {
        check(images.rank == 4 && weight.rank == 4 && weight.shape[1] == images.shape[1]
                     && weight.shape[2] == weight.shape[3],
                     "patchEmbed: images \(images.shape) need [B, C, H, W] and weight \(weight.shape) [O, C, P, P]")
        let (b, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let o = weight.shape[0], p = weight.shape[2]
        check(h % p == 0 && w % p == 0, "patchEmbed: image \(h)×\(w) is not divisible by patch size \(p)")
        let gh = h / p, gw = w / p, l = gh * gw, kdim = c * p * p
        // cols[b·L + patch, (ch, dy, dx)]
        let cols = images.withPointer { x in Tensor.make([b * l, kdim]) { col in
            for bi in 0..<b { for py in 0..<gh { for px in 0..<gw {
                let row = col + ((bi * l) + py * gw + px) * kdim
                for ch in 0..<c { for dy in 0..<p {
                    let src = x + ((bi * c + ch) * h + py * p + dy) * w + px * p
                    (row + (ch * p + dy) * p).update(from: src, count: p)
                } }
            } } }
        } }
        let out = matmul(cols, weight.reshaped([o, kdim]), transposeB: true).reshaped([b, l, o])
        guard images.requiresGrad else { return out }
        // Route the gradient of `cols` back to the image layout (col2im).
        return record(out.detached(), "patch_embed", [images, weight]) { g in
            let g2 = g.reshaped([b * l, o])
            let gw2 = matmul(g2, cols, transposeA: true).reshaped(weight.shape)
            let gcols = matmul(g2, weight.reshaped([o, kdim]))
            let gimg = gcols.withPointer { col in Tensor.make(images.shape) { x in
                for bi in 0..<b { for py in 0..<gh { for px in 0..<gw {
                    let row = col + ((bi * l) + py * gw + px) * kdim
                    for ch in 0..<c { for dy in 0..<p {
                        (x + ((bi * c + ch) * h + py * p + dy) * w + px * p).update(from: row + (ch * p + dy) * p, count: p)
                    } }
                } } }
            } }
            return [gimg, gw2]
        }
    }
}

// MARK: - Fused layers (one kernel pass, no intermediate copies)

extension Tensor {
    /// A fully connected layer `y = x Wᵀ + b` (`torch.nn.functional.linear`) for `[…, in]` inputs, `weight`
    /// `[out, in]` and an optional `bias` `[out]`: the bias is the GEMM's starting value (β = 1), so there
    /// is no separate broadcast-add pass; the backward is `dx = g W`, `dW = gᵀ x`, `db = Σ_rows g`.
    ///
    /// With `residual` (`[…, out]`, the input's leading shape) the result is `residual + x Wᵀ + b`: the
    /// GEMM starts from `residual + b` instead of `b`, which replaces a transformer block's separate
    /// residual-add pass; the residual's gradient is `g` itself.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor? = nil) -> Tensor {
        check(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
              "linear: input \(x.shape) must end in weight \(weight.shape)'s \(weight.rank == 2 ? weight.shape[1] : -1) features")
        let out = weight.shape[0], inF = weight.shape[1]
        check(bias == nil || bias!.shape == [out], "linear: bias \(bias?.shape ?? []) must be [\(out)]")
        let rows = x.count / Swift.max(inF, 1)
        let outShape = Array(x.shape.dropLast()) + [out]
        check(residual == nil || residual!.shape == outShape,
              "linear: residual \(residual?.shape ?? []) must be the output shape \(outShape)")
        let y = x.withPointer { px in weight.withPointer { pw in Tensor.make(outShape) { c in
            let started = startValue(c, bias: bias, residual: residual, rows: rows, n: out)
            Kernels.gemm(transA: false, transB: true, m: rows, n: out, k: inF, a: px, b: pw, beta: started ? 1 : 0, c: c)
        } } }
        let hasResidual = residual != nil      // not the residual itself: its values are not needed
        return record(y, "linear", linearInputs(x, weight, bias, residual)) { g in
            linearBackward(g, x: x, weight: weight, bias: bias) + (hasResidual ? [g] : [])
        }
    }

    /// Writes a GEMM's starting value `residual + bias` (either may be absent) into the `rows × n`
    /// output `c`; false when there is none (the GEMM then runs with β = 0).
    private static func startValue(_ c: UnsafeMutablePointer<Float>, bias: Tensor?, residual: Tensor?,
                                   rows: Int, n: Int) -> Bool {
        switch (bias, residual) {
        case (nil, nil):
            return false
        case (let bias?, nil):
            bias.withPointer { Kernels.broadcastRows($0, c, rows: rows, n: n) }
        case (nil, let residual?):
            residual.withPointer { c.update(from: $0, count: rows * n) }
        case (let bias?, let residual?):
            bias.withPointer { pb in residual.withPointer { Kernels.addRows($0, pb, c, rows: rows, n: n) } }
        }
        return true
    }

    /// The graph inputs of a linear op, in the order its backward returns gradients.
    private static func linearInputs(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ residual: Tensor?) -> [Tensor] {
        [x, weight] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
    }

    /// `linear(gelu(x), weight, bias)` as one op — a transformer MLP's exact GELU and its `c_proj`. It
    /// keeps only the pre-activation `x`: the forward writes the GELU into a buffer it frees after the
    /// GEMM, and the backward writes it again for `dW = gᵀ gelu(x)` while it multiplies `g W` by the
    /// derivative (one erf and exp per element). The two separate ops keep the pre-activation *and* the
    /// GELU output, so this saves one `[…, hidden]` tensor per MLP — the largest activation of a
    /// transformer block — for one extra GELU pass. Values and gradients equal the separate ops', bit
    /// for bit (same kernels and expressions).
    ///
    /// `residual` is added to the result as in ``linear(_:weight:bias:residual:)``.
    public static func geluLinear(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor? = nil) -> Tensor {
        let inputs = linearInputs(x, weight, bias, residual)
        guard GradMode.enabled, inputs.contains(where: \.requiresGrad) else {
            return linear(x.gelu(), weight: weight, bias: bias, residual: residual)
        }
        let y = withoutGradients { linear(x.gelu(), weight: weight, bias: bias, residual: residual) }
        let hasResidual = residual != nil
        return record(y, "gelu_linear", inputs) { g in
            let n = x.count, hidden = weight.shape[1], out = weight.shape[0], rows = n / Swift.max(hidden, 1)
            var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
            g.withPointer { pg in x.withPointer { px in
                // da = g W, then da ⊙ gelu′(x), writing gelu(x) again for dW when the weight needs it.
                let da = weight.withPointer { pw in Tensor.make(x.shape) {
                    Kernels.gemm(transA: false, transB: false, m: rows, n: hidden, k: out, a: pg, b: pw, c: $0)
                } }
                let act: Tensor? = da.data.withUnsafeMutableBufferPointer { pda in
                    guard weight.requiresGrad else {
                        Kernels.geluRecomputingBackward(px, nil, pda.baseAddress!, n)
                        return nil
                    }
                    return Tensor.make(x.shape) { Kernels.geluRecomputingBackward(px, $0, pda.baseAddress!, n) }
                }
                if x.requiresGrad { dx = da }
                if let act {
                    dw = act.withPointer { pa in Tensor.make(weight.shape) {
                        Kernels.gemm(transA: true, transB: false, m: out, n: hidden, k: rows, a: pg, b: pa, c: $0)
                    } }
                }
                if let bias, bias.requiresGrad {
                    db = Tensor.make([out]) { Kernels.sumAxis(pg, $0, outer: 1, n: rows, inner: out) }
                }
            } }
            return [dx, dw] + (bias == nil ? [] : [db]) + (hasResidual ? [g] : [])
        }
    }

    /// The backward of `linear` for the output gradient `g`: `dx = g W`, `dW = gᵀ x`, `db = Σ_rows g`
    /// (nil for inputs that need no gradient; `inputGradient` overrides `x.requiresGrad` for `dx`).
    static func linearBackward(_ g: Tensor, x: Tensor, weight: Tensor, bias: Tensor?,
                               inputGradient: Bool? = nil) -> [Tensor?] {
        let out = weight.shape[0], inF = weight.shape[1]
        let rows = x.count / Swift.max(inF, 1)
        var grads: [Tensor?] = []
        g.withPointer { pg in
            grads.append((inputGradient ?? x.requiresGrad) ? weight.withPointer { pw in Tensor.make(x.shape) {
                Kernels.gemm(transA: false, transB: false, m: rows, n: inF, k: out, a: pg, b: pw, c: $0)
            } } : nil)
            grads.append(weight.requiresGrad ? x.withPointer { px in Tensor.make(weight.shape) {
                Kernels.gemm(transA: true, transB: false, m: out, n: inF, k: rows, a: pg, b: px, c: $0)
            } } : nil)
            if let bias {
                grads.append(bias.requiresGrad ? Tensor.make([out]) {
                    Kernels.sumAxis(pg, $0, outer: 1, n: rows, inner: out)
                } : nil)
            }
        }
        return grads
    }

    /// Multi-head self-attention from a packed `[B, T, 3d]` projection (query | key | value, as
    /// `in_proj_weight` lays them out) to the merged `[B, T, d]` heads: the same values as splitting
    /// `reshape(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)`, `attention(q, k, v, causal:)` and merging
    /// `permute(0, 2, 1, 3).reshape(B, T, d)`, without those copies (heads are GEMM strides).
    public static func packedAttention(_ qkv: Tensor, heads: Int, causal: Bool = false) -> Tensor {
        check(qkv.rank == 3 && heads > 0 && qkv.shape[2] % (3 * heads) == 0,
              "packedAttention: input \(qkv.shape) must be [B, T, 3·d] with d divisible by \(heads) heads")
        let b = qkv.shape[0], t = qkv.shape[1], d = qkv.shape[2] / 3, dh = d / heads
        let scale = 1 / Float(dh).squareRoot()
        var p = [Float](unsafeUninitializedCapacity: b * heads * t * t) { _, n in n = b * heads * t * t }
        let out = qkv.withPointer { px in p.withUnsafeMutableBufferPointer { pp in Tensor.make([b, t, d]) {
            Kernels.packedAttentionForward(px, $0, pp.baseAddress!, batch: b, t: t, heads: heads, dh: dh,
                                           scale: scale, causal: causal)
        } } }
        return record(out, "attention", [qkv]) { g in
            [qkv.withPointer { px in p.withUnsafeBufferPointer { pp in g.withPointer { pg in Tensor.make(qkv.shape) {
                Kernels.packedAttentionBackward(px, pp.baseAddress!, pg, $0, batch: b, t: t, heads: heads, dh: dh, scale: scale)
            } } } }]
        }
    }

    /// Multi-head attention of one query per batch entry: `query` `[B, d]` over the packed key | value
    /// projection `keysValues` `[B, T, 2d]` → `[B, d]` (heads merged, scale 1/√Dh). Row b attends to its
    /// first `keyCounts[b]` positions (all T when nil), which is the causal mask seen from the query at
    /// position `keyCounts[b] − 1`. The same values as `packedAttention` at that query's row, for the
    /// last block of a tower pooled at one token.
    public static func queryAttention(_ query: Tensor, _ keysValues: Tensor, heads: Int,
                                      keyCounts: [Int]? = nil) -> Tensor {
        check(query.rank == 2 && heads > 0 && query.shape[1] % heads == 0,
              "queryAttention: query \(query.shape) must be [B, d] with d divisible by \(heads) heads")
        let b = query.shape[0], d = query.shape[1], dh = d / heads
        check(keysValues.rank == 3 && keysValues.shape[0] == b && keysValues.shape[2] == 2 * d,
              "queryAttention: keys/values \(keysValues.shape) must be [\(b), T, \(2 * d)]")
        let t = keysValues.shape[1]
        if let keyCounts {
            check(keyCounts.count == b && keyCounts.allSatisfy { $0 >= 1 && $0 <= t },
                  "queryAttention: keyCounts must be \(b) counts in 1...\(t), got \(keyCounts)")
        }
        let scale = 1 / Float(dh).squareRoot()
        var p = [Float](unsafeUninitializedCapacity: b * heads * t) { _, n in n = b * heads * t }
        let out = query.withPointer { pq in keysValues.withPointer { pkv in p.withUnsafeMutableBufferPointer { pp in
            Tensor.make([b, d]) {
                Kernels.queryAttentionForward(pq, pkv, $0, pp.baseAddress!, batch: b, t: t, heads: heads, dh: dh,
                                              scale: scale, keyCounts: keyCounts)
            }
        } } }
        return record(out, "attention", [query, keysValues]) { g in
            var dkv: Tensor?
            let dq = query.withPointer { pq in keysValues.withPointer { pkv in p.withUnsafeBufferPointer { pp in
                g.withPointer { pg in Tensor.make([b, d]) { pdq in
                    dkv = Tensor.make(keysValues.shape) { pdkv in
                        Kernels.queryAttentionBackward(pq, pkv, pp.baseAddress!, pg, pdq, pdkv, batch: b, t: t,
                                                       heads: heads, dh: dh, scale: scale, keyCounts: keyCounts)
                    }
                } }
            } } }
            return [dq, dkv]
        }
    }
}
