import Tensor

/// Separable image resampling as PIL does it (open_clip's transforms run on PIL images): the filter's
/// support widens by the scale factor when shrinking (antialiasing), and weights are normalised per
/// output pixel. Bicubic uses PIL's a = −0.5.
public enum Resampling {
    /// The interpolation filter.
    public enum Filter: String, Sendable, CaseIterable {
        case bicubic, bilinear

        var support: Double { self == .bicubic ? 2 : 1 }

        func weight(_ x: Double) -> Double {
            let x = abs(x)
            switch self {
            case .bilinear: return x < 1 ? 1 - x : 0
            case .bicubic:
                let a = -0.5
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
        }
    }

    /// Per output pixel: the first input tap, the number of taps, and the normalised weights (flat,
    /// `maxTaps` per output pixel, unused slots zero).
    struct Taps {
        var starts: [Int]
        var counts: [Int]
        var weights: [Float]
        var maxTaps: Int
    }

    static func taps(inStart: Int, inSize: Int, outSize: Int, filter: Filter) -> Taps {
        let scale = Double(inSize) / Double(outSize)
        let fscale = max(scale, 1)
        let support = filter.support * fscale
        let maxTaps = Int((support * 2).rounded(.up)) + 2
        var t = Taps(starts: [Int](repeating: 0, count: outSize), counts: [Int](repeating: 0, count: outSize),
                     weights: [Float](repeating: 0, count: outSize * maxTaps), maxTaps: maxTaps)
        var w = [Double](repeating: 0, count: maxTaps)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let lo = max(0, Int((center - support + 0.5).rounded(.down)))
            let hi = min(inSize, Int((center + support + 0.5).rounded(.down)), lo + maxTaps)
            var total = 0.0
            var n = 0
            if hi > lo {
                for k in lo..<hi {
                    let v = filter.weight((Double(k) - center + 0.5) / fscale)
                    w[n] = v; total += v; n += 1
                }
            }
            if n == 0 || total == 0 {   // degenerate (cannot happen for sizes ≥ 1): nearest pixel
                t.starts[i] = inStart + min(inSize - 1, max(0, Int(center)))
                t.counts[i] = 1
                t.weights[i * maxTaps] = 1
                continue
            }
            t.starts[i] = inStart + lo
            t.counts[i] = n
            for k in 0..<n { t.weights[i * maxTaps + k] = Float(w[k] / total) }
        }
        return t
    }

    /// Crops the box (`x`, `y`, `width`, `height`, inside the image) and resizes it to `outWidth × outHeight`
    /// in one pass. Results are clamped to [0, 1] as 8-bit PIL output would be.
    public static func cropResize(_ image: Image, x: Int, y: Int, width: Int, height: Int,
                                  outWidth: Int, outHeight: Int, filter: Filter = .bicubic) -> Image {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= image.width && y + height <= image.height,
                     "Resampling: crop box outside the image")
        let C = image.channels, W = image.width, H = image.height
        let h = taps(inStart: x, inSize: width, outSize: outWidth, filter: filter)
        let v = taps(inStart: y, inSize: height, outSize: outHeight, filter: filter)
        // Horizontal pass over the rows the vertical pass needs: [C, height, outWidth].
        var tmp = [Float](repeating: 0, count: C * height * outWidth)
        // Raw pointers and wrapping index arithmetic keep the inner loops free of overflow checks, so
        // the vertical pass vectorises.
        image.pixels.withUnsafeBufferPointer { srcBuf in
            tmp.withUnsafeMutableBufferPointer { dstBuf in
                h.weights.withUnsafeBufferPointer { hwBuf in
                    h.starts.withUnsafeBufferPointer { starts in
                        h.counts.withUnsafeBufferPointer { counts in
                            let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, hw = hwBuf.baseAddress!
                            for c in 0..<C {
                                for r in 0..<height {
                                    let srow = src + (c * H + y + r) * W
                                    let drow = dst + (c * height + r) * outWidth
                                    for o in 0..<outWidth {
                                        let s0 = srow + starts[o], w0 = hw + o &* h.maxTaps
                                        var acc: Float = 0
                                        for k in 0..<counts[o] { acc += w0[k] * s0[k] }
                                        drow[o] = acc
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: C * outHeight * outWidth)
        tmp.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                v.weights.withUnsafeBufferPointer { vwBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, vw = vwBuf.baseAddress!
                    for c in 0..<C {
                        for o in 0..<outHeight {
                            let r0 = v.starts[o] - y, w0 = o * v.maxTaps
                            let d = dst + (c * outHeight + o) * outWidth
                            for k in 0..<v.counts[o] {
                                let s = src + (c * height + r0 + k) * outWidth
                                let wk = vw[w0 + k]
                                for j in 0..<outWidth { d[j] += wk * s[j] }
                            }
                            for j in 0..<outWidth { d[j] = min(1, max(0, d[j])) }
                        }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: C, pixels: out)
    }
}
