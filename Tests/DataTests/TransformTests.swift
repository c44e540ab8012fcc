import Foundation
import Testing
import Tensor
@testable import Data

@Suite struct TransformTests {
    var rng = RandomGenerator(seed: 7)

    @Test func resizeKeepsAspectOnShorterSide() throws {
        var r = rng
        let out = try Resize(size: 10).applied(gradientImage(width: 40, height: 20), rng: &r)
        #expect(out.width == 20 && out.height == 10)
        let tall = try Resize(size: 8).applied(gradientImage(width: 9, height: 30), rng: &r)
        #expect(tall.width == 8 && tall.height == 26)    // floor(8 · 30 / 9)
    }

    @Test func resamplingPreservesConstantsAndAntialiases() {
        let flat = Image(width: 13, height: 7, channels: 1, pixels: [Float](repeating: 0.3, count: 91))
        let up = Resampling.cropResize(flat, x: 0, y: 0, width: 13, height: 7, outWidth: 31, outHeight: 5)
        #expect(up.pixels.allSatisfy { abs($0 - 0.3) < 1e-6 })
        // Halving [0, 1, 0, 1] with an antialiased bilinear (triangle of support 2): first output is
        // (0·0.75 + 1·0.75 + 0·0.25) / 1.75 = 3/7, as PIL computes it.
        let stripes = Image(width: 4, height: 1, channels: 1, pixels: [0, 1, 0, 1])
        let half = Resampling.cropResize(stripes, x: 0, y: 0, width: 4, height: 1, outWidth: 2, outHeight: 1, filter: .bilinear)
        #expect(abs(half.pixels[0] - 3.0 / 7.0) < 1e-6)
    }

    @Test func centerCropTakesTheMiddleAndPadsSmallImages() throws {
        var r = rng
        let img = Image(width: 5, height: 5, channels: 1, pixels: (0..<25).map(Float.init))
        let c = try CenterCrop(size: 3).applied(img, rng: &r)
        #expect(c.pixels == [6, 7, 8, 11, 12, 13, 16, 17, 18])
        let small = Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        let p = try CenterCrop(size: 4).applied(small, rng: &r)
        #expect(p.pixels == [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
    }

    @Test func randomResizedCropStaysInScaleAndRatio() {
        var r = RandomGenerator(seed: 1)
        let t = RandomResizedCrop(size: 16)
        var boxes: [String] = []
        for _ in 0..<200 {
            let (x, y, w, h) = t.box(width: 100, height: 100, rng: &r)
            #expect(x >= 0 && y >= 0 && x + w <= 100 && y + h <= 100)
            let area = Double(w * h) / 10000
            #expect(area >= 0.88 && area <= 1.0)
            let ratio = Double(w) / Double(h)
            #expect(ratio >= 0.74 && ratio <= 1.35)
            boxes.append("\(x),\(y),\(w),\(h)")
        }
        #expect(Set(boxes).count > 20)
        var r2 = RandomGenerator(seed: 1)
        #expect((0..<200).map { _ in let b = t.box(width: 100, height: 100, rng: &r2); return "\(b.0),\(b.1),\(b.2),\(b.3)" } == boxes)
    }

    @Test func flipNormalizeGray() throws {
        var r = rng
        let img = Image(width: 3, height: 1, channels: 1, pixels: [1, 2, 3])
        #expect(try HorizontalFlip(p: 1).applied(img, rng: &r).pixels == [3, 2, 1])
        #expect(try HorizontalFlip(p: 0).applied(img, rng: &r).pixels == [1, 2, 3])
        let rgb = try GrayscaleToRGB().applied(img, rng: &r)
        #expect(rgb.channels == 3 && rgb.pixels == [1, 2, 3, 1, 2, 3, 1, 2, 3])
        let m = Normalize.clipMean, s = Normalize.clipStd
        let one = Image(width: 1, height: 1, channels: 3, pixels: [m[0], m[1] + s[1], 1])
        let n = try Normalize().applied(one, rng: &r)
        #expect(abs(n.pixels[0]) < 1e-6 && abs(n.pixels[1] - 1) < 1e-5 && abs(n.pixels[2] - (1 - m[2]) / s[2]) < 1e-5)
        let e = #expect(throws: ImageDecodeError.self) { try Normalize().applied(img, rng: &r) }
        #expect(e?.message == "normalize needs an RGB image but got 1 channel(s); put grayscale-to-rgb before it")
    }

    @Test func defaultPipelinesProduceSquareRGB() throws {
        var r = rng
        let gray = Image(width: 50, height: 30, channels: 1, pixels: [Float](repeating: 0.5, count: 1500))
        for p in [TransformPipeline.train(imageSize: 24), .eval(imageSize: 24)] {
            let out = try p.applied(gray, rng: &r)
            #expect(out.width == 24 && out.height == 24 && out.channels == 3)
        }
    }
}
