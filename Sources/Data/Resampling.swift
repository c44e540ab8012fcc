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

    /// Per output pixel: the first input tap and normalised weights.
    private static func taps(inStart: Int, inSize: Int, outSize: Int, filter: Filter) -> (starts: [Int], weights: [[Float]]) {
        let scale = Double(inSize) / Double(outSize)
        let fscale = max(scale, 1)
        let support = filter.support * fscale
        var starts = [Int](repeating: 0, count: outSize)
        var weights = [[Float]](repeating: [], count: outSize)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let lo = max(0, Int((center - support + 0.5).rounded(.down)))
            let hi = min(inSize, Int((center + support + 0.5).rounded(.down)))
            var w: [Double] = []
            var total = 0.0
            if hi > lo {
                for k in lo..<hi {
                    let v = filter.weight((Double(k) - center + 0.5) / fscale)
                    w.append(v); total += v
                }
            }
            if w.isEmpty || total == 0 {   // degenerate (cannot happen for sizes ≥ 1), nearest pixel
                let k = min(inSize - 1, max(0, Int(center)))
                starts[i] = inStart + k; weights[i] = [1]; continue
            }
            starts[i] = inStart + lo
            weights[i] = w.map { Float($0 / total) }
        }
        return (starts, weights)
    }

    /// Crops the box (`x`, `y`, `width`, `height`, inside the image) and resizes it to `outWidth × outHeight`
    /// in one pass. Results are clamped to [0, 1] as 8-bit PIL output would be.
    public static func cropResize(_ image: Image, x: Int, y: Int, width: Int, height: Int,
                                  outWidth: Int, outHeight: Int, filter: Filter = .bicubic) -> Image {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= image.width && y + height <= image.height,
                     "Resampling: crop box outside the image")
        let C = image.channels, W = image.width, H = image.height
        _ = H
        let (hs, hw) = taps(inStart: x, inSize: width, outSize: outWidth, filter: filter)
        let (vs, vw) = taps(inStart: y, inSize: height, outSize: outHeight, filter: filter)
        // Horizontal pass over the rows the vertical pass needs: [C, height, outWidth].
        var tmp = [Float](repeating: 0, count: C * height * outWidth)
        image.pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                for c in 0..<C {
                    for r in 0..<height {
                        let srow = (c * image.height + y + r) * W
                        let drow = (c * height + r) * outWidth
                        for o in 0..<outWidth {
                            let s0 = srow + hs[o]
                            var acc: Float = 0
                            let ws = hw[o]
                            for k in 0..<ws.count { acc += ws[k] * src[s0 + k] }
                            dst[drow + o] = acc
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: C * outHeight * outWidth)
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<C {
                    for o in 0..<outHeight {
                        let ws = vw[o]
                        let r0 = vs[o] - y
                        let drow = (c * outHeight + o) * outWidth
                        for k in 0..<ws.count {
                            let srow = (c * height + r0 + k) * outWidth
                            let wk = ws[k]
                            for j in 0..<outWidth { dst[drow + j] += wk * src[srow + j] }
                        }
                        for j in 0..<outWidth { dst[drow + j] = min(1, max(0, dst[drow + j])) }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: C, pixels: out)
    }
}
